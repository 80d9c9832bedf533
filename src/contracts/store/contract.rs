//! Contracts drafted from model texts, and their signing: the rows and their reads. The
//! steps (drafting at the award, generating, editing, signing, lapsing) are in
//! `crate::contracts::steps::contract`, whose module comment gives their rules.

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::policy::{self, Action, Decision, OwnerSide};
use crate::db::schema::{
    agencies, announcements, audit_log, awards, catalogue_items, contract_signatures,
    contract_terms, contracts, model_text_versions, model_texts, projects, users,
};
use crate::db::{DbConnection, DbError};
use crate::domain::contract_text::{self as ct, Body, Values};
use crate::domain::money::Money;
use crate::domain::status::{ContractStatus, Party};
use crate::web::page::CurrentUser;

/// The setting that gives the signing deadline in working days from the award.
pub const SIGN_SETTING: &str = "contract_sign_working_days";

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = contracts)]
pub struct Contract {
    pub id: i64,
    pub announcement_id: i64,
    pub owner_id: i64,
    pub agency_id: i64,
    pub item_id: i64,
    pub model_text_version_id: i64,
    /// The award amount (or the announcement's cap): the price never goes above it.
    #[diesel(column_name = price_limit_fen)]
    pub price_limit: Money,
    #[diesel(column_name = price_fen)]
    pub price: Money,
    pub time_limit_days: i32,
    pub status: ContractStatus,
    pub sign_by: NaiveDate,
    pub signed_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The commissioning department, paying as the owner (附件4 (五)), if any.
    pub owner_department_id: Option<i64>,
}

impl Contract {
    pub fn editable(&self) -> bool {
        matches!(self.status, ContractStatus::Draft | ContractStatus::Signing)
    }
    pub fn owner_side(&self) -> OwnerSide {
        OwnerSide {
            user: self.owner_id,
            department: self.owner_department_id,
        }
    }
    /// The party a user acts for in this contract, if any, as the policy decides.
    pub fn party_of(&self, u: &CurrentUser) -> Option<Party> {
        let allowed = |a| policy::decide(Some(u), a) == Decision::Allow;
        if allowed(Action::ActAsContractOwner {
            owner: self.owner_side(),
        }) {
            Some(Party::Owner)
        } else if allowed(Action::ActAsContractAgency {
            agency: self.agency_id,
        }) {
            Some(Party::Agency)
        } else {
            None
        }
    }
}

/// Whether user `user_id` acts on the owner side of `k` now (its role and department read
/// from the database), for the steps that check the party again inside their transaction.
pub fn acts_for_owner(c: &mut DbConnection, k: &Contract, user_id: i64) -> QueryResult<bool> {
    let Some(u) = crate::accounts::store::user::find(c, user_id)? else {
        return Ok(false);
    };
    let me = CurrentUser {
        id: u.id,
        role: u.role(),
        display_name: String::new(),
        email: String::new(),
        unread: 0,
        department_id: u.department_id,
    };
    Ok(k.party_of(&me) == Some(Party::Owner))
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = contract_terms)]
pub struct Terms {
    pub contract_id: i64,
    pub fields: String,
    pub supplementary: String,
    pub revision: i32,
    pub reminded_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = contract_signatures)]
pub struct Signature {
    pub id: i64,
    pub contract_id: i64,
    pub party: Party,
    pub signer_id: i64,
    pub revision: i32,
    pub digest: String,
    pub signed_at: NaiveDateTime,
}

/// A contract with everything its page needs: the text it was drafted from, the values, the
/// rendered text and its digest, and the signatures of the current revision.
#[derive(Clone, Debug)]
pub struct Full {
    pub contract: Contract,
    pub terms: Terms,
    pub title: String,
    pub body: Body,
    pub used: Vec<&'static str>,
    pub values: Values,
    pub rendered: String,
    pub digest: String,
    pub model_text_id: i64,
    pub model_version: i32,
    pub owner_sig: Option<Signature>,
    pub agency_sig: Option<Signature>,
    pub department_id: i64,
    /// The announcement's time limit: the contract's may be shorter, never longer.
    pub max_days: i32,
}

impl Full {
    /// The fields the body uses that are still blank.
    pub fn missing(&self) -> Vec<&'static str> {
        self.used
            .iter()
            .copied()
            .filter(|k| self.values.get(*k).is_none_or(|v| v.trim().is_empty()))
            .collect()
    }
    /// Both signed the text as it is now.
    pub fn both_signed(&self) -> bool {
        matches!((&self.owner_sig, &self.agency_sig), (Some(o), Some(a))
            if o.digest == self.digest && a.digest == self.digest)
    }
}

pub fn find(c: &mut DbConnection, id: i64) -> QueryResult<Option<Contract>> {
    contracts::table
        .find(id)
        .select(Contract::as_select())
        .one(c)
}

pub fn find_by_announcement(c: &mut DbConnection, ann: i64) -> QueryResult<Option<Contract>> {
    contracts::table
        .filter(contracts::announcement_id.eq(ann))
        .select(Contract::as_select())
        .one(c)
}

/// Takes the contract's row lock for the rest of the transaction (a no-op update), so two
/// steps on one contract never interleave: on PostgreSQL the second waits and then reads what
/// the first committed (two parties signing at once both count); on SQLite `write_tx`'s
/// `BEGIN IMMEDIATE` already serialises writers.
pub(crate) fn lock(c: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(contracts::table.find(id))
        .set(contracts::updated_at.eq(contracts::updated_at))
        .execute(c)
}

/// Loads a contract with its text, values, rendering and current signatures.
pub fn load(c: &mut DbConnection, id: i64) -> Result<Option<Full>, DbError> {
    let Some(k) = find(c, id)? else {
        return Ok(None);
    };
    let terms: Terms = contract_terms::table
        .find(id)
        .select(Terms::as_select())
        .first(c)?;
    let (title, body_src, text_id, version): (String, String, i64, i32) =
        model_text_versions::table
            .inner_join(model_texts::table)
            .filter(model_text_versions::id.eq(k.model_text_version_id))
            .select((
                model_texts::title,
                model_text_versions::body,
                model_texts::id,
                model_text_versions::version,
            ))
            .first(c)?;
    let department_id: i64 = catalogue_items::table
        .find(k.item_id)
        .select(catalogue_items::department_id)
        .first(c)?;
    let max_days: i32 = announcements::table
        .find(k.announcement_id)
        .select(announcements::time_limit_days)
        .first(c)?;
    // A published version parsed when it was written; an unparsable one (edited in the
    // database by hand) shows no clauses rather than failing the page.
    let body = ct::parse(&body_src).unwrap_or(Body {
        clauses: Vec::new(),
    });
    let mut values: Values = serde_json::from_str(&terms.fields).unwrap_or_default();
    values.insert("price".into(), ct::price_text(k.price));
    values.insert("time_limit".into(), k.time_limit_days.to_string());
    let rendered = ct::render(&title, &body, &values, &terms.supplementary);
    let digest = ct::digest(&rendered);
    let sigs: Vec<Signature> = contract_signatures::table
        .filter(contract_signatures::contract_id.eq(id))
        .filter(contract_signatures::revision.eq(terms.revision))
        .select(Signature::as_select())
        .load(c)?;
    let sig = |p: Party| sigs.iter().find(|s| s.party == p).cloned();
    Ok(Some(Full {
        max_days: max_days.max(k.time_limit_days),
        used: body.fields_used(),
        owner_sig: sig(Party::Owner),
        agency_sig: sig(Party::Agency),
        contract: k,
        terms,
        title,
        body,
        values,
        rendered,
        digest,
        model_text_id: text_id,
        model_version: version,
        department_id,
    }))
}

// ------------------------------------------------------------------------------- job

// ------------------------------------------------------------------------------ lists

/// One row of a contract list.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: i64,
    pub announcement_id: i64,
    pub project: String,
    pub item: String,
    pub owner: String,
    pub agency: String,
    pub price: Money,
    pub status: ContractStatus,
    pub sign_by: NaiveDate,
    pub supplementary: bool,
    /// For a lapsed contract: the parties that had not signed its last text — the regulator
    /// sees owners who let the deadline pass here.
    pub unsigned: Vec<Party>,
}

#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Owner(i64),
    /// The contracts a department commissioned as the owner (附件4 (五)).
    OwnerDepartment(i64),
    Agency(i64),
    /// A regulator's department: contracts with supplementary clauses or lapsed.
    Flagged(i64),
}

/// (id, announcement, project, item, owner, agency, price, status, sign by, supplementary).
type RawRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Money,
    ContractStatus,
    NaiveDate,
    String,
);

pub fn rows(c: &mut DbConnection, scope: Scope) -> QueryResult<Vec<Row>> {
    let mut q = contracts::table
        .inner_join(contract_terms::table)
        .inner_join(announcements::table.on(announcements::id.eq(contracts::announcement_id)))
        .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .inner_join(users::table.on(users::id.eq(contracts::owner_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(contracts::agency_id)))
        .into_boxed();
    q = match scope {
        Scope::Owner(o) => q.filter(contracts::owner_id.eq(o)),
        Scope::OwnerDepartment(d) => q.filter(contracts::owner_department_id.eq(d)),
        Scope::Agency(a) => q.filter(contracts::agency_id.eq(a)),
        Scope::Flagged(d) => q.filter(catalogue_items::department_id.eq(d)).filter(
            contract_terms::supplementary
                .ne("")
                .or(contracts::status.eq(ContractStatus::Lapsed)),
        ),
    };
    let raw: Vec<RawRow> = q
        .order(contracts::id.desc())
        .limit(500)
        .select((
            contracts::id,
            contracts::announcement_id,
            projects::name,
            catalogue_items::name,
            users::org_name,
            agencies::name,
            contracts::price_fen,
            contracts::status,
            contracts::sign_by,
            contract_terms::supplementary,
        ))
        .load(c)?;
    let mut out: Vec<Row> = raw
        .into_iter()
        .map(|r| Row {
            id: r.0,
            announcement_id: r.1,
            project: r.2,
            item: r.3,
            owner: r.4,
            agency: r.5,
            price: r.6,
            status: r.7,
            sign_by: r.8,
            supplementary: !r.9.is_empty(),
            unsigned: Vec::new(),
        })
        .collect();
    for row in out
        .iter_mut()
        .filter(|r| r.status == ContractStatus::Lapsed)
    {
        let signed: Vec<Party> = contract_signatures::table
            .inner_join(
                contract_terms::table.on(contract_terms::contract_id
                    .eq(contract_signatures::contract_id)
                    .and(contract_terms::revision.eq(contract_signatures::revision))),
            )
            .filter(contract_signatures::contract_id.eq(row.id))
            .select(contract_signatures::party)
            .load(c)?;
        row.unsigned = Party::ALL
            .iter()
            .copied()
            .filter(|p| !signed.contains(p))
            .collect();
    }
    Ok(out)
}

/// The owner side's awards that have no contract yet (no model text when they were
/// confirmed): (announcement id, project name, item name). `scope` is `Owner` or
/// `OwnerDepartment`.
pub fn awards_without_contract(
    c: &mut DbConnection,
    scope: Scope,
) -> QueryResult<Vec<(i64, String, String)>> {
    let (owner, dept) = match scope {
        Scope::Owner(o) => (Some(o), None),
        Scope::OwnerDepartment(d) => (None, Some(d)),
        _ => return Ok(Vec::new()),
    };
    let mut have = contracts::table
        .select(contracts::announcement_id)
        .into_boxed();
    let mut q = awards::table
        .inner_join(announcements::table.on(announcements::id.eq(awards::announcement_id)))
        .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)))
        .into_boxed();
    if let Some(o) = owner {
        have = have.filter(contracts::owner_id.eq(o));
        q = q.filter(announcements::owner_id.eq(o));
    }
    if let Some(d) = dept {
        have = have.filter(contracts::owner_department_id.eq(d));
        q = q.filter(announcements::owner_department_id.eq(d));
    }
    let have: Vec<i64> = have.load(c)?;
    let all: Vec<(i64, String, String)> = q
        .order(awards::announcement_id.desc())
        .select((
            awards::announcement_id,
            projects::name,
            catalogue_items::name,
        ))
        .load(c)?;
    Ok(all
        .into_iter()
        .filter(|(a, _, _)| !have.contains(a))
        .collect())
}

/// The contract's steps from the audit trail, oldest first: (time, action, actor role).
pub fn timeline(
    c: &mut DbConnection,
    id: i64,
) -> QueryResult<Vec<(NaiveDateTime, String, String)>> {
    audit_log::table
        .filter(audit_log::object_type.eq("contract"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .order(audit_log::seq)
        .select((audit_log::at, audit_log::action, audit_log::actor_role))
        .load(c)
}
