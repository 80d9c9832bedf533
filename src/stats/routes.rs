//! `/stats` (public): the charts with their tables, filtered by period and department; a
//! regulator starts on its own department. `/stats/{chart}.csv` downloads one chart's table
//! with the same filters.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::accounts::store::department::Department;
use crate::auth::Role;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::web::Ctx;
use crate::web::page::Page;

use super::store::{self, Filter};
use super::views::{self, Data, Section};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/stats", web::get().to(page))
        .route("/stats/{chart}.csv", web::get().to(csv));
}

/// The query string as typed; every field is text so a bad value is a message, never a 400
/// from the extractor.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatsQuery {
    pub from: String,
    pub to: String,
    /// A department id, `all`, or empty (a regulator's own department, everyone else all).
    pub dept: String,
}

/// The filter a query asks for, and the messages for the fields it could not read (those
/// fields fall back to their defaults).
pub struct Parsed {
    pub filter: Filter,
    pub from: String,
    pub to: String,
    pub dept: String,
    pub errors: Vec<(&'static str, &'static str)>,
}

/// "2026-03" → the first day of that month.
fn month_start(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.trim().split_once('-')?;
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

fn month_end(start: NaiveDate) -> NaiveDate {
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).unwrap_or(start)
}

/// Reads the query: the last twelve months by default; a month that does not read, a start
/// after the end or a department that does not exist is named, and its default used.
pub fn parse(q: &StatsQuery, today: NaiveDate, own: Option<i64>, depts: &[Department]) -> Parsed {
    let mut errors = Vec::new();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    // Eleven months back: twelve months including this one.
    let back = this_month.year() * 12 + this_month.month0() as i32 - 11;
    let default_from =
        NaiveDate::from_ymd_opt(back.div_euclid(12), back.rem_euclid(12) as u32 + 1, 1)
            .unwrap_or(this_month);
    let mut read = |raw: &str, field: &'static str, default: NaiveDate| -> NaiveDate {
        if raw.trim().is_empty() {
            return default;
        }
        match month_start(raw) {
            Some(d) => d,
            None => {
                errors.push((field, "stats.err.month"));
                default
            }
        }
    };
    let mut from = read(&q.from, "from", default_from);
    let mut to_start = read(&q.to, "to", this_month);
    if from > to_start {
        errors.push(("from", "stats.err.order"));
        (from, to_start) = (default_from, this_month);
    }
    let department = match q.dept.trim() {
        "" => own,
        "all" => None,
        raw => match raw
            .parse::<i64>()
            .ok()
            .filter(|id| depts.iter().any(|d| d.id == *id))
        {
            Some(id) => Some(id),
            None => {
                errors.push(("dept", "stats.err.dept"));
                own
            }
        },
    };
    Parsed {
        filter: Filter {
            from,
            to: month_end(to_start),
            department,
        },
        from: format!("{}-{:02}", from.year(), from.month()),
        to: format!("{}-{:02}", to_start.year(), to_start.month()),
        dept: department
            .map(|d| d.to_string())
            .unwrap_or_else(|| "all".to_string()),
        errors,
    }
}

pub struct DeptOption {
    pub value: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "stats/page.html", blocks = ["title", "content"])]
pub struct StatsPage {
    pub page: Page,
    pub from: String,
    pub to: String,
    pub depts: Vec<DeptOption>,
    /// Field → message, shown beside the field.
    pub errors: Vec<(&'static str, String)>,
    /// The query string the CSV links repeat.
    pub query: String,
    pub sections: Vec<Section>,
}

crate::shared_blocks!(StatsPage);

impl StatsPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The department a regulator's figures default to.
fn own_department(ctx: &Ctx) -> Option<i64> {
    ctx.user()
        .filter(|u| u.role == Role::Regulator)
        .and_then(|u| u.department_id)
}

async fn load(ctx: &Ctx, q: &StatsQuery) -> Result<(Parsed, Vec<Department>, Data), AppError> {
    let own = own_department(ctx);
    let depts = db::run(ctx.pool(), |c| {
        crate::accounts::store::department::all(c).map_err(DbError::from)
    })
    .await?;
    let today = db::today();
    let parsed = parse(q, today, own, &depts);
    let f = parsed.filter;
    // Two connections read at once (two cores, and SQLite's readers do not wait for each
    // other): the credit figures, which read every agency and credit record, beside the
    // figures of the period.
    let credit = db::run(ctx.pool(), move |c| {
        let (grade_rules, grade_facts) = store::grade_facts(c)?;
        let grades = store::grades(c)?;
        let sanctions = store::sanctions(c, &f)?;
        let openings = store::openings(c, &f)?;
        Ok::<_, DbError>((grade_rules, grade_facts, grades, sanctions, openings))
    });
    let period = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            store::publications(c, &f)?,
            store::savings(c, &f)?,
            store::time_to_contract(c, &f)?,
            store::ratings(c, &f)?,
            store::timings(c, &f, today)?,
            store::complaints(c, &f)?,
            store::inspections(c, &f)?,
        ))
    });
    let (credit, period) = tokio::join!(credit, period);
    let (grade_rules, grade_facts, grades, sanctions, openings) = credit?;
    let (publications, savings, time_to_contract, ratings, timings, complaints, inspections) =
        period?;
    let data = Data {
        publications,
        savings,
        time_to_contract,
        openings,
        grades,
        sanctions,
        ratings,
        timings,
        complaints,
        inspections,
        grade_rules,
        grade_facts,
        today,
    };
    Ok((parsed, depts, data))
}

fn build(ctx: &Ctx, parsed: &Parsed, depts: &[Department], data: &Data) -> Vec<Section> {
    let lang = ctx.lang();
    let name = |id: i64| crate::web::fmt::dept(lang, depts, Some(id));
    views::sections(lang, &parsed.filter, data, &name)
}

/// The page; a visitor's is served from the page cache while nothing audited has changed
/// that day (every figure here comes from audited writes), keyed by the query.
async fn page(ctx: Ctx, q: web::Query<StatsQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    // A regulator's page shows its own department unless another is asked for.
    let own = own_department(&ctx)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let keys = ctx.page_keys(db::today(), &own).await?;
    if let Some(hit) = ctx.cached_page(&keys)? {
        return Ok(hit);
    }
    let (parsed, depts, data) = load(&ctx, &q).await?;
    let sections = build(&ctx, &parsed, &depts, &data);
    let lang = ctx.lang();
    let mut options = vec![DeptOption {
        value: "all".into(),
        name: ctx.t("stats.all_departments").into(),
        selected: parsed.dept == "all",
    }];
    options.extend(depts.iter().map(|d| DeptOption {
        value: d.id.to_string(),
        name: d.name(lang).to_string(),
        selected: parsed.dept == d.id.to_string(),
    }));
    let query = format!("from={}&to={}&dept={}", parsed.from, parsed.to, parsed.dept);
    let p = StatsPage {
        page: ctx.page(),
        from: parsed.from.clone(),
        to: parsed.to.clone(),
        depts: options,
        errors: parsed
            .errors
            .iter()
            .map(|(f, k)| (*f, ctx.t(k).to_string()))
            .collect(),
        query,
        sections,
    };
    ctx.keep_page(keys, &p)
}

async fn csv(
    ctx: Ctx,
    chart: web::Path<String>,
    q: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let (parsed, depts, data) = load(&ctx, &q).await?;
    let sections = build(&ctx, &parsed, &depts, &data);
    let s = sections
        .into_iter()
        .find(|s| s.id == chart.as_str())
        .ok_or(AppError::NotFound)?;
    let mut out = String::from(crate::domain::catalogue_rules::CSV_BOM);
    out.push_str(&crate::domain::listing::csv_line(&s.headers));
    for r in &s.rows {
        out.push_str(&crate::domain::listing::csv_line(r));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.csv\"", s.id),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn q(from: &str, to: &str, dept: &str) -> StatsQuery {
        StatsQuery {
            from: from.into(),
            to: to.into(),
            dept: dept.into(),
        }
    }

    #[test]
    fn defaults_to_the_last_twelve_months() {
        let p = parse(&q("", "", ""), d(2026, 12, 3), None, &[]);
        assert_eq!(p.filter.from, d(2026, 1, 1));
        assert_eq!(p.filter.to, d(2026, 12, 31));
        assert_eq!(p.dept, "all");
        assert!(p.errors.is_empty());
    }

    #[test]
    fn bad_months_and_order_are_named() {
        let p = parse(&q("2026-13", "x", "99"), d(2026, 12, 3), Some(4), &[]);
        let fields: Vec<&str> = p.errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["from", "to", "dept"]);
        assert_eq!(p.filter.department, Some(4));
        let p = parse(
            &q("2026-06", "2026-02", "all"),
            d(2026, 12, 3),
            Some(4),
            &[],
        );
        assert_eq!(p.errors, vec![("from", "stats.err.order")]);
        assert_eq!(p.filter.department, None);
        assert!(p.filter.from <= p.filter.to);
    }

    #[test]
    fn february_ends_on_its_last_day() {
        let p = parse(&q("2024-02", "2024-02", ""), d(2026, 12, 3), None, &[]);
        assert_eq!(p.filter.to, d(2024, 2, 29));
    }
}
