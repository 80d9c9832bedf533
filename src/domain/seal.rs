//! Sealed quotes and the sealed draw seed.
//!
//! A quote's amount, its nonce and the optional note are encrypted with XChaCha20-Poly1305
//! (authenticated encryption) under the sealing key from configuration. The associated data
//! binds a sealed box to its announcement and agency, so a box copied onto another row does
//! not open. Only the opening step, after the deadline, calls [`open_quote`].
//!
//! The sealed plaintext has one fixed length whatever the amount and note, so the length of a
//! stored box tells a reader of the database nothing about a bid before the opening: a format
//! byte, the amount as 8 bytes, the nonce as 32 bytes, the note's length, the note, and zeros
//! up to the longest note allowed ([`NOTE_MAX_CHARS`] characters of up to 4 UTF-8 bytes).
//! Boxes sealed before this format hold JSON (first byte `{`) and still open.
//!
//! The agency's receipt is the commitment
//! `SHA-256("zhongjie-quote-v1\n" ‖ announcement id ‖ "\n" ‖ agency id ‖ "\n" ‖ amount in fen
//! ‖ "\n" ‖ nonce hex)`, all numbers in decimal ASCII: at opening the amount and nonce are
//! published next to it, and anyone can recompute it ([`commitment`]).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::money::Money;

/// Version tag of the commitment text.
pub const COMMITMENT_VERSION: &str = "zhongjie-quote-v1";

/// The longest note a quote may carry, in characters (the quote form refuses longer ones).
pub const NOTE_MAX_CHARS: usize = 500;

/// A character is at most 4 bytes in UTF-8: the room a note gets in every box.
const NOTE_MAX_BYTES: usize = NOTE_MAX_CHARS * 4;

/// First plaintext byte of a padded quote. Boxes sealed before padding begin with `{` (JSON).
const PADDED_V2: u8 = 2;

/// Format byte, amount (i64, big-endian), nonce (32 bytes), note length (u16, big-endian),
/// note and zero padding.
const PADDED_LEN: usize = 1 + 8 + 32 + 2 + NOTE_MAX_BYTES;

/// The length, in hex characters, of every quote box this build seals: the XChaCha20 nonce
/// (24 bytes), the padded plaintext and the Poly1305 tag (16 bytes).
pub const SEALED_QUOTE_HEX_LEN: usize = 2 * (24 + PADDED_LEN + 16);

/// What a sealed quote holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub amount_fen: i64,
    /// 32 random bytes, hex: makes the commitment unguessable from the amount.
    pub nonce: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("randomness unavailable")]
    Random,
    #[error("sealed box damaged or sealed under another key")]
    Open,
    #[error("sealed box malformed")]
    Malformed,
    #[error("note longer than the sealed box allows")]
    NoteTooLong,
}

/// The text a commitment hashes (published on the result page).
pub fn commitment_text(announcement_id: i64, agency_id: i64, amount: Money, nonce: &str) -> String {
    format!(
        "{COMMITMENT_VERSION}\n{announcement_id}\n{agency_id}\n{}\n{nonce}",
        amount.fen()
    )
}

/// SHA-256 of [`commitment_text`], lowercase hex.
pub fn commitment(announcement_id: i64, agency_id: i64, amount: Money, nonce: &str) -> String {
    hex::encode(Sha256::digest(
        commitment_text(announcement_id, agency_id, amount, nonce).as_bytes(),
    ))
}

/// A fresh 32-byte nonce in hex.
pub fn new_nonce() -> Result<String, SealError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|_| SealError::Random)?;
    Ok(hex::encode(b))
}

fn quote_aad(announcement_id: i64, agency_id: i64) -> String {
    format!("zhongjie-sealed-quote-v1|{announcement_id}|{agency_id}")
}

fn seal_bytes(key: &[u8; 32], aad: &str, msg: &[u8]) -> Result<String, SealError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut n = [0u8; 24];
    getrandom::fill(&mut n).map_err(|_| SealError::Random)?;
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&n),
            Payload {
                msg,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SealError::Random)?;
    let mut out = n.to_vec();
    out.extend_from_slice(&ct);
    Ok(hex::encode(out))
}

/// The value of each hex digit (either case), `INVALID` for any other byte.
const HEX_VALUES: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};
const INVALID: u8 = 0xff;

/// Hex to bytes by table, into a buffer of the right size. An opening decodes a box of about
/// 4 kB per quote; the `hex` crate's decoding (an iterator of results, collected) took a
/// quarter of the time to open 1,000 quotes.
fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let mut out = vec![0u8; b.len() / 2];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let hi = HEX_VALUES[usize::from(pair[0])];
        let lo = HEX_VALUES[usize::from(pair[1])];
        // An invalid digit has its high bits set; checked once at the end.
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(out)
}

fn open_bytes(key: &[u8; 32], aad: &str, boxed: &str) -> Result<Vec<u8>, SealError> {
    let raw = unhex(boxed).ok_or(SealError::Malformed)?;
    if raw.len() < 24 + 16 {
        return Err(SealError::Malformed);
    }
    let (n, ct) = raw.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(n),
            Payload {
                msg: ct,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SealError::Open)
}

/// The padded plaintext of a quote: always [`PADDED_LEN`] bytes.
fn pad_quote(q: &Sealed) -> Result<Vec<u8>, SealError> {
    let nonce: [u8; 32] = hex::decode(&q.nonce)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SealError::Malformed)?;
    let note = q.note.as_bytes();
    if q.note.chars().count() > NOTE_MAX_CHARS || note.len() > NOTE_MAX_BYTES {
        return Err(SealError::NoteTooLong);
    }
    let mut out = Vec::with_capacity(PADDED_LEN);
    out.push(PADDED_V2);
    out.extend_from_slice(&q.amount_fen.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&(note.len() as u16).to_be_bytes());
    out.extend_from_slice(note);
    out.resize(PADDED_LEN, 0);
    Ok(out)
}

/// Reads [`pad_quote`]'s layout; anything else (wrong length, a note running past its room,
/// padding that is not zeros) is malformed.
fn unpad_quote(msg: &[u8]) -> Result<Sealed, SealError> {
    if msg.len() != PADDED_LEN || msg[0] != PADDED_V2 {
        return Err(SealError::Malformed);
    }
    let amount: [u8; 8] = msg[1..9].try_into().map_err(|_| SealError::Malformed)?;
    let nonce = &msg[9..41];
    let note_len = usize::from(u16::from_be_bytes([msg[41], msg[42]]));
    let rest = &msg[43..];
    if note_len > NOTE_MAX_BYTES || rest[note_len..].iter().any(|b| *b != 0) {
        return Err(SealError::Malformed);
    }
    let note = std::str::from_utf8(&rest[..note_len]).map_err(|_| SealError::Malformed)?;
    Ok(Sealed {
        amount_fen: i64::from_be_bytes(amount),
        nonce: hex::encode(nonce),
        note: note.to_string(),
    })
}

/// Seals a quote for one announcement and agency; returns the box as hex, always
/// [`SEALED_QUOTE_HEX_LEN`] characters. The nonce must be 32 bytes in hex ([`new_nonce`]).
pub fn seal_quote(
    key: &[u8; 32],
    announcement_id: i64,
    agency_id: i64,
    q: &Sealed,
) -> Result<String, SealError> {
    let msg = pad_quote(q)?;
    seal_bytes(key, &quote_aad(announcement_id, agency_id), &msg)
}

/// Opens a quote sealed by [`seal_quote`] for the same announcement and agency, in either
/// format (padded, or the JSON of boxes sealed before padding).
pub fn open_quote(
    key: &[u8; 32],
    announcement_id: i64,
    agency_id: i64,
    boxed: &str,
) -> Result<Sealed, SealError> {
    let msg = open_bytes(key, &quote_aad(announcement_id, agency_id), boxed)?;
    match msg.first() {
        Some(&PADDED_V2) => unpad_quote(&msg),
        Some(b'{') => serde_json::from_slice(&msg).map_err(|_| SealError::Malformed),
        _ => Err(SealError::Malformed),
    }
}

fn seed_aad(announcement_id: i64) -> String {
    format!("zhongjie-sealed-seed-v1|{announcement_id}")
}

/// Seals an announcement's draw seed (hex) until the draw.
pub fn seal_seed(
    key: &[u8; 32],
    announcement_id: i64,
    seed_hex: &str,
) -> Result<String, SealError> {
    seal_bytes(key, &seed_aad(announcement_id), seed_hex.as_bytes())
}

pub fn open_seed(key: &[u8; 32], announcement_id: i64, boxed: &str) -> Result<String, SealError> {
    let b = open_bytes(key, &seed_aad(announcement_id), boxed)?;
    String::from_utf8(b).map_err(|_| SealError::Malformed)
}

// ---------------------------------------------------------------- which key sealed a database

/// Label of the value the key fingerprint is computed from: the fingerprint is
/// `SHA-256(SHA-256(label ‖ key))`, so it is never a hash of the key alone and cannot be
/// mistaken for any other use of the key.
const FINGERPRINT_LABEL: &[u8] = b"zhongjie-sealing-key-fingerprint-v1\n";

/// The fingerprint a database records of the key that seals its rows (64 hex digits). It
/// tells keys apart and reveals nothing of the key.
pub fn key_fingerprint(key: &[u8; 32]) -> String {
    let derived = Sha256::new()
        .chain_update(FINGERPRINT_LABEL)
        .chain_update(key)
        .finalize();
    hex::encode(Sha256::digest(derived))
}

/// What start-up found about the database and the key it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFacts {
    /// The fingerprint the database records, if any.
    pub stored: Option<String>,
    /// Sealed quotes and sealed draw seeds in the database.
    pub sealed_quotes: i64,
    pub sealed_seeds: i64,
    /// The fingerprint of the key given (`ZJ_SEALING_KEY` or the key file); `None` when there
    /// is none, so that a new one would be made.
    pub present: Option<String>,
    /// Without a stored fingerprint: whether the key given opens a sealed row.
    pub opens_a_sealed_row: bool,
}

impl KeyFacts {
    pub fn has_sealed_rows(&self) -> bool {
        self.sealed_quotes > 0 || self.sealed_seeds > 0
    }
}

/// Start-up's decision about the sealing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyDecision {
    /// The key is the one the database records.
    Proceed,
    /// The database has no fingerprint yet: record the key's (writing a new key first when
    /// none was given). Only for a database that never sealed anything, or whose sealed rows
    /// the key given opens (databases sealed before fingerprints were recorded).
    Record,
    /// A key is missing or different: every sealed quote and draw seed would be lost.
    Refuse(KeyProblem),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// The database records `stored`; the key given has another fingerprint.
    Different { stored: String, present: String },
    /// No key was given, and the database has sealed rows or records `stored`.
    Missing { stored: Option<String> },
    /// Sealed rows and no fingerprint, and the key given opens none of them.
    DoesNotOpen { present: String },
}

/// The rule: a database that has sealed something, or records a key, only ever runs with that
/// key; a new key is made only for a database that has never sealed anything.
pub fn decide_key(f: &KeyFacts) -> KeyDecision {
    match (&f.stored, &f.present) {
        (Some(s), Some(p)) if s == p => KeyDecision::Proceed,
        (Some(s), Some(p)) => KeyDecision::Refuse(KeyProblem::Different {
            stored: s.clone(),
            present: p.clone(),
        }),
        (Some(s), None) => KeyDecision::Refuse(KeyProblem::Missing {
            stored: Some(s.clone()),
        }),
        (None, _) if !f.has_sealed_rows() => KeyDecision::Record,
        (None, None) => KeyDecision::Refuse(KeyProblem::Missing { stored: None }),
        (None, Some(_)) if f.opens_a_sealed_row => KeyDecision::Record,
        (None, Some(p)) => KeyDecision::Refuse(KeyProblem::DoesNotOpen { present: p.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn quote_round_trip_and_binding() {
        let q = Sealed {
            amount_fen: 1_234_567,
            nonce: "ab".repeat(32),
            note: "含税".into(),
        };
        let b = seal_quote(&KEY, 3, 9, &q).unwrap();
        assert_eq!(open_quote(&KEY, 3, 9, &b).unwrap(), q);
        // Bound to its row: another announcement or agency does not open it.
        assert_eq!(open_quote(&KEY, 4, 9, &b), Err(SealError::Open));
        assert_eq!(open_quote(&KEY, 3, 8, &b), Err(SealError::Open));
        // Another key does not open it.
        assert_eq!(open_quote(&[8; 32], 3, 9, &b), Err(SealError::Open));
        // Tampering is detected.
        let mut t = b.into_bytes();
        let last = t.len() - 1;
        t[last] = if t[last] == b'0' { b'1' } else { b'0' };
        let t = String::from_utf8(t).unwrap();
        assert_eq!(open_quote(&KEY, 3, 9, &t), Err(SealError::Open));
        assert_eq!(open_quote(&KEY, 3, 9, "zz"), Err(SealError::Malformed));
    }

    #[test]
    fn sealed_box_does_not_contain_the_amount() {
        let q = Sealed {
            amount_fen: 9_876_543,
            nonce: new_nonce().unwrap(),
            note: String::new(),
        };
        let a = seal_quote(&KEY, 1, 1, &q).unwrap();
        let b = seal_quote(&KEY, 1, 1, &q).unwrap();
        assert_ne!(a, b, "fresh nonce per seal");
        assert!(!a.contains("9876543"));
    }

    #[test]
    fn commitment_known_vector() {
        let t = commitment_text(12, 34, Money::from_fen(15_000_000), &"0".repeat(64));
        assert_eq!(
            t,
            format!("zhongjie-quote-v1\n12\n34\n15000000\n{}", "0".repeat(64))
        );
        let c = commitment(12, 34, Money::from_fen(15_000_000), &"0".repeat(64));
        assert_eq!(c, hex::encode(Sha256::digest(t.as_bytes())));
        assert_ne!(
            c,
            commitment(12, 34, Money::from_fen(15_000_001), &"0".repeat(64))
        );
    }

    #[test]
    fn unhex_agrees_with_the_hex_crate_and_refuses_what_it_refuses() {
        let bytes: Vec<u8> = (0..=255u8).chain([0, 15, 16, 240, 255]).collect();
        let lower = hex::encode(&bytes);
        assert_eq!(unhex(&lower), Some(bytes.clone()));
        assert_eq!(unhex(&lower.to_uppercase()), Some(bytes));
        assert_eq!(unhex(""), Some(Vec::new()));
        for bad in ["0", "abc", "0g", "g0", "zz", "0x00", "12 4", "é1"] {
            assert_eq!(unhex(bad), None, "{bad}");
            assert!(hex::decode(bad).is_err(), "{bad}");
        }
    }

    fn quote(amount_fen: i64, note: &str) -> Sealed {
        Sealed {
            amount_fen,
            nonce: new_nonce().unwrap(),
            note: note.into(),
        }
    }

    #[test]
    fn every_quote_box_has_one_length() {
        let longest = "𠀀".repeat(NOTE_MAX_CHARS);
        let quotes = [
            quote(1, ""),
            quote(1_234_567, ""),
            quote(12_345_678, ""),
            quote(12_345_678, "含税，工期二十个工作日"),
            quote(i64::MAX, &longest),
            quote(0, &"a".repeat(NOTE_MAX_CHARS)),
        ];
        for q in &quotes {
            let b = seal_quote(&KEY, 3, 9, q).unwrap();
            assert_eq!(b.len(), SEALED_QUOTE_HEX_LEN, "{q:?}");
            assert_eq!(open_quote(&KEY, 3, 9, &b).unwrap(), *q);
        }
        // Longer than the form allows: refused, never sealed into a longer box.
        assert_eq!(
            seal_quote(&KEY, 3, 9, &quote(1, &"a".repeat(NOTE_MAX_CHARS + 1))),
            Err(SealError::NoteTooLong)
        );
        // The nonce must be the 32 bytes new_nonce makes.
        let mut q = quote(1, "");
        q.nonce = "ab".into();
        assert_eq!(seal_quote(&KEY, 3, 9, &q), Err(SealError::Malformed));
    }

    #[test]
    fn boxes_sealed_before_padding_still_open() {
        // The format sealed before: the quote's JSON, of a length that follows the amount.
        let q = quote(7_654_321, "旧格式");
        let json = serde_json::to_vec(&q).unwrap();
        let old = seal_bytes(&KEY, &quote_aad(3, 9), &json).unwrap();
        assert_ne!(old.len(), SEALED_QUOTE_HEX_LEN);
        assert_eq!(open_quote(&KEY, 3, 9, &old).unwrap(), q);
        // Neither format: refused.
        let odd = seal_bytes(&KEY, &quote_aad(3, 9), b"x").unwrap();
        assert_eq!(open_quote(&KEY, 3, 9, &odd), Err(SealError::Malformed));
    }

    #[test]
    fn padding_must_be_zeros_and_the_note_must_fit() {
        let mut msg = pad_quote(&quote(5, "ab")).unwrap();
        assert_eq!(unpad_quote(&msg).unwrap().note, "ab");
        let last = msg.len() - 1;
        msg[last] = 1;
        assert_eq!(unpad_quote(&msg), Err(SealError::Malformed));
        let mut msg = pad_quote(&quote(5, "ab")).unwrap();
        msg[41..43].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(unpad_quote(&msg), Err(SealError::Malformed));
        assert_eq!(unpad_quote(&msg[..10]), Err(SealError::Malformed));
    }

    #[test]
    fn the_fingerprint_names_the_key_without_revealing_it() {
        let f = key_fingerprint(&KEY);
        assert_eq!(f.len(), 64);
        assert_eq!(f, key_fingerprint(&KEY), "stable");
        assert_ne!(f, key_fingerprint(&[8; 32]));
        // Neither the key nor a plain hash of it.
        assert!(!f.contains(&hex::encode(KEY)));
        assert_ne!(f, hex::encode(Sha256::digest(KEY)));
        let mut labelled = FINGERPRINT_LABEL.to_vec();
        labelled.extend_from_slice(&KEY);
        assert_eq!(
            f,
            hex::encode(Sha256::digest(Sha256::digest(&labelled))),
            "SHA-256 of the labelled derivation"
        );
    }

    #[test]
    fn key_decisions() {
        let a = key_fingerprint(&KEY);
        let b = key_fingerprint(&[8; 32]);
        let facts = |stored: Option<&str>, quotes, present: Option<&str>, opens| KeyFacts {
            stored: stored.map(str::to_string),
            sealed_quotes: quotes,
            sealed_seeds: 0,
            present: present.map(str::to_string),
            opens_a_sealed_row: opens,
        };
        use KeyDecision::*;
        // The recorded key: go on, sealed rows or not.
        assert_eq!(decide_key(&facts(Some(&a), 3, Some(&a), false)), Proceed);
        assert_eq!(decide_key(&facts(Some(&a), 0, Some(&a), false)), Proceed);
        // Another key, or none, for a database that records one: refused, even with nothing
        // sealed yet (the fingerprint alone says a key is expected).
        assert_eq!(
            decide_key(&facts(Some(&a), 0, Some(&b), false)),
            Refuse(KeyProblem::Different {
                stored: a.clone(),
                present: b.clone()
            })
        );
        assert_eq!(
            decide_key(&facts(Some(&a), 0, None, false)),
            Refuse(KeyProblem::Missing {
                stored: Some(a.clone())
            })
        );
        // Never sealed anything: record the key given, or a new one.
        assert_eq!(decide_key(&facts(None, 0, Some(&b), false)), Record);
        assert_eq!(decide_key(&facts(None, 0, None, false)), Record);
        // Sealed before fingerprints: the key that opens them is recorded; no key, or one that
        // does not open them, is refused.
        assert_eq!(decide_key(&facts(None, 2, Some(&a), true)), Record);
        assert_eq!(
            decide_key(&facts(None, 2, Some(&b), false)),
            Refuse(KeyProblem::DoesNotOpen { present: b.clone() })
        );
        assert_eq!(
            decide_key(&facts(None, 2, None, false)),
            Refuse(KeyProblem::Missing { stored: None })
        );
        let mut seeds_only = facts(None, 0, None, false);
        seeds_only.sealed_seeds = 1;
        assert_eq!(
            decide_key(&seeds_only),
            Refuse(KeyProblem::Missing { stored: None })
        );
    }

    #[test]
    fn seed_round_trip() {
        let b = seal_seed(&KEY, 5, "00ff").unwrap();
        assert_eq!(open_seed(&KEY, 5, &b).unwrap(), "00ff");
        assert_eq!(open_seed(&KEY, 6, &b), Err(SealError::Open));
    }
}
