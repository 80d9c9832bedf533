//! Blacklist 失信名单, market bans 禁入 with their persons, alerts, credit repair (issue 4).
//! The rules are in `domain::credit`; this file loads facts and stores decisions.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::domain::credit::Restriction;

/// What keeps an agency from registering, quoting or signing on `day`: the one check that
/// selection and contracts call (live, not from the `agencies.sanctioned` cache).
pub fn restrictions(
    _conn: &mut DbConnection,
    _agency_id: i64,
    _day: NaiveDate,
) -> QueryResult<Vec<Restriction>> {
    // Stub until the sanctions work lands.
    Ok(Vec::new())
}

/// Recomputes the `agencies.sanctioned` cache for every agency with a listing, ban or banned
/// manager (the daily job: listings end by themselves). Returns how many rows changed.
pub fn refresh_sanctioned(_conn: &mut DbConnection, _day: NaiveDate) -> QueryResult<usize> {
    // Stub until the sanctions work lands.
    Ok(0)
}
