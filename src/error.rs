//! The one error type handlers return. Which constructor to use:
//! - `NotFound`: the object does not exist, or the user may not know it exists.
//! - `Forbidden`: signed in but not allowed (role or ownership) — logged by the policy.
//! - `NeedLogin`: not signed in; becomes a redirect to the login page.
//! - `BadRequest(key)`: malformed input that cannot be shown beside a field (a locale key).
//! - `Csrf`: the form's token is missing or wrong.
//! - `TooMany(secs)`: throttled.
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

/// A refused step: the locale key of the reason (in `locales/`) and its
/// arguments, and whether it is a conflict with the current state (409) or bad input (422).
#[derive(Debug)]
pub enum StepError {
    Db(crate::db::DbError),
    Refused {
        key: &'static str,
        args: Vec<(&'static str, String)>,
        conflict: bool,
    },
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

/// A step refused because of the state it met (409), naming the rule's locale key.
pub(crate) fn conflict(key: &'static str) -> StepError {
    StepError::Refused {
        key,
        args: Vec::new(),
        conflict: true,
    }
}

/// A step refused for what was asked (422), naming the rule's locale key.
pub(crate) fn refused(key: &'static str) -> StepError {
    StepError::Refused {
        key,
        args: Vec::new(),
        conflict: false,
    }
}
