//! Page data of complaints, built from loaded rows and the viewer. Three audiences see a
//! complaint differently: the department (everything, with the complainant), the complainant
//! (its own case), and the respondent ([`SubstanceView`]: the substance only, built from
//! `store::Substance`, which has no field for the complainant's identity).

use crate::accounts::store::department::Department;
use crate::complaints::store::{Complaint, Event, Evidence, Substance};
use crate::domain::complaints::{self as rules, Outcome, RespondentKind, State};
use crate::i18n::{self, Lang};
use crate::web::fmt;

pub fn grounds_text(l: Lang, code: &str) -> String {
    i18n::tr_opt(l, &format!("complaints.grounds.{code}"))
        .unwrap_or(code)
        .to_string()
}

pub fn kind_text(l: Lang, k: RespondentKind) -> String {
    i18n::tr(l, &format!("complaints.against.{}", k.as_str())).to_string()
}

pub fn state_text(l: Lang, s: State) -> String {
    i18n::tr(l, &s.label_key()).to_string()
}

pub fn outcome_text(l: Lang, o: Option<Outcome>) -> String {
    o.map(|o| i18n::tr(l, &format!("complaints.outcome.{}", o.as_str())).to_string())
        .unwrap_or_default()
}

/// One line of a complaint list.
pub struct Row {
    pub id: i64,
    pub tracking_no: String,
    pub against: String,
    pub respondent: String,
    pub grounds: String,
    pub state: String,
    pub department: String,
    pub filed: String,
    pub due: String,
    pub overdue: bool,
}

pub fn row(l: Lang, depts: &[Department], c: &Complaint, today: chrono::NaiveDate) -> Row {
    let due = match c.state {
        State::Filed => Some(c.ack_due),
        State::Accepted | State::Investigating => c.answer_due,
        _ => None,
    };
    Row {
        id: c.id,
        tracking_no: c.tracking_no.clone(),
        against: kind_text(l, c.respondent_kind),
        respondent: c.respondent_name.clone(),
        grounds: grounds_text(l, &c.grounds),
        state: state_text(l, c.state),
        department: fmt::dept(l, depts, Some(c.department_id)),
        filed: fmt::time(c.filed_at),
        due: due.map(fmt::date).unwrap_or_default(),
        overdue: rules::overdue(c.state, c.ack_due, c.answer_due, today),
    }
}

pub struct EventView {
    pub at: String,
    pub what: String,
    pub note: String,
}

/// The events of a case. `notes`: whether free-text notes are shown (not to the public).
pub fn events(l: Lang, depts: &[Department], evs: &[Event]) -> Vec<EventView> {
    evs.iter()
        .map(|e| {
            let mut what = i18n::tr_opt(l, &format!("complaints.event.{}", e.kind))
                .unwrap_or(&e.kind)
                .to_string();
            if let (Some(f), Some(t)) = (e.from_department_id, e.to_department_id) {
                what = format!(
                    "{what}：{} → {}",
                    fmt::dept(l, depts, Some(f)),
                    fmt::dept(l, depts, Some(t))
                );
            }
            EventView {
                at: fmt::time(e.at),
                what,
                note: e.note.clone(),
            }
        })
        .collect()
}

pub struct EvidenceView {
    pub id: i64,
    pub name: String,
    pub size_kib: i64,
}

pub fn evidence(ev: &[Evidence]) -> Vec<EvidenceView> {
    ev.iter()
        .map(|e| EvidenceView {
            id: e.id,
            name: e.original_name.clone(),
            size_kib: (e.size_bytes + 1023) / 1024,
        })
        .collect()
}

/// A case as its department (and its complainant) reads it.
pub struct CaseView {
    pub id: i64,
    pub tracking_no: String,
    pub against: String,
    pub respondent: String,
    pub respondent_link: Option<String>,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    pub state: String,
    pub state_code: &'static str,
    pub department: String,
    pub filed: String,
    pub ack_due: String,
    pub answer_due: String,
    pub extension_reason: String,
    pub not_accepted_reason: String,
    pub outcome: String,
    pub outcome_reasons: String,
    pub review_due: String,
    pub review_reason: String,
    pub review_outcome: String,
    pub review_reasons: String,
    pub respondent_answer: String,
    pub credit_record_id: Option<i64>,
    /// The agency's credit report, where the 投诉查实 record stands.
    pub credit_link: Option<String>,
    pub duplicate_of: Option<i64>,
    pub overdue: bool,
    /// The complainant: only on the department's page.
    pub complainant: String,
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

pub fn case(l: Lang, depts: &[Department], c: &Complaint, today: chrono::NaiveDate) -> CaseView {
    CaseView {
        id: c.id,
        tracking_no: c.tracking_no.clone(),
        against: kind_text(l, c.respondent_kind),
        respondent: c.respondent_name.clone(),
        respondent_link: respondent_link(c.respondent_kind, c.respondent_id),
        grounds: grounds_text(l, &c.grounds),
        facts: c.facts.clone(),
        request: c.request.clone(),
        state: state_text(l, c.state),
        state_code: c.state.as_str(),
        department: fmt::dept(l, depts, Some(c.department_id)),
        filed: fmt::time(c.filed_at),
        ack_due: fmt::date(c.ack_due),
        answer_due: c.answer_due.map(fmt::date).unwrap_or_default(),
        extension_reason: opt(&c.extension_reason),
        not_accepted_reason: opt(&c.not_accepted_reason),
        outcome: outcome_text(l, c.outcome),
        outcome_reasons: opt(&c.outcome_reasons),
        review_due: c.review_due.map(fmt::date).unwrap_or_default(),
        review_reason: opt(&c.review_reason),
        review_outcome: outcome_text(l, c.review_outcome),
        review_reasons: opt(&c.review_reasons),
        respondent_answer: opt(&c.respondent_answer),
        credit_record_id: c.credit_record_id,
        credit_link: c
            .credit_record_id
            .map(|_| format!("/credit/agencies/{}", c.respondent_id)),
        duplicate_of: c.duplicate_of,
        overdue: rules::overdue(c.state, c.ack_due, c.answer_due, today),
        complainant: String::new(),
    }
}

/// Where the respondent's public page is.
pub fn respondent_link(k: RespondentKind, id: i64) -> Option<String> {
    match k {
        RespondentKind::Agency => Some(format!("/agencies/{id}")),
        RespondentKind::Announcement => Some(format!("/announcements/{id}")),
        _ => None,
    }
}

/// What the respondent sees: built from [`Substance`] alone.
pub struct SubstanceView {
    pub id: i64,
    pub tracking_no: String,
    pub against: String,
    pub respondent: String,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    pub state: String,
    pub outcome: String,
    pub outcome_reasons: String,
    pub respondent_answer: String,
    pub filed: String,
}

pub fn substance(l: Lang, s: &Substance) -> SubstanceView {
    SubstanceView {
        id: s.id,
        tracking_no: s.tracking_no.clone(),
        against: kind_text(l, s.respondent_kind),
        respondent: s.respondent_name.clone(),
        grounds: grounds_text(l, &s.grounds),
        facts: s.facts.clone(),
        request: s.request.clone(),
        state: state_text(l, s.state),
        outcome: outcome_text(l, s.outcome),
        outcome_reasons: opt(&s.outcome_reasons),
        respondent_answer: opt(&s.respondent_answer),
        filed: fmt::time(s.filed_at),
    }
}

/// One published outcome: anonymised (no complainant; numbers, e-mails masked in the text).
#[derive(serde::Serialize)]
pub struct PublicOutcome {
    pub id: i64,
    pub tracking_no: String,
    pub department: String,
    pub against: String,
    pub respondent: String,
    pub grounds: String,
    pub outcome: String,
    pub reasons: String,
    pub answered: String,
    pub credit_record_id: Option<i64>,
}

pub fn public_outcome(l: Lang, depts: &[Department], c: &Complaint) -> PublicOutcome {
    let reasons = c.review_reasons.clone().or(c.outcome_reasons.clone());
    PublicOutcome {
        id: c.id,
        tracking_no: c.tracking_no.clone(),
        department: fmt::dept(l, depts, Some(c.department_id)),
        against: kind_text(l, c.respondent_kind),
        respondent: c.respondent_name.clone(),
        grounds: grounds_text(l, &c.grounds),
        outcome: outcome_text(l, c.final_outcome()),
        reasons: mask_persons(&reasons.unwrap_or_default(), c),
        answered: c
            .reviewed_at
            .or(c.answered_at)
            .map(fmt::time)
            .unwrap_or_default(),
        credit_record_id: c.credit_record_id,
    }
}

/// Masks phone and ID numbers and e-mails, and the complainant's name if a regulator wrote
/// it into the reasons.
pub fn mask_persons(text: &str, c: &Complaint) -> String {
    let mut t = crate::domain::credit::mask_free_text(text);
    if let Some(n) = c.visitor_name.as_deref().filter(|n| !n.is_empty()) {
        let masked: String = n
            .chars()
            .enumerate()
            .map(|(i, ch)| if i == 0 { ch } else { '*' })
            .collect();
        t = t.replace(n, &masked);
    }
    t
}

/// Figures of one department, for the public page.
#[derive(serde::Serialize)]
pub struct FigureRow {
    pub department: String,
    pub count: usize,
    pub on_time: String,
    pub median_days: String,
}
