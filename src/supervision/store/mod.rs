//! The reads of the exposure record and of the signals.

pub mod exposure;
pub mod signals;
