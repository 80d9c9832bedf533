//! Demo catalogue: real approval-related intermediary items of 攀枝花市.

use crate::db::{DbConnection, DbError};

/// Loads the demo catalogue items; returns how many were added.
pub fn load(_c: &mut DbConnection) -> Result<usize, DbError> {
    Ok(0)
}
