//! Rules of the agency library that do not need the database: what an agency may publish for
//! an item it offers (明码标价, 承诺时限), what a qualification certificate must say, when its
//! review is due, and which certificates count on a given day (the selection rules call
//! [`valid_qualifications`] and [`meets`]).

use chrono::NaiveDate;

use super::catalogue::{self, Pricing};
use super::money::Money;
use super::workdays::Calendar;

// ------------------------------------------------------------------ offered items

/// What the catalogue says about an item, as far as an offer is concerned.
#[derive(Clone, Copy, Debug)]
pub struct ItemTerms {
    pub pricing: Pricing,
    /// For 政府指导价 the range, for 政府定价 the fee (min = max); `None` for 市场调节价.
    pub price_min: Option<Money>,
    pub price_max: Option<Money>,
    /// Statutory service time limit in working days.
    pub time_limit_days: i32,
}

/// A refusal of one field of an offer; `key()` names its message (locale `agency.v.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferProblem {
    /// Committed days must be a whole number of at least 1.
    DaysInvalid,
    /// Committed days exceed the statutory limit.
    DaysOverLimit { limit: i32 },
    /// The upper end of the fee range is below the lower end.
    RangeInverted,
    /// 政府指导价: the published range must lie within the government range.
    OutsideGuided { min: Money, max: Money },
    /// 政府定价: the published fee must equal the fixed fee.
    NotFixedFee { fee: Money },
}

impl OfferProblem {
    pub fn key(&self) -> &'static str {
        match self {
            OfferProblem::DaysInvalid => "agency.v.days_invalid",
            OfferProblem::DaysOverLimit { .. } => "agency.v.days_over_limit",
            OfferProblem::RangeInverted => "agency.v.range_inverted",
            OfferProblem::OutsideGuided { .. } => "agency.v.fee_outside_guided",
            OfferProblem::NotFixedFee { .. } => "agency.v.fee_not_fixed",
        }
    }
    /// Values for the message's `{placeholders}` (amounts in yuan).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            OfferProblem::DaysOverLimit { limit } => vec![("limit", limit.to_string())],
            OfferProblem::OutsideGuided { min, max } => {
                vec![("min", min.yuan_text()), ("max", max.yuan_text())]
            }
            OfferProblem::NotFixedFee { fee } => vec![("fee", fee.yuan_text())],
            _ => Vec::new(),
        }
    }
}

/// Parses the committed time limit (working days) and checks it against the statutory limit.
pub fn committed_days(input: &str, terms: &ItemTerms) -> Result<i32, OfferProblem> {
    let days: i32 = input
        .trim()
        .parse()
        .map_err(|_| OfferProblem::DaysInvalid)?;
    if days < 1 {
        return Err(OfferProblem::DaysInvalid);
    }
    if days > terms.time_limit_days {
        return Err(OfferProblem::DaysOverLimit {
            limit: terms.time_limit_days,
        });
    }
    Ok(days)
}

/// Normalises an optional fee range: both ends empty means none; one end alone means a single
/// fee (both ends equal). The range must be ordered and respect the item's pricing regime.
pub fn fee_range(
    min: Option<Money>,
    max: Option<Money>,
    terms: &ItemTerms,
) -> Result<Option<(Money, Money)>, OfferProblem> {
    let (lo, hi) = match (min, max) {
        (None, None) => return Ok(None),
        (Some(a), None) | (None, Some(a)) => (a, a),
        (Some(a), Some(b)) => (a, b),
    };
    if hi < lo {
        return Err(OfferProblem::RangeInverted);
    }
    match (terms.pricing, terms.price_min, terms.price_max) {
        (Pricing::Guided, Some(gmin), Some(gmax)) if lo < gmin || hi > gmax => {
            Err(OfferProblem::OutsideGuided {
                min: gmin,
                max: gmax,
            })
        }
        (Pricing::Fixed, Some(fee), _) if lo != fee || hi != fee => {
            Err(OfferProblem::NotFixedFee { fee })
        }
        _ => Ok(Some((lo, hi))),
    }
}

// ------------------------------------------------------------------ certificates

/// A refusal of one field of a certificate (locale `agency.v.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertProblem {
    UnknownType,
    /// The type has levels: choose 甲/乙/丙.
    LevelRequired,
    /// The type has no levels: the level must be “not graded”.
    LevelNotGraded,
    DateInvalid,
    /// valid_to must be after valid_from.
    EndNotAfterStart,
    /// The certificate has already expired.
    Expired,
}

impl CertProblem {
    pub fn key(&self) -> &'static str {
        match self {
            CertProblem::UnknownType => "agency.v.qual_type",
            CertProblem::LevelRequired => "agency.v.level_required",
            CertProblem::LevelNotGraded => "agency.v.level_not_graded",
            CertProblem::DateInvalid => "agency.v.date_invalid",
            CertProblem::EndNotAfterStart => "agency.v.end_not_after_start",
            CertProblem::Expired => "agency.v.cert_expired",
        }
    }
}

/// Checks a qualification type code.
pub fn qual_type(code: &str) -> Result<&'static str, CertProblem> {
    catalogue::qual_type(code.trim())
        .map(|(c, _, _)| c)
        .ok_or(CertProblem::UnknownType)
}

/// The level of a certificate of `qual_type`: 0 when the type has no levels, else 1–3.
pub fn cert_level(qual_type: &str, input: &str) -> Result<i32, CertProblem> {
    let (_, _, graded) = catalogue::qual_type(qual_type).ok_or(CertProblem::UnknownType)?;
    let input = input.trim();
    if graded {
        input
            .parse::<i32>()
            .ok()
            .filter(|l| catalogue::LEVELS.contains(l))
            .ok_or(CertProblem::LevelRequired)
    } else if input.is_empty() || input == "0" {
        Ok(0)
    } else {
        Err(CertProblem::LevelNotGraded)
    }
}

/// A date as the form sends it (YYYY-MM-DD).
pub fn date(input: &str) -> Result<NaiveDate, CertProblem> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| CertProblem::DateInvalid)
}

/// The validity period: the end after the start, and not already over on `today` (a
/// certificate that expired cannot count, so there is nothing to review).
pub fn validity(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<(), CertProblem> {
    if to <= from {
        return Err(CertProblem::EndNotAfterStart);
    }
    if to <= today {
        return Err(CertProblem::Expired);
    }
    Ok(())
}

/// The day a review falls due: `working_days` (setting) working days after submission.
pub fn review_due(submitted: NaiveDate, working_days: u32, cal: &Calendar) -> NaiveDate {
    cal.add_working_days(submitted, working_days)
}

/// The review is overdue once its due day has passed without a decision.
pub fn review_overdue(due: NaiveDate, today: NaiveDate) -> bool {
    today > due
}

/// The department (code) whose regulators review certificates of a qualification type.
pub fn reviewing_department(qual_type: &str) -> Option<&'static str> {
    catalogue::qual_type(qual_type).map(|(_, d, _)| d)
}

/// The qualification types a department (code) reviews.
pub fn types_reviewed_by(department_code: &str) -> Vec<&'static str> {
    catalogue::QUAL_TYPES
        .iter()
        .filter(|(_, d, _)| *d == department_code)
        .map(|(c, _, _)| *c)
        .collect()
}

// ------------------------------------------------------------------ counting

/// What counting needs to know about one certificate.
#[derive(Clone, Copy, Debug)]
pub struct CertFacts<'a> {
    pub qual_type: &'a str,
    pub level: i32,
    pub approved: bool,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// A certificate counts while approved, from its first day up to (not including) its expiry
/// day: expired certificates stop counting on the expiry day.
pub fn counts_on(c: &CertFacts<'_>, day: NaiveDate) -> bool {
    c.approved && c.valid_from <= day && day < c.valid_to
}

/// The qualifications an agency holds on `day`: one (type, best level) per type, by type.
/// The best level is the highest grade (甲 = 1 beats 乙 = 2); 0 for ungraded types.
pub fn valid_qualifications(certs: &[CertFacts<'_>], day: NaiveDate) -> Vec<(String, i32)> {
    let mut out: Vec<(String, i32)> = Vec::new();
    for c in certs.iter().filter(|c| counts_on(c, day)) {
        match out.iter_mut().find(|(t, _)| t == c.qual_type) {
            Some((_, l)) => {
                if c.level != 0 && (*l == 0 || c.level < *l) {
                    *l = c.level;
                }
            }
            None => out.push((c.qual_type.to_string(), c.level)),
        }
    }
    out.sort();
    out
}

/// Whether the certificates meet every required (type, minimum level) on `day`; on failure
/// the requirements not met, in the order given (so a message can name each).
pub fn meets(
    required: &[(String, i32)],
    certs: &[CertFacts<'_>],
    day: NaiveDate,
) -> Result<(), Vec<(String, i32)>> {
    let held = valid_qualifications(certs, day);
    let missing: Vec<(String, i32)> = required
        .iter()
        .filter(|(t, min)| {
            !held
                .iter()
                .any(|(ht, hl)| ht == t && catalogue::level_meets(*hl, *min))
        })
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn yuan(s: &str) -> Money {
        Money::parse_yuan(s).unwrap()
    }
    fn guided() -> ItemTerms {
        ItemTerms {
            pricing: Pricing::Guided,
            price_min: Some(yuan("10000")),
            price_max: Some(yuan("50000")),
            time_limit_days: 20,
        }
    }

    #[test]
    fn committed_days_within_statutory_limit() {
        let t = guided();
        assert_eq!(committed_days("15", &t), Ok(15));
        assert_eq!(committed_days(" 20 ", &t), Ok(20));
        assert_eq!(
            committed_days("21", &t),
            Err(OfferProblem::DaysOverLimit { limit: 20 })
        );
        assert_eq!(committed_days("0", &t), Err(OfferProblem::DaysInvalid));
        assert_eq!(committed_days("十", &t), Err(OfferProblem::DaysInvalid));
        assert_eq!(committed_days("", &t), Err(OfferProblem::DaysInvalid));
    }

    #[test]
    fn guided_range_must_lie_inside() {
        let t = guided();
        assert_eq!(fee_range(None, None, &t), Ok(None));
        assert_eq!(
            fee_range(Some(yuan("10000")), Some(yuan("50000")), &t),
            Ok(Some((yuan("10000"), yuan("50000"))))
        );
        assert_eq!(
            fee_range(Some(yuan("9999.99")), Some(yuan("20000")), &t),
            Err(OfferProblem::OutsideGuided {
                min: yuan("10000"),
                max: yuan("50000")
            })
        );
        assert!(fee_range(Some(yuan("20000")), Some(yuan("60000")), &t).is_err());
        assert_eq!(
            fee_range(Some(yuan("30000")), Some(yuan("20000")), &t),
            Err(OfferProblem::RangeInverted)
        );
        // One end alone is a single fee.
        assert_eq!(
            fee_range(None, Some(yuan("30000")), &t),
            Ok(Some((yuan("30000"), yuan("30000"))))
        );
    }

    #[test]
    fn fixed_fee_must_be_equal_and_market_is_free() {
        let fixed = ItemTerms {
            pricing: Pricing::Fixed,
            price_min: Some(yuan("8000")),
            price_max: Some(yuan("8000")),
            time_limit_days: 10,
        };
        assert!(fee_range(Some(yuan("8000")), None, &fixed).is_ok());
        assert_eq!(
            fee_range(Some(yuan("7000")), Some(yuan("8000")), &fixed),
            Err(OfferProblem::NotFixedFee { fee: yuan("8000") })
        );
        let market = ItemTerms {
            pricing: Pricing::Market,
            price_min: None,
            price_max: None,
            time_limit_days: 10,
        };
        assert!(fee_range(Some(yuan("1")), Some(yuan("99999999")), &market).is_ok());
    }

    #[test]
    fn certificate_fields() {
        assert_eq!(qual_type("geo_hazard"), Ok("geo_hazard"));
        assert_eq!(qual_type("astrology"), Err(CertProblem::UnknownType));
        assert_eq!(cert_level("geo_hazard", "1"), Ok(1));
        assert_eq!(
            cert_level("geo_hazard", "0"),
            Err(CertProblem::LevelRequired)
        );
        assert_eq!(
            cert_level("geo_hazard", "4"),
            Err(CertProblem::LevelRequired)
        );
        assert_eq!(cert_level("cost_consulting", ""), Ok(0));
        assert_eq!(
            cert_level("cost_consulting", "2"),
            Err(CertProblem::LevelNotGraded)
        );
        let today = d(2026, 3, 1);
        assert_eq!(
            validity(d(2026, 1, 1), d(2025, 12, 31), today),
            Err(CertProblem::EndNotAfterStart)
        );
        assert_eq!(
            validity(d(2026, 1, 1), d(2026, 1, 1), today),
            Err(CertProblem::EndNotAfterStart)
        );
        assert_eq!(
            validity(d(2020, 1, 1), d(2026, 3, 1), today),
            Err(CertProblem::Expired)
        );
        assert_eq!(validity(d(2024, 1, 1), d(2029, 1, 1), today), Ok(()));
        assert_eq!(date("2026-02-30"), Err(CertProblem::DateInvalid));
    }

    #[test]
    fn review_is_due_after_working_days() {
        let cal = Calendar::default();
        // Friday 2026-03-06 + 2 working days = Tuesday 2026-03-10.
        assert_eq!(review_due(d(2026, 3, 6), 2, &cal), d(2026, 3, 10));
        assert!(!review_overdue(d(2026, 3, 10), d(2026, 3, 10)));
        assert!(review_overdue(d(2026, 3, 10), d(2026, 3, 11)));
    }

    #[test]
    fn departments_review_their_own_types() {
        assert_eq!(reviewing_department("geo_hazard"), Some("zrzyj"));
        assert!(types_reviewed_by("zjj").contains(&"cost_consulting"));
        assert!(!types_reviewed_by("zjj").contains(&"geo_hazard"));
        assert!(types_reviewed_by("sthjj").is_empty());
    }

    fn cert(t: &str, level: i32, approved: bool, from: NaiveDate, to: NaiveDate) -> CertFacts<'_> {
        CertFacts {
            qual_type: t,
            level,
            approved,
            valid_from: from,
            valid_to: to,
        }
    }

    #[test]
    fn expired_certificate_stops_counting_on_expiry_day() {
        let c = cert("geo_hazard", 1, true, d(2021, 1, 1), d(2026, 3, 10));
        let req = vec![("geo_hazard".to_string(), 2)];
        assert!(counts_on(&c, d(2026, 3, 9)));
        assert!(meets(&req, &[c], d(2026, 3, 9)).is_ok());
        assert!(!counts_on(&c, d(2026, 3, 10)), "expiry day itself");
        assert_eq!(meets(&req, &[c], d(2026, 3, 10)), Err(req.clone()));
        assert!(valid_qualifications(&[c], d(2026, 3, 11)).is_empty());
        // Not yet valid, or not approved: does not count either.
        assert!(!counts_on(&c, d(2020, 12, 31)));
        let pending = cert("geo_hazard", 1, false, d(2021, 1, 1), d(2030, 1, 1));
        assert!(meets(&req, &[pending], d(2026, 3, 9)).is_err());
    }

    #[test]
    fn best_level_per_type_and_requirements() {
        let (from, to) = (d(2024, 1, 1), d(2029, 1, 1));
        let certs = [
            cert("geo_hazard", 3, true, from, to),
            cert("geo_hazard", 2, true, from, to),
            cert("cost_consulting", 0, true, from, to),
            cert("surveying_mapping", 1, false, from, to),
        ];
        let day = d(2026, 1, 1);
        assert_eq!(
            valid_qualifications(&certs, day),
            vec![
                ("cost_consulting".to_string(), 0),
                ("geo_hazard".to_string(), 2)
            ]
        );
        let ok = vec![
            ("geo_hazard".to_string(), 2),
            ("cost_consulting".to_string(), 0),
        ];
        assert!(meets(&ok, &certs, day).is_ok());
        let too_high = vec![
            ("geo_hazard".to_string(), 1),
            ("surveying_mapping".to_string(), 3),
        ];
        assert_eq!(meets(&too_high, &certs, day), Err(too_high.clone()));
        assert!(meets(&[], &[], day).is_ok(), "no requirement: anyone");
    }
}
