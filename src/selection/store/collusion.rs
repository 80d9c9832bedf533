//! Collusion signals among the bidders of a selection (flagged to the regulator, never auto-punished).
//! Gathers the facts for `domain::collusion` from quotes, agencies and managers, and the
//! objections whose answer is overdue.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_managers, announcement_results, announcements, objections, projects,
    quote_openings, quotes, users,
};
use crate::domain::collusion::{self, Bidder, DEFAULT_SAME_ADDRESS_MINUTES, Signal};
use crate::domain::money::Money;
use crate::domain::status::QuoteStatus;

/// How many of the most recently opened announcements the regulator's list looks at.
pub const RECENT: i64 = 200;

/// The administrator's setting for the same-address window, in minutes.
pub const SETTING_MINUTES: &str = "collusion_address_minutes";

/// The same-address window: the setting when it is set to a positive value, else 10.
pub fn window_minutes(c: &mut DbConnection) -> QueryResult<i64> {
    let s = crate::accounts::store::settings::load(c)?;
    let v = s.get(SETTING_MINUTES);
    Ok(if v > 0 {
        v
    } else {
        DEFAULT_SAME_ADDRESS_MINUTES
    })
}

/// An announcement as the regulator's list names it.
#[derive(Clone, Debug)]
pub struct AnnouncementInfo {
    pub id: i64,
    pub project: String,
    pub owner_id: i64,
    pub owner: String,
    pub opened_at: Option<NaiveDateTime>,
}

/// One announcement's signals, with the names of the agencies involved.
#[derive(Clone, Debug)]
pub struct Flagged {
    pub announcement: AnnouncementInfo,
    pub signals: Vec<Signal>,
    /// agency id → name, for every bidder.
    pub names: HashMap<i64, String>,
    pub bidders: usize,
}

/// The bidders (active quotes) of these announcements, by announcement. Amounts are used
/// only where the announcement has been opened (has a result row).
pub fn bidders(c: &mut DbConnection, ids: &[i64]) -> QueryResult<BTreeMap<i64, Vec<Bidder>>> {
    let opened: Vec<i64> = announcement_results::table
        .filter(announcement_results::announcement_id.eq_any(ids))
        .select(announcement_results::announcement_id)
        .load(c)?;
    let rows: Vec<(i64, i64, Option<i64>, NaiveDateTime, String)> = quotes::table
        .left_join(quote_openings::table)
        .filter(quotes::announcement_id.eq_any(ids))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .order((quotes::announcement_id, quotes::agency_id, quotes::id))
        .select((
            quotes::announcement_id,
            quotes::agency_id,
            quote_openings::amount_fen.nullable(),
            quotes::submitted_at,
            quotes::client_addr,
        ))
        .load(c)?;
    let mut agency_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    agency_ids.sort_unstable();
    agency_ids.dedup();
    let facts: HashMap<i64, (String, String, String, String)> = agencies::table
        .inner_join(users::table.on(users::id.eq(agencies::user_id)))
        .filter(agencies::user_id.eq_any(&agency_ids))
        .select((
            agencies::user_id,
            agencies::name,
            agencies::contact_phone,
            users::phone,
            users::email,
        ))
        .load::<(i64, String, String, String, String)>(c)?
        .into_iter()
        .map(|(id, n, p1, p2, e)| (id, (n, p1, p2, e)))
        .collect();
    let mut managers: HashMap<i64, Vec<String>> = HashMap::new();
    for (a, idn) in agency_managers::table
        .filter(agency_managers::agency_id.eq_any(&agency_ids))
        .select((agency_managers::agency_id, agency_managers::id_number))
        .load::<(i64, String)>(c)?
    {
        managers.entry(a).or_default().push(idn);
    }
    let mut out: BTreeMap<i64, Vec<Bidder>> = BTreeMap::new();
    for (ann, agency, amount, at, addr) in rows {
        let (name, p1, p2, email) = facts.get(&agency).cloned().unwrap_or_default();
        let list = out.entry(ann).or_default();
        // One active quote per agency is expected; keep the first if there were more.
        if list.iter().any(|b| b.agency_id == agency) {
            continue;
        }
        list.push(Bidder {
            agency_id: agency,
            name,
            manager_ids: managers.get(&agency).cloned().unwrap_or_default(),
            phones: vec![p1, p2],
            emails: vec![email],
            amount: if opened.contains(&ann) {
                amount.map(Money::from_fen)
            } else {
                None
            },
            submitted_at: Some(at),
            client_addr: addr,
        });
    }
    Ok(out)
}

fn infos(c: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, AnnouncementInfo>> {
    let rows: Vec<(i64, String, i64, String, Option<NaiveDateTime>)> = announcements::table
        .inner_join(projects::table)
        .inner_join(users::table.on(users::id.eq(announcements::owner_id)))
        .left_join(announcement_results::table)
        .filter(announcements::id.eq_any(ids))
        .select((
            announcements::id,
            projects::name,
            announcements::owner_id,
            users::org_name,
            announcement_results::opened_at.nullable(),
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, project, owner_id, owner, opened_at)| {
            (
                id,
                AnnouncementInfo {
                    id,
                    project,
                    owner_id,
                    owner,
                    opened_at,
                },
            )
        })
        .collect())
}

fn flag(
    c: &mut DbConnection,
    ids: &[i64],
    minutes: i64,
    keep_empty: bool,
) -> QueryResult<Vec<Flagged>> {
    let mut by_ann = bidders(c, ids)?;
    let info = infos(c, ids)?;
    let mut out = Vec::new();
    for id in ids {
        let Some(a) = info.get(id) else { continue };
        let bs = by_ann.remove(id).unwrap_or_default();
        let signals = collusion::signals(&bs, minutes);
        if signals.is_empty() && !keep_empty {
            continue;
        }
        out.push(Flagged {
            announcement: a.clone(),
            signals,
            names: bs.iter().map(|b| (b.agency_id, b.name.clone())).collect(),
            bidders: bs.len(),
        });
    }
    Ok(out)
}

/// The most recently opened announcements (up to [`RECENT`]) that raise at least one
/// signal, most recent first.
pub fn flagged(c: &mut DbConnection, minutes: i64) -> QueryResult<Vec<Flagged>> {
    let ids: Vec<i64> = announcement_results::table
        .order((
            announcement_results::opened_at.desc(),
            announcement_results::announcement_id.desc(),
        ))
        .limit(RECENT)
        .select(announcement_results::announcement_id)
        .load(c)?;
    flag(c, &ids, minutes, false)
}

/// One announcement's signals (possibly none); `None` if there is no such announcement.
/// Before opening only the shared contacts and addresses can be compared.
pub fn for_announcement(
    c: &mut DbConnection,
    id: i64,
    minutes: i64,
) -> QueryResult<Option<Flagged>> {
    Ok(flag(c, &[id], minutes, true)?.into_iter().next())
}

/// An objection still waiting for its answer after the day it was due.
#[derive(Clone, Debug)]
pub struct Overdue {
    pub id: i64,
    pub announcement_id: i64,
    pub project: String,
    pub owner: String,
    pub agency: String,
    pub filed_at: NaiveDateTime,
    pub answer_due: NaiveDate,
}

/// Unanswered objections due before `today` (China date), the longest overdue first.
pub fn overdue_objections(c: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<Overdue>> {
    let rows: Vec<(i64, i64, String, i64, i64, NaiveDateTime, NaiveDate)> = objections::table
        .inner_join(announcements::table.inner_join(projects::table))
        .filter(objections::answered_at.is_null())
        .filter(objections::answer_due.lt(today))
        .order((objections::answer_due.asc(), objections::id.asc()))
        .limit(500)
        .select((
            objections::id,
            objections::announcement_id,
            projects::name,
            announcements::owner_id,
            objections::agency_id,
            objections::filed_at,
            objections::answer_due,
        ))
        .load(c)?;
    let mut ids: Vec<i64> = rows.iter().flat_map(|r| [r.3, r.4]).collect();
    ids.sort_unstable();
    ids.dedup();
    let owners: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::org_name))
        .load::<(i64, String)>(c)?
        .into_iter()
        .collect();
    let agency_names: HashMap<i64, String> = agencies::table
        .filter(agencies::user_id.eq_any(&ids))
        .select((agencies::user_id, agencies::name))
        .load::<(i64, String)>(c)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(
            |(id, ann, project, owner, agency, filed_at, answer_due)| Overdue {
                id,
                announcement_id: ann,
                project,
                owner: owners.get(&owner).cloned().unwrap_or_default(),
                agency: agency_names
                    .get(&agency)
                    .or_else(|| owners.get(&agency))
                    .cloned()
                    .unwrap_or_default(),
                filed_at,
                answer_due,
            },
        )
        .collect())
}
