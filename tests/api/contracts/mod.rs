//! Model texts, contracts and signing; fulfilment and evaluation (`src/contracts`).

pub(crate) mod extractors;
pub(crate) mod fulfilment;
pub(crate) mod signing;
