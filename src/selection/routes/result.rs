//! The result part of an announcement page (after opening), read here and shaped by
//! `crate::selection::views::ResultView`; and the steps after opening: justification of
//! abnormally low quotes, the owner's choice, objections and answers, confirmation (award),
//! re-running.
//! The steps are in `crate::selection::steps::{opening, result}`, the rules in
//! `domain::selection`.

use crate::web::refused::refused_page;
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::status::AnnouncementStatus;
use crate::error::AppError;
use crate::error::{Refusal, StepError};
use crate::selection::routes::extract::{AgencyOn, OwnedObjection, OwnedSelection, opened};
use crate::selection::steps::result as result_steps;
use crate::selection::store::announcement::Announcement;
use crate::selection::store::opening;
use crate::selection::views::{ResultRows, ResultView};
use crate::web::Ctx;
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::FlashKind;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/announcements/{id}/proof.json", web::get().to(proof_json))
        .route("/announcements/{id}/objections", web::post().to(object))
        .route("/announcements/{id}/justify", web::post().to(justify))
        .route("/announcements/{id}/confirm", web::post().to(confirm))
        .route("/owner/announcements/{id}/choose", web::post().to(choose))
        .route(
            "/owner/announcements/{id}/justifications/{agency}",
            web::post().to(decide),
        )
        .route("/owner/objections/{id}/answer", web::post().to(answer))
        .route("/owner/announcements/{id}/rerun", web::post().to(rerun));
}

/// The result section for an announcement page, `None` before opening.
pub async fn load(ctx: &Ctx, a: &Announcement) -> Result<Option<ResultView>, AppError> {
    let owner = ctx.allows(Action::ManageAnnouncement {
        owner: a.owner_side(),
    });
    let a2 = a.clone();
    let rows = db::run(ctx.pool(), move |c| {
        let pending = if a2.status == AnnouncementStatus::Justifying {
            opening::pending_exclusions(c, &a2)?
        } else {
            HashMap::new()
        };
        let choices = if a2.status == AnnouncementStatus::Choosing && owner {
            opening::choosable(c, &a2)?
        } else {
            Vec::new()
        };
        let loaded = opening::load(c, &a2)?;
        // Only once opened: before that there is no result section at all.
        let fee_ranges = match &loaded {
            Some(l) => {
                let ids: Vec<i64> = l.quotes.iter().map(|q| q.agency_id).collect();
                crate::supervision::store::signals::fee_ranges(c, a2.item_id, &ids)?
            }
            None => HashMap::new(),
        };
        Ok::<_, DbError>(ResultRows {
            loaded,
            fee_ranges,
            pending,
            choices,
            contract_id: crate::contracts::store::contract::find_by_announcement(c, a2.id)?
                .map(|k| k.id),
        })
    })
    .await?;
    Ok(ResultView::build(ctx, a, owner, rows))
}

// ---------------------------------------------------------------- handlers

/// A step's answer: back to `to` with the flash `done_key`, or the refusal page (409/422)
/// with a link back to `back`.
fn answer_step(
    ctx: &Ctx,
    r: Result<String, StepError>,
    done_key: &str,
    back: &str,
) -> Result<HttpResponse, AppError> {
    match r {
        Ok(to) => Ok(redirect_flash(&to, FlashKind::Success, done_key)),
        Err(e) => refused_page(ctx, e, back),
    }
}

fn page_of(id: i64) -> String {
    format!("/announcements/{id}")
}

async fn proof_json(ctx: Ctx, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = path.into_inner();
    let a = opened(&ctx, id).await?;
    let l = db::run(ctx.pool(), move |c| opening::load(c, &a)).await?;
    let proofs: Vec<_> = l
        .and_then(|l| l.outcome)
        .map(|o| o.draws.into_iter().map(|d| d.proof).collect())
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(proofs))
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// Free text of an objection, justification or answer: required, at most 2,000 characters.
fn text_ok(ctx: &Ctx, t: &str, back: &str) -> Result<Option<HttpResponse>, AppError> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > 2000 {
        return refused_page(
            ctx,
            StepError::Refused(Refusal::invalid("result.err.text_required")),
            back,
        )
        .map(Some);
    }
    Ok(None)
}

async fn agency_step(
    ctx: Ctx,
    id: i64,
    me: i64,
    f: impl FnOnce(&mut crate::db::DbConnection, i64) -> Result<(), StepError> + Send + 'static,
    done_key: &'static str,
) -> Result<HttpResponse, AppError> {
    let r = db::run(ctx.pool(), move |c| Ok::<_, DbError>(f(c, me))).await?;
    answer_step(&ctx, r.map(|()| page_of(id)), done_key, &page_of(id))
}

async fn object(
    Posted {
        to: AgencyOn { ctx, me, ann },
        form,
    }: Posted<AgencyOn, TextForm>,
) -> Result<HttpResponse, AppError> {
    let id = ann.id;
    if let Some(r) = text_ok(&ctx, &form.text, &page_of(id))? {
        return Ok(r);
    }
    let text = form.text.trim().to_string();
    agency_step(
        ctx,
        id,
        me,
        move |c, me| result_steps::object(c, id, me, &text).map(|_| ()),
        "result.done.objected",
    )
    .await
}

async fn justify(
    Posted {
        to: AgencyOn { ctx, me, ann },
        form,
    }: Posted<AgencyOn, TextForm>,
) -> Result<HttpResponse, AppError> {
    let id = ann.id;
    if let Some(r) = text_ok(&ctx, &form.text, &page_of(id))? {
        return Ok(r);
    }
    let text = form.text.trim().to_string();
    agency_step(
        ctx,
        id,
        me,
        move |c, me| result_steps::justify(c, id, me, &text),
        "result.done.justified",
    )
    .await
}

#[derive(Deserialize)]
pub struct Empty {}

async fn confirm(
    Posted {
        to: AgencyOn { ctx, me, ann },
        form: _,
    }: Posted<AgencyOn, Empty>,
) -> Result<HttpResponse, AppError> {
    let id = ann.id;
    agency_step(
        ctx,
        id,
        me,
        move |c, me| result_steps::confirm(c, id, me),
        "result.done.confirmed",
    )
    .await
}

#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    agency: String,
}

async fn choose(
    Posted {
        to: OwnedSelection { ctx, ann },
        form,
    }: Posted<OwnedSelection, ChooseForm>,
) -> Result<HttpResponse, AppError> {
    let id = ann.id;
    let Ok(agency) = form.agency.trim().parse::<i64>() else {
        return refused_page(
            &ctx,
            StepError::Refused(Refusal::invalid("result.err.not_a_respondent")),
            &page_of(id),
        );
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::choose(c, &actor, id, agency))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(|()| page_of(id)),
        "result.done.chosen",
        &page_of(id),
    )
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
}

async fn decide(
    path: web::Path<(i64, i64)>,
    Posted {
        to: OwnedSelection { ctx, ann },
        form,
    }: Posted<OwnedSelection, DecideForm>,
) -> Result<HttpResponse, AppError> {
    let (_, agency) = path.into_inner();
    let id = ann.id;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("err.form.malformed")),
    };
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::decide_justification(
            c, &actor, id, agency, accept,
        ))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(|()| page_of(id)),
        "result.done.decided",
        &page_of(id),
    )
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    upheld: String,
}

async fn answer(
    Posted {
        to: OwnedObjection { ctx, id: oid, ann },
        form,
    }: Posted<OwnedObjection, AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let ann_id = ann.id;
    if let Some(r) = text_ok(&ctx, &form.text, &page_of(ann_id))? {
        return Ok(r);
    }
    let upheld = form.upheld == "yes";
    let text = form.text.trim().to_string();
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::answer(c, &actor, oid, &text, upheld))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(page_of),
        "result.done.answered",
        &page_of(ann_id),
    )
}

async fn rerun(
    Posted {
        to: OwnedSelection { ctx, ann },
        form: _,
    }: Posted<OwnedSelection, Empty>,
) -> Result<HttpResponse, AppError> {
    let id = ann.id;
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(result_steps::republish_draft(c, &actor, id))
    })
    .await?;
    answer_step(
        &ctx,
        r.map(|new_id| format!("/owner/announcements/{new_id}/edit")),
        "result.done.rerun",
        &page_of(id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::page::Page;
    use askama::Template;

    #[derive(Template)]
    #[template(path = "selection/result/_section.html")]
    struct Section {
        page: Page,
        result: Option<ResultView>,
    }

    #[test]
    fn section_renders_nothing_before_opening() {
        let s = Section {
            page: Page {
                lang: crate::i18n::Lang::Zh,
                user: None,
                csrf: String::new(),
                flash: None,
                path: String::new(),
                rehearsal: None,
            },
            result: None,
        };
        assert!(s.render().is_ok_and(|h| h.trim().is_empty()));
    }
}
