//! Handlers: the public exposure record and the regulators' signals page.

pub mod exposure;
pub mod signals;

pub fn config(cfg: &mut actix_web::web::ServiceConfig) {
    exposure::config(cfg);
    signals::config(cfg);
}
