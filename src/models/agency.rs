//! The agency library 中介机构库: one `agencies` row per agency account (created with the
//! account), its senior managers, practitioners, offered items with fees and time
//! commitments, qualification certificates, profile versions and the search index.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates, agency_items, agency_managers, agency_practitioners,
    agency_search_grams,
};

#[derive(Queryable, Selectable, Identifiable, Clone, Debug, Serialize)]
#[diesel(table_name = agencies, primary_key(user_id))]
pub struct Agency {
    pub user_id: i64,
    pub name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub address: String,
    pub region: String,
    pub contact_phone: String,
    pub affiliated: bool,
    pub affiliated_department_id: Option<i64>,
    pub intro: String,
    pub status: String,
    pub grade: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = agency_managers)]
pub struct Manager {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    /// Full ID number: stored for ban matching, never shown unmasked in public.
    pub id_number: String,
    pub position: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = agency_practitioners)]
pub struct Practitioner {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub cert_type: String,
    pub cert_number: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = agency_items)]
pub struct OfferedItem {
    pub id: i64,
    pub agency_id: i64,
    pub item_id: i64,
    pub fee_standard: String,
    pub fee_min_fen: Option<i64>,
    pub fee_max_fen: Option<i64>,
    pub committed_days: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = agency_certificates)]
pub struct Certificate {
    pub id: i64,
    pub agency_id: i64,
    pub qual_type: String,
    pub level: i32,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub upload_id: Option<i64>,
    pub status: String,
    pub review_due: NaiveDate,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Certificate {
    /// An approved certificate counts from its first day through its last; on the expiry
    /// day itself it no longer counts ("expired certificates stop counting on the day").
    pub fn counts_on(&self, day: NaiveDate) -> bool {
        self.status == "approved" && self.valid_from <= day && day < self.valid_to
    }
}

/// Creates the library row of a new agency account (inside the registration transaction).
pub fn create_for_user(
    conn: &mut DbConnection,
    user_id: i64,
    name: &str,
    uscc: &str,
    phone: &str,
) -> QueryResult<()> {
    let now = crate::db::now();
    diesel::insert_into(agencies::table)
        .values((
            agencies::user_id.eq(user_id),
            agencies::name.eq(name),
            agencies::uscc.eq(uscc),
            agencies::contact_phone.eq(phone),
            agencies::status.eq("active"),
            agencies::version.eq(1),
            agencies::created_at.eq(now),
            agencies::updated_at.eq(now),
        ))
        .execute(conn)?;
    reindex(conn, user_id)
}

pub fn find(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<Agency>> {
    agencies::table
        .find(user_id)
        .select(Agency::as_select())
        .first(conn)
        .optional()
}

pub fn managers(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Manager>> {
    agency_managers::table
        .filter(agency_managers::agency_id.eq(agency_id))
        .order(agency_managers::id)
        .select(Manager::as_select())
        .load(conn)
}

pub fn practitioners(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Practitioner>> {
    agency_practitioners::table
        .filter(agency_practitioners::agency_id.eq(agency_id))
        .order(agency_practitioners::id)
        .select(Practitioner::as_select())
        .load(conn)
}

pub fn offered_items(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<OfferedItem>> {
    agency_items::table
        .filter(agency_items::agency_id.eq(agency_id))
        .order(agency_items::id)
        .select(OfferedItem::as_select())
        .load(conn)
}

pub fn certificates(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Certificate>> {
    agency_certificates::table
        .filter(agency_certificates::agency_id.eq(agency_id))
        .order(agency_certificates::id)
        .select(Certificate::as_select())
        .load(conn)
}

/// Rebuilds the search grams of one agency from its name. (Items offered are searched through
/// the catalogue: an agency matches when it offers an item whose name or keywords match.)
pub fn reindex(conn: &mut DbConnection, agency_id: i64) -> QueryResult<()> {
    let name: String = agencies::table
        .find(agency_id)
        .select(agencies::name)
        .first(conn)?;
    let grams = crate::domain::search::grams(&name);
    diesel::delete(agency_search_grams::table.filter(agency_search_grams::agency_id.eq(agency_id)))
        .execute(conn)?;
    insert_grams(conn, agency_id, &grams)
}

/// Multi-row insert: not expressible through the shared connection, so per backend.
pub fn insert_grams(conn: &mut DbConnection, agency_id: i64, grams: &[String]) -> QueryResult<()> {
    for chunk in grams.chunks(200) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|g| {
                (
                    agency_search_grams::gram.eq(g.as_str()),
                    agency_search_grams::agency_id.eq(agency_id),
                )
            })
            .collect();
        match conn {
            DbConnection::Pg(c) => diesel::insert_into(agency_search_grams::table)
                .values(&rows)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(agency_search_grams::table)
                .values(&rows)
                .execute(c)?,
        };
    }
    Ok(())
}
