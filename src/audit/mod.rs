//! The append-only audit trail. [`record`] must be called inside the write transaction of the
//! change it describes, so the entry exists exactly when the change does.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::OneRow;
use serde::Serialize;

use crate::db::schema::audit_log;
use crate::db::{DbConnection, write_tx};
use crate::domain::audit_chain::{self, Break, Entry, Verifier};

/// Who acted. `System` for jobs and the command line.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    pub role: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            id: None,
            role: "system".into(),
        }
    }
    pub fn user(id: i64, role: crate::auth::Role) -> Actor {
        Actor {
            id: Some(id),
            role: role.as_str().into(),
        }
    }
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub state_digest: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn fmt_at(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl AuditRow {
    pub fn entry(&self) -> Entry {
        Entry {
            seq: self.seq,
            at: fmt_at(self.at),
            actor_id: self.actor_id,
            actor_role: self.actor_role.clone(),
            action: self.action.clone(),
            object_type: self.object_type.clone(),
            object_id: self.object_id.clone(),
            state_digest: self.state_digest.clone(),
            detail: self.detail.clone(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// Appends one entry. `state` is the object's new state; only its digest is stored, so the
/// trail proves what the state was without copying personal data into it.
pub fn record<S: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: impl ToString,
    state: &S,
    detail: &str,
) -> QueryResult<()> {
    let json = serde_json::to_string(state).unwrap_or_default();
    // Inside a caller's write the entry needs no savepoint of its own (an error aborts the
    // whole write anyway). On PostgreSQL the chain lock below is held until that write
    // commits, so callers append their entry as the last step before committing.
    if crate::db::in_tx(conn) {
        return append(conn, actor, action, object_type, object_id, &json, detail);
    }
    write_tx(conn, |conn| {
        append(conn, actor, action, object_type, object_id, &json, detail)
    })
}

fn append(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: impl ToString,
    json: &str,
    detail: &str,
) -> QueryResult<()> {
    // Serialise appenders: on PostgreSQL several instances may append at once, and the
    // chain needs one order. (SQLite's BEGIN IMMEDIATE already serialises writers.)
    if let DbConnection::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7428001)").execute(c)?;
    }
    // The head by its sequence number (`MAX` from the unique index): no `LIMIT ?`, which
    // SQLite would prepare afresh for every entry.
    let head = diesel::alias!(audit_log as head);
    let last: Option<(i64, String)> = audit_log::table
        .filter(
            audit_log::seq.nullable().eq(head
                .select(diesel::dsl::max(head.field(audit_log::seq)))
                .single_value()),
        )
        .select((audit_log::seq, audit_log::hash))
        .one(conn)?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, audit_chain::GENESIS.to_string()),
    };
    let at = crate::db::now();
    let mut e = Entry {
        seq,
        at: fmt_at(at),
        actor_id: actor.id,
        actor_role: actor.role.clone(),
        action: action.to_string(),
        object_type: object_type.to_string(),
        object_id: object_id.to_string(),
        state_digest: audit_chain::state_digest(json),
        detail: detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = audit_chain::entry_hash(&e);
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(e.seq),
            audit_log::at.eq(at),
            audit_log::actor_id.eq(e.actor_id),
            audit_log::actor_role.eq(&e.actor_role),
            audit_log::action.eq(&e.action),
            audit_log::object_type.eq(&e.object_type),
            audit_log::object_id.eq(&e.object_id),
            audit_log::state_digest.eq(&e.state_digest),
            audit_log::detail.eq(&e.detail),
            audit_log::prev_hash.eq(&e.prev_hash),
            audit_log::hash.eq(&e.hash),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct Report {
    pub checked: i64,
    pub broken: Option<Break>,
}

/// Verifies the whole chain in pages of 5,000 entries.
/// The last sequence number of the trail: it changes with every audited change, so it stamps
/// cached public pages (`web::page_cache`). One index lookup.
pub fn stamp(conn: &mut DbConnection) -> QueryResult<i64> {
    use diesel::dsl::max;
    audit_log::table
        .select(max(audit_log::seq))
        .first::<Option<i64>>(conn)
        .map(|s| s.unwrap_or(0))
}

pub fn verify(conn: &mut DbConnection) -> QueryResult<Report> {
    let mut v = Verifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .order(audit_log::seq)
            .limit(5000)
            .select(AuditRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            if let Err(b) = v.feed(&r.entry()) {
                return Ok(Report {
                    checked: v.checked,
                    broken: Some(b),
                });
            }
        }
    }
    Ok(Report {
        checked: v.checked,
        broken: None,
    })
}

pub fn recent(
    conn: &mut DbConnection,
    limit: i64,
    before_seq: Option<i64>,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .order(audit_log::seq.desc())
        .limit(limit)
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(b) = before_seq {
        q = q.filter(audit_log::seq.lt(b));
    }
    q.load(conn)
}

/// What the audit page names for some entries: users (actors, and user objects) with their
/// role, agencies, catalogue items (code and name), the agency of each credit record, and
/// departments. A fixed number of queries whatever the number of entries.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// id → (name, role)
    pub users: std::collections::HashMap<i64, (String, String)>,
    pub agencies: std::collections::HashMap<i64, String>,
    /// id → (code, name)
    pub items: std::collections::HashMap<i64, (String, String)>,
    /// credit record id → agency id
    pub record_agency: std::collections::HashMap<i64, i64>,
    pub departments: std::collections::HashMap<i64, (String, String)>,
}

pub fn names(conn: &mut DbConnection, rows: &[AuditRow]) -> QueryResult<Names> {
    use crate::db::schema::{agencies, catalogue_items, credit_records, departments, users};
    let ids_of = |t: &str| -> Vec<i64> {
        let mut v: Vec<i64> = rows
            .iter()
            .filter(|r| r.object_type == t)
            .filter_map(|r| r.object_id.parse().ok())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut user_ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    user_ids.extend(ids_of("user"));
    user_ids.sort_unstable();
    user_ids.dedup();
    let users: Vec<(i64, String, String, String, String)> = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((
            users::id,
            users::org_name,
            users::contact_name,
            users::email,
            users::role,
        ))
        .load(conn)?;
    let users = users
        .into_iter()
        .map(|(id, org, contact, email, role)| {
            let name = [org, contact, email]
                .into_iter()
                .find(|s| !s.trim().is_empty())
                .unwrap_or_default();
            (id, (name, role))
        })
        .collect();
    let agencies = agencies::table
        .filter(agencies::user_id.eq_any(ids_of("agency")))
        .select((agencies::user_id, agencies::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let items = catalogue_items::table
        .filter(catalogue_items::id.eq_any(ids_of("catalogue_item")))
        .select((
            catalogue_items::id,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    let record_agency = credit_records::table
        .filter(credit_records::id.eq_any(ids_of("credit_record")))
        .select((credit_records::id, credit_records::agency_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let departments = departments::table
        .filter(departments::id.eq_any(ids_of("department")))
        .select((departments::id, departments::name_zh, departments::name_en))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, zh, en)| (id, (zh, en)))
        .collect();
    Ok(Names {
        users,
        agencies,
        items,
        record_agency,
        departments,
    })
}

pub fn for_object(
    conn: &mut DbConnection,
    object_type: &str,
    object_id: &str,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::object_type.eq(object_type))
        .filter(audit_log::object_id.eq(object_id))
        .order(audit_log::seq)
        .select(AuditRow::as_select())
        .load(conn)
}
