//! The model text 合同示范文本 steps: creating a text, saving a draft version, publishing it.

/// Publishing found no draft version to publish (409); the text's page says so.
pub const NOTHING_TO_PUBLISH: &str = "contracts.texts.nothing_to_publish";

use crate::audit::{self, Actor};
use crate::contracts::store::model_text::*;
use crate::db::schema::{model_text_versions, model_texts};
use crate::db::{self, DbConnection};
use crate::domain::status::ModelTextStatus;
use crate::error::{Refusal, StepError, conflict};
use diesel::prelude::*;
use serde::Serialize;

/// What the audit trail proves of a version: its text, by digest.
#[derive(Serialize)]
struct Audited<'a> {
    model_text_id: i64,
    version: i32,
    status: ModelTextStatus,
    title: &'a str,
    industry: &'a str,
    body: &'a str,
    note: &'a str,
}

fn audit_version(
    c: &mut DbConnection,
    actor: &Actor,
    action: &str,
    t: &ModelText,
    v: &Version,
) -> QueryResult<()> {
    audit::record(
        c,
        actor,
        action,
        "model_text",
        t.id,
        &Audited {
            model_text_id: t.id,
            version: v.version,
            status: v.status,
            title: &t.title,
            industry: &t.industry,
            body: &v.body,
            note: &v.note,
        },
        "",
    )
}

/// A new text with its first (draft) version. The caller has parsed the body and checked
/// the title and the author's industry. Returns the text's id.
pub fn create(
    c: &mut DbConnection,
    actor: &Actor,
    industry: &str,
    title: &str,
    body: &str,
    note: &str,
) -> Result<i64, StepError> {
    db::write_tx(c, |c| {
        let now = db::now();
        diesel::insert_into(model_texts::table)
            .values((
                model_texts::industry.eq(industry),
                model_texts::title.eq(title),
                model_texts::created_by.eq(actor.id),
                model_texts::created_at.eq(now),
                model_texts::updated_at.eq(now),
            ))
            .execute(c)?;
        let id: i64 = model_texts::table
            .filter(model_texts::created_at.eq(now))
            .filter(model_texts::title.eq(title))
            .order(model_texts::id.desc())
            .select(model_texts::id)
            .first(c)?;
        insert_version(c, id, 1, body, note, actor)?;
        let (t, v) = text_and_latest(c, id)?;
        audit_version(c, actor, "model_text.create", &t, &v)?;
        Ok(id)
    })
}

/// The text and its newest version, read back inside the step's transaction.
fn text_and_latest(c: &mut DbConnection, id: i64) -> Result<(ModelText, Version), StepError> {
    let t = find(c, id)?.ok_or_else(Refusal::not_found)?;
    let v = latest(c, id)?.ok_or_else(Refusal::not_found)?;
    Ok((t, v))
}

fn insert_version(
    c: &mut DbConnection,
    text_id: i64,
    version: i32,
    body: &str,
    note: &str,
    actor: &Actor,
) -> QueryResult<()> {
    let now = db::now();
    diesel::insert_into(model_text_versions::table)
        .values((
            model_text_versions::model_text_id.eq(text_id),
            model_text_versions::version.eq(version),
            model_text_versions::body.eq(body),
            model_text_versions::note.eq(note),
            model_text_versions::status.eq(ModelTextStatus::Draft),
            model_text_versions::created_by.eq(actor.id),
            model_text_versions::created_at.eq(now),
            model_text_versions::updated_at.eq(now),
        ))
        .execute(c)
        .map(|_| ())
}

/// Saves an edit: into the open draft version if there is one, else as a new draft version
/// (a published version is never touched). Returns the version number edited.
pub fn save_draft(
    c: &mut DbConnection,
    actor: &Actor,
    text_id: i64,
    title: &str,
    body: &str,
    note: &str,
) -> Result<i32, StepError> {
    db::write_tx(c, |c| {
        let now = db::now();
        let n = diesel::update(model_texts::table.find(text_id))
            .set((
                model_texts::title.eq(title),
                model_texts::updated_at.eq(now),
            ))
            .execute(c)?;
        let last = latest(c, text_id)?
            .filter(|_| n == 1)
            .ok_or_else(Refusal::not_found)?;
        let n = if last.published() {
            insert_version(c, text_id, last.version + 1, body, note, actor)?;
            last.version + 1
        } else {
            diesel::update(
                model_text_versions::table
                    .find(last.id)
                    .filter(model_text_versions::status.eq(ModelTextStatus::Draft)),
            )
            .set((
                model_text_versions::body.eq(body),
                model_text_versions::note.eq(note),
                model_text_versions::updated_at.eq(now),
            ))
            .execute(c)?;
            last.version
        };
        let (t, v) = text_and_latest(c, text_id)?;
        audit_version(c, actor, "model_text.edit", &t, &v)?;
        Ok(n)
    })
}

/// Publishes the open draft version; returns its number. Refused ([`NOTHING_TO_PUBLISH`])
/// when there is no draft to publish.
pub fn publish(c: &mut DbConnection, actor: &Actor, text_id: i64) -> Result<i32, StepError> {
    db::write_tx(c, |c| {
        let last = latest(c, text_id)?.ok_or_else(|| conflict(NOTHING_TO_PUBLISH))?;
        let now = db::now();
        let n = diesel::update(
            model_text_versions::table
                .find(last.id)
                .filter(model_text_versions::status.eq(ModelTextStatus::Draft)),
        )
        .set((
            model_text_versions::status.eq(ModelTextStatus::Published),
            model_text_versions::published_at.eq(Some(now)),
            model_text_versions::published_by.eq(actor.id),
            model_text_versions::updated_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict(NOTHING_TO_PUBLISH));
        }
        let (t, v) = text_and_latest(c, text_id)?;
        audit_version(c, actor, "model_text.publish", &t, &v)?;
        Ok(v.version)
    })
}
