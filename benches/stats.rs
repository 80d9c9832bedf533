//! Render time of `/stats` for the whole demo: `cargo bench --bench stats`.
//!
//! Loads the demo and its bulk data (`zhongjie demo --agencies N --announcements M`: 100,000
//! agencies and 10,000 announcements with their quotes, results, contracts and ratings by
//! default) into a fresh database — a temporary SQLite file, or a new database on the
//! PostgreSQL server named by `ZJ_BENCH_DATABASE_URL` (dropped at the end) — starts the real
//! application in this process on a loopback port and times `/stats` (the default period,
//! all departments):
//!
//! - the first request of a visitor (nothing cached yet);
//! - a signed-in owner's requests (never served from the page cache): median and p99;
//! - a visitor's requests once cached: median and p99.
//!
//! Settings: `ZJ_BENCH_N` (agencies, default 100000), `ZJ_BENCH_ANNOUNCEMENTS` (default
//! 10000), `ZJ_BENCH_REPEAT` (requests per path, default 50), `ZJ_BENCH_DATABASE_URL`.
//! Prints PASS/FAIL against the target of 50 ms for the uncached page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use diesel::prelude::*;
use zhongjie::config::Config;

const TARGET_MS: f64 = 50.0;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_string())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (median, p99) in milliseconds.
fn spread(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

async fn timed(client: &reqwest::Client, url: &str) -> f64 {
    let t = Instant::now();
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{url}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("id=\"fulfilment\""),
        "the page has its charts"
    );
    ms(t.elapsed())
}

fn drop_pg_database(base: &str, name: &str) {
    if let Ok(mut c) = diesel::PgConnection::establish(base) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c);
    }
}

fn config(url: String, dir: &std::path::Path, port: u16) -> Config {
    Config {
        database_url: url,
        bind: format!("127.0.0.1:{port}"),
        data_dir: dir.to_path_buf(),
        smtp_url: None,
        mail_from: "bench <noreply@zhongjie.test>".into(),
        public_url: format!("http://127.0.0.1:{port}"),
        sealing_key: [7u8; 32],
        sealing_key_source: zhongjie::config::SealingKeySource::Env,
        instance_id: "bench".into(),
        max_concurrent_hashes: 1,
        job_poll_ms: 1000,
        run_jobs: false,
        page_cache: true,
        page_stamp_ms: 100,
    }
}

fn main() {
    let n = env_usize("ZJ_BENCH_N", 100_000);
    let m = env_usize("ZJ_BENCH_ANNOUNCEMENTS", 10_000);
    let repeat = env_usize("ZJ_BENCH_REPEAT", 50).max(2);
    let dir = tempfile::tempdir().unwrap();
    let mut pg_made: Option<(String, String)> = None;
    let (url, backend) = match std::env::var("ZJ_BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let name = format!("zj_bench_stats_{}", std::process::id());
            let mut c = diesel::PgConnection::establish(&base).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .unwrap();
            let mut u = url::Url::parse(&base).unwrap();
            u.set_path(&format!("/{name}"));
            pg_made = Some((base.clone(), name));
            (u.to_string(), "PostgreSQL")
        }
        _ => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "SQLite",
        ),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = config(url, dir.path(), port);
    let seeded = std::panic::catch_unwind(|| {
        let pool = zhongjie::startup::open_database(&cfg).unwrap();
        let t = Instant::now();
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
        zhongjie::demo::bulk(&mut c, n, m).unwrap();
        println!(
            "backend {backend}: demo + {n} agencies + {m} announcements loaded in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    });
    if seeded.is_err() {
        if let Some((base, name)) = &pg_made {
            drop_pg_database(base, name);
        }
        std::process::exit(1);
    }
    let cfg2 = cfg.clone();
    std::thread::spawn(move || {
        let pool = zhongjie::startup::open_database(&cfg2).unwrap();
        actix_web::rt::System::new().block_on(async move {
            let app = zhongjie::startup::Application::build(cfg2, pool).unwrap();
            let _ = app.run_until_stopped().await;
        })
    });
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (first, signed_in, cached) = rt.block_on(async {
        let visitor = reqwest::Client::new();
        for _ in 0..200 {
            if visitor.get(format!("{base}/login")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let page = format!("{base}/stats");
        let first = timed(&visitor, &page).await;
        let owner = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let login = owner.get(format!("{base}/login")).send().await.unwrap();
        let token = csrf_in(&login.text().await.unwrap()).unwrap_or_default();
        let r = owner
            .post(format!("{base}/login"))
            .form(&[
                ("email", "owner@demo.zhongjie.cn"),
                ("password", zhongjie::demo::DEMO_PASSWORD),
                ("next", "/my"),
                ("csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "the demo owner signs in");
        let mut signed_in = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            signed_in.push(timed(&owner, &page).await);
        }
        let mut cached = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            cached.push(timed(&visitor, &page).await);
        }
        (first, spread(signed_in), spread(cached))
    });
    println!("/stats on {backend}, {n} agencies, {m} announcements (ms, loopback round trip):");
    println!("  first request (uncached)       {first:8.1}");
    println!(
        "  signed in, uncached  median {:8.1}  p99 {:8.1}  ({repeat} requests)",
        signed_in.0, signed_in.1
    );
    println!(
        "  visitor, cached      median {:8.1}  p99 {:8.1}  ({repeat} requests)",
        cached.0, cached.1
    );
    let pass = signed_in.0 < TARGET_MS;
    println!(
        "{}: uncached median {:.1} ms against the target of {TARGET_MS} ms",
        if pass { "PASS" } else { "FAIL" },
        signed_in.0
    );
    if let Some((base, name)) = &pg_made {
        drop_pg_database(base, name);
    }
}
