//! Handlers by audience: `public` (filing, a visitor's confirmation and status link, the
//! complainant's own pages, the published outcomes), `regulator` (the department's list and
//! case page with its steps), `respondent` (complaints against an agency or owner).
//! `extract` holds the authorising extractors.

pub mod extract;
pub mod public;
pub mod regulator;
pub mod respondent;

pub fn config(cfg: &mut actix_web::web::ServiceConfig) {
    public::config(cfg);
    regulator::config(cfg);
    respondent::config(cfg);
}
