//! The public OCDS endpoints: an announcement's release package, the record of an ocid, and
//! the feed of every release since a date. JSON only; bad input answers 400 and an unknown
//! or unpublished announcement 404, each as `{"error": reason}` in the reader's language.
//!
//! Responses are cached per instance under the audit stamp and the China day, like the
//! library's public lists (`web::page_cache`): every step that changes what a release shows
//! writes an audit entry in the same transaction.

use actix_web::web::{self, Bytes};
use actix_web::{HttpResponse, http::StatusCode};
use serde::Deserialize;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::ocds::{self, Cursor, Publisher, SinceError};
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::ocds::store;
use crate::web::Ctx;
use crate::web::page_cache::Stamp;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/announcements/{id}/ocds", web::get().to(package))
        .route("/ocds/records/{ocid}", web::get().to(record))
        .route("/open-data/ocds", web::get().to(feed));
}

/// What a loader answers: the package, or the status and locale key of the refusal.
type Answer = Result<serde_json::Value, (StatusCode, &'static str)>;

fn json_body(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body(body)
}

fn refusal(ctx: &Ctx, status: StatusCode, key: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": ctx.t(key) }))
}

/// The site's address without a trailing slash.
fn base(ctx: &Ctx) -> String {
    ctx.config().public_url.trim_end_matches('/').to_owned()
}

fn publisher_name() -> &'static str {
    i18n::tr(Lang::Zh, "site.name")
}

/// Serves `path?query` from the cache or builds it with `load` (on a blocking thread), then
/// keeps a success under the stamp read before the data.
/// `fresh`: this request has just written (an opening), so the shared stamp may be older.
async fn cached<F>(ctx: &Ctx, fresh: bool, load: F) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut crate::db::DbConnection, &str) -> Result<Answer, DbError> + Send + 'static,
{
    let req = &ctx.req;
    // The language is in the key for the refusals' and the feed's notes.
    let key = format!("ocds\u{1f}{}\u{1f}{}", ctx.lang().code(), req.path);
    let stamp = if ctx.pages().enabled() {
        // The stamp read by any request of the last window is shared (`web::page_cache`).
        let now = std::time::Instant::now();
        let seq = match ctx.pages().recent_seq(now).filter(|_| !fresh) {
            Some(s) => s,
            None => {
                let s = db::run(ctx.pool(), |c| Ok::<_, DbError>(crate::audit::stamp(c)?)).await?;
                ctx.pages().note_seq(now, s);
                s
            }
        };
        Some(Stamp {
            seq,
            day: crate::db::today(),
        })
    } else {
        None
    };
    if let Some(s) = stamp
        && let Some(body) = ctx.pages().get(&key, s)
    {
        return Ok(json_body(body));
    }
    let answer = db::run(ctx.pool(), move |c| {
        let prefix = crate::accounts::store::settings::ocid_prefix(c)?;
        load(c, &prefix)
    })
    .await?;
    match answer {
        Ok(v) => {
            let body = Bytes::from(serde_json::to_vec(&v).map_err(AppError::internal)?);
            if let Some(s) = stamp {
                ctx.pages().put(key, s, body.clone());
            }
            Ok(json_body(body))
        }
        Err((status, k)) => Ok(refusal(ctx, status, k)),
    }
}

/// Opens announcement `id` first if its deadline has passed, as its page does: before the
/// cache is asked, since passing the deadline writes nothing to the audit trail by itself.
/// True if it was due (and is opened now).
async fn open_if_due(ctx: &Ctx, id: i64) -> Result<bool, AppError> {
    let key = ctx.config().sealing_key;
    let instance = ctx.config().instance_id.clone();
    db::run(ctx.pool(), move |c| {
        let due = crate::selection::store::announcement::find(c, id)?
            .is_some_and(|a| a.due(crate::db::now()));
        if !due {
            return Ok(false);
        }
        // Opened now, here or by another instance: either way the shared stamp may be older.
        crate::selection::steps::opening::open_if_due(c, &key, id, &instance)?;
        Ok(true)
    })
    .await
}

async fn package(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let Some(id) = path.parse::<i64>().ok().filter(|n| *n > 0) else {
        return Ok(refusal(&ctx, StatusCode::NOT_FOUND, "ocds.err.not_found"));
    };
    let fresh = open_if_due(&ctx, id).await?;
    let b = base(&ctx);
    cached(&ctx, fresh, move |c, prefix| {
        let Some(f) = store::facts(c, id, prefix, &b)? else {
            return Ok(Err((StatusCode::NOT_FOUND, "ocds.err.not_found")));
        };
        let uri = format!("{b}/announcements/{id}/ocds");
        let p = Publisher {
            name: publisher_name(),
            uri: &b,
        };
        Ok(Ok(ocds::release_package(
            &uri,
            p,
            &f.releases(),
            crate::db::now(),
        )))
    })
    .await
}

async fn record(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let ocid = path.into_inner();
    // The prefix is checked with the rest; any number in the tail is worth opening.
    let fresh = match ocid.rsplit('-').next().and_then(|n| n.parse::<i64>().ok()) {
        Some(id) => open_if_due(&ctx, id).await?,
        None => false,
    };
    let b = base(&ctx);
    cached(&ctx, fresh, move |c, prefix| {
        let found = match ocds::announcement_of(prefix, &ocid) {
            Some(id) => store::facts(c, id, prefix, &b)?,
            None => None,
        };
        let Some(f) = found else {
            return Ok(Err((StatusCode::NOT_FOUND, "ocds.err.unknown_ocid")));
        };
        let uri = format!("{b}/ocds/records/{ocid}");
        let pkg = format!("{b}/announcements/{}/ocds", f.announcement_id);
        let p = Publisher {
            name: publisher_name(),
            uri: &b,
        };
        let rs = f.releases();
        Ok(Ok(ocds::record_package(
            &uri,
            &pkg,
            p,
            &ocid,
            &rs,
            crate::db::now(),
        )))
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeedQuery {
    since: String,
    after: String,
    limit: String,
}

/// The feed's request, checked: (since, after, limit, the limit asked for if it was capped).
type FeedRequest = (
    Option<chrono::NaiveDateTime>,
    Option<Cursor>,
    usize,
    Option<String>,
);

fn parse_feed(q: &FeedQuery) -> Result<FeedRequest, &'static str> {
    let since = ocds::parse_since(&q.since, crate::db::now()).map_err(|e| match e {
        SinceError::Malformed => "ocds.err.since_malformed",
        SinceError::Future => "ocds.err.since_future",
    })?;
    let after = match q.after.trim() {
        "" => None,
        a => Some(Cursor::parse(a).ok_or("ocds.err.cursor")?),
    };
    let limit = ocds::feed_limit(&q.limit).ok_or("ocds.err.limit")?;
    let capped = q
        .limit
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > ocds::FEED_MAX_LIMIT as u64)
        .map(|n| n.to_string());
    Ok((since, after, limit, capped))
}

fn feed_url(b: &str, q: &FeedQuery, after: &Cursor, limit: usize) -> String {
    let mut url = format!("{b}/open-data/ocds?");
    if !q.since.trim().is_empty() {
        url.push_str(&format!("since={}&", q.since.trim()));
    }
    let cursor = crate::error::url_escape(&after.text());
    url.push_str(&format!("after={cursor}&limit={limit}"));
    url
}

async fn feed(ctx: Ctx, q: web::Query<FeedQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let q = q.into_inner();
    let (since, after, limit, capped) = match parse_feed(&q) {
        Ok(r) => r,
        Err(k) => return Ok(refusal(&ctx, StatusCode::BAD_REQUEST, k)),
    };
    let b = base(&ctx);
    let here = ctx.req.path.clone();
    let cap_note = ctx
        .t("ocds.feed.limit_capped")
        .replace("{max}", &ocds::FEED_MAX_LIMIT.to_string());
    cached(&ctx, false, move |c, prefix| {
        // Nothing before the cursor is on this page: only announcements active since then.
        let from = match (since, &after) {
            (s, Some(a)) => Some(s.map_or(a.at, |s| s.max(a.at))),
            (s, None) => s,
        };
        let all = store::releases_since(c, from, prefix, &b)?;
        let (page, next) = ocds::feed_page(all, since, after.as_ref(), limit);
        let uri = format!("{b}{here}");
        let p = Publisher {
            name: publisher_name(),
            uri: &b,
        };
        let mut v = ocds::release_package(&uri, p, &page, crate::db::now());
        if let Some(n) = next {
            v["links"] = serde_json::json!({ "next": feed_url(&b, &q, &n, limit) });
        }
        v["paging"] = serde_json::json!({
            "limit": limit,
            "maxLimit": ocds::FEED_MAX_LIMIT,
        });
        if let Some(asked) = capped {
            v["paging"]["requestedLimit"] = serde_json::json!(asked);
            v["paging"]["note"] = serde_json::json!(cap_note);
        }
        Ok(Ok(v))
    })
    .await
}
