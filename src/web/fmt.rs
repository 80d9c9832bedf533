//! One formatter each for what pages and mail show: money, dates, times, departments,
//! qualification labels.
//!
//! Every amount a reader sees goes through [`money`] (`¥123,450.00`): pages, mail, messages
//! beside a field. CSV and form fields keep plain numbers (`Money::to_plain`), which parse
//! back everywhere. The legal text of a contract keeps its own wording (人民币 … 元).

use chrono::NaiveDate;

use crate::accounts::store::department::Department;
use crate::domain::credit::Restriction;
use crate::domain::money::Money;
use crate::i18n::{Lang, tr, tr_args};

/// `¥123,450.00`: thousands separators and always two decimals. The text itself is
/// `Money::yuan_text`, so that a pure rule naming an amount in its message (a quote above
/// the cap) reads exactly like the page around it.
pub fn money(m: Money) -> String {
    m.yuan_text()
}

/// [`money`] of an amount in fen.
pub fn fen(fen: i64) -> String {
    money(Money::from_fen(fen))
}

/// [`money`] of an optional amount in fen; empty when there is none.
pub fn fen_opt(fen: Option<i64>) -> String {
    fen.map(self::fen).unwrap_or_default()
}

/// `2026-12-03`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored UTC time in Asia/Shanghai, as a Chinese civil servant reads it:
/// `2026-12-03 14:05`.
pub fn time(t: impl std::borrow::Borrow<chrono::NaiveDateTime>) -> String {
    use chrono::TimeZone;
    chrono_tz::Asia::Shanghai
        .from_utc_datetime(t.borrow())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A department's name in `lang`; empty when `id` is none or unknown.
pub fn dept(lang: Lang, depts: &[Department], id: Option<i64>) -> String {
    id.and_then(|i| depts.iter().find(|d| d.id == i))
        .map(|d| d.name(lang).to_string())
        .unwrap_or_default()
}

/// A qualification type's name in `lang` (`cat.qual.<type>`).
pub fn qual_name(lang: Lang, qual_type: &str) -> String {
    tr(lang, &format!("cat.qual.{qual_type}")).to_string()
}

/// A qualification held at `level`: "资质名称（甲级）"; the name alone for level 0 (a type
/// without levels).
pub fn qual(lang: Lang, qual_type: &str, level: i32) -> String {
    let name = qual_name(lang, qual_type);
    if level == 0 {
        name
    } else {
        format!("{name}（{}）", tr(lang, &format!("cat.level.{level}")))
    }
}

/// A qualification an item requires at `min_level` or above: "资质名称（乙级及以上）"; the
/// name alone for level 0.
pub fn qual_at_least(lang: Lang, qual_type: &str, min_level: i32) -> String {
    let name = qual_name(lang, qual_type);
    if min_level == 0 {
        name
    } else {
        format!(
            "{name}（{}）",
            tr_args(
                lang,
                "catalogue.item.level_or_above",
                &[("level", tr(lang, &format!("cat.level.{min_level}")))]
            )
        )
    }
}

/// A restriction as every list shows it beside the grade: its mark (失信名单, 市场禁入,
/// 高管被市场禁入) and its period.
pub fn restriction(lang: Lang, r: &Restriction) -> (String, String) {
    let (since, until) = r.period();
    (
        tr(lang, r.tag_key()).to_string(),
        tr_args(
            lang,
            "credit.tag.period",
            &[("since", &date(since)), ("until", &date(until))],
        ),
    )
}

/// Points with their sign: "+2", "−5" (a true minus sign), "0".
pub fn signed(p: i32) -> String {
    match p.cmp(&0) {
        std::cmp::Ordering::Less => format!("−{}", p.unsigned_abs()),
        std::cmp::Ordering::Greater => format!("+{p}"),
        std::cmp::Ordering::Equal => "0".into(),
    }
}

/// The name of a credit record kind in `lang` (the code itself if it is unknown).
pub fn credit_kind(lang: Lang, code: &str) -> String {
    match crate::domain::credit::Kind::parse(code) {
        Some(k) => tr(lang, &k.label_key()).to_string(),
        None => code.to_string(),
    }
}

/// Server time to the second, China time (receipts).
pub fn seconds(t: chrono::NaiveDateTime) -> String {
    use chrono::TimeZone;
    chrono_tz::Asia::Shanghai
        .from_utc_datetime(&t)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn money_has_separators_and_two_decimals() {
        assert_eq!(fen(12_345_000), "¥123,450.00");
        assert_eq!(fen(5), "¥0.05");
        assert_eq!(fen(0), "¥0.00");
        assert_eq!(fen(99_999), "¥999.99");
        assert_eq!(fen(100_000), "¥1,000.00");
        assert_eq!(fen(123_456_789_012), "¥1,234,567,890.12");
        assert_eq!(fen(-123_456), "-¥1,234.56");
        assert_eq!(fen_opt(None), "");
        assert_eq!(fen_opt(Some(12_000_050)), "¥120,000.50");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            "2026-01-05"
        );
        let t = NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(16, 30, 0)
            .unwrap();
        // UTC 16:30 is 00:30 the next day in Shanghai.
        assert_eq!(time(t), "2026-12-04 00:30");
    }
}
