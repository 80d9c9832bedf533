//! Supervision 监管: what the public and the regulators see of the market's conduct.
//!
//! - the exposure record 曝光台 (`/exposure`, public): current and past blacklist entries,
//!   market bans with their persons, upheld complaints, inspection problems and serious
//!   credit deductions, filtered by department, kind and year, paged, as CSV and JSON;
//! - price and conduct signals (`/regulate/signals`, regulators of the items' department and
//!   admins): quotes outside the agency's published fee range (明码标价), winning prices far
//!   above the item's median, owners whose contracts lapse unsigned or are paid late.
//!
//! Both only read: the entries are written by the credit feature (listings, bans, records —
//! also the records that complaints and inspections add), the signals' facts by selection
//! and contracts. It is its own feature because it reads across all of them; the rules are
//! in `domain::exposure` and `domain::signals`.

pub mod routes;
pub mod store;
pub mod views;
