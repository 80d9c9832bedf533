//! Wiring: the pool, migrations, the background jobs, the middleware stack and the routes.
//! `Application::build` binds the listener first, so tests can ask for port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::auth::password::Hasher;
use crate::config::Config;
use crate::db::{self, Pool};
use crate::web::ctx::{AppStateInner, Ctx};
use crate::web::middleware;

/// Largest accepted form body. Uploads (a later feature) set their own limit.
pub const FORM_LIMIT: usize = 64 * 1024;

pub struct Application {
    port: u16,
    server: Server,
}

/// Opens the database named by the configuration and applies migrations.
pub fn open_database(cfg: &Config) -> Result<Pool, String> {
    let size = db::Backend::from_url(&cfg.database_url)
        .map(db::pool_size)
        .unwrap_or(16);
    let pool = db::connect(&cfg.database_url, size)?;
    let mut conn = pool.get().map_err(|e| {
        format!(
            "cannot open database {}: {e}",
            db::mask_url(&cfg.database_url)
        )
    })?;
    let applied = db::migrate(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    Ok(pool)
}

impl Application {
    pub fn build(cfg: Config, pool: Pool) -> Result<Application, String> {
        let listener = TcpListener::bind(&cfg.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", cfg.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let (workers, blocking) = worker_threads(pool.max_size());
        let state = web::Data::new(AppStateInner {
            pool: pool.clone(),
            config: cfg.clone(),
            hasher: Hasher::new(cfg.max_concurrent_hashes),
            // 2,048 pages or 64 MiB, whichever comes first.
            pages: crate::web::page_cache::PageCache::new(
                cfg.page_cache,
                2048,
                64 << 20,
                std::time::Duration::from_millis(cfg.page_stamp_ms),
            ),
        });
        if cfg.run_jobs {
            actix_web::rt::spawn(crate::jobs::worker(pool.clone(), cfg.clone()));
            actix_web::rt::spawn(crate::mail::worker(pool, cfg));
        }
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::FormConfig::default().limit(FORM_LIMIT))
                .app_data(web::PayloadConfig::default().limit(FORM_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    tracing::info!(error = %e, "malformed query");
                    crate::error::AppError::BadRequest("err.400.message").into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| crate::error::AppError::NotFound.into()),
                )
                .wrap(from_fn(middleware::session))
                .wrap(from_fn(middleware::error_pages))
                .wrap(from_fn(middleware::security_headers))
                .route(
                    "/static/{path:.*}",
                    web::get().to(crate::web::assets::serve),
                )
                .configure(crate::routes::config)
                .default_service(web::to(not_found))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .listen(listener)
        .map_err(|e| e.to_string())?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn server(self) -> Server {
        self.server
    }
}

/// One async worker per core the process may run on, and per worker only as many blocking
/// threads as it has a share of database connections (actix's default is 512 / workers).
/// Database work runs on the blocking threads (`db::run`); threads beyond the pool size can
/// only wait in r2d2 for a connection, where a returned connection goes to whichever thread
/// wakes first. With as many threads as connections, work waits in the blocking pool's own
/// queue instead, first come, first served, and no thread stacks pile up under load.
fn worker_threads(connections: u32) -> (usize, usize) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_worker = (connections as usize).div_ceil(cores).max(2);
    (cores, per_worker)
}

async fn not_found(ctx: Ctx) -> actix_web::HttpResponse {
    middleware::render_error(ctx.page(), 404, "err.404.message", &ctx.req.request_id)
}
