//! One-time e-mail tokens (verification, password reset), stored hashed.

use diesel::prelude::*;

use crate::auth::token;
use crate::db::DbConnection;
use crate::db::schema::user_tokens;

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

#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Used,
}

/// Checks a token without using it up (to show the reset form).
pub fn peek(
    conn: &mut DbConnection,
    tok: &str,
    purpose: Purpose,
) -> QueryResult<Result<i64, TokenProblem>> {
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
    Ok(match row {
        None => Err(TokenProblem::Unknown),
        Some((_, _, Some(_))) => Err(TokenProblem::Used),
        Some((_, exp, None)) if exp < crate::db::now() => Err(TokenProblem::Expired),
        Some((uid, _, None)) => Ok(uid),
    })
}

/// Uses a token up; only one of two concurrent uses succeeds.
pub fn consume(
    conn: &mut DbConnection,
    tok: &str,
    purpose: Purpose,
) -> QueryResult<Result<i64, TokenProblem>> {
    let uid = match peek(conn, tok, purpose)? {
        Ok(uid) => uid,
        Err(p) => return Ok(Err(p)),
    };
    let n = diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(token::hash_token(tok)))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(Some(crate::db::now())))
    .execute(conn)?;
    Ok(if n == 1 {
        Ok(uid)
    } else {
        Err(TokenProblem::Used)
    })
}
