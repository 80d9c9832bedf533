//! Open data in the Open Contracting Data Standard 1.1 (OCDS): every published announcement
//! as a contracting process with its releases (publication, amendments, cancellation,
//! opening, award, contract, fulfilment), its record with the compiled release, and a paged
//! feed of all releases since a date.
//!
//! The mapping rules are pure (`domain::ocds`); `store` reads the facts, `routes` serves the
//! packages. Nothing here writes, except that an announcement past its deadline is opened
//! first (`selection::steps::opening::open_if_due`), as its page does.

pub mod routes;
pub mod store;
