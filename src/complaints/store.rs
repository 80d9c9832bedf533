//! Rows and queries of complaints: the complaint, its events (transfers and every step), its
//! evidence files, and visitors' complaints waiting for their e-mail confirmation. Writes
//! are called only from `complaints::steps`.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::{
    complaint_decisions, complaint_events, complaint_evidence, complaint_pending, complaints,
};
use crate::domain::complaints::{Outcome, RespondentKind, State};

/// The `complaints` row.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = complaints)]
pub struct CoreRow {
    pub id: i64,
    pub tracking_no: String,
    pub respondent_kind: RespondentKind,
    pub respondent_id: i64,
    pub respondent_user_id: Option<i64>,
    pub respondent_name: String,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    pub complainant_id: Option<i64>,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_phone: Option<String>,
    pub access_hash: Option<String>,
    pub filed_ip: String,
    pub department_id: i64,
    pub state: State,
    pub filed_at: NaiveDateTime,
    pub ack_due: NaiveDate,
    pub answer_due: Option<NaiveDate>,
    pub review_due: Option<NaiveDate>,
    pub duplicate_of: Option<i64>,
    pub credit_record_id: Option<i64>,
    pub reminded_on: Option<NaiveDate>,
}

/// The `complaint_decisions` row.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = complaint_decisions)]
pub struct DecisionRow {
    pub complaint_id: i64,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub not_accepted_reason: Option<String>,
    pub extension_reason: Option<String>,
    pub outcome: Option<Outcome>,
    pub outcome_reasons: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<i64>,
    pub review_reason: Option<String>,
    pub review_requested_at: Option<NaiveDateTime>,
    pub review_outcome: Option<Outcome>,
    pub review_reasons: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<i64>,
    pub respondent_answer: Option<String>,
    pub respondent_answered_at: Option<NaiveDateTime>,
}

/// A complaint with what was decided on it (the two rows read together).
#[derive(Clone, Debug, Serialize)]
pub struct Complaint {
    pub id: i64,
    pub tracking_no: String,
    pub respondent_kind: RespondentKind,
    pub respondent_id: i64,
    pub respondent_user_id: Option<i64>,
    pub respondent_name: String,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    pub complainant_id: Option<i64>,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_phone: Option<String>,
    #[serde(skip)]
    pub access_hash: Option<String>,
    pub filed_ip: String,
    pub department_id: i64,
    pub state: State,
    pub filed_at: NaiveDateTime,
    pub ack_due: NaiveDate,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub not_accepted_reason: Option<String>,
    pub answer_due: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub outcome: Option<Outcome>,
    pub outcome_reasons: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<i64>,
    pub review_due: Option<NaiveDate>,
    pub review_reason: Option<String>,
    pub review_requested_at: Option<NaiveDateTime>,
    pub review_outcome: Option<Outcome>,
    pub review_reasons: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub credit_record_id: Option<i64>,
    pub respondent_answer: Option<String>,
    pub respondent_answered_at: Option<NaiveDateTime>,
    pub reminded_on: Option<NaiveDate>,
}

impl From<(CoreRow, DecisionRow)> for Complaint {
    fn from((c, d): (CoreRow, DecisionRow)) -> Complaint {
        Complaint {
            id: c.id,
            tracking_no: c.tracking_no,
            respondent_kind: c.respondent_kind,
            respondent_id: c.respondent_id,
            respondent_user_id: c.respondent_user_id,
            respondent_name: c.respondent_name,
            grounds: c.grounds,
            facts: c.facts,
            request: c.request,
            complainant_id: c.complainant_id,
            visitor_name: c.visitor_name,
            visitor_email: c.visitor_email,
            visitor_phone: c.visitor_phone,
            access_hash: c.access_hash,
            filed_ip: c.filed_ip,
            department_id: c.department_id,
            state: c.state,
            filed_at: c.filed_at,
            ack_due: c.ack_due,
            decided_at: d.decided_at,
            decided_by: d.decided_by,
            not_accepted_reason: d.not_accepted_reason,
            answer_due: c.answer_due,
            extension_reason: d.extension_reason,
            outcome: d.outcome,
            outcome_reasons: d.outcome_reasons,
            answered_at: d.answered_at,
            answered_by: d.answered_by,
            review_due: c.review_due,
            review_reason: d.review_reason,
            review_requested_at: d.review_requested_at,
            review_outcome: d.review_outcome,
            review_reasons: d.review_reasons,
            reviewed_at: d.reviewed_at,
            reviewed_by: d.reviewed_by,
            duplicate_of: c.duplicate_of,
            credit_record_id: c.credit_record_id,
            respondent_answer: d.respondent_answer,
            respondent_answered_at: d.respondent_answered_at,
            reminded_on: c.reminded_on,
        }
    }
}

/// The two rows of complaints, joined, for a filter to narrow.
macro_rules! joined {
    () => {
        complaints::table
            .inner_join(complaint_decisions::table)
            .select((CoreRow::as_select(), DecisionRow::as_select()))
            .into_boxed()
    };
}

fn many(rows: Vec<(CoreRow, DecisionRow)>) -> Vec<Complaint> {
    rows.into_iter().map(Complaint::from).collect()
}

impl Complaint {
    /// The facts the state machine asks about.
    pub fn facts(&self) -> crate::domain::complaints::Facts {
        crate::domain::complaints::Facts {
            state: self.state,
            extended: self.extension_reason.is_some(),
            review_asked: self.review_requested_at.is_some(),
            respondent_answered: self.respondent_answered_at.is_some(),
        }
    }
    /// The finding in force: the review's if decided, else the answer's.
    pub fn final_outcome(&self) -> Option<Outcome> {
        self.review_outcome.or(self.outcome)
    }
}

/// What the respondent (and its mail) may know of a complaint: the substance, never who
/// filed it or how to reach them. Built only from these fields.
#[derive(Clone, Debug, Serialize)]
pub struct Substance {
    pub id: i64,
    pub tracking_no: String,
    pub respondent_kind: RespondentKind,
    pub respondent_name: String,
    pub grounds: String,
    pub facts: String,
    pub request: String,
    pub state: State,
    pub outcome: Option<Outcome>,
    pub outcome_reasons: Option<String>,
    pub respondent_answer: Option<String>,
    pub filed_at: NaiveDateTime,
}

impl From<&Complaint> for Substance {
    fn from(c: &Complaint) -> Substance {
        Substance {
            id: c.id,
            tracking_no: c.tracking_no.clone(),
            respondent_kind: c.respondent_kind,
            respondent_name: c.respondent_name.clone(),
            grounds: c.grounds.clone(),
            facts: c.facts.clone(),
            request: c.request.clone(),
            state: c.state,
            outcome: c.final_outcome(),
            outcome_reasons: c.review_reasons.clone().or(c.outcome_reasons.clone()),
            respondent_answer: c.respondent_answer.clone(),
            filed_at: c.filed_at,
        }
    }
}

pub struct NewComplaint<'a> {
    pub tracking_no: &'a str,
    pub respondent_kind: RespondentKind,
    pub respondent_id: i64,
    pub respondent_user_id: Option<i64>,
    pub respondent_name: &'a str,
    pub grounds: &'a str,
    pub facts: &'a str,
    pub request: &'a str,
    pub complainant_id: Option<i64>,
    pub visitor: Option<&'a crate::domain::complaints::Visitor>,
    pub access_hash: Option<&'a str>,
    pub filed_ip: &'a str,
    pub department_id: i64,
    pub state: State,
    pub ack_due: NaiveDate,
    pub duplicate_of: Option<i64>,
}

pub fn find(c: &mut DbConnection, id: i64) -> QueryResult<Option<Complaint>> {
    let r: Option<(CoreRow, DecisionRow)> = joined!()
        .filter(complaints::id.eq(id))
        .first(c)
        .optional()?;
    Ok(r.map(Complaint::from))
}

pub fn find_by_access(c: &mut DbConnection, hash: &str) -> QueryResult<Option<Complaint>> {
    let r: Option<(CoreRow, DecisionRow)> = joined!()
        .filter(complaints::access_hash.eq(hash.to_string()))
        .first(c)
        .optional()?;
    Ok(r.map(Complaint::from))
}

pub fn find_by_tracking(c: &mut DbConnection, no: &str) -> QueryResult<Option<Complaint>> {
    let r: Option<(CoreRow, DecisionRow)> = joined!()
        .filter(complaints::tracking_no.eq(no.to_string()))
        .first(c)
        .optional()?;
    Ok(r.map(Complaint::from))
}

/// How many tracking numbers start with `prefix` (one day's complaints).
pub fn count_with_prefix(c: &mut DbConnection, prefix: &str) -> QueryResult<i64> {
    complaints::table
        .filter(complaints::tracking_no.like(format!("{prefix}%")))
        .count()
        .get_result(c)
}

pub fn insert(c: &mut DbConnection, n: &NewComplaint<'_>) -> QueryResult<i64> {
    diesel::insert_into(complaints::table)
        .values((
            complaints::tracking_no.eq(n.tracking_no),
            complaints::respondent_kind.eq(n.respondent_kind),
            complaints::respondent_id.eq(n.respondent_id),
            complaints::respondent_user_id.eq(n.respondent_user_id),
            complaints::respondent_name.eq(n.respondent_name),
            complaints::grounds.eq(n.grounds),
            complaints::facts.eq(n.facts),
            complaints::request.eq(n.request),
            complaints::complainant_id.eq(n.complainant_id),
            complaints::visitor_name.eq(n.visitor.map(|v| v.name.as_str())),
            complaints::visitor_email.eq(n.visitor.map(|v| v.email.as_str())),
            complaints::visitor_phone.eq(n.visitor.map(|v| v.phone.as_str())),
            complaints::access_hash.eq(n.access_hash),
            complaints::filed_ip.eq(n.filed_ip),
            complaints::department_id.eq(n.department_id),
            complaints::state.eq(n.state),
            complaints::filed_at.eq(crate::db::now()),
            complaints::ack_due.eq(n.ack_due),
            complaints::duplicate_of.eq(n.duplicate_of),
        ))
        .execute(c)?;
    let id = complaints::table
        .filter(complaints::tracking_no.eq(n.tracking_no))
        .select(complaints::id)
        .first(c)?;
    diesel::insert_into(complaint_decisions::table)
        .values(complaint_decisions::complaint_id.eq(id))
        .execute(c)?;
    Ok(id)
}

/// Complaints filed since `since` by the account, or (for `ip`) from the address, counting
/// visitors' unconfirmed submissions too.
pub fn filed_since(
    c: &mut DbConnection,
    account: Option<i64>,
    ip: Option<&str>,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    let mut q = complaints::table
        .filter(complaints::filed_at.ge(since))
        .into_boxed();
    if let Some(a) = account {
        q = q.filter(complaints::complainant_id.eq(a));
    }
    if let Some(ip) = ip {
        q = q.filter(complaints::filed_ip.eq(ip));
    }
    let filed: i64 = q.count().get_result(c)?;
    let pending: i64 = match ip {
        Some(ip) if account.is_none() => complaint_pending::table
            .filter(complaint_pending::filed_ip.eq(ip))
            .filter(complaint_pending::created_at.ge(since))
            .filter(complaint_pending::complaint_id.is_null())
            .count()
            .get_result(c)?,
        _ => 0,
    };
    Ok(filed + pending)
}

/// The same complainant's open complaint on the same respondent and grounds, if any.
pub fn open_duplicate(
    c: &mut DbConnection,
    complainant: Option<i64>,
    visitor_email: Option<&str>,
    kind: RespondentKind,
    respondent_id: i64,
    grounds: &str,
) -> QueryResult<Option<Complaint>> {
    let open = [
        State::Filed,
        State::Accepted,
        State::Investigating,
        State::ReviewRequested,
    ];
    let mut q = joined!()
        .filter(complaints::respondent_kind.eq(kind))
        .filter(complaints::respondent_id.eq(respondent_id))
        .filter(complaints::grounds.eq(grounds.to_string()))
        .filter(complaints::state.eq_any(open))
        .filter(complaints::duplicate_of.is_null());
    match (complainant, visitor_email) {
        (Some(u), _) => q = q.filter(complaints::complainant_id.eq(u)),
        (None, Some(e)) => q = q.filter(complaints::visitor_email.eq(e.to_string())),
        (None, None) => return Ok(None),
    }
    let r: Option<(CoreRow, DecisionRow)> = q.order(complaints::id).first(c).optional()?;
    Ok(r.map(Complaint::from))
}

/// A complaint's state moved from `from`: a guarded update (one row, or someone else moved it
/// meanwhile).
pub fn guarded(c: &mut DbConnection, id: i64, from: State) -> QueryResult<bool> {
    let n = diesel::update(
        complaints::table
            .filter(complaints::id.eq(id))
            .filter(complaints::state.eq(from)),
    )
    .set(complaints::state.eq(from))
    .execute(c)?;
    Ok(n == 1)
}

pub fn set_accepted(
    c: &mut DbConnection,
    id: i64,
    by: i64,
    answer_due: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::state.eq(State::Accepted),
            complaints::answer_due.eq(answer_due),
        ))
        .execute(c)?;
    diesel::update(complaint_decisions::table.find(id))
        .set((
            complaint_decisions::decided_at.eq(crate::db::now()),
            complaint_decisions::decided_by.eq(by),
        ))
        .execute(c)
}

pub fn set_not_accepted(
    c: &mut DbConnection,
    id: i64,
    by: i64,
    reason: &str,
) -> QueryResult<usize> {
    set_state(c, id, State::NotAccepted)?;
    diesel::update(complaint_decisions::table.find(id))
        .set((
            complaint_decisions::decided_at.eq(crate::db::now()),
            complaint_decisions::decided_by.eq(by),
            complaint_decisions::not_accepted_reason.eq(reason),
        ))
        .execute(c)
}

pub fn set_state(c: &mut DbConnection, id: i64, state: State) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set(complaints::state.eq(state))
        .execute(c)
}

pub fn set_extended(
    c: &mut DbConnection,
    id: i64,
    due: NaiveDate,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::answer_due.eq(due),
            complaints::reminded_on.eq(None::<NaiveDate>),
        ))
        .execute(c)?;
    diesel::update(complaint_decisions::table.find(id))
        .set(complaint_decisions::extension_reason.eq(reason))
        .execute(c)
}

pub fn set_department(c: &mut DbConnection, id: i64, dept: i64) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::department_id.eq(dept),
            complaints::reminded_on.eq(None::<NaiveDate>),
        ))
        .execute(c)
}

pub fn set_answered(
    c: &mut DbConnection,
    id: i64,
    by: i64,
    outcome: Outcome,
    reasons: &str,
    review_due: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::state.eq(State::Answered),
            complaints::review_due.eq(review_due),
        ))
        .execute(c)?;
    diesel::update(complaint_decisions::table.find(id))
        .set((
            complaint_decisions::outcome.eq(outcome),
            complaint_decisions::outcome_reasons.eq(reasons),
            complaint_decisions::answered_at.eq(crate::db::now()),
            complaint_decisions::answered_by.eq(by),
        ))
        .execute(c)
}

pub fn set_credit_record(c: &mut DbConnection, id: i64, record: i64) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set(complaints::credit_record_id.eq(record))
        .execute(c)
}

/// The review request, once (guarded on no earlier request).
pub fn set_review_requested(c: &mut DbConnection, id: i64, reason: &str) -> QueryResult<usize> {
    let n = diesel::update(
        complaint_decisions::table
            .filter(complaint_decisions::complaint_id.eq(id))
            .filter(complaint_decisions::review_requested_at.is_null()),
    )
    .set((
        complaint_decisions::review_reason.eq(reason),
        complaint_decisions::review_requested_at.eq(crate::db::now()),
    ))
    .execute(c)?;
    if n == 1 {
        set_state(c, id, State::ReviewRequested)?;
    }
    Ok(n)
}

pub fn set_reviewed(
    c: &mut DbConnection,
    id: i64,
    by: i64,
    outcome: Outcome,
    reasons: &str,
) -> QueryResult<usize> {
    set_state(c, id, State::Reviewed)?;
    diesel::update(complaint_decisions::table.find(id))
        .set((
            complaint_decisions::review_outcome.eq(outcome),
            complaint_decisions::review_reasons.eq(reasons),
            complaint_decisions::reviewed_at.eq(crate::db::now()),
            complaint_decisions::reviewed_by.eq(by),
        ))
        .execute(c)
}

/// The respondent's statement, once (guarded on none before).
pub fn set_respondent_answer(c: &mut DbConnection, id: i64, text: &str) -> QueryResult<usize> {
    diesel::update(
        complaint_decisions::table
            .filter(complaint_decisions::complaint_id.eq(id))
            .filter(complaint_decisions::respondent_answered_at.is_null()),
    )
    .set((
        complaint_decisions::respondent_answer.eq(text),
        complaint_decisions::respondent_answered_at.eq(crate::db::now()),
    ))
    .execute(c)
}

pub fn set_reminded(c: &mut DbConnection, id: i64, day: NaiveDate) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set(complaints::reminded_on.eq(day))
        .execute(c)
}

// --- lists -----------------------------------------------------------------------------

/// Every case of a department (all departments for `None`), newest first; linked duplicates
/// are listed under their first complaint, not here.
pub fn for_department(c: &mut DbConnection, dept: Option<i64>) -> QueryResult<Vec<Complaint>> {
    let mut q = joined!().filter(complaints::duplicate_of.is_null());
    if let Some(d) = dept {
        q = q.filter(complaints::department_id.eq(d));
    }
    Ok(many(q.order(complaints::id.desc()).load(c)?))
}

pub fn for_complainant(c: &mut DbConnection, user: i64) -> QueryResult<Vec<Complaint>> {
    Ok(many(
        joined!()
            .filter(complaints::complainant_id.eq(user))
            .order(complaints::id.desc())
            .load(c)?,
    ))
}

/// Complaints against `user` (an agency or an owner), linked duplicates left out.
pub fn for_respondent(c: &mut DbConnection, user: i64) -> QueryResult<Vec<Complaint>> {
    Ok(many(
        joined!()
            .filter(complaints::respondent_user_id.eq(user))
            .filter(complaints::duplicate_of.is_null())
            .order(complaints::id.desc())
            .load(c)?,
    ))
}

/// Filings linked to complaint `id` as duplicates.
pub fn linked_to(c: &mut DbConnection, id: i64) -> QueryResult<Vec<Complaint>> {
    Ok(many(
        joined!()
            .filter(complaints::duplicate_of.eq(id))
            .order(complaints::id)
            .load(c)?,
    ))
}

/// Every case that is not a linked duplicate (the public figures and outcomes read these).
pub fn all_cases(c: &mut DbConnection) -> QueryResult<Vec<Complaint>> {
    for_department(c, None)
}

/// Cases in the department's hands (filed, accepted, investigating, review asked) of `dept`,
/// or of all departments.
pub fn open_cases(c: &mut DbConnection, dept: Option<i64>) -> QueryResult<Vec<Complaint>> {
    let mut q =
        joined!()
            .filter(complaints::duplicate_of.is_null())
            .filter(complaints::state.eq_any([
                State::Filed,
                State::Accepted,
                State::Investigating,
                State::ReviewRequested,
            ]));
    if let Some(d) = dept {
        q = q.filter(complaints::department_id.eq(d));
    }
    Ok(many(q.order(complaints::id).load(c)?))
}

// --- events ----------------------------------------------------------------------------

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = complaint_events)]
pub struct Event {
    pub id: i64,
    pub complaint_id: i64,
    pub kind: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub from_department_id: Option<i64>,
    pub to_department_id: Option<i64>,
    pub note: String,
}

pub fn add_event(
    c: &mut DbConnection,
    complaint: i64,
    kind: &str,
    actor: Option<i64>,
    moved: Option<(i64, i64)>,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(complaint_events::table)
        .values((
            complaint_events::complaint_id.eq(complaint),
            complaint_events::kind.eq(kind),
            complaint_events::at.eq(crate::db::now()),
            complaint_events::actor_id.eq(actor),
            complaint_events::from_department_id.eq(moved.map(|m| m.0)),
            complaint_events::to_department_id.eq(moved.map(|m| m.1)),
            complaint_events::note.eq(note),
        ))
        .execute(c)?;
    Ok(())
}

pub fn events(c: &mut DbConnection, complaint: i64) -> QueryResult<Vec<Event>> {
    complaint_events::table
        .filter(complaint_events::complaint_id.eq(complaint))
        .order(complaint_events::id)
        .select(Event::as_select())
        .load(c)
}

// --- evidence --------------------------------------------------------------------------

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = complaint_evidence)]
pub struct Evidence {
    pub id: i64,
    pub complaint_id: i64,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub added_at: NaiveDateTime,
}

impl Evidence {
    /// As the upload module sends a kept file.
    pub fn as_upload(&self) -> crate::uploads::store::Upload {
        crate::uploads::store::Upload {
            id: self.id,
            owner_id: 0,
            stored_name: self.stored_name.clone(),
            original_name: self.original_name.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            created_at: self.added_at,
        }
    }
}

pub fn add_evidence(
    c: &mut DbConnection,
    complaint: i64,
    kept: &(String, crate::uploads::KeptMeta),
) -> QueryResult<()> {
    let (name, (orig, ct, size, sha)) = kept;
    diesel::insert_into(complaint_evidence::table)
        .values((
            complaint_evidence::complaint_id.eq(complaint),
            complaint_evidence::stored_name.eq(name),
            complaint_evidence::original_name.eq(orig),
            complaint_evidence::content_type.eq(*ct),
            complaint_evidence::size_bytes.eq(*size),
            complaint_evidence::sha256.eq(sha),
            complaint_evidence::added_at.eq(crate::db::now()),
        ))
        .execute(c)?;
    Ok(())
}

pub fn evidence(c: &mut DbConnection, complaint: i64) -> QueryResult<Vec<Evidence>> {
    complaint_evidence::table
        .filter(complaint_evidence::complaint_id.eq(complaint))
        .order(complaint_evidence::id)
        .select(Evidence::as_select())
        .load(c)
}

pub fn find_evidence(c: &mut DbConnection, id: i64) -> QueryResult<Option<Evidence>> {
    complaint_evidence::table
        .find(id)
        .select(Evidence::as_select())
        .one(c)
}

// --- visitors' unconfirmed complaints ---------------------------------------------------

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = complaint_pending)]
pub struct Pending {
    pub id: i64,
    pub token_hash: String,
    pub email: String,
    pub filed_ip: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub complaint_id: Option<i64>,
}

pub fn add_pending(
    c: &mut DbConnection,
    token_hash: &str,
    email: &str,
    ip: &str,
    payload: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(complaint_pending::table)
        .values((
            complaint_pending::token_hash.eq(token_hash),
            complaint_pending::email.eq(email),
            complaint_pending::filed_ip.eq(ip),
            complaint_pending::payload.eq(payload),
            complaint_pending::created_at.eq(crate::db::now()),
            complaint_pending::expires_at.eq(expires_at),
        ))
        .execute(c)?;
    Ok(())
}

pub fn find_pending(c: &mut DbConnection, token_hash: &str) -> QueryResult<Option<Pending>> {
    complaint_pending::table
        .filter(complaint_pending::token_hash.eq(token_hash))
        .select(Pending::as_select())
        .first(c)
        .optional()
}

/// Marks a pending complaint filed as `complaint` (once: guarded on `complaint_id IS NULL`).
pub fn mark_pending_filed(c: &mut DbConnection, id: i64, complaint: i64) -> QueryResult<bool> {
    let n = diesel::update(
        complaint_pending::table
            .filter(complaint_pending::id.eq(id))
            .filter(complaint_pending::complaint_id.is_null()),
    )
    .set(complaint_pending::complaint_id.eq(complaint))
    .execute(c)?;
    Ok(n == 1)
}
