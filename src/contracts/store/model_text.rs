//! Model contract texts 合同示范文本 and their versions. A published version never
//! changes (the guarded updates here, and a trigger in migration 000008 as the backstop); an
//! edit of a published text makes a new draft version. The body's rules are in
//! `domain::contract_text`. Every change is audited against the `model_text`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::schema::{model_text_versions, model_texts};
use crate::db::{self, DbConnection};

pub mod status {
    pub const DRAFT: &str = "draft";
    pub const PUBLISHED: &str = "published";
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = model_texts)]
pub struct ModelText {
    pub id: i64,
    pub industry: String,
    pub title: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = model_text_versions)]
pub struct Version {
    pub id: i64,
    pub model_text_id: i64,
    pub version: i32,
    pub body: String,
    pub note: String,
    pub status: String,
    pub created_by: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Version {
    pub fn published(&self) -> bool {
        self.status == status::PUBLISHED
    }
}

/// What the audit trail proves of a version: its text, by digest.
#[derive(Serialize)]
struct Audited<'a> {
    model_text_id: i64,
    version: i32,
    status: &'a str,
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
            status: &v.status,
            title: &t.title,
            industry: &t.industry,
            body: &v.body,
            note: &v.note,
        },
        "",
    )
}

pub fn find(c: &mut DbConnection, id: i64) -> QueryResult<Option<ModelText>> {
    model_texts::table
        .find(id)
        .select(ModelText::as_select())
        .first(c)
        .optional()
}

/// Every version of a text, newest first.
pub fn versions(c: &mut DbConnection, id: i64) -> QueryResult<Vec<Version>> {
    model_text_versions::table
        .filter(model_text_versions::model_text_id.eq(id))
        .order(model_text_versions::version.desc())
        .select(Version::as_select())
        .load(c)
}

pub fn find_version(c: &mut DbConnection, id: i64) -> QueryResult<Option<Version>> {
    model_text_versions::table
        .find(id)
        .select(Version::as_select())
        .first(c)
        .optional()
}

/// All texts with their newest version (any status), by industry then id.
pub fn list(c: &mut DbConnection) -> QueryResult<Vec<(ModelText, Vec<Version>)>> {
    let texts: Vec<ModelText> = model_texts::table
        .order((model_texts::industry, model_texts::id))
        .select(ModelText::as_select())
        .load(c)?;
    let mut out = Vec::with_capacity(texts.len());
    for t in texts {
        let v = versions(c, t.id)?;
        out.push((t, v));
    }
    Ok(out)
}

/// The model text a new contract of `industry` is drafted from: the most recently published
/// version of any text of that industry.
pub fn current_for_industry(
    c: &mut DbConnection,
    industry: &str,
) -> QueryResult<Option<(ModelText, Version)>> {
    let v: Option<Version> = model_text_versions::table
        .inner_join(model_texts::table)
        .filter(model_texts::industry.eq(industry))
        .filter(model_text_versions::status.eq(status::PUBLISHED))
        .order((
            model_text_versions::published_at.desc(),
            model_text_versions::id.desc(),
        ))
        .select(Version::as_select())
        .first(c)
        .optional()?;
    match v {
        Some(v) => Ok(find(c, v.model_text_id)?.map(|t| (t, v))),
        None => Ok(None),
    }
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
) -> QueryResult<i64> {
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
        let t = find(c, id)?.ok_or(diesel::result::Error::NotFound)?;
        let v = latest(c, id)?.ok_or(diesel::result::Error::NotFound)?;
        audit_version(c, actor, "model_text.create", &t, &v)?;
        Ok(id)
    })
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
            model_text_versions::status.eq(status::DRAFT),
            model_text_versions::created_by.eq(actor.id),
            model_text_versions::created_at.eq(now),
            model_text_versions::updated_at.eq(now),
        ))
        .execute(c)
        .map(|_| ())
}

pub fn latest(c: &mut DbConnection, text_id: i64) -> QueryResult<Option<Version>> {
    model_text_versions::table
        .filter(model_text_versions::model_text_id.eq(text_id))
        .order(model_text_versions::version.desc())
        .select(Version::as_select())
        .first(c)
        .optional()
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
) -> QueryResult<i32> {
    db::write_tx(c, |c| {
        let now = db::now();
        diesel::update(model_texts::table.find(text_id))
            .set((
                model_texts::title.eq(title),
                model_texts::updated_at.eq(now),
            ))
            .execute(c)?;
        let last = latest(c, text_id)?.ok_or(diesel::result::Error::NotFound)?;
        let n = if last.published() {
            insert_version(c, text_id, last.version + 1, body, note, actor)?;
            last.version + 1
        } else {
            diesel::update(
                model_text_versions::table
                    .find(last.id)
                    .filter(model_text_versions::status.eq(status::DRAFT)),
            )
            .set((
                model_text_versions::body.eq(body),
                model_text_versions::note.eq(note),
                model_text_versions::updated_at.eq(now),
            ))
            .execute(c)?;
            last.version
        };
        let t = find(c, text_id)?.ok_or(diesel::result::Error::NotFound)?;
        let v = latest(c, text_id)?.ok_or(diesel::result::Error::NotFound)?;
        audit_version(c, actor, "model_text.edit", &t, &v)?;
        Ok(n)
    })
}

/// Publishes the open draft version. None when there is no draft to publish.
pub fn publish(c: &mut DbConnection, actor: &Actor, text_id: i64) -> QueryResult<Option<i32>> {
    db::write_tx(c, |c| {
        let Some(last) = latest(c, text_id)? else {
            return Ok(None);
        };
        let now = db::now();
        let n = diesel::update(
            model_text_versions::table
                .find(last.id)
                .filter(model_text_versions::status.eq(status::DRAFT)),
        )
        .set((
            model_text_versions::status.eq(status::PUBLISHED),
            model_text_versions::published_at.eq(Some(now)),
            model_text_versions::published_by.eq(actor.id),
            model_text_versions::updated_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Ok(None);
        }
        let t = find(c, text_id)?.ok_or(diesel::result::Error::NotFound)?;
        let v = latest(c, text_id)?.ok_or(diesel::result::Error::NotFound)?;
        audit_version(c, actor, "model_text.publish", &t, &v)?;
        Ok(Some(v.version))
    })
}
