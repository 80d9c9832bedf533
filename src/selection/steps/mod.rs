//! Every state change of a selection, each one write transaction with its audit entry and its
//! mail:
//! - `publication`: creating a project, saving and publishing an announcement, amending and
//!   cancelling it, declaring and withdrawing self-preparation;
//! - `quotes`: registering, quoting (and revising), withdrawing and re-confirming a quote;
//! - `opening`: the opening at the deadline and the daily advance (closing windows, forfeit);
//! - `result`: justification and its decision, the owner's choice, objection and answer, the
//!   winner's confirmation (the award), re-publishing a failed selection.

pub mod opening;
pub mod publication;
pub mod quotes;
pub mod result;

pub use quotes::*;
