//! The result part of an announcement page (after opening): winner, every quote with its
//! commitment, excluded quotes with the reason, the draw proofs with a verify button,
//! publicity, objections; and the steps after opening: justification of abnormally low
//! quotes, the owner's choice, objections and answers, confirmation (award), re-running.
//! The steps are in `crate::selection::steps::{opening, result}` and `domain::selection`.

use crate::web::refused::refused_page;
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::error::StepError;
use crate::selection::steps::{opening as opening_steps, result as result_steps};
use crate::selection::store::announcement::{self as ann, Announcement, status};
use crate::selection::store::opening;
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::FlashKind;
use crate::web::{Ctx, fmt, fmt_time};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/announcements/{id}/proof.json", web::get().to(proof_json))
        .route("/announcements/{id}/objections", web::post().to(object))
        .route("/announcements/{id}/justify", web::post().to(justify))
        .route("/announcements/{id}/confirm", web::post().to(confirm))
        .route("/owner/announcements/{id}/choose", web::post().to(choose))
        .route(
            "/owner/announcements/{id}/justifications/{agency}",
            web::post().to(decide),
        )
        .route("/owner/objections/{id}/answer", web::post().to(answer))
        .route("/owner/announcements/{id}/rerun", web::post().to(rerun));
}

pub struct QuoteRow {
    pub agency_id: i64,
    pub name: String,
    pub amount: String,
    pub commitment: String,
    pub nonce: String,
    pub low_flag: bool,
    pub justification: String,
    pub justification_state: String,
    /// Empty when the quote took part; else the reason it could not win.
    pub excluded: String,
    pub rank: String,
}

pub struct DrawView {
    pub first_rank: usize,
    pub proof_json: String,
    pub input: String,
    pub seed: String,
    pub candidates: String,
    pub ranking: String,
}

pub struct ObjectionView {
    pub id: i64,
    pub agency: String,
    pub grounds: String,
    pub filed_at: String,
    pub answer_due: String,
    pub answer: String,
    pub upheld: String,
    pub open: bool,
    pub overdue: bool,
}

/// What `templates/result/_section.html` shows on `/announcements/{id}` once opened.
pub struct ResultView {
    pub id: i64,
    pub opened_at: String,
    pub seed: String,
    pub seed_commitment: String,
    pub status: String,
    pub verdict: String,
    pub winner: String,
    pub winner_amount: String,
    pub rows: Vec<QuoteRow>,
    pub takes_quotes: bool,
    pub detail: Vec<String>,
    pub draws: Vec<DrawView>,
    pub justify_by: String,
    pub publicity_ends: String,
    pub confirm_by: String,
    pub awarded: String,
    pub objections: Vec<ObjectionView>,
    pub next_round: Option<i64>,
    // What the signed-in user may do here.
    pub can_object: bool,
    pub can_confirm: bool,
    pub can_justify: bool,
    pub owner: bool,
    pub can_rerun: bool,
    /// (agency id, name, ineligible reason) for the owner's choice.
    pub choices: Vec<(i64, String, String)>,
    /// Agencies whose justification waits for the owner's decision.
    pub to_decide: Vec<(i64, String)>,
    /// For the two parties after the award: their contract (or, for the owner, the page
    /// where a draft is generated when no model text existed).
    pub contract_link: String,
}

/// A score kept as an integer of hundredths (`places` 2) or ten-thousandths (4), written
/// out exactly: no float ever touches it.
fn points(v: i64, places: u32) -> String {
    let unit = 10_i64.pow(places);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let u = unit.unsigned_abs();
    format!("{sign}{}.{:0w$}", a / u, a % u, w = places as usize)
}

fn reason_text(ctx: &Ctx, v: &serde_json::Value) -> String {
    // Exclusion as serialised: {"kind": "...", "detail": ...}; the locale keys are the ones
    // `domain::selection::Exclusion::key` gives.
    let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    let detail = v.get("detail");
    match kind {
        "ineligible" => detail
            .and_then(|d| d.as_str())
            .map(|k| ctx.t(k).to_string())
            .unwrap_or_default(),
        "quote" => {
            let qk = detail
                .and_then(|d| d.get("kind"))
                .and_then(|k| k.as_str())
                .unwrap_or("");
            ctx.t(&format!("result.quote_error.{qk}")).to_string()
        }
        "abnormally_low_not_justified" => ctx.t("selection.exclude.abnormally_low").to_string(),
        "outside_band" => ctx.t("selection.exclude.outside_band").to_string(),
        _ => String::new(),
    }
}

/// The result section for an announcement page, `None` before opening.
pub async fn load(ctx: &Ctx, a: &Announcement) -> Result<Option<ResultView>, AppError> {
    let a2 = a.clone();
    // Each form below is offered only where the policy lets this user make its POST: the
    // owner's steps as the announcement's owner, the agency's as the agency itself.
    let owner = ctx.allows(Action::ManageAnnouncement {
        owner: a.owner_side(),
    });
    let acts_for = |agency_id: i64| ctx.allows(Action::TakePart { agency_id });
    let (loaded, choices, contract_id, pending) = db::run(ctx.pool(), move |c| {
        let l = opening::load(c, &a2)?;
        let pending = if a2.status == status::JUSTIFYING {
            opening::pending_exclusions(c, &a2)?
        } else {
            HashMap::new()
        };
        let contract_id =
            crate::contracts::store::contract::find_by_announcement(c, a2.id)?.map(|k| k.id);
        let choices = if a2.status == status::CHOOSING && owner {
            opening::choosable(c, &a2)?
        } else {
            Vec::new()
        };
        Ok::<_, DbError>((l, choices, contract_id, pending))
    })
    .await?;
    let Some(l) = loaded else {
        return Ok(None);
    };
    let name = |id: i64| {
        l.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    };
    let today = crate::db::today();
    let names_of = |ids: &[i64]| ids.iter().map(|&i| name(i)).collect::<Vec<_>>().join("、");

    // Before the outcome (justification pending), what already keeps a quote from winning.
    let excluded: HashMap<i64, String> = match l.outcome.as_ref() {
        Some(o) => o
            .excluded
            .iter()
            .map(|e| (e.agency_id, reason_text(ctx, &e.reason)))
            .collect(),
        None => pending
            .iter()
            .map(|(id, key)| (*id, ctx.t(key).to_string()))
            .collect(),
    };
    let ranking: Vec<i64> = l
        .outcome
        .as_ref()
        .map(|o| o.ranking.clone())
        .unwrap_or_default();
    let rank_of = |id: i64| {
        ranking
            .iter()
            .position(|&r| r == id)
            .map(|p| (p + 1).to_string())
            .unwrap_or_default()
    };
    let takes_quotes = a.mode().is_some_and(|m| m.takes_quotes());
    let mut rows: Vec<QuoteRow> = if takes_quotes {
        l.quotes
            .iter()
            .map(|q| QuoteRow {
                agency_id: q.agency_id,
                name: name(q.agency_id),
                amount: fmt::fen_opt(q.amount_fen),
                commitment: q.commitment.clone(),
                nonce: q.nonce.clone().unwrap_or_default(),
                low_flag: q.low_flag,
                justification: q.justification.clone().unwrap_or_default(),
                justification_state: match (
                    q.low_flag,
                    q.justification.is_some(),
                    q.justification_ok,
                ) {
                    (false, _, _) => String::new(),
                    (true, false, _) => ctx.t("result.justify.waiting").to_string(),
                    (true, true, None) => ctx.t("result.justify.submitted").to_string(),
                    (true, true, Some(true)) => ctx.t("result.justify.accepted").to_string(),
                    (true, true, Some(false)) => ctx.t("result.justify.rejected").to_string(),
                },
                excluded: excluded.get(&q.agency_id).cloned().unwrap_or_default(),
                rank: rank_of(q.agency_id),
            })
            .collect()
    } else {
        let mut ids: Vec<i64> = ranking.clone();
        ids.extend(excluded.keys().copied());
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| QuoteRow {
                agency_id: id,
                name: name(id),
                amount: String::new(),
                commitment: String::new(),
                nonce: String::new(),
                low_flag: false,
                justification: String::new(),
                justification_state: String::new(),
                excluded: excluded.get(&id).cloned().unwrap_or_default(),
                rank: rank_of(id),
            })
            .collect()
    };
    rows.sort_by_key(|r| {
        (
            r.rank.is_empty(),
            r.rank.parse::<usize>().unwrap_or(0),
            r.agency_id,
        )
    });

    let verdict = match l.outcome.as_ref() {
        _ if a.status == status::ANNULLED => ctx.t("result.verdict.annulled").to_string(),
        None if a.status == status::JUSTIFYING => ctx.t("result.verdict.justifying").to_string(),
        None => ctx.t("result.verdict.choosing").to_string(),
        Some(o) => match o.verdict.get("kind").and_then(|k| k.as_str()) {
            Some("selected") => ctx.t("result.verdict.selected").to_string(),
            _ => {
                let valid = o.verdict.get("valid").and_then(|v| v.as_u64()).unwrap_or(0);
                let required = o
                    .verdict
                    .get("required")
                    .and_then(|v| v.as_u64())
                    .unwrap_or(3);
                let next = o
                    .verdict
                    .get("next")
                    .and_then(|v| v.as_str())
                    .unwrap_or("republish");
                crate::i18n::tr_args(
                    ctx.lang(),
                    "result.verdict.failed",
                    &[
                        ("valid", &valid.to_string()),
                        ("required", &required.to_string()),
                        ("next", ctx.t(&format!("selection.failed.{next}"))),
                    ],
                )
            }
        },
    };
    let mut detail = Vec::new();
    if let Some(o) = &l.outcome {
        match o.detail.get("kind").and_then(|k| k.as_str()) {
            Some("benchmark") => {
                let d = &o.detail;
                let m = |k: &str| fmt::fen_opt(d.get(k).and_then(|v| v.as_i64()));
                let s = |k: &str| {
                    d.get(k)
                        .map(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        })
                        .unwrap_or_default()
                };
                // The band is exact to four decimals in the outcome; pages show the whole
                // fen inside it.
                let exact = |k: &str| s(k).parse::<rust_decimal::Decimal>().ok();
                let (low, high) = match (exact("low"), exact("high")) {
                    (Some(l), Some(h)) => match crate::domain::selection::band_in_fen(l, h) {
                        Some((l, h)) => (fmt::money(l), fmt::money(h)),
                        None => (s("low"), s("high")),
                    },
                    _ => (s("low"), s("high")),
                };
                detail.push(crate::i18n::tr_args(
                    ctx.lang(),
                    "result.benchmark",
                    &[
                        ("used", &s("quotes_used")),
                        ("benchmark", &m("benchmark")),
                        ("band", &s("band_percent")),
                        ("low", &low),
                        ("high", &high),
                    ],
                ));
                if let Some(p) = d.get("pool").and_then(|p| p.as_array()) {
                    let ids: Vec<i64> = p.iter().filter_map(|v| v.as_i64()).collect();
                    detail.push(crate::i18n::tr_args(
                        ctx.lang(),
                        "result.pool",
                        &[("pool", &names_of(&ids))],
                    ));
                }
            }
            Some("scores") => {
                if let Some(rows) = o.detail.get("rows").and_then(|r| r.as_array()) {
                    for r in rows {
                        let g = |k: &str| r.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
                        detail.push(crate::i18n::tr_args(
                            ctx.lang(),
                            "result.score_row",
                            &[
                                ("name", &name(g("agency_id"))),
                                ("amount", &fmt::fen(g("amount"))),
                                ("price", &points(g("price_x100"), 2)),
                                ("credit", &points(g("credit_x100"), 2)),
                                ("qual", &points(g("qualification_x100"), 2)),
                                ("total", &points(g("total_x10000"), 4)),
                            ],
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let draws = l
        .outcome
        .as_ref()
        .map(|o| {
            o.draws
                .iter()
                .map(|d| DrawView {
                    first_rank: d.first_rank + 1,
                    proof_json: serde_json::to_string(&d.proof).unwrap_or_default(),
                    input: d.proof.input.clone(),
                    seed: d.proof.seed.clone(),
                    candidates: names_of(&d.proof.candidates),
                    ranking: names_of(&d.proof.ranking),
                })
                .collect()
        })
        .unwrap_or_default();
    let r = &l.result;
    let in_publicity =
        a.status == status::PUBLICITY && r.publicity_ends.is_some_and(|p| today <= p);
    let my = ctx.user().map(|u| u.id).filter(|id| acts_for(*id));
    let participant = my.is_some_and(|id| {
        l.names.contains_key(&id)
            && (l.quotes.iter().any(|q| q.agency_id == id)
                || ranking.contains(&id)
                || excluded.contains_key(&id))
    });
    let objections = l
        .objections
        .iter()
        .map(|o| ObjectionView {
            id: o.id,
            agency: name(o.agency_id),
            grounds: o.grounds.clone(),
            filed_at: fmt_time(o.filed_at),
            answer_due: o.answer_due.to_string(),
            answer: o.answer.clone().unwrap_or_default(),
            upheld: match o.upheld {
                Some(true) => ctx.t("result.objection.upheld").to_string(),
                Some(false) => ctx.t("result.objection.rejected").to_string(),
                None => String::new(),
            },
            open: o.answered_at.is_none(),
            overdue: o.answered_at.is_none() && today > o.answer_due,
        })
        .collect();
    let can_confirm = my.is_some()
        && a.status == status::PUBLICITY
        && r.winner_id == my
        && r.publicity_ends.is_some_and(|p| today > p)
        && r.confirm_by.is_some_and(|d| today <= d);
    let can_justify = my.is_some()
        && a.status == status::JUSTIFYING
        && l.quotes
            .iter()
            .any(|q| Some(q.agency_id) == my && q.low_flag && q.justification.is_none());
    let to_decide = if owner && a.status == status::JUSTIFYING {
        l.quotes
            .iter()
            .filter(|q| q.low_flag && q.justification.is_some() && q.justification_ok.is_none())
            .map(|q| (q.agency_id, name(q.agency_id)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(ResultView {
        id: a.id,
        opened_at: fmt_time(r.opened_at),
        seed: r.seed_revealed.clone(),
        seed_commitment: a.seed_commitment.clone().unwrap_or_default(),
        status: ctx.t(&status::key(&a.status)).to_string(),
        verdict,
        // An annulled result names no winner: the objection was upheld.
        winner: r
            .winner_id
            .filter(|_| a.status != status::ANNULLED)
            .map(name)
            .unwrap_or_default(),
        winner_amount: if a.status == status::ANNULLED {
            String::new()
        } else {
            fmt::fen_opt(r.winner_amount_fen)
        },
        rows,
        takes_quotes,
        detail,
        draws,
        justify_by: r.justify_by.map(|d| d.to_string()).unwrap_or_default(),
        publicity_ends: r.publicity_ends.map(|d| d.to_string()).unwrap_or_default(),
        confirm_by: r.confirm_by.map(|d| d.to_string()).unwrap_or_default(),
        contract_link: match (contract_id, &l.award) {
            (Some(k), Some((w, _)))
                if ctx.allows(Action::ViewContract {
                    owner: a.owner_side(),
                    agency: *w,
                    in_domain: false,
                }) =>
            {
                format!("/contracts/{k}")
            }
            (None, Some(_)) if owner => "/owner/contracts".to_string(),
            _ => String::new(),
        },
        awarded: l
            .award
            .map(|(id, at)| format!("{} · {}", name(id), fmt_time(at)))
            .unwrap_or_default(),
        objections,
        next_round: l.next_round,
        can_object: participant && in_publicity,
        can_confirm,
        can_justify,
        owner,
        can_rerun: owner
            && (a.status == status::FAILED || a.status == status::ANNULLED)
            && l.next_round.is_none(),
        choices: choices
            .into_iter()
            .map(|(id, inel)| {
                (
                    id,
                    name(id),
                    inel.map(|k| ctx.t(k).to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        to_decide,
    }))
}

// ---------------------------------------------------------------- handlers

/// A step's answer: back to `to` with the flash `done_key`, or the refusal page (409/422)
/// with a link back to `back`.
fn answer_step(
    ctx: &Ctx,
    r: Result<String, StepError>,
    done_key: &str,
    back: &str,
) -> Result<HttpResponse, AppError> {
    match r {
        Ok(to) => Ok(redirect_flash(&to, FlashKind::Success, done_key)),
        Err(e) => refused_page(ctx, e, back),
    }
}

async fn find(ctx: &Ctx, id: i64) -> Result<Announcement, AppError> {
    let key = ctx.config().sealing_key;
    let instance = ctx.config().instance_id.clone();
    db::run(ctx.pool(), move |c| {
        opening_steps::open_if_due(c, &key, id, &instance)?;
        ann::find(c, id).map_err(DbError::from)
    })
    .await?
    .filter(|a| a.status != status::DRAFT)
    .ok_or(AppError::NotFound)
}

fn page_of(id: i64) -> String {
    format!("/announcements/{id}")
}

async fn proof_json(ctx: Ctx, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = path.into_inner();
    let a = find(&ctx, id).await?;
    let l = db::run(ctx.pool(), move |c| {
        opening::load(c, &a).map_err(DbError::from)
    })
    .await?;
    let proofs: Vec<_> = l
        .and_then(|l| l.outcome)
        .map(|o| o.draws.into_iter().map(|d| d.proof).collect())
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(proofs))
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// Free text of an objection, justification or answer: required, at most 2,000 characters.
fn text_ok(ctx: &Ctx, t: &str, back: &str) -> Result<Option<HttpResponse>, AppError> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > 2000 {
        return refused_page(
            ctx,
            StepError::Refused {
                key: "result.err.text_required",
                args: Vec::new(),
                conflict: false,
            },
            back,
        )
        .map(Some);
    }
    Ok(None)
}

/// The signed-in agency taking part in announcement `id` (which must exist): checked before
/// anything in the form is looked at.
async fn acting_agency_on(ctx: &Ctx, id: i64) -> Result<i64, AppError> {
    let me = ctx.user().map(|u| u.id).unwrap_or(0);
    ctx.authorize(Action::TakePart { agency_id: me })?;
    find(ctx, id).await?;
    Ok(me)
}

async fn agency_step(
    ctx: Ctx,
    id: i64,
    me: i64,
    f: impl FnOnce(&mut crate::db::DbConnection, i64) -> Result<(), StepError> + Send + 'static,
    done_key: &'static str,
) -> Result<HttpResponse, AppError> {
    let r = db::run(ctx.pool(), move |c| Ok::<_, DbError>(f(c, me))).await?;
    answer_step(&ctx, r.map(|()| page_of(id)), done_key, &page_of(id))
}

async fn object(
    ctx: Ctx,
    path: web::Path<i64>,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = acting_agency_on(&ctx, id).await?;
    if let Some(r) = text_ok(&ctx, &form.0.text, &page_of(id))? {
        return Ok(r);
    }
    let text = form.0.text.trim().to_string();
    agency_step(
        ctx,
        id,
        me,
        move |c, me| result_steps::object(c, id, me, &text).map(|_| ()),
        "result.done.objected",
    )
    .await
}

async fn justify(
    ctx: Ctx,
    path: web::Path<i64>,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = acting_agency_on(&ctx, id).await?;
    if let Some(r) = text_ok(&ctx, &form.0.text, &page_of(id))? {
        return Ok(r);
    }
    let text = form.0.text.trim().to_string();
    agency_step(
        ctx,
        id,
        me,
        move |c, me| result_steps::justify(c, id, me, &text),
        "result.done.justified",
    )
    .await
}

#[derive(Deserialize)]
pub struct Empty {}

async fn confirm(
    ctx: Ctx,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = acting_agency_on(&ctx, id).await?;
    agency_step(
        ctx,
        id,
        me,
        move |c, me| result_steps::confirm(c, id, me),
        "result.done.confirmed",
    )
    .await
}

async fn owned(ctx: &Ctx, id: i64) -> Result<Announcement, AppError> {
    let a = find(ctx, id).await?;
    ctx.authorize(Action::ManageAnnouncement {
        owner: a.owner_side(),
    })?;
    Ok(a)
}

#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    agency: String,
}

async fn choose(
    ctx: Ctx,
    path: web::Path<i64>,
    form: CsrfForm<ChooseForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    owned(&ctx, id).await?;
    let Ok(agency) = form.0.agency.trim().parse::<i64>() else {
        return refused_page(
            &ctx,
            StepError::Refused {
                key: "result.err.not_a_respondent",
                args: Vec::new(),
                conflict: false,
            },
            &page_of(id),
        );
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::choose(c, &actor, id, agency))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(|()| page_of(id)),
        "result.done.chosen",
        &page_of(id),
    )
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
}

async fn decide(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: CsrfForm<DecideForm>,
) -> Result<HttpResponse, AppError> {
    let (id, agency) = path.into_inner();
    owned(&ctx, id).await?;
    let accept = match form.0.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("err.form.malformed")),
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::decide_justification(
            c, &actor, id, agency, accept,
        ))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(|()| page_of(id)),
        "result.done.decided",
        &page_of(id),
    )
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    upheld: String,
}

async fn answer(
    ctx: Ctx,
    path: web::Path<i64>,
    form: CsrfForm<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let oid = path.into_inner();
    let ann_id = db::run(ctx.pool(), move |c| {
        opening::objection_announcement(c, oid).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    owned(&ctx, ann_id).await?;
    if let Some(r) = text_ok(&ctx, &form.0.text, &page_of(ann_id))? {
        return Ok(r);
    }
    let upheld = form.0.upheld == "yes";
    let text = form.0.text.trim().to_string();
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::answer(c, &actor, oid, &text, upheld))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(page_of),
        "result.done.answered",
        &page_of(ann_id),
    )
}

async fn rerun(
    ctx: Ctx,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    owned(&ctx, id).await?;
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::republish_draft(c, &actor, id))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(|new_id| format!("/owner/announcements/{new_id}/edit")),
        "result.done.rerun",
        &page_of(id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::page::Page;
    use askama::Template;

    #[derive(Template)]
    #[template(path = "result/_section.html")]
    struct Section {
        page: Page,
        result: Option<ResultView>,
    }

    #[test]
    fn section_renders_nothing_before_opening() {
        let s = Section {
            page: Page {
                lang: crate::i18n::Lang::Zh,
                user: None,
                csrf: String::new(),
                flash: None,
                path: String::new(),
                rehearsal: None,
            },
            result: None,
        };
        assert!(s.render().is_ok_and(|h| h.trim().is_empty()));
    }
}
