//! The audit chain's ceiling (issue 17, item 4): `cargo bench --bench audit_chain`.
//!
//! Every audited write of every instance appends to one hash chain, serialised by one lock
//! (an advisory transaction lock on PostgreSQL, the write lock on SQLite) held until the write
//! commits. This bench measures how many appends per second that one chain takes: 64 writers
//! spread over two pools (two app instances against one PostgreSQL server), each running
//! `audit::record` in its own durable write transaction, as fast as they can for
//! `ZJ_BENCH_SECS` seconds (default 5). A second round adds the work of a typical step before
//! the entry (one row inserted in the same transaction, the shape of a quote), which holds the
//! lock no longer: the entry is the last thing a step writes. On SQLite (no
//! `ZJ_BENCH_DATABASE_URL`) it runs the same with one pool, for comparison.
//!
//! It prints appends/s and the p50/p99 of one append's transaction, and checks the chain
//! still verifies. ARCHITECTURE.md turns the figure into the province-wide load it can carry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use zhongjie::audit::{self, Actor};
use zhongjie::db::{self, Pool};

const WRITERS: usize = 64;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs `WRITERS` threads over `pools` for `secs`, each appending in its own transaction;
/// with `step_row` the transaction first writes a row elsewhere, as a step does.
fn round(pools: &[Pool], secs: f64, step_row: bool) -> (f64, f64, f64, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let pool = pools[w % pools.len()].clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut c = pool.get().unwrap();
                let actor = Actor::system();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    db::write_tx(&mut c, |c| {
                        if step_row {
                            use zhongjie::db::schema::messages;
                            diesel::insert_into(messages::table)
                                .values((
                                    messages::user_id.eq(1i64),
                                    messages::subject.eq("bench"),
                                    messages::body.eq("bench"),
                                    messages::created_at.eq(db::now()),
                                ))
                                .execute(c)?;
                        }
                        audit::record(
                            c,
                            &actor,
                            "bench.append",
                            "bench",
                            w * 1_000_000 + n as usize,
                            &n,
                            "",
                        )
                    })
                    .unwrap();
                    lat.push(t.elapsed());
                    n += 1;
                }
                lat
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    (
        all.len() as f64 / elapsed,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.len(),
    )
}

fn main() {
    let secs: f64 = std::env::var("ZJ_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let dir = tempfile::tempdir().unwrap();
    let mut made: Option<(String, String)> = None;
    let (url, backend, instances) = match std::env::var("ZJ_BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let name = format!("zj_bench_audit_{}", std::process::id());
            let mut c = diesel::PgConnection::establish(&base).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .unwrap();
            let mut u = url::Url::parse(&base).unwrap();
            u.set_path(&format!("/{name}"));
            made = Some((base.clone(), name));
            (u.to_string(), "PostgreSQL", 2)
        }
        _ => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "SQLite",
            1,
        ),
    };
    let per_pool = u32::try_from(WRITERS / instances).unwrap();
    let pools: Vec<Pool> = (0..instances)
        .map(|_| db::connect(&url, per_pool).unwrap())
        .collect();
    {
        let mut c = pools[0].get().unwrap();
        db::migrate(&mut c).unwrap();
        // One account for the step rows to belong to.
        use zhongjie::db::schema::users;
        diesel::insert_into(users::table)
            .values((
                users::id.eq(1i64),
                users::role.eq("admin"),
                users::email.eq("bench@bench.zhongjie.test"),
                users::password_hash.eq("x"),
                users::org_name.eq("bench"),
                users::contact_name.eq("bench"),
                users::phone.eq("13800000000"),
                users::status.eq("active"),
                users::locale.eq("zh-CN"),
                users::is_demo.eq(false),
                users::created_at.eq(db::now()),
                users::updated_at.eq(db::now()),
            ))
            .execute(&mut c)
            .unwrap();
    }
    println!(
        "audit chain on {backend}: {WRITERS} writers over {instances} instance pool(s), {secs} s per round, durable commits"
    );
    println!(
        "{:<34} {:>12} {:>10} {:>10} {:>9}",
        "round", "appends/s", "p50 ms", "p99 ms", "entries"
    );
    for (name, step_row) in [("entry alone", false), ("entry after a step's row", true)] {
        let (rate, p50, p99, n) = round(&pools, secs, step_row);
        println!("{name:<34} {rate:>12.0} {p50:>10.1} {p99:>10.1} {n:>9}");
    }
    let mut c = pools[0].get().unwrap();
    let r = audit::verify(&mut c).unwrap();
    println!(
        "chain verified: {} entries, {}",
        r.checked,
        if r.broken.is_none() {
            "intact"
        } else {
            "BROKEN"
        }
    );
    drop(c);
    drop(pools);
    if let Some((base, name)) = made {
        let mut c = diesel::PgConnection::establish(&base).unwrap();
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c);
    }
}
