//! Sealed quotes and the sealed draw seed (SPEC §6).
//!
//! A quote's amount, its nonce and the optional note are encrypted with XChaCha20-Poly1305
//! (authenticated encryption) under the sealing key from configuration. The associated data
//! binds a sealed box to its announcement and agency, so a box copied onto another row does
//! not open. Only the opening step, after the deadline, calls [`open_quote`].
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

fn open_bytes(key: &[u8; 32], aad: &str, boxed: &str) -> Result<Vec<u8>, SealError> {
    let raw = hex::decode(boxed).map_err(|_| SealError::Malformed)?;
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

/// Seals a quote for one announcement and agency; returns the box as hex.
pub fn seal_quote(
    key: &[u8; 32],
    announcement_id: i64,
    agency_id: i64,
    q: &Sealed,
) -> Result<String, SealError> {
    let msg = serde_json::to_vec(q).map_err(|_| SealError::Malformed)?;
    seal_bytes(key, &quote_aad(announcement_id, agency_id), &msg)
}

/// Opens a quote sealed by [`seal_quote`] for the same announcement and agency.
pub fn open_quote(
    key: &[u8; 32],
    announcement_id: i64,
    agency_id: i64,
    boxed: &str,
) -> Result<Sealed, SealError> {
    let msg = open_bytes(key, &quote_aad(announcement_id, agency_id), boxed)?;
    serde_json::from_slice(&msg).map_err(|_| SealError::Malformed)
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
    fn seed_round_trip() {
        let b = seal_seed(&KEY, 5, "00ff").unwrap();
        assert_eq!(open_seed(&KEY, 5, &b).unwrap(), "00ff");
        assert_eq!(open_seed(&KEY, 6, &b), Err(SealError::Open));
    }
}
