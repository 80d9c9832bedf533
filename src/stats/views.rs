//! The sections of `/stats`: for each chart its SVG, its data table (the same figures, for
//! screen readers and copying) and the id of its CSV download. Built from the rows of
//! `stats::store` through the figure functions of `domain::stats`; labels in the page's
//! language.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::evaluation::Share;
use crate::domain::selection::Mode;
use crate::domain::stats::{self, Month};
use crate::i18n::{Lang, tr};
use crate::web::chart::{self, Labels, Series};

use super::store::Filter;

/// One chart with its table.
pub struct Section {
    /// The anchor and the CSV name (`/stats/{id}.csv`).
    pub id: &'static str,
    pub title: String,
    /// One sentence on how to read it.
    pub lead: String,
    /// Finished SVG markup (escaped by `web::chart`); empty when there is nothing to draw.
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The rows every section is built from, read by `stats::store`.
pub struct Data {
    pub publications: Vec<(NaiveDate, Mode, i64)>,
    pub savings: Vec<(Mode, i64, Option<i64>)>,
    pub time_to_contract: Vec<(NaiveDate, f64)>,
    pub openings: Vec<(Mode, bool, u32)>,
    pub grades: Vec<(Option<String>, i64)>,
    pub sanctions: Vec<(NaiveDate, &'static str)>,
    pub ratings: Vec<(NaiveDate, crate::domain::evaluation::Stars)>,
    pub timings: Vec<super::store::Timing>,
    pub complaints: Vec<(i64, bool, i64)>,
    pub inspections: Vec<((i64, i32), stats::Drawn)>,
    pub grade_rules: crate::domain::credit::RuleSet,
    pub grade_facts: BTreeMap<i64, stats::GradeFacts>,
    /// The China date the figures are computed for.
    pub today: NaiveDate,
}

fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

fn mode_name(lang: Lang, m: Mode) -> String {
    tr(lang, m.key()).to_string()
}

/// Every section, in the page's order.
pub fn sections(
    lang: Lang,
    f: &Filter,
    data: &Data,
    dept_name: &dyn Fn(i64) -> String,
) -> Vec<Section> {
    let months = stats::months(f.from, f.to);
    vec![
        by_mode(lang, &months, &data.publications),
        by_department(lang, &data.publications, dept_name),
        savings(lang, &data.savings),
        service_time(lang, &data.timings),
        time_to_contract(lang, &months, &data.time_to_contract),
        failures(lang, &data.openings),
        grades(lang, &data.grades),
        grades_by_quarter(lang, &months, data),
        sanctions(lang, &months, &data.sanctions),
        complaints(lang, &data.complaints, dept_name),
        coverage(lang, &data.inspections, dept_name),
        fulfilment(lang, &months, &data.timings),
        ratings(lang, &months, &data.ratings),
    ]
}

fn t(lang: Lang, key: &str) -> String {
    tr(lang, key).to_string()
}

fn labels(lang: Lang, title_key: &str, unit_key: &str) -> Labels {
    Labels {
        title: t(lang, title_key),
        // "3 days" in English, "3天" in Chinese.
        unit: match tr(lang, unit_key) {
            u if u.starts_with(|c: char| c.is_ascii_alphabetic()) => format!(" {u}"),
            u => u.to_string(),
        },
    }
}

fn month_names(months: &[Month]) -> Vec<String> {
    months.iter().map(Month::to_string).collect()
}

fn by_mode(lang: Lang, months: &[Month], rows: &[(NaiveDate, Mode, i64)]) -> Section {
    let keyed: Vec<(NaiveDate, Mode)> = rows.iter().map(|(d, m, _)| (*d, *m)).collect();
    let counts = stats::monthly_counts(&keyed, months);
    let modes: Vec<Mode> = Mode::ALL
        .into_iter()
        .filter(|m| counts.contains_key(m))
        .collect();
    let series: Vec<Series> = modes
        .iter()
        .map(|m| Series {
            name: mode_name(lang, *m),
            values: counts[m].iter().map(|v| *v as f64).collect(),
        })
        .collect();
    let mut headers = vec![t(lang, "stats.month")];
    headers.extend(modes.iter().map(|m| mode_name(lang, *m)));
    headers.push(t(lang, "stats.total"));
    let rows = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut r = vec![m.to_string()];
            let mut total = 0;
            for mode in &modes {
                total += counts[mode][i];
                r.push(counts[mode][i].to_string());
            }
            r.push(total.to_string());
            r
        })
        .collect();
    let l = labels(lang, "stats.by_mode", "stats.unit.count");
    Section {
        id: "announcements-by-mode",
        svg: if rows_empty(&series) {
            String::new()
        } else {
            chart::stacked_bars(&l, &month_names(months), &series)
        },
        title: l.title,
        lead: t(lang, "stats.by_mode.lead"),
        headers,
        rows,
    }
}

fn rows_empty(series: &[Series]) -> bool {
    series.iter().all(|s| s.values.iter().all(|v| *v == 0.0))
}

fn by_department(
    lang: Lang,
    rows: &[(NaiveDate, Mode, i64)],
    dept_name: &dyn Fn(i64) -> String,
) -> Section {
    let mut per: BTreeMap<i64, u64> = BTreeMap::new();
    for (_, _, d) in rows {
        *per.entry(*d).or_default() += 1;
    }
    let mut list: Vec<(String, u64)> = per.into_iter().map(|(d, n)| (dept_name(d), n)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let l = labels(lang, "stats.by_department", "stats.unit.count");
    let bars: Vec<(String, f64)> = list.iter().map(|(n, v)| (n.clone(), *v as f64)).collect();
    Section {
        id: "announcements-by-department",
        svg: if bars.is_empty() {
            String::new()
        } else {
            chart::hbars(&l, &bars, &[])
        },
        title: l.title,
        lead: t(lang, "stats.by_department.lead"),
        headers: vec![t(lang, "stats.department"), t(lang, "stats.announcements")],
        rows: list
            .into_iter()
            .map(|(n, v)| vec![n, v.to_string()])
            .collect(),
    }
}

fn savings(lang: Lang, rows: &[(Mode, i64, Option<i64>)]) -> Section {
    let ratios = stats::price_to_cap(rows);
    let cats: Vec<(String, Vec<f64>)> = ratios
        .iter()
        .map(|(m, v)| (mode_name(lang, *m), v.clone()))
        .collect();
    let l = labels(lang, "stats.savings", "stats.unit.percent");
    let table = ratios
        .iter()
        .map(|(m, v)| {
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(0.0, f64::max);
            vec![
                mode_name(lang, *m),
                v.len().to_string(),
                stats::median(v).map(pct).unwrap_or_default(),
                pct(min),
                pct(max),
            ]
        })
        .collect();
    Section {
        id: "savings",
        svg: if cats.is_empty() {
            String::new()
        } else {
            chart::dots(&l, &cats, Some((tr(lang, "stats.cap"), 100.0)))
        },
        title: l.title,
        lead: t(lang, "stats.savings.lead"),
        headers: vec![
            t(lang, "stats.mode"),
            t(lang, "stats.awards"),
            t(lang, "stats.median"),
            t(lang, "stats.min"),
            t(lang, "stats.max"),
        ],
        rows: table,
    }
}

fn time_to_contract(lang: Lang, months: &[Month], rows: &[(NaiveDate, f64)]) -> Section {
    let spreads = stats::spread_by_month(rows, months);
    let series = vec![
        Series {
            name: t(lang, "stats.median"),
            values: spreads
                .iter()
                .map(|s| s.as_ref().map_or(f64::NAN, |s| s.median))
                .collect(),
        },
        Series {
            name: t(lang, "stats.p90"),
            values: spreads
                .iter()
                .map(|s| s.as_ref().map_or(f64::NAN, |s| s.p90))
                .collect(),
        },
    ];
    let l = labels(lang, "stats.time_to_contract", "stats.unit.days");
    let table = months
        .iter()
        .zip(&spreads)
        .filter_map(|(m, s)| {
            let s = s.as_ref()?;
            Some(vec![
                m.to_string(),
                s.count.to_string(),
                chart::num(s.median),
                chart::num(s.p90),
            ])
        })
        .collect::<Vec<_>>();
    Section {
        id: "time-to-contract",
        svg: if table.is_empty() {
            String::new()
        } else {
            chart::lines(&l, &month_names(months), &series)
        },
        title: l.title,
        lead: t(lang, "stats.time_to_contract.lead"),
        headers: vec![
            t(lang, "stats.month"),
            t(lang, "stats.contracts"),
            t(lang, "stats.median_days"),
            t(lang, "stats.p90_days"),
        ],
        rows: table,
    }
}

fn failures(lang: Lang, rows: &[(Mode, bool, u32)]) -> Section {
    let per = stats::mode_outcomes(rows);
    let bars: Vec<(String, f64)> = per
        .iter()
        .map(|(m, o)| (mode_name(lang, *m), o.failure_percent))
        .collect();
    let l = labels(lang, "stats.failures", "stats.unit.percent");
    Section {
        id: "failures",
        svg: if bars.is_empty() {
            String::new()
        } else {
            chart::hbars(&l, &bars, &[])
        },
        title: l.title,
        lead: t(lang, "stats.failures.lead"),
        headers: vec![
            t(lang, "stats.mode"),
            t(lang, "stats.opened"),
            t(lang, "stats.failed"),
            t(lang, "stats.failure_rate"),
            t(lang, "stats.avg_valid"),
        ],
        rows: per
            .iter()
            .map(|(m, o)| {
                vec![
                    mode_name(lang, *m),
                    o.decided.to_string(),
                    o.failed.to_string(),
                    pct(o.failure_percent),
                    format!("{:.1}", o.avg_valid),
                ]
            })
            .collect(),
    }
}

fn grades(lang: Lang, rows: &[(Option<String>, i64)]) -> Section {
    let order = ["A", "B", "C", "D"];
    let mut counts = [0u64; 5];
    for (g, n) in rows {
        let i = g
            .as_deref()
            .and_then(|g| order.iter().position(|o| *o == g))
            .unwrap_or(4);
        counts[i] += u64::try_from(*n).unwrap_or(0);
    }
    let total: u64 = counts.iter().sum();
    let mut names: Vec<String> = order.iter().map(|g| g.to_string()).collect();
    names.push(t(lang, "stats.ungraded"));
    let l = labels(lang, "stats.grades", "stats.unit.agencies");
    let series = vec![Series {
        name: l.title.clone(),
        values: counts.iter().map(|c| *c as f64).collect(),
    }];
    Section {
        id: "credit-grades",
        svg: if total == 0 {
            String::new()
        } else {
            chart::stacked_bars(&l, &names, &series)
        },
        title: l.title,
        lead: t(lang, "stats.grades.lead"),
        headers: vec![
            t(lang, "stats.grade"),
            t(lang, "stats.agencies"),
            t(lang, "stats.share"),
        ],
        rows: names
            .iter()
            .zip(counts)
            .map(|(n, c)| {
                vec![
                    n.clone(),
                    c.to_string(),
                    stats::percent(c, total).map(pct).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

fn sanctions(lang: Lang, months: &[Month], rows: &[(NaiveDate, &'static str)]) -> Section {
    let counts = stats::monthly_counts(rows, months);
    let kinds = ["blacklist", "market_ban"];
    let series: Vec<Series> = kinds
        .iter()
        .map(|k| Series {
            name: t(lang, &format!("stats.sanction.{k}")),
            values: counts.get(k).map_or(vec![0.0; months.len()], |v| {
                v.iter().map(|n| *n as f64).collect()
            }),
        })
        .collect();
    let l = labels(lang, "stats.sanctions", "stats.unit.sanctions");
    let rows_out = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut r = vec![m.to_string()];
            r.extend(series.iter().map(|s| chart::num(s.values[i])));
            r
        })
        .collect();
    let mut headers = vec![t(lang, "stats.month")];
    headers.extend(series.iter().map(|s| s.name.clone()));
    Section {
        id: "sanctions",
        svg: if rows_empty(&series) {
            String::new()
        } else {
            chart::stacked_bars(&l, &month_names(months), &series)
        },
        title: l.title,
        lead: t(lang, "stats.sanctions.lead"),
        headers,
        rows: rows_out,
    }
}

fn ratings(
    lang: Lang,
    months: &[Month],
    rows: &[(NaiveDate, crate::domain::evaluation::Stars)],
) -> Section {
    let mut per: BTreeMap<Month, Vec<crate::domain::evaluation::Stars>> = BTreeMap::new();
    for (d, s) in rows {
        per.entry(Month::of(*d)).or_default().push(*s);
    }
    let shares: Vec<Share> = months
        .iter()
        .map(|m| Share::of(per.get(m).into_iter().flatten()))
        .collect();
    let series = vec![
        Series {
            name: t(lang, "stats.good"),
            values: shares.iter().map(|s| s.good as f64).collect(),
        },
        Series {
            name: t(lang, "stats.neutral"),
            values: shares.iter().map(|s| s.neutral as f64).collect(),
        },
        Series {
            name: t(lang, "stats.bad"),
            values: shares.iter().map(|s| s.bad as f64).collect(),
        },
    ];
    let l = labels(lang, "stats.ratings", "stats.unit.ratings");
    let table = months
        .iter()
        .zip(&shares)
        .filter(|(_, s)| s.good + s.neutral + s.bad > 0)
        .map(|(m, s)| {
            vec![
                m.to_string(),
                s.good.to_string(),
                s.neutral.to_string(),
                s.bad.to_string(),
                s.good_percent(),
            ]
        })
        .collect();
    Section {
        id: "ratings",
        svg: if rows_empty(&series) {
            String::new()
        } else {
            chart::stacked_bars(&l, &month_names(months), &series)
        },
        title: l.title,
        lead: t(lang, "stats.ratings.lead"),
        headers: vec![
            t(lang, "stats.month"),
            t(lang, "stats.good"),
            t(lang, "stats.neutral"),
            t(lang, "stats.bad"),
            t(lang, "stats.good_share"),
        ],
        rows: table,
    }
}

fn service_time(lang: Lang, timings: &[super::store::Timing]) -> Section {
    let rows: Vec<(String, i64, i64)> = timings
        .iter()
        .filter_map(|t| {
            t.service
                .map(|(_, used, limit)| (t.item.clone(), used, limit))
        })
        .collect();
    let target = 100 - crate::domain::fulfilment::TARGET_PERCENT_FASTER;
    let per = stats::service_time(&rows, target);
    let l = labels(lang, "stats.service_time", "stats.unit.percent");
    let bars: Vec<(String, f64)> = per
        .iter()
        .map(|(item, s)| (item.clone(), (s.median_percent * 10.0).round() / 10.0))
        .collect();
    let refs = [
        (t(lang, "stats.limit"), 100.0),
        (t(lang, "stats.target"), target as f64),
    ];
    Section {
        id: "service-time",
        svg: if bars.is_empty() {
            String::new()
        } else {
            chart::hbars(&l, &bars, &refs)
        },
        title: l.title,
        lead: t(lang, "stats.service_time.lead"),
        headers: vec![
            t(lang, "stats.item"),
            t(lang, "stats.accepted"),
            t(lang, "stats.median_of_limit"),
            t(lang, "stats.within_limit"),
            t(lang, "stats.within_target"),
        ],
        rows: per
            .into_iter()
            .map(|(item, s)| {
                let share = |n: u64| {
                    let p = stats::percent(n, s.services).map(pct).unwrap_or_default();
                    format!("{n} ({p})")
                };
                vec![
                    item,
                    s.services.to_string(),
                    pct(s.median_percent),
                    share(s.within_limit),
                    share(s.within_target),
                ]
            })
            .collect(),
    }
}

fn grades_by_quarter(lang: Lang, months: &[Month], data: &Data) -> Section {
    let quarters = stats::quarter_ends(months, data.today);
    let days: Vec<NaiveDate> = quarters.iter().map(|q| q.1).collect();
    let counts = stats::grades_on(&data.grade_facts, &data.grade_rules, &days);
    let names = ["A", "B", "C", "D"];
    let series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, g)| Series {
            name: (*g).to_string(),
            values: counts.iter().map(|c| c[i] as f64).collect(),
        })
        .collect();
    let l = labels(lang, "stats.grades_quarterly", "stats.unit.agencies");
    let mut previous: Option<f64> = None;
    let table: Vec<Vec<String>> = quarters
        .iter()
        .zip(&counts)
        .map(|((q, day), c)| {
            let total: u64 = c.iter().sum();
            let a = stats::percent(c[0], total);
            let change = match (a, previous) {
                (Some(now), Some(before)) => format!("{:+.1}", now - before),
                _ => String::new(),
            };
            previous = a.or(previous);
            let mut r = vec![format!("{q} ({day})")];
            r.extend(c.iter().map(u64::to_string));
            r.push(total.to_string());
            r.push(a.map(pct).unwrap_or_default());
            r.push(change);
            r
        })
        .collect();
    let mut headers = vec![t(lang, "stats.quarter")];
    headers.extend(names.iter().map(|g| (*g).to_string()));
    headers.extend([
        t(lang, "stats.graded"),
        t(lang, "stats.a_share"),
        t(lang, "stats.a_change"),
    ]);
    let cats: Vec<String> = quarters.iter().map(|q| q.0.to_string()).collect();
    Section {
        id: "credit-grades-by-quarter",
        svg: if rows_empty(&series) {
            String::new()
        } else {
            chart::stacked_bars(&l, &cats, &series)
        },
        title: l.title,
        lead: t(lang, "stats.grades_quarterly.lead"),
        headers,
        rows: if rows_empty(&series) {
            Vec::new()
        } else {
            table
        },
    }
}

fn complaints(lang: Lang, rows: &[(i64, bool, i64)], dept_name: &dyn Fn(i64) -> String) -> Section {
    let per = stats::handling(rows);
    let l = labels(lang, "stats.complaints", "stats.unit.percent");
    let bars: Vec<(String, f64)> = per
        .iter()
        .map(|(d, h)| (dept_name(*d), (h.on_time_percent * 10.0).round() / 10.0))
        .collect();
    Section {
        id: "complaints",
        svg: if bars.is_empty() {
            String::new()
        } else {
            chart::hbars(&l, &bars, &[])
        },
        title: l.title,
        lead: t(lang, "stats.complaints.lead"),
        headers: vec![
            t(lang, "stats.department"),
            t(lang, "stats.handled"),
            t(lang, "stats.on_time"),
            t(lang, "stats.on_time_share"),
            t(lang, "stats.median_workdays"),
        ],
        rows: per
            .iter()
            .map(|(d, h)| {
                vec![
                    dept_name(*d),
                    h.cases.to_string(),
                    h.on_time.to_string(),
                    pct(h.on_time_percent),
                    chart::num(h.median_days),
                ]
            })
            .collect(),
    }
}

fn coverage(
    lang: Lang,
    rows: &[((i64, i32), stats::Drawn)],
    dept_name: &dyn Fn(i64) -> String,
) -> Section {
    let per = stats::coverage(rows);
    let l = labels(lang, "stats.coverage", "stats.unit.percent");
    let bars: Vec<(String, f64)> = per
        .iter()
        .map(|((d, y), c)| {
            (
                format!("{y} {}", dept_name(*d)),
                (c.percent * 10.0).round() / 10.0,
            )
        })
        .collect();
    Section {
        id: "inspection-coverage",
        svg: if bars.is_empty() {
            String::new()
        } else {
            chart::hbars(&l, &bars, &[])
        },
        title: l.title,
        lead: t(lang, "stats.coverage.lead"),
        headers: vec![
            t(lang, "stats.department"),
            t(lang, "stats.year"),
            t(lang, "stats.tasks"),
            t(lang, "stats.scope"),
            t(lang, "stats.drawn"),
            t(lang, "stats.inspected"),
            t(lang, "stats.coverage_rate"),
        ],
        rows: per
            .iter()
            .map(|((d, y), c)| {
                vec![
                    dept_name(*d),
                    y.to_string(),
                    c.tasks.to_string(),
                    c.scope.to_string(),
                    c.drawn.to_string(),
                    c.inspected.to_string(),
                    pct(c.percent),
                ]
            })
            .collect(),
    }
}

fn fulfilment(lang: Lang, months: &[Month], timings: &[super::store::Timing]) -> Section {
    let rows: Vec<(NaiveDate, bool)> = timings.iter().filter_map(|t| t.due).collect();
    let shares = stats::share_by_month(&rows, months);
    let series = vec![Series {
        name: t(lang, "stats.fulfilment_rate"),
        values: shares
            .iter()
            .map(|s| s.map_or(f64::NAN, |(_, _, p)| (p * 10.0).round() / 10.0))
            .collect(),
    }];
    let l = labels(lang, "stats.fulfilment", "stats.unit.percent");
    let table: Vec<Vec<String>> = months
        .iter()
        .zip(&shares)
        .filter_map(|(m, s)| {
            let (ok, n, p) = (*s)?;
            Some(vec![m.to_string(), n.to_string(), ok.to_string(), pct(p)])
        })
        .collect();
    Section {
        id: "fulfilment",
        svg: if table.is_empty() {
            String::new()
        } else {
            chart::lines(&l, &month_names(months), &series)
        },
        title: l.title,
        lead: t(lang, "stats.fulfilment.lead"),
        headers: vec![
            t(lang, "stats.month"),
            t(lang, "stats.due"),
            t(lang, "stats.on_time"),
            t(lang, "stats.fulfilment_rate"),
        ],
        rows: table,
    }
}
