//! Password policy for new and changed passwords.
//!
//! Follows the NIST SP 800-63B line rather than composition rules: a minimum length, a generous
//! maximum (long passphrases are good; the cap only bounds hashing work), and refusal of
//! passwords that appear in breach lists or repeat the account's own e-mail address. Composition
//! rules ("one upper, one digit, one symbol") push people to `Password1!`, which we would refuse
//! anyway.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// One lowercase password per line, `#` lines are comments; see the file header for its source.
const COMMON_LIST: &str = include_str!("common_passwords.txt");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    LikeEmail,
}

impl PasswordProblem {
    /// Locale key in `locales/*/validation.txt`; `{min}`/`{max}` placeholders where relevant.
    pub fn key(&self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "v.password.too_short",
            PasswordProblem::TooLong => "v.password.too_long",
            PasswordProblem::Common => "v.password.common",
            PasswordProblem::LikeEmail => "v.password.like_email",
        }
    }
}

impl fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordProblem::TooShort => "password too short",
            PasswordProblem::TooLong => "password too long",
            PasswordProblem::Common => "password is too common",
            PasswordProblem::LikeEmail => "password is the same as the e-mail address",
        })
    }
}

impl std::error::Error for PasswordProblem {}

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `pw` (compared lowercase) is on the shipped common-password list.
pub fn is_common(pw: &str) -> bool {
    common_set().contains(pw.to_lowercase().as_str())
}

/// Checks a proposed password for the account with this e-mail. Length is counted in
/// characters, so a Chinese passphrase is not penalised for its UTF-8 byte length. The
/// password is not trimmed: what the user typed is what gets hashed.
pub fn check(pw: &str, email: &str) -> Result<(), PasswordProblem> {
    let n = pw.chars().count();
    if n < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = pw.to_lowercase();
    let email = email.trim().to_lowercase();
    if !email.is_empty() {
        let local = email.rsplit_once('@').map_or(email.as_str(), |(l, _)| l);
        if lower == email || (!local.is_empty() && lower == local) {
            return Err(PasswordProblem::LikeEmail);
        }
    }
    if common_set().contains(lower.as_str()) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn list_is_loaded_without_comments() {
        let set = common_set();
        assert!(set.len() > 3000, "only {} entries", set.len());
        assert!(set.iter().all(|p| !p.starts_with('#')));
        assert!(set.iter().all(|p| p.chars().count() >= MIN_CHARS));
        assert!(set.iter().all(|p| *p == p.to_lowercase()));
    }

    #[test]
    fn common_passwords_refused() {
        assert_eq!(
            check("password", "x@example.com"),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check("PassWord", "x@example.com"),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check("12345678", "x@example.com"),
            Err(PasswordProblem::Common)
        );
        for pw in [
            "woaini1314",
            "qq123456",
            "a123456789",
            "88888888",
            "1qaz2wsx",
        ] {
            assert_eq!(
                check(pw, "x@example.com"),
                Err(PasswordProblem::Common),
                "{pw}"
            );
        }
        assert!(is_common("ILOVEYOU"));
    }

    #[test]
    fn length_limits_count_chars() {
        assert_eq!(check("abc1234", ""), Err(PasswordProblem::TooShort));
        assert_eq!(check("", ""), Err(PasswordProblem::TooShort));
        assert_eq!(check(&"x".repeat(129), ""), Err(PasswordProblem::TooLong));
        assert!(check(&"xq".repeat(64), "").is_ok());
        // 8 Chinese characters are 24 bytes but 8 characters: allowed.
        assert!(check("攀枝花阳光芒果很甜", "").is_ok());
        // 7 Chinese characters (21 bytes) are still too short.
        assert_eq!(check("攀枝花阳光芒果", ""), Err(PasswordProblem::TooShort));
        // 128 three-byte characters are within the limit.
        assert!(check(&"芒".repeat(128), "").is_ok());
    }

    #[test]
    fn email_and_local_part_refused() {
        let email = "zhangwei.pzh@example.gov.cn";
        assert_eq!(
            check("zhangwei.pzh", email),
            Err(PasswordProblem::LikeEmail)
        );
        assert_eq!(
            check("ZhangWei.PZH", email),
            Err(PasswordProblem::LikeEmail)
        );
        assert_eq!(
            check("zhangwei.pzh@example.gov.cn", email),
            Err(PasswordProblem::LikeEmail)
        );
        assert!(check("zhangwei.pzh-2025!", email).is_ok());
    }

    #[test]
    fn strong_passphrase_passes() {
        assert_eq!(check("correct horse battery staple", "a@b.cn"), Ok(()));
        assert_eq!(check("Mango-Sunlight-Panzhihua-42", "a@b.cn"), Ok(()));
    }

    #[test]
    fn keys() {
        assert_eq!(PasswordProblem::Common.key(), "v.password.common");
    }
}
