//! Rules of the service-item catalogue: what a valid item is (the add/edit form), what an
//! adjustment needs (reason and basis), which filter values exist, whether a regional
//! assessment covers a zone on a day, and how a list is written as CSV. Pure: no actix, no
//! diesel; the handlers call these and show the locale keys they return beside the fields.

use chrono::NaiveDate;

use super::catalogue::{self as vocab, Pricing};
use super::money::Money;
use super::validate;

/// How many qualification requirements one item form carries (rows `qual1_type` …).
pub const QUAL_SLOTS: usize = 5;

/// Codes that would clash with the fixed addresses under `/catalogue/`.
const RESERVED_CODES: &[&str] = &["new", "changes", "assessments"];

const CODE_MAX: usize = 40;
/// The longest statutory time limit accepted (a year of working days is far beyond any).
pub const DAYS_MAX: i32 = 250;

/// One refused field: the form field's name, a locale key and its `{name}` arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    fn new(field: &'static str, key: &'static str) -> Problem {
        Problem {
            field,
            key,
            args: Vec::new(),
        }
    }
}

/// The item form as typed (every value a string, as the browser sends it).
#[derive(Clone, Debug, Default)]
pub struct ItemInput {
    pub code: String,
    pub name: String,
    pub keywords: String,
    pub industry: String,
    pub approval_name: String,
    pub department_id: String,
    pub legal_basis: String,
    pub guide_basis: String,
    pub guide_scope: String,
    pub guide_object: String,
    pub guide_content: String,
    pub guide_method: String,
    pub guide_conclusion: String,
    pub time_limit_days: String,
    pub pricing: String,
    pub price_min: String,
    pub price_max: String,
    pub price_fixed: String,
    pub fee_basis: String,
    pub payer: String,
    pub self_preparable: String,
    pub regional_assessment: String,
    /// (type, level) per slot; an empty type is an unused slot.
    pub quals: Vec<(String, String)>,
}

/// A valid item: what the catalogue stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidItem {
    pub code: String,
    pub name: String,
    pub keywords: String,
    pub industry: String,
    pub approval_name: String,
    pub department_id: i64,
    pub legal_basis: String,
    pub guide_basis: String,
    pub guide_scope: String,
    pub guide_object: String,
    pub guide_content: String,
    pub guide_method: String,
    pub guide_conclusion: String,
    pub time_limit_days: i32,
    pub pricing: Pricing,
    pub price_min: Option<Money>,
    pub price_max: Option<Money>,
    pub fee_basis: String,
    pub payer: String,
    pub self_preparable: bool,
    pub regional_assessment: bool,
    /// (qualification type, minimum level; 0 = any level).
    pub quals: Vec<(String, i32)>,
}

/// The field name of qualification slot `i` (0-based): `qual1_type`, `qual1_level` …
pub fn qual_field(i: usize, level: bool) -> &'static str {
    const T: [&str; QUAL_SLOTS] = [
        "qual1_type",
        "qual2_type",
        "qual3_type",
        "qual4_type",
        "qual5_type",
    ];
    const L: [&str; QUAL_SLOTS] = [
        "qual1_level",
        "qual2_level",
        "qual3_level",
        "qual4_level",
        "qual5_level",
    ];
    let i = i.min(QUAL_SLOTS - 1);
    if level { L[i] } else { T[i] }
}

/// A checkbox counts as ticked when it sent any value.
fn ticked(s: &str) -> bool {
    matches!(s.trim(), "1" | "on" | "true" | "yes")
}

/// Normalises keywords: separated by spaces, commas or 、, each kept once.
pub fn normalise_keywords(s: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for w in s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
    {
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    out.join(" ")
}

/// Checks the item form. `departments` are the ids that exist. All problems are reported at
/// once, each against its field.
pub fn validate_item(input: &ItemInput, departments: &[i64]) -> Result<ValidItem, Vec<Problem>> {
    let mut p: Vec<Problem> = Vec::new();
    let mut text = |field: &'static str, v: &str, max: usize, required: bool| -> String {
        match validate::text(v, max, required) {
            Ok(s) => s,
            Err(e) => {
                p.push(Problem {
                    field,
                    key: e.key(),
                    args: e.args(),
                });
                String::new()
            }
        }
    };
    let name = text("name", &input.name, 100, true);
    let keywords = normalise_keywords(&text("keywords", &input.keywords, 200, false));
    let approval_name = text("approval_name", &input.approval_name, 200, true);
    let legal_basis = text("legal_basis", &input.legal_basis, 1000, true);
    let guide_basis = text("guide_basis", &input.guide_basis, 2000, true);
    let guide_scope = text("guide_scope", &input.guide_scope, 2000, true);
    let guide_object = text("guide_object", &input.guide_object, 2000, true);
    let guide_content = text("guide_content", &input.guide_content, 2000, true);
    let guide_method = text("guide_method", &input.guide_method, 2000, true);
    let guide_conclusion = text("guide_conclusion", &input.guide_conclusion, 2000, true);
    let fee_basis = text("fee_basis", &input.fee_basis, 1000, true);

    let code = check_code(&input.code, &mut p);
    let industry = check_industry(&input.industry, &mut p);
    let department_id = check_department(&input.department_id, departments, &mut p);
    let time_limit_days = check_days(&input.time_limit_days, &mut p);
    let (pricing, price_min, price_max) = check_pricing(input, &mut p);
    let payer = check_payer(&input.payer, &mut p);
    let quals = check_quals(&input.quals, &mut p);

    if !p.is_empty() {
        return Err(p);
    }
    let Some(pricing) = pricing else {
        return Err(vec![Problem::new("pricing", "v.required")]);
    };
    Ok(ValidItem {
        code,
        name,
        keywords,
        industry,
        approval_name,
        department_id,
        legal_basis,
        guide_basis,
        guide_scope,
        guide_object,
        guide_content,
        guide_method,
        guide_conclusion,
        time_limit_days,
        pricing,
        price_min,
        price_max,
        fee_basis,
        payer,
        self_preparable: ticked(&input.self_preparable),
        regional_assessment: ticked(&input.regional_assessment),
        quals,
    })
}

/// The item's code: letters, digits, `-` and `_`, at most `CODE_MAX`, not a reserved word
/// of the catalogue's addresses.
fn check_code(raw: &str, p: &mut Vec<Problem>) -> String {
    let code = raw.trim().to_string();
    if code.is_empty() {
        p.push(Problem::new("code", "v.required"));
    } else if code.chars().count() > CODE_MAX
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        p.push(Problem::new("code", "catalogue.v.code_format"));
    } else if RESERVED_CODES.contains(&code.to_ascii_lowercase().as_str()) {
        p.push(Problem::new("code", "catalogue.v.code_reserved"));
    }
    code
}

/// An industry of the vocabulary.
fn check_industry(raw: &str, p: &mut Vec<Problem>) -> String {
    let industry = raw.trim().to_string();
    if industry.is_empty() {
        p.push(Problem::new("industry", "v.required"));
    } else if !vocab::is_industry(&industry) {
        p.push(Problem::new("industry", "catalogue.v.industry_unknown"));
    }
    industry
}

/// One of the departments set up (0 when refused).
fn check_department(raw: &str, departments: &[i64], p: &mut Vec<Problem>) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(id) if departments.contains(&id) => id,
        _ if raw.trim().is_empty() => {
            p.push(Problem::new("department_id", "v.required"));
            0
        }
        _ => {
            p.push(Problem::new(
                "department_id",
                "catalogue.v.department_unknown",
            ));
            0
        }
    }
}

/// The statutory time limit: 1 to `DAYS_MAX` working days (0 when refused).
fn check_days(raw: &str, p: &mut Vec<Problem>) -> i32 {
    let days_raw = raw.trim();
    match days_raw.parse::<i64>() {
        _ if days_raw.is_empty() => {
            p.push(Problem::new("time_limit_days", "v.required"));
            0
        }
        Ok(d) if d <= 0 => {
            p.push(Problem::new("time_limit_days", "catalogue.v.days_positive"));
            0
        }
        Ok(d) if d > i64::from(DAYS_MAX) => {
            p.push(Problem {
                field: "time_limit_days",
                key: "catalogue.v.days_too_many",
                args: vec![("max", DAYS_MAX.to_string())],
            });
            0
        }
        Ok(d) => d as i32,
        Err(_) => {
            p.push(Problem::new("time_limit_days", "catalogue.v.days_number"));
            0
        }
    }
}

/// The pricing regime and its amounts: a government-guided range (lowest first), a fixed
/// fee, or none for market prices.
fn check_pricing(
    input: &ItemInput,
    p: &mut Vec<Problem>,
) -> (Option<Pricing>, Option<Money>, Option<Money>) {
    let pricing = Pricing::parse(input.pricing.trim());
    if pricing.is_none() {
        p.push(Problem::new(
            "pricing",
            if input.pricing.trim().is_empty() {
                "v.required"
            } else {
                "catalogue.v.pricing_unknown"
            },
        ));
    }
    let mut money = |field: &'static str, v: &str| -> Option<Money> {
        match Money::parse_yuan(v) {
            Ok(m) => Some(m),
            Err(e) => {
                p.push(Problem::new(field, e.key()));
                None
            }
        }
    };
    let (price_min, price_max) = match pricing {
        Some(Pricing::Guided) => {
            let lo = money("price_min", &input.price_min);
            let hi = money("price_max", &input.price_max);
            if let (Some(a), Some(b)) = (lo, hi)
                && a > b
            {
                p.push(Problem::new("price_max", "catalogue.v.range_order"));
            }
            (lo, hi)
        }
        Some(Pricing::Fixed) => {
            let f = money("price_fixed", &input.price_fixed);
            (f, f)
        }
        _ => (None, None),
    };
    (pricing, price_min, price_max)
}

/// Who pays: one of the vocabulary's payers.
fn check_payer(raw: &str, p: &mut Vec<Problem>) -> String {
    let payer = raw.trim().to_string();
    if !vocab::PAYERS.contains(&payer.as_str()) {
        p.push(Problem::new(
            "payer",
            if payer.is_empty() {
                "v.required"
            } else {
                "catalogue.v.payer_unknown"
            },
        ));
    }
    payer
}

/// The required qualifications: known types, each once, with a level only where the type
/// has levels (0: any level).
fn check_quals(rows: &[(String, String)], p: &mut Vec<Problem>) -> Vec<(String, i32)> {
    let mut quals: Vec<(String, i32)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, (t, l)) in rows.iter().enumerate().take(QUAL_SLOTS) {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        let Some((code, _, graded)) = vocab::qual_type(t) else {
            p.push(Problem::new(
                qual_field(i, false),
                "catalogue.v.qual_unknown",
            ));
            continue;
        };
        if seen.contains(&code) {
            p.push(Problem::new(
                qual_field(i, false),
                "catalogue.v.qual_duplicate",
            ));
            continue;
        }
        seen.push(code);
        let level = match l.trim() {
            "" | "0" => 0,
            s => match s.parse::<i32>() {
                Ok(n) if graded && vocab::LEVELS.contains(&n) => n,
                Ok(_) if !graded => {
                    p.push(Problem::new(
                        qual_field(i, true),
                        "catalogue.v.qual_ungraded",
                    ));
                    continue;
                }
                _ => {
                    p.push(Problem::new(
                        qual_field(i, true),
                        "catalogue.v.level_unknown",
                    ));
                    continue;
                }
            },
        };
        quals.push((code.to_string(), level));
    }
    quals
}

/// Reason and basis of an adjustment (动态调整): both required.
pub fn validate_change(reason: &str, basis: &str) -> Result<(String, String), Vec<Problem>> {
    let mut p = Vec::new();
    let mut take = |field: &'static str, v: &str| match validate::text(v, 500, true) {
        Ok(s) => s,
        Err(e) => {
            p.push(Problem {
                field,
                key: e.key(),
                args: e.args(),
            });
            String::new()
        }
    };
    let r = take("reason", reason);
    let b = take("basis", basis);
    if p.is_empty() { Ok((r, b)) } else { Err(p) }
}

/// A regional-assessment record as typed.
#[derive(Clone, Debug, Default)]
pub struct AssessmentInput {
    pub zone: String,
    pub title: String,
    pub valid_until: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidAssessment {
    pub zone: String,
    pub title: String,
    pub valid_until: NaiveDate,
}

/// A zone of 攀枝花市, a title, and a validity date not before `today`.
pub fn validate_assessment(
    input: &AssessmentInput,
    today: NaiveDate,
) -> Result<ValidAssessment, Vec<Problem>> {
    let mut p = Vec::new();
    let zone = input.zone.trim().to_string();
    if zone.is_empty() {
        p.push(Problem::new("zone", "v.required"));
    } else if !(vocab::is_local_zone(&zone) && vocab::is_region(&zone)) {
        p.push(Problem::new("zone", "catalogue.v.zone_unknown"));
    }
    let title = match validate::text(&input.title, 200, true) {
        Ok(t) => t,
        Err(e) => {
            p.push(Problem {
                field: "title",
                key: e.key(),
                args: e.args(),
            });
            String::new()
        }
    };
    let raw = input.valid_until.trim();
    let valid_until = if raw.is_empty() {
        p.push(Problem::new("valid_until", "v.required"));
        None
    } else {
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) if d >= today => Some(d),
            Ok(_) => {
                p.push(Problem::new("valid_until", "catalogue.v.valid_until_past"));
                None
            }
            Err(_) => {
                p.push(Problem::new("valid_until", "catalogue.v.date_format"));
                None
            }
        }
    };
    match (valid_until, p.is_empty()) {
        (Some(valid_until), true) => Ok(ValidAssessment {
            zone,
            title,
            valid_until,
        }),
        _ => Err(p),
    }
}

/// What a regional assessment says: the zone it covers and until when.
pub trait Coverage {
    fn zone(&self) -> &str;
    fn valid_until(&self) -> NaiveDate;
}

/// In force on `today`: valid until today inclusive.
pub fn in_force(valid_until: NaiveDate, today: NaiveDate) -> bool {
    valid_until >= today
}

/// The assessment (of one item) that covers `zone` on `today`, if any: the one valid the
/// longest, so an owner is shown the most lasting cover.
pub fn covered<'a, A: Coverage>(
    zone: &str,
    today: NaiveDate,
    assessments: &'a [A],
) -> Option<&'a A> {
    assessments
        .iter()
        .filter(|a| a.zone() == zone && in_force(a.valid_until(), today))
        .max_by_key(|a| a.valid_until())
}

/// The public list's filters, checked: an unknown value is an error (a locale key), not an
/// empty list, so a mistyped bookmark says what is wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub industry: Option<String>,
    /// A department code (`sthjj`, `zjj` …).
    pub department: Option<String>,
    pub pricing: Option<Pricing>,
    /// retained (default), cancelled, or all.
    pub status: String,
    pub q: String,
}

pub fn parse_filter(
    industry: &str,
    department: &str,
    pricing: &str,
    status: &str,
    q: &str,
    department_codes: &[&str],
) -> Result<ListFilter, &'static str> {
    let industry = industry.trim();
    if !industry.is_empty() && !vocab::is_industry(industry) {
        return Err("catalogue.err.filter_industry");
    }
    let department = department.trim();
    if !department.is_empty() && !department_codes.contains(&department) {
        return Err("catalogue.err.filter_department");
    }
    let pricing = pricing.trim();
    let pr = if pricing.is_empty() {
        None
    } else {
        Some(Pricing::parse(pricing).ok_or("catalogue.err.filter_pricing")?)
    };
    let status = match status.trim() {
        "" | "retained" => "retained",
        "cancelled" => "cancelled",
        "all" => "all",
        _ => return Err("catalogue.err.filter_status"),
    };
    let q: String = q.trim().chars().take(100).collect();
    Ok(ListFilter {
        industry: (!industry.is_empty()).then(|| industry.to_string()),
        department: (!department.is_empty()).then(|| department.to_string()),
        pricing: pr,
        status: status.to_string(),
        q,
    })
}

/// Whether a search text matches an item by name, code or keyword (case-insensitive for
/// Latin letters; every space-separated word must match).
pub fn matches_query(q: &str, code: &str, name: &str, keywords: &str) -> bool {
    let hay = format!("{code} {name} {keywords}").to_lowercase();
    q.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

/// One CSV line (RFC 4180, CRLF). Cells that a spreadsheet would run as a formula are
/// prefixed with an apostrophe (CSV injection).
pub fn csv_row(cells: &[String]) -> String {
    crate::domain::listing::csv_line(cells)
}

/// The UTF-8 byte-order mark Excel needs to read a CSV file's Chinese correctly.
pub const CSV_BOM: &str = "\u{feff}";

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ItemInput {
        ItemInput {
            code: "PZH-ZRZY-001".into(),
            name: "地质灾害危险性评估".into(),
            keywords: "地灾，评估 地灾".into(),
            industry: "land".into(),
            approval_name: "建设用地预审".into(),
            department_id: "3".into(),
            legal_basis: "《地质灾害防治条例》第二十一条".into(),
            guide_basis: "《地质灾害防治条例》".into(),
            guide_scope: "地质灾害易发区内的建设工程".into(),
            guide_object: "建设单位".into(),
            guide_content: "评估地质灾害危险性".into(),
            guide_method: "现场调查".into(),
            guide_conclusion: "评估报告".into(),
            time_limit_days: "20".into(),
            pricing: "guided".into(),
            price_min: "5,000".into(),
            price_max: "80000.50".into(),
            price_fixed: String::new(),
            fee_basis: "川价发〔2016〕".into(),
            payer: "enterprise".into(),
            self_preparable: "1".into(),
            regional_assessment: String::new(),
            quals: vec![
                ("geo_hazard".into(), "2".into()),
                (String::new(), String::new()),
            ],
        }
    }

    fn fields(r: Result<ValidItem, Vec<Problem>>) -> Vec<(&'static str, &'static str)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.field, p.key))
            .collect()
    }

    #[test]
    fn a_good_item_passes_and_is_normalised() {
        let v = validate_item(&good(), &[3]).unwrap();
        assert_eq!(v.keywords, "地灾 评估");
        assert_eq!(v.price_min, Some(Money::from_fen(500_000)));
        assert_eq!(v.price_max, Some(Money::from_fen(8_000_050)));
        assert_eq!(v.quals, vec![("geo_hazard".to_string(), 2)]);
        assert!(v.self_preparable && !v.regional_assessment);
    }

    #[test]
    fn time_limit_must_be_a_positive_number() {
        for (d, key) in [
            ("0", "catalogue.v.days_positive"),
            ("-3", "catalogue.v.days_positive"),
            ("abc", "catalogue.v.days_number"),
            ("2.5", "catalogue.v.days_number"),
            ("", "v.required"),
            ("9999", "catalogue.v.days_too_many"),
        ] {
            let mut i = good();
            i.time_limit_days = d.into();
            assert_eq!(
                fields(validate_item(&i, &[3])),
                vec![("time_limit_days", key)],
                "{d}"
            );
        }
    }

    #[test]
    fn guided_prices_need_an_ordered_range_in_fen() {
        let mut i = good();
        i.price_min = "9000".into();
        i.price_max = "100".into();
        assert_eq!(
            fields(validate_item(&i, &[3])),
            vec![("price_max", "catalogue.v.range_order")]
        );
        let mut i = good();
        i.price_max = String::new();
        assert_eq!(
            fields(validate_item(&i, &[3])),
            vec![("price_max", "v.required")]
        );
        let mut i = good();
        i.price_min = "1.005".into();
        assert_eq!(
            fields(validate_item(&i, &[3])),
            vec![("price_min", "v.money.too_many_decimals")]
        );
        // A market price ignores the range fields.
        let mut i = good();
        i.pricing = "market".into();
        i.price_min = "junk".into();
        let v = validate_item(&i, &[3]).unwrap();
        assert_eq!((v.price_min, v.price_max), (None, None));
        // A fixed fee is both ends.
        let mut i = good();
        i.pricing = "fixed".into();
        i.price_fixed = "3000".into();
        let v = validate_item(&i, &[3]).unwrap();
        assert_eq!(v.price_min, v.price_max);
    }

    #[test]
    fn vocabulary_values_are_checked() {
        let mut i = good();
        i.industry = "mining".into();
        i.payer = "nobody".into();
        i.pricing = "free".into();
        i.department_id = "99".into();
        i.quals = vec![("astrology".into(), "1".into())];
        assert_eq!(
            fields(validate_item(&i, &[3])),
            vec![
                ("industry", "catalogue.v.industry_unknown"),
                ("department_id", "catalogue.v.department_unknown"),
                ("pricing", "catalogue.v.pricing_unknown"),
                ("payer", "catalogue.v.payer_unknown"),
                ("qual1_type", "catalogue.v.qual_unknown"),
            ]
        );
    }

    #[test]
    fn qualification_levels_follow_the_type() {
        let mut i = good();
        i.quals = vec![
            ("cost_consulting".into(), "1".into()),
            ("geo_hazard".into(), "7".into()),
            ("geo_hazard".into(), "1".into()),
        ];
        assert_eq!(
            fields(validate_item(&i, &[3])),
            vec![
                ("qual1_level", "catalogue.v.qual_ungraded"),
                ("qual2_level", "catalogue.v.level_unknown"),
                ("qual3_type", "catalogue.v.qual_duplicate"),
            ]
        );
    }

    #[test]
    fn codes_are_url_safe_and_not_reserved() {
        for (c, key) in [
            ("a b", "catalogue.v.code_format"),
            ("事项1", "catalogue.v.code_format"),
            ("new", "catalogue.v.code_reserved"),
            ("Changes", "catalogue.v.code_reserved"),
        ] {
            let mut i = good();
            i.code = c.into();
            assert_eq!(fields(validate_item(&i, &[3])), vec![("code", key)], "{c}");
        }
    }

    #[test]
    fn a_change_needs_reason_and_basis() {
        assert!(validate_change("调整收费", "川发改价格〔2020〕").is_ok());
        let e = validate_change("  ", "").unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].field, e[0].key), ("reason", "v.required"));
    }

    struct A(&'static str, NaiveDate);
    impl Coverage for A {
        fn zone(&self) -> &str {
            self.0
        }
        fn valid_until(&self) -> NaiveDate {
            self.1
        }
    }

    #[test]
    fn coverage_by_zone_and_date() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let list = [
            A("pzh_gaoxin", d("2027-06-30")),
            A("pzh_gaoxin", d("2028-12-31")),
            A("pzh_miyi", d("2026-01-01")),
        ];
        let today = d("2026-12-01");
        assert_eq!(
            covered("pzh_gaoxin", today, &list).map(|a| a.1),
            Some(d("2028-12-31"))
        );
        assert!(covered("pzh_miyi", today, &list).is_none(), "expired");
        assert!(covered("pzh_xiqu", today, &list).is_none());
        assert!(
            covered("pzh_miyi", d("2026-01-01"), &list).is_some(),
            "last day counts"
        );
    }

    #[test]
    fn assessment_validity_not_in_the_past() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut i = AssessmentInput {
            zone: "pzh_gaoxin".into(),
            title: "钒钛高新区区域地质灾害危险性评估报告".into(),
            valid_until: "2026-12-01".into(),
        };
        assert!(validate_assessment(&i, today).is_ok());
        i.valid_until = "2026-11-30".into();
        i.zone = "beijing".into();
        let e = validate_assessment(&i, today).unwrap_err();
        let keys: Vec<_> = e.iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            vec!["catalogue.v.zone_unknown", "catalogue.v.valid_until_past"]
        );
    }

    #[test]
    fn filters_refuse_unknown_values() {
        let depts = ["sthjj", "zjj"];
        assert_eq!(
            parse_filter("mining", "", "", "", "", &depts),
            Err("catalogue.err.filter_industry")
        );
        assert_eq!(
            parse_filter("", "xyz", "", "", "", &depts),
            Err("catalogue.err.filter_department")
        );
        assert_eq!(
            parse_filter("", "", "cheap", "", "", &depts),
            Err("catalogue.err.filter_pricing")
        );
        let f = parse_filter("env", "sthjj", "guided", "", " 环评 ", &depts).unwrap();
        assert_eq!(f.pricing, Some(Pricing::Guided));
        assert_eq!((f.status.as_str(), f.q.as_str()), ("retained", "环评"));
    }

    #[test]
    fn search_by_name_code_or_keyword() {
        assert!(matches_query(
            "环评",
            "PZH-001",
            "建设项目环境影响报告书（表）编制",
            "环评 环境影响"
        ));
        assert!(matches_query("pzh-001", "PZH-001", "x", ""));
        assert!(!matches_query("水保", "PZH-001", "环境影响评价", "环评"));
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let r = csv_row(&[
            "a,b".into(),
            "say \"hi\"".into(),
            "=1+1".into(),
            "普通".into(),
        ]);
        assert_eq!(r, "\"a,b\",\"say \"\"hi\"\"\",'=1+1,普通\r\n");
    }
}
