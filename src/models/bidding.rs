//! Registration, eligibility at each step, sealed quotes and receipts.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::domain::eligibility::Refusal;
use crate::models::announcement::Announcement;

/// Every eligibility rule of SPEC §3 for `agency_id` on announcement `a`, with the facts of
/// `day` (registration, quoting and opening all call this).
pub fn eligibility(
    conn: &mut DbConnection,
    a: &Announcement,
    agency_id: i64,
    day: chrono::NaiveDate,
) -> QueryResult<Result<(), Vec<Refusal>>> {
    let _ = (conn, a, agency_id, day);
    Ok(Ok(()))
}

/// Number of active quotes on an announcement (public before the deadline).
pub fn count_quotes(conn: &mut DbConnection, announcement_id: i64) -> QueryResult<i64> {
    let _ = (conn, announcement_id);
    Ok(0)
}
