//! Handlers, one file per page family.

pub mod announcements;
pub mod bidding;
pub mod extract;
pub mod open_data;
pub mod owner;
pub mod policy_rules;
pub mod result;
pub mod supervise;
