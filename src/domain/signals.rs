//! Price and conduct signals for regulators (附件4 (六) 明码标价, and the owners' side of
//! fulfilment): flagged for a person to look at, never acted on automatically.
//!
//! - [`fee_signals`]: an opened quote, above all a winning one, outside the fee range the
//!   agency itself published for the item (`agency_items.fee_min_fen / fee_max_fen`);
//! - [`over_median`]: a winning price at least `pct` % of the median winning price of the
//!   same item, where the item has at least `min_awards` awards to compare;
//! - [`owner_conduct`]: an owner whose contracts lapsed unsigned through its own fault, or
//!   were paid late (or not at all after the due day), at least `repeat` times.
//!
//! Each takes the rows of one query (`supervision::store::signals`) and is pure.

use chrono::NaiveDate;

use super::fulfilment;
use super::workdays::Calendar;

/// Defaults of the settings (`accounts::store::settings::KNOWN`).
pub const DEFAULT_OVER_MEDIAN_PCT: i64 = 150;
pub const DEFAULT_MIN_AWARDS: i64 = 3;
pub const DEFAULT_OWNER_REPEAT: i64 = 2;

/// Which side of its range a quote lies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Below,
    Above,
}

impl Side {
    pub fn key(self) -> &'static str {
        match self {
            Side::Below => "signals.side.below",
            Side::Above => "signals.side.above",
        }
    }
}

/// Where `amount` lies against a published range; a missing bound does not limit, so an
/// agency that published no range is never outside it.
pub fn outside_range(amount: i64, min: Option<i64>, max: Option<i64>) -> Option<Side> {
    if min.is_some_and(|m| amount < m) {
        Some(Side::Below)
    } else if max.is_some_and(|m| amount > m) {
        Some(Side::Above)
    } else {
        None
    }
}

/// An opened quote with the range its agency published for the announcement's item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteFact {
    pub announcement_id: i64,
    pub agency_id: i64,
    pub amount_fen: i64,
    pub fee_min_fen: Option<i64>,
    pub fee_max_fen: Option<i64>,
    /// The quote won the selection.
    pub won: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeSignal {
    pub quote: QuoteFact,
    pub side: Side,
}

/// The quotes outside their agency's range: winning quotes first, then the newest
/// announcement first.
pub fn fee_signals(rows: &[QuoteFact]) -> Vec<FeeSignal> {
    let mut out: Vec<FeeSignal> = rows
        .iter()
        .filter_map(|q| {
            outside_range(q.amount_fen, q.fee_min_fen, q.fee_max_fen).map(|side| FeeSignal {
                quote: q.clone(),
                side,
            })
        })
        .collect();
    out.sort_by_key(|s| {
        (
            !s.quote.won,
            std::cmp::Reverse(s.quote.announcement_id),
            s.quote.agency_id,
        )
    });
    out
}

/// The median of whole amounts (the mean of the two middle ones for an even count, rounded
/// down); `None` for none.
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        Some(v[n / 2])
    } else {
        let sum = i128::from(v[n / 2 - 1]) + i128::from(v[n / 2]);
        i64::try_from(sum.div_euclid(2)).ok()
    }
}

/// An award (a confirmed winner) with its price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Award {
    pub announcement_id: i64,
    pub item_id: i64,
    pub agency_id: i64,
    pub amount_fen: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverMedian {
    pub award: Award,
    pub median_fen: i64,
    /// Awards of the item the median is taken over (this one included).
    pub comparable: usize,
    /// The price as a percentage of the median, rounded down.
    pub pct_of_median: i64,
}

/// Awards at `pct` % of their item's median winning price or more, for items with at least
/// `min_awards` priced awards; highest share first.
pub fn over_median(awards: &[Award], pct: i64, min_awards: usize) -> Vec<OverMedian> {
    let mut by_item: std::collections::BTreeMap<i64, Vec<&Award>> = Default::default();
    for a in awards.iter().filter(|a| a.amount_fen > 0) {
        by_item.entry(a.item_id).or_default().push(a);
    }
    let mut out = Vec::new();
    for list in by_item.values() {
        if list.len() < min_awards.max(2) {
            continue;
        }
        let amounts: Vec<i64> = list.iter().map(|a| a.amount_fen).collect();
        let Some(m) = median(&amounts).filter(|m| *m > 0) else {
            continue;
        };
        for a in list {
            let share = i128::from(a.amount_fen) * 100 / i128::from(m);
            if share >= i128::from(pct) {
                out.push(OverMedian {
                    award: (*a).clone(),
                    median_fen: m,
                    comparable: list.len(),
                    pct_of_median: i64::try_from(share).unwrap_or(i64::MAX),
                });
            }
        }
    }
    out.sort_by_key(|o| {
        (
            std::cmp::Reverse(o.pct_of_median),
            std::cmp::Reverse(o.award.announcement_id),
        )
    });
    out
}

/// A contract as the owner-conduct rule reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractFact {
    pub contract_id: i64,
    pub owner_id: i64,
    /// Lapsed unsigned with no owner signature of its last revision: the owner let it lapse
    /// (`contract_text::lapse_blame` — an owner that signed is never blamed, and one that
    /// never submitted the text always is).
    pub lapsed_by_owner: bool,
    /// The day the owner accepted the deliverables, if it did.
    pub accepted_on: Option<NaiveDate>,
    /// The payments recorded, any order.
    pub paid_on: Vec<NaiveDate>,
}

/// What counts against an owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lapse {
    /// Lapsed unsigned by the owner's fault.
    Unsigned,
    /// A payment made after the due day.
    PaidLate { due: NaiveDate, paid_on: NaiveDate },
    /// Nothing paid and the due day passed.
    Unpaid { due: NaiveDate },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerSignal {
    pub owner_id: i64,
    /// (contract id, what happened), oldest contract first.
    pub events: Vec<(i64, Lapse)>,
}

/// Owners with at least `repeat` lapses or late payments, most first. The due day of a
/// payment is `payment_days` working days after acceptance (`fulfilment::payment_due`).
pub fn owner_conduct(
    rows: &[ContractFact],
    cal: &Calendar,
    payment_days: i64,
    today: NaiveDate,
    repeat: usize,
) -> Vec<OwnerSignal> {
    let mut by_owner: std::collections::BTreeMap<i64, Vec<(i64, Lapse)>> = Default::default();
    for k in rows {
        let mut event = None;
        if k.lapsed_by_owner {
            event = Some(Lapse::Unsigned);
        } else if let Some(acc) = k.accepted_on {
            let due = fulfilment::payment_due(cal, acc, payment_days);
            let late = k
                .paid_on
                .iter()
                .copied()
                .filter(|d| fulfilment::payment_late(*d, due))
                .min();
            if let Some(paid_on) = late {
                event = Some(Lapse::PaidLate { due, paid_on });
            } else if fulfilment::payment_overdue(!k.paid_on.is_empty(), due, today) {
                event = Some(Lapse::Unpaid { due });
            }
        }
        if let Some(e) = event {
            by_owner
                .entry(k.owner_id)
                .or_default()
                .push((k.contract_id, e));
        }
    }
    let mut out: Vec<OwnerSignal> = by_owner
        .into_iter()
        .filter(|(_, ev)| ev.len() >= repeat.max(1))
        .map(|(owner_id, mut events)| {
            events.sort_by_key(|(id, _)| *id);
            OwnerSignal { owner_id, events }
        })
        .collect();
    out.sort_by_key(|s| (std::cmp::Reverse(s.events.len()), s.owner_id));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_range_limits_only_on_the_sides_it_has() {
        assert_eq!(
            outside_range(999, Some(1000), Some(5000)),
            Some(Side::Below)
        );
        assert_eq!(outside_range(1000, Some(1000), Some(5000)), None);
        assert_eq!(outside_range(5000, Some(1000), Some(5000)), None);
        assert_eq!(
            outside_range(5001, Some(1000), Some(5000)),
            Some(Side::Above)
        );
        assert_eq!(outside_range(1, None, Some(5000)), None);
        assert_eq!(outside_range(9_999_999, Some(10), None), None);
        assert_eq!(outside_range(9_999_999, None, None), None);
    }

    #[test]
    fn winning_quotes_outside_their_range_come_first() {
        let q = |ann, agency, amount, won| QuoteFact {
            announcement_id: ann,
            agency_id: agency,
            amount_fen: amount,
            fee_min_fen: Some(10_000),
            fee_max_fen: Some(20_000),
            won,
        };
        let rows = vec![
            q(1, 7, 25_000, false),
            q(2, 8, 15_000, true),
            q(1, 9, 9_000, true),
            q(3, 7, 5_000, false),
        ];
        let s = fee_signals(&rows);
        let got: Vec<(i64, i64, Side, bool)> = s
            .iter()
            .map(|x| {
                (
                    x.quote.announcement_id,
                    x.quote.agency_id,
                    x.side,
                    x.quote.won,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 9, Side::Below, true),
                (3, 7, Side::Below, false),
                (1, 7, Side::Above, false),
            ]
        );
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[9, 1, 5]), Some(5));
        assert_eq!(median(&[1, 2, 3, 4]), Some(2));
        assert_eq!(median(&[4, 1, 3, 10]), Some(3));
        assert_eq!(median(&[i64::MAX, i64::MAX]), Some(i64::MAX));
    }

    fn award(ann: i64, item: i64, agency: i64, amount: i64) -> Award {
        Award {
            announcement_id: ann,
            item_id: item,
            agency_id: agency,
            amount_fen: amount,
        }
    }

    #[test]
    fn far_above_the_median_with_enough_awards_to_compare() {
        let awards = vec![
            award(1, 100, 1, 100_000),
            award(2, 100, 2, 110_000),
            award(3, 100, 3, 90_000),
            award(4, 100, 4, 165_000), // median 105,000: 157 %
            award(5, 100, 5, 157_500), // exactly 150 %
            // Another item with too few awards to compare.
            award(6, 200, 6, 10_000),
            award(7, 200, 7, 90_000),
        ];
        let s = over_median(&awards, 150, 3);
        let got: Vec<(i64, i64, i64, usize)> = s
            .iter()
            .map(|o| {
                (
                    o.award.announcement_id,
                    o.median_fen,
                    o.pct_of_median,
                    o.comparable,
                )
            })
            .collect();
        assert_eq!(got, vec![(4, 110_000, 150, 5)]);
        // The median of 5 is 110,000: only 165,000 reaches 150 %.
        assert_eq!(over_median(&awards, 140, 3).len(), 2);
        // Two awards are enough when the setting says so.
        let two = over_median(&awards, 150, 2);
        assert!(two.iter().any(|o| o.award.announcement_id == 7));
        // Unpriced awards (a draw with no quotes) never count.
        assert!(over_median(&[award(1, 1, 1, 0), award(2, 1, 1, 0)], 150, 2).is_empty());
    }

    #[test]
    fn an_owner_that_lapses_or_pays_late_repeatedly() {
        let cal = Calendar::default();
        let today = d("2026-06-30");
        let k = |id, owner, lapsed, accepted: Option<&str>, paid: &[&str]| ContractFact {
            contract_id: id,
            owner_id: owner,
            lapsed_by_owner: lapsed,
            accepted_on: accepted.map(d),
            paid_on: paid.iter().map(|p| d(p)).collect(),
        };
        let rows = vec![
            // Owner 1: a lapse and a late payment (due 10 working days after 2026-06-01,
            // a Monday: 2026-06-15).
            k(1, 1, true, None, &[]),
            k(2, 1, false, Some("2026-06-01"), &["2026-06-16"]),
            k(3, 1, false, Some("2026-06-01"), &["2026-06-15"]),
            // Owner 2: one unpaid, one paid on time: below the threshold.
            k(4, 2, false, Some("2026-06-01"), &[]),
            k(5, 2, false, Some("2026-06-01"), &["2026-06-02"]),
            // Owner 3: not yet due, not accepted.
            k(6, 3, false, Some("2026-06-29"), &[]),
            k(7, 3, false, None, &[]),
        ];
        let s = owner_conduct(&rows, &cal, 10, today, 2);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].owner_id, 1);
        assert_eq!(
            s[0].events,
            vec![
                (1, Lapse::Unsigned),
                (
                    2,
                    Lapse::PaidLate {
                        due: d("2026-06-15"),
                        paid_on: d("2026-06-16")
                    }
                ),
            ]
        );
        let s = owner_conduct(&rows, &cal, 10, today, 1);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[1].events,
            vec![(
                4,
                Lapse::Unpaid {
                    due: d("2026-06-15")
                }
            )]
        );
    }
}
