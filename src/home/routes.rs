use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::auth::Role;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::status::AnnouncementStatus;
use crate::error::AppError;
use crate::web::page::Page;
use crate::web::{AppState, Ctx, fmt_time};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/healthz", web::get().to(healthz));
}

pub struct HomeStats {
    pub departments: i64,
    pub owners: i64,
    pub agencies: i64,
}

/// An announcement in one of the home page's lists.
pub struct AnnLine {
    pub id: i64,
    pub project: String,
    pub item: String,
    pub mode: String,
    /// The quote deadline (open ones) or the end of the publicity (results).
    pub when: String,
}

/// A confirmed result on the home page.
pub struct AwardLine {
    pub id: i64,
    pub project: String,
    pub item: String,
    pub agency: String,
    /// Empty for modes without quotes (a random draw has no amount).
    pub amount: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub page: Page,
    pub stats: HomeStats,
    pub open: Vec<AnnLine>,
    pub publicity: Vec<AnnLine>,
    pub awards: Vec<AwardLine>,
}

/// How many lines each of the home page's lists shows; the rest are one click away.
const LATEST: i64 = 6;

async fn home(ctx: Ctx) -> Result<HomePage, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let now = db::now();
    let (stats, open, publicity, awards) = db::run(ctx.pool(), move |c| {
        let stats = HomeStats {
            departments: crate::accounts::store::department::count(c)?,
            owners: crate::accounts::store::user::count_role(c, Role::Owner)?,
            agencies: crate::accounts::store::user::count_role(c, Role::Agency)?,
        };
        let open = crate::selection::store::publication::public_list(
            c,
            Some(AnnouncementStatus::Published),
            None,
            LATEST,
            0,
        )?;
        let mut publicity = Vec::new();
        for r in crate::selection::store::publication::public_list(
            c,
            Some(AnnouncementStatus::Publicity),
            None,
            LATEST,
            0,
        )? {
            let ends = crate::selection::store::announcement::result_of(c, r.a.id)?
                .and_then(|x| x.publicity_ends);
            publicity.push((r, ends));
        }
        let awards = crate::selection::store::announcement::latest_awards(c, LATEST)?;
        Ok::<_, DbError>((stats, open, publicity, awards))
    })
    .await?;
    let mode = |a: &crate::selection::store::announcement::Announcement| {
        a.mode().map(|m| ctx.t(m.key())).unwrap_or("").to_string()
    };
    Ok(HomePage {
        page: ctx.page(),
        stats,
        // Past its deadline it waits for the opening (seconds): no longer open for quotes.
        open: open
            .iter()
            .filter(|r| r.a.open_for_quotes(now))
            .map(|r| AnnLine {
                id: r.a.id,
                project: r.project_name.clone(),
                item: r.item_name.clone(),
                mode: mode(&r.a),
                when: fmt_time(r.a.deadline),
            })
            .collect(),
        publicity: publicity
            .iter()
            .map(|(r, ends)| AnnLine {
                id: r.a.id,
                project: r.project_name.clone(),
                item: r.item_name.clone(),
                mode: mode(&r.a),
                when: ends.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        awards: awards
            .into_iter()
            .map(|w| AwardLine {
                id: w.announcement_id,
                project: w.project,
                item: w.item,
                agency: w.agency,
                amount: w.amount.map(|m| format!("¥{m}")).unwrap_or_default(),
                at: fmt_time(w.confirmed_at),
            })
            .collect(),
    })
}

/// Liveness and database readiness for a load balancer: 200 when a query answers, else 503.
async fn healthz(state: AppState) -> HttpResponse {
    let r = db::run(&state.pool, db::ping).await;
    match r {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database not ready");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "unavailable", "database": "unreachable"}))
        }
    }
}
