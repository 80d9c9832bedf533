//! Mail to a user or to a department's regulators in the addressee's language, queued in the
//! outbox inside the caller's write transaction (only steps call these).

use diesel::prelude::*;

use crate::db::DbConnection;

/// Queues a mail of `kind` (texts in `locales/*/sanctions.txt`) to one user in their language.
/// `args` get `{name}` and `{org}` of the addressee added.
pub fn mail_user(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    args: &[(&str, String)],
) -> QueryResult<()> {
    let Some(u) = crate::accounts::store::user::find(conn, user_id)? else {
        return Ok(());
    };
    let lang = crate::i18n::Lang::parse(&u.locale).unwrap_or(crate::i18n::Lang::Zh);
    let mut a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    a.push(("name", u.contact_name.as_str()));
    a.push(("org", u.org_name.as_str()));
    let (s, b) = crate::mail::compose(lang, kind, &a);
    crate::mail::store::enqueue(conn, Some(u.id), &u.email, &s, &b)
}

/// Queues a mail to every active regulator of a department.
pub fn mail_regulators(
    conn: &mut DbConnection,
    department_id: i64,
    kind: &str,
    args: &[(&str, String)],
) -> QueryResult<()> {
    let ids: Vec<i64> = crate::db::schema::users::table
        .filter(crate::db::schema::users::role.eq(crate::domain::status::Role::Regulator))
        .filter(crate::db::schema::users::status.eq(crate::domain::status::UserStatus::Active))
        .filter(crate::db::schema::users::department_id.eq(department_id))
        .select(crate::db::schema::users::id)
        .load(conn)?;
    for id in ids {
        mail_user(conn, id, kind, args)?;
    }
    Ok(())
}
