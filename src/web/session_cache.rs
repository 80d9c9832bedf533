//! A per-instance cache of live sessions, so that a signed-in page whose content is kept
//! (`page_cache`) costs no database round trip at all.
//!
//! The database stays the only truth and nothing here is needed by another instance: an
//! entry is a reading of one session (its user, CSRF token and unread count) taken under the
//! audit stamp read before it, and it stands for the session only while
//! - the stamp is unchanged: logging out, a password change, a suspension, a role or profile
//!   change and a move of the platform clock are all audited, so any of them, on any
//!   instance, ends every entry here within the stamp window (`ZJ_PAGE_STAMP_MS`);
//! - the session is neither expired nor due for its touch ([`Loaded::holds_at`]): the
//!   request that would touch it reads the database and touches it as before;
//! - the reading is younger than [`MAX_AGE`], which bounds what the trail does not record
//!   (a message read on another instance, the unread count it changes);
//! - and the request is a GET without a language switch. Every other request (a form, a
//!   switch that writes the user's language) reads the session from the database, so the
//!   CSRF check and every write see the session as it is now.
//!
//! A write on this instance also ends its stamp reading at once
//! (`PageCache::forget_seq`), so the next request, on this instance, sees it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::accounts::store::settings::Settings;
use crate::auth::session::Loaded;

/// The oldest reading served.
pub const MAX_AGE: Duration = Duration::from_secs(10);

struct Entry {
    seq: i64,
    at: Instant,
    loaded: Loaded,
}

pub struct SessionCache {
    enabled: bool,
    max_entries: usize,
    map: Mutex<HashMap<String, Entry>>,
}

impl SessionCache {
    pub fn new(enabled: bool, max_entries: usize) -> SessionCache {
        SessionCache {
            enabled,
            max_entries,
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The session `id_hash` as read under stamp `seq`, if that reading still holds at
    /// `now` (platform clock) and `at` (this instance's clock).
    pub fn get(
        &self,
        id_hash: &str,
        seq: i64,
        now: NaiveDateTime,
        at: Instant,
        settings: &Settings,
    ) -> Option<Loaded> {
        if !self.enabled {
            return None;
        }
        let g = self.map.lock().ok()?;
        let e = g.get(id_hash)?;
        (e.seq == seq
            && at.saturating_duration_since(e.at) < MAX_AGE
            && e.loaded.holds_at(now, settings))
        .then(|| e.loaded.clone())
    }

    /// Keeps a reading of a live session taken at `at` under stamp `seq`. A full cache drops
    /// the readings past their age first, and everything if that is not enough.
    pub fn put(&self, loaded: &Loaded, seq: i64, at: Instant) {
        if !self.enabled {
            return;
        }
        let Ok(mut g) = self.map.lock() else { return };
        if g.len() >= self.max_entries && !g.contains_key(&loaded.id_hash) {
            g.retain(|_, e| at.saturating_duration_since(e.at) < MAX_AGE);
            if g.len() >= self.max_entries {
                g.clear();
            }
        }
        g.insert(
            loaded.id_hash.clone(),
            Entry {
                seq,
                at,
                loaded: loaded.clone(),
            },
        );
    }

    /// Drops the reading of session `id_hash` (a change the trail does not record).
    pub fn forget(&self, id_hash: &str) {
        if let Ok(mut g) = self.map.lock() {
            g.remove(id_hash);
        }
    }
}
