//! The owner's projects and announcements: drafts, publication, changes, cancellation.

use actix_web::web;

pub fn config(_cfg: &mut web::ServiceConfig) {}
