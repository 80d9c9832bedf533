use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::auth::Role;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::models;
use crate::web::page::Page;
use crate::web::{AppState, Ctx};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/healthz", web::get().to(healthz));
}

pub struct HomeStats {
    pub departments: i64,
    pub owners: i64,
    pub agencies: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub page: Page,
    pub stats: HomeStats,
}

async fn home(ctx: Ctx) -> Result<HomePage, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let stats = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>(HomeStats {
            departments: models::department::count(c)?,
            owners: models::user::count_role(c, Role::Owner)?,
            agencies: models::user::count_role(c, Role::Agency)?,
        })
    })
    .await?;
    Ok(HomePage {
        page: ctx.page(),
        stats,
    })
}

/// Liveness and database readiness for a load balancer: 200 when a query answers, else 503.
async fn healthz(state: AppState) -> HttpResponse {
    let r = db::run(&state.pool, |c| {
        use diesel::connection::SimpleConnection;
        c.batch_execute("SELECT 1").map_err(DbError::from)
    })
    .await;
    match r {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database not ready");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "unavailable", "database": "unreachable"}))
        }
    }
}
