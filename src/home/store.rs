//! The workbench 工作台: the work waiting for the signed-in user, by kind. Each kind is read
//! by one statement (never one per item), so a workbench costs a fixed number of queries
//! however much is pending. What counts as pending follows the rule of the step that clears
//! it: an objection is answered by the owner, a stale quote re-confirmed by its agency, a
//! returned deliverable submitted again, a certificate reviewed by its department …

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_certificates, agency_items, announcement_results, announcements, awards,
    blacklist_entries, catalogue_items, contract_deliverables, contract_payments,
    contract_signatures, contract_terms, contracts, credit_alerts, credit_repairs, evaluations,
    objections, projects, quotes, registrations,
};
use crate::domain::evaluation as erules;
use crate::domain::fulfilment as frules;
use crate::domain::selection::Mode;
use crate::domain::status::{
    AnnouncementStatus, ContractStatus, ItemStatus, Party, QuoteStatus, RaterKind, ReviewStatus,
};
use crate::domain::workdays::china_date;

/// A kind of pending work; the workbench shows its count, its items and the page where it
/// is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Announcement drafts not yet published.
    OwnerDrafts,
    /// Objections to the owner's results, not yet answered.
    OwnerObjections,
    /// Announcements where the owner chooses the agency (direct selection, after a 2nd 流标).
    OwnerChoices,
    /// Justifications of abnormally low quotes waiting for the owner's decision.
    OwnerJustifications,
    /// Failed or annulled selections not yet re-run.
    OwnerReruns,
    /// Awards without a contract draft (no model text when they were confirmed).
    OwnerContractsToDraft,
    /// Contract drafts to fill and submit, or submitted texts the owner has not signed.
    OwnerContracts,
    /// Deliverables submitted and waiting for acceptance or return.
    OwnerDeliverables,
    /// Accepted contracts with no payment recorded.
    OwnerPayments,
    /// Accepted contracts not yet rated, while the rating window is open.
    OwnerRatings,
    /// Open announcements for items the agency offers, not yet registered for.
    AgencyMatching,
    /// Registered, the mode takes quotes, and no quote yet.
    AgencyToQuote,
    /// Quotes made before a material change, to re-confirm before the deadline.
    AgencyReconfirm,
    /// Abnormally low quotes whose justification is due.
    AgencyJustify,
    /// Won, in publicity: the win is to be confirmed.
    AgencyConfirm,
    /// Submitted contract texts the agency has not signed.
    AgencyContracts,
    /// Deliverables the owner returned, not yet submitted again.
    AgencyReturned,
    /// Certificates of the department's qualification types waiting for review.
    RegulatorCertificates,
    /// Banned persons found among other agencies' managers, unresolved.
    RegulatorAlerts,
    /// Objections whose answer is overdue (every department oversees them).
    RegulatorOverdueObjections,
    /// Appeals against ratings of the department's items, undecided.
    RegulatorAppeals,
    /// Credit-repair applications for the department's listings, undecided.
    RegulatorRepairs,
    /// Price and conduct signals of the department's items (supervision).
    RegulatorSignals,
    /// The department's inspection tasks to draw or awaiting results (due: the day results
    /// are published by).
    RegulatorInspections,
    /// Complaints open in the department's hands (filed, accepted, investigating, review
    /// asked), each with its due day (overdue ones are past it).
    RegulatorComplaints,
    /// Catalogue items drafted and not yet published.
    AdminDrafts,
}

impl Kind {
    /// The kind's name in locale keys (`account.work.<key>`) and on the workbench page.
    pub fn key(self) -> &'static str {
        use Kind::*;
        match self {
            OwnerDrafts => "owner_drafts",
            OwnerObjections => "owner_objections",
            OwnerChoices => "owner_choices",
            OwnerJustifications => "owner_justifications",
            OwnerReruns => "owner_reruns",
            OwnerContractsToDraft => "owner_contracts_to_draft",
            OwnerContracts => "owner_contracts",
            OwnerDeliverables => "owner_deliverables",
            OwnerPayments => "owner_payments",
            OwnerRatings => "owner_ratings",
            AgencyMatching => "agency_matching",
            AgencyToQuote => "agency_to_quote",
            AgencyReconfirm => "agency_reconfirm",
            AgencyJustify => "agency_justify",
            AgencyConfirm => "agency_confirm",
            AgencyContracts => "agency_contracts",
            AgencyReturned => "agency_returned",
            RegulatorCertificates => "regulator_certificates",
            RegulatorAlerts => "regulator_alerts",
            RegulatorOverdueObjections => "regulator_overdue_objections",
            RegulatorAppeals => "regulator_appeals",
            RegulatorRepairs => "regulator_repairs",
            RegulatorSignals => "regulator_signals",
            RegulatorInspections => "regulator_inspections",
            RegulatorComplaints => "regulator_complaints",
            AdminDrafts => "admin_drafts",
        }
    }
}

/// One pending item: the object the work is on, a line naming it, its due date if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// How the object's page addresses it: its id, or a catalogue item's code.
    pub target: String,
    /// The object as a reader recognises it (project, agency, certificate …).
    pub title: String,
    /// A second line (the service item, the agency …), may be empty.
    pub detail: String,
    pub due: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct Pending {
    pub kind: Kind,
    pub entries: Vec<Entry>,
}

fn entry(id: i64, title: String, detail: String, due: Option<NaiveDate>) -> Entry {
    Entry {
        target: id.to_string(),
        title,
        detail,
        due,
    }
}

/// The modes that take quotes, as stored.
fn quote_modes() -> Vec<&'static str> {
    Mode::ALL
        .iter()
        .filter(|m| m.takes_quotes())
        .map(|m| m.code())
        .collect()
}

fn pending(kind: Kind, entries: Vec<Entry>) -> Pending {
    Pending { kind, entries }
}

/// The owner's pending work. `payment_days`: the setting that makes a payment due.
pub fn owner(
    c: &mut DbConnection,
    me: i64,
    today: NaiveDate,
    payment_days: i64,
) -> QueryResult<Vec<Pending>> {
    let (payments, ratings) = owner_accepted(c, me, today, payment_days)?;
    Ok(vec![
        pending(
            Kind::OwnerDrafts,
            own_announcements(c, me, AnnouncementStatus::Draft)?,
        ),
        pending(Kind::OwnerObjections, owner_objections(c, me)?),
        pending(
            Kind::OwnerChoices,
            own_announcements(c, me, AnnouncementStatus::Choosing)?,
        ),
        pending(Kind::OwnerJustifications, owner_justifications(c, me)?),
        pending(Kind::OwnerReruns, owner_reruns(c, me)?),
        pending(Kind::OwnerContractsToDraft, owner_to_draft(c, me)?),
        pending(
            Kind::OwnerContracts,
            contracts_to_sign(c, me, Party::Owner)?,
        ),
        pending(Kind::OwnerDeliverables, owner_deliverables(c, me)?),
        pending(Kind::OwnerPayments, payments),
        pending(Kind::OwnerRatings, ratings),
    ])
}

/// The owner's announcements in `state`, newest first.
fn own_announcements(
    c: &mut DbConnection,
    me: i64,
    state: AnnouncementStatus,
) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String)> = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::owner_id.eq(me))
        .filter(announcements::status.eq(state))
        .order(announcements::id.desc())
        .select((announcements::id, projects::name, catalogue_items::name))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, p, i)| entry(id, p, i, None))
        .collect())
}

fn owner_objections(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String, NaiveDate)> = objections::table
        .inner_join(announcements::table.inner_join(projects::table))
        .filter(announcements::owner_id.eq(me))
        .filter(objections::answered_at.is_null())
        .order((objections::answer_due, objections::id))
        .select((
            objections::announcement_id,
            projects::name,
            objections::grounds,
            objections::answer_due,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, p, g, due)| entry(id, p, g, Some(due)))
        .collect())
}

fn owner_justifications(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String)> = quotes::table
        .inner_join(announcements::table.inner_join(projects::table))
        .inner_join(agencies::table)
        .filter(announcements::owner_id.eq(me))
        .filter(announcements::status.eq(AnnouncementStatus::Justifying))
        .filter(quotes::low_flag.eq(true))
        .filter(quotes::justification.is_not_null())
        .filter(quotes::justification_ok.is_null())
        .order(quotes::id)
        .select((quotes::announcement_id, projects::name, agencies::name))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, p, a)| entry(id, p, a, None))
        .collect())
}

/// Failed or annulled, with no later round published from it yet.
fn owner_reruns(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let (later, this) = diesel::alias!(announcements as later, announcements as this);
    let rows: Vec<(i64, String)> = this
        .inner_join(projects::table.on(projects::id.eq(this.field(announcements::project_id))))
        .filter(this.field(announcements::owner_id).eq(me))
        .filter(
            this.field(announcements::status)
                .eq_any([AnnouncementStatus::Failed, AnnouncementStatus::Annulled]),
        )
        .filter(not(exists(
            later.filter(
                later
                    .field(announcements::previous_id)
                    .eq(this.field(announcements::id).nullable()),
            ),
        )))
        .order(this.field(announcements::id).desc())
        .select((this.field(announcements::id), projects::name))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, p)| entry(id, p, String::new(), None))
        .collect())
}

/// Awards without a contract draft.
fn owner_to_draft(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String)> = awards::table
        .inner_join(announcements::table.on(announcements::id.eq(awards::announcement_id)))
        .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)))
        .filter(announcements::owner_id.eq(me))
        .filter(not(exists(contracts::table.filter(
            contracts::announcement_id.eq(awards::announcement_id),
        ))))
        .order(awards::announcement_id.desc())
        .select((
            awards::announcement_id,
            projects::name,
            catalogue_items::name,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, p, i)| entry(id, p, i, None))
        .collect())
}

fn owner_deliverables(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String, NaiveDateTime)> = contract_deliverables::table
        .inner_join(contracts::table.on(contracts::id.eq(contract_deliverables::contract_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(contracts::agency_id)))
        .filter(contracts::owner_id.eq(me))
        .filter(contracts::status.eq(ContractStatus::Signed))
        .filter(contract_deliverables::decision.is_null())
        .order(contract_deliverables::id)
        .select((
            contracts::id,
            catalogue_items::name,
            agencies::name,
            contract_deliverables::submitted_at,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, i, a, at)| entry(id, i, a, Some(china_date(at.and_utc()))))
        .collect())
}

/// Accepted contracts: unpaid ones are due for payment, unrated ones for a rating (while
/// the rating window is open). Returns (payments, ratings).
fn owner_accepted(
    c: &mut DbConnection,
    me: i64,
    today: NaiveDate,
    payment_days: i64,
) -> QueryResult<(Vec<Entry>, Vec<Entry>)> {
    let accepted: Vec<(i64, String, String, Option<NaiveDateTime>, bool, bool)> = contracts::table
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(contracts::agency_id)))
        .filter(contracts::owner_id.eq(me))
        .filter(contracts::status.eq(ContractStatus::Accepted))
        .order(contracts::id.desc())
        .select((
            contracts::id,
            catalogue_items::name,
            agencies::name,
            contracts::accepted_at,
            exists(
                contract_payments::table.filter(contract_payments::contract_id.eq(contracts::id)),
            ),
            exists(
                evaluations::table
                    .filter(evaluations::contract_id.eq(contracts::id))
                    .filter(evaluations::rater_kind.eq(RaterKind::Owner)),
            ),
        ))
        .load(c)?;
    let accepted_on = |t: &Option<NaiveDateTime>| t.map(|t| china_date(t.and_utc()));
    let from = accepted
        .iter()
        .filter_map(|r| accepted_on(&r.3))
        .min()
        .unwrap_or(today)
        .min(today);
    let cal = crate::accounts::store::calendar::load_from(c, from)?;
    let mut payments = Vec::new();
    let mut ratings = Vec::new();
    for (id, item, agency, at, paid, rated) in &accepted {
        let Some(acc) = accepted_on(at) else { continue };
        if !paid {
            let due = frules::payment_due(&cal, acc, payment_days);
            payments.push(entry(*id, item.clone(), agency.clone(), Some(due)));
        }
        if !rated && erules::rating_open(&cal, acc, today) {
            let by = erules::rate_by(&cal, acc);
            ratings.push(entry(*id, item.clone(), agency.clone(), Some(by)));
        }
    }
    Ok((payments, ratings))
}

/// Contracts of one party that wait for it: texts submitted for signing that it has not
/// signed at their current revision and, for the owner, drafts it has not submitted yet.
fn contracts_to_sign(c: &mut DbConnection, me: i64, party: Party) -> QueryResult<Vec<Entry>> {
    let signed = exists(
        contract_signatures::table
            .filter(contract_signatures::contract_id.eq(contracts::id))
            .filter(contract_signatures::party.eq(party))
            .filter(contract_signatures::revision.eq(contract_terms::revision)),
    );
    let mut q = contracts::table
        .inner_join(contract_terms::table)
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .into_boxed();
    q = if party == Party::Owner {
        q.filter(contracts::owner_id.eq(me)).filter(
            contracts::status
                .eq(ContractStatus::Draft)
                .or(contracts::status
                    .eq(ContractStatus::Signing)
                    .and(not(signed))),
        )
    } else {
        q.filter(contracts::agency_id.eq(me)).filter(
            contracts::status
                .eq(ContractStatus::Signing)
                .and(not(signed)),
        )
    };
    let rows: Vec<(i64, String, String, NaiveDate)> = q
        .order((contracts::sign_by, contracts::id))
        .select((
            contracts::id,
            catalogue_items::name,
            contracts::status,
            contracts::sign_by,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, item, _, by)| entry(id, item, String::new(), Some(by)))
        .collect())
}

/// The agency's pending work on announcements open at `now` (UTC) and on its contracts.
pub fn agency(c: &mut DbConnection, me: i64, now: NaiveDateTime) -> QueryResult<Vec<Pending>> {
    Ok(vec![
        pending(Kind::AgencyMatching, agency_matching(c, me, now)?),
        pending(Kind::AgencyToQuote, agency_to_quote(c, me, now)?),
        pending(Kind::AgencyReconfirm, agency_reconfirm(c, me, now)?),
        pending(Kind::AgencyJustify, agency_justify(c, me)?),
        pending(Kind::AgencyConfirm, agency_confirm(c, me)?),
        pending(
            Kind::AgencyContracts,
            contracts_to_sign(c, me, Party::Agency)?,
        ),
        pending(Kind::AgencyReturned, agency_returned(c, me)?),
    ])
}

/// An announcement line of the agency's lists: id, project, item, quote deadline.
type Line = (i64, String, String, NaiveDateTime);

fn lines(v: Vec<Line>) -> Vec<Entry> {
    v.into_iter()
        .map(|(id, p, i, dl)| entry(id, p, i, Some(china_date(dl.and_utc()))))
        .collect()
}

fn dated(v: Vec<(i64, String, String, Option<NaiveDate>)>) -> Vec<Entry> {
    v.into_iter()
        .map(|(id, p, i, by)| entry(id, p, i, by))
        .collect()
}

/// Open announcements for items the agency offers, not yet registered for.
fn agency_matching(c: &mut DbConnection, me: i64, now: NaiveDateTime) -> QueryResult<Vec<Entry>> {
    let registered = exists(
        registrations::table
            .filter(registrations::announcement_id.eq(announcements::id))
            .filter(registrations::agency_id.eq(me)),
    );
    let offered = agency_items::table
        .filter(agency_items::agency_id.eq(me))
        .select(agency_items::item_id);
    let rows: Vec<Line> = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::status.eq(AnnouncementStatus::Published))
        .filter(announcements::deadline.gt(now))
        .filter(announcements::item_id.eq_any(offered))
        .filter(not(registered))
        .order((announcements::deadline, announcements::id))
        .select((
            announcements::id,
            projects::name,
            catalogue_items::name,
            announcements::deadline,
        ))
        .load(c)?;
    Ok(lines(rows))
}

/// Open, registered, the mode takes quotes, and no active quote yet.
fn agency_to_quote(c: &mut DbConnection, me: i64, now: NaiveDateTime) -> QueryResult<Vec<Entry>> {
    let registered = exists(
        registrations::table
            .filter(registrations::announcement_id.eq(announcements::id))
            .filter(registrations::agency_id.eq(me)),
    );
    let quoted = exists(
        quotes::table
            .filter(quotes::announcement_id.eq(announcements::id))
            .filter(quotes::agency_id.eq(me))
            .filter(quotes::status.eq(QuoteStatus::Active)),
    );
    let rows: Vec<Line> = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::status.eq(AnnouncementStatus::Published))
        .filter(announcements::deadline.gt(now))
        .filter(announcements::mode.eq_any(quote_modes()))
        .filter(registered)
        .filter(not(quoted))
        .order((announcements::deadline, announcements::id))
        .select((
            announcements::id,
            projects::name,
            catalogue_items::name,
            announcements::deadline,
        ))
        .load(c)?;
    Ok(lines(rows))
}

/// Active quotes made before a material change of a still open announcement.
fn agency_reconfirm(c: &mut DbConnection, me: i64, now: NaiveDateTime) -> QueryResult<Vec<Entry>> {
    let rows: Vec<Line> = quotes::table
        .inner_join(
            announcements::table
                .inner_join(projects::table)
                .inner_join(catalogue_items::table),
        )
        .filter(announcements::status.eq(AnnouncementStatus::Published))
        .filter(announcements::deadline.gt(now))
        .filter(quotes::agency_id.eq(me))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .filter(quotes::announcement_version.lt(announcements::version))
        .order((announcements::deadline, announcements::id))
        .select((
            announcements::id,
            projects::name,
            catalogue_items::name,
            announcements::deadline,
        ))
        .load(c)?;
    Ok(lines(rows))
}

fn agency_justify(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let rows = quotes::table
        .inner_join(
            announcements::table
                .inner_join(projects::table)
                .inner_join(catalogue_items::table)
                .inner_join(announcement_results::table),
        )
        .filter(quotes::agency_id.eq(me))
        .filter(announcements::status.eq(AnnouncementStatus::Justifying))
        .filter(quotes::low_flag.eq(true))
        .filter(quotes::justification.is_null())
        .order(announcements::id)
        .select((
            announcements::id,
            projects::name,
            catalogue_items::name,
            announcement_results::justify_by,
        ))
        .load(c)?;
    Ok(dated(rows))
}

fn agency_confirm(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let rows = announcement_results::table
        .inner_join(
            announcements::table
                .inner_join(projects::table)
                .inner_join(catalogue_items::table),
        )
        .filter(announcement_results::winner_id.eq(me))
        .filter(announcements::status.eq(AnnouncementStatus::Publicity))
        .order(announcements::id)
        .select((
            announcements::id,
            projects::name,
            catalogue_items::name,
            announcement_results::confirm_by,
        ))
        .load(c)?;
    Ok(dated(rows))
}

/// The contract's latest deliverable was returned and nothing newer submitted.
fn agency_returned(c: &mut DbConnection, me: i64) -> QueryResult<Vec<Entry>> {
    let (later, d) = diesel::alias!(contract_deliverables as later, contract_deliverables as d);
    let rows: Vec<(i64, String, Option<NaiveDateTime>)> = d
        .inner_join(
            contracts::table.on(contracts::id.eq(d.field(contract_deliverables::contract_id))),
        )
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .filter(contracts::agency_id.eq(me))
        .filter(contracts::status.eq(ContractStatus::Signed))
        .filter(d.field(contract_deliverables::decision).eq("returned"))
        .filter(not(exists(
            later
                .filter(
                    later
                        .field(contract_deliverables::contract_id)
                        .eq(d.field(contract_deliverables::contract_id)),
                )
                .filter(
                    later
                        .field(contract_deliverables::id)
                        .gt(d.field(contract_deliverables::id)),
                ),
        )))
        .order(contracts::id)
        .select((
            contracts::id,
            catalogue_items::name,
            d.field(contract_deliverables::decided_at),
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, i, at)| entry(id, i, String::new(), at.map(|t| china_date(t.and_utc()))))
        .collect())
}

/// What the regulator's pages hold for it. `review_types`: the qualification types its
/// department reviews; `department`: its department; `today`: China date (overdue answers).
/// Only the kinds in `kinds` are read (each is shown only where the policy lets the user in).
pub fn regulator(
    c: &mut DbConnection,
    department: i64,
    review_types: &[&str],
    today: NaiveDate,
    kinds: &[Kind],
) -> QueryResult<Vec<Pending>> {
    let mut out = Vec::new();
    for &kind in kinds {
        let entries = match kind {
            Kind::RegulatorCertificates => certificates_to_review(c, review_types)?,
            Kind::RegulatorAlerts => unresolved_alerts(c, department)?,
            Kind::RegulatorOverdueObjections => overdue_objections(c, today)?,
            Kind::RegulatorAppeals => undecided_appeals(c, department)?,
            Kind::RegulatorRepairs => undecided_repairs(c, department)?,
            Kind::RegulatorSignals => signals(c, department)?,
            Kind::RegulatorInspections => open_inspections(c, department)?,
            Kind::RegulatorComplaints => open_complaints(c, department)?,
            _ => continue,
        };
        out.push(pending(kind, entries));
    }
    Ok(out)
}

/// The department's price and conduct signals, each entry addressing its row on the
/// signals page (`supervision::store::signals`).
fn signals(c: &mut DbConnection, department: i64) -> QueryResult<Vec<Entry>> {
    let s = crate::supervision::store::signals::gather(c, Some(department))?;
    let name = |m: &std::collections::HashMap<i64, String>, id: i64| {
        m.get(&id).cloned().unwrap_or_default()
    };
    let ann = |id: i64| {
        s.names
            .announcements
            .get(&id)
            .map(|(p, i)| format!("{p} · {i}"))
            .unwrap_or_default()
    };
    let mut out: Vec<Entry> = Vec::new();
    for f in &s.fees {
        out.push(Entry {
            target: format!("fee-{}-{}", f.quote.announcement_id, f.quote.agency_id),
            title: name(&s.names.agencies, f.quote.agency_id),
            detail: ann(f.quote.announcement_id),
            due: None,
        });
    }
    for o in &s.over_median {
        out.push(Entry {
            target: format!("median-{}", o.award.announcement_id),
            title: name(&s.names.agencies, o.award.agency_id),
            detail: ann(o.award.announcement_id),
            due: None,
        });
    }
    for o in &s.owners {
        out.push(Entry {
            target: format!("owner-{}", o.owner_id),
            title: name(&s.names.owners, o.owner_id),
            detail: String::new(),
            due: None,
        });
    }
    Ok(out)
}

/// Inspection tasks published (to draw) or drawn (results to record), oldest due first.
fn open_inspections(c: &mut DbConnection, department: i64) -> QueryResult<Vec<Entry>> {
    use crate::db::schema::inspection_tasks as t;
    let rows: Vec<(i64, String, String, Option<NaiveDate>)> = t::table
        .filter(t::department_id.eq(department))
        .filter(t::status.eq_any([
            crate::inspections::store::PUBLISHED,
            crate::inspections::store::DRAWN,
        ]))
        .order((t::publish_due, t::id))
        .select((t::id, t::title, t::status, t::publish_due))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, _, due)| entry(id, title, String::new(), due))
        .collect())
}

fn certificates_to_review(c: &mut DbConnection, review_types: &[&str]) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String, NaiveDate)> = agency_certificates::table
        .inner_join(agencies::table)
        .filter(agency_certificates::status.eq(ReviewStatus::Pending))
        .filter(agency_certificates::qual_type.eq_any(review_types))
        .order((agency_certificates::review_due, agency_certificates::id))
        .select((
            agency_certificates::id,
            agencies::name,
            agency_certificates::number,
            agency_certificates::review_due,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, n, due)| entry(id, a, n, Some(due)))
        .collect())
}

fn unresolved_alerts(c: &mut DbConnection, department: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String)> = credit_alerts::table
        .inner_join(agencies::table)
        .filter(credit_alerts::department_id.eq(department))
        .filter(credit_alerts::resolved_at.is_null())
        .order(credit_alerts::id)
        .select((
            credit_alerts::agency_id,
            agencies::name,
            credit_alerts::manager_name,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, m)| entry(id, a, m, None))
        .collect())
}

fn overdue_objections(c: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, NaiveDate)> = objections::table
        .inner_join(announcements::table.inner_join(projects::table))
        .filter(objections::answered_at.is_null())
        .filter(objections::answer_due.lt(today))
        .order((objections::answer_due, objections::id))
        .select((
            objections::announcement_id,
            projects::name,
            objections::answer_due,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, p, due)| entry(id, p, String::new(), Some(due)))
        .collect())
}

fn undecided_appeals(c: &mut DbConnection, department: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String, String)> = evaluations::table
        .inner_join(contracts::table.on(contracts::id.eq(evaluations::contract_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(evaluations::agency_id)))
        .filter(catalogue_items::department_id.eq(department))
        .filter(evaluations::appeal.is_not_null())
        .filter(evaluations::appeal_decision.is_null())
        .order(evaluations::id)
        .select((contracts::id, agencies::name, catalogue_items::name))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, i)| entry(id, a, i, None))
        .collect())
}

fn undecided_repairs(c: &mut DbConnection, department: i64) -> QueryResult<Vec<Entry>> {
    let rows: Vec<(i64, String)> = credit_repairs::table
        .inner_join(blacklist_entries::table.inner_join(agencies::table))
        .filter(blacklist_entries::department_id.eq(department))
        .filter(credit_repairs::status.eq(ReviewStatus::Pending))
        .order(credit_repairs::id)
        .select((credit_repairs::id, agencies::name))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, a)| entry(id, a, String::new(), None))
        .collect())
}

fn open_complaints(c: &mut DbConnection, department: i64) -> QueryResult<Vec<Entry>> {
    use crate::domain::complaints::State;
    let rows = crate::complaints::store::open_cases(c, Some(department))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let due = match r.state {
                State::Filed => Some(r.ack_due),
                State::Accepted | State::Investigating => r.answer_due,
                _ => None,
            };
            entry(r.id, r.tracking_no, r.respondent_name, due)
        })
        .collect())
}

/// The platform operator's pending work: catalogue items drafted and not yet published.
pub fn admin(c: &mut DbConnection) -> QueryResult<Vec<Pending>> {
    let rows: Vec<(String, String)> = catalogue_items::table
        .filter(catalogue_items::status.eq(ItemStatus::Draft))
        .order(catalogue_items::code)
        .select((catalogue_items::code, catalogue_items::name))
        .load(c)?;
    Ok(vec![Pending {
        kind: Kind::AdminDrafts,
        entries: rows
            .into_iter()
            .map(|(code, name)| Entry {
                target: code.clone(),
                title: format!("{code} {name}"),
                detail: String::new(),
                due: None,
            })
            .collect(),
    }])
}
