//! Server-side sessions, shared by every instance through the database. The cookie carries a
//! random 256-bit id; the table keeps its SHA-256.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::accounts::store::settings::Settings;
use crate::accounts::store::user::User;
use crate::auth::token;
use crate::db::DbConnection;
use crate::db::schema::{messages, sessions, users};

pub struct NewSession {
    /// Goes into the cookie; never stored.
    pub token: String,
    pub csrf: String,
}

pub fn create(
    conn: &mut DbConnection,
    user_id: i64,
    ip: &str,
    ua: &str,
) -> QueryResult<NewSession> {
    let tok = token::new_token();
    let csrf = token::new_token();
    let now = crate::db::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(token::hash_token(&tok)),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(&csrf),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::ip.eq(ip),
            sessions::user_agent.eq(truncate(ua, 300)),
        ))
        .execute(conn)?;
    Ok(NewSession { token: tok, csrf })
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[derive(Clone)]
pub struct Loaded {
    pub user: User,
    pub csrf: String,
    pub unread: i64,
    pub id_hash: String,
    pub created: NaiveDateTime,
    /// When the session was last touched (at most [`TOUCH_EVERY`] behind the last request).
    pub last_seen: NaiveDateTime,
}

/// How far the stored `last_seen_at` may lag behind a session's last request: it is written
/// at most this often, since a write per page view would be wasted on SQLite.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// Whether a session created at `created` and last seen at `last_seen` has outlived the
/// idle or the absolute limit at `now`.
pub fn expired(
    created: NaiveDateTime,
    last_seen: NaiveDateTime,
    now: NaiveDateTime,
    settings: &Settings,
) -> bool {
    now - last_seen > settings.session_idle() || now - created > settings.session_absolute()
}

impl Loaded {
    /// Whether this reading may stand for the session at `now` without the database: not
    /// expired, and not yet due for its touch (the next database read writes it).
    pub fn holds_at(&self, now: NaiveDateTime, settings: &Settings) -> bool {
        !expired(self.created, self.last_seen, now, settings) && now - self.last_seen <= TOUCH_EVERY
    }
}

/// Finds the live session for a cookie value. Expired sessions (idle or absolute) are
/// deleted on sight; a disabled account's sessions do not load.
pub fn load(
    conn: &mut DbConnection,
    cookie: &str,
    settings: &Settings,
) -> QueryResult<Option<Loaded>> {
    let id_hash = token::hash_token(cookie);
    // Read on every signed-in request, so: the unread count for the menu in the same
    // statement (a correlated subquery); `load`, not `first`, since the id is the key and
    // `first`'s `LIMIT ?` makes SQLite prepare the statement afresh on every run (a bound limit
    // is a parameter its planner looked at; see `library::store::library`), a third of a
    // signed-in page's instructions; and on the backend's own connection (`on_backend!`), the
    // query built in each arm (its selection is typed by the backend).
    type Row = (String, NaiveDateTime, NaiveDateTime, User, Option<i64>);
    let row = crate::on_backend!(conn, c => sessions::table
        .inner_join(users::table)
        .filter(sessions::id_hash.eq(&id_hash))
        .select((
            sessions::csrf_token,
            sessions::created_at,
            sessions::last_seen_at,
            User::as_select(),
            messages::table
                .filter(messages::user_id.eq(users::id))
                .filter(messages::read_at.is_null())
                .count()
                .single_value(),
        ))
        .load::<Row>(c))?
    .into_iter()
    .next();
    let Some((csrf, created, last_seen, user, unread)) = row else {
        return Ok(None);
    };
    let now = crate::db::now();
    if expired(created, last_seen, now, settings) {
        diesel::delete(sessions::table.find(&id_hash)).execute(conn)?;
        return Ok(None);
    }
    if !user.active() {
        return Ok(None);
    }
    let mut last_seen = last_seen;
    if now - last_seen > TOUCH_EVERY {
        diesel::update(sessions::table.find(&id_hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
        last_seen = now;
    }
    Ok(Some(Loaded {
        user,
        csrf,
        unread: unread.unwrap_or(0),
        id_hash,
        created,
        last_seen,
    }))
}

pub fn revoke(conn: &mut DbConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)
}

/// Ends every session of a user except `keep` (the one that changed the password).
pub fn revoke_all(conn: &mut DbConnection, user_id: i64, keep: Option<&str>) -> QueryResult<usize> {
    match keep {
        Some(k) => diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::id_hash.ne(k)),
        )
        .execute(conn),
        None => diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn),
    }
}

pub fn count_for_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .count()
        .get_result(conn)
}
