//! Every change to the catalogue, each in one write transaction with its audit entry: a new
//! item (a draft), a modification, publishing a draft or cancelling a retained item (each a
//! versioned adjustment 动态调整 through `store::save_item`), and a regional assessment.

use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::catalogue::store::{self as cat, Change, Item, ItemFields};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::catalogue_rules::ValidAssessment;
use crate::domain::status::{AdjustmentKind, ItemStatus};
use crate::error::{Refusal, StepError};
use crate::uploads::KeptMeta;

fn actor(me: &CurrentUser) -> Actor {
    Actor::user(me.id, me.role)
}

/// What the audit entry of an item change keeps: the item after it and its qualifications.
fn audit_state(item: &Item, quals: &[(String, i32)]) -> serde_json::Value {
    serde_json::json!({ "item": item, "quals": quals })
}

fn found(item: Option<Item>) -> Result<Item, StepError> {
    item.ok_or_else(|| Refusal::not_found().into())
}

/// The code of a new item is taken by another item (the form says so beside the code).
pub const CODE_TAKEN: &str = "catalogue.v.code_taken";
/// The item left the status the change starts from while the change was being made.
pub const CHANGED_MEANWHILE: &str = "catalogue.err.changed_meanwhile";

/// A new item, saved as a draft; returns its code. Refused ([`CODE_TAKEN`]) when its code is
/// taken.
pub fn add_item(
    c: &mut DbConnection,
    me: &CurrentUser,
    fields: &ItemFields,
    quals: &[(String, i32)],
    reason: &str,
    basis: &str,
) -> Result<String, StepError> {
    let r = write_tx(c, |c| {
        if cat::find_by_code(c, &fields.code)?.is_some() {
            return Err(Refusal::invalid(CODE_TAKEN).into());
        }
        let change = Change {
            status: ItemStatus::Draft,
            kind: AdjustmentKind::Add,
            reason,
            basis,
            actor_id: Some(me.id),
        };
        let id = cat::save_item(c, None, fields, quals, &change)?;
        let item = found(cat::find(c, id)?)?;
        audit::record(
            c,
            &actor(me),
            "catalogue.add",
            "catalogue_item",
            id,
            &audit_state(&item, quals),
            reason,
        )?;
        Ok::<_, StepError>(item.code)
    });
    match r {
        // Another administrator saved the same code at the same moment.
        Err(StepError::Db(e)) if e.is_unique_violation() => {
            Err(Refusal::invalid(CODE_TAKEN).into())
        }
        r => r,
    }
}

/// A modification of item `item_id`: a new version after the latest one.
pub fn modify_item(
    c: &mut DbConnection,
    me: &CurrentUser,
    item_id: i64,
    fields: &ItemFields,
    quals: &[(String, i32)],
    reason: &str,
    basis: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        // Re-read inside the transaction: the version must follow the latest one.
        let current = found(cat::find(c, item_id)?)?;
        let change = Change {
            status: current.status,
            kind: AdjustmentKind::Modify,
            reason,
            basis,
            actor_id: Some(me.id),
        };
        cat::save_item(c, Some(&current), fields, quals, &change)?;
        let after = found(cat::find(c, item_id)?)?;
        audit::record(
            c,
            &actor(me),
            "catalogue.modify",
            "catalogue_item",
            item_id,
            &audit_state(&after, quals),
            reason,
        )?;
        Ok(())
    })
}

/// Moves item `item_id` from status `from` to `to` (publishing a draft: `to` retained, kind
/// `add`; cancelling: `to` cancelled). Refused ([`CHANGED_MEANWHILE`]) when the item was no
/// longer in `from`.
pub fn change_status(
    c: &mut DbConnection,
    me: &CurrentUser,
    item_id: i64,
    (from, to, kind): (ItemStatus, ItemStatus, AdjustmentKind),
    reason: &str,
    basis: &str,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let current = found(cat::find(c, item_id)?)?;
        if current.status != from {
            return Err(Refusal::conflict(CHANGED_MEANWHILE).into());
        }
        let quals = cat::qual_pairs(&cat::quals_of(c, item_id)?);
        let change = Change {
            status: to,
            kind,
            reason,
            basis,
            actor_id: Some(me.id),
        };
        cat::save_item(
            c,
            Some(&current),
            &ItemFields::of(&current),
            &quals,
            &change,
        )?;
        let after = found(cat::find(c, item_id)?)?;
        let action = if to == ItemStatus::Retained {
            "catalogue.publish"
        } else {
            "catalogue.cancel"
        };
        audit::record(
            c,
            &actor(me),
            action,
            "catalogue_item",
            item_id,
            &audit_state(&after, &quals),
            reason,
        )?;
        Ok(())
    })
}

/// A regional assessment 区域评估 of item `item_id`, with its result document if one was kept
/// (`(stored name, meta)` of the file already written to the upload folder).
pub fn record_assessment(
    c: &mut DbConnection,
    me: &CurrentUser,
    item_id: i64,
    valid: &ValidAssessment,
    document: Option<&(String, KeptMeta)>,
) -> Result<(), DbError> {
    write_tx(c, |c| {
        let upload_id = crate::uploads::store::insert_kept(c, me.id, document)?;
        let id = cat::insert_assessment(
            c,
            item_id,
            &valid.zone,
            &valid.title,
            upload_id,
            valid.valid_until,
            me.id,
        )?;
        let a = cat::find_assessment(c, id)?.ok_or_else(DbError::not_found)?;
        audit::record(
            c,
            &actor(me),
            "catalogue.assessment",
            "regional_assessment",
            id,
            &a,
            &valid.zone,
        )?;
        Ok(())
    })
}
