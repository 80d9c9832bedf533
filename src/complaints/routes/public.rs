//! Everyone's complaint pages: filing (`/complaints/new`), a visitor's confirmation link
//! (`/complaints/confirm`) and secret status page (`/complaints/track/{token}`), the
//! signed-in complainant's 我的投诉 (`/my/complaints`), and the published outcomes with the
//! figures by department (`/complaints/outcomes`, also `?format=csv|json`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{OwnComplaint, Tracked};
use crate::auth::policy::Action;
use crate::complaints::steps::{self, Confirmed, Filed, Filer};
use crate::complaints::store::{self as cs, Complaint};
use crate::complaints::views::{
    self, CaseView, EventView, EvidenceView, FigureRow, PublicOutcome, Row,
};
use crate::db::{self, DbError};
use crate::domain::complaints::{self as rules, FilingInput, RespondentKind, State};
use crate::error::{AppError, StepError};
use crate::i18n::Lang;
use crate::uploads::{self, UploadBody};
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/complaints/new", web::get().to(new_form))
        .route("/complaints/new", web::post().to(file))
        .route("/complaints/sent", web::get().to(sent))
        .route("/complaints/confirm", web::get().to(confirm))
        .route("/complaints/outcomes", web::get().to(outcomes))
        .route("/complaints/track/{token}", web::get().to(track))
        .route(
            "/complaints/track/{token}/review",
            web::post().to(track_review),
        )
        .route("/my/complaints", web::get().to(my_list))
        .route("/my/complaints/{id}", web::get().to(my_case))
        .route("/my/complaints/{id}/review", web::post().to(my_review));
}

// ---------------------------------------------------------------------------------------
// Filing

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub against: String,
    pub id: String,
}

pub struct GroundsGroup {
    pub label: String,
    pub options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "complaints/new.html")]
pub struct NewPage {
    pub page: Page,
    pub visitor: bool,
    pub form_error: String,
    pub respondent_name: String,
    pub against: Field,
    pub respondent_id: Field,
    pub grounds: Field,
    pub facts: Field,
    pub request: Field,
    pub name: Field,
    pub email: Field,
    pub phone: Field,
    pub document: Field,
    pub kinds: Vec<(String, String)>,
    pub groups: Vec<GroundsGroup>,
    pub max_mib: i64,
}

fn new_page(ctx: &Ctx, max_mib: i64) -> NewPage {
    let l = ctx.lang();
    NewPage {
        page: ctx.page(),
        visitor: ctx.user().is_none(),
        form_error: String::new(),
        respondent_name: String::new(),
        against: Field::default(),
        respondent_id: Field::default(),
        grounds: Field::default(),
        facts: Field::default(),
        request: Field::default(),
        name: Field::default(),
        email: Field::default(),
        phone: Field::default(),
        document: Field::default(),
        kinds: RespondentKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), views::kind_text(l, *k)))
            .collect(),
        groups: RespondentKind::ALL
            .iter()
            .map(|k| GroundsGroup {
                label: views::kind_text(l, *k),
                options: k
                    .grounds()
                    .iter()
                    .map(|g| (g.to_string(), views::grounds_text(l, g)))
                    .collect(),
            })
            .collect(),
        max_mib,
    }
}

/// The respondent's name for a prefilled form, if it exists.
async fn respondent_name(ctx: &Ctx, kind: &str, id: &str) -> Result<String, AppError> {
    let (Some(k), Ok(id)) = (RespondentKind::parse(kind), id.parse::<i64>()) else {
        return Ok(String::new());
    };
    let me = ctx.user().map(|u| u.id);
    let r = db::run(ctx.pool(), move |c| match steps::resolve(c, k, id, me) {
        Ok(r) => Ok(r.name),
        Err(StepError::Refused(_)) => Ok(String::new()),
        Err(StepError::Db(e)) => Err(AppError::from(e)),
    })
    .await?;
    Ok(r)
}

async fn upload_limit(ctx: &Ctx) -> Result<i64, AppError> {
    let s = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>(crate::accounts::store::settings::load(c)?)
    })
    .await?;
    Ok(s.get("upload_max_mib"))
}

async fn new_form(ctx: Ctx, q: web::Query<NewQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let mut p = new_page(&ctx, upload_limit(&ctx).await?);
    if RespondentKind::parse(&q.against).is_some() {
        p.against = Field::new(&q.against);
        p.respondent_id = Field::new(
            q.id.chars()
                .filter(char::is_ascii_digit)
                .collect::<String>(),
        );
        p.respondent_name = respondent_name(&ctx, &q.against, &p.respondent_id.value).await?;
    }
    html(&p, StatusCode::OK)
}

fn put_problems(p: &mut NewPage, l: Lang, problems: &[crate::domain::validate::Problem]) {
    for pr in problems {
        let f = match pr.field {
            "against" => &mut p.against,
            "respondent_id" => &mut p.respondent_id,
            "grounds" => &mut p.grounds,
            "facts" => &mut p.facts,
            "request" => &mut p.request,
            "name" => &mut p.name,
            "email" => &mut p.email,
            _ => &mut p.phone,
        };
        f.fail(l, pr.key, &pr.args);
    }
}

async fn file(ctx: Ctx, body: UploadBody) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let l = ctx.lang();
    let max_mib = upload_limit(&ctx).await?;
    let dir = uploads::upload_dir(ctx.config());
    let max_bytes = u64::try_from(max_mib).unwrap_or(1) * 1024 * 1024;
    let form = body.read(&ctx, &dir.join("tmp"), max_bytes).await?;
    let mut p = new_page(&ctx, max_mib);
    let v = |k: &str| form.field(k);
    let input = FilingInput {
        against: v("against"),
        respondent_id: v("respondent_id"),
        grounds: v("grounds"),
        facts: v("facts"),
        request: v("request"),
        name: v("name"),
        email: v("email"),
        phone: v("phone"),
    };
    p.against = Field::new(&input.against);
    p.respondent_id = Field::new(&input.respondent_id);
    p.grounds = Field::new(&input.grounds);
    p.facts = Field::new(&input.facts);
    p.request = Field::new(&input.request);
    p.name = Field::new(&input.name);
    p.email = Field::new(&input.email);
    p.phone = Field::new(&input.phone);
    p.respondent_name = respondent_name(&ctx, &input.against, &input.respondent_id).await?;
    let parsed = rules::parse_filing(&input, p.visitor);
    if let Err(problems) = &parsed {
        put_problems(&mut p, l, problems);
    }
    let received = match form.file {
        None => None,
        Some(Err(problem)) => {
            p.document
                .fail(l, problem.key(), &[("mib", max_mib.to_string())]);
            None
        }
        Some(Ok(r)) => Some(r),
    };
    let (Ok(filing), false) = (parsed, p.document.has_error()) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let kept = match received {
        Some(f) => Some(uploads::keep_received(f, &dir).await?),
        None => None,
    };
    let ip = ctx.req.ip.clone();
    let me = ctx.user().cloned();
    let public_url = ctx.config().public_url.clone();
    let kept2 = kept.clone();
    let done = db::run(ctx.pool(), move |c| match &me {
        Some(u) => steps::file(
            c,
            &Filer {
                user: Some(u),
                ip: &ip,
            },
            &filing,
            kept2.as_ref(),
        )
        .map(Some),
        None => {
            steps::submit_visitor(c, &ip, l, &filing, kept2.as_ref(), &public_url).map(|_| None)
        }
    })
    .await;
    let refusal = match done {
        Ok(Some(Filed::New { id, .. })) => {
            return Ok(redirect_flash(
                &format!("/my/complaints/{id}"),
                FlashKind::Success,
                "complaints.flash.filed",
            ));
        }
        Ok(Some(Filed::Linked { id, .. })) => {
            return Ok(redirect_flash(
                &format!("/my/complaints/{id}"),
                FlashKind::Info,
                "complaints.flash.linked",
            ));
        }
        Ok(None) => {
            return Ok(redirect_flash(
                "/complaints/sent",
                FlashKind::Success,
                "complaints.flash.sent",
            ));
        }
        Err(StepError::Refused(r)) => r,
        Err(e) => {
            if let Some((name, _)) = kept {
                let _ = std::fs::remove_file(dir.join(name));
            }
            return Err(e.into());
        }
    };
    if let Some((name, _)) = kept {
        let _ = std::fs::remove_file(dir.join(name));
    }
    if refusal.key == steps::NO_RESPONDENT {
        p.respondent_id.error = Some(refusal.message(l));
    } else {
        p.form_error = refusal.message(l);
    }
    html(&p, refusal.status())
}

#[derive(Template)]
#[template(path = "complaints/message.html")]
pub struct MessagePage {
    pub page: Page,
    pub title: String,
    pub text: String,
    pub link: Option<(String, String)>,
}

async fn sent(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let p = MessagePage {
        page: ctx.page(),
        title: ctx.t("complaints.sent.title").to_string(),
        text: ctx.t("complaints.sent.text").to_string(),
        link: None,
    };
    html(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    pub token: String,
}

/// Opening the mailed link files the visitor's complaint (the link is the confirmation, as
/// the e-mail verification link is) and leads to its secret status page.
async fn confirm(ctx: Ctx, q: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    let token = q.token.trim().to_string();
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let ip = ctx.req.ip.clone();
    let public_url = ctx.config().public_url.clone();
    let done = db::run(ctx.pool(), move |c| {
        steps::confirm(c, &token, &ip, &public_url)
    })
    .await;
    let msg = |title: &str, text: String, status| {
        let p = MessagePage {
            page: ctx.page(),
            title: ctx.t(title).to_string(),
            text,
            link: None,
        };
        html(&p, status)
    };
    match done {
        Ok(Confirmed::Filed { access, .. }) => Ok(redirect_flash(
            &format!("/complaints/track/{access}"),
            FlashKind::Success,
            "complaints.flash.confirmed",
        )),
        Ok(Confirmed::Linked { first }) => msg(
            "complaints.confirm.title",
            ctx.t("complaints.confirm.linked").replace("{no}", &first),
            StatusCode::OK,
        ),
        Ok(Confirmed::Already { tracking_no }) => msg(
            "complaints.confirm.title",
            ctx.t("complaints.confirm.already")
                .replace("{no}", &tracking_no),
            StatusCode::OK,
        ),
        Err(StepError::Refused(r)) if r.key == steps::LINK_EXPIRED => msg(
            "complaints.confirm.title",
            r.message(ctx.lang()),
            StatusCode::GONE,
        ),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The complainant's status page (signed in, or a visitor's secret link)

#[derive(Template)]
#[template(path = "complaints/status.html")]
pub struct StatusPage {
    pub page: Page,
    pub case: CaseView,
    pub events: Vec<EventView>,
    pub evidence: Vec<EvidenceView>,
    /// Where the review form posts, when a review may be asked now.
    pub review_action: Option<String>,
    pub review_reason: Field,
    pub back: Option<(String, String)>,
}

async fn status_page(
    ctx: &Ctx,
    row: &Complaint,
    review_to: String,
    review_reason: Field,
    back: Option<(String, String)>,
) -> Result<StatusPage, AppError> {
    let id = row.id;
    let (depts, evs, ev) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            crate::accounts::store::department::all(c)?,
            cs::events(c, id)?,
            cs::evidence(c, id)?,
        ))
    })
    .await?;
    let l = ctx.lang();
    let today = db::today();
    let may_review = rules::step(row.facts(), rules::Move::RequestReview).is_ok()
        && row.review_due.is_some_and(|d| rules::review_open(today, d));
    Ok(StatusPage {
        page: ctx.page(),
        case: views::case(l, &depts, row, today),
        events: views::events(l, &depts, &evs),
        evidence: views::evidence(&ev),
        review_action: may_review.then_some(review_to),
        review_reason,
        back,
    })
}

async fn track(t: Tracked) -> Result<HttpResponse, AppError> {
    let to = format!("/complaints/track/{}/review", t.token);
    let p = status_page(&t.ctx, &t.row, to, Field::default(), None).await?;
    html(&p, StatusCode::OK)
}

async fn my_case(o: OwnComplaint) -> Result<HttpResponse, AppError> {
    let to = format!("/my/complaints/{}/review", o.row.id);
    let back = Some((
        "/my/complaints".to_string(),
        o.ctx.t("complaints.my.title").to_string(),
    ));
    let p = status_page(&o.ctx, &o.row, to, Field::default(), back).await?;
    html(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    pub reason: String,
}

async fn review(
    ctx: &Ctx,
    row: &Complaint,
    reason: &str,
    here: String,
    back: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let mut f = Field::new(reason);
    let Some(reason) = f.check(ctx.lang(), rules::reason(reason)) else {
        let p = status_page(ctx, row, format!("{here}/review"), f, back).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let who = ctx.actor();
    let id = row.id;
    db::run(ctx.pool(), move |c| {
        steps::request_review(c, &who, id, &reason)
    })
    .await?;
    Ok(redirect_flash(
        &here,
        FlashKind::Success,
        "complaints.flash.review_asked",
    ))
}

async fn track_review(
    Posted { to: t, form }: Posted<Tracked, ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let here = format!("/complaints/track/{}", t.token);
    review(&t.ctx, &t.row, &form.reason, here, None).await
}

async fn my_review(
    Posted { to: o, form }: Posted<OwnComplaint, ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let here = format!("/my/complaints/{}", o.row.id);
    review(&o.ctx, &o.row, &form.reason, here, None).await
}

#[derive(Template)]
#[template(path = "complaints/my.html")]
pub struct MyPage {
    pub page: Page,
    pub rows: Vec<Row>,
}

async fn my_list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let me = ctx.current()?.id;
    let (depts, rows) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            crate::accounts::store::department::all(c)?,
            cs::for_complainant(c, me)?,
        ))
    })
    .await?;
    let today = db::today();
    let p = MyPage {
        page: ctx.page(),
        rows: rows
            .iter()
            .map(|r| views::row(ctx.lang(), &depts, r, today))
            .collect(),
    };
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------------------------------
// Public outcomes and figures

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutcomesQuery {
    pub format: String,
    pub limit: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "complaints/outcomes.html")]
pub struct OutcomesPage {
    pub page: Page,
    pub outcomes: Vec<PublicOutcome>,
    pub figures: Vec<FigureRow>,
}

async fn outcomes(ctx: Ctx, q: web::Query<OutcomesQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let (depts, all, cal) = db::run(ctx.pool(), |c| {
        let from = db::today() - chrono::Duration::days(800);
        Ok::<_, DbError>((
            crate::accounts::store::department::all(c)?,
            cs::all_cases(c)?,
            crate::accounts::store::calendar::load_from(c, from)?,
        ))
    })
    .await?;
    let l = ctx.lang();
    let published: Vec<PublicOutcome> = all
        .iter()
        .filter(|c| {
            matches!(c.state, State::Answered | State::Reviewed)
                && c.final_outcome().is_some_and(|o| o.upheld())
        })
        .map(|c| views::public_outcome(l, &depts, c))
        .collect();
    let figures = figures(l, &depts, &all, &cal);
    let ex = crate::web::export::RawExport {
        format: q.format.clone(),
        limit: q.limit.clone(),
        after: q.after.clone(),
    }
    .parse()?;
    match ex.format {
        crate::domain::export::Format::Csv | crate::domain::export::Format::Json => {
            outcomes_export(&ctx, ex, published).await
        }
        _ => {
            let p = OutcomesPage {
                page: ctx.page(),
                outcomes: published,
                figures,
            };
            html(&p, StatusCode::OK)
        }
    }
}

/// A CSV cell, quoted, with a leading formula character neutralised.
/// `/complaints/outcomes?format=csv|json`: the published outcomes, newest first (free text
/// masked when the outcome was built).
async fn outcomes_export(
    ctx: &Ctx,
    q: crate::domain::export::ExportQuery,
    published: Vec<PublicOutcome>,
) -> Result<HttpResponse, AppError> {
    let all: Vec<(i64, serde_json::Value)> = published
        .into_iter()
        .map(|o| {
            let v = serde_json::json!({
                "id": o.id,
                "tracking_no": o.tracking_no,
                "department": o.department,
                "against": o.against,
                "respondent": o.respondent,
                "grounds": crate::domain::credit::mask_free_text(&o.grounds),
                "outcome": o.outcome,
                "answered": o.answered,
                "reasons": crate::domain::credit::mask_free_text(&o.reasons),
            });
            (o.id, v)
        })
        .collect();
    let d = &crate::domain::opendata::COMPLAINT_OUTCOMES;
    let base = "/complaints/outcomes".to_string();
    crate::web::export::serve_by_id(ctx, d, q, base, move |_, before, n| {
        Ok(crate::web::export::below(all.clone(), before, n))
    })
    .await
}

fn figures(
    l: Lang,
    depts: &[crate::accounts::store::department::Department],
    all: &[Complaint],
    cal: &crate::domain::workdays::Calendar,
) -> Vec<FigureRow> {
    let mut out = Vec::new();
    for d in depts {
        let rows: Vec<rules::Handled> = all
            .iter()
            .filter(|c| c.department_id == d.id)
            .map(|c| {
                let filed_on = crate::domain::workdays::china_date(c.filed_at.and_utc());
                let (handled, due) = match (c.answered_at, c.decided_at, c.state) {
                    (Some(a), _, _) => (Some(a), c.answer_due),
                    (None, Some(dc), State::NotAccepted) => (Some(dc), Some(c.ack_due)),
                    _ => (None, None),
                };
                rules::Handled {
                    filed_on,
                    handled_on: handled.map(|t| crate::domain::workdays::china_date(t.and_utc())),
                    due,
                }
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let f = rules::figures(cal, &rows);
        out.push(FigureRow {
            department: d.name(l).to_string(),
            count: f.count,
            on_time: f
                .on_time_percent
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "—".into()),
            median_days: f
                .median_days
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
        });
    }
    out
}
