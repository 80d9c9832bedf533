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
//! - uncached requests of a signed-in owner, each to an address of its own (`/stats?n=…`, a
//!   parameter the page ignores), so every one reads and renders everything as the first
//!   request after a change does: median and p99, against the target;
//! - a signed-in owner's requests of the same address: the page's title and content come
//!   from the page cache and are framed in the owner's layout (`Ctx::page_keys`);
//! - a visitor's requests once cached (the whole page): median and p99.
//!
//! Settings: `ZJ_BENCH_N` (agencies, default 100000), `ZJ_BENCH_ANNOUNCEMENTS` (default
//! 10000), `ZJ_BENCH_REPEAT` (requests per path, default 50), `ZJ_BENCH_DATABASE_URL`.
//! Prints PASS/FAIL against the target of 50 ms for the uncached page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{BenchDb, env_usize, sign_in};

const TARGET_MS: f64 = 50.0;

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

fn main() {
    let n = env_usize("ZJ_BENCH_N", 100_000);
    let m = env_usize("ZJ_BENCH_ANNOUNCEMENTS", 10_000);
    let repeat = env_usize("ZJ_BENCH_REPEAT", 50).max(2);
    let dir = tempfile::tempdir().unwrap();
    let db = BenchDb::create(BenchDb::pg_from_env().as_deref(), "stats", dir.path());
    let backend = db.backend;
    let port = common::free_port();
    let mut cfg = common::config(db.url.clone(), dir.path(), port);
    cfg.page_cache = true;
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
        db.drop();
        std::process::exit(1);
    }
    common::serve_in_process(&cfg);
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (first, uncached, signed_in, cached) = rt.block_on(async {
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
        sign_in(&owner, &base, "owner@demo.zhongjie.cn").await;
        let mut uncached = Vec::with_capacity(repeat);
        for i in 0..repeat {
            uncached.push(timed(&owner, &format!("{page}?n={i}")).await);
        }
        let mut signed_in = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            signed_in.push(timed(&owner, &page).await);
        }
        let mut cached = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            cached.push(timed(&visitor, &page).await);
        }
        (first, spread(uncached), spread(signed_in), spread(cached))
    });
    println!("/stats on {backend}, {n} agencies, {m} announcements (ms, loopback round trip):");
    println!("  first request (uncached, a visitor)     {first:8.1}");
    println!(
        "  uncached (signed in, new address each)  median {:8.1}  p99 {:8.1}  ({repeat} requests)",
        uncached.0, uncached.1
    );
    println!(
        "  signed in, shared parts cached          median {:8.1}  p99 {:8.1}  ({repeat} requests)",
        signed_in.0, signed_in.1
    );
    println!(
        "  visitor, whole page cached              median {:8.1}  p99 {:8.1}  ({repeat} requests)",
        cached.0, cached.1
    );
    let pass = uncached.0 < TARGET_MS;
    println!(
        "{}: uncached median {:.1} ms against the target of {TARGET_MS} ms",
        if pass { "PASS" } else { "FAIL" },
        uncached.0
    );
    db.drop();
}
