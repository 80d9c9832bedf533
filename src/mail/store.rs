//! The outbox (mail to send) and the message centre (every mail, kept for the user).

use crate::db::OneRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{messages, outbox};
use crate::domain::status::MailStatus;

/// Queues a mail and files a copy in the user's message centre. Call inside the transaction
/// of the event, so a rolled-back change sends nothing and a committed one loses nothing.
pub fn enqueue(
    conn: &mut DbConnection,
    user_id: Option<i64>,
    to: &str,
    subject: &str,
    body: &str,
) -> QueryResult<()> {
    let now = crate::db::now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::user_id.eq(user_id),
            outbox::to_addr.eq(to),
            outbox::subject.eq(subject),
            outbox::body.eq(body),
            outbox::status.eq(MailStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(uid) = user_id {
        diesel::insert_into(messages::table)
            .values((
                messages::user_id.eq(uid),
                messages::subject.eq(subject),
                messages::body.eq(body),
                messages::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// [`enqueue`] for many users at once (user id, address, subject, body): two statements per
/// 200 mails instead of two per mail.
pub fn enqueue_many(
    conn: &mut DbConnection,
    mails: &[(i64, String, String, String)],
) -> QueryResult<()> {
    let now = crate::db::now();
    if let DbConnection::Pg(pg) = conn {
        return enqueue_many_pg(pg, mails, now);
    }
    for chunk in mails.chunks(200) {
        let out: Vec<_> = chunk
            .iter()
            .map(|(uid, to, subject, body)| {
                (
                    outbox::user_id.eq(Some(*uid)),
                    outbox::to_addr.eq(to.as_str()),
                    outbox::subject.eq(subject.as_str()),
                    outbox::body.eq(body.as_str()),
                    outbox::status.eq(MailStatus::Pending),
                    outbox::attempts.eq(0),
                    outbox::next_attempt_at.eq(now),
                    outbox::created_at.eq(now),
                )
            })
            .collect();
        let msgs: Vec<_> = chunk
            .iter()
            .map(|(uid, _, subject, body)| {
                (
                    messages::user_id.eq(*uid),
                    messages::subject.eq(subject.as_str()),
                    messages::body.eq(body.as_str()),
                    messages::created_at.eq(now),
                )
            })
            .collect();
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(outbox::table).values(&out).execute(c)?;
                diesel::insert_into(messages::table)
                    .values(&msgs)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(outbox::table).values(&out).execute(c)?;
                diesel::insert_into(messages::table)
                    .values(&msgs)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// PostgreSQL: the whole batch in two statements of a fixed shape (one array per column,
/// unnested), prepared once per connection, instead of multi-row VALUES statements that are
/// parsed and planned anew for every batch (the opening mails all its participants at once).
fn enqueue_many_pg(
    pg: &mut diesel::PgConnection,
    mails: &[(i64, String, String, String)],
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Text, Timestamp};
    if mails.is_empty() {
        return Ok(());
    }
    let users: Vec<i64> = mails.iter().map(|m| m.0).collect();
    let to: Vec<&str> = mails.iter().map(|m| m.1.as_str()).collect();
    let subjects: Vec<&str> = mails.iter().map(|m| m.2.as_str()).collect();
    let bodies: Vec<&str> = mails.iter().map(|m| m.3.as_str()).collect();
    diesel::sql_query(
        "INSERT INTO outbox (user_id, to_addr, subject, body, status, attempts, \
         next_attempt_at, created_at) \
         SELECT u, t, s, b, 'pending', 0, $5, $5 \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[]) AS x(u, t, s, b)",
    )
    .bind::<Array<BigInt>, _>(&users)
    .bind::<Array<Text>, _>(&to)
    .bind::<Array<Text>, _>(&subjects)
    .bind::<Array<Text>, _>(&bodies)
    .bind::<Timestamp, _>(now)
    .execute(pg)?;
    diesel::sql_query(
        "INSERT INTO messages (user_id, subject, body, created_at) \
         SELECT u, s, b, $4 FROM UNNEST($1::bigint[], $2::text[], $3::text[]) AS x(u, s, b)",
    )
    .bind::<Array<BigInt>, _>(&users)
    .bind::<Array<Text>, _>(&subjects)
    .bind::<Array<Text>, _>(&bodies)
    .bind::<Timestamp, _>(now)
    .execute(pg)?;
    Ok(())
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A claim older than this is taken to belong to a crashed instance and may be taken over.
pub fn stale_claim() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

/// Claims up to `limit` due mails for `instance`. Each claim is a guarded UPDATE that only
/// one instance can win, so with several instances every mail is claimed once.
pub fn claim_due(
    conn: &mut DbConnection,
    instance: &str,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let now = crate::db::now();
    let stale = now - stale_claim();
    let candidates: Vec<i64> = outbox::table
        .filter(outbox::status.eq(MailStatus::Pending))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::claimed_at
                .is_null()
                .or(outbox::claimed_at.lt(stale)),
        )
        .order(outbox::id)
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    let mut won = Vec::new();
    for id in candidates {
        let n = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::status.eq(MailStatus::Pending))
                .filter(
                    outbox::claimed_at
                        .is_null()
                        .or(outbox::claimed_at.lt(stale)),
                ),
        )
        .set((
            outbox::claimed_by.eq(Some(instance)),
            outbox::claimed_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if n == 1 {
            won.push(id);
        }
    }
    outbox::table
        .filter(outbox::id.eq_any(&won))
        .filter(outbox::claimed_by.eq(instance))
        .order(outbox::id)
        .select(OutboxRow::as_select())
        .load(conn)
}

pub fn mark_sent(conn: &mut DbConnection, id: i64, instance: &str) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::claimed_by.eq(instance)),
    )
    .set((
        outbox::status.eq(MailStatus::Sent),
        outbox::sent_at.eq(Some(crate::db::now())),
    ))
    .execute(conn)
}

/// Records a failed attempt: back off exponentially (1, 2, 4 … minutes, at most a day),
/// and give up after `max_attempts`.
pub fn mark_failed(
    conn: &mut DbConnection,
    row: &OutboxRow,
    instance: &str,
    error: &str,
    max_attempts: i64,
) -> QueryResult<usize> {
    let attempts = row.attempts + 1;
    let delay = chrono::Duration::minutes((1i64 << (attempts - 1).clamp(0, 10)).min(24 * 60));
    let status = if i64::from(attempts) >= max_attempts {
        MailStatus::Failed
    } else {
        MailStatus::Pending
    };
    diesel::update(
        outbox::table
            .find(row.id)
            .filter(outbox::claimed_by.eq(instance)),
    )
    .set((
        outbox::status.eq(status),
        outbox::attempts.eq(attempts),
        outbox::next_attempt_at.eq(crate::db::now() + delay),
        outbox::claimed_by.eq(None::<String>),
        outbox::claimed_at.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
    ))
    .execute(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = messages)]
pub struct Message {
    pub id: i64,
    pub user_id: i64,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

pub fn messages_for(
    conn: &mut DbConnection,
    user_id: i64,
    limit: i64,
) -> QueryResult<Vec<Message>> {
    messages::table
        .filter(messages::user_id.eq(user_id))
        .order(messages::id.desc())
        .limit(limit)
        .select(Message::as_select())
        .load(conn)
}

pub fn message(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Message>> {
    messages::table
        .find(id)
        .select(Message::as_select())
        .one(conn)
}

pub fn mark_read(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(messages::table.find(id).filter(messages::read_at.is_null()))
        .set(messages::read_at.eq(Some(crate::db::now())))
        .execute(conn)
}
