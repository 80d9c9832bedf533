//! One integration-test binary (faster to link than one per file), its tests in one folder
//! per feature as `src/` has them; `fixtures` builds their worlds, `helpers` starts the app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod catalogue;
mod complaints;
mod contracts;
mod credit;
mod fixtures;
mod helpers;
mod home;
mod inspections;
mod library;
mod ocds;
mod opendata;
mod platform;
mod selection;
mod stats;
mod supervision;
