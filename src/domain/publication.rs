//! Publication rules of an announcement: what the owner types (projects and
//! announcement drafts, field by field), what must hold before an announcement is published,
//! and which changes are allowed after. Pure functions; the models layer gathers the facts
//! (the item, the project, the owner's department, the working-day calendar, registered
//! agency names) inside the write transaction and calls [`check`] or [`check_change`].
//!
//! Times: the owner types the quote deadline as a date and a time in China time (UTC+8, no
//! daylight saving); it is stored in UTC ([`china_to_utc`]).
//!
//! Before publication, every rule is checked and every failure reported ([`check`]):
//! 1. the item is retained (保留) in the catalogue;
//! 2. payer rule (附件4 (五)): an item paid by the approval department (`payer = department`)
//!    is commissioned by that department, whose staff act as the owner: it may be published
//!    only in a project of that department ([`rule_payer`]); a department's project publishes
//!    only the items it pays for, and an owner's project none of them;
//! 3. 直接选取 only for projects without fiscal funds;
//! 4. the service time limit is not above the item's statutory time limit;
//! 5. a cap price 最高限价 is required for the modes that take quotes; under government
//!    pricing the cap may not be below the government price (the fixed fee, or the guided
//!    range's minimum), since no quote could then be valid. A cap above the range maximum is
//!    not refused: quotes are checked against the range at submission;
//! 6. the deadline is in the future, and the quote window is at least
//!    [`QUOTE_WINDOW_WORKING_DAYS`] working days: **the deadline's China date must be on or
//!    after `calendar.add_working_days(publication China date, 3)`** — equivalently
//!    `working_days_between(publication day, deadline day) >= 3`; the publication day itself
//!    never counts (the counting convention of `domain::workdays`);
//! 7. the weights of 综合评审 are given, each inside its published range, summing to 100;
//! 8. the credit-grade bar is none or "not D" (`eligibility::valid_grade_bar`);
//! 9. the 公平竞争 screen ([`super::fairness`]) finds nothing in the scope or the witness;
//! 10. 提速 20% (附件4 (九)): a service time limit longer than [`speedup_target`] (80% of the
//!     statutory limit, rounded **down** to whole days so the service is at least 20% faster,
//!     and at least 1 day) needs a stated reason, which the announcement shows; an empty time
//!     limit on the form means the target ([`fill_default_time_limit`]);
//! 11. 采购限额 (附件4 (十一)): a project with fiscal funds states a cap, and the cap stays
//!     below the procurement threshold (admin setting): at or above it the service belongs to
//!     government procurement, not to the marketplace;
//! 12. 区域评估 (附件4 (十)): when a valid regional assessment covers the item in the project's
//!     zone, no separate assessment is needed unless the project is a special or a major one:
//!     the owner must declare which, with a reason, to publish;
//! 13. 自行编制 (附件4 (九)): an item the owner declared to prepare itself in this project is not
//!     also commissioned ([`check_self_preparation`] is the declaration's own rule).
//!
//! After publication ([`check_change`]):
//! - the mode and the item cannot change (cancel and publish anew);
//! - a deadline change is refused once the current deadline is less than
//!   [`CHANGE_FREEZE_HOURS`] (48 h) away, and the new deadline must be at least
//!   [`MIN_EXTENSION_HOURS`] (48 h) **later** than the current one (a deadline is never
//!   brought forward); the working-day window of rule 6 is not re-applied;
//! - a *material* edit (scope, cap, time limit, weights, grade bar: what a quote is priced
//!   on) needs at least [`CHANGE_FREEZE_HOURS`] before the deadline in force after the change,
//!   so agencies have time to re-confirm — the owner may extend the deadline in the same
//!   change; the rules of the edited fields are checked again (4, 5, 7, 8, 9, 10, 11, 12);
//!   the models layer then bumps the announcement's version.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::catalogue as vocab;
use super::credit::Grade;
use super::eligibility::valid_grade_bar;
use super::fairness;
use super::money::{Money, MoneyError};
use super::selection::{Mode, WeightRanges, Weights};
use super::status::ItemStatus;
use super::validate;
use super::workdays::Calendar;

pub const PROJECT_NAME_MAX: usize = 100;
pub const PROJECT_CODE_MAX: usize = 40;
pub const SCOPE_MAX: usize = 2000;
pub const WITNESS_MAX: usize = 50;
pub const CANCEL_REASON_MAX: usize = 500;
/// The longest reason (a long time limit, a special or major project, a self-preparation note).
pub const REASON_MAX: usize = 500;
/// The longest service time limit typed (the item's statutory limit is the real bound).
pub const DAYS_MAX: i32 = super::catalogue_rules::DAYS_MAX;
/// Minimum quote window, in working days after the publication day.
pub const QUOTE_WINDOW_WORKING_DAYS: u32 = 3;
/// No deadline change and no material edit this close to the deadline.
pub const CHANGE_FREEZE_HOURS: i64 = 48;
/// A deadline extension adds at least this much.
pub const MIN_EXTENSION_HOURS: i64 = 48;
/// China time is UTC+8 all year.
pub const CHINA_OFFSET_HOURS: i64 = 8;

/// One refused field (or the announcement as a whole when `field` is empty): the form
/// field's name, a locale key and its `{name}` arguments.
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
    fn with(mut self, name: &'static str, value: impl Into<String>) -> Problem {
        self.args.push((name, value.into()));
        self
    }
}

fn field_problem(field: &'static str, e: validate::FieldProblem) -> Problem {
    Problem {
        field,
        key: e.key(),
        args: e.args(),
    }
}

// ------------------------------------------------------------------ time

/// A China-time date and time as UTC.
pub fn china_to_utc(day: NaiveDate, time: NaiveTime) -> NaiveDateTime {
    day.and_time(time) - Duration::hours(CHINA_OFFSET_HOURS)
}

/// A UTC time as China time.
pub fn utc_to_china(t: NaiveDateTime) -> NaiveDateTime {
    t + Duration::hours(CHINA_OFFSET_HOURS)
}

/// The China date of a UTC time.
pub fn china_day(t: NaiveDateTime) -> NaiveDate {
    utc_to_china(t).date()
}

/// "2026-12-01 17:00" in China time.
pub fn fmt_china(t: NaiveDateTime) -> String {
    utc_to_china(t).format("%Y-%m-%d %H:%M").to_string()
}

// ------------------------------------------------------------------ projects

/// The project form as typed.
#[derive(Clone, Debug, Default)]
pub struct ProjectInput {
    pub name: String,
    pub code: String,
    pub region: String,
    /// "yes" or "no".
    pub fiscal_funds: String,
    /// Yuan.
    pub total_investment: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectTerms {
    pub name: String,
    /// 投资项目代码 (e.g. 2026-510402-04-01-123456): letters, digits and hyphens.
    pub code: String,
    /// A region code of `domain::catalogue::REGIONS`.
    pub region: String,
    pub fiscal_funds: bool,
    pub total_investment: Money,
}

/// Checks a project form; every refused field is reported.
pub fn parse_project(i: &ProjectInput) -> Result<ProjectTerms, Vec<Problem>> {
    let mut problems = Vec::new();
    let name = validate::text(&i.name, PROJECT_NAME_MAX, true)
        .map_err(|e| problems.push(field_problem("name", e)))
        .ok();
    let code = i.code.trim();
    if code.is_empty() {
        problems.push(Problem::new("code", "v.required"));
    } else if code.chars().count() > PROJECT_CODE_MAX
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        problems.push(
            Problem::new("code", "pub.err.project_code").with("max", PROJECT_CODE_MAX.to_string()),
        );
    }
    let region = i.region.trim();
    if !vocab::is_region(region) {
        problems.push(Problem::new("region", "pub.err.region"));
    }
    let fiscal = match i.fiscal_funds.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            problems.push(Problem::new("fiscal_funds", "pub.err.fiscal_funds"));
            None
        }
    };
    let total = Money::parse_yuan(&i.total_investment)
        .map_err(|e| problems.push(money_problem("total_investment", e)))
        .ok();
    match (name, fiscal, total) {
        (Some(name), Some(fiscal_funds), Some(total_investment)) if problems.is_empty() => {
            Ok(ProjectTerms {
                name,
                code: code.to_string(),
                region: region.to_string(),
                fiscal_funds,
                total_investment,
            })
        }
        _ => Err(problems),
    }
}

fn money_problem(field: &'static str, e: MoneyError) -> Problem {
    Problem::new(field, e.key())
}

// ------------------------------------------------------------------ announcement fields

/// The announcement form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnnouncementInput {
    pub item_id: String,
    pub scope: String,
    pub time_limit_days: String,
    /// Yuan; empty for none.
    pub cap: String,
    pub mode: String,
    /// China time, `YYYY-MM-DD`.
    pub deadline_date: String,
    /// China time, `HH:MM`.
    pub deadline_time: String,
    /// "" (no bar) or "C" (not D).
    pub min_grade: String,
    pub weight_price: String,
    pub weight_credit: String,
    pub weight_qual: String,
    pub complaint_phone: String,
    pub witness: String,
    /// Why the time limit is longer than the 20%-faster target (rule 10).
    pub time_limit_reason: String,
    /// "", "special" or "major" (rule 12).
    pub regional_exception: String,
    pub regional_exception_reason: String,
}

/// The owner's declaration that a project is a special or a major one (特殊工程 / 重大工程),
/// which a regional assessment does not cover (附件4 (十)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectClass {
    Special,
    Major,
}

impl ProjectClass {
    pub const ALL: [ProjectClass; 2] = [ProjectClass::Special, ProjectClass::Major];
    pub fn code(self) -> &'static str {
        match self {
            ProjectClass::Special => "special",
            ProjectClass::Major => "major",
        }
    }
    pub fn parse(s: &str) -> Option<ProjectClass> {
        ProjectClass::ALL.into_iter().find(|c| c.code() == s)
    }
    /// Locale key of its name.
    pub fn key(self) -> &'static str {
        match self {
            ProjectClass::Special => "policy.class.special",
            ProjectClass::Major => "policy.class.major",
        }
    }
}

/// An announcement's terms, each field well-formed (the publication rules come on top).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub item_id: i64,
    pub scope: String,
    pub time_limit_days: i32,
    pub cap: Option<Money>,
    pub mode: Mode,
    /// UTC.
    pub deadline: NaiveDateTime,
    pub min_grade: Option<Grade>,
    /// Only for 综合评审 (`None` for the other modes, whatever was typed).
    pub weights: Option<Weights>,
    pub complaint_phone: String,
    pub witness: String,
    /// Empty when none was given.
    pub time_limit_reason: String,
    pub regional_exception: Option<ProjectClass>,
    pub regional_exception_reason: String,
}

impl AnnouncementInput {
    /// The form filled with stored terms (deadline in China time).
    pub fn of(t: &Terms) -> AnnouncementInput {
        let local = utc_to_china(t.deadline);
        let w = |f: fn(&Weights) -> u32| t.weights.map(|w| f(&w).to_string()).unwrap_or_default();
        AnnouncementInput {
            item_id: t.item_id.to_string(),
            scope: t.scope.clone(),
            time_limit_days: t.time_limit_days.to_string(),
            cap: t.cap.map(Money::to_plain).unwrap_or_default(),
            mode: t.mode.code().to_string(),
            deadline_date: local.format("%Y-%m-%d").to_string(),
            deadline_time: local.format("%H:%M").to_string(),
            min_grade: t
                .min_grade
                .map(|g| g.code().to_string())
                .unwrap_or_default(),
            weight_price: w(|w| w.price),
            weight_credit: w(|w| w.credit),
            weight_qual: w(|w| w.qualification),
            complaint_phone: t.complaint_phone.clone(),
            witness: t.witness.clone(),
            time_limit_reason: t.time_limit_reason.clone(),
            regional_exception: t
                .regional_exception
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            regional_exception_reason: t.regional_exception_reason.clone(),
        }
    }
}

/// The service time limit the policy aims at (提速 20%): 80% of the statutory limit, rounded
/// down to whole days (rounding up would leave the service less than 20% faster), and never
/// below one day.
pub fn speedup_target(statutory_days: i32) -> i32 {
    (statutory_days.max(0) * 4 / 5).max(1)
}

/// The time limit is longer than the 20%-faster target: it needs a reason, and it is counted.
pub fn beyond_speedup(days: i32, statutory_days: i32) -> bool {
    days > speedup_target(statutory_days)
}

/// An empty time limit on the form means the target for the item's statutory limit.
pub fn fill_default_time_limit(i: &mut AnnouncementInput, statutory_days: i32) {
    if i.time_limit_days.trim().is_empty() {
        i.time_limit_days = speedup_target(statutory_days).to_string();
    }
}

/// A department that commissions a project pays from its budget (附件4 (五)): such a project
/// always uses fiscal funds, whatever the form said.
pub fn commissioned_by_department(i: &mut ProjectInput) {
    i.fiscal_funds = "yes".into();
}

/// The quote deadline typed as a China date and time, in UTC; it must be after `now` (UTC).
pub fn parse_deadline(
    date: &str,
    time: &str,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, Vec<Problem>> {
    let mut problems = Vec::new();
    let day = if date.trim().is_empty() {
        problems.push(Problem::new("deadline_date", "v.required"));
        None
    } else {
        NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| {
                (super::workdays::FIRST_YEAR..=super::workdays::LAST_YEAR)
                    .contains(&chrono::Datelike::year(d))
            })
            .or_else(|| {
                problems.push(Problem::new("deadline_date", "pub.err.date_invalid"));
                None
            })
    };
    let t = if time.trim().is_empty() {
        problems.push(Problem::new("deadline_time", "v.required"));
        None
    } else {
        // A deadline is a minute of the clock: a browser may send ":00", never more.
        NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(time.trim(), "%H:%M:%S"))
            .ok()
            .filter(|t| chrono::Timelike::second(t) == 0 && chrono::Timelike::nanosecond(t) == 0)
            .or_else(|| {
                problems.push(Problem::new("deadline_time", "pub.err.time_invalid"));
                None
            })
    };
    match (day, t) {
        (Some(d), Some(t)) => {
            let utc = china_to_utc(d, t);
            if utc <= now {
                Err(vec![
                    Problem::new("deadline_date", "pub.rule.deadline_past")
                        .with("now", fmt_china(now)),
                ])
            } else {
                Ok(utc)
            }
        }
        _ => Err(problems),
    }
}

/// The cap price: empty is none (then [`rule_cap`] says whether one is needed), otherwise a
/// yuan amount above zero with at most two decimals.
pub fn parse_cap(s: &str) -> Result<Option<Money>, Problem> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    match Money::parse_yuan(s) {
        Ok(m) if m.fen() > 0 => Ok(Some(m)),
        Ok(_) => Err(Problem::new("cap", "pub.err.cap_positive")),
        Err(e) => Err(money_problem("cap", e)),
    }
}

/// The grade bar: "" is none, "C" is "not D"; anything else is refused.
pub fn parse_grade_bar(s: &str) -> Result<Option<Grade>, Problem> {
    match s.trim() {
        "" => Ok(None),
        other => Grade::parse(other)
            .filter(|g| valid_grade_bar(Some(*g)))
            .map(Some)
            .ok_or_else(|| Problem::new("min_grade", "pub.rule.grade_bar")),
    }
}

fn parse_weight(field: &'static str, s: &str) -> Result<u32, Problem> {
    let t = s.trim().trim_end_matches(['%', '％']).trim();
    if t.is_empty() {
        return Err(Problem::new(field, "v.required"));
    }
    t.parse::<u32>()
        .ok()
        .filter(|w| *w <= 100)
        .ok_or_else(|| Problem::new(field, "pub.err.weight_invalid"))
}

/// Checks every field of the announcement form (not yet the publication rules, except
/// that a mode taking quotes needs a cap, which the database also insists on, and that the
/// deadline is in the future). Every refused field is reported.
pub fn parse_terms(i: &AnnouncementInput, now: NaiveDateTime) -> Result<Terms, Vec<Problem>> {
    let mut problems = Vec::new();
    let item_id = i
        .item_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .or_else(|| {
            problems.push(Problem::new("item_id", "pub.err.item_required"));
            None
        });
    let scope = validate::text(&i.scope, SCOPE_MAX, true)
        .map_err(|e| problems.push(field_problem("scope", e)))
        .ok();
    let days = match i.time_limit_days.trim() {
        "" => {
            problems.push(Problem::new("time_limit_days", "v.required"));
            None
        }
        t => t
            .parse::<i32>()
            .ok()
            .filter(|d| (1..=DAYS_MAX).contains(d))
            .or_else(|| {
                problems.push(
                    Problem::new("time_limit_days", "pub.err.days_invalid")
                        .with("max", DAYS_MAX.to_string()),
                );
                None
            }),
    };
    let mode = Mode::parse(i.mode.trim()).or_else(|| {
        problems.push(Problem::new("mode", "pub.err.mode_invalid"));
        None
    });
    let cap = match parse_cap(&i.cap) {
        Ok(c) => {
            if c.is_none() && mode.is_some_and(Mode::takes_quotes) {
                problems.push(Problem::new("cap", "pub.rule.cap_required"));
            }
            c
        }
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let deadline = parse_deadline(&i.deadline_date, &i.deadline_time, now)
        .map_err(|p| problems.extend(p))
        .ok();
    let min_grade = parse_grade_bar(&i.min_grade)
        .map_err(|p| problems.push(p))
        .ok()
        .flatten();
    let weights = if mode == Some(Mode::WeightedScoring) {
        let p = parse_weight("weight_price", &i.weight_price).map_err(|e| problems.push(e));
        let c = parse_weight("weight_credit", &i.weight_credit).map_err(|e| problems.push(e));
        let q = parse_weight("weight_qual", &i.weight_qual).map_err(|e| problems.push(e));
        match (p, c, q) {
            (Ok(price), Ok(credit), Ok(qualification)) => Some(Weights {
                price,
                credit,
                qualification,
            }),
            _ => None,
        }
    } else {
        None
    };
    let phone = validate::phone_cn(&i.complaint_phone)
        .map_err(|e| problems.push(field_problem("complaint_phone", e)))
        .ok();
    let witness = validate::text(&i.witness, WITNESS_MAX, false)
        .map_err(|e| problems.push(field_problem("witness", e)))
        .ok();
    let time_limit_reason = validate::text(&i.time_limit_reason, REASON_MAX, false)
        .map_err(|e| problems.push(field_problem("time_limit_reason", e)))
        .ok();
    let regional_exception = match i.regional_exception.trim() {
        "" => None,
        c => ProjectClass::parse(c).or_else(|| {
            problems.push(Problem::new(
                "regional_exception",
                "policy.err.project_class",
            ));
            None
        }),
    };
    let regional_exception_reason = validate::text(&i.regional_exception_reason, REASON_MAX, false)
        .map_err(|e| problems.push(field_problem("regional_exception_reason", e)))
        .ok();
    if !problems.is_empty() {
        return Err(problems);
    }
    match (
        item_id,
        scope,
        days,
        mode,
        deadline,
        phone,
        witness,
        time_limit_reason,
        regional_exception_reason,
    ) {
        (
            Some(item_id),
            Some(scope),
            Some(time_limit_days),
            Some(mode),
            Some(deadline),
            Some(complaint_phone),
            Some(witness),
            Some(time_limit_reason),
            Some(regional_exception_reason),
        ) => Ok(Terms {
            item_id,
            scope,
            time_limit_days,
            cap,
            mode,
            deadline,
            min_grade,
            weights,
            complaint_phone,
            witness,
            time_limit_reason,
            regional_exception,
            regional_exception_reason,
        }),
        _ => Err(problems),
    }
}

// ------------------------------------------------------------------ publication rules

/// What the rules need to know of the catalogue item.
#[derive(Clone, Copy, Debug)]
pub struct ItemFacts<'a> {
    /// `catalogue_items.status` (borrowed like the other fields, from the item row).
    pub status: &'a ItemStatus,
    /// `enterprise` or `department`.
    pub payer: &'a str,
    /// The approval department.
    pub department_id: i64,
    /// The statutory time limit, in days.
    pub time_limit_days: i32,
    /// market / guided / fixed.
    pub pricing: &'a str,
    pub price_min: Option<Money>,
    pub price_max: Option<Money>,
    /// 允许企业自主编制.
    pub self_preparable: bool,
}

/// A regional assessment covering the item in the project's zone (区域评估).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub title: String,
    pub valid_until: NaiveDate,
}

/// Everything else the rules look at.
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    /// UTC.
    pub now: NaiveDateTime,
    pub calendar: &'a Calendar,
    /// The project uses fiscal funds.
    pub fiscal_funds: bool,
    /// The approval department that commissions the project and acts as its owner
    /// (`projects.department_id`), if any.
    pub owner_department_id: Option<i64>,
    pub weight_ranges: WeightRanges,
    /// Registered agency names that appear in the announcement's free text.
    pub agency_names: &'a [String],
    /// The procurement threshold (setting `procurement_threshold`).
    pub procurement_threshold: Money,
    /// The regional assessment covering the item in the project's zone today, if any.
    pub regional_cover: Option<&'a Cover>,
    /// The owner declared it prepares the item itself in this project (standing declaration).
    pub self_prepared: bool,
}

/// Rule 1: the item is retained in the catalogue.
pub fn rule_item_retained(item: &ItemFacts<'_>) -> Option<Problem> {
    (*item.status != ItemStatus::Retained)
        .then(|| Problem::new("item_id", "pub.rule.item_not_retained"))
}

/// Rule 2: an item the approval department pays for is commissioned by that department as
/// the owner, and a department commissions only the items it pays for.
pub fn rule_payer(item: &ItemFacts<'_>, owner_department_id: Option<i64>) -> Option<Problem> {
    if item.payer == "department" {
        (owner_department_id != Some(item.department_id))
            .then(|| Problem::new("item_id", "pub.rule.payer_department"))
    } else {
        owner_department_id
            .is_some()
            .then(|| Problem::new("item_id", "policy.rule.department_pays_only"))
    }
}

/// Rule 3: 直接选取 only without fiscal funds.
pub fn rule_direct(mode: Mode, fiscal_funds: bool) -> Option<Problem> {
    (mode == Mode::Direct && fiscal_funds).then(|| Problem::new("mode", "pub.rule.direct_fiscal"))
}

/// Rule 4: the service time limit is within the item's statutory limit.
pub fn rule_time_limit(days: i32, item: &ItemFacts<'_>) -> Option<Problem> {
    (days > item.time_limit_days).then(|| {
        Problem::new("time_limit_days", "pub.rule.time_limit")
            .with("max", item.time_limit_days.to_string())
    })
}

/// Rule 5: a cap for the modes that take quotes, and not below the government price.
pub fn rule_cap(mode: Mode, cap: Option<Money>, item: &ItemFacts<'_>) -> Option<Problem> {
    let Some(cap) = cap else {
        return mode
            .takes_quotes()
            .then(|| Problem::new("cap", "pub.rule.cap_required"));
    };
    match item.pricing {
        "fixed" => {
            let fee = item.price_min.or(item.price_max)?;
            (cap < fee).then(|| {
                Problem::new("cap", "pub.rule.cap_below_fixed").with("price", fee.yuan_text())
            })
        }
        "guided" => {
            let min = item.price_min?;
            (cap < min).then(|| {
                Problem::new("cap", "pub.rule.cap_below_range")
                    .with("min", min.yuan_text())
                    .with(
                        "max",
                        item.price_max.map(Money::yuan_text).unwrap_or_default(),
                    )
            })
        }
        _ => None,
    }
}

/// The first China date a deadline may fall on when publishing at `now` (UTC): three
/// working days after the publication day, which does not count.
pub fn earliest_deadline_day(now: NaiveDateTime, calendar: &Calendar) -> NaiveDate {
    calendar.add_working_days(china_day(now), QUOTE_WINDOW_WORKING_DAYS)
}

/// Rule 6: the deadline is in the future and leaves the quote window.
pub fn rule_deadline(
    deadline: NaiveDateTime,
    now: NaiveDateTime,
    calendar: &Calendar,
) -> Option<Problem> {
    if deadline <= now {
        return Some(
            Problem::new("deadline_date", "pub.rule.deadline_past").with("now", fmt_china(now)),
        );
    }
    let earliest = earliest_deadline_day(now, calendar);
    (china_day(deadline) < earliest).then(|| {
        Problem::new("deadline_date", "pub.rule.window")
            .with("days", QUOTE_WINDOW_WORKING_DAYS.to_string())
            .with("earliest", earliest.format("%Y-%m-%d").to_string())
    })
}

/// Rule 7: weights for 综合评审, in their ranges, summing to 100.
pub fn rule_weights(
    mode: Mode,
    weights: Option<Weights>,
    ranges: &WeightRanges,
) -> Option<Problem> {
    if mode != Mode::WeightedScoring {
        return None;
    }
    let Some(w) = weights else {
        return Some(Problem::new("weight_price", "pub.rule.weights_required"));
    };
    w.validate(ranges).err().map(|e| {
        let field = match e {
            super::selection::WeightsError::CreditOutOfRange { .. } => "weight_credit",
            super::selection::WeightsError::QualificationOutOfRange { .. } => "weight_qual",
            _ => "weight_price",
        };
        Problem {
            field,
            key: e.key(),
            args: e.args(),
        }
    })
}

/// Rule 8: the credit-grade bar is none or "not D".
pub fn rule_grade_bar(bar: Option<Grade>) -> Option<Problem> {
    (!valid_grade_bar(bar)).then(|| Problem::new("min_grade", "pub.rule.grade_bar"))
}

/// Rule 9: the 公平竞争 screen of one free-text field.
pub fn rule_fairness(field: &'static str, text: &str, agency_names: &[String]) -> Vec<Problem> {
    fairness::screen_with_names(text, agency_names)
        .into_iter()
        .map(|f| Problem {
            field,
            key: f.key(),
            args: f.args(),
        })
        .collect()
}

/// Rule 10: a time limit longer than the 20%-faster target needs a stated reason.
pub fn rule_speedup(days: i32, reason: &str, item: &ItemFacts<'_>) -> Option<Problem> {
    // Above the statutory limit rule 4 refuses it whatever the reason.
    let needs_reason = beyond_speedup(days, item.time_limit_days) && days <= item.time_limit_days;
    (needs_reason && reason.trim().is_empty()).then(|| {
        Problem::new("time_limit_reason", "policy.rule.speedup_reason")
            .with("target", speedup_target(item.time_limit_days).to_string())
            .with("statutory", item.time_limit_days.to_string())
    })
}

/// Rule 11: with fiscal funds, a cap below the procurement threshold.
pub fn rule_procurement(
    fiscal_funds: bool,
    cap: Option<Money>,
    threshold: Money,
) -> Option<Problem> {
    if !fiscal_funds {
        return None;
    }
    match cap {
        None => Some(
            Problem::new("cap", "policy.rule.fiscal_cap_required")
                .with("threshold", threshold.to_string()),
        ),
        Some(cap) => (cap >= threshold).then(|| {
            Problem::new("cap", "policy.rule.procurement_threshold")
                .with("threshold", threshold.to_string())
        }),
    }
}

/// Rule 12: a covered item is commissioned only for a declared special or major project, with
/// the reason.
pub fn rule_regional(
    cover: Option<&Cover>,
    class: Option<ProjectClass>,
    reason: &str,
) -> Option<Problem> {
    let cover = cover?;
    match class {
        None => Some(
            Problem::new("regional_exception", "policy.rule.regional_covered")
                .with("title", cover.title.clone())
                .with("until", cover.valid_until.format("%Y-%m-%d").to_string()),
        ),
        Some(_) if reason.trim().is_empty() => Some(Problem::new(
            "regional_exception_reason",
            "policy.rule.regional_reason",
        )),
        Some(_) => None,
    }
}

/// The terms as they are published (and kept after a change): the time-limit reason only when
/// the limit is beyond the 20%-faster target, the special/major declaration only when an
/// assessment covers the item. A stored reason is then exactly what the figures count.
pub fn as_published(t: &Terms, item: &ItemFacts<'_>, cover: Option<&Cover>) -> Terms {
    let mut out = t.clone();
    if !beyond_speedup(t.time_limit_days, item.time_limit_days) {
        out.time_limit_reason.clear();
    }
    if cover.is_none() {
        out.regional_exception = None;
        out.regional_exception_reason.clear();
    }
    out
}

/// Rule 13: an item the owner prepares itself is not commissioned in the same project.
pub fn rule_self_prepared(self_prepared: bool) -> Option<Problem> {
    self_prepared.then(|| Problem::new("item_id", "policy.rule.self_prepared"))
}

/// The rules of a 自行编制 declaration: the item is retained, one the project could commission
/// (the payer rule), self-preparable, and no announcement for it in the project is past its
/// draft (cancelled ones aside).
pub fn check_self_preparation(
    item: &ItemFacts<'_>,
    owner_department_id: Option<i64>,
    announced: bool,
) -> Vec<Problem> {
    [
        rule_item_retained(item),
        rule_payer(item, owner_department_id),
        (!item.self_preparable).then(|| Problem::new("item_id", "policy.self.not_allowed")),
        announced.then(|| Problem::new("item_id", "policy.self.announced")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A self-preparation note: optional, at most [`REASON_MAX`] characters.
pub fn parse_self_preparation_note(s: &str) -> Result<String, Problem> {
    validate::text(s, REASON_MAX, false).map_err(|e| field_problem("note", e))
}

/// Every publication rule, in the order of the module doc; empty when the announcement may
/// be published.
pub fn check(t: &Terms, item: &ItemFacts<'_>, s: &Setting<'_>) -> Vec<Problem> {
    let mut out: Vec<Problem> = [
        rule_item_retained(item),
        rule_payer(item, s.owner_department_id),
        rule_direct(t.mode, s.fiscal_funds),
        rule_time_limit(t.time_limit_days, item),
        rule_cap(t.mode, t.cap, item),
        rule_deadline(t.deadline, s.now, s.calendar),
        rule_weights(t.mode, t.weights, &s.weight_ranges),
        rule_grade_bar(t.min_grade),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.extend(rule_fairness("scope", &t.scope, s.agency_names));
    out.extend(rule_fairness("witness", &t.witness, s.agency_names));
    out.extend(
        [
            rule_speedup(t.time_limit_days, &t.time_limit_reason, item),
            rule_procurement(s.fiscal_funds, t.cap, s.procurement_threshold),
            rule_regional(
                s.regional_cover,
                t.regional_exception,
                &t.regional_exception_reason,
            ),
            rule_self_prepared(s.self_prepared),
        ]
        .into_iter()
        .flatten(),
    );
    out
}

// ------------------------------------------------------------------ changes after publication

/// The deadline change rules: not within [`CHANGE_FREEZE_HOURS`] of the current deadline,
/// in the future, and at least [`MIN_EXTENSION_HOURS`] later than the current deadline.
pub fn check_deadline_change(
    current: NaiveDateTime,
    new: NaiveDateTime,
    now: NaiveDateTime,
) -> Option<Problem> {
    if new == current {
        return None;
    }
    if now + Duration::hours(CHANGE_FREEZE_HOURS) > current {
        return Some(
            Problem::new("deadline_date", "pub.change.deadline_frozen")
                .with("deadline", fmt_china(current))
                .with("hours", CHANGE_FREEZE_HOURS.to_string()),
        );
    }
    if new <= now {
        return Some(
            Problem::new("deadline_date", "pub.rule.deadline_past").with("now", fmt_china(now)),
        );
    }
    let earliest = current + Duration::hours(MIN_EXTENSION_HOURS);
    (new < earliest).then(|| {
        Problem::new("deadline_date", "pub.change.extension_short")
            .with("deadline", fmt_china(current))
            .with("earliest", fmt_china(earliest))
            .with("hours", MIN_EXTENSION_HOURS.to_string())
    })
}

/// The material fields that differ (form field names): what a quote is priced on.
pub fn material_changes(old: &Terms, new: &Terms) -> Vec<&'static str> {
    let mut out = Vec::new();
    if old.scope != new.scope {
        out.push("scope");
    }
    if old.cap != new.cap {
        out.push("cap");
    }
    if old.time_limit_days != new.time_limit_days {
        out.push("time_limit_days");
    }
    if old.weights != new.weights {
        out.push("weights");
    }
    if old.min_grade != new.min_grade {
        out.push("min_grade");
    }
    out
}

/// What an allowed change after publication changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSummary {
    pub deadline: bool,
    /// Material fields (non-empty: the version is bumped).
    pub material: Vec<&'static str>,
    /// Other fields (complaint phone, witness, avoided units).
    pub other: Vec<&'static str>,
}

impl ChangeSummary {
    pub fn is_empty(&self) -> bool {
        !self.deadline && self.material.is_empty() && self.other.is_empty()
    }
}

/// The change rules of the module doc. `avoided_changed` says whether the list of avoided
/// units differs. Every failure is reported; `Ok` says what changes.
pub fn check_change(
    old: &Terms,
    new: &Terms,
    avoided_changed: bool,
    item: &ItemFacts<'_>,
    s: &Setting<'_>,
) -> Result<ChangeSummary, Vec<Problem>> {
    let mut problems = Vec::new();
    if new.mode != old.mode {
        problems.push(Problem::new("mode", "pub.change.mode_fixed"));
    }
    if new.item_id != old.item_id {
        problems.push(Problem::new("item_id", "pub.change.item_fixed"));
    }
    let summary = ChangeSummary {
        deadline: new.deadline != old.deadline,
        material: material_changes(old, new),
        other: [
            (old.complaint_phone != new.complaint_phone).then_some("complaint_phone"),
            (old.witness != new.witness).then_some("witness"),
            avoided_changed.then_some("avoided"),
            (old.time_limit_reason != new.time_limit_reason).then_some("time_limit_reason"),
            (old.regional_exception != new.regional_exception
                || old.regional_exception_reason != new.regional_exception_reason)
                .then_some("regional_exception"),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    if summary.is_empty() && problems.is_empty() {
        return Err(vec![Problem::new("", "pub.change.nothing")]);
    }
    if summary.deadline {
        problems.extend(check_deadline_change(old.deadline, new.deadline, s.now));
    }
    if !summary.material.is_empty() && s.now + Duration::hours(CHANGE_FREEZE_HOURS) > new.deadline {
        problems.push(
            Problem::new("", "pub.change.material_too_late")
                .with("hours", CHANGE_FREEZE_HOURS.to_string()),
        );
    }
    for f in &summary.material {
        match *f {
            "scope" => problems.extend(rule_fairness("scope", &new.scope, s.agency_names)),
            "cap" => {
                problems.extend(rule_cap(new.mode, new.cap, item));
                problems.extend(rule_procurement(
                    s.fiscal_funds,
                    new.cap,
                    s.procurement_threshold,
                ));
            }
            "time_limit_days" => problems.extend(rule_time_limit(new.time_limit_days, item)),
            "weights" => problems.extend(rule_weights(new.mode, new.weights, &s.weight_ranges)),
            "min_grade" => problems.extend(rule_grade_bar(new.min_grade)),
            _ => {}
        }
    }
    if summary.other.contains(&"witness") {
        problems.extend(rule_fairness("witness", &new.witness, s.agency_names));
    }
    if summary.material.contains(&"time_limit_days") || summary.other.contains(&"time_limit_reason")
    {
        problems.extend(rule_speedup(
            new.time_limit_days,
            &new.time_limit_reason,
            item,
        ));
    }
    if summary.other.contains(&"regional_exception") {
        problems.extend(rule_regional(
            s.regional_cover,
            new.regional_exception,
            &new.regional_exception_reason,
        ));
    }
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(problems)
    }
}

/// A cancellation needs a reason (1–[`CANCEL_REASON_MAX`] characters).
pub fn parse_cancel_reason(s: &str) -> Result<String, Problem> {
    validate::text(s, CANCEL_REASON_MAX, true).map_err(|e| field_problem("reason", e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::domain::selection::Settings;
    use crate::domain::workdays::DayKind;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A UTC time from a China-time text.
    fn cn(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap() - Duration::hours(8)
    }

    fn keys(p: &[Problem]) -> Vec<&'static str> {
        p.iter().map(|p| p.key).collect()
    }

    fn item() -> ItemFacts<'static> {
        ItemFacts {
            status: &ItemStatus::Retained,
            payer: "enterprise",
            department_id: 7,
            time_limit_days: 20,
            pricing: "market",
            price_min: None,
            price_max: None,
            self_preparable: false,
        }
    }

    fn terms() -> Terms {
        Terms {
            item_id: 1,
            scope: "本项目位于攀枝花市东区，编制环境影响报告表。".into(),
            time_limit_days: 15,
            cap: Some(Money::from_fen(5_000_000)),
            mode: Mode::LowestPrice,
            // Monday 2026-03-16 17:00 China time.
            deadline: cn("2026-03-16 17:00"),
            min_grade: None,
            weights: None,
            complaint_phone: "0812-3336001".into(),
            witness: String::new(),
            time_limit_reason: String::new(),
            regional_exception: None,
            regional_exception_reason: String::new(),
        }
    }

    fn input() -> AnnouncementInput {
        AnnouncementInput {
            item_id: "1".into(),
            scope: "编制环境影响报告表".into(),
            time_limit_days: "15".into(),
            cap: "50000".into(),
            mode: "lowest_price".into(),
            deadline_date: "2026-03-16".into(),
            deadline_time: "17:00".into(),
            min_grade: String::new(),
            weight_price: String::new(),
            weight_credit: String::new(),
            weight_qual: String::new(),
            complaint_phone: "0812-3336001".into(),
            witness: String::new(),
            ..AnnouncementInput::default()
        }
    }

    const NO_NAMES: &[String] = &[];

    fn setting(now: NaiveDateTime, cal: &Calendar) -> Setting<'_> {
        Setting {
            now,
            calendar: cal,
            fiscal_funds: true,
            owner_department_id: None,
            weight_ranges: Settings::default().weight_ranges,
            agency_names: NO_NAMES,
            procurement_threshold: Money::from_fen(100_000_000),
            regional_cover: None,
            self_prepared: false,
        }
    }

    // ---------------------------------------------------------------- time

    #[test]
    fn china_time_is_utc_plus_eight() {
        let t = china_to_utc(d("2026-03-16"), NaiveTime::from_hms_opt(7, 30, 0).unwrap());
        assert_eq!(
            t,
            NaiveDateTime::parse_from_str("2026-03-15 23:30", "%Y-%m-%d %H:%M").unwrap()
        );
        assert_eq!(china_day(t), d("2026-03-16"));
        assert_eq!(fmt_china(t), "2026-03-16 07:30");
    }

    // ---------------------------------------------------------------- projects

    #[test]
    fn a_good_project_parses() {
        let p = parse_project(&ProjectInput {
            name: " 钒钛产业园道路工程 ".into(),
            code: "2026-510402-04-01-123456".into(),
            region: "pzh_dongqu".into(),
            fiscal_funds: "yes".into(),
            total_investment: "12,000,000".into(),
        })
        .unwrap();
        assert_eq!(p.name, "钒钛产业园道路工程");
        assert!(p.fiscal_funds);
        assert_eq!(p.total_investment, Money::from_fen(1_200_000_000));
    }

    #[test]
    fn every_bad_project_field_is_reported() {
        let e = parse_project(&ProjectInput {
            name: String::new(),
            code: "2026 代码".into(),
            region: "mars".into(),
            fiscal_funds: "maybe".into(),
            total_investment: "1.234".into(),
        })
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec!["name", "code", "region", "fiscal_funds", "total_investment"]
        );
        assert_eq!(
            keys(&e),
            vec![
                "v.required",
                "pub.err.project_code",
                "pub.err.region",
                "pub.err.fiscal_funds",
                "v.money.too_many_decimals"
            ]
        );
    }

    // ---------------------------------------------------------------- fields

    #[test]
    fn a_good_form_parses_in_china_time() {
        let now = cn("2026-03-01 09:00");
        let t = parse_terms(&input(), now).unwrap();
        assert_eq!(t.deadline, cn("2026-03-16 17:00"));
        assert_eq!(t.cap, Some(Money::from_fen(5_000_000)));
        assert_eq!(t.weights, None);
        assert_eq!(AnnouncementInput::of(&t).deadline_time, "17:00");
        assert_eq!(AnnouncementInput::of(&t).cap, "50000.00");
    }

    #[test]
    fn cap_must_be_above_zero_with_two_decimals() {
        assert_eq!(parse_cap(""), Ok(None));
        assert_eq!(parse_cap("0").unwrap_err().key, "pub.err.cap_positive");
        assert_eq!(parse_cap("0.00").unwrap_err().key, "pub.err.cap_positive");
        assert_eq!(
            parse_cap("1.234").unwrap_err().key,
            "v.money.too_many_decimals"
        );
        assert_eq!(parse_cap("abc").unwrap_err().key, "v.money.invalid");
        assert_eq!(parse_cap("-5").unwrap_err().key, "v.money.negative");
        assert_eq!(parse_cap("1,234.5"), Ok(Some(Money::from_fen(123_450))));
    }

    #[test]
    fn a_mode_taking_quotes_needs_a_cap_in_the_form() {
        let now = cn("2026-03-01 09:00");
        let mut i = input();
        i.cap = String::new();
        assert_eq!(
            keys(&parse_terms(&i, now).unwrap_err()),
            vec!["pub.rule.cap_required"]
        );
        i.mode = "random_draw".into();
        assert_eq!(parse_terms(&i, now).unwrap().cap, None);
    }

    #[test]
    fn deadline_must_be_a_future_china_date_and_time() {
        let now = cn("2026-03-01 09:00");
        assert_eq!(
            keys(&parse_deadline("2026-02-28", "17:00", now).unwrap_err()),
            vec!["pub.rule.deadline_past"]
        );
        // 09:00 China time is exactly now: not in the future.
        assert!(parse_deadline("2026-03-01", "09:00", now).is_err());
        assert!(parse_deadline("2026-03-01", "09:01", now).is_ok());
        assert_eq!(
            keys(&parse_deadline("2026-02-30", "17:00", now).unwrap_err()),
            vec!["pub.err.date_invalid"]
        );
        assert_eq!(
            keys(&parse_deadline("tomorrow", "5pm", now).unwrap_err()),
            vec!["pub.err.date_invalid", "pub.err.time_invalid"]
        );
        assert_eq!(
            keys(&parse_deadline("", "", now).unwrap_err()),
            vec!["v.required", "v.required"]
        );
    }

    #[test]
    fn every_bad_field_is_reported_beside_its_name() {
        let now = cn("2026-03-01 09:00");
        let i = AnnouncementInput {
            item_id: "x".into(),
            scope: " ".into(),
            time_limit_days: "十五".into(),
            cap: "1.234".into(),
            mode: "auction".into(),
            deadline_date: "2026-01-01".into(),
            deadline_time: "17:00".into(),
            min_grade: "B".into(),
            complaint_phone: "12".into(),
            ..AnnouncementInput::default()
        };
        let fields: Vec<_> = parse_terms(&i, now)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "item_id",
                "scope",
                "time_limit_days",
                "mode",
                "cap",
                "deadline_date",
                "min_grade",
                "complaint_phone"
            ]
        );
    }

    #[test]
    fn a_deadline_is_a_whole_minute() {
        let now = cn("2026-03-01 09:00");
        let at = |t: &str| parse_deadline("2026-03-10", t, now);
        assert_eq!(at("17:00"), Ok(cn("2026-03-10 17:00")));
        assert_eq!(at("17:00:00"), Ok(cn("2026-03-10 17:00")));
        assert_eq!(at("17:00:30").unwrap_err()[0].key, "pub.err.time_invalid");
    }

    #[test]
    fn weights_are_read_only_for_weighted_scoring() {
        let now = cn("2026-03-01 09:00");
        let mut i = input();
        i.weight_price = "abc".into();
        assert_eq!(parse_terms(&i, now).unwrap().weights, None);
        i.mode = "weighted_scoring".into();
        let e = parse_terms(&i, now).unwrap_err();
        assert_eq!(
            e.iter().map(|p| (p.field, p.key)).collect::<Vec<_>>(),
            vec![
                ("weight_price", "pub.err.weight_invalid"),
                ("weight_credit", "v.required"),
                ("weight_qual", "v.required")
            ]
        );
        i.weight_price = "40%".into();
        i.weight_credit = "30".into();
        i.weight_qual = "30".into();
        assert_eq!(
            parse_terms(&i, now).unwrap().weights,
            Some(Weights {
                price: 40,
                credit: 30,
                qualification: 30
            })
        );
    }

    #[test]
    fn grade_bar_is_none_or_not_d() {
        assert_eq!(parse_grade_bar(""), Ok(None));
        assert_eq!(parse_grade_bar("C"), Ok(Some(Grade::C)));
        for bad in ["A", "B", "D", "x"] {
            assert_eq!(parse_grade_bar(bad).unwrap_err().key, "pub.rule.grade_bar");
        }
        assert!(rule_grade_bar(None).is_none());
        assert!(rule_grade_bar(Some(Grade::C)).is_none());
        assert!(rule_grade_bar(Some(Grade::B)).is_some());
    }

    // ---------------------------------------------------------------- rules one by one

    #[test]
    fn rule_item_must_be_retained() {
        assert!(rule_item_retained(&item()).is_none());
        for s in [&ItemStatus::Draft, &ItemStatus::Cancelled] {
            let i = ItemFacts {
                status: s,
                ..item()
            };
            assert_eq!(
                rule_item_retained(&i).unwrap().key,
                "pub.rule.item_not_retained"
            );
        }
    }

    #[test]
    fn rule_payer_department_only_for_its_own_owner() {
        let i = ItemFacts {
            payer: "department",
            ..item()
        };
        assert_eq!(
            rule_payer(&i, None).unwrap().key,
            "pub.rule.payer_department"
        );
        assert!(rule_payer(&i, Some(8)).is_some());
        assert!(rule_payer(&i, Some(7)).is_none());
        assert!(
            rule_payer(&item(), None).is_none(),
            "enterprise pays: anyone"
        );
    }

    #[test]
    fn rule_direct_selection_only_without_fiscal_funds() {
        assert_eq!(
            rule_direct(Mode::Direct, true).unwrap().key,
            "pub.rule.direct_fiscal"
        );
        assert!(rule_direct(Mode::Direct, false).is_none());
        for m in Mode::ALL.into_iter().filter(|m| *m != Mode::Direct) {
            assert!(rule_direct(m, true).is_none());
        }
    }

    #[test]
    fn rule_time_limit_within_the_statutory_limit() {
        assert!(rule_time_limit(20, &item()).is_none());
        let p = rule_time_limit(21, &item()).unwrap();
        assert_eq!(
            (p.key, p.args.clone()),
            ("pub.rule.time_limit", vec![("max", "20".to_string())])
        );
    }

    #[test]
    fn rule_cap_required_for_quotes_and_not_below_government_price() {
        for m in Mode::ALL {
            assert_eq!(
                rule_cap(m, None, &item()).is_some(),
                m.takes_quotes(),
                "{m:?}"
            );
        }
        let fixed = ItemFacts {
            pricing: "fixed",
            price_min: Some(Money::from_fen(100_000)),
            price_max: Some(Money::from_fen(100_000)),
            ..item()
        };
        assert_eq!(
            rule_cap(Mode::LowestPrice, Some(Money::from_fen(99_999)), &fixed)
                .unwrap()
                .key,
            "pub.rule.cap_below_fixed"
        );
        assert!(rule_cap(Mode::LowestPrice, Some(Money::from_fen(100_000)), &fixed).is_none());
        let guided = ItemFacts {
            pricing: "guided",
            price_min: Some(Money::from_fen(50_000)),
            price_max: Some(Money::from_fen(80_000)),
            ..item()
        };
        assert_eq!(
            rule_cap(Mode::LowestPrice, Some(Money::from_fen(40_000)), &guided)
                .unwrap()
                .key,
            "pub.rule.cap_below_range"
        );
        // Above the range maximum is not a publication rule: quotes are checked instead.
        assert!(rule_cap(Mode::LowestPrice, Some(Money::from_fen(90_000)), &guided).is_none());
        // Market pricing: any positive cap.
        assert!(rule_cap(Mode::LowestPrice, Some(Money::from_fen(1)), &item()).is_none());
    }

    #[test]
    fn rule_deadline_in_the_future_with_three_working_days() {
        let cal = Calendar::default();
        // Published Thursday 2026-03-05 10:00: Fri, Mon, Tue are the three working days.
        let now = cn("2026-03-05 10:00");
        assert_eq!(earliest_deadline_day(now, &cal), d("2026-03-10"));
        assert!(rule_deadline(cn("2026-03-10 00:01"), now, &cal).is_none());
        let p = rule_deadline(cn("2026-03-09 17:00"), now, &cal).unwrap();
        assert_eq!(p.key, "pub.rule.window");
        assert!(p.args.contains(&("earliest", "2026-03-10".to_string())));
        assert_eq!(
            rule_deadline(cn("2026-03-05 09:59"), now, &cal)
                .unwrap()
                .key,
            "pub.rule.deadline_past"
        );
        // Published late on Thursday China time: still Thursday's count.
        assert_eq!(
            earliest_deadline_day(cn("2026-03-05 23:59"), &cal),
            d("2026-03-10")
        );
    }

    #[test]
    fn rule_deadline_counts_holidays_and_make_up_days() {
        // 2026 National Day: Oct 1–7 off (weekdays 1, 2, 5, 6, 7), Sat Oct 10 worked.
        let cal = Calendar::new([
            (d("2026-10-01"), DayKind::Holiday),
            (d("2026-10-02"), DayKind::Holiday),
            (d("2026-10-05"), DayKind::Holiday),
            (d("2026-10-06"), DayKind::Holiday),
            (d("2026-10-07"), DayKind::Holiday),
            (d("2026-10-10"), DayKind::Workday),
        ]);
        let now = cn("2026-09-30 10:00");
        // Thu 8, Fri 9, Sat 10 (make-up day).
        assert_eq!(earliest_deadline_day(now, &cal), d("2026-10-10"));
        assert!(rule_deadline(cn("2026-10-09 17:00"), now, &cal).is_some());
        assert!(rule_deadline(cn("2026-10-10 17:00"), now, &cal).is_none());
    }

    #[test]
    fn rule_weights_only_for_weighted_scoring() {
        let r = Settings::default().weight_ranges;
        assert!(rule_weights(Mode::LowestPrice, None, &r).is_none());
        assert_eq!(
            rule_weights(Mode::WeightedScoring, None, &r).unwrap().key,
            "pub.rule.weights_required"
        );
        let ok = Weights {
            price: 40,
            credit: 30,
            qualification: 30,
        };
        assert!(rule_weights(Mode::WeightedScoring, Some(ok), &r).is_none());
        let low_price = Weights {
            price: 20,
            credit: 40,
            qualification: 40,
        };
        let p = rule_weights(Mode::WeightedScoring, Some(low_price), &r).unwrap();
        assert_eq!(
            (p.field, p.key),
            ("weight_price", "selection.weights.price_range")
        );
        let credit = Weights {
            price: 40,
            credit: 5,
            qualification: 55,
        };
        assert_eq!(
            rule_weights(Mode::WeightedScoring, Some(credit), &r)
                .unwrap()
                .field,
            "weight_credit"
        );
        let sum = Weights {
            price: 40,
            credit: 30,
            qualification: 20,
        };
        assert_eq!(
            rule_weights(Mode::WeightedScoring, Some(sum), &r)
                .unwrap()
                .key,
            "selection.weights.sum"
        );
    }

    #[test]
    fn rule_fairness_screens_free_text_with_agency_names() {
        assert!(rule_fairness("scope", "本项目位于攀枝花市东区", NO_NAMES).is_empty());
        let p = rule_fairness("scope", "限本地企业报名", NO_NAMES);
        assert_eq!((p[0].field, p[0].key), ("scope", "pub.fair.region"));
        let names = vec!["四川蜀环环境科技有限公司".to_string()];
        let p = rule_fairness("witness", "四川蜀环环境科技有限公司", &names);
        assert_eq!((p[0].field, p[0].key), ("witness", "pub.fair.named"));
    }

    #[test]
    fn check_passes_a_good_announcement_and_reports_every_failure() {
        let cal = Calendar::default();
        let now = cn("2026-03-02 09:00");
        assert!(check(&terms(), &item(), &setting(now, &cal)).is_empty());

        let bad = Terms {
            scope: "仅限本地企业，注册资本不低于500万元".into(),
            time_limit_days: 30,
            mode: Mode::Direct,
            deadline: cn("2026-03-03 17:00"),
            ..terms()
        };
        let i = ItemFacts {
            status: &ItemStatus::Cancelled,
            payer: "department",
            ..item()
        };
        assert_eq!(
            keys(&check(&bad, &i, &setting(now, &cal))),
            vec![
                "pub.rule.item_not_retained",
                "pub.rule.payer_department",
                "pub.rule.direct_fiscal",
                "pub.rule.time_limit",
                "pub.rule.window",
                "pub.fair.region",
                "pub.fair.size",
            ]
        );
    }

    // ---------------------------------------------------------------- rules of the policy

    #[test]
    fn the_speedup_target_is_80_percent_rounded_down_and_at_least_one_day() {
        for (statutory, target) in [(20, 16), (15, 12), (10, 8), (7, 5), (5, 4), (3, 2), (2, 1)] {
            assert_eq!(speedup_target(statutory), target, "{statutory}");
        }
        // One day cannot be made faster: the target stays one day, with no reason needed.
        assert_eq!(speedup_target(1), 1);
        assert!(!beyond_speedup(1, 1));
        // Rounded down, the service is always at least 20% faster.
        for s in 2..=250 {
            let t = speedup_target(s);
            assert!(t * 5 <= s * 4, "{s}");
            assert!(!beyond_speedup(t, s) && beyond_speedup(t + 1, s), "{s}");
        }
    }

    #[test]
    fn an_empty_time_limit_means_the_target() {
        let mut i = AnnouncementInput {
            time_limit_days: "  ".into(),
            ..input()
        };
        fill_default_time_limit(&mut i, 20);
        assert_eq!(i.time_limit_days, "16");
        fill_default_time_limit(&mut i, 30);
        assert_eq!(i.time_limit_days, "16", "a typed limit stays");
    }

    #[test]
    fn rule_speedup_asks_a_reason_beyond_80_percent() {
        assert!(rule_speedup(16, "", &item()).is_none());
        let p = rule_speedup(17, " ", &item()).unwrap();
        assert_eq!(
            (p.field, p.key, p.args.clone()),
            (
                "time_limit_reason",
                "policy.rule.speedup_reason",
                vec![
                    ("target", "16".to_string()),
                    ("statutory", "20".to_string())
                ]
            )
        );
        assert!(rule_speedup(20, "现场踏勘须待汛期结束", &item()).is_none());
        // Above the statutory limit rule 4 speaks, not this one.
        assert!(rule_speedup(21, "", &item()).is_none());
        let cal = Calendar::default();
        let now = cn("2026-03-02 09:00");
        let long = Terms {
            time_limit_days: 18,
            ..terms()
        };
        assert_eq!(
            keys(&check(&long, &item(), &setting(now, &cal))),
            vec!["policy.rule.speedup_reason"]
        );
        let reasoned = Terms {
            time_limit_reason: "须完成一个完整水文年的监测".into(),
            ..long.clone()
        };
        assert!(check(&reasoned, &item(), &setting(now, &cal)).is_empty());
    }

    #[test]
    fn rule_procurement_keeps_fiscal_projects_below_the_threshold() {
        let t = Money::from_fen(100_000_000);
        assert!(rule_procurement(true, Some(Money::from_fen(99_999_999)), t).is_none());
        let p = rule_procurement(true, Some(t), t).unwrap();
        assert_eq!(
            (p.field, p.key, p.args.clone()),
            (
                "cap",
                "policy.rule.procurement_threshold",
                vec![("threshold", "1,000,000.00".to_string())]
            )
        );
        assert_eq!(
            rule_procurement(true, None, t).unwrap().key,
            "policy.rule.fiscal_cap_required"
        );
        // Without fiscal funds the marketplace takes any amount.
        assert!(rule_procurement(false, Some(Money::from_fen(500_000_000)), t).is_none());
        assert!(rule_procurement(false, None, t).is_none());
        // The check and the change rules both apply it.
        let cal = Calendar::default();
        let now = cn("2026-03-02 09:00");
        let s = setting(now, &cal);
        let big = Terms {
            cap: Some(t),
            ..terms()
        };
        assert_eq!(
            keys(&check(&big, &item(), &s)),
            vec!["policy.rule.procurement_threshold"]
        );
        assert_eq!(
            keys(&check_change(&terms(), &big, false, &item(), &s).unwrap_err()),
            vec!["policy.rule.procurement_threshold"]
        );
    }

    #[test]
    fn rule_regional_needs_a_declared_special_or_major_project() {
        let cover = Cover {
            title: "钒钛高新区区域地质灾害危险性评估报告".into(),
            valid_until: d("2028-12-31"),
        };
        assert!(rule_regional(None, None, "").is_none());
        let p = rule_regional(Some(&cover), None, "").unwrap();
        assert_eq!(
            (p.field, p.key),
            ("regional_exception", "policy.rule.regional_covered")
        );
        assert!(p.args.contains(&("until", "2028-12-31".to_string())));
        assert_eq!(
            rule_regional(Some(&cover), Some(ProjectClass::Major), "  ")
                .unwrap()
                .field,
            "regional_exception_reason"
        );
        assert!(
            rule_regional(
                Some(&cover),
                Some(ProjectClass::Major),
                "列入省重点项目，总投资超过10亿元"
            )
            .is_none()
        );
        let cal = Calendar::default();
        let now = cn("2026-03-02 09:00");
        let s = Setting {
            regional_cover: Some(&cover),
            ..setting(now, &cal)
        };
        assert_eq!(
            keys(&check(&terms(), &item(), &s)),
            vec!["policy.rule.regional_covered"]
        );
        let declared = Terms {
            regional_exception: Some(ProjectClass::Special),
            regional_exception_reason: "涉及危险化学品储存的特殊工程".into(),
            ..terms()
        };
        assert!(check(&declared, &item(), &s).is_empty());
        // Withdrawing the declaration after publication is refused while the cover stands.
        let c = check_change(&declared, &terms(), false, &item(), &s).unwrap_err();
        assert_eq!(keys(&c), vec!["policy.rule.regional_covered"]);
    }

    #[test]
    fn project_class_and_reasons_are_parsed() {
        let now = cn("2026-03-01 09:00");
        let mut i = input();
        i.regional_exception = "major".into();
        i.regional_exception_reason = " 省重点项目 ".into();
        i.time_limit_reason = " 汛期 ".into();
        let t = parse_terms(&i, now).unwrap();
        assert_eq!(t.regional_exception, Some(ProjectClass::Major));
        assert_eq!(
            (
                t.regional_exception_reason.as_str(),
                t.time_limit_reason.as_str()
            ),
            ("省重点项目", "汛期")
        );
        assert_eq!(AnnouncementInput::of(&t).regional_exception, "major");
        i.regional_exception = "huge".into();
        i.time_limit_reason = "长".repeat(REASON_MAX + 1);
        let fields: Vec<_> = parse_terms(&i, now)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, vec!["time_limit_reason", "regional_exception"]);
    }

    #[test]
    fn rule_payer_keeps_department_items_and_department_projects_together() {
        let dept_item = ItemFacts {
            payer: "department",
            ..item()
        };
        assert!(rule_payer(&dept_item, Some(7)).is_none());
        assert_eq!(
            rule_payer(&item(), Some(7)).unwrap().key,
            "policy.rule.department_pays_only"
        );
        assert_eq!(
            rule_payer(&dept_item, Some(8)).unwrap().key,
            "pub.rule.payer_department"
        );
    }

    #[test]
    fn self_preparation_only_for_a_self_preparable_item_not_yet_announced() {
        let own = ItemFacts {
            self_preparable: true,
            ..item()
        };
        assert!(check_self_preparation(&own, None, false).is_empty());
        assert_eq!(
            keys(&check_self_preparation(&item(), None, false)),
            vec!["policy.self.not_allowed"]
        );
        assert_eq!(
            keys(&check_self_preparation(&own, None, true)),
            vec!["policy.self.announced"]
        );
        // An item the department pays for is the department's to commission, not the owner's
        // to prepare.
        let paid = ItemFacts {
            payer: "department",
            ..own
        };
        assert_eq!(
            keys(&check_self_preparation(&paid, None, false)),
            vec!["pub.rule.payer_department"]
        );
        let cancelled = ItemFacts {
            status: &ItemStatus::Cancelled,
            ..own
        };
        assert_eq!(
            keys(&check_self_preparation(&cancelled, None, false)),
            vec!["pub.rule.item_not_retained"]
        );
        let cal = Calendar::default();
        let s = Setting {
            self_prepared: true,
            ..setting(cn("2026-03-02 09:00"), &cal)
        };
        assert_eq!(
            keys(&check(&terms(), &own, &s)),
            vec!["policy.rule.self_prepared"]
        );
        assert_eq!(
            parse_self_preparation_note(" 自行编制 ").unwrap(),
            "自行编制"
        );
        assert!(parse_self_preparation_note(&"长".repeat(REASON_MAX + 1)).is_err());
    }

    #[test]
    fn published_terms_keep_only_the_reasons_that_apply() {
        let cover = Cover {
            title: "区域评估".into(),
            valid_until: d("2028-12-31"),
        };
        let t = Terms {
            time_limit_days: 16,
            time_limit_reason: "不需要的理由".into(),
            regional_exception: Some(ProjectClass::Major),
            regional_exception_reason: "省重点项目".into(),
            ..terms()
        };
        let p = as_published(&t, &item(), None);
        assert_eq!(
            (
                p.time_limit_reason.as_str(),
                p.regional_exception,
                p.regional_exception_reason.as_str()
            ),
            ("", None, "")
        );
        let long = Terms {
            time_limit_days: 17,
            ..t
        };
        let p = as_published(&long, &item(), Some(&cover));
        assert_eq!(p, long, "both apply: kept as typed");
    }

    #[test]
    fn a_department_project_uses_fiscal_funds() {
        let mut i = ProjectInput {
            fiscal_funds: "no".into(),
            ..ProjectInput::default()
        };
        commissioned_by_department(&mut i);
        assert_eq!(i.fiscal_funds, "yes");
    }

    // ---------------------------------------------------------------- changes

    #[test]
    fn deadline_change_is_frozen_within_48_hours() {
        let current = cn("2026-03-16 17:00");
        let later = cn("2026-03-20 17:00");
        assert!(check_deadline_change(current, later, cn("2026-03-14 16:59")).is_none());
        let p = check_deadline_change(current, later, cn("2026-03-14 17:01")).unwrap();
        assert_eq!(p.key, "pub.change.deadline_frozen");
        assert!(
            check_deadline_change(current, current, cn("2026-03-16 16:00")).is_none(),
            "no change"
        );
    }

    #[test]
    fn an_extension_adds_at_least_48_hours_and_never_shortens() {
        let current = cn("2026-03-16 17:00");
        let now = cn("2026-03-02 09:00");
        assert!(check_deadline_change(current, cn("2026-03-18 17:00"), now).is_none());
        assert_eq!(
            check_deadline_change(current, cn("2026-03-18 16:59"), now)
                .unwrap()
                .key,
            "pub.change.extension_short"
        );
        assert_eq!(
            check_deadline_change(current, cn("2026-03-10 17:00"), now)
                .unwrap()
                .key,
            "pub.change.extension_short"
        );
        assert_eq!(
            check_deadline_change(current, cn("2026-03-01 17:00"), now)
                .unwrap()
                .key,
            "pub.rule.deadline_past"
        );
    }

    #[test]
    fn material_fields_are_what_a_quote_is_priced_on() {
        let old = terms();
        assert!(material_changes(&old, &old).is_empty());
        let new = Terms {
            scope: "新的服务范围".into(),
            cap: Some(Money::from_fen(1)),
            time_limit_days: 10,
            min_grade: Some(Grade::C),
            complaint_phone: "13800000000".into(),
            deadline: cn("2026-03-20 17:00"),
            ..terms()
        };
        assert_eq!(
            material_changes(&old, &new),
            vec!["scope", "cap", "time_limit_days", "min_grade"]
        );
    }

    #[test]
    fn check_change_applies_the_change_rules_and_the_rules_of_edited_fields() {
        let cal = Calendar::default();
        let now = cn("2026-03-02 09:00");
        let s = setting(now, &cal);
        let old = terms();
        assert_eq!(
            keys(&check_change(&old, &old, false, &item(), &s).unwrap_err()),
            vec!["pub.change.nothing"]
        );

        let phone = Terms {
            complaint_phone: "13800000000".into(),
            ..terms()
        };
        let ok = check_change(&old, &phone, false, &item(), &s).unwrap();
        assert_eq!(ok.other, vec!["complaint_phone"]);
        assert!(ok.material.is_empty() && !ok.deadline);

        let cap = Terms {
            cap: Some(Money::from_fen(4_000_000)),
            ..terms()
        };
        assert_eq!(
            check_change(&old, &cap, false, &item(), &s)
                .unwrap()
                .material,
            vec!["cap"]
        );

        let bad = Terms {
            mode: Mode::RandomDraw,
            scope: "本地企业优先".into(),
            time_limit_days: 99,
            ..terms()
        };
        assert_eq!(
            keys(&check_change(&old, &bad, false, &item(), &s).unwrap_err()),
            vec![
                "pub.change.mode_fixed",
                "pub.fair.region",
                "pub.rule.time_limit"
            ]
        );
        assert!(check_change(&old, &old, true, &item(), &s).unwrap().other == vec!["avoided"]);
    }

    #[test]
    fn a_material_edit_needs_48_hours_before_the_deadline_in_force() {
        let cal = Calendar::default();
        let now = cn("2026-03-15 09:00");
        let s = setting(now, &cal);
        let old = terms(); // deadline 2026-03-16 17:00: 32 h away
        let scope = Terms {
            scope: "新的服务范围".into(),
            ..terms()
        };
        assert_eq!(
            keys(&check_change(&old, &scope, false, &item(), &s).unwrap_err()),
            vec!["pub.change.material_too_late"]
        );
        // A later deadline cannot be set this late either (the deadline is frozen).
        let both = Terms {
            deadline: cn("2026-03-20 17:00"),
            ..scope.clone()
        };
        assert_eq!(
            keys(&check_change(&old, &both, false, &item(), &s).unwrap_err()),
            vec!["pub.change.deadline_frozen"]
        );
        // Earlier, the owner extends and edits at once.
        let s = setting(cn("2026-03-13 09:00"), &cal);
        let c = check_change(&old, &both, false, &item(), &s).unwrap();
        assert!(c.deadline && c.material == vec!["scope"]);
    }

    #[test]
    fn a_cancellation_needs_a_reason() {
        assert_eq!(parse_cancel_reason("  ").unwrap_err().key, "v.required");
        assert_eq!(parse_cancel_reason(" 项目取消 ").unwrap(), "项目取消");
    }
}
