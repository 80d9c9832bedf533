//! The public agency library 中介机构库: `/agencies` (filtered, keyset-paged list; also
//! `?format=csv` and `?format=json`) and `/agencies/{id}` (one agency's public profile).
//! Filters are checked in `domain::listing`, queries live in `crate::library::store::library`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::policy::Action;
use crate::db::{self, DbConnection, DbError};
use crate::domain::catalogue::{self as vocab, INDUSTRIES, QUAL_TYPES, REGIONS};
use crate::domain::export::ExportQuery;
use crate::domain::listing::{
    self, Format, GRADES, ListRequest, PAGE_SIZE, PageAt, RawListQuery, Sort,
};
use crate::domain::mask;
use crate::domain::money::Money;
use crate::domain::status::{AgencyStatus, ItemStatus, ReviewStatus};
use crate::error::AppError;
use crate::i18n::{Lang, tr};
use crate::library::store::agency;
use crate::library::store::library::{self as lib, ItemRef, ListQuery, ListRow};
use crate::web::page::Page;
use crate::web::{Ctx, export, fmt};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/agencies", web::get().to(list))
        .route("/agencies/{id}", web::get().to(show));
}

// ---------------------------------------------------------------- list

/// A list row with what the page, CSV and JSON show.
struct Enriched {
    row: ListRow,
    uscc: String,
    items: Vec<(String, String)>,
    /// Distinct qualification types with the best level held.
    quals: Vec<(String, i32)>,
}

fn enrich(
    c: &mut DbConnection,
    rows: Vec<ListRow>,
    cat: &Catalogue,
    with_uscc: bool,
) -> Result<Vec<Enriched>, AppError> {
    let usccs: HashMap<i64, String> = if with_uscc {
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        lib::usccs(c, &ids)?.into_iter().collect()
    } else {
        HashMap::new()
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.user_id;
            let its = row
                .offered()
                .into_iter()
                .filter_map(|item| cat.item(item))
                .map(|i| (i.code.clone(), i.name.clone()))
                .collect();
            let mut best: Vec<(String, i32)> = Vec::new();
            for (t, l) in row.counting_quals() {
                match best.iter_mut().find(|(bt, _)| bt == t) {
                    // 甲级 (1) is better than 乙级 (2); 0 means the type has no levels.
                    Some(b) if l != 0 && (b.1 == 0 || l < b.1) => b.1 = l,
                    Some(_) => {}
                    None => best.push((t.to_string(), l)),
                }
            }
            Enriched {
                uscc: usccs.get(&id).cloned().unwrap_or_default(),
                row,
                items: its,
                quals: best,
            }
        })
        .collect())
}

fn grade_label(lang: Lang, g: Option<&str>) -> String {
    match g {
        Some(g) => g.to_string(),
        None => tr(lang, "library.no_grade").to_string(),
    }
}

pub struct RowView {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub items: Vec<String>,
    pub more_items: usize,
    pub quals: Vec<String>,
    pub grade: String,
    pub graded: bool,
    /// Grade A: on the red list 守信红名单, marked beside the name.
    pub red_list: bool,
    /// Blacklist, market ban, banned manager in force: (mark, period), shown with the grade.
    pub restrictions: Vec<(String, String)>,
}

/// Items shown per row before "and N more".
const ROW_ITEMS: usize = 4;

fn row_view(lang: Lang, today: NaiveDate, e: Enriched) -> RowView {
    let n = e.items.len();
    RowView {
        restrictions: e
            .row
            .restrictions(today)
            .iter()
            .map(|r| fmt::restriction(lang, r))
            .collect(),
        id: e.row.user_id,
        region: tr(lang, &format!("cat.region.{}", e.row.region)).to_string(),
        items: e
            .items
            .into_iter()
            .take(ROW_ITEMS)
            .map(|(_, n)| n)
            .collect(),
        more_items: n.saturating_sub(ROW_ITEMS),
        quals: e
            .quals
            .iter()
            .map(|(t, l)| crate::web::fmt::qual(lang, t, *l))
            .collect(),
        graded: e.row.grade.is_some(),
        red_list: listing::is_red_list(e.row.grade.as_deref(), e.row.sanctioned),
        grade: grade_label(lang, e.row.grade.as_deref()),
        name: e.row.name,
    }
}

pub type Options = Vec<(String, String)>;

crate::shared_blocks!(ListPage<'_>);
crate::shared_blocks!(ShowPage);

#[derive(Template)]
#[template(path = "library/library/list.html", blocks = ["title", "content"])]
pub struct ListPage<'a> {
    pub page: Page,
    pub rows: Vec<RowView>,
    pub f_q: String,
    pub f_item: String,
    pub f_industry: String,
    pub f_region: String,
    pub f_qual: String,
    pub f_level: String,
    pub f_grade: String,
    pub f_max_fee: String,
    pub f_sort: String,
    /// The `<option>`s of each select, escaped HTML with the current value selected.
    pub item_options: Cow<'a, str>,
    pub industry_options: Cow<'a, str>,
    pub region_options: Cow<'a, str>,
    pub qual_options: Cow<'a, str>,
    pub level_options: Cow<'a, str>,
    pub grade_options: Cow<'a, str>,
    pub sort_options: Cow<'a, str>,
    pub next_url: Option<String>,
    pub prev_url: Option<String>,
    pub first_url: String,
    pub csv_url: String,
    pub json_url: String,
    pub filtered: bool,
}

/// The filter choices that come from the fixed vocabulary (industries, regions,
/// qualification types, levels, grades, sorts): built and escaped once per language per
/// process — they change only with a new release.
struct VocabOptions {
    industry: String,
    region: String,
    qual: String,
    level: String,
    grade: String,
    sort: String,
}

/// `s` escaped for HTML text and attribute values (as askama does).
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `<option value="code">label</option>` for each choice, escaped: rendered once and
/// reused, since escaping some 80 choices was a tenth of the page's rendering.
fn options_html(opts: &[(String, String)]) -> String {
    let mut out = String::new();
    for (value, label) in opts {
        out.push_str("<option value=\"");
        escape_into(&mut out, value);
        out.push_str("\">");
        escape_into(&mut out, label);
        out.push_str("</option>");
    }
    out
}

/// The options with `value` (if any) marked selected.
fn selected<'a>(html: &'a str, value: &str) -> Cow<'a, str> {
    if value.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut v = String::new();
    escape_into(&mut v, value);
    let needle = format!("<option value=\"{v}\">");
    match html.find(&needle) {
        Some(at) => {
            let mut out = String::with_capacity(html.len() + 9);
            out.push_str(&html[..at + needle.len() - 1]);
            out.push_str(" selected");
            out.push_str(&html[at + needle.len() - 1..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(html),
    }
}

fn vocab_options(lang: Lang) -> &'static VocabOptions {
    static ZH: OnceLock<VocabOptions> = OnceLock::new();
    static EN: OnceLock<VocabOptions> = OnceLock::new();
    let cell = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    cell.get_or_init(|| {
        let t = |k: String| tr(lang, &k).to_string();
        let industry: Options = INDUSTRIES
            .iter()
            .map(|(c, _)| (c.to_string(), t(format!("cat.industry.{c}"))))
            .collect();
        let region: Options = REGIONS
            .iter()
            .map(|c| (c.to_string(), t(format!("cat.region.{c}"))))
            .collect();
        let qual: Options = QUAL_TYPES
            .iter()
            .map(|(c, _, _)| (c.to_string(), t(format!("cat.qual.{c}"))))
            .collect();
        let level: Options = vocab::LEVELS
            .iter()
            .map(|l| {
                (
                    l.to_string(),
                    tr(lang, "library.level_or_better")
                        .replace("{level}", tr(lang, &format!("cat.level.{l}"))),
                )
            })
            .collect();
        let grade: Options = GRADES
            .iter()
            .map(|g| (g.to_string(), g.to_string()))
            .chain(std::iter::once((
                "none".to_string(),
                t("library.no_grade".into()),
            )))
            .collect();
        let sort: Options = Sort::ALL
            .iter()
            .map(|s| {
                (
                    s.code().to_string(),
                    t(format!("library.sort.{}", s.code())),
                )
            })
            .collect();
        VocabOptions {
            industry: options_html(&industry),
            region: options_html(&region),
            qual: options_html(&qual),
            level: options_html(&level),
            grade: options_html(&grade),
            sort: options_html(&sort),
        }
    })
}

/// The catalogue items as the library needs them, with the item filter's choices, reused
/// while the catalogue is unchanged. Every request still asks the database for the
/// catalogue's stamp ([`lib::catalogue_stamp`]) — one small aggregate — so an item that an
/// administrator adds, changes or cancels on any instance shows on the very next request
/// everywhere; only the reading of the items and the building of the choices is saved.
pub(crate) struct Catalogue {
    stamp: lib::CatalogueStamp,
    pub items: Vec<ItemRef>,
    by_id: HashMap<i64, usize>,
    /// `<option>`s (code, "name（code）") of the retained items, in code order.
    item_options: String,
}

impl Catalogue {
    fn new(stamp: lib::CatalogueStamp, items: Vec<ItemRef>) -> Catalogue {
        let by_id = items.iter().enumerate().map(|(n, i)| (i.id, n)).collect();
        let item_options: Options = items
            .iter()
            .filter(|i| i.status == ItemStatus::Retained)
            .map(|i| (i.code.clone(), format!("{}（{}）", i.name, i.code)))
            .collect();
        let item_options = options_html(&item_options);
        Catalogue {
            stamp,
            items,
            by_id,
            item_options,
        }
    }
    fn item(&self, id: i64) -> Option<&ItemRef> {
        self.by_id.get(&id).and_then(|n| self.items.get(*n))
    }
}

/// Snapshots by database URL (tests run many apps, each on its own database, in one
/// process); a handful at most.
static CATALOGUES: Mutex<Vec<(String, Arc<Catalogue>)>> = Mutex::new(Vec::new());
const CATALOGUES_KEPT: usize = 8;

/// The current catalogue of the database `db_url`: the cached snapshot when its stamp is
/// still the database's, else read afresh (stamp first, then items: a change committed in
/// between only makes the next request read again, never keeps old items).
pub(crate) fn catalogue(c: &mut DbConnection, db_url: &str) -> Result<Arc<Catalogue>, AppError> {
    let stamp = lib::catalogue_stamp(c)?;
    let cached = CATALOGUES
        .lock()
        .ok()
        .and_then(|v| v.iter().find(|(u, _)| u == db_url).map(|(_, s)| s.clone()));
    if let Some(s) = cached.filter(|s| s.stamp == stamp) {
        return Ok(s);
    }
    let fresh = Arc::new(Catalogue::new(stamp, lib::item_refs(c)?));
    if let Ok(mut v) = CATALOGUES.lock() {
        v.retain(|(u, _)| u != db_url);
        if v.len() >= CATALOGUES_KEPT {
            v.remove(0);
        }
        v.push((db_url.to_string(), fresh.clone()));
    }
    Ok(fresh)
}

enum Loaded {
    Page {
        rows: Vec<Enriched>,
        next: Option<listing::Cursor>,
        prev: Option<listing::Cursor>,
        catalogue: Arc<Catalogue>,
    },
}

fn load(
    c: &mut DbConnection,
    db_url: &str,
    req: &ListRequest,
    today: NaiveDate,
) -> Result<Loaded, AppError> {
    let cat = catalogue(c, db_url)?;
    let query =
        ListQuery::resolve(req, &cat.items, today).map_err(|e| AppError::BadRequest(e.0))?;
    let p = lib::page(c, &query, &req.at, PAGE_SIZE)?;
    let rows = enrich(c, p.rows, &cat, false)?;
    Ok(Loaded::Page {
        rows,
        next: p.next,
        prev: p.prev,
        catalogue: cat,
    })
}
async fn list(ctx: Ctx, raw: web::Query<RawListQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let today = crate::db::today();
    let db_url = ctx.config().database_url.clone();
    // Only pages that parsed and rendered as HTML are ever stored, so a hit needs no parsing.
    let keys = ctx.page_keys(today, "").await?;
    if let Some(hit) = ctx.cached_page(&keys)? {
        return Ok(hit);
    }
    let req = listing::parse(&raw).map_err(|e| AppError::BadRequest(e.0))?;
    if req.format != Format::Html {
        let ex = crate::domain::export::parse(req.format_code(), &raw.limit, "")
            .map_err(AppError::BadRequest)?;
        return download(&ctx, req, ex, db_url, today).await;
    }
    let r2 = req.clone();
    let loaded = db::run(ctx.pool(), move |c| load(c, &db_url, &r2, today)).await?;
    match loaded {
        Loaded::Page {
            rows,
            next,
            prev,
            catalogue,
        } => {
            let page = list_page(&ctx, &req, rows, (next, prev), &catalogue, today);
            ctx.keep_page(keys, &page)
        }
    }
}

/// The list page: the rows, the filters as chosen, the ways on (keyset cursors) and the
/// downloads of the same selection.
fn list_page<'a>(
    ctx: &Ctx,
    req: &ListRequest,
    rows: Vec<Enriched>,
    (next, prev): (Option<listing::Cursor>, Option<listing::Cursor>),
    catalogue: &'a Catalogue,
    today: NaiveDate,
) -> ListPage<'a> {
    let lang = ctx.lang();
    let v = vocab_options(lang);
    let cursor_url =
        |k: &str, c: &listing::Cursor| req.url_with(Some((k, &listing::encode_cursor(c))));
    let pairs: HashMap<&str, String> = req.filter_pairs().into_iter().collect();
    let f = |k: &str| pairs.get(k).cloned().unwrap_or_default();
    let f_sort = req.sort.code().to_string();
    ListPage {
        page: ctx.page(),
        rows: rows.into_iter().map(|e| row_view(lang, today, e)).collect(),
        f_q: req.q.clone(),
        f_item: f("item"),
        f_industry: f("industry"),
        f_region: f("region"),
        f_qual: f("qual"),
        f_level: f("level"),
        f_grade: f("grade"),
        f_max_fee: f("max_fee"),
        item_options: selected(&catalogue.item_options, &f("item")),
        industry_options: selected(&v.industry, &f("industry")),
        region_options: selected(&v.region, &f("region")),
        qual_options: selected(&v.qual, &f("qual")),
        level_options: selected(&v.level, &f("level")),
        grade_options: selected(&v.grade, &f("grade")),
        sort_options: selected(&v.sort, &f_sort),
        f_sort,
        next_url: next.as_ref().map(|c| cursor_url("after", c)),
        prev_url: prev.as_ref().map(|c| cursor_url("before", c)),
        first_url: req.url_with(None),
        csv_url: req.url_with(Some(("format", "csv"))),
        json_url: req.url_with(Some(("format", "json"))),
        filtered: req.filter_pairs().iter().any(|(k, _)| *k != "sort"),
    }
}

#[derive(Serialize)]
struct JsonItem {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct JsonQual {
    #[serde(rename = "type")]
    qual_type: String,
    type_name: String,
    level: i32,
    level_name: String,
}

#[derive(Serialize)]
struct JsonRestriction {
    /// blacklisted / banned / banned_manager
    kind: &'static str,
    name: String,
    since: String,
    until: String,
}

#[derive(Serialize)]
struct JsonAgency {
    id: i64,
    name: String,
    uscc: String,
    region: String,
    region_name: String,
    items: Vec<JsonItem>,
    qualifications: Vec<JsonQual>,
    grade: Option<String>,
    /// In force today; the period runs up to, not including, `until`.
    restrictions: Vec<JsonRestriction>,
    url: String,
}

/// `/agencies?format=csv|json`: a JSON page (or a CSV page with `limit`) on the list's own
/// keyset, or the whole CSV streamed batch by batch (100k agencies never held in memory).
async fn download(
    ctx: &Ctx,
    req: ListRequest,
    ex: ExportQuery,
    db_url: String,
    today: NaiveDate,
) -> Result<HttpResponse, AppError> {
    export::admit(ctx)?;
    let lang = ctx.lang();
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let r2 = req.clone();
    let (cat, query) = db::run(ctx.pool(), move |c| {
        let cat = catalogue(c, &db_url)?;
        let query =
            ListQuery::resolve(&r2, &cat.items, today).map_err(|e| AppError::BadRequest(e.0))?;
        Ok::<_, AppError>((cat, query))
    })
    .await?;
    // A download starts at the requested position and walks on; `before` means the start.
    let start = match req.at.clone() {
        PageAt::After(c) => Some(c),
        _ => None,
    };
    let Some(n) = ex.size.rows else {
        let head = csv_head(lang);
        let d = &crate::domain::opendata::AGENCIES;
        let batch = export::STREAM_BATCH as i64;
        return Ok(export::stream_csv(
            ctx.pool(),
            head,
            d,
            start,
            move |c, pos| {
                let at = pos.map_or(PageAt::First, PageAt::After);
                let p = lib::page(c, &query, &at, batch)?;
                let rows = enrich(c, p.rows, &cat, true)?;
                Ok((csv_rows(lang, rows, &public, today), p.next))
            },
        ));
    };
    let (rows, next) = db::run(ctx.pool(), move |c| {
        let at = start.map_or(PageAt::First, PageAt::After);
        let p = lib::page(c, &query, &at, n as i64)?;
        Ok::<_, AppError>((enrich(c, p.rows, &cat, true)?, p.next))
    })
    .await?;
    let d = &crate::domain::opendata::AGENCIES;
    let next = next
        .map(|c| export::next_page_url(ctx, &req.url_with(None), &ex, &listing::encode_cursor(&c)));
    let mut resp = export::page_headers(d, &ex, next.as_deref());
    if ex.format == Format::Json {
        let items: Vec<JsonAgency> = rows
            .into_iter()
            .map(|e| json_agency(lang, e, &public, today))
            .collect();
        return Ok(resp.json(serde_json::json!({
            "dataset": d.key,
            "licence": crate::domain::export::LICENCE_URL,
            "items": items,
            "next": next,
            "page_size": ex.size.rows,
            "max_page_size": crate::domain::export::MAX_PAGE_SIZE,
            "capped": ex.size.capped,
        })));
    }
    let mut body = csv_head(lang);
    body.push_str(&csv_rows(lang, rows, &public, today));
    Ok(resp.content_type("text/csv; charset=utf-8").body(body))
}

/// One agency of the JSON download.
fn json_agency(lang: Lang, e: Enriched, public: &str, today: NaiveDate) -> JsonAgency {
    JsonAgency {
        id: e.row.user_id,
        region_name: tr(lang, &format!("cat.region.{}", e.row.region)).to_string(),
        items: e
            .items
            .into_iter()
            .map(|(code, name)| JsonItem { code, name })
            .collect(),
        qualifications: e
            .quals
            .iter()
            .map(|(t, l)| JsonQual {
                qual_type: t.clone(),
                type_name: tr(lang, &format!("cat.qual.{t}")).to_string(),
                level: *l,
                level_name: tr(lang, &format!("cat.level.{l}")).to_string(),
            })
            .collect(),
        url: format!("{public}/agencies/{}", e.row.user_id),
        restrictions: e
            .row
            .restrictions(today)
            .iter()
            .map(|r| {
                let (since, until) = r.period();
                JsonRestriction {
                    kind: r.tag_key().trim_start_matches("credit.tag."),
                    name: tr(lang, r.tag_key()).to_string(),
                    since: fmt::date(since),
                    until: fmt::date(until),
                }
            })
            .collect(),
        name: e.row.name,
        uscc: e.uscc,
        region: e.row.region,
        grade: e.row.grade,
    }
}

/// The CSV download's BOM and header line (in the reader's language).
fn csv_head(lang: Lang) -> String {
    let mut body = String::from(crate::domain::export::CSV_BOM);
    let head: Vec<&str> = [
        "library.csv.name",
        "library.csv.uscc",
        "library.csv.region",
        "library.csv.items",
        "library.csv.quals",
        "library.csv.grade",
        "library.csv.restriction",
        "library.csv.url",
    ]
    .iter()
    .map(|k| tr(lang, k))
    .collect();
    body.push_str(&listing::csv_line(&head));
    body
}

/// A line per agency.
fn csv_rows(lang: Lang, rows: Vec<Enriched>, public: &str, today: NaiveDate) -> String {
    let mut body = String::new();
    for e in rows {
        let items: Vec<String> = e.items.into_iter().map(|(_, n)| n).collect();
        let quals: Vec<String> = e
            .quals
            .iter()
            .map(|(t, l)| crate::web::fmt::qual(lang, t, *l))
            .collect();
        body.push_str(&listing::csv_line(&[
            e.row.name.clone(),
            e.uscc,
            tr(lang, &format!("cat.region.{}", e.row.region)).to_string(),
            items.join("；"),
            quals.join("；"),
            grade_label(lang, e.row.grade.as_deref()),
            e.row
                .restrictions(today)
                .iter()
                .map(|r| {
                    let (mark, period) = fmt::restriction(lang, r);
                    format!("{mark} {period}")
                })
                .collect::<Vec<_>>()
                .join("；"),
            format!("{public}/agencies/{}", e.row.user_id),
        ]));
    }
    body
}

// ---------------------------------------------------------------- one agency

pub struct ItemView {
    pub name: String,
    pub code: String,
    pub pricing: String,
    pub fee_standard: String,
    pub fee_range: String,
    pub committed_days: i32,
    pub limit_days: i32,
    pub within_limit: bool,
}

pub struct QualView {
    pub name: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_to: String,
    /// valid / expired / not_yet
    pub state: &'static str,
}

pub struct PersonView {
    pub name: String,
    pub detail: String,
    pub number: String,
}

#[derive(Template)]
#[template(path = "library/library/show.html", blocks = ["title", "content"])]
pub struct ShowPage {
    pub page: Page,
    /// The agency's id (its complaint link).
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub region: String,
    pub address: String,
    pub phone: String,
    pub affiliation: String,
    pub intro: String,
    pub status: String,
    pub active: bool,
    pub grade: String,
    pub graded: bool,
    pub red_list: bool,
    /// Blacklist, market ban, banned manager in force: (mark, period), beside the grade.
    pub restrictions: Vec<(String, String)>,
    pub items: Vec<ItemView>,
    pub quals: Vec<QualView>,
    pub practitioners: Vec<PersonView>,
    pub managers: Vec<PersonView>,
    /// Fulfilment rate, service time and ratings (`templates/contracts/fulfilment/_agency.html`).
    pub record: crate::contracts::views::AgencyRecord,
}

struct Profile {
    agency: agency::Agency,
    items: Vec<agency::OfferedItem>,
    certs: Vec<agency::Certificate>,
    practitioners: Vec<agency::Practitioner>,
    managers: Vec<agency::Manager>,
    catalogue: Arc<Catalogue>,
    department: Option<crate::accounts::store::department::Department>,
    record: crate::contracts::views::AgencyRecord,
    restrictions: Vec<crate::domain::credit::Restriction>,
}

fn fee_range(lang: Lang, min: Option<Money>, max: Option<Money>) -> String {
    let yuan = fmt::money;
    match (min, max) {
        (Some(a), Some(b)) if a == b => yuan(a),
        (Some(a), Some(b)) => format!("{} – {}", yuan(a), yuan(b)),
        (Some(a), None) => tr(lang, "library.fee_from").replace("{fee}", &yuan(a)),
        (None, Some(b)) => tr(lang, "library.fee_upto").replace("{fee}", &yuan(b)),
        (None, None) => tr(lang, "library.fee_negotiable").to_string(),
    }
}

/// The agency's fulfilment and rating record, as its page shows it (inside `db::run`).
fn record_of(
    c: &mut DbConnection,
    id: i64,
    lang: Lang,
) -> Result<crate::contracts::views::AgencyRecord, DbError> {
    let (per, _) = crate::contracts::store::fulfilment::figures(c, Some(id))?;
    let evals = crate::contracts::store::evaluation::of_agency(c, id)?;
    let f = per.get(&id).cloned().unwrap_or_default();
    Ok(crate::contracts::views::agency_record(id, &f, &evals, lang))
}

/// Everything the agency's public page shows, read in one go (`None`: no such agency).
fn load_profile(
    c: &mut DbConnection,
    id: i64,
    lang: Lang,
    db_url: &str,
    today: NaiveDate,
) -> Result<Option<Profile>, AppError> {
    let Some(agency) = agency::find(c, id)? else {
        return Ok(None);
    };
    let department = match agency.affiliated_department_id {
        Some(d) => crate::accounts::store::department::find(c, d)?,
        None => None,
    };
    Ok(Some(Profile {
        // Live, as the selection checks it: the page says what is in force today.
        restrictions: crate::credit::store::sanctions::restrictions(c, id, today)?,
        record: record_of(c, id, lang)?,
        items: agency::offered_items(c, id)?,
        certs: agency::certificates(c, id)?,
        practitioners: agency::practitioners(c, id)?,
        managers: agency::managers(c, id)?,
        catalogue: catalogue(c, db_url)?,
        department,
        agency,
    }))
}

/// The items offered, with their catalogue names and whether the committed time is within
/// the statutory limit.
fn item_views(lang: Lang, p: &Profile) -> Vec<ItemView> {
    p.items
        .iter()
        .filter_map(|o| {
            let i = p.catalogue.item(o.item_id)?;
            Some(ItemView {
                name: i.name.clone(),
                code: i.code.clone(),
                pricing: tr(lang, &format!("cat.pricing.{}", i.pricing)).to_string(),
                fee_standard: o.fee_standard.clone(),
                fee_range: fee_range(lang, o.fee_min_fen, o.fee_max_fen),
                committed_days: o.committed_days,
                limit_days: i.time_limit_days,
                within_limit: o.committed_days <= i.time_limit_days,
            })
        })
        .collect()
}

/// The approved certificates, each valid, expired or not yet valid on `today`.
fn qual_views(lang: Lang, certs: &[agency::Certificate], today: NaiveDate) -> Vec<QualView> {
    certs
        .iter()
        .filter(|c| c.status == ReviewStatus::Approved)
        .map(|c| QualView {
            name: crate::web::fmt::qual(lang, &c.qual_type, c.level),
            number: c.number.clone(),
            issuer: c.issuer.clone(),
            valid_from: c.valid_from.to_string(),
            valid_to: c.valid_to.to_string(),
            state: if c.counts_on(today) {
                "valid"
            } else if c.valid_from > today {
                "not_yet"
            } else {
                "expired"
            },
        })
        .collect()
}

async fn show(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = id.into_inner();
    let lang = ctx.lang();
    let db_url = ctx.config().database_url.clone();
    let today = crate::db::today();
    let keys = ctx.page_keys(today, "").await?;
    if let Some(hit) = ctx.cached_page(&keys)? {
        return Ok(hit);
    }
    let loaded = db::run(ctx.pool(), move |c| {
        load_profile(c, id, lang, &db_url, today)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let a = &loaded.agency;
    let items = item_views(lang, &loaded);
    let quals = qual_views(lang, &loaded.certs, today);
    let page = ShowPage {
        page: ctx.page(),
        id: a.user_id,
        name: a.name.clone(),
        uscc: a.uscc.clone(),
        legal_rep: a.legal_rep.clone(),
        region: tr(lang, &format!("cat.region.{}", a.region)).to_string(),
        address: a.address.clone(),
        phone: mask::mask_phone(&a.contact_phone),
        affiliation: match (&loaded.department, a.affiliated) {
            (Some(d), true) => tr(lang, "library.affiliated_to").replace("{dept}", d.name(lang)),
            (None, true) => tr(lang, "library.affiliated").to_string(),
            _ => tr(lang, "library.independent").to_string(),
        },
        intro: a.intro.clone(),
        status: tr(lang, &format!("agency.status.{}", a.status)).to_string(),
        active: a.status == AgencyStatus::Active,
        grade: grade_label(lang, a.grade.as_deref()),
        graded: a.grade.is_some(),
        red_list: listing::is_red_list(a.grade.as_deref(), !loaded.restrictions.is_empty()),
        restrictions: loaded
            .restrictions
            .iter()
            .map(|r| fmt::restriction(lang, r))
            .collect(),
        items,
        quals,
        practitioners: loaded
            .practitioners
            .iter()
            .map(|p| PersonView {
                name: p.name.clone(),
                detail: p.cert_type.clone(),
                number: p.cert_number.clone(),
            })
            .collect(),
        managers: loaded
            .managers
            .iter()
            .map(|m| PersonView {
                name: m.name.clone(),
                detail: m.position.clone(),
                number: mask::mask_id(&m.id_number),
            })
            .collect(),
        record: loaded.record,
    };
    ctx.keep_page(keys, &page)
}
