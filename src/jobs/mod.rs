//! The background job, run by every instance with `ZJ_RUN_JOBS` on, every `ZJ_JOB_POLL_MS`:
//! 0. selection: open every announcement whose quote deadline has passed (exactly once across
//!    instances, see `crate::selection::steps::opening`), close justification windows, and hand a win on to
//!    the next-ranked agency when the winner did not confirm in time;
//!    then lapse contracts past their sign-by day (a RefusedToSign record for an agency that
//!    had the text and did not sign) and remind the parties the working day before;
//! 1. regrade agencies never graded or graded before the current rule set was published
//!    (an admin publishing rules never waits for 100,000 agencies: the request stores the
//!    rules, this job catches up in batches);
//! 2. once per China day, claimed through `job_runs` so exactly one instance runs it:
//!    recompute the agencies whose records took effect or stopped counting since the last
//!    run, and refresh the sanctions cache (listings end by themselves);
//! 3. contract reminders (every ten minutes, with the daily claim attempt): delivery deadline,
//!    payment due date, unrated accepted contracts — each sent once per contract and kind
//!    (`contract_reminders`), see `crate::contracts::steps::fulfilment::remind`;
//! 4. once per China day (claimed like step 2): certificate reviews past their due day are
//!    escalated to the reviewing department's regulators, see `crate::library::store::review`.
//!
//! Days are the platform clock's (`crate::clock`): when a demo database's clock is moved to a
//! new day, the daily steps run on the next tick instead of up to ten minutes later.
//!
//! Every step is idempotent, so a crash or a second instance costs only repeated work.

use chrono::NaiveDate;

use crate::audit;
use crate::config::Config;
use crate::db::{self, DbConnection, DbError, Pool};

/// The name of the daily run in `job_runs`.
pub const DAILY: &str = "credit_daily";
/// Agencies per transaction.
pub const BATCH: i64 = 500;

/// What one pass did (for logs and tests).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub regraded: usize,
    /// `Some` when this instance ran the daily job: agencies recomputed, sanction rows changed.
    pub daily: Option<(usize, usize)>,
}

/// Step 0b: contracts past their sign-by day lapse; those due by the next working day are
/// reminded once. Returns (lapsed, reminded).
pub fn contracts(c: &mut DbConnection, today: NaiveDate) -> Result<(usize, usize), DbError> {
    let lapsed = crate::contracts::steps::contract::lapse_due(c, today)?;
    let reminded = crate::contracts::steps::contract::remind_due(c, today)?;
    Ok((lapsed, reminded))
}

/// Step 1: regrade stale and ungraded agencies.
pub fn regrade(c: &mut DbConnection, today: NaiveDate) -> Result<usize, DbError> {
    crate::credit::steps::regrade_stale(c, today, BATCH)
}

/// Step 2: the daily run for `today`, if this instance wins the claim.
pub fn daily(
    c: &mut DbConnection,
    today: NaiveDate,
    instance: &str,
) -> Result<Option<(usize, usize)>, DbError> {
    if !crate::credit::store::credit::claim_daily(c, DAILY, today, instance)? {
        return Ok(None);
    }
    let rules = crate::credit::store::credit::current_rules(c)?.rules();
    let since = crate::credit::store::credit::last_daily(c, DAILY, today)?
        .unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN));
    let ids = crate::credit::store::credit::agencies_with_changes(c, since, today, &rules)?;
    let n = crate::credit::store::credit::recompute_ids(c, &ids, today, BATCH as usize)?;
    let changed = db::write_tx(c, |c| {
        let changed = crate::credit::store::sanctions::refresh_sanctioned(c, today)?;
        audit::record(
            c,
            &audit::Actor::system(),
            "credit.daily",
            "job_run",
            DAILY,
            &serde_json::json!({ "day": today, "recomputed": n, "sanctions_changed": changed }),
            "",
        )?;
        Ok::<_, diesel::result::Error>(changed)
    })?;
    crate::credit::store::credit::finish_daily(c, DAILY, today, instance)?;
    tracing::info!(
        recomputed = n,
        sanctions_changed = changed,
        "daily credit job done"
    );
    Ok(Some((n, changed)))
}

/// Step 4: once per China day (its own claim in `job_runs`, so exactly one instance runs
/// it), escalate the certificate reviews past their due day to the reviewing department's
/// regulators (`crate::library::store::review`). `Some(escalated)` when this instance ran it.
pub fn reviews(
    c: &mut DbConnection,
    today: NaiveDate,
    instance: &str,
    public_url: &str,
) -> Result<Option<usize>, DbError> {
    if !crate::credit::store::credit::claim_daily(
        c,
        crate::library::store::review::DAILY,
        today,
        instance,
    )? {
        return Ok(None);
    }
    let n = crate::library::steps::escalate_overdue(c, today, public_url)?;
    crate::credit::store::credit::finish_daily(
        c,
        crate::library::store::review::DAILY,
        today,
        instance,
    )?;
    if n > 0 {
        tracing::info!(escalated = n, "overdue certificate reviews escalated");
    }
    Ok(Some(n))
}

/// One pass of both steps.
pub fn pass(c: &mut DbConnection, today: NaiveDate, instance: &str) -> Result<Pass, DbError> {
    let regraded = regrade(c, today)?;
    let daily = daily(c, today, instance)?;
    Ok(Pass { regraded, daily })
}

/// The background loop, spawned by `startup` next to the mail sender.
pub async fn worker(pool: Pool, cfg: Config) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(cfg.job_poll_ms.max(50)));
    // The daily claim is tried at most every ten minutes (a lost claim is an insert refused
    // by the primary key; a crashed run is taken over after an hour, see `claim_daily`).
    let mut next_daily = std::time::Instant::now();
    let mut last_day = None;
    loop {
        tick.tick().await;
        pool.refresh_clock().await;
        // The platform's date (a demo database's clock may have been moved): a new day is
        // tried at once, so a rehearsal step's reminders go out on the next tick.
        let today = pool.clock().today();
        let instance = cfg.instance_id.clone();
        let try_daily = std::time::Instant::now() >= next_daily || last_day != Some(today);
        let key = cfg.sealing_key;
        let public_url = cfg.public_url.clone();
        let r = db::run(&pool, move |c| -> Result<Pass, DbError> {
            // Selection first: announcements whose deadline passed open within one tick.
            let opened = crate::selection::steps::opening::open_due(c, &key, &instance)?;
            if opened > 0 {
                tracing::info!(opened, "announcements opened");
            }
            let moved = crate::selection::steps::opening::advance(c)?;
            if moved > 0 {
                tracing::info!(moved, "selection results moved on");
            }
            let (lapsed, reminded) = contracts(c, today)?;
            if lapsed + reminded > 0 {
                tracing::info!(lapsed, reminded, "contract signing deadlines");
            }
            let regraded = regrade(c, today)?;
            let daily = if try_daily {
                let reminded = crate::contracts::steps::fulfilment::remind(c, today)?;
                if reminded > 0 {
                    tracing::info!(reminded, "contract reminders sent");
                }
                reviews(c, today, &instance, &public_url)?;
                // Overdue complaints: each reminded to its department once per day.
                let overdue = crate::complaints::steps::remind_overdue(c, today)?;
                if overdue > 0 {
                    tracing::info!(overdue, "overdue complaints reminded");
                }
                daily(c, today, &instance)?
            } else {
                None
            };
            Ok(Pass { regraded, daily })
        })
        .await;
        match r {
            Ok(p) => {
                if p.regraded > 0 {
                    tracing::info!(regraded = p.regraded, "credit grades brought up to date");
                }
                if try_daily {
                    next_daily = std::time::Instant::now() + std::time::Duration::from_secs(600);
                    last_day = Some(today);
                }
            }
            Err(e) => tracing::warn!(error = %e, "credit job"),
        }
    }
}
