//! Handlers, one file per page family.

pub mod credit;
pub mod sanctions;
