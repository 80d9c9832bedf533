//! Every write of complaints, each in one write transaction with its audit entry, its event
//! row and its mail: filing, a visitor's submission and confirmation, the department's steps
//! (accept, not accept, investigate, extend, transfer, answer, decide a review), the
//! complainant's review request, the respondent's answer, and the daily overdue reminder.
//!
//! Mail to the respondent is built from [`Substance`] only: it never carries the
//! complainant's name, e-mail or phone.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::complaints::store::{self as cs, Complaint, Substance};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::complaints::{
    self as rules, Deadlines, Filing, Move, Outcome, RespondentKind, Route, State,
};
use crate::error::{Refusal, StepError};
use crate::i18n::{self, Lang};
use crate::uploads::KeptMeta;

/// The respondent named does not exist (shown beside the respondent field).
pub const NO_RESPONDENT: &str = "complaints.err.respondent";
/// Too many complaints today from this account.
pub const LIMIT_ACCOUNT: &str = "complaints.err.limit_account";
/// Too many complaints today from this address.
pub const LIMIT_ADDRESS: &str = "complaints.err.limit_address";
/// The confirmation link expired: nothing was filed.
pub const LINK_EXPIRED: &str = "complaints.err.link_expired";
/// No department to route it to.
pub const NO_DEPARTMENT: &str = "complaints.err.no_department";
/// The review is asked after its window.
pub const REVIEW_LATE: &str = "complaints.err.review_late";
/// The regulator who answered does not decide the review.
pub const SAME_REGULATOR: &str = "complaints.err.same_regulator";
/// Transfer to the department it is in already, or to no department.
pub const BAD_TRANSFER: &str = "complaints.err.transfer";
/// Changed by someone else meanwhile.
pub const MOVED: &str = "complaints.err.moved";

impl From<rules::Barred> for Refusal {
    fn from(r: rules::Barred) -> Refusal {
        Refusal::conflict(r.key())
    }
}

fn actor(me: &CurrentUser) -> Actor {
    Actor::user(me.id, me.role)
}

fn settings_deadlines(c: &mut DbConnection) -> Result<(Deadlines, i64), DbError> {
    let s = crate::accounts::store::settings::load(c)?;
    let d = |k| u32::try_from(s.get(k)).unwrap_or(1);
    Ok((
        Deadlines {
            ack_days: d("complaint_ack_days"),
            answer_days: d("complaint_answer_days"),
            review_days: d("complaint_review_days"),
        },
        s.get("complaint_visitor_link_hours"),
    ))
}

fn calendar(c: &mut DbConnection) -> Result<crate::domain::workdays::Calendar, DbError> {
    let from = crate::db::today() - chrono::Duration::days(400);
    Ok(crate::accounts::store::calendar::load_from(c, from)?)
}

/// The respondent as found: its account (if it has one), its name, where the complaint goes.
pub struct Respondent {
    pub user_id: Option<i64>,
    pub name: String,
    pub department_id: i64,
}

/// The 政务服务管理局's id, found by its department code.
pub fn services_department(c: &mut DbConnection) -> QueryResult<Option<i64>> {
    use crate::db::schema::departments;
    departments::table
        .filter(departments::code.eq(rules::SERVICES_DEPARTMENT_CODE))
        .select(departments::id)
        .first(c)
        .optional()
}

/// Finds the respondent a filing names and the department responsible for it; refused
/// (beside the respondent field) when it does not exist.
pub fn resolve(
    c: &mut DbConnection,
    kind: RespondentKind,
    id: i64,
    complainant: Option<i64>,
) -> Result<Respondent, StepError> {
    use crate::db::schema::{
        announcements, catalogue_items, contracts, departments, projects, users,
    };
    let services = services_department(c)?;
    let none = || StepError::from(Refusal::invalid(NO_RESPONDENT));
    let (user_id, name, route_dept, regulators) = match kind {
        RespondentKind::Agency => {
            let a = crate::library::store::agency::find(c, id)?.ok_or_else(none)?;
            let regs = crate::credit::store::credit::domain_departments(c, id, crate::db::today())?;
            (Some(a.user_id), a.name, None, Some(regs))
        }
        RespondentKind::Announcement => {
            let (owner, pname, dept): (i64, String, i64) = announcements::table
                .inner_join(projects::table)
                .inner_join(
                    catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)),
                )
                .filter(announcements::id.eq(id))
                .select((
                    announcements::owner_id,
                    projects::name,
                    catalogue_items::department_id,
                ))
                .first(c)
                .optional()?
                .ok_or_else(none)?;
            (Some(owner), pname, Some(dept), None)
        }
        RespondentKind::Contract => {
            let (owner, agency, dept, pname): (i64, i64, i64, String) = contracts::table
                .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
                .inner_join(
                    announcements::table.on(announcements::id.eq(contracts::announcement_id)),
                )
                .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
                .filter(contracts::id.eq(id))
                .select((
                    contracts::owner_id,
                    contracts::agency_id,
                    catalogue_items::department_id,
                    projects::name,
                ))
                .first(c)
                .optional()?
                .ok_or_else(none)?;
            // The agency of the contract complains about the owner; anyone else about the
            // agency.
            let against = if complainant == Some(agency) {
                owner
            } else {
                agency
            };
            (Some(against), pname, Some(dept), None)
        }
        RespondentKind::Owner => {
            let (uid, org): (i64, String) = users::table
                .filter(users::id.eq(id))
                .filter(users::role.eq(crate::auth::Role::Owner))
                .select((users::id, users::org_name))
                .first(c)
                .optional()?
                .ok_or_else(none)?;
            (Some(uid), org, None, None)
        }
        RespondentKind::Department => {
            let name: String = departments::table
                .find(id)
                .select(departments::name_zh)
                .one(c)?
                .ok_or_else(none)?;
            (None, name, None, None)
        }
    };
    let route = match (route_dept, &regulators) {
        (Some(d), _) => Route::Item { department_id: d },
        (None, Some(r)) => Route::Agency { regulators: r },
        (None, None) => Route::Services,
    };
    let department_id = rules::responsible(&route, services)
        .ok_or_else(|| StepError::from(Refusal::conflict(NO_DEPARTMENT)))?;
    Ok(Respondent {
        user_id,
        name,
        department_id,
    })
}

/// Who files: a signed-in user, or a visitor whose e-mail was confirmed; and from where.
pub struct Filer<'a> {
    pub user: Option<&'a CurrentUser>,
    pub ip: &'a str,
}

/// What filing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filed {
    /// A new case.
    New { id: i64, tracking_no: String },
    /// The same complainant's case on the same respondent and grounds is open: linked to it.
    Linked { id: i64, first: String },
}

fn day_start_utc(today: NaiveDate) -> NaiveDateTime {
    // China midnight is 16:00 UTC the day before.
    today.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8)
}

/// Refused when the account or the address has filed its daily allowance.
fn check_limits(c: &mut DbConnection, account: Option<i64>, ip: &str) -> Result<(), StepError> {
    let s = crate::accounts::store::settings::load(c)?;
    let since = day_start_utc(crate::db::today());
    if let Some(a) = account {
        let n = cs::filed_since(c, Some(a), None, since)?;
        if !rules::within_limit(n, s.get("complaint_daily_per_account")) {
            return Err(Refusal::conflict(LIMIT_ACCOUNT).into());
        }
    }
    let n = cs::filed_since(c, None, Some(ip), since)?;
    if !rules::within_limit(n, s.get("complaint_daily_per_address")) {
        return Err(Refusal::conflict(LIMIT_ADDRESS).into());
    }
    Ok(())
}

/// Files a signed-in user's complaint (a visitor's goes through [`submit_visitor`] and
/// [`confirm`]). Evidence, if any, was kept by the handler once every field was valid.
pub fn file(
    c: &mut DbConnection,
    filer: &Filer<'_>,
    filing: &Filing,
    evidence: Option<&(String, KeptMeta)>,
) -> Result<Filed, StepError> {
    write_tx(c, |c| {
        let me = filer.user;
        check_limits(c, me.map(|u| u.id), filer.ip)?;
        file_in_tx(c, filer, filing, evidence, None).map(|(f, _)| f)
    })
}

fn file_in_tx(
    c: &mut DbConnection,
    filer: &Filer<'_>,
    filing: &Filing,
    evidence: Option<&(String, KeptMeta)>,
    access_hash: Option<&str>,
) -> Result<(Filed, Complaint), StepError> {
    let kind = filing.kind();
    let complainant = filer.user.map(|u| u.id);
    let resp = resolve(c, kind, filing.respondent_id, complainant)?;
    let visitor = filing.visitor.as_ref();
    let first = cs::open_duplicate(
        c,
        complainant,
        visitor.map(|v| v.email.as_str()),
        kind,
        filing.respondent_id,
        &filing.grounds,
    )?;
    let (deadlines, _) = settings_deadlines(c)?;
    let today = crate::db::today();
    let cal = calendar(c)?;
    let prefix = rules::tracking_prefix(today);
    let n = cs::count_with_prefix(c, &prefix)? + 1;
    let tracking_no = rules::tracking_number(today, n);
    let id = cs::insert(
        c,
        &cs::NewComplaint {
            tracking_no: &tracking_no,
            respondent_kind: kind,
            respondent_id: filing.respondent_id,
            respondent_user_id: resp.user_id,
            respondent_name: &resp.name,
            grounds: &filing.grounds,
            facts: &filing.facts,
            request: &filing.request,
            complainant_id: complainant,
            visitor,
            access_hash,
            filed_ip: filer.ip,
            department_id: first
                .as_ref()
                .map_or(resp.department_id, |f| f.department_id),
            state: if first.is_some() {
                State::Linked
            } else {
                State::Filed
            },
            ack_due: deadlines.ack_due(&cal, today),
            duplicate_of: first.as_ref().map(|f| f.id),
        },
    )?;
    if let Some(e) = evidence {
        cs::add_evidence(c, id, e)?;
    }
    let row = cs::find(c, id)?.ok_or_else(Refusal::not_found)?;
    let who = filer.user.map(actor).unwrap_or(Actor {
        id: None,
        role: "visitor".into(),
    });
    if let Some(f) = first {
        cs::add_event(c, f.id, "linked", complainant, None, &tracking_no)?;
        cs::add_event(c, id, "linked", complainant, None, &f.tracking_no)?;
        audit::record(
            c,
            &who,
            "complaint.linked",
            "complaint",
            id,
            &row,
            &f.tracking_no,
        )?;
        mail_complainant(
            c,
            &row,
            "complaint_linked",
            &[("first", f.tracking_no.clone())],
        )?;
        return Ok((
            Filed::Linked {
                id: f.id,
                first: f.tracking_no,
            },
            row,
        ));
    }
    cs::add_event(c, id, "filed", complainant, None, "")?;
    audit::record(
        c,
        &who,
        "complaint.file",
        "complaint",
        id,
        &row,
        kind.as_str(),
    )?;
    mail_complainant(c, &row, "complaint_filed", &[])?;
    mail_department(c, &row, row.department_id, "complaint_new")?;
    mail_respondent(c, &row, "complaint_against")?;
    Ok((Filed::New { id, tracking_no }, row))
}

/// What a visitor's pending complaint keeps until its link is opened.
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    filing: Filing,
    lang: String,
    evidence: Option<(String, String, String, i64, String)>,
}

/// A visitor's complaint: checked now (limits, respondent), kept unfiled, and a link mailed
/// to the visitor's address; it is filed when the link is opened ([`confirm`]).
pub fn submit_visitor(
    c: &mut DbConnection,
    ip: &str,
    lang: Lang,
    filing: &Filing,
    evidence: Option<&(String, KeptMeta)>,
    public_url: &str,
) -> Result<(), StepError> {
    let Some(v) = filing.visitor.as_ref() else {
        return Err(Refusal::invalid(NO_RESPONDENT).into());
    };
    write_tx(c, |c| {
        check_limits(c, None, ip)?;
        resolve(c, filing.kind(), filing.respondent_id, None)?;
        let (_, hours) = settings_deadlines(c)?;
        let token = crate::auth::token::new_token();
        let payload = Payload {
            filing: filing.clone(),
            lang: lang.code().to_string(),
            evidence: evidence
                .map(|(n, (o, ct, s, h))| (n.clone(), o.clone(), (*ct).to_string(), *s, h.clone())),
        };
        let json = serde_json::to_string(&payload).map_err(|e| DbError::Pool(e.to_string()))?;
        let expires = crate::db::now() + chrono::Duration::hours(hours);
        cs::add_pending(
            c,
            &crate::auth::token::hash_token(&token),
            &v.email,
            ip,
            &json,
            expires,
        )?;
        let url = format!("{public_url}/complaints/confirm?token={token}");
        let args = [
            ("name", v.name.as_str()),
            ("link", url.as_str()),
            ("hours", &hours.to_string()),
        ];
        let (s, b) = crate::mail::compose(lang, "complaint_confirm", &args);
        crate::mail::store::enqueue(c, None, &v.email, &s, &b)?;
        audit::record(
            c,
            &Actor {
                id: None,
                role: "visitor".into(),
            },
            "complaint.submit",
            "complaint_pending",
            crate::auth::token::hash_token(&token),
            &filing.against,
            "",
        )?;
        Ok(())
    })
}

/// What opening a confirmation link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// Filed now: the visitor's status page is `/complaints/track/{access}`.
    Filed { tracking_no: String, access: String },
    /// Linked to the visitor's open complaint.
    Linked { first: String },
    /// Opened before: filed already under this number.
    Already { tracking_no: String },
}

/// Files a visitor's complaint when its link is opened: refused when the link is unknown
/// (404) or expired ([`LINK_EXPIRED`], nothing filed). A new secret status link is mailed.
pub fn confirm(
    c: &mut DbConnection,
    token: &str,
    ip: &str,
    public_url: &str,
) -> Result<Confirmed, StepError> {
    write_tx(c, |c| {
        let p = cs::find_pending(c, &crate::auth::token::hash_token(token))?
            .ok_or_else(Refusal::not_found)?;
        if let Some(cid) = p.complaint_id {
            let row = cs::find(c, cid)?.ok_or_else(Refusal::not_found)?;
            return Ok(Confirmed::Already {
                tracking_no: row.tracking_no,
            });
        }
        if crate::db::now() > p.expires_at {
            return Err(Refusal::conflict(LINK_EXPIRED).into());
        }
        let payload: Payload =
            serde_json::from_str(&p.payload).map_err(|e| DbError::Pool(e.to_string()))?;
        let kept = payload.evidence.map(|(n, o, ct, s, h)| {
            let ct: &'static str = match ct.as_str() {
                "application/pdf" => "application/pdf",
                "image/jpeg" => "image/jpeg",
                _ => "image/png",
            };
            (n, (o, ct, s, h))
        });
        let access = crate::auth::token::new_token();
        let access_hash = crate::auth::token::hash_token(&access);
        let filer = Filer {
            user: None,
            ip: if p.filed_ip.is_empty() {
                ip
            } else {
                &p.filed_ip
            },
        };
        let (filed, row) = file_in_tx(
            c,
            &filer,
            &payload.filing,
            kept.as_ref(),
            Some(&access_hash),
        )?;
        cs::mark_pending_filed(c, p.id, row.id)?;
        match filed {
            Filed::New { tracking_no, .. } => {
                let lang = Lang::parse(&payload.lang).unwrap_or(Lang::Zh);
                let url = format!("{public_url}/complaints/track/{access}");
                if let Some(v) = payload.filing.visitor.as_ref() {
                    let args = [
                        ("name", v.name.as_str()),
                        ("link", url.as_str()),
                        ("no", tracking_no.as_str()),
                    ];
                    let (s, b) = crate::mail::compose(lang, "complaint_track", &args);
                    crate::mail::store::enqueue(c, None, &v.email, &s, &b)?;
                }
                Ok(Confirmed::Filed {
                    tracking_no,
                    access,
                })
            }
            Filed::Linked { first, .. } => Ok(Confirmed::Linked { first }),
        }
    })
}

// --- mail ------------------------------------------------------------------------------

fn state_text(l: Lang, s: State) -> String {
    i18n::tr(l, &s.label_key()).to_string()
}

fn outcome_text(l: Lang, o: Option<Outcome>) -> String {
    o.map(|o| i18n::tr(l, &format!("complaints.outcome.{}", o.as_str())).to_string())
        .unwrap_or_default()
}

/// The complainant's mail of `kind` (a signed-in user in their language; a visitor in
/// Chinese at the address they confirmed), with the number, state and outcome.
fn mail_complainant(
    c: &mut DbConnection,
    row: &Complaint,
    kind: &str,
    extra: &[(&str, String)],
) -> Result<(), DbError> {
    let args = |l: Lang| {
        let mut a: Vec<(&str, String)> = vec![
            ("no", row.tracking_no.clone()),
            ("state", state_text(l, row.state)),
            ("outcome", outcome_text(l, row.final_outcome())),
            ("respondent", row.respondent_name.clone()),
        ];
        a.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        a
    };
    if let Some(u) = row.complainant_id {
        let l = crate::accounts::store::user::find(c, u)?
            .and_then(|u| Lang::parse(&u.locale))
            .unwrap_or(Lang::Zh);
        crate::mail::notify::mail_user(c, u, kind, &args(l))?;
    } else if let (Some(email), Some(name)) = (&row.visitor_email, &row.visitor_name) {
        let mut a = args(Lang::Zh);
        a.push(("name", name.clone()));
        a.push(("org", String::new()));
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, b) = crate::mail::compose(Lang::Zh, kind, &a);
        crate::mail::store::enqueue(c, None, email, &s, &b)?;
    }
    Ok(())
}

/// The respondent's mail: the substance only (number, grounds, state, outcome).
fn mail_respondent(c: &mut DbConnection, row: &Complaint, kind: &str) -> Result<(), DbError> {
    let Some(u) = row.respondent_user_id else {
        return Ok(());
    };
    let s = Substance::from(row);
    let l = crate::accounts::store::user::find(c, u)?
        .and_then(|u| Lang::parse(&u.locale))
        .unwrap_or(Lang::Zh);
    let args = vec![
        ("no", s.tracking_no.clone()),
        ("id", s.id.to_string()),
        (
            "grounds",
            i18n::tr(l, &format!("complaints.grounds.{}", s.grounds)).to_string(),
        ),
        ("state", state_text(l, s.state)),
        ("outcome", outcome_text(l, s.outcome)),
    ];
    crate::mail::notify::mail_user(c, u, kind, &args)?;
    Ok(())
}

fn mail_department(
    c: &mut DbConnection,
    row: &Complaint,
    dept: i64,
    kind: &str,
) -> Result<(), DbError> {
    let args = vec![
        ("no", row.tracking_no.clone()),
        ("id", row.id.to_string()),
        ("respondent", row.respondent_name.clone()),
        ("due", crate::web::fmt::date(row.ack_due)),
    ];
    crate::mail::notify::mail_regulators(c, dept, kind, &args)?;
    Ok(())
}

// --- the department's steps ------------------------------------------------------------

/// Re-reads the complaint in the transaction, takes its row (a guarded update, so two
/// regulators at once are one after the other) and asks the state machine.
fn load_for(c: &mut DbConnection, id: i64, m: Move) -> Result<(Complaint, State), StepError> {
    let row = cs::find(c, id)?.ok_or_else(Refusal::not_found)?;
    if !cs::guarded(c, id, row.state)? {
        return Err(Refusal::conflict(MOVED).into());
    }
    let next = rules::step(row.facts(), m).map_err(Refusal::from)?;
    Ok((row, next))
}

/// The regulator must belong to the complaint's department (as it is now, in the
/// transaction: a transfer may have moved it).
fn own_department(me: &CurrentUser, row: &Complaint) -> Result<(), StepError> {
    if me.department_id != Some(row.department_id) {
        return Err(Refusal::forbidden("complaints.err.other_department").into());
    }
    Ok(())
}

fn finish(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    event: &str,
    moved: Option<(i64, i64)>,
    note: &str,
) -> Result<Complaint, StepError> {
    cs::add_event(c, id, event, Some(me.id), moved, note)?;
    let row = cs::find(c, id)?.ok_or_else(Refusal::not_found)?;
    audit::record(
        c,
        &actor(me),
        &format!("complaint.{event}"),
        "complaint",
        id,
        &row,
        note,
    )?;
    Ok(row)
}

pub fn accept(c: &mut DbConnection, me: &CurrentUser, id: i64) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::Accept)?;
        own_department(me, &row)?;
        let (dl, _) = settings_deadlines(c)?;
        let cal = calendar(c)?;
        cs::set_accepted(c, id, me.id, dl.answer_due(&cal, crate::db::today()))?;
        let row = finish(c, me, id, "accepted", None, "")?;
        mail_complainant(c, &row, "complaint_update", &[("note", String::new())])?;
        mail_respondent(c, &row, "complaint_respondent_update")?;
        Ok(())
    })
}

pub fn not_accept(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::NotAccept)?;
        own_department(me, &row)?;
        cs::set_not_accepted(c, id, me.id, reason)?;
        let row = finish(c, me, id, "not_accepted", None, reason)?;
        mail_complainant(c, &row, "complaint_update", &[("note", reason.to_string())])?;
        Ok(())
    })
}

pub fn investigate(c: &mut DbConnection, me: &CurrentUser, id: i64) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, next) = load_for(c, id, Move::Investigate)?;
        own_department(me, &row)?;
        cs::set_state(c, id, next)?;
        let row = finish(c, me, id, "investigating", None, "")?;
        mail_complainant(c, &row, "complaint_update", &[("note", String::new())])?;
        Ok(())
    })
}

pub fn extend(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::Extend)?;
        own_department(me, &row)?;
        let (dl, _) = settings_deadlines(c)?;
        let cal = calendar(c)?;
        let base = row.answer_due.unwrap_or_else(crate::db::today);
        let due = dl.extended(&cal, base);
        cs::set_extended(c, id, due, reason)?;
        let row = finish(c, me, id, "extended", None, reason)?;
        mail_complainant(
            c,
            &row,
            "complaint_extended",
            &[
                ("note", reason.to_string()),
                ("due", crate::web::fmt::date(due)),
            ],
        )?;
        Ok(())
    })
}

pub fn transfer(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    to: i64,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::Transfer)?;
        own_department(me, &row)?;
        if to == row.department_id || crate::accounts::store::department::find(c, to)?.is_none() {
            return Err(Refusal::invalid(BAD_TRANSFER).into());
        }
        cs::set_department(c, id, to)?;
        let row = finish(
            c,
            me,
            id,
            "transferred",
            Some((row.department_id, to)),
            reason,
        )?;
        mail_department(c, &row, to, "complaint_new")?;
        mail_complainant(c, &row, "complaint_update", &[("note", reason.to_string())])?;
        Ok(())
    })
}

/// The answer's input.
pub struct Answer {
    pub outcome: Outcome,
    pub reasons: String,
    /// Add a 投诉查实 credit record (an upheld complaint against an agency only).
    pub add_credit: bool,
}

/// Answers a complaint; an upheld or partly upheld complaint against an agency may add a
/// credit record `upheld_complaint` through the credit feature's own step, linked both ways.
pub fn answer(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    a: &Answer,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::Answer)?;
        own_department(me, &row)?;
        let (dl, _) = settings_deadlines(c)?;
        let cal = calendar(c)?;
        let today = crate::db::today();
        cs::set_answered(
            c,
            id,
            me.id,
            a.outcome,
            &a.reasons,
            dl.review_due(&cal, today),
        )?;
        if a.add_credit && a.outcome.upheld() && row.respondent_kind == RespondentKind::Agency {
            add_credit(c, me, &row, &a.reasons)?;
        }
        let row = finish(c, me, id, "answered", None, a.outcome.as_str())?;
        mail_complainant(
            c,
            &row,
            "complaint_answered",
            &[("note", a.reasons.clone())],
        )?;
        mail_respondent(c, &row, "complaint_respondent_update")?;
        Ok(())
    })
}

fn add_credit(
    c: &mut DbConnection,
    me: &CurrentUser,
    row: &Complaint,
    reasons: &str,
) -> Result<(), StepError> {
    let rules_row = crate::credit::store::credit::current_rules(c)?;
    let kind = crate::domain::credit::Kind::UpheldComplaint;
    let form = crate::domain::credit::RecordForm {
        kind,
        points: rules_row.rules().points_for(kind),
        evidence: format!(
            "{} {}：{}",
            i18n::tr(Lang::Zh, "complaints.credit.evidence"),
            row.tracking_no,
            reasons
        ),
        legal_basis: i18n::tr(Lang::Zh, "complaints.credit.basis").to_string(),
        effective_on: crate::db::today(),
    };
    let rid = crate::credit::steps::add_record_linked(
        c,
        me,
        row.respondent_id,
        &form,
        None,
        Some(("complaint", row.id)),
    )?;
    cs::set_credit_record(c, row.id, rid)?;
    Ok(())
}

/// Who asks for a review: the signed-in complainant or the visitor holding the status link
/// (the handler's extractor checked which).
pub fn request_review(
    c: &mut DbConnection,
    who: &Actor,
    id: i64,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::RequestReview)?;
        let today = crate::db::today();
        if !row.review_due.is_some_and(|d| rules::review_open(today, d)) {
            return Err(Refusal::conflict(REVIEW_LATE).into());
        }
        if cs::set_review_requested(c, id, reason)? != 1 {
            return Err(Refusal::conflict(rules::Barred::ReviewTwice.key()).into());
        }
        cs::add_event(c, id, "review_requested", who.id, None, reason)?;
        let row = cs::find(c, id)?.ok_or_else(Refusal::not_found)?;
        audit::record(
            c,
            who,
            "complaint.review_requested",
            "complaint",
            id,
            &row,
            "",
        )?;
        mail_department(c, &row, row.department_id, "complaint_review_asked")?;
        mail_complainant(c, &row, "complaint_update", &[("note", reason.to_string())])?;
        Ok(())
    })
}

/// Decides a review: a regulator of the department other than the one who answered.
pub fn decide_review(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    outcome: Outcome,
    reasons: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::DecideReview)?;
        own_department(me, &row)?;
        if row.answered_by == Some(me.id) {
            return Err(Refusal::forbidden(SAME_REGULATOR).into());
        }
        cs::set_reviewed(c, id, me.id, outcome, reasons)?;
        let row = finish(c, me, id, "reviewed", None, outcome.as_str())?;
        mail_complainant(
            c,
            &row,
            "complaint_answered",
            &[("note", reasons.to_string())],
        )?;
        mail_respondent(c, &row, "complaint_respondent_update")?;
        Ok(())
    })
}

/// The respondent's one answer or statement while the case is open.
pub fn respondent_answer(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    text: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (row, _) = load_for(c, id, Move::RespondentAnswer)?;
        if row.respondent_user_id != Some(me.id) {
            return Err(Refusal::forbidden("complaints.err.not_respondent").into());
        }
        if cs::set_respondent_answer(c, id, text)? != 1 {
            return Err(Refusal::conflict(rules::Barred::RespondedTwice.key()).into());
        }
        let row = finish(c, me, id, "respondent_answered", None, "")?;
        mail_department(c, &row, row.department_id, "complaint_respondent_answered")?;
        Ok(())
    })
}

/// The daily reminder: every overdue case (acknowledgement or answer) not reminded today is
/// mailed to its department's regulators, once per day. Returns how many were reminded.
pub fn remind_overdue(c: &mut DbConnection, today: NaiveDate) -> Result<usize, DbError> {
    let open = cs::open_cases(c, None)?;
    let mut n = 0;
    for row in open {
        if !rules::overdue(row.state, row.ack_due, row.answer_due, today)
            || row.reminded_on == Some(today)
        {
            continue;
        }
        write_tx(c, |c| -> Result<(), DbError> {
            cs::set_reminded(c, row.id, today)?;
            let due = row.answer_due.unwrap_or(row.ack_due);
            let args = vec![
                ("no", row.tracking_no.clone()),
                ("id", row.id.to_string()),
                ("respondent", row.respondent_name.clone()),
                ("due", crate::web::fmt::date(due)),
            ];
            crate::mail::notify::mail_regulators(c, row.department_id, "complaint_overdue", &args)?;
            cs::add_event(c, row.id, "reminded", None, None, "")?;
            audit::record(
                c,
                &Actor::system(),
                "complaint.reminded",
                "complaint",
                row.id,
                &row,
                "",
            )?;
            Ok(())
        })?;
        n += 1;
    }
    Ok(n)
}
