//! The uncached path a signed-in user takes, and the platform's own overhead:
//! `cargo bench --bench pages`.
//!
//! For each backend — SQLite, then PostgreSQL when `ZJ_BENCH_DATABASE_URL` names a server (a
//! database is made there and dropped at the end) — it loads the demo and its bulk data
//! (`zhongjie demo --agencies 100000 --announcements 10000` by default), starts the real
//! binary pinned to core 0 and drives it from core 1 with 64 keep-alive connections of a
//! signed-in owner (never served from the page cache): the filtered agency list, a
//! two-character search, `/announcements`, `/credit`, an agency page and an awarded
//! announcement's page. The list, the search, `/credit` and the agency page keep their title
//! and content in the page cache for everybody while the audit stamp holds, and frame them in
//! the owner's layout per request; `ZJ_PAGE_CACHE=0` (the server inherits it) turns that off
//! and measures the database path, which the first request after every change takes. The ceiling is the faster of the app's trivial pages `/healthz` and
//! `/login`; a bare actix-web "hello" (this binary again, one worker, pinned to the same core)
//! is the ceiling of the platform's own overhead. Prints both backends side by side with the
//! issue's targets and PASS/FAIL, and the server's resident memory after the runs.
//!
//! Settings: `ZJ_BENCH_N` (agencies, default 100000), `ZJ_BENCH_ANNOUNCEMENTS` (default
//! 10000), `ZJ_BENCH_SECS` (per scenario, default 3), `ZJ_BENCH_CONNS` (default 64),
//! `ZJ_BENCH_DATABASE_URL` (PostgreSQL server), `ZJ_BENCH_ONLY=sqlite|pg`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::{BenchDb, Stats, env_f64, env_usize, hammer, rss, sign_in, wait_listening};

/// (scenario, wanted ratio against the ceiling, wanted p99 in ms)
const SCENARIOS: &[(&str, f64, Option<f64>)] = &[
    ("bare actix-web hello (ceiling of the stack)", 0.0, None),
    ("trivial /healthz", 0.0, None),
    ("layout page /login", 0.0, None),
    (
        "filtered list /agencies?region=pzh_dongqu",
        0.30,
        Some(15.0),
    ),
    ("two-character search /agencies?q=环评", 0.20, Some(30.0)),
    ("/announcements", 0.30, None),
    ("/credit", 0.30, None),
    ("agency page /agencies/{id}", 0.30, None),
    ("awarded announcement /announcements/{id}", 0.30, None),
];

struct Run {
    backend: &'static str,
    stats: Vec<Stats>,
    rss_mib: f64,
}

/// `zhongjie-bench-hello`: a bare actix-web server answering "hello", one worker.
fn hello(bind: &str) {
    actix_web::rt::System::new().block_on(async move {
        actix_web::HttpServer::new(|| {
            actix_web::App::new().route("/", actix_web::web::get().to(|| async { "hello" }))
        })
        .workers(1)
        .bind(bind)
        .unwrap()
        .run()
        .await
        .unwrap();
    });
}

/// The `field` of the first item of a list's JSON download (1 when the list is empty).
async fn first_id(client: &reqwest::Client, list: &str, field: &str) -> i64 {
    let page: serde_json::Value = client
        .get(format!("{list}?format=json&limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"][0][field].as_i64().unwrap_or(1)
}

fn spawn_pinned(cmd: &str, args: &[&str], envs: &[(&str, String)]) -> std::process::Child {
    let mut c = std::process::Command::new("taskset");
    c.args(["-c", "0", cmd]).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.stdout(std::process::Stdio::null()).spawn().unwrap()
}

fn run(pg: Option<&str>, n: usize, m: usize, secs: f64, conns: usize) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let db = BenchDb::create(pg, "pages", dir.path());
    let port = common::free_port();
    let cfg = common::config(db.url.clone(), dir.path(), port);
    let t = Instant::now();
    let ids = std::panic::catch_unwind(|| {
        let pool = zhongjie::startup::open_database(&cfg).unwrap();
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
        zhongjie::demo::bulk(&mut c, n, m).unwrap();
    });
    if ids.is_err() {
        db.drop();
        std::process::exit(1);
    }
    println!(
        "{}: demo + {n} agencies + {m} announcements in {:.1} s",
        db.backend,
        t.elapsed().as_secs_f64()
    );
    let hello_port = common::free_port();
    let hello_bind = format!("127.0.0.1:{hello_port}");
    let me = std::env::current_exe().unwrap();
    let mut hello_child = spawn_pinned(
        me.to_str().unwrap(),
        &[],
        &[("ZJ_BENCH_HELLO", hello_bind.clone())],
    );
    let mut server = spawn_pinned(
        env!("CARGO_BIN_EXE_zhongjie"),
        &["serve", "--bind", &cfg.bind],
        &[
            ("DATABASE_URL", cfg.database_url.clone()),
            ("ZJ_DATA_DIR", cfg.data_dir.display().to_string()),
            ("ZJ_PUBLIC_URL", cfg.public_url.clone()),
            ("ZJ_SEALING_KEY", "07".repeat(32)),
            ("ZJ_RUN_JOBS", "0".into()),
            ("RUST_LOG", "warn".into()),
        ],
    );
    if !common::pin_self("1") {
        println!("warning: could not pin the load generator to core 1");
    }
    wait_listening(&hello_bind);
    wait_listening(&cfg.bind);
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let stats = local.block_on(&rt, async move {
        let visitor = reqwest::Client::builder()
            .pool_max_idle_per_host(conns)
            .build()
            .unwrap();
        let owner = reqwest::Client::builder()
            .pool_max_idle_per_host(conns)
            .cookie_store(true)
            .build()
            .unwrap();
        sign_in(&owner, &base, "owner@demo.zhongjie.cn").await;
        let awarded = first_id(&visitor, &format!("{base}/results"), "announcement_id").await;
        let agency = first_id(&visitor, &format!("{base}/agencies"), "id").await;
        let urls = [
            (&visitor, format!("http://{hello_bind}/")),
            (&visitor, format!("{base}/healthz")),
            (&visitor, format!("{base}/login")),
            (&owner, format!("{base}/agencies?region=pzh_dongqu")),
            (&owner, format!("{base}/agencies?q=%E7%8E%AF%E8%AF%84")),
            (&owner, format!("{base}/announcements")),
            (&owner, format!("{base}/credit")),
            (&owner, format!("{base}/agencies/{agency}")),
            (&owner, format!("{base}/announcements/{awarded}")),
        ];
        for (client, u) in &urls {
            let r = client.get(u).send().await.unwrap();
            assert!(r.status().is_success(), "{u}: {}", r.status());
            let _ = hammer(client, u, conns, 0.3).await;
        }
        let mut out = Vec::new();
        for (client, u) in &urls {
            out.push(hammer(client, u, conns, secs).await);
        }
        out
    });
    let (rss_text, rss_mib) = rss(server.id());
    println!("{}: server memory after the runs: {rss_text}", db.backend);
    let _ = server.kill();
    let _ = server.wait();
    let _ = hello_child.kill();
    let _ = hello_child.wait();
    db.drop();
    Run {
        backend: db.backend,
        stats,
        rss_mib,
    }
}

fn main() {
    if let Ok(bind) = std::env::var("ZJ_BENCH_HELLO") {
        hello(&bind);
        return;
    }
    if !common::can_pin() {
        println!("this bench needs two cores (server on core 0, load on core 1)");
        return;
    }
    let n = env_usize("ZJ_BENCH_N", 100_000);
    let m = env_usize("ZJ_BENCH_ANNOUNCEMENTS", 10_000);
    let secs = env_f64("ZJ_BENCH_SECS", 3.0);
    let conns = env_usize("ZJ_BENCH_CONNS", 64);
    let only = std::env::var("ZJ_BENCH_ONLY").unwrap_or_default();
    let pg = BenchDb::pg_from_env();
    let mut runs = Vec::new();
    if only != "pg" {
        runs.push(run(None, n, m, secs, conns));
    }
    if only != "sqlite" {
        match &pg {
            Some(url) => runs.push(run(Some(url), n, m, secs, conns)),
            None => println!("PostgreSQL: set ZJ_BENCH_DATABASE_URL to measure it too"),
        }
    }
    println!(
        "\n{n} agencies, {m} announcements, {conns} connections of a signed-in owner, \
         {secs} s per scenario; req/s (p99 ms) [ratio to the ceiling]"
    );
    print!("{:<46}", "scenario");
    for r in &runs {
        print!(" {:>30}", r.backend);
    }
    println!(" {:>18}", "target");
    let mut all_pass = true;
    for (i, (name, want_ratio, want_p99)) in SCENARIOS.iter().enumerate() {
        print!("{name:<46}");
        for r in &runs {
            let s = &r.stats[i];
            // The app's ceiling: the faster of its trivial pages; the stack's: bare actix.
            let ceiling = if i == 0 {
                s.rps
            } else {
                r.stats[1].rps.max(r.stats[2].rps)
            };
            let ratio = if i == 0 { 1.0 } else { s.rps / ceiling };
            let errs = if s.errors > 0 {
                format!(" {}err", s.errors)
            } else {
                String::new()
            };
            print!(
                " {:>30}",
                format!("{:.0} ({:.1}) [{:.2}]{errs}", s.rps, s.p99_ms, ratio)
            );
            if *want_ratio > 0.0 {
                all_pass &= ratio >= *want_ratio && want_p99.is_none_or(|p| s.p99_ms <= p);
            }
        }
        let target = match (want_ratio, want_p99) {
            (r, Some(p)) if *r > 0.0 => format!("≥{r:.2}×, p99≤{p:.0}"),
            (r, None) if *r > 0.0 => format!("≥{r:.2}×"),
            _ => String::new(),
        };
        println!(" {target:>18}");
    }
    println!();
    for r in &runs {
        let hello = r.stats[0].rps;
        let trivial = r.stats[1].rps.max(r.stats[2].rps);
        let overhead = trivial / hello;
        all_pass &= overhead >= 0.5 && r.rss_mib <= 200.0;
        println!(
            "{}: app's trivial page / bare actix hello {:.2} (target ≥ 0.50: {}); \
             resident memory {:.1} MiB (target ≤ 200: {})",
            r.backend,
            overhead,
            if overhead >= 0.5 { "PASS" } else { "FAIL" },
            r.rss_mib,
            if r.rss_mib <= 200.0 { "PASS" } else { "FAIL" }
        );
    }
    println!(
        "all page targets: {}",
        if all_pass { "PASS" } else { "FAIL" }
    );
}
