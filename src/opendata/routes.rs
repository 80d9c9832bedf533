//! `/open-data`: the index of every dataset, as a page and (`?format=json`) as JSON. Public,
//! cached for visitors by the audit stamp like the library pages.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::export::{self as rules, Format, MAX_PAGE_SIZE};
use crate::domain::opendata::{self as od, Dataset};
use crate::error::AppError;
use crate::i18n::{Lang, tr};
use crate::web::page::Page;
use crate::web::{Ctx, export, fmt_time};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/open-data", web::get().to(index));
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct IndexQuery {
    pub format: String,
}

pub struct FieldView {
    pub name: &'static str,
    pub meaning: &'static str,
}

pub struct DatasetView {
    pub key: &'static str,
    pub title: &'static str,
    pub desc: &'static str,
    pub note: &'static str,
    pub updated: String,
    pub page: &'static str,
    pub csv: Option<String>,
    pub json: Option<String>,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "opendata/index.html")]
pub struct IndexPage {
    pub page: Page,
    pub sets: Vec<DatasetView>,
    pub max_page_size: usize,
}

fn note(d: &Dataset) -> &'static str {
    match d.key {
        "ocds_releases" => "od.ocds_note",
        "stats" => "od.stats_note",
        _ => "",
    }
}

fn with_format(path: &str, f: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}format={f}")
}

fn view(lang: Lang, d: &'static Dataset, updated: Option<&NaiveDateTime>) -> DatasetView {
    let note = note(d);
    DatasetView {
        key: d.key,
        title: tr(lang, &d.title_key()),
        desc: tr(lang, &d.desc_key()),
        note: if note.is_empty() { "" } else { tr(lang, note) },
        updated: updated.map(|t| fmt_time(*t)).unwrap_or_default(),
        page: d.page,
        csv: d.tabular.then(|| with_format(d.download, "csv")),
        json: if d.tabular {
            Some(with_format(d.download, "json"))
        } else {
            // OCDS is JSON only; the charts' data is a CSV per chart on their page.
            (d.key == od::OCDS_RELEASES.key).then(|| d.download.to_string())
        },
        fields: d
            .fields
            .iter()
            .map(|f| FieldView {
                name: f,
                meaning: tr(lang, &format!("od.f.{f}")),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct JsonField {
    name: &'static str,
    meaning: &'static str,
}

#[derive(Serialize)]
struct JsonDataset {
    key: &'static str,
    title: &'static str,
    description: &'static str,
    updated_at: Option<String>,
    licence: &'static str,
    html: String,
    csv: Option<String>,
    json: Option<String>,
    fields: Vec<JsonField>,
}

fn json_index(
    ctx: &Ctx,
    sets: Vec<DatasetView>,
    stamps: &HashMap<&str, NaiveDateTime>,
) -> Result<Bytes, AppError> {
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let abs = |p: &str| format!("{public}{p}");
    let items: Vec<JsonDataset> = sets
        .into_iter()
        .map(|s| JsonDataset {
            key: s.key,
            title: s.title,
            description: s.desc,
            updated_at: stamps
                .get(s.key)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            licence: rules::LICENCE_URL,
            html: abs(s.page),
            csv: s.csv.as_deref().map(abs),
            json: s.json.as_deref().map(abs),
            fields: s
                .fields
                .into_iter()
                .map(|f| JsonField {
                    name: f.name,
                    meaning: f.meaning,
                })
                .collect(),
        })
        .collect();
    let v = serde_json::json!({
        "licence": rules::LICENCE_URL,
        "licence_name": "CC BY 4.0",
        "max_page_size": MAX_PAGE_SIZE,
        "datasets": items,
    });
    serde_json::to_vec(&v)
        .map(Bytes::from)
        .map_err(AppError::internal)
}

async fn index(ctx: Ctx, q: web::Query<IndexQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let format = match Format::parse(&q.format).map_err(AppError::BadRequest)? {
        Format::Csv => return Err(AppError::BadRequest(rules::BAD_FORMAT)),
        f => f,
    };
    let key = export::visitor_stamp(&ctx).await?.map(|s| {
        let k = format!("{}\u{1f}/open-data?{}", ctx.lang().code(), format.code());
        (k, s)
    });
    if let Some((k, s)) = &key
        && let Some(body) = ctx.pages().get(k, *s)
    {
        return Ok(body_of(format, body));
    }
    let stamps = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>(crate::opendata::store::updated(c)?)
    })
    .await?;
    let lang = ctx.lang();
    let sets: Vec<DatasetView> = od::ALL
        .iter()
        .map(|d| view(lang, d, stamps.get(d.key)))
        .collect();
    let body = match format {
        Format::Json => json_index(&ctx, sets, &stamps)?,
        _ => {
            let p = IndexPage {
                page: ctx.page(),
                sets,
                max_page_size: MAX_PAGE_SIZE,
            };
            Bytes::from(p.render().map_err(AppError::internal)?)
        }
    };
    if let Some((k, s)) = key {
        ctx.pages().put(k, s, body.clone());
    }
    Ok(body_of(format, body))
}

fn body_of(format: Format, body: Bytes) -> HttpResponse {
    let ct = match format {
        Format::Json => "application/json",
        _ => "text/html; charset=utf-8",
    };
    HttpResponse::build(StatusCode::OK)
        .content_type(ct)
        .body(body)
}
