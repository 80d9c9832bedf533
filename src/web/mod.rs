//! HTTP plumbing shared by every feature: the request context (`Ctx`), middleware (session,
//! language, CSRF cookie, security headers, error pages), form helpers and static assets.

pub mod assets;
pub mod ctx;
pub mod fmt;
pub mod forms;
pub mod middleware;
pub mod page;
pub mod page_cache;

pub use ctx::{AppState, Ctx};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// Renders a template with a status (forms re-rendered with errors use 422).
pub fn html<T: askama::Template>(
    t: &T,
    status: StatusCode,
) -> Result<HttpResponse, crate::error::AppError> {
    let body = t.render().map_err(crate::error::AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// A translated field message, with `{max}` style arguments.
pub fn msg(lang: crate::i18n::Lang, key: &str, args: &[(&str, &str)]) -> String {
    crate::i18n::tr_args(lang, key, args)
}

/// Only same-site relative paths are followed after login (no open redirect).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains("://")
    {
        next
    } else {
        "/my"
    }
}

/// Shows a stored UTC time in Asia/Shanghai (kept here because every page uses it).
pub use fmt::time as fmt_time;
