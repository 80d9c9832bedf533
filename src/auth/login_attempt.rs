//! Login attempts, the facts the throttle (`domain::throttle`) decides on.
//!
//! A try takes its slot before the password is verified: [`take_slot`] reads the account's and
//! the address's recent failures and, if the rule allows one more, writes the try as a failure
//! in the same write transaction, serialised per account and per address. So concurrent
//! guesses are counted one after another and no burst gets more evaluations than the rule
//! allows. The slot stays a failure unless the password proves right ([`mark_success`], in the
//! login's own transaction); a crash in between leaves it a failure, which errs on the safe side.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::db::schema::login_attempts;
use crate::domain::throttle::{self, Verdict};

/// Advisory-lock classes (`pg_advisory_xact_lock(CLASS, key)`) serialising the slots of one
/// account and of one address on PostgreSQL.
const ACCOUNT_LOCK_CLASS: i32 = 7_428_010;
const ADDRESS_LOCK_CLASS: i32 = 7_428_011;

fn lock_key(s: &str) -> i32 {
    let d = Sha256::digest(s.as_bytes());
    i32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// What [`take_slot`] gave a try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The try may be evaluated; the id of its attempt row (written as a failure).
    Taken(i64),
    /// Refused without evaluation (nothing written): try again after this many seconds.
    Wait(i64),
}

/// Takes a slot for one try of `email` from `ip`, if the stricter of the account's and the
/// address's verdicts allows one. Runs its own write transaction.
pub fn take_slot(conn: &mut DbConnection, email: &str, ip: &str) -> QueryResult<Slot> {
    crate::db::write_tx(conn, |conn| {
        // SQLite's BEGIN IMMEDIATE already serialises every writer. On PostgreSQL the account's
        // lock is always taken before the address's, so two tries never wait on each other in
        // a cycle.
        if let DbConnection::Pg(pg) = conn {
            for (class, key) in [(ACCOUNT_LOCK_CLASS, email), (ADDRESS_LOCK_CLASS, ip)] {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
                    .bind::<diesel::sql_types::Integer, _>(class)
                    .bind::<diesel::sql_types::Integer, _>(lock_key(key))
                    .execute(pg)?;
            }
        }
        // The time is read under the locks, so slots are stamped in the order they were taken
        // and the pause runs from the last one.
        let now = crate::db::now();
        if let Verdict::Wait(secs) = verdict(conn, email, ip, now)? {
            return Ok(Slot::Wait(secs));
        }
        diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::email.eq(email),
                login_attempts::ip.eq(ip),
                login_attempts::success.eq(false),
                login_attempts::created_at.eq(now),
            ))
            .execute(conn)?;
        // Ids are not returned by the insert (no RETURNING on both backends); the row is the
        // newest of this account and address, and the locks keep it so until commit.
        let id: Option<i64> = login_attempts::table
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::ip.eq(ip))
            .select(diesel::dsl::max(login_attempts::id))
            .get_result(conn)?;
        id.map(Slot::Taken).ok_or(diesel::result::Error::NotFound)
    })
}

/// The password was right: the slot no longer counts as a failure. Called inside the login's
/// write transaction, so a session exists exactly when its slot is a success.
pub fn mark_success(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(login_attempts::table.filter(login_attempts::id.eq(id)))
        .set(login_attempts::success.eq(true))
        .execute(conn)?;
    Ok(())
}

/// The stricter of the account's and the address's verdicts at `now`.
fn verdict(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    now: NaiveDateTime,
) -> QueryResult<Verdict> {
    let hour_ago = now - chrono::Duration::hours(1);
    let by_email: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::success.eq(false))
        .filter(login_attempts::created_at.gt(hour_ago))
        .select(login_attempts::created_at)
        .load(conn)?;
    let by_ip: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::success.eq(false))
        .filter(login_attempts::created_at.gt(hour_ago))
        .select(login_attempts::created_at)
        .load(conn)?;
    let a = throttle::verdict(throttle::ACCOUNT, &by_email, now);
    let b = throttle::verdict(throttle::ADDRESS, &by_ip, now);
    Ok(match (a, b) {
        (Verdict::Wait(x), Verdict::Wait(y)) => Verdict::Wait(x.max(y)),
        (Verdict::Wait(x), _) | (_, Verdict::Wait(x)) => Verdict::Wait(x),
        _ => Verdict::Allow,
    })
}

/// Old rows are useless after an hour; the mail worker's sweep calls this.
pub fn prune(conn: &mut DbConnection) -> QueryResult<usize> {
    let cutoff = crate::db::now() - chrono::Duration::days(1);
    diesel::delete(login_attempts::table.filter(login_attempts::created_at.lt(cutoff)))
        .execute(conn)
}
