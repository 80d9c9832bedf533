//! The result part of an announcement page (after opening), objections, justification,
//! the owner's choice, confirmation and award.

use actix_web::web;

use crate::error::AppError;
use crate::models::announcement::Announcement;
use crate::web::Ctx;

pub fn config(_cfg: &mut web::ServiceConfig) {}

/// What `templates/result/_section.html` shows on `/announcements/{id}` once opened.
pub struct ResultView {
    pub opened_at: String,
}

/// The result section for an announcement page, `None` before opening.
pub async fn load(ctx: &Ctx, a: &Announcement) -> Result<Option<ResultView>, AppError> {
    let _ = (ctx, a);
    Ok(None)
}
