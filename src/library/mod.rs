//! The agency library 中介机构库: agencies' profiles, the items they offer with their fees,
//! their certificates and the department's review of them, and the public library pages.
//!
//! Writes (in `steps`): the agency's profile, managers, practitioners, offered items and
//! certificates, and the department's review of a certificate; the escalation of an
//! overdue review runs in the daily job (`store::review`).

pub mod routes;
pub mod steps;
pub mod store;
