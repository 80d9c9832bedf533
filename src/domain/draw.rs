//! Verifiable draws: who wins a random draw, a tie or a reasonable-price pool is
//! decided by numbers anyone can recompute, and nobody could steer in advance.
//!
//! 1. When an announcement is published the platform makes a fresh secret [`Seed`] (32 bytes
//!    from the OS random source) and publishes only its **seed commitment**
//!    `SHA-256(seed)` (the 32 raw seed bytes hashed, shown as 64 lowercase hex digits).
//! 2. At the draw the seed is revealed. The **draw input** is SHA-256 of a short UTF-8 text
//!    (see below) made of the seed, every quote commitment published at opening, and the
//!    candidate agency ids. The platform committed to the seed before any quote existed, and
//!    no bidder could see the seed, so neither controls the input.
//! 3. The winner's index among the candidates (ascending ids) comes from the input by
//!    rejection sampling, so every candidate has exactly the same chance.
//!
//! # The draw message, byte for byte
//! Lines joined by a single `\n` (0x0A), no trailing newline, UTF-8 (all characters are ASCII):
//! ```text
//! zhongjie-draw-v1
//! seed <seed as 64 lowercase hex digits>
//! commitments <number of commitments, decimal>
//! <commitment 1 as 64 lowercase hex digits>
//! …
//! candidates <number of candidates, decimal>
//! <candidate id 1, decimal, '-' if negative>
//! …
//! ```
//! Commitments are sorted as strings (lowercase hex, which is byte order); duplicates are
//! kept. Candidate ids are sorted ascending as numbers and must be distinct. With no quotes
//! (the random-draw mode) the line is `commitments 0` and no commitment lines follow.
//! The draw input is `SHA-256(message)`, 32 bytes, shown as 64 lowercase hex digits. In plain
//! JavaScript: `crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n")))`.
//!
//! # Picking an index without modulo bias
//! For counter `c = 0, 1, 2, …` the value `v_c` is the first 8 bytes, read big-endian as an
//! unsigned 64-bit integer, of `SHA-256(input ‖ c)`, where `input` is the 32 raw bytes of the
//! draw input and `c` is 8 bytes big-endian. With `n` candidates let
//! `limit = 2^64 − (2^64 mod n)`, the largest multiple of `n` not above 2^64. The first `v_c`
//! with `v_c < limit` is accepted and the index is `v_c mod n`; values `≥ limit` are rejected
//! because they would favour the low indices. For 10 candidates a value is rejected with
//! probability 6/2^64, so in practice the counter is 0; the proof records it anyway.
//!
//! A ranked order ([`pick_ordered`]) draws without replacement: the first place is exactly
//! [`pick`] over all candidates; it is removed, and the next place is picked among the rest
//! (still in ascending order) continuing with the next counter after the last one used.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// First line of the draw message; changing the encoding means a new version.
pub const MESSAGE_VERSION: &str = "zhongjie-draw-v1";

/// The secret seed of one announcement's draw. `Debug` does not print it, so it cannot leak
/// into a log line before the draw.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; 32]);

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(…)")
    }
}

impl Seed {
    /// A fresh seed from the operating system's random source.
    pub fn generate() -> Result<Seed, getrandom::Error> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b)?;
        Ok(Seed(b))
    }

    pub const fn from_bytes(b: [u8; 32]) -> Seed {
        Seed(b)
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(s: &str) -> Result<Seed, DrawError> {
        parse_hash(s).map(Seed).ok_or(DrawError::SeedMalformed)
    }

    /// The seed as 64 lowercase hex digits: revealed only at draw time.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The public commitment `SHA-256(seed bytes)`, 64 lowercase hex digits.
    pub fn commitment(&self) -> String {
        hex::encode(Sha256::digest(self.0))
    }
}

/// The 32-byte draw input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrawInput([u8; 32]);

impl DrawInput {
    pub const fn from_bytes(b: [u8; 32]) -> DrawInput {
        DrawInput(b)
    }

    pub fn from_hex(s: &str) -> Option<DrawInput> {
        parse_hash(s).map(DrawInput)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Why a draw could not be set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrawError {
    SeedMalformed,
    /// A quote commitment is not 64 hex digits (its position in the list given).
    CommitmentMalformed {
        index: usize,
    },
    /// A candidate id appears twice: it would have two chances.
    DuplicateCandidate {
        id: i64,
    },
    NoCandidates,
}

impl DrawError {
    /// Locale key in `locales/*/selection.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            DrawError::SeedMalformed => "selection.draw.seed_malformed",
            DrawError::CommitmentMalformed { .. } => "selection.draw.commitment_malformed",
            DrawError::DuplicateCandidate { .. } => "selection.draw.duplicate_candidate",
            DrawError::NoCandidates => "selection.draw.no_candidates",
        }
    }
    /// Values for the message's `{placeholders}`.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            DrawError::DuplicateCandidate { id } => vec![("id", id.to_string())],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawError::SeedMalformed => f.write_str("the seed is not 64 hex digits"),
            DrawError::CommitmentMalformed { index } => {
                write!(f, "commitment #{index} is not 64 hex digits")
            }
            DrawError::DuplicateCandidate { id } => write!(f, "candidate {id} appears twice"),
            DrawError::NoCandidates => f.write_str("a draw needs at least one candidate"),
        }
    }
}

impl std::error::Error for DrawError {}

fn parse_hash(s: &str) -> Option<[u8; 32]> {
    let mut b = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    hex::decode_to_slice(s, &mut b).ok()?;
    Some(b)
}

/// Quote commitments in the canonical order: lowercase, sorted, duplicates kept.
pub fn canonical_commitments<S: AsRef<str>>(commitments: &[S]) -> Result<Vec<String>, DrawError> {
    let mut out = Vec::with_capacity(commitments.len());
    for (index, c) in commitments.iter().enumerate() {
        let b = parse_hash(c.as_ref()).ok_or(DrawError::CommitmentMalformed { index })?;
        out.push(hex::encode(b));
    }
    out.sort_unstable();
    Ok(out)
}

/// Candidate ids ascending; a duplicate is an error.
pub fn sorted_candidates(ids: &[i64]) -> Result<Vec<i64>, DrawError> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    if let Some(w) = v.windows(2).find(|w| w[0] == w[1]) {
        return Err(DrawError::DuplicateCandidate { id: w[0] });
    }
    Ok(v)
}

/// The draw message of the module doc, in canonical form whatever order the lists come in.
pub fn draw_message<S: AsRef<str>>(
    seed: &Seed,
    commitments: &[S],
    candidate_ids: &[i64],
) -> Result<String, DrawError> {
    let commitments = canonical_commitments(commitments)?;
    let candidates = sorted_candidates(candidate_ids)?;
    let mut lines = Vec::with_capacity(commitments.len() + candidates.len() + 4);
    lines.push(MESSAGE_VERSION.to_string());
    lines.push(format!("seed {}", seed.to_hex()));
    lines.push(format!("commitments {}", commitments.len()));
    lines.extend(commitments);
    lines.push(format!("candidates {}", candidates.len()));
    lines.extend(candidates.iter().map(i64::to_string));
    Ok(lines.join("\n"))
}

/// `SHA-256(draw message)`: the input of [`pick`].
pub fn draw_input<S: AsRef<str>>(
    seed: &Seed,
    commitments: &[S],
    candidate_ids: &[i64],
) -> Result<DrawInput, DrawError> {
    let msg = draw_message(seed, commitments, candidate_ids)?;
    Ok(DrawInput(Sha256::digest(msg.as_bytes()).into()))
}

/// The 64-bit value for one counter: first 8 bytes (big-endian) of SHA-256(input ‖ counter).
pub fn value(input: &DrawInput, counter: u64) -> u64 {
    let mut h = Sha256::new();
    h.update(input.0);
    h.update(counter.to_be_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    u64::from_be_bytes(first)
}

/// `2^64 − (2^64 mod n)`: values at or above it are rejected. `n` must be at least 1.
fn accept_limit(n: u64) -> u128 {
    let space = 1u128 << 64;
    space - space % u128::from(n)
}

/// An accepted pick: the index among the candidates and the counter whose value was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    pub index: u64,
    pub counter: u64,
}

/// Rejection sampling over the values from `start` on; `None` only for `n == 0`.
fn pick_from(n: u64, start: u64, mut value_at: impl FnMut(u64) -> u64) -> Option<Pick> {
    if n == 0 {
        return None;
    }
    let limit = accept_limit(n);
    // Each value is rejected with probability below 1/2 (below n/2^64 in practice), so this
    // ends after a few rounds; the bound only keeps the loop formally finite.
    (start..=u64::MAX).find_map(|counter| {
        let v = value_at(counter);
        (u128::from(v) < limit).then_some(Pick {
            index: v % n,
            counter,
        })
    })
}

/// The index (0 ≤ index < n) drawn for `n` candidates, and the counter used. `None` if n = 0.
pub fn pick(input: &DrawInput, n: u64) -> Option<Pick> {
    pick_from(n, 0, |c| value(input, c))
}

/// The first `k` places of a ranked order drawn without replacement among `candidates`
/// (taken in ascending order whatever order they come in), each with the counter used.
/// The first place is always the winner of [`pick`] over all candidates.
pub fn pick_ordered_with_counters(
    input: &DrawInput,
    candidates: &[i64],
    k: usize,
) -> Vec<(i64, u64)> {
    let mut remaining = candidates.to_vec();
    remaining.sort_unstable();
    let mut out = Vec::with_capacity(k.min(remaining.len()));
    let mut next_counter = 0u64;
    while out.len() < k && !remaining.is_empty() {
        let n = remaining.len() as u64;
        let Some(p) = pick_from(n, next_counter, |c| value(input, c)) else {
            break;
        };
        // index < n = remaining.len(), so it fits a usize.
        let idx = usize::try_from(p.index).unwrap_or(0);
        out.push((remaining.remove(idx), p.counter));
        let Some(c) = p.counter.checked_add(1) else {
            break;
        };
        next_counter = c;
    }
    out
}

/// The first `k` places of a ranked order drawn among `candidates` (see
/// [`pick_ordered_with_counters`]): the next-ranked agency takes over if the winner forfeits.
pub fn pick_ordered(input: &DrawInput, candidates: &[i64], k: usize) -> Vec<i64> {
    pick_ordered_with_counters(input, candidates, k)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Everything needed to recompute a draw, as published on the result page and read by
/// `zhongjie verify-draw` and the page's JavaScript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The revealed seed, 64 lowercase hex digits.
    pub seed: String,
    /// SHA-256 of the seed, as published with the announcement.
    pub seed_commitment: String,
    /// Every quote commitment, in canonical order.
    pub commitments: Vec<String>,
    /// Candidate ids, ascending.
    pub candidates: Vec<i64>,
    /// The draw input, 64 lowercase hex digits.
    pub input: String,
    /// The counter whose value chose the winner (almost always 0).
    pub counter: u64,
    pub winner: i64,
    /// The full drawn order, `ranking[0] == winner`: who takes over if the winner forfeits.
    pub ranking: Vec<i64>,
}

/// The step at which a proof does not recompute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The seed commitment differs from the one published with the announcement.
    NotPublishedCommitment,
    SeedMalformed,
    /// SHA-256(seed) is not the seed commitment.
    SeedCommitmentMismatch {
        computed: String,
    },
    CommitmentMalformed {
        index: usize,
    },
    /// The commitments are not lowercase and sorted.
    CommitmentsNotCanonical,
    /// The candidates are empty, unsorted or repeated.
    CandidatesNotCanonical,
    /// The draw input does not follow from the seed, commitments and candidates.
    InputMismatch {
        computed: String,
    },
    CounterMismatch {
        computed: u64,
    },
    WinnerMismatch {
        computed: i64,
    },
    RankingMismatch {
        computed: Vec<i64>,
    },
}

impl VerifyError {
    /// Locale key in `locales/*/selection.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            VerifyError::NotPublishedCommitment => "selection.verify.not_published",
            VerifyError::SeedMalformed => "selection.verify.seed_malformed",
            VerifyError::SeedCommitmentMismatch { .. } => "selection.verify.seed_commitment",
            VerifyError::CommitmentMalformed { .. } => "selection.verify.commitment_malformed",
            VerifyError::CommitmentsNotCanonical => "selection.verify.commitments_order",
            VerifyError::CandidatesNotCanonical => "selection.verify.candidates_order",
            VerifyError::InputMismatch { .. } => "selection.verify.input",
            VerifyError::CounterMismatch { .. } => "selection.verify.counter",
            VerifyError::WinnerMismatch { .. } => "selection.verify.winner",
            VerifyError::RankingMismatch { .. } => "selection.verify.ranking",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NotPublishedCommitment => {
                f.write_str("the seed commitment is not the one published")
            }
            VerifyError::SeedMalformed => f.write_str("the seed is not 64 hex digits"),
            VerifyError::SeedCommitmentMismatch { computed } => {
                write!(f, "SHA-256(seed) is {computed}, not the seed commitment")
            }
            VerifyError::CommitmentMalformed { index } => {
                write!(f, "commitment #{index} is not 64 hex digits")
            }
            VerifyError::CommitmentsNotCanonical => {
                f.write_str("the commitments are not lowercase and sorted")
            }
            VerifyError::CandidatesNotCanonical => {
                f.write_str("the candidates are not distinct ids in ascending order")
            }
            VerifyError::InputMismatch { computed } => {
                write!(f, "the draw input recomputes to {computed}")
            }
            VerifyError::CounterMismatch { computed } => {
                write!(f, "the winning counter recomputes to {computed}")
            }
            VerifyError::WinnerMismatch { computed } => {
                write!(f, "the winner recomputes to {computed}")
            }
            VerifyError::RankingMismatch { computed } => {
                write!(f, "the ranking recomputes to {computed:?}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

impl Proof {
    /// Draws a full ranked order among `candidate_ids` and records how.
    pub fn draw<S: AsRef<str>>(
        seed: &Seed,
        commitments: &[S],
        candidate_ids: &[i64],
    ) -> Result<Proof, DrawError> {
        let commitments = canonical_commitments(commitments)?;
        let candidates = sorted_candidates(candidate_ids)?;
        let input = draw_input(seed, &commitments, &candidates)?;
        let order = pick_ordered_with_counters(&input, &candidates, candidates.len());
        let Some(&(winner, counter)) = order.first() else {
            return Err(DrawError::NoCandidates);
        };
        Ok(Proof {
            seed: seed.to_hex(),
            seed_commitment: seed.commitment(),
            commitments,
            candidates,
            input: input.to_hex(),
            counter,
            winner,
            ranking: order.into_iter().map(|(id, _)| id).collect(),
        })
    }

    /// Recomputes every step from the revealed seed and says which one fails first.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let seed = Seed::from_hex(&self.seed).map_err(|_| VerifyError::SeedMalformed)?;
        let computed = seed.commitment();
        if !computed.eq_ignore_ascii_case(&self.seed_commitment) {
            return Err(VerifyError::SeedCommitmentMismatch { computed });
        }
        let canonical = canonical_commitments(&self.commitments).map_err(|e| match e {
            DrawError::CommitmentMalformed { index } => VerifyError::CommitmentMalformed { index },
            _ => VerifyError::CommitmentsNotCanonical,
        })?;
        if canonical != self.commitments {
            return Err(VerifyError::CommitmentsNotCanonical);
        }
        if self.candidates.is_empty() || self.candidates.windows(2).any(|w| w[0] >= w[1]) {
            return Err(VerifyError::CandidatesNotCanonical);
        }
        let input = draw_input(&seed, &self.commitments, &self.candidates)
            .map_err(|_| VerifyError::CandidatesNotCanonical)?;
        let computed = input.to_hex();
        if !computed.eq_ignore_ascii_case(&self.input) {
            return Err(VerifyError::InputMismatch { computed });
        }
        let order = pick_ordered_with_counters(&input, &self.candidates, self.candidates.len());
        let Some(&(winner, counter)) = order.first() else {
            return Err(VerifyError::CandidatesNotCanonical);
        };
        if counter != self.counter {
            return Err(VerifyError::CounterMismatch { computed: counter });
        }
        if winner != self.winner {
            return Err(VerifyError::WinnerMismatch { computed: winner });
        }
        let ranking: Vec<i64> = order.into_iter().map(|(id, _)| id).collect();
        if ranking != self.ranking {
            return Err(VerifyError::RankingMismatch { computed: ranking });
        }
        Ok(())
    }

    /// [`Proof::verify`], after checking that the seed commitment is the one published with
    /// the announcement (which is what makes the seed binding).
    pub fn verify_published(&self, published_commitment: &str) -> Result<(), VerifyError> {
        if !published_commitment.eq_ignore_ascii_case(&self.seed_commitment) {
            return Err(VerifyError::NotPublishedCommitment);
        }
        self.verify()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The seed 00 01 02 … 1f: the fixed vector the JS and CLI verifiers are checked against.
    fn fixed_seed() -> Seed {
        let mut b = [0u8; 32];
        for (i, x) in b.iter_mut().enumerate() {
            *x = i as u8;
        }
        Seed::from_bytes(b)
    }

    /// Commitments SHA-256("quote-1"), SHA-256("quote-2"), SHA-256("quote-3").
    fn fixed_commitments() -> Vec<String> {
        (1..=3)
            .map(|i| hex::encode(Sha256::digest(format!("quote-{i}").as_bytes())))
            .collect()
    }

    #[test]
    fn seed_commitment_and_hex() {
        let s = fixed_seed();
        assert_eq!(
            s.to_hex(),
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        );
        assert_eq!(
            s.commitment(),
            "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
        );
        assert_eq!(Seed::from_hex(&s.to_hex().to_uppercase()), Ok(s.clone()));
        assert_eq!(Seed::from_hex("00"), Err(DrawError::SeedMalformed));
        assert_eq!(format!("{s:?}"), "Seed(…)");
        let a = Seed::generate().unwrap();
        let b = Seed::generate().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn message_encoding() {
        let msg = draw_message(&fixed_seed(), &fixed_commitments(), &[30, 7, 12]).unwrap();
        let mut c = fixed_commitments();
        c.sort();
        let expected = format!(
            "zhongjie-draw-v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\ncommitments 3\n{}\n{}\n{}\ncandidates 3\n7\n12\n30",
            c[0], c[1], c[2]
        );
        assert_eq!(msg, expected);
        let empty = draw_message::<&str>(&fixed_seed(), &[], &[-5, 2]).unwrap();
        assert!(empty.ends_with("\ncommitments 0\ncandidates 2\n-5\n2"));
    }

    #[test]
    fn known_vectors() {
        let input = draw_input(&fixed_seed(), &fixed_commitments(), &[30, 7, 12]).unwrap();
        assert_eq!(
            input.to_hex(),
            "05175f9284edd2cdb478ed367c5cf9f03365b664b5a45543b32a34bb56b2a25a"
        );
        let p = pick(&input, 3).unwrap();
        assert_eq!((p.index, p.counter), (1, 0));
        assert_eq!(value(&input, 0), 1_024_570_907_924_548_033);
        let proof = Proof::draw(&fixed_seed(), &fixed_commitments(), &[30, 7, 12]).unwrap();
        assert_eq!(proof.candidates, vec![7, 12, 30]);
        assert_eq!(proof.winner, [7, 12, 30][1]);
        assert_eq!(proof.ranking, vec![12, 7, 30]);
        proof.verify().unwrap();
    }

    /// With n = 2^63 + 1 about half of all values are rejected: a vector where the first
    /// value is rejected shows the counter moving on, for the verifiers to be tested with.
    #[test]
    fn rejection_vector() {
        let n = (1u64 << 63) + 1;
        assert_eq!(accept_limit(n), u128::from(n));
        let mut found = None;
        for i in 0u32..64 {
            let input = DrawInput(Sha256::digest(i.to_be_bytes()).into());
            let p = pick(&input, n).unwrap();
            assert!(p.index < n);
            assert!(u128::from(value(&input, p.counter)) < accept_limit(n));
            for c in 0..p.counter {
                assert!(u128::from(value(&input, c)) >= accept_limit(n));
            }
            if p.counter > 0 && found.is_none() {
                found = Some((i, p));
            }
        }
        let (i, p) = found.unwrap();
        assert_eq!((i, p.counter, p.index), (3, 2, 4_366_074_968_897_623_839));
    }

    #[test]
    fn limit_and_fake_values() {
        assert_eq!(accept_limit(1), 1u128 << 64);
        assert_eq!(accept_limit(2), 1u128 << 64);
        // 2^64 mod 3 = 1: only u64::MAX is rejected.
        assert_eq!(accept_limit(3), (1u128 << 64) - 1);
        let vals = [u64::MAX, u64::MAX, 5];
        let p = pick_from(3, 0, |c| vals[c as usize]).unwrap();
        assert_eq!(
            p,
            Pick {
                index: 2,
                counter: 2
            }
        );
        let p = pick_from(3, 0, |_| u64::MAX - 1).unwrap();
        assert_eq!(p.counter, 0);
        assert_eq!(pick_from(0, 0, |_| 0), None);
    }

    #[test]
    fn candidate_order_does_not_matter() {
        let a = draw_input(&fixed_seed(), &fixed_commitments(), &[30, 7, 12]).unwrap();
        let b = draw_input(&fixed_seed(), &fixed_commitments(), &[12, 30, 7]).unwrap();
        let mut rev = fixed_commitments();
        rev.reverse();
        let upper: Vec<String> = rev.iter().map(|c| c.to_uppercase()).collect();
        let c = draw_input(&fixed_seed(), &upper, &[7, 12, 30]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(
            pick_ordered(&a, &[30, 7, 12], 3),
            pick_ordered(&a, &[7, 12, 30], 3)
        );
    }

    #[test]
    fn setup_errors() {
        assert_eq!(
            draw_input(&fixed_seed(), &["abc"], &[1]),
            Err(DrawError::CommitmentMalformed { index: 0 })
        );
        assert_eq!(
            draw_input::<&str>(&fixed_seed(), &[], &[1, 2, 1]),
            Err(DrawError::DuplicateCandidate { id: 1 })
        );
        assert_eq!(
            Proof::draw::<&str>(&fixed_seed(), &[], &[]),
            Err(DrawError::NoCandidates)
        );
    }

    #[test]
    fn ordered_starts_with_the_winner_and_is_a_permutation() {
        let input = draw_input(&fixed_seed(), &fixed_commitments(), &[1, 2, 3, 4, 5]).unwrap();
        let order = pick_ordered(&input, &[5, 4, 3, 2, 1], 5);
        let p = pick(&input, 5).unwrap();
        assert_eq!(order[0], [1, 2, 3, 4, 5][p.index as usize]);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, vec![1, 2, 3, 4, 5]);
        assert_eq!(
            pick_ordered(&input, &[5, 4, 3, 2, 1], 2),
            order[..2].to_vec()
        );
        assert_eq!(pick_ordered(&input, &[1, 2], 9).len(), 2);
    }

    #[test]
    fn tampering_is_detected_step_by_step() {
        let good = Proof::draw(&fixed_seed(), &fixed_commitments(), &[30, 7, 12]).unwrap();
        good.verify().unwrap();
        good.verify_published(&fixed_seed().commitment()).unwrap();
        assert_eq!(
            good.verify_published(&"0".repeat(64)),
            Err(VerifyError::NotPublishedCommitment)
        );

        let mut p = good.clone();
        p.seed = "11".repeat(32);
        assert!(matches!(
            p.verify(),
            Err(VerifyError::SeedCommitmentMismatch { .. })
        ));
        p.seed = "zz".into();
        assert_eq!(p.verify(), Err(VerifyError::SeedMalformed));

        // A quote commitment swapped for another: the input no longer recomputes.
        let mut p = good.clone();
        p.commitments[0] = "0".repeat(64);
        assert!(matches!(p.verify(), Err(VerifyError::InputMismatch { .. })));
        let mut p = good.clone();
        p.commitments[1] = "x".repeat(64);
        assert_eq!(
            p.verify(),
            Err(VerifyError::CommitmentMalformed { index: 1 })
        );
        let mut p = good.clone();
        p.commitments.reverse();
        assert_eq!(p.verify(), Err(VerifyError::CommitmentsNotCanonical));

        let mut p = good.clone();
        p.candidates = vec![7, 30, 12];
        assert_eq!(p.verify(), Err(VerifyError::CandidatesNotCanonical));
        let mut p = good.clone();
        p.candidates = vec![7, 12, 31];
        assert!(matches!(p.verify(), Err(VerifyError::InputMismatch { .. })));

        let mut p = good.clone();
        p.counter += 1;
        assert_eq!(
            p.verify(),
            Err(VerifyError::CounterMismatch { computed: 0 })
        );
        let mut p = good.clone();
        p.winner = if good.winner == 7 { 12 } else { 7 };
        assert_eq!(
            p.verify(),
            Err(VerifyError::WinnerMismatch {
                computed: good.winner
            })
        );
        let mut p = good.clone();
        p.ranking.swap(1, 2);
        assert!(matches!(
            p.verify(),
            Err(VerifyError::RankingMismatch { .. })
        ));
    }

    #[test]
    fn proof_round_trips_through_json() {
        let p = Proof::draw(&fixed_seed(), &fixed_commitments(), &[30, 7, 12]).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        let back: Proof = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        back.verify().unwrap();
    }

    /// 100,000 draws over 10 candidates: the chi-square statistic stays below the 0.999
    /// critical value for 9 degrees of freedom (27.88). Integer arithmetic: with 10,000
    /// expected per cell, chi² < 27.88 ⟺ Σ(observed − 10,000)² < 278,800.
    #[test]
    fn draws_are_uniform() {
        const DRAWS: u32 = 100_000;
        let mut counts = [0i64; 10];
        for i in 0..DRAWS {
            let input = DrawInput(Sha256::digest(i.to_be_bytes()).into());
            let p = pick(&input, 10).unwrap();
            counts[p.index as usize] += 1;
        }
        let expected = i64::from(DRAWS) / 10;
        let sum_sq: i64 = counts
            .iter()
            .map(|&o| (o - expected) * (o - expected))
            .sum();
        assert!(sum_sq < 278_800, "counts {counts:?}, Σ(o−e)² = {sum_sq}");
    }

    proptest! {
        #[test]
        fn pick_is_always_below_n(bytes in any::<[u8; 32]>(), n in 1u64..=u64::MAX) {
            let p = pick(&DrawInput(bytes), n).unwrap();
            prop_assert!(p.index < n);
        }

        #[test]
        fn pick_small_n_is_below_n(bytes in any::<[u8; 32]>(), n in 1u64..50) {
            let p = pick(&DrawInput(bytes), n).unwrap();
            prop_assert!(p.index < n);
        }

        #[test]
        fn proofs_verify(seed in any::<[u8; 32]>(), ids in prop::collection::btree_set(-1000i64..1000, 1..20)) {
            let ids: Vec<i64> = ids.into_iter().collect();
            let p = Proof::draw::<&str>(&Seed::from_bytes(seed), &[], &ids).unwrap();
            prop_assert!(p.verify().is_ok());
            prop_assert_eq!(p.ranking.len(), ids.len());
        }
    }
}
