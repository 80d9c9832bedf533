//! The catalogue 中介服务事项清单: the items, their legal bases, time limits, fees and
//! qualifications, their changes over time, and the regional assessments 区域评估.
//!
//! Writes (in `steps`, each with its audit entry): adding an item as a draft, modifying it,
//! publishing a draft, cancelling a retained item, recording a regional assessment.

pub mod routes;
pub mod steps;
pub mod store;
