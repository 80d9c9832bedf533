//! The service-item catalogue 中介服务事项库: items, their required qualifications, the
//! adjustment log (动态调整) and regional assessments. Every change to an item goes through
//! [`save_item`], which bumps the version and writes the adjustment in the same transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    catalogue_adjustments, catalogue_item_quals, catalogue_items, regional_assessments,
};

#[derive(Queryable, Selectable, Identifiable, Clone, Debug, Serialize)]
#[diesel(table_name = catalogue_items)]
pub struct Item {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub keywords: String,
    pub industry: String,
    pub approval_name: String,
    pub department_id: i64,
    pub legal_basis: String,
    pub guide_basis: String,
    pub guide_scope: String,
    pub guide_object: String,
    pub guide_content: String,
    pub guide_method: String,
    pub guide_conclusion: String,
    pub time_limit_days: i32,
    pub pricing: String,
    pub price_min_fen: Option<i64>,
    pub price_max_fen: Option<i64>,
    pub fee_basis: String,
    pub payer: String,
    pub self_preparable: bool,
    pub regional_assessment: bool,
    pub status: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Item {
    /// Only a published, retained item can be the subject of new work (清单之外不得作为受理条件).
    pub fn usable(&self) -> bool {
        self.status == "retained"
    }
}

/// The editable fields of an item (what a form or the demo supplies).
#[derive(Insertable, AsChangeset, Clone, Debug, Serialize)]
#[diesel(table_name = catalogue_items)]
pub struct ItemFields {
    pub code: String,
    pub name: String,
    pub keywords: String,
    pub industry: String,
    pub approval_name: String,
    pub department_id: i64,
    pub legal_basis: String,
    pub guide_basis: String,
    pub guide_scope: String,
    pub guide_object: String,
    pub guide_content: String,
    pub guide_method: String,
    pub guide_conclusion: String,
    pub time_limit_days: i32,
    pub pricing: String,
    pub price_min_fen: Option<i64>,
    pub price_max_fen: Option<i64>,
    pub fee_basis: String,
    pub payer: String,
    pub self_preparable: bool,
    pub regional_assessment: bool,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = catalogue_item_quals)]
pub struct ItemQual {
    pub id: i64,
    pub item_id: i64,
    pub qual_type: String,
    pub min_level: i32,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = catalogue_adjustments)]
pub struct Adjustment {
    pub id: i64,
    pub item_id: i64,
    pub version: i32,
    pub kind: String,
    pub reason: String,
    pub basis: String,
    pub snapshot: String,
    pub actor_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = regional_assessments)]
pub struct RegionalAssessment {
    pub id: i64,
    pub zone: String,
    pub item_id: i64,
    pub title: String,
    pub upload_id: Option<i64>,
    pub valid_until: NaiveDate,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Item>> {
    catalogue_items::table
        .find(id)
        .select(Item::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Item>> {
    catalogue_items::table
        .filter(catalogue_items::code.eq(code))
        .select(Item::as_select())
        .first(conn)
        .optional()
}

/// Retained items, by code (for selects in agency and owner forms).
pub fn retained(conn: &mut DbConnection) -> QueryResult<Vec<Item>> {
    catalogue_items::table
        .filter(catalogue_items::status.eq("retained"))
        .order(catalogue_items::code)
        .select(Item::as_select())
        .load(conn)
}

pub fn quals_of(conn: &mut DbConnection, item_id: i64) -> QueryResult<Vec<ItemQual>> {
    catalogue_item_quals::table
        .filter(catalogue_item_quals::item_id.eq(item_id))
        .order(catalogue_item_quals::qual_type)
        .select(ItemQual::as_select())
        .load(conn)
}

/// What an adjustment records: the item and its qualification requirements afterwards.
#[derive(Serialize)]
pub struct Snapshot<'a> {
    pub item: &'a Item,
    pub quals: &'a [(String, i32)],
}

/// What kind of change, why, on what basis and by whom (all recorded in the adjustment).
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The item's status afterwards.
    pub status: &'a str,
    /// add / modify / cancel.
    pub kind: &'a str,
    pub reason: &'a str,
    pub basis: &'a str,
    pub actor_id: Option<i64>,
}

/// The one way to change the catalogue. `kind` is add / modify / cancel / publish (publish is
/// recorded as `add` for the public log when a draft becomes retained). Writes the item,
/// replaces its qualification list, bumps the version and appends the adjustment; returns
/// the item id. The caller wraps this in `write_tx` and appends the audit entry.
pub fn save_item(
    conn: &mut DbConnection,
    existing: Option<&Item>,
    fields: &ItemFields,
    quals: &[(String, i32)],
    change: &Change<'_>,
) -> QueryResult<i64> {
    let Change {
        status,
        kind,
        reason,
        basis,
        actor_id,
    } = *change;
    let now = crate::db::now();
    let (id, version) = match existing {
        Some(item) => {
            diesel::update(catalogue_items::table.find(item.id))
                .set((
                    fields,
                    catalogue_items::status.eq(status),
                    catalogue_items::version.eq(item.version + 1),
                    catalogue_items::updated_at.eq(now),
                ))
                .execute(conn)?;
            (item.id, item.version + 1)
        }
        None => {
            diesel::insert_into(catalogue_items::table)
                .values((
                    fields,
                    catalogue_items::status.eq(status),
                    catalogue_items::version.eq(1),
                    catalogue_items::created_at.eq(now),
                    catalogue_items::updated_at.eq(now),
                ))
                .execute(conn)?;
            let id = catalogue_items::table
                .filter(catalogue_items::code.eq(&fields.code))
                .select(catalogue_items::id)
                .first(conn)?;
            (id, 1)
        }
    };
    diesel::delete(catalogue_item_quals::table.filter(catalogue_item_quals::item_id.eq(id)))
        .execute(conn)?;
    for (t, l) in quals {
        diesel::insert_into(catalogue_item_quals::table)
            .values((
                catalogue_item_quals::item_id.eq(id),
                catalogue_item_quals::qual_type.eq(t),
                catalogue_item_quals::min_level.eq(l),
            ))
            .execute(conn)?;
    }
    let item = find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let snapshot = serde_json::to_string(&Snapshot { item: &item, quals }).unwrap_or_default();
    diesel::insert_into(catalogue_adjustments::table)
        .values((
            catalogue_adjustments::item_id.eq(id),
            catalogue_adjustments::version.eq(version),
            catalogue_adjustments::kind.eq(kind),
            catalogue_adjustments::reason.eq(reason),
            catalogue_adjustments::basis.eq(basis),
            catalogue_adjustments::snapshot.eq(snapshot),
            catalogue_adjustments::actor_id.eq(actor_id),
            catalogue_adjustments::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}
