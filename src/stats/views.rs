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
    pub grades: Vec<Option<String>>,
    pub sanctions: Vec<(NaiveDate, &'static str)>,
    pub ratings: Vec<(NaiveDate, crate::domain::evaluation::Stars)>,
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
        time_to_contract(lang, &months, &data.time_to_contract),
        failures(lang, &data.openings),
        grades(lang, &data.grades),
        sanctions(lang, &months, &data.sanctions),
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

fn grades(lang: Lang, rows: &[Option<String>]) -> Section {
    let order = ["A", "B", "C", "D"];
    let mut counts = [0u64; 5];
    for g in rows {
        let i = g
            .as_deref()
            .and_then(|g| order.iter().position(|o| *o == g))
            .unwrap_or(4);
        counts[i] += 1;
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
