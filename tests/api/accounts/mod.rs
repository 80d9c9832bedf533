//! Registration, sign-in, the own account, the working-day calendar and the rehearsal clock
//! (`src/accounts`).

pub(crate) mod auth;
mod calendar;
mod extractors;
mod login_bursts;
mod rehearsal;
mod session_reading;
