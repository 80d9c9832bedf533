//! Selection 选取: the owner's projects and announcements, registration and sealed quotes,
//! the opening at the deadline, the result (with the verifiable draw), objections, the
//! agency's confirmation and the award, and the regulator's view of it (collusion signals,
//! the rules of publication).
//!
//! Writes (in `store`): publishing, amending and withdrawing an announcement
//! (`publication`), registering, quoting, revising and withdrawing a quote (`bidding`),
//! opening, justification, objection and its answer, confirmation, forfeit, re-run and the
//! award (`opening`), the owner's self-preparation declaration (`publication`).

pub mod routes;
pub mod steps;
pub mod store;
pub mod views;
