//! The agency's side: matching announcements, registration, sealed quotes, receipts.

use actix_web::web;

pub fn config(_cfg: &mut web::ServiceConfig) {}
