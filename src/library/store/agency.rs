//! The agency library 中介机构库: one `agencies` row per agency account (created with the
//! account), its senior managers, practitioners, offered items with fees and time
//! commitments, qualification certificates, profile versions and the search index.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates, agency_items, agency_managers, agency_practitioners,
    agency_search_grams, agency_versions,
};
use crate::domain::agency_rules::{self, CertFacts};
use crate::domain::mask;
use crate::domain::money::Money;
use crate::domain::status::{AgencyStatus, ReviewStatus};

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
    pub status: AgencyStatus,
    pub grade: Option<String>,
    /// Cached "blacklisted, banned or with a banned manager today" (crate::credit::store::sanctions).
    pub sanctioned: bool,
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
    pub fee_min_fen: Option<Money>,
    pub fee_max_fen: Option<Money>,
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
    pub status: ReviewStatus,
    pub review_due: NaiveDate,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Certificate {
    /// An approved certificate counts from its first day through its last; on the expiry
    /// day itself it no longer counts ("expired certificates stop counting on the day").
    /// The rule is `domain::agency_rules::counts_on`.
    pub fn counts_on(&self, day: NaiveDate) -> bool {
        agency_rules::counts_on(&self.facts(), day)
    }

    /// What the counting rules need (`agency_rules::valid_qualifications`, `meets`).
    pub fn facts(&self) -> CertFacts<'_> {
        CertFacts {
            qual_type: &self.qual_type,
            level: self.level,
            approved: self.status == ReviewStatus::Approved,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
    }
}

impl Manager {
    /// The ID number as every page shows it (the full number is kept for ban matching only).
    pub fn masked_id(&self) -> String {
        mask::mask_id(&self.id_number)
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
            agencies::status.eq(AgencyStatus::Active),
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
        .one(conn)
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

// ------------------------------------------------------------------ profile changes

/// The editable basics of a profile (name and USCC are fixed at registration).
#[derive(AsChangeset, Clone, Debug, Serialize)]
#[diesel(table_name = agencies, treat_none_as_null = true)]
pub struct ProfileFields {
    pub legal_rep: String,
    pub address: String,
    pub region: String,
    pub contact_phone: String,
    pub affiliated: bool,
    pub affiliated_department_id: Option<i64>,
    pub intro: String,
}

pub fn update_profile(
    conn: &mut DbConnection,
    agency_id: i64,
    f: &ProfileFields,
) -> QueryResult<()> {
    diesel::update(agencies::table.find(agency_id))
        .set((f, agencies::updated_at.eq(crate::db::now())))
        .execute(conn)?;
    Ok(())
}

pub fn add_manager(
    conn: &mut DbConnection,
    agency_id: i64,
    name: &str,
    id_number: &str,
    position: &str,
) -> QueryResult<()> {
    diesel::insert_into(agency_managers::table)
        .values((
            agency_managers::agency_id.eq(agency_id),
            agency_managers::name.eq(name),
            agency_managers::id_number.eq(id_number),
            agency_managers::position.eq(position),
            agency_managers::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_manager(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Manager>> {
    agency_managers::table
        .find(id)
        .select(Manager::as_select())
        .one(conn)
}

pub fn remove_manager(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(agency_managers::table.find(id)).execute(conn)
}

pub fn add_practitioner(
    conn: &mut DbConnection,
    agency_id: i64,
    name: &str,
    cert_type: &str,
    cert_number: &str,
) -> QueryResult<()> {
    diesel::insert_into(agency_practitioners::table)
        .values((
            agency_practitioners::agency_id.eq(agency_id),
            agency_practitioners::name.eq(name),
            agency_practitioners::cert_type.eq(cert_type),
            agency_practitioners::cert_number.eq(cert_number),
            agency_practitioners::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_practitioner(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Practitioner>> {
    agency_practitioners::table
        .find(id)
        .select(Practitioner::as_select())
        .one(conn)
}

pub fn remove_practitioner(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(agency_practitioners::table.find(id)).execute(conn)
}

/// What an agency publishes for one item it offers (明码标价, 承诺时限).
#[derive(Clone, Debug, Serialize)]
pub struct OfferTerms {
    pub fee_standard: String,
    pub fee_min_fen: Option<Money>,
    pub fee_max_fen: Option<Money>,
    pub committed_days: i32,
}

pub fn find_offered(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OfferedItem>> {
    agency_items::table
        .find(id)
        .select(OfferedItem::as_select())
        .one(conn)
}

pub fn offers_item(conn: &mut DbConnection, agency_id: i64, item_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        agency_items::table
            .filter(agency_items::agency_id.eq(agency_id))
            .filter(agency_items::item_id.eq(item_id)),
    ))
    .get_result(conn)
}

pub fn add_offered(
    conn: &mut DbConnection,
    agency_id: i64,
    item_id: i64,
    t: &OfferTerms,
) -> QueryResult<()> {
    diesel::insert_into(agency_items::table)
        .values((
            agency_items::agency_id.eq(agency_id),
            agency_items::item_id.eq(item_id),
            agency_items::fee_standard.eq(&t.fee_standard),
            agency_items::fee_min_fen.eq(t.fee_min_fen.map(Money::fen)),
            agency_items::fee_max_fen.eq(t.fee_max_fen.map(Money::fen)),
            agency_items::committed_days.eq(t.committed_days),
            agency_items::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update_offered(conn: &mut DbConnection, id: i64, t: &OfferTerms) -> QueryResult<usize> {
    diesel::update(agency_items::table.find(id))
        .set((
            agency_items::fee_standard.eq(&t.fee_standard),
            agency_items::fee_min_fen.eq(t.fee_min_fen.map(Money::fen)),
            agency_items::fee_max_fen.eq(t.fee_max_fen.map(Money::fen)),
            agency_items::committed_days.eq(t.committed_days),
        ))
        .execute(conn)
}

pub fn remove_offered(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(agency_items::table.find(id)).execute(conn)
}

// ------------------------------------------------------------------ certificates

/// A certificate as submitted (status pending until a regulator reviews it).
#[derive(Clone, Debug, Serialize)]
pub struct NewCertificate {
    pub agency_id: i64,
    pub qual_type: String,
    pub level: i32,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub upload_id: Option<i64>,
    pub review_due: NaiveDate,
}

/// Inserts a pending certificate and returns its id (re-read by agency, number and time).
pub fn add_certificate(conn: &mut DbConnection, n: &NewCertificate) -> QueryResult<i64> {
    let now = crate::db::now();
    diesel::insert_into(agency_certificates::table)
        .values((
            agency_certificates::agency_id.eq(n.agency_id),
            agency_certificates::qual_type.eq(&n.qual_type),
            agency_certificates::level.eq(n.level),
            agency_certificates::number.eq(&n.number),
            agency_certificates::issuer.eq(&n.issuer),
            agency_certificates::valid_from.eq(n.valid_from),
            agency_certificates::valid_to.eq(n.valid_to),
            agency_certificates::upload_id.eq(n.upload_id),
            agency_certificates::status.eq(ReviewStatus::Pending),
            agency_certificates::review_due.eq(n.review_due),
            agency_certificates::created_at.eq(now),
        ))
        .execute(conn)?;
    agency_certificates::table
        .filter(agency_certificates::agency_id.eq(n.agency_id))
        .filter(agency_certificates::number.eq(&n.number))
        .filter(agency_certificates::created_at.eq(now))
        .order(agency_certificates::id.desc())
        .select(agency_certificates::id)
        .first(conn)
}

pub fn find_certificate(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Certificate>> {
    agency_certificates::table
        .find(id)
        .select(Certificate::as_select())
        .one(conn)
}

/// Pending certificates of the given qualification types, oldest due first, with the name
/// of the agency.
pub fn review_queue(
    conn: &mut DbConnection,
    qual_types: &[&str],
) -> QueryResult<Vec<(Certificate, String)>> {
    agency_certificates::table
        .inner_join(agencies::table)
        .filter(agency_certificates::status.eq(ReviewStatus::Pending))
        .filter(agency_certificates::qual_type.eq_any(qual_types))
        .order((agency_certificates::review_due, agency_certificates::id))
        .select((Certificate::as_select(), agencies::name))
        .load(conn)
}

/// Records a review decision. Only a pending certificate can be decided, so two regulators
/// deciding at once cannot both succeed; returns whether this decision was recorded.
pub fn review_certificate(
    conn: &mut DbConnection,
    id: i64,
    approve: bool,
    reason: Option<&str>,
    reviewer: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        agency_certificates::table
            .find(id)
            .filter(agency_certificates::status.eq(ReviewStatus::Pending)),
    )
    .set((
        agency_certificates::status.eq(if approve {
            ReviewStatus::Approved
        } else {
            ReviewStatus::Rejected
        }),
        agency_certificates::review_reason.eq(reason),
        agency_certificates::reviewed_by.eq(Some(reviewer)),
        agency_certificates::reviewed_at.eq(Some(crate::db::now())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ------------------------------------------------------------------ versions

/// Everything of one agency's profile, as its pages show it.
pub struct Profile {
    pub agency: Agency,
    pub managers: Vec<Manager>,
    pub practitioners: Vec<Practitioner>,
    pub items: Vec<OfferedItem>,
    pub certificates: Vec<Certificate>,
}

pub fn profile(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Option<Profile>> {
    let Some(agency) = find(conn, agency_id)? else {
        return Ok(None);
    };
    Ok(Some(Profile {
        managers: managers(conn, agency_id)?,
        practitioners: practitioners(conn, agency_id)?,
        items: offered_items(conn, agency_id)?,
        certificates: certificates(conn, agency_id)?,
        agency,
    }))
}

#[derive(Serialize)]
pub struct ManagerSnap {
    pub name: String,
    /// Masked: a version snapshot is not a place to keep personal numbers.
    pub id_number: String,
    pub position: String,
}

#[derive(Serialize)]
pub struct CertSnap {
    pub id: i64,
    pub qual_type: String,
    pub level: i32,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub status: ReviewStatus,
}

/// The profile as it stood after a change, as stored in `agency_versions.snapshot` and as the
/// state of the audit entry.
#[derive(Serialize)]
pub struct Snapshot {
    pub version: i32,
    pub name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub address: String,
    pub region: String,
    pub contact_phone: String,
    pub affiliated: bool,
    pub affiliated_department_id: Option<i64>,
    pub intro: String,
    pub status: AgencyStatus,
    pub managers: Vec<ManagerSnap>,
    pub practitioners: Vec<(String, String, String)>,
    pub items: Vec<OfferTermsSnap>,
    pub certificates: Vec<CertSnap>,
}

#[derive(Serialize)]
pub struct OfferTermsSnap {
    pub item_id: i64,
    pub fee_standard: String,
    pub fee_min_fen: Option<Money>,
    pub fee_max_fen: Option<Money>,
    pub committed_days: i32,
}

impl Profile {
    pub fn snapshot(&self) -> Snapshot {
        let a = &self.agency;
        Snapshot {
            version: a.version,
            name: a.name.clone(),
            uscc: a.uscc.clone(),
            legal_rep: a.legal_rep.clone(),
            address: a.address.clone(),
            region: a.region.clone(),
            contact_phone: a.contact_phone.clone(),
            affiliated: a.affiliated,
            affiliated_department_id: a.affiliated_department_id,
            intro: a.intro.clone(),
            status: a.status,
            managers: self
                .managers
                .iter()
                .map(|m| ManagerSnap {
                    name: m.name.clone(),
                    id_number: m.masked_id(),
                    position: m.position.clone(),
                })
                .collect(),
            practitioners: self
                .practitioners
                .iter()
                .map(|p| (p.name.clone(), p.cert_type.clone(), p.cert_number.clone()))
                .collect(),
            items: self
                .items
                .iter()
                .map(|i| OfferTermsSnap {
                    item_id: i.item_id,
                    fee_standard: i.fee_standard.clone(),
                    fee_min_fen: i.fee_min_fen,
                    fee_max_fen: i.fee_max_fen,
                    committed_days: i.committed_days,
                })
                .collect(),
            certificates: self
                .certificates
                .iter()
                .map(|c| CertSnap {
                    id: c.id,
                    qual_type: c.qual_type.clone(),
                    level: c.level,
                    number: c.number.clone(),
                    issuer: c.issuer.clone(),
                    valid_from: c.valid_from,
                    valid_to: c.valid_to,
                    status: c.status,
                })
                .collect(),
        }
    }
}

/// Closes a profile change: bumps `agencies.version`, stores the profile as it now stands in
/// `agency_versions` and returns that snapshot (the caller records it in the audit trail).
/// Call inside the change's transaction.
pub fn save_version(
    conn: &mut DbConnection,
    agency_id: i64,
    actor_id: Option<i64>,
) -> QueryResult<Snapshot> {
    let now = crate::db::now();
    diesel::update(agencies::table.find(agency_id))
        .set((
            agencies::version.eq(agencies::version + 1),
            agencies::updated_at.eq(now),
        ))
        .execute(conn)?;
    let p = profile(conn, agency_id)?.ok_or(diesel::result::Error::NotFound)?;
    let snap = p.snapshot();
    let json = serde_json::to_string(&snap).unwrap_or_default();
    diesel::insert_into(agency_versions::table)
        .values((
            agency_versions::agency_id.eq(agency_id),
            agency_versions::version.eq(snap.version),
            agency_versions::snapshot.eq(json),
            agency_versions::actor_id.eq(actor_id),
            agency_versions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(snap)
}

/// Number of stored versions of a profile.
pub fn version_count(conn: &mut DbConnection, agency_id: i64) -> QueryResult<i64> {
    agency_versions::table
        .filter(agency_versions::agency_id.eq(agency_id))
        .count()
        .get_result(conn)
}
