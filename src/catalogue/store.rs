//! The service-item catalogue 中介服务事项库: items, their required qualifications, the
//! adjustment log (动态调整) and regional assessments. Every change to an item goes through
//! [`save_item`], which bumps the version and writes the adjustment in the same transaction.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    catalogue_adjustments, catalogue_item_quals, catalogue_items, regional_assessments,
};
use crate::domain::money::Money;
use crate::domain::status::{AdjustmentKind, AgencyStatus, ItemStatus};

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
    pub price_min_fen: Option<Money>,
    pub price_max_fen: Option<Money>,
    pub fee_basis: String,
    pub payer: String,
    pub self_preparable: bool,
    pub regional_assessment: bool,
    pub status: ItemStatus,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Item {
    /// Only a published, retained item can be the subject of new work (清单之外不得作为受理条件).
    pub fn usable(&self) -> bool {
        self.status == ItemStatus::Retained
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
    pub kind: AdjustmentKind,
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
        .one(conn)
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
        .filter(catalogue_items::status.eq(ItemStatus::Retained))
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
    pub status: ItemStatus,
    pub kind: AdjustmentKind,
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

// ---------------------------------------------------------------- reading the catalogue

use crate::db::schema::{agencies, agency_items, departments, users};
use crate::domain::catalogue_rules::{self, Coverage, ValidItem};

impl ItemFields {
    /// The stored form of a validated item (money in fen).
    pub fn from_valid(v: &ValidItem) -> ItemFields {
        ItemFields {
            code: v.code.clone(),
            name: v.name.clone(),
            keywords: v.keywords.clone(),
            industry: v.industry.clone(),
            approval_name: v.approval_name.clone(),
            department_id: v.department_id,
            legal_basis: v.legal_basis.clone(),
            guide_basis: v.guide_basis.clone(),
            guide_scope: v.guide_scope.clone(),
            guide_object: v.guide_object.clone(),
            guide_content: v.guide_content.clone(),
            guide_method: v.guide_method.clone(),
            guide_conclusion: v.guide_conclusion.clone(),
            time_limit_days: v.time_limit_days,
            pricing: v.pricing.code().to_string(),
            price_min_fen: v.price_min.map(|m| m.fen()),
            price_max_fen: v.price_max.map(|m| m.fen()),
            fee_basis: v.fee_basis.clone(),
            payer: v.payer.clone(),
            self_preparable: v.self_preparable,
            regional_assessment: v.regional_assessment,
        }
    }

    /// The fields of an existing item (to re-save it with another status, e.g. cancel).
    pub fn of(item: &Item) -> ItemFields {
        ItemFields {
            code: item.code.clone(),
            name: item.name.clone(),
            keywords: item.keywords.clone(),
            industry: item.industry.clone(),
            approval_name: item.approval_name.clone(),
            department_id: item.department_id,
            legal_basis: item.legal_basis.clone(),
            guide_basis: item.guide_basis.clone(),
            guide_scope: item.guide_scope.clone(),
            guide_object: item.guide_object.clone(),
            guide_content: item.guide_content.clone(),
            guide_method: item.guide_method.clone(),
            guide_conclusion: item.guide_conclusion.clone(),
            time_limit_days: item.time_limit_days,
            pricing: item.pricing.clone(),
            price_min_fen: item.price_min_fen.map(Money::fen),
            price_max_fen: item.price_max_fen.map(Money::fen),
            fee_basis: item.fee_basis.clone(),
            payer: item.payer.clone(),
            self_preparable: item.self_preparable,
            regional_assessment: item.regional_assessment,
        }
    }
}

/// Qualification requirements as (type, minimum level) pairs, the shape `save_item` takes.
pub fn qual_pairs(q: &[ItemQual]) -> Vec<(String, i32)> {
    q.iter()
        .map(|q| (q.qual_type.clone(), q.min_level))
        .collect()
}

/// Published items (retained, cancelled, or both) matching the filter's stored columns; the
/// search text is applied by the caller with `catalogue_rules::matches_query`.
pub fn list_published(
    conn: &mut DbConnection,
    industry: Option<&str>,
    department_id: Option<i64>,
    pricing: Option<&str>,
    status: Option<ItemStatus>,
) -> QueryResult<Vec<Item>> {
    let mut q = catalogue_items::table
        .filter(catalogue_items::status.ne(ItemStatus::Draft))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(catalogue_items::status.eq(s));
    }
    if let Some(i) = industry {
        q = q.filter(catalogue_items::industry.eq(i.to_string()));
    }
    if let Some(d) = department_id {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    if let Some(p) = pricing {
        q = q.filter(catalogue_items::pricing.eq(p.to_string()));
    }
    q.order(catalogue_items::code)
        .select(Item::as_select())
        .load(conn)
}

/// Drafts awaiting publication: all of them, or one department's.
pub fn drafts(conn: &mut DbConnection, department_id: Option<i64>) -> QueryResult<Vec<Item>> {
    let mut q = catalogue_items::table
        .filter(catalogue_items::status.eq(ItemStatus::Draft))
        .into_boxed();
    if let Some(d) = department_id {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    q.order(catalogue_items::code)
        .select(Item::as_select())
        .load(conn)
}

pub fn quals_of_items(conn: &mut DbConnection, item_ids: &[i64]) -> QueryResult<Vec<ItemQual>> {
    catalogue_item_quals::table
        .filter(catalogue_item_quals::item_id.eq_any(item_ids))
        .order((
            catalogue_item_quals::item_id,
            catalogue_item_quals::qual_type,
        ))
        .select(ItemQual::as_select())
        .load(conn)
}

/// An adjustment with its item's code and name and the actor's role and department.
type ChangeRow = (Adjustment, String, String, Option<String>, Option<i64>);

/// One line of the public change log.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeEntry {
    pub adjustment: Adjustment,
    pub item_code: String,
    pub item_name: String,
    /// The acting account's role and department (never the person), when a person acted.
    pub actor_role: Option<String>,
    pub actor_department_id: Option<i64>,
}

/// The public change log (动态调整), newest first: every adjustment of a published item from
/// its publication on. Work on a draft before publication is not public. `item_id` narrows
/// it to one item's history.
pub fn public_changes(
    conn: &mut DbConnection,
    item_id: Option<i64>,
) -> QueryResult<Vec<ChangeEntry>> {
    let mut q = catalogue_adjustments::table
        .inner_join(catalogue_items::table)
        .left_join(users::table.on(catalogue_adjustments::actor_id.eq(users::id.nullable())))
        .filter(catalogue_items::status.ne(ItemStatus::Draft))
        .into_boxed();
    if let Some(id) = item_id {
        q = q.filter(catalogue_adjustments::item_id.eq(id));
    }
    let rows: Vec<ChangeRow> = q
        .order((
            catalogue_adjustments::created_at.desc(),
            catalogue_adjustments::id.desc(),
        ))
        .select((
            Adjustment::as_select(),
            catalogue_items::code,
            catalogue_items::name,
            users::role.nullable(),
            users::department_id.nullable(),
        ))
        .load(conn)?;
    // The publication is the item's last `add`; anything before it was draft work.
    let mut adds = catalogue_adjustments::table
        .filter(catalogue_adjustments::kind.eq(AdjustmentKind::Add))
        .into_boxed();
    if let Some(id) = item_id {
        adds = adds.filter(catalogue_adjustments::item_id.eq(id));
    }
    let adds: Vec<(i64, i32)> = adds
        .select((
            catalogue_adjustments::item_id,
            catalogue_adjustments::version,
        ))
        .load(conn)?;
    let published_at = |item: i64| {
        adds.iter()
            .filter(|(i, _)| *i == item)
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(1)
    };
    Ok(rows
        .into_iter()
        .filter(|(a, ..)| a.version >= published_at(a.item_id))
        .map(
            |(adjustment, item_code, item_name, role, dept)| ChangeEntry {
                adjustment,
                item_code,
                item_name,
                actor_role: role,
                actor_department_id: dept,
            },
        )
        .collect())
}

impl Coverage for RegionalAssessment {
    fn zone(&self) -> &str {
        &self.zone
    }
    fn valid_until(&self) -> NaiveDate {
        self.valid_until
    }
}

/// Assessments of an item still in force on `today`, latest expiry first.
pub fn assessments_in_force(
    conn: &mut DbConnection,
    item_id: i64,
    today: NaiveDate,
) -> QueryResult<Vec<RegionalAssessment>> {
    regional_assessments::table
        .filter(regional_assessments::item_id.eq(item_id))
        .filter(regional_assessments::valid_until.ge(today))
        .order((
            regional_assessments::zone,
            regional_assessments::valid_until.desc(),
        ))
        .select(RegionalAssessment::as_select())
        .load(conn)
}

/// The regional assessment that covers `item_id` in `zone` on `today`, if any. The owner's
/// project form calls this to tell the owner the item need not be commissioned.
pub fn assessment_for(
    conn: &mut DbConnection,
    item_id: i64,
    zone: &str,
    today: NaiveDate,
) -> QueryResult<Option<RegionalAssessment>> {
    let list: Vec<RegionalAssessment> = regional_assessments::table
        .filter(regional_assessments::item_id.eq(item_id))
        .filter(regional_assessments::zone.eq(zone))
        .select(RegionalAssessment::as_select())
        .load(conn)?;
    Ok(catalogue_rules::covered(zone, today, &list).cloned())
}

pub fn find_assessment(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<RegionalAssessment>> {
    regional_assessments::table
        .find(id)
        .select(RegionalAssessment::as_select())
        .one(conn)
}

/// Records a regional assessment; returns its id. Call inside `write_tx`.
pub fn insert_assessment(
    conn: &mut DbConnection,
    item_id: i64,
    zone: &str,
    title: &str,
    upload_id: Option<i64>,
    valid_until: NaiveDate,
    recorded_by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(regional_assessments::table)
        .values((
            regional_assessments::item_id.eq(item_id),
            regional_assessments::zone.eq(zone),
            regional_assessments::title.eq(title),
            regional_assessments::upload_id.eq(upload_id),
            regional_assessments::valid_until.eq(valid_until),
            regional_assessments::recorded_by.eq(recorded_by),
            regional_assessments::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    // Inside the write transaction nobody else has inserted since.
    regional_assessments::table
        .filter(regional_assessments::item_id.eq(item_id))
        .filter(regional_assessments::recorded_by.eq(recorded_by))
        .order(regional_assessments::id.desc())
        .select(regional_assessments::id)
        .first(conn)
}

/// An active agency that offers an item, with its published fee standard and commitment.
#[derive(Clone, Debug, Serialize)]
pub struct Offer {
    pub agency_id: i64,
    pub name: String,
    pub region: String,
    pub grade: Option<String>,
    pub fee_standard: String,
    pub committed_days: i32,
}

pub fn offering_agencies(conn: &mut DbConnection, item_id: i64) -> QueryResult<Vec<Offer>> {
    let rows: Vec<(i64, String, String, Option<String>, String, i32)> = agency_items::table
        .inner_join(agencies::table)
        .filter(agency_items::item_id.eq(item_id))
        .filter(agencies::status.eq(AgencyStatus::Active))
        // Blacklisted, banned or with a banned manager: not offered (the daily job keeps the
        // cache in step with listings that end by themselves).
        .filter(agencies::sanctioned.eq(false))
        .order(agencies::name)
        .select((
            agencies::user_id,
            agencies::name,
            agencies::region,
            agencies::grade,
            agency_items::fee_standard,
            agency_items::committed_days,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(agency_id, name, region, grade, fee_standard, committed_days)| Offer {
                agency_id,
                name,
                region,
                grade,
                fee_standard,
                committed_days,
            },
        )
        .collect())
}

/// Department codes (for the filter by department).
pub fn department_codes(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    departments::table
        .order(departments::id)
        .select((departments::id, departments::code))
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    catalogue_items::table.count().get_result(conn)
}
