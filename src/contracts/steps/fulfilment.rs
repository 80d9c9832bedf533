//! The fulfilment steps: submitting and deciding deliverables (acceptance), proposing and
//! answering amendments, recording payments, and the daily reminders of what is overdue.

use crate::audit::{self, Actor};
use crate::contracts::store::fulfilment::*;
use crate::db::schema::{
    contract_amendments, contract_deliverables, contract_payments, contract_reminders, contracts,
    evaluations,
};
use crate::db::{self, DbConnection, DbError, write_tx};
use crate::domain::credit::Kind;
use crate::domain::fulfilment::{self as rules, Change};
use crate::domain::money::Money;
use crate::domain::status::{
    AmendmentStatus, ContractStatus, DeliverableDecision, Party, RaterKind,
};
use crate::domain::workdays::Calendar;
use crate::error::{StepError, conflict, refused};
use crate::mail::notify::{mail_regulators, mail_user};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// The user is not the party the step is taken for.
const NOT_PARTY: &str = "ful.err.not_party";

fn args(k: &Contract) -> Vec<(&'static str, String)> {
    vec![("id", k.id.to_string())]
}

/// The contract, read inside the step's transaction, in one of `allowed` statuses (each step
/// then changes state through a guarded update or a unique index, so a concurrent step
/// finds nothing to do rather than doing it twice).
fn contract_in(
    c: &mut DbConnection,
    id: i64,
    allowed: &[ContractStatus],
) -> Result<Contract, StepError> {
    let k = find(c, id)?.ok_or_else(|| refused("ful.err.not_found"))?;
    if !allowed.contains(&k.status) {
        return Err(conflict("ful.err.not_running"));
    }
    Ok(k)
}

/// The user acting for `party` of `k` (checked again inside the transaction, against the
/// user's role and department as they are now); anyone else is refused.
fn check_party(
    c: &mut DbConnection,
    actor: &Actor,
    k: &Contract,
    party: Party,
) -> Result<i64, StepError> {
    let me = actor.id.ok_or_else(|| refused(NOT_PARTY))?;
    let is = match party {
        Party::Owner => crate::contracts::store::contract::acts_for_owner(c, k, me)?,
        Party::Agency => k.agency_id == me,
    };
    if !is {
        return Err(refused(NOT_PARTY));
    }
    Ok(me)
}

/// What the agency uploaded: the kept file's stored name and its metadata.
pub struct NewDeliverable {
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub note: String,
}

/// The agency submits a deliverable: only while the timer runs and no earlier deliverable
/// waits for the owner's decision.
pub fn submit(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    agency_id: i64,
    d: &NewDeliverable,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let k = contract_in(c, id, &[ContractStatus::Signed])?;
        if k.agency_id != agency_id {
            return Err(refused(NOT_PARTY));
        }
        let pending: i64 = contract_deliverables::table
            .filter(contract_deliverables::contract_id.eq(id))
            .filter(contract_deliverables::decision.is_null())
            .count()
            .get_result(c)?;
        if pending > 0 {
            return Err(conflict("ful.err.pending_deliverable"));
        }
        let upload_id = crate::uploads::store::insert(
            c,
            agency_id,
            &d.stored_name,
            &d.original_name,
            &d.content_type,
            d.size,
            &d.sha256,
        )?;
        let now = db::now();
        diesel::insert_into(contract_deliverables::table)
            .values((
                contract_deliverables::contract_id.eq(id),
                contract_deliverables::upload_id.eq(upload_id),
                contract_deliverables::note.eq(&d.note),
                contract_deliverables::submitted_by.eq(agency_id),
                contract_deliverables::submitted_at.eq(now),
            ))
            .execute(c)
            .map_err(|e| unique_as(e, "ful.err.pending_deliverable"))?;
        let did: i64 = contract_deliverables::table
            .filter(contract_deliverables::upload_id.eq(upload_id))
            .select(contract_deliverables::id)
            .first(c)?;
        audit::record(
            c,
            actor,
            "contract.deliverable.submitted",
            "contract",
            id,
            &serde_json::json!({ "deliverable": did, "sha256": d.sha256, "file": d.original_name }),
            "",
        )?;
        mail_user(c, k.owner_id, "ful_delivered", &args(&k))?;
        Ok(did)
    })
}

/// The owner accepts (the timer stops, an overrun goes to the credit library) or returns
/// the deliverable with reasons (the timer keeps running).
pub fn decide(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    did: i64,
    owner_id: i64,
    accept: bool,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let k = contract_in(c, id, &[ContractStatus::Signed])?;
        if k.owner_id != owner_id {
            return Err(refused(NOT_PARTY));
        }
        let now = db::now();
        let n = diesel::update(
            contract_deliverables::table
                .filter(contract_deliverables::id.eq(did))
                .filter(contract_deliverables::contract_id.eq(id))
                .filter(contract_deliverables::decision.is_null()),
        )
        .set((
            contract_deliverables::decision.eq(if accept {
                DeliverableDecision::Accepted
            } else {
                DeliverableDecision::Returned
            }),
            contract_deliverables::reason.eq(reason),
            contract_deliverables::decided_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("ful.err.already_decided"));
        }
        if accept {
            accept_contract(c, actor, id, did, now)
        } else {
            audit::record(
                c,
                actor,
                "contract.deliverable.returned",
                "contract",
                id,
                &serde_json::json!({ "deliverable": did, "reason": reason }),
                "",
            )?;
            mail_user(
                c,
                k.agency_id,
                "ful_returned",
                &[("id", id.to_string()), ("reason", reason.to_string())],
            )?;
            Ok(())
        }
    })
}

/// The accepted deliverable stops the timer: the contract is accepted, and the days over its
/// time limit (if any) go to the credit library.
fn accept_contract(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    did: i64,
    now: NaiveDateTime,
) -> Result<(), StepError> {
    let n = diesel::update(
        contracts::table
            .filter(contracts::id.eq(id))
            .filter(contracts::status.eq(ContractStatus::Signed)),
    )
    .set((
        contracts::status.eq(ContractStatus::Accepted),
        contracts::accepted_at.eq(now),
        contracts::updated_at.eq(now),
    ))
    .execute(c)?;
    if n != 1 {
        return Err(conflict("ful.err.not_running"));
    }
    let k = find(c, id)?.ok_or_else(|| refused("ful.err.not_found"))?;
    let today = crate::db::today();
    let from = k.signed_on().unwrap_or(today).min(today);
    let cal = calendar(c, from)?;
    let ext = extension_days(c, id)?;
    let t = timer_of(&cal, &k, ext, today);
    let (used, overrun) = t.map(|t| (t.used_days, t.overrun_days)).unwrap_or((0, 0));
    audit::record(
        c,
        actor,
        "contract.accepted",
        "contract",
        id,
        &serde_json::json!({ "deliverable": did, "used_days": used, "overrun_days": overrun }),
        "",
    )?;
    if let Some(t) = t.filter(|t| t.overrun_days > 0) {
        record_overrun(c, &k, &t, today)?;
    }
    mail_user(
        c,
        k.agency_id,
        "ful_accepted",
        &[("id", id.to_string()), ("days", used.to_string())],
    )?;
    Ok(())
}

/// A late delivery's credit record (an overrun of the time limit), audited with its points.
fn record_overrun(
    c: &mut DbConnection,
    k: &Contract,
    t: &rules::Timer,
    today: NaiveDate,
) -> Result<(), StepError> {
    let title =
        crate::selection::store::announcement::title(c, k.announcement_id)?.unwrap_or_default();
    let evidence = crate::domain::credit::Evidence::new("credit.ev.late_delivery")
        .with("contract", k.id)
        .with("used", t.used_days)
        .with("limit", t.limit_days)
        .with("over", t.overrun_days)
        .announcement(k.announcement_id, &title);
    let recorded = crate::credit::store::credit::record_automatic(
        c,
        &crate::credit::store::credit::Automatic {
            agency_id: k.agency_id,
            kind: Kind::LateDelivery,
            overrun_percent: t.overrun_percent(),
            evidence: &evidence,
            ref_kind: "contract",
            ref_id: k.id,
            effective_on: today,
        },
    )?;
    if let Some((_, points)) = recorded {
        audit::record(
            c,
            &Actor::system(),
            "contract.overrun_recorded",
            "contract",
            k.id,
            &serde_json::json!({ "overrun_days": t.overrun_days, "percent": t.overrun_percent(), "points": points }),
            "",
        )?;
    }
    Ok(())
}

/// One party proposes an amendment (its own side signs with the proposal).
pub fn propose(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    party: Party,
    change: Change,
    reason: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let k = contract_in(c, id, &[ContractStatus::Signed])?;
        let me = check_party(c, actor, &k, party)?;
        if let Change::Price(p) = change
            && p > k.price_limit.fen()
        {
            return Err(refused("ful.err.price_above_limit"));
        }
        let now = db::now();
        let (days, price) = match change {
            Change::Extension(d) => (Some(d), None),
            Change::Price(p) => (None, Some(p)),
        };
        diesel::insert_into(contract_amendments::table)
            .values((
                contract_amendments::contract_id.eq(id),
                contract_amendments::kind.eq(change.kind()),
                contract_amendments::extra_days.eq(days),
                contract_amendments::new_price_fen.eq(price),
                contract_amendments::reason.eq(reason),
                contract_amendments::status.eq(AmendmentStatus::Proposed),
                contract_amendments::proposed_by.eq(me),
                contract_amendments::proposed_at.eq(now),
                contract_amendments::owner_signed_at.eq((party == Party::Owner).then_some(now)),
                contract_amendments::agency_signed_at.eq((party == Party::Agency).then_some(now)),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            "contract.amendment.proposed",
            "contract",
            id,
            &serde_json::json!({ "kind": change.kind(), "extra_days": days, "new_price_fen": price, "reason": reason }),
            "",
        )?;
        let other = match party {
            Party::Owner => k.agency_id,
            Party::Agency => k.owner_id,
        };
        mail_user(c, other, "ful_amendment_proposed", &args(&k))?;
        Ok(())
    })
}

/// The other party signs (the amendment takes effect) or declines it.
pub fn answer_amendment(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    aid: i64,
    party: Party,
    sign: bool,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let k = contract_in(c, id, &[ContractStatus::Signed])?;
        check_party(c, actor, &k, party)?;
        let a: Amendment = contract_amendments::table
            .filter(contract_amendments::id.eq(aid))
            .filter(contract_amendments::contract_id.eq(id))
            .select(Amendment::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| refused("ful.err.not_found"))?;
        if a.status != AmendmentStatus::Proposed {
            return Err(conflict("ful.err.already_decided"));
        }
        let mine_signed = match party {
            Party::Owner => a.owner_signed_at.is_some(),
            Party::Agency => a.agency_signed_at.is_some(),
        };
        if mine_signed {
            return Err(conflict("ful.err.own_proposal"));
        }
        if sign {
            sign_amendment(c, actor, &k, &a, party)
        } else {
            decline_amendment(c, actor, &k, &a)
        }
    })
}

fn decline_amendment(
    c: &mut DbConnection,
    actor: &Actor,
    k: &Contract,
    a: &Amendment,
) -> Result<(), StepError> {
    // Still proposed: a concurrent answer finds nothing to change.
    let proposed = contract_amendments::table
        .filter(contract_amendments::id.eq(a.id))
        .filter(contract_amendments::status.eq(AmendmentStatus::Proposed));
    diesel::update(proposed)
        .set((
            contract_amendments::status.eq(AmendmentStatus::Declined),
            contract_amendments::decided_at.eq(db::now()),
        ))
        .execute(c)?;
    audit::record(
        c,
        actor,
        "contract.amendment.declined",
        "contract",
        k.id,
        &serde_json::json!({ "amendment": a.id }),
        "",
    )?;
    mail_user(c, a.proposed_by, "ful_amendment_declined", &args(k))?;
    Ok(())
}

/// The second signature: the amendment takes effect (a new price on the contract, more days
/// on its timer), and the regulator of the item's department is told.
fn sign_amendment(
    c: &mut DbConnection,
    actor: &Actor,
    k: &Contract,
    a: &Amendment,
    party: Party,
) -> Result<(), StepError> {
    if let Some(p) = a.new_price
        && p > k.price_limit
    {
        return Err(refused("ful.err.price_above_limit"));
    }
    let now = db::now();
    let proposed = || {
        contract_amendments::table
            .filter(contract_amendments::id.eq(a.id))
            .filter(contract_amendments::status.eq(AmendmentStatus::Proposed))
    };
    let effective = (
        contract_amendments::status.eq(AmendmentStatus::Effective),
        contract_amendments::decided_at.eq(now),
    );
    let n = match party {
        Party::Owner => diesel::update(proposed())
            .set((contract_amendments::owner_signed_at.eq(now), effective))
            .execute(c)?,
        Party::Agency => diesel::update(proposed())
            .set((contract_amendments::agency_signed_at.eq(now), effective))
            .execute(c)?,
    };
    if n != 1 {
        return Err(conflict("ful.err.already_decided"));
    }
    if let Some(p) = a.new_price {
        diesel::update(contracts::table.find(k.id))
            .set((
                contracts::price_fen.eq(p.fen()),
                contracts::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    audit::record(
        c,
        actor,
        "contract.amendment.effective",
        "contract",
        k.id,
        &serde_json::json!({ "amendment": a.id, "kind": a.kind, "extra_days": a.extra_days, "new_price_fen": a.new_price }),
        "",
    )?;
    mail_user(c, a.proposed_by, "ful_amendment_effective", &args(k))?;
    // Amendments are visible to the regulator of the item's department.
    let (_, dept, _) = item_facts(c, k.item_id)?;
    mail_regulators(c, dept, "ful_amendment_regulator", &args(k))?;
    Ok(())
}

/// The owner records a payment (signed or accepted contracts).
pub fn record_payment(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    owner_id: i64,
    paid_on: NaiveDate,
    amount: Money,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let k = contract_in(c, id, &[ContractStatus::Signed, ContractStatus::Accepted])?;
        if k.owner_id != owner_id {
            return Err(refused(NOT_PARTY));
        }
        let recorder = actor.id.ok_or_else(|| refused(NOT_PARTY))?;
        if k.signed_on().is_some_and(|s| paid_on < s) {
            return Err(refused("ful.err.paid_before_signing"));
        }
        diesel::insert_into(contract_payments::table)
            .values((
                contract_payments::contract_id.eq(id),
                contract_payments::paid_on.eq(paid_on),
                contract_payments::amount_fen.eq(amount.fen()),
                contract_payments::recorded_by.eq(recorder),
                contract_payments::created_at.eq(db::now()),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            "contract.payment.recorded",
            "contract",
            id,
            &serde_json::json!({ "paid_on": paid_on, "amount_fen": amount }),
            "",
        )?;
        mail_user(
            c,
            k.agency_id,
            "ful_paid",
            &[
                ("id", id.to_string()),
                ("amount", crate::web::fmt::money(amount)),
                ("date", paid_on.to_string()),
            ],
        )?;
        Ok(())
    })
}

/// Marks a reminder sent; false when it was sent before (by this or another instance).
fn claim_reminder(c: &mut DbConnection, id: i64, kind: &str) -> QueryResult<bool> {
    let seen: i64 = contract_reminders::table
        .filter(contract_reminders::contract_id.eq(id))
        .filter(contract_reminders::kind.eq(kind))
        .count()
        .get_result(c)?;
    if seen > 0 {
        return Ok(false);
    }
    diesel::insert_into(contract_reminders::table)
        .values((
            contract_reminders::contract_id.eq(id),
            contract_reminders::kind.eq(kind),
            contract_reminders::sent_at.eq(db::now()),
        ))
        .execute(c)?;
    Ok(true)
}

/// A reminder to send: its kind, the addressees, the mail's arguments.
type Reminder = (&'static str, Vec<i64>, Vec<(&'static str, String)>);

/// The job step: reminders before the delivery deadline (agency and owner), before the
/// payment due date (owner) and before the rating window closes (owner, unrated contracts —
/// never rated automatically). Each reminder goes out once. Returns how many were sent.
pub fn remind(c: &mut DbConnection, today: NaiveDate) -> Result<usize, DbError> {
    let ks: Vec<Contract> = contracts::table
        .filter(contracts::status.eq_any([ContractStatus::Signed, ContractStatus::Accepted]))
        .select(Contract::as_select())
        .load(c)?;
    if ks.is_empty() {
        return Ok(0);
    }
    let from = ks
        .iter()
        .filter_map(Contract::signed_on)
        .min()
        .unwrap_or(today)
        .min(today);
    let cal = calendar(c, from)?;
    let payment_days = crate::accounts::store::settings::load(c)?.get("payment_due_working_days");
    let mut sent = 0;
    for k in ks {
        let mut due: Vec<Reminder> = delivery_reminder(c, &cal, &k, today)?.into_iter().collect();
        due.extend(after_acceptance(c, &cal, &k, today, payment_days)?);
        for (kind, to, a) in due {
            if send_reminder(c, &k, kind, &to, &a)? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// The delivery reminder of a running contract whose deadline is near.
fn delivery_reminder(
    c: &mut DbConnection,
    cal: &Calendar,
    k: &Contract,
    today: NaiveDate,
) -> QueryResult<Option<Reminder>> {
    if k.status != ContractStatus::Signed {
        return Ok(None);
    }
    let ext = extension_days(c, k.id)?;
    Ok(timer_of(cal, k, ext, today)
        .filter(|t| rules::delivery_reminder_due(cal, t, today))
        .map(|t| {
            (
                "delivery",
                vec![k.agency_id, k.owner_id],
                vec![
                    ("id", k.id.to_string()),
                    ("deadline", t.deadline.to_string()),
                ],
            )
        }))
}

/// The owner's reminders once the contract is accepted: to pay (nothing paid yet, the due
/// date near) and to rate (not rated yet, the window closing).
fn after_acceptance(
    c: &mut DbConnection,
    cal: &Calendar,
    k: &Contract,
    today: NaiveDate,
    payment_days: i64,
) -> QueryResult<Vec<Reminder>> {
    let mut due = Vec::new();
    let Some(acc) = k.accepted_on() else {
        return Ok(due);
    };
    let pay_due = rules::payment_due(cal, acc, payment_days);
    let paid: i64 = contract_payments::table
        .filter(contract_payments::contract_id.eq(k.id))
        .count()
        .get_result(c)?;
    if paid == 0
        && today <= pay_due
        && cal.working_days_between(today, pay_due) <= rules::REMINDER_LEAD_DAYS
    {
        due.push((
            "payment",
            vec![k.owner_id],
            vec![("id", k.id.to_string()), ("deadline", pay_due.to_string())],
        ));
    }
    let rated: i64 = evaluations::table
        .filter(evaluations::contract_id.eq(k.id))
        .filter(evaluations::rater_kind.eq(RaterKind::Owner))
        .count()
        .get_result(c)?;
    if rated == 0 && crate::domain::evaluation::reminder_due(cal, acc, today) {
        let by = crate::domain::evaluation::rate_by(cal, acc);
        due.push((
            "rating",
            vec![k.owner_id],
            vec![("id", k.id.to_string()), ("deadline", by.to_string())],
        ));
    }
    Ok(due)
}

/// Sends one reminder in its own transaction, unless it was sent before. True when sent.
fn send_reminder(
    c: &mut DbConnection,
    k: &Contract,
    kind: &'static str,
    to: &[i64],
    a: &[(&'static str, String)],
) -> Result<bool, DbError> {
    let r = write_tx(c, |c| -> Result<bool, diesel::result::Error> {
        if !claim_reminder(c, k.id, kind)? {
            return Ok(false);
        }
        for u in to {
            mail_user(c, *u, &format!("ful_remind_{kind}"), a)?;
        }
        audit::record(
            c,
            &Actor::system(),
            &format!("contract.reminded.{kind}"),
            "contract",
            k.id,
            &serde_json::json!({ "kind": kind }),
            "",
        )?;
        Ok(true)
    });
    match r {
        Ok(sent) => Ok(sent),
        // Another instance claimed the same reminder first (primary key).
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
