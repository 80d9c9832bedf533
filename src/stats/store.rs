//! The rows behind `/stats`: one query per chart, filtered by period and department, returning
//! plain tuples for `domain::stats`. Times are read as stored (UTC) and turned into China
//! dates here, so a figure's month is the month a Chinese reader sees on the page.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, announcement_results, announcements, awards, blacklist_entries, catalogue_items,
    contracts, evaluations, market_bans,
};
use crate::domain::evaluation::Stars;
use crate::domain::outcome::StoredOutcome;
use crate::domain::selection::{Mode, Verdict};
use crate::domain::status::AppealDecision;
use crate::domain::workdays::china_date;

/// What every chart is filtered by: a period of China dates (both ends included) and,
/// optionally, one department (the department of the catalogue item, or the sanctioning one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub department: Option<i64>,
}

impl Filter {
    /// The UTC instants bounding the period (China is UTC+8 all year).
    fn instants(&self) -> (NaiveDateTime, NaiveDateTime) {
        let start = self.from.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8);
        let end = self
            .to
            .succ_opt()
            .unwrap_or(self.to)
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            - chrono::Duration::hours(8);
        (start, end)
    }
}

fn cn(t: NaiveDateTime) -> NaiveDate {
    china_date(t.and_utc())
}

/// Published announcements: (publication date, mode, department).
pub fn publications(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(NaiveDate, Mode, i64)>> {
    let (start, end) = f.instants();
    let mut q = announcements::table
        .inner_join(catalogue_items::table)
        .filter(announcements::published_at.ge(start))
        .filter(announcements::published_at.lt(end))
        .select((
            announcements::published_at,
            announcements::mode,
            catalogue_items::department_id,
        ))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<(Option<NaiveDateTime>, String, i64)> = q.load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(t, m, d)| Some((cn(t?), Mode::parse(&m)?, d)))
        .collect())
}

/// Confirmed awards with an amount: (mode, winning price in fen, cap in fen), by the date the
/// winner confirmed.
pub fn savings(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(Mode, i64, Option<i64>)>> {
    let (start, end) = f.instants();
    let mut q = awards::table
        .inner_join(announcements::table.on(announcements::id.eq(awards::announcement_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)))
        .filter(awards::confirmed_at.ge(start))
        .filter(awards::confirmed_at.lt(end))
        .filter(awards::amount_fen.is_not_null())
        .select((
            announcements::mode,
            awards::amount_fen,
            announcements::cap_fen,
        ))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<(String, Option<i64>, Option<i64>)> = q.load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, a, cap)| Some((Mode::parse(&m)?, a?, cap)))
        .collect())
}

/// Signed contracts: (month of signing, days from publication to signature).
pub fn time_to_contract(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(NaiveDate, f64)>> {
    let (start, end) = f.instants();
    let mut q = contracts::table
        .inner_join(announcements::table.on(announcements::id.eq(contracts::announcement_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .filter(contracts::signed_at.ge(start))
        .filter(contracts::signed_at.lt(end))
        .select((announcements::published_at, contracts::signed_at))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = q.load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, s)| {
            let (p, s) = (p?, s?);
            let days = (s - p).num_minutes() as f64 / (24.0 * 60.0);
            Some((cn(s), (days * 10.0).round() / 10.0))
        })
        .collect())
}

/// Opened announcements: (mode, failed (流标), valid quotes or registrations). The counts come
/// from the stored outcome, the one record of what the opening decided.
pub fn openings(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(Mode, bool, u32)>> {
    let (start, end) = f.instants();
    let mut q = announcement_results::table
        .inner_join(announcements::table.inner_join(catalogue_items::table))
        .filter(announcement_results::opened_at.ge(start))
        .filter(announcement_results::opened_at.lt(end))
        .select((announcements::mode, announcement_results::outcome))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<(String, Option<String>)> = q.load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, o)| {
            let mode = Mode::parse(&m)?;
            let out = StoredOutcome::parse(o.as_deref()?).ok()?;
            Some(match out.verdict {
                Verdict::Failed { valid, .. } => (mode, true, valid as u32),
                Verdict::Selected => {
                    let in_band = out
                        .excluded
                        .iter()
                        .filter(|e| {
                            matches!(
                                e.reason,
                                crate::domain::outcome::StoredExclusion::OutsideBand
                            )
                        })
                        .count();
                    (mode, false, (out.ranking.len() + in_band) as u32)
                }
            })
        })
        .collect())
}

/// How many listed agencies have each credit grade today (`None`: not graded yet), counted
/// by the database: the graded ones from the grade's index, the rest as all but those. The
/// department filter does not apply: an agency serves several departments.
pub fn grades(c: &mut DbConnection) -> QueryResult<Vec<(Option<String>, i64)>> {
    let mut graded: Vec<(Option<String>, i64)> = agencies::table
        .filter(agencies::grade.is_not_null())
        .group_by(agencies::grade)
        .select((agencies::grade, diesel::dsl::count_star()))
        .load(c)?;
    let all: i64 = agencies::table.count().get_result(c)?;
    let ungraded = all - graded.iter().map(|(_, n)| n).sum::<i64>();
    if ungraded > 0 {
        graded.push((None, ungraded));
    }
    Ok(graded)
}

/// Sanctions imposed in the period: (start date, "blacklist" or "market_ban").
pub fn sanctions(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(NaiveDate, &'static str)>> {
    let mut b = blacklist_entries::table
        .filter(blacklist_entries::starts_on.ge(f.from))
        .filter(blacklist_entries::starts_on.le(f.to))
        .select(blacklist_entries::starts_on)
        .into_boxed();
    let mut m = market_bans::table
        .filter(market_bans::starts_on.ge(f.from))
        .filter(market_bans::starts_on.le(f.to))
        .select(market_bans::starts_on)
        .into_boxed();
    if let Some(d) = f.department {
        b = b.filter(blacklist_entries::department_id.eq(d));
        m = m.filter(market_bans::department_id.eq(d));
    }
    let mut out: Vec<(NaiveDate, &'static str)> = b
        .load::<NaiveDate>(c)?
        .into_iter()
        .map(|d| (d, "blacklist"))
        .collect();
    out.extend(
        m.load::<NaiveDate>(c)?
            .into_iter()
            .map(|d| (d, "market_ban")),
    );
    Ok(out)
}

/// Owners' ratings that count (an upheld appeal removes one), by the date they were given:
/// (date, stars).
pub fn ratings(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(NaiveDate, Stars)>> {
    let (start, end) = f.instants();
    let mut q = evaluations::table
        .inner_join(contracts::table)
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .filter(evaluations::rated_at.ge(start))
        .filter(evaluations::rated_at.lt(end))
        .filter(
            evaluations::appeal_decision
                .is_null()
                .or(evaluations::appeal_decision.ne(AppealDecision::Upheld)),
        )
        .select((
            evaluations::rated_at,
            evaluations::quality,
            evaluations::timeliness,
            evaluations::attitude,
            evaluations::fees,
            evaluations::conduct,
        ))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<(NaiveDateTime, i32, i32, i32, i32, i32)> = q.load(c)?;
    Ok(rows
        .into_iter()
        .map(|(t, quality, timeliness, attitude, fees, conduct)| {
            let stars = Stars {
                quality,
                timeliness,
                attitude,
                fees,
                conduct,
            };
            (cn(t), stars)
        })
        .collect())
}

/// A signed contract as the fulfilment charts count it.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    pub item: String,
    /// When it fell due and whether it was completed on time: the day of acceptance, or the
    /// deadline of one still not accepted after it (`None` while it is running).
    pub due: Option<(NaiveDate, bool)>,
    /// Accepted: the day, the working days used and the item's statutory limit.
    pub service: Option<(NaiveDate, i64, i64)>,
}

/// Signed and accepted contracts that were running during the period, with their service
/// timers (the contract's limit plus effective extensions, working days of the calendar):
/// the service-time and fulfilment-rate charts. One query for the contracts, one for the
/// effective extensions, one for the calendar.
pub fn timings(c: &mut DbConnection, f: &Filter, today: NaiveDate) -> QueryResult<Vec<Timing>> {
    use crate::db::schema::contract_amendments;
    use crate::domain::status::{AmendmentKind, AmendmentStatus, ContractStatus};
    let (start, end) = f.instants();
    let mut q = contracts::table
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .filter(contracts::status.eq_any([ContractStatus::Signed, ContractStatus::Accepted]))
        .filter(contracts::signed_at.lt(end))
        .filter(
            contracts::accepted_at
                .is_null()
                .or(contracts::accepted_at.ge(start)),
        )
        .select((
            contracts::id,
            catalogue_items::name,
            catalogue_items::time_limit_days,
            contracts::time_limit_days,
            contracts::signed_at,
            contracts::accepted_at,
        ))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    type Row = (
        i64,
        String,
        i32,
        i32,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = q.load(c)?;
    let Some(first) = rows.iter().filter_map(|r| r.4).min() else {
        return Ok(Vec::new());
    };
    let exts: Vec<(i64, Option<i32>)> = contract_amendments::table
        .filter(contract_amendments::status.eq(AmendmentStatus::Effective))
        .filter(contract_amendments::kind.eq(AmendmentKind::Extension))
        .select((
            contract_amendments::contract_id,
            contract_amendments::extra_days,
        ))
        .load(c)?;
    let mut ext: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for (id, d) in exts {
        *ext.entry(id).or_default() += i64::from(d.unwrap_or(0));
    }
    let cal = crate::accounts::store::calendar::load_from(c, cn(first).min(today))?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, item, statutory, limit, signed, accepted)| {
            let accepted_on = accepted.map(cn);
            let limit = (i64::from(limit) + ext.get(&id).copied().unwrap_or(0)).max(0);
            // As `domain::fulfilment::timer` counts, without walking to the deadline day by
            // day for the contracts that do not need it (the accepted and the running).
            let signed_on = cn(signed?);
            let used = cal.working_days_between(signed_on, accepted_on.unwrap_or(today));
            let due = match accepted_on {
                Some(a) => Some((a, used <= limit)),
                None if used > limit => {
                    let n = u32::try_from(limit).unwrap_or(u32::MAX);
                    Some((cal.add_working_days(signed_on, n), false))
                }
                None => None,
            };
            let due = due.filter(|(d, _)| f.from <= *d && *d <= f.to);
            let service = accepted_on
                .filter(|a| f.from <= *a && *a <= f.to)
                .map(|a| (a, used, i64::from(statutory)));
            Some(Timing { item, due, service })
        })
        .collect())
}

/// Complaints filed in the period and handled (answered, or not accepted): (department,
/// handled by the due day, working days from filing to handling), as the complaint figures
/// count them.
pub fn complaints(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(i64, bool, i64)>> {
    use crate::db::schema::{complaint_decisions, complaints};
    use crate::domain::complaints::State;
    let (start, end) = f.instants();
    let mut q = complaints::table
        .left_join(
            complaint_decisions::table.on(complaint_decisions::complaint_id.eq(complaints::id)),
        )
        .filter(complaints::filed_at.ge(start))
        .filter(complaints::filed_at.lt(end))
        .select((
            complaints::department_id,
            complaints::filed_at,
            complaints::state,
            complaints::ack_due,
            complaints::answer_due,
            complaint_decisions::answered_at.nullable(),
            complaint_decisions::decided_at.nullable(),
        ))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(complaints::department_id.eq(d));
    }
    type Row = (
        i64,
        NaiveDateTime,
        String,
        NaiveDate,
        Option<NaiveDate>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = q.load(c)?;
    let Some(first) = rows.iter().map(|r| cn(r.1)).min() else {
        return Ok(Vec::new());
    };
    let cal = crate::accounts::store::calendar::load_from(c, first)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(dept, filed, state, ack_due, answer_due, answered, decided)| {
                let (handled, due) = match (answered, decided, State::parse(&state)) {
                    (Some(a), _, _) => (a, answer_due),
                    (None, Some(d), Some(State::NotAccepted)) => (d, Some(ack_due)),
                    _ => return None,
                };
                let (filed_on, handled_on) = (cn(filed), cn(handled));
                let on_time = due.is_none_or(|d| handled_on <= d);
                Some((
                    dept,
                    on_time,
                    cal.working_days_between(filed_on, handled_on),
                ))
            },
        )
        .collect())
}

/// Agencies drawn by inspection tasks whose window starts in the period: ((department,
/// year of the window), the drawn agency).
pub fn inspections(
    c: &mut DbConnection,
    f: &Filter,
) -> QueryResult<Vec<((i64, i32), crate::domain::stats::Drawn)>> {
    use crate::db::schema::{inspection_targets, inspection_tasks};
    use chrono::Datelike;
    let mut q = inspection_targets::table
        .inner_join(inspection_tasks::table)
        .filter(inspection_tasks::window_start.ge(f.from))
        .filter(inspection_tasks::window_start.le(f.to))
        .select((
            inspection_tasks::department_id,
            inspection_tasks::window_start,
            inspection_tasks::id,
            inspection_tasks::population_size,
            inspection_targets::agency_id,
            inspection_targets::result.is_not_null(),
        ))
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(inspection_tasks::department_id.eq(d));
    }
    let rows: Vec<(i64, NaiveDate, i64, Option<i32>, i64, bool)> = q.load(c)?;
    Ok(rows
        .into_iter()
        .map(|(dept, start, task_id, population, agency_id, inspected)| {
            (
                (dept, start.year()),
                crate::domain::stats::Drawn {
                    task_id,
                    population: i64::from(population.unwrap_or(0)),
                    agency_id,
                    inspected,
                },
            )
        })
        .collect())
}

/// What the grades per quarter are computed from: the rules in force, every credit record and
/// each agency's first contract. Like the grade chart, not filtered by department.
pub fn grade_facts(
    c: &mut DbConnection,
) -> QueryResult<(
    crate::domain::credit::RuleSet,
    std::collections::BTreeMap<i64, crate::domain::stats::GradeFacts>,
)> {
    use crate::db::schema::credit_records as cr;
    use crate::domain::credit::{Kind, RecordFacts};
    let rules = crate::credit::store::credit::current_rules(c)?.rules();
    let mut out: std::collections::BTreeMap<i64, crate::domain::stats::GradeFacts> =
        std::collections::BTreeMap::new();
    type Row = (
        i64,
        i64,
        Kind,
        i32,
        Option<i32>,
        NaiveDate,
        NaiveDate,
        Option<i64>,
    );
    let records: Vec<Row> = cr::table
        .select((
            cr::agency_id,
            cr::id,
            cr::kind,
            cr::points,
            cr::stars_x100,
            cr::effective_on,
            cr::valid_until,
            cr::revokes_id,
        ))
        .load(c)?;
    for (agency, id, kind, points, stars_x100, effective_on, valid_until, revokes_id) in records {
        out.entry(agency).or_default().records.push(RecordFacts {
            id,
            kind,
            points,
            stars_x100,
            effective_on,
            valid_until,
            revokes_id,
        });
    }
    let firsts: Vec<(i64, Option<NaiveDateTime>)> = contracts::table
        .group_by(contracts::agency_id)
        .select((
            contracts::agency_id,
            diesel::dsl::min(contracts::created_at),
        ))
        .load(c)?;
    for (agency, first) in firsts {
        out.entry(agency).or_default().first_contract = first.map(cn);
    }
    Ok(out).map(|o| (rules, o))
}
