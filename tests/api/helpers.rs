//! Test harness: `spawn_app()` starts the real application on a free loopback port against a
//! fresh database — a temporary SQLite file, or, when `ZJ_TEST_DATABASE_URL` names a
//! PostgreSQL server, a new database created on it for this test alone.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use reqwest::redirect::Policy;
use zhongjie::auth::Role;
use zhongjie::config::Config;
use zhongjie::db::{self, DbConnection, Pool};
use zhongjie::startup::{Application, open_database};

pub const PASSWORD: &str = "Tianqi-Qinglang-2026";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub pool: Pool,
    pub config: Config,
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub _dir: Arc<tempfile::TempDir>,
    pub _db: Arc<DbGuard>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// A fresh database URL for one test.
pub fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("ZJ_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            use diesel::Connection;
            use diesel::RunQueryDsl;
            let name = format!(
                "zj_test_{}",
                hex::encode(zhongjie::auth::token::random_bytes::<6>())
            );
            let mut c =
                diesel::PgConnection::establish(&base).expect("connect to ZJ_TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create test database");
            let mut u = url::Url::parse(&base).expect("ZJ_TEST_DATABASE_URL is a URL");
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        _ => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

pub fn is_postgres() -> bool {
    std::env::var("ZJ_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

pub fn test_config(
    dir: &std::path::Path,
    database_url: String,
    smtp_url: Option<String>,
) -> Config {
    let port = free_port();
    Config {
        database_url,
        bind: format!("127.0.0.1:{port}"),
        data_dir: PathBuf::from(dir),
        smtp_url,
        mail_from: "攀枝花市中介服务网上超市 <noreply@zhongjie.test>".into(),
        public_url: format!("http://127.0.0.1:{port}"),
        sealing_key: [7u8; 32],
        sealing_key_source: zhongjie::config::SealingKeySource::Env,
        instance_id: format!(
            "test-{}",
            hex::encode(zhongjie::auth::token::random_bytes::<4>())
        ),
        max_concurrent_hashes: 2,
        job_poll_ms: 100,
        run_jobs: true,
        page_cache: true,
        // Every request reads the stamp: tests see a change at once.
        page_stamp_ms: 0,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(None).await
}

pub async fn spawn_app_with(smtp_url: Option<String>) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let url = fresh_database_url(dir.path());
    let cfg = test_config(dir.path(), url, smtp_url);
    start(cfg, dir).await
}

/// An instance that serves pages but runs no background jobs.
pub async fn spawn_web_only() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let url = fresh_database_url(dir.path());
    let mut cfg = test_config(dir.path(), url, None);
    cfg.run_jobs = false;
    start(cfg, dir).await
}

/// Starts another instance on the same database (for the multi-instance tests).
pub async fn spawn_sibling(of: &TestApp, smtp_url: Option<String>) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let cfg = test_config(dir.path(), of.config.database_url.clone(), smtp_url);
    start(cfg, dir).await
}

/// Every log line any in-process instance of this test binary wrote: the application at
/// TRACE, other crates at INFO, in the format the binary writes to stderr. The sealed-amount
/// test searches it.
pub fn captured_logs() -> String {
    let buf = log_buffer().lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(&buf).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buf.clone());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,zhongjie=trace"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts the application with `cfg`, keeping `dir` (its data folder) alive with it.
pub async fn start(cfg: Config, dir: Arc<tempfile::TempDir>) -> TestApp {
    log_buffer();
    let c2 = cfg.clone();
    let pool = actix_web::web::block(move || open_database(&c2))
        .await
        .expect("block")
        .expect("open database");
    // The port was free when the config was made; another test (or an outgoing connection)
    // may have taken it since: take another one then.
    let mut cfg = cfg;
    let mut tries = 0;
    let app = loop {
        match Application::build(cfg.clone(), pool.clone()) {
            Ok(app) => break app,
            Err(e) if tries < 10 && e.contains("cannot listen") => {
                tries += 1;
                let port = free_port();
                cfg.bind = format!("127.0.0.1:{port}");
                cfg.public_url = format!("http://127.0.0.1:{port}");
            }
            Err(e) => panic!("build app: {e}"),
        }
    };
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let (client, jar) = client_with_jar();
    let _db = Arc::new(DbGuard {
        url: cfg.database_url.clone(),
    });
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        pool,
        config: cfg,
        client,
        jar,
        _dir: dir,
        _db,
    }
}

/// A client with its own cookie jar that follows no redirects. It drops idle connections
/// before the server's keep-alive (5 s) closes them, so that a request after a pause never
/// goes out on a connection the server is closing.
fn client_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_provider(jar.clone())
        .pool_idle_timeout(std::time::Duration::from_secs(3))
        .build()
        .expect("client");
    (client, jar)
}

/// The value of the first `name="csrf"` hidden input on a page.
pub fn csrf_in(html: &str) -> Option<String> {
    csrf_tokens_in(html).into_iter().next()
}

/// Every form token on a page, in order.
pub fn csrf_tokens_in(html: &str) -> Vec<String> {
    html.split("name=\"csrf\"")
        .skip(1)
        .filter_map(|rest| {
            let v = rest.find("value=\"")? + 7;
            let end = rest[v..].find('"')?;
            Some(rest[v..v + end].to_string())
        })
        .collect()
}

impl TestApp {
    /// Appends an audit entry for `object`, as every real change does in its transaction:
    /// the page cache's stamp moves (tests of what the cache keeps change data without one,
    /// then with one).
    pub fn audit_a_change(&self, object_type: &str, object_id: i64) {
        let mut c = self.conn();
        db::write_tx(&mut c, |c| {
            zhongjie::audit::record(
                c,
                &zhongjie::audit::Actor::system(),
                "test.change",
                object_type,
                object_id,
                &0,
                "test",
            )
        })
        .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A second browser (own cookies) against the same server.
    pub fn new_client(&self) -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
        client_with_jar()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.unwrap_or_default())
    }

    /// The CSRF token this client's forms carry (read from a page it can see).
    pub async fn csrf(&self) -> String {
        for page in ["/", "/login"] {
            let (_, body) = self.get_text(page).await;
            if let Some(t) = csrf_in(&body) {
                return t;
            }
        }
        String::new()
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("csrf", &token));
        self.client
            .post(self.url(path))
            .form(&f)
            .send()
            .await
            .expect("POST")
    }

    pub async fn post_no_csrf(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/login",
            &[("email", email), ("password", password), ("next", "/my")],
        )
        .await
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().expect("db connection")
    }

    /// Creates an account directly (fast path for tests that are not about registration).
    pub async fn create_user(&self, role: Role, email: &str) -> i64 {
        let email = email.to_string();
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let hash = password_hash();
            let mut c = pool.get().expect("conn");
            let depts = zhongjie::accounts::store::department::all(&mut c).expect("departments");
            let dept = match (role, depts.first()) {
                (Role::Regulator, Some(d)) => Some(d.id),
                (Role::Regulator, None) => Some(
                    zhongjie::accounts::store::department::insert(
                        &mut c,
                        "sthjj",
                        "攀枝花市生态环境局",
                        "Ecology Bureau",
                    )
                    .expect("dept"),
                ),
                _ => None,
            };
            let now = db::now();
            let seed = zhongjie::auth::token::random_bytes::<4>();
            let new = zhongjie::accounts::store::user::NewUser {
                role,
                email: email.clone(),
                password_hash: hash,
                org_name: format!("测试单位{}", hex::encode(seed)),
                uscc: role.self_registered().then(|| {
                    zhongjie::domain::uscc::generate(u32::from_be_bytes(seed) as u64)
                        .as_str()
                        .to_string()
                }),
                contact_name: "张三".into(),
                phone: "13800000000".into(),
                department_id: dept,
                status: zhongjie::domain::status::UserStatus::Active,
                email_verified_at: Some(now),
                locale: "zh-CN".into(),
                is_demo: false,
                created_at: now,
                updated_at: now,
            };
            let id = zhongjie::accounts::store::user::insert(&mut c, &new).expect("insert");
            if role == Role::Agency {
                let code = new.uscc.clone().unwrap_or_default();
                zhongjie::library::store::agency::create_for_user(
                    &mut c,
                    id,
                    &new.org_name,
                    &code,
                    &new.phone,
                )
                .expect("agency row");
            }
            id
        })
        .await
        .expect("block")
    }

    /// Creates an account and signs this client in as it.
    pub async fn signed_in(&self, role: Role, email: &str) -> i64 {
        let id = self.create_user(role, email).await;
        let r = self.login(email, PASSWORD).await;
        assert_eq!(r.status().as_u16(), 303, "login as {email}");
        id
    }

    /// Mails written to `.eml` files (no SMTP configured), waiting up to 5 s for `n`.
    pub async fn eml_files(&self, n: usize) -> Vec<String> {
        let dir = self.config.mail_dir();
        for _ in 0..50 {
            let mut out = Vec::new();
            if let Ok(rd) = std::fs::read_dir(&dir) {
                for e in rd.flatten() {
                    if e.path().extension().is_some_and(|x| x == "eml") {
                        out.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                    }
                }
            }
            if out.len() >= n {
                return out;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Vec::new()
    }

    /// Pending + sent outbox bodies straight from the database.
    pub fn outbox_bodies(&self) -> Vec<(String, String)> {
        use diesel::prelude::*;
        use zhongjie::db::schema::outbox;
        let mut c = self.conn();
        outbox::table
            .order(outbox::id)
            .select((outbox::to_addr, outbox::body))
            .load(&mut *c)
            .expect("outbox")
    }
}

fn password_hash() -> String {
    static H: Mutex<Option<String>> = Mutex::new(None);
    let mut g = H.lock().expect("lock");
    if g.is_none() {
        *g = Some(zhongjie::auth::password::hash_blocking(PASSWORD).expect("hash"));
    }
    g.clone().unwrap_or_default()
}

/// Finds `…token=<64 hex>` in a text (a mail body).
pub fn token_in(text: &str, marker: &str) -> Option<String> {
    let i = text.find(marker)? + marker.len();
    let t: String = text[i..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (t.len() == 64).then_some(t)
}

pub fn backend_conn(c: &mut DbConnection) -> &'static str {
    match c {
        DbConnection::Pg(_) => "pg",
        DbConnection::Sqlite(_) => "sqlite",
    }
}

impl TestApp {
    pub fn dir(&self) -> Arc<tempfile::TempDir> {
        self._dir.clone()
    }
}

/// Just enough base64 to read mails and save screenshots without another dependency.
pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

/// The decoded text body of a raw single-part mail (base64 or quoted-printable).
pub fn mail_text(raw: &str) -> String {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or(("", raw));
    let head_l = head.to_ascii_lowercase();
    if head_l.contains("content-transfer-encoding: base64") {
        String::from_utf8_lossy(&base64_decode(body)).to_string()
    } else if head_l.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "").replace("=\n", "");
        let mut out = Vec::new();
        let b = joined.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() && hex_byte(&b[i + 1..i + 3]).is_some() {
                out.push(hex_byte(&b[i + 1..i + 3]).unwrap_or(b'?'));
                i += 3;
                continue;
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).to_string()
    } else {
        body.to_string()
    }
}

fn hex_byte(b: &[u8]) -> Option<u8> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|h| u8::from_str_radix(h, 16).ok())
}

/// Drops a per-test PostgreSQL database when the last handle on it goes.
pub struct DbGuard {
    pub url: String,
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::RunQueryDsl;
        let (Ok(base), Ok(u)) = (
            std::env::var("ZJ_TEST_DATABASE_URL"),
            url::Url::parse(&self.url),
        ) else {
            return;
        };
        if !self.url.starts_with("postgres") {
            return;
        }
        let name = u.path().trim_start_matches('/').to_string();
        if !name.starts_with("zj_test_") {
            return;
        }
        if let Ok(mut c) = diesel::PgConnection::establish(&base) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c);
        }
    }
}
