//! What the benches share: a fresh database per run, the server started as a pinned child,
//! the load generator, signing in and the server's memory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use zhongjie::config::Config;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The CSRF token of the first form on a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_string())
}

/// A database made for one run: a SQLite file in `dir`, or a new database on a PostgreSQL
/// server (dropped by `drop`).
pub struct BenchDb {
    pub url: String,
    pub backend: &'static str,
    pg_made: Option<(String, String)>,
}

impl BenchDb {
    /// `pg_base`: a PostgreSQL server URL, or `None` for SQLite.
    pub fn create(pg_base: Option<&str>, tag: &str, dir: &std::path::Path) -> BenchDb {
        match pg_base {
            Some(base) => {
                let name = format!("zj_bench_{tag}_{}", std::process::id());
                let mut c = diesel::PgConnection::establish(base).unwrap();
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .unwrap();
                let mut u = url::Url::parse(base).unwrap();
                u.set_path(&format!("/{name}"));
                BenchDb {
                    url: u.to_string(),
                    backend: "PostgreSQL",
                    pg_made: Some((base.to_string(), name)),
                }
            }
            None => BenchDb {
                url: format!("sqlite://{}", dir.join(format!("{tag}.db")).display()),
                backend: "SQLite",
                pg_made: None,
            },
        }
    }

    /// The PostgreSQL server named by `ZJ_BENCH_DATABASE_URL`, if any.
    pub fn pg_from_env() -> Option<String> {
        std::env::var("ZJ_BENCH_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
    }

    pub fn drop(&self) {
        if let Some((base, name)) = &self.pg_made {
            drop_pg_database(base, name);
        }
    }
}

pub fn drop_pg_database(base: &str, name: &str) {
    match diesel::PgConnection::establish(base) {
        Ok(mut c) => {
            if let Err(e) =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
            {
                println!("could not drop database {name}: {e}");
            }
        }
        Err(e) => println!("could not drop database {name}: {e}"),
    }
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn config(url: String, dir: &std::path::Path, port: u16) -> Config {
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
        page_cache: std::env::var("ZJ_PAGE_CACHE").map_or(true, |v| v != "0"),
        page_stamp_ms: std::env::var("ZJ_PAGE_STAMP_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100),
    }
}

pub struct Stats {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
}

/// `conns` keep-alive connections asking for `url` as fast as answers come, for `secs`.
pub async fn hammer(client: &reqwest::Client, url: &str, conns: usize, secs: f64) -> Stats {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let started = Instant::now();
    for _ in 0..conns {
        let (client, url, stop) = (client.clone(), url.to_string(), stop.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let mut lat = Vec::with_capacity(4096);
            let mut errors = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        if all.is_empty() {
            0.0
        } else {
            all[((all.len() as f64 * p) as usize).min(all.len() - 1)] as f64 / 1000.0
        }
    };
    Stats {
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors,
    }
}

/// (`VmRSS, VmHWM` as text, VmRSS in MiB) of a process.
pub fn rss(pid: u32) -> (String, f64) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mut mib = 0.0;
    let text = s
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| {
            if l.starts_with("VmRSS") {
                mib = l
                    .split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
                    .unwrap_or(0.0)
                    / 1024.0;
            }
            l.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ");
    (text, mib)
}

/// Pins every thread of this process to `core`.
pub fn pin_self(core: &str) -> bool {
    std::process::Command::new("taskset")
        .args(["-a", "-c", "-p", core, &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether this machine can pin the server and the load to a core each.
pub fn can_pin() -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores >= 2 && std::env::var("ZJ_BENCH_INPROC").is_err()
}

/// `zhongjie serve` on `cfg`, pinned to core 0; this process then goes to core 1.
pub fn start_child(cfg: &Config) -> Option<std::process::Child> {
    if !can_pin() {
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
    if !pin_self("1") {
        println!("warning: could not pin the load generator to core 1");
    }
    Some(child)
}

/// The application served from a thread of this process (no pinning).
pub fn serve_in_process(cfg: &Config) {
    let cfg2 = cfg.clone();
    std::thread::spawn(move || {
        let pool = zhongjie::startup::open_database(&cfg2).unwrap();
        actix_web::rt::System::new().block_on(async move {
            let app = zhongjie::startup::Application::build(cfg2, pool).unwrap();
            let _ = app.run_until_stopped().await;
        })
    });
}

pub fn wait_listening(bind: &str) {
    for _ in 0..400 {
        if std::net::TcpStream::connect(bind).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server did not start on {bind}");
}

/// Signs `client` (with a cookie store) in as `email` with the demo password.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str) {
    let login = client.get(format!("{base}/login")).send().await.unwrap();
    let token = csrf_in(&login.text().await.unwrap()).unwrap_or_default();
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", email),
            ("password", zhongjie::demo::DEMO_PASSWORD),
            ("next", "/my"),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{email} signs in");
}
