//! `zhongjie backup FILE`: everything a restore needs. The database copy (SQLite: `VACUUM
//! INTO`, a consistent snapshot while the server runs; PostgreSQL: `pg_dump --format=custom`,
//! run by this command when the client is installed) and, beside it, the sealing key in
//! `FILE.sealing.key` (mode 0600): without that key no sealed quote or draw seed of the copy
//! ever opens, and the restored database refuses to start with any other key.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::db::{self, Backend, Pool};

/// What a backup wrote.
#[derive(Clone, Debug)]
pub struct Backup {
    pub backend: Backend,
    pub database: PathBuf,
    pub key_file: PathBuf,
    /// The fingerprint of the key (`domain::seal::key_fingerprint`), to tell key files apart.
    pub fingerprint: String,
}

/// `FILE.sealing.key`: where the key of the backup `FILE` is written.
pub fn key_file_for(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".sealing.key");
    PathBuf::from(name)
}

/// Writes the database copy to `path` and the sealing key beside it; neither may exist yet.
/// On failure nothing half-written is left behind.
pub fn run(cfg: &Config, pool: &Pool, path: &Path) -> Result<Backup, String> {
    let key_file = key_file_for(path);
    for p in [path, key_file.as_path()] {
        if p.exists() {
            return Err(format!("{} already exists", p.display()));
        }
    }
    let backend = Backend::from_url(&cfg.database_url)?;
    match backend {
        Backend::Sqlite => {
            use diesel::RunQueryDsl;
            let mut c = pool.get().map_err(|e| e.to_string())?;
            let db::DbConnection::Sqlite(s) = &mut *c else {
                return Err("the pool is not SQLite".into());
            };
            let target = path.to_str().ok_or("the backup path is not UTF-8")?;
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(target)
                .execute(s)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Backend::Postgres => pg_dump(&cfg.database_url, path)?,
    }
    if let Err(e) = crate::config::write_key_file(&key_file, &cfg.sealing_key) {
        let _ = std::fs::remove_file(path);
        return Err(format!(
            "cannot write the sealing key file {}: {e} (the database copy was removed: a copy without its key cannot be restored)",
            key_file.display()
        ));
    }
    Ok(Backup {
        backend,
        database: path.to_path_buf(),
        key_file,
        fingerprint: crate::domain::seal::key_fingerprint(&cfg.sealing_key),
    })
}

/// Runs `pg_dump` on the database of `url` into `path`. The password travels in the child's
/// environment (`PGPASSWORD`), never on its command line, where other users could read it.
fn pg_dump(url: &str, path: &Path) -> Result<(), String> {
    let mut u = url::Url::parse(url).map_err(|_| format!("cannot read {}", db::mask_url(url)))?;
    let password = u.password().map(percent_decode);
    let _ = u.set_password(None);
    let mut cmd = std::process::Command::new("pg_dump");
    cmd.arg("--format=custom")
        .arg("--no-password")
        .arg("--file")
        .arg(path)
        .arg("--dbname")
        .arg(u.as_str());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("pg_dump not found: install the PostgreSQL client (the server's major version), or run pg_dump --format=custom --file FILE \"$DATABASE_URL\" yourself and keep ZJ_SEALING_KEY with the dump".into());
        }
        Err(e) => return Err(format!("cannot run pg_dump: {e}")),
    };
    if !out.status.success() {
        let _ = std::fs::remove_file(path);
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "pg_dump failed: {}",
            err.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    Ok(())
}

/// `%XX` sequences of a URL's user-info decoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Backup {
    /// What the command prints: what was written and how to restore it.
    pub fn instructions(&self) -> String {
        let db = self.database.display();
        let key = self.key_file.display();
        let restore = match self.backend {
            Backend::Sqlite => format!(
                "To restore: stop zhongjie; copy {db} to the database file (DATABASE_URL, by default <ZJ_DATA_DIR>/zhongjie.db) and {key} to <ZJ_DATA_DIR>/sealing.key (or leave the key file out and export ZJ_SEALING_KEY=$(cat {key})); then start zhongjie."
            ),
            Backend::Postgres => format!(
                "To restore: create an empty database and run pg_restore --no-owner --dbname \"$DATABASE_URL\" {db}; export ZJ_SEALING_KEY=$(cat {key}) on every instance; then start zhongjie."
            ),
        };
        format!(
            "backup written: {db} (database) and {key} (sealing key, fingerprint {fp}, mode 0600).\n\
             Keep both together and the key file as private as the data: without it no sealed quote or draw seed of the copy opens, and with any other key zhongjie refuses to start on it.\n\
             {restore}",
            fp = self.fingerprint
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_sits_beside_the_copy() {
        assert_eq!(
            key_file_for(Path::new("/backups/zj-2026-12-03.db")),
            PathBuf::from("/backups/zj-2026-12-03.db.sealing.key")
        );
    }

    #[test]
    fn passwords_are_decoded_for_pgpassword() {
        assert_eq!(percent_decode("s%40cret%2F1"), "s@cret/1");
        assert_eq!(percent_decode("plain%"), "plain%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
