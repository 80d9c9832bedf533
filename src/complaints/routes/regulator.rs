//! The department's complaint pages: `/supervision/complaints` (its cases, overdue ones
//! marked; an admin sees every department's) and `/supervision/complaints/{id}` with the
//! steps a regulator of the case's department takes (accept, not accept, investigate, extend,
//! transfer, answer, decide a review). A regulator of another department is refused (403,
//! logged by the policy).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{CaseToHandle, CaseToView};
use crate::auth::Role;
use crate::auth::policy::Action;
use crate::complaints::steps;
use crate::complaints::store::{self as cs, Complaint};
use crate::complaints::views::{self, CaseView, EventView, EvidenceView, Row};
use crate::db::{self, DbError};
use crate::domain::complaints::{self as rules, Move, Outcome};
use crate::error::AppError;
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/supervision/complaints", web::get().to(list))
        .route("/supervision/complaints/{id}", web::get().to(show))
        .route(
            "/supervision/complaints/{id}/evidence/{eid}",
            web::get().to(evidence),
        )
        .route(
            "/supervision/complaints/{id}/accept",
            web::post().to(accept),
        )
        .route(
            "/supervision/complaints/{id}/not-accept",
            web::post().to(not_accept),
        )
        .route(
            "/supervision/complaints/{id}/investigate",
            web::post().to(investigate),
        )
        .route(
            "/supervision/complaints/{id}/extend",
            web::post().to(extend),
        )
        .route(
            "/supervision/complaints/{id}/transfer",
            web::post().to(transfer),
        )
        .route(
            "/supervision/complaints/{id}/answer",
            web::post().to(answer),
        )
        .route(
            "/supervision/complaints/{id}/review",
            web::post().to(review),
        );
}

#[derive(Template)]
#[template(path = "complaints/supervise_list.html")]
pub struct ListPage {
    pub page: Page,
    pub all_departments: bool,
    pub overdue: Vec<Row>,
    pub rows: Vec<Row>,
}

async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::SuperviseComplaints)?;
    let me = ctx.current()?.clone();
    let dept = if me.role == Role::Admin {
        None
    } else {
        Some(me.department_id.ok_or(AppError::Forbidden)?)
    };
    let (depts, rows) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            crate::accounts::store::department::all(c)?,
            cs::for_department(c, dept)?,
        ))
    })
    .await?;
    let today = db::today();
    let l = ctx.lang();
    let all: Vec<Row> = rows
        .iter()
        .map(|r| views::row(l, &depts, r, today))
        .collect();
    let (overdue, rows): (Vec<Row>, Vec<Row>) = all.into_iter().partition(|r| r.overdue);
    let p = ListPage {
        page: ctx.page(),
        all_departments: dept.is_none(),
        overdue,
        rows,
    };
    html(&p, StatusCode::OK)
}

/// The case page's forms, each with its fields (and messages after a refused post).
#[derive(Default)]
pub struct Forms {
    pub not_accept_reason: Field,
    pub extend_reason: Field,
    pub transfer_to: Field,
    pub transfer_reason: Field,
    pub outcome: Field,
    pub reasons: Field,
    pub review_outcome: Field,
    pub review_reasons: Field,
}

#[derive(Template)]
#[template(path = "complaints/case.html")]
pub struct CasePage {
    pub page: Page,
    pub case: CaseView,
    pub events: Vec<EventView>,
    pub evidence: Vec<EvidenceView>,
    pub linked: Vec<(i64, String)>,
    pub can_accept: bool,
    pub can_investigate: bool,
    pub can_extend: bool,
    pub can_transfer: bool,
    pub can_answer: bool,
    pub can_decide_review: bool,
    /// The regulator answered it: another regulator decides the review.
    pub answered_by_me: bool,
    pub credit_possible: bool,
    pub departments: Vec<(String, String)>,
    pub outcomes: Vec<(String, String)>,
    pub f: Forms,
}

async fn case_page(ctx: &Ctx, row: &Complaint, f: Forms) -> Result<CasePage, AppError> {
    let id = row.id;
    let (depts, evs, ev, linked) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            crate::accounts::store::department::all(c)?,
            cs::events(c, id)?,
            cs::evidence(c, id)?,
            cs::linked_to(c, id)?,
        ))
    })
    .await?;
    let l = ctx.lang();
    let today = db::today();
    let handles = ctx.allows(Action::HandleComplaint {
        department_id: row.department_id,
    });
    let can = |m| handles && rules::step(row.facts(), m).is_ok();
    let me = ctx.user().map(|u| u.id);
    let mut case = views::case(l, &depts, row, today);
    case.complainant = match (&row.visitor_name, row.complainant_id) {
        (Some(n), _) => format!(
            "{n} · {} · {}",
            row.visitor_email.clone().unwrap_or_default(),
            row.visitor_phone.clone().unwrap_or_default()
        ),
        (None, Some(u)) => {
            let user = db::run(ctx.pool(), move |c| {
                Ok::<_, DbError>(crate::accounts::store::user::find(c, u)?)
            })
            .await?;
            user.map(|u| {
                format!(
                    "{} · {} · {} · {}",
                    u.org_name, u.contact_name, u.email, u.phone
                )
            })
            .unwrap_or_default()
        }
        _ => String::new(),
    };
    Ok(CasePage {
        page: ctx.page(),
        case,
        events: views::events(l, &depts, &evs),
        evidence: views::evidence(&ev),
        linked: linked
            .iter()
            .map(|c| (c.id, c.tracking_no.clone()))
            .collect(),
        can_accept: can(Move::Accept),
        can_investigate: can(Move::Investigate),
        can_extend: can(Move::Extend),
        can_transfer: can(Move::Transfer),
        can_answer: can(Move::Answer),
        can_decide_review: can(Move::DecideReview),
        answered_by_me: row.answered_by.is_some() && row.answered_by == me,
        credit_possible: row.respondent_kind == rules::RespondentKind::Agency,
        departments: depts
            .iter()
            .filter(|d| d.id != row.department_id)
            .map(|d| (d.id.to_string(), d.name(l).to_string()))
            .collect(),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (o.as_str().to_string(), views::outcome_text(l, Some(*o))))
            .collect(),
        f,
    })
}

async fn show(c: CaseToView) -> Result<HttpResponse, AppError> {
    let p = case_page(&c.ctx, &c.row, Forms::default()).await?;
    html(&p, StatusCode::OK)
}

async fn evidence(c: CaseToView, path: web::Path<(i64, i64)>) -> Result<HttpResponse, AppError> {
    let (id, eid) = path.into_inner();
    let ev = db::run(c.ctx.pool(), move |conn| {
        Ok::<_, DbError>(cs::find_evidence(conn, eid)?)
    })
    .await?
    .filter(|e| e.complaint_id == id)
    .ok_or(AppError::NotFound)?;
    crate::uploads::send_file(
        c.ctx.config(),
        &ev.as_upload(),
        &format!("complaint-{id}-{eid}"),
    )
    .await
}

fn back(id: i64, key: &str) -> HttpResponse {
    redirect_flash(
        &format!("/supervision/complaints/{id}"),
        FlashKind::Success,
        key,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Empty {}

async fn accept(
    Posted { to: c, .. }: Posted<CaseToHandle, Empty>,
) -> Result<HttpResponse, AppError> {
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    db::run(c.ctx.pool(), move |conn| steps::accept(conn, &me, id)).await?;
    Ok(back(id, "complaints.flash.accepted"))
}

async fn investigate(
    Posted { to: c, .. }: Posted<CaseToHandle, Empty>,
) -> Result<HttpResponse, AppError> {
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    db::run(c.ctx.pool(), move |conn| steps::investigate(conn, &me, id)).await?;
    Ok(back(id, "complaints.flash.investigating"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    // Each form of the case page names its field apart (ids are unique on a page).
    #[serde(alias = "na_reason", alias = "ext_reason")]
    pub reason: String,
}

async fn not_accept(
    Posted { to: c, form }: Posted<CaseToHandle, ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let mut f = Forms {
        not_accept_reason: Field::new(&form.reason),
        ..Forms::default()
    };
    let Some(reason) = f
        .not_accept_reason
        .check(c.ctx.lang(), rules::reason(&form.reason))
    else {
        let p = case_page(&c.ctx, &c.row, f).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    db::run(c.ctx.pool(), move |conn| {
        steps::not_accept(conn, &me, id, &reason)
    })
    .await?;
    Ok(back(id, "complaints.flash.not_accepted"))
}

async fn extend(
    Posted { to: c, form }: Posted<CaseToHandle, ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let mut f = Forms {
        extend_reason: Field::new(&form.reason),
        ..Forms::default()
    };
    let Some(reason) = f
        .extend_reason
        .check(c.ctx.lang(), rules::reason(&form.reason))
    else {
        let p = case_page(&c.ctx, &c.row, f).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    db::run(c.ctx.pool(), move |conn| {
        steps::extend(conn, &me, id, &reason)
    })
    .await?;
    Ok(back(id, "complaints.flash.extended"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferForm {
    pub to: String,
    #[serde(alias = "tr_reason")]
    pub reason: String,
}

async fn transfer(
    Posted { to: c, form }: Posted<CaseToHandle, TransferForm>,
) -> Result<HttpResponse, AppError> {
    let l = c.ctx.lang();
    let mut f = Forms {
        transfer_to: Field::new(&form.to),
        transfer_reason: Field::new(&form.reason),
        ..Forms::default()
    };
    let to = form.to.trim().parse::<i64>().ok().filter(|v| *v > 0);
    if to.is_none() {
        f.transfer_to.fail(l, steps::BAD_TRANSFER, &[]);
    }
    let reason = f.transfer_reason.check(l, rules::reason(&form.reason));
    let (Some(to), Some(reason)) = (to, reason) else {
        let p = case_page(&c.ctx, &c.row, f).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    db::run(c.ctx.pool(), move |conn| {
        steps::transfer(conn, &me, id, to, &reason)
    })
    .await?;
    // The case has left the department: back to its list.
    Ok(redirect_flash(
        "/supervision/complaints",
        FlashKind::Success,
        "complaints.flash.transferred",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    #[serde(alias = "rv_outcome")]
    pub outcome: String,
    #[serde(alias = "rv_reasons")]
    pub reasons: String,
    pub add_credit: String,
}

async fn answer(
    Posted { to: c, form }: Posted<CaseToHandle, AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let l = c.ctx.lang();
    let mut f = Forms {
        outcome: Field::new(&form.outcome),
        reasons: Field::new(&form.reasons),
        ..Forms::default()
    };
    let outcome = Outcome::parse(form.outcome.trim());
    if outcome.is_none() {
        f.outcome.fail(l, "complaints.err.outcome", &[]);
    }
    let reasons = f.reasons.check(l, rules::reason(&form.reasons));
    let (Some(outcome), Some(reasons)) = (outcome, reasons) else {
        let p = case_page(&c.ctx, &c.row, f).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    let a = steps::Answer {
        outcome,
        reasons,
        add_credit: !form.add_credit.is_empty(),
    };
    db::run(c.ctx.pool(), move |conn| steps::answer(conn, &me, id, &a)).await?;
    Ok(back(id, "complaints.flash.answered"))
}

async fn review(
    Posted { to: c, form }: Posted<CaseToHandle, AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let l = c.ctx.lang();
    let mut f = Forms {
        review_outcome: Field::new(&form.outcome),
        review_reasons: Field::new(&form.reasons),
        ..Forms::default()
    };
    let outcome = Outcome::parse(form.outcome.trim());
    if outcome.is_none() {
        f.review_outcome.fail(l, "complaints.err.outcome", &[]);
    }
    let reasons = f.review_reasons.check(l, rules::reason(&form.reasons));
    let (Some(outcome), Some(reasons)) = (outcome, reasons) else {
        let p = case_page(&c.ctx, &c.row, f).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = c.ctx.current()?.clone();
    let id = c.row.id;
    db::run(c.ctx.pool(), move |conn| {
        steps::decide_review(conn, &me, id, outcome, &reasons)
    })
    .await?;
    Ok(back(id, "complaints.flash.reviewed"))
}
