//! Overdue qualification reviews 资质审核超期: a pending certificate past its review due day
//! is escalated once — mailed to the reviewing department's regulators, so that any of them
//! takes it up (nobody holds a pending review; the queue is the department's) — and listed
//! for the administrator. Run by the daily job (`jobs::reviews`, claimed once per China day
//! through `job_runs`); the `review_escalations` primary key keeps each escalation single.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates as ac, departments, review_escalations as re,
};
use crate::domain::agency_rules;
use crate::domain::status::ReviewStatus;

/// The name of the daily run in `job_runs`.
pub const DAILY: &str = "review_escalation";

/// One pending certificate past its due day.
#[derive(Clone, Debug)]
pub struct Overdue {
    pub certificate_id: i64,
    pub agency_id: i64,
    pub agency: String,
    pub qual_type: String,
    pub level: i32,
    pub number: String,
    pub review_due: NaiveDate,
    /// The reviewing department's id and name (None when that department is not set up).
    pub department: Option<(i64, String, String)>,
    /// When it was escalated and to how many regulators.
    pub escalated: Option<(NaiveDateTime, i32)>,
}

type Raw = (
    i64,
    i64,
    String,
    String,
    i32,
    String,
    NaiveDate,
    Option<(NaiveDateTime, i32)>,
);

/// Every pending certificate whose review was due before `today`, oldest due first.
pub fn overdue(c: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<Overdue>> {
    let rows: Vec<Raw> = ac::table
        .inner_join(agencies::table)
        .left_join(re::table)
        .filter(ac::status.eq(ReviewStatus::Pending))
        .filter(ac::review_due.lt(today))
        .order((ac::review_due, ac::id))
        .select((
            ac::id,
            ac::agency_id,
            agencies::name,
            ac::qual_type,
            ac::level,
            ac::number,
            ac::review_due,
            (re::escalated_at, re::recipients).nullable(),
        ))
        .load(c)?;
    let depts: Vec<(i64, String, String, String)> = departments::table
        .select((
            departments::id,
            departments::code,
            departments::name_zh,
            departments::name_en,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(certificate_id, agency_id, agency, qual_type, level, number, review_due, esc)| {
                let department = agency_rules::reviewing_department(&qual_type).and_then(|code| {
                    depts
                        .iter()
                        .find(|d| d.1 == code)
                        .map(|d| (d.0, d.2.clone(), d.3.clone()))
                });
                Overdue {
                    certificate_id,
                    agency_id,
                    agency,
                    qual_type,
                    level,
                    number,
                    review_due,
                    department,
                    escalated: esc,
                }
            },
        )
        .collect())
}
