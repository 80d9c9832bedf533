//! Small field validators for form input. Each returns the normalised value to store, or the
//! problem to show beside the field. Hand-written rather than regex-based: the rules are short,
//! and spelling them out keeps the accepted shapes readable in one place.

use std::fmt;

/// Which kind of field was invalid, so the message can say what shape was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Email,
    Phone,
    Text,
    Name,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    /// Longer than `max` characters; the message shows `{max}`.
    TooLong {
        max: usize,
    },
    Invalid(FieldKind),
}

impl FieldProblem {
    /// Locale key in `locales/*/validation.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            FieldProblem::Required => "v.required",
            FieldProblem::TooLong { .. } => "v.too_long",
            FieldProblem::Invalid(FieldKind::Email) => "v.email.invalid",
            FieldProblem::Invalid(FieldKind::Phone) => "v.phone.invalid",
            FieldProblem::Invalid(FieldKind::Text) => "v.text.invalid",
            FieldProblem::Invalid(FieldKind::Name) => "v.name.invalid",
        }
    }

    /// Placeholder values for the message (`{max}`), for `i18n::tr_args`.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            FieldProblem::TooLong { max } => vec![("max", max.to_string())],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Required => f.write_str("required"),
            FieldProblem::TooLong { max } => write!(f, "longer than {max} characters"),
            FieldProblem::Invalid(k) => write!(f, "invalid {k:?}"),
        }
    }
}

impl std::error::Error for FieldProblem {}

/// One refused field of a form: the form field's name, a locale key and its `{name}`
/// arguments. The pure parse functions of the forms return every problem at once, and the
/// handler puts each message beside its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(field: &'static str, key: &'static str) -> Problem {
        Problem {
            field,
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Problem {
        self.args.push((name, value.into()));
        self
    }

    /// A field validator's refusal, against `field`.
    pub fn of(field: &'static str, e: FieldProblem) -> Problem {
        Problem {
            field,
            key: e.key(),
            args: e.args(),
        }
    }
}

/// Runs a field validator and records its refusal against `field`.
pub fn field<T>(
    problems: &mut Vec<Problem>,
    field: &'static str,
    r: Result<T, FieldProblem>,
) -> Option<T> {
    r.map_err(|e| problems.push(Problem::of(field, e))).ok()
}

/// RFC 5321 caps a forward path at 254 characters in practice.
pub const EMAIL_MAX: usize = 254;
const EMAIL_LOCAL_MAX: usize = 64;
pub const NAME_MAX: usize = 50;

/// An e-mail address: trimmed, exactly one `@`, a dotted domain, no spaces or control
/// characters; the domain is lower-cased (it is case-insensitive) but the local part is kept as
/// typed, since a few mail servers still treat it case-sensitively.
pub fn email(s: &str) -> Result<String, FieldProblem> {
    const INVALID: FieldProblem = FieldProblem::Invalid(FieldKind::Email);
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldProblem::Required);
    }
    if s.chars().count() > EMAIL_MAX {
        return Err(FieldProblem::TooLong { max: EMAIL_MAX });
    }
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
    {
        return Err(INVALID);
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(INVALID);
    };
    if local.is_empty()
        || local.chars().count() > EMAIL_LOCAL_MAX
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return Err(INVALID);
    }
    let domain = domain.to_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !labels_ok {
        return Err(INVALID);
    }
    Ok(format!("{local}@{domain}"))
}

/// A Chinese phone number: a mobile `1[3-9]` + 9 digits (a leading `+86` is dropped), or a
/// landline with area code, `0812-1234567` or `08121234567`. Spaces are stripped; a hyphen is
/// kept where the user put it between area code and number, since it aids reading.
pub fn phone_cn(s: &str) -> Result<String, FieldProblem> {
    const INVALID: FieldProblem = FieldProblem::Invalid(FieldKind::Phone);
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(FieldProblem::Required);
    }
    let compact = compact.strip_prefix("+86").unwrap_or(&compact).to_string();
    if compact.is_empty() || !compact.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(INVALID);
    }
    let b = compact.as_bytes();
    let is_mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    if is_mobile {
        return Ok(compact);
    }
    let landline_ok = match compact.split_once('-') {
        Some((area, local)) => {
            area_code_ok(area)
                && (7..=8).contains(&local.len())
                && local.bytes().all(|c| c.is_ascii_digit())
                && !local.starts_with('0')
        }
        // Without a hyphen: area code (3–4 digits) plus a 7–8 digit number.
        None => {
            (10..=12).contains(&b.len())
                && b[0] == b'0'
                && b[1] != b'0'
                && b.iter().all(u8::is_ascii_digit)
        }
    };
    if landline_ok {
        Ok(compact)
    } else {
        Err(INVALID)
    }
}

/// Bidirectional-override and isolate characters can make text display differently from what
/// is stored (the "Trojan Source" trick); nobody needs them in a form field.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Area codes are 0 followed by 2 digits (010, 020–029) or 3 digits (0812).
fn area_code_ok(area: &str) -> bool {
    let b = area.as_bytes();
    (3..=4).contains(&b.len()) && b[0] == b'0' && b[1] != b'0' && b.iter().all(u8::is_ascii_digit)
}

/// Free text: trimmed; line endings normalised to `\n` (browsers send `\r\n` from a
/// textarea); other control characters refused, as they have no business in a notice and can
/// hide text; so are bidi overrides. An empty optional field returns `Ok("")`.
pub fn text(s: &str, max_chars: usize, required: bool) -> Result<String, FieldProblem> {
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n");
    let t = normalised.trim();
    if t.is_empty() {
        return if required {
            Err(FieldProblem::Required)
        } else {
            Ok(String::new())
        };
    }
    if t.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
    {
        return Err(FieldProblem::Invalid(FieldKind::Text));
    }
    if t.chars().count() > max_chars {
        return Err(FieldProblem::TooLong { max: max_chars });
    }
    Ok(t.to_string())
}

/// A person's name, 1–50 characters, on one line. Any script is accepted (including the
/// middle dot of names such as 阿依·木呷); runs of spaces collapse to one.
pub fn person_name(s: &str) -> Result<String, FieldProblem> {
    if s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(FieldProblem::Invalid(FieldKind::Name));
    }
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(FieldProblem::Required);
    }
    if collapsed.chars().count() > NAME_MAX {
        return Err(FieldProblem::TooLong { max: NAME_MAX });
    }
    Ok(collapsed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const BAD_EMAIL: Result<String, FieldProblem> = Err(FieldProblem::Invalid(FieldKind::Email));
    const BAD_PHONE: Result<String, FieldProblem> = Err(FieldProblem::Invalid(FieldKind::Phone));

    #[test]
    fn emails() {
        assert_eq!(
            email("  Li.Wei@Example.GOV.cn "),
            Ok("Li.Wei@example.gov.cn".into())
        );
        assert_eq!(
            email("a+tag@mail.pzh.gov.cn"),
            Ok("a+tag@mail.pzh.gov.cn".into())
        );
        assert_eq!(email(""), Err(FieldProblem::Required));
        assert_eq!(email("   "), Err(FieldProblem::Required));
        for bad in [
            "plain",
            "a@b",
            "a@@b.cn",
            "a@b@c.cn",
            "@b.cn",
            "a@.cn",
            "a@b.",
            "a@b..cn",
            "a b@c.cn",
            "a@b .cn",
            "a\u{0}@b.cn",
            ".a@b.cn",
            "a..b@c.cn",
            "a@-b.cn",
            "<a@b.cn>",
        ] {
            assert_eq!(email(bad), BAD_EMAIL, "{bad}");
        }
        let long = format!("{}@{}.cn", "a".repeat(60), "b".repeat(200));
        assert_eq!(email(&long), Err(FieldProblem::TooLong { max: 254 }));
        let long_local = format!("{}@b.cn", "a".repeat(65));
        assert_eq!(email(&long_local), BAD_EMAIL);
    }

    #[test]
    fn phones() {
        assert_eq!(phone_cn("13812345678"), Ok("13812345678".into()));
        assert_eq!(phone_cn(" 138 1234 5678 "), Ok("13812345678".into()));
        assert_eq!(phone_cn("+86 138 1234 5678"), Ok("13812345678".into()));
        assert_eq!(phone_cn("0812-1234567"), Ok("0812-1234567".into()));
        assert_eq!(phone_cn("08121234567"), Ok("08121234567".into()));
        assert_eq!(
            phone_cn("010-12345678".replace("-1", "-6").as_str()),
            Ok("010-62345678".into())
        );
        assert_eq!(phone_cn(""), Err(FieldProblem::Required));
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "0812-123456",
            "0812-0234567",
            "00812-1234567",
            "0812-12-34567",
            "0812–1234567",
            "abc",
            "138-1234-5678",
            "+86",
            "123456789",
        ] {
            assert_eq!(phone_cn(bad), BAD_PHONE, "{bad}");
        }
    }

    #[test]
    fn texts() {
        assert_eq!(
            text("  hello \r\n world\t ", 100, true),
            Ok("hello \n world".into())
        );
        assert_eq!(text("   ", 100, true), Err(FieldProblem::Required));
        assert_eq!(text("   ", 100, false), Ok(String::new()));
        assert_eq!(text("攀枝花", 3, true), Ok("攀枝花".into()));
        assert_eq!(
            text("攀枝花市", 3, true),
            Err(FieldProblem::TooLong { max: 3 })
        );
        assert_eq!(
            text("a\u{7}b", 10, true),
            Err(FieldProblem::Invalid(FieldKind::Text))
        );
        assert_eq!(
            text("a\u{202E}b", 10, true),
            Err(FieldProblem::Invalid(FieldKind::Text))
        );
    }

    #[test]
    fn names() {
        assert_eq!(person_name(" 张三 "), Ok("张三".into()));
        assert_eq!(person_name("阿依·木呷"), Ok("阿依·木呷".into()));
        assert_eq!(person_name("Zhang   San"), Ok("Zhang San".into()));
        assert_eq!(person_name(""), Err(FieldProblem::Required));
        assert_eq!(person_name(&"名".repeat(50)).map(|s| s.len()), Ok(150));
        assert_eq!(
            person_name(&"名".repeat(51)),
            Err(FieldProblem::TooLong { max: 50 })
        );
        assert_eq!(
            person_name("张\n三"),
            Err(FieldProblem::Invalid(FieldKind::Name))
        );
    }

    #[test]
    fn keys_and_args() {
        assert_eq!(FieldProblem::Required.key(), "v.required");
        assert_eq!(FieldProblem::TooLong { max: 5 }.key(), "v.too_long");
        assert_eq!(
            FieldProblem::TooLong { max: 5 }.args(),
            vec![("max", "5".to_string())]
        );
        assert_eq!(
            FieldProblem::Invalid(FieldKind::Email).key(),
            "v.email.invalid"
        );
    }
}

#[cfg(test)]
mod locale_tests {
    //! Every key a domain error can produce must exist in both locale files; a missing key
    //! would show the raw key to a user.
    use crate::domain::{idcard::IdError, money::MoneyError, password::PasswordProblem};
    use crate::domain::{uscc::UsccError, validate::FieldKind, validate::FieldProblem};

    fn keys(text: &str) -> Vec<&str> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
            .collect()
    }

    #[test]
    fn all_keys_present_in_both_languages() {
        let used: Vec<&str> = [
            UsccError::Empty.key(),
            UsccError::Length.key(),
            UsccError::Charset(1).key(),
            UsccError::Checksum.key(),
            IdError::Empty.key(),
            IdError::Length.key(),
            IdError::Charset.key(),
            IdError::BirthDate.key(),
            IdError::Checksum.key(),
            MoneyError::Empty.key(),
            MoneyError::Invalid.key(),
            MoneyError::Negative.key(),
            MoneyError::TooManyDecimals.key(),
            MoneyError::Overflow.key(),
            PasswordProblem::TooShort.key(),
            PasswordProblem::TooLong.key(),
            PasswordProblem::Common.key(),
            PasswordProblem::LikeEmail.key(),
            FieldProblem::Required.key(),
            FieldProblem::TooLong { max: 1 }.key(),
            FieldProblem::Invalid(FieldKind::Email).key(),
            FieldProblem::Invalid(FieldKind::Phone).key(),
            FieldProblem::Invalid(FieldKind::Text).key(),
            FieldProblem::Invalid(FieldKind::Name).key(),
        ]
        .to_vec();
        let zh = keys(include_str!("../../locales/zh-CN/validation.txt"));
        let en = keys(include_str!("../../locales/en/validation.txt"));
        for k in used {
            assert!(zh.contains(&k), "zh-CN lacks {k}");
            assert!(en.contains(&k), "en lacks {k}");
        }
    }
}
