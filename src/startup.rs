//! Wiring: the pool, migrations, the background jobs, the middleware stack and the routes.
//! `Application::build` binds the listener first, so tests can ask for port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::auth::password::Hasher;
use crate::config::{Config, SEALING_KEY_FILE, SealingKeySource};
use crate::db::{self, Pool};
use crate::domain::seal::{self, KeyDecision, KeyFacts, KeyProblem};
use crate::web::ctx::{AppStateInner, Ctx};
use crate::web::middleware;

use crate::web::forms::FORM_LIMIT;

pub struct Application {
    port: u16,
    server: Server,
}

/// Opens the database named by the configuration, applies migrations and checks the sealing
/// key against the database ([`check_sealing_key`]). Every command and `serve` start here.
pub fn open_database(cfg: &Config) -> Result<Pool, String> {
    if cfg.sealing_key_source == SealingKeySource::Missing {
        return Err(missing_on_postgres(cfg));
    }
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
    check_sealing_key(&mut conn, cfg)?;
    // The clock's table exists now. Another instance's move is seen after at most as long as
    // a page stamp is trusted.
    pool.clock()
        .arm(std::time::Duration::from_millis(cfg.page_stamp_ms));
    Ok(pool)
}

/// A database that has sealed anything (or records a key) runs only with the key that sealed
/// it; a new key is made, written to the data folder and recorded only for a database that
/// has never sealed anything (`domain::seal::decide_key`). Otherwise one line says which key
/// the database expects and where to put it. Serialised across instances like the migrations.
fn check_sealing_key(conn: &mut db::DbConnection, cfg: &Config) -> Result<(), String> {
    let mut refusal = None;
    let r = db::write_tx(conn, |c| {
        if let db::DbConnection::Pg(pg) = c {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT pg_advisory_xact_lock(7428000)").execute(pg)?;
        }
        let (key, source) = (&cfg.sealing_key, &cfg.sealing_key_source);
        // Another process on this data folder wrote the key file after this configuration was
        // read: its key is the one to use, and this process holds another.
        if let SealingKeySource::New(path) = source
            && path.exists()
        {
            refusal = Some(format!(
                "the sealing key file {} was written by another process while this one started; start again",
                path.display()
            ));
            return Err(diesel::result::Error::RollbackTransaction);
        }
        let given = match source {
            SealingKeySource::New(_) => None,
            _ => Some(key),
        };
        let facts = crate::db::sealing_key::facts(c, given)?;
        match seal::decide_key(&facts) {
            KeyDecision::Proceed => Ok(()),
            KeyDecision::Record => {
                if let SealingKeySource::New(path) = &source {
                    crate::config::write_key_file(path, key).map_err(|e| {
                        refusal = Some(format!(
                            "cannot write the sealing key file {}: {e}",
                            path.display()
                        ));
                        diesel::result::Error::RollbackTransaction
                    })?;
                }
                let fingerprint = seal::key_fingerprint(key);
                crate::db::sealing_key::record(c, &fingerprint)?;
                tracing::info!(%fingerprint, "sealing key fingerprint recorded");
                Ok(())
            }
            KeyDecision::Refuse(r) => {
                refusal = Some(refusal_line(&r, &facts, cfg));
                Err(diesel::result::Error::RollbackTransaction)
            }
        }
    });
    r.map_err(|e| refusal.unwrap_or_else(|| format!("cannot check the sealing key: {e}")))
}

/// The one line start-up prints when it refuses the key.
fn refusal_line(r: &KeyProblem, f: &KeyFacts, cfg: &Config) -> String {
    let sealed = format!(
        "{} sealed quote(s) and {} sealed draw seed(s)",
        f.sealed_quotes, f.sealed_seeds
    );
    let key_file = cfg.data_dir.join(SEALING_KEY_FILE);
    let postgres = db::Backend::from_url(&cfg.database_url) == Ok(db::Backend::Postgres);
    let fix = if postgres {
        "start with the key it was sealed with in ZJ_SEALING_KEY (the FILE.sealing.key written beside a backup holds it)".to_string()
    } else {
        format!(
            "start with the key it was sealed with: set ZJ_SEALING_KEY to it, or leave ZJ_SEALING_KEY unset and put its key file (the FILE.sealing.key written beside a backup) at {}",
            key_file.display()
        )
    };
    let nothing_given = if postgres {
        "ZJ_SEALING_KEY is not set".to_string()
    } else {
        format!(
            "ZJ_SEALING_KEY is not set and there is no key file at {}",
            key_file.display()
        )
    };
    match r {
        KeyProblem::Different { stored, present } => format!(
            "refusing to start: this database is sealed with the key of fingerprint {stored} ({sealed}), but {} has fingerprint {present}; {fix}",
            cfg.sealing_key_source.describe()
        ),
        KeyProblem::Missing {
            stored: Some(stored),
        } => format!(
            "refusing to start: this database is sealed with the key of fingerprint {stored} ({sealed}), and {nothing_given} (a new key would open none of them); {fix}"
        ),
        KeyProblem::Missing { stored: None } => format!(
            "refusing to start: this database holds {sealed} sealed before key fingerprints were recorded, and {nothing_given} (a new key would open none of them); {fix}"
        ),
        KeyProblem::DoesNotOpen { present } => format!(
            "refusing to start: this database holds {sealed} sealed before key fingerprints were recorded, and {} (fingerprint {present}) opens none of them; {fix}",
            cfg.sealing_key_source.describe()
        ),
    }
}

/// PostgreSQL without `ZJ_SEALING_KEY`: one line, naming the fingerprint the database records
/// when the database can be read.
fn missing_on_postgres(cfg: &Config) -> String {
    let stored = db::connect(&cfg.database_url, 1)
        .ok()
        .and_then(|p| p.get().ok())
        .and_then(|mut c| crate::db::sealing_key::stored(&mut c).ok().flatten());
    let base =
        "ZJ_SEALING_KEY is required on PostgreSQL (64 hex characters, the same on every instance)";
    match stored {
        Some(f) => format!(
            "{base}; this database is sealed with the key of fingerprint {f} (the FILE.sealing.key written beside a backup holds it)"
        ),
        None => base.to_string(),
    }
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
            // On with the page cache and a stamp window (tests read the stamp every request
            // and so read every session too).
            sessions: crate::web::session_cache::SessionCache::new(
                cfg.page_cache && cfg.page_stamp_ms > 0,
                10_000,
            ),
            settings: Default::default(),
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
                    web::route()
                        .guard(
                            actix_web::guard::Any(actix_web::guard::Get())
                                .or(actix_web::guard::Head()),
                        )
                        .to(crate::web::assets::serve),
                )
                .configure(routes)
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

async fn not_found(ctx: Option<Ctx>) -> actix_web::HttpResponse {
    match ctx {
        Some(ctx) => {
            middleware::render_error(ctx.page(), 404, "err.404.message", &ctx.req.request_id)
        }
        // Paths the session layer passes by (`/static/…`, `/healthz`) have no page context.
        None => actix_web::HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("404 Not Found"),
    }
}

/// Every feature's pages, in the order they are matched (a fixed path before a pattern that
/// would also match it).
fn routes(cfg: &mut web::ServiceConfig) {
    crate::home::routes::config(cfg);
    crate::accounts::routes::auth::config(cfg);
    crate::accounts::routes::account::config(cfg);
    crate::accounts::routes::admin::config(cfg);
    crate::catalogue::routes::config(cfg);
    crate::library::routes::agency::config(cfg);
    crate::library::routes::review::config(cfg);
    crate::library::routes::library::config(cfg);
    crate::credit::routes::credit::config(cfg);
    crate::credit::routes::sanctions::config(cfg);
    crate::inspections::config(cfg);
    crate::accounts::routes::calendar::config(cfg);
    crate::accounts::routes::clock::config(cfg);
    crate::selection::routes::owner::config(cfg);
    crate::selection::routes::policy_rules::config(cfg);
    crate::selection::routes::bidding::config(cfg);
    crate::selection::routes::result::config(cfg);
    crate::selection::routes::announcements::config(cfg);
    crate::ocds::routes::config(cfg);
    crate::selection::routes::open_data::config(cfg);
    crate::selection::routes::supervise::config(cfg);
    crate::supervision::routes::config(cfg);
    crate::contracts::routes::contract_texts::config(cfg);
    crate::contracts::routes::contracts::config(cfg);
    crate::contracts::routes::fulfilment::config(cfg);
    crate::stats::routes::config(cfg);
    crate::opendata::routes::config(cfg);
    crate::complaints::routes::config(cfg);
}
