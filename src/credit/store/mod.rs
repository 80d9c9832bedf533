//! Diesel queries and rows, one file per aggregate.

pub mod credit;
pub mod sanctions;
