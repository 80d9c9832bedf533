//! The audit trail's hash chain. Each entry's hash covers every field of the entry and the
//! previous entry's hash, so changing, removing or reordering any stored entry breaks the
//! chain at that entry. Fields are length-prefixed so that no two different entries can
//! serialise to the same bytes.

use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    /// UTC, microseconds, as RFC 3339.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub state_digest: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn field(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

/// The hash an entry must carry, computed from all its other fields.
pub fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(b"zhongjie-audit-v1");
    field(&mut h, &e.seq.to_string());
    field(&mut h, &e.at);
    field(
        &mut h,
        &e.actor_id.map(|a| a.to_string()).unwrap_or_default(),
    );
    field(&mut h, &e.actor_role);
    field(&mut h, &e.action);
    field(&mut h, &e.object_type);
    field(&mut h, &e.object_id);
    field(&mut h, &e.state_digest);
    field(&mut h, &e.detail);
    field(&mut h, &e.prev_hash);
    hex::encode(h.finalize())
}

/// SHA-256 of the canonical JSON of the new state.
pub fn state_digest(json: &str) -> String {
    hex::encode(Sha256::digest(json.as_bytes()))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The entry's own hash does not match its content (the entry was edited).
    HashMismatch { seq: i64 },
    /// The entry does not point to the previous entry's hash (an entry was removed,
    /// inserted or the previous one rewritten along with its hash).
    LinkBroken { seq: i64 },
    /// Sequence numbers skip or repeat.
    SequenceGap { expected: i64, found: i64 },
}

impl Break {
    pub fn seq(&self) -> i64 {
        match self {
            Break::HashMismatch { seq } | Break::LinkBroken { seq } => *seq,
            Break::SequenceGap { found, .. } => *found,
        }
    }
}

/// Walks the chain in order; state carries over between batches so a long trail is
/// checked in pages.
#[derive(Clone, Debug)]
pub struct Verifier {
    prev_hash: String,
    next_seq: i64,
    pub checked: i64,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            prev_hash: GENESIS.to_string(),
            next_seq: 1,
            checked: 0,
        }
    }
}

impl Verifier {
    pub fn feed(&mut self, e: &Entry) -> Result<(), Break> {
        if e.seq != self.next_seq {
            return Err(Break::SequenceGap {
                expected: self.next_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(Break::LinkBroken { seq: e.seq });
        }
        if entry_hash(e) != e.hash {
            return Err(Break::HashMismatch { seq: e.seq });
        }
        self.prev_hash = e.hash.clone();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = Entry {
                    seq,
                    at: format!("2026-11-28T00:00:{seq:02}.000000Z"),
                    actor_id: Some(seq),
                    actor_role: "admin".into(),
                    action: "user.create".into(),
                    object_type: "user".into(),
                    object_id: seq.to_string(),
                    state_digest: state_digest("{}"),
                    detail: String::new(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = entry_hash(&e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(es: &[Entry]) -> Result<(), Break> {
        let mut v = Verifier::default();
        es.iter().try_for_each(|e| v.feed(e))
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(20)), Ok(()));
    }

    #[test]
    fn every_field_edit_is_detected() {
        let base = chain(5);
        let edits: Vec<fn(&mut Entry)> = vec![
            |e| e.at.push('1'),
            |e| e.actor_id = None,
            |e| e.actor_role = "owner".into(),
            |e| e.action.push('x'),
            |e| e.object_type.push('x'),
            |e| e.object_id.push('9'),
            |e| e.state_digest.replace_range(0..1, "f"),
            |e| e.detail.push('x'),
        ];
        for edit in edits {
            let mut c = base.clone();
            edit(&mut c[2]);
            assert_eq!(verify(&c), Err(Break::HashMismatch { seq: 3 }));
        }
    }

    #[test]
    fn removal_and_rehash_are_detected() {
        let mut c = chain(5);
        c.remove(2);
        assert!(verify(&c).is_err());
        // Rewriting an entry together with its own hash still breaks the next link.
        let mut c = chain(5);
        c[1].detail = "forged".into();
        c[1].hash = entry_hash(&c[1]);
        assert_eq!(verify(&c), Err(Break::LinkBroken { seq: 3 }));
    }
}
