//! Publication rules of an announcement (SPEC §3): what must hold before an announcement is
//! published, and which changes are allowed after. Owned by the publication work.
