//! Model contract texts 合同示范文本: the public list and page per text (versions, a diff
//! between two versions), and the forms where admins and regulators (for their department's
//! industries) write, revise and publish them. Rules in `domain::contract_text`, storage in
//! `crate::contracts::store::model_text`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{TextEditor, text_with_versions, writable_industries};
use crate::auth::policy::Action;
use crate::contracts::steps::model_text as text_steps;
use crate::contracts::store::model_text::{self, Version};
use crate::db::{self, DbError};
use crate::domain::contract_text::{self as ct, RenderedClause};
use crate::error::{AppError, StepError};
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/contract-texts", web::get().to(list))
        .route("/contract-texts/new", web::get().to(new_form))
        .route("/contract-texts/new", web::post().to(create))
        .route("/contract-texts/{id}", web::get().to(show))
        .route("/contract-texts/{id}/edit", web::get().to(edit_form))
        .route("/contract-texts/{id}/edit", web::post().to(save))
        .route("/contract-texts/{id}/publish", web::post().to(publish));
}

fn industry_label(ctx: &Ctx, code: &str) -> String {
    ctx.t(&format!("cat.industry.{code}")).to_string()
}

pub struct TextRow {
    pub id: i64,
    pub title: String,
    pub industry: String,
    pub published: String,
    pub draft: bool,
}

#[derive(Template)]
#[template(path = "contracts/contract_texts/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<TextRow>,
    can_write: bool,
}

async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let mine = writable_industries(&ctx).await?;
    let all = db::run(ctx.pool(), |c| model_text::list(c).map_err(DbError::from)).await?;
    let rows = all
        .into_iter()
        .filter_map(|(t, vs)| {
            let published = vs.iter().find(|v| v.published());
            let writer = mine.contains(&t.industry.as_str());
            if published.is_none() && !writer {
                return None;
            }
            Some(TextRow {
                id: t.id,
                industry: industry_label(&ctx, &t.industry),
                published: published
                    .map(|v| {
                        ctx.t("contracts.texts.version_n")
                            .replace("{n}", &v.version.to_string())
                    })
                    .unwrap_or_default(),
                draft: writer && vs.first().is_some_and(|v| !v.published()),
                title: t.title,
            })
        })
        .collect();
    html(
        &ListPage {
            page: ctx.page(),
            rows,
            can_write: ctx.allows(Action::WriteModelText {
                in_domain: !mine.is_empty(),
            }),
        },
        StatusCode::OK,
    )
}

pub struct VersionRow {
    pub version: i32,
    pub status: String,
    pub published_at: String,
    pub note: String,
    pub shown: bool,
}

pub struct DiffLine {
    pub css: &'static str,
    pub mark: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "contracts/contract_texts/show.html")]
struct ShowPage {
    page: Page,
    id: i64,
    title: String,
    industry: String,
    version: i32,
    draft: bool,
    clauses: Vec<RenderedClause>,
    versions: Vec<VersionRow>,
    fields: Vec<(String, String)>,
    can_write: bool,
    can_publish: bool,
    diff: Vec<DiffLine>,
    diff_from: i32,
    diff_to: i32,
    choices: Vec<i32>,
}

/// A body with each field shown as its label in brackets, for reading a model text.
fn labelled(ctx: &Ctx) -> ct::Values {
    ct::FIELDS
        .iter()
        .map(|f| {
            (
                f.key.to_string(),
                format!("〔{}〕", ctx.t(&format!("contracts.field.{}", f.key))),
            )
        })
        .collect()
}

async fn show(
    ctx: Ctx,
    path: web::Path<i64>,
    q: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = path.into_inner();
    let (t, versions) = text_with_versions(&ctx, id).await?;
    let in_domain = writable_industries(&ctx)
        .await?
        .contains(&t.industry.as_str());
    // The same decision the edit and publish forms ask for.
    let writer = ctx.allows(Action::WriteModelText { in_domain });
    // Visitors see published versions only; writers see drafts too.
    let visible: Vec<&Version> = versions
        .iter()
        .filter(|v| writer || v.published())
        .collect();
    let Some(newest) = visible.first() else {
        return Err(AppError::NotFound);
    };
    let num = |k: &str| q.get(k).and_then(|v| v.trim().parse::<i32>().ok());
    let shown = num("v")
        .and_then(|n| visible.iter().find(|v| v.version == n))
        .unwrap_or(newest);
    let body = ct::parse(&shown.body).unwrap_or(ct::Body {
        clauses: Vec::new(),
    });
    let (diff_from, diff_to) = (num("from").unwrap_or(0), num("to").unwrap_or(0));
    let p = ShowPage {
        page: ctx.page(),
        id,
        industry: industry_label(&ctx, &t.industry),
        version: shown.version,
        draft: !shown.published(),
        clauses: ct::fill(&body, &labelled(&ctx)),
        versions: version_rows(&ctx, &visible, shown.version),
        fields: field_rows(&ctx, &body),
        can_write: writer,
        can_publish: writer && !newest.published(),
        diff_from: if diff_from > 0 {
            diff_from
        } else {
            visible.get(1).map(|v| v.version).unwrap_or(newest.version)
        },
        diff_to: if diff_to > 0 { diff_to } else { newest.version },
        choices: visible.iter().map(|v| v.version).collect(),
        diff: diff(&visible, diff_from, diff_to),
        title: t.title,
    };
    html(&p, StatusCode::OK)
}

/// The fields a body uses, each with its label and what is filled in.
fn field_rows(ctx: &Ctx, body: &ct::Body) -> Vec<(String, String)> {
    body.fields_used()
        .into_iter()
        .map(|k| {
            (
                ctx.t(&format!("contracts.field.{k}")).to_string(),
                ctx.t(&format!("contracts.field_kind.{k}")).to_string(),
            )
        })
        .collect()
}

fn version_rows(ctx: &Ctx, visible: &[&Version], shown: i32) -> Vec<VersionRow> {
    visible
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            status: ctx
                .t(&format!("contracts.texts.status.{}", v.status))
                .to_string(),
            published_at: v.published_at.map(fmt_time).unwrap_or_default(),
            note: v.note.clone(),
            shown: v.version == shown,
        })
        .collect()
}

/// The lines that changed between two visible versions (none unless both exist).
fn diff(visible: &[&Version], from: i32, to: i32) -> Vec<DiffLine> {
    let find = |n: i32| visible.iter().find(|v| v.version == n);
    match (find(from), find(to)) {
        (Some(a), Some(b)) => ct::diff(&a.body, &b.body)
            .into_iter()
            .map(|(c, text)| DiffLine {
                css: c.css(),
                mark: c.mark(),
                text,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TextForm {
    industry: String,
    title: String,
    body: String,
    note: String,
}

#[derive(Template)]
#[template(path = "contracts/contract_texts/form.html")]
struct FormPage {
    page: Page,
    action: String,
    new: bool,
    industries: Vec<(String, String)>,
    industry: Field,
    title: Field,
    body: Field,
    note: Field,
    has_errors: bool,
    syntax: Vec<(String, String)>,
}

fn form_page(ctx: &Ctx, action: String, new: bool, mine: &[&str], f: &TextForm) -> FormPage {
    FormPage {
        page: ctx.page(),
        action,
        new,
        industries: mine
            .iter()
            .map(|i| (i.to_string(), industry_label(ctx, i)))
            .collect(),
        industry: Field::new(&f.industry),
        title: Field::new(&f.title),
        body: Field::new(&f.body),
        note: Field::new(&f.note),
        has_errors: false,
        syntax: ct::FIELDS
            .iter()
            .map(|fs| {
                (
                    format!("{{{{{}}}}}", fs.key),
                    ctx.t(&format!("contracts.field.{}", fs.key)).to_string(),
                )
            })
            .collect(),
    }
}

/// Checks title, body and note; marks each bad field. The parsed body is not kept: the
/// stored source is what versions and diffs show.
fn check(ctx: &Ctx, p: &mut FormPage) -> bool {
    let lang = ctx.lang();
    if let Err(k) = ct::check_title(&p.title.value) {
        p.title.fail(lang, k, &[]);
    }
    if let Err(problems) = ct::parse(&p.body.value) {
        let text: Vec<String> = problems
            .iter()
            .map(|pr| {
                let mut m = crate::i18n::tr_args(lang, pr.key, &[("detail", &pr.detail)]);
                if pr.line > 0 {
                    m = crate::i18n::tr_args(
                        lang,
                        "contracts.body.at_line",
                        &[("line", &pr.line.to_string()), ("problem", &m)],
                    );
                }
                m
            })
            .collect();
        p.body.error = Some(text.join("；"));
    }
    if p.note.value.chars().count() > 500 {
        p.note
            .fail(lang, "contracts.err.too_long", &[("max", "500".into())]);
    }
    p.has_errors = p.title.has_error() || p.body.has_error() || p.note.has_error();
    !p.has_errors
}

async fn new_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let mine = writable_industries(&ctx).await?;
    ctx.authorize(Action::WriteModelText {
        in_domain: !mine.is_empty(),
    })?;
    let f = TextForm {
        industry: mine.first().map(|s| s.to_string()).unwrap_or_default(),
        ..TextForm::default()
    };
    html(
        &form_page(&ctx, "/contract-texts/new".into(), true, &mine, &f),
        StatusCode::OK,
    )
}

async fn create(ctx: Ctx, form: CsrfForm<TextForm>) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let mine = writable_industries(&ctx).await?;
    ctx.authorize(Action::WriteModelText {
        in_domain: mine.contains(&f.industry.as_str()),
    })?;
    let mut p = form_page(&ctx, "/contract-texts/new".into(), true, &mine, &f);
    if !check(&ctx, &mut p) {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = ctx.actor();
    let title = f.title.trim().to_string();
    let note = f.note.trim().to_string();
    let id = db::run(ctx.pool(), move |c| {
        text_steps::create(c, &actor, &f.industry, &title, &f.body, &note)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/contract-texts/{id}"),
        FlashKind::Success,
        "contracts.texts.saved",
    ))
}

async fn edit_form(editor: TextEditor) -> Result<HttpResponse, AppError> {
    let TextEditor {
        ctx,
        text: t,
        versions,
    } = editor;
    let id = t.id;
    let last = versions.first().ok_or(AppError::NotFound)?;
    let f = TextForm {
        industry: t.industry.clone(),
        title: t.title.clone(),
        body: last.body.clone(),
        note: if last.published() {
            String::new()
        } else {
            last.note.clone()
        },
    };
    let ind = [t.industry.as_str()];
    html(
        &form_page(&ctx, format!("/contract-texts/{id}/edit"), false, &ind, &f),
        StatusCode::OK,
    )
}

async fn save(posted: Posted<TextEditor, TextForm>) -> Result<HttpResponse, AppError> {
    let Posted { to: editor, form } = posted;
    let TextEditor { ctx, text: t, .. } = editor;
    let id = t.id;
    let mut f = form;
    // The industry of a text never changes (contracts were drafted from it).
    f.industry = t.industry.clone();
    let ind = [t.industry.as_str()];
    let mut p = form_page(&ctx, format!("/contract-texts/{id}/edit"), false, &ind, &f);
    if !check(&ctx, &mut p) {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = ctx.actor();
    let title = f.title.trim().to_string();
    let note = f.note.trim().to_string();
    db::run(ctx.pool(), move |c| {
        text_steps::save_draft(c, &actor, id, &title, &f.body, &note)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/contract-texts/{id}"),
        FlashKind::Success,
        "contracts.texts.saved",
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

async fn publish(posted: Posted<TextEditor, Empty>) -> Result<HttpResponse, AppError> {
    let TextEditor { ctx, text, .. } = posted.to;
    let id = text.id;
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| text_steps::publish(c, &actor, id)).await;
    let to = format!("/contract-texts/{id}");
    match r {
        Ok(_) => Ok(redirect_flash(
            &to,
            FlashKind::Success,
            "contracts.texts.published",
        )),
        // Said on the text's page, as a flash: the page shows what there is to publish.
        Err(StepError::Refused(r)) if r.key == text_steps::NOTHING_TO_PUBLISH => {
            Ok(redirect_flash(&to, FlashKind::Error, r.key))
        }
        Err(e) => Err(e.into()),
    }
}
