//! Sealed-quote deadline benchmark (issue 5, item 11): `cargo bench --bench quotes`.
//!
//! With `ZJ_BENCH_DATABASE_URL` naming a PostgreSQL server it runs SQLite and then PostgreSQL
//! (each in a run of this binary of its own) and prints their figures side by side with the
//! targets; `ZJ_BENCH_ONLY=sqlite|pg` runs one. Each run seeds 1,000 agencies with sessions
//! into a fresh database (a temporary SQLite file, or a new PostgreSQL database on that
//! server, dropped at the end),
//! starts the real binary pinned to core 0 (this process on core 1; `ZJ_BENCH_INPROC=1`
//! serves from this process instead) and runs three scenarios through the real HTTP stack:
//! 1. the deadline race: 500 agencies quote at random moments in the last second before the
//!    deadline and 50 more tries land in the 200 ms after it, 64 in flight at most;
//! 2. sustained durable quotes/s: 64 workers revising quotes for `ZJ_BENCH_SECS` seconds;
//! 3. opening 1,000 sealed quotes (`open_only_if_due`, in this process) while 16 connections
//!    keep reading the public list `/agencies`, then telling the 1,000 bidders (`tell_opened`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zhongjie::catalogue::store::{Change, ItemFields};
use zhongjie::config::Config;
use zhongjie::db::schema::{
    agencies, agency_items, announcement_results, announcements, projects, quote_receipts, quotes,
    registrations, users,
};
use zhongjie::db::{self, DbConnection};
use zhongjie::domain::draw::Seed;
use zhongjie::domain::money::Money;
use zhongjie::domain::seal;

const KEY: [u8; 32] = [7u8; 32];
const AGENCIES: usize = 1000;
const RACERS: usize = 500;
const LATE: usize = 50;
const INFLIGHT: usize = 64;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

type E = diesel::result::Error;

/// What the scenarios need from the seed: agency ids, session (token, csrf) and the three
/// announcements.
struct World {
    agencies: Vec<i64>,
    sessions: Vec<(String, String)>,
    a1: i64,
    a2: i64,
    a3: i64,
    /// A3's lowest quote: (agency, fen).
    a3_lowest: (i64, i64),
}

fn user(
    role: &str,
    email: String,
    uscc: Option<String>,
    i: usize,
) -> zhongjie::accounts::store::user::NewUser {
    let now = db::now();
    zhongjie::accounts::store::user::NewUser {
        role: zhongjie::auth::Role::parse(role).expect("a role"),
        email,
        password_hash: "!".into(),
        org_name: format!("机构{i}"),
        uscc,
        contact_name: "联系人".into(),
        phone: format!("139{i:08}"),
        department_id: None,
        status: zhongjie::domain::status::UserStatus::Active,
        email_verified_at: Some(now),
        locale: "zh-CN".into(),
        is_demo: true,
        created_at: now,
        updated_at: now,
    }
}

fn announcement(
    c: &mut DbConnection,
    (project, owner, item): (i64, i64, i64),
    scope: &str,
    deadline: NaiveDateTime,
) -> Result<i64, E> {
    let now = db::now();
    let s = Seed::generate().unwrap();
    diesel::insert_into(announcements::table)
        .values((
            announcements::project_id.eq(project),
            announcements::owner_id.eq(owner),
            announcements::item_id.eq(item),
            announcements::scope.eq(scope),
            announcements::time_limit_days.eq(20),
            announcements::cap_fen.eq(Some(100_000_000i64)),
            announcements::mode.eq("lowest_price"),
            announcements::deadline.eq(deadline),
            announcements::complaint_phone.eq("0812-1234567"),
            announcements::status.eq("published"),
            announcements::seed_commitment.eq(Some(s.commitment())),
            announcements::published_at.eq(Some(now)),
            announcements::created_at.eq(now),
            announcements::updated_at.eq(now),
        ))
        .execute(c)?;
    let id: i64 = announcements::table
        .filter(announcements::scope.eq(scope))
        .select(announcements::id)
        .first(c)?;
    let sealed = seal::seal_seed(&KEY, id, &s.to_hex()).unwrap();
    diesel::update(announcements::table.find(id))
        .set(announcements::seed_sealed.eq(Some(sealed)))
        .execute(c)?;
    Ok(id)
}

fn register(c: &mut DbConnection, a: i64, ids: &[i64]) -> Result<(), E> {
    let now = db::now();
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                registrations::announcement_id.eq(a),
                registrations::agency_id.eq(*id),
                registrations::created_at.eq(now),
            )
        })
        .collect();
    for ch in rows.chunks(500) {
        batch_insert!(&mut *c, registrations::table, ch)?;
    }
    Ok(())
}

fn seed(conn: &mut DbConnection) -> Result<World, E> {
    let dept = zhongjie::accounts::store::department::insert(
        conn,
        "sthjj",
        "攀枝花市生态环境局",
        "Ecology",
    )?;
    let f = ItemFields {
        code: "ENV-001".into(),
        name: "建设项目环境影响报告书（表）编制".into(),
        keywords: "环评".into(),
        industry: "env".into(),
        approval_name: "审批".into(),
        department_id: dept,
        legal_basis: "依据".into(),
        guide_basis: "-".into(),
        guide_scope: "-".into(),
        guide_object: "-".into(),
        guide_content: "-".into(),
        guide_method: "-".into(),
        guide_conclusion: "-".into(),
        time_limit_days: 20,
        pricing: "market".into(),
        price_min_fen: None,
        price_max_fen: None,
        fee_basis: "-".into(),
        payer: "enterprise".into(),
        self_preparable: false,
        regional_assessment: false,
    };
    let change = Change {
        status: zhongjie::domain::status::ItemStatus::Retained,
        kind: zhongjie::domain::status::AdjustmentKind::Add,
        reason: "bench",
        basis: "bench",
        actor_id: None,
    };
    let item = zhongjie::catalogue::store::save_item(conn, None, &f, &[], &change)?;
    let now = db::now();
    db::write_tx(conn, |c| {
        let owner_email = "owner@bench.zhongjie.test".to_string();
        diesel::insert_into(users::table)
            .values(&user(
                "owner",
                owner_email.clone(),
                Some(zhongjie::domain::uscc::generate(1).as_str().to_string()),
                0,
            ))
            .execute(c)?;
        let owner: i64 = users::table
            .filter(users::email.eq(&owner_email))
            .select(users::id)
            .first(c)?;
        diesel::insert_into(projects::table)
            .values((
                projects::owner_id.eq(owner),
                projects::name.eq("攀枝花市某建设项目"),
                projects::code.eq("2026-510400-00-01-000001"),
                projects::region.eq("pzh_dongqu"),
                projects::fiscal_funds.eq(true),
                projects::total_investment_fen.eq(10_000_000_000i64),
                projects::created_at.eq(now),
                projects::updated_at.eq(now),
            ))
            .execute(c)?;
        let project: i64 = projects::table.select(projects::id).first(c)?;
        let new_users: Vec<_> = (0..AGENCIES)
            .map(|i| {
                let uscc = zhongjie::domain::uscc::generate(10_000 + i as u64);
                let email = format!("bench{i}@bench.zhongjie.test");
                user("agency", email, Some(uscc.as_str().to_string()), i + 1)
            })
            .collect();
        for ch in new_users.chunks(250) {
            batch_insert!(&mut *c, users::table, ch)?;
        }
        let ids: Vec<(i64, Option<String>)> = users::table
            .filter(users::role.eq("agency"))
            .order(users::id)
            .select((users::id, users::uscc))
            .load(c)?;
        let ag: Vec<_> = ids
            .iter()
            .map(|(id, uscc)| {
                (
                    agencies::user_id.eq(*id),
                    agencies::name.eq(format!("攀枝花蜀环环评科技{id}有限公司")),
                    agencies::uscc.eq(uscc.clone().unwrap_or_default()),
                    agencies::region.eq("pzh_dongqu"),
                    agencies::contact_phone.eq("13900000000"),
                    agencies::status.eq("active"),
                    agencies::version.eq(1),
                    agencies::created_at.eq(now),
                    agencies::updated_at.eq(now),
                )
            })
            .collect();
        let items: Vec<_> = ids
            .iter()
            .map(|(id, _)| {
                (
                    agency_items::agency_id.eq(*id),
                    agency_items::item_id.eq(item),
                    agency_items::fee_standard.eq("按国家及行业收费标准"),
                    agency_items::fee_min_fen.eq(Some(100_000i64)),
                    agency_items::fee_max_fen.eq(Some(300_000i64)),
                    agency_items::committed_days.eq(10),
                    agency_items::created_at.eq(now),
                )
            })
            .collect();
        for ch in ag.chunks(250) {
            batch_insert!(&mut *c, agencies::table, ch)?;
        }
        for ch in items.chunks(250) {
            batch_insert!(&mut *c, agency_items::table, ch)?;
        }
        let agencies: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
        let mut sessions = Vec::with_capacity(AGENCIES);
        for id in &agencies {
            let s = zhongjie::auth::session::create(c, *id, "127.0.0.1", "bench")?;
            sessions.push((s.token, s.csrf));
        }
        let far = now + chrono::Duration::days(30);
        let pom = (project, owner, item);
        let a1 = announcement(c, pom, "bench A1: the deadline race", far)?;
        let a2 = announcement(c, pom, "bench A2: sustained quotes", far)?;
        let a3 = announcement(c, pom, "bench A3: opening 1,000 quotes", far)?;
        register(c, a1, &agencies[..RACERS])?;
        register(c, a2, &agencies[..RACERS])?;
        register(c, a3, &agencies)?;
        // A3: 1,000 sealed quotes exactly as `save_quote` stores them, distinct amounts in
        // 500,000–600,000 yuan (none abnormally low: the lowest mode picks the minimum).
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut lowest = (0, i64::MAX);
        let mut rows = Vec::with_capacity(AGENCIES);
        for (i, id) in agencies.iter().enumerate() {
            let fen = 50_000_000 + (rng.below(10_000) * AGENCIES + i) as i64;
            if fen < lowest.1 {
                lowest = (*id, fen);
            }
            let nonce = seal::new_nonce().unwrap();
            let sealed = seal::seal_quote(
                &KEY,
                a3,
                *id,
                &seal::Sealed {
                    amount_fen: fen,
                    nonce: nonce.clone(),
                    note: String::new(),
                },
            )
            .unwrap();
            rows.push((
                quotes::announcement_id.eq(a3),
                quotes::agency_id.eq(*id),
                quotes::status.eq("active"),
                quotes::sealed.eq(sealed),
                quotes::commitment.eq(seal::commitment(a3, *id, Money::from_fen(fen), &nonce)),
                quotes::announcement_version.eq(1),
                quotes::revision.eq(1),
                quotes::submitted_at.eq(now),
                quotes::client_addr.eq("127.0.0.1"),
            ));
        }
        for ch in rows.chunks(200) {
            batch_insert!(&mut *c, quotes::table, ch)?;
        }
        Ok(World {
            agencies,
            sessions,
            a1,
            a2,
            a3,
            a3_lowest: lowest,
        })
    })
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)] as f64 / 1000.0
}

/// One quote through the HTTP stack: (status or 0 on a transport error, the receipt's address
/// for a taken quote, else the body).
async fn post_quote(
    client: &reqwest::Client,
    base: &str,
    a: i64,
    (token, csrf): &(String, String),
    fen: i64,
) -> (u16, String) {
    let amount = format!("{}.{:02}", fen / 100, fen % 100);
    let r = client
        .post(format!("{base}/announcements/{a}/quote"))
        .header("cookie", format!("zj_session={token}"))
        .form(&[("amount", amount.as_str()), ("note", ""), ("csrf", csrf)])
        .send()
        .await;
    match r {
        Ok(r) => {
            let st = r.status().as_u16();
            let to = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match to {
                Some(to) => (st, to),
                None => (st, r.text().await.unwrap_or_default()),
            }
        }
        Err(_) => (0, String::new()),
    }
}

/// The submission number `n` of a receipt address `…/receipts/{n}`.
fn receipt_number(location: &str) -> Option<i64> {
    location.rsplit_once("/receipts/")?.1.parse().ok()
}

/// Reads `url` on `conns` connections until `stop`; returns (start offset from `t0`, latency)
/// in microseconds per successful request, and the errors.
async fn reader(
    client: reqwest::Client,
    url: String,
    conns: usize,
    t0: Instant,
    stop: Arc<AtomicBool>,
) -> (Vec<(u64, u64)>, usize) {
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (client, url, stop) = (client.clone(), url.clone(), stop.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let (mut lat, mut errors) = (Vec::new(), 0);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        let s = (t - t0).as_micros() as u64;
                        lat.push((s, t.elapsed().as_micros() as u64));
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    (all, errors)
}

/// req/s and p99 (ms) of the requests started within [from, to) µs.
fn window(all: &[(u64, u64)], from: u64, to: u64) -> (usize, f64, f64) {
    let mut l: Vec<u64> = all
        .iter()
        .filter(|(s, _)| *s >= from && *s < to)
        .map(|(_, l)| *l)
        .collect();
    l.sort_unstable();
    let secs = (to.saturating_sub(from)) as f64 / 1e6;
    (l.len(), l.len() as f64 / secs.max(1e-9), pct(&l, 0.99))
}

fn rss(pid: u32) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn start_child(cfg: &Config) -> Option<std::process::Child> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || std::env::var("ZJ_BENCH_INPROC").is_ok() {
        return None;
    }
    let child = std::process::Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_zhongjie"), "serve"])
        .args(["--bind", &cfg.bind])
        .env("DATABASE_URL", &cfg.database_url)
        .env("ZJ_DATA_DIR", &cfg.data_dir)
        .env("ZJ_PUBLIC_URL", &cfg.public_url)
        .env("ZJ_SEALING_KEY", "07".repeat(32))
        .env("ZJ_RUN_JOBS", "0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let pinned = std::process::Command::new("taskset")
        .args(["-a", "-c", "-p", "1", &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !pinned {
        println!("warning: could not pin the load generator to core 1");
    }
    Some(child)
}

fn drop_pg_database(base: &str, name: &str) {
    match diesel::PgConnection::establish(base).and_then(|mut c| {
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
    }) {
        Ok(_) => println!("dropped database {name}"),
        Err(e) => println!("could not drop database {name}: {e}"),
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn main() {
    // `ZJ_BENCH_LOG=opening=debug,sql=trace`: this process's own log (the opening's phases and
    // statements), apart from the server's `RUST_LOG`.
    if let Ok(f) = std::env::var("ZJ_BENCH_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(f))
            .with_writer(std::io::stderr)
            .try_init();
    }
    let only = std::env::var("ZJ_BENCH_ONLY").unwrap_or_default();
    let pg_url = std::env::var("ZJ_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    if only.is_empty() && pg_url.is_some() {
        return both_backends();
    }
    let secs: f64 = std::env::var("ZJ_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    let dir = tempfile::tempdir().unwrap();
    let mut pg_made: Option<(String, String)> = None;
    let (url, backend) = match pg_url.filter(|_| only != "sqlite") {
        Some(base) => {
            let name = format!("zj_bench_q_{}", std::process::id());
            let mut c = diesel::PgConnection::establish(&base).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .unwrap();
            let mut u = url::Url::parse(&base).unwrap();
            u.set_path(&format!("/{name}"));
            pg_made = Some((base.clone(), name));
            (u.to_string(), "PostgreSQL")
        }
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "SQLite",
        ),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = Config {
        database_url: url,
        bind: format!("127.0.0.1:{port}"),
        data_dir: dir.path().to_path_buf(),
        smtp_url: None,
        mail_from: "bench <noreply@zhongjie.test>".into(),
        public_url: format!("http://127.0.0.1:{port}"),
        sealing_key: KEY,
        sealing_key_source: zhongjie::config::SealingKeySource::Env,
        instance_id: "bench".into(),
        max_concurrent_hashes: 1,
        job_poll_ms: 1000,
        run_jobs: false,
        page_cache: true,
        page_stamp_ms: 100,
    };
    let pool = match zhongjie::startup::open_database(&cfg) {
        Ok(p) => p,
        Err(e) => {
            println!("cannot open the database: {e}");
            if let Some((b, n)) = &pg_made {
                drop_pg_database(b, n);
            }
            std::process::exit(1);
        }
    };
    let t = Instant::now();
    let world = match seed(&mut pool.get().unwrap()) {
        Ok(w) => w,
        Err(e) => {
            println!("seeding failed: {e}");
            if let Some((b, n)) = &pg_made {
                drop_pg_database(b, n);
            }
            std::process::exit(1);
        }
    };
    println!(
        "backend {backend}: seeded {AGENCIES} agencies, sessions, 3 announcements and 1,000 sealed quotes in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if pg_made.is_some() {
        // The seed's writes (and a previous bench's bulk loads) are flushed before the
        // scenarios, so that no checkpoint of them falls into one.
        use diesel::connection::SimpleConnection;
        pool.get().unwrap().batch_execute("CHECKPOINT").unwrap();
    }

    let child = start_child(&cfg);
    let server_pid = match &child {
        Some(c) => {
            println!(
                "server: zhongjie serve, pid {}, pinned to core 0; bench pinned to core 1",
                c.id()
            );
            c.id()
        }
        None => {
            println!("server: in this process, unpinned (figures include the load generator)");
            let (cfg2, pool2) = (cfg.clone(), pool.clone());
            std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let app = zhongjie::startup::Application::build(cfg2, pool2).unwrap();
                    let _ = app.run_until_stopped().await;
                })
            });
            std::process::id()
        }
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(&cfg.bind).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let world = Arc::new(world);
    let w = world.clone();
    let pool2 = pool.clone();
    let report = local.block_on(&rt, async move {
        // A taken quote answers 303 to its receipt's address; the bench measures the quote
        // itself and checks the receipt in the database, so it does not follow.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(INFLIGHT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut out = Vec::new();
        // Warm-up: connections, statement caches (revisions on A2, agencies 0..63).
        let sem = Arc::new(tokio::sync::Semaphore::new(INFLIGHT));
        let mut tasks = Vec::new();
        for i in 0..INFLIGHT * 2 {
            let (client, base, w) = (client.clone(), base.clone(), w.clone());
            tasks.push(tokio::task::spawn_local(async move {
                post_quote(&client, &base, w.a2, &w.sessions[i % INFLIGHT], 60_000_000).await.0
            }));
        }
        let warm_ok = futures_ok(tasks).await;
        out.push(format!("warm-up: {warm_ok}/{} quotes accepted", INFLIGHT * 2));

        // ---------------------------------------------------------- 1. the deadline race
        let deadline = db::now() + chrono::Duration::milliseconds(3000);
        {
            let mut c = pool2.get().unwrap();
            db::write_tx(&mut c, |c| {
                diesel::update(announcements::table.find(w.a1))
                    .set(announcements::deadline.eq(deadline))
                    .execute(c)
            })
            .unwrap();
        }
        let until = (deadline - db::now()).to_std().unwrap();
        let d_at = Instant::now() + until;
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        // (agency index, moment relative to the deadline in µs)
        let mut plan: Vec<(usize, i64)> = (0..RACERS)
            .map(|i| (i, -(1 + rng.below(1_000_000) as i64)))
            .collect();
        let mut late_set = std::collections::HashSet::new();
        while late_set.len() < LATE {
            late_set.insert(rng.below(RACERS));
        }
        plan.extend(late_set.iter().map(|&i| (i, rng.below(200_000) as i64)));
        let mut tasks = Vec::new();
        for (i, at) in plan {
            let (client, base, w, sem) = (client.clone(), base.clone(), w.clone(), sem.clone());
            let when = if at < 0 {
                d_at - Duration::from_micros((-at) as u64)
            } else {
                d_at + Duration::from_micros(at as u64)
            };
            tasks.push(tokio::task::spawn_local(async move {
                tokio::time::sleep_until(when.into()).await;
                let _permit = sem.acquire().await.unwrap();
                let sent = Instant::now();
                let fen = 50_000_000 + (i as i64) * 100;
                let (st, body) = post_quote(&client, &base, w.a1, &w.sessions[i], fen).await;
                let lat = sent.elapsed().as_micros() as u64;
                (i, sent < d_at, st, receipt_number(&body), lat)
            }));
        }
        let mut res = Vec::new();
        for t in tasks {
            res.push(t.await.unwrap());
        }
        let mut c = pool2.get().unwrap();
        let rows: Vec<(i64, NaiveDateTime)> = quotes::table
            .filter(quotes::announcement_id.eq(w.a1))
            .select((quotes::agency_id, quotes::submitted_at))
            .load(&mut c)
            .unwrap();
        // Receipts stored per agency: a taken quote's receipt `n` must be among them.
        let mut receipts: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        for ag in quote_receipts::table
            .filter(quote_receipts::announcement_id.eq(w.a1))
            .select(quote_receipts::agency_id)
            .load::<i64>(&mut c)
            .unwrap()
        {
            *receipts.entry(ag).or_default() += 1;
        }
        let have: std::collections::HashSet<i64> = rows.iter().map(|r| r.0).collect();
        let accepted = res.iter().filter(|r| r.2 == 303).count();
        let r409 = res.iter().filter(|r| r.2 == 409).count();
        let other4 = res.iter().filter(|r| (400..500).contains(&r.2) && r.2 != 409).count();
        let errors = res.iter().filter(|r| r.2 == 0 || r.2 >= 500).count();
        let lost = res
            .iter()
            .filter(|r| r.2 == 303)
            .filter(|r| {
                let ag = w.agencies[r.0];
                !have.contains(&ag)
                    || r.3.is_none_or(|n| receipts.get(&ag).copied().unwrap_or(0) < n)
            })
            .count();
        let late = rows.iter().filter(|r| r.1 > deadline).count();
        let early_refused = res.iter().filter(|r| r.1 && r.2 == 409).count();
        let late_sent_ok = res
            .iter()
            .filter(|r| !r.1 && r.2 == 303)
            .count();
        let mut lat: Vec<u64> = res.iter().map(|r| r.4).collect();
        lat.sort_unstable();
        let (p50, p99) = (pct(&lat, 0.5), pct(&lat, 0.99));
        out.push(format!(
            "\n1. deadline race: {} requests ({RACERS} in the last second, {LATE} in the 200 ms after), at most {INFLIGHT} in flight",
            res.len()
        ));
        out.push(format!("   accepted (303 to the receipt)        {accepted}"));
        out.push(format!("   refused 409                          {r409}"));
        out.push(format!("   refused other 4xx                    {other4}"));
        out.push(format!("   errors (transport, 5xx)              {errors}"));
        out.push(format!("   quote rows in the database           {}", rows.len()));
        out.push(format!("   lost (accepted, no row/receipt)      {lost}"));
        out.push(format!("   accepted-after-deadline (rows)       {late}"));
        out.push(format!("   sent before the deadline, refused    {early_refused}"));
        out.push(format!("   sent after the deadline, accepted    {late_sent_ok}"));
        out.push(format!("   latency p50 {p50:.2} ms, p99 {p99:.2} ms"));
        out.push(format!("   {} lost = 0", verdict(lost == 0)));
        out.push(format!("   {} accepted-after-deadline = 0", verdict(late == 0 && late_sent_ok == 0)));
        out.push(format!("   {} p99 <= 50 ms ({p99:.2} ms)", verdict(p99 <= 50.0)));
        summary(&mut out, "deadline race: accepted / refused (409)", format!("{accepted} / {r409}"), "");
        summary(
            &mut out,
            "lost, accepted late, sent in time but refused",
            format!("{lost}, {}, {early_refused}", late + late_sent_ok),
            "0, 0, 0",
        );
        summary(&mut out, "race p50 / p99 ms", format!("{p50:.1} / {p99:.1} {}", verdict(p99 <= 50.0)), "p99 <= 50");

        // ---------------------------------------------------------- 2. sustained quotes/s
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..INFLIGHT {
            let (client, base, w, stop) = (client.clone(), base.clone(), w.clone(), stop.clone());
            tasks.push(tokio::task::spawn_local(async move {
                let (mut lat, mut bad, mut n) = (Vec::new(), 0, 0i64);
                let mut i = k;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    n += 1;
                    let fen = 55_000_000 + n * 100 + i as i64;
                    let (st, _) = post_quote(&client, &base, w.a2, &w.sessions[i], fen).await;
                    if st == 303 {
                        lat.push(t.elapsed().as_micros() as u64);
                    } else {
                        bad += 1;
                    }
                    i = if i + INFLIGHT < RACERS { i + INFLIGHT } else { k };
                }
                (lat, bad)
            }));
        }
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        stop.store(true, Ordering::Relaxed);
        let (mut lat, mut bad) = (Vec::new(), 0);
        for t in tasks {
            let (l, b) = t.await.unwrap();
            lat.extend(l);
            bad += b;
        }
        let el = started.elapsed().as_secs_f64();
        lat.sort_unstable();
        summary(
            &mut out,
            "sustained durable quotes/s (p99 ms)",
            format!("{:.0} ({:.1})", lat.len() as f64 / el, pct(&lat, 0.99)),
            ">= 1800 SQLite, >= 1100 PostgreSQL",
        );
        out.push(format!(
            "\n2. sustained durable quotes: {INFLIGHT} workers, {secs} s: {:.0} quotes/s, p50 {:.2} ms, p99 {:.2} ms, {} accepted, {bad} not accepted",
            lat.len() as f64 / el,
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            lat.len()
        ));

        // ---------------------------------------------------------- 3. opening 1,000 quotes
        db::write_tx(&mut c, |c| {
            diesel::update(announcements::table.find(w.a3))
                .set(announcements::deadline.eq(db::now() - chrono::Duration::seconds(1)))
                .execute(c)
        })
        .unwrap();
        drop(c);
        let stop = Arc::new(AtomicBool::new(false));
        let t0 = Instant::now();
        let list = tokio::task::spawn_local(reader(
            client.clone(),
            format!("{base}/agencies"),
            16,
            t0,
            stop.clone(),
        ));
        tokio::time::sleep(Duration::from_secs_f64(1.5)).await;
        let pool3 = pool2.clone();
        let a3 = w.a3;
        let (from, to, opened, (open_ms, told, tell_ms)) = tokio::task::spawn_blocking(move || {
            let mut c = pool3.get().unwrap();
            let from = t0.elapsed().as_micros() as u64;
            let t = Instant::now();
            let r =
                zhongjie::selection::steps::opening::open_only_if_due(&mut c, &KEY, a3, "bench");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            // The participants' notice, in its own transaction after the opening's commit.
            let t = Instant::now();
            let told = zhongjie::selection::steps::opening::tell_opened(&mut c, a3);
            let tell_ms = t.elapsed().as_secs_f64() * 1000.0;
            let told = told.map_err(|e| e.to_string());
            (from, t0.elapsed().as_micros() as u64, r.map_err(|e| e.to_string()), (ms, told, tell_ms))
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_secs_f64(0.5)).await;
        stop.store(true, Ordering::Relaxed);
        let (all, list_errors) = list.await.unwrap();
        let (nb, rb, pb) = window(&all, 0, from);
        let (nw, rw, pw) = window(&all, from, to);
        let mut c = pool2.get().unwrap();
        let result: Option<(Option<i64>, Option<i64>)> = announcement_results::table
            .find(a3)
            .select((
                announcement_results::winner_id,
                announcement_results::winner_amount_fen,
            ))
            .first(&mut c)
            .optional()
            .unwrap();
        let status: String = announcements::table
            .find(a3)
            .select(announcements::status)
            .first(&mut c)
            .unwrap();
        let winner_ok = result.is_some_and(|(wid, fen)| {
            wid == Some(w.a3_lowest.0) && fen == Some(w.a3_lowest.1)
        });
        out.push(
            "\n3. opening 1,000 sealed quotes (open_only_if_due in the bench process) while 16 connections read /agencies"
                .to_string(),
        );
        out.push(format!(
            "   opening (open_only_if_due): {opened:?} in {open_ms:.1} ms; status now {status}"
        ));
        out.push(format!(
            "   then the 1,000 bidders' notice (tell_opened, its own transaction): {told:?} in {tell_ms:.1} ms"
        ));
        out.push(format!(
            "   result row {:?} (winner, fen); lowest seeded quote {:?}",
            result, w.a3_lowest
        ));
        out.push(format!("   /agencies before: {nb} req, {rb:.0} req/s, p99 {pb:.2} ms"));
        out.push(format!("   /agencies during: {nw} req, {rw:.0} req/s, p99 {pw:.2} ms"));
        out.push(format!("   /agencies errors: {list_errors}"));
        out.push(format!("   {} opening <= 50 ms ({open_ms:.1} ms)", verdict(open_ms <= 50.0)));
        summary(&mut out, "open 1,000 sealed quotes, ms", format!("{open_ms:.1} {}", verdict(open_ms <= 50.0)), "<= 50");
        summary(&mut out, "then tell the 1,000 bidders, ms", format!("{tell_ms:.1}"), "");
        out.push(format!(
            "   {} result row present and the winner is the lowest quote",
            verdict(winner_ok && opened == Ok(true))
        ));
        out
    });
    let mem = rss(server_pid);
    if let Some(mut c) = child {
        let _ = c.kill();
        let _ = c.wait();
    }
    drop(pool);
    if let Some((b, n)) = &pg_made {
        drop_pg_database(b, n);
    }
    println!("\nbackend {backend}");
    for l in report {
        // The side-by-side figures go to the run of both backends only.
        if only.is_empty() && l.starts_with(SUMMARY) {
            continue;
        }
        println!("{l}");
    }
    println!("\nserver memory at the end: {mem}");
    if !only.is_empty() {
        println!(
            "{SUMMARY}server memory at the end (VmRSS)\t{}\t",
            mem.split("VmRSS:").nth(1).unwrap_or("").trim()
        );
    }
}

/// Marks a line of the side-by-side table (see [`both_backends`]).
const SUMMARY: &str = "SUMMARY\t";

/// One figure for the side-by-side table: `key`, this backend's `value`, the `target`.
fn summary(out: &mut Vec<String>, key: &str, value: String, target: &str) {
    out.push(format!("{SUMMARY}{key}\t{value}\t{target}"));
}

/// SQLite and then PostgreSQL, each in a run of this binary of its own (`ZJ_BENCH_ONLY`),
/// their reports in full and then their figures side by side with the targets.
fn both_backends() {
    let exe = std::env::current_exe().unwrap();
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut cols: Vec<Vec<String>> = Vec::new();
    for b in ["sqlite", "pg"] {
        let out = std::process::Command::new(&exe)
            .args(std::env::args().skip(1))
            .env("ZJ_BENCH_ONLY", b)
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut col = Vec::new();
        for line in text.lines() {
            match line.strip_prefix(SUMMARY) {
                Some(s) => {
                    let f: Vec<&str> = s.split('\t').collect();
                    if rows.len() <= col.len() {
                        rows.push((f[0].to_string(), f.get(2).unwrap_or(&"").to_string()));
                    }
                    col.push(f.get(1).unwrap_or(&"").to_string());
                }
                None => println!("{line}"),
            }
        }
        cols.push(col);
    }
    println!(
        "\n{:<48}{:>24}{:>28}{:>36}",
        "side by side", "SQLite", "PostgreSQL", "target"
    );
    for (i, (key, target)) in rows.iter().enumerate() {
        let cell = |c: usize| cols[c].get(i).cloned().unwrap_or_default();
        println!("{key:<48}{:>24}{:>28}{:>36}", cell(0), cell(1), target);
    }
}

async fn futures_ok(tasks: Vec<tokio::task::JoinHandle<u16>>) -> usize {
    let mut n = 0;
    for t in tasks {
        if t.await.unwrap() == 303 {
            n += 1;
        }
    }
    n
}
