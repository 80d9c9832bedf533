//! Demo agency profiles (certificates, items, practitioners) and bulk agencies for load work.

use crate::db::{DbConnection, DbError};

/// Completes the profiles of the demo agency accounts.
pub fn load(_c: &mut DbConnection) -> Result<(), DbError> {
    Ok(())
}

/// Generates `n` more agencies with profiles, for benchmarks; returns how many were added.
pub fn generate(_c: &mut DbConnection, _n: usize) -> Result<usize, String> {
    Ok(0)
}
