//! Diesel queries and rows, one file per aggregate.

pub mod agency;
pub mod library;
pub mod review;
