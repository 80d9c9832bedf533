//! Which key seals this database (`sealing_key`, one row): the facts start-up's key check
//! reads (`domain::seal::decide_key`, called by `startup::open_database`) and the write that
//! records a key's fingerprint. Only the fingerprint is ever stored, never the key.

use crate::db::OneRow;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{announcements, quotes, sealing_key};
use crate::domain::seal::{self, KeyFacts};

/// The fingerprint this database records, if any.
pub fn stored(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    sealing_key::table
        .find(1)
        .select(sealing_key::fingerprint)
        .one(conn)
}

/// Every sealed column: `quotes.sealed` (every quote, opened or not, keeps its box) and
/// `announcements.seed_sealed`. `key` is `None` when no key was given.
pub fn facts(conn: &mut DbConnection, key: Option<&[u8; 32]>) -> QueryResult<KeyFacts> {
    let stored = stored(conn)?;
    let sealed_quotes: i64 = quotes::table.count().get_result(conn)?;
    let sealed_seeds: i64 = announcements::table
        .filter(announcements::seed_sealed.is_not_null())
        .count()
        .get_result(conn)?;
    let opens_a_sealed_row = match (&stored, key) {
        (None, Some(k)) => opens_a_sealed_row(conn, k)?,
        _ => false,
    };
    Ok(KeyFacts {
        stored,
        sealed_quotes,
        sealed_seeds,
        present: key.map(seal::key_fingerprint),
        opens_a_sealed_row,
    })
}

/// Whether `key` opens the first sealed quote or, failing that, the first sealed seed (for a
/// database sealed before fingerprints were recorded).
fn opens_a_sealed_row(conn: &mut DbConnection, key: &[u8; 32]) -> QueryResult<bool> {
    let quote: Option<(i64, i64, String)> = quotes::table
        .order(quotes::id)
        .select((quotes::announcement_id, quotes::agency_id, quotes::sealed))
        .first(conn)
        .optional()?;
    if let Some((a, g, boxed)) = quote
        && seal::open_quote(key, a, g, &boxed).is_ok()
    {
        return Ok(true);
    }
    let seed: Option<(i64, Option<String>)> = announcements::table
        .filter(announcements::seed_sealed.is_not_null())
        .order(announcements::id)
        .select((announcements::id, announcements::seed_sealed))
        .first(conn)
        .optional()?;
    Ok(matches!(seed, Some((id, Some(boxed))) if seal::open_seed(key, id, &boxed).is_ok()))
}

/// Records the fingerprint of the key that seals this database from now on.
pub fn record(conn: &mut DbConnection, fingerprint: &str) -> QueryResult<()> {
    diesel::insert_into(sealing_key::table)
        .values((
            sealing_key::id.eq(1),
            sealing_key::fingerprint.eq(fingerprint),
            sealing_key::recorded_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}
