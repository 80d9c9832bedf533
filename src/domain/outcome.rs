//! The selection outcome as stored in `announcement_results.outcome`: a typed, versioned
//! JSON. [`StoredOutcome::from`] turns the [`Outcome`] a mode returns into it (the field
//! names are the ones `Outcome` serialises to, plus `version`); [`StoredOutcome::parse`]
//! reads it back, and a row that does not read — wrong shape or unknown version — is an
//! error, never a default. A row written before the version field existed reads as version 1.

use serde::{Deserialize, Serialize};

use super::draw::Proof;
use super::money::Money;
use super::selection::{Detail, Exclusion, Outcome, QuoteError, TieDraw, Verdict};

/// The version this code writes and reads.
pub const VERSION: u32 = 1;

fn first_version() -> u32 {
    1
}

fn no_detail() -> Detail {
    Detail::None
}

/// An [`Outcome`] as stored (owned strings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOutcome {
    #[serde(default = "first_version")]
    pub version: u32,
    pub verdict: Verdict,
    /// Who can win, in order: the winner first. Empty on failure.
    pub ranking: Vec<i64>,
    pub excluded: Vec<StoredExcluded>,
    pub draws: Vec<StoredDraw>,
    /// Absent in outcomes that had nothing to explain (direct selection, owner's choice).
    #[serde(default = "no_detail")]
    pub detail: Detail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredExcluded {
    pub agency_id: i64,
    pub amount: Option<Money>,
    pub reason: StoredExclusion,
}

/// [`Exclusion`] with the eligibility rule's locale key owned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum StoredExclusion {
    Quote(QuoteError),
    Ineligible(String),
    AbnormallyLowNotJustified,
    OutsideBand,
}

/// A draw that ordered the agencies from `first_rank` (0 = the winner) on.
pub type StoredDraw = TieDraw;

/// Why a stored outcome cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    #[error("stored outcome does not read: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("stored outcome has version {0}, this code reads version {VERSION}")]
    Version(u32),
}

impl StoredOutcome {
    /// Reads a stored outcome; a wrong shape or an unknown version is an error.
    pub fn parse(json: &str) -> Result<StoredOutcome, OutcomeError> {
        let o: StoredOutcome = serde_json::from_str(json)?;
        if o.version != VERSION {
            return Err(OutcomeError::Version(o.version));
        }
        Ok(o)
    }

    /// The JSON stored for this outcome.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// The draw that chose the winner, if a draw did.
    pub fn winning_draw(&self) -> Option<&Proof> {
        self.draws
            .iter()
            .find(|d| d.first_rank == 0)
            .map(|d| &d.proof)
    }
}

impl From<Exclusion> for StoredExclusion {
    fn from(e: Exclusion) -> Self {
        match e {
            Exclusion::Quote(q) => StoredExclusion::Quote(q),
            Exclusion::Ineligible(rule) => StoredExclusion::Ineligible(rule.to_string()),
            Exclusion::AbnormallyLowNotJustified => StoredExclusion::AbnormallyLowNotJustified,
            Exclusion::OutsideBand => StoredExclusion::OutsideBand,
        }
    }
}

impl From<&Outcome> for StoredOutcome {
    fn from(o: &Outcome) -> Self {
        StoredOutcome {
            version: VERSION,
            verdict: o.verdict,
            ranking: o.ranking.clone(),
            excluded: o
                .excluded
                .iter()
                .map(|e| StoredExcluded {
                    agency_id: e.agency_id,
                    amount: e.amount,
                    reason: e.reason.into(),
                })
                .collect(),
            draws: o.draws.clone(),
            detail: o.detail.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draw::Seed;
    use crate::domain::selection::{AfterFailure, Benchmark, Excluded, ScoreRow};
    use rust_decimal::Decimal;

    fn proof() -> Proof {
        let commitments: Vec<String> = (1..=3).map(|i| format!("{i:064x}")).collect();
        Proof::draw(&Seed::from_bytes([7u8; 32]), &commitments, &[30, 7, 12]).unwrap()
    }

    fn excluded() -> Vec<Excluded> {
        vec![
            Excluded {
                agency_id: 1,
                amount: Some(Money::from_fen(0)),
                reason: Exclusion::Quote(QuoteError::NotPositive),
            },
            Excluded {
                agency_id: 2,
                amount: Some(Money::from_fen(900)),
                reason: Exclusion::Quote(QuoteError::AboveCap {
                    cap: Money::from_fen(800),
                }),
            },
            Excluded {
                agency_id: 3,
                amount: Some(Money::from_fen(50)),
                reason: Exclusion::Quote(QuoteError::OutsideGovRange {
                    min: Money::from_fen(100),
                    max: Money::from_fen(200),
                }),
            },
            Excluded {
                agency_id: 4,
                amount: None,
                reason: Exclusion::Ineligible("eligibility.not_active"),
            },
            Excluded {
                agency_id: 5,
                amount: Some(Money::from_fen(10)),
                reason: Exclusion::AbnormallyLowNotJustified,
            },
            Excluded {
                agency_id: 6,
                amount: Some(Money::from_fen(99_999)),
                reason: Exclusion::OutsideBand,
            },
        ]
    }

    /// One outcome of every kind: a draw, a 流标, a benchmark, scores.
    fn outcomes() -> Vec<Outcome> {
        let selected = |detail| Outcome {
            verdict: Verdict::Selected,
            ranking: vec![12, 7, 30],
            excluded: excluded(),
            draws: vec![TieDraw {
                first_rank: 0,
                proof: proof(),
            }],
            detail,
        };
        vec![
            selected(Detail::None),
            Outcome {
                verdict: Verdict::Failed {
                    valid: 2,
                    required: 3,
                    next: AfterFailure::OwnerMaySelect,
                },
                ranking: Vec::new(),
                excluded: excluded(),
                draws: Vec::new(),
                detail: Detail::None,
            },
            Outcome {
                verdict: Verdict::Failed {
                    valid: 0,
                    required: 3,
                    next: AfterFailure::Republish,
                },
                ranking: Vec::new(),
                excluded: Vec::new(),
                draws: Vec::new(),
                detail: Detail::None,
            },
            selected(Detail::Benchmark(Benchmark {
                quotes_used: 5,
                dropped: Some((Money::from_fen(100), Money::from_fen(900))),
                benchmark: Money::from_fen(500),
                band_percent: 10,
                low: Decimal::new(450, 2),
                high: Decimal::new(550, 2),
                pool: vec![7, 12, 30],
                closest_instead: false,
            })),
            selected(Detail::Scores {
                rows: vec![ScoreRow {
                    agency_id: 12,
                    amount: Money::from_fen(500),
                    price_x100: 10_000,
                    credit_x100: 9_000,
                    qualification_x100: 8_000,
                    total_x10000: 9_100_000,
                }],
            }),
        ]
    }

    #[test]
    fn every_kind_round_trips_with_the_field_names_of_today() {
        for o in outcomes() {
            let stored = StoredOutcome::from(&o);
            let json = stored.to_json().unwrap();
            assert_eq!(StoredOutcome::parse(&json).unwrap(), stored, "{json}");
            // The same JSON as the outcome serialised directly, plus the version.
            let mut today = serde_json::to_value(&o).unwrap();
            today["version"] = serde_json::json!(1);
            let written: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(written, today);
            assert_eq!(
                stored.winning_draw(),
                o.winning_draw(),
                "the winning draw reads back"
            );
        }
    }

    #[test]
    fn a_row_without_version_reads_as_version_1() {
        for o in outcomes() {
            let old = serde_json::to_string(&o).unwrap();
            let back = StoredOutcome::parse(&old).unwrap();
            assert_eq!(back.version, 1);
            assert_eq!(back, StoredOutcome::from(&o));
        }
    }

    #[test]
    fn unknown_version_or_wrong_shape_is_an_error() {
        let mut v = serde_json::to_value(StoredOutcome::from(&outcomes()[0])).unwrap();
        v["version"] = serde_json::json!(2);
        assert!(matches!(
            StoredOutcome::parse(&v.to_string()),
            Err(OutcomeError::Version(2))
        ));
        for bad in [
            "",
            "{}",
            "[]",
            r#"{"verdict": {"kind": "won"}, "ranking": [], "excluded": [], "draws": []}"#,
            r#"{"verdict": {"kind": "selected"}, "ranking": "12", "excluded": [], "draws": []}"#,
            r#"{"verdict": {"kind": "selected"}, "ranking": [], "excluded": [{"agency_id": 1, "amount": null, "reason": {"kind": "lost"}}], "draws": []}"#,
            r#"{"verdict": {"kind": "selected"}, "ranking": [], "excluded": [], "draws": [], "detail": {"kind": "scores"}}"#,
            r#"{"version": "1", "verdict": {"kind": "selected"}, "ranking": [], "excluded": [], "draws": []}"#,
        ] {
            assert!(
                matches!(StoredOutcome::parse(bad), Err(OutcomeError::Shape(_))),
                "{bad}"
            );
        }
    }
}
