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
//!
//! The stamp itself is read from the database at most once per `stamp_window`
//! (`ZJ_PAGE_STAMP_MS`, default 100 ms) and shared by the requests of that window, so a hit
//! costs no database round trip: a visitor's list page is at most that much behind the
//! database.
//!
//! Signed-in users never get a visitor's whole page (it carries the visitor's layout), but a
//! page whose content is the same for everybody keeps its rendered title and content as
//! [`Parts`] under the same stamp, and every request, signed in or not, frames them in its own
//! layout (`Ctx::page_keys`, `Ctx::cached_page`, `Ctx::keep_page`): the database and the
//! content's template are then paid once per stamp, not once per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    kept: Kept,
}

enum Kept {
    Whole(Bytes),
    Parts(Parts),
}

impl Kept {
    fn len(&self) -> usize {
        match self {
            Kept::Whole(b) => b.len(),
            Kept::Parts(p) => p.title.len() + p.content.len(),
        }
    }
}

/// The two parts of a page that are the same for everyone who asks in one language: its
/// title and its content, already rendered. Each request frames them in the layout of the
/// person asking (their menu, flash message, token), so a signed-in user is served from the
/// same entry as a visitor while the stamp holds.
/// Kept as `str` (shared, not copied, by every request that frames them): a page is framed
/// without checking its bytes again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parts {
    pub title: std::sync::Arc<str>,
    pub content: std::sync::Arc<str>,
    /// The content holds forms: their token was kept as [`TOKEN_MARK`] and each request
    /// writes its own in its place.
    pub marked: bool,
    /// The content holds until then on the platform clock, even under the same stamp (an
    /// announcement's page until its deadline: the opening changes it).
    pub until: Option<chrono::NaiveDateTime>,
}

/// What kept content holds where the request it was rendered for had its form token
/// (`Ctx::keep_page`); framing puts the asking request's token there.
pub const TOKEN_MARK: &str = "\u{1}csrf\u{1}";

pub struct PageCache {
    enabled: bool,
    max_entries: usize,
    max_bytes: usize,
    stamp_window: Duration,
    inner: Mutex<Inner>,
    /// The last audit sequence number read and when.
    last_seq: Mutex<SeqReading>,
}

/// The stamp's last reading, and the instant before which no reading may be kept (the last
/// write of this instance).
#[derive(Default)]
struct SeqReading {
    read: Option<(Instant, i64)>,
    floor: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    bytes: usize,
}

impl PageCache {
    pub fn new(
        enabled: bool,
        max_entries: usize,
        max_bytes: usize,
        stamp_window: Duration,
    ) -> PageCache {
        PageCache {
            enabled,
            max_entries,
            max_bytes,
            stamp_window,
            inner: Mutex::new(Inner::default()),
            last_seq: Mutex::new(SeqReading::default()),
        }
    }

    /// The audit sequence number read less than `stamp_window` ago, if any.
    pub fn recent_seq(&self, now: Instant) -> Option<i64> {
        let g = self.last_seq.lock().ok()?;
        g.read
            .filter(|(at, _)| now.duration_since(*at) < self.stamp_window)
            .map(|(_, s)| s)
    }

    /// Remembers a sequence number read from the database at `read_at` (taken before the
    /// query, so the window never outlives the read). A reading begun before the last
    /// [`forget_seq`](Self::forget_seq) is not kept.
    pub fn note_seq(&self, read_at: Instant, seq: i64) {
        if let Ok(mut g) = self.last_seq.lock()
            && g.floor.is_none_or(|f| f <= read_at)
            && g.read.is_none_or(|(at, _)| at <= read_at)
        {
            g.read = Some((read_at, seq));
        }
    }

    /// The stamp's sequence number: this window's reading, or one read from `conn` now (at
    /// `at`, taken before the query) and kept for the window.
    pub fn seq_or_read(
        &self,
        conn: &mut crate::db::DbConnection,
        at: Instant,
    ) -> diesel::QueryResult<i64> {
        if let Some(s) = self.recent_seq(at) {
            return Ok(s);
        }
        let s = crate::audit::stamp(conn)?;
        self.note_seq(at, s);
        Ok(s)
    }

    /// Ends the current reading: this instance has just written, so its next request reads
    /// the stamp again and sees its own write (in pages and sessions) at once.
    pub fn forget_seq(&self) {
        if let Ok(mut g) = self.last_seq.lock() {
            g.read = None;
            g.floor = Some(Instant::now());
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The body cached under `key` if it was rendered under `stamp`.
    pub fn get(&self, key: &str, stamp: Stamp) -> Option<Bytes> {
        match self.kept(key, stamp)? {
            Kept::Whole(b) => Some(b),
            Kept::Parts(_) => None,
        }
    }

    /// The parts cached under `key` if they were rendered under `stamp`.
    pub fn get_parts(&self, key: &str, stamp: Stamp) -> Option<Parts> {
        match self.kept(key, stamp)? {
            Kept::Parts(p) => Some(p),
            Kept::Whole(_) => None,
        }
    }

    fn kept(&self, key: &str, stamp: Stamp) -> Option<Kept> {
        if !self.enabled {
            return None;
        }
        let g = self.inner.lock().ok()?;
        g.map
            .get(key)
            .filter(|e| e.stamp == stamp)
            .map(|e| match &e.kept {
                Kept::Whole(b) => Kept::Whole(b.clone()),
                Kept::Parts(p) => Kept::Parts(p.clone()),
            })
    }

    /// Stores a page's parts.
    pub fn put_parts(&self, key: String, stamp: Stamp, parts: &Parts) {
        self.insert(key, stamp, Kept::Parts(parts.clone()));
    }

    /// Stores a body. When full, entries of older stamps go first, then everything.
    pub fn put(&self, key: String, stamp: Stamp, body: Bytes) {
        self.insert(key, stamp, Kept::Whole(body));
    }

    fn insert(&self, key: String, stamp: Stamp, kept: Kept) {
        let len = kept.len();
        if !self.enabled || len > self.max_bytes / 8 {
            return;
        }
        let Ok(mut g) = self.inner.lock() else {
            return;
        };
        if let Some(old) = g.map.remove(&key) {
            g.bytes -= old.kept.len();
        }
        if g.map.len() >= self.max_entries || g.bytes + len > self.max_bytes {
            g.map.retain(|_, e| e.stamp == stamp);
            g.bytes = g.map.values().map(|e| e.kept.len()).sum();
            if g.map.len() >= self.max_entries || g.bytes + len > self.max_bytes {
                g.map.clear();
                g.bytes = 0;
            }
        }
        g.bytes += len;
        g.map.insert(key, Entry { stamp, kept });
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
        let c = PageCache::new(true, 10, 1 << 20, Duration::ZERO);
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
        let c = PageCache::new(true, 3, 1 << 20, Duration::ZERO);
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
    fn the_stamp_is_shared_only_within_its_window() {
        let c = PageCache::new(true, 10, 1 << 20, Duration::from_millis(100));
        let t0 = Instant::now();
        assert_eq!(c.recent_seq(t0), None);
        c.note_seq(t0, 7);
        assert_eq!(c.recent_seq(t0 + Duration::from_millis(99)), Some(7));
        assert_eq!(c.recent_seq(t0 + Duration::from_millis(100)), None);
        // An older read never replaces a newer one.
        c.note_seq(t0 + Duration::from_millis(50), 8);
        c.note_seq(t0 + Duration::from_millis(10), 6);
        assert_eq!(c.recent_seq(t0 + Duration::from_millis(60)), Some(8));
        // A zero window means every request reads the stamp.
        let z = PageCache::new(true, 10, 1 << 20, Duration::ZERO);
        z.note_seq(t0, 7);
        assert_eq!(z.recent_seq(t0), None);
    }

    #[test]
    fn a_write_ends_the_reading_and_no_earlier_read_comes_back() {
        let c = PageCache::new(true, 10, 1 << 20, Duration::from_secs(60));
        let before = Instant::now();
        c.note_seq(before, 7);
        c.forget_seq();
        assert_eq!(c.recent_seq(Instant::now()), None, "the write ends it");
        // A read that began before the write may have missed it: not kept.
        c.note_seq(before, 7);
        assert_eq!(c.recent_seq(Instant::now()), None);
        let after = Instant::now();
        c.note_seq(after, 8);
        assert_eq!(c.recent_seq(after), Some(8));
    }

    #[test]
    fn parts_come_back_as_they_were_kept() {
        let c = PageCache::new(true, 10, 1 << 20, Duration::ZERO);
        let parts = Parts {
            title: "机构库".into(),
            content: "<table></table>".into(),
            marked: false,
            until: None,
        };
        c.put_parts("s".into(), st(1), &parts);
        assert_eq!(c.get_parts("s", st(1)), Some(parts));
        assert_eq!(c.get_parts("s", st(2)), None, "a change since");
    }

    #[test]
    fn off_means_off() {
        let c = PageCache::new(false, 10, 1 << 20, Duration::ZERO);
        c.put("a".into(), st(1), Bytes::from_static(b"one"));
        assert_eq!(c.get("a", st(1)), None);
    }
}
