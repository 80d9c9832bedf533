//! The selection rules as pure functions: quote checks, the abnormally-low flag,
//! 流标 (too few valid responses), and the five modes. The opening code gathers plain facts
//! (agency ids, amounts in fen, commitments, the eligibility verdicts, scores) and calls one
//! function; the [`Outcome`] it gets back is what the result page publishes: the ranking
//! (winner first, then who takes over if the winner forfeits), every excluded agency with the
//! reason, and the proof of every draw.
//!
//! Rules that hold for every mode:
//! - **Order never matters.** Inputs are sorted by agency id first; an agency appearing twice
//!   is an error, never a second chance.
//! - **Ties only by the verifiable draw** ([`super::draw`]). Equal amounts (lowest price) or
//!   equal totals (weighted scoring) are ordered by a draw among exactly the tied agencies;
//!   the draw input covers the seed, every quote commitment published at opening (excluded
//!   quotes too) and the tied ids. Nothing else — not the id, not the submission time —
//!   breaks a tie.
//! - **No floats.** Amounts are [`Money`] (integer fen); every comparison is made on integers
//!   by cross-multiplying (i128, so nothing overflows). Where a number is published with a
//!   rounding, the decision is taken on exactly the published number, so a reader can redo it.
//!
//! Mode by mode:
//! 1. [`direct`] 直接选取: only for projects without fiscal funds.
//! 2. [`random_draw`] 随机抽取: one draw among the eligible registered agencies; the drawn order
//!    is the ranking.
//! 3. [`lowest_price`] 竞价选取: valid quotes by amount ascending, ties by draw.
//! 4. [`reasonable_price`] 竞价+摇号: with at least `trim_from` (5) valid quotes the single
//!    highest and single lowest amounts are left out of the **benchmark** (which of two equal
//!    amounts is left out does not matter: only the amount enters the mean). The benchmark is
//!    the mean of the remaining amounts, rounded half up to the fen. With fewer quotes nothing
//!    is left out. The pool is every valid quote `q` with
//!    `benchmark × (100 − band) ≤ q × 100 ≤ benchmark × (100 + band)` (inclusive, exact). The
//!    dropped quotes are judged by the same test: a quote inside the band is by definition not
//!    an extreme, and two agencies quoting the same amount must be treated alike. If the pool
//!    is empty (quotes far apart on both sides), it becomes the quotes closest to the
//!    benchmark (all of them if equally close), so the announcement does not fail on a rule
//!    the bidders could not see coming. One draw orders the pool; agencies outside it are
//!    excluded with the reason `outside_band`.
//! 5. [`weighted_scoring`] 综合评审: price score = 100 × lowest valid quote / quote, rounded half
//!    up to hundredths of a point; credit and qualification/experience scores are given in
//!    hundredths (0–100 points). Weights are whole percents checked against the published
//!    ranges and summing to 100. The total, in ten-thousandths of a point, is
//!    `w_price × price_x100 + w_credit × credit_x100 + w_qual × qual_x100`: exact, so equal
//!    totals are real ties. The full table is returned in rank order.
//!
//! 流标: fewer than `min_valid` (3) valid responses fails the round ([`Verdict::Failed`]); the
//! owner re-publishes, and after the second failed round with at least one valid respondent
//! the owner may choose among the respondents ([`owner_choice`]).
//!
//! Abnormally low quotes ([`abnormally_low`]) are flagged at opening; the mode is run once
//! the justifications are settled, with an unjustified quote passed as
//! [`Bar::AbnormallyLowNotJustified`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::fmt;

use super::draw::{self, DrawError, Proof, Seed};
use super::money::Money;

// ------------------------------------------------------------------ vocabulary and settings

/// The five selection modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Direct,
    RandomDraw,
    LowestPrice,
    ReasonablePrice,
    WeightedScoring,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Direct,
        Mode::RandomDraw,
        Mode::LowestPrice,
        Mode::ReasonablePrice,
        Mode::WeightedScoring,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Mode::Direct => "direct",
            Mode::RandomDraw => "random_draw",
            Mode::LowestPrice => "lowest_price",
            Mode::ReasonablePrice => "reasonable_price",
            Mode::WeightedScoring => "weighted_scoring",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.code() == s)
    }
    /// Locale key of the mode's name.
    pub fn key(self) -> &'static str {
        match self {
            Mode::Direct => "selection.mode.direct",
            Mode::RandomDraw => "selection.mode.random_draw",
            Mode::LowestPrice => "selection.mode.lowest_price",
            Mode::ReasonablePrice => "selection.mode.reasonable_price",
            Mode::WeightedScoring => "selection.mode.weighted_scoring",
        }
    }
    /// Whether the mode takes sealed quotes (and so needs a cap price).
    pub fn takes_quotes(self) -> bool {
        matches!(
            self,
            Mode::LowestPrice | Mode::ReasonablePrice | Mode::WeightedScoring
        )
    }
}

/// Published ranges for the weighted-scoring weights, in whole percents, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightRanges {
    pub price: (u32, u32),
    pub credit: (u32, u32),
    pub qualification: (u32, u32),
}

/// The settings that selection reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Fewer valid responses than this fail the round (流标).
    pub min_valid: usize,
    /// After this many failed rounds (with a respondent) the owner may choose.
    pub owner_choice_after: u32,
    /// A quote below this percent of the mean of the other valid quotes is abnormally low.
    pub abnormal_low_percent: u32,
    /// Reasonable-price pool: ± this percent of the benchmark.
    pub band_percent: u32,
    /// Reasonable-price: from this many valid quotes on, the highest and lowest are dropped
    /// from the benchmark.
    pub trim_from: usize,
    pub weight_ranges: WeightRanges,
}

impl Default for Settings {
    /// Defaults: 3 valid responses, second failure, 70%, ±10%, 5 quotes, price weight 30–60%.
    /// The credit (10–40%) and qualification (10–60%) ranges are the platform's published
    /// defaults: each part counts for something and none can outweigh the price range.
    fn default() -> Settings {
        Settings {
            min_valid: 3,
            owner_choice_after: 2,
            abnormal_low_percent: 70,
            band_percent: 10,
            trim_from: 5,
            weight_ranges: WeightRanges {
                price: (30, 60),
                credit: (10, 40),
                qualification: (10, 60),
            },
        }
    }
}

// ------------------------------------------------------------------ quotes

/// Why a quote amount is refused (at submission) or excluded (at opening).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuoteError {
    /// Zero or negative.
    NotPositive,
    /// Above the announcement's cap price 最高限价.
    AboveCap { cap: Money },
    /// Outside the government range (政府指导价; for 政府定价 min = max).
    OutsideGovRange { min: Money, max: Money },
}

impl QuoteError {
    /// Every key `key` answers.
    pub const KEYS: [&'static str; 3] = [
        "selection.quote.not_positive",
        "selection.quote.above_cap",
        "selection.quote.outside_gov_range",
    ];
    /// Locale key in `locales/*/selection.txt`.
    pub fn key(&self) -> &'static str {
        match self {
            QuoteError::NotPositive => Self::KEYS[0],
            QuoteError::AboveCap { .. } => Self::KEYS[1],
            QuoteError::OutsideGovRange { .. } => Self::KEYS[2],
        }
    }
    /// Values for the message's `{placeholders}` (amounts in yuan).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            QuoteError::NotPositive => Vec::new(),
            QuoteError::AboveCap { cap } => vec![("cap", cap.yuan_text())],
            QuoteError::OutsideGovRange { min, max } => {
                vec![("min", min.yuan_text()), ("max", max.yuan_text())]
            }
        }
    }
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuoteError::NotPositive => f.write_str("the quote must be above zero"),
            QuoteError::AboveCap { cap } => write!(f, "the quote is above the cap of {cap}"),
            QuoteError::OutsideGovRange { min, max } => {
                write!(f, "the quote is outside the government range {min}–{max}")
            }
        }
    }
}

impl std::error::Error for QuoteError {}

/// What the announcement says about amounts: its cap and, for government-guided or fixed
/// pricing, the government range (`(fee, fee)` for a fixed fee).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub cap: Money,
    pub gov_range: Option<(Money, Money)>,
}

/// Checks one quote amount: above zero, not above the cap, inside the government range.
pub fn validate_quote(amount: Money, limits: &Limits) -> Result<(), QuoteError> {
    if amount.fen() <= 0 {
        return Err(QuoteError::NotPositive);
    }
    if amount > limits.cap {
        return Err(QuoteError::AboveCap { cap: limits.cap });
    }
    if let Some((min, max)) = limits.gov_range
        && (amount < min || amount > max)
    {
        return Err(QuoteError::OutsideGovRange { min, max });
    }
    Ok(())
}

/// A quote flagged abnormally low: it may win only after the agency justifies it and the
/// owner accepts the justification on record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LowFlag {
    pub agency_id: i64,
    pub amount: Money,
    /// Mean of the other valid quotes, rounded half up to the fen (for display; the test
    /// itself is exact).
    pub others_mean: Money,
}

impl LowFlag {
    pub const KEY: &'static str = "selection.flag.abnormally_low";
    pub fn args(&self, percent: u32) -> Vec<(&'static str, String)> {
        vec![
            ("mean", self.others_mean.yuan_text()),
            ("percent", percent.to_string()),
        ]
    }
}

/// The valid quotes that are below `percent`% of the mean of the OTHER valid quotes:
/// `q × 100 × (n − 1) < percent × (sum − q)`, exact. Needs at least two quotes. Sorted by
/// agency id.
pub fn abnormally_low(valid: &[(i64, Money)], percent: u32) -> Vec<LowFlag> {
    let n = valid.len() as i128;
    if n < 2 {
        return Vec::new();
    }
    let sum: i128 = valid.iter().map(|(_, m)| i128::from(m.fen())).sum();
    let mut out: Vec<LowFlag> = valid
        .iter()
        .filter_map(|&(agency_id, amount)| {
            let q = i128::from(amount.fen());
            let others = sum - q;
            (q * 100 * (n - 1) < i128::from(percent) * others).then(|| LowFlag {
                agency_id,
                amount,
                others_mean: fen(div_half_up(others, n - 1)),
            })
        })
        .collect();
    out.sort_by_key(|f| f.agency_id);
    out
}

// ------------------------------------------------------------------ inputs and outcomes

/// Why the caller already knows a bid cannot count, whatever its amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "rule", rename_all = "snake_case")]
pub enum Bar {
    /// An eligibility rule failed at opening; the rule's locale key.
    Ineligible(&'static str),
    /// Flagged abnormally low and not justified (or the justification was rejected).
    AbnormallyLowNotJustified,
}

/// One sealed quote as opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bid {
    pub agency_id: i64,
    pub amount: Money,
    /// The receipt commitment published at opening (64 hex digits).
    pub commitment: String,
    pub barred: Option<Bar>,
}

/// A bid in weighted scoring, with the agency's other two scores in hundredths (0–10000).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoredBid {
    pub bid: Bid,
    pub credit_x100: i32,
    pub qualification_x100: i32,
}

/// A registered agency (random draw) or the owner's choice (direct selection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entrant {
    pub agency_id: i64,
    /// The locale key of the eligibility rule that failed, if one did.
    pub ineligible: Option<&'static str>,
}

/// Why an agency cannot win this round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Exclusion {
    Quote(QuoteError),
    Ineligible(&'static str),
    AbnormallyLowNotJustified,
    /// Reasonable-price draw: a valid quote outside the band around the benchmark.
    OutsideBand,
}

impl Exclusion {
    /// Locale key: the quote error's, the eligibility rule's own, or `selection.exclude.*`.
    pub fn key(&self) -> &'static str {
        match self {
            Exclusion::Quote(e) => e.key(),
            Exclusion::Ineligible(rule) => rule,
            Exclusion::AbnormallyLowNotJustified => "selection.exclude.abnormally_low",
            Exclusion::OutsideBand => "selection.exclude.outside_band",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub agency_id: i64,
    pub amount: Option<Money>,
    pub reason: Exclusion,
}

/// What the owner may do after a failed round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterFailure {
    Republish,
    OwnerMaySelect,
}

impl AfterFailure {
    pub fn key(self) -> &'static str {
        match self {
            AfterFailure::Republish => "selection.failed.republish",
            AfterFailure::OwnerMaySelect => "selection.failed.owner_may_select",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    Selected,
    /// 流标.
    Failed {
        valid: usize,
        required: usize,
        next: AfterFailure,
    },
}

/// 流标 rule: `valid` responses in a round preceded by `earlier_failures` failed rounds.
pub fn tally(valid: usize, earlier_failures: u32, s: &Settings) -> Verdict {
    if valid >= s.min_valid {
        return Verdict::Selected;
    }
    let failures = earlier_failures.saturating_add(1);
    let next = if failures >= s.owner_choice_after && valid >= 1 {
        AfterFailure::OwnerMaySelect
    } else {
        AfterFailure::Republish
    };
    Verdict::Failed {
        valid,
        required: s.min_valid,
        next,
    }
}

/// A draw that ordered the agencies from `first_rank` (0 = the winner) on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieDraw {
    pub first_rank: usize,
    pub proof: Proof,
}

/// Reasonable-price draw: how the pool was formed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benchmark {
    /// How many amounts the mean was taken over.
    pub quotes_used: usize,
    /// The (lowest, highest) amounts left out of the mean, if any were.
    pub dropped: Option<(Money, Money)>,
    /// The mean, rounded half up to the fen.
    pub benchmark: Money,
    pub band_percent: u32,
    /// The band's ends in yuan (exact: benchmark × (100 ± band) / 100).
    pub low: Decimal,
    pub high: Decimal,
    /// The pool's agency ids, ascending.
    pub pool: Vec<i64>,
    /// True when no quote was inside the band and the pool is the closest quotes instead.
    pub closest_instead: bool,
}

/// One row of the weighted-scoring table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub agency_id: i64,
    pub amount: Money,
    pub price_x100: i64,
    pub credit_x100: i32,
    pub qualification_x100: i32,
    /// Σ weight% × score_x100: the total in ten-thousandths of a point.
    pub total_x10000: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    None,
    Benchmark(Benchmark),
    /// Rows in rank order.
    Scores {
        rows: Vec<ScoreRow>,
    },
}

/// The result of one round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Who can win, in order: the winner first, then who takes over. Empty on failure.
    pub ranking: Vec<i64>,
    /// Every agency that cannot win this round and why, by agency id.
    pub excluded: Vec<Excluded>,
    /// The draws that decided the order, by rank.
    pub draws: Vec<TieDraw>,
    pub detail: Detail,
}

impl Outcome {
    pub fn winner(&self) -> Option<i64> {
        match self.verdict {
            Verdict::Selected => self.ranking.first().copied(),
            Verdict::Failed { .. } => None,
        }
    }
    /// The draw that chose the winner, if a draw did.
    pub fn winning_draw(&self) -> Option<&Proof> {
        self.draws
            .iter()
            .find(|d| d.first_rank == 0)
            .map(|d| &d.proof)
    }
}

/// Weighted-scoring weights in whole percents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Weights {
    pub price: u32,
    pub credit: u32,
    pub qualification: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsError {
    PriceOutOfRange { min: u32, max: u32 },
    CreditOutOfRange { min: u32, max: u32 },
    QualificationOutOfRange { min: u32, max: u32 },
    SumNot100 { sum: u64 },
}

impl WeightsError {
    pub fn key(&self) -> &'static str {
        match self {
            WeightsError::PriceOutOfRange { .. } => "selection.weights.price_range",
            WeightsError::CreditOutOfRange { .. } => "selection.weights.credit_range",
            WeightsError::QualificationOutOfRange { .. } => "selection.weights.qualification_range",
            WeightsError::SumNot100 { .. } => "selection.weights.sum",
        }
    }
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match *self {
            WeightsError::PriceOutOfRange { min, max }
            | WeightsError::CreditOutOfRange { min, max }
            | WeightsError::QualificationOutOfRange { min, max } => {
                vec![("min", min.to_string()), ("max", max.to_string())]
            }
            WeightsError::SumNot100 { sum } => vec![("sum", sum.to_string())],
        }
    }
}

impl Weights {
    /// Each weight within its published range, and the three summing to 100.
    pub fn validate(&self, r: &WeightRanges) -> Result<(), WeightsError> {
        let within = |w: u32, (min, max): (u32, u32)| (min..=max).contains(&w);
        if !within(self.price, r.price) {
            let (min, max) = r.price;
            return Err(WeightsError::PriceOutOfRange { min, max });
        }
        if !within(self.credit, r.credit) {
            let (min, max) = r.credit;
            return Err(WeightsError::CreditOutOfRange { min, max });
        }
        if !within(self.qualification, r.qualification) {
            let (min, max) = r.qualification;
            return Err(WeightsError::QualificationOutOfRange { min, max });
        }
        let sum = u64::from(self.price) + u64::from(self.credit) + u64::from(self.qualification);
        if sum != 100 {
            return Err(WeightsError::SumNot100 { sum });
        }
        Ok(())
    }
}

/// Why a mode could not be run at all (as opposed to a failed round).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectionError {
    /// 直接选取 is only for projects without fiscal funds.
    DirectNeedsNoFiscalFunds,
    /// The chosen agency failed an eligibility rule (its locale key).
    ChosenIneligible {
        rule: &'static str,
    },
    /// The owner may choose only after `required` failed rounds.
    OwnerChoiceNotAllowed {
        failed_rounds: u32,
        required: u32,
    },
    /// The chosen agency is not among the valid respondents.
    NotARespondent {
        agency_id: i64,
    },
    DuplicateAgency {
        agency_id: i64,
    },
    /// A credit or qualification score outside 0–100 points.
    ScoreOutOfRange {
        agency_id: i64,
    },
    Weights(WeightsError),
    Draw(DrawError),
}

impl SelectionError {
    /// Locale key in `locales/*/selection.txt` (or the eligibility rule's own key).
    pub fn key(&self) -> &'static str {
        match self {
            SelectionError::DirectNeedsNoFiscalFunds => "selection.err.direct_fiscal_funds",
            SelectionError::ChosenIneligible { rule } => rule,
            SelectionError::OwnerChoiceNotAllowed { .. } => "selection.err.owner_choice_early",
            SelectionError::NotARespondent { .. } => "selection.err.not_respondent",
            SelectionError::DuplicateAgency { .. } => "selection.err.duplicate_agency",
            SelectionError::ScoreOutOfRange { .. } => "selection.err.score_range",
            SelectionError::Weights(e) => e.key(),
            SelectionError::Draw(e) => e.key(),
        }
    }
    /// Values for the message's `{placeholders}`.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            SelectionError::DuplicateAgency { agency_id } => vec![("id", agency_id.to_string())],
            SelectionError::Weights(e) => e.args(),
            SelectionError::Draw(e) => e.args(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for SelectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectionError::DirectNeedsNoFiscalFunds => {
                f.write_str("direct selection is only for projects without fiscal funds")
            }
            SelectionError::ChosenIneligible { rule } => {
                write!(f, "the chosen agency is not eligible ({rule})")
            }
            SelectionError::OwnerChoiceNotAllowed {
                failed_rounds,
                required,
            } => write!(
                f,
                "the owner may choose after {required} failed rounds, not {failed_rounds}"
            ),
            SelectionError::NotARespondent { agency_id } => {
                write!(f, "agency {agency_id} is not a valid respondent")
            }
            SelectionError::DuplicateAgency { agency_id } => {
                write!(f, "agency {agency_id} appears twice")
            }
            SelectionError::ScoreOutOfRange { agency_id } => {
                write!(f, "a score of agency {agency_id} is outside 0–100")
            }
            SelectionError::Weights(e) => write!(f, "weights: {e:?}"),
            SelectionError::Draw(e) => write!(f, "draw: {e}"),
        }
    }
}

impl std::error::Error for SelectionError {}

impl From<DrawError> for SelectionError {
    fn from(e: DrawError) -> Self {
        SelectionError::Draw(e)
    }
}

/// The state a round is run in.
#[derive(Clone, Copy, Debug)]
pub struct Round<'a> {
    /// The seed committed when the announcement was published.
    pub seed: &'a Seed,
    /// Failed rounds before this one (0 for the first).
    pub earlier_failures: u32,
    pub settings: &'a Settings,
}

// ------------------------------------------------------------------ helpers

/// `num / den` rounded half up; both non-negative, `den > 0`.
fn div_half_up(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

/// Back to fen; every value passed here is a mean or ratio of amounts that fit in i64.
fn fen(v: i128) -> Money {
    Money::from_fen(i64::try_from(v).unwrap_or(i64::MAX))
}

fn check_unique(mut ids: Vec<i64>) -> Result<(), SelectionError> {
    ids.sort_unstable();
    match ids.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(SelectionError::DuplicateAgency { agency_id: w[0] }),
        None => Ok(()),
    }
}

/// Bids split by [`screen`].
struct Screened<'a> {
    /// By agency id.
    valid: Vec<&'a Bid>,
    excluded: Vec<Excluded>,
    /// Every commitment, canonical order.
    commitments: Vec<String>,
}

/// Sorts the bids by agency id and splits them into valid and excluded; also returns every
/// commitment in canonical order (checked here, so a malformed one is an error whether or
/// not a draw turns out to be needed).
fn screen<'a>(
    bids: impl Iterator<Item = &'a Bid>,
    limits: &Limits,
) -> Result<Screened<'a>, SelectionError> {
    let mut bids: Vec<&Bid> = bids.collect();
    bids.sort_by_key(|b| b.agency_id);
    check_unique(bids.iter().map(|b| b.agency_id).collect())?;
    let commitments = draw::canonical_commitments(
        &bids
            .iter()
            .map(|b| b.commitment.as_str())
            .collect::<Vec<_>>(),
    )?;
    let mut valid = Vec::new();
    let mut excluded = Vec::new();
    for b in bids {
        let reason = match (b.barred, validate_quote(b.amount, limits)) {
            (Some(Bar::Ineligible(rule)), _) => Some(Exclusion::Ineligible(rule)),
            (_, Err(e)) => Some(Exclusion::Quote(e)),
            (Some(Bar::AbnormallyLowNotJustified), Ok(())) => {
                Some(Exclusion::AbnormallyLowNotJustified)
            }
            (None, Ok(())) => None,
        };
        match reason {
            Some(reason) => excluded.push(Excluded {
                agency_id: b.agency_id,
                amount: Some(b.amount),
                reason,
            }),
            None => valid.push(b),
        }
    }
    Ok(Screened {
        valid,
        excluded,
        commitments,
    })
}

/// Orders `(key, id)` pairs by key; each run of equal keys with more than one agency is
/// ordered by a draw among exactly those agencies.
fn rank_with_ties<K: Ord + Copy>(
    mut items: Vec<(K, i64)>,
    seed: &Seed,
    commitments: &[String],
) -> Result<(Vec<i64>, Vec<TieDraw>), SelectionError> {
    items.sort_unstable();
    let mut ranking = Vec::with_capacity(items.len());
    let mut draws = Vec::new();
    for group in items.chunk_by(|a, b| a.0 == b.0) {
        if let [(_, id)] = group {
            ranking.push(*id);
            continue;
        }
        let ids: Vec<i64> = group.iter().map(|&(_, id)| id).collect();
        let proof = Proof::draw(seed, commitments, &ids)?;
        draws.push(TieDraw {
            first_rank: ranking.len(),
            proof: proof.clone(),
        });
        ranking.extend(proof.ranking);
    }
    Ok((ranking, draws))
}

fn failed(verdict: Verdict, excluded: Vec<Excluded>) -> Outcome {
    Outcome {
        verdict,
        ranking: Vec::new(),
        excluded,
        draws: Vec::new(),
        detail: Detail::None,
    }
}

// ------------------------------------------------------------------ the modes

/// 直接选取: the owner's choice, only for a project without fiscal funds.
pub fn direct(uses_fiscal_funds: bool, chosen: &Entrant) -> Result<Outcome, SelectionError> {
    if uses_fiscal_funds {
        return Err(SelectionError::DirectNeedsNoFiscalFunds);
    }
    if let Some(rule) = chosen.ineligible {
        return Err(SelectionError::ChosenIneligible { rule });
    }
    Ok(Outcome {
        verdict: Verdict::Selected,
        ranking: vec![chosen.agency_id],
        excluded: Vec::new(),
        draws: Vec::new(),
        detail: Detail::None,
    })
}

/// After `failed_rounds` failed rounds (at least `owner_choice_after`), the owner chooses
/// among the valid respondents of the last round.
pub fn owner_choice(
    failed_rounds: u32,
    respondents: &[Entrant],
    chosen: i64,
    s: &Settings,
) -> Result<Outcome, SelectionError> {
    if failed_rounds < s.owner_choice_after {
        return Err(SelectionError::OwnerChoiceNotAllowed {
            failed_rounds,
            required: s.owner_choice_after,
        });
    }
    check_unique(respondents.iter().map(|e| e.agency_id).collect())?;
    let Some(entrant) = respondents.iter().find(|e| e.agency_id == chosen) else {
        return Err(SelectionError::NotARespondent { agency_id: chosen });
    };
    if let Some(rule) = entrant.ineligible {
        return Err(SelectionError::ChosenIneligible { rule });
    }
    Ok(Outcome {
        verdict: Verdict::Selected,
        ranking: vec![chosen],
        excluded: Vec::new(),
        draws: Vec::new(),
        detail: Detail::None,
    })
}

/// 随机抽取: one draw orders every eligible registered agency.
pub fn random_draw(entrants: &[Entrant], round: &Round) -> Result<Outcome, SelectionError> {
    check_unique(entrants.iter().map(|e| e.agency_id).collect())?;
    let mut sorted = entrants.to_vec();
    sorted.sort_by_key(|e| e.agency_id);
    let mut excluded = Vec::new();
    let mut eligible = Vec::new();
    for e in sorted {
        match e.ineligible {
            Some(rule) => excluded.push(Excluded {
                agency_id: e.agency_id,
                amount: None,
                reason: Exclusion::Ineligible(rule),
            }),
            None => eligible.push(e.agency_id),
        }
    }
    let verdict = tally(eligible.len(), round.earlier_failures, round.settings);
    if verdict != Verdict::Selected || eligible.is_empty() {
        return Ok(failed(verdict, excluded));
    }
    let proof = Proof::draw::<&str>(round.seed, &[], &eligible)?;
    Ok(Outcome {
        verdict,
        ranking: proof.ranking.clone(),
        excluded,
        draws: vec![TieDraw {
            first_rank: 0,
            proof,
        }],
        detail: Detail::None,
    })
}

/// 竞价选取: valid quotes by amount ascending; equal amounts ordered by draw.
pub fn lowest_price(
    bids: &[Bid],
    limits: &Limits,
    round: &Round,
) -> Result<Outcome, SelectionError> {
    let Screened {
        valid,
        excluded,
        commitments,
    } = screen(bids.iter(), limits)?;
    let verdict = tally(valid.len(), round.earlier_failures, round.settings);
    if verdict != Verdict::Selected || valid.is_empty() {
        return Ok(failed(verdict, excluded));
    }
    let items = valid.iter().map(|b| (b.amount, b.agency_id)).collect();
    let (ranking, draws) = rank_with_ties(items, round.seed, &commitments)?;
    Ok(Outcome {
        verdict,
        ranking,
        excluded,
        draws,
        detail: Detail::None,
    })
}

/// Is `amount` inside the band around `benchmark` (both in fen)? Exact and inclusive.
pub fn in_band(amount: Money, benchmark: Money, band_percent: u32) -> bool {
    let q = i128::from(amount.fen()) * 100;
    let b = i128::from(benchmark.fen());
    let band = i128::from(band_percent);
    b * (100 - band) <= q && q <= b * (100 + band)
}

/// The band's ends as pages show them: the lowest and the highest whole-fen amount inside
/// the exact band (`low` rounded up, `high` rounded down), so that every quote shown between
/// them is in the pool and none shown outside is. E.g. 123,450.0030 – 150,883.3370 reads
/// 123,450.01 – 150,883.33. `None` for a band that holds no whole fen.
pub fn band_in_fen(low: Decimal, high: Decimal) -> Option<(Money, Money)> {
    use rust_decimal::RoundingStrategy;
    let lo =
        Money::from_decimal(low.round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity))?;
    let hi =
        Money::from_decimal(high.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity))?;
    (lo <= hi).then_some((lo, hi))
}

/// The benchmark of the reasonable-price draw over valid amounts: (mean, dropped ends, count).
fn benchmark_of(amounts: &mut [Money], trim_from: usize) -> (Money, Option<(Money, Money)>, usize) {
    amounts.sort_unstable();
    let n = amounts.len();
    // Dropping needs something left to average, whatever the setting says.
    let (used, dropped) = if n >= trim_from.max(3) {
        (&amounts[1..n - 1], Some((amounts[0], amounts[n - 1])))
    } else {
        (&amounts[..], None)
    };
    let sum: i128 = used.iter().map(|m| i128::from(m.fen())).sum();
    let count = used.len().max(1) as i128;
    (fen(div_half_up(sum, count)), dropped, used.len())
}

/// 竞价+摇号: benchmark, pool within the band, one draw orders the pool (module doc).
pub fn reasonable_price(
    bids: &[Bid],
    limits: &Limits,
    round: &Round,
) -> Result<Outcome, SelectionError> {
    let Screened {
        valid,
        mut excluded,
        commitments,
    } = screen(bids.iter(), limits)?;
    let verdict = tally(valid.len(), round.earlier_failures, round.settings);
    if verdict != Verdict::Selected || valid.is_empty() {
        return Ok(failed(verdict, excluded));
    }
    let s = round.settings;
    let mut amounts: Vec<Money> = valid.iter().map(|b| b.amount).collect();
    let (benchmark, dropped, quotes_used) = benchmark_of(&mut amounts, s.trim_from);
    let mut pool: Vec<i64> = valid
        .iter()
        .filter(|b| in_band(b.amount, benchmark, s.band_percent))
        .map(|b| b.agency_id)
        .collect();
    let closest_instead = pool.is_empty();
    if closest_instead {
        let distance = |b: &Bid| (i128::from(b.amount.fen()) - i128::from(benchmark.fen())).abs();
        let nearest = valid.iter().map(|b| distance(b)).min().unwrap_or(0);
        pool = valid
            .iter()
            .filter(|b| distance(b) == nearest)
            .map(|b| b.agency_id)
            .collect();
    }
    for b in &valid {
        if pool.binary_search(&b.agency_id).is_err() {
            excluded.push(Excluded {
                agency_id: b.agency_id,
                amount: Some(b.amount),
                reason: Exclusion::OutsideBand,
            });
        }
    }
    excluded.sort_by_key(|e| e.agency_id);
    let proof = Proof::draw(round.seed, &commitments, &pool)?;
    let b = i128::from(benchmark.fen());
    let band = i128::from(s.band_percent);
    let yuan4 = |v: i128| Decimal::try_from_i128_with_scale(v, 4).unwrap_or(Decimal::MAX);
    Ok(Outcome {
        verdict,
        ranking: proof.ranking.clone(),
        excluded,
        draws: vec![TieDraw {
            first_rank: 0,
            proof,
        }],
        detail: Detail::Benchmark(Benchmark {
            quotes_used,
            dropped,
            benchmark,
            band_percent: s.band_percent,
            low: yuan4(b * (100 - band)),
            high: yuan4(b * (100 + band)),
            pool,
            closest_instead,
        }),
    })
}

/// Price score in hundredths of a point: 100 × lowest / amount, rounded half up.
pub fn price_score_x100(lowest: Money, amount: Money) -> i64 {
    let l = i128::from(lowest.fen());
    let q = i128::from(amount.fen()).max(1);
    i64::try_from(div_half_up(10_000 * l, q)).unwrap_or(i64::MAX)
}

/// 综合评审 qualification/experience score in hundredths (published with the rules): 60 points
/// for holding every required qualification on the deadline day, 20 more for each grade
/// above a required minimum (甲 = 1 is above 乙 = 2), at most 100. An item without required
/// qualifications gives every agency 100, so the part cannot favour anyone.
pub fn qualification_score_x100(required: &[(String, i32)], held: &[(String, i32)]) -> i32 {
    if required.is_empty() {
        return 10_000;
    }
    let mut score: i64 = 6_000;
    for (t, min) in required {
        match held.iter().find(|(h, _)| h == t) {
            Some((_, l)) if *l != 0 && *min != 0 && l < min => {
                score += 2_000 * i64::from(min - l);
            }
            Some(_) => {}
            None => return 0,
        }
    }
    i32::try_from(score.min(10_000)).unwrap_or(10_000)
}

/// 综合评审: the score table in rank order; equal totals ordered by draw.
pub fn weighted_scoring(
    bids: &[ScoredBid],
    weights: &Weights,
    limits: &Limits,
    round: &Round,
) -> Result<Outcome, SelectionError> {
    weights
        .validate(&round.settings.weight_ranges)
        .map_err(SelectionError::Weights)?;
    let Screened {
        valid,
        excluded,
        commitments,
    } = screen(bids.iter().map(|s| &s.bid), limits)?;
    let mut sorted: Vec<&ScoredBid> = bids.iter().collect();
    sorted.sort_by_key(|s| s.bid.agency_id);
    for s in &sorted {
        let ok = |v: i32| (0..=10_000).contains(&v);
        if !ok(s.credit_x100) || !ok(s.qualification_x100) {
            return Err(SelectionError::ScoreOutOfRange {
                agency_id: s.bid.agency_id,
            });
        }
    }
    let verdict = tally(valid.len(), round.earlier_failures, round.settings);
    let Some(lowest) = valid.iter().map(|b| b.amount).min() else {
        return Ok(failed(verdict, excluded));
    };
    if verdict != Verdict::Selected {
        return Ok(failed(verdict, excluded));
    }
    let rows: Vec<ScoreRow> = sorted
        .iter()
        .filter(|s| {
            valid
                .binary_search_by_key(&s.bid.agency_id, |b| b.agency_id)
                .is_ok()
        })
        .map(|s| {
            let price_x100 = price_score_x100(lowest, s.bid.amount);
            let total_x10000 = i64::from(weights.price) * price_x100
                + i64::from(weights.credit) * i64::from(s.credit_x100)
                + i64::from(weights.qualification) * i64::from(s.qualification_x100);
            ScoreRow {
                agency_id: s.bid.agency_id,
                amount: s.bid.amount,
                price_x100,
                credit_x100: s.credit_x100,
                qualification_x100: s.qualification_x100,
                total_x10000,
            }
        })
        .collect();
    let items = rows
        .iter()
        .map(|r| (Reverse(r.total_x10000), r.agency_id))
        .collect();
    let (ranking, draws) = rank_with_ties(items, round.seed, &commitments)?;
    // rows are by agency id, so each ranked id is found by binary search.
    let table: Vec<ScoreRow> = ranking
        .iter()
        .filter_map(|id| {
            rows.binary_search_by_key(id, |r| r.agency_id)
                .ok()
                .map(|i| rows[i])
        })
        .collect();
    Ok(Outcome {
        verdict,
        ranking,
        excluded,
        draws,
        detail: Detail::Scores { rows: table },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    const RULE: &str = "eligibility.rule.blacklisted";

    fn seed(n: u8) -> Seed {
        Seed::from_bytes([n; 32])
    }

    fn commitment(id: i64) -> String {
        hex::encode(Sha256::digest(format!("quote-{id}").as_bytes()))
    }

    fn bid(id: i64, fen: i64) -> Bid {
        Bid {
            agency_id: id,
            amount: Money::from_fen(fen),
            commitment: commitment(id),
            barred: None,
        }
    }

    #[test]
    fn band_ends_round_inwards_to_whole_fen() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let f = Money::from_fen;
        assert_eq!(
            band_in_fen(d("123450.0030"), d("150883.3370")),
            Some((f(12_345_001), f(15_088_333)))
        );
        // Exact fen stay as they are, and each end is itself in the band.
        assert_eq!(
            band_in_fen(d("90000.0000"), d("110000.0000")),
            Some((f(9_000_000), f(11_000_000)))
        );
        assert!(in_band(f(9_000_000), f(10_000_000), 10));
        assert!(!in_band(f(8_999_999), f(10_000_000), 10));
        assert_eq!(band_in_fen(d("1.0010"), d("1.0090")), None);
    }

    fn yuan(y: i64) -> Money {
        Money::from_fen(y * 100)
    }

    const LIMITS: Limits = Limits {
        cap: Money::from_fen(10_000_000),
        gov_range: None,
    };

    fn round<'a>(seed: &'a Seed, s: &'a Settings) -> Round<'a> {
        Round {
            seed,
            earlier_failures: 0,
            settings: s,
        }
    }

    // ---------------------------------------------------------------- quotes and flags

    #[test]
    fn quote_validation() {
        let l = Limits {
            cap: yuan(50_000),
            gov_range: Some((yuan(10_000), yuan(40_000))),
        };
        assert_eq!(validate_quote(yuan(20_000), &l), Ok(()));
        assert_eq!(validate_quote(yuan(10_000), &l), Ok(()));
        assert_eq!(validate_quote(yuan(40_000), &l), Ok(()));
        assert_eq!(
            validate_quote(Money::ZERO, &l),
            Err(QuoteError::NotPositive)
        );
        assert_eq!(
            validate_quote(Money::from_fen(-1), &l),
            Err(QuoteError::NotPositive)
        );
        assert_eq!(
            validate_quote(Money::from_fen(5_000_001), &l),
            Err(QuoteError::AboveCap { cap: yuan(50_000) })
        );
        let out = Err(QuoteError::OutsideGovRange {
            min: yuan(10_000),
            max: yuan(40_000),
        });
        assert_eq!(validate_quote(Money::from_fen(999_999), &l), out);
        assert_eq!(validate_quote(Money::from_fen(4_000_001), &l), out);
        // 政府定价: a fixed fee is a range of one amount.
        let fixed = Limits {
            cap: yuan(50_000),
            gov_range: Some((yuan(8_000), yuan(8_000))),
        };
        assert_eq!(validate_quote(yuan(8_000), &fixed), Ok(()));
        assert!(validate_quote(yuan(7_999), &fixed).is_err());
        assert_eq!(
            QuoteError::AboveCap { cap: yuan(50_000) }.args(),
            vec![("cap", "¥50,000.00".to_string())]
        );
    }

    #[test]
    fn abnormally_low_against_the_mean_of_the_others() {
        // Others of 60 average 100: 60 < 70 is flagged; 70 would be exactly 70% (not below).
        let q = |v: &[(i64, i64)]| -> Vec<(i64, Money)> {
            v.iter().map(|&(id, y)| (id, yuan(y))).collect()
        };
        let flags = abnormally_low(&q(&[(1, 100), (2, 100), (3, 100), (4, 60)]), 70);
        assert_eq!(
            flags,
            vec![LowFlag {
                agency_id: 4,
                amount: yuan(60),
                others_mean: yuan(100)
            }]
        );
        assert!(abnormally_low(&q(&[(1, 100), (2, 100), (3, 100), (4, 70)]), 70).is_empty());
        let flags = abnormally_low(&q(&[(1, 100), (2, 100), (3, 100), (4, 69)]), 70);
        assert_eq!(flags.len(), 1);
        // Two quotes: each is judged against the other one.
        let flags = abnormally_low(&q(&[(9, 100), (8, 50)]), 70);
        assert_eq!(
            flags.iter().map(|f| f.agency_id).collect::<Vec<_>>(),
            vec![8]
        );
        assert!(abnormally_low(&q(&[(1, 1)]), 70).is_empty());
        assert!(abnormally_low(&[], 70).is_empty());
        // The display mean is rounded half up to the fen: (1 + 2) fen / 2 = 1.5 → 2 fen.
        let f = abnormally_low(
            &[
                (1, Money::from_fen(1)),
                (2, Money::from_fen(2)),
                (3, Money::from_fen(10_000)),
            ],
            70,
        );
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].agency_id, 2);
        assert_eq!(f[1].others_mean, Money::from_fen(5_001)); // (1 + 10000) / 2 = 5000.5
    }

    #[test]
    fn liubiao_rule() {
        let s = Settings::default();
        assert_eq!(tally(3, 0, &s), Verdict::Selected);
        assert_eq!(tally(7, 1, &s), Verdict::Selected);
        let fail = |valid, next| Verdict::Failed {
            valid,
            required: 3,
            next,
        };
        assert_eq!(tally(2, 0, &s), fail(2, AfterFailure::Republish));
        assert_eq!(tally(2, 1, &s), fail(2, AfterFailure::OwnerMaySelect));
        assert_eq!(tally(1, 4, &s), fail(1, AfterFailure::OwnerMaySelect));
        assert_eq!(tally(0, 1, &s), fail(0, AfterFailure::Republish));
        let strict = Settings {
            min_valid: 5,
            ..Settings::default()
        };
        assert!(matches!(
            tally(4, 0, &strict),
            Verdict::Failed { required: 5, .. }
        ));
    }

    // ---------------------------------------------------------------- direct and owner choice

    #[test]
    fn direct_selection_only_without_fiscal_funds() {
        let ok = Entrant {
            agency_id: 7,
            ineligible: None,
        };
        assert_eq!(
            direct(true, &ok),
            Err(SelectionError::DirectNeedsNoFiscalFunds)
        );
        assert_eq!(
            SelectionError::DirectNeedsNoFiscalFunds.key(),
            "selection.err.direct_fiscal_funds"
        );
        let o = direct(false, &ok).unwrap();
        assert_eq!(o.winner(), Some(7));
        let bad = Entrant {
            agency_id: 7,
            ineligible: Some(RULE),
        };
        assert_eq!(
            direct(false, &bad),
            Err(SelectionError::ChosenIneligible { rule: RULE })
        );
        assert_eq!(direct(false, &bad).unwrap_err().key(), RULE);
    }

    #[test]
    fn owner_choice_after_the_second_failure() {
        let s = Settings::default();
        let r = [
            Entrant {
                agency_id: 1,
                ineligible: None,
            },
            Entrant {
                agency_id: 2,
                ineligible: Some(RULE),
            },
        ];
        assert_eq!(
            owner_choice(1, &r, 1, &s),
            Err(SelectionError::OwnerChoiceNotAllowed {
                failed_rounds: 1,
                required: 2
            })
        );
        assert_eq!(owner_choice(2, &r, 1, &s).unwrap().winner(), Some(1));
        assert_eq!(
            owner_choice(2, &r, 3, &s),
            Err(SelectionError::NotARespondent { agency_id: 3 })
        );
        assert_eq!(
            owner_choice(2, &r, 2, &s),
            Err(SelectionError::ChosenIneligible { rule: RULE })
        );
    }

    // ---------------------------------------------------------------- random draw

    #[test]
    fn random_draw_among_eligible_registrants() {
        let s = Settings::default();
        let sd = seed(1);
        let mut entrants: Vec<Entrant> = (1..=6)
            .map(|id| Entrant {
                agency_id: id,
                ineligible: None,
            })
            .collect();
        entrants[2].ineligible = Some(RULE);
        let o = random_draw(&entrants, &round(&sd, &s)).unwrap();
        assert_eq!(o.verdict, Verdict::Selected);
        assert_eq!(o.ranking.len(), 5);
        assert!(!o.ranking.contains(&3));
        assert_eq!(
            o.excluded,
            vec![Excluded {
                agency_id: 3,
                amount: None,
                reason: Exclusion::Ineligible(RULE)
            }]
        );
        let proof = o.winning_draw().unwrap();
        proof.verify_published(&sd.commitment()).unwrap();
        assert_eq!(proof.candidates, vec![1, 2, 4, 5, 6]);
        assert!(proof.commitments.is_empty());
        assert_eq!(o.winner(), Some(proof.winner));

        let two = &entrants[..2];
        let o = random_draw(two, &round(&sd, &s)).unwrap();
        assert_eq!(o.winner(), None);
        assert!(matches!(o.verdict, Verdict::Failed { valid: 2, .. }));
        let mut dup = entrants.clone();
        dup.push(entrants[0]);
        assert_eq!(
            random_draw(&dup, &round(&sd, &s)),
            Err(SelectionError::DuplicateAgency { agency_id: 1 })
        );
    }

    // ---------------------------------------------------------------- lowest price

    #[test]
    fn lowest_price_wins_and_exclusions_carry_reasons() {
        let s = Settings::default();
        let sd = seed(2);
        let mut bids = vec![
            bid(1, 500_000),
            bid(2, 420_000),
            bid(3, 470_000),
            bid(4, 0),
            bid(5, 20_000_000),
            bid(6, 300_000),
            bid(7, 100_000),
        ];
        bids[5].barred = Some(Bar::Ineligible(RULE));
        bids[6].barred = Some(Bar::AbnormallyLowNotJustified);
        let o = lowest_price(&bids, &LIMITS, &round(&sd, &s)).unwrap();
        assert_eq!(o.winner(), Some(2));
        assert_eq!(o.ranking, vec![2, 3, 1]);
        assert!(o.draws.is_empty());
        let reasons: Vec<(i64, &str)> = o
            .excluded
            .iter()
            .map(|e| (e.agency_id, e.reason.key()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (4, "selection.quote.not_positive"),
                (5, "selection.quote.above_cap"),
                (6, RULE),
                (7, "selection.exclude.abnormally_low"),
            ]
        );
    }

    #[test]
    fn lowest_price_tie_is_drawn() {
        let s = Settings::default();
        let bids = vec![
            bid(1, 400_000),
            bid(2, 400_000),
            bid(3, 400_000),
            bid(4, 300_000),
            bid(5, 300_000),
        ];
        let sd = seed(3);
        let o = lowest_price(&bids, &LIMITS, &round(&sd, &s)).unwrap();
        assert_eq!(o.draws.len(), 2);
        assert_eq!(o.draws[0].first_rank, 0);
        assert_eq!(o.draws[0].proof.candidates, vec![4, 5]);
        assert_eq!(o.draws[1].first_rank, 2);
        assert_eq!(o.draws[1].proof.candidates, vec![1, 2, 3]);
        assert_eq!(o.winner(), Some(o.draws[0].proof.winner));
        for d in &o.draws {
            d.proof.verify_published(&sd.commitment()).unwrap();
            // Every opened commitment enters the draw input.
            assert_eq!(d.proof.commitments.len(), 5);
        }
        // Some seed makes 4 win and some makes 5 win: only the draw decides.
        let winners: std::collections::BTreeSet<i64> = (0..40u8)
            .map(|n| {
                let sd = seed(n);
                lowest_price(&bids, &LIMITS, &round(&sd, &s))
                    .unwrap()
                    .winner()
                    .unwrap()
            })
            .collect();
        assert_eq!(winners.into_iter().collect::<Vec<_>>(), vec![4, 5]);
    }

    #[test]
    fn lowest_price_fails_with_too_few_valid_quotes() {
        let s = Settings::default();
        let sd = seed(4);
        let bids = vec![bid(1, 1000), bid(2, 2000), bid(3, 0)];
        let o = lowest_price(&bids, &LIMITS, &round(&sd, &s)).unwrap();
        assert_eq!(
            o.verdict,
            Verdict::Failed {
                valid: 2,
                required: 3,
                next: AfterFailure::Republish
            }
        );
        assert!(o.ranking.is_empty());
        assert_eq!(o.excluded.len(), 1);
        let second = Round {
            earlier_failures: 1,
            ..round(&sd, &s)
        };
        let o = lowest_price(&bids, &LIMITS, &second).unwrap();
        assert!(matches!(
            o.verdict,
            Verdict::Failed {
                next: AfterFailure::OwnerMaySelect,
                ..
            }
        ));
        let mut bad = bids.clone();
        bad[0].commitment = "nope".into();
        assert_eq!(
            lowest_price(&bad, &LIMITS, &round(&sd, &s)),
            Err(SelectionError::Draw(DrawError::CommitmentMalformed {
                index: 0
            }))
        );
    }

    // ---------------------------------------------------------------- reasonable price

    fn benchmark(o: &Outcome) -> &Benchmark {
        match &o.detail {
            Detail::Benchmark(b) => b,
            other => panic!("no benchmark: {other:?}"),
        }
    }

    #[test]
    fn reasonable_price_drops_extremes_and_draws_from_the_band() {
        let s = Settings::default();
        let sd = seed(5);
        // Sorted: 50, 90, 95, 100, 110, 200 (thousand yuan). Drop 50 and 200; mean of
        // 90, 95, 100, 110 = 98.75 → band ±10% = 88.875 … 108.625.
        let bids = vec![
            bid(1, 10_000_000),
            bid(2, 9_000_000),
            bid(3, 20_000_000),
            bid(4, 9_500_000),
            bid(5, 11_000_000),
            bid(6, 5_000_000),
        ];
        let limits = Limits {
            cap: Money::from_fen(20_000_000),
            gov_range: None,
        };
        let o = reasonable_price(&bids, &limits, &round(&sd, &s)).unwrap();
        let b = benchmark(&o);
        assert_eq!(b.quotes_used, 4);
        assert_eq!(b.dropped, Some((yuan(50_000), yuan(200_000))));
        assert_eq!(b.benchmark, yuan(98_750));
        assert_eq!(b.low, Decimal::new(88_875_000, 3));
        assert_eq!(b.high, Decimal::new(108_625_000, 3));
        assert_eq!(b.pool, vec![1, 2, 4]);
        assert!(!b.closest_instead);
        let mut ranked = o.ranking.clone();
        ranked.sort();
        assert_eq!(ranked, vec![1, 2, 4]);
        let outside: Vec<i64> = o
            .excluded
            .iter()
            .filter(|e| e.reason == Exclusion::OutsideBand)
            .map(|e| e.agency_id)
            .collect();
        assert_eq!(outside, vec![3, 5, 6]);
        o.winning_draw()
            .unwrap()
            .verify_published(&sd.commitment())
            .unwrap();
    }

    #[test]
    fn reasonable_price_below_five_quotes_keeps_all_and_rounds_half_up() {
        let s = Settings::default();
        let sd = seed(6);
        // Mean of 100.00, 100.01, 100.00 yuan = 10000.333… fen → 10000 fen; 1, 2 fen → 1.5 → 2.
        let bids = vec![bid(1, 10_000), bid(2, 10_001), bid(3, 10_000)];
        let o = reasonable_price(&bids, &LIMITS, &round(&sd, &s)).unwrap();
        let b = benchmark(&o);
        assert_eq!((b.quotes_used, b.dropped), (3, None));
        assert_eq!(b.benchmark, Money::from_fen(10_000));
        assert_eq!(b.pool, vec![1, 2, 3]);
        let (m, _, _) = benchmark_of(&mut [Money::from_fen(1), Money::from_fen(2)], 5);
        assert_eq!(m, Money::from_fen(2));
    }

    #[test]
    fn reasonable_price_band_is_inclusive() {
        assert!(in_band(yuan(90), yuan(100), 10));
        assert!(in_band(yuan(110), yuan(100), 10));
        assert!(!in_band(Money::from_fen(8_999), yuan(100), 10));
        assert!(!in_band(Money::from_fen(11_001), yuan(100), 10));
        assert!(in_band(yuan(100), yuan(100), 0));
    }

    #[test]
    fn reasonable_price_empty_band_takes_the_closest() {
        let s = Settings::default();
        let sd = seed(7);
        // 100, 100, 200, 200 → mean 150; nothing within 135–165; all four are 50 away.
        let bids = vec![
            bid(1, 10_000),
            bid(2, 10_000),
            bid(3, 20_000),
            bid(4, 20_000),
        ];
        let o = reasonable_price(&bids, &LIMITS, &round(&sd, &s)).unwrap();
        let b = benchmark(&o);
        assert!(b.closest_instead);
        assert_eq!(b.pool, vec![1, 2, 3, 4]);
        // 100, 100, 210 → mean 136.67 → 13667 fen; 100 is 36.67 away, 210 is 73.33 away.
        let bids = vec![bid(1, 10_000), bid(2, 10_000), bid(3, 21_000)];
        let o = reasonable_price(&bids, &LIMITS, &round(&sd, &s)).unwrap();
        let b = benchmark(&o);
        assert!(b.closest_instead);
        assert_eq!(b.pool, vec![1, 2]);
        assert_eq!(o.excluded[0].reason, Exclusion::OutsideBand);
        assert_eq!(o.ranking.len(), 2);
    }

    // ---------------------------------------------------------------- weighted scoring

    fn scored(id: i64, fen: i64, credit: i32, qual: i32) -> ScoredBid {
        ScoredBid {
            bid: bid(id, fen),
            credit_x100: credit,
            qualification_x100: qual,
        }
    }

    #[test]
    fn weights_are_checked_against_published_ranges() {
        let r = Settings::default().weight_ranges;
        let w = |price, credit, qualification| Weights {
            price,
            credit,
            qualification,
        };
        assert_eq!(w(50, 20, 30).validate(&r), Ok(()));
        assert_eq!(w(30, 40, 30).validate(&r), Ok(()));
        assert_eq!(
            w(29, 40, 31).validate(&r),
            Err(WeightsError::PriceOutOfRange { min: 30, max: 60 })
        );
        assert_eq!(
            w(61, 20, 19).validate(&r),
            Err(WeightsError::PriceOutOfRange { min: 30, max: 60 })
        );
        assert_eq!(
            w(50, 5, 45).validate(&r),
            Err(WeightsError::CreditOutOfRange { min: 10, max: 40 })
        );
        assert_eq!(
            w(50, 40, 5).validate(&r).unwrap_err().key(),
            "selection.weights.qualification_range"
        );
        assert_eq!(
            w(50, 20, 20).validate(&r),
            Err(WeightsError::SumNot100 { sum: 90 })
        );
    }

    #[test]
    fn weighted_scoring_table() {
        let s = Settings::default();
        let sd = seed(8);
        let weights = Weights {
            price: 50,
            credit: 20,
            qualification: 30,
        };
        let bids = vec![
            scored(1, 100_000, 9_000, 8_000),
            scored(2, 120_000, 9_500, 9_000),
            scored(3, 300_000, 10_000, 10_000),
            scored(4, 90_000, 6_000, 5_000),
        ];
        let o = weighted_scoring(&bids, &weights, &LIMITS, &round(&sd, &s)).unwrap();
        let Detail::Scores { rows } = &o.detail else {
            panic!("no table")
        };
        // Lowest 900 yuan. Price scores: 1 → 90.00, 2 → 75.00, 3 → 30.00, 4 → 100.00.
        // Totals: 1: 50×9000 + 20×9000 + 30×8000 = 870000 (87.00 points)
        //         2: 50×7500 + 20×9500 + 30×9000 = 835000
        //         3: 50×3000 + 20×10000 + 30×10000 = 650000
        //         4: 50×10000 + 20×6000 + 30×5000 = 770000
        let got: Vec<(i64, i64, i64)> = rows
            .iter()
            .map(|r| (r.agency_id, r.price_x100, r.total_x10000))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 9_000, 870_000),
                (2, 7_500, 835_000),
                (4, 10_000, 770_000),
                (3, 3_000, 650_000)
            ]
        );
        assert_eq!(o.ranking, vec![1, 2, 4, 3]);
        assert_eq!(price_score_x100(yuan(100), yuan(300)), 3_333);
        assert_eq!(price_score_x100(yuan(200), yuan(300)), 6_667);

        let bad = Weights {
            price: 70,
            credit: 10,
            qualification: 20,
        };
        assert_eq!(
            weighted_scoring(&bids, &bad, &LIMITS, &round(&sd, &s)),
            Err(SelectionError::Weights(WeightsError::PriceOutOfRange {
                min: 30,
                max: 60
            }))
        );
        let mut over = bids.clone();
        over[2].credit_x100 = 10_001;
        assert_eq!(
            weighted_scoring(&over, &weights, &LIMITS, &round(&sd, &s)),
            Err(SelectionError::ScoreOutOfRange { agency_id: 3 })
        );
    }

    #[test]
    fn weighted_scoring_ties_are_drawn() {
        let s = Settings::default();
        let sd = seed(9);
        let weights = Weights {
            price: 40,
            credit: 30,
            qualification: 30,
        };
        let bids = vec![
            scored(1, 100_000, 8_000, 8_000),
            scored(2, 100_000, 8_000, 8_000),
            scored(3, 100_000, 7_000, 7_000),
        ];
        let o = weighted_scoring(&bids, &weights, &LIMITS, &round(&sd, &s)).unwrap();
        assert_eq!(o.draws.len(), 1);
        assert_eq!(o.draws[0].proof.candidates, vec![1, 2]);
        assert_eq!(o.winner(), Some(o.draws[0].proof.winner));
        assert_eq!(o.ranking[2], 3);
    }

    // ---------------------------------------------------------------- keys and floats

    #[test]
    fn every_key_exists_in_both_locales() {
        let zh = crate::i18n::parse(crate::i18n::ZH_FILES).unwrap();
        let en = crate::i18n::parse(crate::i18n::EN_FILES).unwrap();
        let mut keys: Vec<&str> = Mode::ALL.iter().map(|m| m.key()).collect();
        keys.extend([
            QuoteError::NotPositive.key(),
            QuoteError::AboveCap { cap: Money::ZERO }.key(),
            QuoteError::OutsideGovRange {
                min: Money::ZERO,
                max: Money::ZERO,
            }
            .key(),
            LowFlag::KEY,
            Exclusion::AbnormallyLowNotJustified.key(),
            Exclusion::OutsideBand.key(),
            AfterFailure::Republish.key(),
            AfterFailure::OwnerMaySelect.key(),
            SelectionError::DirectNeedsNoFiscalFunds.key(),
            SelectionError::OwnerChoiceNotAllowed {
                failed_rounds: 0,
                required: 0,
            }
            .key(),
            SelectionError::NotARespondent { agency_id: 0 }.key(),
            SelectionError::DuplicateAgency { agency_id: 0 }.key(),
            SelectionError::ScoreOutOfRange { agency_id: 0 }.key(),
            WeightsError::PriceOutOfRange { min: 0, max: 0 }.key(),
            WeightsError::CreditOutOfRange { min: 0, max: 0 }.key(),
            WeightsError::QualificationOutOfRange { min: 0, max: 0 }.key(),
            WeightsError::SumNot100 { sum: 0 }.key(),
            DrawError::SeedMalformed.key(),
            DrawError::CommitmentMalformed { index: 0 }.key(),
            DrawError::DuplicateCandidate { id: 0 }.key(),
            DrawError::NoCandidates.key(),
            "selection.verify.ok",
        ]);
        use draw::VerifyError as V;
        keys.extend(
            [
                V::NotPublishedCommitment,
                V::SeedMalformed,
                V::SeedCommitmentMismatch {
                    computed: String::new(),
                },
                V::CommitmentMalformed { index: 0 },
                V::CommitmentsNotCanonical,
                V::CandidatesNotCanonical,
                V::InputMismatch {
                    computed: String::new(),
                },
                V::CounterMismatch { computed: 0 },
                V::WinnerMismatch { computed: 0 },
                V::RankingMismatch { computed: vec![] },
            ]
            .iter()
            .map(|v| v.key()),
        );
        for k in keys {
            assert!(zh.contains_key(k), "zh-CN lacks {k}");
            assert!(en.contains_key(k), "en lacks {k}");
        }
    }

    #[test]
    fn no_float_in_selection_or_draw() {
        let floats = [["f", "32"].concat(), ["f", "64"].concat()];
        for (name, src) in [
            ("selection.rs", include_str!("selection.rs")),
            ("draw.rs", include_str!("draw.rs")),
        ] {
            for f in &floats {
                assert!(!src.contains(f.as_str()), "{name} mentions {f}");
            }
        }
    }

    // ---------------------------------------------------------------- properties

    /// Up to 12 bids with ids 1..=n, amounts in few distinct values (so ties happen), some
    /// invalid (0 or above the cap), some barred.
    fn arb_bids() -> impl Strategy<Value = Vec<Bid>> {
        prop::collection::vec((0i64..14, 0u8..10), 0..12).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (amount, bar))| {
                    let id = i as i64 + 1;
                    let mut b = bid(id, amount * 100_000);
                    b.barred = match bar {
                        0 => Some(Bar::Ineligible(RULE)),
                        1 => Some(Bar::AbnormallyLowNotJustified),
                        _ => None,
                    };
                    b
                })
                .collect()
        })
    }

    /// The bids in their given order and shuffled.
    fn bids_and_shuffled() -> impl Strategy<Value = (Vec<Bid>, Vec<Bid>)> {
        arb_bids().prop_flat_map(|b| (Just(b.clone()), Just(b).prop_shuffle()))
    }

    fn scored_of(bids: &[Bid]) -> Vec<ScoredBid> {
        bids.iter()
            .map(|b| ScoredBid {
                bid: b.clone(),
                // A few distinct scores so totals tie too.
                credit_x100: ((b.agency_id % 3) * 1000) as i32 + 7000,
                qualification_x100: ((b.agency_id % 2) * 1500) as i32 + 6000,
            })
            .collect()
    }

    const W: Weights = Weights {
        price: 40,
        credit: 30,
        qualification: 30,
    };

    const PLIMITS: Limits = Limits {
        cap: Money::from_fen(1_200_000),
        gov_range: None,
    };

    fn amounts_in_rank_order(o: &Outcome, bids: &[Bid]) -> Vec<Money> {
        o.ranking
            .iter()
            .map(|id| bids.iter().find(|b| b.agency_id == *id).unwrap().amount)
            .collect()
    }

    proptest! {
        #[test]
        fn input_order_never_changes_the_outcome((bids, shuffled) in bids_and_shuffled(), n in any::<u8>(), prior in 0u32..3) {
            let s = Settings::default();
            let sd = seed(n);
            let r = Round { seed: &sd, earlier_failures: prior, settings: &s };
            prop_assert_eq!(lowest_price(&bids, &PLIMITS, &r), lowest_price(&shuffled, &PLIMITS, &r));
            prop_assert_eq!(reasonable_price(&bids, &PLIMITS, &r), reasonable_price(&shuffled, &PLIMITS, &r));
            prop_assert_eq!(
                weighted_scoring(&scored_of(&bids), &W, &PLIMITS, &r),
                weighted_scoring(&scored_of(&shuffled), &W, &PLIMITS, &r)
            );
            let entrants = |b: &[Bid]| -> Vec<Entrant> {
                b.iter().map(|b| Entrant {
                    agency_id: b.agency_id,
                    ineligible: matches!(b.barred, Some(Bar::Ineligible(_))).then_some(RULE),
                }).collect()
            };
            prop_assert_eq!(random_draw(&entrants(&bids), &r), random_draw(&entrants(&shuffled), &r));
            let quotes = |b: &[Bid]| -> Vec<(i64, Money)> {
                b.iter().filter(|b| validate_quote(b.amount, &PLIMITS).is_ok()).map(|b| (b.agency_id, b.amount)).collect()
            };
            prop_assert_eq!(abnormally_low(&quotes(&bids), 70), abnormally_low(&quotes(&shuffled), 70));
        }

        #[test]
        fn ties_are_broken_only_by_the_draw(bids in arb_bids(), a in any::<u8>(), b in any::<u8>()) {
            let s = Settings::default();
            let (sa, sb) = (seed(a), seed(b));
            let (ra, rb) = (round(&sa, &s), round(&sb, &s));

            // Same draw input: same outcome.
            prop_assert_eq!(lowest_price(&bids, &PLIMITS, &ra), lowest_price(&bids, &PLIMITS, &ra));

            // Another seed: the sequence of amounts is the same, only tied agencies swap.
            let la = lowest_price(&bids, &PLIMITS, &ra).unwrap();
            let lb = lowest_price(&bids, &PLIMITS, &rb).unwrap();
            prop_assert_eq!(&la.verdict, &lb.verdict);
            prop_assert_eq!(&la.excluded, &lb.excluded);
            prop_assert_eq!(amounts_in_rank_order(&la, &bids), amounts_in_rank_order(&lb, &bids));
            let tied_at_top = la.winning_draw().is_some();
            if !tied_at_top {
                prop_assert_eq!(la.winner(), lb.winner());
            }
            for d in &la.draws {
                prop_assert!(d.proof.verify().is_ok());
            }

            // Weighted scoring: the totals in rank order are the same.
            let sc = scored_of(&bids);
            let wa = weighted_scoring(&sc, &W, &PLIMITS, &ra).unwrap();
            let wb = weighted_scoring(&sc, &W, &PLIMITS, &rb).unwrap();
            let totals = |o: &Outcome| match &o.detail {
                Detail::Scores { rows } => rows.iter().map(|r| r.total_x10000).collect::<Vec<_>>(),
                _ => Vec::new(),
            };
            prop_assert_eq!(totals(&wa), totals(&wb));
            if wa.winning_draw().is_none() {
                prop_assert_eq!(wa.winner(), wb.winner());
            }

            // Reasonable price: the benchmark and the pool do not depend on the seed.
            let pa = reasonable_price(&bids, &PLIMITS, &ra).unwrap();
            let pb = reasonable_price(&bids, &PLIMITS, &rb).unwrap();
            prop_assert_eq!(&pa.detail, &pb.detail);
            prop_assert_eq!(&pa.excluded, &pb.excluded);
        }

        #[test]
        fn the_pool_holds_only_quotes_within_the_band(bids in arb_bids(), n in any::<u8>(), band in 0u32..40) {
            let s = Settings { band_percent: band, ..Settings::default() };
            let sd = seed(n);
            let o = reasonable_price(&bids, &PLIMITS, &round(&sd, &s)).unwrap();
            let Detail::Benchmark(b) = &o.detail else {
                prop_assert!(o.winner().is_none());
                return Ok(());
            };
            let amount = |id: i64| bids.iter().find(|x| x.agency_id == id).unwrap().amount;
            let valid: Vec<&Bid> = bids
                .iter()
                .filter(|x| x.barred.is_none() && validate_quote(x.amount, &PLIMITS).is_ok())
                .collect();
            if b.closest_instead {
                prop_assert!(valid.iter().all(|x| !in_band(x.amount, b.benchmark, band)));
                let d = |m: Money| (m.fen() - b.benchmark.fen()).abs();
                let best = valid.iter().map(|x| d(x.amount)).min().unwrap();
                prop_assert!(b.pool.iter().all(|&id| d(amount(id)) == best));
            } else {
                for &id in &b.pool {
                    prop_assert!(in_band(amount(id), b.benchmark, band));
                    let q = Decimal::new(amount(id).fen(), 2);
                    prop_assert!(b.low <= q && q <= b.high);
                }
                for x in &valid {
                    prop_assert_eq!(b.pool.contains(&x.agency_id), in_band(x.amount, b.benchmark, band));
                }
            }
            let mut ranked = o.ranking.clone();
            ranked.sort_unstable();
            prop_assert_eq!(&ranked, &b.pool);
            prop_assert_eq!(o.winner(), Some(o.winning_draw().unwrap().winner));
        }
    }

    #[test]
    fn qualification_score() {
        let req = vec![("env".to_string(), 2)];
        assert_eq!(qualification_score_x100(&[], &[]), 10_000);
        assert_eq!(qualification_score_x100(&req, &[("env".into(), 2)]), 6_000);
        assert_eq!(qualification_score_x100(&req, &[("env".into(), 1)]), 8_000);
        assert_eq!(qualification_score_x100(&req, &[]), 0);
        let req3 = vec![("a".to_string(), 3), ("b".to_string(), 3)];
        let held = vec![("a".to_string(), 1), ("b".to_string(), 1)];
        assert_eq!(
            qualification_score_x100(&req3, &held),
            10_000,
            "capped at 100"
        );
    }
}
