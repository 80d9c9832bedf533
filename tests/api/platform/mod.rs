//! What every feature stands on: authorisation walks, security headers, mail, audit, migrations,
//! the sealing key, instances, the demo and the browser tests.

mod audit;
mod authz;
mod browser;
mod cost;
mod crawl;
mod demo;
mod group_commit;
mod i18n;
mod instances;
mod mail;
mod migrations;
mod prg;
pub(crate) mod raw_http;
mod redirects;
mod sealing_key;
mod security;
pub(crate) mod smtp;
mod states;
mod upload_limits;
pub(crate) mod webdriver;
