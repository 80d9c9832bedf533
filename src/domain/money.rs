//! Money in yuan, held as integer fen (分).
//!
//! Fees, quotes and budgets are stored as BIGINT fen, so the Rust type is an `i64` of fen too:
//! no float ever touches an amount, and equality/ordering are exact. `rust_decimal` is the
//! bridge for arithmetic that needs fractions (percentages, averages). Parsing refuses a third
//! decimal instead of rounding, because a silently rounded bid price is a dispute waiting to
//! happen.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt;

/// Largest accepted amount: 10^15 yuan. Far above any real fee, far below `i64::MAX` fen,
/// so sums of a few thousand amounts cannot overflow either.
const MAX_FEN: i64 = 100_000_000_000_000_000;

#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    Invalid,
    Negative,
    TooManyDecimals,
    Overflow,
}

impl MoneyError {
    /// Locale key in `locales/*/validation.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            MoneyError::Empty => "v.required",
            MoneyError::Invalid => "v.money.invalid",
            MoneyError::Negative => "v.money.negative",
            MoneyError::TooManyDecimals => "v.money.too_many_decimals",
            MoneyError::Overflow => "v.money.overflow",
        }
    }
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyError::Empty => "empty amount",
            MoneyError::Invalid => "not an amount",
            MoneyError::Negative => "amount must not be negative",
            MoneyError::TooManyDecimals => "amount has more than two decimal places",
            MoneyError::Overflow => "amount too large",
        })
    }
}

impl std::error::Error for MoneyError {}

/// Checks that commas, if any, group the integer digits in threes ("1,234,567"), so that a
/// typo such as "12,34" is not read as 1234.
fn commas_well_placed(int_part: &str) -> bool {
    if !int_part.contains(',') {
        return true;
    }
    let mut groups = int_part.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Converts an exact decimal amount of yuan; `None` if it has fractions of a fen or does
    /// not fit.
    pub fn from_decimal(d: Decimal) -> Option<Money> {
        let fen = d.checked_mul(Decimal::ONE_HUNDRED)?;
        if !fen.fract().is_zero() {
            return None;
        }
        fen.to_i64().map(Money)
    }

    /// Parses an amount in yuan as a person types it: "1234", "1234.5", "1,234.56",
    /// optionally with a leading ¥. Surrounding spaces are ignored.
    pub fn parse_yuan(s: &str) -> Result<Money, MoneyError> {
        let s = s.trim();
        let s = s
            .strip_prefix('¥')
            .or_else(|| s.strip_prefix('￥'))
            .unwrap_or(s)
            .trim_start();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        if let Some(rest) = s.strip_prefix('-') {
            // Only call it negative if the rest looks like a number; "-abc" is just invalid.
            return match Money::parse_yuan(rest) {
                Ok(m) if m.0 == 0 => Ok(Money::ZERO),
                Ok(_) | Err(MoneyError::TooManyDecimals) | Err(MoneyError::Overflow) => {
                    Err(MoneyError::Negative)
                }
                Err(_) => Err(MoneyError::Invalid),
            };
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if int_part.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit() || b == b',')
            || !commas_well_placed(int_part)
        {
            return Err(MoneyError::Invalid);
        }
        let frac_fen = match frac_part {
            None => 0,
            Some(f) => {
                if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(MoneyError::Invalid);
                }
                if f.len() > 2 {
                    return Err(MoneyError::TooManyDecimals);
                }
                let v: i64 = f.bytes().fold(0, |a, b| a * 10 + i64::from(b - b'0'));
                if f.len() == 1 { v * 10 } else { v }
            }
        };
        let mut yuan: i64 = 0;
        for b in int_part.bytes().filter(u8::is_ascii_digit) {
            yuan = yuan
                .checked_mul(10)
                .and_then(|y| y.checked_add(i64::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        let fen = yuan
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .ok_or(MoneyError::Overflow)?;
        if fen > MAX_FEN {
            return Err(MoneyError::Overflow);
        }
        Ok(Money(fen))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// "¥1,234.56": how every page, mail and message shows an amount (`web::fmt::money`).
    pub fn yuan_text(self) -> String {
        let digits = self.to_string();
        match digits.strip_prefix('-') {
            Some(abs) => format!("-¥{abs}"),
            None => format!("¥{digits}"),
        }
    }

    /// "1234.56": for form fields and CSV, where separators would not parse back everywhere.
    pub fn to_plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// "1,234.56": the grouped digits, always two decimals. Pages and mail show amounts with
/// the sign through `yuan_text` (`web::fmt::money`); this bare form is for texts that name
/// the currency in words (a contract's "人民币 1,234.56 元").
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let digits = (abs / 100).to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn p(s: &str) -> Result<i64, MoneyError> {
        Money::parse_yuan(s).map(Money::fen)
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(p("1234"), Ok(123_400));
        assert_eq!(p("1234.5"), Ok(123_450));
        assert_eq!(p("1234.56"), Ok(123_456));
        assert_eq!(p("1,234.56"), Ok(123_456));
        assert_eq!(p(" 1,234,567.00 "), Ok(123_456_700));
        assert_eq!(p("0.01"), Ok(1));
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("¥12.30"), Ok(1230));
        assert_eq!(p("￥ 8"), Ok(800));
        assert_eq!(p("007"), Ok(700));
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(p(""), Err(MoneyError::Empty));
        assert_eq!(p("   "), Err(MoneyError::Empty));
        assert_eq!(p("0.001"), Err(MoneyError::TooManyDecimals));
        assert_eq!(p("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(p("-1"), Err(MoneyError::Negative));
        assert_eq!(p("-0.5"), Err(MoneyError::Negative));
        assert_eq!(p("-abc"), Err(MoneyError::Invalid));
        assert_eq!(p("abc"), Err(MoneyError::Invalid));
        assert_eq!(p("1.2.3"), Err(MoneyError::Invalid));
        assert_eq!(p(".5"), Err(MoneyError::Invalid));
        assert_eq!(p("5."), Err(MoneyError::Invalid));
        assert_eq!(p("12,34"), Err(MoneyError::Invalid));
        assert_eq!(p(",123"), Err(MoneyError::Invalid));
        assert_eq!(p("1e5"), Err(MoneyError::Invalid));
        assert_eq!(p("１２３"), Err(MoneyError::Invalid));
        assert_eq!(p("+5"), Err(MoneyError::Invalid));
    }

    #[test]
    fn overflow_limit() {
        assert_eq!(p("1000000000000000"), Ok(MAX_FEN));
        assert_eq!(p("1000000000000000.01"), Err(MoneyError::Overflow));
        assert_eq!(p("99999999999999999999999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn display_and_plain() {
        assert_eq!(Money::from_fen(123_456).to_string(), "1,234.56");
        assert_eq!(Money::from_fen(123_456_789).to_string(), "1,234,567.89");
        assert_eq!(Money::from_fen(100_000).to_string(), "1,000.00");
        assert_eq!(Money::from_fen(99_999).to_string(), "999.99");
        assert_eq!(Money::from_fen(5).to_string(), "0.05");
        assert_eq!(Money::from_fen(-123_456).to_string(), "-1,234.56");
        assert_eq!(
            Money::from_fen(i64::MIN).to_plain(),
            "-92233720368547758.08"
        );
        assert_eq!(Money::from_fen(123_456).to_plain(), "1234.56");
        assert_eq!(Money::from_fen(12_345_000).yuan_text(), "¥123,450.00");
        assert_eq!(Money::from_fen(-5).yuan_text(), "-¥0.05");
        assert_eq!(Money::from_fen(-7).to_plain(), "-0.07");
    }

    #[test]
    fn round_trips() {
        for fen in [0, 1, 10, 99, 100, 123_456, 100_000_000, MAX_FEN] {
            let m = Money::from_fen(fen);
            assert_eq!(Money::parse_yuan(&m.to_string()), Ok(m));
            assert_eq!(Money::parse_yuan(&m.to_plain()), Ok(m));
            assert_eq!(Money::from_decimal(m.to_decimal()), Some(m));
        }
    }

    #[test]
    fn decimal_bridge() {
        assert_eq!(
            Money::from_fen(123_456).to_decimal(),
            Decimal::new(123_456, 2)
        );
        assert_eq!(Money::from_decimal(Decimal::new(1, 3)), None);
        assert_eq!(
            Money::from_decimal(Decimal::new(1230, 3)),
            Some(Money::from_fen(123))
        );
    }

    #[test]
    fn checked_arithmetic() {
        let a = Money::from_fen(150);
        assert_eq!(
            a.checked_add(Money::from_fen(50)),
            Some(Money::from_fen(200))
        );
        assert_eq!(
            a.checked_sub(Money::from_fen(200)),
            Some(Money::from_fen(-50))
        );
        assert_eq!(
            Money::from_fen(i64::MAX).checked_add(Money::from_fen(1)),
            None
        );
        assert_eq!(
            Money::from_fen(i64::MIN).checked_sub(Money::from_fen(1)),
            None
        );
    }

    #[test]
    fn serde_as_fen() {
        let m = Money::from_fen(123_456);
        assert_eq!(serde_json::to_string(&m).unwrap(), "123456");
        assert_eq!(serde_json::from_str::<Money>("123456").unwrap(), m);
    }

    #[test]
    fn ordering() {
        assert!(Money::from_fen(1) < Money::from_fen(2));
    }
}
