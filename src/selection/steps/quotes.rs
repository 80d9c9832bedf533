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
use crate::domain::status::{AnnouncementStatus, QuoteStatus, ReceiptKind};
use crate::error::{Refusal, StepError};
use crate::i18n::{Lang, tr};
use crate::selection::store::announcement::{self as ann, Announcement};
use crate::selection::store::bidding::{self as bid, QuoteRow, Receipt};
use crate::web::fmt;

/// The reasons a quote step is refused (locale keys in `locales/*/bidding.txt`); a handler
/// that treats one of them apart compares with these.
pub const CLOSED: &str = "bidding.err.closed";
pub const NOT_REGISTERED: &str = "bidding.err.not_registered";
pub const NO_QUOTE: &str = "bidding.err.no_quote";
pub const NO_QUOTES: &str = "bidding.err.no_quotes";
/// The agency fails an eligibility rule: the bid page lists the failed rules (read again
/// with the page).
pub const INELIGIBLE: &str = "bidding.err.ineligible";

/// The one place a rule of `domain::bidding` becomes a refusal.
impl From<Why> for Refusal {
    fn from(w: Why) -> Self {
        match w {
            Why::Closed => Refusal::conflict(CLOSED),
            Why::NoQuotes => Refusal::conflict(NO_QUOTES),
            Why::NotRegistered => Refusal::conflict(NOT_REGISTERED),
            Why::Ineligible => Refusal::invalid(INELIGIBLE),
            Why::NoQuote => Refusal::conflict(NO_QUOTE),
        }
    }
}

/// An amount `domain::selection::validate_quote` refuses: its key and arguments, shown beside
/// the amount field.
fn amount_refusal(e: &QuoteError) -> Refusal {
    e.args()
        .into_iter()
        .fold(Refusal::invalid(e.key()), |r, (k, v)| r.arg(k, v))
}

/// Whether `r` refuses the amount itself (the page shows it beside the field).
pub fn is_amount_refusal(r: &Refusal) -> bool {
    QuoteError::KEYS.contains(&r.key)
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
) -> Result<(Announcement, NaiveDateTime), StepError> {
    bid::hold_open(c, id)?;
    let a = ann::find(c, id)?.ok_or_else(Refusal::not_found)?;
    if a.status == AnnouncementStatus::Draft {
        return Err(Refusal::not_found().into());
    }
    if !a.open_for_quotes(received) {
        return Err(Refusal::conflict(CLOSED).into());
    }
    Ok((a, received))
}

/// A step `domain::bidding` refuses, as the write's refusal.
fn allowed(s: &BidState, step: Step) -> Result<(), Refusal> {
    rules::check(s, step).map_err(Refusal::from)
}

/// What the steps depend on, read inside the write once `open_announcement` found it open.
fn state_in_write(
    c: &mut db::DbConnection,
    a: &Announcement,
    me: i64,
    day: chrono::NaiveDate,
) -> Result<BidState, StepError> {
    Ok(BidState {
        open: true,
        takes_quotes: a.mode().is_some_and(|m| m.takes_quotes()),
        registered: bid::is_registered(c, a.id, me)?,
        eligible: bid::eligibility(c, a, me, day)?.is_ok(),
        quote: bid::quote_of(c, a.id, me)?.map(|q| quote_state(&q, a)),
    })
}

/// Every rule a quote must pass, on the facts `bid::quote_facts` reads in few statements:
/// the announcement is published and open at the time the request was received, its mode
/// takes quotes, the agency is registered and eligible, and the amount is within the cap and
/// any government range. The refusals come in the order `domain::bidding` checks them.
fn quote_checks(
    c: &mut db::DbConnection,
    id: i64,
    me: i64,
    received: NaiveDateTime,
    day: chrono::NaiveDate,
    amount: Money,
) -> Result<bid::QuoteFacts, StepError> {
    let f = bid::quote_facts(c, id, me, day)?
        .filter(|f| f.announcement.status != AnnouncementStatus::Draft)
        .ok_or_else(Refusal::not_found)?;
    let a = &f.announcement;
    if !a.open_for_quotes(received) {
        return Err(Refusal::conflict(CLOSED).into());
    }
    let takes_quotes = a.mode().is_some_and(|m| m.takes_quotes());
    let registered = takes_quotes && f.registered;
    allowed(
        &BidState {
            open: true,
            takes_quotes,
            registered,
            eligible: registered && f.eligible.is_ok(),
            quote: None,
        },
        Step::Quote,
    )?;
    let limits = f
        .limits
        .as_ref()
        .ok_or_else(|| Refusal::conflict(NO_QUOTES))?;
    selection::validate_quote(amount, limits).map_err(|e| amount_refusal(&e))?;
    Ok(f)
}

/// What the audit trail keeps of a quote step: never the amount, the nonce or the note.
#[derive(Serialize)]
struct QuoteAudit<'a> {
    agency_id: i64,
    kind: ReceiptKind,
    commitment: &'a str,
    revision: i32,
    announcement_version: i32,
    status: QuoteStatus,
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
            kind: r.kind,
            commitment: &r.commitment,
            revision: q.revision,
            announcement_version: q.announcement_version,
            status: q.status,
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
) -> Result<bool, StepError> {
    write_tx(c, |c| {
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
) -> Result<(i32, String, Option<User>), StepError> {
    let f = quote_checks(c, id, me, received, day, amount)?;
    Ok((f.announcement.version, f.project, f.agency))
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
) -> Result<(QuoteRow, Receipt), StepError> {
    write_tx(c, |c| {
        let (a, now) = open_announcement(c, q.id, q.received)?;
        if a.version != q.version {
            quote_checks(c, q.id, q.me, q.received, q.day, q.amount)?;
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
        let action = if r.kind == ReceiptKind::Submitted {
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
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let (a, now) = open_announcement(c, id, received)?;
        allowed(&state_in_write(c, &a, me, day)?, step)?;
        let (changed, action) = match step {
            Step::Withdraw => (bid::withdraw(c, id, me, now)?, "selection.withdraw"),
            Step::Reconfirm => (bid::reconfirm(c, &a, me, now)?, "selection.reconfirm"),
            other => {
                let what = format!("{other:?} is not a change of a quote");
                return Err(DbError::invalid(what).into());
            }
        };
        let (q, r) = changed.ok_or_else(|| Refusal::conflict(NO_QUOTE))?;
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
