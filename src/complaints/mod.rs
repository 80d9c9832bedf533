//! Complaints 投诉举报: anyone files a complaint against an agency, an announcement (the
//! selection), a contract (fulfilment), an owner or a department; it is routed to the
//! responsible department (`domain::complaints::responsible`), which acknowledges it, may
//! transfer it with a reason, investigates and answers it within working-day deadlines; the
//! complainant may ask once for a review (复核) decided by another regulator; the respondent
//! sees the substance and answers, never the complainant's identity; the public sees upheld
//! outcomes, anonymised, and the figures by department.
//!
//! Writes (`steps`): filing (signed in), a visitor's submission and its confirmation by the
//! mailed link, accept / not accept, investigate, extend, transfer, answer (with an optional
//! 投诉查实 credit record through `credit::steps::add_record_linked`), review request and
//! decision, the respondent's answer, and the daily overdue reminder (`jobs`).

pub mod routes;
pub mod steps;
pub mod store;
pub mod views;
