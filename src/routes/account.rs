//! The signed-in user's own pages: workbench, message centre, password change.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::Action;
use crate::db::{self, DbError, write_tx};
use crate::domain::password;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail;
use crate::models::audit::{self, Actor};
use crate::models::{self, mail::Message};
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html, msg};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/my", web::get().to(workbench))
        .route("/messages", web::get().to(messages))
        .route("/messages/{id}", web::get().to(message))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password));
}

/// A row of the message list, with the time already in Asia/Shanghai.
pub struct MessageRow {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub at: String,
    pub unread: bool,
}

fn row(m: &Message) -> MessageRow {
    MessageRow {
        id: m.id,
        subject: m.subject.clone(),
        body: m.body.clone(),
        at: crate::web::fmt_time(m.created_at),
        unread: m.read_at.is_none(),
    }
}

#[derive(Template)]
#[template(path = "account/workbench.html")]
pub struct WorkbenchPage {
    pub page: Page,
    pub org_name: String,
    pub role_label: String,
    pub email: String,
    pub email_verified: bool,
    pub department: String,
    pub recent: Vec<MessageRow>,
}

async fn workbench(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let uid = ctx.current()?.id;
    let lang = ctx.lang();
    let (user, dept, recent) = db::run(ctx.pool(), move |c| {
        let u = models::user::find(c, uid)?.ok_or(diesel::result::Error::NotFound)?;
        let d = match u.department_id {
            Some(id) => models::department::find(c, id)?.map(|d| d.name(lang).to_string()),
            None => None,
        };
        let m = models::mail::messages_for(c, uid, 5)?;
        Ok::<_, DbError>((u, d, m))
    })
    .await?;
    let p = WorkbenchPage {
        page: ctx.page(),
        org_name: user.org_name.clone(),
        role_label: ctx.t(user.role().label_key()).to_string(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        department: dept.unwrap_or_default(),
        recent: recent.iter().map(row).collect(),
    };
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "account/messages.html")]
pub struct MessagesPage {
    pub page: Page,
    pub messages: Vec<MessageRow>,
}

async fn messages(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let uid = ctx.current()?.id;
    let list = db::run(ctx.pool(), move |c| {
        models::mail::messages_for(c, uid, 200).map_err(DbError::from)
    })
    .await?;
    html(
        &MessagesPage {
            page: ctx.page(),
            messages: list.iter().map(row).collect(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "account/message.html")]
pub struct MessagePage {
    pub page: Page,
    pub message: MessageRow,
}

async fn message(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    ctx.authorize(Action::UseOwnAccount)?;
    let m = db::run(ctx.pool(), move |c| {
        models::mail::message(c, id).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    ctx.authorize(Action::ReadMessage { owner: m.user_id })?;
    // Opening a message marks it read: only the addressee's own unread flag changes.
    if m.read_at.is_none() {
        db::run(ctx.pool(), move |c| {
            models::mail::mark_read(c, id).map_err(DbError::from)
        })
        .await?;
    }
    html(
        &MessagePage {
            page: ctx.page(),
            message: row(&m),
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub page: Page,
    pub current: Field,
    pub password: Field,
    pub password2: Field,
}

async fn password_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let p = PasswordPage {
        page: ctx.page(),
        current: Field::default(),
        password: Field::default(),
        password2: Field::default(),
    };
    html(&p, StatusCode::OK)
}

async fn change_password(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let mut p = PasswordPage {
        page: ctx.page(),
        current: Field::default(),
        password: Field::default(),
        password2: Field::default(),
    };
    let uid = me.id;
    let user = db::run(ctx.pool(), move |c| {
        models::user::find(c, uid).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    if f.current.is_empty() {
        p.current.error = Some(msg(lang, "v.required", &[]));
    } else if !ctx
        .state
        .hasher
        .verify(f.current.clone(), Some(user.password_hash.clone()))
        .await
    {
        p.current.error = Some(msg(lang, "account.password.wrong_current", &[]));
    }
    match password::check(&f.password, &user.email) {
        Err(e) => p.password.error = Some(msg(lang, e.key(), &[])),
        Ok(()) if f.password == f.current => {
            p.password.error = Some(msg(lang, "account.password.same", &[]))
        }
        Ok(()) if f.password != f.password2 => {
            p.password2.error = Some(msg(lang, "auth.password.mismatch", &[]))
        }
        Ok(()) => {}
    }
    if p.current.has_error() || p.password.has_error() || p.password2.has_error() {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let hash = ctx
        .state
        .hasher
        .hash(f.password.clone())
        .await
        .map_err(AppError::internal)?;
    let keep = ctx.req.session_hash.clone();
    db::run(ctx.pool(), move |c| {
        write_tx(c, |c| {
            models::user::set_password(c, uid, &hash)?;
            // Every other session ends; this one stays so the user is not thrown out.
            let ended = models::session::revoke_all(c, uid, keep.as_deref())?;
            let ulang = Lang::parse(&user.locale).unwrap_or(lang);
            let (s, b) = mail::compose(ulang, "password_changed", &[("name", &user.contact_name)]);
            models::mail::enqueue(c, Some(uid), &user.email, &s, &b)?;
            audit::record(
                c,
                &Actor::user(uid, me.role),
                "user.password_change",
                "user",
                uid,
                &user.audit_view(),
                &format!("other_sessions_ended={ended}"),
            )?;
            Ok::<_, DbError>(())
        })
    })
    .await?;
    Ok(redirect_flash(
        "/my",
        FlashKind::Success,
        "account.password.changed",
    ))
}
