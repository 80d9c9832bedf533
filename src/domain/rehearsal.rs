//! The rehearsal clock of a demo database (`/admin/clock`): how far one step may move it and
//! where a step lands. A step only ever moves forward: by whole hours, or by working days on
//! the administrator's calendar, keeping the time of day (Friday 15:00 + 1 working day is
//! Monday 15:00; the day before the National Day week + 1 is the first day back).

use chrono::{Duration, NaiveDateTime};

use crate::domain::workdays::{Calendar, china_date};

/// The largest step in hours (a month), so a slip of the keyboard cannot throw the platform
/// years ahead: the clock never comes back.
pub const MAX_HOURS: u32 = 720;
/// The largest step in working days (about a year of working days).
pub const MAX_WORKING_DAYS: u32 = 250;

/// One move of the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Hours(u32),
    WorkingDays(u32),
}

impl Step {
    /// The unit as the form sends it and the audit entry records it.
    pub fn unit(self) -> &'static str {
        match self {
            Step::Hours(_) => "hours",
            Step::WorkingDays(_) => "working_days",
        }
    }

    pub fn amount(self) -> u32 {
        match self {
            Step::Hours(n) | Step::WorkingDays(n) => n,
        }
    }
}

/// Why a step was refused; `key()` is the locale key of the message beside the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepProblem {
    /// Not a whole number of at least 1.
    AmountInvalid,
    /// More hours than [`MAX_HOURS`].
    TooManyHours,
    /// More working days than [`MAX_WORKING_DAYS`].
    TooManyWorkingDays,
    /// Neither hours nor working days.
    UnitInvalid,
}

impl StepProblem {
    pub fn key(self) -> &'static str {
        match self {
            StepProblem::AmountInvalid => "clock.err.amount_invalid",
            StepProblem::TooManyHours => "clock.err.too_many_hours",
            StepProblem::TooManyWorkingDays => "clock.err.too_many_working_days",
            StepProblem::UnitInvalid => "clock.err.unit_invalid",
        }
    }

    pub fn args(self) -> Vec<(&'static str, String)> {
        match self {
            StepProblem::TooManyHours => vec![("max", MAX_HOURS.to_string())],
            StepProblem::TooManyWorkingDays => vec![("max", MAX_WORKING_DAYS.to_string())],
            _ => Vec::new(),
        }
    }

    /// Which field the message belongs beside.
    pub fn field(self) -> &'static str {
        match self {
            StepProblem::UnitInvalid => "unit",
            _ => "amount",
        }
    }
}

/// Parses the form: `amount` a whole number ≥ 1 (full-width digits accepted, as a Chinese
/// input method may type them), `unit` `hours` or `working_days`. Zero and negative amounts are
/// refused: the clock never stands still on a request to move it, and never goes back.
pub fn parse_step(amount: &str, unit: &str) -> Result<Step, StepProblem> {
    let digits: String = amount
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let unit = unit.trim();
    let (max, too_many) = match unit {
        "hours" => (MAX_HOURS, StepProblem::TooManyHours),
        "working_days" => (MAX_WORKING_DAYS, StepProblem::TooManyWorkingDays),
        _ => return Err(StepProblem::UnitInvalid),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(StepProblem::AmountInvalid);
    }
    let n: u32 = match digits.trim_start_matches('0') {
        "" => return Err(StepProblem::AmountInvalid),
        d if d.len() > 6 => return Err(too_many),
        d => d.parse().map_err(|_| StepProblem::AmountInvalid)?,
    };
    if n > max {
        return Err(too_many);
    }
    Ok(match unit {
        "hours" => Step::Hours(n),
        _ => Step::WorkingDays(n),
    })
}

/// Where the platform time `now` (UTC) lands after `step`. Working days are counted on the
/// China date of `now`, and the time of day is kept.
pub fn advance(now: NaiveDateTime, step: Step, cal: &Calendar) -> NaiveDateTime {
    match step {
        Step::Hours(h) => now + Duration::hours(i64::from(h)),
        Step::WorkingDays(n) => {
            let today = china_date(now.and_utc());
            let target = cal.add_working_days(today, n);
            now + Duration::days((target - today).num_days())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workdays::DayKind;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .unwrap_or_default()
    }

    #[test]
    fn amounts_are_whole_positive_numbers_within_the_unit() {
        assert_eq!(parse_step("3", "working_days"), Ok(Step::WorkingDays(3)));
        assert_eq!(parse_step(" ２４ ", "hours"), Ok(Step::Hours(24)));
        assert_eq!(parse_step("007", "hours"), Ok(Step::Hours(7)));
        for bad in ["", "0", "000", "-1", "1.5", "abc", "+2", "一"] {
            assert_eq!(
                parse_step(bad, "hours"),
                Err(StepProblem::AmountInvalid),
                "{bad:?}"
            );
        }
        assert_eq!(parse_step("720", "hours"), Ok(Step::Hours(720)));
        assert_eq!(parse_step("721", "hours"), Err(StepProblem::TooManyHours));
        assert_eq!(
            parse_step("99999999999999999999", "working_days"),
            Err(StepProblem::TooManyWorkingDays)
        );
        assert_eq!(parse_step("2", "days"), Err(StepProblem::UnitInvalid));
        assert_eq!(parse_step("2", ""), Err(StepProblem::UnitInvalid));
    }

    #[test]
    fn hours_move_by_the_hour() {
        let now = utc(2026, 12, 4, 7, 30);
        assert_eq!(
            advance(now, Step::Hours(25), &Calendar::default()),
            utc(2026, 12, 5, 8, 30)
        );
    }

    #[test]
    fn working_days_skip_weekends_and_keep_the_time_of_day() {
        // Friday 2026-12-04 15:30 in China is 07:30 UTC; + 1 working day is Monday.
        let now = utc(2026, 12, 4, 7, 30);
        assert_eq!(
            advance(now, Step::WorkingDays(1), &Calendar::default()),
            utc(2026, 12, 7, 7, 30)
        );
        // 23:30 UTC on Friday is already Saturday 07:30 in China: + 1 is Monday in China.
        let late = utc(2026, 12, 4, 23, 30);
        assert_eq!(
            advance(late, Step::WorkingDays(1), &Calendar::default()),
            utc(2026, 12, 6, 23, 30)
        );
    }

    #[test]
    fn working_days_follow_the_holiday_calendar() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        let mut e: Vec<(NaiveDate, DayKind)> = [1, 2, 5, 6, 7]
            .into_iter()
            .map(|day| (d(10, day), DayKind::Holiday))
            .collect();
        e.push((d(10, 10), DayKind::Workday));
        let cal = Calendar::new(e);
        // Wednesday 30 Sep + 1 working day: Thursday 8 Oct; + 2: Friday 9 Oct; + 3: Saturday
        // 10 Oct, a make-up working day.
        let now = utc(2026, 9, 30, 2, 0);
        assert_eq!(
            advance(now, Step::WorkingDays(1), &cal),
            utc(2026, 10, 8, 2, 0)
        );
        assert_eq!(
            advance(now, Step::WorkingDays(3), &cal),
            utc(2026, 10, 10, 2, 0)
        );
    }

    #[test]
    fn every_step_moves_forward() {
        let now = utc(2026, 12, 31, 20, 0);
        for step in [Step::Hours(1), Step::WorkingDays(1), Step::WorkingDays(250)] {
            assert!(advance(now, step, &Calendar::default()) > now, "{step:?}");
        }
    }
}
