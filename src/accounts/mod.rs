//! Accounts and the platform's administration: registration, sign-in and sessions, the
//! user's own account, staff accounts and departments, settings, the working-day calendar
//! and the rehearsal clock of a demo database.
//!
//! Writes (in `store`): registering and verifying an account, password changes and resets,
//! staff accounts and their status (`user`), departments (`department`), settings
//! (`settings`), calendar days (`calendar`), moving a demo database's clock (`platform`).

pub mod routes;
pub mod steps;
pub mod store;
