//! Contracts 合同: model texts 合同示范文本 and their versions, contracts drafted from them at
//! the award, signing, fulfilment (deliverables, payments, acceptance) and the evaluation
//! 好差评 that closes a contract.
//!
//! Writes (in `steps`): publishing a model text version (`model_text`), drafting, editing,
//! signing, annulling a contract (`contract`), submitting and deciding deliverables,
//! recording payments and acceptance (`fulfilment`), rating (`evaluation`).

pub mod routes;
pub mod steps;
pub mod store;
pub mod views;
