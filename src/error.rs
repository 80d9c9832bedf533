//! The one error type handlers return. Which constructor to use:
//! - `NotFound`: the object does not exist, or the user may not know it exists.
//! - `Forbidden`: signed in but not allowed (role or ownership) — logged by the policy.
//! - `NeedLogin`: not signed in; becomes a redirect to the login page.
//! - `BadRequest(key)`: malformed input that cannot be shown beside a field (a locale key).
//! - `Csrf`: the form's token is missing or wrong.
//! - `TooMany(secs)`: throttled.
//! - `Refused(refusal)`: a step said no (see [`Refusal`]); the page shows its reason.
//! - `Internal(cause)`: anything else; the user sees a reference id, the log the cause.
//!
//! Field-level validation never uses these: the handler re-renders its form with messages
//! beside the fields and a 422 status.
//!
//! The response built here has an empty body; `web::middleware::error_pages` renders the
//! page inside the layout (it knows the language and the user).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    NeedLogin(String),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("CSRF token missing or invalid")]
    Csrf,
    #[error("too many requests, retry in {0}s")]
    TooMany(i64),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("payload too large")]
    PayloadTooLarge,
    /// A signed-in user opened a guest-only page such as /login: sent to the workbench.
    #[error("already signed in")]
    AlreadySignedIn,
    /// A step or an authorising read said no: the error page shows the reason with the
    /// status of its kind (422, 409, 403, 404).
    #[error("{0}")]
    Refused(Refusal),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NeedLogin(_) => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::AlreadySignedIn => StatusCode::SEE_OTHER,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Refused(r) => r.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut b = HttpResponse::build(self.status_code());
        match self {
            AppError::NeedLogin(next) => {
                // The path comes from the request; a link back to it must stay on this site.
                let loc = format!(
                    "/login?next={}",
                    url_escape(&crate::web::safe_path::safe_next(next))
                );
                b.insert_header(("Location", loc)).finish()
            }
            AppError::AlreadySignedIn => b.insert_header(("Location", "/my")).finish(),
            AppError::TooMany(secs) => b.insert_header(("Retry-After", secs.to_string())).finish(),
            _ => b.finish(),
        }
    }
}

/// Percent-encodes a path for use as a query value.
pub fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Why a step (or a read that authorises) did not happen: the locale key of the reason (in
/// `locales/`), its arguments, and its kind. This is the one refusal type: every step returns
/// `Result<T, StepError>`, and a rule in `src/domain/` that says no is turned into a `Refusal`
/// by a `From` impl beside the step that asks it.
///
/// Which constructor to use:
/// - `invalid`: what was asked is not acceptable (bad input the form could not catch) → 422;
/// - `conflict`: the state the step met forbids it now (closed, already signed …) → 409;
/// - `forbidden`: this user may not do it to this object → 403;
/// - `not_found`: the object does not exist, or the user may not know it does → 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub kind: RefusalKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Invalid,
    Conflict,
    Forbidden,
    NotFound,
}

impl Refusal {
    fn new(kind: RefusalKind, key: &'static str) -> Refusal {
        Refusal {
            key,
            args: Vec::new(),
            kind,
        }
    }
    pub fn invalid(key: &'static str) -> Refusal {
        Refusal::new(RefusalKind::Invalid, key)
    }
    pub fn conflict(key: &'static str) -> Refusal {
        Refusal::new(RefusalKind::Conflict, key)
    }
    pub fn forbidden(key: &'static str) -> Refusal {
        Refusal::new(RefusalKind::Forbidden, key)
    }
    pub fn not_found() -> Refusal {
        Refusal::new(RefusalKind::NotFound, "err.404.message")
    }
    /// Adds an argument the locale text names (`{name}`).
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Refusal {
        self.args.push((name, value.to_string()));
        self
    }
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            RefusalKind::Conflict => StatusCode::CONFLICT,
            RefusalKind::Forbidden => StatusCode::FORBIDDEN,
            RefusalKind::NotFound => StatusCode::NOT_FOUND,
        }
    }
    /// The reason in the user's language.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        let a: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        crate::i18n::tr_args(lang, self.key, &a)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused ({:?}): {}", self.kind, self.key)
    }
}

/// What a step answers when it did not happen: refused by a rule (nothing written, the
/// transaction rolled back), or the database failed.
#[derive(Debug)]
pub enum StepError {
    Refused(Refusal),
    Db(crate::db::DbError),
}

impl From<Refusal> for StepError {
    fn from(r: Refusal) -> Self {
        StepError::Refused(r)
    }
}
impl From<crate::db::DbError> for StepError {
    fn from(e: crate::db::DbError) -> Self {
        StepError::Db(e)
    }
}
impl From<diesel::result::Error> for StepError {
    fn from(e: diesel::result::Error) -> Self {
        StepError::Db(crate::db::DbError::Query(e))
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Refused(r)
    }
}
impl From<StepError> for AppError {
    fn from(e: StepError) -> Self {
        match e {
            StepError::Refused(r) => AppError::Refused(r),
            StepError::Db(e) => e.into(),
        }
    }
}

/// A step refused because of the state it met (409), naming the rule's locale key.
pub(crate) fn conflict(key: &'static str) -> StepError {
    StepError::Refused(Refusal::conflict(key))
}

/// A step refused for what was asked (422), naming the rule's locale key.
pub(crate) fn refused(key: &'static str) -> StepError {
    StepError::Refused(Refusal::invalid(key))
}
