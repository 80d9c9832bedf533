//! Every write of the credit feature made on a page, each in one write transaction with its
//! audit entry and its mail: publishing a rule set, recording a credit record (with its
//! evidence document) and revoking one by a new record; listing an agency on the blacklist
//! 失信名单, a market ban 禁入 with its persons, resolving an alert, an agency's application
//! for credit repair 信用修复 and its decision. Automatic records (forfeit, refusal to sign,
//! late delivery, ratings) are written by the steps that cause them
//! (`store::credit::record_automatic`); listings and bans end by the daily job.

use chrono::NaiveDate;
use diesel::QueryResult;

use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::credit::store::credit as mc;
use crate::credit::store::sanctions as sx;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::credit::{self as rules, CreditError, Kind, RecordForm, RuleSet};
use crate::error::{Refusal, StepError};
use crate::i18n::Lang;
use crate::mail::notify::{mail_regulators, mail_user};
use crate::uploads::KeptMeta;
use crate::web::fmt;

fn actor(me: &CurrentUser) -> Actor {
    Actor::user(me.id, me.role)
}

/// A credit rule that says no (points not in the rule set, repair too early …) is refused
/// as invalid, with the rule's own message.
impl From<CreditError> for Refusal {
    fn from(e: CreditError) -> Refusal {
        let mut r = Refusal::invalid(e.key());
        r.args = e.args();
        r
    }
}

/// A record revoked (or a revocation made) already.
pub const ALREADY_REVOKED: &str = "credit.err.already_revoked";
/// A revocation, repair or blacklisting record: not revoked here.
pub const NOT_REVOCABLE: &str = "credit.err.not_revocable";
/// An alert resolved by someone else meanwhile.
pub const ALERT_RESOLVED: &str = "sanctions.alert.already";
/// A repair application decided by someone else meanwhile.
pub const REPAIR_DECIDED: &str = "sanctions.repair.already";
/// A repair application pending already for the listing.
pub const REPAIR_PENDING: &str = "sanctions.repair.pending";
/// A listing not in force (ended, repaired, or not begun): nothing to repair.
pub const LISTING_NOT_ACTIVE: &str = "sanctions.repair.not_active";

/// The mail to the agency about a record written or revoked, in its user's language.
fn mail_agency(
    c: &mut DbConnection,
    agency_id: i64,
    kind: &str,
    args: &dyn Fn(Lang) -> Vec<(&'static str, String)>,
) -> Result<(), DbError> {
    if let Some(u) = crate::accounts::store::user::find(c, agency_id)? {
        let ulang = Lang::parse(&u.locale).unwrap_or(Lang::Zh);
        let mut a = args(ulang);
        a.push(("name", u.contact_name.clone()));
        a.push(("org", u.org_name.clone()));
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, b) = crate::mail::compose(ulang, kind, &a);
        crate::mail::store::enqueue(c, Some(u.id), &u.email, &s, &b)?;
    }
    Ok(())
}

/// A new rule set, in force at once; grades are recomputed by the job. Returns its version.
pub fn publish_rules(
    c: &mut DbConnection,
    me: &CurrentUser,
    candidate: &RuleSet,
    note: &str,
) -> Result<i32, DbError> {
    write_tx(c, |c| {
        let v = mc::publish_rules(c, candidate, note, me.id)?;
        audit::record(
            c,
            &actor(me),
            "credit.rules.publish",
            "credit_rule_set",
            v,
            candidate,
            note,
        )?;
        Ok(v)
    })
}

/// A regulator's record on `agency_id` (its department is the regulator's), with the
/// evidence document if one was kept; the agency is told by mail. Returns the record's id.
pub fn add_record(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    form: &RecordForm,
    document: Option<&(String, KeptMeta)>,
) -> Result<i64, DbError> {
    add_record_linked(c, me, agency_id, form, document, None)
}

/// [`add_record`] for a record another feature's step causes, linked to its object
/// (`ref_kind`, `ref_id`: e.g. `("inspection", result id)`), so the record and the object
/// name each other. Runs inside the caller's transaction when there is one.
pub fn add_record_linked(
    c: &mut DbConnection,
    me: &CurrentUser,
    agency_id: i64,
    form: &RecordForm,
    document: Option<&(String, KeptMeta)>,
    link: Option<(&str, i64)>,
) -> Result<i64, DbError> {
    let dept = me.department_id;
    write_tx(c, |c| {
        let upload_id = crate::uploads::store::insert_kept(c, me.id, document)?;
        let n = mc::NewRecord {
            agency_id,
            kind: form.kind,
            points: form.points,
            stars_x100: None,
            source: form.kind.regulator_source(),
            evidence: &form.evidence,
            upload_id,
            legal_basis: &form.legal_basis,
            department_id: dept,
            recorded_by: Some(me.id),
            effective_on: form.effective_on,
            valid_until: None,
            revokes_id: None,
            ref_kind: link.map(|l| l.0),
            ref_id: link.map(|l| l.1),
            evidence_i18n: None,
        };
        let rid = mc::insert_record(c, &n)?;
        let rec = mc::find_record(c, rid)?;
        audit::record(
            c,
            &actor(me),
            "credit.record.add",
            "credit_record",
            rid,
            &rec,
            form.kind.code(),
        )?;
        let depts = crate::accounts::store::department::all(c)?;
        let evidence_m = rules::mask_free_text(&form.evidence);
        mail_agency(c, agency_id, "credit_recorded", &|l| {
            vec![
                (
                    "kind",
                    crate::i18n::tr(l, &form.kind.label_key()).to_string(),
                ),
                ("points", fmt::signed(form.points)),
                ("date", fmt::date(form.effective_on)),
                ("department", fmt::dept(l, &depts, dept)),
                ("evidence", evidence_m.clone()),
                ("basis", form.legal_basis.clone()),
                ("id", rid.to_string()),
            ]
        })?;
        Ok(rid)
    })
}

/// Whether record `rec` can be revoked: not revoked already, and not itself a revocation,
/// repair or blacklisting (a listing ends through repair). The page asks before it checks
/// the reason; the step asks again.
pub fn revocable(rec: &mc::Record, already: bool) -> Result<(), Refusal> {
    if already {
        return Err(Refusal::conflict(ALREADY_REVOKED));
    }
    if rec.kind.revokes() || rec.kind == Kind::Blacklisted {
        return Err(Refusal::invalid(NOT_REVOCABLE));
    }
    Ok(())
}

/// Revokes record `id` by a new revocation record with `reason`; the agency is told by mail.
/// Refused as [`revocable`] says; two regulators at once meet the unique index on
/// `revokes_id`, which lets one through and refuses the other ([`ALREADY_REVOKED`]).
pub fn revoke_record(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<i64, StepError> {
    let done = write_tx(c, |c| revoke_in_tx(c, me, id, reason));
    match done {
        Err(StepError::Db(e)) if e.is_unique_violation() => {
            Err(Refusal::conflict(ALREADY_REVOKED).into())
        }
        done => done,
    }
}

fn revoke_in_tx(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<i64, StepError> {
    let r = mc::find_record(c, id)?.ok_or_else(Refusal::not_found)?;
    revocable(&r, mc::revoked_by(c, id)?.is_some())?;
    let mut n = mc::NewRecord::new(r.agency_id, Kind::Revocation, 0, rules::Source::Regulator);
    n.evidence = reason;
    n.department_id = me.department_id;
    n.recorded_by = Some(me.id);
    n.revokes_id = Some(r.id);
    let vid = mc::insert_record(c, &n)?;
    let v = mc::find_record(c, vid)?;
    audit::record(
        c,
        &actor(me),
        "credit.record.revoke",
        "credit_record",
        r.id,
        &v,
        reason,
    )?;
    let reason_m = rules::mask_free_text(reason);
    mail_agency(c, r.agency_id, "credit_revoked", &|l| {
        vec![
            ("kind", fmt::credit_kind(l, r.kind.code())),
            ("date", fmt::date(r.effective_on)),
            ("id", r.id.to_string()),
            ("reason", reason_m.clone()),
        ]
    })?;
    Ok(vid)
}

// ---------------------------------------------------------------- sanctions

/// A listing's or a ban's reason, legal basis and period (already checked).
pub struct Period<'a> {
    pub reason: &'a str,
    pub legal_basis: &'a str,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
}

impl Period<'_> {
    fn mail_args(&self) -> [(&'static str, String); 4] {
        [
            ("reason", self.reason.to_string()),
            ("basis", self.legal_basis.to_string()),
            ("from", fmt::date(self.starts_on)),
            ("to", fmt::date(self.ends_on)),
        ]
    }
}

/// Lists agency `agency_id` on the blacklist for `department_id`; the agency is told.
pub fn blacklist(
    c: &mut DbConnection,
    me: &CurrentUser,
    department_id: i64,
    agency_id: i64,
    period: &Period,
) -> Result<(), DbError> {
    write_tx(c, |c| {
        let n = sx::NewListing {
            agency_id,
            department_id,
            reason: period.reason,
            legal_basis: period.legal_basis,
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            by: me.id,
        };
        let id = sx::create_listing(c, &n)?;
        let l = sx::find_listing(c, id)?;
        audit::record(
            c,
            &actor(me),
            "credit.blacklist.create",
            "blacklist_entry",
            id,
            &l,
            "",
        )?;
        mail_user(c, agency_id, "blacklisted", &period.mail_args())?;
        Ok(())
    })
}

/// A market ban on agency `agency_id` and its `persons` (name, checked ID number); alerts
/// are raised where a banned person serves another agency. Returns how many were raised.
pub fn ban(
    c: &mut DbConnection,
    me: &CurrentUser,
    department_id: i64,
    agency_id: i64,
    period: &Period,
    persons: Vec<(String, String)>,
) -> Result<usize, DbError> {
    let count = persons.len();
    write_tx(c, |c| {
        let n = sx::NewBan {
            agency_id,
            department_id,
            reason: period.reason,
            legal_basis: period.legal_basis,
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            by: me.id,
            persons: persons.clone(),
        };
        let (id, alerts) = sx::create_ban(c, &n)?;
        let raised = alerts.len();
        let bans = sx::bans_of(c, agency_id)?;
        let ban = bans.iter().find(|b| b.id == id);
        audit::record(
            c,
            &actor(me),
            "credit.ban.create",
            "market_ban",
            id,
            &ban,
            &format!("persons={count} alerts={raised}"),
        )?;
        mail_user(c, agency_id, "banned", &period.mail_args())?;
        mail_alerts(c, alerts)?;
        Ok(raised)
    })
}

/// Marks alert `id` resolved with `note`; refused ([`ALERT_RESOLVED`]) when it was resolved
/// already.
pub fn resolve_alert(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    note: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        if !sx::resolve_alert(c, id, me.id)? {
            return Err(Refusal::conflict(ALERT_RESOLVED).into());
        }
        let a = sx::find_alert(c, id)?;
        audit::record(
            c,
            &actor(me),
            "credit.alert.resolve",
            "credit_alert",
            id,
            &a,
            note,
        )?;
        Ok(())
    })
}

/// The department's decision on a repair application; refused ([`REPAIR_DECIDED`]) when it
/// was decided already.
pub fn decide_repair(
    c: &mut DbConnection,
    me: &CurrentUser,
    repair: &sx::Repair,
    listing: &sx::Listing,
    approve: bool,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        if !sx::decide_repair(c, repair, listing, approve, reason, me.id)? {
            return Err(Refusal::conflict(REPAIR_DECIDED).into());
        }
        let r = sx::find_repair(c, repair.id)?;
        let action = if approve {
            "credit.repair.approve"
        } else {
            "credit.repair.reject"
        };
        audit::record(
            c,
            &actor(me),
            action,
            "credit_repair",
            repair.id,
            &r,
            reason,
        )?;
        mail_user(
            c,
            listing.agency_id,
            if approve {
                "repair_approved"
            } else {
                "repair_rejected"
            },
            &[(
                "reason",
                if reason.is_empty() {
                    "—".to_string()
                } else {
                    reason.to_string()
                },
            )],
        )?;
        Ok(())
    })
}

/// Whether the agency may apply for repair of `listing` on `today`: the listing is in force,
/// no application is `pending`, and the rule set's share of the period has passed. The form
/// shows the reason before anything is typed; the step asks again.
pub fn repairable(
    listing: &sx::Listing,
    pending: bool,
    rules: &RuleSet,
    today: NaiveDate,
) -> Result<(), Refusal> {
    if !listing.period().active_on(today) {
        return Err(Refusal::conflict(LISTING_NOT_ACTIVE));
    }
    if pending {
        return Err(Refusal::conflict(REPAIR_PENDING));
    }
    rules.check_repair(listing.starts_on, listing.ends_on, today)?;
    Ok(())
}

/// The agency `me` applies for repair of `listing` with its evidence (and a document if one
/// was kept); refused as [`repairable`] says (two quick submissions make one application).
pub fn apply_repair(
    c: &mut DbConnection,
    me: &CurrentUser,
    listing: &sx::Listing,
    evidence: &str,
    document: Option<&(String, KeptMeta)>,
) -> Result<i64, StepError> {
    let today = crate::db::today();
    write_tx(c, |c| {
        let rules = mc::current_rules(c)?.rules();
        repairable(
            listing,
            sx::has_pending_repair(c, listing.id)?,
            &rules,
            today,
        )?;
        let upload_id = crate::uploads::store::insert_kept(c, me.id, document)?;
        let id = sx::apply_repair(c, listing, evidence, upload_id)?;
        let r = sx::find_repair(c, id)?;
        let agency = sx::agency_name(c, listing.agency_id)?;
        mail_regulators(
            c,
            listing.department_id,
            "repair_applied",
            &[("agency", agency), ("id", id.to_string())],
        )?;
        audit::record(
            c,
            &actor(me),
            "credit.repair.apply",
            "credit_repair",
            id,
            &r,
            "",
        )?;
        Ok(id)
    })
}

/// Mails the regulators of each department an alert was raised for: a banned person serves
/// another agency as a senior manager.
pub(crate) fn mail_alerts(c: &mut DbConnection, alerts: Vec<sx::RaisedAlert>) -> QueryResult<()> {
    for a in alerts {
        mail_regulators(
            c,
            a.department_id,
            "credit_alert",
            &[("agency", a.agency), ("manager", a.manager)],
        )?;
    }
    Ok(())
}

/// Regrades the stale and ungraded agencies (`batch` per transaction). Grades are public:
/// a change goes on the trail (which also stamps the cached pages).
pub fn regrade_stale(c: &mut DbConnection, today: NaiveDate, batch: i64) -> Result<usize, DbError> {
    let n = mc::regrade_stale(c, today, batch, mc::REGRADE_SETTLE)?;
    if n > 0 {
        let version = mc::current_rules(c)?.version;
        write_tx(c, |c| {
            audit::record(
                c,
                &Actor::system(),
                "credit.regrade",
                "credit_rule_set",
                version,
                &serde_json::json!({ "regraded": n, "day": today }),
                "",
            )
        })?;
    }
    Ok(n)
}

/// Regrades every agency (the demo's generated ones), `batch` per transaction, and puts the
/// regrade on the trail.
pub fn regrade_all(
    c: &mut DbConnection,
    today: NaiveDate,
    batch: i64,
    detail: &str,
) -> Result<usize, DbError> {
    let graded = mc::recompute_all(c, today, batch)?;
    write_tx(c, |c| {
        audit::record(
            c,
            &Actor::system(),
            "credit.regrade",
            "agency",
            "all",
            &serde_json::json!({ "regraded": graded, "day": today }),
            detail,
        )
    })?;
    Ok(graded)
}
