//! Load benchmark of the public agency library: `cargo bench --bench listing`.
//!
//! Seeds 100,000 agencies (users, agencies, offered items, certificates, search grams) into a
//! fresh database — a temporary SQLite file, or a new database on the PostgreSQL server named
//! by `ZJ_BENCH_DATABASE_URL` — starts the real application in this process on a loopback
//! port, and drives it with 64 concurrent keep-alive connections for a fixed time per
//! scenario. Prints requests/s, p50 and p99, the ratios against a trivial page, the server's
//! resident memory, and PASS/FAIL per target of the issue.
//!
//! Settings: `ZJ_BENCH_N` (agencies, default 100000), `ZJ_BENCH_SECS` (per scenario,
//! default 3), `ZJ_BENCH_CONNS` (default 64), `ZJ_BENCH_KEEP=1` (keep the SQLite file),
//! `ZJ_BENCH_DATABASE_URL` (a PostgreSQL server: the bench creates a database there and drops
//! it at the end), `ZJ_BENCH_INPROC=1` (serve from this process instead, unpinned).
//!
//! Fair measurement: by default the server is the real binary (`zhongjie serve`) started as
//! a child pinned to core 0 (`taskset -c 0`), and this process (seeding, load generator) is
//! pinned to core 1, so the figures are not the two fighting for cores. The memory reported
//! is the server process's own (VmRSS/VmHWM from `/proc/<pid>/status`).
//!
//! The seeding below is the bench's own (batch inserts per backend), so the bench does not
//! depend on `demo::agencies::generate`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Instant;

use common::{Stats, drop_pg_database, hammer, rss, start_child, wait_listening};

use diesel::prelude::*;
use zhongjie::catalogue::store::{Change, ItemFields};
use zhongjie::db::schema::{
    agencies, agency_certificates, agency_items, agency_search_grams, users,
};
use zhongjie::db::{self, DbConnection};

const ITEMS: &[(&str, &str, &str, &str)] = &[
    (
        "ENV-001",
        "建设项目环境影响报告书（表）编制",
        "环评,环境影响评价",
        "env",
    ),
    ("ENV-002", "排污许可申请材料编制", "排污", "env"),
    (
        "ENV-003",
        "建设项目竣工环境保护验收监测",
        "验收,监测",
        "env",
    ),
    ("LAND-001", "地质灾害危险性评估", "地灾", "land"),
    ("LAND-002", "建设工程规划放线测量", "测量,放线", "land"),
    ("LAND-003", "土地勘测定界", "勘测定界", "land"),
    ("CON-001", "工程造价咨询", "预算,结算", "construction"),
    (
        "CON-002",
        "施工图设计文件审查",
        "施工图,审图",
        "construction",
    ),
    ("CON-003", "建设工程勘察", "勘察", "construction"),
    ("WAT-001", "水土保持方案编制", "水保", "water"),
    ("WAT-002", "洪水影响评价", "防洪", "water"),
    ("WAT-003", "水资源论证报告编制", "水资源", "water"),
    ("SAF-001", "安全预评价", "安评", "safety"),
    ("SAF-002", "安全验收评价", "安评,验收", "safety"),
    ("INV-001", "节能评估报告编制", "节能,能评", "investment"),
    ("INV-002", "项目可行性研究报告编制", "可研", "investment"),
    ("MKT-001", "特种设备检验检测", "特检", "market"),
    ("TRA-001", "交通影响评价", "交评", "transport"),
    ("OTH-001", "地震安全性评价", "震评,地震", "other"),
    ("OTH-002", "气候可行性论证", "气候", "other"),
];

const PLACES: &[&str] = &[
    "四川",
    "攀枝花",
    "成都",
    "云南",
    "昆明",
    "重庆",
    "贵州",
    "北京",
    "上海",
    "广东",
    "湖北",
    "陕西",
    "西昌",
    "米易",
    "盐边",
    "凉山",
];
const WORDS: &[&str] = &[
    "蜀环", "正诚", "华测", "地矿", "中测", "渝水", "国信", "天府", "金沙", "钒都", "三维", "恒信",
    "永安", "华宇", "宏达", "建科", "绿源", "清源", "博远", "智诚",
];
const TRADES: &[&str] = &[
    "环评科技",
    "工程咨询",
    "测绘",
    "造价咨询",
    "环保科技",
    "安全评价",
    "水土保持技术",
    "勘察设计",
    "环境工程",
    "检测技术",
    "规划设计",
    "节能技术",
    "环评咨询",
];
const QUALS: &[&str] = &[
    "engineering_consulting",
    "surveying_mapping",
    "geo_hazard",
    "engineering_survey",
    "water_conservation",
    "safety_evaluation",
];

/// A small deterministic generator (no extra dependency, same data on every run).
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

fn seed(conn: &mut DbConnection, n: usize) -> Result<(), String> {
    let e = |e: diesel::result::Error| e.to_string();
    let dept = zhongjie::accounts::store::department::insert(
        conn,
        "sthjj",
        "攀枝花市生态环境局",
        "Ecology",
    )
    .map_err(e)?;
    let mut item_ids = Vec::new();
    for (code, name, kw, ind) in ITEMS {
        let f = ItemFields {
            code: code.to_string(),
            name: name.to_string(),
            keywords: kw.to_string(),
            industry: ind.to_string(),
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
        item_ids
            .push(zhongjie::catalogue::store::save_item(conn, None, &f, &[], &change).map_err(e)?);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = db::now();
    let today = zhongjie::db::today();
    let mut usccs = HashSet::new();
    let mut seed_no = 10_000u64;
    const CHUNK: usize = 500;
    let mut done = 0;
    while done < n {
        let m = CHUNK.min(n - done);
        let mut new_users = Vec::with_capacity(m);
        for i in 0..m {
            let code = loop {
                seed_no += 1;
                let c = zhongjie::domain::uscc::generate(seed_no)
                    .as_str()
                    .to_string();
                if usccs.insert(c.clone()) {
                    break c;
                }
            };
            new_users.push(zhongjie::accounts::store::user::NewUser {
                role: zhongjie::auth::Role::Agency,
                email: format!("bench{}@bench.zhongjie.test", done + i),
                password_hash: "!".into(),
                org_name: String::new(),
                uscc: Some(code),
                contact_name: "联系人".into(),
                phone: format!("139{:08}", done + i),
                department_id: None,
                status: zhongjie::domain::status::UserStatus::Active,
                email_verified_at: Some(now),
                locale: "zh-CN".into(),
                is_demo: true,
                created_at: now,
                updated_at: now,
            });
        }
        db::write_tx(conn, |c| {
            batch_insert!(c, users::table, &new_users)?;
            let first = format!("bench{}@bench.zhongjie.test", done);
            let first_id: i64 = users::table
                .filter(users::email.eq(&first))
                .select(users::id)
                .first(c)?;
            let ids: Vec<(i64, Option<String>)> = users::table
                .filter(users::id.ge(first_id))
                .filter(users::role.eq("agency"))
                .order(users::id)
                .select((users::id, users::uscc))
                .limit(m as i64)
                .load(c)?;
            let mut ag = Vec::with_capacity(m);
            let mut grams = Vec::new();
            let mut items = Vec::new();
            let mut certs = Vec::new();
            for (id, uscc) in &ids {
                let name = format!(
                    "{}{}{}有限公司",
                    PLACES[rng.below(PLACES.len())],
                    WORDS[rng.below(WORDS.len())],
                    TRADES[rng.below(TRADES.len())]
                );
                // 30% local to 东区 (so the region filter is deep), the rest spread out.
                let region = if rng.below(10) < 3 {
                    "pzh_dongqu"
                } else {
                    zhongjie::domain::catalogue::REGIONS
                        [rng.below(zhongjie::domain::catalogue::REGIONS.len())]
                };
                let grade = match rng.below(10) {
                    0 => Some("A"),
                    1 | 2 => Some("B"),
                    3 => Some("C"),
                    _ => None,
                };
                for g in zhongjie::domain::search::grams(&name) {
                    grams.push((
                        agency_search_grams::gram.eq(g),
                        agency_search_grams::agency_id.eq(*id),
                    ));
                }
                let k = 1 + rng.below(3);
                let start = rng.below(item_ids.len());
                for j in 0..k {
                    let fee = 100_000 * (1 + rng.below(100) as i64);
                    items.push((
                        agency_items::agency_id.eq(*id),
                        agency_items::item_id.eq(item_ids[(start + j) % item_ids.len()]),
                        agency_items::fee_standard.eq("按国家及行业收费标准"),
                        agency_items::fee_min_fen.eq(Some(fee)),
                        agency_items::fee_max_fen.eq(Some(fee * 3)),
                        agency_items::committed_days.eq(5 + rng.below(15) as i32),
                        agency_items::created_at.eq(now),
                    ));
                }
                if rng.below(10) < 7 {
                    let expired = rng.below(10) == 0;
                    certs.push((
                        agency_certificates::agency_id.eq(*id),
                        agency_certificates::qual_type.eq(QUALS[rng.below(QUALS.len())]),
                        agency_certificates::level.eq(1 + rng.below(3) as i32),
                        agency_certificates::number.eq(format!("Z{id:08}")),
                        agency_certificates::issuer.eq("发证机关"),
                        agency_certificates::valid_from.eq(today - chrono::Duration::days(700)),
                        agency_certificates::valid_to.eq(if expired {
                            today - chrono::Duration::days(5)
                        } else {
                            today + chrono::Duration::days(700)
                        }),
                        agency_certificates::status.eq("approved"),
                        agency_certificates::review_due.eq(today - chrono::Duration::days(690)),
                        agency_certificates::created_at.eq(now),
                    ));
                }
                ag.push((
                    agencies::user_id.eq(*id),
                    agencies::name.eq(name),
                    agencies::uscc.eq(uscc.clone().unwrap_or_default()),
                    agencies::region.eq(region),
                    agencies::contact_phone.eq("13900000000"),
                    agencies::status.eq(if rng.below(50) == 0 {
                        "suspended"
                    } else {
                        "active"
                    }),
                    agencies::grade.eq(grade),
                    agencies::version.eq(1),
                    agencies::created_at.eq(now),
                    agencies::updated_at.eq(now),
                ));
            }
            batch_insert!(c, agencies::table, &ag)?;
            for ch in grams.chunks(2000) {
                batch_insert!(c, agency_search_grams::table, ch)?;
            }
            for ch in items.chunks(1000) {
                batch_insert!(c, agency_items::table, ch)?;
            }
            for ch in certs.chunks(1000) {
                batch_insert!(c, agency_certificates::table, ch)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(e)?;
        done += m;
    }
    match conn {
        DbConnection::Pg(c) => diesel::sql_query("ANALYZE").execute(c).map_err(e)?,
        DbConnection::Sqlite(c) => {
            diesel::sql_query("ANALYZE").execute(c).map_err(e)?;
            if std::env::var("ZJ_BENCH_NO_STAT4").is_ok() {
                diesel::sql_query("DELETE FROM sqlite_stat4")
                    .execute(c)
                    .map_err(e)?;
                diesel::sql_query("ANALYZE sqlite_schema")
                    .execute(c)
                    .map_err(e)?;
            }
            0
        }
    };
    Ok(())
}

fn next_link(html: &str) -> Option<String> {
    let marker = "rel=\"next\" href=\"";
    let i = html.find(marker)? + marker.len();
    let rest = &html[i..];
    Some(
        rest[..rest.find('"')?]
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

/// The server under test: a pinned child process, or a thread of this process.
enum Server {
    Child(std::process::Child),
    InProcess,
}

impl Server {
    fn pid(&self) -> u32 {
        match self {
            Server::Child(c) => c.id(),
            Server::InProcess => std::process::id(),
        }
    }
}

fn main() {
    let n: usize = std::env::var("ZJ_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let secs: f64 = std::env::var("ZJ_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    let conns: usize = std::env::var("ZJ_BENCH_CONNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir().unwrap();
    // ZJ_BENCH_KEEP=1 keeps the SQLite file (path printed) for EXPLAIN QUERY PLAN afterwards.
    let dir_path = if std::env::var("ZJ_BENCH_KEEP").is_ok() {
        let p = dir.keep();
        println!("database kept in {}", p.display());
        p
    } else {
        dir.path().to_path_buf()
    };
    // (PostgreSQL server URL, database name) when the bench made a database to drop at the end.
    let mut pg_made: Option<(String, String)> = None;
    let (url, backend) = match std::env::var("ZJ_BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let name = format!("zj_bench_{}", std::process::id());
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
            format!("sqlite://{}", dir_path.join("bench.db").display()),
            "SQLite",
        ),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = common::config(url, &dir_path, port);
    // Seed through a pool of our own, closed before the server starts (so, on SQLite, the
    // server's connections are the only ones open during the runs).
    let seeded = std::panic::catch_unwind(|| {
        let pool = zhongjie::startup::open_database(&cfg).unwrap();
        let t = Instant::now();
        {
            let mut c = pool.get().unwrap();
            seed(&mut c, n).unwrap();
        }
        println!(
            "backend {backend}: seeded {n} agencies in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    });
    if seeded.is_err() {
        if let Some((base, name)) = &pg_made {
            drop_pg_database(base, name);
        }
        std::process::exit(1);
    }

    let server = match start_child(&cfg) {
        Some(child) => {
            println!(
                "server: {} serve, pid {}, pinned to core 0; load generator pinned to core 1",
                env!("CARGO_BIN_EXE_zhongjie"),
                child.id()
            );
            Server::Child(child)
        }
        None => {
            println!("server: in this process, unpinned (figures include the load generator)");
            let cfg2 = cfg.clone();
            std::thread::spawn(move || {
                let pool = zhongjie::startup::open_database(&cfg2).unwrap();
                actix_web::rt::System::new().block_on(async move {
                    let app = zhongjie::startup::Application::build(cfg2, pool).unwrap();
                    let _ = app.run_until_stopped().await;
                })
            });
            Server::InProcess
        }
    };
    wait_listening(&cfg.bind);
    let base = format!("http://127.0.0.1:{port}");
    let server_pid = server.pid();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let results = local.block_on(&rt, async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(conns)
            .build()
            .unwrap();
        let first = format!("{base}/agencies?region=pzh_dongqu");
        // Follow the keyset cursor 1,000 times to find the deep page.
        let mut deep = first.clone();
        let t = Instant::now();
        let mut walked = 0;
        for i in 0..1000 {
            let html = client
                .get(&deep)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            match next_link(&html) {
                Some(l) => deep = format!("{base}{l}"),
                None => {
                    println!("list ended after {i} pages");
                    break;
                }
            }
            walked += 1;
        }
        println!(
            "walked {walked} pages in {:.1} s ({:.2} ms/page, sequential)",
            t.elapsed().as_secs_f64(),
            t.elapsed().as_secs_f64() * 1000.0 / f64::from(walked.max(1))
        );
        let search = format!("{base}/agencies?q=%E7%8E%AF%E8%AF%84");
        let scenarios = [
            ("trivial /healthz", format!("{base}/healthz")),
            ("layout page, no database: /login", format!("{base}/login")),
            (
                "static /static/css/app.css",
                format!("{base}/static/css/app.css"),
            ),
            ("list /agencies (no filter)", format!("{base}/agencies")),
            ("list region=pzh_dongqu, page 1", first.clone()),
            ("list region=pzh_dongqu, page 1001", deep.clone()),
            ("search q=环评, page 1", search.clone()),
            ("agency page /agencies/{id}", format!("{base}/agencies/5")),
        ];
        // Warm up caches and connections.
        for (_, u) in &scenarios {
            let _ = hammer(&client, u, conns, 0.3).await;
        }
        let mut results = Vec::new();
        for (name, u) in &scenarios {
            let s = hammer(&client, u, conns, secs).await;
            results.push((*name, s));
        }
        results
    });
    let (rss_text, rss_mib) = rss(server_pid);
    if let Server::Child(mut c) = server {
        let _ = c.kill();
        let _ = c.wait();
    }
    if let Some((base, name)) = &pg_made {
        drop_pg_database(base, name);
    }

    let cache = if std::env::var("ZJ_PAGE_CACHE").is_ok_and(|v| v == "0") {
        "off (ZJ_PAGE_CACHE=0)"
    } else {
        "on (visitors' list pages, stamped by the audit trail)"
    };
    println!("\nbackend {backend}, N = {n} agencies, {conns} connections, {secs} s per scenario");
    println!("page cache: {cache}\n");
    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for (name, s) in &results {
        println!(
            "{:<36} {:>9.0} {:>9.2} {:>9.2} {:>7}",
            name, s.rps, s.p50_ms, s.p99_ms, s.errors
        );
    }
    let r = |i: usize| results[i].1.rps;
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    // The stack's ceiling: the faster of the two trivial pages (on PostgreSQL /healthz waits
    // for a database round trip, so /login — layout only — is the stricter ceiling there).
    let ceiling = r(0).max(r(1));
    let list_ratio = r(4) / ceiling;
    let list_p99 = results[4].1.p99_ms;
    let deep_ratio = r(5) / r(4);
    let search_p99 = results[6].1.p99_ms;
    let errors: usize = results.iter().map(|(_, s)| s.errors).sum();
    println!("\nfiltered list / static css:         {:.2}", r(4) / r(2));
    println!("filtered list / layout-only /login: {:.2}", r(4) / r(1));
    println!("server memory: {rss_text}\n");
    println!(
        "{:<44} {:>14} {:>14} {:>6}",
        "target", "measured", "wanted", ""
    );
    let rows = [
        (
            "filtered list rps / trivial-page ceiling rps",
            format!("{list_ratio:.3}"),
            ">= 0.20".to_string(),
            list_ratio >= 0.20,
        ),
        (
            "filtered list p99",
            format!("{list_p99:.2} ms"),
            "<= 15 ms".to_string(),
            list_p99 <= 15.0,
        ),
        (
            "page 1,001 rps / page 1 rps",
            format!("{deep_ratio:.3}"),
            ">= 0.90".to_string(),
            deep_ratio >= 0.90 && walked_ok(&results),
        ),
        (
            "2-char search p99",
            format!("{search_p99:.2} ms"),
            "<= 30 ms".to_string(),
            search_p99 <= 30.0,
        ),
        (
            "server RSS after the runs",
            format!("{rss_mib:.1} MiB"),
            "<= 200 MiB".to_string(),
            rss_mib > 0.0 && rss_mib <= 200.0,
        ),
        (
            "errors (all scenarios)",
            errors.to_string(),
            "0".to_string(),
            errors == 0,
        ),
    ];
    for (name, got, want, ok) in rows {
        println!("{name:<44} {got:>14} {want:>14} {:>6}", verdict(ok));
    }
}

/// The deep scenario only means something if it served pages.
fn walked_ok(results: &[(&str, Stats)]) -> bool {
    results[5].1.rps > 0.0
}
