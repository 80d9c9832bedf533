//! Credit records, scores and grades; blacklist, bans, alerts and repair (`src/credit`).

mod records;
mod sanctions;
