//! Fulfilment and evaluation of a signed contract: `/contracts/{id}/fulfilment`
//! shows the service timer, deliverables, amendments, payments, ratings and the timeline;
//! the section is `templates/contracts/fulfilment/_section.html` (a contract page may include it with a
//! `f: FulfilmentView` field, see [`view`]). The owner accepts or returns deliverables,
//! records payments and rates; the agency delivers, replies and appeals; either party
//! proposes and signs amendments; the approval department rates and decides appeals.
//! Rules: `domain::fulfilment`, `domain::evaluation`; queries: `crate::contracts::store::fulfilment`,
//! `crate::contracts::store::evaluation`. Figures: `/figures/fulfilment`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{
    AppealDecider, ContractAgency, ContractOwner, ContractParty, ContractRater, ContractReader,
    RatedAgency,
};
use crate::auth::Role;
use crate::auth::policy::Action;
use crate::contracts::steps::evaluation as eval_steps;
use crate::contracts::steps::fulfilment as ful_steps;
use crate::contracts::store::evaluation as meval;
use crate::contracts::store::fulfilment as mful;
use crate::contracts::views::{FigureRow, FormError, FulfilmentRows, FulfilmentView, figure_row};
use crate::db::{self, DbError};
use crate::domain::evaluation::{self as erules, DIMENSIONS};
use crate::domain::fulfilment as rules;
use crate::domain::money::Money;
use crate::error::AppError;
use crate::error::StepError;
use crate::uploads::{self, UploadBody};
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{FlashKind, Page};
use crate::web::{Ctx, fmt, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/contracts/{id}/fulfilment", web::get().to(show))
        .route("/contracts/{id}/deliverables", web::post().to(deliver))
        .route(
            "/contracts/{id}/deliverables/{did}/file",
            web::get().to(deliverable_file),
        )
        .route(
            "/contracts/{id}/deliverables/{did}/decision",
            web::post().to(decide),
        )
        .route("/contracts/{id}/amendments", web::post().to(propose))
        .route(
            "/contracts/{id}/amendments/{aid}/answer",
            web::post().to(answer_amendment),
        )
        .route("/contracts/{id}/payments", web::post().to(pay))
        .route("/contracts/{id}/evaluation", web::post().to(rate))
        .route("/evaluations/{eid}/reply", web::post().to(reply))
        .route("/evaluations/{eid}/appeal", web::post().to(appeal))
        .route("/evaluations/{eid}/decision", web::post().to(decide_appeal))
        .route("/figures/fulfilment", web::get().to(figures))
        .route("/owners/{id}/record", web::get().to(owner_record))
        .route("/regulate/fulfilment", web::get().to(supervise));
}

// ---------------------------------------------------------------- view

/// Loads the view of contract `id` for the signed-in user, whom an extractor of the handler
/// has allowed to read it.
async fn view(ctx: &Ctx, id: i64, error: FormError) -> Result<FulfilmentView, AppError> {
    let settings = db::run(ctx.pool(), |c| {
        crate::accounts::store::settings::load(c).map_err(DbError::from)
    })
    .await?;
    let pay_days = settings.get("payment_due_working_days");
    let (l, evals) = db::run(ctx.pool(), move |c| {
        let l = mful::load(c, id, pay_days)?;
        let e = meval::of_contract(c, id)?;
        Ok::<_, DbError>((l, e))
    })
    .await?;
    let l = l.ok_or(AppError::NotFound)?;
    let k = &l.contract;
    let today = crate::db::today();
    let cal_from = k.accepted_on().unwrap_or(today).min(today);
    let calendar = db::run(ctx.pool(), move |c| {
        mful::calendar(c, cal_from).map_err(DbError::from)
    })
    .await?;
    let rows = FulfilmentRows {
        loaded: l,
        evaluations: evals,
        calendar,
        upload_max_mib: settings.get("upload_max_mib"),
    };
    Ok(FulfilmentView::build(ctx, rows, error))
}

#[derive(Template)]
#[template(path = "contracts/fulfilment/page.html")]
pub struct FulfilmentPage {
    pub page: Page,
    pub f: FulfilmentView,
}

async fn show(reader: ContractReader) -> Result<HttpResponse, AppError> {
    let ContractReader { ctx, contract } = reader;
    let f = view(&ctx, contract.id, FormError::default()).await?;
    html(
        &FulfilmentPage {
            page: ctx.page(),
            f,
        },
        StatusCode::OK,
    )
}

fn page_of(id: i64) -> String {
    format!("/contracts/{id}/fulfilment")
}

/// The page again with the refused form's message beside it (422 bad input, 409 conflict).
/// The page again with a 422 beside form `form`: the input was not acceptable.
async fn invalid(
    ctx: &Ctx,
    id: i64,
    form: &str,
    key: &str,
    values: &[(&str, &str)],
) -> Result<HttpResponse, AppError> {
    refuse(
        ctx,
        id,
        form,
        key,
        &[],
        values,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn refuse(
    ctx: &Ctx,
    id: i64,
    form: &str,
    key: &str,
    args: &[(&str, &str)],
    values: &[(&str, &str)],
    status_code: StatusCode,
) -> Result<HttpResponse, AppError> {
    let message = crate::i18n::tr_args(ctx.lang(), key, args);
    let f = view(ctx, id, FormError::new(form, message, values)).await?;
    html(
        &FulfilmentPage {
            page: ctx.page(),
            f,
        },
        status_code,
    )
}

/// A model step's answer: 303 back to the page with `done_key`, or the page with the
/// refusal beside `form`.
async fn answer(
    ctx: &Ctx,
    id: i64,
    r: Result<(), StepError>,
    done_key: &str,
    form: &str,
    values: &[(&str, &str)],
) -> Result<HttpResponse, AppError> {
    match r {
        Ok(()) => Ok(redirect_flash(&page_of(id), FlashKind::Success, done_key)),
        Err(StepError::Db(e)) => Err(e.into()),
        Err(StepError::Refused(r)) => {
            let a: Vec<(&str, &str)> = r.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            refuse(ctx, id, form, r.key, &a, values, r.status()).await
        }
    }
}

// ---------------------------------------------------------------- deliverables

async fn deliver(agency: ContractAgency, body: UploadBody) -> Result<HttpResponse, AppError> {
    // Who may deliver is decided (by the extractor) before the body is read.
    let ContractAgency { ctx, contract: k } = agency;
    let id = k.id;
    let s = db::run(ctx.pool(), |c| {
        crate::accounts::store::settings::load(c).map_err(DbError::from)
    })
    .await?;
    let max_mib = s.get("upload_max_mib");
    let dir = uploads::upload_dir(ctx.config());
    let max_bytes = u64::try_from(max_mib).unwrap_or(1) * 1024 * 1024;
    let form = body.read(&ctx, &dir.join("tmp"), max_bytes).await?;
    let note_in = form.field("note");
    let vals = [("note", note_in.as_str())];
    let note = match rules::text(&note_in, false) {
        Ok(n) => n,
        Err(p) => {
            return invalid(&ctx, id, "deliver", p.key(), &vals).await;
        }
    };
    // A refused file is dropped here (its temporary file deleted); nothing is kept.
    let file = match form.file {
        None => {
            return invalid(&ctx, id, "deliver", "upload.required", &vals).await;
        }
        Some(Err(problem)) => {
            let mib = max_mib.to_string();
            return refuse(
                &ctx,
                id,
                "deliver",
                problem.key(),
                &[("mib", mib.as_str())],
                &vals,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Some(Ok(f)) => f,
    };
    let (stored, (orig, ct, size, sha)) = uploads::keep_received(file, &dir).await?;
    let actor = ctx.actor();
    let agency = k.agency_id;
    let d = ful_steps::NewDeliverable {
        stored_name: stored.clone(),
        original_name: orig,
        content_type: ct.to_string(),
        size,
        sha256: sha,
        note,
    };
    let r = db::run(ctx.pool(), move |c| {
        ful_steps::submit(c, &actor, id, agency, &d).map(|_| ())
    })
    .await;
    if r.is_err() {
        // Nothing was saved, so the file must not stay either.
        let _ = std::fs::remove_file(dir.join(&stored));
    }
    answer(&ctx, id, r, "ful.done.delivered", "deliver", &vals).await
}

async fn deliverable_file(
    reader: ContractReader,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let ContractReader { ctx, contract } = reader;
    let (id, did) = (contract.id, path.into_inner().1);
    let up = db::run(ctx.pool(), move |c| {
        mful::deliverable_file(c, id, did).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    uploads::send_file(
        ctx.config(),
        &up,
        &format!("contract-{id}-deliverable-{did}"),
    )
    .await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    posted: Posted<ContractOwner, DecideForm>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let Posted { to: owner, form } = posted;
    let ContractOwner { ctx, contract: k } = owner;
    let (id, did) = (k.id, path.into_inner().1);
    let f = form;
    let vals = [("reason", f.reason.as_str())];
    let accept = match f.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => {
            return invalid(&ctx, id, "decide", "ful.err.decision", &vals).await;
        }
    };
    // Returning needs reasons; accepting may carry a remark.
    let reason = match rules::text(&f.reason, !accept) {
        Ok(r) => r,
        Err(p) => {
            return invalid(&ctx, id, "decide", p.key(), &vals).await;
        }
    };
    let actor = ctx.actor();
    let owner = k.owner_id;
    let r = db::run(ctx.pool(), move |c| {
        ful_steps::decide(c, &actor, id, did, owner, accept, &reason)
    })
    .await;
    let done = if accept {
        "ful.done.accepted"
    } else {
        "ful.done.returned"
    };
    answer(&ctx, id, r, done, "decide", &vals).await
}

// ---------------------------------------------------------------- amendments

#[derive(Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    reason: String,
}

async fn propose(posted: Posted<ContractParty, AmendForm>) -> Result<HttpResponse, AppError> {
    let Posted { to: party, form } = posted;
    let ContractParty {
        ctx,
        contract: k,
        party,
    } = party;
    let id = k.id;
    let f = form;
    let vals = [
        ("kind", f.kind.as_str()),
        ("days", f.days.as_str()),
        ("price", f.price.as_str()),
        ("reason", f.reason.as_str()),
    ];
    let parsed = rules::amendment(
        &f.kind,
        &f.days,
        &f.price,
        k.price.fen(),
        k.price_limit.fen(),
    )
    .and_then(|ch| rules::text(&f.reason, true).map(|r| (ch, r)));
    let (change, reason) = match parsed {
        Ok(x) => x,
        Err(p) => {
            let limit = fmt::money(k.price_limit);
            return refuse(
                &ctx,
                id,
                "amend",
                p.key(),
                &[("limit", limit.as_str())],
                &vals,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        ful_steps::propose(c, &actor, id, party, change, &reason)
    })
    .await;
    answer(&ctx, id, r, "ful.done.proposed", "amend", &vals).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

async fn answer_amendment(
    posted: Posted<ContractParty, AnswerForm>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let Posted { to: party, form } = posted;
    let ContractParty {
        ctx,
        contract: k,
        party,
    } = party;
    let (id, aid) = (k.id, path.into_inner().1);
    let sign = match form.answer.as_str() {
        "sign" => true,
        "decline" => false,
        _ => {
            return invalid(&ctx, id, "amend", "ful.err.decision", &[]).await;
        }
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        ful_steps::answer_amendment(c, &actor, id, aid, party, sign)
    })
    .await;
    let done = if sign {
        "ful.done.amendment_signed"
    } else {
        "ful.done.amendment_declined"
    };
    answer(&ctx, id, r, done, "amend", &[]).await
}

// ---------------------------------------------------------------- payments

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    amount: String,
}

async fn pay(posted: Posted<ContractOwner, PayForm>) -> Result<HttpResponse, AppError> {
    let Posted { to: owner, form } = posted;
    let ContractOwner { ctx, contract: k } = owner;
    let id = k.id;
    let f = form;
    let vals = [
        ("paid_on", f.paid_on.as_str()),
        ("amount", f.amount.as_str()),
    ];
    let today = crate::db::today();
    let (paid_on, amount) = match rules::payment(&f.paid_on, &f.amount, today) {
        Ok(x) => x,
        Err(p) => {
            return invalid(&ctx, id, "pay", p.key(), &vals).await;
        }
    };
    let actor = ctx.actor();
    let owner = k.owner_id;
    let r = db::run(ctx.pool(), move |c| {
        ful_steps::record_payment(c, &actor, id, owner, paid_on, Money::from_fen(amount))
    })
    .await;
    answer(&ctx, id, r, "ful.done.paid", "pay", &vals).await
}

// ---------------------------------------------------------------- evaluation

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    quality: String,
    #[serde(default)]
    timeliness: String,
    #[serde(default)]
    attitude: String,
    #[serde(default)]
    fees: String,
    #[serde(default)]
    conduct: String,
    #[serde(default)]
    comment: String,
}

async fn rate(posted: Posted<ContractRater, RateForm>) -> Result<HttpResponse, AppError> {
    let Posted { to: rater, form } = posted;
    // The owner side rates as the owner (a commissioning department's staff too); another
    // regulator of the item's department as the department.
    let ContractRater {
        ctx,
        contract: k,
        kind,
        department_id: dept,
    } = rater;
    let id = k.id;
    let f = form;
    let vals = [
        ("quality", f.quality.as_str()),
        ("timeliness", f.timeliness.as_str()),
        ("attitude", f.attitude.as_str()),
        ("fees", f.fees.as_str()),
        ("conduct", f.conduct.as_str()),
        ("comment", f.comment.as_str()),
    ];
    let stars = match erules::stars([&f.quality, &f.timeliness, &f.attitude, &f.fees, &f.conduct]) {
        Ok(s) => s,
        Err((i, p)) => {
            let dim = ctx.t(&format!("eval.dim.{}", DIMENSIONS[i]));
            return refuse(
                &ctx,
                id,
                "rate",
                p.key(),
                &[("dim", dim)],
                &vals,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let comment = match erules::text(&f.comment) {
        Ok(c) => c,
        Err(p) => {
            return invalid(&ctx, id, "rate", p.key(), &vals).await;
        }
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        eval_steps::rate(c, &actor, id, kind, stars, &comment, dept)
    })
    .await;
    let done = match r {
        Ok(true) => "eval.done.revised",
        _ => "eval.done.rated",
    };
    answer(&ctx, id, r.map(|_| ()), done, "rate", &vals).await
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

async fn respond(rated: RatedAgency, text: String, appeal: bool) -> Result<HttpResponse, AppError> {
    let RatedAgency {
        ctx,
        evaluation: e,
        contract: k,
    } = rated;
    let eid = e.id;
    let form = if appeal { "appeal" } else { "reply" };
    let vals = [("text", text.as_str())];
    let body = match erules::text(&text) {
        Ok(t) => t,
        Err(p) => {
            return refuse(
                &ctx,
                e.contract_id,
                form,
                p.key(),
                &[],
                &vals,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = ctx.actor();
    let agency = k.agency_id;
    let r = db::run(ctx.pool(), move |c| {
        eval_steps::respond(c, &actor, eid, agency, appeal, &body).map(|_| ())
    })
    .await;
    let done = if appeal {
        "eval.done.appealed"
    } else {
        "eval.done.replied"
    };
    answer(&ctx, e.contract_id, r, done, form, &vals).await
}

async fn reply(posted: Posted<RatedAgency, TextForm>) -> Result<HttpResponse, AppError> {
    let Posted { to: rated, form } = posted;
    respond(rated, form.text, false).await
}

async fn appeal(posted: Posted<RatedAgency, TextForm>) -> Result<HttpResponse, AppError> {
    let Posted { to: rated, form } = posted;
    respond(rated, form.text, true).await
}

#[derive(Deserialize)]
pub struct AppealDecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    text: String,
}

async fn decide_appeal(
    posted: Posted<AppealDecider, AppealDecisionForm>,
) -> Result<HttpResponse, AppError> {
    let Posted { to: decider, form } = posted;
    let AppealDecider {
        ctx,
        evaluation: e,
        department_id: dept,
    } = decider;
    let eid = e.id;
    let f = form;
    let vals = [("text", f.text.as_str())];
    let upheld = match f.decision.as_str() {
        "uphold" => true,
        "dismiss" => false,
        _ => {
            return refuse(
                &ctx,
                e.contract_id,
                "decide_appeal",
                "ful.err.decision",
                &[],
                &vals,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let text = match erules::text(&f.text) {
        Ok(t) => t,
        Err(p) => {
            return refuse(
                &ctx,
                e.contract_id,
                "decide_appeal",
                p.key(),
                &[],
                &vals,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        eval_steps::decide_appeal(c, &actor, eid, upheld, &text, Some(dept)).map(|_| ())
    })
    .await;
    answer(
        &ctx,
        e.contract_id,
        r,
        "eval.done.appeal_decided",
        "decide_appeal",
        &vals,
    )
    .await
}

// ---------------------------------------------------------------- figures

pub struct OwnerRow {
    pub id: i64,
    pub name: String,
    pub contracts: usize,
    pub late: usize,
    pub overdue: usize,
}

#[derive(Template)]
#[template(path = "contracts/fulfilment/figures.html")]
pub struct FiguresPage {
    pub page: Page,
    pub overall: FigureRow,
    pub rows: Vec<FigureRow>,
    pub owners: Vec<OwnerRow>,
    pub target: i64,
    pub share: erules::Share,
    /// (published announcements whose time limit is beyond the 20%-faster target, all
    /// published announcements).
    pub speedup: (i64, i64),
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresQuery {
    pub format: String,
    pub limit: String,
    pub after: String,
}

async fn figures(ctx: Ctx, q: web::Query<FiguresQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let ex = crate::web::export::RawExport {
        format: q.format.clone(),
        limit: q.limit.clone(),
        after: q.after.clone(),
    }
    .parse()?;
    if ex.format != crate::domain::export::Format::Html {
        return figures_export(&ctx, ex).await;
    }
    let (per, overall, names, owners, share, speedup) = db::run(ctx.pool(), |c| {
        let pay_days = crate::accounts::store::settings::load(c)?.get("payment_due_working_days");
        let (per, overall) = mful::figures(c, None)?;
        let ids: Vec<i64> = per.keys().copied().collect();
        let names = mful::agency_names(c, &ids)?;
        let mut owners = Vec::new();
        for (oid, name) in mful::owners_with_contracts(c)? {
            let rec = mful::owner_payment_record(c, oid, pay_days)?;
            owners.push(OwnerRow {
                id: oid,
                name,
                contracts: rec.len(),
                late: rec.iter().filter(|r| r.late).count(),
                overdue: rec.iter().filter(|r| r.overdue).count(),
            });
        }
        let share = erules::Share::of(meval::counted_stars(c)?.iter());
        let speedup = crate::selection::store::publication::speedup_counts(c)?;
        Ok::<_, DbError>((per, overall, names, owners, share, speedup))
    })
    .await?;
    let mut rows: Vec<FigureRow> = per
        .iter()
        .map(|(id, f)| figure_row(*id, names.get(id).cloned().unwrap_or_default(), f))
        .collect();
    rows.sort_by(|a, b| b.bar.cmp(&a.bar).then(a.agency_id.cmp(&b.agency_id)));
    let p = FiguresPage {
        page: ctx.page(),
        overall: figure_row(0, ctx.t("fig.overall").to_string(), &overall),
        rows,
        owners,
        target: rules::TARGET_PERCENT_FASTER,
        share,
        speedup,
    };
    html(&p, StatusCode::OK)
}

/// `/figures/fulfilment?format=csv|json`: one row per agency with contracts, by agency id.
async fn figures_export(
    ctx: &Ctx,
    q: crate::domain::export::ExportQuery,
) -> Result<HttpResponse, AppError> {
    let (per, names) = db::run(ctx.pool(), |c| {
        let (per, _) = mful::figures(c, None)?;
        let ids: Vec<i64> = per.keys().copied().collect();
        let names = mful::agency_names(c, &ids)?;
        Ok::<_, DbError>((per, names))
    })
    .await?;
    let all: Vec<(i64, serde_json::Value)> = per
        .iter()
        .map(|(id, f)| {
            let r = figure_row(*id, names.get(id).cloned().unwrap_or_default(), f);
            let v = serde_json::json!({
                "agency_id": r.agency_id,
                "agency": r.name,
                "fulfilment_rate": r.rate,
                "on_time": r.on_time,
                "due": r.due,
                "avg_days_used": r.avg_used,
                "avg_days_statutory": r.avg_statutory,
                "faster": r.faster,
                "meets_target": r.meets_target,
            });
            (r.agency_id, v)
        })
        .collect();
    let d = &crate::domain::opendata::FULFILMENT;
    let base = "/figures/fulfilment".to_string();
    crate::web::export::serve_by_id(ctx, d, q, base, move |_, before, n| {
        Ok(crate::web::export::below(all.clone(), before, n))
    })
    .await
}

// ---------------------------------------------------------------- owner's public record

pub struct OwnerLine {
    pub contract_id: i64,
    pub due: String,
    pub paid: String,
    pub late: bool,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "contracts/fulfilment/owner_record.html")]
pub struct OwnerRecordPage {
    pub page: Page,
    pub name: String,
    pub lines: Vec<OwnerLine>,
    pub late: usize,
    pub overdue: usize,
    pub term: i64,
}

/// The owner's public payment record: accepted contracts, due dates, payments, lateness.
async fn owner_record(ctx: Ctx, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = path.into_inner();
    let (user, lines, term) = db::run(ctx.pool(), move |c| {
        let term = crate::accounts::store::settings::load(c)?.get("payment_due_working_days");
        let u = crate::accounts::store::user::find(c, id)?;
        let lines = mful::owner_payment_record(c, id, term)?;
        Ok::<_, DbError>((u, lines, term))
    })
    .await?;
    let user = user
        // A commissioning department's contracts stand under the staff member who created
        // the project.
        .filter(|u| matches!(u.role, Role::Owner | Role::Regulator))
        .ok_or(AppError::NotFound)?;
    let p = OwnerRecordPage {
        page: ctx.page(),
        name: user.org_name,
        late: lines.iter().filter(|l| l.late).count(),
        overdue: lines.iter().filter(|l| l.overdue).count(),
        lines: lines
            .iter()
            .map(|l| OwnerLine {
                contract_id: l.contract_id,
                due: l.due.to_string(),
                paid: l
                    .paid
                    .iter()
                    .map(|(d, m)| format!("{d} {}", fmt::money(*m)))
                    .collect::<Vec<_>>()
                    .join("；"),
                late: l.late,
                overdue: l.overdue,
            })
            .collect(),
        term,
    };
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- regulator's list

pub struct SupervisedRow {
    pub id: i64,
    pub item: String,
    pub agency: String,
    pub status: String,
    pub outcome: String,
    pub overdue: bool,
    pub deadline: String,
    pub amendments_effective: i64,
    pub amendments_proposed: i64,
    pub appeals_pending: i64,
}

#[derive(Template)]
#[template(path = "contracts/fulfilment/supervise.html")]
pub struct SupervisePage {
    pub page: Page,
    pub rows: Vec<SupervisedRow>,
}

/// The regulator's contracts: timers, amendments (visible to the regulator) and appeals.
async fn supervise(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::SuperviseContracts)?;
    // A regulator without a department supervises no item's contracts.
    let list = match ctx.current()?.department_id {
        Some(dept) => {
            db::run(ctx.pool(), move |c| {
                mful::supervised(c, dept).map_err(DbError::from)
            })
            .await?
        }
        None => Vec::new(),
    };
    let rows = list
        .into_iter()
        .map(|s| SupervisedRow {
            id: s.contract.id,
            item: s.item_name,
            agency: s.agency_name,
            status: ctx
                .t(&format!("ful.status.{}", s.contract.status))
                .to_string(),
            outcome: s
                .outcome
                .map(|o| ctx.t(o.key()).to_string())
                .unwrap_or_default(),
            overdue: matches!(
                s.outcome,
                Some(rules::Outcome::Overdue | rules::Outcome::Late)
            ),
            deadline: s.deadline.map(|d| d.to_string()).unwrap_or_default(),
            amendments_effective: s.amendments.0,
            amendments_proposed: s.amendments.1,
            appeals_pending: s.appeals_pending,
        })
        .collect();
    html(
        &SupervisePage {
            page: ctx.page(),
            rows,
        },
        StatusCode::OK,
    )
}
