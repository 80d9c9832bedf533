//! The agency's side of selection: the announcements matching its items
//! (`/agency/announcements`), the bid page of one announcement with its eligibility,
//! registration, the sealed quote and its receipts, revision, withdrawal and re-confirmation
//! after a material edit.
//!
//! Sealed means sealed: no page, mail, log line or audit entry shows an amount before the
//! opening — not even to the agency that quoted it. The agency keeps its receipt commitment;
//! at the opening the amount and nonce are published next to it so anyone can recompute it.
//! Every deadline check of a write happens inside its transaction against `db::now()`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::{self, DbError};
use crate::domain::bidding::{self as rules, BidState, Offered, Step};
use crate::domain::eligibility::Ineligible;
use crate::domain::money::Money;
use crate::domain::seal::{self, Sealed};
use crate::domain::status::{AnnouncementStatus, ReceiptKind};
use crate::domain::validate;
use crate::error::{AppError, Refusal, RefusalKind, StepError};
use crate::i18n::tr_args;
use crate::i18n::{Lang, tr};
use crate::selection::steps;
use crate::selection::store::announcement::{self as ann, Announcement};
use crate::selection::store::bidding::{self as bid, Listed, QuoteRow, Receipt};

use crate::selection::routes::extract::ActingAgency;
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/agency/announcements", web::get().to(list))
        .route("/announcements/{id}/bid", web::get().to(show))
        .route("/announcements/{id}/register", web::post().to(register))
        .route("/announcements/{id}/quote", web::post().to(quote))
        .route(
            "/agency/announcements/{id}/receipts/{n}",
            web::get().to(receipt),
        )
        .route("/announcements/{id}/withdraw", web::post().to(withdraw))
        .route("/announcements/{id}/reconfirm", web::post().to(reconfirm));
}

fn today() -> chrono::NaiveDate {
    crate::db::today()
}

/// A failed rule: its name and its message.
pub struct RefusalView {
    pub rule: String,
    pub code: &'static str,
    pub message: String,
}

fn refusal_views(lang: Lang, rs: &[Ineligible]) -> Vec<RefusalView> {
    rs.iter()
        .map(|r| {
            let args: Vec<(&'static str, String)> = match r {
                Ineligible::MissingQualifications(m) => {
                    let sep = if lang == Lang::Zh { "、" } else { ", " };
                    vec![(
                        "quals",
                        m.iter()
                            .map(|(t, l)| crate::web::fmt::qual(lang, t, *l))
                            .collect::<Vec<_>>()
                            .join(sep),
                    )]
                }
                _ => r.args(),
            };
            let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            RefusalView {
                rule: tr(lang, &format!("bidding.rule.{}", r.rule())).to_string(),
                code: r.rule(),
                message: tr_args(lang, r.key(), &a),
            }
        })
        .collect()
}

// ---------------------------------------------------------------- the agency's list

pub struct Row {
    pub id: i64,
    pub project: String,
    pub item: String,
    pub mode: String,
    pub deadline: String,
    pub status: String,
    pub registered: bool,
    pub quoted: bool,
    pub takes_quotes: bool,
}

fn rows(ctx: &Ctx, ls: &[Listed]) -> Vec<Row> {
    ls.iter()
        .map(|l| {
            let a = &l.announcement;
            Row {
                id: a.id,
                project: l.project.clone(),
                item: format!("{} {}", l.item_code, l.item_name),
                mode: a.mode().map(|m| ctx.t(m.key())).unwrap_or("").to_string(),
                deadline: fmt_time(a.deadline),
                status: ctx.t(&a.status.label_key()).to_string(),
                registered: l.registered,
                quoted: l.quoted,
                takes_quotes: a.mode().is_some_and(|m| m.takes_quotes()),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "selection/bidding/list.html")]
pub struct ListPage {
    pub page: Page,
    pub open: Vec<Row>,
    pub mine: Vec<Row>,
}

async fn list(ActingAgency { ctx, id: me }: ActingAgency) -> Result<HttpResponse, AppError> {
    let (open, mine) = db::run(ctx.pool(), move |c| {
        let now = db::now();
        Ok::<_, DbError>((
            bid::open_for_agency(c, me, now)?,
            bid::participations(c, me)?,
        ))
    })
    .await?;
    let p = ListPage {
        page: ctx.page(),
        open: rows(&ctx, &open),
        mine: rows(&ctx, &mine),
    };
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- the bid page

pub struct Summary {
    pub id: i64,
    pub project: String,
    pub item: String,
    pub mode: String,
    pub deadline: String,
    pub cap: String,
    pub status: String,
    pub version: i32,
    pub quotes: i64,
}

pub struct QuoteView {
    pub commitment: String,
    pub revision: i32,
    pub submitted_at: String,
    pub active: bool,
    /// Made against an older version of the announcement: does not count until re-confirmed.
    pub stale: bool,
}

pub struct ReceiptView {
    pub kind: String,
    pub commitment: String,
    pub time: String,
    /// A submission's receipt page (empty for a withdrawal or re-confirmation).
    pub href: String,
}

/// The receipts, newest first; each submission links to its own receipt page, numbered as
/// `bid::submission_receipt` numbers them (oldest submission = 1).
fn receipt_views(lang: Lang, id: i64, rs: &[Receipt]) -> Vec<ReceiptView> {
    let is_submission =
        |r: &Receipt| r.kind == ReceiptKind::Submitted || r.kind == ReceiptKind::Revised;
    let mut n = rs.iter().filter(|r| is_submission(r)).count();
    rs.iter()
        .map(|r| {
            let href = if is_submission(r) {
                let path = i32::try_from(n)
                    .map(|k| receipt_path(id, k))
                    .unwrap_or_default();
                n = n.saturating_sub(1);
                path
            } else {
                String::new()
            };
            ReceiptView {
                kind: tr(lang, &format!("bidding.receipt.kind.{}", r.kind)).to_string(),
                commitment: r.commitment.clone(),
                time: fmt::seconds(r.created_at),
                href,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "selection/bidding/bid.html")]
pub struct BidPage {
    pub page: Page,
    pub a: Summary,
    pub open: bool,
    pub takes_quotes: bool,
    pub registered: bool,
    pub refusals: Vec<RefusalView>,
    pub quote: Option<QuoteView>,
    pub receipts: Vec<ReceiptView>,
    pub amount: Field,
    pub note: Field,
    /// A refusal of the last action (deadline passed, not registered …).
    pub notice: String,
    /// The forms shown: exactly the steps the writes would take (`domain::bidding`).
    pub can: Offered,
}

/// Everything the bid page shows, read in one go.
struct Loaded {
    a: Announcement,
    project: String,
    item: String,
    registered: bool,
    eligibility: Result<(), Vec<Ineligible>>,
    quote: Option<QuoteRow>,
    receipts: Vec<Receipt>,
    quotes: i64,
}

/// Loads the announcement for an agency; drafts are not there for anyone but their owner.
async fn load(ctx: &Ctx, id: i64, me: i64) -> Result<Loaded, AppError> {
    let day = today();
    let l = db::run(ctx.pool(), move |c| {
        let Some(a) = ann::find(c, id)? else {
            return Ok::<_, DbError>(None);
        };
        if a.status == AnnouncementStatus::Draft {
            return Ok(None);
        }
        let project = ann::find_project(c, a.project_id)?
            .map(|p| p.name)
            .unwrap_or_default();
        let item = crate::catalogue::store::find(c, a.item_id)?
            .map(|i| format!("{} {}", i.code, i.name))
            .unwrap_or_default();
        let eligibility = bid::eligibility(c, &a, me, day)?;
        Ok(Some(Loaded {
            registered: bid::is_registered(c, id, me)?,
            quote: bid::quote_of(c, id, me)?,
            receipts: bid::receipts_of(c, id, me)?,
            quotes: bid::count_quotes(c, id)?,
            eligibility,
            project,
            item,
            a,
        }))
    })
    .await?;
    l.ok_or(AppError::NotFound)
}

fn bid_page(ctx: &Ctx, l: Loaded, amount: Field, note: Field, notice: String) -> BidPage {
    let lang = ctx.lang();
    let a = &l.a;
    let open = a.open_for_quotes(db::now());
    let can = rules::offered(&BidState {
        open,
        takes_quotes: a.mode().is_some_and(|m| m.takes_quotes()),
        registered: l.registered,
        eligible: l.eligibility.is_ok(),
        quote: l.quote.as_ref().map(|q| steps::quote_state(q, a)),
    });
    BidPage {
        page: ctx.page(),
        a: Summary {
            id: a.id,
            project: l.project.clone(),
            item: l.item.clone(),
            mode: a.mode().map(|m| ctx.t(m.key())).unwrap_or("").to_string(),
            deadline: fmt_time(a.deadline),
            cap: a.cap.map(crate::web::fmt::money).unwrap_or_default(),
            status: ctx.t(&a.status.label_key()).to_string(),
            version: a.version,
            quotes: l.quotes,
        },
        open,
        takes_quotes: a.mode().is_some_and(|m| m.takes_quotes()),
        registered: l.registered,
        refusals: match &l.eligibility {
            Ok(()) => Vec::new(),
            Err(rs) => refusal_views(lang, rs),
        },
        quote: l.quote.as_ref().map(|q| QuoteView {
            commitment: q.commitment.clone(),
            revision: q.revision,
            submitted_at: fmt::seconds(q.submitted_at),
            active: q.active(),
            stale: q.active() && q.announcement_version < a.version,
        }),
        receipts: receipt_views(lang, a.id, &l.receipts),
        amount,
        note,
        notice,
        can,
    }
}

async fn show(
    ActingAgency { ctx, id: me }: ActingAgency,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let l = load(&ctx, id, me).await?;
    html(
        &bid_page(&ctx, l, Field::default(), Field::default(), String::new()),
        StatusCode::OK,
    )
}

/// The bid page again with a refusal (and the form as typed, when it is the amount's fault).
async fn refuse(
    ctx: &Ctx,
    id: i64,
    me: i64,
    status: StatusCode,
    amount: Field,
    note: Field,
    notice: String,
) -> Result<HttpResponse, AppError> {
    let l = load(ctx, id, me).await?;
    html(&bid_page(ctx, l, amount, note, notice), status)
}

// ---------------------------------------------------------------- writes

/// A step's refusal for the page; an announcement that is not there is a 404, a database
/// failure an error.
fn settle<T>(r: Result<T, StepError>) -> Result<Result<T, Refusal>, AppError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(StepError::Refused(x)) if x.kind == RefusalKind::NotFound => Err(AppError::NotFound),
        Err(StepError::Refused(x)) => Ok(Err(x)),
        Err(StepError::Db(e)) => Err(e.into()),
    }
}

fn notice_of(lang: Lang, r: &Refusal) -> (StatusCode, String) {
    (r.status(), r.message(lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmptyForm {}

async fn register(
    path: web::Path<i64>,
    Posted {
        to: ActingAgency { ctx, id: me },
        form: _,
    }: Posted<ActingAgency, EmptyForm>,
) -> Result<HttpResponse, AppError> {
    // Stamped when the request was first seen, before it waited for a worker or the write
    // lock (see `middleware::Arrived`); the step judges the deadline by it.
    let received = ctx.arrived();
    let id = path.into_inner();
    let actor = ctx.actor();
    let day = today();
    let r = settle(
        db::run(ctx.pool(), move |c| {
            steps::register(c, &actor, id, me, received, day)
        })
        .await,
    )?;
    match r {
        Ok(true) => Ok(redirect_flash(
            &format!("/announcements/{id}/bid"),
            FlashKind::Success,
            "bidding.flash.registered",
        )),
        Ok(false) => Ok(redirect_flash(
            &format!("/announcements/{id}/bid"),
            FlashKind::Info,
            "bidding.flash.already_registered",
        )),
        Err(x) => {
            let (st, notice) = notice_of(ctx.lang(), &x);
            refuse(&ctx, id, me, st, Field::default(), Field::default(), notice).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuoteForm {
    pub amount: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "selection/bidding/receipt.html")]
pub struct ReceiptPage {
    pub page: Page,
    pub id: i64,
    pub project: String,
    pub kind: String,
    pub commitment: String,
    pub time: String,
    pub revision: i32,
    pub agency_id: i64,
}

/// Seals the quote before the transaction — the box is bound to the announcement and the
/// agency, not to the version, and the nonce never leaves it in clear — and computes the
/// receipt's commitment.
fn seal_and_commit(
    ctx: &Ctx,
    id: i64,
    me: i64,
    amount: Money,
    note: String,
) -> Result<(String, String), AppError> {
    let nonce = seal::new_nonce().map_err(AppError::internal)?;
    let sealed = seal::seal_quote(
        &ctx.config().sealing_key,
        id,
        me,
        &Sealed {
            amount_fen: amount.fen(),
            nonce: nonce.clone(),
            note,
        },
    )
    .map_err(AppError::internal)?;
    let commitment = seal::commitment(id, me, amount, &nonce);
    Ok((sealed, commitment))
}

async fn quote(
    path: web::Path<i64>,
    Posted {
        to: ActingAgency { ctx, id: me },
        form: f,
    }: Posted<ActingAgency, QuoteForm>,
) -> Result<HttpResponse, AppError> {
    // Stamped when the request was first seen, before it waited for a worker or the write
    // lock (see `middleware::Arrived`); the step judges the deadline by it.
    let received = ctx.arrived();
    let id = path.into_inner();
    let lang = ctx.lang();
    let mut amount_f = Field::new(&f.amount);
    let mut note_f = Field::new(&f.note);
    let amount = Money::parse_yuan(&f.amount)
        .map_err(|e| amount_f.fail(lang, e.key(), &[]))
        .ok();
    let note = note_f.check(lang, validate::text(&f.note, seal::NOTE_MAX_CHARS, false));
    let (Some(amount), Some(note)) = (amount, note) else {
        let notice = tr(lang, "bidding.err.amount").to_string();
        return refuse(
            &ctx,
            id,
            me,
            StatusCode::UNPROCESSABLE_ENTITY,
            amount_f,
            note_f,
            notice,
        )
        .await;
    };
    let (sealed, commitment) = seal_and_commit(&ctx, id, me, amount, note)?;
    let actor = ctx.actor();
    let addr = ctx.req.ip.clone();
    let day = today();
    // The checks read before the write: they do not change under a quote (a material edit
    // bumps the version, and the write re-checks when it sees another version). The writer's
    // transaction, serialised on SQLite and holding the audit chain at its end on PostgreSQL,
    // then only re-reads the announcement against its own clock and stores. On SQLite the
    // quotes that queue up meanwhile share one durable commit (`db::run_grouped`).
    let pre = db::run(ctx.pool(), move |c| {
        steps::quote_precheck(c, id, me, received, day, amount)
    })
    .await;
    let (version, project, agency) = match settle(pre)? {
        Ok(p) => p,
        Err(x) => return quote_refused(&ctx, id, me, x, amount_f, note_f).await,
    };
    let r = settle(
        db::run_grouped(ctx.pool(), move |c| {
            let q = steps::NewQuote {
                id,
                me,
                received,
                day,
                amount,
                version,
                sealed: &sealed,
                commitment: &commitment,
                client_addr: &addr,
                project: &project,
                agency: agency.as_ref(),
            };
            steps::quote(c, &actor, &q)
        })
        .await,
    )?;
    match r {
        // The receipt has its own address: reloading it reads, it never quotes again.
        Ok((q, _)) => Ok(crate::web::ctx::redirect(&receipt_path(id, q.revision))),
        Err(x) => quote_refused(&ctx, id, me, x, amount_f, note_f).await,
    }
}

/// The address of the receipt of an agency's `n`-th submission (its quote's revision `n`).
pub fn receipt_path(announcement_id: i64, n: i32) -> String {
    format!("/agency/announcements/{announcement_id}/receipts/{n}")
}

/// The receipt of the signed-in agency's `n`-th submission (first quote or a revision) of
/// announcement `id`. Each agency only ever sees its own: the address names no agency.
async fn receipt(
    ActingAgency { ctx, id: me }: ActingAgency,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, n) = path.into_inner();
    let found = db::run(ctx.pool(), move |c| {
        let Some(a) = ann::find(c, id)?.filter(|a| a.status != AnnouncementStatus::Draft) else {
            return Ok::<_, DbError>(None);
        };
        let Some(r) = bid::submission_receipt(c, id, me, n)? else {
            return Ok(None);
        };
        Ok(Some((r, steps::project_name(c, &a)?)))
    })
    .await?;
    let (r, project) = found.ok_or(AppError::NotFound)?;
    let p = ReceiptPage {
        page: ctx.page(),
        id,
        project,
        kind: ctx
            .t(&format!("bidding.receipt.kind.{}", r.kind))
            .to_string(),
        commitment: r.commitment,
        time: fmt::seconds(r.created_at),
        revision: n,
        agency_id: me,
    };
    html(&p, StatusCode::OK)
}

/// The bid page again with the refusal: an amount out of range beside the field (with the
/// agency's input kept), anything else as a notice with the form emptied.
async fn quote_refused(
    ctx: &Ctx,
    id: i64,
    me: i64,
    x: Refusal,
    mut amount_f: Field,
    note_f: Field,
) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    match x {
        e if steps::is_amount_refusal(&e) => {
            amount_f.fail(lang, e.key, &e.args);
            let notice = tr(lang, "bidding.err.amount").to_string();
            refuse(
                ctx,
                id,
                me,
                StatusCode::UNPROCESSABLE_ENTITY,
                amount_f,
                note_f,
                notice,
            )
            .await
        }
        x => {
            // The amount was fine but is not taken: the form comes back empty.
            let (st, notice) = notice_of(lang, &x);
            refuse(ctx, id, me, st, Field::default(), Field::default(), notice).await
        }
    }
}

async fn withdraw(
    path: web::Path<i64>,
    Posted {
        to: agency,
        form: _,
    }: Posted<ActingAgency, EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    change_quote(agency, id, Step::Withdraw, "bidding.flash.withdrawn").await
}

async fn reconfirm(
    path: web::Path<i64>,
    Posted {
        to: agency,
        form: _,
    }: Posted<ActingAgency, EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    change_quote(agency, id, Step::Reconfirm, "bidding.flash.reconfirmed").await
}

/// Withdraws or re-confirms the agency's quote; back to the bid page with `done_key`, or the
/// page with the refusal.
async fn change_quote(
    ActingAgency { ctx, id: me }: ActingAgency,
    id: i64,
    step: Step,
    done_key: &str,
) -> Result<HttpResponse, AppError> {
    // Stamped when the request was first seen, before it waited for a worker or the write
    // lock (see `middleware::Arrived`); the step judges the deadline by it.
    let received = ctx.arrived();
    let actor = ctx.actor();
    let day = today();
    let r = settle(
        db::run(ctx.pool(), move |c| {
            steps::change_quote(c, &actor, step, id, me, received, day)
        })
        .await,
    )?;
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/announcements/{id}/bid"),
            FlashKind::Success,
            done_key,
        )),
        Err(x) => {
            let (st, notice) = notice_of(ctx.lang(), &x);
            refuse(&ctx, id, me, st, Field::default(), Field::default(), notice).await
        }
    }
}
