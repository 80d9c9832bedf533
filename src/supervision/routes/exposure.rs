//! The public exposure record 曝光台 (`/exposure`): the page, `?format=csv` and
//! `?format=json`. Filters and paging are read by `domain::exposure::parse`; a bad filter
//! value is dropped and named beside its field (status 400, the page still shown), an
//! unknown format is a 400 naming the formats. Personal numbers are masked in every
//! format: a banned person's ID number by `domain::mask`, any number typed into free text
//! by `domain::credit::mask_free_text`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Serialize;

use crate::accounts::store::department::Department;
use crate::auth::policy::Action;
use crate::credit::views::{Columns, SanctionRow, period, period_state, state};
use crate::db::{self, DbError};
use crate::domain::credit::mask_free_text;
use crate::domain::exposure::{self as rules, Cursor, Format, Kind, RawQuery, Request, Source};
use crate::domain::listing::csv_line;
use crate::error::AppError;
use crate::i18n::{Lang, tr};
use crate::supervision::store::exposure::{self as store, Entry};
use crate::web::page::{Field, Page};
use crate::web::{Ctx, fmt, html};

/// The setting: a record of at least this many points off is a serious deduction.
pub const SETTING_MIN_DEDUCTION: &str = "exposure_min_deduction";

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/exposure", web::get().to(exposure));
}

#[derive(Template)]
#[template(path = "supervision/exposure.html")]
pub struct ExposurePage {
    pub page: Page,
    pub rows: Vec<SanctionRow>,
    pub cols: Columns,
    pub department: Field,
    pub kind: Field,
    pub year: Field,
    pub after: Field,
    pub departments: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    pub years: Vec<(String, String)>,
    pub next_url: String,
    pub first_url: String,
    pub csv_url: String,
    pub json_url: String,
    pub min_deduction: i64,
}

/// The link to an entry's cause where one is published.
fn link(e: &Entry) -> String {
    match (e.ref_kind.as_deref(), e.kind) {
        (Some("complaint"), Kind::Complaint) => "/complaints/outcomes".to_string(),
        (Some("inspection"), Kind::Inspection) => "/inspections".to_string(),
        _ => String::new(),
    }
}

/// An entry's reason in the reader's language, numbers masked.
fn reason(lang: Lang, e: &Entry) -> String {
    let auto = e
        .evidence_i18n
        .as_deref()
        .and_then(crate::domain::credit::Evidence::from_json);
    match auto {
        Some(ev) => mask_free_text(&crate::i18n::tr_args(lang, &ev.key, &ev.arg_pairs())),
        None => mask_free_text(&e.reason),
    }
}

fn row(lang: Lang, e: &Entry, depts: &[Department], today: chrono::NaiveDate) -> SanctionRow {
    let (st, label) = match e.source {
        Source::Record => state(lang, rules::state(e.date, e.ends_on, None, false, today)),
        _ => period_state(lang, e.date, e.ends_on, e.ended_on, e.repaired, today),
    };
    let mut kind = tr(lang, &e.kind.key()).to_string();
    if let Some(p) = e.points.filter(|p| *p != 0) {
        kind = format!("{kind}（{}）", fmt::signed(p));
    }
    SanctionRow {
        agency_id: e.agency_id,
        agency: e.agency.clone(),
        uscc: e.uscc.clone(),
        kind,
        reason: reason(lang, e),
        basis: mask_free_text(&e.basis),
        period: period(e.date, e.ends_on),
        department: fmt::dept(lang, depts, e.department_id),
        state: st,
        state_label: label,
        ended_on: e
            .ended_on
            .filter(|d| *d < e.ends_on)
            .map(fmt::date)
            .unwrap_or_default(),
        persons: e
            .persons
            .iter()
            .map(|(n, id)| (n.clone(), crate::domain::mask::mask_id(id)))
            .collect(),
        link: link(e),
        repair: None,
    }
}

#[derive(Serialize)]
struct JsonPerson {
    name: String,
    id_number_masked: String,
}

#[derive(Serialize)]
struct JsonEntry {
    kind: &'static str,
    kind_name: String,
    date: String,
    ends_on: String,
    state: &'static str,
    state_name: String,
    agency_id: i64,
    agency: String,
    uscc: String,
    department: String,
    reason: String,
    legal_basis: String,
    points: Option<i32>,
    persons: Vec<JsonPerson>,
    agency_url: String,
    link: Option<String>,
}

fn json_entry(lang: Lang, e: &Entry, r: SanctionRow, public: &str) -> JsonEntry {
    JsonEntry {
        kind: e.kind.code(),
        kind_name: tr(lang, &e.kind.key()).to_string(),
        date: fmt::date(e.date),
        ends_on: fmt::date(e.ends_on),
        state: r.state,
        state_name: r.state_label,
        agency_id: e.agency_id,
        agency: r.agency,
        uscc: r.uscc,
        department: r.department,
        reason: r.reason,
        legal_basis: r.basis,
        points: e.points,
        persons: r
            .persons
            .into_iter()
            .map(|(name, id_number_masked)| JsonPerson {
                name,
                id_number_masked,
            })
            .collect(),
        agency_url: format!("{public}/agencies/{}", e.agency_id),
        link: (!r.link.is_empty()).then(|| format!("{public}{}", r.link)),
    }
}

fn csv_body(lang: Lang, rows: &[(Entry, SanctionRow)], next: Option<&str>) -> String {
    let mut body = String::from(crate::domain::catalogue_rules::CSV_BOM);
    let head: Vec<&str> = [
        "exposure.csv.kind",
        "exposure.csv.date",
        "exposure.csv.ends_on",
        "exposure.csv.state",
        "exposure.csv.agency",
        "exposure.csv.uscc",
        "exposure.csv.department",
        "exposure.csv.reason",
        "exposure.csv.basis",
        "exposure.csv.points",
        "exposure.csv.persons",
    ]
    .iter()
    .map(|k| tr(lang, k))
    .collect();
    body.push_str(&csv_line(&head));
    for (e, r) in rows {
        body.push_str(&csv_line(&[
            tr(lang, &e.kind.key()).to_string(),
            fmt::date(e.date),
            fmt::date(e.ends_on),
            r.state_label.clone(),
            r.agency.clone(),
            r.uscc.clone(),
            r.department.clone(),
            r.reason.clone(),
            r.basis.clone(),
            e.points.map(|p| p.to_string()).unwrap_or_default(),
            r.persons
                .iter()
                .map(|(n, id)| format!("{n} {id}"))
                .collect::<Vec<_>>()
                .join("；"),
        ]));
    }
    if let Some(n) = next {
        body.push_str(&csv_line(&[
            tr(lang, "exposure.csv.more").replace("{url}", n)
        ]));
    }
    body
}

fn field(v: &str, problem: Option<&rules::Problem>, lang: Lang) -> Field {
    let mut f = Field::new(v.trim());
    if let Some(p) = problem {
        f = Field::new("");
        f.error = Some(tr(lang, p.key).to_string());
    }
    f
}

fn page(
    ctx: &Ctx,
    raw: &RawQuery,
    req: &Request,
    depts: &[Department],
    rows: Vec<SanctionRow>,
    next: Option<Cursor>,
    min_deduction: i64,
) -> ExposurePage {
    let this_year = crate::db::today().year();
    let lang = ctx.lang();
    let problem = |f: &str| req.problems.iter().find(|p| p.field == f);
    let f = &req.filter;
    ExposurePage {
        page: ctx.page(),
        rows,
        cols: Columns {
            agency: true,
            kind: true,
            basis: true,
            persons: true,
            repair: false,
        },
        department: field(&raw.department, problem("department"), lang),
        kind: field(&raw.kind, problem("kind"), lang),
        year: field(&raw.year, problem("year"), lang),
        after: field(&raw.after, problem("after"), lang),
        departments: depts
            .iter()
            .map(|d| (d.id.to_string(), d.name(lang).to_string()))
            .collect(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.code().to_string(), tr(lang, &k.key()).to_string()))
            .collect(),
        years: (0..10)
            .map(|i| this_year - i)
            .filter(|y| *y >= rules::FIRST_YEAR)
            .map(|y| (y.to_string(), y.to_string()))
            .collect(),
        next_url: next
            .map(|c| f.query(Some(("after", &c.encode()))))
            .unwrap_or_default(),
        first_url: if req.after.is_some() {
            f.query(None)
        } else {
            String::new()
        },
        csv_url: f.query(Some(("format", "csv"))),
        json_url: f.query(Some(("format", "json"))),
        min_deduction,
    }
}

async fn exposure(ctx: Ctx, raw: web::Query<RawQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let lang = ctx.lang();
    let today = crate::db::today();
    let this_year = today.year();
    let (depts, min_deduction) = db::run(ctx.pool(), |c| {
        let s = crate::accounts::store::settings::load(c)?;
        Ok::<_, DbError>((
            crate::accounts::store::department::all(c)?,
            s.get(SETTING_MIN_DEDUCTION),
        ))
    })
    .await?;
    let min_deduction = if min_deduction > 0 {
        min_deduction
    } else {
        rules::DEFAULT_MIN_DEDUCTION
    };
    let ids: Vec<i64> = depts.iter().map(|d| d.id).collect();
    let req = rules::parse(&raw, &ids, this_year)
        .map_err(|_| AppError::BadRequest("exposure.bad_format"))?;
    if req.format != Format::Html && !req.problems.is_empty() {
        return Err(AppError::BadRequest("exposure.bad_filter"));
    }
    let ex = crate::domain::export::parse(req.format.code(), &raw.limit, "")
        .map_err(AppError::BadRequest)?;
    if ex.format != Format::Html {
        crate::web::export::admit(&ctx)?;
    }
    let size = match req.format {
        Format::Html => rules::PAGE_SIZE,
        _ => ex.size.rows.unwrap_or(rules::DOWNLOAD_CAP),
    };
    let (f, after) = (req.filter.clone(), req.after);
    let (entries, next) = db::run(ctx.pool(), move |c| {
        store::page(c, &f, after.as_ref(), size, min_deduction).map_err(DbError::from)
    })
    .await?;
    let rows: Vec<(Entry, SanctionRow)> = entries
        .into_iter()
        .map(|e| {
            let r = row(lang, &e, &depts, today);
            (e, r)
        })
        .collect();
    match req.format {
        Format::Html => {
            let status = if req.problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let rows = rows.into_iter().map(|(_, r)| r).collect();
            let p = page(&ctx, &raw, &req, &depts, rows, next, min_deduction);
            html(&p, status)
        }
        _ => Ok(download(&ctx, &req, &ex, rows, next)),
    }
}

/// The CSV or JSON answer: one page (`limit`, at most `MAX_PAGE_SIZE`; a CSV without
/// `limit` holds up to `DOWNLOAD_CAP` entries) and where the next one is (the JSON's `next`,
/// the `X-Next-Page` header and the CSV's last line).
fn download(
    ctx: &Ctx,
    req: &Request,
    ex: &crate::domain::export::ExportQuery,
    rows: Vec<(Entry, SanctionRow)>,
    next: Option<Cursor>,
) -> HttpResponse {
    let lang = ctx.lang();
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let base = req.filter.query(None);
    let next_url = next.map(|c| crate::web::export::next_page_url(ctx, &base, ex, &c.encode()));
    let d = &crate::domain::opendata::EXPOSURE;
    let mut resp = crate::web::export::page_headers(d, ex, next_url.as_deref());
    if req.format == Format::Json {
        let items: Vec<JsonEntry> = rows
            .into_iter()
            .map(|(e, r)| json_entry(lang, &e, r, &public))
            .collect();
        return resp.json(serde_json::json!({
            "dataset": d.key,
            "licence": crate::domain::export::LICENCE_URL,
            "items": items,
            "next": next_url,
            "page_size": ex.size.rows.unwrap_or(rules::DOWNLOAD_CAP),
            "max_page_size": crate::domain::export::MAX_PAGE_SIZE,
            "capped": ex.size.capped,
        }));
    }
    let body = csv_body(lang, &rows, next_url.as_deref());
    resp.content_type("text/csv; charset=utf-8").body(body)
}
