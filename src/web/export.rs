//! The HTTP side of the open-data downloads (`?format=csv|json` on the public lists): reading
//! the export query, and answering one page of a dataset as CSV or JSON, or a whole CSV
//! streamed batch by batch. The rules (formats, page sizes, cursors) are
//! `domain::export`'s; the datasets and their fields are `domain::opendata`'s, so what a
//! download holds and what `/open-data` says it holds cannot drift apart.
//!
//! One page: `{ "dataset", "licence", "items": [...], "next": url|null, "page_size",
//! "max_page_size", "capped" }` in JSON; in CSV the BOM, a header line of the dataset's field
//! names, a line per item, and the same facts in headers (`X-Page-Size`, `X-Max-Page-Size`,
//! `X-Limit-Capped`, `X-Next-Page` and a `Link: <…>; rel="next"`).

use actix_web::web::Bytes;
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde_json::Value;

use crate::db::{DbConnection, DbError, Pool};
use crate::domain::export::{self as rules, CSV_BOM, ExportQuery, Format, MAX_PAGE_SIZE};
use crate::domain::opendata::Dataset;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::Ctx;
use crate::web::page_cache::Stamp;

/// The raw `format`, `limit` and `after` of a list's query string; every list's query struct
/// flattens it in.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RawExport {
    pub format: String,
    pub limit: String,
    pub after: String,
}

impl RawExport {
    /// The export query, or a 400 naming the formats (or the bad limit or cursor).
    pub fn parse(&self) -> Result<ExportQuery, AppError> {
        rules::parse(&self.format, &self.limit, &self.after).map_err(AppError::BadRequest)
    }
}

/// `path?k=v&…` with the filter pairs (empty values left out).
pub fn url(path: &str, pairs: &[(&str, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    let qs = s.finish();
    if qs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{qs}")
    }
}

/// The absolute URL of the next page: the list's filtered URL plus format, limit and cursor.
pub fn next_page_url(ctx: &Ctx, base: &str, q: &ExportQuery, after: &str) -> String {
    let public = ctx.config().public_url.trim_end_matches('/');
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("format", q.format.code());
    if let Some(n) = q.size.rows {
        s.append_pair("limit", &n.to_string());
    }
    s.append_pair("after", after);
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{public}{base}{sep}{}", s.finish())
}

/// One cell of a CSV line from a JSON value: lists joined with `；`, nothing for null.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| cell(Some(x)))
            .collect::<Vec<_>>()
            .join("；"),
        Some(v) => v.to_string(),
    }
}

/// The CSV lines of `items`, in the order of the dataset's fields.
pub fn csv_lines(d: &Dataset, items: &[Value]) -> String {
    let mut out = String::new();
    for it in items {
        let cells: Vec<String> = d.fields.iter().map(|f| cell(it.get(*f))).collect();
        out.push_str(&rules::csv_line(&cells));
    }
    out
}

/// The BOM and the header line: each field's title in the reader's language (`od.f.<field>`;
/// the JSON keys are the field names themselves).
pub fn csv_head(lang: Lang, d: &Dataset) -> String {
    let titles: Vec<&str> = d
        .fields
        .iter()
        .map(|f| crate::i18n::tr(lang, &format!("od.f.{f}")))
        .collect();
    let mut s = String::from(CSV_BOM);
    s.push_str(&rules::csv_line(&titles));
    s
}

fn attachment(d: &Dataset, format: Format) -> (&'static str, String) {
    (
        "Content-Disposition",
        format!("attachment; filename=\"{}.{}\"", d.key, format.code()),
    )
}

/// One page of a dataset: `items` (already filtered, paged and masked), `next` the cursor of
/// the following page, `base` the list's URL with its filters.
pub fn respond(
    ctx: &Ctx,
    d: &Dataset,
    q: &ExportQuery,
    base: &str,
    items: Vec<Value>,
    next: Option<String>,
) -> HttpResponse {
    let next = next.map(|c| next_page_url(ctx, base, q, &c));
    let mut resp = page_headers(d, q, next.as_deref());
    if q.format == Format::Json {
        return resp.json(serde_json::json!({
            "dataset": d.key,
            "licence": rules::LICENCE_URL,
            "items": items,
            "next": next,
            "page_size": q.size.rows,
            "max_page_size": MAX_PAGE_SIZE,
            "capped": q.size.capped,
        }));
    }
    let mut body = csv_head(ctx.lang(), d);
    body.push_str(&csv_lines(d, &items));
    resp.content_type("text/csv; charset=utf-8").body(body)
}

/// The answer's headers for one page: the file name, the page size and its cap, and the
/// next page (`X-Next-Page` and `Link: rel="next"`, absolute URLs; see [`next_page_url`]).
pub fn page_headers(d: &Dataset, q: &ExportQuery, next: Option<&str>) -> HttpResponseBuilder {
    let mut resp = HttpResponse::Ok();
    resp.insert_header(attachment(d, q.format))
        .insert_header(("X-Max-Page-Size", MAX_PAGE_SIZE.to_string()))
        .insert_header(("X-Limit-Capped", q.size.capped.to_string()))
        .insert_header((
            "X-Page-Size",
            q.size
                .rows
                .map_or_else(|| "all".to_string(), |n| n.to_string()),
        ));
    if let Some(n) = next {
        resp.insert_header(("X-Next-Page", n.to_string()))
            .insert_header(("Link", format!("<{n}>; rel=\"next\"")));
    }
    resp
}

/// Rows fetched per round of a streamed CSV.
pub const STREAM_BATCH: usize = 500;

/// One round of a streamed download: the CSV text of a batch and where the next begins.
pub type Batch<C> = Result<(String, Option<C>), AppError>;

/// A whole CSV streamed: `fetch` is called off the async workers with a connection and the
/// position (`None` first), batch after batch, until it says there is no more. At most two
/// batches wait in memory; a reader that goes away stops the walk. A failure after the first
/// bytes cannot change the status any more: the body ends with an error line instead.
pub fn stream_csv<C, F>(
    pool: &Pool,
    head: String,
    d: &Dataset,
    start: Option<C>,
    mut fetch: F,
) -> HttpResponse
where
    C: Send + 'static,
    F: FnMut(&mut DbConnection, Option<C>) -> Batch<C> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    let pool = pool.clone();
    actix_web::rt::spawn(async move {
        if tx.send(Bytes::from(head)).await.is_err() {
            return;
        }
        let mut at = start;
        loop {
            // `db::run` takes its closure by value: the walker goes in and comes back out.
            let pos = at.take();
            let done = crate::db::run(&pool, move |c| {
                let r = fetch(c, pos);
                Ok::<_, DbError>((fetch, r))
            })
            .await;
            let (text, more) = match done {
                Ok((f, Ok(x))) => {
                    fetch = f;
                    x
                }
                Ok((_, Err(e))) => return fail(&tx, &e.to_string()).await,
                Err(e) => return fail(&tx, &e.to_string()).await,
            };
            if tx.send(Bytes::from(text)).await.is_err() {
                return; // the reader went away
            }
            match more {
                Some(c) => at = Some(c),
                None => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, actix_web::Error>(b), rx))
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(d, Format::Csv))
        .insert_header(("X-Max-Page-Size", MAX_PAGE_SIZE.to_string()))
        .insert_header(("X-Page-Size", "all"))
        .insert_header(("X-Limit-Capped", "false"))
        .streaming(stream)
}

async fn fail(tx: &tokio::sync::mpsc::Sender<Bytes>, why: &str) {
    tracing::error!(error = %why, "streamed download failed");
    let _ = tx.send(Bytes::from_static(b"#error\r\n")).await;
}

/// The page cache's stamp for a visitor's request (not signed in, no flash), or `None` when
/// the answer must not be cached (see `web::page_cache`). Read before the data.
pub async fn visitor_stamp(ctx: &Ctx) -> Result<Option<Stamp>, AppError> {
    let page = &ctx.req;
    if !(ctx.pages().enabled() && page.user.is_none() && page.flash.is_none()) {
        return Ok(None);
    }
    ctx.stamp(crate::db::today()).await.map(Some)
}

/// One row of a download: its cursor (where the next page starts after it) and its item.
pub type Keyed = (String, Value);

/// Serves a dataset whose rows `fetch(conn, after, n)` reads in cursor order: at most `n`
/// rows strictly past the cursor `after` (`None`: from the start), already filtered and
/// masked. A page (JSON, or CSV with `limit`) reads one row more than it shows to know whether
/// there is a next one; a whole CSV is streamed batch by batch, never held in memory.
/// `after` has been checked by the caller (a bad cursor is a 400 before any byte is sent).
pub async fn serve<F>(
    ctx: &Ctx,
    d: &'static Dataset,
    q: ExportQuery,
    base: String,
    fetch: F,
) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut DbConnection, Option<String>, usize) -> Result<Vec<Keyed>, AppError>
        + Send
        + 'static,
{
    admit(ctx)?;
    let Some(n) = q.size.rows else {
        let head = csv_head(ctx.lang(), d);
        return Ok(stream_csv(
            ctx.pool(),
            head,
            d,
            q.after.clone(),
            move |c, pos| {
                let mut rows = fetch(c, pos, STREAM_BATCH + 1)?;
                let more = rows.len() > STREAM_BATCH;
                rows.truncate(STREAM_BATCH);
                let next = if more {
                    rows.last().map(|(k, _)| k.clone())
                } else {
                    None
                };
                let items: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
                Ok((csv_lines(d, &items), next))
            },
        ));
    };
    let after = q.after.clone();
    let mut rows = crate::db::run(ctx.pool(), move |c| fetch(c, after, n + 1)).await?;
    let more = rows.len() > n;
    rows.truncate(n);
    let next = if more {
        rows.last().map(|(k, _)| k.clone())
    } else {
        None
    };
    let items = rows.into_iter().map(|(_, v)| v).collect();
    Ok(respond(ctx, d, &q, &base, items, next))
}

/// [`serve`] for a list ordered by id, newest first: the cursor is the last id shown.
pub async fn serve_by_id<F>(
    ctx: &Ctx,
    d: &'static Dataset,
    q: ExportQuery,
    base: String,
    fetch: F,
) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut DbConnection, Option<i64>, usize) -> Result<Vec<(i64, Value)>, AppError>
        + Send
        + 'static,
{
    rules::id_cursor(q.after.as_deref()).map_err(AppError::BadRequest)?;
    serve(ctx, d, q, base, move |c, after, n| {
        let before = rules::id_cursor(after.as_deref()).map_err(AppError::BadRequest)?;
        Ok(fetch(c, before, n)?
            .into_iter()
            .map(|(id, v)| (id.to_string(), v))
            .collect())
    })
    .await
}

/// A page of a list held in memory, newest (highest id) first, for [`serve_by_id`]'s
/// fetch: the rows below `before`, at most `n`.
pub fn below(rows: Vec<(i64, Value)>, before: Option<i64>, n: usize) -> Vec<(i64, Value)> {
    rules::page_by_key(rows, |(id, _)| *id, true, before.as_ref(), Some(n)).0
}

/// Downloads one client address may start per minute (`ZJ_EXPORT_PER_MINUTE`, default 600;
/// `0` turns the limit off). A page is cheap; a whole streamed CSV is not, and a script
/// looping on it would hold a connection each: past the limit the answer is a 429.
fn per_minute() -> u32 {
    static LIMIT: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("ZJ_EXPORT_PER_MINUTE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600)
    })
}

/// Per address: the start of its current minute and the downloads in it.
static WINDOWS: std::sync::Mutex<
    Option<std::collections::HashMap<String, (std::time::Instant, u32)>>,
> = std::sync::Mutex::new(None);

/// Counts one download for the client, or refuses it (429) when its minute is full.
pub fn admit(ctx: &Ctx) -> Result<(), AppError> {
    let limit = per_minute();
    if limit == 0 {
        return Ok(());
    }
    let now = std::time::Instant::now();
    let minute = std::time::Duration::from_secs(60);
    let Ok(mut guard) = WINDOWS.lock() else {
        return Ok(());
    };
    let map = guard.get_or_insert_with(Default::default);
    if map.len() > 50_000 {
        map.retain(|_, (start, _)| now.duration_since(*start) < minute);
    }
    let e = map.entry(ctx.req.ip.clone()).or_insert((now, 0));
    if now.duration_since(e.0) >= minute {
        *e = (now, 0);
    }
    if e.1 >= limit {
        let wait = minute
            .saturating_sub(now.duration_since(e.0))
            .as_secs()
            .max(1);
        return Err(AppError::TooMany(i64::try_from(wait).unwrap_or(60)));
    }
    e.1 += 1;
    Ok(())
}
