//! The figures of `/stats`, as pure functions over plain rows: counts per month and kind,
//! medians and percentiles, shares and rates. The store reads one query per chart and hands the
//! rows here; the charts and tables show what comes back. Nothing here knows a database.

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

use crate::domain::credit::{Grade, RecordFacts, RuleSet, score};
use std::fmt;

/// A calendar month, the x axis of most charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The quarter this month is in, 1–4.
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// Every month from `from` to `to`, both included (empty when `to` is before `from`). Capped at
/// 120 months so a wild period cannot make a page of thousands of bars.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<Month> {
    let (mut m, last) = (Month::of(from), Month::of(to));
    let mut out = Vec::new();
    while m <= last && out.len() < 120 {
        out.push(m);
        m = m.next();
    }
    out
}

/// The median of the finite values, `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// The `q`-quantile (0 ≤ q ≤ 1) of the finite values by linear interpolation between the two
/// nearest ranks (the spreadsheet's PERCENTILE.INC), `None` when there are none.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

/// Counts of dated rows per key and month: for each key, one count per month of `months`
/// (rows outside the months are left out). Keys come back sorted.
pub fn monthly_counts<K: Ord + Clone>(
    rows: &[(NaiveDate, K)],
    months: &[Month],
) -> BTreeMap<K, Vec<u64>> {
    let index: BTreeMap<Month, usize> = months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut out: BTreeMap<K, Vec<u64>> = BTreeMap::new();
    for (d, k) in rows {
        if let Some(i) = index.get(&Month::of(*d)) {
            out.entry(k.clone())
                .or_insert_with(|| vec![0; months.len()])[*i] += 1;
        }
    }
    out
}

/// `part / whole` as a percentage, `None` for an empty whole.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// Winning price as a percentage of the cap, per key (e.g. item or mode); rows without a cap
/// or with a zero cap are left out.
pub fn price_to_cap<K: Ord + Clone>(rows: &[(K, i64, Option<i64>)]) -> BTreeMap<K, Vec<f64>> {
    let mut out: BTreeMap<K, Vec<f64>> = BTreeMap::new();
    for (k, price, cap) in rows {
        if let Some(cap) = cap.filter(|c| *c > 0) {
            out.entry(k.clone())
                .or_default()
                .push(*price as f64 * 100.0 / cap as f64);
        }
    }
    out
}

/// Service time against the statutory limit, per key: the median of used ÷ limit in percent,
/// and how many of the services were within the limit and within the 提速 target share of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceTime {
    pub services: u64,
    pub median_percent: f64,
    pub within_limit: u64,
    pub within_target: u64,
}

/// `rows` are (key, working days used, statutory working days); `target_percent` is the share
/// of the limit the policy aims at (80 for 提速 20%). Rows with a zero limit are left out.
pub fn service_time<K: Ord + Clone>(
    rows: &[(K, i64, i64)],
    target_percent: i64,
) -> BTreeMap<K, ServiceTime> {
    let mut grouped: BTreeMap<K, Vec<(i64, i64)>> = BTreeMap::new();
    for (k, used, limit) in rows {
        if *limit > 0 {
            grouped.entry(k.clone()).or_default().push((*used, *limit));
        }
    }
    grouped
        .into_iter()
        .filter_map(|(k, v)| {
            let ratios: Vec<f64> = v
                .iter()
                .map(|(u, l)| *u as f64 * 100.0 / *l as f64)
                .collect();
            Some((
                k,
                ServiceTime {
                    services: v.len() as u64,
                    median_percent: median(&ratios)?,
                    within_limit: v.iter().filter(|(u, l)| u <= l).count() as u64,
                    within_target: v
                        .iter()
                        .filter(|(u, l)| u * 100 <= l * target_percent)
                        .count() as u64,
                },
            ))
        })
        .collect()
}

/// Median and 90th percentile of a duration per month, in days.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub count: u64,
    pub median: f64,
    pub p90: f64,
}

/// `rows` are (the month's date, days); months without rows are `None`.
pub fn spread_by_month(rows: &[(NaiveDate, f64)], months: &[Month]) -> Vec<Option<Spread>> {
    let mut per: BTreeMap<Month, Vec<f64>> = BTreeMap::new();
    for (d, days) in rows {
        per.entry(Month::of(*d)).or_default().push(*days);
    }
    months
        .iter()
        .map(|m| {
            let v = per.get(m)?;
            Some(Spread {
                count: v.len() as u64,
                median: median(v)?,
                p90: quantile(v, 0.9)?,
            })
        })
        .collect()
}

/// Per selection mode: announcements decided, how many failed (流标), the failure rate and the
/// average number of valid quotes or registrations.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeOutcome {
    pub decided: u64,
    pub failed: u64,
    pub failure_percent: f64,
    pub avg_valid: f64,
}

/// `rows` are (mode, failed, valid quotes or registrations), one per opened announcement.
pub fn mode_outcomes<K: Ord + Clone>(rows: &[(K, bool, u32)]) -> BTreeMap<K, ModeOutcome> {
    let mut acc: BTreeMap<K, (u64, u64, u64)> = BTreeMap::new();
    for (k, failed, valid) in rows {
        let e = acc.entry(k.clone()).or_default();
        e.0 += 1;
        e.1 += u64::from(*failed);
        e.2 += u64::from(*valid);
    }
    acc.into_iter()
        .map(|(k, (n, f, v))| {
            (
                k,
                ModeOutcome {
                    decided: n,
                    failed: f,
                    failure_percent: f as f64 * 100.0 / n as f64,
                    avg_valid: v as f64 / n as f64,
                },
            )
        })
        .collect()
}

/// Per key (e.g. department): cases, how many on time, the on-time share and the median
/// handling time.
#[derive(Debug, Clone, PartialEq)]
pub struct Handling {
    pub cases: u64,
    pub on_time: u64,
    pub on_time_percent: f64,
    pub median_days: f64,
}

/// `rows` are (key, handled on time, working days taken).
pub fn handling<K: Ord + Clone>(rows: &[(K, bool, i64)]) -> BTreeMap<K, Handling> {
    let mut per: BTreeMap<K, Vec<(bool, i64)>> = BTreeMap::new();
    for (k, ok, days) in rows {
        per.entry(k.clone()).or_default().push((*ok, *days));
    }
    per.into_iter()
        .filter_map(|(k, v)| {
            let on_time = v.iter().filter(|r| r.0).count() as u64;
            let days: Vec<f64> = v.iter().map(|r| r.1 as f64).collect();
            Some((
                k,
                Handling {
                    cases: v.len() as u64,
                    on_time,
                    on_time_percent: on_time as f64 * 100.0 / v.len() as f64,
                    median_days: median(&days)?,
                },
            ))
        })
        .collect()
}

/// A share per month of rows that pass (e.g. delivered on time, rated good): (passed, all,
/// percent) per month, `None` for a month without rows.
pub fn share_by_month(
    rows: &[(NaiveDate, bool)],
    months: &[Month],
) -> Vec<Option<(u64, u64, f64)>> {
    let mut per: BTreeMap<Month, (u64, u64)> = BTreeMap::new();
    for (d, ok) in rows {
        let e = per.entry(Month::of(*d)).or_default();
        e.0 += u64::from(*ok);
        e.1 += 1;
    }
    months
        .iter()
        .map(|m| {
            per.get(m)
                .map(|(ok, n)| (*ok, *n, *ok as f64 * 100.0 / *n as f64))
        })
        .collect()
}

/// A quarter, the x axis of the grade chart: "2026Q3".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub quarter: u32,
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

/// The quarters the months fall in, each with the day it is looked at: its last day, or
/// `today` for the quarter still running (quarters after today are left out).
pub fn quarter_ends(months: &[Month], today: NaiveDate) -> Vec<(Quarter, NaiveDate)> {
    let mut out: Vec<(Quarter, NaiveDate)> = Vec::new();
    for m in months {
        let q = Quarter {
            year: m.year,
            quarter: m.quarter(),
        };
        if out.last().is_some_and(|(last, _)| *last == q) {
            continue;
        }
        let first = NaiveDate::from_ymd_opt(m.year, (q.quarter - 1) * 3 + 1, 1);
        let Some(first) = first else { continue };
        if first > today {
            break;
        }
        let next = first
            .checked_add_months(chrono::Months::new(3))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        out.push((q, next.min(today)));
    }
    out
}

/// What the grade of one agency on a day is made of: its credit records and the day it first
/// had a contract (from then on it is graded even without records).
#[derive(Debug, Clone, Default)]
pub struct GradeFacts {
    pub records: Vec<RecordFacts>,
    pub first_contract: Option<NaiveDate>,
}

/// The grade distribution (A, B, C, D) on each of `days`: every agency graded on that day —
/// one with a record in effect by then or a contract by then — scored from its records under
/// `rules` as the credit page scores it. Agencies with neither are not graded and not counted.
pub fn grades_on(
    agencies: &BTreeMap<i64, GradeFacts>,
    rules: &RuleSet,
    days: &[NaiveDate],
) -> Vec<[u64; 4]> {
    days.iter()
        .map(|day| {
            let mut counts = [0u64; 4];
            for f in agencies.values() {
                let rated = f.first_contract.is_some_and(|d| d <= *day)
                    || f.records.iter().any(|r| r.effective_on <= *day);
                if !rated {
                    continue;
                }
                let i = match score(&f.records, rules, *day).grade {
                    Grade::A => 0,
                    Grade::B => 1,
                    Grade::C => 2,
                    Grade::D => 3,
                };
                counts[i] += 1;
            }
            counts
        })
        .collect()
}

/// One task's sample for the coverage chart: the task, how many agencies were in its
/// population, and one drawn agency with whether its result is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub task_id: i64,
    pub population: i64,
    pub agency_id: i64,
    pub inspected: bool,
}

/// Inspection coverage per key (e.g. department and year).
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub tasks: u64,
    /// The largest population drawn from: the agencies in scope.
    pub scope: u64,
    /// Distinct agencies drawn.
    pub drawn: u64,
    /// Distinct agencies with a result recorded.
    pub inspected: u64,
    /// `inspected / scope` in percent.
    pub percent: f64,
}

/// Coverage per key: distinct agencies inspected as a share of the agencies in scope (the
/// largest population the key's tasks drew from). An agency drawn twice counts once.
pub fn coverage<K: Ord + Clone>(rows: &[(K, Drawn)]) -> BTreeMap<K, Coverage> {
    type Acc = (BTreeSet<i64>, i64, BTreeSet<i64>, BTreeSet<i64>);
    let mut acc: BTreeMap<K, Acc> = BTreeMap::new();
    for (k, d) in rows {
        let e = acc.entry(k.clone()).or_default();
        e.0.insert(d.task_id);
        e.1 = e.1.max(d.population);
        e.2.insert(d.agency_id);
        if d.inspected {
            e.3.insert(d.agency_id);
        }
    }
    acc.into_iter()
        .map(|(k, (tasks, scope, drawn, inspected))| {
            let scope = u64::try_from(scope).unwrap_or(0).max(drawn.len() as u64);
            let inspected = inspected.len() as u64;
            (
                k,
                Coverage {
                    tasks: tasks.len() as u64,
                    scope,
                    drawn: drawn.len() as u64,
                    inspected,
                    percent: percent(inspected, scope).unwrap_or(0.0),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_span_the_year_end_and_are_capped() {
        let m = months(d(2025, 11, 30), d(2026, 2, 1));
        let shown: Vec<String> = m.iter().map(|m| m.to_string()).collect();
        assert_eq!(shown, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(months(d(2026, 2, 1), d(2026, 1, 1)).is_empty());
        assert_eq!(months(d(1990, 1, 1), d(2026, 1, 1)).len(), 120);
        assert_eq!(Month::of(d(2026, 7, 1)).quarter(), 3);
    }

    #[test]
    fn median_and_p90_interpolate() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 5.0]), Some(5.0));
        let v: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.9), Some(10.0));
        assert_eq!(quantile(&v, 1.5), None);
    }

    #[test]
    fn monthly_counts_fill_zeros_and_skip_outside() {
        let ms = months(d(2026, 1, 1), d(2026, 3, 1));
        let rows = vec![
            (d(2026, 1, 5), "random"),
            (d(2026, 1, 9), "random"),
            (d(2026, 3, 1), "lowest"),
            (d(2026, 4, 1), "lowest"),
        ];
        let c = monthly_counts(&rows, &ms);
        assert_eq!(c["random"], vec![2, 0, 0]);
        assert_eq!(c["lowest"], vec![0, 0, 1]);
    }

    #[test]
    fn price_to_cap_skips_uncapped() {
        let rows = vec![
            ("测绘", 80, Some(100)),
            ("测绘", 50, None),
            ("测绘", 9, Some(0)),
            ("环评", 90, Some(100)),
        ];
        let r = price_to_cap(&rows);
        assert_eq!(r["测绘"], vec![80.0]);
        assert_eq!(r["环评"], vec![90.0]);
    }

    #[test]
    fn service_time_counts_limit_and_target() {
        let rows = vec![("a", 8, 10), ("a", 10, 10), ("a", 12, 10), ("b", 1, 0)];
        let s = service_time(&rows, 80);
        assert_eq!(s.len(), 1);
        assert_eq!(s["a"].services, 3);
        assert_eq!(s["a"].median_percent, 100.0);
        assert_eq!(s["a"].within_limit, 2);
        assert_eq!(s["a"].within_target, 1);
    }

    #[test]
    fn spreads_per_month() {
        let ms = months(d(2026, 1, 1), d(2026, 2, 1));
        let rows = vec![(d(2026, 1, 2), 10.0), (d(2026, 1, 3), 20.0)];
        let s = spread_by_month(&rows, &ms);
        assert_eq!(s[0].as_ref().map(|x| (x.count, x.median)), Some((2, 15.0)));
        assert_eq!(s[0].as_ref().map(|x| x.p90), Some(19.0));
        assert!(s[1].is_none());
    }

    #[test]
    fn mode_outcomes_rate_and_average() {
        let rows = vec![
            ("lowest", false, 4),
            ("lowest", true, 2),
            ("random", false, 6),
        ];
        let m = mode_outcomes(&rows);
        assert_eq!(m["lowest"].failure_percent, 50.0);
        assert_eq!(m["lowest"].avg_valid, 3.0);
        assert_eq!(m["random"].failed, 0);
    }

    #[test]
    fn handling_share_and_median() {
        let rows = vec![(1, true, 3), (1, false, 9), (1, true, 5), (2, true, 1)];
        let h = handling(&rows);
        assert_eq!(h[&1].cases, 3);
        assert_eq!(h[&1].on_time, 2);
        assert!((h[&1].on_time_percent - 66.666).abs() < 0.01);
        assert_eq!(h[&1].median_days, 5.0);
        assert_eq!(h[&2].on_time_percent, 100.0);
    }

    #[test]
    fn shares_per_month() {
        let ms = months(d(2026, 1, 1), d(2026, 2, 1));
        let rows = vec![(d(2026, 2, 1), true), (d(2026, 2, 2), false)];
        let s = share_by_month(&rows, &ms);
        assert_eq!(s, vec![None, Some((1, 2, 50.0))]);
        assert_eq!(percent(1, 4), Some(25.0));
        assert_eq!(percent(1, 0), None);
    }

    #[test]
    fn quarters_end_on_their_last_day_or_today() {
        let ms = months(d(2025, 11, 1), d(2026, 12, 1));
        let q = quarter_ends(&ms, d(2026, 5, 10));
        let shown: Vec<(String, NaiveDate)> = q.iter().map(|(q, e)| (q.to_string(), *e)).collect();
        assert_eq!(
            shown,
            vec![
                ("2025Q4".to_string(), d(2025, 12, 31)),
                ("2026Q1".to_string(), d(2026, 3, 31)),
                ("2026Q2".to_string(), d(2026, 5, 10)),
            ]
        );
    }

    fn record(
        id: i64,
        kind: crate::domain::credit::Kind,
        points: i32,
        on: NaiveDate,
    ) -> RecordFacts {
        RecordFacts {
            id,
            kind,
            points,
            stars_x100: None,
            effective_on: on,
            valid_until: d(2030, 1, 1),
            revokes_id: None,
        }
    }

    #[test]
    fn grades_follow_records_and_first_contracts() {
        use crate::domain::credit::Kind;
        let rules = RuleSet::default();
        let mut a = BTreeMap::new();
        // Clean from its first contract on: grade A (100 points).
        a.insert(
            1,
            GradeFacts {
                records: vec![],
                first_contract: Some(d(2026, 2, 1)),
            },
        );
        // A false report in May takes 30 regulator points: 70, grade C.
        a.insert(
            2,
            GradeFacts {
                records: vec![record(7, Kind::FalseReport, -30, d(2026, 5, 1))],
                first_contract: None,
            },
        );
        // Never graded.
        a.insert(3, GradeFacts::default());
        let g = grades_on(
            &a,
            &rules,
            &[d(2026, 1, 31), d(2026, 3, 31), d(2026, 6, 30)],
        );
        assert_eq!(g[0], [0, 0, 0, 0]);
        assert_eq!(g[1], [1, 0, 0, 0]);
        assert_eq!(g[2], [1, 0, 1, 0]);
    }

    #[test]
    fn coverage_counts_distinct_agencies_against_the_scope() {
        let row = |task_id, population, agency_id, inspected| Drawn {
            task_id,
            population,
            agency_id,
            inspected,
        };
        let rows = vec![
            ((1, 2026), row(10, 20, 100, true)),
            ((1, 2026), row(10, 20, 101, false)),
            ((1, 2026), row(11, 10, 100, true)),
            ((2, 2026), row(12, 0, 200, true)),
        ];
        let c = coverage(&rows);
        let one = &c[&(1, 2026)];
        assert_eq!(
            (one.tasks, one.scope, one.drawn, one.inspected),
            (2, 20, 2, 1)
        );
        assert_eq!(one.percent, 5.0);
        // A population never stored: the drawn agencies are the scope.
        assert_eq!(c[&(2, 2026)].percent, 100.0);
    }
}
