//! Public announcement list and page (`/announcements`, `/announcements/{id}`).

use actix_web::web;

pub fn config(_cfg: &mut web::ServiceConfig) {}
