//! The home page and each role's workbench (`src/home`).

mod page;
pub(crate) mod workbench;
