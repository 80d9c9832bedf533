//! Evaluation 好差评: after acceptance the owner rates quality, timeliness,
//! attitude, fees and conduct, 1–5 stars each, with a comment, within 15 working days, and may
//! revise within 3 working days of rating; the approval department may add its own rating;
//! the agency replies once and appeals once; the regulator decides the appeal (upheld: the
//! rating stops counting). Unrated contracts are reminded, never rated automatically.

use chrono::NaiveDate;

use super::workdays::Calendar;

/// Working days after acceptance in which the owner may rate.
pub const RATE_WITHIN_DAYS: i64 = 15;
/// Working days after rating in which the rater may revise.
pub const REVISE_WITHIN_DAYS: i64 = 3;
/// The unrated reminder goes out this many working days after acceptance.
pub const REMIND_AFTER_DAYS: i64 = 10;
/// Comments, replies, appeals: at most this many characters.
pub const MAX_TEXT: usize = 1000;

/// The five dimensions, in the order forms and pages show them.
pub const DIMENSIONS: [&str; 5] = ["quality", "timeliness", "attitude", "fees", "conduct"];

/// Five ratings of 1–5 stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stars {
    pub quality: i32,
    pub timeliness: i32,
    pub attitude: i32,
    pub fees: i32,
    pub conduct: i32,
}

impl Stars {
    pub fn as_array(&self) -> [i32; 5] {
        [
            self.quality,
            self.timeliness,
            self.attitude,
            self.fees,
            self.conduct,
        ]
    }

    /// The overall rating in hundredths of a star (the credit record's `stars_x100`):
    /// the mean of the five, rounded half up.
    pub fn overall_x100(&self) -> i32 {
        let sum: i32 = self.as_array().iter().sum();
        (sum * 100 + 2) / 5
    }
}

/// Why a rating, reply or appeal was refused (locale keys under `eval.err.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A star count missing or outside 1–5.
    StarsOutOfRange,
    CommentRequired,
    TextTooLong,
}

impl Problem {
    pub fn key(self) -> &'static str {
        match self {
            Problem::StarsOutOfRange => "eval.err.stars",
            Problem::CommentRequired => "eval.err.comment_required",
            Problem::TextTooLong => "eval.err.too_long",
        }
    }
}

/// One star field: a whole number 1–5.
pub fn star(s: &str) -> Result<i32, Problem> {
    match s.trim().parse::<i32>() {
        Ok(n) if (1..=5).contains(&n) => Ok(n),
        _ => Err(Problem::StarsOutOfRange),
    }
}

/// The five star fields, in `DIMENSIONS` order; the first bad one is named.
pub fn stars(fields: [&str; 5]) -> Result<Stars, (usize, Problem)> {
    let mut v = [0; 5];
    for (i, f) in fields.iter().enumerate() {
        v[i] = star(f).map_err(|p| (i, p))?;
    }
    Ok(Stars {
        quality: v[0],
        timeliness: v[1],
        attitude: v[2],
        fees: v[3],
        conduct: v[4],
    })
}

/// A comment, reply or appeal: required, at most `MAX_TEXT` characters.
pub fn text(s: &str) -> Result<String, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Problem::CommentRequired);
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Problem::TextTooLong);
    }
    Ok(t.to_string())
}

/// The owner may still rate: accepted, and at most 15 working days since.
pub fn rating_open(cal: &Calendar, accepted_on: NaiveDate, today: NaiveDate) -> bool {
    today >= accepted_on && cal.working_days_between(accepted_on, today) <= RATE_WITHIN_DAYS
}

/// The last day the owner may rate.
pub fn rate_by(cal: &Calendar, accepted_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(accepted_on, RATE_WITHIN_DAYS as u32)
}

/// The rater may still revise: at most 3 working days since the first rating.
pub fn revision_open(cal: &Calendar, rated_on: NaiveDate, today: NaiveDate) -> bool {
    today >= rated_on && cal.working_days_between(rated_on, today) <= REVISE_WITHIN_DAYS
}

/// Why a rating cannot be revised now (a locale key), or `None` when it can: a rating is
/// revised once at most — as the rating page says — within 3 working days of the first
/// rating, and not once the agency has appealed it.
pub fn revision_refusal(
    cal: &Calendar,
    rated_on: NaiveDate,
    today: NaiveDate,
    revised_already: bool,
    appealed: bool,
) -> Option<&'static str> {
    if appealed {
        Some("eval.err.appealed")
    } else if revised_already {
        Some("eval.err.revised_once")
    } else if !revision_open(cal, rated_on, today) {
        Some("eval.err.revision_closed")
    } else {
        None
    }
}

/// The unrated reminder is due: not rated, 10 or more working days since acceptance and the
/// window still open.
pub fn reminder_due(cal: &Calendar, accepted_on: NaiveDate, today: NaiveDate) -> bool {
    rating_open(cal, accepted_on, today)
        && cal.working_days_between(accepted_on, today) >= REMIND_AFTER_DAYS
}

/// Per-dimension and overall averages, in hundredths, of the ratings that count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Averages {
    pub count: i64,
    pub dims_x100: [i64; 5],
    pub overall_x100: i64,
}

pub fn averages<'a>(ratings: impl IntoIterator<Item = &'a Stars>) -> Averages {
    let mut n = 0i64;
    let mut sums = [0i64; 5];
    let mut overall = 0i64;
    for s in ratings {
        n += 1;
        for (i, v) in s.as_array().iter().enumerate() {
            sums[i] += *v as i64;
        }
        overall += s.overall_x100() as i64;
    }
    if n == 0 {
        return Averages::default();
    }
    let avg = |sum: i64| (sum * 100 + n / 2) / n;
    Averages {
        count: n,
        dims_x100: sums.map(avg),
        overall_x100: (overall + n / 2) / n,
    }
}

/// 好评 (overall ≥ 4 stars), 中评, 差评 (overall ≤ 2 stars) among counted ratings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Share {
    pub good: i64,
    pub neutral: i64,
    pub bad: i64,
}

impl Share {
    pub fn of<'a>(ratings: impl IntoIterator<Item = &'a Stars>) -> Share {
        let mut s = Share::default();
        for r in ratings {
            match r.overall_x100() {
                400.. => s.good += 1,
                ..=200 => s.bad += 1,
                _ => s.neutral += 1,
            }
        }
        s
    }

    /// The good share as "75.0%", "—" without ratings.
    pub fn good_percent(&self) -> String {
        let n = self.good + self.neutral + self.bad;
        if n == 0 {
            return "—".into();
        }
        let p = (self.good * 1000 + n / 2) / n;
        format!("{}.{}%", p / 10, p % 10)
    }
}

/// Hundredths of a star as "4.20".
pub fn fmt_x100(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn stars_only_one_to_five() {
        assert_eq!(star("1"), Ok(1));
        assert_eq!(star(" 5 "), Ok(5));
        for bad in ["0", "6", "-1", "", "4.5", "五"] {
            assert_eq!(star(bad), Err(Problem::StarsOutOfRange), "{bad}");
        }
        assert_eq!(
            stars(["5", "4", "9", "3", "2"]),
            Err((2, Problem::StarsOutOfRange))
        );
        let s = stars(["5", "4", "4", "3", "5"]).unwrap();
        assert_eq!(s.overall_x100(), 420);
        let s = stars(["5", "5", "5", "5", "4"]).unwrap();
        assert_eq!(s.overall_x100(), 480);
        let s = stars(["1", "1", "1", "1", "1"]).unwrap();
        assert_eq!(s.overall_x100(), 100);
    }

    #[test]
    fn windows_in_working_days() {
        let cal = Calendar::default();
        // Accepted Monday 2026-03-02: 15 working days end Monday 03-23.
        assert_eq!(rate_by(&cal, d("2026-03-02")), d("2026-03-23"));
        assert!(rating_open(&cal, d("2026-03-02"), d("2026-03-23")));
        assert!(!rating_open(&cal, d("2026-03-02"), d("2026-03-24")));
        assert!(revision_open(&cal, d("2026-03-02"), d("2026-03-05")));
        assert!(!revision_open(&cal, d("2026-03-02"), d("2026-03-06")));
        // Once only: a revised rating is not revised again, even within the window.
        let r = |revised, appealed, today| {
            revision_refusal(&cal, d("2026-03-02"), d(today), revised, appealed)
        };
        assert_eq!(r(false, false, "2026-03-03"), None);
        assert_eq!(r(true, false, "2026-03-03"), Some("eval.err.revised_once"));
        assert_eq!(r(false, true, "2026-03-03"), Some("eval.err.appealed"));
        assert_eq!(
            r(false, false, "2026-03-06"),
            Some("eval.err.revision_closed")
        );
        assert!(!reminder_due(&cal, d("2026-03-02"), d("2026-03-13")));
        assert!(reminder_due(&cal, d("2026-03-02"), d("2026-03-16")));
        assert!(!reminder_due(&cal, d("2026-03-02"), d("2026-03-24")));
    }

    #[test]
    fn averages_of_counted_ratings() {
        let a = stars(["5", "4", "4", "3", "5"]).unwrap();
        let b = stars(["3", "4", "2", "3", "3"]).unwrap();
        let av = averages([&a, &b]);
        assert_eq!(av.count, 2);
        assert_eq!(av.dims_x100, [400, 400, 300, 300, 400]);
        assert_eq!(av.overall_x100, 360);
        assert_eq!(fmt_x100(av.overall_x100), "3.60");
        assert_eq!(averages([]).count, 0);
    }

    #[test]
    fn good_and_bad_share() {
        let good = stars(["5", "4", "4", "3", "5"]).unwrap();
        let mid = stars(["3", "3", "3", "3", "3"]).unwrap();
        let bad = stars(["2", "2", "2", "2", "1"]).unwrap();
        let s = Share::of([&good, &good, &mid, &bad]);
        assert_eq!(
            s,
            Share {
                good: 2,
                neutral: 1,
                bad: 1
            }
        );
        assert_eq!(s.good_percent(), "50.0%");
        assert_eq!(Share::default().good_percent(), "—");
    }

    #[test]
    fn texts_required_and_bounded() {
        assert_eq!(text(" "), Err(Problem::CommentRequired));
        assert_eq!(text(&"好".repeat(1001)), Err(Problem::TextTooLong));
        assert_eq!(text(" 服务规范 "), Ok("服务规范".to_string()));
    }
}
