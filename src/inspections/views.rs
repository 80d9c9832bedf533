//! Page data of random inspections, built from loaded rows: a task as the public sees it (and
//! its department's regulators, with their buttons), the list with coverage, the pool.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::draw::Proof;

use crate::accounts::store::department::Department;
use crate::domain::catalogue;
use crate::domain::inspection::{self as rules, Outcome, ScopeEntry};
use crate::i18n::{Lang, tr};
use crate::inspections::store::{self as st, Task, TaskFacts};
use crate::web::fmt;

pub struct AssignView {
    pub id: i64,
    pub user_id: i64,
    pub name_masked: String,
    pub badge_masked: String,
    pub draw_pos: i32,
    pub recused: bool,
    pub recused_reason: String,
    /// The masked name of who replaced this inspector.
    pub replaced_by: String,
}

pub struct TargetView {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub rank: i32,
    pub proof_json: String,
    pub agency_tag: String,
    pub inspectors: Vec<AssignView>,
    pub has_result: bool,
    pub outcome: String,
    pub is_problem: bool,
    pub findings: String,
    pub rectify_by: String,
    pub penalty: String,
    pub recorded_at: String,
    pub credit_record_id: Option<i64>,
}

impl TargetView {
    /// Whether user `uid` is drawn (and not recused) here.
    pub fn drawn(&self, uid: i64) -> bool {
        self.inspectors
            .iter()
            .any(|a| a.user_id == uid && !a.recused)
    }
}

pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub department: String,
    pub department_id: i64,
    pub scope: Vec<String>,
    pub rate_pct: i32,
    pub inspectors_per_agency: i32,
    pub window: String,
    pub status: String,
    pub status_code: String,
    pub population_size: String,
    pub population_hash: String,
    pub sample_size: String,
    pub seed_commitment: String,
    pub seed_revealed: String,
    pub agency_proof_json: String,
    pub publish_due: String,
    pub overdue: bool,
    pub targets: Vec<TargetView>,
    pub recorded: usize,
}

pub fn scope_label(lang: Lang, e: &ScopeEntry, items: &HashMap<i64, (String, String)>) -> String {
    match e {
        ScopeEntry::Item(id) => match items.get(id) {
            Some((code, name)) => format!("{code} {name}"),
            None => format!("#{id}"),
        },
        ScopeEntry::Qual(q) => format!(
            "{}{}",
            tr(lang, "insp.scope.qual_prefix"),
            fmt::qual_name(lang, q)
        ),
    }
}

pub fn status_label(lang: Lang, status: &str) -> String {
    tr(lang, &format!("insp.status.{status}")).to_string()
}

pub fn dept_name(lang: Lang, depts: &[Department], id: i64) -> String {
    fmt::dept(lang, depts, Some(id))
}

pub fn task_view(lang: Lang, f: &TaskFacts, today: NaiveDate) -> TaskView {
    let t = &f.task;
    let person = |assignment_id: Option<i64>| -> String {
        assignment_id
            .and_then(|aid| f.assignments.iter().find(|a| a.id == aid))
            .and_then(|a| f.inspectors.get(&a.inspector_id))
            .map(|i| rules::mask_name(&i.name))
            .unwrap_or_default()
    };
    let targets = f
        .targets
        .iter()
        .map(|g| {
            let inspectors = f
                .assignments
                .iter()
                .filter(|a| a.target_id == g.id)
                .map(|a| {
                    let ins = f.inspectors.get(&a.inspector_id);
                    AssignView {
                        id: a.id,
                        user_id: a.user_id,
                        name_masked: ins.map(|i| rules::mask_name(&i.name)).unwrap_or_default(),
                        badge_masked: ins
                            .map(|i| rules::mask_badge(&i.badge_no))
                            .unwrap_or_default(),
                        draw_pos: a.draw_pos + 1,
                        recused: a.recused_at.is_some(),
                        recused_reason: a.recused_reason.clone().unwrap_or_default(),
                        replaced_by: person(a.replaced_by),
                    }
                })
                .collect();
            let outcome = g.result.as_deref().and_then(Outcome::parse);
            TargetView {
                id: g.id,
                agency_id: g.agency_id,
                agency_name: f
                    .agency_names
                    .get(&g.agency_id)
                    .cloned()
                    .unwrap_or_default(),
                rank: g.draw_rank + 1,
                proof_json: g.inspector_proof.clone(),
                agency_tag: rules::agency_tag(t.id, g.agency_id),
                inspectors,
                has_result: outcome.is_some(),
                outcome: outcome
                    .map(|o| tr(lang, o.label_key()).to_string())
                    .unwrap_or_default(),
                is_problem: outcome.is_some_and(Outcome::is_problem),
                findings: g.findings.clone(),
                rectify_by: g.rectify_by.map(fmt::date).unwrap_or_default(),
                penalty: g.penalty.clone(),
                recorded_at: g.recorded_at.map(fmt::time).unwrap_or_default(),
                credit_record_id: g.credit_record_id,
            }
        })
        .collect::<Vec<_>>();
    let recorded = targets
        .iter()
        .filter(|x: &&TargetView| x.has_result)
        .count();
    let opt = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    TaskView {
        id: t.id,
        title: t.title.clone(),
        department: dept_name(lang, &f.departments, t.department_id),
        department_id: t.department_id,
        scope: t
            .scope_entries()
            .iter()
            .map(|e| scope_label(lang, e, &f.item_names))
            .collect(),
        rate_pct: t.rate_pct,
        inspectors_per_agency: t.inspectors_per_agency,
        window: format!(
            "{} – {}",
            fmt::date(t.window_start),
            fmt::date(t.window_end)
        ),
        status: status_label(lang, &t.status),
        status_code: t.status.clone(),
        population_size: opt(t.population_size),
        population_hash: t.population_hash.clone().unwrap_or_default(),
        sample_size: opt(t.sample_size),
        seed_commitment: t.seed_commitment.clone().unwrap_or_default(),
        seed_revealed: t.seed_revealed.clone().unwrap_or_default(),
        agency_proof_json: t.agency_proof.clone().unwrap_or_default(),
        publish_due: t.publish_due.map(fmt::date).unwrap_or_default(),
        overdue: t.publish_due.is_some_and(|d| d < today)
            && (t.status == st::PUBLISHED || t.status == st::DRAWN),
        targets,
        recorded,
    }
}

/// One row of the task lists.
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub department: String,
    pub rate_pct: i32,
    pub population_size: String,
    pub sample_size: String,
    pub window: String,
    pub status: String,
    pub publish_due: String,
    pub overdue: bool,
}

pub fn task_row(lang: Lang, depts: &[Department], t: &Task, today: NaiveDate) -> TaskRow {
    TaskRow {
        id: t.id,
        title: t.title.clone(),
        department: dept_name(lang, depts, t.department_id),
        rate_pct: t.rate_pct,
        population_size: t.population_size.map(|n| n.to_string()).unwrap_or_default(),
        sample_size: t.sample_size.map(|n| n.to_string()).unwrap_or_default(),
        window: format!(
            "{} – {}",
            fmt::date(t.window_start),
            fmt::date(t.window_end)
        ),
        status: status_label(lang, &t.status),
        publish_due: t.publish_due.map(fmt::date).unwrap_or_default(),
        overdue: t.publish_due.is_some_and(|d| d < today)
            && (t.status == st::PUBLISHED || t.status == st::DRAWN),
    }
}

/// Coverage rows: department, year, inspected, in scope, share in percent.
pub struct CoverageRow {
    pub department: String,
    pub year: i32,
    pub inspected: usize,
    pub in_scope: usize,
    pub share: String,
}

pub fn coverage_rows(
    lang: Lang,
    depts: &[Department],
    rows: &[(i64, i32, usize, usize)],
) -> Vec<CoverageRow> {
    rows.iter()
        .map(|(d, y, i, s)| CoverageRow {
            department: dept_name(lang, depts, *d),
            year: *y,
            inspected: *i,
            in_scope: *s,
            share: if *s == 0 {
                "—".into()
            } else {
                format!("{:.1}%", (*i as f64) * 100.0 / (*s as f64))
            },
        })
        .collect()
}

/// The scope choices of a department: its retained items and the qualification types its
/// regulators review.
pub fn scope_options(
    lang: Lang,
    dept_code: &str,
    items: &[(i64, String, String)],
) -> Vec<(ScopeEntry, String)> {
    let mut out: Vec<(ScopeEntry, String)> = items
        .iter()
        .map(|(id, code, name)| (ScopeEntry::Item(*id), format!("{code} {name}")))
        .collect();
    for (q, d, _) in catalogue::QUAL_TYPES {
        if *d == dept_code {
            out.push((
                ScopeEntry::Qual((*q).to_string()),
                format!(
                    "{}{}",
                    tr(lang, "insp.scope.qual_prefix"),
                    fmt::qual_name(lang, q)
                ),
            ));
        }
    }
    out
}

/// Every proof of a drawn task, for `zhongjie verify-draw --file` and any other checker.
#[derive(Serialize, Deserialize, Debug)]
pub struct TaskProofs {
    pub task: i64,
    pub seed_commitment: String,
    pub population_hash: String,
    pub rate_pct: i32,
    pub population: Vec<i64>,
    pub sample_size: usize,
    pub agencies: Proof,
    /// Per drawn agency: its id, its agency tag and its inspector draw.
    pub inspectors: Vec<AgencyProof>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct AgencyProof {
    pub agency: i64,
    pub agency_tag: String,
    pub proof: Proof,
}

/// The proofs of a drawn task; `None` before the draw.
pub fn task_proofs(
    task: &st::Task,
    population: Vec<i64>,
    targets: &[st::Target],
) -> Option<TaskProofs> {
    let agencies: Proof = serde_json::from_str(task.agency_proof.as_deref()?).ok()?;
    let inspectors = targets
        .iter()
        .filter_map(|g| {
            Some(AgencyProof {
                agency: g.agency_id,
                agency_tag: rules::agency_tag(task.id, g.agency_id),
                proof: serde_json::from_str(&g.inspector_proof).ok()?,
            })
        })
        .collect();
    Some(TaskProofs {
        task: task.id,
        seed_commitment: task.seed_commitment.clone().unwrap_or_default(),
        population_hash: task.population_hash.clone().unwrap_or_default(),
        rate_pct: task.rate_pct,
        sample_size: rules::sample_size(population.len(), task.rate_pct),
        population,
        agencies,
        inspectors,
    })
}
