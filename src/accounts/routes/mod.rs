//! Handlers, one file per page family.

pub mod account;
pub mod admin;
pub mod auth;
pub mod calendar;
pub mod clock;
