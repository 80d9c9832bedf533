//! Rows of the `uploads` table: files kept by `crate::uploads`.

use crate::db::OneRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::uploads;

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = uploads)]
pub struct Upload {
    pub id: i64,
    pub owner_id: i64,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// What is kept of an uploaded file besides its stored name: original name, content type,
/// size in bytes, SHA-256.
pub type KeptMeta = (String, &'static str, i64, String);

/// Records the file a step was given, if any: `(stored name, meta)` as
/// `uploads::keep_received` returned them. Returns the upload's id.
pub fn insert_kept(
    conn: &mut DbConnection,
    owner_id: i64,
    kept: Option<&(String, KeptMeta)>,
) -> QueryResult<Option<i64>> {
    match kept {
        Some((name, (orig, ct, size, sha))) => {
            insert(conn, owner_id, name, orig, ct, *size, sha).map(Some)
        }
        None => Ok(None),
    }
}

/// Records a kept upload (`uploads::Received::keep` gave the stored name); returns its id.
pub fn insert(
    conn: &mut DbConnection,
    owner_id: i64,
    stored_name: &str,
    original_name: &str,
    content_type: &str,
    size_bytes: i64,
    sha256: &str,
) -> QueryResult<i64> {
    diesel::insert_into(uploads::table)
        .values((
            uploads::owner_id.eq(owner_id),
            uploads::stored_name.eq(stored_name),
            uploads::original_name.eq(original_name),
            uploads::content_type.eq(content_type),
            uploads::size_bytes.eq(size_bytes),
            uploads::sha256.eq(sha256),
            uploads::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    uploads::table
        .filter(uploads::stored_name.eq(stored_name))
        .select(uploads::id)
        .first(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Upload>> {
    uploads::table
        .find(id)
        .select(Upload::as_select())
        .one(conn)
}
