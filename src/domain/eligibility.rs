//! Who may take part in a selection (only for an item the agency
//! offers): the one place these rules live.
//! Registration, quoting and opening all call [`check`] with the facts of that moment; a
//! refusal names every rule that failed, in a fixed order, each with its own message.

use chrono::NaiveDate;

use crate::domain::agency_rules::{self, CertFacts};
use crate::domain::credit::{Grade, Restriction};
use crate::domain::status::AgencyStatus;

/// Everything the rules look at, gathered by the caller.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub agency_id: i64,
    /// `agencies.status`, as stored: only active agencies take part.
    pub status: &'a str,
    /// Whether the agency offers the announcement's item now (its profile's service items).
    pub offers_item: bool,
    /// From `crate::credit::store::sanctions::restrictions` on the day of the check.
    pub restrictions: &'a [Restriction],
    /// The agency's certificates; they must count on the quote deadline's day.
    pub certificates: &'a [CertFacts<'a>],
    /// The item's required qualification types and minimum levels.
    pub required: &'a [(String, i32)],
    pub deadline_day: NaiveDate,
    /// The government department the agency is affiliated with, if any.
    pub affiliated_department_id: Option<i64>,
    /// The item's approval department.
    pub approval_department_id: i64,
    /// Agencies the owner must avoid (回避单位).
    pub avoided: &'a [i64],
    /// The agency's credit grade (cached). `None` is 暂无评价: no credit record and no
    /// contract yet (any record or contract grades it at once), so nothing counts against it.
    pub grade: Option<Grade>,
    /// The announcement's bar, see [`valid_grade_bar`].
    pub min_grade: Option<Grade>,
}

/// One failed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ineligible {
    /// The account is not active (suspended, deregistered …).
    NotActive,
    /// The agency does not offer the announcement's item: it takes part only in what it
    /// offers, so the departments approving those items keep it within their reach.
    ItemNotOffered,
    /// Blacklisted, banned, or a banned senior manager (the restriction's own message).
    Restricted(Restriction),
    /// Qualifications missing on the deadline day: (type, minimum level) each.
    MissingQualifications(Vec<(String, i32)>),
    /// 审批部门所属事业单位及其举办的企业不得开展本部门审批相关中介服务.
    AffiliatedWithApprovalDepartment,
    /// On the owner's list of avoided units.
    Avoided,
    /// Credit grade below the announcement's bar.
    GradeBelowBar { required: Grade },
}

impl Ineligible {
    /// The rule's name, stable for logs, tests and the audit trail.
    pub fn rule(&self) -> &'static str {
        match self {
            Ineligible::NotActive => "active",
            Ineligible::ItemNotOffered => "offered",
            Ineligible::Restricted(_) => "sanctions",
            Ineligible::MissingQualifications(_) => "qualification",
            Ineligible::AffiliatedWithApprovalDepartment => "affiliation",
            Ineligible::Avoided => "avoided",
            Ineligible::GradeBelowBar { .. } => "credit_grade",
        }
    }

    /// Locale key of the message (`locales/*/selection.txt`, or the restriction's key).
    pub fn key(&self) -> &'static str {
        match self {
            Ineligible::NotActive => "selection.elig.not_active",
            Ineligible::ItemNotOffered => "selection.elig.not_offered",
            Ineligible::Restricted(r) => r.key(),
            Ineligible::MissingQualifications(_) => "selection.elig.qualification",
            Ineligible::AffiliatedWithApprovalDepartment => "selection.elig.affiliated",
            Ineligible::Avoided => "selection.elig.avoided",
            Ineligible::GradeBelowBar { .. } => "selection.elig.grade",
        }
    }

    /// Message arguments. `{quals}` lists `type:level` codes; the page turns them into names.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Ineligible::Restricted(r) => r.args(),
            Ineligible::MissingQualifications(m) => vec![(
                "quals",
                m.iter()
                    .map(|(t, l)| format!("{t}:{l}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
            Ineligible::GradeBelowBar { required } => vec![("grade", required.code().to_string())],
            _ => vec![],
        }
    }
}

/// An announcement may require at most "not D" (grade C or better); anything
/// stricter would shut out agencies on a ranking, which the fair-competition rules forbid.
pub fn valid_grade_bar(bar: Option<Grade>) -> bool {
    matches!(bar, None | Some(Grade::C))
}

/// Every eligibility rule, in a fixed order. `Ok` when all pass, otherwise every failure.
pub fn check(f: &Facts<'_>) -> Result<(), Vec<Ineligible>> {
    let mut out = Vec::new();
    if f.status != AgencyStatus::Active.as_str() {
        out.push(Ineligible::NotActive);
    }
    if !f.offers_item {
        out.push(Ineligible::ItemNotOffered);
    }
    out.extend(f.restrictions.iter().cloned().map(Ineligible::Restricted));
    if let Err(missing) = agency_rules::meets(f.required, f.certificates, f.deadline_day) {
        out.push(Ineligible::MissingQualifications(missing));
    }
    if f.affiliated_department_id == Some(f.approval_department_id) {
        out.push(Ineligible::AffiliatedWithApprovalDepartment);
    }
    if f.avoided.contains(&f.agency_id) {
        out.push(Ineligible::Avoided);
    }
    // An agency not rated yet has no record against it: under the rules its score is the
    // full one, and the bar is at most "not D" (零门槛: a new agency takes part at once).
    if let Some(required) = f.min_grade
        && f.grade.is_some_and(|g| g > required)
    {
        out.push(Ineligible::GradeBelowBar { required });
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cert(from: &str, to: &str) -> CertFacts<'static> {
        CertFacts {
            qual_type: "surveying_mapping",
            level: 2,
            approved: true,
            valid_from: d(from),
            valid_to: d(to),
        }
    }

    /// An agency that passes every rule; each test breaks one (test data is leaked so the
    /// facts can borrow it for 'static).
    fn with<R>(edit: impl FnOnce(&mut Facts<'static>), f: impl FnOnce(&Facts<'static>) -> R) -> R {
        let certs: &'static [CertFacts<'static>] =
            Box::leak(vec![cert("2025-01-01", "2028-01-01")].into_boxed_slice());
        let required: &'static [(String, i32)] =
            Box::leak(vec![("surveying_mapping".to_string(), 2)].into_boxed_slice());
        let mut facts = Facts {
            agency_id: 7,
            status: "active",
            offers_item: true,
            restrictions: &[],
            certificates: certs,
            required,
            deadline_day: d("2026-12-10"),
            affiliated_department_id: None,
            approval_department_id: 3,
            avoided: &[],
            grade: Some(Grade::B),
            min_grade: Some(Grade::C),
        };
        edit(&mut facts);
        f(&facts)
    }

    fn leak<T>(v: Vec<T>) -> &'static [T] {
        Box::leak(v.into_boxed_slice())
    }

    fn rules(r: Result<(), Vec<Ineligible>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(Ineligible::rule)
            .collect()
    }

    #[test]
    fn an_agency_meeting_every_rule_is_eligible() {
        assert_eq!(with(|_| {}, check), Ok(()));
    }

    #[test]
    fn not_active() {
        assert_eq!(
            with(|f| f.status = "suspended", |f| rules(check(f))),
            ["active"]
        );
    }

    #[test]
    fn only_for_an_item_the_agency_offers() {
        let got = with(|f| f.offers_item = false, check).unwrap_err();
        assert_eq!(got, [Ineligible::ItemNotOffered]);
        assert_eq!(got[0].rule(), "offered");
        assert_eq!(got[0].key(), "selection.elig.not_offered");
    }

    #[test]
    fn blacklisted_banned_or_banned_manager() {
        let r = leak(vec![
            Restriction::Blacklisted {
                since: d("2026-01-01"),
                until: d("2027-01-01"),
            },
            Restriction::BannedManager {
                manager: "刘*华".into(),
                since: d("2026-01-01"),
                until: d("2028-01-01"),
            },
        ]);
        let got = with(|f| f.restrictions = r, check).unwrap_err();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].key(), "credit.restrict.blacklisted");
        assert_eq!(got[1].key(), "credit.restrict.banned_manager");
    }

    #[test]
    fn qualification_must_count_on_the_deadline_day() {
        // Expires the day before the deadline: no longer counts.
        let expiring = leak(vec![cert("2024-01-01", "2026-12-10")]);
        let got = with(|f| f.certificates = expiring, check).unwrap_err();
        assert_eq!(
            got,
            [Ineligible::MissingQualifications(vec![(
                "surveying_mapping".into(),
                2
            )])]
        );
        assert_eq!(
            got[0].args(),
            [("quals", "surveying_mapping:2".to_string())]
        );
        // Expiring the day after the deadline still counts.
        let ok = leak(vec![cert("2024-01-01", "2026-12-11")]);
        assert_eq!(with(|f| f.certificates = ok, check), Ok(()));
        // A lower level (丙 = 3) does not meet 乙 (2).
        let low = leak(vec![CertFacts {
            level: 3,
            ..cert("2024-01-01", "2030-01-01")
        }]);
        assert_eq!(
            with(|f| f.certificates = low, |f| rules(check(f))),
            ["qualification"]
        );
    }

    #[test]
    fn affiliated_with_the_approval_department() {
        assert_eq!(
            with(
                |f| f.affiliated_department_id = Some(3),
                |f| rules(check(f))
            ),
            ["affiliation"]
        );
        // Affiliation with another department is no bar.
        assert_eq!(
            with(|f| f.affiliated_department_id = Some(4), check),
            Ok(())
        );
    }

    #[test]
    fn avoided_unit() {
        assert_eq!(with(|f| f.avoided = &[7], |f| rules(check(f))), ["avoided"]);
        assert_eq!(with(|f| f.avoided = &[8], check), Ok(()));
    }

    #[test]
    fn credit_grade_bar() {
        assert_eq!(
            with(|f| f.grade = Some(Grade::D), |f| rules(check(f))),
            ["credit_grade"]
        );
        // 暂无评价 (no record, no contract): nothing against it, it meets the bar.
        assert_eq!(with(|f| f.grade = None, check), Ok(()));
        assert_eq!(with(|f| f.grade = Some(Grade::C), check), Ok(()));
        // No bar: even D takes part.
        assert_eq!(
            with(
                |f| {
                    f.grade = Some(Grade::D);
                    f.min_grade = None;
                },
                check
            ),
            Ok(())
        );
        assert!(valid_grade_bar(None) && valid_grade_bar(Some(Grade::C)));
        assert!(!valid_grade_bar(Some(Grade::B)) && !valid_grade_bar(Some(Grade::A)));
    }

    #[test]
    fn every_failing_rule_is_named_in_order() {
        let r = leak(vec![Restriction::Banned {
            since: d("2026-01-01"),
            until: d("2027-01-01"),
        }]);
        let got = with(
            |f| {
                f.status = "suspended";
                f.offers_item = false;
                f.restrictions = r;
                f.certificates = &[];
                f.affiliated_department_id = Some(3);
                f.avoided = &[7];
                f.grade = Some(Grade::D);
            },
            |f| rules(check(f)),
        );
        assert_eq!(
            got,
            [
                "active",
                "offered",
                "sanctions",
                "qualification",
                "affiliation",
                "avoided",
                "credit_grade"
            ]
        );
    }

    #[test]
    fn every_message_exists_in_both_locales() {
        for key in [
            "selection.elig.not_active",
            "selection.elig.not_offered",
            "selection.elig.qualification",
            "selection.elig.affiliated",
            "selection.elig.avoided",
            "selection.elig.grade",
        ] {
            for lang in [crate::i18n::Lang::Zh, crate::i18n::Lang::En] {
                assert_ne!(crate::i18n::tr(lang, key), key, "{key}");
            }
        }
    }
}
