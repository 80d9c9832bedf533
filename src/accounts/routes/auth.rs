//! Registration, e-mail verification, login, logout and password reset.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::steps;
use crate::accounts::store::user::NewUser;
use crate::auth::Role;
use crate::auth::login_attempt::Slot;
use crate::auth::policy::Action;
use crate::auth::user_token::{Purpose, TOKEN_UNKNOWN};
use crate::db::{self, DbError};
use crate::domain::{accounts, password, validate};
use crate::error::{AppError, Refusal, StepError};
use crate::i18n::tr_args;
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::{FlashKind, Page};
use crate::web::{Ctx, html, safe_next};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register_form))
        .route("/register", web::post().to(register))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/verify-email", web::get().to(verify_email))
        .route("/verify-email/resend", web::post().to(resend_verification))
        .route("/password/forgot", web::get().to(forgot_form))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/reset", web::get().to(reset_form))
        .route("/password/reset", web::post().to(reset));
}

fn field(v: &str) -> crate::web::page::Field {
    crate::web::page::Field::new(v)
}

// ---------------------------------------------------------------- registration

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    pub role: String,
    pub org_name: String,
    pub uscc: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "accounts/auth/register.html")]
pub struct RegisterPage {
    pub page: Page,
    /// "owner" or "agency".
    pub role: String,
    pub role_error: Option<String>,
    pub org_name: crate::web::page::Field,
    pub uscc: crate::web::page::Field,
    pub contact_name: crate::web::page::Field,
    pub phone: crate::web::page::Field,
    pub email: crate::web::page::Field,
    pub password: crate::web::page::Field,
    pub password2: crate::web::page::Field,
}

#[derive(Deserialize)]
pub struct RoleQuery {
    role: Option<String>,
}

/// The registration form for `role`, with what `f` holds (passwords are never echoed back).
fn register_page(ctx: &Ctx, role: &str, f: &RegisterForm) -> RegisterPage {
    RegisterPage {
        page: ctx.page(),
        role: role.into(),
        role_error: None,
        org_name: field(&f.org_name),
        uscc: field(&f.uscc),
        contact_name: field(&f.contact_name),
        phone: field(&f.phone),
        email: field(&f.email),
        password: field(""),
        password2: field(""),
    }
}

async fn register_form(ctx: Ctx, q: web::Query<RoleQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseGuestForms)?;
    let role = match q.role.as_deref() {
        Some("agency") => "agency",
        _ => "owner",
    };
    let p = register_page(&ctx, role, &RegisterForm::default());
    html(&p, StatusCode::OK)
}

/// The role, the checked registration and the password of the form, or `None` with the
/// messages beside the fields of `p`.
fn parse_register(
    lang: crate::i18n::Lang,
    f: &RegisterForm,
    p: &mut RegisterPage,
) -> Option<(Role, accounts::Registration)> {
    let role = Role::parse(&f.role).filter(|r| r.self_registered());
    if role.is_none() {
        p.role_error = Some(tr_args(lang, "auth.register.role_invalid", &[]));
    }
    let input = accounts::RegistrationInput {
        org_name: f.org_name.clone(),
        uscc: f.uscc.clone(),
        contact: accounts::ContactInput {
            contact_name: f.contact_name.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
        },
    };
    let reg = accounts::parse_registration(&input).map_err(|problems| {
        for pr in &problems {
            let field = match pr.field {
                "org_name" => &mut p.org_name,
                "uscc" => &mut p.uscc,
                "contact_name" => &mut p.contact_name,
                "phone" => &mut p.phone,
                _ => &mut p.email,
            };
            field.fail(lang, pr.key, &pr.args);
        }
    });
    let typed_email = validate::email(&f.email).map(|e| e.to_lowercase());
    let pw_ok = match password::check(&f.password, typed_email.as_deref().unwrap_or(&f.email)) {
        Ok(()) if f.password != f.password2 => {
            p.password2.fail(lang, "auth.password.mismatch", &[]);
            false
        }
        Ok(()) => true,
        Err(e) => {
            p.password.fail(lang, e.key(), &[]);
            false
        }
    };
    match (role, reg, pw_ok) {
        (Some(role), Ok(reg), true) => Some((role, reg)),
        _ => None,
    }
}

/// The account row of a checked registration, its password already hashed.
fn new_account(
    role: Role,
    reg: accounts::Registration,
    password_hash: String,
    lang: crate::i18n::Lang,
) -> NewUser {
    let accounts::Registration {
        org_name,
        uscc,
        contact:
            accounts::Contact {
                contact_name,
                phone,
                email,
            },
    } = reg;
    let now = db::now();
    NewUser {
        role,
        email,
        password_hash,
        org_name,
        uscc: Some(uscc.as_str().to_string()),
        contact_name,
        phone,
        department_id: None,
        status: crate::domain::status::UserStatus::Active,
        email_verified_at: None,
        locale: lang.code().into(),
        is_demo: false,
        created_at: now,
        updated_at: now,
    }
}

async fn register(ctx: Ctx, CsrfForm(f): CsrfForm<RegisterForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseGuestForms)?;
    let lang = ctx.lang();
    let mut p = register_page(&ctx, &f.role, &f);
    let Some((role, reg)) = parse_register(lang, &f, &mut p) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let hash = ctx
        .state
        .hasher
        .hash(f.password.clone())
        .await
        .map_err(AppError::internal)?;
    let new = new_account(role, reg, hash, lang);
    let public_url = ctx.config().public_url.clone();
    let (ip, ua) = (ctx.req.ip.clone(), ctx.req.user_agent.clone());
    let outcome = db::run(ctx.pool(), move |c| {
        let client = steps::Client {
            ip: &ip,
            user_agent: &ua,
        };
        steps::register(c, &new, role, lang, &public_url, &client)
    })
    .await;
    match outcome {
        Ok(session) => {
            let mut res = redirect_flash("/my", FlashKind::Success, "auth.register.done");
            res.add_cookie(&ctx.session_cookie(&session.token))
                .map_err(AppError::internal)?;
            Ok(res)
        }
        Err(StepError::Refused(r)) if r.key == steps::EMAIL_TAKEN => {
            p.email.error = Some(r.message(lang));
            html(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(StepError::Refused(r)) if r.key == steps::USCC_TAKEN => {
            p.uscc.error = Some(r.message(lang));
            html(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- login / logout

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "accounts/auth/login.html")]
pub struct LoginPage {
    pub page: Page,
    pub email: crate::web::page::Field,
    pub password: crate::web::page::Field,
    pub next: String,
    /// Shown above the form (wrong credentials, throttled).
    pub error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_form(ctx: Ctx, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseGuestForms)?;
    let p = LoginPage {
        page: ctx.page(),
        email: field(""),
        password: field(""),
        next: safe_next(q.next.as_deref().unwrap_or("/my")).to_string(),
        error: None,
    };
    html(&p, StatusCode::OK)
}

/// Puts "required" or "invalid" beside the empty or overlong fields of the login form;
/// `false` when there is one.
fn login_fields_ok(
    lang: crate::i18n::Lang,
    email: &str,
    password: &str,
    p: &mut LoginPage,
) -> bool {
    if email.is_empty() || email.chars().count() > validate::EMAIL_MAX {
        p.email.fail(
            lang,
            if email.is_empty() {
                "v.required"
            } else {
                "v.email.invalid"
            },
            &[],
        );
    }
    if password.is_empty() {
        p.password.fail(lang, "v.required", &[]);
    }
    !(p.email.has_error() || p.password.has_error())
}

/// The login form again with the wait before the next attempt (429, `Retry-After`).
fn throttled(
    lang: crate::i18n::Lang,
    mut p: LoginPage,
    secs: i64,
) -> Result<HttpResponse, AppError> {
    p.error = Some(tr_args(
        lang,
        "auth.login.throttled",
        &[("seconds", &secs.to_string())],
    ));
    let mut res = html(&p, StatusCode::TOO_MANY_REQUESTS)?;
    res.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(secs.max(1) as u64),
    );
    Ok(res)
}

async fn login(ctx: Ctx, CsrfForm(f): CsrfForm<LoginForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseGuestForms)?;
    let lang = ctx.lang();
    let email = f.email.trim().to_lowercase();
    let mut p = LoginPage {
        page: ctx.page(),
        email: field(&f.email),
        password: field(""),
        next: safe_next(&f.next).to_string(),
        error: None,
    };
    if !login_fields_ok(lang, &email, &f.password, &mut p) {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let ip = ctx.req.ip.clone();
    let (e2, ip2) = (email.clone(), ip.clone());
    // The slot is taken before the password is verified, so a burst of guesses in flight at
    // once is counted as it arrives and cannot outrun the rule.
    let (slot, user) = db::run(ctx.pool(), move |c| {
        let slot = crate::auth::login_attempt::take_slot(c, &e2, &ip2)?;
        let u = match slot {
            Slot::Taken(_) => crate::accounts::store::user::find_by_email(c, &e2)?,
            Slot::Wait(_) => None,
        };
        Ok::<_, DbError>((slot, u))
    })
    .await?;
    let attempt = match slot {
        Slot::Taken(id) => id,
        Slot::Wait(secs) => {
            tracing::warn!(ip = %ip, "login throttled");
            return throttled(lang, p, secs);
        }
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = ctx.state.hasher.verify(f.password.clone(), hash).await;
    let user = user.filter(|_| ok);
    let disabled = user.as_ref().is_some_and(|u| !u.active());
    let Some(user) = user.filter(|u| u.active()) else {
        // The slot already stands as a failure: nothing more to write.
        tracing::info!(ip = %ip, "login failed");
        let key = if disabled {
            "auth.login.disabled"
        } else {
            "auth.login.failed"
        };
        p.error = Some(tr_args(lang, key, &[]));
        return html(&p, StatusCode::UNAUTHORIZED);
    };
    let ua = ctx.req.user_agent.clone();
    let old = ctx.req.session_hash.clone();
    let (uid, role) = (user.id, user.role());
    let session = db::run(ctx.pool(), move |c| {
        let client = steps::Client {
            ip: &ip,
            user_agent: &ua,
        };
        steps::sign_in(c, uid, role, attempt, old.as_deref(), &client)
    })
    .await?;
    let mut res = crate::web::ctx::redirect(&safe_next(&f.next));
    res.add_cookie(&ctx.session_cookie(&session.token))
        .map_err(AppError::internal)?;
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmptyForm {}

async fn logout(ctx: Ctx, CsrfForm(_): CsrfForm<EmptyForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let u = ctx.current()?.clone();
    let hash = ctx.req.session_hash.clone();
    db::run(ctx.pool(), move |c| steps::sign_out(c, &u, hash.as_deref())).await?;
    let mut res = redirect_flash("/", FlashKind::Info, "auth.logout.done");
    res.add_cookie(&ctx.clear_session_cookie())
        .map_err(AppError::internal)?;
    Ok(res)
}

// ---------------------------------------------------------------- e-mail verification

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/auth/notice.html")]
pub struct NoticePage {
    pub page: Page,
    pub title: String,
    pub message: String,
    pub ok: bool,
}

fn valid_token_shape(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn verify_email(ctx: Ctx, q: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let lang = ctx.lang();
    let tok = q.token.clone().unwrap_or_default();
    let result = if valid_token_shape(&tok) {
        db::run(ctx.pool(), move |c| steps::verify_email(c, &tok)).await
    } else {
        Err(Refusal::invalid(TOKEN_UNKNOWN).into())
    };
    let (ok, message, status) = match result {
        Ok(_) => (true, tr_args(lang, "auth.verify.done", &[]), StatusCode::OK),
        Err(StepError::Refused(r)) => (false, r.message(lang), StatusCode::BAD_REQUEST),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    let p = NoticePage {
        page: ctx.page(),
        title: tr_args(lang, "auth.verify.title", &[]),
        message,
        ok,
    };
    html(&p, status)
}

async fn resend_verification(
    ctx: Ctx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let u = ctx.current()?.clone();
    let lang = ctx.lang();
    let public_url = ctx.config().public_url.clone();
    let sent = db::run(ctx.pool(), move |c| {
        steps::resend_verification(c, &u, lang, &public_url)
    })
    .await?;
    Ok(redirect_flash(
        "/my",
        FlashKind::Info,
        if sent {
            "auth.verify.resent"
        } else {
            "auth.verify.already"
        },
    ))
}

// ---------------------------------------------------------------- password reset

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    pub email: String,
}

#[derive(Template)]
#[template(path = "accounts/auth/forgot.html")]
pub struct ForgotPage {
    pub page: Page,
    pub email: crate::web::page::Field,
}

async fn forgot_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseGuestForms)?;
    html(
        &ForgotPage {
            page: ctx.page(),
            email: field(""),
        },
        StatusCode::OK,
    )
}

async fn forgot(ctx: Ctx, CsrfForm(f): CsrfForm<ForgotForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseGuestForms)?;
    let lang = ctx.lang();
    let email = match validate::email(&f.email) {
        Ok(e) => e.to_lowercase(),
        Err(e) => {
            let mut p = ForgotPage {
                page: ctx.page(),
                email: field(&f.email),
            };
            p.email.fail(lang, e.key(), &e.args());
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let public_url = ctx.config().public_url.clone();
    db::run(ctx.pool(), move |c| {
        steps::request_password_reset(c, &email, lang, &public_url)
    })
    .await?;
    Ok(redirect_flash(
        "/login",
        FlashKind::Info,
        "auth.forgot.sent",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    pub token: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "accounts/auth/reset.html")]
pub struct ResetPage {
    pub page: Page,
    pub token: String,
    pub password: crate::web::page::Field,
    pub password2: crate::web::page::Field,
}

/// The page of a reset link that does not work (the reason, 400); a database failure stays
/// an error.
fn token_notice(ctx: &Ctx, e: StepError) -> Result<HttpResponse, AppError> {
    let StepError::Refused(r) = e else {
        return Err(e.into());
    };
    let lang = ctx.lang();
    let page = NoticePage {
        page: ctx.page(),
        title: tr_args(lang, "auth.reset.title", &[]),
        message: r.message(lang),
        ok: false,
    };
    html(&page, StatusCode::BAD_REQUEST)
}

/// A link whose token cannot be one of ours: refused without asking the database.
fn unknown_token() -> StepError {
    Refusal::invalid(TOKEN_UNKNOWN).into()
}

async fn reset_form(ctx: Ctx, q: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let tok = q.token.clone().unwrap_or_default();
    if !valid_token_shape(&tok) {
        return token_notice(&ctx, unknown_token());
    }
    let t2 = tok.clone();
    let r = db::run(ctx.pool(), move |c| {
        crate::auth::user_token::peek(c, &t2, Purpose::ResetPassword)
    })
    .await;
    if let Err(e) = r {
        return token_notice(&ctx, e);
    }
    html(
        &ResetPage {
            page: ctx.page(),
            token: tok,
            password: field(""),
            password2: field(""),
        },
        StatusCode::OK,
    )
}

async fn reset(ctx: Ctx, CsrfForm(f): CsrfForm<ResetForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let lang = ctx.lang();
    if !valid_token_shape(&f.token) {
        return token_notice(&ctx, unknown_token());
    }
    let t2 = f.token.clone();
    let peeked = db::run(ctx.pool(), move |c| {
        let uid = crate::auth::user_token::peek(c, &t2, Purpose::ResetPassword)?;
        Ok::<_, StepError>(
            crate::accounts::store::user::find(c, uid)?
                .map(|u| u.email)
                .unwrap_or_default(),
        )
    })
    .await;
    let email = match peeked {
        Ok(e) => e,
        Err(e) => return token_notice(&ctx, e),
    };
    let mut p = ResetPage {
        page: ctx.page(),
        token: f.token.clone(),
        password: field(""),
        password2: field(""),
    };
    match password::check(&f.password, &email) {
        Err(e) => p.password.fail(lang, e.key(), &[]),
        Ok(()) if f.password != f.password2 => {
            p.password2.fail(lang, "auth.password.mismatch", &[])
        }
        Ok(()) => {}
    }
    if p.password.has_error() || p.password2.has_error() {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let hash = ctx
        .state
        .hasher
        .hash(f.password.clone())
        .await
        .map_err(AppError::internal)?;
    let tok = f.token.clone();
    let r = db::run(ctx.pool(), move |c| {
        steps::reset_password(c, &tok, &hash, lang)
    })
    .await;
    match r {
        Ok(()) => Ok(redirect_flash(
            "/login",
            FlashKind::Success,
            "auth.reset.done",
        )),
        Err(e) => token_notice(&ctx, e),
    }
}
