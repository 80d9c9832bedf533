//! Middleware, outermost first:
//! 0. a HEAD request is routed as the GET of the same address (the connection still sends
//!    no body for it), so every page and file answers HEAD as HTTP asks.
//! 1. `security_headers` — CSP, nosniff, frame-ancestors, referrer policy, HSTS on HTTPS;
//!    applied to every response, error pages included.
//! 2. `error_pages` — any 4xx/5xx without a page of its own is rendered inside the layout,
//!    in the user's language, with a reference id; 500 causes go to the log, not the page.
//! 3. `session` — language (`?lang=` or cookie), the signed-in user from the session
//!    cookie, the CSRF token, the flash message; stored as `ReqState` for `Ctx`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use askama::Template;

use super::ctx::{
    AppState, CSRF_COOKIE, FLASH_COOKIE, LANG_COOKIE, ReqState, SESSION_COOKIE, parse_flash,
};
use super::page::{CurrentUser, Page, Rehearsal};
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::i18n::{self, Lang};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// When the request was first seen by the application, on the platform clock.
#[derive(Clone, Copy, Debug)]
pub struct Arrived(pub chrono::NaiveDateTime);

pub async fn security_headers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let state = req.app_data::<AppState>().cloned();
    if let Some(s) = &state {
        // The arrival time, stamped before anything can make the request wait (the session
        // lookup, a pooled connection, the write lock): a quote sent before the deadline is
        // judged by when it was seen, not by when a worker got to it.
        s.pool.clock().install_for_thread();
        req.extensions_mut().insert(Arrived(db::now()));
    }
    let https = state.map(|s| s.config.https()).unwrap_or(false);
    let is_static = req.path().starts_with("/static/");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let set = |h: &mut header::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "strict-origin-when-cross-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    if https {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    h.remove(header::SERVER);
    Ok(res)
}

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub page: Page,
    pub status: u16,
    pub title: String,
    pub message: String,
    pub reference: String,
}

/// Renders the error page for a status. Used by the middleware and the 404 fallback.
pub fn render_error(page: Page, status: u16, message_key: &str, reference: &str) -> HttpResponse {
    let message = i18n::tr(page.lang, message_key).to_string();
    render_error_message(page, status, message, reference)
}

/// As `render_error`, with the message already in the page's language.
pub fn render_error_message(
    page: Page,
    status: u16,
    message: String,
    reference: &str,
) -> HttpResponse {
    let lang = page.lang;
    let title_key = match status {
        400 => "err.400.title",
        403 => "err.403.title",
        404 => "err.404.title",
        405 => "err.405.title",
        409 => "err.409.title",
        413 => "err.413.title",
        422 => "err.422.title",
        429 => "err.429.title",
        s if s >= 500 => "err.500.title",
        _ => "err.400.title",
    };
    let tpl = ErrorPage {
        page,
        status,
        title: i18n::tr(lang, title_key).to_string(),
        message,
        reference: reference.to_string(),
    };
    let code = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    match tpl.render() {
        Ok(html) => HttpResponse::build(code)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "error template failed");
            HttpResponse::build(code)
                .content_type("text/plain; charset=utf-8")
                .body(format!("{status} ({reference})"))
        }
    }
}

fn page_from_state(rs: Option<&ReqState>) -> Page {
    match rs {
        Some(rs) => Page {
            lang: rs.lang,
            user: rs.user.clone(),
            csrf: rs.csrf.clone(),
            flash: None,
            path: rs.path.clone(),
            rehearsal: rs.rehearsal.clone(),
        },
        None => Page {
            lang: Lang::Zh,
            user: None,
            csrf: String::new(),
            flash: None,
            path: "/".into(),
            rehearsal: None,
        },
    }
}

pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = match next.call(req).await {
        Ok(r) => r.map_into_boxed_body(),
        Err(e) => {
            // An error that escaped as Err: turn it into a response we can decorate.
            return Err(e);
        }
    };
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if is_html {
        return Ok(res);
    }
    let rs = res.request().extensions().get::<ReqState>().cloned();
    let reference = rs
        .as_ref()
        .map(|r| r.request_id.clone())
        .unwrap_or_default();
    let app_err = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>());
    let message_key = match app_err {
        Some(AppError::BadRequest(k)) => k,
        Some(AppError::Csrf) => "err.csrf",
        Some(AppError::TooMany(_)) => "err.429.message",
        Some(AppError::PayloadTooLarge) => "err.413.message",
        _ => match status.as_u16() {
            400 => "err.400.message",
            403 => "err.403.message",
            404 => "err.404.message",
            405 => "err.405.message",
            413 => "err.413.message",
            429 => "err.429.message",
            _ if status.is_server_error() => "err.500.message",
            _ => "err.400.message",
        },
    };
    if status.is_server_error() {
        let cause = res
            .response()
            .error()
            .map(|e| e.to_string())
            .unwrap_or_default();
        tracing::error!(reference = %reference, status = status.as_u16(), cause = %cause, "server error");
    } else if let Some(e) = res.response().error() {
        tracing::info!(reference = %reference, status = status.as_u16(), cause = %e, "client error");
    }
    let page = page_from_state(rs.as_ref());
    let message = match app_err {
        Some(AppError::Refused(r)) => r.message(page.lang),
        _ => i18n::tr(page.lang, message_key).to_string(),
    };
    let mut page_res = render_error_message(page, status.as_u16(), message, &reference);
    // Keep headers the handler meant for the client (Retry-After, Location …).
    for (k, v) in res.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            page_res.headers_mut().insert(k.clone(), v.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, page_res))
}

fn client_ip(req: &ServiceRequest) -> String {
    // Behind a load balancer the peer is the balancer; `realip_remote_addr` honours
    // X-Forwarded-For / Forwarded. Only trust it when configured behind a proxy.
    let trust_proxy = std::env::var("ZJ_TRUST_PROXY").is_ok_and(|v| v == "1" || v == "true");
    let info = req.connection_info();
    let ip = if trust_proxy {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    ip.unwrap_or("unknown").to_string()
}

/// The request's path and query without `lang=`, for the language switch and the way back
/// after login; `/` when the path is not a plain same-site path (`//host/…` reaches the 404
/// page, whose links must not lead off-site).
fn path_without_lang(req: &ServiceRequest) -> String {
    let q: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "lang")
        .collect();
    let path = if q.is_empty() {
        req.path().to_string()
    } else {
        let qs: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish();
        format!("{}?{}", req.path(), qs)
    };
    super::safe_path(&path, "/").into_owned()
}

/// The language the request asks for: `?lang=` (a switch, remembered in a cookie) and the
/// cookie of an earlier switch.
struct AskedLang {
    query: Option<Lang>,
    cookie: Option<Lang>,
}

impl AskedLang {
    fn of(req: &ServiceRequest) -> AskedLang {
        AskedLang {
            query: url::form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Lang::parse(&v)),
            cookie: req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())),
        }
    }

    /// The page's language: the one asked for, else the signed-in user's own, else Chinese.
    fn resolve(&self, signed_in: Option<&SignedIn>) -> Lang {
        self.query
            .or(self.cookie)
            .or_else(|| signed_in.and_then(|s| Lang::parse(&s.locale)))
            .unwrap_or(Lang::Zh)
    }
}

/// The user of a live session, as the request carries it.
struct SignedIn {
    user: CurrentUser,
    session_hash: String,
    csrf: String,
    /// The language kept on the user row.
    locale: String,
}

/// The signed-in user of the session cookie, if its session is live. A database failure
/// serves the request as a visitor's (logged). A GET without a language switch may be
/// answered from this instance's reading of the session under the current audit stamp
/// (`session_cache`): a kept page then costs no database round trip.
async fn session_lookup(
    state: &AppState,
    req: &ServiceRequest,
    query_lang: Option<Lang>,
) -> Option<SignedIn> {
    let token = req
        .cookie(SESSION_COOKIE)
        .filter(|c| !c.value().is_empty())?
        .value()
        .to_string();
    let cacheable = state.sessions.enabled()
        && req.method() == actix_web::http::Method::GET
        && query_lang.is_none();
    let at = std::time::Instant::now();
    let seq = if cacheable {
        state.pages.recent_seq(at)
    } else {
        None
    };
    if let Some(seq) = seq
        && let Some(settings) = state.settings.recent()
    {
        state.pool.refresh_clock().await;
        let id_hash = crate::auth::token::hash_token(&token);
        if let Some(l) = state.sessions.get(&id_hash, seq, db::now(), at, &settings) {
            return Some(signed_in(l));
        }
    }
    let st = state.clone();
    let loaded = db::run(&state.pool, move |conn| {
        // The stamp before the session: the reading kept is never newer than its stamp.
        let seq = if cacheable {
            Some(st.pages.seq_or_read(conn, at)?)
        } else {
            None
        };
        let settings = st.settings.get_or_load(conn)?;
        let mut l = crate::auth::session::load(conn, &token, &settings)?;
        // The language switch of a signed-in user is their choice for mail too: it is
        // kept on the user row (only when it changes), so what the platform writes to
        // them follows the language they read.
        if let (Some(s), Some(q)) = (l.as_mut(), query_lang)
            && s.user.locale != q.code()
        {
            crate::accounts::store::user::set_locale(conn, s.user.id, q.code())?;
            s.user.locale = q.code().to_string();
        }
        Ok::<_, DbError>((l, seq))
    })
    .await;
    let l = match loaded {
        Ok((l, seq)) => {
            let l = l?;
            if let Some(seq) = seq {
                state.sessions.put(&l, seq, at);
            }
            l
        }
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed; serving as visitor");
            return None;
        }
    };
    Some(signed_in(l))
}

fn signed_in(l: crate::auth::session::Loaded) -> SignedIn {
    let u = l.user;
    SignedIn {
        user: CurrentUser {
            id: u.id,
            role: u.role(),
            display_name: if u.contact_name.is_empty() {
                u.org_name.clone()
            } else {
                format!("{}（{}）", u.org_name, u.contact_name)
            },
            email: u.email,
            unread: l.unread,
            department_id: u.department_id,
        },
        session_hash: l.id_hash,
        csrf: l.csrf,
        locale: u.locale,
    }
}

/// The CSRF token of the request: the session's when signed in, else the visitor's cookie;
/// a visitor without one gets a new token, returned second so the response sets its cookie.
fn csrf_token(req: &ServiceRequest, session_csrf: Option<String>) -> (String, Option<String>) {
    if let Some(t) = session_csrf {
        return (t, None);
    }
    match req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
    {
        Some(t) => (t, None),
        None => {
            let t = crate::auth::token::new_token();
            (t.clone(), Some(t))
        }
    }
}

/// The 演示环境 banner of a demo database. Signed in, the session read has refreshed the
/// clock; a visitor's request may not touch the database at all (a cached page), so the
/// clock is read here when it is due.
async fn rehearsal_banner(state: &AppState, signed_in: bool) -> Option<Rehearsal> {
    if !signed_in {
        state.pool.refresh_clock().await;
    }
    Rehearsal::of(state.pool.clock())
}

/// A cookie for the whole site.
fn site_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_path("/");
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c
}

/// What the response sets for the next requests: the language switched to, a visitor's new
/// CSRF token, and the end of a flash message this page showed (unless it sets a new one).
struct Remember {
    lang: Option<Lang>,
    new_csrf: Option<String>,
    had_flash: bool,
    secure: bool,
}

impl Remember {
    fn apply(self, res: &mut ServiceResponse<impl MessageBody>) {
        if let Some(l) = self.lang {
            let mut c = site_cookie(LANG_COOKIE, l.code().to_string(), self.secure);
            c.set_max_age(CookieDuration::days(365));
            let _ = res.response_mut().add_cookie(&c);
        }
        if let Some(tok) = self.new_csrf {
            let mut c = site_cookie(CSRF_COOKIE, tok, self.secure);
            c.set_http_only(true);
            let _ = res.response_mut().add_cookie(&c);
        }
        let sets_flash = res.response().cookies().any(|c| c.name() == FLASH_COOKIE);
        if self.had_flash && !sets_flash && res.status().is_success() {
            let mut c = Cookie::new(FLASH_COOKIE, "");
            c.set_path("/");
            c.set_max_age(CookieDuration::ZERO);
            let _ = res.response_mut().add_cookie(&c);
        }
    }
}

/// Per request: the language, the signed-in user, the CSRF token, the flash message and the
/// rehearsal banner, stored as `ReqState` for `Ctx`; the access log line; the cookies the
/// response sets for the next requests.
pub async fn session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.path().starts_with("/static/") || req.path() == "/healthz" {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    }
    let Some(state) = req.app_data::<AppState>().cloned() else {
        return Err(AppError::Internal("app state missing".into()).into());
    };
    // This worker thread serves this application only: its handlers' "now" is the platform
    // clock of this application's database (see `crate::clock`).
    state.pool.clock().install_for_thread();
    let asked = AskedLang::of(&req);
    let signed_in = session_lookup(&state, &req, asked.query).await;
    let lang = asked.resolve(signed_in.as_ref());
    let rehearsal = rehearsal_banner(&state, signed_in.is_some()).await;
    let (user, session_hash, session_csrf) = match signed_in {
        Some(s) => (Some(s.user), Some(s.session_hash), Some(s.csrf)),
        None => (None, None, None),
    };
    let (csrf, new_csrf) = csrf_token(&req, session_csrf);
    let flash_cookie = req.cookie(FLASH_COOKIE).map(|c| c.value().to_string());
    let rs = ReqState {
        lang,
        user,
        session_hash,
        csrf,
        flash: flash_cookie.as_deref().and_then(|v| parse_flash(lang, v)),
        path: path_without_lang(&req),
        ip: client_ip(&req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        request_id: hex::encode(crate::auth::token::random_bytes::<6>()),
        rehearsal,
        arrived: req
            .extensions()
            .get::<Arrived>()
            .map(|a| a.0)
            .unwrap_or_else(db::now),
    };
    let remember = Remember {
        lang: asked.query,
        new_csrf,
        had_flash: flash_cookie.is_some(),
        secure: state.config.https(),
    };
    let started = std::time::Instant::now();
    let (method, log_path, request_id) = (
        req.method().to_string(),
        req.path().to_string(),
        rs.request_id.clone(),
    );
    let user_id = rs.user.as_ref().map(|u| u.id);
    req.extensions_mut().insert(rs);
    let writes = req.method() != actix_web::http::Method::GET;

    let mut res = next.call(req).await?;
    if writes {
        // What this request wrote is seen by the next request here at once: it reads the
        // audit stamp again rather than share the reading of the window.
        state.pages.forget_seq();
    }
    // The access log names the path without its query: tokens travel in query strings.
    tracing::info!(
        method = %method,
        path = %log_path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        request_id = %request_id,
        user_id,
        "request"
    );
    remember.apply(&mut res);
    Ok(res.map_into_boxed_body())
}
