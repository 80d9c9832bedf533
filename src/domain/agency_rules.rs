//! Rules of the agency library that do not need the database: what an agency may publish for
//! an item it offers (明码标价, 承诺时限), what a qualification certificate must say, when its
//! review is due, and which certificates count on a given day (the selection rules call
//! [`valid_qualifications`] and [`meets`]). The forms of the agency's profile (basics, senior
//! managers, practitioners, items offered, certificates) are parsed here too, each by one
//! function that reports every refused field: the handlers call them, and so does the test
//! that re-checks the demo data.

use chrono::NaiveDate;

use super::catalogue::{self, Pricing};
use super::idcard::IdNumber;
use super::money::Money;
use super::validate::{self, Problem};
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

// ------------------------------------------------------------------ the profile forms

pub const ADDRESS_MAX: usize = 200;
pub const INTRO_MAX: usize = 2000;
pub const POSITION_MAX: usize = 50;
pub const PRACTITIONER_FIELD_MAX: usize = 50;
pub const FEE_STANDARD_MAX: usize = 500;
pub const CERT_NUMBER_MAX: usize = 50;
pub const CERT_ISSUER_MAX: usize = 100;

/// The basics form as typed.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    pub legal_rep: String,
    pub address: String,
    pub region: String,
    pub contact_phone: String,
    /// Ticked (any value) when the agency is affiliated with a department.
    pub affiliated: String,
    pub affiliated_department_id: String,
    pub intro: String,
}

/// The basics of a profile as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub legal_rep: String,
    pub address: String,
    pub region: String,
    pub contact_phone: String,
    pub affiliated: bool,
    pub affiliated_department_id: Option<i64>,
    pub intro: String,
}

/// The region must be one of the vocabulary and agree with the agency's credit code: the
/// code names the authority the agency is registered with, so a Beijing firm carries a
/// Beijing code (`catalogue::region_fits_division`).
pub fn region(region: &str, uscc: &str) -> Result<String, Problem> {
    let region = region.trim();
    if !catalogue::is_region(region) {
        return Err(Problem::new("region", "agency.v.region"));
    }
    // A credit code that does not parse was refused at registration; nothing to compare.
    if let Ok(code) = super::uscc::Uscc::parse(uscc)
        && !catalogue::region_fits_division(region, code.division())
    {
        return Err(Problem::new("region", "agency.v.region_uscc")
            .with("division", code.division().to_string()));
    }
    Ok(region.to_string())
}

/// Checks the basics form of an agency whose credit code is `uscc`; `departments` are the
/// ids that exist.
pub fn parse_profile(
    i: &ProfileInput,
    uscc: &str,
    departments: &[i64],
) -> Result<Profile, Vec<Problem>> {
    let mut p = Vec::new();
    let legal_rep = validate::field(&mut p, "legal_rep", validate::person_name(&i.legal_rep));
    let address = validate::field(
        &mut p,
        "address",
        validate::text(&i.address, ADDRESS_MAX, true),
    );
    let region = region(&i.region, uscc).map_err(|e| p.push(e)).ok();
    let contact_phone = validate::field(
        &mut p,
        "contact_phone",
        validate::phone_cn(&i.contact_phone),
    );
    let intro = validate::field(&mut p, "intro", validate::text(&i.intro, INTRO_MAX, false));
    let affiliated = !i.affiliated.is_empty();
    let department = if affiliated {
        let d = i
            .affiliated_department_id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| departments.contains(d));
        if d.is_none() {
            p.push(Problem::new(
                "affiliated_department_id",
                "agency.v.department_required",
            ));
        }
        d
    } else {
        None
    };
    match (legal_rep, address, region, contact_phone, intro) {
        (Some(legal_rep), Some(address), Some(region), Some(contact_phone), Some(intro))
            if p.is_empty() =>
        {
            Ok(Profile {
                legal_rep,
                address,
                region,
                contact_phone,
                affiliated,
                affiliated_department_id: department,
                intro,
            })
        }
        _ => Err(p),
    }
}

/// The senior-manager form as typed.
#[derive(Clone, Debug, Default)]
pub struct ManagerInput {
    pub name: String,
    pub id_number: String,
    pub position: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manager {
    pub name: String,
    pub id_number: IdNumber,
    pub position: String,
}

/// Checks a senior manager (the ID number's birth date is judged on `today`).
pub fn parse_manager(i: &ManagerInput, today: NaiveDate) -> Result<Manager, Vec<Problem>> {
    let mut p = Vec::new();
    let name = validate::field(&mut p, "name", validate::person_name(&i.name));
    let id_number = IdNumber::parse_on(&i.id_number, today)
        .map_err(|e| p.push(Problem::new("id_number", e.key())))
        .ok();
    let position = validate::field(
        &mut p,
        "position",
        validate::text(&i.position, POSITION_MAX, false),
    );
    match (name, id_number, position) {
        (Some(name), Some(id_number), Some(position)) => Ok(Manager {
            name,
            id_number,
            position,
        }),
        _ => Err(p),
    }
}

/// The practitioner form as typed.
#[derive(Clone, Debug, Default)]
pub struct PractitionerInput {
    pub name: String,
    pub cert_type: String,
    pub cert_number: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Practitioner {
    pub name: String,
    pub cert_type: String,
    pub cert_number: String,
}

pub fn parse_practitioner(i: &PractitionerInput) -> Result<Practitioner, Vec<Problem>> {
    let mut p = Vec::new();
    let name = validate::field(&mut p, "name", validate::person_name(&i.name));
    let cert_type = validate::field(
        &mut p,
        "cert_type",
        validate::text(&i.cert_type, PRACTITIONER_FIELD_MAX, true),
    );
    let cert_number = validate::field(
        &mut p,
        "cert_number",
        validate::text(&i.cert_number, PRACTITIONER_FIELD_MAX, true),
    );
    match (name, cert_type, cert_number) {
        (Some(name), Some(cert_type), Some(cert_number)) => Ok(Practitioner {
            name,
            cert_type,
            cert_number,
        }),
        _ => Err(p),
    }
}

/// The fee and time commitment of an offered item as typed (amounts in yuan; both fee ends
/// may be empty).
#[derive(Clone, Debug, Default)]
pub struct OfferInput {
    pub fee_standard: String,
    pub fee_min: String,
    pub fee_max: String,
    pub committed_days: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub fee_standard: String,
    /// Both ends, or none.
    pub fee_range: Option<(Money, Money)>,
    pub committed_days: i32,
}

/// Checks an offer against the item's terms.
pub fn parse_offer(i: &OfferInput, terms: &ItemTerms) -> Result<Offer, Vec<Problem>> {
    let mut p = Vec::new();
    let fee_standard = validate::field(
        &mut p,
        "fee_standard",
        validate::text(&i.fee_standard, FEE_STANDARD_MAX, true),
    );
    let mut money = |field: &'static str, s: &str| -> Result<Option<Money>, ()> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        Money::parse_yuan(s)
            .map(Some)
            .map_err(|e| p.push(Problem::new(field, e.key())))
    };
    let min = money("fee_min", &i.fee_min);
    let max = money("fee_max", &i.fee_max);
    let range = match (min, max) {
        (Ok(a), Ok(b)) => fee_range(a, b, terms)
            .map_err(|e| {
                let field = if matches!(e, OfferProblem::RangeInverted) {
                    "fee_max"
                } else {
                    "fee_min"
                };
                p.push(Problem {
                    field,
                    key: e.key(),
                    args: e.args(),
                });
            })
            .ok(),
        _ => None,
    };
    let days = committed_days(&i.committed_days, terms)
        .map_err(|e| {
            p.push(Problem {
                field: "committed_days",
                key: e.key(),
                args: e.args(),
            })
        })
        .ok();
    match (fee_standard, range, days) {
        (Some(fee_standard), Some(fee_range), Some(committed_days)) if p.is_empty() => Ok(Offer {
            fee_standard,
            fee_range,
            committed_days,
        }),
        _ => Err(p),
    }
}

/// The certificate form as typed (the scan is checked where it is received).
#[derive(Clone, Debug, Default)]
pub struct CertificateInput {
    pub qual_type: String,
    pub level: String,
    pub number: String,
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_to: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub qual_type: &'static str,
    pub level: i32,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// Checks a certificate submitted on `today`.
pub fn parse_certificate(
    i: &CertificateInput,
    today: NaiveDate,
) -> Result<Certificate, Vec<Problem>> {
    let mut p = Vec::new();
    let qual = qual_type(&i.qual_type)
        .map_err(|e| p.push(Problem::new("qual_type", e.key())))
        .ok();
    let level = qual.and_then(|q| {
        cert_level(q, &i.level)
            .map_err(|e| p.push(Problem::new("level", e.key())))
            .ok()
    });
    let number = validate::field(
        &mut p,
        "number",
        validate::text(&i.number, CERT_NUMBER_MAX, true),
    );
    let issuer = validate::field(
        &mut p,
        "issuer",
        validate::text(&i.issuer, CERT_ISSUER_MAX, true),
    );
    let mut day = |field: &'static str, s: &str| {
        if s.trim().is_empty() {
            p.push(Problem::new(field, "v.required"));
            return None;
        }
        date(s)
            .map_err(|e| p.push(Problem::new(field, e.key())))
            .ok()
    };
    let from = day("valid_from", &i.valid_from);
    let to = day("valid_to", &i.valid_to);
    if let (Some(a), Some(b)) = (from, to)
        && let Err(e) = validity(a, b, today)
    {
        p.push(Problem::new("valid_to", e.key()));
    }
    match (qual, level, number, issuer, from, to) {
        (
            Some(qual_type),
            Some(level),
            Some(number),
            Some(issuer),
            Some(valid_from),
            Some(valid_to),
        ) if p.is_empty() => Ok(Certificate {
            qual_type,
            level,
            number,
            issuer,
            valid_from,
            valid_to,
        }),
        _ => Err(p),
    }
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
    fn profile_form_reports_every_field_and_checks_the_region_against_the_code() {
        let beijing = crate::domain::uscc::generate_in("91", "110108", 1);
        let ok = ProfileInput {
            legal_rep: " 冯志远 ".into(),
            address: "北京市海淀区莲花池西路 28 号".into(),
            region: "beijing".into(),
            contact_phone: "010-62345678".into(),
            intro: String::new(),
            ..ProfileInput::default()
        };
        let p = parse_profile(&ok, beijing.as_str(), &[1]).unwrap();
        assert_eq!(
            (p.legal_rep.as_str(), p.region.as_str()),
            ("冯志远", "beijing")
        );
        let sichuan = crate::domain::uscc::generate_in("91", "510402", 1);
        let e = parse_profile(&ok, sichuan.as_str(), &[1]).unwrap_err();
        assert_eq!(
            e,
            vec![Problem::new("region", "agency.v.region_uscc").with("division", "510402")]
        );
        let bad = ProfileInput {
            legal_rep: String::new(),
            region: "east".into(),
            contact_phone: "0812-12345".into(),
            affiliated: "on".into(),
            affiliated_department_id: "9".into(),
            ..ok
        };
        let fields: Vec<_> = parse_profile(&bad, beijing.as_str(), &[1])
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "legal_rep",
                "region",
                "contact_phone",
                "affiliated_department_id"
            ]
        );
    }

    #[test]
    fn manager_practitioner_offer_and_certificate_forms() {
        let today = d(2026, 3, 1);
        let m = ManagerInput {
            name: "刘晓梅".into(),
            id_number: crate::domain::idcard::generate(3).into_inner(),
            position: "技术负责人".into(),
        };
        assert!(parse_manager(&m, today).is_ok());
        let bad = ManagerInput {
            id_number: "110105194912310021".into(),
            ..m
        };
        assert_eq!(
            parse_manager(&bad, today).unwrap_err()[0].field,
            "id_number"
        );
        assert_eq!(
            parse_practitioner(&PractitionerInput::default())
                .unwrap_err()
                .iter()
                .map(|p| p.field)
                .collect::<Vec<_>>(),
            vec!["name", "cert_type", "cert_number"]
        );
        let o = OfferInput {
            fee_standard: "按工作量计费".into(),
            fee_min: "30000".into(),
            fee_max: "20000".into(),
            committed_days: "21".into(),
        };
        assert_eq!(
            parse_offer(&o, &guided())
                .unwrap_err()
                .iter()
                .map(|p| (p.field, p.key))
                .collect::<Vec<_>>(),
            vec![
                ("fee_max", "agency.v.range_inverted"),
                ("committed_days", "agency.v.days_over_limit")
            ]
        );
        let o = OfferInput {
            fee_max: "40000".into(),
            committed_days: "15".into(),
            ..o
        };
        assert_eq!(
            parse_offer(&o, &guided()).unwrap().fee_range,
            Some((yuan("30000"), yuan("40000")))
        );
        let c = CertificateInput {
            qual_type: "geo_hazard".into(),
            level: "1".into(),
            number: "云地灾评资甲字第2023001号".into(),
            issuer: "云南省自然资源厅".into(),
            valid_from: "2024-01-01".into(),
            valid_to: "2029-01-01".into(),
        };
        assert_eq!(parse_certificate(&c, today).unwrap().level, 1);
        let old = CertificateInput {
            valid_to: "2026-03-01".into(),
            ..c
        };
        assert_eq!(
            parse_certificate(&old, today).unwrap_err(),
            vec![Problem::new("valid_to", "agency.v.cert_expired")]
        );
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
