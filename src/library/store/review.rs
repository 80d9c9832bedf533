//! Overdue qualification reviews 资质审核超期: a pending certificate past its review due day
//! is escalated once — mailed to the reviewing department's regulators, so that any of them
//! takes it up (nobody holds a pending review; the queue is the department's) — and listed
//! for the administrator. Run by the daily job (`jobs::reviews`, claimed once per China day
//! through `job_runs`); the `review_escalations` primary key keeps each escalation single.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::audit::{self, Actor};
use crate::credit::store::sanctions::mail_user;
use crate::db::schema::{
    agencies, agency_certificates as ac, departments, review_escalations as re, users,
};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::agency_rules;
use crate::domain::status::{ReviewStatus, Role, UserStatus};

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

/// Escalates every overdue review not escalated yet: per certificate, in one transaction, the
/// `review_escalations` row, a mail (outbox and message centre) to each active regulator of
/// the reviewing department, and the audit entry. A review whose department is not set up
/// has nobody to mail: it stays on the administrator's list, unescalated. Returns how many
/// were escalated.
pub fn escalate_overdue(
    c: &mut DbConnection,
    today: NaiveDate,
    public_url: &str,
) -> Result<usize, DbError> {
    let due: Vec<Overdue> = overdue(c, today)?
        .into_iter()
        .filter(|o| o.escalated.is_none())
        .collect();
    let mut n = 0;
    for o in due {
        let Some((dept, _, _)) = o.department.clone() else {
            tracing::warn!(
                certificate = o.certificate_id,
                qual_type = %o.qual_type,
                "overdue review: its reviewing department is not set up"
            );
            continue;
        };
        let r = write_tx(c, |c| escalate_one(c, &o, dept, today, public_url));
        match r {
            Ok(true) => n += 1,
            Ok(false) => {}
            // Another instance escalated it first (only after a taken-over daily claim).
            Err(DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn escalate_one(
    c: &mut DbConnection,
    o: &Overdue,
    dept: i64,
    today: NaiveDate,
    public_url: &str,
) -> Result<bool, DbError> {
    let still_pending: i64 = ac::table
        .find(o.certificate_id)
        .filter(ac::status.eq(ReviewStatus::Pending))
        .count()
        .get_result(c)?;
    let done: i64 = re::table.find(o.certificate_id).count().get_result(c)?;
    if still_pending == 0 || done > 0 {
        return Ok(false);
    }
    let reviewers: Vec<i64> = users::table
        .filter(users::role.eq(Role::Regulator))
        .filter(users::status.eq(UserStatus::Active))
        .filter(users::department_id.eq(dept))
        .order(users::id)
        .select(users::id)
        .load(c)?;
    let now = crate::db::now();
    diesel::insert_into(re::table)
        .values((
            re::certificate_id.eq(o.certificate_id),
            re::department_id.eq(dept),
            re::review_due.eq(o.review_due),
            re::recipients.eq(reviewers.len() as i32),
            re::escalated_at.eq(now),
        ))
        .execute(c)?;
    let days_over = (today - o.review_due).num_days().to_string();
    for id in &reviewers {
        let lang = users::table
            .find(id)
            .select(users::locale)
            .first::<String>(c)
            .ok()
            .and_then(|l| crate::i18n::Lang::parse(&l))
            .unwrap_or(crate::i18n::Lang::Zh);
        let args = [
            ("agency", o.agency.clone()),
            (
                "qual",
                crate::i18n::tr(lang, &format!("cat.qual.{}", o.qual_type)).to_string(),
            ),
            ("number", o.number.clone()),
            ("due", o.review_due.to_string()),
            ("days", days_over.clone()),
            (
                "link",
                format!("{public_url}/review/certificates/{}", o.certificate_id),
            ),
        ];
        mail_user(c, *id, "review_overdue", &args)?;
    }
    audit::record(
        c,
        &Actor::system(),
        "certificate.review_escalated",
        "agency_certificate",
        o.certificate_id,
        &serde_json::json!({
            "department_id": dept,
            "review_due": o.review_due,
            "recipients": reviewers,
        }),
        "",
    )?;
    Ok(true)
}
