//! Diesel queries and rows, one file per aggregate.

pub mod contract;
pub mod evaluation;
pub mod fulfilment;
pub mod model_text;
