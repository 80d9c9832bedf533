//! Credit 信用: the credit library (rules, records, scores and grades), sanctions (the
//! blacklist 失信名单, market bans 禁入 and their persons), alerts and credit repair 信用修复.
//!
//! Writes (in `store`): publishing scoring rules, adding and revoking a record, regrading
//! (`credit`), listing and ending a listing, banning, alerts, repair applications and their
//! decisions (`sanctions`).

pub mod routes;
pub mod steps;
pub mod store;
pub mod views;
