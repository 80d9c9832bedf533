//! Database mapping of domain value types. `Money` is stored as BIGINT fen on both backends
//! (never TEXT, which sorts and sums wrongly, and never a float); statuses and kinds
//! (`domain::status` and the other [`TextEnum`]s) as TEXT in their one spelling.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Nullable, SingleValue, Text};

use crate::db::DbConnection;
use crate::domain::money::Money;
use crate::domain::status::{self, TextEnum};
use crate::domain::{complaints, credit, workdays};

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

/// Lets a `Queryable` row hold `Money` for a BIGINT fen column (`pub price: Money` with
/// `#[diesel(column_name = price_fen)]`), and a tuple select read one.
impl<DB> Queryable<BigInt, DB> for Money
where
    DB: Backend,
    Money: FromSql<BigInt, DB>,
{
    type Row = Money;
    fn build(row: Money) -> deserialize::Result<Money> {
        Ok(row)
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

/// Maps text enums ([`TextEnum`]) to TEXT columns: bound as their spelling, read back through
/// `TextEnum::parse_text`, so a value outside the enum is a deserialisation error rather than a
/// default. `AsExpression` hands diesel the `&'static str` spelling, which lets a column be
/// compared with an enum (`announcements::status.eq(AnnouncementStatus::Published)`) even where
/// the row struct still holds a `String`.
type Multi = <DbConnection as diesel::Connection>::Backend;

macro_rules! text_columns {
    ($($ty:ty),+ $(,)?) => {$(
        impl AsExpression<Text> for $ty {
            type Expression = <&'static str as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(TextEnum::as_str(self))
            }
        }

        impl AsExpression<Text> for &$ty {
            type Expression = <&'static str as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(TextEnum::as_str(*self))
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = <&'static str as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Nullable<Text>>>::as_expression(TextEnum::as_str(self))
            }
        }

        impl AsExpression<Nullable<Text>> for &$ty {
            type Expression = <&'static str as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Nullable<Text>>>::as_expression(TextEnum::as_str(*self))
            }
        }

        impl ToSql<Text, diesel::sqlite::Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
                <str as ToSql<Text, diesel::sqlite::Sqlite>>::to_sql(TextEnum::as_str(*self), out)
            }
        }

        impl ToSql<Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
                <str as ToSql<Text, diesel::pg::Pg>>::to_sql(TextEnum::as_str(*self), out)
            }
        }

        // The connection enum's own backend: binds go through it before reaching either.
        impl ToSql<Text, Multi> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Multi>) -> serialize::Result {
                <str as ToSql<Text, Multi>>::to_sql(TextEnum::as_str(*self), out)
            }
        }

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                Ok(<$ty as TextEnum>::parse_text(&text)?)
            }
        }

        impl<DB, ST> Queryable<ST, DB> for $ty
        where
            DB: Backend,
            ST: SingleValue,
            Self: FromSql<ST, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}

text_columns!(
    status::Role,
    status::UserStatus,
    status::MailStatus,
    status::ItemStatus,
    status::AdjustmentKind,
    status::AgencyStatus,
    status::ReviewStatus,
    status::ListingEnd,
    status::AnnouncementStatus,
    status::QuoteStatus,
    status::ReceiptKind,
    status::ModelTextStatus,
    status::ContractStatus,
    status::Party,
    status::DeliverableDecision,
    status::AmendmentKind,
    status::AmendmentStatus,
    status::RaterKind,
    status::AppealDecision,
    status::TokenPurpose,
    credit::Kind,
    credit::Source,
    workdays::DayKind,
    complaints::RespondentKind,
    complaints::State,
    complaints::Outcome,
);
