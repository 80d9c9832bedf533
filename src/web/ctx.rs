//! `Ctx`: what a handler knows about the request — the app state, the language, the signed-in
//! user and their CSRF token — filled by `middleware::session` before the handler runs.

use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;

use crate::audit::Actor;
use crate::auth::password::Hasher;
use crate::auth::policy::{self, Action, Decision};
use crate::config::Config;
use crate::db::Pool;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::web::page::{CurrentUser, Flash, FlashKind, Page};

pub const SESSION_COOKIE: &str = "zj_session";
pub const CSRF_COOKIE: &str = "zj_csrf";
pub const LANG_COOKIE: &str = "zj_lang";
pub const FLASH_COOKIE: &str = "zj_flash";

pub struct AppStateInner {
    pub pool: Pool,
    pub config: Config,
    pub hasher: Hasher,
    /// Public pages rendered for visitors, checked against the audit stamp per request.
    pub pages: crate::web::page_cache::PageCache,
    /// Live sessions read under the audit stamp (see `session_cache`).
    pub sessions: crate::web::session_cache::SessionCache,
    /// The settings read within the last second, for the session check.
    pub settings: std::sync::Arc<crate::accounts::store::settings::Recent>,
}

pub type AppState = web::Data<AppStateInner>;

/// Stored in the request extensions by the session middleware.
#[derive(Clone, Debug)]
pub struct ReqState {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    /// Hash of the session id, when signed in.
    pub session_hash: Option<String>,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub path: String,
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    /// The 演示环境 banner of a demo database (None on a production one).
    pub rehearsal: Option<crate::web::page::Rehearsal>,
    /// When the request was first seen (see `middleware::Arrived`): deadlines of writes are
    /// judged against it.
    pub arrived: chrono::NaiveDateTime,
}

/// Where a page may be kept in the page cache (see [`Ctx::page_keys`]).
#[derive(Default)]
pub struct PageKeys {
    whole: Option<(String, crate::web::page_cache::Stamp)>,
    parts: Option<(String, crate::web::page_cache::Stamp)>,
}

fn html_ok(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub req: ReqState,
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Ctx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(ctx_of(req))
    }
}

/// The request context without the payload: the app state and what the session middleware
/// stored in the request's extensions.
pub fn ctx_of(req: &HttpRequest) -> Result<Ctx, AppError> {
    let state = req.app_data::<AppState>().cloned();
    let rs = req.extensions().get::<ReqState>().cloned();
    match (state, rs) {
        (Some(state), Some(req)) => Ok(Ctx { state, req }),
        _ => Err(AppError::Internal("request context missing".into())),
    }
}

impl Ctx {
    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }
    pub fn config(&self) -> &Config {
        &self.state.config
    }
    pub fn pages(&self) -> &crate::web::page_cache::PageCache {
        &self.state.pages
    }

    /// Drops this instance's reading of the request's session after a change to it that the
    /// audit trail does not record (a message read: the unread count).
    pub fn forget_session(&self) {
        if let Some(h) = &self.req.session_hash {
            self.state.sessions.forget(h);
        }
    }

    /// The page cache's stamp: the last audit sequence number, read at most once per stamp
    /// window and shared by the requests of that window, and `today`. Read before the data.
    pub async fn stamp(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<crate::web::page_cache::Stamp, AppError> {
        let now = std::time::Instant::now();
        let seq = match self.pages().recent_seq(now) {
            Some(s) => s,
            None => {
                let state = self.state.clone();
                crate::db::run(self.pool(), move |c| {
                    Ok::<_, crate::db::DbError>(state.pages.seq_or_read(c, now)?)
                })
                .await?
            }
        };
        Ok(crate::web::page_cache::Stamp { seq, day: today })
    }

    /// Where a public page whose content is the same for everybody is kept in the page cache
    /// (nothing when the cache is off): its parts, for everyone, under the language, the path
    /// with its query and `variant` (what else the content depends on, e.g. a regulator's
    /// own department; empty for most pages); and the whole page, for a visitor without a
    /// flash message. Both under the stamp read now, before the data.
    pub async fn page_keys(
        &self,
        today: chrono::NaiveDate,
        variant: &str,
    ) -> Result<PageKeys, AppError> {
        if !self.pages().enabled() {
            return Ok(PageKeys::default());
        }
        let stamp = self.stamp(today).await?;
        let key = format!(
            "{}\u{1f}{}\u{1f}{variant}",
            self.lang().code(),
            self.req.path
        );
        let whole_page = self.req.user.is_none() && self.req.flash.is_none();
        Ok(PageKeys {
            whole: whole_page.then(|| (format!("p\u{1f}{key}"), stamp)),
            parts: Some((format!("s\u{1f}{key}"), stamp)),
        })
    }

    /// The page from the cache when it holds it under the current stamp: a visitor's whole
    /// page as it was stored, or the shared parts framed in this request's layout.
    pub fn cached_page(&self, keys: &PageKeys) -> Result<Option<HttpResponse>, AppError> {
        if let Some((k, s)) = &keys.whole
            && let Some(body) = self.pages().get(k, *s)
        {
            return Ok(Some(html_ok(body)));
        }
        if let Some((k, s)) = &keys.parts
            && let Some(parts) = self.pages().get_parts(k, *s)
            && parts.until.is_none_or(|u| crate::db::now() < u)
        {
            return Ok(Some(html_ok(self.framed(&parts)?)));
        }
        Ok(None)
    }

    /// Renders a page (its title and content blocks, framed in this request's layout) and
    /// keeps what `keys` says may be kept.
    pub fn keep_page<T: crate::web::page::Blocks>(
        &self,
        keys: PageKeys,
        t: &T,
    ) -> Result<HttpResponse, AppError> {
        self.keep_page_until(keys, t, None)
    }

    /// [`Ctx::keep_page`] for content that holds only until `until` (then only its parts are
    /// kept, which are checked against the time on every hit).
    pub fn keep_page_until<T: crate::web::page::Blocks>(
        &self,
        keys: PageKeys,
        t: &T,
        until: Option<chrono::NaiveDateTime>,
    ) -> Result<HttpResponse, AppError> {
        let (title, mut content) = t.blocks().map_err(AppError::internal)?;
        // Forms in the content carry this request's token: kept with a mark in its place,
        // so the parts serve the same page to another session of the same variant (the
        // whole page, token and all, is then not kept).
        let csrf = self.req.csrf.as_str();
        let marked = !csrf.is_empty() && content.contains(csrf);
        if marked {
            content = content.replace(csrf, crate::web::page_cache::TOKEN_MARK);
        }
        let parts = crate::web::page_cache::Parts {
            title: title.into(),
            content: content.into(),
            marked,
            until,
        };
        let body = self.framed(&parts)?;
        if let Some((k, s)) = keys.parts {
            self.pages().put_parts(k, s, &parts);
        }
        if let Some((k, s)) = keys.whole
            && !marked
            && until.is_none()
        {
            self.pages().put(k, s, body.clone());
        }
        Ok(html_ok(body))
    }

    /// A page's parts in this request's layout (and its token in the content's forms).
    fn framed(&self, parts: &crate::web::page_cache::Parts) -> Result<Bytes, AppError> {
        let tokened;
        let content: &str = if parts.marked {
            tokened = parts
                .content
                .replace(crate::web::page_cache::TOKEN_MARK, &self.req.csrf);
            &tokened
        } else {
            &parts.content
        };
        let page = crate::web::page::Framed {
            page: self.page(),
            title: &parts.title,
            content,
        };
        Ok(Bytes::from(page.render().map_err(AppError::internal)?))
    }

    pub fn lang(&self) -> Lang {
        self.req.lang
    }
    pub fn t(&self, key: &str) -> &'static str {
        i18n::tr(self.req.lang, key)
    }
    /// When the request was first seen, on the platform clock, before it waited for anything.
    pub fn arrived(&self) -> chrono::NaiveDateTime {
        self.req.arrived
    }
    pub fn user(&self) -> Option<&CurrentUser> {
        self.req.user.as_ref()
    }

    pub fn page(&self) -> Page {
        Page {
            lang: self.req.lang,
            user: self.req.user.clone(),
            csrf: self.req.csrf.clone(),
            flash: self.req.flash.clone(),
            path: self.req.path.clone(),
            rehearsal: self.req.rehearsal.clone(),
        }
    }

    /// Asks the policy; denials are logged here, once, for every route.
    pub fn authorize(&self, action: Action) -> Result<(), AppError> {
        match policy::decide(self.user(), action) {
            Decision::Allow => Ok(()),
            Decision::NeedLogin => {
                tracing::info!(?action, path = %self.req.path, "denied: login required");
                Err(AppError::NeedLogin(self.req.path.clone()))
            }
            Decision::Deny => {
                tracing::warn!(
                    ?action,
                    user_id = self.user().map(|u| u.id),
                    role = self.user().map(|u| u.role.as_str()),
                    path = %self.req.path,
                    request_id = %self.req.request_id,
                    "denied: not allowed"
                );
                Err(AppError::Forbidden)
            }
            Decision::AlreadySignedIn => Err(AppError::AlreadySignedIn),
        }
    }

    /// Whether the policy would allow `action`, without logging a denial: what a page asks
    /// before it offers a link or a button, so it offers only what `authorize` will let through.
    pub fn allows(&self, action: Action) -> bool {
        policy::decide(self.user(), action) == Decision::Allow
    }

    /// The signed-in user, after `authorize` has said yes to an action that needs one.
    pub fn current(&self) -> Result<&CurrentUser, AppError> {
        self.user()
            .ok_or_else(|| AppError::NeedLogin(self.req.path.clone()))
    }

    pub fn actor(&self) -> Actor {
        match self.user() {
            Some(u) => Actor::user(u.id, u.role),
            None => Actor {
                id: None,
                role: "visitor".into(),
            },
        }
    }

    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if !token.is_empty() && crate::auth::token::constant_time_eq(token, &self.req.csrf) {
            Ok(())
        } else {
            tracing::warn!(path = %self.req.path, request_id = %self.req.request_id, "CSRF check failed");
            Err(AppError::Csrf)
        }
    }

    pub fn session_cookie(&self, token: &str) -> Cookie<'static> {
        let mut c = Cookie::new(SESSION_COOKIE, token.to_string());
        c.set_http_only(true);
        c.set_same_site(SameSite::Lax);
        c.set_secure(self.config().https());
        c.set_path("/");
        c
    }

    pub fn clear_session_cookie(&self) -> Cookie<'static> {
        let mut c = self.session_cookie("");
        c.set_max_age(CookieDuration::ZERO);
        c
    }
}

/// POST → 303 → GET, carrying a one-time message (a locale key, never user text).
pub fn redirect_flash(to: &str, kind: FlashKind, key: &str) -> HttpResponse {
    let k = match kind {
        FlashKind::Success => "s",
        FlashKind::Error => "e",
        FlashKind::Info => "i",
    };
    let mut c = Cookie::new(FLASH_COOKIE, format!("{k}:{key}"));
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_string()))
        .cookie(c)
        .finish()
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_string()))
        .finish()
}

pub fn parse_flash(lang: Lang, v: &str) -> Option<Flash> {
    let (k, key) = v.split_once(':')?;
    let kind = match k {
        "s" => FlashKind::Success,
        "e" => FlashKind::Error,
        "i" => FlashKind::Info,
        _ => return None,
    };
    // Only known keys are shown: the cookie is user-controlled.
    let text = i18n::tr_opt(lang, key)?;
    Some(Flash {
        kind,
        text: text.to_string(),
    })
}
