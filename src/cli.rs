//! Command line: `serve` (default), `migrate`, `create-admin`, `demo`, `verify-audit`, `backup`.

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{self, DbError};
use crate::startup::{Application, open_database};

#[derive(Parser)]
#[command(
    name = "zhongjie",
    version,
    about = "中介服务网上超市 — intermediary-service online marketplace"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the marketplace (the default).
    Serve {
        /// Address to listen on (overrides ZJ_BIND; default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Load demo data first if the database has no accounts yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account. The password is read from ZJ_ADMIN_PASSWORD or,
    /// if unset, from the first line of standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// The administrator's name.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "0812-3336000")]
        phone: String,
    },
    /// Load demo data (departments, staff, owners, agencies, catalogue, demo logins) and exit.
    Demo {
        /// Also generate this many extra agencies with profiles (for load tests).
        #[arg(long, default_value_t = 0)]
        agencies: usize,
    },
    /// Verify the audit trail's hash chain; exit status 0 only when it is intact.
    VerifyAudit,
    /// Write a consistent copy of the SQLite database to a file (PostgreSQL: use pg_dump).
    Backup {
        /// Where to write the copy; must not exist yet.
        path: String,
    },
}

pub fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    crate::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve {
        bind: None,
        demo: false,
    }) {
        Command::Serve { bind, demo } => serve(bind, demo),
        Command::Migrate => with_db(|cfg, pool| {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            let _ = cfg;
            db::migrate(&mut c).map(|_| {
                println!("migrations up to date");
                ExitCode::SUCCESS
            })
        }),
        Command::CreateAdmin { email, name, phone } => {
            with_db(|_, pool| create_admin(pool, &email, &name, &phone))
        }
        Command::Demo { agencies } => with_db(|_, pool| {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            crate::demo::load(&mut c)?.print();
            if agencies > 0 {
                let n = crate::demo::agencies::generate(&mut c, agencies)?;
                let today = crate::domain::workdays::today();
                let graded = crate::models::credit::recompute_all(&mut c, today, 500)
                    .map_err(|e| e.to_string())?;
                // Grades are public: on the trail (this also stamps cached pages).
                crate::db::write_tx(&mut c, |c| {
                    crate::models::audit::record(
                        c,
                        &crate::models::audit::Actor::system(),
                        "credit.regrade",
                        "agency",
                        "all",
                        &serde_json::json!({ "regraded": graded, "day": today }),
                        "demo",
                    )
                })
                .map_err(|e: diesel::result::Error| e.to_string())?;
                println!("generated {n} more agencies");
            }
            Ok(ExitCode::SUCCESS)
        }),
        Command::VerifyAudit => with_db(|_, pool| {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            let r = crate::models::audit::verify(&mut c).map_err(|e| e.to_string())?;
            match r.broken {
                None => {
                    println!("audit trail intact: {} entries verified", r.checked);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "audit trail BROKEN at entry #{}: {:?} ({} entries before it verified)",
                        b.seq(),
                        b,
                        r.checked
                    );
                    Ok(ExitCode::from(2))
                }
            }
        }),
        Command::Backup { path } => with_db(|_, pool| backup(pool, &path)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zhongjie: {e}");
            ExitCode::FAILURE
        }
    }
}

fn with_db(
    f: impl FnOnce(&Config, &db::Pool) -> Result<ExitCode, String>,
) -> Result<ExitCode, String> {
    let cfg = Config::from_env(None).map_err(|e| e.to_string())?;
    let pool = open_database(&cfg)?;
    f(&cfg, &pool)
}

fn serve(bind: Option<String>, demo: bool) -> Result<ExitCode, String> {
    let cfg = Config::from_env(bind).map_err(|e| e.to_string())?;
    let pool = open_database(&cfg)?;
    if demo {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        let empty = crate::models::user::count_all(&mut c).map_err(|e| e.to_string())? == 0;
        if empty {
            crate::demo::load(&mut c)?.print();
        } else {
            println!("database already has accounts; demo data not loaded again");
            crate::demo::print_logins();
        }
    }
    let backend = match db::Backend::from_url(&cfg.database_url) {
        Ok(db::Backend::Postgres) => "postgres",
        _ => "sqlite",
    };
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(cfg.clone(), pool)?;
        tracing::info!(bind = %cfg.bind, port = app.port(), backend, database = %db::mask_url(&cfg.database_url), "serving");
        println!("zhongjie serving on http://{} ({backend})", cfg.bind);
        app.run_until_stopped().await.map_err(|e| e.to_string())?;
        Ok(ExitCode::SUCCESS)
    })
}

fn create_admin(pool: &db::Pool, email: &str, name: &str, phone: &str) -> Result<ExitCode, String> {
    use crate::domain::{password, validate};
    let email = validate::email(email)
        .map_err(|e| format!("--email: {e}"))?
        .to_lowercase();
    let name = validate::person_name(name).map_err(|e| format!("--name: {e}"))?;
    let phone = validate::phone_cn(phone).map_err(|e| format!("--phone: {e}"))?;
    let pw = match std::env::var("ZJ_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!("password (8-128 characters), then Enter:");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    password::check(&pw, &email).map_err(|e| {
        format!(
            "password refused: {}",
            crate::i18n::tr(crate::i18n::Lang::En, e.key())
        )
    })?;
    let hash = crate::auth::password::hash_blocking(&pw)?;
    let mut c = pool.get().map_err(|e| e.to_string())?;
    let id = db::write_tx(&mut c, |c| {
        let now = db::now();
        let new = crate::models::user::NewUser {
            role: "admin".into(),
            email: email.clone(),
            password_hash: hash,
            org_name: "攀枝花市政务服务管理局".into(),
            uscc: None,
            contact_name: name,
            phone,
            department_id: None,
            status: "active".into(),
            email_verified_at: Some(now),
            locale: "zh-CN".into(),
            is_demo: false,
            created_at: now,
            updated_at: now,
        };
        match crate::models::user::insert(c, &new)? {
            Ok(id) => {
                let u = crate::models::user::find(c, id)?.ok_or(diesel::result::Error::NotFound)?;
                crate::models::audit::record(
                    c,
                    &crate::models::audit::Actor::system(),
                    "user.create_admin",
                    "user",
                    id,
                    &u.audit_view(),
                    "command line",
                )?;
                Ok::<_, DbError>(Some(id))
            }
            Err(_) => Ok(None),
        }
    })
    .map_err(|e| e.to_string())?;
    match id {
        Some(id) => {
            println!("administrator {email} created (id {id})");
            Ok(ExitCode::SUCCESS)
        }
        None => Err(format!("an account with e-mail {email} already exists")),
    }
}

fn backup(pool: &db::Pool, path: &str) -> Result<ExitCode, String> {
    use diesel::RunQueryDsl;
    if std::path::Path::new(path).exists() {
        return Err(format!("{path} already exists"));
    }
    let mut c = pool.get().map_err(|e| e.to_string())?;
    match &mut *c {
        db::DbConnection::Sqlite(s) => {
            // VACUUM INTO writes a consistent snapshot while the server keeps running.
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(path)
                .execute(s)
                .map_err(|e| e.to_string())?;
            println!("backup written to {path}");
            Ok(ExitCode::SUCCESS)
        }
        db::DbConnection::Pg(_) => {
            Err("on PostgreSQL use: pg_dump --format=custom \"$DATABASE_URL\" > backup.dump".into())
        }
    }
}
