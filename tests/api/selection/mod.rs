//! Publication, registration and sealed quotes, opening, result, objections and award, and the
//! regulator's view (`src/selection`).

pub(crate) mod bidding;
mod extractors;
mod policy_rules;
mod publication;
pub(crate) mod result;
mod supervise;
