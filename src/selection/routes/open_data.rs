//! The open-data downloads of selection: `/announcements?format=csv|json` (the public list
//! with its `status` and `mode` filters) and `/results?format=csv|json` (one row per announced
//! result: announcement, item, mode, winner, price, opening date). `/results` as a page is the
//! list of awarded announcements (a 303 there). Never an amount before the opening: a result
//! row exists only from publicity on. Paging and formats are `web::export`'s.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::policy::Action;
use crate::domain::export::{ExportQuery, Format};
use crate::domain::opendata::{ANNOUNCEMENTS, RESULTS};
use crate::domain::selection::Mode;
use crate::domain::status::AnnouncementStatus;
use crate::error::AppError;
use crate::i18n::{Lang, tr};
use crate::selection::routes::owner::{mode_label, status_key};
use crate::selection::store::publication::{self as pubm, Row};
use crate::web::export::{self, RawExport};
use crate::web::{Ctx, fmt_time};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/results", web::get().to(results));
}

fn common(lang: Lang, r: &Row, public: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("project".into(), json!(r.project_name));
    m.insert("item_code".into(), json!(r.item_code));
    m.insert("item_name".into(), json!(r.item_name));
    m.insert("mode".into(), json!(r.a.mode));
    m.insert("mode_name".into(), json!(mode_label(lang, &r.a.mode)));
    m.insert("status".into(), json!(r.a.status.to_string()));
    m.insert(
        "status_name".into(),
        json!(tr(lang, &status_key(r.a.status))),
    );
    m.insert(
        "url".into(),
        json!(format!("{public}/announcements/{}", r.a.id)),
    );
    m
}

/// `/announcements?format=csv|json`, the filters already checked by the list.
pub async fn announcements(
    ctx: &Ctx,
    q: ExportQuery,
    status: Option<AnnouncementStatus>,
    mode: Option<String>,
) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let base = export::url(
        "/announcements",
        &[
            ("status", status.map(|s| s.to_string()).unwrap_or_default()),
            ("mode", mode.clone().unwrap_or_default()),
        ],
    );
    export::serve_by_id(ctx, &ANNOUNCEMENTS, q, base, move |c, before, n| {
        let rows = pubm::public_export(c, status, mode.as_deref(), before, n as i64)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.a.id).collect();
        let counts = crate::selection::store::bidding::count_quotes_many(c, &ids)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let quotes = counts.get(&r.a.id).copied().unwrap_or(0);
            let mut m = common(lang, &r, &public);
            m.insert("id".into(), json!(r.a.id));
            m.insert("published_at".into(), json!(r.a.published_at.map(fmt_time)));
            m.insert("deadline".into(), json!(fmt_time(r.a.deadline)));
            m.insert("quotes".into(), json!(quotes));
            out.push((r.a.id, Value::Object(m)));
        }
        Ok(out)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResultsQuery {
    pub mode: String,
    pub format: String,
    pub limit: String,
    pub after: String,
}

/// `/results?format=csv|json`: the announced results; `mode` narrows.
async fn results(ctx: Ctx, raw: web::Query<ResultsQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let q = RawExport {
        format: raw.format.clone(),
        limit: raw.limit.clone(),
        after: raw.after.clone(),
    }
    .parse()?;
    let mode = Some(raw.mode.trim().to_string()).filter(|m| !m.is_empty());
    if mode.as_deref().is_some_and(|m| Mode::parse(m).is_none()) {
        return Err(AppError::BadRequest("pub.err.filter_mode"));
    }
    if q.format == Format::Html {
        let to = export::url("/announcements", &[("status", "awarded".into())]);
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", to))
            .finish());
    }
    let lang = ctx.lang();
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let base = export::url("/results", &[("mode", mode.clone().unwrap_or_default())]);
    export::serve_by_id(&ctx, &RESULTS, q, base, move |c, before, n| {
        let rows = pubm::results_export(c, mode.as_deref(), before, n as i64)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut m = common(lang, &r.row, &public);
                m.insert("announcement_id".into(), json!(r.row.a.id));
                m.insert("winner".into(), json!(r.winner));
                m.insert("winner_uscc".into(), json!(r.winner_uscc));
                m.insert("price_yuan".into(), json!(r.amount.map(|a| a.to_plain())));
                m.insert("opened_at".into(), json!(fmt_time(r.opened_at)));
                (r.row.a.id, Value::Object(m))
            })
            .collect())
    })
    .await
}
