//! Statistics 统计分析 (`/stats`): the platform's figures as server-rendered SVG charts, each
//! with its data table and a CSV download — announcements per month by mode and by department,
//! winning price against the cap, time from publication to signed contract, 流标 rate and
//! valid quotes per mode, credit grades, sanctions per month and the owners' ratings.
//!
//! `store` reads one query per chart, `domain::stats` computes the figures, `views` turns them
//! into sections (chart + table), `routes` parses the filters. Nothing here writes.

pub mod routes;
pub mod store;
pub mod views;
