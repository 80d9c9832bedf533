//! Every write of random inspections, each in one write transaction with its audit entry and
//! its mail: keeping the inspector pool, creating and editing a draft task, publishing it
//! (population fixed and hashed, seed committed), the draw (agencies, then each agency's
//! inspectors; the agencies and inspectors are told), a recusal 回避 with its replacement,
//! and an agency's result (a problem adds an `inspection_failure` credit record through the
//! credit feature's own step).

use chrono::NaiveDate;

use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::credit::{Kind, RecordForm};
use crate::domain::draw::{Proof, Seed};
use crate::domain::inspection::{self as rules, InspectorForm, ResultForm, TaskForm};
use crate::domain::seal;
use crate::domain::validate::Problem;
use crate::error::{Refusal, StepError};
use crate::inspections::store::{self as st, Task};
use crate::mail::notify::mail_user;
use crate::web::fmt;

/// The account is not a regulator of the department.
pub const NOT_DEPARTMENT_REGULATOR: &str = "insp.err.not_regulator";
/// The account is in the pool already.
pub const ALREADY_IN_POOL: &str = "insp.err.in_pool";
/// The task is no longer a draft.
pub const NOT_DRAFT: &str = "insp.err.not_draft";
/// The task is not published (a draft, or drawn already).
pub const NOT_PUBLISHED: &str = "insp.err.not_published";
/// The pool has fewer inspectors than one agency needs.
pub const POOL_SHORT: &str = "insp.v.pool_short";
/// No inspector of the pool is left to replace a recused one.
pub const POOL_EXHAUSTED: &str = "insp.err.pool_exhausted";
/// The seed does not open (a different sealing key).
pub const SEED_UNREADABLE: &str = "insp.err.seed";
/// The result was recorded already.
pub const ALREADY_RECORDED: &str = "insp.err.recorded";
/// The user is not drawn (or no longer) for this agency.
pub const NOT_DRAWN: &str = "insp.err.not_drawn";

/// The `ref_kind` of the credit records results add.
pub const CREDIT_REF: &str = "inspection";

/// A value that does not serialise (or a proof that does not read back): a failure, not a
/// refusal.
fn stored<E: std::error::Error + Send + Sync + 'static>(e: E) -> DbError {
    DbError::Query(diesel::result::Error::SerializationError(Box::new(e)))
}

fn actor(me: &CurrentUser) -> Actor {
    Actor::user(me.id, me.role)
}

/// Seeds of inspection tasks are sealed like an announcement's, under the task id negated so
/// a task's box can never open as an announcement's (the id is bound into the box).
fn seal_id(task_id: i64) -> i64 {
    -task_id
}

/// Adds a regulator account of `department_id` to its pool.
pub fn add_inspector(
    c: &mut DbConnection,
    me: &CurrentUser,
    department_id: i64,
    f: &InspectorForm,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let u = crate::accounts::store::user::find(c, f.user_id)?
            .ok_or_else(|| Refusal::invalid(NOT_DEPARTMENT_REGULATOR))?;
        if u.role != crate::auth::Role::Regulator || u.department_id != Some(department_id) {
            return Err(Refusal::invalid(NOT_DEPARTMENT_REGULATOR).into());
        }
        if st::inspector_of_user(c, u.id)?.is_some_and(|i| i.active) {
            return Err(Refusal::conflict(ALREADY_IN_POOL).into());
        }
        let id = st::put_inspector(c, department_id, u.id, &f.name, &f.badge_no, me.id)?;
        let row = st::find_inspector(c, id)?;
        mail_user(c, u.id, "inspector_added", &[("badge", f.badge_no.clone())])?;
        audit::record(
            c,
            &actor(me),
            "inspection.inspector.add",
            "inspector",
            id,
            &row,
            &f.badge_no,
        )?;
        Ok(id)
    })
}

/// Takes an inspector out of the pool (its past draws keep naming it).
pub fn remove_inspector(
    c: &mut DbConnection,
    me: &CurrentUser,
    inspector_id: i64,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        if !st::remove_inspector(c, inspector_id)? {
            return Err(Refusal::conflict("insp.err.not_in_pool").into());
        }
        let row = st::find_inspector(c, inspector_id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.inspector.remove",
            "inspector",
            inspector_id,
            &row,
            "",
        )?;
        Ok(())
    })
}

fn new_task<'a>(department_id: i64, f: &'a TaskForm, scope: &'a str) -> st::NewTask<'a> {
    st::NewTask {
        department_id,
        title: &f.title,
        scope,
        rate_pct: f.rate_pct,
        inspectors_per_agency: f.inspectors_per_agency,
        window_start: f.window_start,
        window_end: f.window_end,
    }
}

/// A new draft task of the regulator's department. Returns its id.
pub fn create_task(
    c: &mut DbConnection,
    me: &CurrentUser,
    department_id: i64,
    f: &TaskForm,
) -> Result<i64, StepError> {
    let scope = rules::scope_text(&f.scope);
    write_tx(c, |c| {
        let id = st::insert_task(c, &new_task(department_id, f, &scope), me.id)?;
        let row = st::find_task(c, id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.task.create",
            "inspection_task",
            id,
            &row,
            &f.title,
        )?;
        Ok(id)
    })
}

/// Changes a draft.
pub fn update_task(
    c: &mut DbConnection,
    me: &CurrentUser,
    task: &Task,
    f: &TaskForm,
) -> Result<(), StepError> {
    let scope = rules::scope_text(&f.scope);
    write_tx(c, |c| {
        if !st::update_draft(c, task.id, &new_task(task.department_id, f, &scope))? {
            return Err(Refusal::conflict(NOT_DRAFT).into());
        }
        let row = st::find_task(c, task.id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.task.update",
            "inspection_task",
            task.id,
            &row,
            &f.title,
        )?;
        Ok(())
    })
}

/// Publishes a draft on `today`: the population in scope that day is fixed and hashed, a
/// fresh seed sealed and its commitment published, the results' deadline set. `Ok(Err(..))`
/// holds the problems that stop it (nothing written), against the form's fields.
pub fn publish_task(
    c: &mut DbConnection,
    me: &CurrentUser,
    task: &Task,
    seed: &Seed,
    key: &[u8; 32],
    today: NaiveDate,
) -> Result<Result<(), Vec<Problem>>, StepError> {
    let sealed = seal::seal_seed(key, seal_id(task.id), &seed.to_hex()).map_err(stored)?;
    write_tx(c, |c| {
        let fresh = st::find_task(c, task.id)?.ok_or_else(Refusal::not_found)?;
        if !fresh.is_draft() {
            return Err(Refusal::conflict(NOT_DRAFT).into());
        }
        let settings = crate::accounts::store::settings::load(c)?;
        let population = st::population(c, &fresh.scope_entries(), today)?;
        let pool = st::pool(c, fresh.department_id)?;
        let mut problems = rules::check_publication(
            population.len(),
            pool.len(),
            fresh.inspectors_per_agency,
            fresh.window_start,
            today,
        );
        let min_rate = i32::try_from(settings.get("inspection_min_rate_pct")).unwrap_or(5);
        if fresh.rate_pct < min_rate {
            problems.push(
                Problem::new("rate_pct", "insp.v.rate_min").with("min", min_rate.to_string()),
            );
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let hash = rules::population_hash(task.id, &population);
        let n = rules::sample_size(population.len(), fresh.rate_pct);
        let cal = crate::accounts::store::calendar::load_from(c, fresh.window_end)?;
        let due = rules::publish_due(
            &cal,
            fresh.window_end,
            settings.get("inspection_publish_days"),
        );
        let published = st::publish(
            c,
            task.id,
            &st::Publication {
                population: &population,
                population_hash: &hash,
                sample_size: i32::try_from(n).unwrap_or(i32::MAX),
                seed_commitment: &seed.commitment(),
                seed_sealed: &sealed,
                publish_due: due,
            },
        )?;
        if !published {
            return Err(Refusal::conflict(NOT_DRAFT).into());
        }
        let row = st::find_task(c, task.id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.task.publish",
            "inspection_task",
            task.id,
            &row,
            &hash,
        )?;
        Ok(Ok(()))
    })
}

/// What every drawn agency's inspector draw shares.
struct Drawn<'a> {
    seed: &'a Seed,
    hash: &'a str,
    pool: &'a [st::Inspector],
    pool_ids: &'a [i64],
    k: usize,
    department: &'a str,
}

/// One drawn agency: its inspector draw, its first `k` inspectors (each mailed), and the
/// agency told the inspection is coming.
fn draw_agency(
    c: &mut DbConnection,
    task: &Task,
    d: &Drawn,
    agency_id: i64,
    rank: usize,
) -> Result<(), StepError> {
    let proof = rules::draw_inspectors(d.seed, d.hash, task.id, agency_id, d.pool_ids)
        .map_err(|e| Refusal::conflict(e.key()))?;
    let json = serde_json::to_string(&proof).map_err(stored)?;
    let rank = i32::try_from(rank).unwrap_or(i32::MAX);
    let tid = st::insert_target(c, task.id, agency_id, rank, &json)?;
    let window = |a: &mut Vec<(&str, String)>| {
        a.push(("task", task.title.clone()));
        a.push(("id", task.id.to_string()));
        a.push(("start", fmt::date(task.window_start)));
        a.push(("end", fmt::date(task.window_end)));
    };
    for (inspector_id, pos) in rules::initial_inspectors(&proof.ranking, d.k) {
        let Some(ins) = d.pool.iter().find(|i| i.id == inspector_id) else {
            continue;
        };
        st::insert_assignment(c, tid, ins, i32::try_from(pos).unwrap_or(0))?;
        let mut a = vec![("target", tid.to_string())];
        window(&mut a);
        mail_user(c, ins.user_id, "inspection_assigned", &a)?;
    }
    let mut a = vec![("department", d.department.to_string())];
    window(&mut a);
    mail_user(c, agency_id, "inspection_notice", &a)?;
    Ok(())
}

/// The draw: reveals the seed, draws the agencies and, for each, its inspectors; tells each
/// drawn agency the inspection is coming and each inspector its assignment. Idempotent: a
/// task drawn already is left as it is (`Ok(false)`).
pub fn draw(
    c: &mut DbConnection,
    me: &CurrentUser,
    task_id: i64,
    key: &[u8; 32],
) -> Result<bool, StepError> {
    write_tx(c, |c| {
        let task = st::find_task(c, task_id)?.ok_or_else(Refusal::not_found)?;
        match task.status.as_str() {
            st::PUBLISHED => {}
            st::DRAWN | st::COMPLETED => return Ok(false),
            _ => return Err(Refusal::conflict(NOT_PUBLISHED).into()),
        }
        let seed = task
            .seed_sealed
            .as_deref()
            .and_then(|b| seal::open_seed(key, seal_id(task.id), b).ok())
            .and_then(|h| Seed::from_hex(&h).ok())
            .ok_or_else(|| Refusal::conflict(SEED_UNREADABLE))?;
        let hash = task.population_hash.clone().unwrap_or_default();
        let population = st::population_of(c, task.id)?;
        let (agency_proof, drawn) = rules::draw_agencies(&seed, &hash, &population, task.rate_pct)
            .map_err(|e| Refusal::conflict(e.key()))?;
        let pool = st::pool(c, task.department_id)?;
        let k = usize::try_from(task.inspectors_per_agency).unwrap_or(2);
        if pool.len() < k {
            return Err(Refusal::conflict(POOL_SHORT)
                .arg("pool", pool.len().to_string())
                .arg("needed", k.to_string())
                .into());
        }
        let pool_ids: Vec<i64> = pool.iter().map(|i| i.id).collect();
        let dept = crate::accounts::store::department::find(c, task.department_id)?
            .map(|d| d.name_zh)
            .unwrap_or_default();
        let d = Drawn {
            seed: &seed,
            hash: &hash,
            pool: &pool,
            pool_ids: &pool_ids,
            k,
            department: &dept,
        };
        for (rank, agency_id) in drawn.iter().enumerate() {
            draw_agency(c, &task, &d, *agency_id, rank)?;
        }
        let proof_json = serde_json::to_string(&agency_proof).map_err(stored)?;
        if !st::mark_drawn(c, task.id, &seed.to_hex(), &proof_json)? {
            return Err(Refusal::conflict(NOT_PUBLISHED).into());
        }
        let row = st::find_task(c, task.id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.task.draw",
            "inspection_task",
            task.id,
            &row,
            &agency_proof.input,
        )?;
        Ok(true)
    })
}

/// An inspector drawn for `target_id` declares a conflict 回避 with `reason`: the next place
/// of the target's inspector draw not yet taken replaces it (recorded, mailed). Returns the
/// replacement's assignment id.
pub fn recuse(
    c: &mut DbConnection,
    me: &CurrentUser,
    target_id: i64,
    reason: &str,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let target = st::find_target(c, target_id)?.ok_or_else(Refusal::not_found)?;
        if target.result.is_some() {
            return Err(Refusal::conflict(ALREADY_RECORDED).into());
        }
        let all = st::assignments_of_target(c, target_id)?;
        let mine = all
            .iter()
            .find(|a| a.user_id == me.id && a.is_active())
            .ok_or_else(|| Refusal::forbidden(NOT_DRAWN))?;
        let proof: Proof = serde_json::from_str(&target.inspector_proof).map_err(stored)?;
        let task = st::find_task(c, target.task_id)?.ok_or_else(Refusal::not_found)?;
        let pool = st::pool(c, task.department_id)?;
        // Taken: everyone assigned or recused here, and anyone no longer in the pool.
        let mut taken: Vec<i64> = all.iter().map(|a| a.inspector_id).collect();
        taken.extend(
            proof
                .ranking
                .iter()
                .filter(|id| !pool.iter().any(|p| p.id == **id)),
        );
        let (next, pos) = rules::replacement(&proof.ranking, &taken)
            .ok_or_else(|| Refusal::conflict(POOL_EXHAUSTED))?;
        let ins = pool
            .iter()
            .find(|p| p.id == next)
            .ok_or_else(|| Refusal::conflict(POOL_EXHAUSTED))?;
        let new_id = st::insert_assignment(c, target_id, ins, i32::try_from(pos).unwrap_or(0))?;
        if !st::recuse(c, mine.id, reason, Some(new_id))? {
            return Err(Refusal::conflict(NOT_DRAWN).into());
        }
        mail_user(
            c,
            ins.user_id,
            "inspection_assigned",
            &[
                ("task", task.title.clone()),
                ("id", target.task_id.to_string()),
                ("target", target_id.to_string()),
                ("start", fmt::date(task.window_start)),
                ("end", fmt::date(task.window_end)),
            ],
        )?;
        let rows = st::assignments_of_target(c, target_id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.recuse",
            "inspection_target",
            target_id,
            &rows,
            reason,
        )?;
        Ok(new_id)
    })
}

/// The `inspection_failure` credit record of a problem found, through the credit feature's
/// step (points of the rule set in force), linked both ways with the result.
fn add_credit_record(
    c: &mut DbConnection,
    me: &CurrentUser,
    task: &Task,
    target: &st::Target,
    f: &ResultForm,
    today: NaiveDate,
) -> Result<i64, StepError> {
    let rules_row = crate::credit::store::credit::current_rules(c)?;
    let points = rules_row.rules().points_for(Kind::InspectionFailure);
    let outcome = crate::i18n::tr(crate::i18n::Lang::Zh, f.outcome.label_key());
    let evidence = format!(
        "双随机抽查任务第 {} 号“{}”（/inspections/{}）：{}。{}",
        task.id, task.title, task.id, outcome, f.findings
    );
    let form = RecordForm {
        kind: Kind::InspectionFailure,
        points,
        evidence,
        legal_basis: "《优化营商环境条例》第五十六条；双随机、一公开监管".to_string(),
        effective_on: today,
    };
    let rid = crate::credit::steps::add_record_linked(
        c,
        me,
        target.agency_id,
        &form,
        None,
        Some((CREDIT_REF, target.id)),
    )?;
    st::link_credit_record(c, target.id, rid)?;
    Ok(rid)
}

/// Records the result for `target_id` by an inspector drawn for it; a problem adds an
/// `inspection_failure` credit record (the credit feature's `add_record_linked`) linked both
/// ways; the agency is mailed; the task completes with its last result.
pub fn record_result(
    c: &mut DbConnection,
    me: &CurrentUser,
    target_id: i64,
    f: &ResultForm,
    today: NaiveDate,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let target = st::find_target(c, target_id)?.ok_or_else(Refusal::not_found)?;
        let drawn = st::assignments_of_target(c, target_id)?
            .iter()
            .any(|a| a.user_id == me.id && a.is_active());
        if !drawn {
            return Err(Refusal::forbidden(NOT_DRAWN).into());
        }
        let task = st::find_task(c, target.task_id)?.ok_or_else(Refusal::not_found)?;
        let recorded = st::record_result(
            c,
            target_id,
            &st::ResultRow {
                result: f.outcome.code(),
                findings: &f.findings,
                rectify_by: f.rectify_by,
                penalty: &f.penalty,
                by: me.id,
            },
        )?;
        if !recorded {
            return Err(Refusal::conflict(ALREADY_RECORDED).into());
        }
        let credit_id = if f.outcome.is_problem() {
            Some(add_credit_record(c, me, &task, &target, f, today)?)
        } else {
            None
        };
        let l = crate::i18n::Lang::Zh;
        mail_user(
            c,
            target.agency_id,
            "inspection_result",
            &[
                ("task", task.title.clone()),
                ("id", task.id.to_string()),
                (
                    "outcome",
                    crate::i18n::tr(l, f.outcome.label_key()).to_string(),
                ),
                ("findings", f.findings.clone()),
            ],
        )?;
        if st::all_recorded(c, task.id)? {
            st::mark_completed(c, task.id)?;
        }
        let row = st::find_target(c, target_id)?;
        audit::record(
            c,
            &actor(me),
            "inspection.result",
            "inspection_target",
            target_id,
            &row,
            &credit_id
                .map(|i| format!("credit_record {i}"))
                .unwrap_or_default(),
        )?;
        Ok(())
    })
}
