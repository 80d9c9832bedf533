//! Open data (issue 16): every public list as CSV and JSON through one plumbing
//! (`web::export`), and the `/open-data` index.

mod lists;
