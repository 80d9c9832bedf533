//! The platform clock: what "now" is for every deadline, job and timer.
//!
//! On a production database it is the system clock. A database created by `zhongjie demo` is
//! a rehearsal database: its administrator may move the clock forward (`/admin/clock`), so a
//! trainer can walk a selection from publication to a rated contract without waiting for the
//! working days in between. The offset lives in the database (table `platform_clock`), so
//! every instance sharing it agrees; each process keeps the last reading in its pool's
//! [`Clock`] and re-reads it when it is older than the page-stamp interval
//! (`ZJ_PAGE_STAMP_MS`), at the first database use after that (see `db::Pool`).
//!
//! One process may serve several databases (the integration tests run many apps at once), so
//! the offset is never a process-global: a [`Clock`] belongs to a pool, and the code that
//! reads "now" finds the clock of the database it works on through a thread-local that is set
//! where the work starts — `db::run` for the closure it runs, the session middleware for a
//! request's handler (an HTTP worker thread serves one application), `Pool::get` for the
//! command line and tests. [`now_utc`] outside all of these is the system clock.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};

/// A database's platform clock, shared by the clones of its pool.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Seconds added to the system clock; only ever grows (the database refuses less).
    offset: AtomicI64,
    demo: AtomicBool,
    /// Set once migrations have run: before that the table may not exist, so nothing is read.
    armed: AtomicBool,
    reread: std::sync::Mutex<Duration>,
    read_at: std::sync::Mutex<Option<Instant>>,
}

impl Clock {
    pub fn new() -> Clock {
        Clock::default()
    }

    /// The platform's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_seconds())
    }

    /// The platform's date in China.
    pub fn today(&self) -> NaiveDate {
        crate::domain::workdays::china_date(self.now())
    }

    /// How far the platform clock is ahead of the system clock.
    pub fn offset_seconds(&self) -> i64 {
        self.inner.offset.load(Ordering::Relaxed)
    }

    /// Whether the database is a demo/training database (as last read).
    pub fn is_demo(&self) -> bool {
        self.inner.demo.load(Ordering::Relaxed)
    }

    /// Starts reading the database's clock, at most once per `reread`.
    pub fn arm(&self, reread: Duration) {
        *self.inner.reread.lock().unwrap_or_else(|p| p.into_inner()) = reread;
        self.inner.armed.store(true, Ordering::Relaxed);
    }

    /// Whether the last reading is older than the re-read interval (never true before
    /// [`Clock::arm`]).
    pub fn due(&self) -> bool {
        if !self.inner.armed.load(Ordering::Relaxed) {
            return false;
        }
        let reread = *self.inner.reread.lock().unwrap_or_else(|p| p.into_inner());
        let read_at = *self.inner.read_at.lock().unwrap_or_else(|p| p.into_inner());
        read_at.is_none_or(|t| t.elapsed() >= reread)
    }

    /// Takes a reading of the database's row. A reading older than one already taken cannot
    /// move the clock back: the offset only grows.
    pub fn record(&self, demo: bool, offset_seconds: i64) {
        self.inner.demo.store(demo, Ordering::Relaxed);
        self.inner
            .offset
            .fetch_max(offset_seconds.max(0), Ordering::Relaxed);
        *self.inner.read_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    /// A failed reading: keep the last one, try again after the interval.
    pub fn record_failure(&self) {
        *self.inner.read_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    /// Makes this the clock of the current thread until the guard drops (then the previous
    /// one is back).
    pub fn enter(&self) -> Entered {
        let previous = CURRENT.with(|c| c.replace(Some(self.clone())));
        Entered {
            previous,
            _not_send: std::marker::PhantomData,
        }
    }

    /// Makes this the clock of the current thread from now on (a thread that works for one
    /// database only: an HTTP worker of one application, the command line).
    pub fn install_for_thread(&self) {
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            if !c
                .as_ref()
                .is_some_and(|x| Arc::ptr_eq(&x.inner, &self.inner))
            {
                *c = Some(self.clone());
            }
        });
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Clock>> = const { RefCell::new(None) };
}

/// Restores the thread's previous clock when dropped; stays on the thread that entered.
pub struct Entered {
    previous: Option<Clock>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The current thread's platform time (the system clock where no database clock is set).
pub fn now_utc() -> DateTime<Utc> {
    CURRENT
        .with(|c| c.borrow().as_ref().map(Clock::now))
        .unwrap_or_else(Utc::now)
}

/// The system clock (UTC, microseconds), without any platform offset: only for computing a
/// new offset from the one stored.
pub fn system_now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// The current thread's clock, if one is set.
pub fn current() -> Option<Clock> {
    CURRENT.with(|c| c.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_only_grows_and_applies_inside_the_scope() {
        let c = Clock::new();
        c.record(true, 3600);
        c.record(true, 60);
        assert_eq!(
            c.offset_seconds(),
            3600,
            "an older reading never moves it back"
        );
        let before = now_utc();
        {
            let _in = c.enter();
            let inside = now_utc();
            assert!(inside - before >= chrono::Duration::seconds(3599));
        }
        assert!(
            now_utc() - before < chrono::Duration::seconds(60),
            "restored"
        );
    }

    #[test]
    fn two_clocks_on_one_thread_do_not_mix() {
        let a = Clock::new();
        let b = Clock::new();
        a.record(true, 86_400);
        let _outer = a.enter();
        {
            let _inner = b.enter();
            assert!(now_utc() < Utc::now() + chrono::Duration::seconds(60));
        }
        assert!(now_utc() > Utc::now() + chrono::Duration::seconds(86_000));
    }

    #[test]
    fn an_unarmed_clock_never_asks_the_database() {
        let c = Clock::new();
        assert!(!c.due());
        c.arm(Duration::from_millis(0));
        assert!(c.due());
        c.record(false, 0);
        assert!(c.due(), "a zero interval re-reads every time");
        c.arm(Duration::from_secs(60));
        assert!(!c.due());
    }
}
