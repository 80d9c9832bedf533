//! Diesel queries and rows, one file per aggregate.

pub mod announcement;
pub mod bidding;
pub mod collusion;
pub mod opening;
pub mod publication;
