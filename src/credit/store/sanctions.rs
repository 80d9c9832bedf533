//! Blacklist 失信名单, market bans 禁入 with their persons, alerts, credit repair.
//! The rules are in `domain::credit`; this file loads facts and stores decisions.
//!
//! Write functions run inside the caller's `db::write_tx`, so a listing, its credit record,
//! the `agencies.sanctioned` cache, the alerts and the mails commit together (the caller adds
//! the audit entry). Whether a listing or ban is in force is always computed from its dates
//! (`Period::active_on`); `agencies.sanctioned` only caches that for lists.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::credit::store::credit::NewRecord;
use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_managers, banned_persons, blacklist_entries, credit_alerts, credit_repairs,
    market_bans,
};
use crate::domain::credit::{self, Kind, Period, Restriction, SanctionFacts, Source};
use crate::domain::status::{ListingEnd, ReviewStatus};

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = blacklist_entries)]
pub struct Listing {
    pub id: i64,
    pub agency_id: i64,
    pub department_id: i64,
    pub reason: String,
    pub legal_basis: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub record_id: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub ended_on: Option<NaiveDate>,
    pub end_kind: Option<ListingEnd>,
}

impl Listing {
    pub fn period(&self) -> Period {
        Period {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            ended_on: self.ended_on,
        }
    }
    pub fn repaired(&self) -> bool {
        self.end_kind == Some(ListingEnd::Repaired)
    }
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = market_bans)]
pub struct Ban {
    pub id: i64,
    pub agency_id: i64,
    pub department_id: i64,
    pub reason: String,
    pub legal_basis: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

impl Ban {
    pub fn period(&self) -> Period {
        Period {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            ended_on: None,
        }
    }
}

/// A banned person. `id_number` is whole for matching: show only `masked_id()`.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = banned_persons)]
pub struct Person {
    pub id: i64,
    pub ban_id: i64,
    pub name: String,
    pub id_number: String,
    pub created_at: NaiveDateTime,
}

impl Person {
    pub fn masked_id(&self) -> String {
        crate::domain::mask::mask_id(&self.id_number)
    }
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = credit_alerts)]
pub struct Alert {
    pub id: i64,
    pub department_id: i64,
    pub agency_id: i64,
    pub banned_person_id: i64,
    pub manager_name: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = credit_repairs)]
pub struct Repair {
    pub id: i64,
    pub blacklist_id: i64,
    pub agency_id: i64,
    pub evidence: String,
    pub upload_id: Option<i64>,
    pub status: ReviewStatus,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

// ---------------------------------------------------------------- restrictions

/// Bans (other than `except_agency`'s own) naming a person whose ID number is one of `ids`,
/// with the person.
fn bans_on_persons(
    conn: &mut DbConnection,
    ids: &[String],
    except_agency: i64,
) -> QueryResult<Vec<(Person, Ban)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    banned_persons::table
        .inner_join(market_bans::table)
        .filter(banned_persons::id_number.eq_any(ids))
        .filter(market_bans::agency_id.ne(except_agency))
        .order(banned_persons::id)
        .select((Person::as_select(), Ban::as_select()))
        .load(conn)
}

/// The facts `domain::credit::restrictions` decides from, for one agency.
pub fn facts(conn: &mut DbConnection, agency_id: i64) -> QueryResult<SanctionFacts> {
    let blacklist = listings_of(conn, agency_id)?
        .iter()
        .map(Listing::period)
        .collect();
    let bans = bans_of(conn, agency_id)?.iter().map(Ban::period).collect();
    let managers: Vec<(String, String)> = agency_managers::table
        .filter(agency_managers::agency_id.eq(agency_id))
        .select((agency_managers::id_number, agency_managers::name))
        .load(conn)?;
    let ids: Vec<String> = managers.iter().map(|(i, _)| i.clone()).collect();
    // The agency's own banned managers are covered by its own ban.
    let banned_managers = bans_on_persons(conn, &ids, agency_id)?
        .into_iter()
        .map(|(p, b)| {
            let name = managers
                .iter()
                .find(|(i, _)| *i == p.id_number)
                .map_or(p.name.clone(), |(_, n)| n.clone());
            (name, b.period())
        })
        .collect();
    Ok(SanctionFacts {
        blacklist,
        bans,
        banned_managers,
    })
}

/// [`facts`] for many agencies at once (the opening step checks every bidder): four queries
/// whatever the number of agencies.
pub fn facts_many(
    conn: &mut DbConnection,
    agency_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, SanctionFacts>> {
    let mut out: std::collections::HashMap<i64, SanctionFacts> = agency_ids
        .iter()
        .map(|&id| {
            (
                id,
                SanctionFacts {
                    blacklist: Vec::new(),
                    bans: Vec::new(),
                    banned_managers: Vec::new(),
                },
            )
        })
        .collect();
    let listings: Vec<Listing> = blacklist_entries::table
        .filter(blacklist_entries::agency_id.eq_any(agency_ids))
        .order(blacklist_entries::id.desc())
        .select(Listing::as_select())
        .load(conn)?;
    for l in listings {
        if let Some(f) = out.get_mut(&l.agency_id) {
            f.blacklist.push(l.period());
        }
    }
    let bans: Vec<Ban> = market_bans::table
        .filter(market_bans::agency_id.eq_any(agency_ids))
        .order(market_bans::id.desc())
        .select(Ban::as_select())
        .load(conn)?;
    for b in bans {
        if let Some(f) = out.get_mut(&b.agency_id) {
            f.bans.push(b.period());
        }
    }
    let managers: Vec<(i64, String, String)> = agency_managers::table
        .filter(agency_managers::agency_id.eq_any(agency_ids))
        .select((
            agency_managers::agency_id,
            agency_managers::id_number,
            agency_managers::name,
        ))
        .load(conn)?;
    let ids: Vec<String> = managers.iter().map(|(_, i, _)| i.clone()).collect();
    if !ids.is_empty() {
        let banned: Vec<(Person, Ban)> = banned_persons::table
            .inner_join(market_bans::table)
            .filter(banned_persons::id_number.eq_any(&ids))
            .order(banned_persons::id)
            .select((Person::as_select(), Ban::as_select()))
            .load(conn)?;
        for (p, b) in banned {
            for (agency, idn, name) in &managers {
                // The agency's own banned managers are covered by its own ban.
                if *idn == p.id_number
                    && *agency != b.agency_id
                    && let Some(f) = out.get_mut(agency)
                {
                    f.banned_managers.push((name.clone(), b.period()));
                }
            }
        }
    }
    Ok(out)
}

/// The restrictions in force on `day` from a `crate::credit::store::credit::RESTRICTIONS_AGG` column (the rule is
/// `domain::credit::restrictions`, as for the live check; managers are not named in lists).
pub fn restrictions_of_agg(agg: Option<&str>, day: NaiveDate) -> Vec<Restriction> {
    let Some(agg) = agg else {
        return Vec::new();
    };
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let mut f = SanctionFacts::default();
    for part in agg.split(',') {
        let mut it = part.splitn(4, ':');
        let (Some(kind), Some(Some(starts_on)), Some(Some(ends_on))) =
            (it.next(), it.next().map(date), it.next().map(date))
        else {
            continue;
        };
        let ended_on = it.next().and_then(date);
        let p = Period {
            starts_on,
            ends_on,
            ended_on,
        };
        match kind {
            "b" => f.blacklist.push(p),
            "n" => f.bans.push(p),
            "m" => f.banned_managers.push((String::new(), p)),
            _ => {}
        }
    }
    credit::restrictions(&f, day)
}

/// What keeps an agency from registering, quoting or signing on `day`: the one check that
/// selection and contracts call (live, not from the `agencies.sanctioned` cache).
pub fn restrictions(
    conn: &mut DbConnection,
    agency_id: i64,
    day: NaiveDate,
) -> QueryResult<Vec<Restriction>> {
    Ok(credit::restrictions(&facts(conn, agency_id)?, day))
}

/// Recomputes one agency's `sanctioned` cache; returns whether it changed.
pub fn refresh_one(conn: &mut DbConnection, agency_id: i64, day: NaiveDate) -> QueryResult<bool> {
    let now = !restrictions(conn, agency_id, day)?.is_empty();
    let n = diesel::update(
        agencies::table
            .find(agency_id)
            .filter(agencies::sanctioned.ne(now)),
    )
    .set(agencies::sanctioned.eq(now))
    .execute(conn)?;
    Ok(n > 0)
}

/// Recomputes the `agencies.sanctioned` cache for every agency with a listing, ban or banned
/// manager (the daily job: listings end by themselves). Returns how many rows changed.
pub fn refresh_sanctioned(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<usize> {
    let mut ids: Vec<i64> = blacklist_entries::table
        .select(blacklist_entries::agency_id)
        .distinct()
        .load(conn)?;
    ids.extend(
        market_bans::table
            .select(market_bans::agency_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    ids.extend(
        agency_managers::table
            .filter(
                agency_managers::id_number
                    .eq_any(banned_persons::table.select(banned_persons::id_number)),
            )
            .select(agency_managers::agency_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    // Agencies still marked although nothing names them any more (a manager removed).
    ids.extend(
        agencies::table
            .filter(agencies::sanctioned.eq(true))
            .select(agencies::user_id)
            .load::<i64>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    let mut changed = 0;
    for id in ids {
        if crate::db::write_tx(conn, |c| refresh_one(c, id, day))? {
            changed += 1;
        }
    }
    Ok(changed)
}

// ---------------------------------------------------------------- mail

pub(crate) fn agency_name(conn: &mut DbConnection, agency_id: i64) -> QueryResult<String> {
    Ok(crate::library::store::agency::find(conn, agency_id)?
        .map(|a| a.name)
        .unwrap_or_default())
}

// ---------------------------------------------------------------- blacklist

/// A listing to store; dates already checked with `domain::credit::check_period`.
pub struct NewListing<'a> {
    pub agency_id: i64,
    pub department_id: i64,
    pub reason: &'a str,
    pub legal_basis: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub by: i64,
}

/// Lists an agency: the `blacklisted` credit record (public-credit source, points from the
/// current rules), the listing pointing to it, the cache. Returns the listing's id.
pub fn create_listing(conn: &mut DbConnection, n: &NewListing) -> QueryResult<i64> {
    let rules = crate::credit::store::credit::current_rules(conn)?.rules();
    let mut rec = NewRecord::new(
        n.agency_id,
        Kind::Blacklisted,
        rules.points_for(Kind::Blacklisted),
        Source::PublicCredit,
    );
    rec.evidence = n.reason;
    rec.legal_basis = n.legal_basis;
    rec.department_id = Some(n.department_id);
    rec.recorded_by = Some(n.by);
    rec.effective_on = n.starts_on;
    let record_id = crate::credit::store::credit::insert_record(conn, &rec)?;
    diesel::insert_into(blacklist_entries::table)
        .values((
            blacklist_entries::agency_id.eq(n.agency_id),
            blacklist_entries::department_id.eq(n.department_id),
            blacklist_entries::reason.eq(n.reason),
            blacklist_entries::legal_basis.eq(n.legal_basis),
            blacklist_entries::starts_on.eq(n.starts_on),
            blacklist_entries::ends_on.eq(n.ends_on),
            blacklist_entries::record_id.eq(record_id),
            blacklist_entries::created_by.eq(n.by),
            blacklist_entries::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    let id = blacklist_entries::table
        .filter(blacklist_entries::record_id.eq(record_id))
        .select(blacklist_entries::id)
        .first(conn)?;
    refresh_one(conn, n.agency_id, crate::db::today())?;
    Ok(id)
}

pub fn find_listing(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Listing>> {
    blacklist_entries::table
        .find(id)
        .select(Listing::as_select())
        .one(conn)
}

pub fn listings_of(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Listing>> {
    blacklist_entries::table
        .filter(blacklist_entries::agency_id.eq(agency_id))
        .order(blacklist_entries::id.desc())
        .select(Listing::as_select())
        .load(conn)
}

/// The public blacklist: every listing with its agency (name, USCC), newest first. The page
/// splits them into in force and ended by date.
pub fn public_listings(conn: &mut DbConnection) -> QueryResult<Vec<(Listing, String, String)>> {
    blacklist_entries::table
        .inner_join(agencies::table)
        .order(blacklist_entries::id.desc())
        .select((Listing::as_select(), agencies::name, agencies::uscc))
        .load(conn)
}

// ---------------------------------------------------------------- market bans

pub struct NewBan<'a> {
    pub agency_id: i64,
    pub department_id: i64,
    pub reason: &'a str,
    pub legal_basis: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub by: i64,
    /// (name, validated ID number)
    pub persons: Vec<(String, String)>,
}

/// Bans an agency with its persons, then alerts the department about every other agency
/// with one of them as a senior manager. Returns (ban id, alerts raised).
pub fn create_ban(conn: &mut DbConnection, n: &NewBan) -> QueryResult<(i64, Vec<RaisedAlert>)> {
    let now = crate::db::now();
    diesel::insert_into(market_bans::table)
        .values((
            market_bans::agency_id.eq(n.agency_id),
            market_bans::department_id.eq(n.department_id),
            market_bans::reason.eq(n.reason),
            market_bans::legal_basis.eq(n.legal_basis),
            market_bans::starts_on.eq(n.starts_on),
            market_bans::ends_on.eq(n.ends_on),
            market_bans::created_by.eq(n.by),
            market_bans::created_at.eq(now),
        ))
        .execute(conn)?;
    let ban_id: i64 = market_bans::table
        .filter(market_bans::agency_id.eq(n.agency_id))
        .order(market_bans::id.desc())
        .select(market_bans::id)
        .first(conn)?;
    let mut seen = Vec::new();
    for (name, idn) in &n.persons {
        // The same person twice (a manager also typed in) is stored once.
        if seen.contains(idn) {
            continue;
        }
        seen.push(idn.clone());
        diesel::insert_into(banned_persons::table)
            .values((
                banned_persons::ban_id.eq(ban_id),
                banned_persons::name.eq(name),
                banned_persons::id_number.eq(idn),
                banned_persons::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    let today = crate::db::today();
    refresh_one(conn, n.agency_id, today)?;
    // Every other agency with one of these persons as a senior manager.
    let others: Vec<(i64, String, String)> = agency_managers::table
        .filter(agency_managers::id_number.eq_any(&seen))
        .filter(agency_managers::agency_id.ne(n.agency_id))
        .order(agency_managers::id)
        .select((
            agency_managers::agency_id,
            agency_managers::id_number,
            agency_managers::name,
        ))
        .load(conn)?;
    let mut raised = Vec::new();
    for (agency_id, idn, name) in others {
        let person: Option<i64> = banned_persons::table
            .filter(banned_persons::ban_id.eq(ban_id))
            .filter(banned_persons::id_number.eq(&idn))
            .select(banned_persons::id)
            .first(conn)
            .optional()?;
        if let Some(pid) = person {
            raised.extend(raise_alert(conn, n.department_id, agency_id, pid, &name)?);
        }
        refresh_one(conn, agency_id, today)?;
    }
    Ok((ban_id, raised))
}

/// An alert just stored: the department whose regulators are told, the agency and the
/// banned person serving it as a senior manager.
#[derive(Debug)]
pub struct RaisedAlert {
    pub department_id: i64,
    pub agency: String,
    pub manager: String,
}

/// Stores an alert (once per agency and person); the step that caused it mails the
/// department's regulators.
fn raise_alert(
    conn: &mut DbConnection,
    department_id: i64,
    agency_id: i64,
    person_id: i64,
    manager_name: &str,
) -> QueryResult<Option<RaisedAlert>> {
    let exists: i64 = credit_alerts::table
        .filter(credit_alerts::agency_id.eq(agency_id))
        .filter(credit_alerts::banned_person_id.eq(person_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(None);
    }
    diesel::insert_into(credit_alerts::table)
        .values((
            credit_alerts::department_id.eq(department_id),
            credit_alerts::agency_id.eq(agency_id),
            credit_alerts::banned_person_id.eq(person_id),
            credit_alerts::manager_name.eq(manager_name),
            credit_alerts::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(Some(RaisedAlert {
        department_id,
        agency: agency_name(conn, agency_id)?,
        manager: manager_name.to_string(),
    }))
}

/// The hook of "add a senior manager": when the person is banned (a ban of another agency
/// not yet over), the agency is blocked (cache) and the banning department alerted. Call
/// inside the write transaction that adds the manager. Returns how many alerts were raised.
pub fn check_new_manager(
    conn: &mut DbConnection,
    agency_id: i64,
    id_number: &str,
    name: &str,
) -> QueryResult<Vec<RaisedAlert>> {
    let today = crate::db::today();
    let hits = bans_on_persons(conn, &[id_number.to_string()], agency_id)?;
    let mut raised = Vec::new();
    for (p, b) in hits {
        if today < b.ends_on {
            raised.extend(raise_alert(conn, b.department_id, agency_id, p.id, name)?);
        }
    }
    refresh_one(conn, agency_id, today)?;
    Ok(raised)
}

pub fn bans_of(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Ban>> {
    market_bans::table
        .filter(market_bans::agency_id.eq(agency_id))
        .order(market_bans::id.desc())
        .select(Ban::as_select())
        .load(conn)
}

pub fn persons_of(conn: &mut DbConnection, ban_id: i64) -> QueryResult<Vec<Person>> {
    banned_persons::table
        .filter(banned_persons::ban_id.eq(ban_id))
        .order(banned_persons::id)
        .select(Person::as_select())
        .load(conn)
}

/// Every ban with its agency (name, USCC), newest first.
pub fn public_bans(conn: &mut DbConnection) -> QueryResult<Vec<(Ban, String, String)>> {
    market_bans::table
        .inner_join(agencies::table)
        .order(market_bans::id.desc())
        .select((Ban::as_select(), agencies::name, agencies::uscc))
        .load(conn)
}

/// Every banned person with the ban that names them.
pub fn public_persons(conn: &mut DbConnection) -> QueryResult<Vec<(Person, Ban, String)>> {
    banned_persons::table
        .inner_join(market_bans::table.inner_join(agencies::table))
        .order(banned_persons::id.desc())
        .select((Person::as_select(), Ban::as_select(), agencies::name))
        .load(conn)
}

// ---------------------------------------------------------------- alerts

/// Unresolved alerts of a department, oldest first, with the agency's name.
pub fn open_alerts(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(Alert, String)>> {
    credit_alerts::table
        .inner_join(agencies::table)
        .filter(credit_alerts::department_id.eq(department_id))
        .filter(credit_alerts::resolved_at.is_null())
        .order(credit_alerts::id)
        .select((Alert::as_select(), agencies::name))
        .load(conn)
}

pub fn alerts_of(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Alert>> {
    credit_alerts::table
        .filter(credit_alerts::agency_id.eq(agency_id))
        .order(credit_alerts::id.desc())
        .select(Alert::as_select())
        .load(conn)
}

pub fn find_alert(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Alert>> {
    credit_alerts::table
        .find(id)
        .select(Alert::as_select())
        .one(conn)
}

/// Marks an alert resolved; false when it already was.
pub fn resolve_alert(conn: &mut DbConnection, id: i64, by: i64) -> QueryResult<bool> {
    let n = diesel::update(
        credit_alerts::table
            .find(id)
            .filter(credit_alerts::resolved_at.is_null()),
    )
    .set((
        credit_alerts::resolved_at.eq(Some(crate::db::now())),
        credit_alerts::resolved_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

// ---------------------------------------------------------------- credit repair

pub fn find_repair(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Repair>> {
    credit_repairs::table
        .find(id)
        .select(Repair::as_select())
        .one(conn)
}

pub fn repairs_of(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Repair>> {
    credit_repairs::table
        .filter(credit_repairs::agency_id.eq(agency_id))
        .order(credit_repairs::id.desc())
        .select(Repair::as_select())
        .load(conn)
}

pub fn has_pending_repair(conn: &mut DbConnection, listing_id: i64) -> QueryResult<bool> {
    let n: i64 = credit_repairs::table
        .filter(credit_repairs::blacklist_id.eq(listing_id))
        .filter(credit_repairs::status.eq(ReviewStatus::Pending))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Pending applications for listings made by a department, oldest first, with the agency.
pub fn pending_repairs(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(Repair, Listing, String)>> {
    credit_repairs::table
        .inner_join(blacklist_entries::table.inner_join(agencies::table))
        .filter(blacklist_entries::department_id.eq(department_id))
        .filter(credit_repairs::status.eq(ReviewStatus::Pending))
        .order(credit_repairs::id)
        .select((Repair::as_select(), Listing::as_select(), agencies::name))
        .load(conn)
}

/// Stores a repair application and mails the listing department's regulators. Returns its id.
pub fn apply_repair(
    conn: &mut DbConnection,
    listing: &Listing,
    evidence: &str,
    upload_id: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(credit_repairs::table)
        .values((
            credit_repairs::blacklist_id.eq(listing.id),
            credit_repairs::agency_id.eq(listing.agency_id),
            credit_repairs::evidence.eq(evidence),
            credit_repairs::upload_id.eq(upload_id),
            credit_repairs::status.eq(ReviewStatus::Pending),
            credit_repairs::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    let id: i64 = credit_repairs::table
        .filter(credit_repairs::blacklist_id.eq(listing.id))
        .order(credit_repairs::id.desc())
        .select(credit_repairs::id)
        .first(conn)?;
    Ok(id)
}

/// Decides a pending application. Approval writes the `repair` credit record revoking the
/// listing's record, ends the listing today (marked repaired) and refreshes the cache.
/// Returns false when the application was no longer pending.
pub fn decide_repair(
    conn: &mut DbConnection,
    repair: &Repair,
    listing: &Listing,
    approve: bool,
    reason: &str,
    by: i64,
) -> QueryResult<bool> {
    let status = if approve {
        ReviewStatus::Approved
    } else {
        ReviewStatus::Rejected
    };
    let n = diesel::update(
        credit_repairs::table
            .find(repair.id)
            .filter(credit_repairs::status.eq(ReviewStatus::Pending)),
    )
    .set((
        credit_repairs::status.eq(status),
        credit_repairs::decision_reason.eq((!reason.is_empty()).then_some(reason)),
        credit_repairs::decided_by.eq(Some(by)),
        credit_repairs::decided_at.eq(Some(crate::db::now())),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    let today = crate::db::today();
    if approve {
        let mut rec = NewRecord::new(listing.agency_id, Kind::Repair, 0, Source::PublicCredit);
        rec.evidence = &repair.evidence;
        rec.upload_id = repair.upload_id;
        rec.legal_basis = &listing.legal_basis;
        rec.department_id = Some(listing.department_id);
        rec.recorded_by = Some(by);
        rec.revokes_id = Some(listing.record_id);
        crate::credit::store::credit::insert_record(conn, &rec)?;
        diesel::update(blacklist_entries::table.find(listing.id))
            .set((
                blacklist_entries::ended_on.eq(Some(today)),
                blacklist_entries::end_kind.eq(ListingEnd::Repaired),
            ))
            .execute(conn)?;
        refresh_one(conn, listing.agency_id, today)?;
    }
    Ok(true)
}

// ---------------------------------------------------------------- search

/// Agencies whose name contains `q` or whose USCC equals it (upper-cased), at most `limit`.
pub fn search_agencies(
    conn: &mut DbConnection,
    q: &str,
    limit: i64,
) -> QueryResult<Vec<crate::library::store::agency::Agency>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let escaped: String = q
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    agencies::table
        .filter(
            agencies::name
                .like(pattern)
                .escape('\\')
                .or(agencies::uscc.eq(q.to_uppercase())),
        )
        .order(agencies::name)
        .limit(limit)
        .select(crate::library::store::agency::Agency::as_select())
        .load(conn)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_list_column_gives_the_restrictions_in_force() {
        let day = d("2026-12-03");
        assert!(restrictions_of_agg(None, day).is_empty());
        assert!(restrictions_of_agg(Some(",,"), day).is_empty());
        // An ended listing, a listing repaired early, a ban in force, a banned manager.
        let agg = "b:2024-01-01:2025-01-01:,b:2026-01-01:2027-06-01:2026-11-01,\
                   n:2026-06-01:2028-06-01:,m:2026-02-01:2027-02-01:";
        let r = restrictions_of_agg(Some(agg), day);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].tag_key(), "credit.tag.banned");
        assert_eq!(r[0].period(), (d("2026-06-01"), d("2028-06-01")));
        assert_eq!(r[1].tag_key(), "credit.tag.banned_manager");
        let listed = restrictions_of_agg(Some("b:2026-01-01:2027-06-01:,,"), day);
        assert_eq!(listed[0].tag_key(), "credit.tag.blacklisted");
        assert_eq!(listed[0].period(), (d("2026-01-01"), d("2027-06-01")));
    }
}
