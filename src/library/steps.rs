//! Every write of the agency library, each in one write transaction with its audit entry
//! (and its mail): what an agency keeps of itself — its profile, senior managers,
//! practitioners, the items it offers with their terms (明码标价, 承诺时限), its certificates —
//! each bumping the profile's version with a snapshot; and the department's review of a
//! certificate. The overdue review escalation runs in the daily job (`store::review`).

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::db::schema::{agency_certificates as ac, review_escalations as re, users};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::agency_rules::{self, Certificate};
use crate::domain::status::ReviewStatus;
use crate::error::{Refusal, StepError};
use crate::library::store::agency::{self as ag, OfferTerms, ProfileFields};
use crate::library::store::review::{Overdue, overdue};
use crate::mail::notify::mail_user;
use crate::uploads::KeptMeta;

/// One profile change: `change` writes it, then the version is bumped, the snapshot stored
/// and the audit entry appended.
fn commit_change<T>(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    action: &str,
    detail: &str,
    change: impl FnOnce(&mut DbConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    write_tx(c, |c| {
        let out = change(c)?;
        let snap = ag::save_version(c, agency_id, Some(me.id))?;
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            action,
            "agency",
            agency_id,
            &snap,
            detail,
        )?;
        Ok(out)
    })
}

pub fn update_profile(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    f: &ProfileFields,
) -> Result<(), DbError> {
    commit_change(c, me, agency_id, "agency.profile.update", "", |c| {
        Ok(ag::update_profile(c, agency_id, f)?)
    })
}

/// A senior manager; a banned person blocks the agency and alerts the regulator. Returns
/// how many alerts were raised.
pub fn add_manager(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    name: &str,
    id_number: &str,
    position: &str,
) -> Result<usize, DbError> {
    commit_change(c, me, agency_id, "agency.manager.add", "", |c| {
        ag::add_manager(c, agency_id, name, id_number, position)?;
        let alerts =
            crate::credit::store::sanctions::check_new_manager(c, agency_id, id_number, name)?;
        let raised = alerts.len();
        crate::credit::steps::mail_alerts(c, alerts)?;
        Ok(raised)
    })
}

/// Removes a senior manager (a banned one's block is lifted from the cached lists).
pub fn remove_manager(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    manager_id: i64,
) -> Result<usize, DbError> {
    commit_change(c, me, agency_id, "agency.manager.remove", "", |c| {
        let n = ag::remove_manager(c, manager_id)?;
        crate::credit::store::sanctions::refresh_one(c, agency_id, crate::db::today())?;
        Ok(n)
    })
}

pub fn add_practitioner(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    name: &str,
    cert_type: &str,
    cert_number: &str,
) -> Result<(), DbError> {
    commit_change(c, me, agency_id, "agency.practitioner.add", "", |c| {
        Ok(ag::add_practitioner(
            c,
            agency_id,
            name,
            cert_type,
            cert_number,
        )?)
    })
}

pub fn remove_practitioner(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    practitioner_id: i64,
) -> Result<usize, DbError> {
    commit_change(c, me, agency_id, "agency.practitioner.remove", "", |c| {
        Ok(ag::remove_practitioner(c, practitioner_id)?)
    })
}

/// Offers catalogue item `item_id` (its code names the audit entry) on `terms`.
pub fn offer_item(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    item_id: i64,
    code: &str,
    terms: &OfferTerms,
) -> Result<(), DbError> {
    commit_change(c, me, agency_id, "agency.item.add", code, |c| {
        Ok(ag::add_offered(c, agency_id, item_id, terms)?)
    })
}

pub fn update_offer(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    offer_id: i64,
    code: &str,
    terms: &OfferTerms,
) -> Result<usize, DbError> {
    commit_change(c, me, agency_id, "agency.item.update", code, |c| {
        Ok(ag::update_offered(c, offer_id, terms)?)
    })
}

pub fn withdraw_offer(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    offer_id: i64,
    code: &str,
) -> Result<usize, DbError> {
    commit_change(c, me, agency_id, "agency.item.remove", code, |c| {
        Ok(ag::remove_offered(c, offer_id)?)
    })
}

/// A certificate with its scan (already written to the upload folder), pending review; its
/// review is due `review_days` working days after `today` on the administrator's calendar.
pub fn add_certificate(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    cert: &Certificate,
    (stored, (orig, ct, size, sha)): (&str, &KeptMeta),
    review_days: u32,
    today: NaiveDate,
) -> Result<i64, DbError> {
    commit_change(
        c,
        me,
        agency_id,
        "agency.certificate.add",
        cert.qual_type,
        |c| {
            let cal = crate::accounts::store::calendar::load_from(c, today)?;
            let due = agency_rules::review_due(today, review_days, &cal);
            let upload_id =
                crate::uploads::store::insert(c, agency_id, stored, orig, ct, *size, sha)?;
            let n = ag::NewCertificate {
                agency_id,
                qual_type: cert.qual_type.to_string(),
                level: cert.level,
                number: cert.number.clone(),
                issuer: cert.issuer.clone(),
                valid_from: cert.valid_from,
                valid_to: cert.valid_to,
                upload_id: Some(upload_id),
                review_due: due,
            };
            Ok(ag::add_certificate(c, &n)?)
        },
    )
}

/// The certificate under review, as the decision and its mail name it.
pub struct Reviewed<'a> {
    pub id: i64,
    pub agency_id: i64,
    pub qual_type: &'a str,
    pub number: &'a str,
}

/// A certificate already decided (by someone else meanwhile) is not decided again.
pub const ALREADY_REVIEWED: &str = "agency.review.already";

/// Whether a certificate in `status` can still be decided (the page asks before it shows
/// the form's messages; the step asks again inside its transaction).
pub fn reviewable(status: ReviewStatus) -> Result<(), Refusal> {
    if status == ReviewStatus::Pending {
        Ok(())
    } else {
        Err(Refusal::conflict(ALREADY_REVIEWED))
    }
}

/// The department's decision on a pending certificate (a rejection has its reason); the
/// agency is told by mail. Refused ([`ALREADY_REVIEWED`]) when it was decided already.
pub fn review_certificate(
    c: &mut DbConnection,
    me: &CurrentUser,
    cert: &Reviewed,
    approve: bool,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let reason_opt = (!reason.is_empty()).then_some(reason);
        if !ag::review_certificate(c, cert.id, approve, reason_opt, me.id)? {
            return Err(Refusal::conflict(ALREADY_REVIEWED).into());
        }
        ag::save_version(c, cert.agency_id, Some(me.id))?;
        let row = ag::find_certificate(c, cert.id)?;
        let action = if approve {
            "agency.certificate.approve"
        } else {
            "agency.certificate.reject"
        };
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            action,
            "agency_certificate",
            cert.id,
            &row,
            reason,
        )?;
        if let Some(u) = crate::accounts::store::user::find(c, cert.agency_id)? {
            let ulang = crate::i18n::Lang::parse(&u.locale).unwrap_or(crate::i18n::Lang::Zh);
            let qual_name = crate::i18n::tr(ulang, &format!("cat.qual.{}", cert.qual_type));
            let outcome = crate::i18n::tr(
                ulang,
                if approve {
                    "agency.cert.status.approved"
                } else {
                    "agency.cert.status.rejected"
                },
            );
            let reason_text = if reason.is_empty() { "—" } else { reason };
            let (s, b) = crate::mail::compose(
                ulang,
                "cert_reviewed",
                &[
                    ("name", u.contact_name.as_str()),
                    ("org", u.org_name.as_str()),
                    ("qual", qual_name),
                    ("number", cert.number),
                    ("outcome", outcome),
                    ("reason", reason_text),
                ],
            );
            crate::mail::store::enqueue(c, Some(u.id), &u.email, &s, &b)?;
        }
        Ok(())
    })
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
        .filter(users::role.eq(crate::domain::status::Role::Regulator))
        .filter(users::status.eq(crate::domain::status::UserStatus::Active))
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
