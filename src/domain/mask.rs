//! Masking of personal data on public pages ("5101**********1234", "138****5678").
//!
//! These work on `char`s, never byte offsets, and accept any input: what is stored may predate
//! today's validation, and a public page must not fail (or panic) because of one odd value.
//! Short inputs are masked more, not less, so masking never reveals a whole value.

/// Keeps `head` leading and `tail` trailing characters and replaces the rest with `*`.
/// When fewer than 4 characters would be hidden, each end shrinks to a quarter of the value,
/// so at least half is always masked (and values under 4 characters are masked entirely).
fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    let n = chars.len();
    let (head, tail) = if n >= head + tail + 4 {
        (head, tail)
    } else {
        (head.min(n / 4), tail.min(n / 4))
    };
    let mut out = String::with_capacity(n + 8);
    out.extend(&chars[..head]);
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

/// ID numbers: first 4 (province and city) and last 4 shown, e.g. `5101**********1234`.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    keep_ends(&chars, 4, 4)
}

/// Phone numbers: an 11-digit mobile shows as `138****5678`; anything else (landlines,
/// numbers with hyphens) keeps only the first 2 and last 2 characters.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let is_mobile = chars.len() == 11 && chars[0] == '1' && chars.iter().all(char::is_ascii_digit);
    if is_mobile {
        keep_ends(&chars, 3, 4)
    } else {
        keep_ends(&chars, 2, 2)
    }
}

/// E-mail: the first character of the local part and the whole domain, `a***@example.com`.
/// A fixed three stars hide the local part's length too.
pub fn mask_email(s: &str) -> String {
    let s = s.trim();
    match s.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => {
            let chars: Vec<char> = s.chars().collect();
            keep_ends(&chars, 1, 1)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn id_numbers() {
        assert_eq!(mask_id("510104199001011234"), "5101**********1234");
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_id("123456789"), "12*****89");
        assert_eq!(mask_id("12345678"), "12****78");
        assert_eq!(mask_id("12"), "**");
        assert_eq!(mask_id(""), "");
    }

    #[test]
    fn phones() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone(" 13812345678 "), "138****5678");
        assert_eq!(mask_phone("0812-1234567"), "08********67");
        assert_eq!(mask_phone("08121234567"), "08*******67");
        assert_eq!(mask_phone("12345"), "1***5");
        assert_eq!(mask_phone("1234"), "1**4");
        assert_eq!(mask_phone("123"), "***");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn emails() {
        assert_eq!(mask_email("alice@example.com"), "a***@example.com");
        assert_eq!(mask_email("a@example.com"), "a***@example.com");
        assert_eq!(mask_email("@example.com"), "***@example.com");
        assert_eq!(mask_email("张三@例子.中国"), "张***@例子.中国");
        assert_eq!(mask_email("noatsign"), "n******n");
        assert_eq!(mask_email(""), "");
    }

    #[test]
    fn multibyte_never_panics() {
        assert_eq!(mask_id("一二三四五六七八九十"), "一二******九十");
        assert_eq!(mask_phone("电话号码"), "电**码");
        for s in ["", "é", "😀😀😀😀😀😀😀😀😀", "a@", "@", "@@@"] {
            let _ = (mask_id(s), mask_phone(s), mask_email(s));
        }
    }
}
