//! The home page and each role's workbench 工作台 (`/my`): what waits for the user, by kind,
//! with a link to the page where it is done. Reads only.

pub mod routes;
pub mod store;
