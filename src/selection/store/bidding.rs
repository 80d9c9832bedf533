//! Registration, eligibility at each step, sealed quotes and receipts.
//!
//! A quote is stored sealed (`domain::seal`): before opening, the `quotes` row holds only the
//! sealed box, the receipt commitment and bookkeeping (version, revision, time, address). What
//! the box holds (amount, nonce, note) is written in clear only by the opening step, into
//! `quote_openings`.

use chrono::{NaiveDateTime, TimeZone};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    agencies, agency_certificates, agency_items, agency_managers, announcement_avoided,
    announcements, banned_persons, blacklist_entries, catalogue_item_quals, catalogue_items,
    market_bans, projects, quote_receipts, quotes, registrations,
};
use crate::db::{DbConnection, OneRow};
use crate::domain::agency_rules::CertFacts;
use crate::domain::credit::Grade;
use crate::domain::eligibility::{self, Facts, Ineligible};
use crate::domain::money::Money;
use crate::domain::selection::Limits;
use crate::domain::status::{AnnouncementStatus, QuoteStatus, ReceiptKind};
use crate::selection::store::announcement::{self, Announcement};

/// Every eligibility rule for `agency_id` on announcement `a`, with the facts of
/// `day` (registration, quoting and opening all call this).
pub fn eligibility(
    conn: &mut DbConnection,
    a: &Announcement,
    agency_id: i64,
    day: chrono::NaiveDate,
) -> QueryResult<Result<(), Vec<Ineligible>>> {
    Ok(eligibility_many(conn, a, &[agency_id], day)?
        .remove(&agency_id)
        .unwrap_or(Err(vec![Ineligible::NotActive])))
}

/// [`eligibility`] for many agencies at once, in a fixed number of queries (the opening step
/// checks every bidder again). An id that is not an agency is refused as not active.
pub fn eligibility_many(
    conn: &mut DbConnection,
    a: &Announcement,
    agency_ids: &[i64],
    day: chrono::NaiveDate,
) -> QueryResult<std::collections::HashMap<i64, Result<(), Vec<Ineligible>>>> {
    let rows: Vec<(i64, String, Option<i64>, Option<String>)> = agencies::table
        .filter(agencies::user_id.eq_any(agency_ids))
        .select((
            agencies::user_id,
            agencies::status,
            agencies::affiliated_department_id,
            agencies::grade,
        ))
        .load(conn)?;
    let offering: std::collections::HashSet<i64> = agency_items::table
        .filter(agency_items::item_id.eq(a.item_id))
        .filter(agency_items::agency_id.eq_any(agency_ids))
        .select(agency_items::agency_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let approval_department_id: i64 = catalogue_items::table
        .find(a.item_id)
        .select(catalogue_items::department_id)
        .first(conn)?;
    let agencies = rows
        .into_iter()
        .map(|(agency_id, status, affiliated, grade)| AgencyRow {
            agency_id,
            status,
            affiliated,
            grade,
            offers_item: offering.contains(&agency_id),
        })
        .collect();
    judge(conn, a, agencies, approval_department_id, day, None)
}

/// What the eligibility rules read of an agency's own row.
pub struct AgencyRow {
    pub agency_id: i64,
    pub status: String,
    pub affiliated: Option<i64>,
    pub grade: Option<String>,
    /// Whether it offers the announcement's item.
    pub offers_item: bool,
}

/// What a one-agency check already knows from the agency's row (`quote_facts`): whether it
/// has any sanction record at all (a blacklist entry, a market ban, or a manager named in
/// a ban), and whether the owner avoids it. An agency with no record has no restriction,
/// so its sanctions are not read.
#[derive(Clone, Copy)]
struct Known {
    any_sanction: bool,
    avoided: bool,
}

/// The eligibility rules for agencies whose rows are read: their sanctions (live, for `day`)
/// and certificates, the item's required qualifications and the announcement's avoided
/// agencies, in a fixed number of queries (two when `known` already answers the sanctions
/// and the avoided agencies).
fn judge(
    conn: &mut DbConnection,
    a: &Announcement,
    agencies: Vec<AgencyRow>,
    approval_department_id: i64,
    day: chrono::NaiveDate,
    known: Option<Known>,
) -> QueryResult<std::collections::HashMap<i64, Result<(), Vec<Ineligible>>>> {
    let ids: Vec<i64> = agencies.iter().map(|r| r.agency_id).collect();
    let sanctions = match known {
        Some(k) if !k.any_sanction => std::collections::HashMap::new(),
        _ => crate::credit::store::sanctions::facts_many(conn, &ids)?,
    };
    let mut certs = certificates_of(conn, &ids)?;
    let required = required_quals(conn, a.item_id)?;
    let avoided = match known {
        Some(k) if k.avoided => ids.clone(),
        Some(_) => Vec::new(),
        None => announcement::avoided(conn, a.id)?,
    };
    let deadline_day =
        crate::domain::workdays::china_date(chrono::Utc.from_utc_datetime(&a.deadline));
    let mut out = std::collections::HashMap::with_capacity(agencies.len());
    for r in agencies {
        // `day` is the day of the check: restrictions are read for it; certificates must
        // count on the deadline's day.
        let restrictions = sanctions
            .get(&r.agency_id)
            .map(|f| crate::domain::credit::restrictions(f, day))
            .unwrap_or_default();
        let held = certs.remove(&r.agency_id).unwrap_or_default();
        let certificates: Vec<CertFacts<'_>> = held.iter().map(CertRow::facts).collect();
        let facts = Facts {
            agency_id: r.agency_id,
            status: &r.status,
            offers_item: r.offers_item,
            restrictions: &restrictions,
            certificates: &certificates,
            required: &required,
            deadline_day,
            affiliated_department_id: r.affiliated,
            approval_department_id,
            avoided: &avoided,
            grade: r.grade.as_deref().and_then(Grade::parse),
            min_grade: a.min_grade(),
        };
        out.insert(r.agency_id, eligibility::check(&facts));
    }
    Ok(out)
}

/// Everything a quote is checked against before its write, read in few statements (issue 17:
/// the quote request's statements): the announcement with its project's name and its item's
/// approval department and price range in one, the agency's row with its account, whether it
/// offers the item, whether it registered, whether it has any sanction record and whether
/// the owner avoids it in another, then the eligibility rules' own reads ([`judge`]): two
/// (certificates, the item's qualifications) for an agency without a sanction record.
pub struct QuoteFacts {
    pub announcement: Announcement,
    pub project: String,
    /// `None`: the announcement has no cap, so it takes no quotes.
    pub limits: Option<Limits>,
    pub registered: bool,
    pub eligible: Result<(), Vec<Ineligible>>,
    /// The agency's account (its receipt mail); `None` if it has none.
    pub agency: Option<crate::accounts::store::user::User>,
}

/// [`QuoteFacts`] of agency `me` on announcement `id` (`None`: no such announcement). The
/// registration and eligibility are only read as far as the rules ask for them (a mode that
/// takes no quotes, an agency that did not register).
pub fn quote_facts(
    conn: &mut DbConnection,
    id: i64,
    me: i64,
    day: chrono::NaiveDate,
) -> QueryResult<Option<QuoteFacts>> {
    use crate::accounts::store::user::User;
    use crate::db::schema::users;
    type Head = (Announcement, String, i64, String, Option<i64>, Option<i64>);
    let head: Option<Head> = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::id.eq(id))
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::department_id,
            catalogue_items::pricing,
            catalogue_items::price_min_fen,
            catalogue_items::price_max_fen,
        ))
        .one(conn)?;
    let Some((a, project, approval_department_id, pricing, min, max)) = head else {
        return Ok(None);
    };
    let limits = a.cap.map(|cap| Limits {
        cap,
        gov_range: price_range(&pricing, min, max),
    });
    type Row = (
        i64,
        String,
        Option<i64>,
        Option<String>,
        User,
        bool,
        bool,
        bool,
        bool,
    );
    // Whether the agency has any sanction record (the rules read them only then) and whether
    // the owner avoids it, as flags on the agency's row rather than reads of their own.
    let blacklisted =
        diesel::dsl::exists(blacklist_entries::table.filter(blacklist_entries::agency_id.eq(me)));
    let banned = diesel::dsl::exists(market_bans::table.filter(market_bans::agency_id.eq(me)));
    let manager_banned = diesel::dsl::exists(
        agency_managers::table
            .filter(agency_managers::agency_id.eq(me))
            .filter(
                agency_managers::id_number
                    .eq_any(banned_persons::table.select(banned_persons::id_number)),
            ),
    );
    let row: Option<Row> = agencies::table
        .inner_join(users::table.on(users::id.eq(agencies::user_id)))
        .filter(agencies::user_id.eq(me))
        .select((
            agencies::user_id,
            agencies::status,
            agencies::affiliated_department_id,
            agencies::grade,
            User::as_select(),
            diesel::dsl::exists(
                agency_items::table
                    .filter(agency_items::item_id.eq(a.item_id))
                    .filter(agency_items::agency_id.eq(me)),
            ),
            diesel::dsl::exists(
                registrations::table
                    .filter(registrations::announcement_id.eq(id))
                    .filter(registrations::agency_id.eq(me)),
            ),
            blacklisted.or(banned).or(manager_banned),
            diesel::dsl::exists(
                announcement_avoided::table
                    .filter(announcement_avoided::announcement_id.eq(id))
                    .filter(announcement_avoided::agency_id.eq(me)),
            ),
        ))
        .one(conn)?;
    let takes_quotes = a.mode().is_some_and(|m| m.takes_quotes());
    let (registered, eligible, agency) = match row {
        Some((
            agency_id,
            status,
            affiliated,
            grade,
            user,
            offers_item,
            registered,
            any_sanction,
            avoided,
        )) => {
            let eligible = if takes_quotes && registered {
                let r = AgencyRow {
                    agency_id,
                    status,
                    affiliated,
                    grade,
                    offers_item,
                };
                let known = Known {
                    any_sanction,
                    avoided,
                };
                judge(conn, &a, vec![r], approval_department_id, day, Some(known))?
                    .remove(&me)
                    .unwrap_or(Err(vec![Ineligible::NotActive]))
            } else {
                Err(vec![Ineligible::NotActive])
            };
            (registered, eligible, Some(user))
        }
        None => (false, Err(vec![Ineligible::NotActive]), None),
    };
    Ok(Some(QuoteFacts {
        announcement: a,
        project,
        limits,
        registered,
        eligible,
        agency,
    }))
}

/// The advisory-lock key of an announcement's opening (`pg_advisory_xact_lock(CLASS, key)`).
pub const OPENING_LOCK_CLASS: i32 = 7_428_002;

pub fn opening_lock_key(announcement_id: i64) -> i32 {
    (announcement_id % i64::from(i32::MAX)) as i32
}

/// One certificate as the eligibility and scoring rules read it.
pub struct CertRow {
    pub qual_type: String,
    pub level: i32,
    pub status: crate::domain::status::ReviewStatus,
    pub valid_from: chrono::NaiveDate,
    pub valid_to: chrono::NaiveDate,
}

impl CertRow {
    pub fn facts(&self) -> CertFacts<'_> {
        CertFacts {
            qual_type: &self.qual_type,
            level: self.level,
            approved: self.status == crate::domain::status::ReviewStatus::Approved,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
    }
}

/// The certificates of many agencies, in one query.
pub fn certificates_of(
    conn: &mut DbConnection,
    agency_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<CertRow>>> {
    let rows: Vec<(
        i64,
        String,
        i32,
        crate::domain::status::ReviewStatus,
        chrono::NaiveDate,
        chrono::NaiveDate,
    )> = agency_certificates::table
        .filter(agency_certificates::agency_id.eq_any(agency_ids))
        .select((
            agency_certificates::agency_id,
            agency_certificates::qual_type,
            agency_certificates::level,
            agency_certificates::status,
            agency_certificates::valid_from,
            agency_certificates::valid_to,
        ))
        .load(conn)?;
    let mut out: std::collections::HashMap<i64, Vec<CertRow>> = std::collections::HashMap::new();
    for (agency, qual_type, level, status, valid_from, valid_to) in rows {
        out.entry(agency).or_default().push(CertRow {
            qual_type,
            level,
            status,
            valid_from,
            valid_to,
        });
    }
    Ok(out)
}

/// The qualifications (type, minimum level) a catalogue item requires.
pub fn required_quals(conn: &mut DbConnection, item_id: i64) -> QueryResult<Vec<(String, i32)>> {
    catalogue_item_quals::table
        .filter(catalogue_item_quals::item_id.eq(item_id))
        .order(catalogue_item_quals::qual_type)
        .select((
            catalogue_item_quals::qual_type,
            catalogue_item_quals::min_level,
        ))
        .load(conn)
}

/// Holds the announcement open for the rest of this write transaction. On PostgreSQL a shared
/// advisory lock on the announcement's opening: the opening takes it exclusively before its
/// guarded update, so it waits for every registration, quote, withdrawal or re-confirmation
/// already in flight, and one that starts after the opening sees it opened. Shared holders
/// never wait for each other, and unlike a `FOR SHARE` row lock nothing is written to the
/// announcement's row (many concurrent row sharers make PostgreSQL build a multixact for each).
/// On SQLite the writers are serialised anyway.
pub fn hold_open(conn: &mut DbConnection, announcement_id: i64) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1, $2)")
            .bind::<diesel::sql_types::Integer, _>(OPENING_LOCK_CLASS)
            .bind::<diesel::sql_types::Integer, _>(opening_lock_key(announcement_id))
            .execute(pg)?;
    }
    Ok(())
}

/// The opening's side of [`hold_open`]: waits for the writes in flight on the announcement.
pub fn hold_for_opening(conn: &mut DbConnection, announcement_id: i64) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<diesel::sql_types::Integer, _>(OPENING_LOCK_CLASS)
            .bind::<diesel::sql_types::Integer, _>(opening_lock_key(announcement_id))
            .execute(pg)?;
    }
    Ok(())
}

/// Number of active quotes on an announcement (public before the deadline).
/// [`count_quotes`] of many announcements in one statement (a list page's rows); an
/// announcement without active quotes is not in the map.
pub fn count_quotes_many(
    conn: &mut DbConnection,
    announcement_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    if announcement_ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(quotes::table
        .filter(quotes::announcement_id.eq_any(announcement_ids))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .group_by(quotes::announcement_id)
        .select((quotes::announcement_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

pub fn count_quotes(conn: &mut DbConnection, announcement_id: i64) -> QueryResult<i64> {
    quotes::table
        .filter(quotes::announcement_id.eq(announcement_id))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .count()
        .get_result(conn)
}

/// One agency's quote row, without the clear columns (NULL before opening anyway).
#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = quotes)]
pub struct QuoteRow {
    pub id: i64,
    pub announcement_id: i64,
    pub agency_id: i64,
    pub status: QuoteStatus,
    pub commitment: String,
    pub announcement_version: i32,
    pub revision: i32,
    pub submitted_at: NaiveDateTime,
}

impl QuoteRow {
    pub fn active(&self) -> bool {
        self.status == QuoteStatus::Active
    }
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = quote_receipts)]
pub struct Receipt {
    pub announcement_id: i64,
    pub agency_id: i64,
    pub kind: ReceiptKind,
    pub commitment: String,
    pub created_at: NaiveDateTime,
}

pub fn is_registered(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        registrations::table
            .filter(registrations::announcement_id.eq(announcement_id))
            .filter(registrations::agency_id.eq(agency_id)),
    ))
    .get_result(conn)
}

/// Registers; `false` when the agency was registered already (a second click is no error).
pub fn register(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if is_registered(conn, announcement_id, agency_id)? {
        return Ok(false);
    }
    // In its own savepoint: a concurrent double registration fails on the UNIQUE constraint
    // without spoiling the caller's transaction on PostgreSQL.
    let r = crate::db::write_tx(conn, |c| {
        diesel::insert_into(registrations::table)
            .values((
                registrations::announcement_id.eq(announcement_id),
                registrations::agency_id.eq(agency_id),
                registrations::created_at.eq(now),
            ))
            .execute(c)
    });
    match r {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn quote_of(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
) -> QueryResult<Option<QuoteRow>> {
    quotes::table
        .filter(quotes::announcement_id.eq(announcement_id))
        .filter(quotes::agency_id.eq(agency_id))
        .select(QuoteRow::as_select())
        .one(conn)
}

pub fn receipts_of(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
) -> QueryResult<Vec<Receipt>> {
    quote_receipts::table
        .filter(quote_receipts::announcement_id.eq(announcement_id))
        .filter(quote_receipts::agency_id.eq(agency_id))
        .order(quote_receipts::id.desc())
        .select(Receipt::as_select())
        .load(conn)
}

/// The receipt of an agency's `n`-th submission of a quote (`n` = 1 the first, then each
/// revision): every submission or revision adds exactly one such receipt and one to the
/// quote's revision, so `n` is the revision the quote had after it.
pub fn submission_receipt(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
    n: i32,
) -> QueryResult<Option<Receipt>> {
    if n < 1 {
        return Ok(None);
    }
    quote_receipts::table
        .filter(quote_receipts::announcement_id.eq(announcement_id))
        .filter(quote_receipts::agency_id.eq(agency_id))
        .filter(quote_receipts::kind.eq_any([ReceiptKind::Submitted, ReceiptKind::Revised]))
        .order(quote_receipts::id.asc())
        .offset(i64::from(n - 1))
        .select(Receipt::as_select())
        .first(conn)
        .optional()
}

/// A sealed submission, ready to store.
pub struct NewQuote<'a> {
    pub announcement_id: i64,
    pub agency_id: i64,
    pub sealed: &'a str,
    pub commitment: &'a str,
    pub announcement_version: i32,
    pub client_addr: &'a str,
    pub now: NaiveDateTime,
}

fn add_receipt(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
    kind: ReceiptKind,
    commitment: &str,
    now: NaiveDateTime,
) -> QueryResult<Receipt> {
    let r = Receipt {
        announcement_id,
        agency_id,
        kind,
        commitment: commitment.to_string(),
        created_at: now,
    };
    diesel::insert_into(quote_receipts::table)
        .values((
            quote_receipts::announcement_id.eq(r.announcement_id),
            quote_receipts::agency_id.eq(r.agency_id),
            quote_receipts::kind.eq(&r.kind),
            quote_receipts::commitment.eq(&r.commitment),
            quote_receipts::created_at.eq(r.created_at),
        ))
        .execute(conn)?;
    Ok(r)
}

/// Stores a submission or revision (one row per agency and announcement) and its receipt;
/// returns the quote row after the change and the receipt. Two statements: one upsert on the
/// unique key that returns the row (a first submission has revision 1; a revision, or a
/// simultaneous first submission of the same agency that lost the race for the key, counts
/// up), then the receipt. This runs inside the writer's transaction, so every statement
/// counts.
pub fn save_quote(conn: &mut DbConnection, q: &NewQuote<'_>) -> QueryResult<(QuoteRow, Receipt)> {
    let values = (
        quotes::announcement_id.eq(q.announcement_id),
        quotes::agency_id.eq(q.agency_id),
        quotes::status.eq(QuoteStatus::Active),
        quotes::sealed.eq(q.sealed),
        quotes::commitment.eq(q.commitment),
        quotes::announcement_version.eq(q.announcement_version),
        quotes::revision.eq(1),
        quotes::submitted_at.eq(q.now),
        quotes::client_addr.eq(q.client_addr),
    );
    let revised = (
        quotes::status.eq(QuoteStatus::Active),
        quotes::sealed.eq(q.sealed),
        quotes::commitment.eq(q.commitment),
        quotes::announcement_version.eq(q.announcement_version),
        quotes::revision.eq(quotes::revision + 1),
        quotes::submitted_at.eq(q.now),
        quotes::client_addr.eq(q.client_addr),
    );
    let row: QuoteRow = crate::on_backend!(conn, c => diesel::insert_into(quotes::table)
        .values(values)
        .on_conflict((quotes::announcement_id, quotes::agency_id))
        .do_update()
        .set(revised)
        .returning(QuoteRow::as_returning())
        .get_result(c)?);
    let kind = if row.revision == 1 {
        ReceiptKind::Submitted
    } else {
        ReceiptKind::Revised
    };
    let receipt = add_receipt(
        conn,
        q.announcement_id,
        q.agency_id,
        kind,
        q.commitment,
        q.now,
    )?;
    Ok((row, receipt))
}

/// Withdraws the agency's active quote; `None` when it has none.
pub fn withdraw(
    conn: &mut DbConnection,
    announcement_id: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<(QuoteRow, Receipt)>> {
    let Some(q) = quote_of(conn, announcement_id, agency_id)?.filter(QuoteRow::active) else {
        return Ok(None);
    };
    diesel::update(quotes::table.find(q.id))
        .set(quotes::status.eq(QuoteStatus::Withdrawn))
        .execute(conn)?;
    let r = add_receipt(
        conn,
        announcement_id,
        agency_id,
        ReceiptKind::Withdrawn,
        &q.commitment,
        now,
    )?;
    let q = quote_of(conn, announcement_id, agency_id)?.ok_or(diesel::result::Error::NotFound)?;
    Ok(Some((q, r)))
}

/// Re-confirms the agency's active quote against the announcement's current version;
/// `None` when it has no active quote or the quote is current already.
pub fn reconfirm(
    conn: &mut DbConnection,
    a: &Announcement,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<(QuoteRow, Receipt)>> {
    let Some(q) = quote_of(conn, a.id, agency_id)?
        .filter(|q| q.active() && q.announcement_version < a.version)
    else {
        return Ok(None);
    };
    diesel::update(quotes::table.find(q.id))
        .set(quotes::announcement_version.eq(a.version))
        .execute(conn)?;
    let r = add_receipt(
        conn,
        a.id,
        agency_id,
        ReceiptKind::Reconfirmed,
        &q.commitment,
        now,
    )?;
    let q = quote_of(conn, a.id, agency_id)?.ok_or(diesel::result::Error::NotFound)?;
    Ok(Some((q, r)))
}

/// The cap and the government range a quote must respect (`None` without a cap: the mode
/// takes no quotes).
pub fn limits(conn: &mut DbConnection, a: &Announcement) -> QueryResult<Option<Limits>> {
    let Some(cap) = a.cap else {
        return Ok(None);
    };
    Ok(Some(Limits {
        cap,
        gov_range: gov_range(conn, a.item_id)?,
    }))
}

/// The government-guided or fixed price range of a catalogue item, if it has one (a fixed
/// price given as one bound is that single price).
pub fn gov_range(conn: &mut DbConnection, item_id: i64) -> QueryResult<Option<(Money, Money)>> {
    let (pricing, min, max): (String, Option<i64>, Option<i64>) = catalogue_items::table
        .find(item_id)
        .select((
            catalogue_items::pricing,
            catalogue_items::price_min_fen,
            catalogue_items::price_max_fen,
        ))
        .first(conn)?;
    Ok(price_range(&pricing, min, max))
}

/// The range of an item's pricing and bounds (in fen), if its pricing has one.
fn price_range(pricing: &str, min: Option<i64>, max: Option<i64>) -> Option<(Money, Money)> {
    match (pricing, min, max) {
        ("guided" | "fixed", Some(lo), Some(hi)) => {
            Some((Money::from_fen(lo), Money::from_fen(hi)))
        }
        ("fixed", Some(v), None) | ("fixed", None, Some(v)) => {
            Some((Money::from_fen(v), Money::from_fen(v)))
        }
        _ => None,
    }
}

/// One line of the agency's announcement lists.
#[derive(Clone, Debug)]
pub struct Listed {
    pub announcement: Announcement,
    pub project: String,
    pub item_code: String,
    pub item_name: String,
    pub registered: bool,
    /// Whether the agency has an active quote.
    pub quoted: bool,
}

fn listed(
    conn: &mut DbConnection,
    agency_id: i64,
    rows: Vec<(Announcement, String, String, String)>,
) -> QueryResult<Vec<Listed>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
    let regs: Vec<i64> = registrations::table
        .filter(registrations::agency_id.eq(agency_id))
        .filter(registrations::announcement_id.eq_any(&ids))
        .select(registrations::announcement_id)
        .load(conn)?;
    let quoted: Vec<i64> = quotes::table
        .filter(quotes::agency_id.eq(agency_id))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .filter(quotes::announcement_id.eq_any(&ids))
        .select(quotes::announcement_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(a, project, code, name)| Listed {
            registered: regs.contains(&a.id),
            quoted: quoted.contains(&a.id),
            announcement: a,
            project,
            item_code: code,
            item_name: name,
        })
        .collect())
}

/// Published announcements still open at `now` for an item the agency offers, soonest
/// deadline first.
pub fn open_for_agency(
    conn: &mut DbConnection,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Listed>> {
    let items = agency_items::table
        .filter(agency_items::agency_id.eq(agency_id))
        .select(agency_items::item_id);
    let rows = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::status.eq(AnnouncementStatus::Published))
        .filter(announcements::deadline.gt(now))
        .filter(announcements::item_id.eq_any(items))
        .order((announcements::deadline, announcements::id))
        .limit(200)
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load(conn)?;
    listed(conn, agency_id, rows)
}

/// Announcements the agency registered for, any state, newest first.
pub fn participations(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Listed>> {
    let mine = registrations::table
        .filter(registrations::agency_id.eq(agency_id))
        .select(registrations::announcement_id);
    let rows = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::id.eq_any(mine))
        .order(announcements::id.desc())
        .limit(200)
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load(conn)?;
    listed(conn, agency_id, rows)
}
