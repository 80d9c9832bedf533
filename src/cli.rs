//! Command line: `serve` (default), `migrate`, `create-admin`, `demo`, `verify-audit`, `backup`,
//! `verify-draw` (announcements, and inspection tasks with `--inspection`).

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{self};
use crate::domain::draw::{Proof, Seed};
use crate::error::StepError;
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
        /// Also generate this many announcements over the last two years, with their quotes,
        /// results, contracts and ratings (for load tests and the charts of /stats).
        #[arg(long, default_value_t = 0)]
        announcements: usize,
    },
    /// Verify the audit trail's hash chain; exit status 0 only when it is intact.
    VerifyAudit,
    /// Write everything a restore needs: a consistent copy of the database (SQLite: VACUUM
    /// INTO, safe while serving; PostgreSQL: runs pg_dump --format=custom) and the sealing key
    /// beside it in FILE.sealing.key (mode 0600); prints how to restore.
    Backup {
        /// Where to write the copy; neither it nor FILE.sealing.key may exist yet.
        path: String,
    },
    /// Recompute the draws of an announcement's result (from the database), or of a proof
    /// saved from the result page (`--file`, offline); exit status 0 only when they verify.
    VerifyDraw {
        /// The announcement whose published result is checked (needs DATABASE_URL).
        #[arg(
            required_unless_present_any = ["file", "inspection"],
            conflicts_with_all = ["file", "inspection"]
        )]
        announcement_id: Option<i64>,
        /// An inspection task whose draws are checked (needs DATABASE_URL): the agency draw
        /// over the fixed population and each agency's inspector draw.
        #[arg(long, conflicts_with = "file")]
        inspection: Option<i64>,
        /// A proof saved from the result page (JSON); checked without any database.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// With --file: the seed commitment published with the announcement (64 hex digits).
        #[arg(long, requires = "file")]
        commitment: Option<String>,
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
        Command::Demo {
            agencies,
            announcements,
        } => with_db(|cfg, pool| {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            crate::demo::load(&mut c, cfg)?.print();
            print_rehearsal(cfg, &mut c)?;
            crate::demo::bulk(&mut c, agencies, announcements)?;
            Ok(ExitCode::SUCCESS)
        }),
        Command::VerifyAudit => with_db(|_, pool| {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            let r = crate::audit::verify(&mut c).map_err(|e| e.to_string())?;
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
        Command::Backup { path } => with_db(|cfg, pool| {
            let b = crate::backup::run(cfg, pool, std::path::Path::new(&path))?;
            println!("{}", b.instructions());
            Ok(ExitCode::SUCCESS)
        }),
        Command::VerifyDraw {
            announcement_id,
            inspection,
            file,
            commitment,
        } => match (file, announcement_id, inspection) {
            (Some(path), _, _) => Ok(verify_draw_file(&path, commitment.as_deref())),
            (None, _, Some(id)) => with_db(|_, pool| verify_inspection_db(pool, id)),
            (None, Some(id), None) => with_db(|_, pool| verify_draw_db(pool, id)),
            (None, None, None) => Err("give an announcement id, --inspection or --file".into()),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zhongjie: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Says whether the database is a demo/training database and where its clock is moved.
fn print_rehearsal(cfg: &Config, c: &mut crate::db::DbConnection) -> Result<(), String> {
    let row = crate::accounts::store::platform::read(c).map_err(|e| e.to_string())?;
    if row.demo {
        println!(
            "demo/training database (演示环境): the administrator moves the platform clock forward at {}/admin/clock",
            cfg.public_url
        );
    } else {
        println!(
            "this database already had accounts before the demo: it is not a demo database, and has no platform clock page"
        );
    }
    Ok(())
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
        let empty =
            crate::accounts::store::user::count_all(&mut c).map_err(|e| e.to_string())? == 0;
        if empty {
            crate::demo::load(&mut c, &cfg)?.print();
        } else {
            println!("database already has accounts; demo data not loaded again");
            crate::demo::print_logins();
        }
        print_rehearsal(&cfg, &mut c)?;
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
    match crate::accounts::steps::create_admin(&mut c, &email, name, phone, hash) {
        Ok(id) => {
            println!("administrator {email} created (id {id})");
            Ok(ExitCode::SUCCESS)
        }
        Err(StepError::Refused(_)) => Err(format!("an account with e-mail {email} already exists")),
        Err(StepError::Db(e)) => Err(e.to_string()),
    }
}

// ---------------------------------------------------------------- verify-draw

/// Prints the steps, then the failure if any; the exit status says which.
fn report_steps(result: Result<Vec<String>, (Vec<String>, String)>) -> ExitCode {
    match result {
        Ok(steps) => {
            for s in steps {
                println!("{s}");
            }
            ExitCode::SUCCESS
        }
        Err((steps, failure)) => {
            for s in steps {
                println!("{s}");
            }
            println!("✗ {failure}");
            ExitCode::FAILURE
        }
    }
}

/// `verify-draw --file proof.json [--commitment HEX]`: no database at all.
fn verify_draw_file(path: &std::path::Path, commitment: Option<&str>) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            println!("✗ cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    // The proofs of an inspection task (`/inspections/{id}/proof.json`) name their population.
    if serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|v| v.get("population_hash").is_some())
    {
        return report_steps(verify_inspection_json(&text));
    }
    report_steps(verify_proof_json(&text, commitment))
}

/// Checks the proofs of an inspection task as published at `/inspections/{id}/proof.json`:
/// the population hash recomputes from the population; the agency draw has that hash as its
/// only commitment and the population as its candidates, and the sample is its first places
/// (as many as the rate gives); each agency's inspector draw uses the same seed, the
/// population hash and the agency's tag. Every proof's seed commitment is the published one.
pub fn verify_inspection_json(json: &str) -> Result<Vec<String>, (Vec<String>, String)> {
    use crate::domain::inspection as rules;
    let p: crate::inspections::views::TaskProofs = serde_json::from_str(json).map_err(|e| {
        (
            Vec::new(),
            format!("not the proofs of an inspection task: {e}"),
        )
    })?;
    let mut steps = Vec::new();
    let hash = rules::population_hash(p.task, &p.population);
    if hash != p.population_hash {
        return Err((
            steps,
            format!(
                "population: the hash recomputes to {hash}, not {}",
                p.population_hash
            ),
        ));
    }
    steps.push(format!(
        "✓ population of {} agencies hashes to {hash}",
        p.population.len()
    ));
    let a = &p.agencies;
    if a.commitments != [hash.clone()] || a.candidates != p.population {
        return Err((
            steps,
            "agency draw: its commitments or candidates are not the population".to_string(),
        ));
    }
    if !a.seed_commitment.eq_ignore_ascii_case(&p.seed_commitment) {
        return Err((
            steps,
            "agency draw: not the published seed commitment".into(),
        ));
    }
    proof_steps(a, "agency draw: ", &mut steps).map_err(|e| (steps.clone(), e))?;
    let n = rules::sample_size(p.population.len(), p.rate_pct);
    if n != p.sample_size {
        return Err((steps, format!("sample: {}% gives {n} agencies", p.rate_pct)));
    }
    let sample = &a.ranking[..n.min(a.ranking.len())];
    steps.push(format!(
        "✓ sample of {n} at {}%: {}",
        p.rate_pct,
        sample
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for x in &p.inspectors {
        let prefix = format!("inspectors of agency {}: ", x.agency);
        let tag = rules::agency_tag(p.task, x.agency);
        let mut expected = vec![hash.clone(), tag.clone()];
        expected.sort();
        if !sample.contains(&x.agency) || x.agency_tag != tag || x.proof.commitments != expected {
            return Err((steps, format!("{prefix}not a drawn agency or not its tag")));
        }
        if x.proof.seed != a.seed
            || !x
                .proof
                .seed_commitment
                .eq_ignore_ascii_case(&p.seed_commitment)
        {
            return Err((steps, format!("{prefix}not the task's seed")));
        }
        proof_steps(&x.proof, &prefix, &mut steps).map_err(|e| (steps.clone(), e))?;
    }
    Ok(steps)
}

/// `verify-draw --inspection <TASK_ID>`: the stored proofs of a drawn task.
fn verify_inspection_db(pool: &db::Pool, id: i64) -> Result<ExitCode, String> {
    use crate::inspections::store as st;
    let mut c = pool.get().map_err(|e| e.to_string())?;
    let task = st::find_task(&mut c, id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("inspection task {id} does not exist"))?;
    let population = st::population_of(&mut c, id).map_err(|e| e.to_string())?;
    let targets = st::targets_of(&mut c, id).map_err(|e| e.to_string())?;
    let proofs = crate::inspections::views::task_proofs(&task, population, &targets)
        .ok_or_else(|| format!("inspection task {id} has not been drawn"))?;
    let json = serde_json::to_string(&proofs).map_err(|e| e.to_string())?;
    Ok(report_steps(verify_inspection_json(&json)))
}

/// Checks one proof as saved from the result page (its JSON). With `published` the seed
/// commitment must also be the one published with the announcement. `Ok` holds the steps
/// that passed; `Err` the steps that passed and the first failure.
pub fn verify_proof_json(
    json: &str,
    published: Option<&str>,
) -> Result<Vec<String>, (Vec<String>, String)> {
    let proof: Proof =
        serde_json::from_str(json).map_err(|e| (Vec::new(), format!("not a draw proof: {e}")))?;
    let mut steps = Vec::new();
    match published {
        Some(p) => {
            if !p.trim().eq_ignore_ascii_case(&proof.seed_commitment) {
                return Err((
                    steps,
                    format!(
                        "seed commitment: the proof's {} is not the published {}",
                        proof.seed_commitment,
                        p.trim()
                    ),
                ));
            }
            steps.push(format!(
                "✓ seed commitment {} is the one published",
                proof.seed_commitment
            ));
        }
        None => steps.push(format!(
            "  (no --commitment given: compare {} with the one published with the announcement yourself)",
            proof.seed_commitment
        )),
    }
    proof_steps(&proof, "", &mut steps).map_err(|e| (steps.clone(), e))?;
    Ok(steps)
}

/// The steps of [`Proof::verify`] as lines, `prefix` naming the draw.
fn proof_steps(proof: &Proof, prefix: &str, steps: &mut Vec<String>) -> Result<(), String> {
    use crate::domain::draw::VerifyError as V;
    match proof.verify() {
        Ok(()) => {
            steps.push(format!(
                "✓ {prefix}seed: SHA-256(seed) = {}",
                proof.seed_commitment
            ));
            steps.push(format!(
                "✓ {prefix}draw input {} from the seed, {} quote commitment(s) and {} candidate(s)",
                proof.input,
                proof.commitments.len(),
                proof.candidates.len()
            ));
            steps.push(format!(
                "✓ {prefix}winner {} (counter {})",
                proof.winner, proof.counter
            ));
            let ranking: Vec<String> = proof.ranking.iter().map(i64::to_string).collect();
            steps.push(format!("✓ {prefix}ranking {}", ranking.join(", ")));
            Ok(())
        }
        Err(e) => {
            let step = match e {
                V::NotPublishedCommitment | V::SeedMalformed | V::SeedCommitmentMismatch { .. } => {
                    "seed commitment"
                }
                V::CommitmentMalformed { .. }
                | V::CommitmentsNotCanonical
                | V::CandidatesNotCanonical
                | V::InputMismatch { .. } => "draw input",
                V::CounterMismatch { .. } | V::WinnerMismatch { .. } => "winner",
                V::RankingMismatch { .. } => "ranking",
            };
            // Say what passed before the failing step.
            if step != "seed commitment" {
                steps.push(format!(
                    "✓ {prefix}seed: SHA-256(seed) = {}",
                    proof.seed_commitment
                ));
            }
            if step == "winner" || step == "ranking" {
                steps.push(format!("✓ {prefix}draw input {}", proof.input));
            }
            if step == "ranking" {
                steps.push(format!(
                    "✓ {prefix}winner {} (counter {})",
                    proof.winner, proof.counter
                ));
            }
            Err(format!("{prefix}{step}: {e}"))
        }
    }
}

/// Re-verifies every draw of a stored result: each proof's seed commitment must be the one
/// published with the announcement and its seed the one revealed at opening. `outcome` is the
/// stored JSON of `domain::selection::Outcome` (its `draws[].first_rank` and `draws[].proof`
/// are read). `Ok` holds the lines to print (one line saying there was no draw when the
/// outcome has none); `Err` the lines that passed and the first failure.
pub fn verify_proofs(
    seed_commitment: &str,
    seed_revealed: &str,
    outcome: &serde_json::Value,
) -> Result<Vec<String>, (Vec<String>, String)> {
    // Only the draws are read: a result kept for verification may hold nothing else.
    let draws: Vec<crate::domain::outcome::StoredDraw> = match outcome.get("draws") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(d) => serde_json::from_value(d.clone())
            .map_err(|e| (Vec::new(), format!("the stored draws do not read: {e}")))?,
    };
    let mut steps = Vec::new();
    if draws.is_empty() {
        steps.push("no draw in this result".to_string());
        return Ok(steps);
    }
    let seed = Seed::from_hex(seed_revealed.trim()).map_err(|_| {
        (
            Vec::new(),
            "seed commitment: the revealed seed is not 64 hex digits".to_string(),
        )
    })?;
    if !seed
        .commitment()
        .eq_ignore_ascii_case(seed_commitment.trim())
    {
        return Err((
            steps,
            format!(
                "seed commitment: SHA-256(revealed seed) is {}, not the published {}",
                seed.commitment(),
                seed_commitment.trim()
            ),
        ));
    }
    steps.push(format!(
        "✓ seed commitment: SHA-256(revealed seed) = published {}",
        seed_commitment.trim()
    ));
    for d in &draws {
        let prefix = format!("draw for rank {}: ", d.first_rank + 1);
        if !d.proof.seed.eq_ignore_ascii_case(&seed.to_hex()) {
            return Err((
                steps,
                format!("{prefix}seed commitment: the proof's seed is not the revealed seed"),
            ));
        }
        if !d
            .proof
            .seed_commitment
            .eq_ignore_ascii_case(seed_commitment.trim())
        {
            return Err((
                steps,
                format!("{prefix}seed commitment: the seed commitment is not the one published"),
            ));
        }
        proof_steps(&d.proof, &prefix, &mut steps).map_err(|e| (steps.clone(), e))?;
    }
    Ok(steps)
}

/// `verify-draw <ANNOUNCEMENT_ID>`: the published commitment and stored result.
fn verify_draw_db(pool: &db::Pool, id: i64) -> Result<ExitCode, String> {
    let mut c = pool.get().map_err(|e| e.to_string())?;
    let Some((commitment, revealed, outcome)) =
        load_draw_facts(&mut c, id).map_err(|e| e.to_string())?
    else {
        return Err(format!("announcement {id} has no published result"));
    };
    let Some(commitment) = commitment else {
        return Err(format!(
            "announcement {id} has no published seed commitment"
        ));
    };
    let outcome: serde_json::Value = match outcome {
        Some(o) => serde_json::from_str(&o).map_err(|e| format!("stored outcome: {e}"))?,
        None => serde_json::Value::Null,
    };
    Ok(report_steps(verify_proofs(
        &commitment,
        &revealed,
        &outcome,
    )))
}

/// (published seed commitment, revealed seed, outcome JSON) of an opened announcement.
pub type DrawFacts = (Option<String>, String, Option<String>);

/// The [`DrawFacts`] of an opened announcement; `None` when it has no result row.
pub fn load_draw_facts(
    c: &mut db::DbConnection,
    id: i64,
) -> diesel::QueryResult<Option<DrawFacts>> {
    use crate::db::schema::{announcement_results as r, announcements as a};
    use diesel::prelude::*;
    r::table
        .inner_join(a::table)
        .filter(r::announcement_id.eq(id))
        .select((a::seed_commitment, r::seed_revealed, r::outcome))
        .first(c)
        .optional()
}
