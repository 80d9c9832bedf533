//! Group commit for SQLite's hottest writes (quotes under a deadline).
//!
//! A durable SQLite commit waits for the disk (`synchronous = FULL`), and SQLite commits one
//! writer at a time: one write per commit caps the writes per second at the disk's syncs per
//! second. [`run_grouped`] lets the writes that queue up meanwhile share one commit: the first
//! request that finds no batch running leads; it takes every write waiting (at most
//! [`MOST_PER_COMMIT`]), runs them one after another inside one write transaction (each
//! write's own `write_tx` becomes its savepoint, so a refused write leaves nothing and the
//! others stand), commits once, and only then answers each of them. Writes queued while it
//! commits form the next batch.
//!
//! Nothing here outlives the requests: the queue lives in the pool, and the leader is a
//! blocking task that ends when the queue is empty. PostgreSQL commits concurrent
//! transactions together on its own, so there a grouped write is an ordinary one.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{DbConnection, DbError, Pool};

/// The most writes one commit takes (a bound on the wait of the last of them).
pub const MOST_PER_COMMIT: usize = 64;

/// A queued write: runs inside the batch's transaction and returns how to answer its request
/// once the commit's outcome is known.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Answer + Send>;
/// Answers a request with the commit's outcome (`Err`: the batch was not committed).
type Answer = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The queue of one pool's grouped writes.
#[derive(Default)]
pub struct Group {
    state: Mutex<State>,
    /// Commits made and writes they carried (`Pool::grouped_commits`).
    commits: AtomicU64,
    writes: AtomicU64,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// A leader is running batches.
    leading: bool,
}

/// Runs `f` as a write that may share its commit with others queued at the same time (on
/// SQLite; elsewhere as [`super::run`]). `f` must make its writes inside one `write_tx`
/// (which becomes its savepoint in the batch) and must not depend on another request's
/// write being visible before its own answer.
pub async fn run_grouped<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    if !pool.grouped {
        return super::run(pool, f).await;
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
    let job: Job = Box::new(move |c: &mut DbConnection| {
        let r = f(c);
        Box::new(move |committed: Result<(), String>| {
            let r = match (r, committed) {
                (Ok(_), Err(e)) => Err(E::from(DbError::Pool(e))),
                (r, _) => r,
            };
            let _ = tx.send(r);
        }) as Answer
    });
    let lead = {
        let mut s = pool.group.state.lock().unwrap_or_else(|p| p.into_inner());
        s.queue.push_back(job);
        !std::mem::replace(&mut s.leading, true)
    };
    if lead {
        let p = pool.clone();
        // The leader's own answer comes through the channel like everybody else's.
        actix_web::rt::spawn(async move {
            let _ = actix_web::web::block(move || lead_batches(&p)).await;
        });
    }
    match rx.await {
        Ok(r) => r,
        Err(_) => Err(E::from(DbError::Pool("grouped write dropped".into()))),
    }
}

/// Runs batches until the queue is empty.
fn lead_batches(pool: &Pool) {
    loop {
        let batch: Vec<Job> = {
            let mut s = pool.group.state.lock().unwrap_or_else(|p| p.into_inner());
            if s.queue.is_empty() {
                s.leading = false;
                return;
            }
            let n = s.queue.len().min(MOST_PER_COMMIT);
            s.queue.drain(..n).collect()
        };
        run_batch(pool, batch);
    }
}

/// One transaction for `batch`, one commit, then every answer.
fn run_batch(pool: &Pool, batch: Vec<Job>) {
    let mut conn = match pool.inner.get() {
        Ok(c) => c,
        Err(e) => {
            // Never run: each request is answered that its write was not stored.
            tracing::error!(error = %e, writes = batch.len(), "grouped writes not run");
            return;
        }
    };
    let _clock = pool.clock.enter();
    super::refresh_clock(&pool.clock, &mut conn);
    let mut answers: Vec<Answer> = Vec::with_capacity(batch.len());
    let mut panicked = false;
    let committed = super::write_tx(&mut conn, |c| {
        for job in batch {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(c))) {
                Ok(a) => answers.push(a),
                Err(_) => {
                    panicked = true;
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
        }
        Ok(())
    })
    .map_err(|e| e.to_string());
    if panicked {
        // The write that panicked left its savepoint open: the connection is closed rather
        // than returned (closing it rolls the whole batch back).
        if let Some(w) = super::watch_of(&mut conn) {
            w.lost = true;
        }
    }
    let committed = if panicked {
        Err("a grouped write failed".to_string())
    } else {
        committed
    };
    match &committed {
        Ok(()) => {
            pool.group.commits.fetch_add(1, Ordering::Relaxed);
            let n = answers.len() as u64;
            pool.group.writes.fetch_add(n, Ordering::Relaxed);
        }
        Err(e) => tracing::error!(error = %e, writes = answers.len(), "grouped commit failed"),
    }
    for a in answers {
        a(committed.clone());
    }
}

impl Pool {
    /// Commits made by [`run_grouped`] on this pool, and the writes they carried.
    pub fn grouped_commits(&self) -> (u64, u64) {
        (
            self.group.commits.load(Ordering::Relaxed),
            self.group.writes.load(Ordering::Relaxed),
        )
    }
}
