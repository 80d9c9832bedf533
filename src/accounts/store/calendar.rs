//! The working-day calendar kept by the administrator (table `calendar_days`): one row per
//! day that differs from "weekdays worked, weekends off". The table is small (a few dozen
//! rows a year), so deadlines load every day from a start date on instead of guessing how
//! far a count of working days will reach. The rules (what an entry may be, how working days
//! are counted) are in `domain::workdays`.

use crate::db::OneRow;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{calendar_days, users};
use crate::domain::workdays::{Calendar, DayKind};

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = calendar_days)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

/// The calendar for counting from `from` on: every entry on or after that day.
pub fn load_from(conn: &mut DbConnection, from: NaiveDate) -> QueryResult<Calendar> {
    let rows: Vec<(NaiveDate, DayKind)> = calendar_days::table
        .filter(calendar_days::day.ge(from))
        .select((calendar_days::day, calendar_days::kind))
        .load(conn)?;
    Ok(Calendar::new(rows))
}

/// The entries of one year in date order, each with the e-mail of the administrator who
/// added it (none for the rows the migration seeded from the State Council notice).
pub fn year(conn: &mut DbConnection, y: i32) -> QueryResult<Vec<(CalendarDay, Option<String>)>> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(y, 1, 1),
        NaiveDate::from_ymd_opt(y, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    calendar_days::table
        .left_join(users::table)
        .filter(calendar_days::day.between(first, last))
        .order(calendar_days::day)
        .select((CalendarDay::as_select(), users::email.nullable()))
        .load(conn)
}

/// The years that have entries, ascending.
pub fn years(conn: &mut DbConnection) -> QueryResult<Vec<i32>> {
    let days: Vec<NaiveDate> = calendar_days::table
        .select(calendar_days::day)
        .order(calendar_days::day)
        .load(conn)?;
    let mut ys: Vec<i32> = days.iter().map(|d| d.year()).collect();
    ys.dedup();
    Ok(ys)
}

pub fn find(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Option<CalendarDay>> {
    calendar_days::table
        .find(day)
        .select(CalendarDay::as_select())
        .one(conn)
}

/// Adds one entry and returns it (the step checks it with `domain::workdays::check_entry`,
/// looks for an entry of the day first and writes the audit entry in the same transaction).
/// `None` when the day got an entry meanwhile: that one is left as it is.
pub fn insert(
    conn: &mut DbConnection,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    by: i64,
) -> QueryResult<Option<CalendarDay>> {
    // Inside its own savepoint: on PostgreSQL a failed statement would otherwise spoil the
    // caller's transaction, and the entry already there could not be read.
    let r = crate::db::write_tx(conn, |c| {
        diesel::insert_into(calendar_days::table)
            .values((
                calendar_days::day.eq(day),
                calendar_days::kind.eq(kind),
                calendar_days::name.eq(name),
                calendar_days::created_by.eq(Some(by)),
                calendar_days::created_at.eq(crate::db::now()),
            ))
            .execute(c)
    });
    match r {
        Ok(_) => find(conn, day)?
            .ok_or(diesel::result::Error::NotFound)
            .map(Some),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes the entry of `day` and returns it (for the audit entry); `None` if there was none.
pub fn remove(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Option<CalendarDay>> {
    let Some(old) = find(conn, day)? else {
        return Ok(None);
    };
    let n = diesel::delete(calendar_days::table.find(day)).execute(conn)?;
    Ok((n > 0).then_some(old))
}
