//! Reads the public facts of announcements for their OCDS releases (`domain::ocds::Facts`),
//! and which announcements have releases since a date (the feed). Nothing here writes.
//!
//! Drafts never appear: an announcement is read only once it has been published. Amendments
//! come from the audit trail (`announcement.change`, which keeps the names of the changed
//! fields); the result's date from its `selection.result` / `selection.chosen` entry when
//! there is one, else the opening.

use crate::db::OneRow;
use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    agencies, announcement_results, announcements, audit_log, awards, catalogue_items,
    contract_deliverables, contract_payments, contracts, departments, objections, projects, users,
};
use crate::db::{DbConnection, DbError};
use crate::domain::money::Money;
use crate::domain::ocds::{
    self, Change, Deliverable, Facts, Opening, Org, Payment, Signed, Winner,
};
use crate::domain::outcome::StoredOutcome;
use crate::domain::selection::Verdict;
use crate::domain::status::{AnnouncementStatus, DeliverableDecision};
use crate::selection::store::announcement::{self as ann, Announcement};

/// The facts of announcement `id`, `None` if it does not exist or was never published.
/// `base` is the site's public URL (no trailing slash).
pub fn facts(
    c: &mut DbConnection,
    id: i64,
    prefix: &str,
    base: &str,
) -> Result<Option<Facts>, DbError> {
    let Some(a) = ann::find(c, id)? else {
        return Ok(None);
    };
    let Some(published_at) = a
        .published_at
        .filter(|_| a.status != AnnouncementStatus::Draft)
    else {
        return Ok(None);
    };
    let mode = a
        .mode()
        .ok_or_else(|| DbError::invalid(format!("announcement {id}: mode {}", a.mode)))?;
    let (project_name, project_code): (String, String) = projects::table
        .find(a.project_id)
        .select((projects::name, projects::code))
        .first(c)?;
    let (item_code, item_name, dept): (String, String, i64) = catalogue_items::table
        .find(a.item_id)
        .select((
            catalogue_items::code,
            catalogue_items::name,
            catalogue_items::department_id,
        ))
        .first(c)?;
    let opening = opening(c, &a)?;
    Ok(Some(Facts {
        ocid: ocds::ocid(prefix, id),
        previous_ocid: a.previous_id.map(|p| ocds::ocid(prefix, p)),
        announcement_id: id,
        project_name,
        project_code,
        item_code,
        item_name,
        scope: a.scope.clone(),
        mode,
        time_limit_days: a.time_limit_days,
        published_at,
        deadline: a.deadline,
        cap: a.cap.map(Money::fen),
        buyer: user_org(c, a.owner_id)?,
        regulator: department(c, dept)?,
        changes: changes(c, id)?,
        cancelled: a
            .cancelled_at
            .filter(|_| a.status == AnnouncementStatus::Cancelled)
            .map(|at| (at, a.cancel_reason.clone().unwrap_or_default())),
        winner: match &opening {
            Some(o) => winner(c, &a, o.at)?,
            None => None,
        },
        contract: if opening.is_some() {
            signed(c, id)?
        } else {
            None
        },
        opening,
        url: format!("{base}/announcements/{id}"),
    }))
}

fn user_org(c: &mut DbConnection, id: i64) -> QueryResult<Org> {
    let (name, uscc): (String, Option<String>) = users::table
        .find(id)
        .select((users::org_name, users::uscc))
        .first(c)?;
    Ok(Org {
        key: format!("user-{id}"),
        name,
        uscc: uscc.filter(|u| !u.trim().is_empty()),
    })
}

fn agency_orgs(c: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Org>> {
    let rows: Vec<(i64, String, String)> = agencies::table
        .filter(agencies::user_id.eq_any(ids))
        .order(agencies::user_id)
        .select((agencies::user_id, agencies::name, agencies::uscc))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, uscc)| Org {
            key: format!("user-{id}"),
            name,
            uscc: Some(uscc).filter(|u| !u.trim().is_empty()),
        })
        .collect())
}

fn department(c: &mut DbConnection, id: i64) -> QueryResult<Option<Org>> {
    let name: Option<String> = departments::table
        .find(id)
        .select(departments::name_zh)
        .one(c)?;
    Ok(name.map(|name| Org {
        key: format!("department-{id}"),
        name,
        uscc: None,
    }))
}

/// The audit entries of one announcement with these actions: (seq, at, detail).
fn entries(
    c: &mut DbConnection,
    id: i64,
    actions: &[&str],
) -> QueryResult<Vec<(i64, NaiveDateTime, String)>> {
    audit_log::table
        .filter(audit_log::object_type.eq("announcement"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .filter(audit_log::action.eq_any(actions))
        .order(audit_log::seq)
        .select((audit_log::seq, audit_log::at, audit_log::detail))
        .load(c)
}

fn changes(c: &mut DbConnection, id: i64) -> QueryResult<Vec<Change>> {
    Ok(entries(c, id, &["announcement.change"])?
        .into_iter()
        .map(|(seq, at, detail)| {
            let d: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
            let names = |k: &str| -> Vec<String> {
                d[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut fields = names("material");
            fields.extend(names("other"));
            if d["deadline"].as_bool() == Some(true) {
                fields.push("deadline".into());
            }
            Change {
                seq,
                at,
                fields,
                version: d["version"].as_i64().unwrap_or(1),
            }
        })
        .collect())
}

fn opening(c: &mut DbConnection, a: &Announcement) -> Result<Option<Opening>, DbError> {
    let Some(r) = ann::result_of(c, a.id)? else {
        return Ok(None);
    };
    let outcome = r
        .outcome
        .as_deref()
        .map(StoredOutcome::parse)
        .transpose()
        .map_err(|e| DbError::invalid(format!("announcement {}: {e}", a.id)))?;
    let failed = a.status == AnnouncementStatus::Failed
        || outcome.is_some_and(|o| matches!(o.verdict, Verdict::Failed { .. }));
    let ids = crate::selection::store::opening::participants(c, a.id)?;
    Ok(Some(Opening {
        at: r.opened_at,
        failed,
        tenderers: agency_orgs(c, &ids)?,
    }))
}

fn winner(
    c: &mut DbConnection,
    a: &Announcement,
    opened_at: NaiveDateTime,
) -> Result<Option<Winner>, DbError> {
    let Some(r) = ann::result_of(c, a.id)? else {
        return Ok(None);
    };
    let award: Option<(i64, Option<Money>, NaiveDateTime)> = awards::table
        .find(a.id)
        .select((awards::agency_id, awards::amount_fen, awards::confirmed_at))
        .one(c)?;
    let (agency, amount, confirmed_at) = match (award, r.winner_id) {
        (Some((ag, amount, at)), _) => (ag, amount, Some(at)),
        (None, Some(w)) => (w, r.winner_amount, None),
        (None, None) => return Ok(None),
    };
    let Some(supplier) = agency_orgs(c, &[agency])?.pop() else {
        return Ok(None);
    };
    let decided_at = entries(c, a.id, &["selection.result", "selection.chosen"])?
        .last()
        .map(|e| e.1)
        .filter(|at| *at >= opened_at)
        .unwrap_or(opened_at);
    let annulled_at = if a.status == AnnouncementStatus::Annulled {
        let upheld: Option<NaiveDateTime> = objections::table
            .filter(objections::announcement_id.eq(a.id))
            .filter(objections::upheld.eq(Some(true)))
            .select(objections::answered_at)
            .order(objections::answered_at.desc())
            .first::<Option<NaiveDateTime>>(c)
            .optional()?
            .flatten();
        Some(upheld.unwrap_or(a.updated_at).max(decided_at))
    } else {
        None
    };
    Ok(Some(Winner {
        decided_at,
        supplier,
        amount: amount.map(Money::fen),
        confirmed_at,
        annulled_at,
    }))
}

fn signed(c: &mut DbConnection, id: i64) -> QueryResult<Option<Signed>> {
    let Some(k) = crate::contracts::store::contract::find_by_announcement(c, id)? else {
        return Ok(None);
    };
    let Some(signed_at) = k.signed_at else {
        return Ok(None);
    };
    let deliverables: Vec<(
        i64,
        NaiveDateTime,
        Option<DeliverableDecision>,
        Option<NaiveDateTime>,
    )> = contract_deliverables::table
        .filter(contract_deliverables::contract_id.eq(k.id))
        .order((
            contract_deliverables::submitted_at,
            contract_deliverables::id,
        ))
        .select((
            contract_deliverables::id,
            contract_deliverables::submitted_at,
            contract_deliverables::decision,
            contract_deliverables::decided_at,
        ))
        .load(c)?;
    let payments: Vec<crate::contracts::store::fulfilment::Payment> = contract_payments::table
        .filter(contract_payments::contract_id.eq(k.id))
        .order((contract_payments::created_at, contract_payments::id))
        .select(crate::contracts::store::fulfilment::Payment::as_select())
        .load(c)?;
    Ok(Some(Signed {
        id: k.id,
        signed_at,
        price: k.price.fen(),
        time_limit_days: k.time_limit_days,
        accepted_at: k.accepted_at,
        deliverables: deliverables
            .into_iter()
            .map(|(id, submitted_at, decision, at)| Deliverable {
                id,
                submitted_at,
                decision: decision
                    .zip(at)
                    .map(|(d, at)| (d == DeliverableDecision::Accepted, at)),
            })
            .collect(),
        payments: payments
            .into_iter()
            .map(|p| Payment {
                id: p.id,
                paid_on: p.paid_on,
                recorded_at: p.created_at,
                amount: p.amount.fen(),
            })
            .collect(),
    }))
}

/// The published announcements that may have a release dated from `since` on (all of them
/// without a date), ascending. A superset: the caller filters the releases by date.
pub fn since_candidates(
    c: &mut DbConnection,
    since: Option<NaiveDateTime>,
) -> QueryResult<Vec<i64>> {
    let published = announcements::table
        .filter(announcements::status.ne(AnnouncementStatus::Draft))
        .filter(announcements::published_at.is_not_null());
    let Some(t) = since else {
        return published
            .order(announcements::id)
            .select(announcements::id)
            .load(c);
    };
    let mut ids: BTreeSet<i64> = published
        .filter(
            announcements::published_at
                .ge(t)
                .or(announcements::cancelled_at.ge(t))
                .or(announcements::updated_at.ge(t)),
        )
        .select(announcements::id)
        .load::<i64>(c)?
        .into_iter()
        .collect();
    ids.extend(
        announcement_results::table
            .filter(announcement_results::opened_at.ge(t))
            .select(announcement_results::announcement_id)
            .load::<i64>(c)?,
    );
    ids.extend(
        awards::table
            .filter(awards::confirmed_at.ge(t))
            .select(awards::announcement_id)
            .load::<i64>(c)?,
    );
    ids.extend(
        objections::table
            .filter(objections::answered_at.ge(t))
            .select(objections::announcement_id)
            .load::<i64>(c)?,
    );
    let audited: Vec<String> = audit_log::table
        .filter(audit_log::at.ge(t))
        .filter(audit_log::object_type.eq("announcement"))
        .select(audit_log::object_id)
        .load(c)?;
    ids.extend(audited.iter().filter_map(|s| s.parse::<i64>().ok()));
    ids.extend(
        contracts::table
            .filter(
                contracts::signed_at
                    .ge(t)
                    .or(contracts::accepted_at.ge(t))
                    .or(contracts::updated_at.ge(t)),
            )
            .select(contracts::announcement_id)
            .load::<i64>(c)?,
    );
    ids.extend(
        contract_deliverables::table
            .inner_join(contracts::table.on(contracts::id.eq(contract_deliverables::contract_id)))
            .filter(
                contract_deliverables::submitted_at
                    .ge(t)
                    .or(contract_deliverables::decided_at.ge(t)),
            )
            .select(contracts::announcement_id)
            .load::<i64>(c)?,
    );
    ids.extend(
        contract_payments::table
            .inner_join(contracts::table.on(contracts::id.eq(contract_payments::contract_id)))
            .filter(contract_payments::created_at.ge(t))
            .select(contracts::announcement_id)
            .load::<i64>(c)?,
    );
    Ok(ids.into_iter().collect())
}

/// Every release of the announcements dated from `since` on, sorted (the feed's input).
pub fn releases_since(
    c: &mut DbConnection,
    since: Option<NaiveDateTime>,
    prefix: &str,
    base: &str,
) -> Result<Vec<ocds::Release>, DbError> {
    let mut out = Vec::new();
    for id in since_candidates(c, since)? {
        if let Some(f) = facts(c, id, prefix, base)? {
            out.extend(
                f.releases()
                    .into_iter()
                    .filter(|r| since.is_none_or(|s| r.at >= s)),
            );
        }
    }
    ocds::sort(&mut out);
    Ok(out)
}
