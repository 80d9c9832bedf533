//! The database layer: one connection type over SQLite and PostgreSQL, the pool, migrations,
//! and the two wrappers every handler uses — [`run`] (any query, off the async workers) and
//! [`write_tx`] (a write transaction: `BEGIN IMMEDIATE` on SQLite so a transaction that reads
//! then writes never fails with SQLITE_BUSY half-way).

mod group;
pub mod schema;
pub mod sealing_key;
pub mod types;

pub use group::run_grouped;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with `$c` bound to the backend's own connection instead of `DbConnection`:
/// the multi-backend wrapper turns every query into SQL text to find its prepared statement
/// (a fifth of a signed-in page's instructions went into building the session read's text),
/// while each backend's connection finds a statement of a fixed shape by its type. For the
/// reads every request makes; the body must compile for both backends.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Reads the row of a query on a unique key (a primary key's `find`, a unique column), `None`
/// when there is none. Unlike diesel's `first`, it binds no `LIMIT ?`: SQLite's planner reads
/// a bound limit, so such a statement is prepared afresh on every run instead of coming from
/// the statement cache.
pub trait OneRow: Sized {
    fn one<'q, U>(self, conn: &mut DbConnection) -> QueryResult<Option<U>>
    where
        Self: diesel::query_dsl::LoadQuery<'q, DbConnection, U>;
}

impl<T: RunQueryDsl<DbConnection>> OneRow for T {
    fn one<'q, U>(self, conn: &mut DbConnection) -> QueryResult<Option<U>>
    where
        Self: diesel::query_dsl::LoadQuery<'q, DbConnection, U>,
    {
        Ok(self.load::<U>(conn)?.into_iter().next())
    }
}

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The connection pool of one database, with that database's platform clock
/// ([`crate::clock`]). Every connection taken from it runs on that clock.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    clock: crate::clock::Clock,
    /// Statements sent by this pool's connections since it opened (see [`Watch`]).
    statements: Arc<AtomicU64>,
    /// The writes waiting to share a commit ([`run_grouped`]); used on SQLite only.
    group: Arc<group::Group>,
    grouped: bool,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("state", &self.inner.state())
            .field("clock", &self.clock)
            .finish()
    }
}

impl Pool {
    /// A connection for work outside [`run`] (the command line, tests): the current thread
    /// runs on this database's clock from now on, freshly read if the reading is old.
    pub fn get(&self) -> Result<PooledConn, r2d2::PoolError> {
        let mut c = self.inner.get()?;
        self.clock.install_for_thread();
        refresh_clock(&self.clock, &mut c);
        Ok(c)
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }

    pub fn clock(&self) -> &crate::clock::Clock {
        &self.clock
    }

    /// How many statements this pool's connections have sent so far (transaction control
    /// and the pool's own checks included): tests hold the cost of a request with it, and the
    /// bench prints statements per page.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Re-reads the platform clock if its reading is older than the interval (the session
    /// middleware calls it for requests that would otherwise not touch the database).
    pub async fn refresh_clock(&self) {
        if self.clock.due() {
            let _ = run(self, |_| Ok::<_, DbError>(())).await;
        }
    }
}

/// Reads the database's platform clock into `clock` when the reading is due. A failure keeps
/// the last reading (logged; the next request tries again).
fn refresh_clock(clock: &crate::clock::Clock, conn: &mut DbConnection) {
    use schema::platform_clock as pc;
    if !clock.due() {
        return;
    }
    match pc::table
        .find(1)
        .select((pc::demo, pc::offset_seconds))
        .one::<(bool, i64)>(conn)
    {
        Ok(Some((demo, offset))) => clock.record(demo, offset),
        Ok(None) => clock.record(false, 0),
        Err(e) => {
            tracing::warn!(error = %e, "platform clock not read");
            clock.record_failure();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend is chosen from the URL scheme, never by trial: a PostgreSQL server that is
    /// down must be reported as such, not fall through to "invalid URL".
    pub fn from_url(url: &str) -> Result<Backend, String> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        match scheme {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "sqlite" | "file" => Ok(Backend::Sqlite),
            _ => Err(format!(
                "unsupported DATABASE_URL {} (use sqlite://path or postgres://…)",
                mask_url(url)
            )),
        }
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL at all: hide whatever sits between ':' and '@' just in case.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(a), Some(b)) if b > a => format!("{}***{}", &url[..a + 3], &url[b..]),
            _ => url.to_string(),
        },
    }
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .or_else(|| url.strip_prefix("file:"))
        .unwrap_or(url)
}

/// An r2d2 manager that opens the backend named by the URL and applies SQLite's pragmas.
#[derive(Clone, Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
    statements: Arc<AtomicU64>,
}

/// Watches a connection's statements: counts them (one relaxed atomic add each) into the
/// counter its pool shares, remembers when one last succeeded, and notes a connection the
/// server closed. With that the pool needs no `SELECT 1` before lending a connection that
/// worked a moment ago (that check was three of a quote request's statements): only one idle
/// for longer than [`TRUSTED_FOR`] is pinged, and one that lost its server is dropped when it
/// comes back (`has_broken`), so a database restart costs at most the request that met it.
struct Watch {
    statements: Arc<AtomicU64>,
    last_ok: Option<std::time::Instant>,
    lost: bool,
    /// When the running statement started, kept only while `sql=trace` is on.
    started: Option<std::time::Instant>,
}

/// How long after a successful statement a connection is lent without a ping.
const TRUSTED_FOR: Duration = Duration::from_secs(2);

impl diesel::connection::Instrumentation for Watch {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent as E;
        match event {
            E::StartQuery { .. } => {
                self.statements.fetch_add(1, Ordering::Relaxed);
                if tracing::enabled!(target: "sql", tracing::Level::TRACE) {
                    self.started = Some(std::time::Instant::now());
                }
            }
            E::FinishQuery { query, error, .. } => {
                // `RUST_LOG=sql=trace` lists every statement with its time (the per-page
                // profile).
                if let Some(t) = self.started.take() {
                    let us = t.elapsed().as_micros();
                    tracing::trace!(target: "sql", "{us:>6} µs  {query}");
                }
                self.finished(error);
            }
            _ => {}
        }
    }
}

impl Watch {
    fn finished(&mut self, error: Option<&diesel::result::Error>) {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            None => self.last_ok = Some(std::time::Instant::now()),
            Some(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => {
                self.lost = true;
                self.last_ok = None;
            }
            // Any other failure: the next loan pings first (a server restart does not always
            // say so in its error kind).
            Some(_) => self.last_ok = None,
        }
    }
}

fn watch_of(conn: &mut DbConnection) -> Option<&mut Watch> {
    let i = match conn {
        DbConnection::Pg(c) => c.instrumentation(),
        DbConnection::Sqlite(c) => c.instrumentation(),
    };
    i.downcast_mut::<Watch>()
}

#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

impl DbError {
    /// A row that must exist was not there.
    pub fn not_found() -> Self {
        DbError::Query(diesel::result::Error::NotFound)
    }

    /// The database refused a row because a unique constraint holds one like it already.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }

    /// Stored data that breaks an invariant the code relies on (a seed that does not open, an
    /// outcome that does not parse): an internal error naming what was wrong.
    pub fn invalid(what: impl Into<String>) -> Self {
        DbError::Query(diesel::result::Error::DeserializationError(
            what.into().into(),
        ))
    }
}

/// SQLite: WAL so readers never block the writer; FULL sync so an acknowledged write survives
/// a power cut; foreign keys on (off by default in SQLite); and a busy timeout for the moments
/// two writers meet. For reads: a 4 MiB page cache per connection (the default is 2 MiB;
/// times the pool size, this bounds the cache memory). No mmap: mapped pages of the file
/// count in the server's RSS (282 MiB at 100,000 agencies in the bench with 256 MiB mapped).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA cache_size = -4096;";

/// Pool size per backend. SQLite work is CPU in this process: more connections than a few
/// per core only queue threads against each other and stretch p99. PostgreSQL works in its
/// own processes, so a request waiting on it holds no core here.
pub fn pool_size(backend: Backend) -> u32 {
    match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}

impl Manager {
    fn watch(&self) -> Watch {
        Watch {
            statements: self.statements.clone(),
            last_ok: None,
            lost: false,
            started: None,
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnError;

    fn connect(&self) -> Result<DbConnection, ConnError> {
        match self.backend {
            Backend::Postgres => {
                let mut c = diesel::PgConnection::establish(&self.url)?;
                c.set_instrumentation(self.watch());
                Ok(DbConnection::Pg(c))
            }
            Backend::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(sqlite_path(&self.url))?;
                c.batch_execute(SQLITE_PRAGMAS)?;
                c.set_instrumentation(self.watch());
                Ok(DbConnection::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnError> {
        let recent = watch_of(conn)
            .and_then(|w| w.last_ok)
            .is_some_and(|t| t.elapsed() < TRUSTED_FOR);
        if recent {
            return Ok(());
        }
        conn.batch_execute("SELECT 1").map_err(Into::into)
    }

    /// Checked when a connection comes back to the pool: one left with a broken transaction
    /// manager or that lost its server is dropped. (A connection cut off while idle is caught
    /// by the ping of `is_valid` on its next loan.)
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        let lost = watch_of(conn).is_some_and(|w| w.lost);
        lost || match conn {
            DbConnection::Pg(c) => c.is_broken(),
            DbConnection::Sqlite(c) => c.is_broken(),
        }
    }
}

/// Opens the pool and checks that the database answers. The error is one line naming the
/// (masked) URL.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, String> {
    let backend = Backend::from_url(url)?;
    if backend == Backend::Sqlite {
        let path = std::path::Path::new(sqlite_path(url));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot open database {}: {e}", mask_url(url)))?;
        }
    }
    let statements = Arc::new(AtomicU64::new(0));
    let manager = Manager {
        url: url.to_string(),
        backend,
        statements: statements.clone(),
    };
    // Try once directly so the real cause (refused, auth failed, no such file) reaches the user.
    manager.connect().map_err(|e| {
        format!(
            "cannot open database {}: {}",
            mask_url(url),
            one_line(&e.to_string())
        )
    })?;
    let inner = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .map_err(|e| {
            format!(
                "cannot open database {}: {}",
                mask_url(url),
                one_line(&e.to_string())
            )
        })?;
    Ok(Pool {
        inner,
        clock: crate::clock::Clock::new(),
        statements,
        group: Arc::default(),
        grouped: backend == Backend::Sqlite,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn backend(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Pg(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// Applies every pending migration. Re-running is a no-op. Several instances starting at
/// once are serialised: a write transaction (SQLite) plus an advisory lock (PostgreSQL), so
/// only one applies each migration and the others find nothing left to do.
pub fn migrate(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let mut failure = None;
    let r = write_tx(conn, |conn| {
        let applied = match conn {
            DbConnection::Pg(c) => {
                diesel::sql_query("SELECT pg_advisory_xact_lock(7428000)").execute(c)?;
                c.run_pending_migrations(PG_MIGRATIONS)
                    .map(|v| v.iter().map(|m| m.to_string()).collect())
            }
            DbConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect()),
        };
        applied.map_err(|e| {
            failure = Some(e.to_string());
            diesel::result::Error::RollbackTransaction
        })
    });
    let applied: Vec<String> = r.map_err(|e| {
        format!(
            "migration failed: {}",
            failure.unwrap_or_else(|| e.to_string())
        )
    })?;
    // A migration may have moved data in a database already in use: refresh the planner's
    // statistics so the first request after the upgrade is planned on real figures. A new,
    // empty database has nothing to measure.
    if !applied.is_empty() {
        let in_use: i64 = schema::users::table
            .count()
            .get_result(conn)
            .map_err(|e| e.to_string())?;
        if in_use > 0 {
            refresh_statistics(conn).map_err(|e| format!("ANALYZE after migrating: {e}"))?;
        }
    }
    Ok(applied)
}

/// Brings the planner's statistics up to date after a bulk step (the demo, generated agencies,
/// a migration that moved data): without them PostgreSQL plans a fresh 100k-row table as if
/// it were empty until autovacuum gets to it (a signed-in list page ran at 41 req/s, p99
/// 1.75 s, right after `demo --agencies 100000`; ~2,000 req/s after `ANALYZE`), and SQLite
/// chooses indexes by rule of thumb. `PRAGMA optimize` afterwards lets SQLite keep them
/// current on its own. Both take well under a second at 100k agencies.
pub fn refresh_statistics(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(c) => c.batch_execute("ANALYZE"),
        DbConnection::Sqlite(c) => c.batch_execute("ANALYZE; PRAGMA optimize;"),
    }
}

/// Whether the planner has statistics for `table` (tests and the bench check that a bulk
/// step left them). Both catalogues are written by `ANALYZE` in its own transaction.
pub fn has_statistics(conn: &mut DbConnection, table: &str) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count = |conn: &mut DbConnection, sql: &str| -> QueryResult<i64> {
        let r: N = diesel::sql_query(sql)
            .bind::<Text, _>(table)
            .get_result(conn)?;
        Ok(r.n)
    };
    match conn {
        DbConnection::Pg(_) => Ok(count(
            conn,
            "SELECT COUNT(*) AS n FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1",
        )? > 0),
        DbConnection::Sqlite(_) => {
            // sqlite_stat1 exists only after the first ANALYZE.
            let made = count(
                conn,
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1' AND ? <> ''",
            )? > 0;
            Ok(made && count(conn, "SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = ?")? > 0)
        }
    }
}

/// Reverts every migration (tests only use this, to prove `down.sql` works).
pub fn revert_all(conn: &mut DbConnection) -> Result<usize, String> {
    let n = match conn {
        DbConnection::Pg(c) => c.revert_all_migrations(PG_MIGRATIONS),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| format!("revert failed: {e}"))?;
    Ok(n.len())
}

/// Runs `f` with a pooled connection on the blocking thread pool, never on an async worker.
pub async fn run<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    let joined = actix_web::web::block(move || {
        let mut conn = pool
            .inner
            .get()
            .map_err(|e| E::from(DbError::Pool(e.to_string())))?;
        // The blocking threads serve every pool of the process: this closure's "now" is its
        // own database's, and the thread's previous clock is back when it returns.
        let _clock = pool.clock.enter();
        refresh_clock(&pool.clock, &mut conn);
        f(&mut conn)
    })
    .await;
    match joined {
        Ok(r) => r,
        Err(e) => Err(E::from(DbError::Pool(format!("blocking task failed: {e}")))),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database pool: {0}")]
    Pool(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// The SQLite writers' queue: one write transaction at a time in this process, served in
/// arrival order (a ticket lock). Without it, writers that meet at `BEGIN IMMEDIATE` fall into
/// SQLite's busy handler, which sleeps and retries: unfair, and with 64 concurrent writers
/// its p99 reached about a second (TECH-NOTES). `busy_timeout` stays as the fallback for
/// another process on the same file (the command line during `serve`).
struct WriterQueue {
    next: std::sync::atomic::AtomicU64,
    serving: std::sync::Mutex<u64>,
    turn: std::sync::Condvar,
}

static WRITERS: WriterQueue = WriterQueue {
    next: std::sync::atomic::AtomicU64::new(0),
    serving: std::sync::Mutex::new(0),
    turn: std::sync::Condvar::new(),
};

/// This thread's turn to write; the turn passes on when the guard drops (also on panic).
struct WriterTurn;

impl WriterQueue {
    fn wait_turn(&'static self) -> WriterTurn {
        let ticket = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut serving = self.serving.lock().unwrap_or_else(|p| p.into_inner());
        while *serving != ticket {
            serving = self.turn.wait(serving).unwrap_or_else(|p| p.into_inner());
        }
        WriterTurn
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        let mut serving = WRITERS.serving.lock().unwrap_or_else(|p| p.into_inner());
        *serving += 1;
        WRITERS.turn.notify_all();
    }
}

/// Whether `conn` is inside a transaction (a write step that only makes sense as part of an
/// outer write uses it to skip its own savepoint).
pub fn in_tx(conn: &mut DbConnection) -> bool {
    let depth = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    };
    matches!(depth, Ok(Some(_)))
}

/// A write transaction. On SQLite it waits for its turn in this process's writer queue and
/// starts with `BEGIN IMMEDIATE`, taking the write lock up front; on PostgreSQL an ordinary
/// `BEGIN`. Nested calls become savepoints.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Tm = <DbConnection as Connection>::TransactionManager;
    let depth = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?,
        DbConnection::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?,
    };
    let _turn = match (depth, &mut *conn) {
        (None, DbConnection::Sqlite(c)) => {
            let turn = WRITERS.wait_turn();
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(E::from)?;
            Some(turn)
        }
        _ => {
            Tm::begin_transaction(conn).map_err(E::from)?;
            None
        }
    };
    match f(conn) {
        Ok(v) => {
            Tm::commit_transaction(conn).map_err(E::from)?;
            Ok(v)
        }
        Err(e) => {
            if let Err(rb) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rb, "rollback failed");
            }
            Err(e)
        }
    }
}

thread_local! {
    /// The time pinned on this thread by [`pin_clock`], if any.
    static PINNED: std::cell::Cell<Option<chrono::NaiveDateTime>> =
        const { std::cell::Cell::new(None) };
}

/// The platform's current UTC time at the precision both backends keep (microseconds): the
/// time pinned on this thread, if any (the demo loader), else [`crate::clock`] (the system
/// clock, or a demo database's moved clock).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    PINNED
        .with(|p| p.get())
        .unwrap_or_else(|| crate::clock::now_utc().naive_utc())
        .trunc_subsecs(6)
}

/// One round trip to the database (the health check).
pub fn ping(c: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    c.batch_execute("SELECT 1").map_err(DbError::from)
}

/// Today's date in China on the platform clock ([`now`]: the demo loader's pinned time, or
/// [`crate::clock`], where a demo database's clock may have been moved forward).
pub fn today() -> chrono::NaiveDate {
    crate::domain::workdays::china_date(now().and_utc())
}

/// While the guard lives, [`now`] (and so [`today`], every timestamp a
/// write stores and every audit entry's time) is `at` on this thread. The demo loader writes
/// its history this way, each step at the time it is told to have happened, through the same
/// functions as the pages, so the dates of a demo row, its audit entries and its timeline
/// agree. Nothing else pins the clock.
pub fn pin_clock(at: chrono::NaiveDateTime) -> PinnedClock {
    let before = PINNED.with(|p| p.replace(Some(at)));
    PinnedClock { before }
}

/// Restores the clock as it was when dropped.
#[must_use = "the clock is pinned only while the guard lives"]
pub struct PinnedClock {
    before: Option<chrono::NaiveDateTime>,
}

impl Drop for PinnedClock {
    fn drop(&mut self) {
        PINNED.with(|p| p.set(self.before));
    }
}
