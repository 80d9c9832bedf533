//! The demo's history as a list of dated steps, replayed in date order.
//!
//! A demo is only worth trying if it reads like a real marketplace: an announcement opened
//! after its deadline, a winner who confirmed after the publicity, a timeline whose entries
//! carry the same dates as the rows they describe. So every part of the demo (accounts,
//! catalogue, profiles, certificates, credit records, sanctions, model texts, selections)
//! adds its steps here with the time each happened, relative to today; [`Story::run`] sorts
//! them and runs each with the clock pinned to its time (`db::pin_clock`), through the same
//! model functions as the pages. Row dates, audit entries (in time order along the chain)
//! and working-day deadlines then agree, and every step met the rules of its own day.
//!
//! Nothing random is drawn here: dates come from today and the working-day calendar, seeds
//! and nonces from [`demo_bytes`], so two loads on the same day write the same data.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use sha2::{Digest, Sha256};

use crate::db::{self, DbConnection, DbError};
use crate::domain::publication::china_to_utc;
use crate::domain::workdays::Calendar;

type Step<'a> = Box<dyn FnOnce(&mut DbConnection) -> Result<(), DbError> + 'a>;

/// How far back the demo's history reaches (the platform's launch), in calendar days.
pub const LAUNCH_DAYS_AGO: i64 = 760;

pub struct Story<'a> {
    /// Today in China when the demo is loaded.
    pub today: NaiveDate,
    pub calendar: Calendar,
    steps: Vec<(NaiveDateTime, Step<'a>)>,
}

impl<'a> Story<'a> {
    /// A story ending today (China time), on the administrator's calendar.
    pub fn new(c: &mut DbConnection) -> Result<Story<'a>, DbError> {
        let today = crate::db::today();
        let calendar = crate::accounts::store::calendar::load_from(
            c,
            today - Duration::days(LAUNCH_DAYS_AGO + 7),
        )?;
        Ok(Story {
            today,
            calendar,
            steps: Vec::new(),
        })
    }

    /// The calendar day `n` days before today.
    pub fn days_ago(&self, n: i64) -> NaiveDate {
        self.today - Duration::days(n)
    }

    /// The `n`-th working day before today (`n` ≥ 1); today itself is never counted, so the
    /// steps it dates are over whatever the hour of the load.
    pub fn working_days_ago(&self, n: u32) -> NaiveDate {
        let mut d = self.today;
        let mut left = n.max(1);
        while left > 0 {
            d -= Duration::days(1);
            if self.calendar.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first working day on or after `d`.
    pub fn working_day_from(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        while !self.calendar.is_working_day(d) {
            d += Duration::days(1);
        }
        d
    }

    /// `d` + `n` working days (the publication day does not count).
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.calendar.add_working_days(d, n)
    }

    /// China time `hh:mm` on `d`, in UTC.
    pub fn at(d: NaiveDate, hh: u32, mm: u32) -> NaiveDateTime {
        china_to_utc(d, NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or_default())
    }

    /// Adds a step that happens at `at` (UTC). Steps of the same time run in the order
    /// added.
    pub fn add(
        &mut self,
        at: NaiveDateTime,
        step: impl FnOnce(&mut DbConnection) -> Result<(), DbError> + 'a,
    ) {
        self.steps.push((at, Box::new(step)));
    }

    /// Runs every step in time order, each with the clock pinned to its time, inside the
    /// caller's transaction.
    pub fn run(mut self, c: &mut DbConnection) -> Result<(), DbError> {
        self.steps.sort_by_key(|(at, _)| *at);
        for (at, step) in self.steps {
            let _pinned = db::pin_clock(at);
            step(c)?;
        }
        Ok(())
    }
}

/// 32 bytes fixed by `label`: the demo's stand-in for randomness (draw seeds, quote nonces),
/// so every load draws the same winners. Real seeds come from the operating system
/// (`domain::draw::Seed::generate`); a demo's are public by construction and say so.
pub fn demo_bytes(label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"zhongjie-demo-v1|");
    h.update(label.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn demo_bytes_are_fixed_by_their_label() {
        assert_eq!(demo_bytes("seed|a"), demo_bytes("seed|a"));
        assert_ne!(demo_bytes("seed|a"), demo_bytes("seed|b"));
    }

    #[test]
    fn working_days_before_today_skip_weekends_and_today() {
        let s = Story {
            // A Monday.
            today: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            calendar: Calendar::default(),
            steps: Vec::new(),
        };
        assert_eq!(s.working_days_ago(1).to_string(), "2026-03-06");
        assert_eq!(s.working_days_ago(5).to_string(), "2026-03-02");
        assert_eq!(
            s.working_day_from(NaiveDate::from_ymd_opt(2026, 3, 7).unwrap())
                .to_string(),
            "2026-03-09"
        );
        assert_eq!(Story::at(s.today, 9, 30).to_string(), "2026-03-09 01:30:00");
    }
}
