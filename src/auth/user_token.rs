//! One-time e-mail tokens (verification, password reset), stored hashed.

use diesel::prelude::*;

use crate::auth::token;
use crate::db::DbConnection;
use crate::db::schema::user_tokens;
use crate::error::{Refusal, StepError};

/// What a token is for (`user_tokens.purpose`).
pub use crate::domain::status::TokenPurpose as Purpose;

/// Issues a token valid for `ttl`; earlier unused tokens of the same purpose stop working.
pub fn issue(
    conn: &mut DbConnection,
    user_id: i64,
    purpose: Purpose,
    ttl: chrono::Duration,
) -> QueryResult<String> {
    let now = crate::db::now();
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    let tok = token::new_token();
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user_id),
            user_tokens::purpose.eq(purpose),
            user_tokens::token_hash.eq(token::hash_token(&tok)),
            user_tokens::created_at.eq(now),
            user_tokens::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(tok)
}

// Why a link's token does not work (locale keys; the page answers 400 with the reason).

/// No token like it was ever issued (or the link was cut short).
pub const TOKEN_UNKNOWN: &str = "auth.token.unknown";
/// Past its expiry time.
pub const TOKEN_EXPIRED: &str = "auth.token.expired";
/// Used once already.
pub const TOKEN_USED: &str = "auth.token.used";

/// Checks a token without using it up (to show the reset form): the account it was issued
/// to, or refused with [`TOKEN_UNKNOWN`], [`TOKEN_EXPIRED`] or [`TOKEN_USED`].
pub fn peek(conn: &mut DbConnection, tok: &str, purpose: Purpose) -> Result<i64, StepError> {
    let row: Option<(i64, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
        user_tokens::table
            .filter(user_tokens::token_hash.eq(token::hash_token(tok)))
            .filter(user_tokens::purpose.eq(purpose))
            .select((
                user_tokens::user_id,
                user_tokens::expires_at,
                user_tokens::used_at,
            ))
            .first(conn)
            .optional()?;
    match row {
        None => Err(Refusal::invalid(TOKEN_UNKNOWN).into()),
        Some((_, _, Some(_))) => Err(Refusal::conflict(TOKEN_USED).into()),
        Some((_, exp, None)) if exp < crate::db::now() => {
            Err(Refusal::conflict(TOKEN_EXPIRED).into())
        }
        Some((uid, _, None)) => Ok(uid),
    }
}

/// Uses a token up; only one of two concurrent uses succeeds (the other is refused as used).
pub fn consume(conn: &mut DbConnection, tok: &str, purpose: Purpose) -> Result<i64, StepError> {
    let uid = peek(conn, tok, purpose)?;
    let n = diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(token::hash_token(tok)))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(Some(crate::db::now())))
    .execute(conn)?;
    if n == 1 {
        Ok(uid)
    } else {
        Err(Refusal::conflict(TOKEN_USED).into())
    }
}
