//! The credit library's storage: published rule sets, append-only credit records, and the
//! grade cache on `agencies` (grade, credit_score, graded_at). The rules are in
//! `domain::credit`; this file only loads facts, stores records and caches the result.
//!
//! Write functions run inside the caller's `db::write_tx`, so a record, its audit entry, its
//! mail and the recomputed grade commit together.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates, agency_items, catalogue_items, credit_records, credit_rule_sets,
    departments,
};
use crate::domain::agency_rules;
use crate::domain::credit::{self, Kind, RecordFacts, RuleSet, Score, Source};

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
    /// The parsed rules; a stored body that no longer parses falls back to SPEC's defaults
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
    pub kind: String,
    pub points: i32,
    pub stars_x100: Option<i32>,
    pub source: String,
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
}

impl Record {
    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.kind)
    }
    /// The facts the score needs; `None` for a kind this build does not know.
    pub fn facts(&self) -> Option<RecordFacts> {
        Some(RecordFacts {
            id: self.id,
            kind: self.kind()?,
            points: self.points,
            stars_x100: self.stars_x100,
            effective_on: self.effective_on,
            valid_until: self.valid_until,
            revokes_id: self.revokes_id,
        })
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
            effective_on: crate::domain::workdays::today(),
            valid_until: None,
            revokes_id: None,
            ref_kind: None,
            ref_id: None,
        }
    }
}

/// Stores a record, then recomputes the agency's cached grade; returns the record's id.
/// Call inside `db::write_tx`.
pub fn insert_record(conn: &mut DbConnection, n: &NewRecord) -> QueryResult<i64> {
    let rules_row = current_rules(conn)?;
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
            credit_records::kind.eq(n.kind.code()),
            credit_records::points.eq(n.points),
            credit_records::stars_x100.eq(n.stars_x100),
            credit_records::source.eq(n.source.code()),
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
        ))
        .execute(conn)?;
    let id = credit_records::table
        .filter(credit_records::agency_id.eq(n.agency_id))
        .order(credit_records::id.desc())
        .select(credit_records::id)
        .first(conn)?;
    recompute(conn, n.agency_id, crate::domain::workdays::today())?;
    Ok(id)
}

/// A system record (forfeit, refusal to sign, late delivery, upheld complaint) written once
/// per cause: returns `None` when this cause was already recorded. Call inside `write_tx`.
pub fn record_system(conn: &mut DbConnection, n: &NewRecord) -> QueryResult<Option<i64>> {
    if let (Some(rk), Some(rid)) = (n.ref_kind, n.ref_id) {
        let seen: i64 = credit_records::table
            .filter(credit_records::agency_id.eq(n.agency_id))
            .filter(credit_records::kind.eq(n.kind.code()))
            .filter(credit_records::ref_kind.eq(rk))
            .filter(credit_records::ref_id.eq(rid))
            .count()
            .get_result(conn)?;
        if seen > 0 {
            return Ok(None);
        }
    }
    insert_record(conn, n).map(Some)
}

pub fn find_record(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Record>> {
    credit_records::table
        .find(id)
        .select(Record::as_select())
        .first(conn)
        .optional()
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
    let facts: Vec<RecordFacts> = records.iter().filter_map(Record::facts).collect();
    Ok((credit::score(&facts, &rules.rules(), day), rules, records))
}

/// Recomputes and caches one agency's grade and score.
pub fn recompute(conn: &mut DbConnection, agency_id: i64, day: NaiveDate) -> QueryResult<Score> {
    let (s, _, _) = score_of(conn, agency_id, day)?;
    store_grade(conn, agency_id, &s)?;
    Ok(s)
}

fn store_grade(conn: &mut DbConnection, agency_id: i64, s: &Score) -> QueryResult<usize> {
    diesel::update(agencies::table.find(agency_id))
        .set((
            agencies::grade.eq(Some(s.grade.code())),
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
        crate::db::write_tx(conn, |c| -> QueryResult<()> {
            let with_records: Vec<i64> = credit_records::table
                .filter(credit_records::agency_id.eq_any(&ids))
                .select(credit_records::agency_id)
                .distinct()
                .load(c)?;
            let plain: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|i| !with_records.contains(i))
                .collect();
            diesel::update(agencies::table.filter(agencies::user_id.eq_any(&plain)))
                .set((
                    agencies::grade.eq(Some(clean.grade.code())),
                    agencies::credit_score.eq(Some(clean.total_x100)),
                    agencies::graded_at.eq(Some(crate::db::now())),
                ))
                .execute(c)?;
            for id in with_records {
                recompute(c, id, day)?;
            }
            Ok(())
        })?;
        done += ids.len();
        after = last;
    }
    Ok(done)
}

/// The departments whose regulators may act on an agency's credit: those regulating the
/// qualification types of its certificates and those approving the items it offers.
pub fn domain_departments(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<i64>> {
    let types: Vec<String> = agency_certificates::table
        .filter(agency_certificates::agency_id.eq(agency_id))
        .select(agency_certificates::qual_type)
        .distinct()
        .load(conn)?;
    let codes: Vec<&str> = types
        .iter()
        .filter_map(|t| agency_rules::reviewing_department(t))
        .collect();
    let mut ids: Vec<i64> = departments::table
        .filter(departments::code.eq_any(&codes))
        .select(departments::id)
        .load(conn)?;
    let item_depts: Vec<i64> = agency_items::table
        .inner_join(catalogue_items::table)
        .filter(agency_items::agency_id.eq(agency_id))
        .select(catalogue_items::department_id)
        .distinct()
        .load(conn)?;
    ids.extend(item_depts);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
