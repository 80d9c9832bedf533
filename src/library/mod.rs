//! The agency library 中介机构库: agencies' profiles, the items they offer with their fees,
//! their certificates and the department's review of them, and the public library pages.
//!
//! Writes (in `store`): the agency's profile, items and certificates (`agency`), the review
//! of a certificate and its escalation when overdue (`review`).

pub mod routes;
pub mod store;
