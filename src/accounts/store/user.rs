use crate::db::OneRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::Role;
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::domain::status::UserStatus;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub role: Role,
    pub email: String,
    pub password_hash: String,
    pub org_name: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    pub phone: String,
    pub department_id: Option<i64>,
    pub status: UserStatus,
    pub email_verified_at: Option<NaiveDateTime>,
    pub locale: String,
    pub is_demo: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What the audit trail records of an account: never the password hash.
#[derive(Serialize)]
pub struct AuditView<'a> {
    pub id: i64,
    pub role: Role,
    pub email: &'a str,
    pub org_name: &'a str,
    pub uscc: Option<&'a str>,
    pub department_id: Option<i64>,
    pub status: UserStatus,
    pub email_verified: bool,
    pub password_changed_at: Option<String>,
}

impl User {
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn active(&self) -> bool {
        self.status == UserStatus::Active
    }
    pub fn audit_view(&self) -> AuditView<'_> {
        AuditView {
            id: self.id,
            role: self.role,
            email: &self.email,
            org_name: &self.org_name,
            uscc: self.uscc.as_deref(),
            department_id: self.department_id,
            status: self.status,
            email_verified: self.email_verified_at.is_some(),
            password_changed_at: None,
        }
    }
}

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub role: Role,
    pub email: String,
    pub password_hash: String,
    pub org_name: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    pub phone: String,
    pub department_id: Option<i64>,
    pub status: UserStatus,
    pub email_verified_at: Option<NaiveDateTime>,
    pub locale: String,
    pub is_demo: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A unique index of `users` that an insert can break.
#[derive(Debug, PartialEq, Eq)]
pub enum Unique {
    Email,
    Uscc,
}

/// Inserts and returns the new id. The step checks `email_taken` and `uscc_taken` first (for
/// the friendly reason); a row that still breaks a unique index lost a race, and
/// [`unique_column`] says which index.
pub fn insert(conn: &mut DbConnection, u: &NewUser) -> QueryResult<i64> {
    diesel::insert_into(users::table).values(u).execute(conn)?;
    users::table
        .filter(users::email.eq(&u.email))
        .select(users::id)
        .first(conn)
}

/// The unique index `e` broke, when it is a unique violation.
pub fn unique_column(e: &diesel::result::Error) -> Option<Unique> {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => {
            let m = info.message().to_string() + info.constraint_name().unwrap_or("");
            Some(if m.contains("uscc") {
                Unique::Uscc
            } else {
                Unique::Email
            })
        }
        _ => None,
    }
}

/// Whether an account of `role` has the unified social credit code `code` already.
pub fn uscc_taken(conn: &mut DbConnection, role: Role, code: &str) -> QueryResult<bool> {
    let taken: i64 = users::table
        .filter(users::role.eq(role))
        .filter(users::uscc.eq(code))
        .count()
        .get_result(conn)?;
    Ok(taken > 0)
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    let n: i64 = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).one(conn)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection, role: Option<Role>, limit: i64) -> QueryResult<Vec<User>> {
    let mut q = users::table
        .select(User::as_select())
        .order(users::id)
        .limit(limit)
        .into_boxed();
    if let Some(r) = role {
        q = q.filter(users::role.eq(r));
    }
    q.load(conn)
}

pub fn count_role(conn: &mut DbConnection, role: Role) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(role))
        .count()
        .get_result(conn)
}

pub fn set_password(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

pub fn mark_verified(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    let now = crate::db::now();
    diesel::update(
        users::table
            .find(id)
            .filter(users::email_verified_at.is_null()),
    )
    .set((
        users::email_verified_at.eq(Some(now)),
        users::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn set_status(conn: &mut DbConnection, id: i64, status: UserStatus) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::status.eq(status),
            users::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

pub fn set_locale(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::locale.eq(locale))
        .execute(conn)
}

pub fn count_all(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}
