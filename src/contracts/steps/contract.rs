//! The contract's steps: contracts drafted from model texts, and their signing.
//!
//! - [`draft_for_award`] runs inside the award's transaction (`crate::selection::steps::result::confirm`):
//!   the current published model text of the item's industry, the parties, the price (the
//!   award amount, or the announcement's cap as the limit) and the time limit filled in. With
//!   no model text for the industry nothing is drafted; the owner generates the draft by hand
//!   ([`generate`]) once a text is published.
//! - The owner fills the fill-in fields and may add supplementary clauses ([`edit`]); every
//!   change bumps the revision, and only signatures of the current revision count, so a change
//!   voids both signatures.
//! - Each party signs the digest of the text it read ([`sign`]); a stale digest is refused.
//!   When both parties signed the same digest the contract is signed and `signed_at` set (the
//!   service timer starts there).
//! - The job ([`lapse_due`], [`remind_due`]) lapses drafts past their sign-by day, records the
//!   agency's refusal for the credit library, and reminds both parties the working day before.
//!
//! Every step is audited against the `contract` and mails the other party, in its transaction.

use crate::audit::{self, Actor};
use crate::contracts::store::contract::*;
use crate::db::schema::{
    agencies, announcements, awards, catalogue_items, contract_signatures, contract_terms,
    contracts, departments, projects, users,
};
use crate::db::{self, DbConnection, DbError, write_tx};
use crate::domain::contract_text::{self as ct, Edit, Values};
use crate::domain::credit::Kind;
use crate::domain::status::{ContractStatus, Party};
use crate::domain::workdays;
use crate::error::{Refusal, StepError, conflict, refused};
use crate::mail::notify::{mail_regulators, mail_user};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// The headline of an edit refused for its values (each is named beside its field).
pub const FIELDS_TO_CORRECT: &str = "contracts.form.has_errors";

/// The domain's reasons for refusing an edit, as the refusal the pages show: a locked clause
/// refuses the whole request, values out of bounds are named beside their fields (the page
/// re-renders the form with them; this is its headline).
impl From<ct::EditProblem> for Refusal {
    fn from(e: ct::EditProblem) -> Refusal {
        match e {
            ct::EditProblem::Locked(key) => {
                Refusal::invalid("contracts.err.locked").arg("key", key)
            }
            ct::EditProblem::Fields(_) => Refusal::invalid(FIELDS_TO_CORRECT),
        }
    }
}

/// A signature on a text that changed since it was read is a conflict (409); one without the
/// "I have read it" tick is not acceptable (422).
impl From<ct::SignProblem> for Refusal {
    fn from(p: ct::SignProblem) -> Refusal {
        match p {
            ct::SignProblem::Stale => Refusal::conflict(p.key()),
            ct::SignProblem::NotRead => Refusal::invalid(p.key()),
        }
    }
}

/// What the audit entry of a contract step proves: the state and the digest of the text.
#[derive(Serialize)]
struct Audited<'a> {
    status: ContractStatus,
    revision: i32,
    price_fen: i64,
    time_limit_days: i32,
    digest: &'a str,
}

fn audit_step(c: &mut DbConnection, actor: &Actor, action: &str, id: i64) -> Result<(), DbError> {
    let f = load(c, id)?.ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    audit::record(
        c,
        actor,
        action,
        "contract",
        id,
        &Audited {
            status: f.contract.status,
            revision: f.terms.revision,
            price_fen: f.contract.price.fen(),
            time_limit_days: f.contract.time_limit_days,
            digest: &f.digest,
        },
        "",
    )?;
    Ok(())
}

/// What a draft is made from: the award and the announcement it closes.
struct Award {
    announcement_id: i64,
    agency_id: i64,
    amount: Option<i64>,
    confirmed_at: NaiveDateTime,
    owner_id: i64,
    owner_department_id: Option<i64>,
    item_id: i64,
    project_id: i64,
    scope: String,
    time_limit_days: i32,
    cap: Option<i64>,
}

fn award(c: &mut DbConnection, announcement_id: i64) -> QueryResult<Award> {
    let (agency_id, amount, confirmed_at) = awards::table
        .find(announcement_id)
        .select((awards::agency_id, awards::amount_fen, awards::confirmed_at))
        .first(c)?;
    let (owner_id, owner_department_id, item_id, project_id, scope, time_limit_days, cap) =
        announcements::table
            .find(announcement_id)
            .select((
                announcements::owner_id,
                announcements::owner_department_id,
                announcements::item_id,
                announcements::project_id,
                announcements::scope,
                announcements::time_limit_days,
                announcements::cap_fen,
            ))
            .first(c)?;
    Ok(Award {
        announcement_id,
        agency_id,
        amount,
        confirmed_at,
        owner_id,
        owner_department_id,
        item_id,
        project_id,
        scope,
        time_limit_days,
        cap,
    })
}

/// The fill-in values the platform writes: the parties, the project, the item, the scope.
fn platform_values(c: &mut DbConnection, a: &Award, item_name: String) -> QueryResult<Values> {
    // A commissioning department is the party (and the payer), not its staff member's unit.
    let owner_name: String = match a.owner_department_id {
        Some(d) => departments::table
            .find(d)
            .select(departments::name_zh)
            .first(c)?,
        None => users::table
            .find(a.owner_id)
            .select(users::org_name)
            .first(c)?,
    };
    let agency_name: String = agencies::table
        .find(a.agency_id)
        .select(agencies::name)
        .first(c)?;
    let project_name: String = projects::table
        .find(a.project_id)
        .select(projects::name)
        .first(c)?;
    let mut fields = Values::new();
    fields.insert("owner_name".into(), owner_name);
    fields.insert("agency_name".into(), agency_name);
    fields.insert("project_name".into(), project_name);
    fields.insert("item_name".into(), item_name);
    fields.insert("scope".into(), ct::normalise(&a.scope));
    Ok(fields)
}

/// The last day to sign: the set number of working days after the award (China date).
fn sign_by(c: &mut DbConnection, confirmed_at: NaiveDateTime) -> Result<NaiveDate, DbError> {
    let settings = crate::accounts::store::settings::load(c)?;
    let award_day = workdays::china_date(confirmed_at.and_utc());
    let cal = crate::accounts::store::calendar::load_from(c, award_day)?;
    let sign_days = u32::try_from(settings.get(SIGN_SETTING)).unwrap_or(5);
    Ok(cal.add_working_days(award_day, sign_days))
}

/// Drafts the contract of an awarded announcement, inside the caller's transaction (the
/// award's, or the owner's "generate draft"). Returns the contract's id, or None when no
/// model text is published for the item's industry (the owner is told by mail and on its
/// contracts page). Drafting twice returns the first draft.
pub fn draft_for_award(c: &mut DbConnection, announcement_id: i64) -> Result<Option<i64>, DbError> {
    if let Some(k) = find_by_announcement(c, announcement_id)? {
        return Ok(Some(k.id));
    }
    let a = award(c, announcement_id)?;
    let (industry, item_name): (String, String) = catalogue_items::table
        .find(a.item_id)
        .select((catalogue_items::industry, catalogue_items::name))
        .first(c)?;
    let Some((_, version)) =
        crate::contracts::store::model_text::current_for_industry(c, &industry)?
    else {
        mail_user(
            c,
            a.owner_id,
            "contract_no_text",
            &[("id", announcement_id.to_string())],
        )?;
        return Ok(None);
    };
    let Some(limit) = ct::price_limit(a.amount, a.cap) else {
        return Ok(None);
    };
    let fields = platform_values(c, &a, item_name)?;
    let sign_by = sign_by(c, a.confirmed_at)?;
    let now = db::now();
    diesel::insert_into(contracts::table)
        .values((
            contracts::announcement_id.eq(announcement_id),
            contracts::owner_id.eq(a.owner_id),
            contracts::owner_department_id.eq(a.owner_department_id),
            contracts::agency_id.eq(a.agency_id),
            contracts::item_id.eq(a.item_id),
            contracts::model_text_version_id.eq(version.id),
            contracts::price_limit_fen.eq(limit),
            contracts::price_fen.eq(limit),
            contracts::time_limit_days.eq(a.time_limit_days.max(1)),
            contracts::status.eq(ContractStatus::Draft),
            contracts::sign_by.eq(sign_by),
            contracts::created_at.eq(now),
            contracts::updated_at.eq(now),
        ))
        .execute(c)?;
    let id: i64 = contracts::table
        .filter(contracts::announcement_id.eq(announcement_id))
        .select(contracts::id)
        .first(c)?;
    // With its first contract an agency leaves 暂无评价 and is graded.
    crate::credit::store::credit::recompute(c, a.agency_id, crate::db::today())?;
    diesel::insert_into(contract_terms::table)
        .values((
            contract_terms::contract_id.eq(id),
            contract_terms::fields.eq(serde_json::to_string(&fields).unwrap_or_default()),
            contract_terms::supplementary.eq(""),
            contract_terms::revision.eq(1),
            contract_terms::updated_at.eq(now),
        ))
        .execute(c)?;
    audit_step(c, &Actor::system(), "contract.drafted", id)?;
    let args = [
        ("id", id.to_string()),
        ("announcement", a.announcement_id.to_string()),
        ("sign_by", sign_by.to_string()),
    ];
    mail_user(c, a.owner_id, "contract_drafted", &args)?;
    mail_user(c, a.agency_id, "contract_drafted", &args)?;
    Ok(Some(id))
}

/// The owner generates the draft by hand (after a model text for the industry was
/// published). The caller has checked that `owner` owns the announcement.
pub fn generate(
    c: &mut DbConnection,
    owner: &Actor,
    announcement_id: i64,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let awarded: i64 = awards::table
            .filter(awards::announcement_id.eq(announcement_id))
            .count()
            .get_result(c)?;
        if awarded == 0 {
            return Err(conflict("contracts.err.not_awarded"));
        }
        if find_by_announcement(c, announcement_id)?.is_some() {
            return Err(conflict("contracts.err.exists"));
        }
        let id = draft_for_award(c, announcement_id)?
            .ok_or_else(|| conflict("contracts.err.no_model_text"))?;
        audit::record(
            c,
            owner,
            "contract.generated",
            "contract",
            id,
            &serde_json::json!({ "announcement": announcement_id }),
            "",
        )?;
        Ok(id)
    })
}

/// The owner's edit: fill-in fields, price (≤ limit, checked again here and by the CHECK),
/// time limit and supplementary clauses. `seen_revision` is the revision the form was made
/// from: an edit of an older revision is refused (409), nothing is overwritten blindly.
pub fn edit(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    seen_revision: i32,
    e: &Edit,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        lock(c, id)?;
        let f = load(c, id)?.ok_or_else(|| refused("contracts.err.not_found"))?;
        if !f.contract.editable() {
            return Err(conflict("contracts.err.not_editable"));
        }
        if seen_revision != f.terms.revision {
            return Err(conflict("contracts.err.stale_form"));
        }
        if e.price > f.contract.price_limit {
            return Err(refused("contracts.err.price_above_limit"));
        }
        let mut fields: Values = serde_json::from_str(&f.terms.fields).unwrap_or_default();
        for (k, v) in &e.texts {
            fields.insert(k.clone(), v.clone());
        }
        let changed = e.price != f.contract.price
            || e.time_limit_days != f.contract.time_limit_days
            || serde_json::to_string(&fields).unwrap_or_default() != f.terms.fields
            || e.supplementary != f.terms.supplementary;
        if !changed {
            return Ok(());
        }
        let had_signatures = f.owner_sig.is_some() || f.agency_sig.is_some();
        let now = db::now();
        diesel::update(contracts::table.find(id))
            .set((
                contracts::price_fen.eq(e.price.fen()),
                contracts::time_limit_days.eq(e.time_limit_days),
                contracts::status.eq(ContractStatus::Draft),
                contracts::updated_at.eq(now),
            ))
            .execute(c)?;
        diesel::update(contract_terms::table.find(id))
            .set((
                contract_terms::fields.eq(serde_json::to_string(&fields).unwrap_or_default()),
                contract_terms::supplementary.eq(&e.supplementary),
                contract_terms::revision.eq(f.terms.revision + 1),
                contract_terms::updated_at.eq(now),
            ))
            .execute(c)?;
        audit_step(c, actor, "contract.edited", id)?;
        if had_signatures || f.contract.status == ContractStatus::Signing {
            mail_user(
                c,
                f.contract.agency_id,
                "contract_changed",
                &[("id", id.to_string())],
            )?;
        }
        Ok(())
    })
}

/// The owner submits the draft for signing: every field the text uses must be filled.
pub fn submit(c: &mut DbConnection, actor: &Actor, id: i64) -> Result<(), StepError> {
    write_tx(c, |c| {
        lock(c, id)?;
        let f = load(c, id)?.ok_or_else(|| refused("contracts.err.not_found"))?;
        if f.contract.status != ContractStatus::Draft {
            return Err(conflict("contracts.err.not_draft"));
        }
        if !f.missing().is_empty() {
            return Err(refused("contracts.err.fields_missing"));
        }
        let n = diesel::update(
            contracts::table
                .find(id)
                .filter(contracts::status.eq(ContractStatus::Draft)),
        )
        .set((
            contracts::status.eq(ContractStatus::Signing),
            contracts::updated_at.eq(db::now()),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("contracts.err.not_draft"));
        }
        audit_step(c, actor, "contract.submitted", id)?;
        let args = [
            ("id", id.to_string()),
            ("sign_by", f.contract.sign_by.to_string()),
        ];
        mail_user(c, f.contract.agency_id, "contract_submitted", &args)?;
        if !f.terms.supplementary.is_empty() {
            mail_regulators(
                c,
                f.department_id,
                "contract_supplementary",
                &[("id", id.to_string())],
            )?;
        }
        Ok(())
    })
}

/// A party signs the text whose digest it read. Stale digest → 409; not ticked → 422. When
/// both signed the current text the contract is signed and `signed_at` set.
pub fn sign(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    party: Party,
    seen_digest: &str,
    read: bool,
) -> Result<bool, StepError> {
    write_tx(c, |c| {
        lock(c, id)?;
        let f = load(c, id)?.ok_or_else(|| refused("contracts.err.not_found"))?;
        if f.contract.status != ContractStatus::Signing {
            return Err(conflict("contracts.err.not_signing"));
        }
        ct::check_signature(&f.digest, seen_digest, read).map_err(Refusal::from)?;
        let mine = if party == Party::Owner {
            &f.owner_sig
        } else {
            &f.agency_sig
        };
        if mine.is_some() {
            return Err(conflict("contracts.err.already_signed"));
        }
        let signer = actor.id.ok_or_else(|| refused("contracts.err.not_found"))?;
        diesel::insert_into(contract_signatures::table)
            .values((
                contract_signatures::contract_id.eq(id),
                contract_signatures::party.eq(party),
                contract_signatures::signer_id.eq(signer),
                contract_signatures::revision.eq(f.terms.revision),
                contract_signatures::digest.eq(&f.digest),
                contract_signatures::signed_at.eq(db::now()),
            ))
            .execute(c)?;
        audit_step(c, actor, "contract.signature", id)?;
        let other = if party == Party::Owner {
            f.contract.agency_id
        } else {
            f.contract.owner_id
        };
        let g = load(c, id)?.ok_or_else(|| refused("contracts.err.not_found"))?;
        if g.both_signed() {
            let n = diesel::update(
                contracts::table
                    .find(id)
                    .filter(contracts::status.eq(ContractStatus::Signing)),
            )
            .set((
                contracts::status.eq(ContractStatus::Signed),
                contracts::signed_at.eq(Some(db::now())),
                contracts::updated_at.eq(db::now()),
            ))
            .execute(c)?;
            if n != 1 {
                return Err(conflict("contracts.err.not_signing"));
            }
            audit_step(c, &Actor::system(), "contract.signed", id)?;
            let args = [("id", id.to_string()), ("digest", g.digest.clone())];
            mail_user(c, f.contract.owner_id, "contract_signed", &args)?;
            mail_user(c, f.contract.agency_id, "contract_signed", &args)?;
            Ok(true)
        } else {
            mail_user(c, other, "contract_signed_one", &[("id", id.to_string())])?;
            Ok(false)
        }
    })
}

/// Lapses every draft or signing contract past its sign-by day: status lapsed, a
/// RefusedToSign credit record for the agency when it had the text to sign and did not, and
/// mail to both parties and the regulators. Returns how many lapsed.
pub fn lapse_due(c: &mut DbConnection, today: NaiveDate) -> Result<usize, DbError> {
    let due: Vec<i64> = contracts::table
        .filter(contracts::status.eq_any([ContractStatus::Draft, ContractStatus::Signing]))
        .filter(contracts::sign_by.lt(today))
        .select(contracts::id)
        .load(c)?;
    let mut n = 0;
    for id in due {
        if write_tx(c, |c| lapse_one(c, id, today))? {
            n += 1;
        }
    }
    Ok(n)
}

fn lapse_one(c: &mut DbConnection, id: i64, today: NaiveDate) -> Result<bool, DbError> {
    lock(c, id)?;
    let Some(f) = load(c, id)? else {
        return Ok(false);
    };
    let was_signing = f.contract.status == ContractStatus::Signing;
    let n = diesel::update(
        contracts::table
            .find(id)
            .filter(contracts::status.eq_any([ContractStatus::Draft, ContractStatus::Signing]))
            .filter(contracts::sign_by.lt(today)),
    )
    .set((
        contracts::status.eq(ContractStatus::Lapsed),
        contracts::updated_at.eq(db::now()),
    ))
    .execute(c)?;
    if n != 1 {
        return Ok(false);
    }
    let blame = ct::lapse_blame(was_signing, f.owner_sig.is_some(), f.agency_sig.is_some());
    if blame.agency {
        let ann = f.contract.announcement_id;
        let title = crate::selection::store::announcement::title(c, ann)?.unwrap_or_default();
        let evidence = crate::domain::credit::Evidence::new("credit.ev.refused_to_sign")
            .with("contract", id)
            .announcement(ann, &title);
        crate::credit::store::credit::record_automatic(
            c,
            &crate::credit::store::credit::Automatic {
                agency_id: f.contract.agency_id,
                kind: Kind::RefusedToSign,
                overrun_percent: 0,
                evidence: &evidence,
                ref_kind: "contract",
                ref_id: id,
                effective_on: today,
            },
        )?;
    }
    audit::record(
        c,
        &Actor::system(),
        "contract.lapsed",
        "contract",
        id,
        &serde_json::json!({
            "owner_unsigned": blame.owner,
            "agency_unsigned": blame.agency,
            "digest": f.digest,
        }),
        "",
    )?;
    let args = [("id", id.to_string())];
    mail_user(c, f.contract.owner_id, "contract_lapsed", &args)?;
    mail_user(c, f.contract.agency_id, "contract_lapsed", &args)?;
    mail_regulators(c, f.department_id, "contract_lapsed_regulator", &args)?;
    Ok(true)
}

/// Reminds both parties of contracts whose sign-by day is the next working day (or today),
/// once per contract. Returns how many were reminded.
pub fn remind_due(c: &mut DbConnection, today: NaiveDate) -> Result<usize, DbError> {
    // Most passes find nothing: look before loading the calendar (the next working day is
    // never more than a fortnight away, whatever the holidays).
    let soon: i64 = contracts::table
        .inner_join(contract_terms::table)
        .filter(contracts::status.eq_any([ContractStatus::Draft, ContractStatus::Signing]))
        .filter(contracts::sign_by.ge(today))
        .filter(contracts::sign_by.le(today + chrono::Duration::days(14)))
        .filter(contract_terms::reminded_on.is_null())
        .count()
        .get_result(c)?;
    if soon == 0 {
        return Ok(0);
    }
    let cal = crate::accounts::store::calendar::load_from(c, today)?;
    let horizon = cal.add_working_days(today, 1);
    let due: Vec<(i64, i64, i64, NaiveDate)> = contracts::table
        .inner_join(contract_terms::table)
        .filter(contracts::status.eq_any([ContractStatus::Draft, ContractStatus::Signing]))
        .filter(contracts::sign_by.ge(today))
        .filter(contracts::sign_by.le(horizon))
        .filter(contract_terms::reminded_on.is_null())
        .select((
            contracts::id,
            contracts::owner_id,
            contracts::agency_id,
            contracts::sign_by,
        ))
        .load(c)?;
    let mut n = 0;
    for (id, owner, agency, sign_by) in due {
        write_tx(c, |c| -> Result<(), DbError> {
            let k = diesel::update(
                contract_terms::table
                    .find(id)
                    .filter(contract_terms::reminded_on.is_null()),
            )
            .set(contract_terms::reminded_on.eq(Some(today)))
            .execute(c)?;
            if k == 1 {
                let args = [("id", id.to_string()), ("sign_by", sign_by.to_string())];
                mail_user(c, owner, "contract_reminder", &args)?;
                mail_user(c, agency, "contract_reminder", &args)?;
                n += 1;
            }
            Ok(())
        })?;
    }
    Ok(n)
}
