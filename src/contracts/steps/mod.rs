//! Every state change of a contract, each one write transaction with its audit entry and its
//! mail: model texts (`model_text`), drafting, signing and lapsing contracts (`contract`),
//! deliverables, amendments, payments and reminders (`fulfilment`), evaluations and appeals
//! (`evaluation`).

pub mod contract;
pub mod evaluation;
pub mod fulfilment;
pub mod model_text;
