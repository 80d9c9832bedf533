//! Stub: filled in by the credit-library work (issue 4).

use actix_web::web;

pub fn config(_cfg: &mut web::ServiceConfig) {}
