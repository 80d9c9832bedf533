//! Evaluation 好差评 rows (rules in `domain::evaluation`). Each counted rating is
//! also a credit record of kind `Evaluation` (owner-feedback part, in `stars_x100`); a
//! revision revokes the earlier record and writes a new one, an upheld appeal revokes it.

use crate::db::OneRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{evaluations, users};
use crate::domain::credit::Evidence;
use crate::domain::evaluation::Stars;
use crate::domain::status::{AppealDecision, RaterKind};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = evaluations)]
pub struct Evaluation {
    pub id: i64,
    pub contract_id: i64,
    pub agency_id: i64,
    pub rater_kind: RaterKind,
    pub rater_id: i64,
    pub quality: i32,
    pub timeliness: i32,
    pub attitude: i32,
    pub fees: i32,
    pub conduct: i32,
    pub comment: String,
    pub rated_at: NaiveDateTime,
    pub revised_at: Option<NaiveDateTime>,
    pub credit_record_id: Option<i64>,
    pub reply: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub appeal: Option<String>,
    pub appealed_at: Option<NaiveDateTime>,
    pub appeal_decision: Option<AppealDecision>,
    pub appeal_answer: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
}

impl Evaluation {
    pub fn stars(&self) -> Stars {
        Stars {
            quality: self.quality,
            timeliness: self.timeliness,
            attitude: self.attitude,
            fees: self.fees,
            conduct: self.conduct,
        }
    }
    /// An upheld appeal takes the rating out of the averages and the credit score.
    pub fn counts(&self) -> bool {
        self.appeal_decision != Some(AppealDecision::Upheld)
    }
    pub fn appeal_pending(&self) -> bool {
        self.appeal.is_some() && self.appeal_decision.is_none()
    }
}

pub fn of_contract(c: &mut DbConnection, contract_id: i64) -> QueryResult<Vec<Evaluation>> {
    evaluations::table
        .filter(evaluations::contract_id.eq(contract_id))
        .order(evaluations::id)
        .select(Evaluation::as_select())
        .load(c)
}

pub fn find(c: &mut DbConnection, id: i64) -> QueryResult<Option<Evaluation>> {
    evaluations::table
        .find(id)
        .select(Evaluation::as_select())
        .one(c)
}

/// An agency's ratings, newest first, with the rater's organisation name.
pub fn of_agency(c: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<(Evaluation, String)>> {
    evaluations::table
        .inner_join(users::table.on(users::id.eq(evaluations::rater_id)))
        .filter(evaluations::agency_id.eq(agency_id))
        .order(evaluations::id.desc())
        .select((Evaluation::as_select(), users::org_name))
        .load(c)
}

/// The contract a rating or its revocation concerns, as credit evidence names it.
pub(crate) fn evidence_of(
    c: &mut DbConnection,
    key: &str,
    k: &crate::contracts::store::contract::Contract,
) -> QueryResult<Evidence> {
    let title =
        crate::selection::store::announcement::title(c, k.announcement_id)?.unwrap_or_default();
    Ok(Evidence::new(key)
        .with("contract", k.id)
        .announcement(k.announcement_id, &title))
}

pub fn department_of_item(c: &mut DbConnection, item_id: i64) -> QueryResult<i64> {
    use crate::db::schema::catalogue_items;
    Ok(catalogue_items::table
        .find(item_id)
        .select(catalogue_items::department_id)
        .one(c)?
        .unwrap_or(-1))
}

/// The stars of every rating that counts (for the platform's good/bad share).
pub fn counted_stars(c: &mut DbConnection) -> QueryResult<Vec<Stars>> {
    let rows: Vec<Evaluation> = evaluations::table
        .filter(
            evaluations::appeal_decision
                .is_null()
                .or(evaluations::appeal_decision.ne(AppealDecision::Upheld)),
        )
        .select(Evaluation::as_select())
        .load(c)?;
    Ok(rows.iter().map(Evaluation::stars).collect())
}
