//! Fulfilment rules: the service timer in working days from signing to the owner's
//! acceptance, overrun, on-time delivery, payment lateness, amendments, the fulfilment rate
//! 履约率 and the service-time figure. Pure: the caller brings the calendar and the dates.
//!
//! Counting follows `domain::workdays`: the signing day itself never counts, so a contract
//! signed on Monday with a limit of 5 working days is due on the next Monday, and delivery
//! accepted on that Monday has used exactly 5 days (on time).

use chrono::NaiveDate;

use super::workdays::Calendar;

/// How many working days before the delivery deadline the reminder goes out.
pub const REMINDER_LEAD_DAYS: i64 = 3;
/// Longest extension one amendment may grant.
pub const MAX_EXTENSION_DAYS: i32 = 250;
/// Reasons, notes and comments: at most this many characters.
pub const MAX_TEXT: usize = 2000;
/// The policy target: average service time at least 20% under the statutory limit.
pub const TARGET_PERCENT_FASTER: i64 = 20;

/// Where a contract's service timer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    /// The China date of signing (the timer starts the day after).
    pub start: NaiveDate,
    /// The time limit including effective extensions.
    pub limit_days: i64,
    /// The last working day delivery is on time.
    pub deadline: NaiveDate,
    /// Working days used so far (up to acceptance, or up to today while running).
    pub used_days: i64,
    /// Working days past the deadline (0 when on time so far).
    pub overrun_days: i64,
    /// Accepted: the timer has stopped.
    pub stopped: bool,
}

impl Timer {
    /// Working days left before the deadline (0 once it passed).
    pub fn days_left(&self) -> i64 {
        (self.limit_days - self.used_days).max(0)
    }

    /// Overrun as a whole percentage of the limit, rounded up (what the credit rule set's
    /// `late_step_percent` steps count).
    pub fn overrun_percent(&self) -> u32 {
        if self.overrun_days <= 0 || self.limit_days <= 0 {
            return 0;
        }
        let p = (self.overrun_days * 100 + self.limit_days - 1) / self.limit_days;
        u32::try_from(p).unwrap_or(u32::MAX)
    }

    pub fn outcome(&self) -> Outcome {
        match (self.stopped, self.overrun_days > 0) {
            (true, false) => Outcome::OnTime,
            (true, true) => Outcome::Late,
            (false, false) => Outcome::Running,
            (false, true) => Outcome::Overdue,
        }
    }
}

/// The timer of a contract signed on `signed_on` with `limit_days` (extensions included),
/// accepted on `accepted_on` if it was, looked at on `today`. Returned deliverables do not
/// stop it: only acceptance does.
pub fn timer(
    cal: &Calendar,
    signed_on: NaiveDate,
    limit_days: i64,
    accepted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Timer {
    let limit = limit_days.max(0);
    let deadline = cal.add_working_days(signed_on, u32::try_from(limit).unwrap_or(u32::MAX));
    let end = accepted_on.unwrap_or(today);
    let used = cal.working_days_between(signed_on, end);
    Timer {
        start: signed_on,
        limit_days: limit,
        deadline,
        used_days: used,
        overrun_days: (used - limit).max(0),
        stopped: accepted_on.is_some(),
    }
}

/// What a contract counts as in the fulfilment rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted within the limit.
    OnTime,
    /// Accepted after the deadline.
    Late,
    /// Still running, deadline not passed: not yet due.
    Running,
    /// Not accepted and the deadline has passed: due and not completed on time.
    Overdue,
}

impl Outcome {
    pub fn is_due(self) -> bool {
        !matches!(self, Outcome::Running)
    }
    pub fn key(self) -> &'static str {
        match self {
            Outcome::OnTime => "ful.outcome.on_time",
            Outcome::Late => "ful.outcome.late",
            Outcome::Running => "ful.outcome.running",
            Outcome::Overdue => "ful.outcome.overdue",
        }
    }
}

/// 履约率: contracts completed on time / contracts due.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rate {
    pub on_time: i64,
    pub due: i64,
}

impl Rate {
    pub fn of(outcomes: impl IntoIterator<Item = Outcome>) -> Rate {
        let mut r = Rate::default();
        for o in outcomes {
            if o.is_due() {
                r.due += 1;
            }
            if o == Outcome::OnTime {
                r.on_time += 1;
            }
        }
        r
    }

    /// The rate in tenths of a percent (None when nothing is due yet).
    pub fn permille(&self) -> Option<i64> {
        (self.due > 0).then(|| (self.on_time * 1000 + self.due / 2) / self.due)
    }

    /// "87.5%", or "—" when nothing is due.
    pub fn display(&self) -> String {
        match self.permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".to_string(),
        }
    }
}

/// Average service time of accepted contracts against their statutory limits
/// (catalogue_items.time_limit_days).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceTime {
    pub contracts: i64,
    pub used_sum: i64,
    pub statutory_sum: i64,
}

impl ServiceTime {
    /// From (working days used, statutory limit) of each accepted contract.
    pub fn of(rows: impl IntoIterator<Item = (i64, i64)>) -> ServiceTime {
        let mut s = ServiceTime::default();
        for (used, statutory) in rows {
            s.contracts += 1;
            s.used_sum += used.max(0);
            s.statutory_sum += statutory.max(0);
        }
        s
    }

    /// Average working days used, in tenths.
    pub fn avg_used_x10(&self) -> Option<i64> {
        (self.contracts > 0).then(|| (self.used_sum * 10 + self.contracts / 2) / self.contracts)
    }

    /// Average statutory limit, in tenths.
    pub fn avg_statutory_x10(&self) -> Option<i64> {
        (self.contracts > 0)
            .then(|| (self.statutory_sum * 10 + self.contracts / 2) / self.contracts)
    }

    /// How much faster than the statutory limit, in whole percent (negative when slower).
    pub fn percent_faster(&self) -> Option<i64> {
        (self.statutory_sum > 0)
            .then(|| ((self.statutory_sum - self.used_sum) * 100) / self.statutory_sum)
    }

    /// The policy target (20% faster) is met.
    pub fn meets_target(&self) -> bool {
        self.percent_faster()
            .is_some_and(|p| p >= TARGET_PERCENT_FASTER)
    }
}

/// Tenths as "12.5".
pub fn fmt_x10(v: Option<i64>) -> String {
    match v {
        Some(v) => format!("{}.{}", v / 10, (v % 10).abs()),
        None => "—".to_string(),
    }
}

/// The payment due date: `due_days` working days after acceptance.
pub fn payment_due(cal: &Calendar, accepted_on: NaiveDate, due_days: i64) -> NaiveDate {
    cal.add_working_days(accepted_on, u32::try_from(due_days.max(0)).unwrap_or(0))
}

/// A payment made after its due date is late.
pub fn payment_late(paid_on: NaiveDate, due: NaiveDate) -> bool {
    paid_on > due
}

/// Nothing paid yet and the due date has passed.
pub fn payment_overdue(paid_any: bool, due: NaiveDate, today: NaiveDate) -> bool {
    !paid_any && today > due
}

/// The delivery reminder is due: the timer runs, the deadline is not past and at most
/// `REMINDER_LEAD_DAYS` working days remain.
pub fn delivery_reminder_due(cal: &Calendar, t: &Timer, today: NaiveDate) -> bool {
    !t.stopped
        && today <= t.deadline
        && cal.working_days_between(today, t.deadline) <= REMINDER_LEAD_DAYS
}

/// Why an amendment, a payment or a deliverable was refused (locale keys under `ful.err.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    KindInvalid,
    DaysInvalid,
    PriceInvalid,
    PriceAboveLimit,
    PriceUnchanged,
    ReasonRequired,
    TextTooLong,
    DateInvalid,
    DateInFuture,
    AmountInvalid,
}

impl Problem {
    pub fn key(self) -> &'static str {
        match self {
            Problem::KindInvalid => "ful.err.kind",
            Problem::DaysInvalid => "ful.err.days",
            Problem::PriceInvalid => "ful.err.price",
            Problem::PriceAboveLimit => "ful.err.price_above_limit",
            Problem::PriceUnchanged => "ful.err.price_unchanged",
            Problem::ReasonRequired => "ful.err.reason_required",
            Problem::TextTooLong => "ful.err.text_too_long",
            Problem::DateInvalid => "ful.err.date",
            Problem::DateInFuture => "ful.err.date_future",
            Problem::AmountInvalid => "ful.err.amount",
        }
    }
}

/// A reason or note: required (when `required`), trimmed, at most `MAX_TEXT` characters.
pub fn text(s: &str, required: bool) -> Result<String, Problem> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Problem::ReasonRequired);
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Problem::TextTooLong);
    }
    Ok(t.to_string())
}

/// What an amendment changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// More working days.
    Extension(i32),
    /// A new price in fen.
    Price(i64),
}

impl Change {
    pub fn kind(self) -> &'static str {
        match self {
            Change::Extension(_) => "extension",
            Change::Price(_) => "price",
        }
    }
}

/// Parses an amendment: `kind` "extension" with `days`, or "price" with a yuan amount that
/// differs from the current price and never exceeds the contract's limit.
pub fn amendment(
    kind: &str,
    days: &str,
    price_yuan: &str,
    current_price_fen: i64,
    limit_fen: i64,
) -> Result<Change, Problem> {
    match kind.trim() {
        "extension" => {
            let d: i32 = days.trim().parse().map_err(|_| Problem::DaysInvalid)?;
            if !(1..=MAX_EXTENSION_DAYS).contains(&d) {
                return Err(Problem::DaysInvalid);
            }
            Ok(Change::Extension(d))
        }
        "price" => {
            let m =
                super::money::Money::parse_yuan(price_yuan).map_err(|_| Problem::PriceInvalid)?;
            let fen = m.fen();
            if fen <= 0 {
                return Err(Problem::PriceInvalid);
            }
            if fen > limit_fen {
                return Err(Problem::PriceAboveLimit);
            }
            if fen == current_price_fen {
                return Err(Problem::PriceUnchanged);
            }
            Ok(Change::Price(fen))
        }
        _ => Err(Problem::KindInvalid),
    }
}

/// Parses a payment: a date not after `today` and a positive amount in yuan.
pub fn payment(
    date: &str,
    amount_yuan: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, i64), Problem> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| Problem::DateInvalid)?;
    if d > today {
        return Err(Problem::DateInFuture);
    }
    let m = super::money::Money::parse_yuan(amount_yuan).map_err(|_| Problem::AmountInvalid)?;
    if m.fen() <= 0 {
        return Err(Problem::AmountInvalid);
    }
    Ok((d, m.fen()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workdays::DayKind;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn timer_counts_working_days_from_signing() {
        let cal = Calendar::default();
        // Signed Monday 2026-03-02, 5 working days: due Monday 03-09.
        let t = timer(&cal, d("2026-03-02"), 5, None, d("2026-03-04"));
        assert_eq!(t.deadline, d("2026-03-09"));
        assert_eq!(t.used_days, 2);
        assert_eq!(t.days_left(), 3);
        assert_eq!(t.outcome(), Outcome::Running);
        let t = timer(
            &cal,
            d("2026-03-02"),
            5,
            Some(d("2026-03-09")),
            d("2026-03-20"),
        );
        assert_eq!(t.used_days, 5);
        assert_eq!(t.outcome(), Outcome::OnTime);
        let t = timer(
            &cal,
            d("2026-03-02"),
            5,
            Some(d("2026-03-10")),
            d("2026-03-20"),
        );
        assert_eq!((t.overrun_days, t.outcome()), (1, Outcome::Late));
        assert_eq!(t.overrun_percent(), 20);
        let t = timer(&cal, d("2026-03-02"), 5, None, d("2026-03-11"));
        assert_eq!(t.outcome(), Outcome::Overdue);
        assert_eq!(t.days_left(), 0);
    }

    #[test]
    fn holidays_stretch_the_deadline() {
        let cal = Calendar::new([(d("2026-03-04"), DayKind::Holiday)]);
        let t = timer(&cal, d("2026-03-02"), 5, None, d("2026-03-02"));
        assert_eq!(t.deadline, d("2026-03-10"));
    }

    #[test]
    fn overrun_percent_rounds_up() {
        let cal = Calendar::default();
        let t = timer(
            &cal,
            d("2026-03-02"),
            30,
            Some(d("2026-04-14")),
            d("2026-04-14"),
        );
        assert_eq!(t.overrun_days, 1);
        assert_eq!(t.overrun_percent(), 4);
    }

    #[test]
    fn rate_counts_only_due_contracts() {
        let r = Rate::of([
            Outcome::OnTime,
            Outcome::OnTime,
            Outcome::Late,
            Outcome::Running,
            Outcome::Overdue,
        ]);
        assert_eq!(r, Rate { on_time: 2, due: 4 });
        assert_eq!(r.permille(), Some(500));
        assert_eq!(r.display(), "50.0%");
        assert_eq!(Rate::of([Outcome::Running]).display(), "—");
        assert_eq!(Rate { on_time: 2, due: 3 }.display(), "66.7%");
    }

    #[test]
    fn service_time_against_the_limit() {
        let s = ServiceTime::of([(8, 20), (12, 20)]);
        assert_eq!(s.avg_used_x10(), Some(100));
        assert_eq!(s.avg_statutory_x10(), Some(200));
        assert_eq!(s.percent_faster(), Some(50));
        assert!(s.meets_target());
        let slow = ServiceTime::of([(18, 20)]);
        assert_eq!(slow.percent_faster(), Some(10));
        assert!(!slow.meets_target());
        assert_eq!(fmt_x10(ServiceTime::default().avg_used_x10()), "—");
        assert_eq!(fmt_x10(Some(125)), "12.5");
    }

    #[test]
    fn payments_late_after_the_due_date() {
        let cal = Calendar::default();
        let due = payment_due(&cal, d("2026-03-02"), 10);
        assert_eq!(due, d("2026-03-16"));
        assert!(!payment_late(d("2026-03-16"), due));
        assert!(payment_late(d("2026-03-17"), due));
        assert!(payment_overdue(false, due, d("2026-03-17")));
        assert!(!payment_overdue(true, due, d("2026-03-17")));
        assert!(!payment_overdue(false, due, d("2026-03-16")));
    }

    #[test]
    fn amendments_never_above_the_limit() {
        assert_eq!(
            amendment("extension", "5", "", 100, 200),
            Ok(Change::Extension(5))
        );
        assert_eq!(
            amendment("extension", "0", "", 100, 200),
            Err(Problem::DaysInvalid)
        );
        assert_eq!(
            amendment("extension", "x", "", 100, 200),
            Err(Problem::DaysInvalid)
        );
        assert_eq!(
            amendment("price", "", "1.50", 100, 200),
            Ok(Change::Price(150))
        );
        assert_eq!(
            amendment("price", "", "2.01", 100, 200),
            Err(Problem::PriceAboveLimit)
        );
        assert_eq!(
            amendment("price", "", "1.00", 100, 200),
            Err(Problem::PriceUnchanged)
        );
        assert_eq!(
            amendment("price", "", "abc", 100, 200),
            Err(Problem::PriceInvalid)
        );
        assert_eq!(
            amendment("other", "", "", 100, 200),
            Err(Problem::KindInvalid)
        );
    }

    #[test]
    fn payment_input() {
        let today = d("2026-03-10");
        assert_eq!(
            payment("2026-03-09", "1000", today),
            Ok((d("2026-03-09"), 100_000))
        );
        assert_eq!(
            payment("2026-03-11", "1000", today),
            Err(Problem::DateInFuture)
        );
        assert_eq!(
            payment("yesterday", "1000", today),
            Err(Problem::DateInvalid)
        );
        assert_eq!(
            payment("2026-03-09", "0", today),
            Err(Problem::AmountInvalid)
        );
    }

    #[test]
    fn reminder_window() {
        let cal = Calendar::default();
        let t = timer(&cal, d("2026-03-02"), 10, None, d("2026-03-02"));
        assert_eq!(t.deadline, d("2026-03-16"));
        assert!(!delivery_reminder_due(&cal, &t, d("2026-03-10")));
        assert!(delivery_reminder_due(&cal, &t, d("2026-03-11")));
        assert!(delivery_reminder_due(&cal, &t, d("2026-03-16")));
        assert!(!delivery_reminder_due(&cal, &t, d("2026-03-17")));
    }

    #[test]
    fn texts() {
        assert_eq!(text("  ", true), Err(Problem::ReasonRequired));
        assert_eq!(text("", false), Ok(String::new()));
        assert_eq!(text(&"字".repeat(2001), false), Err(Problem::TextTooLong));
    }
}
