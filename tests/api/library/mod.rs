//! The agency library: the public list and the agency's own profile and certificates
//! (`src/library`).

pub(crate) mod agency_profile;
mod extractors;
mod list;
