//! The credit library's storage: published rule sets, append-only credit records, and the
//! grade cache on `agencies` (grade, credit_score, graded_at). The rules are in
//! `domain::credit`; this file only loads facts, stores records and caches the result.
//!
//! Write functions run inside the caller's `db::write_tx`, so a record, its audit entry, its
//! mail and the recomputed grade commit together.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates, agency_offer_history, announcements, blacklist_entries,
    catalogue_items, contracts, credit_records, credit_rule_sets, departments, market_bans,
    registrations,
};
use crate::domain::agency_rules;
use crate::domain::credit::{self, Kind, RecordFacts, RuleSet, Score, Source};
use crate::domain::status::{AgencyStatus, ReviewStatus};

/// `valid_until` of records that never expire by themselves (revocations, repairs).
pub fn forever() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = credit_rule_sets)]
pub struct RuleSetRow {
    pub id: i64,
    pub version: i32,
    pub body: String,
    pub note: String,
    pub published_by: Option<i64>,
    pub published_at: NaiveDateTime,
}

impl RuleSetRow {
    /// The parsed rules; a stored body that no longer parses falls back to the default rules
    /// (it was validated when published, so this does not happen in practice).
    pub fn rules(&self) -> RuleSet {
        RuleSet::from_json(&self.body).unwrap_or_default()
    }
}

/// The rule set in force: the highest published version.
pub fn current_rules(conn: &mut DbConnection) -> QueryResult<RuleSetRow> {
    credit_rule_sets::table
        .order(credit_rule_sets::version.desc())
        .select(RuleSetRow::as_select())
        .first(conn)
}

/// Every published version, newest first.
pub fn rule_history(conn: &mut DbConnection) -> QueryResult<Vec<RuleSetRow>> {
    credit_rule_sets::table
        .order(credit_rule_sets::version.desc())
        .select(RuleSetRow::as_select())
        .load(conn)
}

/// Publishes `rules` as the next version and returns it. The caller validated the rules and
/// recomputes grades afterwards (see [`recompute_all`]).
pub fn publish_rules(
    conn: &mut DbConnection,
    rules: &RuleSet,
    note: &str,
    by: i64,
) -> QueryResult<i32> {
    let next = current_rules(conn)?.version + 1;
    diesel::insert_into(credit_rule_sets::table)
        .values((
            credit_rule_sets::version.eq(next),
            credit_rule_sets::body.eq(rules.to_json()),
            credit_rule_sets::note.eq(note),
            credit_rule_sets::published_by.eq(Some(by)),
            credit_rule_sets::published_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(next)
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = credit_records)]
pub struct Record {
    pub id: i64,
    pub agency_id: i64,
    pub kind: Kind,
    pub points: i32,
    pub stars_x100: Option<i32>,
    pub source: Source,
    pub evidence: String,
    pub upload_id: Option<i64>,
    pub legal_basis: String,
    pub department_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub effective_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub revokes_id: Option<i64>,
    pub ref_kind: Option<String>,
    pub ref_id: Option<i64>,
    pub rule_version: i32,
    pub created_at: NaiveDateTime,
    /// Automatic records: what happened, as a locale key and arguments (`Evidence`).
    pub evidence_i18n: Option<String>,
}

impl Record {
    /// The structured evidence of an automatic record, if it has one.
    pub fn auto_evidence(&self) -> Option<credit::Evidence> {
        self.evidence_i18n
            .as_deref()
            .and_then(credit::Evidence::from_json)
    }
    /// The facts the score needs.
    pub fn facts(&self) -> RecordFacts {
        RecordFacts {
            id: self.id,
            kind: self.kind,
            points: self.points,
            stars_x100: self.stars_x100,
            effective_on: self.effective_on,
            valid_until: self.valid_until,
            revokes_id: self.revokes_id,
        }
    }
}

/// A record to write. Points must already be checked against the rules
/// (`RuleSet::check_points`); `valid_until: None` takes the rule set's validity.
#[derive(Clone, Debug)]
pub struct NewRecord<'a> {
    pub agency_id: i64,
    pub kind: Kind,
    pub points: i32,
    pub stars_x100: Option<i32>,
    pub source: Source,
    pub evidence: &'a str,
    pub upload_id: Option<i64>,
    pub legal_basis: &'a str,
    pub department_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub effective_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub revokes_id: Option<i64>,
    /// What caused a system record (e.g. "contract", 17); one record per cause and kind.
    pub ref_kind: Option<&'a str>,
    pub ref_id: Option<i64>,
    /// Automatic records: what happened, shown in each reader's language.
    pub evidence_i18n: Option<&'a credit::Evidence>,
}

impl<'a> NewRecord<'a> {
    /// A record with the given kind and points, effective today, no evidence document.
    pub fn new(agency_id: i64, kind: Kind, points: i32, source: Source) -> NewRecord<'a> {
        NewRecord {
            agency_id,
            kind,
            points,
            stars_x100: None,
            source,
            evidence: "",
            upload_id: None,
            legal_basis: "",
            department_id: None,
            recorded_by: None,
            effective_on: crate::db::today(),
            valid_until: None,
            revokes_id: None,
            ref_kind: None,
            ref_id: None,
            evidence_i18n: None,
        }
    }
}

/// Stores a record, then recomputes the agency's cached grade; returns the record's id.
/// Call inside `db::write_tx`.
pub fn insert_record(conn: &mut DbConnection, n: &NewRecord) -> QueryResult<i64> {
    let rules_row = current_rules(conn)?;
    insert_under(conn, n, &rules_row)
}

/// [`insert_record`] stamped with the rule set `rules_row` (read in the same transaction).
fn insert_under(
    conn: &mut DbConnection,
    n: &NewRecord,
    rules_row: &RuleSetRow,
) -> QueryResult<i64> {
    let rules = rules_row.rules();
    let valid_until = match n.valid_until {
        Some(v) => v,
        None if n.kind.revokes() => forever(),
        None => rules.default_valid_until(n.effective_on),
    };
    let now = crate::db::now();
    diesel::insert_into(credit_records::table)
        .values((
            credit_records::agency_id.eq(n.agency_id),
            credit_records::kind.eq(n.kind),
            credit_records::points.eq(n.points),
            credit_records::stars_x100.eq(n.stars_x100),
            credit_records::source.eq(n.source),
            credit_records::evidence.eq(n.evidence),
            credit_records::upload_id.eq(n.upload_id),
            credit_records::legal_basis.eq(n.legal_basis),
            credit_records::department_id.eq(n.department_id),
            credit_records::recorded_by.eq(n.recorded_by),
            credit_records::effective_on.eq(n.effective_on),
            credit_records::valid_until.eq(valid_until),
            credit_records::revokes_id.eq(n.revokes_id),
            credit_records::ref_kind.eq(n.ref_kind),
            credit_records::ref_id.eq(n.ref_id),
            credit_records::rule_version.eq(rules_row.version),
            credit_records::created_at.eq(now),
            credit_records::evidence_i18n.eq(n.evidence_i18n.map(credit::Evidence::to_json)),
        ))
        .execute(conn)?;
    let id = credit_records::table
        .filter(credit_records::agency_id.eq(n.agency_id))
        .order(credit_records::id.desc())
        .select(credit_records::id)
        .first(conn)?;
    recompute(conn, n.agency_id, crate::db::today())?;
    Ok(id)
}

/// An automatic record: what the platform records by itself when a deadline passes or a
/// contract is accepted late.
#[derive(Clone, Debug)]
pub struct Automatic<'a> {
    pub agency_id: i64,
    pub kind: Kind,
    /// Late delivery only: the overrun in percent of the time limit.
    pub overrun_percent: u32,
    pub evidence: &'a credit::Evidence,
    /// The cause ("announcement", "contract") and its id: one record per cause and kind.
    pub ref_kind: &'a str,
    pub ref_id: i64,
    pub effective_on: NaiveDate,
}

/// Writes an automatic record once per cause, deducting what the rule set in force gives
/// its kind (`RuleSet::automatic_points`) — read in this transaction, the version the record
/// is stamped with, so a newly published rule set governs the next automatic record. Its
/// evidence is kept as a locale key with arguments (shown in the reader's language), with a
/// Chinese rendering in `evidence` for plain readers of the table. Returns the record's id
/// and points, `None` when this cause was recorded already. Call inside `write_tx`.
pub fn record_automatic(conn: &mut DbConnection, a: &Automatic) -> QueryResult<Option<(i64, i32)>> {
    if recorded_already(conn, a.agency_id, a.kind, a.ref_kind, a.ref_id)? {
        return Ok(None);
    }
    let rules_row = current_rules(conn)?;
    let points = rules_row
        .rules()
        .automatic_points(a.kind, a.overrun_percent);
    let plain = crate::i18n::tr_args(
        crate::i18n::Lang::Zh,
        &a.evidence.key,
        &a.evidence.arg_pairs(),
    );
    let mut n = NewRecord::new(a.agency_id, a.kind, points, Source::System);
    n.evidence = &plain;
    n.effective_on = a.effective_on;
    n.ref_kind = Some(a.ref_kind);
    n.ref_id = Some(a.ref_id);
    n.evidence_i18n = Some(a.evidence);
    let id = insert_under(conn, &n, &rules_row)?;
    Ok(Some((id, points)))
}

fn recorded_already(
    conn: &mut DbConnection,
    agency_id: i64,
    kind: Kind,
    ref_kind: &str,
    ref_id: i64,
) -> QueryResult<bool> {
    let seen: i64 = credit_records::table
        .filter(credit_records::agency_id.eq(agency_id))
        .filter(credit_records::kind.eq(kind))
        .filter(credit_records::ref_kind.eq(ref_kind))
        .filter(credit_records::ref_id.eq(ref_id))
        .count()
        .get_result(conn)?;
    Ok(seen > 0)
}

pub fn find_record(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Record>> {
    credit_records::table
        .find(id)
        .select(Record::as_select())
        .one(conn)
}

/// Every record of an agency, oldest first (revocations included).
pub fn records_for(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Record>> {
    credit_records::table
        .filter(credit_records::agency_id.eq(agency_id))
        .order(credit_records::id)
        .select(Record::as_select())
        .load(conn)
}

/// Whether a record has been revoked (or repaired) by a later record.
pub fn revoked_by(conn: &mut DbConnection, record_id: i64) -> QueryResult<Option<Record>> {
    credit_records::table
        .filter(credit_records::revokes_id.eq(record_id))
        .select(Record::as_select())
        .first(conn)
        .optional()
}

/// The agency's score on `day` under the current rules, with the records it was made from.
pub fn score_of(
    conn: &mut DbConnection,
    agency_id: i64,
    day: NaiveDate,
) -> QueryResult<(Score, RuleSetRow, Vec<Record>)> {
    let rules = current_rules(conn)?;
    let records = records_for(conn, agency_id)?;
    let facts: Vec<RecordFacts> = records.iter().map(Record::facts).collect();
    Ok((credit::score(&facts, &rules.rules(), day), rules, records))
}

/// Recomputes and caches one agency's grade and score. The grade stays empty (暂无评价)
/// while the agency has no credit record and no contract: a full score earned by doing
/// nothing is not a grade, and an empty agency must not read as 守信 A. The score is cached
/// either way (weighted scoring uses it).
pub fn recompute(conn: &mut DbConnection, agency_id: i64, day: NaiveDate) -> QueryResult<Score> {
    lock_agencies(conn, &[agency_id])?;
    let (s, _, records) = score_of(conn, agency_id, day)?;
    let rated = !records.is_empty() || has_contract(conn, agency_id)?;
    store_grade(conn, agency_id, &s, rated)?;
    Ok(s)
}

/// Whether the agency has (had) a contract: from then on it is graded, records or not.
pub fn has_contract(conn: &mut DbConnection, agency_id: i64) -> QueryResult<bool> {
    use crate::db::schema::contracts;
    diesel::select(diesel::dsl::exists(
        contracts::table.filter(contracts::agency_id.eq(agency_id)),
    ))
    .get_result(conn)
}

/// Whether the agency is graded at all: any credit record or any contract (see
/// [`recompute`]). Live, for the credit report.
pub fn is_rated(conn: &mut DbConnection, agency_id: i64) -> QueryResult<bool> {
    let any_record: bool = diesel::select(diesel::dsl::exists(
        credit_records::table.filter(credit_records::agency_id.eq(agency_id)),
    ))
    .get_result(conn)?;
    Ok(any_record || has_contract(conn, agency_id)?)
}

fn store_grade(
    conn: &mut DbConnection,
    agency_id: i64,
    s: &Score,
    rated: bool,
) -> QueryResult<usize> {
    diesel::update(agencies::table.find(agency_id))
        .set((
            agencies::grade.eq(rated.then_some(s.grade.code())),
            agencies::credit_score.eq(Some(s.total_x100)),
            agencies::graded_at.eq(Some(crate::db::now())),
        ))
        .execute(conn)
}

/// Recomputes every agency's grade in batches of `batch` agencies per transaction (the rule
/// set changed, or records expired). Agencies without records all get the same score, so
/// they are written with one statement per batch. Returns how many agencies were graded.
pub fn recompute_all(conn: &mut DbConnection, day: NaiveDate, batch: i64) -> QueryResult<usize> {
    let rules = current_rules(conn)?.rules();
    let clean = credit::score(&[], &rules, day);
    let mut after = 0i64;
    let mut done = 0usize;
    loop {
        let ids: Vec<i64> = agencies::table
            .filter(agencies::user_id.gt(after))
            .order(agencies::user_id)
            .limit(batch)
            .select(agencies::user_id)
            .load(conn)?;
        let Some(&last) = ids.last() else { break };
        crate::db::write_tx(conn, |c| grade_batch(c, &ids, &clean, day))?;
        done += ids.len();
        after = last;
    }
    Ok(done)
}

/// The departments whose regulators may act on an agency's credit on `today`: a reach kept by
/// history the agency cannot erase by editing its profile. Since `domain::credit::reach_since`
/// (three years): the departments approving the items it offers or offered
/// (`agency_offer_history`), the items of announcements it registered for and of its
/// contracts; the departments reviewing the types of its approved certificates still valid
/// then; and the departments that made credit records, listings or bans of it then. A pending
/// or rejected certificate, which the agency alone puts there, founds no reach.
pub fn domain_departments(
    conn: &mut DbConnection,
    agency_id: i64,
    today: NaiveDate,
) -> QueryResult<Vec<i64>> {
    let since = credit::reach_since(today);
    let items = items_dealt_with(conn, agency_id, since)?;
    let mut ids: Vec<i64> = catalogue_items::table
        .filter(catalogue_items::id.eq_any(&items))
        .select(catalogue_items::department_id)
        .distinct()
        .load(conn)?;
    ids.extend(reviewing_departments(conn, agency_id, since)?);
    ids.extend(sanctioning_departments(conn, agency_id, since)?);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The items the agency offered, registered for or contracted since `since`.
fn items_dealt_with(
    conn: &mut DbConnection,
    agency_id: i64,
    since: NaiveDate,
) -> QueryResult<Vec<i64>> {
    let since_t = since.and_time(chrono::NaiveTime::MIN);
    let mut items: Vec<i64> = agency_offer_history::table
        .filter(agency_offer_history::agency_id.eq(agency_id))
        .filter(
            agency_offer_history::offered_until
                .is_null()
                .or(agency_offer_history::offered_until.ge(since_t)),
        )
        .select(agency_offer_history::item_id)
        .distinct()
        .load(conn)?;
    items.extend(
        registrations::table
            .inner_join(announcements::table)
            .filter(registrations::agency_id.eq(agency_id))
            .filter(registrations::created_at.ge(since_t))
            .select(announcements::item_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    items.extend(
        contracts::table
            .filter(contracts::agency_id.eq(agency_id))
            .filter(
                contracts::created_at
                    .ge(since_t)
                    .or(contracts::accepted_at.ge(since_t)),
            )
            .select(contracts::item_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    items.sort_unstable();
    items.dedup();
    Ok(items)
}

/// The departments that review the agency's approved certificates valid since `since`.
fn reviewing_departments(
    conn: &mut DbConnection,
    agency_id: i64,
    since: NaiveDate,
) -> QueryResult<Vec<i64>> {
    let types: Vec<String> = agency_certificates::table
        .filter(agency_certificates::agency_id.eq(agency_id))
        .filter(agency_certificates::status.eq(ReviewStatus::Approved))
        .filter(agency_certificates::valid_to.ge(since))
        .select(agency_certificates::qual_type)
        .distinct()
        .load(conn)?;
    let codes: Vec<&str> = types
        .iter()
        .filter_map(|t| agency_rules::reviewing_department(t))
        .collect();
    departments::table
        .filter(departments::code.eq_any(&codes))
        .select(departments::id)
        .load::<i64>(conn)
}

/// The departments that made a credit record, a listing or a ban on the agency since `since`.
fn sanctioning_departments(
    conn: &mut DbConnection,
    agency_id: i64,
    since: NaiveDate,
) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = credit_records::table
        .filter(credit_records::agency_id.eq(agency_id))
        .filter(credit_records::effective_on.ge(since))
        .filter(credit_records::department_id.is_not_null())
        .select(credit_records::department_id.assume_not_null())
        .distinct()
        .load::<i64>(conn)?;
    ids.extend(
        blacklist_entries::table
            .filter(blacklist_entries::agency_id.eq(agency_id))
            .filter(blacklist_entries::ends_on.ge(since))
            .select(blacklist_entries::department_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    ids.extend(
        market_bans::table
            .filter(market_bans::agency_id.eq(agency_id))
            .filter(market_bans::ends_on.ge(since))
            .select(market_bans::department_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    Ok(ids)
}

// ---------------------------------------------------------------------------------------
// Grading in the background (jobs.rs), the daily job's claim, and the public credit list.

/// How long after a rule set's publication the regrade waits before treating every grade
/// older than `published_at + REGRADE_SETTLE` as stale: a record written in a transaction
/// that read the old rules but committed just after the publication is then regraded too.
pub const REGRADE_SETTLE: chrono::Duration = chrono::Duration::seconds(10);

/// Grades a batch of agencies: those without records with one statement per kind (with a
/// contract: the clean grade; without: 暂无评价, see [`recompute`]), the others one by one.
/// Call inside `write_tx`.
/// Takes the agencies' row locks for the rest of the transaction (a no-op update). On
/// PostgreSQL this orders concurrent gradings of one agency: whoever grades second waits,
/// then reads every committed record, so an older score never overwrites a newer one. (On
/// SQLite `write_tx`'s `BEGIN IMMEDIATE` already serializes writers.)
fn lock_agencies(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(agencies::table.filter(agencies::user_id.eq_any(ids)))
        .set(agencies::graded_at.eq(agencies::graded_at))
        .execute(conn)
}

fn grade_batch(
    conn: &mut DbConnection,
    ids: &[i64],
    clean: &Score,
    day: NaiveDate,
) -> QueryResult<()> {
    lock_agencies(conn, ids)?;
    let with_records: Vec<i64> = credit_records::table
        .filter(credit_records::agency_id.eq_any(ids))
        .select(credit_records::agency_id)
        .distinct()
        .load(conn)?;
    let plain: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|i| !with_records.contains(i))
        .collect();
    if !plain.is_empty() {
        use crate::db::schema::contracts;
        let contracted: Vec<i64> = contracts::table
            .filter(contracts::agency_id.eq_any(&plain))
            .select(contracts::agency_id)
            .distinct()
            .load(conn)?;
        let (graded, unrated): (Vec<i64>, Vec<i64>) =
            plain.iter().partition(|i| contracted.contains(i));
        for (ids, grade) in [(graded, Some(clean.grade.code())), (unrated, None)] {
            if ids.is_empty() {
                continue;
            }
            diesel::update(agencies::table.filter(agencies::user_id.eq_any(&ids)))
                .set((
                    agencies::grade.eq(grade),
                    agencies::credit_score.eq(Some(clean.total_x100)),
                    agencies::graded_at.eq(Some(crate::db::now())),
                ))
                .execute(conn)?;
        }
    }
    for id in with_records {
        recompute(conn, id, day)?;
    }
    Ok(())
}

/// Regrades agencies never graded, or graded before the current rule set was published
/// (plus [`REGRADE_SETTLE`], once that has passed; `settle` is that margin, zero in tests),
/// `batch` agencies per transaction. Idempotent: several instances may run it at once and
/// write the same grades. Returns how many agencies were graded.
pub fn regrade_stale(
    conn: &mut DbConnection,
    day: NaiveDate,
    batch: i64,
    settle: chrono::Duration,
) -> QueryResult<usize> {
    let row = current_rules(conn)?;
    let clean = credit::score(&[], &row.rules(), day);
    let cutoff = row.published_at + settle;
    // Until the settle time has passed only ungraded agencies are taken, or the grades
    // written in the meantime would be taken again and again.
    let settled = crate::db::now() >= cutoff;
    let mut done = 0usize;
    loop {
        let mut q = agencies::table
            .select(agencies::user_id)
            .limit(batch)
            .into_boxed();
        q = if settled {
            q.filter(
                agencies::graded_at
                    .is_null()
                    .or(agencies::graded_at.lt(cutoff)),
            )
        } else {
            q.filter(agencies::graded_at.is_null())
        };
        let ids: Vec<i64> = q.load(conn)?;
        if ids.is_empty() {
            break;
        }
        crate::db::write_tx(conn, |c| grade_batch(c, &ids, &clean, day))?;
        done += ids.len();
    }
    Ok(done)
}

/// Claims the run of the daily job `name` for `day`: true for exactly one caller (the first
/// to insert the row; or one taking over a run that started over an hour ago and never
/// finished — its instance died).
pub fn claim_daily(
    conn: &mut DbConnection,
    name: &str,
    day: NaiveDate,
    instance: &str,
) -> QueryResult<bool> {
    use crate::db::schema::job_runs;
    let now = crate::db::now();
    let r = diesel::insert_into(job_runs::table)
        .values((
            job_runs::name.eq(name),
            job_runs::run_on.eq(day),
            job_runs::instance.eq(instance),
            job_runs::started_at.eq(now),
        ))
        .execute(conn);
    match r {
        Ok(n) => Ok(n == 1),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            let taken = diesel::update(
                job_runs::table
                    .filter(job_runs::name.eq(name))
                    .filter(job_runs::run_on.eq(day))
                    .filter(job_runs::finished_at.is_null())
                    .filter(job_runs::started_at.lt(now - chrono::Duration::hours(1))),
            )
            .set((
                job_runs::instance.eq(instance),
                job_runs::started_at.eq(now),
            ))
            .execute(conn)?;
            Ok(taken == 1)
        }
        Err(e) => Err(e),
    }
}

/// Whether the daily job `name` has a claim for `day` (finished or running).
pub fn daily_claimed(conn: &mut DbConnection, name: &str, day: NaiveDate) -> QueryResult<bool> {
    use crate::db::schema::job_runs;
    let n: i64 = job_runs::table
        .filter(job_runs::name.eq(name))
        .filter(job_runs::run_on.eq(day))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn finish_daily(
    conn: &mut DbConnection,
    name: &str,
    day: NaiveDate,
    instance: &str,
) -> QueryResult<usize> {
    use crate::db::schema::job_runs;
    diesel::update(
        job_runs::table
            .filter(job_runs::name.eq(name))
            .filter(job_runs::run_on.eq(day))
            .filter(job_runs::instance.eq(instance)),
    )
    .set(job_runs::finished_at.eq(Some(crate::db::now())))
    .execute(conn)
}

/// The day of the last finished run of `name` before `day`.
pub fn last_daily(
    conn: &mut DbConnection,
    name: &str,
    day: NaiveDate,
) -> QueryResult<Option<NaiveDate>> {
    use crate::db::schema::job_runs;
    job_runs::table
        .filter(job_runs::name.eq(name))
        .filter(job_runs::run_on.lt(day))
        .filter(job_runs::finished_at.is_not_null())
        .select(diesel::dsl::max(job_runs::run_on))
        .first(conn)
}

/// Agencies whose score may have changed between `since` (exclusive) and `until`
/// (inclusive) without a new record: a record took effect or stopped counting (its own
/// `valid_until`, or the rule set's validity years after it took effect).
pub fn agencies_with_changes(
    conn: &mut DbConnection,
    since: NaiveDate,
    until: NaiveDate,
    rules: &RuleSet,
) -> QueryResult<Vec<i64>> {
    let years = chrono::Months::new(12 * rules.validity_years.max(0) as u32);
    // A record from `effective_on` stops counting on effective_on + years: look a few days
    // wider than exact month arithmetic needs (29 February); recomputing is harmless.
    let aged_from =
        since.checked_sub_months(years).unwrap_or(NaiveDate::MIN) - chrono::Duration::days(3);
    let aged_to = until.checked_sub_months(years).unwrap_or(NaiveDate::MIN);
    let mut ids: Vec<i64> = credit_records::table
        .filter(
            (credit_records::valid_until
                .gt(since)
                .and(credit_records::valid_until.le(until)))
            .or(credit_records::effective_on
                .gt(since)
                .and(credit_records::effective_on.le(until)))
            .or(credit_records::effective_on
                .gt(aged_from)
                .and(credit_records::effective_on.le(aged_to))),
        )
        .select(credit_records::agency_id)
        .distinct()
        .load(conn)?;
    ids.sort_unstable();
    Ok(ids)
}

/// Recomputes the given agencies, `batch` per transaction.
pub fn recompute_ids(
    conn: &mut DbConnection,
    ids: &[i64],
    day: NaiveDate,
    batch: usize,
) -> QueryResult<usize> {
    for chunk in ids.chunks(batch.max(1)) {
        crate::db::write_tx(conn, |c| -> QueryResult<()> {
            for id in chunk {
                recompute(c, *id, day)?;
            }
            Ok(())
        })?;
    }
    Ok(ids.len())
}

/// Where a page of the credit list starts: after this (grade, score, agency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    pub grade: credit::Grade,
    pub score_x100: i32,
    pub id: i64,
}

impl ListCursor {
    /// "B.8150.123"
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.grade.code(), self.score_x100, self.id)
    }
    pub fn parse(s: &str) -> Option<ListCursor> {
        let mut it = s.split('.');
        let grade = parse_grade(it.next()?)?;
        let score_x100 = it.next()?.parse().ok()?;
        let id = it.next()?.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        Some(ListCursor {
            grade,
            score_x100,
            id,
        })
    }
}

pub fn parse_grade(s: &str) -> Option<credit::Grade> {
    use credit::Grade;
    [Grade::A, Grade::B, Grade::C, Grade::D]
        .into_iter()
        .find(|g| g.code() == s)
}

#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub grade: Option<credit::Grade>,
    pub region: Option<String>,
    /// Part of the name (matched with LIKE, so it is a scan of the grade's rows in score
    /// order that stops after one page: cheap for common words, a full pass for none).
    pub name: Option<String>,
}

#[derive(Queryable, Clone, Debug, Serialize)]
pub struct ListRow {
    pub user_id: i64,
    pub name: String,
    pub region: String,
    pub grade: Option<String>,
    pub credit_score: Option<i32>,
    /// Cached "under sanctions today" (no red-list mark then).
    pub sanctioned: bool,
    /// The periods of its listings and bans, for sanctioned rows only
    /// ([`RESTRICTIONS_AGG`]).
    pub sanctions: Option<String>,
}

/// One page of graded active agencies: grade A first, then by score (highest first), then
/// newest id; keyset on (credit_score, user_id) within one grade at a time, never OFFSET.
/// Returns the rows and the cursor of the next page.
pub fn list(
    conn: &mut DbConnection,
    f: &ListFilter,
    after: Option<&ListCursor>,
    per_page: i64,
) -> QueryResult<(Vec<ListRow>, Option<ListCursor>)> {
    use credit::Grade;
    use diesel::sql_types::{BigInt, Bool, Integer};
    let grades: Vec<Grade> = match f.grade {
        Some(g) => vec![g],
        None => vec![Grade::A, Grade::B, Grade::C, Grade::D],
    };
    let mut rows: Vec<ListRow> = Vec::new();
    for g in grades {
        if after.is_some_and(|c| c.grade > g) {
            continue;
        }
        let want = per_page + 1 - rows.len() as i64;
        if want <= 0 {
            break;
        }
        let mut q = agencies::table
            .filter(agencies::status.eq(AgencyStatus::Active))
            .filter(agencies::grade.eq(g.code()))
            .select((
                agencies::user_id,
                agencies::name,
                agencies::region,
                agencies::grade,
                agencies::credit_score,
                agencies::sanctioned,
                diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(
                    RESTRICTIONS_AGG,
                ),
            ))
            .order((agencies::credit_score.desc(), agencies::user_id.desc()))
            .limit(want)
            .into_boxed();
        if let Some(r) = &f.region {
            q = q.filter(agencies::region.eq(r.clone()));
        }
        if let Some(n) = &f.name {
            let escaped = n
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            q = q.filter(agencies::name.like(format!("%{escaped}%")).escape('\\'));
        }
        if let Some(c) = after.filter(|c| c.grade == g) {
            // A row-value comparison: both SQLite and PostgreSQL make it an index range.
            q = q.filter(
                diesel::dsl::sql::<Bool>("(agencies.credit_score, agencies.user_id) < (")
                    .bind::<Integer, _>(c.score_x100)
                    .sql(", ")
                    .bind::<BigInt, _>(c.id)
                    .sql(")"),
            );
        }
        rows.extend(q.load::<ListRow>(conn)?);
    }
    let next = if rows.len() as i64 > per_page {
        rows.truncate(per_page as usize);
        rows.last().and_then(|r| {
            Some(ListCursor {
                grade: parse_grade(r.grade.as_deref()?)?,
                score_x100: r.credit_score?,
                id: r.user_id,
            })
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// The periods of an agency's listings, bans and banned managers as one string column of a
/// list query (`agencies` in scope): `b:start:end:ended` per listing, `n:start:end:` per ban,
/// `m:start:end:` per ban on one of its senior managers, comma-separated. Only read for rows
/// whose `sanctioned` cache is set (three index probes then, none otherwise), so a list page
/// stays one statement; `crate::credit::store::sanctions::restrictions_of_agg` turns it into the restrictions in force.
pub const RESTRICTIONS_AGG: &str = "(CASE WHEN agencies.sanctioned THEN \
     COALESCE((SELECT string_agg('b:' || CAST(blacklist_entries.starts_on AS TEXT) || ':' || \
     CAST(blacklist_entries.ends_on AS TEXT) || ':' || \
     COALESCE(CAST(blacklist_entries.ended_on AS TEXT), ''), ',') FROM blacklist_entries \
     WHERE blacklist_entries.agency_id = agencies.user_id), '') || ',' || \
     COALESCE((SELECT string_agg('n:' || CAST(market_bans.starts_on AS TEXT) || ':' || \
     CAST(market_bans.ends_on AS TEXT) || ':', ',') FROM market_bans \
     WHERE market_bans.agency_id = agencies.user_id), '') || ',' || \
     COALESCE((SELECT string_agg('m:' || CAST(zj_mb.starts_on AS TEXT) || ':' || \
     CAST(zj_mb.ends_on AS TEXT) || ':', ',') FROM agency_managers zj_am \
     JOIN banned_persons zj_bp ON zj_bp.id_number = zj_am.id_number \
     JOIN market_bans zj_mb ON zj_mb.id = zj_bp.ban_id \
     WHERE zj_am.agency_id = agencies.user_id AND zj_mb.agency_id <> agencies.user_id), '') \
     END)";
