//! Public announcement list and page (`/announcements`, `/announcements/{id}`).
//!
//! The list shows every announcement past its draft, newest publication first, with the
//! number of quotes (never an amount). The page shows every published field, the project,
//! the item, the draw seed's commitment, the counts, a cancellation's reason, the result
//! section (`crate::selection::routes::result`) and the timeline from the audit trail. A draft is shown to its
//! owner only (404 for everyone else). An announcement whose deadline has passed is opened
//! (`crate::selection::steps::opening::open_if_due`) before the page is built, so the page is never stale.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::{self, Action, Decision};
use crate::db::{self, DbError};
use crate::domain::selection::Mode;
use crate::domain::status::AnnouncementStatus;
use crate::error::AppError;
use crate::selection::routes::open_data;
use crate::selection::routes::owner::status_key;
use crate::selection::store::announcement::{self as ann, Announcement};
use crate::selection::store::publication as pubm;
use crate::selection::views::{AnnRows, AnnView, ListRow, ResultView, TimelineRow};
use crate::web::Ctx;
use crate::web::page::Page;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/announcements", web::get().to(list))
        .route("/announcements/{id}", web::get().to(show));
}

/// Announcements per list page.
pub const PAGE_SIZE: i64 = 20;

/// The states the public list may be filtered by (every state but the draft).
const PUBLIC_STATES: [AnnouncementStatus; 8] = [
    AnnouncementStatus::Published,
    AnnouncementStatus::Choosing,
    AnnouncementStatus::Justifying,
    AnnouncementStatus::Publicity,
    AnnouncementStatus::Failed,
    AnnouncementStatus::Awarded,
    AnnouncementStatus::Cancelled,
    AnnouncementStatus::Annulled,
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub mode: String,
    pub page: String,
    pub format: String,
    pub limit: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "selection/list.html", blocks = ["title", "content"])]
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
    if !st.is_empty() && !AnnouncementStatus::parse(&st).is_some_and(|s| PUBLIC_STATES.contains(&s))
    {
        return Err(AppError::BadRequest("pub.err.filter_status"));
    }
    if !mo.is_empty() && Mode::parse(&mo).is_none() {
        return Err(AppError::BadRequest("pub.err.filter_mode"));
    }
    let ex = crate::web::export::RawExport {
        format: q.format.clone(),
        limit: q.limit.clone(),
        after: q.after.clone(),
    }
    .parse()?;
    if ex.format != crate::domain::export::Format::Html {
        let mode = (!mo.is_empty()).then_some(mo);
        return open_data::announcements(&ctx, ex, AnnouncementStatus::parse(&st), mode).await;
    }
    let page_no = match q.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(AppError::BadRequest("pub.err.filter_page"))?,
    };
    // Everything the list shows is written with an audit entry (publication, every status
    // change, every quote), so its parts are kept under the audit stamp.
    let keys = ctx.page_keys(db::today(), "").await?;
    if let Some(hit) = ctx.cached_page(&keys)? {
        return Ok(hit);
    }
    let (s2, m2) = (st.clone(), mo.clone());
    let rows = db::run(ctx.pool(), move |c| {
        let rows = pubm::public_list(
            c,
            crate::domain::status::AnnouncementStatus::parse(&s2),
            (!m2.is_empty()).then_some(m2.as_str()),
            PAGE_SIZE + 1,
            (page_no - 1) * PAGE_SIZE,
        )?;
        let ids: Vec<i64> = rows.iter().map(|r| r.a.id).collect();
        let counts = crate::selection::store::bidding::count_quotes_many(c, &ids)?;
        Ok::<_, DbError>(
            rows.into_iter()
                .map(|r| {
                    let n = counts.get(&r.a.id).copied().unwrap_or(0);
                    (r, n)
                })
                .collect::<Vec<_>>(),
        )
    })
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<ListRow> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|(r, quotes)| ListRow::of(&ctx, r, quotes))
        .collect();
    let p = ListPage {
        page: ctx.page(),
        rows,
        statuses: PUBLIC_STATES
            .iter()
            .map(|s| (s.to_string(), ctx.t(&status_key(*s)).to_string()))
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
    ctx.keep_page(keys, &p)
}

crate::shared_blocks!(ListPage);
crate::shared_blocks!(ShowPage);

// ------------------------------------------------------------------ one announcement

#[derive(Template)]
#[template(path = "selection/show.html", blocks = ["title", "content"])]
pub struct ShowPage {
    pub page: Page,
    pub a: AnnView,
    /// The result section (`templates/selection/result/_section.html`), `None` before opening.
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

/// The announcement `id` as it stands now: opened first if its deadline has passed, so the
/// page never shows a stale state. `true` with it when this request opened it.
async fn current(ctx: &Ctx, id: i64) -> Result<(Announcement, bool), AppError> {
    let a = db::run(ctx.pool(), move |c| ann::find(c, id).map_err(DbError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    if !a.due(db::now()) {
        return Ok((a, false));
    }
    let key = ctx.config().sealing_key;
    let instance = ctx.config().instance_id.clone();
    db::run(ctx.pool(), move |c| {
        crate::selection::steps::opening::open_if_due(c, &key, id, &instance)?;
        ann::find(c, id).map_err(DbError::from)
    })
    .await?
    .map(|a| (a, true))
    .ok_or(AppError::NotFound)
}

/// Everything the page shows besides the announcement and its result. `own_draft`: the
/// owner looks at its draft (then today's regional assessment is read for it).
async fn read_rows(ctx: &Ctx, a: &Announcement, own_draft: bool) -> Result<AnnRows, AppError> {
    let a = a.clone();
    // The assessment in force on the publication day for a declaration, today's for a draft.
    let day = a
        .published_at
        .map(crate::domain::publication::china_day)
        .unwrap_or_else(crate::db::today);
    let wanted = !a.regional_exception.is_empty() || own_draft;
    let rows = db::run(ctx.pool(), move |c| {
        let project = ann::find_project(c, a.project_id)?;
        let item = crate::catalogue::store::find(c, a.item_id)?;
        let (Some(project), Some(item)) = (project, item) else {
            return Ok(None);
        };
        let cover = if wanted {
            pubm::cover_for(c, a.item_id, &project.region, day)?.map(|(r, _)| r)
        } else {
            None
        };
        Ok::<_, DbError>(Some(AnnRows {
            avoided: pubm::avoided_refs(c, a.id)?,
            registrations: pubm::count_registrations(c, a.id)?,
            quotes: crate::selection::store::bidding::count_quotes(c, a.id)?,
            trail: crate::audit::for_object(c, "announcement", &a.id.to_string())?,
            owner_org: crate::accounts::store::user::find(c, a.owner_id)?
                .map(|u| u.org_name)
                .unwrap_or_default(),
            department: match a.owner_department_id {
                Some(d) => crate::accounts::store::department::find(c, d)?,
                None => None,
            },
            cover,
            project,
            item,
        }))
    })
    .await?;
    rows.ok_or(AppError::NotFound)
}

async fn show(ctx: Ctx, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = path.into_inner();
    // What the page shows besides the layout changes only with an audited change (every
    // step on an announcement, its opening included), the day, or its deadline, and with
    // who asks: the owner's and each agency's forms and links. Kept per signed-in user under
    // the stamp (read before the data) until the deadline of a published announcement; a
    // draft is rendered for its owner only, so nobody else ever finds one kept.
    let variant = ctx.user().map(|u| u.id.to_string()).unwrap_or_default();
    let keys = ctx.page_keys(db::today(), &variant).await?;
    if let Some(hit) = ctx.cached_page(&keys)? {
        return Ok(hit);
    }
    let (a, opened_now) = current(&ctx, id).await?;
    let is_owner = is_owner_of(&ctx, &a);
    let is_draft = a.status == AnnouncementStatus::Draft;
    if is_draft && !is_owner {
        return Err(AppError::NotFound);
    }
    // Opened by this request: the stamp read before it is already behind.
    let keys = if opened_now { Default::default() } else { keys };
    let until = (a.status == AnnouncementStatus::Published).then_some(a.deadline);
    let own_draft = is_draft && is_owner;
    let rows = read_rows(&ctx, &a, own_draft).await?;
    let result = crate::selection::routes::result::load(&ctx, &a).await?;
    let open = a.open_for_quotes(db::now());
    // The agency acts for itself: the same decision the bid page authorizes.
    let can_bid = open
        && ctx
            .user()
            .is_some_and(|u| ctx.allows(Action::TakePart { agency_id: u.id }));
    let checks = if own_draft {
        crate::selection::routes::owner::draft_checks(&ctx, &a).await?
    } else {
        Vec::new()
    };
    let lang = ctx.lang();
    let p = ShowPage {
        page: ctx.page(),
        a: AnnView::build(&ctx, &a, &rows),
        result,
        timeline: TimelineRow::list(lang, &a, &rows.trail, is_owner),
        is_owner,
        is_draft,
        open,
        can_bid,
        checks,
        cover: rows
            .cover
            .as_ref()
            .filter(|_| own_draft)
            .map(|r| crate::selection::routes::owner::cover_view(lang, r)),
        self_preparable: own_draft && rows.item.self_preparable,
    };
    ctx.keep_page_until(keys, &p, until)
}
