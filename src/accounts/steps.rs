//! Every write of the accounts feature, each in one write transaction with its audit entry
//! and its mail.
//!
//! What an account does for itself: registering (and the first session), signing in and
//! out, confirming the e-mail address, asking for the confirmation again, asking for a
//! password reset and resetting the password by its link, changing the password.
//!
//! What the administrator does: staff accounts and their status, departments, settings, the
//! days of the working-day calendar.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::accounts::store::calendar::{self as cal, CalendarDay};
use crate::accounts::store::platform;
use crate::accounts::store::user::{self, NewUser, User};
use crate::audit::{self, Actor};
use crate::auth::session::{self, NewSession};
use crate::auth::user_token::{self, Purpose};
use crate::auth::{CurrentUser, Role};
use crate::db::schema::{platform_clock, sessions};
use crate::db::{self, DbConnection, DbError, write_tx};
use crate::domain::rehearsal::{self, Step};
use crate::domain::status::UserStatus;
use crate::domain::workdays::DayKind;
use crate::error::{Refusal, StepError};
use crate::i18n::Lang;
use crate::mail;

// The reasons a form shows beside one of its fields: a handler compares a refusal's `key`
// with these to know which field.

/// The e-mail address belongs to another account.
pub const EMAIL_TAKEN: &str = "auth.register.email_taken";
/// The unified social credit code belongs to another account of the same role.
pub const USCC_TAKEN: &str = "auth.register.uscc_taken";
/// The day has a calendar entry already (its date, name and kind are the arguments).
pub const DAY_TAKEN: &str = "calendar.err.duplicate";
/// Someone moved the rehearsal clock after the page was loaded.
pub const MOVED_MEANWHILE: &str = "clock.moved_meanwhile";

/// Where the request came from, kept with the session it opens.
pub struct Client<'a> {
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// Inserts an account after the checks that give the friendly reason ([`EMAIL_TAKEN`],
/// [`USCC_TAKEN`]); the unique indexes catch the race two registrations run, with the same
/// reasons.
fn insert_user(c: &mut DbConnection, new: &NewUser) -> Result<i64, StepError> {
    if user::email_taken(c, &new.email)? {
        return Err(Refusal::conflict(EMAIL_TAKEN).into());
    }
    if let Some(code) = &new.uscc
        && user::uscc_taken(c, new.role, code)?
    {
        return Err(Refusal::conflict(USCC_TAKEN).into());
    }
    user::insert(c, new).map_err(|e| match user::unique_column(&e) {
        Some(user::Unique::Uscc) => Refusal::conflict(USCC_TAKEN).into(),
        Some(user::Unique::Email) => Refusal::conflict(EMAIL_TAKEN).into(),
        None => e.into(),
    })
}

/// A new account (an agency's joins the library at once, 零门槛), the mail that confirms its
/// address, and its first session. Refused with [`EMAIL_TAKEN`] or [`USCC_TAKEN`].
pub fn register(
    c: &mut DbConnection,
    new: &NewUser,
    role: Role,
    lang: Lang,
    public_url: &str,
    client: &Client,
) -> Result<NewSession, StepError> {
    write_tx(c, |c| {
        let id = insert_user(c, new)?;
        let u = user::find(c, id)?.ok_or_else(DbError::not_found)?;
        if role == Role::Agency {
            // Joining needs no approval (零门槛): the agency is in the library at once.
            crate::library::store::agency::create_for_user(
                c,
                id,
                &u.org_name,
                u.uscc.as_deref().unwrap_or(""),
                &u.phone,
            )?;
        }
        mail::queue_link(c, public_url, lang, &u, mail::Link::VerifyEmail)?;
        audit::record(
            c,
            &Actor::user(id, role),
            "user.register",
            "user",
            id,
            &u.audit_view(),
            "",
        )?;
        let s = session::create(c, id, client.ip, client.user_agent)?;
        audit::record(
            c,
            &Actor::user(id, role),
            "session.login",
            "user",
            id,
            &serde_json::json!({"via": "register"}),
            "",
        )?;
        Ok(s)
    })
}

/// A right password: its login slot becomes a success, the session the browser brought (if
/// any) ends and a new one starts, so a planted cookie never becomes a live session.
pub fn sign_in(
    c: &mut DbConnection,
    user_id: i64,
    role: Role,
    attempt: i64,
    old_session: Option<&str>,
    client: &Client,
) -> Result<NewSession, DbError> {
    write_tx(c, |c| {
        crate::auth::login_attempt::mark_success(c, attempt)?;
        if let Some(h) = old_session {
            session::revoke(c, h)?;
        }
        let s = session::create(c, user_id, client.ip, client.user_agent)?;
        audit::record(
            c,
            &Actor::user(user_id, role),
            "session.login",
            "user",
            user_id,
            &serde_json::json!({"via": "password"}),
            "",
        )?;
        Ok(s)
    })
}

/// Ends the session `session_hash` of `me`.
pub fn sign_out(
    c: &mut DbConnection,
    me: &CurrentUser,
    session_hash: Option<&str>,
) -> Result<(), DbError> {
    write_tx(c, |c| {
        if let Some(h) = session_hash {
            session::revoke(c, h)?;
        }
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "session.logout",
            "user",
            me.id,
            &serde_json::json!({}),
            "",
        )?;
        Ok(())
    })
}

/// Confirms an address by the link's token (used once); refused as `user_token::consume`
/// says (unknown, expired or used link).
pub fn verify_email(c: &mut DbConnection, token: &str) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let uid = user_token::consume(c, token, Purpose::VerifyEmail)?;
        user::mark_verified(c, uid)?;
        if let Some(u) = user::find(c, uid)? {
            audit::record(
                c,
                &Actor::user(uid, u.role()),
                "user.verify_email",
                "user",
                uid,
                &u.audit_view(),
                "",
            )?;
        }
        Ok(uid)
    })
}

/// Sends the confirmation link again; `false` when the address is confirmed already.
pub fn resend_verification(
    c: &mut DbConnection,
    me: &CurrentUser,
    lang: Lang,
    public_url: &str,
) -> Result<bool, DbError> {
    write_tx(c, |c| {
        let Some(u) = user::find(c, me.id)? else {
            return Ok(false);
        };
        if u.email_verified_at.is_some() {
            return Ok(false);
        }
        mail::queue_link(c, public_url, lang, &u, mail::Link::VerifyEmail)?;
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "user.verification_resent",
            "user",
            me.id,
            &serde_json::json!({}),
            "",
        )?;
        Ok(true)
    })
}

/// Mails a reset link to an active account with this address. Does the same visible thing
/// whether or not the address is registered: no account discovery.
pub fn request_password_reset(
    c: &mut DbConnection,
    email: &str,
    lang: Lang,
    public_url: &str,
) -> Result<(), DbError> {
    write_tx(c, |c| {
        let Some(u) = user::find_by_email(c, email)? else {
            return Ok(());
        };
        if !u.active() {
            return Ok(());
        }
        let ulang = Lang::parse(&u.locale).unwrap_or(lang);
        mail::queue_link(c, public_url, ulang, &u, mail::Link::ResetPassword)?;
        audit::record(
            c,
            &Actor::system(),
            "user.password_reset_requested",
            "user",
            u.id,
            &serde_json::json!({}),
            "",
        )?;
        Ok(())
    })
}

/// Sets the password `hash` by the reset link's token (used once). The link came by mail, so
/// the address is confirmed too; every session of the account ends, and the user is told.
/// Refused as `user_token::consume` says.
pub fn reset_password(
    c: &mut DbConnection,
    token: &str,
    hash: &str,
    lang: Lang,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let uid = user_token::consume(c, token, Purpose::ResetPassword)?;
        user::set_password(c, uid, hash)?;
        user::mark_verified(c, uid)?;
        session::revoke_all(c, uid, None)?;
        if let Some(u) = user::find(c, uid)? {
            let ulang = Lang::parse(&u.locale).unwrap_or(lang);
            let (s, b) = mail::compose(ulang, "password_changed", &[("name", &u.contact_name)]);
            crate::mail::store::enqueue(c, Some(uid), &u.email, &s, &b)?;
            audit::record(
                c,
                &Actor::user(uid, u.role()),
                "user.password_reset",
                "user",
                uid,
                &u.audit_view(),
                "",
            )?;
        }
        Ok(())
    })
}

/// `me` changes its own password to `hash`: every other session ends (this one, `keep`,
/// stays) and the account is told by mail.
pub fn change_password(
    c: &mut DbConnection,
    me: &CurrentUser,
    u: &User,
    hash: &str,
    keep: Option<&str>,
    lang: Lang,
) -> Result<(), DbError> {
    write_tx(c, |c| {
        user::set_password(c, u.id, hash)?;
        let ended = session::revoke_all(c, u.id, keep)?;
        let ulang = Lang::parse(&u.locale).unwrap_or(lang);
        let (s, b) = mail::compose(ulang, "password_changed", &[("name", &u.contact_name)]);
        crate::mail::store::enqueue(c, Some(u.id), &u.email, &s, &b)?;
        audit::record(
            c,
            &Actor::user(u.id, me.role),
            "user.password_change",
            "user",
            u.id,
            &u.audit_view(),
            &format!("other_sessions_ended={ended}"),
        )?;
        Ok(())
    })
}

// ---------------------------------------------------------------- the administrator's

/// A staff account made by an administrator: it sets its first password through the link
/// mailed to it. Refused with [`EMAIL_TAKEN`].
pub fn create_staff(
    c: &mut DbConnection,
    me: &CurrentUser,
    new: &NewUser,
    lang: Lang,
    public_url: &str,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let id = insert_user(c, new)?;
        let u = user::find(c, id)?.ok_or_else(DbError::not_found)?;
        mail::queue_link(c, public_url, lang, &u, mail::Link::StaffWelcome)?;
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "user.create_staff",
            "user",
            id,
            &u.audit_view(),
            "",
        )?;
        Ok(id)
    })
}

/// Enables or disables account `id` (a disabled account's sessions end). `false` when there
/// is no such account.
pub fn set_account_status(
    c: &mut DbConnection,
    me: &CurrentUser,
    id: i64,
    status: UserStatus,
) -> Result<bool, DbError> {
    write_tx(c, |c| {
        if user::set_status(c, id, status)? == 0 {
            return Ok(false);
        }
        if status == UserStatus::Disabled {
            session::revoke_all(c, id, None)?;
        }
        let u = user::find(c, id)?.ok_or_else(DbError::not_found)?;
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "user.set_status",
            "user",
            id,
            &u.audit_view(),
            status.as_str(),
        )?;
        Ok(true)
    })
}

/// A new department.
pub fn create_department(
    c: &mut DbConnection,
    me: &CurrentUser,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<(), DbError> {
    write_tx(c, |c| {
        let id = crate::accounts::store::department::insert(c, code, name_zh, name_en)?;
        let d = crate::accounts::store::department::find(c, id)?;
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "department.create",
            "department",
            id,
            &d,
            "",
        )?;
        Ok(())
    })
}

/// Saves the settings `values` (each already checked against its range).
pub fn save_settings(
    c: &mut DbConnection,
    me: &CurrentUser,
    values: &[(String, i64)],
    ocid_prefix: Option<&str>,
) -> Result<(), DbError> {
    use crate::accounts::store::settings::{OCID_PREFIX, set, set_text};
    write_tx(c, |c| {
        for (k, v) in values {
            set(c, k, *v, me.id)?;
        }
        let mut state: std::collections::BTreeMap<_, _> = values
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        if let Some(p) = ocid_prefix {
            set_text(c, OCID_PREFIX, p, me.id)?;
            state.insert(OCID_PREFIX.to_owned(), serde_json::json!(p));
        }
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "settings.update",
            "settings",
            "all",
            &state,
            "",
        )?;
        Ok(())
    })
}

/// The day already has an entry, `old`: its date, name and kind (in `lang`) are the reason's
/// arguments.
fn day_taken(old: &CalendarDay, lang: Lang) -> StepError {
    Refusal::conflict(DAY_TAKEN)
        .arg("date", old.day.format("%Y-%m-%d"))
        .arg("name", &old.name)
        .arg("kind", crate::i18n::tr(lang, old.kind.label_key()))
        .into()
}

/// A holiday or a worked weekend day in the calendar. Refused with [`DAY_TAKEN`] when the
/// day has an entry already (the entry stays as it is).
pub fn add_calendar_day(
    c: &mut DbConnection,
    me: &CurrentUser,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    lang: Lang,
) -> Result<NaiveDate, StepError> {
    write_tx(c, |c| {
        if let Some(old) = cal::find(c, day)? {
            return Err(day_taken(&old, lang));
        }
        let row = match cal::insert(c, day, kind, name, me.id)? {
            Some(row) => row,
            // Another administrator added the same day between the check and the insert.
            None => {
                let old = cal::find(c, day)?.ok_or_else(DbError::not_found)?;
                return Err(day_taken(&old, lang));
            }
        };
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "calendar_day.add",
            "calendar_day",
            day.format("%Y-%m-%d"),
            &row,
            "",
        )?;
        Ok(day)
    })
}

/// Removes a calendar day; `false` when there was none.
pub fn remove_calendar_day(
    c: &mut DbConnection,
    me: &CurrentUser,
    day: NaiveDate,
) -> Result<bool, DbError> {
    write_tx(c, |c| {
        let Some(old) = cal::remove(c, day)? else {
            return Ok(false);
        };
        audit::record(
            c,
            &Actor::user(me.id, me.role),
            "calendar_day.remove",
            "calendar_day",
            day.format("%Y-%m-%d"),
            &old,
            "",
        )?;
        Ok(true)
    })
}

/// Creates an administrator from the command line (checked input, hashed password): the
/// account and its audit entry; refused with [`EMAIL_TAKEN`].
pub fn create_admin(
    c: &mut DbConnection,
    email: &str,
    name: String,
    phone: String,
    password_hash: String,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let now = crate::db::now();
        let new = NewUser {
            role: Role::Admin,
            email: email.to_string(),
            password_hash,
            org_name: "攀枝花市政务服务管理局".into(),
            uscc: None,
            contact_name: name,
            phone,
            department_id: None,
            status: UserStatus::Active,
            email_verified_at: Some(now),
            locale: "zh-CN".into(),
            is_demo: false,
            created_at: now,
            updated_at: now,
        };
        let id = insert_user(c, &new)?;
        let u = user::find(c, id)?.ok_or_else(DbError::not_found)?;
        audit::record(
            c,
            &Actor::system(),
            "user.create_admin",
            "user",
            id,
            &u.audit_view(),
            "command line",
        )?;
        Ok(id)
    })
}

/// Flags a database as a demo/training database, at its creation: only while it has no
/// accounts yet (the database refuses otherwise, so a production database can never become
/// one). Returns whether the database is a demo database afterwards. Call inside the write
/// that loads the demo, before its first account.
pub fn flag_demo_at_creation(c: &mut DbConnection) -> Result<bool, DbError> {
    use crate::db::schema::users;
    let row = platform::read(c)?;
    if row.demo {
        return Ok(true);
    }
    let accounts: i64 = users::table.count().get_result(c)?;
    if accounts > 0 {
        return Ok(false);
    }
    let now = db::now();
    diesel::update(
        platform_clock::table
            .find(1)
            .filter(platform_clock::demo.eq(false)),
    )
    .set((
        platform_clock::demo.eq(true),
        platform_clock::flagged_at.eq(Some(now)),
    ))
    .execute(c)?;
    audit::record(
        c,
        &Actor::system(),
        "platform.demo_flag",
        "platform_clock",
        1,
        &serde_json::json!({ "demo": true, "flagged_at": now }),
        "demo",
    )?;
    Ok(true)
}

/// A moved clock: its offset afterwards, and the platform time before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    pub offset_seconds: i64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
}

/// Moves a demo database's clock forward by `step`, from the offset the administrator saw
/// (`seen`), in one transaction: the guarded update of the offset, the open sessions carried
/// along (their age is unchanged, so nobody is signed out by a rehearsal step), and the audit
/// entry. The caller records the new offset in its pool's clock.
///
/// Refused as not found on a production database (there is no clock to move), and with
/// [`MOVED_MEANWHILE`] when someone moved the clock since the page was loaded (`seen` is
/// stale): nothing changes, the administrator looks at the new time and decides again.
pub fn move_forward(
    c: &mut DbConnection,
    actor: &Actor,
    step: Step,
    seen: i64,
) -> Result<Moved, StepError> {
    db::write_tx(c, |c| {
        let row = platform::read(c)?;
        if !row.demo {
            return Err(Refusal::not_found().into());
        }
        if row.offset_seconds != seen {
            return Err(Refusal::conflict(MOVED_MEANWHILE).into());
        }
        // "Now" on the offset just read (this process may not have seen it yet).
        let real = crate::clock::system_now();
        let from = real + chrono::Duration::seconds(row.offset_seconds);
        let today = crate::domain::workdays::china_date(from.and_utc());
        let cal = crate::accounts::store::calendar::load_from(c, today)?;
        let to = rehearsal::advance(from, step, &cal);
        let delta = (to - from).num_seconds();
        let offset = row.offset_seconds + delta;
        let n = diesel::update(
            platform_clock::table
                .find(1)
                .filter(platform_clock::demo.eq(true))
                .filter(platform_clock::offset_seconds.eq(seen)),
        )
        .set((
            platform_clock::offset_seconds.eq(offset),
            platform_clock::moved_at.eq(Some(to)),
            platform_clock::moved_by.eq(actor.id),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(Refusal::conflict(MOVED_MEANWHILE).into());
        }
        let open: Vec<(String, NaiveDateTime, NaiveDateTime)> = sessions::table
            .select((
                sessions::id_hash,
                sessions::created_at,
                sessions::last_seen_at,
            ))
            .load(c)?;
        let shift = chrono::Duration::seconds(delta);
        for (id, created, seen_at) in open {
            diesel::update(sessions::table.find(id))
                .set((
                    sessions::created_at.eq(created + shift),
                    sessions::last_seen_at.eq(seen_at + shift),
                ))
                .execute(c)?;
        }
        audit::record(
            c,
            actor,
            "platform.clock_move",
            "platform_clock",
            1,
            &serde_json::json!({
                "unit": step.unit(),
                "amount": step.amount(),
                "from": from,
                "to": to,
                "offset_seconds": offset,
            }),
            "",
        )?;
        Ok(Moved {
            offset_seconds: offset,
            from,
            to,
        })
    })
}
