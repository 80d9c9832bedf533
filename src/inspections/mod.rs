//! Random inspections 双随机、一公开 (issue 15 item 2): each department keeps a pool of
//! inspectors 执法检查人员 (regulator accounts, so the drawn ones sign in to record results);
//! a regulator creates an inspection task (scope: the department's items or qualification
//! types, a sampling rate ≥ `inspection_min_rate_pct`, ≥ 2 inspectors per agency, a window),
//! edits it while a draft and publishes it: the population (agencies in scope that day) is
//! fixed and hashed and a seed commitment published. The draw (verifiable, `domain::draw`'s
//! proof format, recomputed by the page's 验证 button and `zhongjie verify-draw --inspection`)
//! picks the agencies, then each agency's inspectors; a conflicted inspector is replaced by
//! the next place of that draw. The drawn inspectors record each agency's result; a problem
//! adds an `inspection_failure` credit record; everything is public at `/inspections`.
//!
//! Steps (`steps.rs`): `add_inspector`, `remove_inspector`, `create_task`, `update_task`,
//! `publish_task`, `draw`, `recuse`, `record_result`. Rules: `domain::inspection`.

pub mod routes;
pub mod steps;
pub mod store;
pub mod views;

pub use routes::config;
