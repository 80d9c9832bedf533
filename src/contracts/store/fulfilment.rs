//! Fulfilment of signed contracts: deliverables and the owner's decision, the
//! service timer (rules in `domain::fulfilment`), amendments signed by both parties, payments,
//! reminders, and the figures (履约率, service time). Every step runs in one write
//! transaction with its audit entry and mails.

use crate::db::OneRow;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, audit_log, catalogue_items, contract_amendments, contract_deliverables,
    contract_payments, contracts, evaluations, users,
};
use crate::domain::fulfilment::{self as rules, Outcome, Rate, ServiceTime, Timer};
use crate::domain::money::Money;
use crate::domain::status::{AmendmentKind, AmendmentStatus, ContractStatus, DeliverableDecision};
use crate::domain::workdays::{Calendar, china_date};
use crate::error::{StepError, conflict};

/// The contract row (one definition, `crate::contracts::store::contract`).
pub use crate::contracts::store::contract::{Contract, find};

impl Contract {
    pub fn signed_on(&self) -> Option<NaiveDate> {
        self.signed_at.map(|t| china_date(t.and_utc()))
    }
    pub fn accepted_on(&self) -> Option<NaiveDate> {
        self.accepted_at.map(|t| china_date(t.and_utc()))
    }
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = contract_deliverables)]
pub struct Deliverable {
    pub id: i64,
    pub contract_id: i64,
    pub upload_id: i64,
    pub note: String,
    pub submitted_by: i64,
    pub submitted_at: NaiveDateTime,
    pub decision: Option<DeliverableDecision>,
    pub reason: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = contract_amendments)]
pub struct Amendment {
    pub id: i64,
    pub contract_id: i64,
    pub kind: AmendmentKind,
    pub extra_days: Option<i32>,
    #[diesel(column_name = new_price_fen)]
    pub new_price: Option<Money>,
    pub reason: String,
    pub status: AmendmentStatus,
    pub proposed_by: i64,
    pub proposed_at: NaiveDateTime,
    pub owner_signed_at: Option<NaiveDateTime>,
    pub agency_signed_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = contract_payments)]
pub struct Payment {
    pub id: i64,
    pub contract_id: i64,
    pub paid_on: NaiveDate,
    #[diesel(column_name = amount_fen)]
    pub amount: Money,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

/// One line of a contract's timeline (from the audit trail).
#[derive(Clone, Debug)]
pub struct Event {
    pub at: NaiveDateTime,
    pub action: String,
    pub actor_role: String,
}

/// A unique-index violation (a concurrent request did the same step first) as a conflict.
pub fn unique_as(e: diesel::result::Error, key: &'static str) -> StepError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => conflict(key),
        e => e.into(),
    }
}

/// The contract and the approval department of its item (whose regulators may see it).
pub fn find_with_department(c: &mut DbConnection, id: i64) -> QueryResult<Option<(Contract, i64)>> {
    let Some(k) = find(c, id)? else {
        return Ok(None);
    };
    let dept: i64 = crate::db::schema::catalogue_items::table
        .find(k.item_id)
        .select(crate::db::schema::catalogue_items::department_id)
        .first(c)?;
    Ok(Some((k, dept)))
}

/// Working days added by effective extensions.
pub fn extension_days(c: &mut DbConnection, contract_id: i64) -> QueryResult<i64> {
    let days: Vec<Option<i32>> = contract_amendments::table
        .filter(contract_amendments::contract_id.eq(contract_id))
        .filter(contract_amendments::status.eq(AmendmentStatus::Effective))
        .filter(contract_amendments::kind.eq(AmendmentKind::Extension))
        .select(contract_amendments::extra_days)
        .load(c)?;
    Ok(days.into_iter().flatten().map(i64::from).sum())
}

/// The calendar from `from` on (holidays and make-up days of the administrator).
pub fn calendar(c: &mut DbConnection, from: NaiveDate) -> QueryResult<Calendar> {
    crate::accounts::store::calendar::load_from(c, from)
}

/// The timer of a signed contract (`None` before both signed).
pub fn timer_of(cal: &Calendar, k: &Contract, extension: i64, today: NaiveDate) -> Option<Timer> {
    let start = k.signed_on()?;
    Some(rules::timer(
        cal,
        start,
        i64::from(k.time_limit_days) + extension,
        k.accepted_on(),
        today,
    ))
}

/// Everything the fulfilment section shows.
pub struct Loaded {
    pub contract: Contract,
    pub owner_name: String,
    pub agency_name: String,
    pub item_name: String,
    pub item_department_id: i64,
    pub statutory_days: i32,
    pub extension: i64,
    pub timer: Option<Timer>,
    pub deliverables: Vec<(Deliverable, String)>,
    pub amendments: Vec<Amendment>,
    pub payments: Vec<Payment>,
    pub payment_due: Option<NaiveDate>,
    pub events: Vec<Event>,
}

/// (name, department id, statutory days) of a catalogue item.
pub(crate) fn item_facts(c: &mut DbConnection, item_id: i64) -> QueryResult<(String, i64, i32)> {
    Ok(catalogue_items::table
        .find(item_id)
        .select((
            catalogue_items::name,
            catalogue_items::department_id,
            catalogue_items::time_limit_days,
        ))
        .one(c)?
        .unwrap_or_default())
}

fn org_name(c: &mut DbConnection, user_id: i64) -> QueryResult<String> {
    Ok(users::table
        .find(user_id)
        .select(users::org_name)
        .one(c)?
        .unwrap_or_default())
}

fn agency_name(c: &mut DbConnection, agency_id: i64) -> QueryResult<String> {
    Ok(agencies::table
        .find(agency_id)
        .select(agencies::name)
        .one(c)?
        .unwrap_or_default())
}

pub fn load(c: &mut DbConnection, id: i64, payment_days: i64) -> QueryResult<Option<Loaded>> {
    let Some(k) = find(c, id)? else {
        return Ok(None);
    };
    let today = crate::db::today();
    let from = k.signed_on().unwrap_or(today).min(today);
    let cal = calendar(c, from)?;
    let extension = extension_days(c, id)?;
    let timer = timer_of(&cal, &k, extension, today);
    let (item_name, item_department_id, statutory_days) = item_facts(c, k.item_id)?;
    let deliverables: Vec<(Deliverable, String)> = contract_deliverables::table
        .inner_join(
            crate::db::schema::uploads::table
                .on(crate::db::schema::uploads::id.eq(contract_deliverables::upload_id)),
        )
        .filter(contract_deliverables::contract_id.eq(id))
        .order(contract_deliverables::id)
        .select((
            Deliverable::as_select(),
            crate::db::schema::uploads::original_name,
        ))
        .load(c)?;
    let amendments = contract_amendments::table
        .filter(contract_amendments::contract_id.eq(id))
        .order(contract_amendments::id)
        .select(Amendment::as_select())
        .load(c)?;
    let payments = contract_payments::table
        .filter(contract_payments::contract_id.eq(id))
        .order((contract_payments::paid_on, contract_payments::id))
        .select(Payment::as_select())
        .load(c)?;
    let payment_due = k
        .accepted_on()
        .map(|a| rules::payment_due(&cal, a, payment_days));
    let events = timeline(c, id)?;
    Ok(Some(Loaded {
        owner_name: org_name(c, k.owner_id)?,
        agency_name: agency_name(c, k.agency_id)?,
        item_name,
        item_department_id,
        statutory_days,
        extension,
        timer,
        deliverables,
        amendments,
        payments,
        payment_due,
        events,
        contract: k,
    }))
}

/// The audit entries about a contract and its fulfilment, oldest first.
pub fn timeline(c: &mut DbConnection, id: i64) -> QueryResult<Vec<Event>> {
    let rows: Vec<(NaiveDateTime, String, String)> = audit_log::table
        .filter(audit_log::object_type.eq("contract"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .order(audit_log::seq)
        .select((audit_log::at, audit_log::action, audit_log::actor_role))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(at, action, actor_role)| Event {
            at,
            action,
            actor_role,
        })
        .collect())
}

// ---------------------------------------------------------------- deliverables

/// A deliverable's file: (contract, upload), for the download.
pub fn deliverable_file(
    c: &mut DbConnection,
    id: i64,
    did: i64,
) -> QueryResult<Option<crate::uploads::store::Upload>> {
    let up: Option<i64> = contract_deliverables::table
        .filter(contract_deliverables::id.eq(did))
        .filter(contract_deliverables::contract_id.eq(id))
        .select(contract_deliverables::upload_id)
        .first(c)
        .optional()?;
    match up {
        Some(u) => crate::uploads::store::find(c, u),
        None => Ok(None),
    }
}

// ---------------------------------------------------------------- amendments

// ---------------------------------------------------------------- payments

/// An owner's payment record: (contract id, due date, first payment date, late or overdue).
pub struct PaymentLine {
    pub contract_id: i64,
    pub due: NaiveDate,
    pub paid: Vec<(NaiveDate, Money)>,
    pub late: bool,
    pub overdue: bool,
}

/// The payment record of an owner's accepted contracts.
pub fn owner_payment_record(
    c: &mut DbConnection,
    owner_id: i64,
    payment_days: i64,
) -> QueryResult<Vec<PaymentLine>> {
    let ks: Vec<Contract> = contracts::table
        .filter(contracts::owner_id.eq(owner_id))
        .filter(contracts::status.eq(ContractStatus::Accepted))
        .order(contracts::id)
        .select(Contract::as_select())
        .load(c)?;
    let today = crate::db::today();
    let from = ks
        .iter()
        .filter_map(Contract::accepted_on)
        .min()
        .unwrap_or(today);
    let cal = calendar(c, from)?;
    let mut out = Vec::new();
    for k in ks {
        let Some(acc) = k.accepted_on() else { continue };
        let due = rules::payment_due(&cal, acc, payment_days);
        let paid: Vec<(NaiveDate, Money)> = contract_payments::table
            .filter(contract_payments::contract_id.eq(k.id))
            .order(contract_payments::paid_on)
            .select((contract_payments::paid_on, contract_payments::amount_fen))
            .load(c)?;
        let late = paid.iter().any(|(d, _)| rules::payment_late(*d, due));
        let overdue = rules::payment_overdue(!paid.is_empty(), due, today);
        out.push(PaymentLine {
            contract_id: k.id,
            due,
            paid,
            late,
            overdue,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- reminders

// ---------------------------------------------------------------- figures

/// Fulfilment figures of one agency or of all.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub rate: Rate,
    pub service: ServiceTime,
}

/// Per agency (id → figures) and overall, from every signed or accepted contract.
pub fn figures(
    c: &mut DbConnection,
    agency: Option<i64>,
) -> QueryResult<(HashMap<i64, Figures>, Figures)> {
    let mut q = contracts::table
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .filter(contracts::signed_at.is_not_null())
        .filter(contracts::status.eq_any([ContractStatus::Signed, ContractStatus::Accepted]))
        .select((Contract::as_select(), catalogue_items::time_limit_days))
        .into_boxed();
    if let Some(a) = agency {
        q = q.filter(contracts::agency_id.eq(a));
    }
    let rows: Vec<(Contract, i32)> = q.load(c)?;
    if rows.is_empty() {
        let none = Figures {
            rate: Rate::of(Vec::new()),
            service: ServiceTime::of(Vec::new()),
        };
        return Ok((HashMap::new(), none));
    }
    let today = crate::db::today();
    let from = rows
        .iter()
        .filter_map(|(k, _)| k.signed_on())
        .min()
        .unwrap_or(today)
        .min(today);
    let cal = calendar(c, from)?;
    let mut eq = contract_amendments::table
        .filter(contract_amendments::status.eq(AmendmentStatus::Effective))
        .filter(contract_amendments::kind.eq(AmendmentKind::Extension))
        .select((
            contract_amendments::contract_id,
            contract_amendments::extra_days,
        ))
        .into_boxed();
    if agency.is_some() {
        // One agency's page reads its own contracts' extensions, not the whole platform's.
        let ids: Vec<i64> = rows.iter().map(|(k, _)| k.id).collect();
        eq = eq.filter(contract_amendments::contract_id.eq_any(ids));
    }
    let exts: Vec<(i64, Option<i32>)> = eq.load(c)?;
    let mut ext: HashMap<i64, i64> = HashMap::new();
    for (id, d) in exts {
        *ext.entry(id).or_default() += i64::from(d.unwrap_or(0));
    }
    let mut outcomes: HashMap<i64, Vec<Outcome>> = HashMap::new();
    let mut service: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    let mut all_out = Vec::new();
    let mut all_service = Vec::new();
    for (k, statutory) in &rows {
        let Some(t) = timer_of(&cal, k, ext.get(&k.id).copied().unwrap_or(0), today) else {
            continue;
        };
        outcomes.entry(k.agency_id).or_default().push(t.outcome());
        all_out.push(t.outcome());
        if t.stopped {
            service
                .entry(k.agency_id)
                .or_default()
                .push((t.used_days, i64::from(*statutory)));
            all_service.push((t.used_days, i64::from(*statutory)));
        }
    }
    let mut per = HashMap::new();
    for (a, o) in outcomes {
        per.insert(
            a,
            Figures {
                rate: Rate::of(o),
                service: ServiceTime::of(service.remove(&a).unwrap_or_default()),
            },
        );
    }
    Ok((
        per,
        Figures {
            rate: Rate::of(all_out),
            service: ServiceTime::of(all_service),
        },
    ))
}

/// Agency names for the figures page.
pub fn agency_names(c: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = agencies::table
        .filter(agencies::user_id.eq_any(ids))
        .select((agencies::user_id, agencies::name))
        .load(c)?;
    Ok(rows.into_iter().collect())
}

/// Owners with accepted contracts (id, org name), for the payment records.
pub fn owners_with_contracts(c: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    let ids: Vec<i64> = contracts::table
        .filter(contracts::status.eq(ContractStatus::Accepted))
        .select(contracts::owner_id)
        .distinct()
        .load(c)?;
    users::table
        .filter(users::id.eq_any(ids))
        .order(users::id)
        .select((users::id, users::org_name))
        .load(c)
}

/// One contract on the regulator's list.
pub struct Supervised {
    pub contract: Contract,
    pub item_name: String,
    pub agency_name: String,
    pub outcome: Option<Outcome>,
    pub deadline: Option<NaiveDate>,
    /// Amendments: (effective, awaiting signature).
    pub amendments: (i64, i64),
    pub appeals_pending: i64,
}

/// Signed and accepted contracts of items of `department_id`, newest first (at most 200).
pub fn supervised(c: &mut DbConnection, department_id: i64) -> QueryResult<Vec<Supervised>> {
    let rows: Vec<(Contract, String, String)> = contracts::table
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(contracts::agency_id)))
        .filter(catalogue_items::department_id.eq(department_id))
        .filter(contracts::status.eq_any([ContractStatus::Signed, ContractStatus::Accepted]))
        .order(contracts::id.desc())
        .limit(200)
        .select((Contract::as_select(), catalogue_items::name, agencies::name))
        .load(c)?;
    let today = crate::db::today();
    let from = rows
        .iter()
        .filter_map(|(k, _, _)| k.signed_on())
        .min()
        .unwrap_or(today)
        .min(today);
    let cal = calendar(c, from)?;
    let mut out = Vec::new();
    for (k, item_name, agency_name) in rows {
        let ext = extension_days(c, k.id)?;
        let t = timer_of(&cal, &k, ext, today);
        let statuses: Vec<AmendmentStatus> = contract_amendments::table
            .filter(contract_amendments::contract_id.eq(k.id))
            .select(contract_amendments::status)
            .load(c)?;
        let count = |s: AmendmentStatus| statuses.iter().filter(|a| **a == s).count() as i64;
        let appeals_pending: i64 = evaluations::table
            .filter(evaluations::contract_id.eq(k.id))
            .filter(evaluations::appeal.is_not_null())
            .filter(evaluations::appeal_decision.is_null())
            .count()
            .get_result(c)?;
        out.push(Supervised {
            item_name,
            agency_name,
            outcome: t.map(|t| t.outcome()),
            deadline: t.map(|t| t.deadline),
            amendments: (
                count(AmendmentStatus::Effective),
                count(AmendmentStatus::Proposed),
            ),
            appeals_pending,
            contract: k,
        });
    }
    Ok(out)
}
