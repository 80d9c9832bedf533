//! Handlers, one file per page family.

pub mod agency;
pub mod library;
pub mod review;
