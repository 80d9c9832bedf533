//! The regulator's view of selection: collusion signals, overdue objection answers.

use actix_web::web;

pub fn config(_cfg: &mut web::ServiceConfig) {}
