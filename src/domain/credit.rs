//! The credit library's rules, all pure: record kinds and the parts they fall in,
//! the versioned scoring rules, the score as a function of (records, rules, date), the checks
//! on what a regulator may record, listing periods, repair timing, and the restrictions that
//! selection and contracts ask about.
//!
//! Scores are kept in hundredths of a point (`_x100`) as integers: no floats anywhere.

use chrono::{Months, NaiveDate};

use super::validate::{self, Problem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A kind of credit record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 逾期交付: points per started step of overrun (the rule set's `late_step_percent`).
    LateDelivery,
    /// 中选后放弃.
    Forfeit,
    /// 拒不签订合同.
    RefusedToSign,
    /// 提供虚假材料.
    FalseMaterials,
    /// 出具虚假报告 (also leads to the blacklist).
    FalseReport,
    /// 投诉查实.
    UpheldComplaint,
    /// 监督检查不合格.
    InspectionFailure,
    /// 表彰奖励: bonus points.
    Commendation,
    /// 经营异常 (public-credit part).
    AbnormalOperation,
    /// 列入失信名单 (public-credit part); written by the blacklist action.
    Blacklisted,
    /// 服务评价: an owner's rating (owner-feedback part), in `stars_x100`.
    Evaluation,
    /// Revokes a mistaken record (`revokes_id`), with a reason.
    Revocation,
    /// Credit repair approved: the listing record named by `revokes_id` stops counting.
    Repair,
}

/// Which part of the score a kind moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// 监管评价, 70 points.
    Regulator,
    /// 公共信用, 10 points.
    Public,
    /// 业主评价, 20 points.
    Feedback,
    /// Commendations, added on top (capped at 100).
    Bonus,
    /// Revocations and repairs: they move no points themselves.
    None,
}

/// Where a record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Regulator,
    PublicCredit,
    OwnerFeedback,
    System,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Regulator,
        Source::PublicCredit,
        Source::OwnerFeedback,
        Source::System,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Source::Regulator => "regulator",
            Source::PublicCredit => "public_credit",
            Source::OwnerFeedback => "owner_feedback",
            Source::System => "system",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.code() == s)
    }
}

impl super::status::TextEnum for Source {
    const NAME: &'static str = "credit::Source";
    const ALL: &'static [Source] = &Source::ALL;
    fn as_str(self) -> &'static str {
        self.code()
    }
}

impl super::status::TextEnum for Kind {
    const NAME: &'static str = "credit::Kind";
    const ALL: &'static [Kind] = &Kind::ALL;
    fn as_str(self) -> &'static str {
        self.code()
    }
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::LateDelivery,
        Kind::Forfeit,
        Kind::RefusedToSign,
        Kind::FalseMaterials,
        Kind::FalseReport,
        Kind::UpheldComplaint,
        Kind::InspectionFailure,
        Kind::Commendation,
        Kind::AbnormalOperation,
        Kind::Blacklisted,
        Kind::Evaluation,
        Kind::Revocation,
        Kind::Repair,
    ];

    /// Kinds whose points the rule set fixes (every kind but evaluations, revocations, repairs).
    pub const SCORED: [Kind; 10] = [
        Kind::LateDelivery,
        Kind::Forfeit,
        Kind::RefusedToSign,
        Kind::FalseMaterials,
        Kind::FalseReport,
        Kind::UpheldComplaint,
        Kind::InspectionFailure,
        Kind::Commendation,
        Kind::AbnormalOperation,
        Kind::Blacklisted,
    ];

    /// Kinds a regulator may record by hand on the record form. Blacklisting has its own form;
    /// evaluations come from owners; revocations and repairs from their own actions.
    pub const REGULATOR_FORM: [Kind; 9] = [
        Kind::LateDelivery,
        Kind::Forfeit,
        Kind::RefusedToSign,
        Kind::FalseMaterials,
        Kind::FalseReport,
        Kind::UpheldComplaint,
        Kind::InspectionFailure,
        Kind::Commendation,
        Kind::AbnormalOperation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::LateDelivery => "late_delivery",
            Kind::Forfeit => "forfeit",
            Kind::RefusedToSign => "refused_to_sign",
            Kind::FalseMaterials => "false_materials",
            Kind::FalseReport => "false_report",
            Kind::UpheldComplaint => "upheld_complaint",
            Kind::InspectionFailure => "inspection_failure",
            Kind::Commendation => "commendation",
            Kind::AbnormalOperation => "abnormal_operation",
            Kind::Blacklisted => "blacklisted",
            Kind::Evaluation => "evaluation",
            Kind::Revocation => "revocation",
            Kind::Repair => "repair",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Locale key of the kind's name (`locales/*/credit.txt`).
    pub fn label_key(self) -> String {
        format!("credit.kind.{}", self.code())
    }

    pub fn part(self) -> Part {
        match self {
            Kind::LateDelivery
            | Kind::Forfeit
            | Kind::RefusedToSign
            | Kind::FalseMaterials
            | Kind::FalseReport
            | Kind::UpheldComplaint
            | Kind::InspectionFailure => Part::Regulator,
            Kind::AbnormalOperation | Kind::Blacklisted => Part::Public,
            Kind::Evaluation => Part::Feedback,
            Kind::Commendation => Part::Bonus,
            Kind::Revocation | Kind::Repair => Part::None,
        }
    }

    /// A record of this kind names another record it takes out of the score.
    pub fn revokes(self) -> bool {
        matches!(self, Kind::Revocation | Kind::Repair)
    }

    /// A false report is deducted AND leads to the blacklist.
    pub fn implies_blacklist(self) -> bool {
        self == Kind::FalseReport
    }

    /// The source a record of this kind carries when a regulator records it by hand.
    pub fn regulator_source(self) -> Source {
        match self.part() {
            Part::Public => Source::PublicCredit,
            _ => Source::Regulator,
        }
    }
}

/// What an automatic record (forfeit, refusal to sign, late delivery, a rating) says
/// happened: a locale key (`credit.ev.*`) with its arguments, stored as JSON beside the
/// record and put into words in each reader's language — never a text fixed in one language
/// when it was written. The announcement it concerns is named by number (its id) and title,
/// and pages link to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub key: String,
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    /// The announcement concerned, for the link.
    #[serde(default)]
    pub announcement: Option<i64>,
}

impl Evidence {
    pub fn new(key: &str) -> Evidence {
        Evidence {
            key: key.to_string(),
            ..Evidence::default()
        }
    }
    pub fn with(mut self, name: &str, value: impl ToString) -> Evidence {
        self.args.insert(name.to_string(), value.to_string());
        self
    }
    /// Names the announcement: `{number}` and `{title}`, and the link.
    pub fn announcement(self, id: i64, title: &str) -> Evidence {
        let mut e = self.with("number", id).with("title", title);
        e.announcement = Some(id);
        e
    }
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn from_json(s: &str) -> Option<Evidence> {
        serde_json::from_str(s)
            .ok()
            .filter(|e: &Evidence| !e.key.is_empty())
    }
    /// The arguments as `tr_args` takes them.
    pub fn arg_pairs(&self) -> Vec<(&str, &str)> {
        self.args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// A refused credit action; `key()` is the locale key of the message shown next to the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditError {
    /// Points that the current rule set does not give for this kind.
    PointsNotInRules { expected: String },
    /// The kind cannot be recorded on this form.
    KindNotAllowed,
    /// End date not after the start date.
    EndBeforeStart,
    /// Listing period shorter or longer than allowed (blacklist: 1–3 years).
    PeriodOutOfRange { min_months: u32, max_months: u32 },
    /// Start date too far in the past or future.
    StartOutOfRange,
    /// Repair applied for before half the listing period has passed.
    RepairTooEarly { available_on: NaiveDate },
    /// The rule set itself is inconsistent.
    BadRules(&'static str),
    /// A star rating outside 1–5.
    StarsOutOfRange,
}

impl CreditError {
    pub fn key(&self) -> &'static str {
        match self {
            CreditError::PointsNotInRules { .. } => "credit.err.points",
            CreditError::KindNotAllowed => "credit.err.kind",
            CreditError::EndBeforeStart => "credit.err.end_before_start",
            CreditError::PeriodOutOfRange { .. } => "credit.err.period",
            CreditError::StartOutOfRange => "credit.err.start",
            CreditError::RepairTooEarly { .. } => "credit.err.repair_early",
            CreditError::BadRules(k) => k,
            CreditError::StarsOutOfRange => "credit.err.stars",
        }
    }

    /// Arguments for the message (`{expected}`, `{min}`, `{max}`, `{date}`).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            CreditError::PointsNotInRules { expected } => vec![("expected", expected.clone())],
            CreditError::PeriodOutOfRange {
                min_months,
                max_months,
            } => vec![
                ("min", min_months.to_string()),
                ("max", max_months.to_string()),
            ],
            CreditError::RepairTooEarly { available_on } => {
                vec![("date", available_on.format("%Y-%m-%d").to_string())]
            }
            _ => vec![],
        }
    }
}

/// The published scoring rules: points per kind, grade thresholds, how long records count,
/// when repair may be applied for. Stored as JSON in `credit_rule_sets.body` (fields in this
/// order, so the stored text is stable); version 1 is seeded by the migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Lowest score (whole points) of grade A.
    pub grade_a: i32,
    pub grade_b: i32,
    pub grade_c: i32,
    /// Late delivery costs `points["late_delivery"]` per started step of this many percent
    /// of overrun.
    pub late_step_percent: i32,
    /// Points per kind code (negative for deductions, positive for commendations).
    pub points: BTreeMap<String, i32>,
    /// Credit repair may be applied for once this share of the listing period has passed.
    pub repair_after_percent: i32,
    /// Records stop counting this many years after they take effect.
    pub validity_years: i32,
}

impl Default for RuleSet {
    /// The default figures of the credit rules.
    fn default() -> Self {
        let points = [
            (Kind::LateDelivery, -2),
            (Kind::Forfeit, -5),
            (Kind::RefusedToSign, -5),
            (Kind::FalseMaterials, -20),
            (Kind::FalseReport, -30),
            (Kind::UpheldComplaint, -3),
            (Kind::InspectionFailure, -10),
            (Kind::Commendation, 2),
            (Kind::AbnormalOperation, -5),
            (Kind::Blacklisted, -10),
        ]
        .into_iter()
        .map(|(k, p)| (k.code().to_string(), p))
        .collect();
        RuleSet {
            grade_a: 90,
            grade_b: 75,
            grade_c: 60,
            late_step_percent: 10,
            points,
            repair_after_percent: 50,
            validity_years: 3,
        }
    }
}

/// Credit grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn code(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
    /// 守信激励: grade A is on the red list — unless the agency is blacklisted, banned or
    /// has a banned senior manager: an agency under sanctions is never shown as trustworthy.
    pub fn red_list(self, sanctioned: bool) -> bool {
        self == Grade::A && !sanctioned
    }

    pub fn parse(s: &str) -> Option<Grade> {
        [Grade::A, Grade::B, Grade::C, Grade::D]
            .into_iter()
            .find(|g| g.code() == s)
    }
}

impl RuleSet {
    pub fn from_json(s: &str) -> Result<RuleSet, CreditError> {
        let r: RuleSet =
            serde_json::from_str(s).map_err(|_| CreditError::BadRules("credit.err.rules_json"))?;
        r.validate()?;
        Ok(r)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Thresholds strictly ordered within 1..=100, every scored kind present with the right
    /// sign and a sane size, and no unknown kind.
    pub fn validate(&self) -> Result<(), CreditError> {
        if !(0 < self.grade_c && self.grade_c < self.grade_b && self.grade_b < self.grade_a)
            || self.grade_a > 100
        {
            return Err(CreditError::BadRules("credit.err.rules_thresholds"));
        }
        if !(1..=100).contains(&self.late_step_percent)
            || !(1..=100).contains(&self.repair_after_percent)
            || !(1..=10).contains(&self.validity_years)
        {
            return Err(CreditError::BadRules("credit.err.rules_range"));
        }
        if self.points.len() != Kind::SCORED.len() {
            return Err(CreditError::BadRules("credit.err.rules_kinds"));
        }
        for k in Kind::SCORED {
            let Some(&p) = self.points.get(k.code()) else {
                return Err(CreditError::BadRules("credit.err.rules_kinds"));
            };
            let ok = match k.part() {
                Part::Bonus => (1..=10).contains(&p),
                Part::Public => (-10..=-1).contains(&p),
                _ => (-70..=-1).contains(&p),
            };
            if !ok {
                return Err(CreditError::BadRules("credit.err.rules_points"));
            }
        }
        Ok(())
    }

    /// The points of one record of `kind` (for late delivery: of one step).
    pub fn points_for(&self, kind: Kind) -> i32 {
        self.points.get(kind.code()).copied().unwrap_or(0)
    }

    /// What an automatic record of `kind` deducts under these rules: the kind's points (for
    /// late delivery, per started step of `overrun_percent`); nothing for kinds whose weight
    /// is not in points (ratings, revocations, repairs).
    pub fn automatic_points(&self, kind: Kind, overrun_percent: u32) -> i32 {
        match kind {
            Kind::LateDelivery => self.late_delivery_points(overrun_percent),
            k if Kind::SCORED.contains(&k) => self.points_for(k),
            _ => 0,
        }
    }

    /// Late delivery: one step per started `late_step_percent` of overrun; no overrun, no
    /// points. E.g. with −2 per 10 %: 5 % → −2, 10 % → −2, 25 % → −6.
    pub fn late_delivery_points(&self, overrun_percent: u32) -> i32 {
        if overrun_percent == 0 {
            return 0;
        }
        let step = self.late_step_percent as u32;
        let steps = overrun_percent.div_ceil(step).min(35) as i32;
        (steps * self.points_for(Kind::LateDelivery)).max(-70)
    }

    /// Points a regulator entered for a record of `kind` must be what the rule set gives:
    /// the kind's points, or for late delivery a whole number of steps.
    pub fn check_points(&self, kind: Kind, points: i32) -> Result<(), CreditError> {
        if !Kind::SCORED.contains(&kind) {
            return if points == 0 {
                Ok(())
            } else {
                Err(CreditError::PointsNotInRules {
                    expected: "0".into(),
                })
            };
        }
        let p = self.points_for(kind);
        let ok = if kind == Kind::LateDelivery {
            p != 0 && points != 0 && points % p == 0 && points / p >= 1 && points >= -70
        } else {
            points == p
        };
        if ok {
            Ok(())
        } else if kind == Kind::LateDelivery {
            Err(CreditError::PointsNotInRules {
                expected: format!("{p}×n"),
            })
        } else {
            Err(CreditError::PointsNotInRules {
                expected: p.to_string(),
            })
        }
    }

    /// The grade of a score in hundredths.
    pub fn grade(&self, score_x100: i32) -> Grade {
        if score_x100 >= self.grade_a * 100 {
            Grade::A
        } else if score_x100 >= self.grade_b * 100 {
            Grade::B
        } else if score_x100 >= self.grade_c * 100 {
            Grade::C
        } else {
            Grade::D
        }
    }

    /// The day a record taking effect on `effective_on` stops counting under these rules.
    pub fn default_valid_until(&self, effective_on: NaiveDate) -> NaiveDate {
        add_months(effective_on, 12 * self.validity_years as u32)
    }

    /// The first day a listing from `starts_on` to `ends_on` may be repaired.
    pub fn repair_available_on(&self, starts_on: NaiveDate, ends_on: NaiveDate) -> NaiveDate {
        let days = (ends_on - starts_on).num_days().max(0);
        let wait = (days * self.repair_after_percent as i64 + 99) / 100;
        starts_on + chrono::Duration::days(wait)
    }

    /// May the agency apply for repair of that listing on `today`?
    pub fn check_repair(
        &self,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<(), CreditError> {
        let available_on = self.repair_available_on(starts_on, ends_on);
        if today < available_on {
            Err(CreditError::RepairTooEarly { available_on })
        } else {
            Ok(())
        }
    }
}

fn add_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m))
        .unwrap_or(NaiveDate::MAX)
}

/// What the score needs to know of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFacts {
    pub id: i64,
    pub kind: Kind,
    pub points: i32,
    /// Evaluations only: the overall rating, 100..=500 (1–5 stars).
    pub stars_x100: Option<i32>,
    pub effective_on: NaiveDate,
    pub valid_until: NaiveDate,
    /// Revocations and repairs: the record they take out.
    pub revokes_id: Option<i64>,
}

impl RecordFacts {
    /// Within its own validity and the rule set's on `day` (revocation aside).
    pub fn in_force(&self, rules: &RuleSet, day: NaiveDate) -> bool {
        self.effective_on <= day
            && day < self.valid_until
            && day < rules.default_valid_until(self.effective_on)
    }
}

/// The score and how it is made, so a reader can recompute it by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Regulator part: 70 + deductions, not below 0.
    pub regulator_x100: i32,
    /// Public-credit part: 10 + deductions, not below 0.
    pub public_x100: i32,
    /// Owner-feedback part: 20 × mean of (stars − 1) / 4; 20 without evaluations.
    pub feedback_x100: i32,
    /// Commendations.
    pub bonus_x100: i32,
    /// The sum, within 0–100.
    pub total_x100: i32,
    pub grade: Grade,
    /// Evaluations that count.
    pub evaluations: usize,
    /// The ids of the records that count, in the order given.
    pub counted: Vec<i64>,
    /// Records taken out by a revocation or repair in force.
    pub revoked: Vec<i64>,
}

/// The score of an agency on `day` from its records under `rules`. Pure: the same
/// records in any order give the same score.
pub fn score(records: &[RecordFacts], rules: &RuleSet, day: NaiveDate) -> Score {
    let mut revoked: Vec<i64> = records
        .iter()
        .filter(|r| r.kind.revokes() && r.effective_on <= day)
        .filter_map(|r| r.revokes_id)
        .collect();
    revoked.sort_unstable();
    revoked.dedup();
    let mut reg = 0i64;
    let mut public = 0i64;
    let mut bonus = 0i64;
    let mut stars_sum = 0i64;
    let mut stars_n = 0i64;
    let mut counted = Vec::new();
    for r in records {
        if r.kind.revokes() || revoked.binary_search(&r.id).is_ok() || !r.in_force(rules, day) {
            continue;
        }
        match r.kind.part() {
            Part::Regulator => reg += r.points as i64,
            Part::Public => public += r.points as i64,
            Part::Bonus => bonus += r.points as i64,
            Part::Feedback => match r.stars_x100 {
                Some(s) if (100..=500).contains(&s) => {
                    stars_sum += (s - 100) as i64;
                    stars_n += 1;
                }
                _ => continue,
            },
            Part::None => continue,
        }
        counted.push(r.id);
    }
    let regulator_x100 = (7000 + 100 * reg).clamp(0, 7000) as i32;
    let public_x100 = (1000 + 100 * public).clamp(0, 1000) as i32;
    // 20 × mean((s − 100) / 400) in hundredths = 5 × Σ(s − 100) / n, rounded half up.
    let feedback_x100 = if stars_n == 0 {
        2000
    } else {
        ((10 * stars_sum + stars_n) / (2 * stars_n)) as i32
    };
    let bonus_x100 = (100 * bonus).clamp(0, 10000) as i32;
    let total_x100 = (regulator_x100 + public_x100 + feedback_x100 + bonus_x100).clamp(0, 10000);
    Score {
        regulator_x100,
        public_x100,
        feedback_x100,
        bonus_x100,
        total_x100,
        grade: rules.grade(total_x100),
        evaluations: stars_n as usize,
        counted,
        revoked,
    }
}

/// "93.75" from 9375.
pub fn fmt_x100(v: i32) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// The mean of several 1–5 ratings (e.g. the five of an evaluation) in hundredths, rounded
/// half up: what an evaluation record stores.
pub fn stars_mean_x100(stars: &[u8]) -> Result<i32, CreditError> {
    if stars.is_empty() || stars.iter().any(|s| !(1..=5).contains(s)) {
        return Err(CreditError::StarsOutOfRange);
    }
    let sum: i32 = stars.iter().map(|&s| s as i32 * 100).sum();
    let n = stars.len() as i32;
    Ok((2 * sum + n) / (2 * n))
}

/// A period of a listing or ban: from `starts_on` up to (not including) `ends_on`, or until
/// `ended_on` when it was ended early (repair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

impl Period {
    /// In force on `day`; it ends by itself on its end date.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day < self.ends_on && self.ended_on.is_none_or(|e| day < e)
    }
}

/// Blacklist periods: 1 to 3 years.
pub const BLACKLIST_MONTHS: (u32, u32) = (12, 36);
/// Market-ban periods: 1 month to 10 years.
pub const BAN_MONTHS: (u32, u32) = (1, 120);

/// A listing or ban period entered by a regulator: the end after the start, the length within
/// `months`, and the start no more than 30 days before or 90 days after today.
pub fn check_period(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    today: NaiveDate,
    months: (u32, u32),
) -> Result<(), CreditError> {
    if ends_on <= starts_on {
        return Err(CreditError::EndBeforeStart);
    }
    if starts_on < today - chrono::Duration::days(30)
        || starts_on > today + chrono::Duration::days(90)
    {
        return Err(CreditError::StartOutOfRange);
    }
    if ends_on < add_months(starts_on, months.0) || ends_on > add_months(starts_on, months.1) {
        return Err(CreditError::PeriodOutOfRange {
            min_months: months.0,
            max_months: months.1,
        });
    }
    Ok(())
}

/// Why an agency may not register, quote or sign today. Selection and contracts call
/// `crate::credit::store::credit::restrictions`, which gathers these facts and asks [`restrictions`].
/// Each carries its period (`since` up to, not including, `until`): every page that shows
/// an agency shows it beside the grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Restriction {
    /// On the blacklist 失信名单.
    Blacklisted { since: NaiveDate, until: NaiveDate },
    /// Under a market ban 市场禁入.
    Banned { since: NaiveDate, until: NaiveDate },
    /// A senior manager is a banned person (name already masked for display).
    BannedManager {
        manager: String,
        since: NaiveDate,
        until: NaiveDate,
    },
}

impl Restriction {
    /// Locale key of the refusal message (`{date}` and `{name}` arguments).
    pub fn key(&self) -> &'static str {
        match self {
            Restriction::Blacklisted { .. } => "credit.restrict.blacklisted",
            Restriction::Banned { .. } => "credit.restrict.banned",
            Restriction::BannedManager { .. } => "credit.restrict.banned_manager",
        }
    }
    /// Locale key of the short mark lists show beside the grade (失信名单, 市场禁入 …).
    pub fn tag_key(&self) -> &'static str {
        match self {
            Restriction::Blacklisted { .. } => "credit.tag.blacklisted",
            Restriction::Banned { .. } => "credit.tag.banned",
            Restriction::BannedManager { .. } => "credit.tag.banned_manager",
        }
    }
    /// (since, until) of the period in force.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        match self {
            Restriction::Blacklisted { since, until }
            | Restriction::Banned { since, until }
            | Restriction::BannedManager { since, until, .. } => (*since, *until),
        }
    }
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let (since, until) = self.period();
        let mut v = vec![
            ("date", until.format("%Y-%m-%d").to_string()),
            ("since", since.format("%Y-%m-%d").to_string()),
        ];
        if let Restriction::BannedManager { manager, .. } = self {
            v.push(("name", manager.clone()));
        }
        v
    }
}

/// The sanctions on one agency, as stored.
#[derive(Clone, Debug, Default)]
pub struct SanctionFacts {
    pub blacklist: Vec<Period>,
    pub bans: Vec<Period>,
    /// (manager name, the ban on that person).
    pub banned_managers: Vec<(String, Period)>,
}

/// The restrictions in force on `day`, in a stable order (blacklist, ban, managers).
pub fn restrictions(f: &SanctionFacts, day: NaiveDate) -> Vec<Restriction> {
    let until = |p: &Period| p.ended_on.map_or(p.ends_on, |e| e.min(p.ends_on));
    let mut out = Vec::new();
    if let Some(p) = f
        .blacklist
        .iter()
        .filter(|p| p.active_on(day))
        .max_by_key(|p| until(p))
    {
        out.push(Restriction::Blacklisted {
            since: p.starts_on,
            until: until(p),
        });
    }
    if let Some(p) = f
        .bans
        .iter()
        .filter(|p| p.active_on(day))
        .max_by_key(|p| until(p))
    {
        out.push(Restriction::Banned {
            since: p.starts_on,
            until: until(p),
        });
    }
    let mut managers: Vec<_> = f
        .banned_managers
        .iter()
        .filter(|(_, p)| p.active_on(day))
        .map(|(n, p)| Restriction::BannedManager {
            manager: n.clone(),
            since: p.starts_on,
            until: until(p),
        })
        .collect();
    managers.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    managers.dedup();
    out.extend(managers);
    out
}

/// Is an agency in a regulator's domain? `agency_departments` are the departments whose
/// reach it is in (`crate::credit::store::credit::domain_departments`, over [`REACH_YEARS`]).
pub fn in_domain(regulator_department: Option<i64>, agency_departments: &[i64]) -> bool {
    regulator_department.is_some_and(|d| agency_departments.contains(&d))
}

/// How long a department's reach over an agency outlasts what founded it. An agency that
/// withdraws its items, or whose certificate lapses, stays within the reach of the
/// departments concerned for this long, as long as their records count by default, so it
/// cannot leave its regulator's reach by editing its own profile.
pub const REACH_YEARS: u32 = 3;

/// The first day whose facts still found a department's reach on `today`: the items the agency
/// offered, announcements it registered for, its contracts, approved certificates valid, and
/// records, listings and bans of the department since then (and whatever is current).
pub fn reach_since(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(12 * REACH_YEARS))
        .unwrap_or(NaiveDate::MIN)
}

// ---------------------------------------------------------------------------------------
// The credit report and the forms around it: explaining a score so a
// reader can recompute it, why a record no longer counts, per-field rule-set problems,
// effective dates, and masking personal data out of free text on public pages.

/// Why a record is (or is not) in the score on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// In force and counted.
    Counts,
    /// Past its validity (its own `valid_until` or the rule set's validity years).
    Expired,
    /// Takes effect later.
    NotYetEffective,
    /// Taken out by a revocation (the id of that record).
    Revoked(i64),
    /// Taken out by an approved credit repair.
    Repaired(i64),
    /// A revocation or repair: moves no points itself.
    Action,
}

impl RecordStatus {
    pub fn counts(self) -> bool {
        self == RecordStatus::Counts
    }
    /// Locale key of the reason shown beside a record that does not count.
    pub fn key(self) -> &'static str {
        match self {
            RecordStatus::Counts => "credit.status.counts",
            RecordStatus::Expired => "credit.status.expired",
            RecordStatus::NotYetEffective => "credit.status.not_yet",
            RecordStatus::Revoked(_) => "credit.status.revoked",
            RecordStatus::Repaired(_) => "credit.status.repaired",
            RecordStatus::Action => "credit.status.action",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            RecordStatus::Counts => "counts",
            RecordStatus::Expired => "expired",
            RecordStatus::NotYetEffective => "not_yet_effective",
            RecordStatus::Revoked(_) => "revoked",
            RecordStatus::Repaired(_) => "repaired",
            RecordStatus::Action => "action",
        }
    }
}

/// The status of `r` among `all` on `day`, consistent with [`score`]: a record counts exactly
/// when its id is in `score(all, rules, day).counted`.
pub fn record_status(
    r: &RecordFacts,
    all: &[RecordFacts],
    rules: &RuleSet,
    day: NaiveDate,
) -> RecordStatus {
    if r.kind.revokes() {
        return RecordStatus::Action;
    }
    if let Some(by) = all
        .iter()
        .filter(|x| x.kind.revokes() && x.effective_on <= day && x.revokes_id == Some(r.id))
        .min_by_key(|x| x.id)
    {
        return if by.kind == Kind::Repair {
            RecordStatus::Repaired(by.id)
        } else {
            RecordStatus::Revoked(by.id)
        };
    }
    if r.effective_on > day {
        return RecordStatus::NotYetEffective;
    }
    if !r.in_force(rules, day) {
        return RecordStatus::Expired;
    }
    if r.kind == Kind::Evaluation && !r.stars_x100.is_some_and(|s| (100..=500).contains(&s)) {
        return RecordStatus::Expired;
    }
    RecordStatus::Counts
}

/// The last day a record counts under `rules` (the day before it stops).
pub fn counts_until(r: &RecordFacts, rules: &RuleSet) -> NaiveDate {
    let end = r.valid_until.min(rules.default_valid_until(r.effective_on));
    end.pred_opt().unwrap_or(end)
}

/// A score written out as arithmetic a reader can check, one line per part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// e.g. "70 − 5 − 3 = 62"
    pub regulator: String,
    /// e.g. "10 − 5 = 5"
    pub public: String,
    /// e.g. "20 × ((5.00 − 1) + (3.40 − 1)) ÷ (4 × 2) = 16.00", or "20" without evaluations.
    pub feedback: String,
    /// e.g. "+2", or "0"
    pub bonus: String,
    /// e.g. "62 + 5 + 16.00 + 2 = 85.00"
    pub total: String,
}

fn signed_terms(base: i32, terms: &[i32]) -> String {
    let mut s = base.to_string();
    for t in terms {
        if *t < 0 {
            s.push_str(&format!(" − {}", t.unsigned_abs()));
        } else {
            s.push_str(&format!(" + {t}"));
        }
    }
    s
}

/// Whole points when there are no hundredths ("62"), else "16.50".
pub fn fmt_points(x100: i32) -> String {
    if x100 % 100 == 0 {
        (x100 / 100).to_string()
    } else {
        fmt_x100(x100)
    }
}

fn fmt_minus(x100: i32) -> String {
    let s = fmt_points(x100);
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// Writes out how `s` follows from the counted records (`counted`: the records whose ids
/// are in `s.counted`). Parts that hit their floor or the total that hits 100 show it
/// ("70 − 30 − 30 − 30 = −20 → 0").
pub fn explain(s: &Score, counted: &[RecordFacts]) -> Explanation {
    let pts = |p: Part| -> Vec<i32> {
        counted
            .iter()
            .filter(|r| r.kind.part() == p)
            .map(|r| r.points)
            .collect()
    };
    let part = |base: i32, p: Part, result_x100: i32| -> String {
        let terms = pts(p);
        if terms.is_empty() {
            return base.to_string();
        }
        let raw: i32 = base + terms.iter().sum::<i32>();
        let mut out = format!("{} = {}", signed_terms(base, &terms), fmt_minus(raw * 100));
        if raw * 100 != result_x100 {
            out.push_str(&format!(" → {}", fmt_points(result_x100)));
        }
        out
    };
    let stars: Vec<i32> = counted
        .iter()
        .filter(|r| r.kind.part() == Part::Feedback)
        .filter_map(|r| r.stars_x100)
        .collect();
    let feedback = if stars.is_empty() {
        "20".to_string()
    } else {
        let inner: Vec<String> = stars
            .iter()
            .map(|s| format!("({} − 1)", fmt_x100(*s)))
            .collect();
        format!(
            "20 × ({}) ÷ (4 × {}) = {}",
            inner.join(" + "),
            stars.len(),
            fmt_x100(s.feedback_x100)
        )
    };
    let bonus_terms = pts(Part::Bonus);
    let bonus = if bonus_terms.is_empty() {
        "0".to_string()
    } else {
        let parts: Vec<String> = bonus_terms.iter().map(|p| format!("+{p}")).collect();
        parts.join(" ")
    };
    let raw_total = s.regulator_x100 + s.public_x100 + s.feedback_x100 + s.bonus_x100;
    let mut total = format!(
        "{} + {} + {} + {} = {}",
        fmt_points(s.regulator_x100),
        fmt_points(s.public_x100),
        fmt_points(s.feedback_x100),
        fmt_points(s.bonus_x100),
        fmt_x100(raw_total)
    );
    if raw_total != s.total_x100 {
        total.push_str(&format!(" → {}", fmt_x100(s.total_x100)));
    }
    Explanation {
        regulator: part(70, Part::Regulator, s.regulator_x100),
        public: part(10, Part::Public, s.public_x100),
        feedback,
        bonus,
        total,
    }
}

/// The fields of the rule-set form, in form order.
pub const RULE_FIELDS: [&str; 6] = [
    "grade_a",
    "grade_b",
    "grade_c",
    "late_step_percent",
    "repair_after_percent",
    "validity_years",
];

/// Every problem of a rule set, by form field (`grade_a` … or `points.<kind>`), each with the
/// locale key of its message: what [`RuleSet::validate`] refuses, told field by field.
pub fn rule_field_problems(r: &RuleSet) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut put = |f: &str, k: &'static str| out.push((f.to_string(), k));
    if !(1..=100).contains(&r.grade_a) {
        put("grade_a", "credit.err.rules_grade_range");
    }
    if !(1..=100).contains(&r.grade_b) {
        put("grade_b", "credit.err.rules_grade_range");
    } else if r.grade_b >= r.grade_a {
        put("grade_b", "credit.err.rules_b_below_a");
    }
    if !(1..=100).contains(&r.grade_c) {
        put("grade_c", "credit.err.rules_grade_range");
    } else if r.grade_c >= r.grade_b {
        put("grade_c", "credit.err.rules_c_below_b");
    }
    if !(1..=100).contains(&r.late_step_percent) {
        put("late_step_percent", "credit.err.rules_percent");
    }
    if !(1..=100).contains(&r.repair_after_percent) {
        put("repair_after_percent", "credit.err.rules_percent");
    }
    if !(1..=10).contains(&r.validity_years) {
        put("validity_years", "credit.err.rules_years");
    }
    for k in Kind::SCORED {
        let f = format!("points.{}", k.code());
        match r.points.get(k.code()) {
            None => put(&f, "v.required"),
            Some(&p) => {
                let key = match k.part() {
                    Part::Bonus if !(1..=10).contains(&p) => Some("credit.err.rules_bonus"),
                    Part::Public if !(-10..=-1).contains(&p) => Some("credit.err.rules_public"),
                    Part::Regulator if !(-70..=-1).contains(&p) => {
                        Some("credit.err.rules_deduction")
                    }
                    _ => None,
                };
                if let Some(key) = key {
                    put(&f, key);
                }
            }
        }
    }
    out
}

/// The day a regulator's record takes effect: not in the future, and not so long ago that
/// it would no longer count under `rules`. Returns the locale key of the refusal.
pub fn check_effective_on(
    day: NaiveDate,
    today: NaiveDate,
    rules: &RuleSet,
) -> Result<(), &'static str> {
    if day > today {
        Err("credit.err.effective_future")
    } else if rules.default_valid_until(day) <= today {
        Err("credit.err.effective_old")
    } else {
        Ok(())
    }
}

// ------------------------------------------------------------------ the regulators' forms

pub const EVIDENCE_MAX: usize = 2000;
pub const RECORD_BASIS_MAX: usize = 500;
/// A revocation's reason.
pub const REVOKE_REASON_MAX: usize = 500;
pub const LISTING_REASON_MAX: usize = 1000;
pub const LISTING_BASIS_MAX: usize = 300;

/// A whole number typed by a person: full-width digits and the minus sign "−" accepted.
pub fn parse_int(s: &str) -> Option<i32> {
    let t: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '−' | '－' => '-',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '＋' => '+',
            c => c,
        })
        .collect();
    t.parse().ok()
}

/// A regulator's credit record as typed (the document is checked where it is received).
#[derive(Clone, Debug, Default)]
pub struct RecordInput {
    pub kind: String,
    pub points: String,
    pub evidence: String,
    pub legal_basis: String,
    /// `YYYY-MM-DD`; empty is today.
    pub effective_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordForm {
    pub kind: Kind,
    pub points: i32,
    pub evidence: String,
    pub legal_basis: String,
    pub effective_on: NaiveDate,
}

/// Checks a regulator's record on `today` under the rule set in force: a kind of the
/// regulator's form, the points the rule set gives it, evidence and legal basis, an
/// effective day not in the future and not so old that it no longer counts.
pub fn parse_record(
    i: &RecordInput,
    today: NaiveDate,
    rules: &RuleSet,
) -> Result<RecordForm, Vec<Problem>> {
    let mut p = Vec::new();
    let kind = match Kind::parse(i.kind.trim()) {
        Some(k) if Kind::REGULATOR_FORM.contains(&k) => Some(k),
        _ if i.kind.trim().is_empty() => {
            p.push(Problem::new("kind", "v.required"));
            None
        }
        _ => {
            p.push(Problem::new("kind", "credit.err.kind"));
            None
        }
    };
    let points = match parse_int(&i.points) {
        Some(n) => Some(n),
        None if i.points.trim().is_empty() => {
            p.push(Problem::new("points", "v.required"));
            None
        }
        None => {
            p.push(Problem::new("points", "credit.err.integer"));
            None
        }
    };
    if let (Some(k), Some(n)) = (kind, points)
        && let Err(e) = rules.check_points(k, n)
    {
        p.push(Problem {
            field: "points",
            key: e.key(),
            args: e.args(),
        });
    }
    let evidence = validate::field(
        &mut p,
        "evidence",
        validate::text(&i.evidence, EVIDENCE_MAX, true),
    );
    let legal_basis = validate::field(
        &mut p,
        "legal_basis",
        validate::text(&i.legal_basis, RECORD_BASIS_MAX, true),
    );
    let effective_on = if i.effective_on.trim().is_empty() {
        Some(today)
    } else {
        match NaiveDate::parse_from_str(i.effective_on.trim(), "%Y-%m-%d") {
            Ok(d) => check_effective_on(d, today, rules)
                .map_err(|key| p.push(Problem::new("effective_on", key)))
                .ok()
                .map(|()| d),
            Err(_) => {
                p.push(Problem::new("effective_on", "agency.v.date_invalid"));
                None
            }
        }
    };
    match (kind, points, evidence, legal_basis, effective_on) {
        (Some(kind), Some(points), Some(evidence), Some(legal_basis), Some(effective_on))
            if p.is_empty() =>
        {
            Ok(RecordForm {
                kind,
                points,
                evidence,
                legal_basis,
                effective_on,
            })
        }
        _ => Err(p),
    }
}

/// A blacklist or ban period as typed.
#[derive(Clone, Debug, Default)]
pub struct PeriodInput {
    pub reason: String,
    pub legal_basis: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodForm {
    pub reason: String,
    pub legal_basis: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Checks a listing or ban entered on `today`; `months` is the allowed length
/// ([`check_period`]). A refused period is reported beside the start (when it is the start
/// that is out of range) or the end.
pub fn parse_period(
    i: &PeriodInput,
    today: NaiveDate,
    months: (u32, u32),
) -> Result<PeriodForm, Vec<Problem>> {
    let mut p = Vec::new();
    let reason = validate::field(
        &mut p,
        "reason",
        validate::text(&i.reason, LISTING_REASON_MAX, true),
    );
    let basis = validate::field(
        &mut p,
        "legal_basis",
        validate::text(&i.legal_basis, LISTING_BASIS_MAX, true),
    );
    let mut day = |field: &'static str, s: &str| {
        if s.trim().is_empty() {
            p.push(Problem::new(field, "v.required"));
            return None;
        }
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| p.push(Problem::new(field, "sanctions.err.date")))
            .ok()
    };
    let starts = day("starts_on", &i.starts_on);
    let ends = day("ends_on", &i.ends_on);
    if let (Some(s), Some(e)) = (starts, ends)
        && let Err(err) = check_period(s, e, today, months)
    {
        let field = match err {
            CreditError::StartOutOfRange => "starts_on",
            _ => "ends_on",
        };
        p.push(Problem {
            field,
            key: err.key(),
            args: err.args(),
        });
    }
    match (reason, basis, starts, ends) {
        (Some(reason), Some(legal_basis), Some(starts_on), Some(ends_on)) if p.is_empty() => {
            Ok(PeriodForm {
                reason,
                legal_basis,
                starts_on,
                ends_on,
            })
        }
        _ => Err(p),
    }
}

/// A person banned with an agency, typed by name and ID number (judged on `today`); the
/// fields are `name` and `id_number`.
pub fn parse_person(
    name: &str,
    id_number: &str,
    today: NaiveDate,
) -> Result<(String, String), Vec<Problem>> {
    let mut p = Vec::new();
    let name = validate::field(&mut p, "name", validate::person_name(name));
    let id = super::idcard::IdNumber::parse_on(id_number, today)
        .map_err(|e| p.push(Problem::new("id_number", e.key())))
        .ok();
    match (name, id) {
        (Some(n), Some(i)) => Ok((n, i.into_inner())),
        _ => Err(p),
    }
}

/// Masks ID numbers, phone numbers and e-mail addresses inside free text (evidence, reasons)
/// before it is shown publicly: runs of 11 or more digits (an ID number may end in X) and
/// words containing `@`.
pub fn mask_free_text(s: &str) -> String {
    use crate::domain::mask;
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j < chars.len() && (chars[j] == 'X' || chars[j] == 'x') && j - i == 17 {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            if j - i >= 11 {
                if j - i == 15 || j - i == 18 {
                    out.push_str(&mask::mask_id(&run));
                } else {
                    out.push_str(&mask::mask_phone(&run));
                }
            } else {
                out.push_str(&run);
            }
            i = j;
        } else if c.is_ascii_alphanumeric() || "._%+-".contains(c) {
            // A word of ASCII: an e-mail address if it contains '@'.
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_alphanumeric() || "._%+-@".contains(chars[j]))
            {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            if word.contains('@') {
                out.push_str(&mask::mask_email(&word));
                i = j;
            } else {
                // Digits inside the word are looked at on their own.
                let k = chars[i..j]
                    .iter()
                    .position(|c| c.is_ascii_digit())
                    .map_or(j, |p| i + p);
                let k = k.max(i + 1);
                out.extend(&chars[i..k]);
                i = k;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rec(id: i64, kind: Kind, points: i32, from: &str) -> RecordFacts {
        let rules = RuleSet::default();
        RecordFacts {
            id,
            kind,
            points,
            stars_x100: None,
            effective_on: d(from),
            valid_until: rules.default_valid_until(d(from)),
            revokes_id: None,
        }
    }

    #[test]
    fn seed_in_migrations_is_the_default_rule_set() {
        for sql in [
            include_str!("../../migrations/sqlite/2026-11-28-000004_credit/up.sql"),
            include_str!("../../migrations/postgres/2026-11-28-000004_credit/up.sql"),
        ] {
            let json = RuleSet::default().to_json();
            assert!(
                sql.contains(&format!("'{json}'")),
                "seed differs from default: {json}"
            );
        }
        RuleSet::default().validate().unwrap();
    }

    #[test]
    fn no_records_is_a_full_score() {
        let s = score(&[], &RuleSet::default(), d("2026-11-28"));
        assert_eq!(
            (
                s.regulator_x100,
                s.public_x100,
                s.feedback_x100,
                s.total_x100
            ),
            (7000, 1000, 2000, 10000)
        );
        assert_eq!(s.grade, Grade::A);
    }

    #[test]
    fn a_worked_example() {
        let r = RuleSet::default();
        let mut e1 = rec(3, Kind::Evaluation, 0, "2026-03-01");
        e1.stars_x100 = Some(500);
        let mut e2 = rec(4, Kind::Evaluation, 0, "2026-04-01");
        e2.stars_x100 = Some(340);
        let recs = vec![
            rec(1, Kind::Forfeit, -5, "2026-01-10"),
            rec(2, Kind::AbnormalOperation, -5, "2026-02-01"),
            e1,
            e2,
            rec(5, Kind::Commendation, 2, "2026-05-01"),
        ];
        let s = score(&recs, &r, d("2026-11-28"));
        assert_eq!(s.regulator_x100, 6500);
        assert_eq!(s.public_x100, 500);
        // mean of (400/400, 240/400) = 0.8 → 16.00
        assert_eq!(s.feedback_x100, 1600);
        assert_eq!(s.bonus_x100, 200);
        assert_eq!(s.total_x100, 8800);
        assert_eq!(s.grade, Grade::B);
        assert_eq!(fmt_x100(s.total_x100), "88.00");
        assert_eq!(s.counted, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn records_count_only_within_their_validity() {
        let r = RuleSet::default();
        let x = rec(1, Kind::InspectionFailure, -10, "2023-06-01");
        assert_eq!(
            score(std::slice::from_ref(&x), &r, d("2026-05-31")).total_x100,
            9000
        );
        // Three years after it took effect it stops counting.
        assert_eq!(
            score(std::slice::from_ref(&x), &r, d("2026-06-01")).total_x100,
            10000
        );
        // Not yet in effect.
        assert_eq!(score(&[x], &r, d("2023-05-31")).total_x100, 10000);
        // Shorter validity in a later rule set takes effect at once.
        let short = RuleSet {
            validity_years: 1,
            ..RuleSet::default()
        };
        let y = rec(2, Kind::Forfeit, -5, "2025-01-01");
        assert_eq!(score(&[y], &short, d("2026-11-28")).total_x100, 10000);
    }

    #[test]
    fn parts_do_not_go_below_zero_and_total_is_capped() {
        let r = RuleSet::default();
        let many: Vec<_> = (0..5)
            .map(|i| rec(i, Kind::FalseReport, -30, "2026-01-01"))
            .collect();
        let s = score(&many, &r, d("2026-11-28"));
        assert_eq!(s.regulator_x100, 0);
        assert_eq!(s.total_x100, 3000);
        assert_eq!(s.grade, Grade::D);
        let bonus: Vec<_> = (0..5)
            .map(|i| rec(i, Kind::Commendation, 2, "2026-01-01"))
            .collect();
        assert_eq!(score(&bonus, &r, d("2026-11-28")).total_x100, 10000);
    }

    #[test]
    fn revocation_restores_from_its_date() {
        let r = RuleSet::default();
        let x = rec(1, Kind::FalseMaterials, -20, "2026-01-01");
        let mut v = rec(2, Kind::Revocation, 0, "2026-03-01");
        v.revokes_id = Some(1);
        let s = score(&[x.clone(), v.clone()], &r, d("2026-02-01"));
        assert_eq!(s.total_x100, 8000);
        let s = score(&[x, v], &r, d("2026-03-01"));
        assert_eq!(s.total_x100, 10000);
        assert_eq!(s.revoked, vec![1]);
    }

    #[test]
    fn points_must_come_from_the_rule_set() {
        let r = RuleSet::default();
        assert!(r.check_points(Kind::Forfeit, -5).is_ok());
        assert_eq!(
            r.check_points(Kind::Forfeit, -6),
            Err(CreditError::PointsNotInRules {
                expected: "-5".into()
            })
        );
        assert!(r.check_points(Kind::LateDelivery, -6).is_ok());
        assert!(r.check_points(Kind::LateDelivery, -3).is_err());
        assert!(r.check_points(Kind::LateDelivery, 2).is_err());
        assert!(r.check_points(Kind::LateDelivery, 0).is_err());
        assert!(r.check_points(Kind::Commendation, 2).is_ok());
        assert!(r.check_points(Kind::Commendation, 20).is_err());
        assert!(r.check_points(Kind::Revocation, 0).is_ok());
        assert!(r.check_points(Kind::Revocation, -1).is_err());
    }

    #[test]
    fn late_delivery_per_started_step() {
        let r = RuleSet::default();
        assert_eq!(r.late_delivery_points(0), 0);
        assert_eq!(r.late_delivery_points(5), -2);
        assert_eq!(r.late_delivery_points(10), -2);
        assert_eq!(r.late_delivery_points(25), -6);
        assert_eq!(r.late_delivery_points(10_000), -70);
    }

    #[test]
    fn grades_at_thresholds() {
        let r = RuleSet::default();
        assert_eq!(r.grade(9000), Grade::A);
        assert_eq!(r.grade(8999), Grade::B);
        assert_eq!(r.grade(7500), Grade::B);
        assert_eq!(r.grade(7499), Grade::C);
        assert_eq!(r.grade(6000), Grade::C);
        assert_eq!(r.grade(5999), Grade::D);
    }

    #[test]
    fn rule_sets_are_validated() {
        let r = RuleSet {
            grade_b: 95,
            ..RuleSet::default()
        };
        assert!(r.validate().is_err());
        let mut r = RuleSet::default();
        r.points.insert("forfeit".into(), 5);
        assert!(r.validate().is_err());
        let mut r = RuleSet::default();
        r.points.remove("forfeit");
        assert!(r.validate().is_err());
        let mut r = RuleSet::default();
        r.points.insert("bogus".into(), -1);
        assert!(r.validate().is_err());
        assert!(RuleSet::from_json("{\"grade_a\":1}").is_err());
        assert_eq!(
            RuleSet::from_json(&RuleSet::default().to_json()).unwrap(),
            RuleSet::default()
        );
    }

    #[test]
    fn periods_and_repair() {
        let today = d("2026-11-28");
        let m = BLACKLIST_MONTHS;
        assert!(check_period(today, d("2027-11-28"), today, m).is_ok());
        assert!(check_period(today, d("2029-11-28"), today, m).is_ok());
        assert_eq!(
            check_period(today, d("2026-11-01"), today, m),
            Err(CreditError::EndBeforeStart)
        );
        assert!(matches!(
            check_period(today, d("2029-11-29"), today, m),
            Err(CreditError::PeriodOutOfRange { .. })
        ));
        assert!(matches!(
            check_period(today, d("2027-06-01"), today, m),
            Err(CreditError::PeriodOutOfRange { .. })
        ));
        assert_eq!(
            check_period(d("2026-01-01"), d("2027-01-01"), today, m),
            Err(CreditError::StartOutOfRange)
        );
        let r = RuleSet::default();
        // Two years: repair from the first anniversary.
        let (s, e) = (d("2026-01-01"), d("2028-01-01"));
        assert_eq!(r.repair_available_on(s, e), d("2027-01-01"));
        assert!(r.check_repair(s, e, d("2026-12-31")).is_err());
        assert!(r.check_repair(s, e, d("2027-01-01")).is_ok());
    }

    #[test]
    fn periods_end_by_themselves() {
        let p = Period {
            starts_on: d("2026-01-01"),
            ends_on: d("2027-01-01"),
            ended_on: None,
        };
        assert!(!p.active_on(d("2025-12-31")));
        assert!(p.active_on(d("2026-01-01")));
        assert!(p.active_on(d("2026-12-31")));
        assert!(!p.active_on(d("2027-01-01")));
        let repaired = Period {
            ended_on: Some(d("2026-07-01")),
            ..p
        };
        assert!(!repaired.active_on(d("2026-07-01")));
        let f = SanctionFacts {
            blacklist: vec![p],
            bans: vec![],
            banned_managers: vec![("张*".into(), p)],
        };
        let r = restrictions(&f, d("2026-06-01"));
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].key(), "credit.restrict.blacklisted");
        assert_eq!(r[1].key(), "credit.restrict.banned_manager");
        assert_eq!(r[0].period(), (d("2026-01-01"), d("2027-01-01")));
        assert_eq!(r[0].tag_key(), "credit.tag.blacklisted");
        // Ended early by a repair: the period shown ends then.
        let f2 = SanctionFacts {
            blacklist: vec![repaired],
            ..SanctionFacts::default()
        };
        assert_eq!(
            restrictions(&f2, d("2026-06-01"))[0].period(),
            (d("2026-01-01"), d("2026-07-01"))
        );
        assert!(restrictions(&f, d("2027-01-01")).is_empty());
    }

    #[test]
    fn automatic_records_take_the_rule_sets_points() {
        let mut r = RuleSet::default();
        assert_eq!(r.automatic_points(Kind::Forfeit, 0), -5);
        assert_eq!(r.automatic_points(Kind::RefusedToSign, 0), -5);
        assert_eq!(r.automatic_points(Kind::LateDelivery, 25), -6);
        assert_eq!(r.automatic_points(Kind::Evaluation, 0), 0);
        assert_eq!(r.automatic_points(Kind::Revocation, 0), 0);
        r.points.insert("forfeit".into(), -8);
        assert_eq!(r.automatic_points(Kind::Forfeit, 0), -8);
    }

    #[test]
    fn evidence_round_trips_and_names_the_announcement() {
        let e = Evidence::new("credit.ev.forfeit").announcement(15, "道路工程 · 节能评估");
        let back = Evidence::from_json(&e.to_json()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.announcement, Some(15));
        assert_eq!(
            back.arg_pairs(),
            vec![("number", "15"), ("title", "道路工程 · 节能评估")]
        );
        assert_eq!(Evidence::from_json("not json"), None);
        assert_eq!(Evidence::from_json("{\"key\":\"\"}"), None);
    }

    #[test]
    fn star_means() {
        assert_eq!(stars_mean_x100(&[5, 5, 5, 5, 5]), Ok(500));
        assert_eq!(stars_mean_x100(&[5, 4, 4, 4, 4]), Ok(420));
        assert_eq!(stars_mean_x100(&[1, 2]), Ok(150));
        assert_eq!(stars_mean_x100(&[1, 1, 2]), Ok(133));
        assert!(stars_mean_x100(&[0, 5]).is_err());
        assert!(stars_mean_x100(&[6]).is_err());
        assert!(stars_mean_x100(&[]).is_err());
    }

    #[test]
    fn no_red_list_under_sanctions() {
        assert!(Grade::A.red_list(false));
        assert!(!Grade::A.red_list(true));
        assert!(!Grade::B.red_list(false));
        assert_eq!(Grade::parse("C"), Some(Grade::C));
        assert_eq!(Grade::parse("E"), None);
    }

    #[test]
    fn domains() {
        assert_eq!(
            reach_since(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()),
            NaiveDate::from_ymd_opt(2023, 12, 3).unwrap()
        );
        // 29 February falls back to the 28th three years on.
        assert_eq!(
            reach_since(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()),
            NaiveDate::from_ymd_opt(2025, 2, 28).unwrap()
        );
        assert!(in_domain(Some(3), &[1, 3]));
        assert!(!in_domain(Some(2), &[1, 3]));
        assert!(!in_domain(None, &[1, 3]));
    }

    #[test]
    fn explanation_lets_a_reader_recompute() {
        let r = RuleSet::default();
        let mut e1 = rec(3, Kind::Evaluation, 0, "2026-03-01");
        e1.stars_x100 = Some(500);
        let mut e2 = rec(4, Kind::Evaluation, 0, "2026-04-01");
        e2.stars_x100 = Some(340);
        let recs = vec![
            rec(1, Kind::Forfeit, -5, "2026-01-10"),
            rec(2, Kind::AbnormalOperation, -5, "2026-02-01"),
            e1,
            e2,
            rec(5, Kind::Commendation, 2, "2026-05-01"),
            rec(6, Kind::UpheldComplaint, -3, "2026-05-02"),
        ];
        let day = d("2026-11-28");
        let s = score(&recs, &r, day);
        let counted: Vec<_> = recs
            .iter()
            .filter(|x| s.counted.contains(&x.id))
            .cloned()
            .collect();
        let e = explain(&s, &counted);
        assert_eq!(e.regulator, "70 − 5 − 3 = 62");
        assert_eq!(e.public, "10 − 5 = 5");
        assert_eq!(
            e.feedback,
            "20 × ((5.00 − 1) + (3.40 − 1)) ÷ (4 × 2) = 16.00"
        );
        assert_eq!(e.bonus, "+2");
        assert_eq!(e.total, "62 + 5 + 16 + 2 = 85.00");
        let none = explain(&score(&[], &r, day), &[]);
        assert_eq!(none.total, "70 + 10 + 20 + 0 = 100.00");
        let many: Vec<_> = (0..3)
            .map(|i| rec(i, Kind::FalseReport, -30, "2026-01-01"))
            .collect();
        let s = score(&many, &r, day);
        assert_eq!(explain(&s, &many).regulator, "70 − 30 − 30 − 30 = −20 → 0");
        let bonus: Vec<_> = (0..2)
            .map(|i| rec(i, Kind::Commendation, 2, "2026-01-01"))
            .collect();
        let s = score(&bonus, &r, day);
        assert_eq!(
            explain(&s, &bonus).total,
            "70 + 10 + 20 + 4 = 104.00 → 100.00"
        );
    }

    #[test]
    fn statuses_agree_with_the_score() {
        let r = RuleSet::default();
        let old = rec(1, Kind::Forfeit, -5, "2022-01-01");
        let x = rec(2, Kind::FalseMaterials, -20, "2026-01-01");
        let mut v = rec(3, Kind::Revocation, 0, "2026-03-01");
        v.revokes_id = Some(2);
        let y = rec(4, Kind::Blacklisted, -10, "2026-01-01");
        let mut rp = rec(5, Kind::Repair, 0, "2026-06-01");
        rp.revokes_id = Some(4);
        let future = rec(6, Kind::Forfeit, -5, "2027-01-01");
        let ok = rec(7, Kind::UpheldComplaint, -3, "2026-02-01");
        let all = vec![old, x, v, y, rp, future, ok];
        let day = d("2026-11-28");
        let st: Vec<_> = all
            .iter()
            .map(|x| record_status(x, &all, &r, day))
            .collect();
        assert_eq!(
            st,
            vec![
                RecordStatus::Expired,
                RecordStatus::Revoked(3),
                RecordStatus::Action,
                RecordStatus::Repaired(5),
                RecordStatus::Action,
                RecordStatus::NotYetEffective,
                RecordStatus::Counts,
            ]
        );
        let s = score(&all, &r, day);
        for x in &all {
            assert_eq!(
                record_status(x, &all, &r, day).counts(),
                s.counted.contains(&x.id),
                "record {}",
                x.id
            );
        }
        assert_eq!(counts_until(&all[0], &r), d("2024-12-31"));
    }

    #[test]
    fn rule_problems_are_told_per_field() {
        assert!(rule_field_problems(&RuleSet::default()).is_empty());
        let r = RuleSet {
            grade_b: 95,
            grade_c: 0,
            validity_years: 11,
            ..RuleSet::default()
        };
        let p = rule_field_problems(&r);
        assert!(p.contains(&("grade_b".into(), "credit.err.rules_b_below_a")));
        assert!(p.contains(&("grade_c".into(), "credit.err.rules_grade_range")));
        assert!(p.contains(&("validity_years".into(), "credit.err.rules_years")));
        let mut r = RuleSet::default();
        r.points.insert("forfeit".into(), 5);
        r.points.insert("commendation".into(), 0);
        r.points.insert("abnormal_operation".into(), -11);
        let p = rule_field_problems(&r);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(r.validate().is_err());
    }

    #[test]
    fn effective_dates() {
        let r = RuleSet::default();
        let today = d("2026-11-28");
        assert!(check_effective_on(today, today, &r).is_ok());
        assert_eq!(
            check_effective_on(d("2026-11-29"), today, &r),
            Err("credit.err.effective_future")
        );
        assert!(check_effective_on(d("2023-11-29"), today, &r).is_ok());
        assert_eq!(
            check_effective_on(d("2023-11-28"), today, &r),
            Err("credit.err.effective_old")
        );
    }

    #[test]
    fn free_text_is_masked() {
        assert_eq!(
            mask_free_text("联系人电话13812345678，身份证510402198001011234。"),
            "联系人电话138****5678，身份证5104**********1234。"
        );
        assert_eq!(
            mask_free_text("见 zhang.san@example.com 来函"),
            "见 z***@example.com 来函"
        );
        assert_eq!(
            mask_free_text("攀环罚〔2026〕12号，合同编号 HT2026001"),
            "攀环罚〔2026〕12号，合同编号 HT2026001"
        );
        assert_eq!(
            mask_free_text("ID 11010519491231002X"),
            "ID 1101**********002X"
        );
    }

    fn arb_record() -> impl Strategy<Value = RecordFacts> {
        let kinds = prop::sample::select(
            Kind::ALL
                .into_iter()
                .filter(|k| !k.revokes())
                .collect::<Vec<_>>(),
        );
        (kinds, 0i64..1500, 100i32..=500, 1u32..=60).prop_map(|(kind, day, stars, steps)| {
            let r = RuleSet::default();
            let from = d("2022-01-01") + chrono::Duration::days(day);
            let points = match kind {
                Kind::LateDelivery => r.late_delivery_points(steps),
                Kind::Evaluation => 0,
                k => r.points_for(k),
            };
            RecordFacts {
                id: 0,
                kind,
                points,
                stars_x100: (kind == Kind::Evaluation).then_some(stars),
                effective_on: from,
                valid_until: r.default_valid_until(from),
                revokes_id: None,
            }
        })
    }

    fn numbered(mut v: Vec<RecordFacts>) -> Vec<RecordFacts> {
        for (i, r) in v.iter_mut().enumerate() {
            r.id = i as i64 + 1;
        }
        v
    }

    proptest! {
        #[test]
        fn score_stays_within_0_and_100(recs in prop::collection::vec(arb_record(), 0..40), day in 0i64..2500) {
            let recs = numbered(recs);
            let s = score(&recs, &RuleSet::default(), d("2022-01-01") + chrono::Duration::days(day));
            prop_assert!((0..=10000).contains(&s.total_x100));
            prop_assert!((0..=7000).contains(&s.regulator_x100));
            prop_assert!((0..=1000).contains(&s.public_x100));
            prop_assert!((0..=2000).contains(&s.feedback_x100));
        }

        #[test]
        fn order_does_not_matter(recs in prop::collection::vec(arb_record(), 0..30), seed in any::<u64>()) {
            let recs = numbered(recs);
            let mut shuffled = recs.clone();
            // A deterministic shuffle from the seed.
            let mut x = seed | 1;
            for i in (1..shuffled.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                shuffled.swap(i, (x % (i as u64 + 1)) as usize);
            }
            let day = d("2025-06-01");
            let (a, b) = (score(&recs, &RuleSet::default(), day), score(&shuffled, &RuleSet::default(), day));
            prop_assert_eq!(a.total_x100, b.total_x100);
            prop_assert_eq!(a.grade, b.grade);
        }

        #[test]
        fn a_record_outside_its_validity_changes_nothing(recs in prop::collection::vec(arb_record(), 0..30), extra in arb_record(), day in 0i64..2500) {
            let day = d("2022-01-01") + chrono::Duration::days(day);
            let rules = RuleSet::default();
            let recs = numbered(recs);
            let mut extra = extra;
            extra.id = 10_000;
            prop_assume!(!extra.in_force(&rules, day));
            let mut with = recs.clone();
            with.push(extra);
            prop_assert_eq!(score(&recs, &rules, day).total_x100, score(&with, &rules, day).total_x100);
        }

        #[test]
        fn revoking_a_record_restores_the_score_exactly(recs in prop::collection::vec(arb_record(), 0..30), extra in arb_record(), day in 0i64..2500) {
            let day = d("2022-01-01") + chrono::Duration::days(day);
            let rules = RuleSet::default();
            let recs = numbered(recs);
            let mut extra = extra;
            extra.id = 10_000;
            let mut with = recs.clone();
            with.push(extra.clone());
            with.push(RecordFacts {
                id: 10_001,
                kind: Kind::Revocation,
                points: 0,
                stars_x100: None,
                effective_on: extra.effective_on,
                valid_until: NaiveDate::MAX,
                revokes_id: Some(10_000),
            });
            prop_assert_eq!(score(&recs, &rules, day), {
                let mut s = score(&with, &rules, day);
                s.revoked.retain(|&id| id != 10_000);
                s
            });
        }
    }
}
