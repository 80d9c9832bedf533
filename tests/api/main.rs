//! One integration-test binary (faster to link than one per file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod authz;
mod browser;
mod helpers;
mod i18n;
mod instances;
mod mail;
mod migrations;
mod security;
mod smtp;
