//! Complaints 投诉举报, the pure rules: who a complaint is against and on what grounds, the
//! filing form's parse, where it is routed, its deadlines in working days, its state machine,
//! the review (复核) window, the abuse limits, the tracking number and the figures published
//! by department. No actix, no diesel: `complaints::steps` asks these.

use chrono::NaiveDate;

use super::status::TextEnum;
use super::validate::{self, Problem};
use super::workdays::Calendar;

/// Longest facts / request / reason text, in characters.
pub const FACTS_MAX: usize = 4000;
pub const REQUEST_MAX: usize = 1000;
pub const REASON_MAX: usize = 2000;

/// The department code of the 政务服务管理局, which handles complaints against an owner or a
/// department (and against an agency no department regulates).
pub const SERVICES_DEPARTMENT_CODE: &str = "zwfwj";

macro_rules! complaint_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $t:literal,)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$v => $t,)+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($t => Some($name::$v),)+ _ => None }
            }
        }
        impl TextEnum for $name {
            const NAME: &'static str = stringify!($name);
            const ALL: &'static [$name] = $name::ALL;
            fn as_str(self) -> &'static str { $name::as_str(self) }
        }
    };
}

complaint_enum! {
    /// Who a complaint is against (`complaints.respondent_kind`).
    RespondentKind {
        Agency = "agency",
        Announcement = "announcement",
        Contract = "contract",
        Owner = "owner",
        Department = "department",
    }
}

complaint_enum! {
    /// Where a complaint stands (`complaints.state`).
    State {
        /// Filed, waiting to be accepted (acknowledgement deadline running).
        Filed = "filed",
        Accepted = "accepted",
        /// Not accepted, with a reason: closed.
        NotAccepted = "not_accepted",
        Investigating = "investigating",
        /// Answered with an outcome; the complainant may ask once for a review.
        Answered = "answered",
        ReviewRequested = "review_requested",
        /// The review decided: closed.
        Reviewed = "reviewed",
        /// The same complainant's complaint on the same respondent and grounds was open: this
        /// filing is linked to it (`duplicate_of`) and is not a case of its own.
        Linked = "linked",
    }
}

complaint_enum! {
    /// The answer's finding (`complaints.outcome`, `complaints.review_outcome`).
    Outcome {
        Upheld = "upheld",
        PartlyUpheld = "partly_upheld",
        NotUpheld = "not_upheld",
    }
}

impl Outcome {
    /// Upheld or partly upheld: published (anonymised), may add a credit record.
    pub fn upheld(self) -> bool {
        matches!(self, Outcome::Upheld | Outcome::PartlyUpheld)
    }
}

impl RespondentKind {
    /// The grounds 投诉事由 a complainant may choose against this kind of respondent (codes; the
    /// text is `complaints.grounds.<code>`).
    pub fn grounds(self) -> &'static [&'static str] {
        match self {
            RespondentKind::Agency => &[
                "overcharging",
                "poor_quality",
                "late_service",
                "false_report",
                "unlawful_conditions",
                "bad_conduct",
            ],
            RespondentKind::Announcement => &[
                "unfair_conditions",
                "irregular_procedure",
                "bid_rigging",
                "wrong_result",
            ],
            RespondentKind::Contract => {
                &["unfair_clauses", "late_payment", "breach", "poor_quality"]
            }
            RespondentKind::Owner => &[
                "late_payment",
                "unfair_clauses",
                "designated_agency",
                "refused_acceptance",
            ],
            RespondentKind::Department => &[
                "red_hat_tie",
                "designated_agency",
                "extra_requirements",
                "delay",
            ],
        }
    }
}

impl State {
    /// Still in the department's hands (not answered, not closed).
    pub fn open(self) -> bool {
        matches!(
            self,
            State::Filed | State::Accepted | State::Investigating | State::ReviewRequested
        )
    }
    /// The locale key of the state's name.
    pub fn label_key(self) -> String {
        format!("complaints.state.{}", self.as_str())
    }
}

/// What is done to a complaint: the state machine's transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Accept,
    NotAccept,
    Investigate,
    Extend,
    Transfer,
    Answer,
    RequestReview,
    DecideReview,
    RespondentAnswer,
}

/// Why a move is refused in the state the complaint is in (a locale key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Barred {
    /// Answered or closed already: nothing more is answered.
    Closed,
    /// Not yet accepted (answer, investigate, extend).
    NotAccepted,
    /// Accepted or decided already.
    AlreadyDecided,
    /// Only after an answer (review).
    NotAnswered,
    /// A review was asked already.
    ReviewTwice,
    /// No review pending.
    NoReview,
    /// Extended once already.
    ExtendedTwice,
    /// The respondent answered already.
    RespondedTwice,
}

impl Barred {
    pub fn key(self) -> &'static str {
        match self {
            Barred::Closed => "complaints.err.closed",
            Barred::NotAccepted => "complaints.err.not_accepted_yet",
            Barred::AlreadyDecided => "complaints.err.already_decided",
            Barred::NotAnswered => "complaints.err.not_answered",
            Barred::ReviewTwice => "complaints.err.review_twice",
            Barred::NoReview => "complaints.err.no_review",
            Barred::ExtendedTwice => "complaints.err.extended_twice",
            Barred::RespondedTwice => "complaints.err.responded_twice",
        }
    }
}

/// The facts of a complaint a move depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    pub state: State,
    pub extended: bool,
    pub review_asked: bool,
    pub respondent_answered: bool,
}

/// The state after `m`, or why not. Transfers, extensions and the respondent's answer keep
/// the state.
pub fn step(f: Facts, m: Move) -> Result<State, Barred> {
    use State::*;
    let closed = matches!(f.state, NotAccepted | Reviewed | Linked);
    match m {
        Move::Accept | Move::NotAccept => match f.state {
            Filed => Ok(if m == Move::Accept {
                Accepted
            } else {
                NotAccepted
            }),
            _ if closed => Err(Barred::Closed),
            _ => Err(Barred::AlreadyDecided),
        },
        Move::Investigate => match f.state {
            Accepted => Ok(Investigating),
            Filed => Err(Barred::NotAccepted),
            Investigating => Err(Barred::AlreadyDecided),
            _ => Err(Barred::Closed),
        },
        Move::Extend => match f.state {
            Accepted | Investigating if f.extended => Err(Barred::ExtendedTwice),
            Accepted | Investigating => Ok(f.state),
            Filed => Err(Barred::NotAccepted),
            _ => Err(Barred::Closed),
        },
        Move::Transfer => match f.state {
            Filed | Accepted | Investigating => Ok(f.state),
            _ => Err(Barred::Closed),
        },
        Move::Answer => match f.state {
            Accepted | Investigating => Ok(Answered),
            Filed => Err(Barred::NotAccepted),
            _ => Err(Barred::Closed),
        },
        Move::RequestReview => match f.state {
            Answered if f.review_asked => Err(Barred::ReviewTwice),
            Answered => Ok(ReviewRequested),
            ReviewRequested | Reviewed => Err(Barred::ReviewTwice),
            _ if closed => Err(Barred::Closed),
            _ => Err(Barred::NotAnswered),
        },
        Move::DecideReview => match f.state {
            ReviewRequested => Ok(Reviewed),
            _ => Err(Barred::NoReview),
        },
        Move::RespondentAnswer => match f.state {
            _ if f.respondent_answered => Err(Barred::RespondedTwice),
            Filed | Accepted | Investigating => Ok(f.state),
            _ => Err(Barred::Closed),
        },
    }
}

/// The deadline settings, in working days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    pub ack_days: u32,
    pub answer_days: u32,
    pub review_days: u32,
}

impl Deadlines {
    /// Acknowledge (accept or not) by: `ack_days` working days after the filing day.
    pub fn ack_due(&self, cal: &Calendar, filed_on: NaiveDate) -> NaiveDate {
        cal.add_working_days(filed_on, self.ack_days)
    }
    /// Answer by: `answer_days` working days after acceptance.
    pub fn answer_due(&self, cal: &Calendar, accepted_on: NaiveDate) -> NaiveDate {
        cal.add_working_days(accepted_on, self.answer_days)
    }
    /// The one extension: another `answer_days` working days after the current due day.
    pub fn extended(&self, cal: &Calendar, due: NaiveDate) -> NaiveDate {
        cal.add_working_days(due, self.answer_days)
    }
    /// A review may be asked up to and including this day.
    pub fn review_due(&self, cal: &Calendar, answered_on: NaiveDate) -> NaiveDate {
        cal.add_working_days(answered_on, self.review_days)
    }
}

/// Whether a review asked on `today` is inside the window ending on `review_due`.
pub fn review_open(today: NaiveDate, review_due: NaiveDate) -> bool {
    today <= review_due
}

/// Overdue on `today`: filed and not acknowledged by its due day, or accepted and not
/// answered by its due day.
pub fn overdue(
    state: State,
    ack_due: NaiveDate,
    answer_due: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    match state {
        State::Filed => today > ack_due,
        State::Accepted | State::Investigating => answer_due.is_some_and(|d| today > d),
        _ => false,
    }
}

/// Whether one more filing is allowed when `filed_today` were filed already by the same
/// account or from the same address today and the limit is `limit`.
pub fn within_limit(filed_today: i64, limit: i64) -> bool {
    filed_today < limit
}

/// Where a complaint goes, from what its respondent is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// An announcement or a contract: the department of its catalogue item.
    Item { department_id: i64 },
    /// An agency: the departments that regulate it (`credit::domain_departments`).
    Agency { regulators: &'a [i64] },
    /// An owner or a department: the 政务服务管理局.
    Services,
}

/// The responsible department: the item's department; an agency's first regulator (the
/// others may receive it by transfer), or the 政务服务管理局 when none regulates it; the
/// 政务服务管理局 for an owner or a department. None when that department does not exist.
pub fn responsible(route: &Route<'_>, services: Option<i64>) -> Option<i64> {
    match route {
        Route::Item { department_id } => Some(*department_id),
        Route::Agency { regulators } => regulators.first().copied().or(services),
        Route::Services => services,
    }
}

/// The tracking number of the `n`-th complaint filed on `day` (China date):
/// `TS20261203-0001`.
pub fn tracking_number(day: NaiveDate, n: i64) -> String {
    format!("TS{}-{:04}", day.format("%Y%m%d"), n)
}

/// The tracking-number prefix of a day (`TS20261203-`), to count that day's complaints.
pub fn tracking_prefix(day: NaiveDate) -> String {
    format!("TS{}-", day.format("%Y%m%d"))
}

/// The filing form as typed.
#[derive(Clone, Debug, Default)]
pub struct FilingInput {
    pub against: String,
    pub respondent_id: String,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    /// Visitors only.
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// A visitor's identity, checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Visitor {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// The filing, parsed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filing {
    pub against: String,
    pub respondent_id: i64,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    pub visitor: Option<Visitor>,
}

impl Filing {
    pub fn kind(&self) -> RespondentKind {
        RespondentKind::parse(&self.against).unwrap_or(RespondentKind::Agency)
    }
}

/// Parses the filing form; every refused field at once. `visitor`: the filer is not signed
/// in, so name, e-mail and phone are required. Whether the respondent exists is the step's
/// question (it answers beside the same field).
pub fn parse_filing(i: &FilingInput, visitor: bool) -> Result<Filing, Vec<Problem>> {
    let mut p = Vec::new();
    let kind = RespondentKind::parse(i.against.trim());
    if kind.is_none() {
        p.push(Problem::new("against", "complaints.err.respondent"));
    }
    let rid = i
        .respondent_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0);
    if kind.is_some() && rid.is_none() {
        p.push(Problem::new("respondent_id", "complaints.err.respondent"));
    }
    let grounds = i.grounds.trim();
    match kind {
        Some(k) if k.grounds().contains(&grounds) => {}
        _ => p.push(Problem::new("grounds", "complaints.err.grounds")),
    }
    let facts = validate::field(&mut p, "facts", validate::text(&i.facts, FACTS_MAX, true));
    let request = validate::field(
        &mut p,
        "request",
        validate::text(&i.request, REQUEST_MAX, true),
    );
    let visitor = if visitor {
        let name = validate::field(&mut p, "name", validate::person_name(&i.name));
        let email = validate::field(&mut p, "email", validate::email(&i.email));
        let phone = validate::field(&mut p, "phone", validate::phone_cn(&i.phone));
        match (name, email, phone) {
            (Some(name), Some(email), Some(phone)) => Some(Visitor { name, email, phone }),
            _ => None,
        }
    } else {
        None
    };
    match (kind, rid, facts, request) {
        (Some(k), Some(rid), Some(facts), Some(request)) if p.is_empty() => Ok(Filing {
            against: k.as_str().to_string(),
            respondent_id: rid,
            grounds: grounds.to_string(),
            facts,
            request,
            visitor,
        }),
        _ => Err(p),
    }
}

/// A required reason (not accepting, extending, transferring, answering, reviewing).
pub fn reason(s: &str) -> Result<String, validate::FieldProblem> {
    validate::text(s, REASON_MAX, true)
}

/// One department's published figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figures {
    pub count: usize,
    /// Answered (or not accepted) on time, in percent of those handled; None when none was.
    pub on_time_percent: Option<u32>,
    /// The median handling time in working days (filing to answer); None when none answered.
    pub median_days: Option<i64>,
}

/// Handling facts of one complaint: when it was filed, when it was handled (answered or not
/// accepted), and the due day it was handled against.
#[derive(Clone, Copy, Debug)]
pub struct Handled {
    pub filed_on: NaiveDate,
    pub handled_on: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
}

/// The figures of a department's complaints: count, share handled on time, median working
/// days from filing to handling.
pub fn figures(cal: &Calendar, rows: &[Handled]) -> Figures {
    let mut days: Vec<i64> = Vec::new();
    let mut on_time = 0u32;
    let mut handled = 0u32;
    for r in rows {
        if let Some(h) = r.handled_on {
            handled += 1;
            if r.due.is_none_or(|d| h <= d) {
                on_time += 1;
            }
            days.push(cal.working_days_between(r.filed_on, h));
        }
    }
    days.sort_unstable();
    let median_days = if days.is_empty() {
        None
    } else if days.len() % 2 == 1 {
        Some(days[days.len() / 2])
    } else {
        let m = days.len() / 2;
        Some((days[m - 1] + days[m]) / 2)
    };
    Figures {
        count: rows.len(),
        on_time_percent: (handled > 0).then(|| on_time * 100 / handled),
        median_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts(state: State) -> Facts {
        Facts {
            state,
            extended: false,
            review_asked: false,
            respondent_answered: false,
        }
    }

    #[test]
    fn routing_follows_the_respondent() {
        assert_eq!(
            responsible(&Route::Item { department_id: 4 }, Some(9)),
            Some(4)
        );
        assert_eq!(
            responsible(
                &Route::Agency {
                    regulators: &[3, 5]
                },
                Some(9)
            ),
            Some(3)
        );
        // An agency nobody regulates goes to the 政务服务管理局.
        assert_eq!(
            responsible(&Route::Agency { regulators: &[] }, Some(9)),
            Some(9)
        );
        assert_eq!(responsible(&Route::Services, Some(9)), Some(9));
        assert_eq!(responsible(&Route::Services, None), None);
    }

    #[test]
    fn deadlines_count_working_days() {
        let cal = Calendar::new([(d("2026-10-01"), super::super::workdays::DayKind::Holiday)]);
        let dl = Deadlines {
            ack_days: 1,
            answer_days: 7,
            review_days: 5,
        };
        // Filed on a Friday: acknowledged by Monday.
        assert_eq!(dl.ack_due(&cal, d("2026-12-04")), d("2026-12-07"));
        // Accepted on Monday 7 Dec: answer by Wednesday 16 Dec.
        assert_eq!(dl.answer_due(&cal, d("2026-12-07")), d("2026-12-16"));
        assert_eq!(dl.extended(&cal, d("2026-12-16")), d("2026-12-25"));
        // A holiday is skipped.
        assert_eq!(dl.ack_due(&cal, d("2026-09-30")), d("2026-10-02"));
        assert_eq!(dl.review_due(&cal, d("2026-12-16")), d("2026-12-23"));
    }

    #[test]
    fn review_window_is_inclusive() {
        assert!(review_open(d("2026-12-23"), d("2026-12-23")));
        assert!(!review_open(d("2026-12-24"), d("2026-12-23")));
    }

    #[test]
    fn state_machine() {
        use State::*;
        assert_eq!(step(facts(Filed), Move::Accept), Ok(Accepted));
        assert_eq!(step(facts(Filed), Move::NotAccept), Ok(NotAccepted));
        assert_eq!(
            step(facts(Accepted), Move::Accept),
            Err(Barred::AlreadyDecided)
        );
        assert_eq!(step(facts(Filed), Move::Answer), Err(Barred::NotAccepted));
        assert_eq!(step(facts(Accepted), Move::Investigate), Ok(Investigating));
        assert_eq!(step(facts(Investigating), Move::Answer), Ok(Answered));
        assert_eq!(step(facts(Answered), Move::Answer), Err(Barred::Closed));
        assert_eq!(step(facts(Reviewed), Move::Answer), Err(Barred::Closed));
        assert_eq!(step(facts(NotAccepted), Move::Answer), Err(Barred::Closed));
        assert_eq!(
            step(facts(Answered), Move::RequestReview),
            Ok(ReviewRequested)
        );
        assert_eq!(
            step(facts(ReviewRequested), Move::RequestReview),
            Err(Barred::ReviewTwice)
        );
        assert_eq!(
            step(facts(Reviewed), Move::RequestReview),
            Err(Barred::ReviewTwice)
        );
        assert_eq!(
            step(facts(Investigating), Move::RequestReview),
            Err(Barred::NotAnswered)
        );
        assert_eq!(
            step(facts(ReviewRequested), Move::DecideReview),
            Ok(Reviewed)
        );
        assert_eq!(
            step(facts(Answered), Move::DecideReview),
            Err(Barred::NoReview)
        );
        let mut ext = facts(Accepted);
        assert_eq!(step(ext, Move::Extend), Ok(Accepted));
        ext.extended = true;
        assert_eq!(step(ext, Move::Extend), Err(Barred::ExtendedTwice));
        assert_eq!(step(facts(Answered), Move::Transfer), Err(Barred::Closed));
        let mut r = facts(Investigating);
        assert_eq!(step(r, Move::RespondentAnswer), Ok(Investigating));
        r.respondent_answered = true;
        assert_eq!(step(r, Move::RespondentAnswer), Err(Barred::RespondedTwice));
    }

    #[test]
    fn overdue_by_state() {
        let t = d("2026-12-10");
        assert!(overdue(State::Filed, d("2026-12-09"), None, t));
        assert!(!overdue(State::Filed, d("2026-12-10"), None, t));
        assert!(overdue(
            State::Investigating,
            d("2026-12-01"),
            Some(d("2026-12-09")),
            t
        ));
        assert!(!overdue(
            State::Answered,
            d("2026-12-01"),
            Some(d("2026-12-09")),
            t
        ));
    }

    #[test]
    fn abuse_limit() {
        assert!(within_limit(2, 3));
        assert!(!within_limit(3, 3));
    }

    #[test]
    fn tracking_numbers() {
        assert_eq!(tracking_number(d("2026-12-03"), 1), "TS20261203-0001");
        assert!(
            tracking_number(d("2026-12-03"), 12).starts_with(&tracking_prefix(d("2026-12-03")))
        );
    }

    #[test]
    fn filing_needs_respondent_grounds_and_facts() {
        let bad = parse_filing(&FilingInput::default(), false).unwrap_err();
        let fields: Vec<_> = bad.iter().map(|p| p.field).collect();
        assert!(fields.contains(&"against"));
        assert!(fields.contains(&"grounds"));
        assert!(fields.contains(&"facts"));
        assert!(fields.contains(&"request"));
        let mut i = FilingInput {
            against: "agency".into(),
            respondent_id: "7".into(),
            grounds: "overcharging".into(),
            facts: "收费超出公示标准".into(),
            request: "退还多收费用".into(),
            ..Default::default()
        };
        let f = parse_filing(&i, false).unwrap();
        assert_eq!(f.kind(), RespondentKind::Agency);
        // Grounds of another respondent kind are refused.
        i.grounds = "red_hat_tie".into();
        assert!(parse_filing(&i, false).is_err());
        i.grounds = "overcharging".into();
        // A visitor gives name, e-mail and phone.
        let v = parse_filing(&i, true).unwrap_err();
        assert_eq!(v.len(), 3);
        i.name = "张三".into();
        i.email = "zhang@example.com".into();
        i.phone = "13800000000".into();
        assert!(parse_filing(&i, true).unwrap().visitor.is_some());
    }

    #[test]
    fn figures_by_department() {
        let cal = Calendar::default();
        let rows = [
            Handled {
                filed_on: d("2026-12-01"),
                handled_on: Some(d("2026-12-03")),
                due: Some(d("2026-12-10")),
            },
            Handled {
                filed_on: d("2026-12-01"),
                handled_on: Some(d("2026-12-15")),
                due: Some(d("2026-12-10")),
            },
            Handled {
                filed_on: d("2026-12-01"),
                handled_on: None,
                due: None,
            },
        ];
        let f = figures(&cal, &rows);
        assert_eq!(f.count, 3);
        assert_eq!(f.on_time_percent, Some(50));
        assert_eq!(f.median_days, Some(6));
        assert_eq!(figures(&cal, &[]).median_days, None);
    }
}
