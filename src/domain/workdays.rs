//! Working days: Saturdays and Sundays are off, Monday to Friday are working
//! days, and the administrator's calendar (table `calendar_days`, `crate::accounts::store::calendar`) changes
//! single days: a *holiday* (节假日) takes a weekday off, a *make-up working day* (调休上班) puts
//! a Saturday or Sunday back to work. Every deadline counted in working days asks a `Calendar`
//! built from that table; `Calendar::default()` (weekends only) is for tests and for code
//! that has no database at hand.
//!
//! Counting convention, used by every caller: the start day itself never counts. "Due 2
//! working days after Friday" is Tuesday; "a window of at least 3 working days from publication"
//! means `working_days_between(published, deadline) >= 3`.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// The calendar date in China (UTC+8 all year, no daylight saving) at `now`: validity dates,
/// deadlines and birth dates are Chinese calendar days.
pub fn china_date(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

/// Saturday or Sunday.
pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What an entry of the calendar does to its day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A weekday off (国庆节).
    Holiday,
    /// A Saturday or Sunday worked (国庆节调休).
    Workday,
}

impl super::status::TextEnum for DayKind {
    const NAME: &'static str = "DayKind";
    const ALL: &'static [DayKind] = &DayKind::ALL;
    fn as_str(self) -> &'static str {
        DayKind::as_str(self)
    }
}

impl DayKind {
    pub const ALL: [DayKind; 2] = [DayKind::Holiday, DayKind::Workday];

    /// The value stored in `calendar_days.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        DayKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            DayKind::Holiday => "calendar.kind.holiday",
            DayKind::Workday => "calendar.kind.workday",
        }
    }
}

/// Why a calendar entry was refused. `key()` is the locale key of the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayProblem {
    /// Not a `YYYY-MM-DD` calendar date.
    DateInvalid,
    /// Outside the years the calendar keeps (`FIRST_YEAR..=LAST_YEAR`).
    DateOutOfRange,
    /// Neither `holiday` nor `workday`.
    KindInvalid,
    /// A holiday on a Saturday or Sunday: the day is off anyway.
    HolidayOnWeekend,
    /// A make-up working day on a weekday: the day is worked anyway.
    WorkdayOnWeekday,
}

impl DayProblem {
    pub fn key(self) -> &'static str {
        match self {
            DayProblem::DateInvalid => "calendar.err.date_invalid",
            DayProblem::DateOutOfRange => "calendar.err.date_range",
            DayProblem::KindInvalid => "calendar.err.kind_invalid",
            DayProblem::HolidayOnWeekend => "calendar.err.holiday_on_weekend",
            DayProblem::WorkdayOnWeekday => "calendar.err.workday_on_weekday",
        }
    }
}

/// The years an entry may fall in (and the year selector offers).
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

/// Parses the date of a calendar entry (`YYYY-MM-DD`, what `<input type="date">` sends).
pub fn parse_date(input: &str) -> Result<NaiveDate, DayProblem> {
    let d =
        NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| DayProblem::DateInvalid)?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
        return Err(DayProblem::DateOutOfRange);
    }
    Ok(d)
}

/// An entry changes its day: a holiday must fall on a weekday, a make-up day on a weekend.
/// (The database has the same CHECK; this gives the form a message.)
pub fn check_entry(day: NaiveDate, kind: DayKind) -> Result<(), DayProblem> {
    match (kind, is_weekend(day)) {
        (DayKind::Holiday, true) => Err(DayProblem::HolidayOnWeekend),
        (DayKind::Workday, false) => Err(DayProblem::WorkdayOnWeekday),
        _ => Ok(()),
    }
}

/// The locale key of a day's weekday name.
pub fn weekday_key(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "calendar.weekday.mon",
        Weekday::Tue => "calendar.weekday.tue",
        Weekday::Wed => "calendar.weekday.wed",
        Weekday::Thu => "calendar.weekday.thu",
        Weekday::Fri => "calendar.weekday.fri",
        Weekday::Sat => "calendar.weekday.sat",
        Weekday::Sun => "calendar.weekday.sun",
    }
}

/// Weekends plus the administrator's holidays and make-up days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    makeup_days: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar from its entries. An entry that would change nothing (a holiday on a
    /// weekend, a make-up day on a weekday) changes nothing here either.
    pub fn new(entries: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Calendar {
        let mut c = Calendar::default();
        for (d, k) in entries {
            if check_entry(d, k).is_err() {
                continue;
            }
            match k {
                DayKind::Holiday => c.holidays.insert(d),
                DayKind::Workday => c.makeup_days.insert(d),
            };
        }
        c
    }

    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    pub fn makeup_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.makeup_days.iter().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.makeup_days.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !is_weekend(d)
    }

    /// The date `n` working days after `start`; the start day itself does not count, so for
    /// `n >= 1` the answer is always a working day, and `n == 0` gives `start` back unchanged.
    /// (Friday + 1 is Monday; the day before a week-long holiday + 1 is the first day back.)
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            let Some(next) = d.succ_opt() else {
                // The end of chrono's calendar, hundreds of thousands of years away.
                return d;
            };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`):
    /// the inverse of `add_working_days`, so
    /// `working_days_between(a, add_working_days(a, n)) == n`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let span = (to - from).num_days();
        // Whole weeks have five weekdays; only the remainder is walked.
        let weeks = span / 7;
        let mut n = weeks * 5;
        let mut d = from + chrono::Duration::days(weeks * 7);
        while d < to {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if !is_weekend(d) {
                n += 1;
            }
        }
        // Each entry inside (from, to] moves the count by one: `new` keeps only holidays on
        // weekdays and make-up days on weekends.
        let after = from.succ_opt().unwrap_or(from);
        n -= self.holidays.range(after..=to).count() as i64;
        n += self.makeup_days.range(after..=to).count() as i64;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    /// The National Day and Mid-Autumn weeks of 2026 as published by the State Council
    /// (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04): 中秋节 Fri 25 Sep – Sun 27 Sep;
    /// 国庆节 Thu 1 Oct – Wed 7 Oct, with Sunday 20 Sep and Saturday 10 Oct worked.
    fn autumn_2026() -> Calendar {
        let mut e = vec![(d(2026, 9, 25), DayKind::Holiday)];
        for day in [1, 2, 5, 6, 7] {
            e.push((d(2026, 10, day), DayKind::Holiday));
        }
        e.push((d(2026, 9, 20), DayKind::Workday));
        e.push((d(2026, 10, 10), DayKind::Workday));
        Calendar::new(e)
    }

    #[test]
    fn weekends_are_skipped() {
        let c = Calendar::default();
        // Friday 2026-11-27 + 2 working days = Tuesday 2026-12-01.
        assert_eq!(c.add_working_days(d(2026, 11, 27), 2), d(2026, 12, 1));
        assert_eq!(c.working_days_between(d(2026, 11, 27), d(2026, 12, 1)), 2);
        assert_eq!(c.add_working_days(d(2026, 11, 28), 0), d(2026, 11, 28));
        assert_eq!(c.working_days_between(d(2026, 12, 1), d(2026, 11, 27)), 0);
    }

    #[test]
    fn national_day_week_2026() {
        let c = autumn_2026();
        assert!(c.is_working_day(d(2026, 9, 20)), "Sunday 20 Sep is worked");
        assert!(!c.is_working_day(d(2026, 9, 25)), "中秋节 Friday");
        assert!(!c.is_working_day(d(2026, 10, 1)));
        assert!(!c.is_working_day(d(2026, 10, 3)), "an ordinary Saturday");
        assert!(!c.is_working_day(d(2026, 10, 7)));
        assert!(c.is_working_day(d(2026, 10, 8)));
        assert!(
            c.is_working_day(d(2026, 10, 10)),
            "Saturday 10 Oct is worked"
        );
        assert!(!c.is_working_day(d(2026, 10, 11)));

        // Published Wed 30 Sep: the first working day after is Thu 8 Oct, the third Sat 10 Oct.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
        assert_eq!(c.add_working_days(d(2026, 9, 30), 3), d(2026, 10, 10));
        assert_eq!(c.add_working_days(d(2026, 9, 30), 4), d(2026, 10, 12));
        // Weekends only, the same three days would have ended on Mon 5 Oct.
        assert_eq!(
            Calendar::default().add_working_days(d(2026, 9, 30), 3),
            d(2026, 10, 5)
        );
        // A quote window from Wed 30 Sep to Fri 9 Oct holds two working days (8, 9 Oct): too
        // short for a 3-working-day minimum; to Sat 10 Oct it holds three.
        assert_eq!(c.working_days_between(d(2026, 9, 30), d(2026, 10, 9)), 2);
        assert_eq!(c.working_days_between(d(2026, 9, 30), d(2026, 10, 10)), 3);
        // Fri 18 Sep + 1 is the make-up Sunday 20 Sep.
        assert_eq!(c.add_working_days(d(2026, 9, 18), 1), d(2026, 9, 20));
        // 14 Sep – 11 Oct: 20 weekdays, minus 6 holidays, plus 2 make-up days.
        assert_eq!(c.working_days_between(d(2026, 9, 13), d(2026, 10, 11)), 16);
    }

    #[test]
    fn entries_must_change_their_day() {
        // 1 Oct 2026 is a Thursday, 3 Oct a Saturday.
        assert_eq!(check_entry(d(2026, 10, 1), DayKind::Holiday), Ok(()));
        assert_eq!(
            check_entry(d(2026, 10, 3), DayKind::Holiday),
            Err(DayProblem::HolidayOnWeekend)
        );
        assert_eq!(check_entry(d(2026, 10, 10), DayKind::Workday), Ok(()));
        assert_eq!(
            check_entry(d(2026, 10, 9), DayKind::Workday),
            Err(DayProblem::WorkdayOnWeekday)
        );
    }

    #[test]
    fn dates_and_kinds_parse() {
        assert_eq!(parse_date(" 2026-10-01 "), Ok(d(2026, 10, 1)));
        assert_eq!(parse_date("2026-02-30"), Err(DayProblem::DateInvalid));
        assert_eq!(parse_date("2026/10/01"), Err(DayProblem::DateInvalid));
        assert_eq!(parse_date(""), Err(DayProblem::DateInvalid));
        assert_eq!(parse_date("1999-10-01"), Err(DayProblem::DateOutOfRange));
        assert_eq!(DayKind::parse("holiday"), Some(DayKind::Holiday));
        assert_eq!(DayKind::parse("workday"), Some(DayKind::Workday));
        assert_eq!(DayKind::parse("weekend"), None);
        assert_eq!(weekday_key(d(2026, 10, 10)), "calendar.weekday.sat");
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..3000).prop_map(|n| d(2024, 1, 1) + chrono::Duration::days(n))
    }

    /// Random holidays (weekdays) and make-up days (weekends) around the dates tested,
    /// including long runs of holidays such as Spring Festival.
    fn arb_calendar() -> impl Strategy<Value = Calendar> {
        (
            prop::collection::vec((0i64..3100, 0i64..10), 0..60),
            prop::collection::vec(0i64..3100, 0..40),
        )
            .prop_map(|(runs, makeups)| {
                let base = d(2024, 1, 1);
                let mut e = Vec::new();
                for (start, len) in runs {
                    for k in 0..len {
                        let day = base + chrono::Duration::days(start + k);
                        if !is_weekend(day) {
                            e.push((day, DayKind::Holiday));
                        }
                    }
                }
                for m in makeups {
                    let day = base + chrono::Duration::days(m);
                    if is_weekend(day) {
                        e.push((day, DayKind::Workday));
                    }
                }
                Calendar::new(e)
            })
    }

    proptest! {
        #[test]
        fn adding_lands_on_a_working_day(c in arb_calendar(), from in arb_date(), n in 1u32..80) {
            let to = c.add_working_days(from, n);
            prop_assert!(to > from);
            prop_assert!(c.is_working_day(to));
        }

        #[test]
        fn between_undoes_adding(c in arb_calendar(), from in arb_date(), n in 0u32..80) {
            let to = c.add_working_days(from, n);
            prop_assert_eq!(c.working_days_between(from, to), i64::from(n));
        }

        #[test]
        fn between_counts_day_by_day(c in arb_calendar(), a in arb_date(), b in arb_date()) {
            let walked = if b <= a {
                0
            } else {
                (1..=(b - a).num_days())
                    .filter(|k| c.is_working_day(a + chrono::Duration::days(*k)))
                    .count() as i64
            };
            prop_assert_eq!(c.working_days_between(a, b), walked);
        }
    }
}
