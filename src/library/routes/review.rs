//! The regulator's qualification review 资质审核: a queue of pending certificates of the
//! qualification types its department reviews, oldest due first, and the decision page.
//! A decision writes the status, reviewer and time, a new profile version, the audit entry and
//! a mail to the agency (outbox and message centre) in one transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Action;
use crate::db::today as today_cn;
use crate::db::{self, DbError};
use crate::domain::agency_rules;
use crate::domain::status::ReviewStatus;
use crate::domain::validate;
use crate::error::{AppError, StepError};
use crate::i18n::tr_args;
use crate::library::routes::agency::{CertRow, cert_row, reviewing_department_id};
use crate::library::steps;
use crate::library::store::agency as ag;
use crate::web::ctx::redirect_flash;
use crate::web::extract::{Authorise, Posted};
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/review/certificates", web::get().to(queue))
        .route("/review/certificates/{id}", web::get().to(show))
        .route("/review/certificates/{id}", web::post().to(decide))
        .route("/admin/reviews/overdue", web::get().to(overdue));
}

pub struct OverdueRow {
    pub due: String,
    pub days: String,
    pub agency_id: i64,
    pub agency: String,
    pub qual_label: String,
    pub level_label: String,
    pub number: String,
    /// Empty when the reviewing department is not set up.
    pub department: String,
    /// "… 已通知 n 名审核人员", or empty while not escalated.
    pub escalated: String,
}

#[derive(Template)]
#[template(path = "library/review/overdue.html")]
pub struct OverduePage {
    pub page: Page,
    pub rows: Vec<OverdueRow>,
}

/// The administrator's list of reviews past their due day, escalated or not yet.
async fn overdue(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewOverdueReviews)?;
    let lang = ctx.lang();
    let today = today_cn();
    let list = db::run(ctx.pool(), move |c| {
        crate::library::store::review::overdue(c, today).map_err(DbError::from)
    })
    .await?;
    let t = |k: String| crate::i18n::tr(lang, &k).to_string();
    let rows = list
        .into_iter()
        .map(|o| OverdueRow {
            due: o.review_due.to_string(),
            days: tr_args(
                lang,
                "agency.overdue.days",
                &[("days", &(today - o.review_due).num_days().to_string())],
            ),
            agency_id: o.agency_id,
            agency: o.agency,
            qual_label: t(format!("cat.qual.{}", o.qual_type)),
            level_label: t(format!("cat.level.{}", o.level)),
            number: o.number,
            department: o
                .department
                .map(|(_, zh, en)| {
                    if lang == crate::i18n::Lang::En {
                        en
                    } else {
                        zh
                    }
                })
                .unwrap_or_default(),
            escalated: o
                .escalated
                .map(|(at, n)| {
                    tr_args(
                        lang,
                        "agency.overdue.escalated",
                        &[("at", &crate::web::fmt_time(at)), ("n", &n.to_string())],
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    html(
        &OverduePage {
            page: ctx.page(),
            rows,
        },
        StatusCode::OK,
    )
}

pub struct QueueRow {
    pub cert: CertRow,
    pub agency: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "library/review/queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub department: String,
    pub rows: Vec<QueueRow>,
}

async fn queue(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewReviewQueue)?;
    let dept_id = ctx.current()?.department_id;
    let lang = ctx.lang();
    let (dept, rows) = db::run(ctx.pool(), move |c| {
        let dept = match dept_id {
            Some(d) => crate::accounts::store::department::find(c, d)?,
            None => None,
        };
        let types = dept
            .as_ref()
            .map(|d| agency_rules::types_reviewed_by(&d.code))
            .unwrap_or_default();
        let rows = if types.is_empty() {
            Vec::new()
        } else {
            ag::review_queue(c, &types)?
        };
        Ok::<_, DbError>((dept, rows))
    })
    .await?;
    let today = today_cn();
    let p = QueuePage {
        page: ctx.page(),
        department: dept.map(|d| d.name(lang).to_string()).unwrap_or_default(),
        rows: rows
            .iter()
            .map(|(c, name)| QueueRow {
                cert: cert_row(lang, c, today),
                agency: name.clone(),
                overdue: agency_rules::review_overdue(c.review_due, today),
            })
            .collect(),
    };
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "library/review/show.html")]
pub struct ShowPage {
    pub page: Page,
    pub cert: CertRow,
    pub overdue: bool,
    pub agency_name: String,
    pub agency_uscc: String,
    pub agency_region: String,
    pub agency_phone: String,
    pub reviewed_at: String,
    pub reason: Field,
}

/// A certificate under review with its agency, for a regulator of its reviewing department
/// (`/review/certificates/{id}`).
pub struct UnderReview {
    pub ctx: Ctx,
    cert: ag::Certificate,
    agency: ag::Agency,
}

impl Authorise for UnderReview {
    async fn load(ctx: Ctx, cid: i64) -> Result<Self, AppError> {
        load(ctx, cid).await
    }
}
crate::extractor!(UnderReview);

/// Loads a certificate and checks the user is a regulator of its reviewing department.
async fn load(ctx: Ctx, cid: i64) -> Result<UnderReview, AppError> {
    ctx.authorize(Action::ViewReviewQueue)?;
    let (cert, agency, depts) = db::run(ctx.pool(), move |c| {
        let cert = ag::find_certificate(c, cid)?;
        let agency = match &cert {
            Some(x) => ag::find(c, x.agency_id)?,
            None => None,
        };
        Ok::<_, DbError>((cert, agency, crate::accounts::store::department::all(c)?))
    })
    .await?;
    let (Some(cert), Some(agency)) = (cert, agency) else {
        return Err(AppError::NotFound);
    };
    ctx.authorize(Action::ReviewCertificate {
        department_id: reviewing_department_id(&depts, &cert.qual_type),
    })?;
    Ok(UnderReview { ctx, cert, agency })
}

fn show_page(ctx: &Ctx, l: &UnderReview, reason: Field) -> ShowPage {
    let lang = ctx.lang();
    let today = today_cn();
    ShowPage {
        page: ctx.page(),
        cert: cert_row(lang, &l.cert, today),
        overdue: l.cert.status == ReviewStatus::Pending
            && agency_rules::review_overdue(l.cert.review_due, today),
        agency_name: l.agency.name.clone(),
        agency_uscc: l.agency.uscc.clone(),
        agency_region: ctx
            .t(&format!("cat.region.{}", l.agency.region))
            .to_string(),
        agency_phone: l.agency.contact_phone.clone(),
        reviewed_at: l
            .cert
            .reviewed_at
            .map(crate::web::fmt_time)
            .unwrap_or_default(),
        reason,
    }
}

async fn show(l: UnderReview) -> Result<HttpResponse, AppError> {
    html(&show_page(&l.ctx, &l, Field::default()), StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub reason: String,
}

async fn decide(
    Posted { to: l, form: f }: Posted<UnderReview, DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let ctx = &l.ctx;
    let lang = ctx.lang();
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("agency.review.decision_invalid")),
    };
    if let Err(r) = steps::reviewable(l.cert.status) {
        return Ok(redirect_flash(
            &format!("/review/certificates/{}", l.cert.id),
            FlashKind::Error,
            r.key,
        ));
    }
    let mut reason_field = Field::new(&f.reason);
    // Rejection always carries a reason; an approval may carry a remark.
    let reason = match validate::text(&f.reason, 500, !approve) {
        Ok(r) => r,
        Err(e) => {
            let key = if matches!(e, validate::FieldProblem::Required) {
                "agency.v.reason_required"
            } else {
                e.key()
            };
            let a = e.args();
            let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
            reason_field.error = Some(tr_args(lang, key, &a));
            return html(
                &show_page(ctx, &l, reason_field),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let me = ctx.current()?.clone();
    let (cid, agency_id) = (l.cert.id, l.cert.agency_id);
    let qual = l.cert.qual_type.clone();
    let number = l.cert.number.clone();
    let recorded = db::run(ctx.pool(), move |c| {
        let cert = steps::Reviewed {
            id: cid,
            agency_id,
            qual_type: &qual,
            number: &number,
        };
        steps::review_certificate(c, &me, &cert, approve, &reason)
    })
    .await;
    let (kind, key) = match recorded {
        Ok(()) if approve => (FlashKind::Success, "agency.review.approved"),
        Ok(()) => (FlashKind::Success, "agency.review.rejected"),
        Err(StepError::Refused(r)) => (FlashKind::Error, r.key),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    Ok(redirect_flash("/review/certificates", kind, key))
}
