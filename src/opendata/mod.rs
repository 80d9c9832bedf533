//! 开放数据 Open data: the `/open-data` index of every published dataset (description, fields,
//! licence, update time, links), as a page and as JSON. Reads only: the datasets themselves
//! are served by their own lists with `?format=csv|json` (`web::export`), their fields are
//! `domain::opendata`'s. No writes, so no steps.

pub mod routes;
pub mod store;
