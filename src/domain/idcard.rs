//! Resident identity card number 公民身份号码 (GB 11643-1999).
//!
//! Senior managers' ID numbers are stored so a banned person cannot come back under a new
//! agency; a mistyped number would silently defeat that match, so we check the check digit and
//! that the embedded birth date is a real, plausible date. The 6-digit address code is not
//! checked against a table: codes are retired and reissued, and old cards stay valid.

use chrono::{Datelike, NaiveDate};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by (weighted sum mod 11).
const CHECK: &[u8; 11] = b"10X98765432";
const LEN: usize = 18;

/// A validated 18-character ID number; the check character is always upper-case `X`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdError {
    Empty,
    Length,
    Charset,
    BirthDate,
    Checksum,
}

impl IdError {
    /// Locale key in `locales/*/validation.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            IdError::Empty => "v.required",
            IdError::Length => "v.idcard.length",
            IdError::Charset => "v.idcard.charset",
            IdError::BirthDate => "v.idcard.birth_date",
            IdError::Checksum => "v.idcard.checksum",
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdError::Empty => "empty ID number",
            IdError::Length => "ID number must be 18 characters",
            IdError::Charset => "ID number must be 17 digits followed by a digit or X",
            IdError::BirthDate => "ID number contains an impossible birth date",
            IdError::Checksum => "ID number check character mismatch",
        })
    }
}

impl std::error::Error for IdError {}

fn check_char(digits: &[u32]) -> u8 {
    let sum: u32 = digits.iter().zip(WEIGHTS.iter()).map(|(d, w)| d * w).sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    /// Validates against today's date in China.
    pub fn parse(s: &str) -> Result<IdNumber, IdError> {
        Self::parse_on(s, crate::db::today())
    }

    /// As [`IdNumber::parse`], with "today" supplied so tests do not depend on the clock.
    pub fn parse_on(s: &str, today: NaiveDate) -> Result<IdNumber, IdError> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.is_empty() {
            return Err(IdError::Empty);
        }
        if cleaned.chars().count() != LEN {
            return Err(IdError::Length);
        }
        let bytes = cleaned.as_bytes(); // all ASCII from here: 18 chars and 18 bytes checked below
        if bytes.len() != LEN
            || !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdError::Charset);
        }
        let digits: Vec<u32> = bytes[..17].iter().map(|b| u32::from(b - b'0')).collect();
        let birth = birth_from_digits(&digits).ok_or(IdError::BirthDate)?;
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).ok_or(IdError::BirthDate)?;
        if birth < earliest || birth > today {
            return Err(IdError::BirthDate);
        }
        if check_char(&digits) != bytes[17] {
            return Err(IdError::Checksum);
        }
        Ok(IdNumber(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// Birth date embedded in positions 7–14; always valid for a parsed number.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let digits: Vec<u32> = self
            .0
            .bytes()
            .take(17)
            .map(|b| u32::from(b - b'0'))
            .collect();
        birth_from_digits(&digits)
    }
}

fn birth_from_digits(d: &[u32]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| d.get(r).map(|s| s.iter().fold(0u32, |a, x| a * 10 + x));
    let y = i32::try_from(num(6..10)?).ok()?;
    NaiveDate::from_ymd_opt(y, num(10..12)?, num(12..14)?)
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// 攀枝花 districts and counties, and two other Sichuan cities, for demo data.
const DEMO_REGIONS: [&str; 8] = [
    "510402", "510403", "510411", "510421", "510422", "510104", "510107", "510502",
];

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Builds a valid, deterministic ID number for demo data: a Sichuan address code, a birth date
/// in 1960–1995, a 3-digit sequence and the check character.
pub fn generate(seed: u64) -> IdNumber {
    let mut state = mix(seed);
    let region = DEMO_REGIONS[(state % DEMO_REGIONS.len() as u64) as usize];
    state = mix(state);
    // Day offset within 1960-01-01 ..= 1995-12-31 (13148 days); fall back to a fixed date,
    // which cannot happen for these constants but keeps this function total.
    let start = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default();
    let birth = start
        .checked_add_days(chrono::Days::new(state % 13_149))
        .unwrap_or(start);
    state = mix(state);
    let seq = state % 1000;
    let mut s = format!(
        "{region}{:04}{:02}{:02}{seq:03}",
        birth.year(),
        birth.month(),
        birth.day()
    );
    let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    s.push(check_char(&digits) as char);
    IdNumber(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    #[test]
    fn accepts_textbook_examples() {
        for id in [
            "11010519491231002X",
            "440524188001010014",
            "110101199003074477",
        ] {
            let r = IdNumber::parse_on(id, today());
            // 1880 is before 1900 and must be refused as implausible.
            if id.starts_with("440524") {
                assert_eq!(r, Err(IdError::BirthDate));
            } else {
                assert_eq!(r.map(|i| i.into_inner()), Ok(id.to_string()));
            }
        }
        assert!(IdNumber::parse("11010519491231002X").is_ok());
    }

    #[test]
    fn accepts_lowercase_x_and_spaces() {
        let id = IdNumber::parse_on(" 11010519491231002x ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
    }

    #[test]
    fn flipped_digit_fails() {
        assert_eq!(
            IdNumber::parse_on("11010519491231003X", today()),
            Err(IdError::Checksum)
        );
        assert_eq!(
            IdNumber::parse_on("110105194912310021", today()),
            Err(IdError::Checksum)
        );
    }

    #[test]
    fn length_charset_empty() {
        assert_eq!(IdNumber::parse_on("", today()), Err(IdError::Empty));
        assert_eq!(
            IdNumber::parse_on("1101051949123100", today()),
            Err(IdError::Length)
        );
        assert_eq!(
            IdNumber::parse_on("1101051949123100X1", today()),
            Err(IdError::Charset)
        );
        assert_eq!(
            IdNumber::parse_on("11010519491231002Y", today()),
            Err(IdError::Charset)
        );
        assert_eq!(
            IdNumber::parse_on("11010519491231002中", today()),
            Err(IdError::Charset)
        );
    }

    #[test]
    fn impossible_birth_dates() {
        // Feb 30 and month 13; the check digit is irrelevant, the date fails first.
        assert_eq!(
            IdNumber::parse_on("110105194902300020", today()),
            Err(IdError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse_on("110105194913010020", today()),
            Err(IdError::BirthDate)
        );
        // A future birth date.
        let future = generate(7);
        let before = future.birth_date().unwrap().pred_opt().unwrap();
        assert_eq!(
            IdNumber::parse_on(future.as_str(), before),
            Err(IdError::BirthDate)
        );
    }

    #[test]
    fn generated_numbers_are_valid() {
        let lo = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap();
        let hi = NaiveDate::from_ymd_opt(1995, 12, 31).unwrap();
        for seed in 0..1000 {
            let g = generate(seed);
            assert_eq!(
                IdNumber::parse_on(g.as_str(), today()),
                Ok(g.clone()),
                "seed {seed}"
            );
            let b = g.birth_date().unwrap();
            assert!(b >= lo && b <= hi, "seed {seed}: {b}");
            assert_eq!(generate(seed), g);
        }
    }
}
