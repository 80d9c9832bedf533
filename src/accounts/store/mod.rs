//! Diesel queries and rows, one file per aggregate.

pub mod calendar;
pub mod department;
pub mod platform;
pub mod settings;
pub mod user;
