//! A per-instance cache of public pages rendered for visitors who are not signed in (the
//! agency library list and its search), checked against the database on every request.
//!
//! Each entry carries the stamp it was rendered under: the last audit-trail sequence number
//! and the China date. Every change to what these pages show is written to the audit trail
//! in the same transaction (profiles, certificates and their review, catalogue, credit
//! records, sanctions, regrading by the job), and certificates and listings end by date, so
//! an entry is served only while both are unchanged. The stamp is read before the data, so
//! an entry can only be older than its stamp says, never newer: a page rendered while a
//! change commits is re-rendered on the next request. Nothing here is needed by another
//! instance (each keeps its own), and `ZJ_PAGE_CACHE=0` turns it off.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;
use chrono::NaiveDate;

/// What an entry was rendered under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// `MAX(audit_log.seq)` read before the page's data.
    pub seq: i64,
    /// The China date the page was computed for.
    pub day: NaiveDate,
}

struct Entry {
    stamp: Stamp,
    body: Bytes,
}

pub struct PageCache {
    enabled: bool,
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    bytes: usize,
}

impl PageCache {
    pub fn new(enabled: bool, max_entries: usize, max_bytes: usize) -> PageCache {
        PageCache {
            enabled,
            max_entries,
            max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The body cached under `key` if it was rendered under `stamp`.
    pub fn get(&self, key: &str, stamp: Stamp) -> Option<Bytes> {
        if !self.enabled {
            return None;
        }
        let g = self.inner.lock().ok()?;
        g.map
            .get(key)
            .filter(|e| e.stamp == stamp)
            .map(|e| e.body.clone())
    }

    /// Stores a body. When full, entries of older stamps go first, then everything.
    pub fn put(&self, key: String, stamp: Stamp, body: Bytes) {
        if !self.enabled || body.len() > self.max_bytes / 8 {
            return;
        }
        let Ok(mut g) = self.inner.lock() else {
            return;
        };
        if let Some(old) = g.map.remove(&key) {
            g.bytes -= old.body.len();
        }
        if g.map.len() >= self.max_entries || g.bytes + body.len() > self.max_bytes {
            g.map.retain(|_, e| e.stamp == stamp);
            g.bytes = g.map.values().map(|e| e.body.len()).sum();
            if g.map.len() >= self.max_entries || g.bytes + body.len() > self.max_bytes {
                g.map.clear();
                g.bytes = 0;
            }
        }
        g.bytes += body.len();
        g.map.insert(key, Entry { stamp, body });
    }

    /// Entries and bytes held (for tests and logs).
    pub fn size(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|g| (g.map.len(), g.bytes))
            .unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(seq: i64) -> Stamp {
        Stamp {
            seq,
            day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        }
    }

    #[test]
    fn served_only_under_the_same_stamp() {
        let c = PageCache::new(true, 10, 1 << 20);
        c.put("a".into(), st(1), Bytes::from_static(b"one"));
        assert_eq!(c.get("a", st(1)).as_deref(), Some(&b"one"[..]));
        assert_eq!(c.get("a", st(2)), None, "a change since");
        let next_day = Stamp {
            day: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            ..st(1)
        };
        assert_eq!(c.get("a", next_day), None, "a new day");
        assert_eq!(c.get("b", st(1)), None);
    }

    #[test]
    fn bounded_and_stale_entries_go_first() {
        let c = PageCache::new(true, 3, 1 << 20);
        c.put("a".into(), st(1), Bytes::from_static(b"1"));
        c.put("b".into(), st(1), Bytes::from_static(b"2"));
        c.put("c".into(), st(2), Bytes::from_static(b"3"));
        c.put("d".into(), st(2), Bytes::from_static(b"4"));
        assert_eq!(c.size(), (2, 2));
        assert!(c.get("c", st(2)).is_some() && c.get("d", st(2)).is_some());
        c.put("e".into(), st(2), Bytes::from_static(b"5"));
        c.put("f".into(), st(2), Bytes::from_static(b"6"));
        assert!(c.size().0 <= 3);
    }

    #[test]
    fn off_means_off() {
        let c = PageCache::new(false, 10, 1 << 20);
        c.put("a".into(), st(1), Bytes::from_static(b"one"));
        assert_eq!(c.get("a", st(1)), None);
    }
}
