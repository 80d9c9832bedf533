//! Handlers, one folder or file per feature; each exposes `config(cfg)`. Handlers stay thin:
//! authorize, parse the form with `domain` rules, call `models` inside `db::run`/`write_tx`,
//! render a template or redirect.

pub mod account;
pub mod admin;
pub mod agency;
pub mod announcements;
pub mod auth;
pub mod bidding;
pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod contract_texts;
pub mod contracts;
pub mod credit;
pub mod fulfilment;
pub mod home;
pub mod library;
pub mod owner;
pub mod policy_rules;
pub mod result;
pub mod review;
pub mod sanctions;
pub mod supervise;

use actix_web::web;

pub fn config(cfg: &mut web::ServiceConfig) {
    home::config(cfg);
    auth::config(cfg);
    account::config(cfg);
    admin::config(cfg);
    catalogue::config(cfg);
    agency::config(cfg);
    review::config(cfg);
    library::config(cfg);
    credit::config(cfg);
    sanctions::config(cfg);
    calendar::config(cfg);
    clock::config(cfg);
    owner::config(cfg);
    policy_rules::config(cfg);
    bidding::config(cfg);
    result::config(cfg);
    announcements::config(cfg);
    supervise::config(cfg);
    contract_texts::config(cfg);
    contracts::config(cfg);
    fulfilment::config(cfg);
}
