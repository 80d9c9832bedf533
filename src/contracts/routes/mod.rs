//! Handlers, one file per page family.

pub mod contract_texts;
pub mod contracts;
pub mod extract;
pub mod fulfilment;
