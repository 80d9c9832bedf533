//! HTTP plumbing shared by every feature: the request context (`Ctx`), middleware (session,
//! language, CSRF cookie, security headers, error pages), form helpers and static assets.

pub mod assets;
pub mod chart;
pub mod ctx;
pub mod export;
pub mod extract;
pub mod fmt;
pub mod forms;
pub mod middleware;
pub mod page;
pub mod page_cache;
pub mod refused;
pub mod safe_path;
pub mod session_cache;

pub use ctx::{AppState, Ctx};
pub use safe_path::{safe_next, safe_path};

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

/// Shows a stored UTC time in Asia/Shanghai (kept here because every page uses it).
pub use fmt::time as fmt_time;
