//! Login throttling rule. Per account: at most 100 failed tries in any hour (then refused
//! until the hour has passed), and before that a growing pause after the fifth failure, so
//! guessing is slow long before the hard limit. Per network address the same rule applies
//! with a higher allowance, since offices share one address.
//!
//! A try counts as a failure from the moment it is let through (before its password is
//! checked) until it proves right, so the pause runs from the last try let through and a burst
//! of tries in flight together gets no more evaluations than tries made one by one.

use chrono::{Duration, NaiveDateTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Hard limit of failures in the last hour (the policy says at most 100 per account).
    pub max_per_hour: i64,
    /// Failures allowed before any pause.
    pub free_tries: i64,
}

pub const ACCOUNT: Limits = Limits {
    max_per_hour: 100,
    free_tries: 5,
};
pub const ADDRESS: Limits = Limits {
    max_per_hour: 1000,
    free_tries: 20,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Try again after this many seconds.
    Wait(i64),
}

/// `failures` are the failure times of the last hour, any order.
pub fn verdict(limits: Limits, failures: &[NaiveDateTime], now: NaiveDateTime) -> Verdict {
    let hour_ago = now - Duration::hours(1);
    let mut recent: Vec<NaiveDateTime> =
        failures.iter().copied().filter(|t| *t > hour_ago).collect();
    recent.sort();
    let n = recent.len() as i64;
    if n == 0 {
        return Verdict::Allow;
    }
    if n >= limits.max_per_hour {
        // Refused until the oldest failure in the window is an hour old.
        let oldest = recent[(n - limits.max_per_hour) as usize];
        let secs = (oldest + Duration::hours(1) - now).num_seconds().max(1);
        return Verdict::Wait(secs);
    }
    if n < limits.free_tries {
        return Verdict::Allow;
    }
    // 2, 4, 8 … seconds after each further failure, capped at five minutes.
    let exp = (n - limits.free_tries).min(8) as u32;
    let pause = (2i64 << exp).min(300);
    let last = recent[recent.len() - 1];
    let ready = last + Duration::seconds(pause);
    if ready > now {
        Verdict::Wait((ready - now).num_seconds().max(1))
    } else {
        Verdict::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn a_few_failures_are_free() {
        let now = t0();
        let f: Vec<_> = (0..4).map(|i| now - Duration::seconds(i)).collect();
        assert_eq!(verdict(ACCOUNT, &f, now), Verdict::Allow);
    }

    #[test]
    fn pause_grows_after_free_tries() {
        let now = t0();
        let f: Vec<_> = (0..6).map(|i| now - Duration::seconds(i)).collect();
        assert!(matches!(verdict(ACCOUNT, &f, now), Verdict::Wait(s) if s > 0 && s <= 4));
        let later = now + Duration::seconds(10);
        assert_eq!(verdict(ACCOUNT, &f, later), Verdict::Allow);
    }

    #[test]
    fn hard_limit_of_one_hundred_an_hour() {
        let now = t0();
        // 100 failures spread over the last 50 minutes, the last one 10 minutes ago.
        let f: Vec<_> = (0..100)
            .map(|i| now - Duration::minutes(10) - Duration::seconds(i * 30))
            .collect();
        match verdict(ACCOUNT, &f, now) {
            // Refused until the oldest of the hundred is an hour old: 30 s from now.
            Verdict::Wait(s) => assert!((29..=31).contains(&s), "{s}"),
            v => panic!("expected refusal, got {v:?}"),
        }
        // Failures older than an hour do not count.
        let old: Vec<_> = (0..100)
            .map(|i| now - Duration::hours(2) - Duration::seconds(i))
            .collect();
        assert_eq!(verdict(ACCOUNT, &old, now), Verdict::Allow);
    }
}
