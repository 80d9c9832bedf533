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

/// Today's credit grade of every listed agency (`None`: not graded yet). The department filter
/// does not apply: an agency serves several departments.
pub fn grades(c: &mut DbConnection) -> QueryResult<Vec<Option<String>>> {
    agencies::table.select(agencies::grade).load(c)
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
