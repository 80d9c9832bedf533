//! One file per aggregate: row structs and the queries on them. No HTTP here; handlers call
//! these inside `db::run`, write paths inside `db::write_tx`.

pub mod agency;
pub mod announcement;
pub mod audit;
pub mod bidding;
pub mod calendar;
pub mod catalogue;
pub mod collusion;
pub mod contract;
pub mod credit;
pub mod department;
pub mod evaluation;
pub mod fulfilment;
pub mod library;
pub mod login_attempt;
pub mod mail;
pub mod model_text;
pub mod opening;
pub mod platform;
pub mod publication;
pub mod review;
pub mod sanctions;
pub mod sealing_key;
pub mod session;
pub mod settings;
pub mod token;
pub mod upload;
pub mod user;
pub mod workbench;
