//! Random inspections 双随机、一公开: the rules of a task, its sample, its draws and its
//! deadlines, as pure functions.
//!
//! - A task samples at least `min_rate` percent (setting `inspection_min_rate_pct`, 5 by
//!   default) of the agencies in scope, at least one ([`sample_size`]), and sends at least two
//!   inspectors to each drawn agency.
//! - At publication the population (the agencies in scope that day) is fixed and hashed
//!   ([`population_hash`]) and a seed commitment published (`domain::draw::Seed`).
//! - The draw uses the verifiable draw of `domain::draw` unchanged (same message, same proof):
//!   the **agency draw** has the population hash as its only commitment and the population's
//!   agency ids as candidates; the first [`sample_size`] places of its ranking are inspected.
//!   Each drawn agency's **inspector draw** has two commitments, the population hash and
//!   [`agency_tag`] (so every agency gets its own order), and the ids of the department's
//!   inspector pool entries as candidates; the first `k` places go, and an inspector who
//!   declares a conflict (回避) is replaced by the next place of the same order
//!   ([`replacement`]) — anyone can recompute who that had to be.
//! - Results are published within `inspection_publish_days` (20) working days of the
//!   window's end ([`publish_due`]).

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::draw::{DrawError, Proof, Seed};
use crate::domain::validate::{self, Problem};
use crate::domain::workdays::Calendar;

/// The fewest inspectors sent to one agency.
pub const MIN_INSPECTORS: i32 = 2;
/// The most inspectors sent to one agency (a form bound, not a rule of the policy).
pub const MAX_INSPECTORS: i32 = 10;
pub const TITLE_MAX: usize = 100;
pub const FINDINGS_MAX: usize = 2000;
pub const PENALTY_MAX: usize = 500;
pub const BADGE_MAX: usize = 30;
pub const REASON_MAX: usize = 500;

/// First line of the population hash's text.
pub const POPULATION_VERSION: &str = "zhongjie-inspection-population-v1";
/// Prefix of an agency tag's text.
pub const AGENCY_TAG_VERSION: &str = "zhongjie-inspection-agency-v1";

/// One entry of a task's scope: a catalogue item or a qualification type of the department.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScopeEntry {
    Item(i64),
    Qual(String),
}

impl ScopeEntry {
    pub fn code(&self) -> String {
        match self {
            ScopeEntry::Item(id) => format!("item:{id}"),
            ScopeEntry::Qual(q) => format!("qual:{q}"),
        }
    }

    pub fn parse(s: &str) -> Option<ScopeEntry> {
        let (k, v) = s.trim().split_once(':')?;
        match k {
            "item" => v
                .parse::<i64>()
                .ok()
                .filter(|i| *i > 0)
                .map(ScopeEntry::Item),
            "qual" if !v.is_empty() && v.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                Some(ScopeEntry::Qual(v.to_string()))
            }
            _ => None,
        }
    }
}

/// A stored scope (`item:3,qual:geo_hazard`) back into entries; unknown parts are dropped.
pub fn parse_scope(stored: &str) -> Vec<ScopeEntry> {
    stored.split(',').filter_map(ScopeEntry::parse).collect()
}

pub fn scope_text(entries: &[ScopeEntry]) -> String {
    entries
        .iter()
        .map(ScopeEntry::code)
        .collect::<Vec<_>>()
        .join(",")
}

/// The task form as typed.
#[derive(Clone, Debug, Default)]
pub struct TaskInput {
    pub title: String,
    /// Checked scope entries (`item:ID` / `qual:CODE`).
    pub scope: Vec<String>,
    pub rate_pct: String,
    pub inspectors_per_agency: String,
    pub window_start: String,
    pub window_end: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskForm {
    pub title: String,
    pub scope: Vec<ScopeEntry>,
    pub rate_pct: i32,
    pub inspectors_per_agency: i32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
}

fn parse_int(s: &str) -> Option<i32> {
    s.trim().parse::<i32>().ok()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Checks the task form on `today`: a title; a scope of entries among `allowed` (the
/// department's items and qualification types); a rate of at least `min_rate` percent (and
/// at most 100); 2–10 inspectors per agency; a window that starts today or later and ends on
/// or after its start. Every refused field is reported.
pub fn parse_task(
    i: &TaskInput,
    today: NaiveDate,
    min_rate: i32,
    allowed: &[ScopeEntry],
) -> Result<TaskForm, Vec<Problem>> {
    let mut p = Vec::new();
    let title = validate::field(&mut p, "title", validate::text(&i.title, TITLE_MAX, true));
    let mut scope: Vec<ScopeEntry> = Vec::new();
    for s in &i.scope {
        match ScopeEntry::parse(s) {
            Some(e) if allowed.contains(&e) => scope.push(e),
            _ => {
                p.push(Problem::new("scope", "insp.v.scope_foreign"));
                break;
            }
        }
    }
    scope.sort();
    scope.dedup();
    if scope.is_empty() && !p.iter().any(|x| x.field == "scope") {
        p.push(Problem::new("scope", "insp.v.scope_required"));
    }
    let rate = match parse_int(&i.rate_pct) {
        None if i.rate_pct.trim().is_empty() => {
            p.push(Problem::new("rate_pct", "v.required"));
            None
        }
        None => {
            p.push(Problem::new("rate_pct", "insp.v.integer"));
            None
        }
        Some(r) if r < min_rate => {
            p.push(Problem::new("rate_pct", "insp.v.rate_min").with("min", min_rate.to_string()));
            None
        }
        Some(r) if r > 100 => {
            p.push(Problem::new("rate_pct", "insp.v.rate_max"));
            None
        }
        Some(r) => Some(r),
    };
    let per = match parse_int(&i.inspectors_per_agency) {
        None if i.inspectors_per_agency.trim().is_empty() => {
            p.push(Problem::new("inspectors_per_agency", "v.required"));
            None
        }
        None => {
            p.push(Problem::new("inspectors_per_agency", "insp.v.integer"));
            None
        }
        Some(n) if n < MIN_INSPECTORS => {
            p.push(
                Problem::new("inspectors_per_agency", "insp.v.inspectors_min")
                    .with("min", MIN_INSPECTORS.to_string()),
            );
            None
        }
        Some(n) if n > MAX_INSPECTORS => {
            p.push(
                Problem::new("inspectors_per_agency", "insp.v.inspectors_max")
                    .with("max", MAX_INSPECTORS.to_string()),
            );
            None
        }
        Some(n) => Some(n),
    };
    let start = match parse_date(&i.window_start) {
        None if i.window_start.trim().is_empty() => {
            p.push(Problem::new("window_start", "v.required"));
            None
        }
        None => {
            p.push(Problem::new("window_start", "insp.v.date"));
            None
        }
        Some(d) if d < today => {
            p.push(Problem::new("window_start", "insp.v.window_past"));
            None
        }
        Some(d) => Some(d),
    };
    let end = match parse_date(&i.window_end) {
        None if i.window_end.trim().is_empty() => {
            p.push(Problem::new("window_end", "v.required"));
            None
        }
        None => {
            p.push(Problem::new("window_end", "insp.v.date"));
            None
        }
        Some(d) if d < today => {
            p.push(Problem::new("window_end", "insp.v.window_past"));
            None
        }
        Some(d) if start.is_some_and(|s| d < s) => {
            p.push(Problem::new("window_end", "insp.v.window_order"));
            None
        }
        Some(d) => Some(d),
    };
    match (title, rate, per, start, end) {
        (Some(title), Some(rate_pct), Some(inspectors_per_agency), Some(ws), Some(we))
            if p.is_empty() =>
        {
            Ok(TaskForm {
                title,
                scope,
                rate_pct,
                inspectors_per_agency,
                window_start: ws,
                window_end: we,
            })
        }
        _ => Err(p),
    }
}

/// How many agencies a population of `population` gives at `rate_pct` percent: the rate
/// rounded up, at least one (when there is anyone), never more than the population.
pub fn sample_size(population: usize, rate_pct: i32) -> usize {
    if population == 0 {
        return 0;
    }
    let rate = usize::try_from(rate_pct.clamp(0, 100)).unwrap_or(0);
    population
        .saturating_mul(rate)
        .div_ceil(100)
        .clamp(1, population)
}

/// What publication needs on `today` beyond the form: a population, enough inspectors in
/// the pool for one agency, a window not begun in the past. Problems are against the form's
/// fields so the draft page shows them beside the field.
pub fn check_publication(
    population: usize,
    pool: usize,
    inspectors_per_agency: i32,
    window_start: NaiveDate,
    today: NaiveDate,
) -> Vec<Problem> {
    let mut p = Vec::new();
    if population == 0 {
        p.push(Problem::new("scope", "insp.v.population_empty"));
    }
    let needed = usize::try_from(inspectors_per_agency).unwrap_or(usize::MAX);
    if pool < needed {
        p.push(
            Problem::new("inspectors_per_agency", "insp.v.pool_short")
                .with("pool", pool.to_string())
                .with("needed", inspectors_per_agency.to_string()),
        );
    }
    if window_start < today {
        p.push(Problem::new("window_start", "insp.v.window_past"));
    }
    p
}

/// SHA-256 (64 lowercase hex digits) of the population text: the lines
/// `zhongjie-inspection-population-v1`, `task <id>`, `agencies <count>`, then each agency id
/// ascending, joined by `\n` without a trailing newline.
pub fn population_hash(task_id: i64, agency_ids: &[i64]) -> String {
    let mut ids = agency_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut lines = vec![
        POPULATION_VERSION.to_string(),
        format!("task {task_id}"),
        format!("agencies {}", ids.len()),
    ];
    lines.extend(ids.iter().map(i64::to_string));
    hex::encode(Sha256::digest(lines.join("\n").as_bytes()))
}

/// SHA-256 of `zhongjie-inspection-agency-v1 task <task> agency <agency>`: the second
/// commitment of an agency's inspector draw.
pub fn agency_tag(task_id: i64, agency_id: i64) -> String {
    hex::encode(Sha256::digest(
        format!("{AGENCY_TAG_VERSION} task {task_id} agency {agency_id}").as_bytes(),
    ))
}

/// The agency draw: the proof over the population and the agencies it samples (the first
/// [`sample_size`] places of the ranking, in drawn order).
pub fn draw_agencies(
    seed: &Seed,
    population_hash: &str,
    population: &[i64],
    rate_pct: i32,
) -> Result<(Proof, Vec<i64>), DrawError> {
    let proof = Proof::draw(seed, &[population_hash], population)?;
    let n = sample_size(proof.candidates.len(), rate_pct);
    let drawn = proof.ranking.iter().copied().take(n).collect();
    Ok((proof, drawn))
}

/// One agency's inspector draw over the pool entries `pool`.
pub fn draw_inspectors(
    seed: &Seed,
    population_hash: &str,
    task_id: i64,
    agency_id: i64,
    pool: &[i64],
) -> Result<Proof, DrawError> {
    Proof::draw(
        seed,
        &[population_hash.to_string(), agency_tag(task_id, agency_id)],
        pool,
    )
}

/// The next place of `ranking` not yet `taken` (assigned or recused), with its position:
/// who replaces a conflicted inspector. `None` when the pool is exhausted.
pub fn replacement(ranking: &[i64], taken: &[i64]) -> Option<(i64, usize)> {
    ranking
        .iter()
        .enumerate()
        .find(|(_, id)| !taken.contains(id))
        .map(|(pos, id)| (*id, pos))
}

/// The first `k` places of an inspector ranking (the initial assignment), with positions.
pub fn initial_inspectors(ranking: &[i64], k: usize) -> Vec<(i64, usize)> {
    ranking
        .iter()
        .copied()
        .take(k)
        .enumerate()
        .map(|(pos, id)| (id, pos))
        .collect()
}

/// The day results must be published by: `days` working days after the window's end.
pub fn publish_due(cal: &Calendar, window_end: NaiveDate, days: i64) -> NaiveDate {
    cal.add_working_days(window_end, u32::try_from(days.max(0)).unwrap_or(20))
}

/// The outcome of one agency's inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 未发现问题
    Clear,
    /// 发现问题，责令整改 (with a deadline)
    Rectify,
    /// 发现问题，予以处罚
    Penalty,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Clear, Outcome::Rectify, Outcome::Penalty];
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Clear => "clear",
            Outcome::Rectify => "rectify",
            Outcome::Penalty => "penalty",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s.trim())
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Outcome::Clear => "insp.outcome.clear",
            Outcome::Rectify => "insp.outcome.rectify",
            Outcome::Penalty => "insp.outcome.penalty",
        }
    }
    /// A problem found: the result adds a credit record.
    pub fn is_problem(self) -> bool {
        self != Outcome::Clear
    }
}

#[derive(Clone, Debug, Default)]
pub struct ResultInput {
    pub outcome: String,
    pub findings: String,
    pub rectify_by: String,
    pub penalty: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultForm {
    pub outcome: Outcome,
    pub findings: String,
    pub rectify_by: Option<NaiveDate>,
    pub penalty: String,
}

/// Checks a result on `today`: an outcome; findings (required when a problem was found);
/// a rectification deadline after today for 责令整改; the penalty decided for 处罚.
pub fn parse_result(i: &ResultInput, today: NaiveDate) -> Result<ResultForm, Vec<Problem>> {
    let mut p = Vec::new();
    let outcome = Outcome::parse(&i.outcome);
    if outcome.is_none() {
        p.push(Problem::new("outcome", "v.required"));
    }
    let problem = outcome.is_some_and(Outcome::is_problem);
    let findings = validate::field(
        &mut p,
        "findings",
        validate::text(&i.findings, FINDINGS_MAX, problem),
    );
    let rectify_by = if outcome == Some(Outcome::Rectify) {
        match parse_date(&i.rectify_by) {
            Some(d) if d > today => Some(d),
            Some(_) => {
                p.push(Problem::new("rectify_by", "insp.v.rectify_future"));
                None
            }
            None if i.rectify_by.trim().is_empty() => {
                p.push(Problem::new("rectify_by", "v.required"));
                None
            }
            None => {
                p.push(Problem::new("rectify_by", "insp.v.date"));
                None
            }
        }
    } else {
        None
    };
    let penalty = validate::field(
        &mut p,
        "penalty",
        validate::text(&i.penalty, PENALTY_MAX, outcome == Some(Outcome::Penalty)),
    );
    match (outcome, findings, penalty) {
        (Some(outcome), Some(findings), Some(penalty)) if p.is_empty() => Ok(ResultForm {
            outcome,
            findings,
            rectify_by,
            penalty: if outcome == Outcome::Penalty {
                penalty
            } else {
                String::new()
            },
        }),
        _ => Err(p),
    }
}

/// An inspector pool entry as typed: the regulator account, the name and the 执法证号.
#[derive(Clone, Debug, Default)]
pub struct InspectorInput {
    pub user_id: String,
    pub name: String,
    pub badge_no: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectorForm {
    pub user_id: i64,
    pub name: String,
    pub badge_no: String,
}

/// Checks an inspector entry: an account chosen, a person's name, a 执法证号 of 4–30 letters,
/// digits or hyphens.
pub fn parse_inspector(i: &InspectorInput) -> Result<InspectorForm, Vec<Problem>> {
    let mut p = Vec::new();
    let user_id = match i.user_id.trim().parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            p.push(Problem::new("user_id", "v.required"));
            None
        }
    };
    let name = validate::field(&mut p, "name", validate::person_name(&i.name));
    let b = i.badge_no.trim().to_uppercase();
    let badge = if b.is_empty() {
        p.push(Problem::new("badge_no", "v.required"));
        None
    } else if b.chars().count() < 4
        || b.chars().count() > BADGE_MAX
        || !b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        p.push(Problem::new("badge_no", "insp.v.badge"));
        None
    } else {
        Some(b)
    };
    match (user_id, name, badge) {
        (Some(user_id), Some(name), Some(badge_no)) if p.is_empty() => Ok(InspectorForm {
            user_id,
            name,
            badge_no,
        }),
        _ => Err(p),
    }
}

/// A 执法证号 as shown in public: first 2 and last 2 characters.
pub fn mask_badge(b: &str) -> String {
    let chars: Vec<char> = b.trim().chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    let mut s: String = chars[..2].iter().collect();
    s.push_str(&"*".repeat(n - 4));
    s.extend(&chars[n - 2..]);
    s
}

/// A person's name as shown in public: the family name and `*` for the rest (张**).
pub fn mask_name(n: &str) -> String {
    let chars: Vec<char> = n.trim().chars().collect();
    match chars.split_first() {
        None => String::new(),
        Some((first, rest)) => {
            let mut s = first.to_string();
            s.push_str(&"*".repeat(rest.len().max(1)));
            s
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input() -> TaskInput {
        TaskInput {
            title: "2026年度测绘中介机构抽查".into(),
            scope: vec!["item:3".into(), "qual:surveying_mapping".into()],
            rate_pct: "5".into(),
            inspectors_per_agency: "2".into(),
            window_start: "2026-12-10".into(),
            window_end: "2026-12-20".into(),
        }
    }

    fn allowed() -> Vec<ScopeEntry> {
        vec![
            ScopeEntry::Item(3),
            ScopeEntry::Qual("surveying_mapping".into()),
        ]
    }

    fn fields(r: Result<TaskForm, Vec<Problem>>) -> Vec<(&'static str, &'static str)> {
        r.unwrap_err().iter().map(|p| (p.field, p.key)).collect()
    }

    #[test]
    fn sample_size_is_at_least_the_rate_and_at_least_one() {
        assert_eq!(sample_size(0, 5), 0);
        assert_eq!(sample_size(1, 5), 1);
        assert_eq!(sample_size(19, 5), 1);
        assert_eq!(sample_size(20, 5), 1);
        assert_eq!(sample_size(21, 5), 2);
        assert_eq!(sample_size(100, 5), 5);
        assert_eq!(sample_size(101, 5), 6);
        assert_eq!(sample_size(3, 100), 3);
        assert_eq!(sample_size(3, 150), 3);
        for pop in 1..300usize {
            for rate in [5, 7, 10, 33, 50] {
                let n = sample_size(pop, rate);
                assert!(n >= 1 && n <= pop);
                // Never below the rate: n / pop ≥ rate / 100.
                assert!(n * 100 >= pop * rate as usize, "{pop} {rate} {n}");
            }
        }
    }

    #[test]
    fn task_form_accepts_and_refuses() {
        let today = d("2026-12-03");
        let t = parse_task(&input(), today, 5, &allowed()).unwrap();
        assert_eq!(t.rate_pct, 5);
        assert_eq!(t.scope.len(), 2);
        let mut i = input();
        i.rate_pct = "4".into();
        assert_eq!(
            fields(parse_task(&i, today, 5, &allowed())),
            [("rate_pct", "insp.v.rate_min")]
        );
        let mut i = input();
        i.inspectors_per_agency = "1".into();
        assert_eq!(
            fields(parse_task(&i, today, 5, &allowed())),
            [("inspectors_per_agency", "insp.v.inspectors_min")]
        );
        let mut i = input();
        i.window_start = "2026-12-02".into();
        i.window_end = "2026-12-01".into();
        assert_eq!(
            fields(parse_task(&i, today, 5, &allowed())),
            [
                ("window_start", "insp.v.window_past"),
                ("window_end", "insp.v.window_past")
            ]
        );
        let mut i = input();
        i.window_end = "2026-12-09".into();
        assert_eq!(
            fields(parse_task(&i, today, 5, &allowed())),
            [("window_end", "insp.v.window_order")]
        );
        let mut i = input();
        i.scope = vec!["item:99".into()];
        assert_eq!(
            fields(parse_task(&i, today, 5, &allowed())),
            [("scope", "insp.v.scope_foreign")]
        );
        let mut i = input();
        i.scope.clear();
        i.title = " ".into();
        assert_eq!(
            fields(parse_task(&i, today, 5, &allowed())),
            [("title", "v.required"), ("scope", "insp.v.scope_required")]
        );
        // A higher minimum from the settings.
        assert!(parse_task(&input(), today, 10, &allowed()).is_err());
    }

    #[test]
    fn publication_needs_population_pool_and_future_window() {
        let today = d("2026-12-03");
        assert!(check_publication(10, 2, 2, today, today).is_empty());
        let p = check_publication(0, 1, 2, d("2026-12-02"), today);
        let keys: Vec<_> = p.iter().map(|x| x.key).collect();
        assert_eq!(
            keys,
            [
                "insp.v.population_empty",
                "insp.v.pool_short",
                "insp.v.window_past"
            ]
        );
    }

    #[test]
    fn population_hash_is_order_free_and_task_bound() {
        let a = population_hash(1, &[5, 3, 9]);
        assert_eq!(a, population_hash(1, &[9, 5, 3]));
        assert_ne!(a, population_hash(2, &[9, 5, 3]));
        assert_ne!(a, population_hash(1, &[9, 5]));
        let text = "zhongjie-inspection-population-v1\ntask 1\nagencies 3\n3\n5\n9";
        assert_eq!(a, hex::encode(Sha256::digest(text.as_bytes())));
    }

    #[test]
    fn draws_verify_with_the_announcement_proof() {
        let seed = Seed::from_bytes([7u8; 32]);
        let pop: Vec<i64> = (100..140).collect();
        let h = population_hash(4, &pop);
        let (proof, drawn) = draw_agencies(&seed, &h, &pop, 5).unwrap();
        proof.verify().unwrap();
        assert_eq!(drawn.len(), 2);
        assert_eq!(drawn, proof.ranking[..2]);
        let pool = [11, 12, 13, 14];
        let a = draw_inspectors(&seed, &h, 4, drawn[0], &pool).unwrap();
        let b = draw_inspectors(&seed, &h, 4, drawn[1], &pool).unwrap();
        a.verify().unwrap();
        b.verify().unwrap();
        assert!(a.commitments.contains(&agency_tag(4, drawn[0])));
        assert_ne!(a.input, b.input);
    }

    #[test]
    fn two_inspectors_and_a_conflicted_one_replaced_by_the_next_place() {
        let ranking = [14, 11, 13, 12];
        let first = initial_inspectors(&ranking, 2);
        assert_eq!(first, vec![(14, 0), (11, 1)]);
        // 11 recuses: the next place not taken is 13.
        assert_eq!(replacement(&ranking, &[14, 11]), Some((13, 2)));
        // 13 recuses too: 12.
        assert_eq!(replacement(&ranking, &[14, 11, 13]), Some((12, 3)));
        assert_eq!(replacement(&ranking, &[14, 11, 13, 12]), None);
    }

    /// Agency sampling is uniform: over many seeds every agency of a population of 20 is
    /// drawn (sample of 1 at 5%) about equally often — a chi-square test with 19 degrees of
    /// freedom against a bound far beyond the 99.9% quantile (43.8).
    #[test]
    fn agency_sampling_is_uniform() {
        let pop: Vec<i64> = (1..=20).collect();
        let h = population_hash(1, &pop);
        let rounds = 4000u32;
        let mut counts = [0u32; 20];
        for r in 0..rounds {
            let mut b = [0u8; 32];
            b[..4].copy_from_slice(&r.to_be_bytes());
            let (_, drawn) = draw_agencies(&Seed::from_bytes(b), &h, &pop, 5).unwrap();
            assert_eq!(drawn.len(), 1);
            counts[usize::try_from(drawn[0] - 1).unwrap()] += 1;
        }
        let expected = f64::from(rounds) / 20.0;
        let chi2: f64 = counts
            .iter()
            .map(|c| (f64::from(*c) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 43.8, "chi-square {chi2}, counts {counts:?}");
    }

    #[test]
    fn result_form() {
        let today = d("2026-12-03");
        let ok = parse_result(
            &ResultInput {
                outcome: "clear".into(),
                ..Default::default()
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.outcome, Outcome::Clear);
        let e = parse_result(
            &ResultInput {
                outcome: "rectify".into(),
                rectify_by: "2026-12-03".into(),
                ..Default::default()
            },
            today,
        )
        .unwrap_err();
        let keys: Vec<_> = e.iter().map(|p| (p.field, p.key)).collect();
        assert_eq!(
            keys,
            [
                ("findings", "v.required"),
                ("rectify_by", "insp.v.rectify_future")
            ]
        );
        let e = parse_result(
            &ResultInput {
                outcome: "penalty".into(),
                findings: "未按规定公示收费标准".into(),
                ..Default::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "penalty");
        assert!(parse_result(&ResultInput::default(), today).is_err());
    }

    #[test]
    fn inspector_entry_and_masks() {
        let f = parse_inspector(&InspectorInput {
            user_id: "5".into(),
            name: "王小明".into(),
            badge_no: "sc-zf-20261".into(),
        })
        .unwrap();
        assert_eq!(f.badge_no, "SC-ZF-20261");
        assert!(
            parse_inspector(&InspectorInput {
                user_id: "5".into(),
                name: "王小明".into(),
                badge_no: "执法证".into(),
            })
            .is_err()
        );
        assert_eq!(mask_badge("SC-ZF-20261"), "SC*******61");
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("王"), "王*");
    }

    #[test]
    fn scope_round_trip() {
        let s = vec![ScopeEntry::Item(3), ScopeEntry::Qual("geo_hazard".into())];
        assert_eq!(parse_scope(&scope_text(&s)), s);
        assert_eq!(ScopeEntry::parse("item:-1"), None);
        assert_eq!(ScopeEntry::parse("qual:X;drop"), None);
    }
}
