//! Rows and queries of random inspections: the inspector pools, the tasks, their fixed
//! populations, the drawn agencies (targets) with their inspectors, and the figures of the
//! public page. Writes are called from `inspections::steps` only.

use crate::db::OneRow;
use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates, agency_items, catalogue_items, departments,
    inspection_assignments, inspection_population, inspection_targets, inspection_tasks,
    inspectors, users,
};
use crate::domain::inspection::ScopeEntry;
use crate::domain::status::{AgencyStatus, ItemStatus, ReviewStatus, Role, UserStatus};

pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";
pub const DRAWN: &str = "drawn";
pub const COMPLETED: &str = "completed";

// ---------------------------------------------------------------- inspector pool

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = inspectors)]
pub struct Inspector {
    pub id: i64,
    pub department_id: i64,
    pub user_id: i64,
    pub name: String,
    pub badge_no: String,
    pub active: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The department's pool: active entries, oldest first.
pub fn pool(conn: &mut DbConnection, department_id: i64) -> QueryResult<Vec<Inspector>> {
    inspectors::table
        .filter(inspectors::department_id.eq(department_id))
        .filter(inspectors::active.eq(true))
        .order(inspectors::id)
        .select(Inspector::as_select())
        .load(conn)
}

pub fn find_inspector(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Inspector>> {
    inspectors::table
        .find(id)
        .select(Inspector::as_select())
        .one(conn)
}

pub fn inspector_of_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<Inspector>> {
    inspectors::table
        .filter(inspectors::user_id.eq(user_id))
        .select(Inspector::as_select())
        .first(conn)
        .optional()
}

/// Inspectors by id (any state: past draws name removed ones too).
pub fn inspectors_by_id(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Inspector>> {
    Ok(inspectors::table
        .filter(inspectors::id.eq_any(ids))
        .select(Inspector::as_select())
        .load(conn)?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}

/// The department's active regulator accounts that are not in its pool: who may be added.
pub fn pool_candidates(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    let in_pool: Vec<i64> = inspectors::table
        .filter(inspectors::department_id.eq(department_id))
        .filter(inspectors::active.eq(true))
        .select(inspectors::user_id)
        .load(conn)?;
    Ok(users::table
        .filter(users::role.eq(Role::Regulator))
        .filter(users::status.eq(UserStatus::Active))
        .filter(users::department_id.eq(department_id))
        .order(users::id)
        .select((users::id, users::contact_name, users::email))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .filter(|(id, _, _)| !in_pool.contains(id))
        .collect())
}

/// Adds `user_id` to the pool (a removed entry of the same account comes back with the new
/// name and number). Returns the entry id.
pub fn put_inspector(
    conn: &mut DbConnection,
    department_id: i64,
    user_id: i64,
    name: &str,
    badge_no: &str,
    by: i64,
) -> QueryResult<i64> {
    let now = crate::db::now();
    if let Some(old) = inspector_of_user(conn, user_id)? {
        diesel::update(inspectors::table.find(old.id))
            .set((
                inspectors::department_id.eq(department_id),
                inspectors::name.eq(name),
                inspectors::badge_no.eq(badge_no),
                inspectors::active.eq(true),
                inspectors::updated_at.eq(now),
            ))
            .execute(conn)?;
        return Ok(old.id);
    }
    diesel::insert_into(inspectors::table)
        .values((
            inspectors::department_id.eq(department_id),
            inspectors::user_id.eq(user_id),
            inspectors::name.eq(name),
            inspectors::badge_no.eq(badge_no),
            inspectors::active.eq(true),
            inspectors::created_by.eq(by),
            inspectors::created_at.eq(now),
            inspectors::updated_at.eq(now),
        ))
        .execute(conn)?;
    inspectors::table
        .filter(inspectors::user_id.eq(user_id))
        .select(inspectors::id)
        .first(conn)
}

/// Takes an entry out of the pool (kept for the draws that name it). False if it was out.
pub fn remove_inspector(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        inspectors::table
            .find(id)
            .filter(inspectors::active.eq(true)),
    )
    .set((
        inspectors::active.eq(false),
        inspectors::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- tasks

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = inspection_tasks)]
pub struct Task {
    pub id: i64,
    pub department_id: i64,
    pub title: String,
    pub scope: String,
    pub rate_pct: i32,
    pub inspectors_per_agency: i32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub status: String,
    pub population_size: Option<i32>,
    pub population_hash: Option<String>,
    pub sample_size: Option<i32>,
    pub seed_commitment: Option<String>,
    #[serde(skip)]
    pub seed_sealed: Option<String>,
    pub seed_revealed: Option<String>,
    pub agency_proof: Option<String>,
    pub publish_due: Option<NaiveDate>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub drawn_at: Option<NaiveDateTime>,
}

impl Task {
    pub fn is_draft(&self) -> bool {
        self.status == DRAFT
    }
    pub fn scope_entries(&self) -> Vec<ScopeEntry> {
        crate::domain::inspection::parse_scope(&self.scope)
    }
}

pub fn find_task(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Task>> {
    inspection_tasks::table
        .find(id)
        .select(Task::as_select())
        .one(conn)
}

/// Published tasks (every status but draft), newest first; `department` narrows.
pub fn public_tasks(conn: &mut DbConnection, department: Option<i64>) -> QueryResult<Vec<Task>> {
    let mut q = inspection_tasks::table
        .filter(inspection_tasks::status.ne(DRAFT))
        .into_boxed();
    if let Some(d) = department {
        q = q.filter(inspection_tasks::department_id.eq(d));
    }
    q.order(inspection_tasks::id.desc())
        .select(Task::as_select())
        .load(conn)
}

/// Every task of a department (drafts too), newest first.
pub fn department_tasks(conn: &mut DbConnection, department_id: i64) -> QueryResult<Vec<Task>> {
    inspection_tasks::table
        .filter(inspection_tasks::department_id.eq(department_id))
        .order(inspection_tasks::id.desc())
        .select(Task::as_select())
        .load(conn)
}

/// Tasks drawn but not completed whose publication day has passed (`department` narrows).
pub fn overdue(
    conn: &mut DbConnection,
    today: NaiveDate,
    department: Option<i64>,
) -> QueryResult<Vec<Task>> {
    let mut q = inspection_tasks::table
        .filter(inspection_tasks::status.eq_any([PUBLISHED, DRAWN]))
        .filter(inspection_tasks::publish_due.lt(today))
        .into_boxed();
    if let Some(d) = department {
        q = q.filter(inspection_tasks::department_id.eq(d));
    }
    q.order(inspection_tasks::publish_due)
        .select(Task::as_select())
        .load(conn)
}

pub struct NewTask<'a> {
    pub department_id: i64,
    pub title: &'a str,
    pub scope: &'a str,
    pub rate_pct: i32,
    pub inspectors_per_agency: i32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
}

pub fn insert_task(conn: &mut DbConnection, t: &NewTask, by: i64) -> QueryResult<i64> {
    let now = crate::db::now();
    diesel::insert_into(inspection_tasks::table)
        .values((
            inspection_tasks::department_id.eq(t.department_id),
            inspection_tasks::title.eq(t.title),
            inspection_tasks::scope.eq(t.scope),
            inspection_tasks::rate_pct.eq(t.rate_pct),
            inspection_tasks::inspectors_per_agency.eq(t.inspectors_per_agency),
            inspection_tasks::window_start.eq(t.window_start),
            inspection_tasks::window_end.eq(t.window_end),
            inspection_tasks::status.eq(DRAFT),
            inspection_tasks::created_by.eq(by),
            inspection_tasks::created_at.eq(now),
            inspection_tasks::updated_at.eq(now),
        ))
        .execute(conn)?;
    inspection_tasks::table
        .filter(inspection_tasks::created_by.eq(by))
        .order(inspection_tasks::id.desc())
        .select(inspection_tasks::id)
        .first(conn)
}

/// Changes a draft; false when it is no longer a draft.
pub fn update_draft(conn: &mut DbConnection, id: i64, t: &NewTask) -> QueryResult<bool> {
    let n = diesel::update(
        inspection_tasks::table
            .find(id)
            .filter(inspection_tasks::status.eq(DRAFT)),
    )
    .set((
        inspection_tasks::title.eq(t.title),
        inspection_tasks::scope.eq(t.scope),
        inspection_tasks::rate_pct.eq(t.rate_pct),
        inspection_tasks::inspectors_per_agency.eq(t.inspectors_per_agency),
        inspection_tasks::window_start.eq(t.window_start),
        inspection_tasks::window_end.eq(t.window_end),
        inspection_tasks::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The agencies in `scope` on `today`: active agencies offering one of its items, or holding
/// an approved certificate of one of its qualification types that counts on the day (as the
/// library counts them). Ascending ids.
pub fn population(
    conn: &mut DbConnection,
    scope: &[ScopeEntry],
    today: NaiveDate,
) -> QueryResult<Vec<i64>> {
    let items: Vec<i64> = scope
        .iter()
        .filter_map(|e| match e {
            ScopeEntry::Item(i) => Some(*i),
            ScopeEntry::Qual(_) => None,
        })
        .collect();
    let quals: Vec<String> = scope
        .iter()
        .filter_map(|e| match e {
            ScopeEntry::Qual(q) => Some(q.clone()),
            ScopeEntry::Item(_) => None,
        })
        .collect();
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    if !items.is_empty() {
        ids.extend(
            agency_items::table
                .filter(agency_items::item_id.eq_any(&items))
                .select(agency_items::agency_id)
                .load::<i64>(conn)?,
        );
    }
    if !quals.is_empty() {
        ids.extend(
            agency_certificates::table
                .filter(agency_certificates::qual_type.eq_any(&quals))
                .filter(agency_certificates::status.eq(ReviewStatus::Approved))
                .filter(agency_certificates::valid_from.le(today))
                .filter(agency_certificates::valid_to.ge(today))
                .select(agency_certificates::agency_id)
                .load::<i64>(conn)?,
        );
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    agencies::table
        .filter(agencies::user_id.eq_any(&ids))
        .filter(agencies::status.eq(AgencyStatus::Active))
        .order(agencies::user_id)
        .select(agencies::user_id)
        .load(conn)
}

pub struct Publication<'a> {
    pub population: &'a [i64],
    pub population_hash: &'a str,
    pub sample_size: i32,
    pub seed_commitment: &'a str,
    pub seed_sealed: &'a str,
    pub publish_due: NaiveDate,
}

/// Fixes the population and publishes the draft; false when it is no longer a draft.
pub fn publish(conn: &mut DbConnection, id: i64, p: &Publication) -> QueryResult<bool> {
    let now = crate::db::now();
    let n = diesel::update(
        inspection_tasks::table
            .find(id)
            .filter(inspection_tasks::status.eq(DRAFT)),
    )
    .set((
        inspection_tasks::status.eq(PUBLISHED),
        inspection_tasks::population_size.eq(i32::try_from(p.population.len()).unwrap_or(i32::MAX)),
        inspection_tasks::population_hash.eq(p.population_hash),
        inspection_tasks::sample_size.eq(p.sample_size),
        inspection_tasks::seed_commitment.eq(p.seed_commitment),
        inspection_tasks::seed_sealed.eq(p.seed_sealed),
        inspection_tasks::publish_due.eq(p.publish_due),
        inspection_tasks::published_at.eq(now),
        inspection_tasks::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    for a in p.population {
        diesel::insert_into(inspection_population::table)
            .values((
                inspection_population::task_id.eq(id),
                inspection_population::agency_id.eq(*a),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

pub fn population_of(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<i64>> {
    inspection_population::table
        .filter(inspection_population::task_id.eq(task_id))
        .order(inspection_population::agency_id)
        .select(inspection_population::agency_id)
        .load(conn)
}

/// Marks the task drawn with its revealed seed and agency proof; false if it was drawn.
pub fn mark_drawn(
    conn: &mut DbConnection,
    id: i64,
    seed_hex: &str,
    agency_proof: &str,
) -> QueryResult<bool> {
    let now = crate::db::now();
    let n = diesel::update(
        inspection_tasks::table
            .find(id)
            .filter(inspection_tasks::status.eq(PUBLISHED)),
    )
    .set((
        inspection_tasks::status.eq(DRAWN),
        inspection_tasks::seed_revealed.eq(seed_hex),
        inspection_tasks::agency_proof.eq(agency_proof),
        inspection_tasks::drawn_at.eq(now),
        inspection_tasks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_completed(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        inspection_tasks::table
            .find(id)
            .filter(inspection_tasks::status.eq(DRAWN)),
    )
    .set((
        inspection_tasks::status.eq(COMPLETED),
        inspection_tasks::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- targets and assignments

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = inspection_targets)]
pub struct Target {
    pub id: i64,
    pub task_id: i64,
    pub agency_id: i64,
    pub draw_rank: i32,
    pub inspector_proof: String,
    pub result: Option<String>,
    pub findings: String,
    pub rectify_by: Option<NaiveDate>,
    pub penalty: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: Option<NaiveDateTime>,
    pub credit_record_id: Option<i64>,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = inspection_assignments)]
pub struct Assignment {
    pub id: i64,
    pub target_id: i64,
    pub inspector_id: i64,
    pub user_id: i64,
    pub draw_pos: i32,
    pub recused_reason: Option<String>,
    pub recused_at: Option<NaiveDateTime>,
    pub replaced_by: Option<i64>,
}

impl Assignment {
    pub fn is_active(&self) -> bool {
        self.recused_at.is_none()
    }
}

pub fn insert_target(
    conn: &mut DbConnection,
    task_id: i64,
    agency_id: i64,
    rank: i32,
    proof: &str,
) -> QueryResult<i64> {
    diesel::insert_into(inspection_targets::table)
        .values((
            inspection_targets::task_id.eq(task_id),
            inspection_targets::agency_id.eq(agency_id),
            inspection_targets::draw_rank.eq(rank),
            inspection_targets::inspector_proof.eq(proof),
            inspection_targets::findings.eq(""),
            inspection_targets::penalty.eq(""),
        ))
        .execute(conn)?;
    inspection_targets::table
        .filter(inspection_targets::task_id.eq(task_id))
        .filter(inspection_targets::agency_id.eq(agency_id))
        .select(inspection_targets::id)
        .first(conn)
}

pub fn insert_assignment(
    conn: &mut DbConnection,
    target_id: i64,
    inspector: &Inspector,
    pos: i32,
) -> QueryResult<i64> {
    diesel::insert_into(inspection_assignments::table)
        .values((
            inspection_assignments::target_id.eq(target_id),
            inspection_assignments::inspector_id.eq(inspector.id),
            inspection_assignments::user_id.eq(inspector.user_id),
            inspection_assignments::draw_pos.eq(pos),
        ))
        .execute(conn)?;
    inspection_assignments::table
        .filter(inspection_assignments::target_id.eq(target_id))
        .filter(inspection_assignments::inspector_id.eq(inspector.id))
        .select(inspection_assignments::id)
        .first(conn)
}

/// Marks an assignment recused and names its replacement; false if it was recused already.
pub fn recuse(
    conn: &mut DbConnection,
    assignment_id: i64,
    reason: &str,
    replaced_by: Option<i64>,
) -> QueryResult<bool> {
    let n = diesel::update(
        inspection_assignments::table
            .find(assignment_id)
            .filter(inspection_assignments::recused_at.is_null()),
    )
    .set((
        inspection_assignments::recused_reason.eq(reason),
        inspection_assignments::recused_at.eq(crate::db::now()),
        inspection_assignments::replaced_by.eq(replaced_by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_replaced_by(conn: &mut DbConnection, id: i64, by: i64) -> QueryResult<()> {
    diesel::update(inspection_assignments::table.find(id))
        .set(inspection_assignments::replaced_by.eq(by))
        .execute(conn)?;
    Ok(())
}

pub fn find_target(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Target>> {
    inspection_targets::table
        .find(id)
        .select(Target::as_select())
        .one(conn)
}

pub fn targets_of(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Target>> {
    inspection_targets::table
        .filter(inspection_targets::task_id.eq(task_id))
        .order(inspection_targets::draw_rank)
        .select(Target::as_select())
        .load(conn)
}

pub fn assignments_of_target(
    conn: &mut DbConnection,
    target_id: i64,
) -> QueryResult<Vec<Assignment>> {
    inspection_assignments::table
        .filter(inspection_assignments::target_id.eq(target_id))
        .order(inspection_assignments::draw_pos)
        .select(Assignment::as_select())
        .load(conn)
}

pub fn assignments_of_task(conn: &mut DbConnection, task_id: i64) -> QueryResult<Vec<Assignment>> {
    inspection_assignments::table
        .inner_join(inspection_targets::table)
        .filter(inspection_targets::task_id.eq(task_id))
        .order((
            inspection_assignments::target_id,
            inspection_assignments::draw_pos,
        ))
        .select(Assignment::as_select())
        .load(conn)
}

pub struct ResultRow<'a> {
    pub result: &'a str,
    pub findings: &'a str,
    pub rectify_by: Option<NaiveDate>,
    pub penalty: &'a str,
    pub by: i64,
}

/// Stores a target's result once; false when it has one already.
pub fn record_result(conn: &mut DbConnection, target_id: i64, r: &ResultRow) -> QueryResult<bool> {
    let n = diesel::update(
        inspection_targets::table
            .find(target_id)
            .filter(inspection_targets::result.is_null()),
    )
    .set((
        inspection_targets::result.eq(r.result),
        inspection_targets::findings.eq(r.findings),
        inspection_targets::rectify_by.eq(r.rectify_by),
        inspection_targets::penalty.eq(r.penalty),
        inspection_targets::recorded_by.eq(r.by),
        inspection_targets::recorded_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn link_credit_record(
    conn: &mut DbConnection,
    target_id: i64,
    record_id: i64,
) -> QueryResult<()> {
    diesel::update(inspection_targets::table.find(target_id))
        .set(inspection_targets::credit_record_id.eq(record_id))
        .execute(conn)?;
    Ok(())
}

/// Whether every target of the task has a result.
pub fn all_recorded(conn: &mut DbConnection, task_id: i64) -> QueryResult<bool> {
    let open: i64 = inspection_targets::table
        .filter(inspection_targets::task_id.eq(task_id))
        .filter(inspection_targets::result.is_null())
        .count()
        .get_result(conn)?;
    Ok(open == 0)
}

/// The targets `user_id` is drawn for (and not recused), with their task, newest first:
/// the inspector's own list.
pub fn my_targets(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<(Target, Task)>> {
    inspection_assignments::table
        .inner_join(inspection_targets::table.inner_join(inspection_tasks::table))
        .filter(inspection_assignments::user_id.eq(user_id))
        .filter(inspection_assignments::recused_at.is_null())
        .order(inspection_targets::id.desc())
        .select((Target::as_select(), Task::as_select()))
        .load(conn)
}

/// Agency names by id.
pub fn agency_names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(agencies::table
        .filter(agencies::user_id.eq_any(ids))
        .select((agencies::user_id, agencies::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The department's retained catalogue items (id, code, name): the item scopes it may pick.
pub fn department_items(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    catalogue_items::table
        .filter(catalogue_items::department_id.eq(department_id))
        .filter(catalogue_items::status.eq(ItemStatus::Retained))
        .order(catalogue_items::code)
        .select((
            catalogue_items::id,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load(conn)
}

pub fn department_code(conn: &mut DbConnection, department_id: i64) -> QueryResult<String> {
    departments::table
        .find(department_id)
        .select(departments::code)
        .first(conn)
}

/// Coverage per department and year: (department id, year, agencies inspected, agencies in
/// scope) — distinct agencies drawn in that year's tasks over distinct agencies in their
/// populations (the year of the window's start).
pub fn coverage(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i32, usize, usize)>> {
    use chrono::Datelike;
    let tasks: Vec<(i64, i64, NaiveDate)> = inspection_tasks::table
        .filter(inspection_tasks::status.ne(DRAFT))
        .select((
            inspection_tasks::id,
            inspection_tasks::department_id,
            inspection_tasks::window_start,
        ))
        .load(conn)?;
    let pop: Vec<(i64, i64)> = inspection_population::table
        .select((
            inspection_population::task_id,
            inspection_population::agency_id,
        ))
        .load(conn)?;
    let drawn: Vec<(i64, i64)> = inspection_targets::table
        .select((inspection_targets::task_id, inspection_targets::agency_id))
        .load(conn)?;
    let key: HashMap<i64, (i64, i32)> = tasks
        .iter()
        .map(|(id, d, w)| (*id, (*d, w.year())))
        .collect();
    let mut scope: std::collections::BTreeMap<(i64, i32), (BTreeSet<i64>, BTreeSet<i64>)> =
        std::collections::BTreeMap::new();
    for (t, a) in pop {
        if let Some(k) = key.get(&t) {
            scope.entry(*k).or_default().1.insert(a);
        }
    }
    for (t, a) in drawn {
        if let Some(k) = key.get(&t) {
            scope.entry(*k).or_default().0.insert(a);
        }
    }
    Ok(scope
        .into_iter()
        .map(|((d, y), (i, s))| (d, y, i.len(), s.len()))
        .collect())
}

// ---------------------------------------------------------------- page reads

/// Everything a task page shows, read in one go.
pub struct TaskFacts {
    pub task: Task,
    pub targets: Vec<Target>,
    pub assignments: Vec<Assignment>,
    pub inspectors: HashMap<i64, Inspector>,
    pub agency_names: HashMap<i64, String>,
    pub item_names: HashMap<i64, (String, String)>,
    pub departments: Vec<crate::accounts::store::department::Department>,
}

pub fn task_facts(conn: &mut DbConnection, task: Task) -> QueryResult<TaskFacts> {
    let targets = targets_of(conn, task.id)?;
    let assignments = assignments_of_task(conn, task.id)?;
    let ids: Vec<i64> = assignments.iter().map(|a| a.inspector_id).collect();
    let inspectors = inspectors_by_id(conn, &ids)?;
    let agency_ids: Vec<i64> = targets.iter().map(|t| t.agency_id).collect();
    let agency_names = agency_names(conn, &agency_ids)?;
    let item_names = department_items(conn, task.department_id)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    let departments = crate::accounts::store::department::all(conn)?;
    Ok(TaskFacts {
        task,
        targets,
        assignments,
        inspectors,
        agency_names,
        item_names,
        departments,
    })
}
