//! Unified social credit code 统一社会信用代码 (GB 32100-2015).
//!
//! Every agency registers with one, and the ban list is matched on it, so a typo must be caught
//! at the form rather than creating a second, unmatched identity. We check length, charset and
//! the check character; the registration-authority and organisation-category codes (first two
//! characters) are deliberately not restricted, because the set of valid pairs has grown over the
//! years and a stale table would turn away real agencies.

use std::fmt;

/// The 31 characters GB 32100 allows; I, O, Z, S and V are left out so they cannot be misread.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight of position i is 3^i mod 31, as the standard tabulates.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const LEN: usize = 18;

/// A code that has passed the GB 32100 checks; always 18 upper-case characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsccError {
    Empty,
    Length,
    /// 1-based position of the first character outside the charset, for the message.
    Charset(usize),
    Checksum,
}

impl UsccError {
    /// Locale key in `locales/*/validation.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            UsccError::Empty => "v.required",
            UsccError::Length => "v.uscc.length",
            UsccError::Charset(_) => "v.uscc.charset",
            UsccError::Checksum => "v.uscc.checksum",
        }
    }
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsccError::Empty => f.write_str("empty unified social credit code"),
            UsccError::Length => f.write_str("unified social credit code must be 18 characters"),
            UsccError::Charset(p) => write!(f, "invalid character at position {p}"),
            UsccError::Checksum => {
                f.write_str("unified social credit code check character mismatch")
            }
        }
    }
}

impl std::error::Error for UsccError {}

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Check character for the first 17 values (each 0..31).
fn check_char(values: &[u32]) -> u8 {
    let sum: u32 = values.iter().zip(WEIGHTS.iter()).map(|(v, w)| v * w).sum();
    let c = (31 - sum % 31) % 31;
    CHARSET[c as usize]
}

impl Uscc {
    /// Trims surrounding and inner spaces (people copy codes from PDFs with spaces in them)
    /// and upper-cases, then validates.
    pub fn parse(s: &str) -> Result<Uscc, UsccError> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.is_empty() {
            return Err(UsccError::Empty);
        }
        if cleaned.chars().count() != LEN {
            return Err(UsccError::Length);
        }
        let mut values = [0u32; LEN];
        for (i, c) in cleaned.chars().enumerate() {
            let v = u8::try_from(c)
                .ok()
                .and_then(value_of)
                .ok_or(UsccError::Charset(i + 1))?;
            values[i] = v;
        }
        if check_char(&values[..17]) != CHARSET[values[17] as usize] {
            return Err(UsccError::Checksum);
        }
        Ok(Uscc(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// The administrative-division code of the registration authority (characters 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Region codes for demo data: 攀枝花 and its districts/counties, plus a few other Sichuan cities.
const DEMO_REGIONS: [&str; 10] = [
    "510400", "510402", "510403", "510411", "510421", "510422", "510100", "510500", "511100",
    "513400",
];

/// Small, well-mixed step so neighbouring seeds give unrelated-looking codes (splitmix64).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Builds a valid, deterministic code for demo data: `kind` (registration authority and
/// category, e.g. "91" for an enterprise, "12" for a public institution; "91" if it is not
/// two characters of the charset), `division` (six digits of GB/T 2260, e.g. `110108` for
/// 北京市海淀区; 攀枝花市 if it is not six digits), a 9-character organisation code and the
/// check character.
pub fn generate_in(kind: &str, division: &str, seed: u64) -> Uscc {
    let kind = if kind.len() == 2 && kind.bytes().all(|b| value_of(b).is_some()) {
        kind
    } else {
        "91"
    };
    let division = if division.len() == 6 && division.bytes().all(|b| b.is_ascii_digit()) {
        division
    } else {
        "510400"
    };
    let mut state = mix(seed);
    let mut s = String::with_capacity(LEN);
    s.push_str(kind);
    s.push_str(division);
    for _ in 0..9 {
        state = mix(state);
        s.push(CHARSET[(state % 31) as usize] as char);
    }
    let values: Vec<u32> = s.bytes().filter_map(value_of).collect();
    s.push(check_char(&values) as char);
    Uscc(s)
}

/// Builds a valid, deterministic code for demo and test data: "91" (enterprise registered with
/// market regulation), a region code, a 9-character organisation code and the check character.
/// The same seed always yields the same code, so fixtures are reproducible.
pub fn generate(seed: u64) -> Uscc {
    let mut state = mix(seed);
    let region = DEMO_REGIONS[(state % DEMO_REGIONS.len() as u64) as usize];
    let mut s = String::with_capacity(LEN);
    s.push_str("91");
    s.push_str(region);
    for _ in 0..9 {
        state = mix(state);
        s.push(CHARSET[(state % 31) as usize] as char);
    }
    let values: Vec<u32> = s.bytes().filter_map(value_of).collect();
    s.push(check_char(&values) as char);
    Uscc(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn accepts_known_real_codes() {
        for code in [
            "91350100M000100Y43",
            "91110000802100433B",
            "91440300708461136T",
        ] {
            assert_eq!(
                Uscc::parse(code).map(|u| u.into_inner()),
                Ok(code.to_string())
            );
        }
    }

    #[test]
    fn normalises_case_and_spaces() {
        let u = Uscc::parse("  91350100m000100y43 ").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
        assert_eq!(u.to_string(), "91350100M000100Y43");
        assert!(Uscc::parse("9135 0100 M000 100Y43").is_ok());
    }

    #[test]
    fn flipped_character_fails_checksum() {
        assert_eq!(Uscc::parse("91350100M000100Y44"), Err(UsccError::Checksum));
        assert_eq!(Uscc::parse("91350100M000101Y43"), Err(UsccError::Checksum));
    }

    #[test]
    fn wrong_length_and_empty() {
        assert_eq!(Uscc::parse(""), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("   "), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("91350100M000100Y433"), Err(UsccError::Length));
    }

    #[test]
    fn bad_charset_reports_position() {
        assert_eq!(
            Uscc::parse("91350100I000100Y43"),
            Err(UsccError::Charset(9))
        );
        assert_eq!(
            Uscc::parse("O1350100M000100Y43"),
            Err(UsccError::Charset(1))
        );
        // Multibyte input must not panic and counts characters, not bytes.
        assert_eq!(
            Uscc::parse("91350100中000100Y43"),
            Err(UsccError::Charset(9))
        );
    }

    #[test]
    fn generated_codes_are_valid_and_deterministic() {
        for seed in 0..1000 {
            let g = generate(seed);
            assert_eq!(Uscc::parse(g.as_str()), Ok(g.clone()), "seed {seed}");
            assert!(g.as_str().starts_with("91"));
            assert_eq!(generate(seed), g);
        }
        assert_ne!(generate(1), generate(2));
    }

    #[test]
    fn generated_in_a_division() {
        let g = generate_in("91", "110108", 7);
        assert_eq!(Uscc::parse(g.as_str()), Ok(g.clone()));
        assert_eq!(g.division(), "110108");
        assert_eq!(generate_in("91", "110108", 7), g);
        assert_eq!(generate_in("91", "bad", 7).division(), "510400");
        let hospital = generate_in("12", "510421", 7);
        assert!(hospital.as_str().starts_with("12510421"));
        assert!(Uscc::parse(hospital.as_str()).is_ok());
        assert!(generate_in("IO", "510421", 7).as_str().starts_with("91"));
        assert_eq!(
            Uscc::parse("91350100M000100Y43").unwrap().division(),
            "350100"
        );
    }

    #[test]
    fn error_keys() {
        assert_eq!(UsccError::Checksum.key(), "v.uscc.checksum");
        assert_eq!(UsccError::Charset(3).key(), "v.uscc.charset");
    }
}
