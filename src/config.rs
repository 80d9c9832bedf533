//! Start-up configuration from the environment (a `.env` file in development).
//!
//! Settings that an administrator changes at run time (session expiry, throttling …) are
//! not here: they live in the `settings` table (see `crate::accounts::store::settings`), so every instance
//! sees the same values.

use std::path::{Path, PathBuf};

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
    /// Where `sealing_key` came from; start-up checks it against the database's fingerprint
    /// before anything is served (`startup::open_database`).
    pub sealing_key_source: SealingKeySource,
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

/// Where the sealing key came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealingKeySource {
    /// `ZJ_SEALING_KEY`.
    Env,
    /// The key file in the data folder (SQLite).
    File(PathBuf),
    /// No key anywhere yet (SQLite): the key was generated now, and is written to this file
    /// only if the database has never sealed anything (start-up decides).
    New(PathBuf),
    /// None on PostgreSQL, where `ZJ_SEALING_KEY` is required (start-up refuses; the key
    /// field then holds no key).
    Missing,
}

impl SealingKeySource {
    /// How a message names the key's origin.
    pub fn describe(&self) -> String {
        match self {
            SealingKeySource::Env => "ZJ_SEALING_KEY".into(),
            SealingKeySource::File(p) => format!("the key file {}", p.display()),
            SealingKeySource::New(p) => format!("a new key for {}", p.display()),
            SealingKeySource::Missing => "no key".into(),
        }
    }
}

/// The name of the key file in the data folder.
pub const SEALING_KEY_FILE: &str = "sealing.key";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("ZJ_SEALING_KEY must be 64 hexadecimal characters")]
    SealingKeyInvalid,
    #[error("the sealing key file {0} must hold 64 hexadecimal characters")]
    SealingKeyFileInvalid(String),
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
        let (sealing_key, sealing_key_source) =
            load_sealing_key(&data_dir, env("ZJ_SEALING_KEY").as_deref(), backend)?;
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
            sealing_key_source,
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

/// 64 hex characters (surrounding white space ignored) as a key.
pub fn parse_key(k: &str) -> Option<[u8; 32]> {
    hex::decode(k.trim()).ok()?.try_into().ok()
}

/// The sealing key: `ZJ_SEALING_KEY` (`env_key`) if set; on SQLite otherwise the key file in
/// the data folder, or a freshly generated key that start-up writes there only for a database
/// that has never sealed anything. So a single-machine install needs no set-up, and a restored
/// database never silently gets a new key. On PostgreSQL the key must be given.
pub fn load_sealing_key(
    data_dir: &Path,
    env_key: Option<&str>,
    backend: Backend,
) -> Result<([u8; 32], SealingKeySource), ConfigError> {
    if let Some(k) = env_key {
        let key = parse_key(k).ok_or(ConfigError::SealingKeyInvalid)?;
        return Ok((key, SealingKeySource::Env));
    }
    if backend == Backend::Postgres {
        return Ok(([0; 32], SealingKeySource::Missing));
    }
    let path = data_dir.join(SEALING_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(s) => parse_key(&s)
            .map(|k| (k, SealingKeySource::File(path.clone())))
            .ok_or_else(|| ConfigError::SealingKeyFileInvalid(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((
            crate::auth::token::random_bytes::<32>(),
            SealingKeySource::New(path),
        )),
        Err(e) => Err(ConfigError::DataDir(path.display().to_string(), e)),
    }
}

/// Writes a key file: 64 hex characters, readable by the owner only, never over an existing
/// file.
pub fn write_key_file(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    write_private(path, hex::encode(key).as_bytes())
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
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
