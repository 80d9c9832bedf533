//! Handlers, one file per page family.

pub mod credit;
pub mod open_data;
pub mod sanctions;
