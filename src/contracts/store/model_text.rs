//! Model contract texts 合同示范文本 and their versions. A published version never
//! changes (the guarded updates here, and a trigger in migration 000008 as the backstop); an
//! edit of a published text makes a new draft version. The body's rules are in
//! `domain::contract_text`. Every change is audited against the `model_text`.

use crate::db::OneRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{model_text_versions, model_texts};
use crate::domain::status::ModelTextStatus;

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
    pub status: ModelTextStatus,
    pub created_by: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Version {
    pub fn published(&self) -> bool {
        self.status == ModelTextStatus::Published
    }
}

pub fn find(c: &mut DbConnection, id: i64) -> QueryResult<Option<ModelText>> {
    model_texts::table
        .find(id)
        .select(ModelText::as_select())
        .one(c)
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
        .one(c)
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
        .filter(model_text_versions::status.eq(ModelTextStatus::Published))
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

pub fn latest(c: &mut DbConnection, text_id: i64) -> QueryResult<Option<Version>> {
    model_text_versions::table
        .filter(model_text_versions::model_text_id.eq(text_id))
        .order(model_text_versions::version.desc())
        .select(Version::as_select())
        .first(c)
        .optional()
}
