use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_attempts;
use crate::domain::throttle::{self, Verdict};

pub fn record(conn: &mut DbConnection, email: &str, ip: &str, success: bool) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::success.eq(success),
            login_attempts::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The stricter of the account's and the address's verdicts.
pub fn check(conn: &mut DbConnection, email: &str, ip: &str) -> QueryResult<Verdict> {
    let now = crate::db::now();
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
