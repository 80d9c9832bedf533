//! Public announcement list and page (`/announcements`, `/announcements/{id}`).
//!
//! The list shows every announcement past its draft, newest publication first, with the
//! number of quotes (never an amount). The page shows every published field, the project,
//! the item, the draw seed's commitment, the counts, a cancellation's reason, the result
//! section (`crate::selection::routes::result`) and the timeline from the audit trail. A draft is shown to its
//! owner only (404 for everyone else). An announcement whose deadline has passed is opened
//! (`crate::selection::steps::opening::open_if_due`) before the page is built, so the page is never stale.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Role;
use crate::auth::policy::{self, Action, Decision};
use crate::db::{self, DbError};
use crate::domain::credit::Grade;
use crate::domain::selection::Mode;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::selection::routes::owner::{mode_label, status_css, status_key};
use crate::selection::routes::result::ResultView;
use crate::selection::store::announcement::{self as ann, Announcement, status};
use crate::selection::store::publication as pubm;
use crate::web::page::Page;
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/announcements", web::get().to(list))
        .route("/announcements/{id}", web::get().to(show));
}

/// Announcements per list page.
pub const PAGE_SIZE: i64 = 20;

/// The states the public list may be filtered by (every state but the draft).
const PUBLIC_STATES: [&str; 8] = [
    status::PUBLISHED,
    status::CHOOSING,
    status::JUSTIFYING,
    status::PUBLICITY,
    status::FAILED,
    status::AWARDED,
    status::CANCELLED,
    status::ANNULLED,
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub mode: String,
    pub page: String,
}

pub struct ListRow {
    pub id: i64,
    pub item_code: String,
    pub item_name: String,
    pub project_name: String,
    pub mode: String,
    pub deadline: String,
    pub published_at: String,
    pub status: String,
    pub status_css: &'static str,
    pub quotes: i64,
}

#[derive(Template)]
#[template(path = "selection/list.html")]
pub struct ListPage {
    pub page: Page,
    pub rows: Vec<ListRow>,
    pub status: String,
    pub mode: String,
    pub statuses: Vec<(String, String)>,
    pub modes: Vec<(String, String)>,
    pub page_no: i64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

fn list_url(status: &str, mode: &str, page: i64) -> String {
    let mut parts = Vec::new();
    if !status.is_empty() {
        parts.push(format!("status={status}"));
    }
    if !mode.is_empty() {
        parts.push(format!("mode={mode}"));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        "/announcements".into()
    } else {
        format!("/announcements?{}", parts.join("&"))
    }
}

async fn list(ctx: Ctx, q: web::Query<ListQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let st = q.status.trim().to_string();
    let mo = q.mode.trim().to_string();
    if !st.is_empty() && !PUBLIC_STATES.contains(&st.as_str()) {
        return Err(AppError::BadRequest("pub.err.filter_status"));
    }
    if !mo.is_empty() && Mode::parse(&mo).is_none() {
        return Err(AppError::BadRequest("pub.err.filter_mode"));
    }
    let page_no = match q.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(AppError::BadRequest("pub.err.filter_page"))?,
    };
    let (s2, m2) = (st.clone(), mo.clone());
    let rows = db::run(ctx.pool(), move |c| {
        let rows = pubm::public_list(
            c,
            (!s2.is_empty()).then_some(s2.as_str()),
            (!m2.is_empty()).then_some(m2.as_str()),
            PAGE_SIZE + 1,
            (page_no - 1) * PAGE_SIZE,
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let n = crate::selection::store::bidding::count_quotes(c, r.a.id)?;
            out.push((r, n));
        }
        Ok::<_, DbError>(out)
    })
    .await?;
    let lang = ctx.lang();
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<ListRow> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|(r, quotes)| ListRow {
            id: r.a.id,
            item_code: r.item_code,
            item_name: r.item_name,
            project_name: r.project_name,
            mode: mode_label(lang, &r.a.mode),
            deadline: fmt_time(r.a.deadline),
            published_at: r.a.published_at.map(fmt_time).unwrap_or_default(),
            status: ctx.t(&status_key(&r.a.status)).to_string(),
            status_css: status_css(&r.a.status),
            quotes,
        })
        .collect();
    let p = ListPage {
        page: ctx.page(),
        rows,
        statuses: PUBLIC_STATES
            .iter()
            .map(|s| (s.to_string(), ctx.t(&status_key(s)).to_string()))
            .collect(),
        modes: Mode::ALL
            .iter()
            .map(|m| (m.code().to_string(), ctx.t(m.key()).to_string()))
            .collect(),
        page_no,
        prev_url: (page_no > 1).then(|| list_url(&st, &mo, page_no - 1)),
        next_url: more.then(|| list_url(&st, &mo, page_no + 1)),
        status: st,
        mode: mo,
    };
    html(&p, StatusCode::OK)
}

// ------------------------------------------------------------------ one announcement

/// One entry of the timeline.
pub struct TimelineRow {
    pub at: String,
    pub actor: String,
    pub action: String,
}

/// The label of an audit action: `timeline.<action>` in the locale files, or the action's
/// own name when no label exists (steps written by other parts of the platform).
fn action_label(lang: Lang, action: &str) -> String {
    crate::i18n::tr_opt(lang, &format!("timeline.{action}"))
        .map(str::to_string)
        .unwrap_or_else(|| action.to_string())
}

fn actor_label(lang: Lang, role: &str) -> String {
    match Role::parse(role) {
        Some(r) => crate::i18n::tr(lang, r.label_key()).to_string(),
        None => crate::i18n::tr(lang, "pub.actor.system").to_string(),
    }
}

/// Every published field, ready to show.
pub struct AnnView {
    pub id: i64,
    pub status: String,
    pub status_code: String,
    pub status_css: &'static str,
    pub item_code: String,
    pub item_name: String,
    pub project_name: String,
    pub project_code: String,
    pub project_region: String,
    pub fiscal_funds: String,
    pub scope: Vec<String>,
    pub time_limit_days: i32,
    pub cap: String,
    pub mode: String,
    pub deadline: String,
    pub min_grade: String,
    pub weights: Option<String>,
    pub avoided: Vec<String>,
    pub complaint_phone: String,
    pub witness: String,
    pub published_at: String,
    pub version: i32,
    pub round: i32,
    pub seed_commitment: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: String,
    pub registrations: i64,
    pub quotes: i64,
    /// The owner side: the owner's unit, or the commissioning department as the payer.
    pub owner: String,
    pub project_id: i64,
    /// "法定时限 20 天，提速目标 16 天".
    pub statutory: String,
    /// Why the time limit is beyond the 20%-faster target ('' when it is not).
    pub time_limit_reason: String,
    /// The special/major declaration and the assessment it was made against.
    pub regional: String,
}

#[derive(Template)]
#[template(path = "selection/show.html")]
pub struct ShowPage {
    pub page: Page,
    pub a: AnnView,
    /// The result section (`templates/result/_section.html`), `None` before opening.
    pub result: Option<ResultView>,
    pub timeline: Vec<TimelineRow>,
    pub is_owner: bool,
    pub is_draft: bool,
    /// Published and before the deadline.
    pub open: bool,
    /// A signed-in agency may register / quote.
    pub can_bid: bool,
    /// The owner's pending publication checks of a draft.
    pub checks: Vec<String>,
    /// For the owner's draft: the regional assessment covering its item, told before
    /// publishing.
    pub cover: Option<crate::selection::routes::owner::CoverView>,
    /// For the owner's draft: the item may be prepared by the owner itself instead.
    pub self_preparable: bool,
}

fn is_owner_of(ctx: &Ctx, a: &Announcement) -> bool {
    policy::decide(
        ctx.user(),
        Action::ManageAnnouncement {
            owner: a.owner_side(),
        },
    ) == Decision::Allow
}

async fn show(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let a = db::run(ctx.pool(), move |c| ann::find(c, id).map_err(DbError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    // First: open it if its deadline has passed, so the page never shows a stale state.
    let a = if a.due(db::now()) {
        let key = ctx.config().sealing_key;
        let instance = ctx.config().instance_id.clone();
        db::run(ctx.pool(), move |c| {
            crate::selection::steps::opening::open_if_due(c, &key, id, &instance)?;
            ann::find(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?
    } else {
        a
    };
    let is_owner = is_owner_of(&ctx, &a);
    let is_draft = a.status == status::DRAFT;
    if is_draft && !is_owner {
        return Err(AppError::NotFound);
    }
    let a2 = a.clone();
    let (project, item, avoided, registrations, quotes, trail) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            ann::find_project(c, a2.project_id)?,
            crate::catalogue::store::find(c, a2.item_id)?,
            pubm::avoided_refs(c, a2.id)?,
            pubm::count_registrations(c, a2.id)?,
            crate::selection::store::bidding::count_quotes(c, a2.id)?,
            crate::audit::for_object(c, "announcement", &a2.id.to_string())?,
        ))
    })
    .await?;
    let project = project.ok_or(AppError::NotFound)?;
    let item = item.ok_or(AppError::NotFound)?;
    // The owner side, and the regional assessment: the one in force on the publication day
    // for a declaration, today's for the owner's draft.
    let (owner_org, department, cover) = {
        let (owner_id, dept_id, item_id) = (a.owner_id, a.owner_department_id, a.item_id);
        let region = project.region.clone();
        let day = a
            .published_at
            .map(crate::domain::publication::china_day)
            .unwrap_or_else(crate::db::today);
        let wanted = !a.regional_exception.is_empty() || (is_draft && is_owner);
        db::run(ctx.pool(), move |c| {
            let org = crate::accounts::store::user::find(c, owner_id)?
                .map(|u| u.org_name)
                .unwrap_or_default();
            let dept = match dept_id {
                Some(d) => crate::accounts::store::department::find(c, d)?,
                None => None,
            };
            let cover = if wanted {
                pubm::cover_for(c, item_id, &region, day)?.map(|(r, _)| r)
            } else {
                None
            };
            Ok::<_, DbError>((org, dept, cover))
        })
        .await?
    };
    let result = crate::selection::routes::result::load(&ctx, &a).await?;
    let lang = ctx.lang();
    let t = |k: &str| ctx.t(k).to_string();
    let weights = match (
        a.mode() == Some(Mode::WeightedScoring),
        a.weight_price,
        a.weight_credit,
        a.weight_qual,
    ) {
        (true, Some(p), Some(c), Some(q)) => Some(crate::i18n::tr_args(
            lang,
            "pub.show.weights_text",
            &[
                ("p", &p.to_string()),
                ("c", &c.to_string()),
                ("q", &q.to_string()),
            ],
        )),
        _ => None,
    };
    let view = AnnView {
        id: a.id,
        status: t(&status_key(&a.status)),
        status_code: a.status.clone(),
        status_css: status_css(&a.status),
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        project_name: project.name.clone(),
        project_code: project.code.clone(),
        project_region: t(&format!("cat.region.{}", project.region)),
        fiscal_funds: if project.fiscal_funds {
            t("pub.project.fiscal_yes")
        } else {
            t("pub.project.fiscal_no")
        },
        scope: a
            .scope
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        time_limit_days: a.time_limit_days,
        cap: if a.cap_fen.is_some() {
            crate::web::fmt::fen_opt(a.cap_fen)
        } else {
            String::new()
        },
        mode: mode_label(lang, &a.mode),
        deadline: fmt_time(a.deadline),
        min_grade: match a.min_grade() {
            Some(Grade::C) => t("pub.grade.not_d"),
            _ => t("pub.grade.none"),
        },
        weights,
        avoided: avoided
            .iter()
            .map(|r| format!("{}（{}）", r.name, r.uscc))
            .collect(),
        complaint_phone: a.complaint_phone.clone(),
        witness: a.witness.clone(),
        published_at: a.published_at.map(fmt_time).unwrap_or_default(),
        version: a.version,
        round: a.round,
        seed_commitment: a.seed_commitment.clone().unwrap_or_default(),
        cancel_reason: a.cancel_reason.clone(),
        cancelled_at: a.cancelled_at.map(fmt_time).unwrap_or_default(),
        registrations,
        quotes,
        owner: match &department {
            Some(d) => crate::i18n::tr_args(
                lang,
                "policy.show.payer_department",
                &[(
                    "department",
                    match lang {
                        Lang::Zh => d.name_zh.as_str(),
                        Lang::En => d.name_en.as_str(),
                    },
                )],
            ),
            None => owner_org,
        },
        statutory: crate::i18n::tr_args(
            lang,
            "policy.show.statutory",
            &[
                ("statutory", &item.time_limit_days.to_string()),
                (
                    "target",
                    &crate::domain::publication::speedup_target(item.time_limit_days).to_string(),
                ),
            ],
        ),
        project_id: a.project_id,
        time_limit_reason: a.time_limit_reason.clone(),
        regional: match (
            crate::domain::publication::ProjectClass::parse(&a.regional_exception),
            &cover,
        ) {
            (Some(class), Some(r)) if !is_draft => crate::i18n::tr_args(
                lang,
                "policy.show.regional_text",
                &[
                    ("title", &r.title),
                    ("until", &r.valid_until.format("%Y-%m-%d").to_string()),
                    ("class", ctx.t(class.key())),
                    ("reason", &a.regional_exception_reason),
                ],
            ),
            _ => String::new(),
        },
    };
    // Work on the draft is the owner's own; the public timeline starts at publication.
    let since = if is_owner { None } else { a.published_at };
    let timeline = trail
        .iter()
        .filter(|r| since.is_none_or(|p| r.at >= p))
        .map(|r| TimelineRow {
            at: fmt_time(r.at),
            actor: actor_label(lang, &r.actor_role),
            action: action_label(lang, &r.action),
        })
        .collect();
    let now = db::now();
    let open = a.open_for_quotes(now);
    // The agency acts for itself: the same decision the bid page authorizes.
    let me = ctx.user().map(|u| u.id).unwrap_or(0);
    let can_bid = open && ctx.allows(Action::TakePart { agency_id: me });
    let checks = if is_draft && is_owner {
        crate::selection::routes::owner::draft_checks(&ctx, &a).await?
    } else {
        Vec::new()
    };
    let p = ShowPage {
        page: ctx.page(),
        a: view,
        result,
        timeline,
        is_owner,
        is_draft,
        open,
        can_bid,
        checks,
        cover: cover
            .as_ref()
            .filter(|_| is_draft && is_owner)
            .map(|r| crate::selection::routes::owner::cover_view(lang, r)),
        self_preparable: is_draft && is_owner && item.self_preparable,
    };
    html(&p, StatusCode::OK)
}
