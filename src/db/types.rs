//! Database mapping of domain value types. `Money` is stored as BIGINT fen on both backends
//! (never TEXT, which sorts and sums wrongly, and never a float).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;

use crate::domain::money::Money;

/// Reads a BIGINT fen column as `Money`: `.select(col).load::<i64>()` then `Money::from_fen`,
/// or through this impl for `Queryable` structs.
impl<DB> FromSql<BigInt, DB> for Money
where
    DB: Backend,
    i64: FromSql<BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        i64::from_sql(bytes).map(Money::from_fen)
    }
}

impl ToSql<BigInt, diesel::sqlite::Sqlite> for Money {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.fen());
        Ok(serialize::IsNull::No)
    }
}

impl ToSql<BigInt, diesel::pg::Pg> for Money {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(&self.fen().to_be_bytes())?;
        Ok(serialize::IsNull::No)
    }
}
