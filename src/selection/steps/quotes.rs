//! The agency's writes in a selection, each in one write transaction with its audit entry
//! and its receipt mail: registering, quoting (and revising), withdrawing, re-confirming.
//!
//! Each write first reads the announcement under `bid::hold_open` and checks it against the
//! time the request was received (`open_announcement`), so a request that arrived before the
//! deadline is never refused for having waited for its turn to write, and none that arrived
//! after it is ever taken. The rules are `domain::bidding` (which step may be taken now),
//! `domain::eligibility` and `domain::selection::validate_quote`.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::accounts::store::user::User;
use crate::audit::{self, Actor};
use crate::db::{self, DbError, write_tx};
use crate::domain::bidding::QuoteState;
use crate::domain::bidding::{self as rules, BidState, Step, Why};
use crate::domain::money::Money;
use crate::domain::selection::{self, QuoteError};
use crate::i18n::{Lang, tr};
use crate::selection::store::announcement::{self as ann, Announcement, status};
use crate::selection::store::bidding::{self as bid, QuoteRow, Receipt};
use crate::web::fmt;

/// A step's answer: done, refused (nothing written), or a database error.
pub type Outcome<T> = Result<Result<T, Refused>, DbError>;

/// Why a quote step did not happen.
#[derive(Debug)]
pub enum Refused {
    /// No such announcement (or a draft): the page answers 404.
    NotFound,
    Closed,
    NotRegistered,
    NoQuote,
    NoQuotes,
    /// The page names the failed rules (read again with the page).
    Ineligible,
    Invalid(QuoteError),
}

/// Inside a write: a refusal (rolled back), a missing announcement, or a database error.
enum Refusedor {
    Refused(Refused),
    NotFound,
    Db(DbError),
}

impl From<diesel::result::Error> for Refusedor {
    fn from(e: diesel::result::Error) -> Self {
        Refusedor::Db(e.into())
    }
}

impl From<DbError> for Refusedor {
    fn from(e: DbError) -> Self {
        Refusedor::Db(e)
    }
}

/// Runs `f` in one write transaction; a refusal rolls it back.
fn in_write<T>(
    c: &mut db::DbConnection,
    f: impl FnOnce(&mut db::DbConnection) -> Result<T, Refusedor>,
) -> Outcome<T> {
    outcome(write_tx(c, f))
}

/// Sorts an inner result into done / refused / database error.
fn outcome<T>(r: Result<T, Refusedor>) -> Outcome<T> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(Refusedor::Refused(x)) => Ok(Err(x)),
        Err(Refusedor::NotFound) => Ok(Err(Refused::NotFound)),
        Err(Refusedor::Db(e)) => Err(e),
    }
}

/// The announcement, still open, read under `bid::hold_open` (the opening waits for this
/// transaction, and a write that starts after the opening sees it opened), checked against the
/// time the request was received, which is also the time stamped on what the write stores.
/// A request received before the deadline is not refused because it waited for its turn to
/// write; none received after it is ever accepted, and none is accepted after the opening.
fn open_announcement(
    c: &mut db::DbConnection,
    id: i64,
    received: NaiveDateTime,
) -> Result<(Announcement, NaiveDateTime), Refusedor> {
    bid::hold_open(c, id)?;
    let a = ann::find(c, id)?.ok_or(Refusedor::NotFound)?;
    if a.status == status::DRAFT {
        return Err(Refusedor::NotFound);
    }
    if !a.open_for_quotes(received) {
        return Err(Refusedor::Refused(Refused::Closed));
    }
    Ok((a, received))
}

impl From<Why> for Refused {
    fn from(w: Why) -> Self {
        match w {
            Why::Closed => Refused::Closed,
            Why::NoQuotes => Refused::NoQuotes,
            Why::NotRegistered => Refused::NotRegistered,
            Why::Ineligible => Refused::Ineligible,
            Why::NoQuote => Refused::NoQuote,
        }
    }
}

/// A step `domain::bidding` refuses, as the write's refusal.
fn allowed(s: &BidState, step: Step) -> Result<(), Refusedor> {
    rules::check(s, step).map_err(|w| Refusedor::Refused(w.into()))
}

/// What the steps depend on, read inside the write once `open_announcement` found it open.
fn state_in_write(
    c: &mut db::DbConnection,
    a: &Announcement,
    me: i64,
    day: chrono::NaiveDate,
) -> Result<BidState, Refusedor> {
    Ok(BidState {
        open: true,
        takes_quotes: a.mode().is_some_and(|m| m.takes_quotes()),
        registered: bid::is_registered(c, a.id, me)?,
        eligible: bid::eligibility(c, a, me, day)?.is_ok(),
        quote: bid::quote_of(c, a.id, me)?.map(|q| quote_state(&q, a)),
    })
}

/// Every rule a quote must pass besides the deadline: the mode takes quotes, the agency is
/// registered and eligible, and the amount is within the cap and any government range.
fn quote_checks(
    c: &mut db::DbConnection,
    a: &Announcement,
    me: i64,
    day: chrono::NaiveDate,
    amount: Money,
) -> Result<(), Refusedor> {
    let takes_quotes = a.mode().is_some_and(|m| m.takes_quotes());
    // The reads stop at the first refusal, in the order `domain::bidding` checks them.
    let registered = takes_quotes && bid::is_registered(c, a.id, me)?;
    let eligible = registered && bid::eligibility(c, a, me, day)?.is_ok();
    allowed(
        &BidState {
            open: true,
            takes_quotes,
            registered,
            eligible,
            quote: None,
        },
        Step::Quote,
    )?;
    let limits = bid::limits(c, a)?.ok_or(Refusedor::Refused(Refused::NoQuotes))?;
    if let Err(e) = selection::validate_quote(amount, &limits) {
        return Err(Refusedor::Refused(Refused::Invalid(e)));
    }
    Ok(())
}

/// What the audit trail keeps of a quote step: never the amount, the nonce or the note.
#[derive(Serialize)]
struct QuoteAudit<'a> {
    agency_id: i64,
    kind: &'a str,
    commitment: &'a str,
    revision: i32,
    announcement_version: i32,
    status: &'a str,
}

fn audit_quote(
    c: &mut db::DbConnection,
    actor: &Actor,
    action: &str,
    q: &QuoteRow,
    r: &Receipt,
) -> Result<(), diesel::result::Error> {
    audit::record(
        c,
        actor,
        action,
        "announcement",
        q.announcement_id,
        &QuoteAudit {
            agency_id: q.agency_id,
            kind: &r.kind,
            commitment: &r.commitment,
            revision: q.revision,
            announcement_version: q.announcement_version,
            status: &q.status,
        },
        "",
    )
}

/// The receipt by mail: the step, the commitment and the server time (no amount).
fn mail_receipt(
    c: &mut db::DbConnection,
    agency_id: i64,
    project: &str,
    r: &Receipt,
) -> Result<(), diesel::result::Error> {
    match crate::accounts::store::user::find(c, agency_id)? {
        Some(u) => mail_receipt_to(c, &u, project, r),
        None => Ok(()),
    }
}

fn mail_receipt_to(
    c: &mut db::DbConnection,
    u: &crate::accounts::store::user::User,
    project: &str,
    r: &Receipt,
) -> Result<(), diesel::result::Error> {
    let lang = Lang::parse(&u.locale).unwrap_or(Lang::Zh);
    let kind = tr(lang, &format!("bidding.receipt.kind.{}", r.kind));
    let id = r.announcement_id.to_string();
    let time = fmt::seconds(r.created_at);
    let a = [
        ("name", u.contact_name.as_str()),
        ("org", u.org_name.as_str()),
        ("kind", kind),
        ("project", project),
        ("id", id.as_str()),
        ("commitment", r.commitment.as_str()),
        ("time", time.as_str()),
    ];
    let (s, b) = crate::mail::compose(lang, "bidding_receipt", &a);
    crate::mail::store::enqueue(c, Some(u.id), &u.email, &s, &b)
}

/// The name of the announcement's project (empty if it has none).
pub fn project_name(
    c: &mut db::DbConnection,
    a: &Announcement,
) -> Result<String, diesel::result::Error> {
    Ok(ann::find_project(c, a.project_id)?
        .map(|p| p.name)
        .unwrap_or_default())
}

#[derive(Serialize)]
struct RegistrationAudit {
    agency_id: i64,
}

/// Registers agency `me` for announcement `id`; `false` when it was registered already.
pub fn register(
    c: &mut db::DbConnection,
    actor: &Actor,
    id: i64,
    me: i64,
    received: NaiveDateTime,
    day: chrono::NaiveDate,
) -> Outcome<bool> {
    in_write(c, |c| {
        let (a, now) = open_announcement(c, id, received)?;
        let state = BidState {
            open: true,
            eligible: bid::eligibility(c, &a, me, day)?.is_ok(),
            ..BidState::default()
        };
        allowed(&state, Step::Register)?;
        let new = bid::register(c, id, me, now)?;
        if new {
            audit::record(
                c,
                actor,
                "selection.register",
                "announcement",
                id,
                &RegistrationAudit { agency_id: me },
                "",
            )?;
        }
        Ok(new)
    })
}

/// What a quote checks before its write, read outside it: the checks do not change under a
/// quote (a material edit bumps the version, and the write re-checks when it sees another
/// version). Returns the announcement's version, its project's name and the agency's account.
pub fn quote_precheck(
    c: &mut db::DbConnection,
    id: i64,
    me: i64,
    received: NaiveDateTime,
    day: chrono::NaiveDate,
    amount: Money,
) -> Outcome<(i32, String, Option<User>)> {
    let r = (|| {
        let a = ann::find(c, id)?
            .filter(|a| a.status != status::DRAFT)
            .ok_or(Refusedor::NotFound)?;
        if !a.open_for_quotes(received) {
            return Err(Refusedor::Refused(Refused::Closed));
        }
        quote_checks(c, &a, me, day, amount)?;
        let project = project_name(c, &a)?;
        let agency = crate::accounts::store::user::find(c, me)?;
        Ok((a.version, project, agency))
    })();
    outcome(r)
}

/// A sealed quote (sealed and committed before the write: the box is bound to the
/// announcement and the agency, and the nonce never leaves it in clear).
pub struct NewQuote<'a> {
    pub id: i64,
    pub me: i64,
    pub received: NaiveDateTime,
    pub day: chrono::NaiveDate,
    pub amount: Money,
    /// The announcement's version `quote_precheck` checked.
    pub version: i32,
    pub sealed: &'a str,
    pub commitment: &'a str,
    pub client_addr: &'a str,
    pub project: &'a str,
    pub agency: Option<&'a User>,
}

/// Stores a quote (or its revision) with its receipt; mails the receipt. The audit entry is
/// written last: on PostgreSQL the audit chain is held from there to the commit.
pub fn quote(
    c: &mut db::DbConnection,
    actor: &Actor,
    q: &NewQuote,
) -> Outcome<(QuoteRow, Receipt)> {
    in_write(c, |c| {
        let (a, now) = open_announcement(c, q.id, q.received)?;
        if a.version != q.version {
            quote_checks(c, &a, q.me, q.day, q.amount)?;
        }
        let (row, r) = bid::save_quote(
            c,
            &bid::NewQuote {
                announcement_id: q.id,
                agency_id: q.me,
                sealed: q.sealed,
                commitment: q.commitment,
                announcement_version: a.version,
                client_addr: q.client_addr,
                now,
            },
        )?;
        if let Some(u) = q.agency {
            mail_receipt_to(c, u, q.project, &r)?;
        }
        let action = if r.kind == bid::receipt_kind::SUBMITTED {
            "selection.quote"
        } else {
            "selection.revise"
        };
        audit_quote(c, actor, action, &row, &r)?;
        Ok((row, r))
    })
}

/// Withdraws agency `me`'s quote (`Step::Withdraw`) or re-confirms it after a material
/// change of the announcement (`Step::Reconfirm`). An agency that may not quote
/// (blacklisted, banned …) leaves its quote as it is.
pub fn change_quote(
    c: &mut db::DbConnection,
    actor: &Actor,
    step: Step,
    id: i64,
    me: i64,
    received: NaiveDateTime,
    day: chrono::NaiveDate,
) -> Outcome<()> {
    in_write(c, |c| {
        let (a, now) = open_announcement(c, id, received)?;
        allowed(&state_in_write(c, &a, me, day)?, step)?;
        let (changed, action) = match step {
            Step::Withdraw => (bid::withdraw(c, id, me, now)?, "selection.withdraw"),
            Step::Reconfirm => (bid::reconfirm(c, &a, me, now)?, "selection.reconfirm"),
            other => {
                let what = format!("{other:?} is not a change of a quote");
                return Err(Refusedor::Db(DbError::invalid(what)));
            }
        };
        let (q, r) = changed.ok_or(Refusedor::Refused(Refused::NoQuote))?;
        audit_quote(c, actor, action, &q, &r)?;
        let project = project_name(c, &a)?;
        mail_receipt(c, me, &project, &r)?;
        Ok(())
    })
}

/// The agency's view of its quote on the bid page.
pub fn quote_state(q: &QuoteRow, a: &Announcement) -> QuoteState {
    QuoteState {
        active: q.active(),
        stale: q.announcement_version < a.version,
    }
}
