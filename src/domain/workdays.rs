//! Working days: weekends are off, except 调休 make-up days; listed holidays are off. The
//! calendar's holidays and make-up days come from the admin-kept table (a later feature);
//! until then callers pass empty lists and only weekends count.

use chrono::{Datelike, NaiveDate, Weekday};

/// The calendar date in China (UTC+8 all year, no daylight saving) at `now`: validity dates,
/// deadlines and birth dates are Chinese calendar days.
pub fn china_date(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

/// Today's date in China.
pub fn today() -> NaiveDate {
    china_date(chrono::Utc::now())
}

#[derive(Clone, Debug, Default)]
pub struct Calendar {
    pub holidays: Vec<NaiveDate>,
    pub makeup_days: Vec<NaiveDate>,
}

impl Calendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.makeup_days.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The date `n` working days after `start` (the start day itself does not count).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn weekends_are_skipped() {
        let c = Calendar::default();
        // Friday 2026-11-27 + 2 working days = Tuesday 2026-12-01.
        assert_eq!(c.add_working_days(d(2026, 11, 27), 2), d(2026, 12, 1));
        assert_eq!(c.working_days_between(d(2026, 11, 27), d(2026, 12, 1)), 2);
    }

    #[test]
    fn holidays_and_makeup_days() {
        let c = Calendar {
            holidays: vec![d(2026, 10, 1), d(2026, 10, 2)],
            makeup_days: vec![d(2026, 10, 10)],
        };
        // Wed 30 Sep + 1 → Thu 1 Oct is a holiday, Fri 2 too, weekend, so Mon 5 Oct.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 5));
        assert!(c.is_working_day(d(2026, 10, 10)), "Saturday make-up day");
    }
}
