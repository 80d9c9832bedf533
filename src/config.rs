//! Start-up configuration from the environment (a `.env` file in development).
//!
//! Settings that an administrator changes at run time (session expiry, throttling …) are
//! not here: they live in the `settings` table (see `models::settings`), so every instance
//! sees the same values.

use std::path::PathBuf;

use crate::db::Backend;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub data_dir: PathBuf,
    /// `smtp://`, `smtps://` or `smtp://…?tls=required` (STARTTLS). None → `.eml` files.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub public_url: String,
    /// 32-byte key for sealing quotes; never logged, never stored in the database.
    pub sealing_key: [u8; 32],
    /// Identifies this process when it claims jobs and mail.
    pub instance_id: String,
    /// Upper bound on password hashes computed at once (each takes 19 MiB and ~a core).
    pub max_concurrent_hashes: usize,
    /// How often the background jobs look for work, in milliseconds.
    pub job_poll_ms: u64,
    /// Whether this instance runs the background jobs (mail sender …). Every instance may;
    /// `ZJ_RUN_JOBS=0` makes a web-only instance.
    pub run_jobs: bool,
    /// Whether public list pages are cached for visitors (`ZJ_PAGE_CACHE=0` turns it off).
    pub page_cache: bool,
    /// How long one read of the page-cache stamp serves (`ZJ_PAGE_STAMP_MS`, default 100).
    pub page_stamp_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "ZJ_SEALING_KEY is required on PostgreSQL (64 hex characters, the same on every instance)"
    )]
    SealingKeyMissing,
    #[error("ZJ_SEALING_KEY must be 64 hexadecimal characters")]
    SealingKeyInvalid,
    #[error("cannot use data folder {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("{0}")]
    Database(String),
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads the environment. `bind` overrides `ZJ_BIND` (from `serve --bind`).
    pub fn from_env(bind: Option<String>) -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(env("ZJ_DATA_DIR").unwrap_or_else(|| "./data".into()));
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| ConfigError::DataDir(data_dir.display().to_string(), e))?;
        let database_url = env("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("zhongjie.db").display()));
        let backend = Backend::from_url(&database_url).map_err(ConfigError::Database)?;
        let bind = bind
            .or_else(|| env("ZJ_BIND"))
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let public_url = env("ZJ_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        let sealing_key = match env("ZJ_SEALING_KEY") {
            Some(k) => parse_key(&k)?,
            None if backend == Backend::Postgres => return Err(ConfigError::SealingKeyMissing),
            None => sqlite_sealing_key(&data_dir)?,
        };
        let instance_id = format!(
            "{}-{}-{}",
            hostname_or_local(),
            std::process::id(),
            hex::encode(crate::auth::token::random_bytes::<4>())
        );
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Config {
            database_url,
            bind,
            data_dir,
            smtp_url: env("SMTP_URL"),
            mail_from: env("ZJ_MAIL_FROM")
                .unwrap_or_else(|| "攀枝花市中介服务网上超市 <noreply@zhongjie.localhost>".into()),
            public_url,
            sealing_key,
            instance_id,
            max_concurrent_hashes: env("ZJ_MAX_CONCURRENT_HASHES")
                .and_then(|v| v.parse().ok())
                .unwrap_or(cpus.max(1)),
            job_poll_ms: env("ZJ_JOB_POLL_MS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(2000),
            run_jobs: env("ZJ_RUN_JOBS").is_none_or(|v| v != "0" && v != "false"),
            page_cache: env("ZJ_PAGE_CACHE").is_none_or(|v| v != "0" && v != "false"),
            page_stamp_ms: env("ZJ_PAGE_STAMP_MS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(100),
        })
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// Cookies get `Secure` and responses get HSTS when the public address is HTTPS.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn parse_key(k: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = hex::decode(k.trim()).map_err(|_| ConfigError::SealingKeyInvalid)?;
    bytes.try_into().map_err(|_| ConfigError::SealingKeyInvalid)
}

/// On the embedded database the key is generated once into the data folder, readable only
/// by the owner, so a single-machine install needs no set-up.
fn sqlite_sealing_key(dir: &std::path::Path) -> Result<[u8; 32], ConfigError> {
    let path = dir.join("sealing.key");
    let err = |e| ConfigError::DataDir(path.display().to_string(), e);
    match std::fs::read_to_string(&path) {
        Ok(s) => parse_key(&s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = crate::auth::token::random_bytes::<32>();
            write_private(&path, hex::encode(key).as_bytes()).map_err(err)?;
            Ok(key)
        }
        Err(e) => Err(err(e)),
    }
}

fn write_private(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

fn hostname_or_local() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "local".into())
}
