//! The evaluation 好差评 steps: rating a contract (and the credit record it makes), the
//! agency's response or appeal, and the department's decision on an appeal.

use crate::audit::{self, Actor};
use crate::contracts::store::contract::Contract;
use crate::contracts::store::evaluation::*;
use crate::contracts::store::fulfilment as ful;
use crate::db::schema::evaluations;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::credit::{Evidence, Kind, Source};
use crate::domain::evaluation::{self as rules, Stars};
use crate::domain::status::{AppealDecision, ContractStatus, RaterKind};
use crate::domain::workdays::Calendar;
use crate::domain::workdays::china_date;
use crate::error::{StepError, conflict, refused};
use crate::mail::notify::{mail_regulators, mail_user};
use chrono::NaiveDate;
use diesel::prelude::*;

/// Where a rating's credit record comes from: the owner's feedback or the department.
fn source_of(kind: RaterKind) -> Source {
    match kind {
        RaterKind::Owner => Source::OwnerFeedback,
        RaterKind::Department => Source::Regulator,
    }
}

fn write_record(
    c: &mut DbConnection,
    k: &Contract,
    stars: &Stars,
    kind: RaterKind,
    recorded_by: i64,
    department_id: Option<i64>,
) -> QueryResult<i64> {
    let key = match kind {
        RaterKind::Owner => "credit.ev.rating_owner",
        RaterKind::Department => "credit.ev.rating_department",
    };
    let ev = evidence_of(c, key, k)?;
    let plain = crate::i18n::tr_args(crate::i18n::Lang::Zh, &ev.key, &ev.arg_pairs());
    let mut n = crate::credit::store::credit::NewRecord::new(
        k.agency_id,
        Kind::Evaluation,
        0,
        source_of(kind),
    );
    n.stars_x100 = Some(stars.overall_x100());
    n.evidence = &plain;
    n.evidence_i18n = Some(&ev);
    n.recorded_by = Some(recorded_by);
    n.department_id = department_id;
    // No cause reference: a revision or the department's rating is another record for the
    // same contract (the cause index allows one); `evaluations.credit_record_id` links it.
    crate::credit::store::credit::insert_record(c, &n)
}

fn revoke_record(
    c: &mut DbConnection,
    agency_id: i64,
    record: Option<i64>,
    reason: &Evidence,
    by: Option<i64>,
    department_id: Option<i64>,
    source: Source,
) -> QueryResult<()> {
    let Some(rid) = record else { return Ok(()) };
    let plain = crate::i18n::tr_args(crate::i18n::Lang::Zh, &reason.key, &reason.arg_pairs());
    let mut n =
        crate::credit::store::credit::NewRecord::new(agency_id, Kind::Revocation, 0, source);
    n.evidence = &plain;
    n.evidence_i18n = Some(reason);
    n.recorded_by = by;
    n.department_id = department_id;
    n.revokes_id = Some(rid);
    crate::credit::store::credit::insert_record(c, &n)?;
    Ok(())
}

/// The owner (kind `owner`) or the approval department (kind `department`) rates an
/// accepted contract within 15 working days of acceptance, or revises its rating within 3
/// working days of it (not once appealed). `department_id` is the rater's department.
pub fn rate(
    c: &mut DbConnection,
    actor: &Actor,
    contract_id: i64,
    kind: RaterKind,
    stars: Stars,
    comment: &str,
    department_id: Option<i64>,
) -> Result<bool, StepError> {
    write_tx(c, |c| {
        let k = ful::find(c, contract_id)?.ok_or_else(|| refused("ful.err.not_found"))?;
        if k.status != ContractStatus::Accepted {
            return Err(conflict("eval.err.not_accepted"));
        }
        let r = Rating {
            k: &k,
            kind,
            stars: &stars,
            comment,
            rater: actor.id.ok_or_else(|| refused("ful.err.not_party"))?,
            department_id,
        };
        let existing: Option<Evaluation> = evaluations::table
            .filter(evaluations::contract_id.eq(contract_id))
            .filter(evaluations::rater_kind.eq(kind))
            .select(Evaluation::as_select())
            .first(c)
            .optional()?;
        let revised = match existing {
            None => first_rating(c, &r).map(|()| false)?,
            Some(e) => revise_rating(c, &r, &e).map(|()| true)?,
        };
        audit::record(
            c,
            actor,
            if revised {
                "contract.evaluation.revised"
            } else {
                "contract.evaluation.rated"
            },
            "contract",
            contract_id,
            &serde_json::json!({ "rater": kind, "stars": stars.as_array(), "overall_x100": stars.overall_x100(), "comment": comment }),
            "",
        )?;
        mail_user(
            c,
            k.agency_id,
            "eval_rated",
            &[
                ("id", contract_id.to_string()),
                ("stars", rules::fmt_x100(i64::from(stars.overall_x100()))),
            ],
        )?;
        Ok(revised)
    })
}

/// A rating being given: the contract, who rates it and what they say.
struct Rating<'a> {
    k: &'a Contract,
    kind: RaterKind,
    stars: &'a Stars,
    comment: &'a str,
    rater: i64,
    department_id: Option<i64>,
}

impl Rating<'_> {
    fn record(&self, c: &mut DbConnection) -> QueryResult<i64> {
        let r = self;
        write_record(c, r.k, r.stars, r.kind, r.rater, r.department_id)
    }
}

/// The working-day calendar from the contract's acceptance, its day of acceptance and today.
fn rating_days(
    c: &mut DbConnection,
    k: &Contract,
) -> QueryResult<(Calendar, NaiveDate, NaiveDate)> {
    let today = crate::db::today();
    let acc = k.accepted_on().unwrap_or(today);
    Ok((ful::calendar(c, acc.min(today))?, acc, today))
}

/// The first rating of this rater, while the rating window is open; a concurrent first
/// rating meets the unique index and is refused.
fn first_rating(c: &mut DbConnection, r: &Rating) -> Result<(), StepError> {
    let (cal, acc, today) = rating_days(c, r.k)?;
    if !rules::rating_open(&cal, acc, today) {
        return Err(conflict("eval.err.window_closed"));
    }
    let rid = r.record(c)?;
    let s = r.stars;
    diesel::insert_into(evaluations::table)
        .values((
            evaluations::contract_id.eq(r.k.id),
            evaluations::agency_id.eq(r.k.agency_id),
            evaluations::rater_kind.eq(r.kind),
            evaluations::rater_id.eq(r.rater),
            evaluations::quality.eq(s.quality),
            evaluations::timeliness.eq(s.timeliness),
            evaluations::attitude.eq(s.attitude),
            evaluations::fees.eq(s.fees),
            evaluations::conduct.eq(s.conduct),
            evaluations::comment.eq(r.comment),
            evaluations::rated_at.eq(db::now()),
            evaluations::credit_record_id.eq(Some(rid)),
        ))
        .execute(c)
        .map_err(|e| ful::unique_as(e, "eval.err.already_rated"))?;
    Ok(())
}

/// The one revision of rating `e`, within its days and not once appealed: the earlier
/// credit record is revoked and a new one written.
fn revise_rating(c: &mut DbConnection, r: &Rating, e: &Evaluation) -> Result<(), StepError> {
    let (cal, _, today) = rating_days(c, r.k)?;
    let rated_on = china_date(e.rated_at.and_utc());
    if let Some(key) = rules::revision_refusal(
        &cal,
        rated_on,
        today,
        e.revised_at.is_some(),
        e.appeal.is_some(),
    ) {
        return Err(conflict(key));
    }
    let now = db::now();
    // Once only, also against a concurrent revision: the first to set `revised_at` revises,
    // any other request changes nothing.
    let claimed = diesel::update(
        evaluations::table
            .filter(evaluations::id.eq(e.id))
            .filter(evaluations::revised_at.is_null()),
    )
    .set(evaluations::revised_at.eq(now))
    .execute(c)?;
    if claimed != 1 {
        return Err(conflict("eval.err.revised_once"));
    }
    let reason = evidence_of(c, "credit.ev.rating_revised", r.k)?;
    revoke_record(
        c,
        r.k.agency_id,
        e.credit_record_id,
        &reason,
        Some(r.rater),
        r.department_id,
        source_of(r.kind),
    )?;
    let rid = r.record(c)?;
    let s = r.stars;
    diesel::update(evaluations::table.find(e.id))
        .set((
            evaluations::quality.eq(s.quality),
            evaluations::timeliness.eq(s.timeliness),
            evaluations::attitude.eq(s.attitude),
            evaluations::fees.eq(s.fees),
            evaluations::conduct.eq(s.conduct),
            evaluations::comment.eq(r.comment),
            evaluations::revised_at.eq(now),
            evaluations::credit_record_id.eq(Some(rid)),
            evaluations::rater_id.eq(r.rater),
        ))
        .execute(c)?;
    Ok(())
}

/// The agency replies once, or appeals once (`appeal`), to a rating of one of its contracts.
pub fn respond(
    c: &mut DbConnection,
    actor: &Actor,
    eid: i64,
    agency_id: i64,
    appeal: bool,
    text: &str,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let e = find(c, eid)?.ok_or_else(|| refused("ful.err.not_found"))?;
        if e.agency_id != agency_id {
            return Err(refused("ful.err.not_party"));
        }
        let now = db::now();
        let n = if appeal {
            diesel::update(
                evaluations::table
                    .filter(evaluations::id.eq(eid))
                    .filter(evaluations::appeal.is_null()),
            )
            .set((
                evaluations::appeal.eq(text),
                evaluations::appealed_at.eq(now),
            ))
            .execute(c)?
        } else {
            diesel::update(
                evaluations::table
                    .filter(evaluations::id.eq(eid))
                    .filter(evaluations::reply.is_null()),
            )
            .set((evaluations::reply.eq(text), evaluations::replied_at.eq(now)))
            .execute(c)?
        };
        if n != 1 {
            return Err(conflict(if appeal {
                "eval.err.second_appeal"
            } else {
                "eval.err.second_reply"
            }));
        }
        audit::record(
            c,
            actor,
            if appeal {
                "contract.evaluation.appealed"
            } else {
                "contract.evaluation.replied"
            },
            "contract",
            e.contract_id,
            &serde_json::json!({ "evaluation": eid, "text": text }),
            "",
        )?;
        let args = [("id", e.contract_id.to_string())];
        if appeal {
            let k = ful::find(c, e.contract_id)?.ok_or_else(|| refused("ful.err.not_found"))?;
            let dept = department_of_item(c, k.item_id)?;
            mail_regulators(c, dept, "eval_appealed", &args)?;
        } else {
            mail_user(c, e.rater_id, "eval_replied", &args)?;
        }
        Ok(e.contract_id)
    })
}

/// The regulator decides an appeal: upheld takes the rating out of the score (revocation).
pub fn decide_appeal(
    c: &mut DbConnection,
    actor: &Actor,
    eid: i64,
    upheld: bool,
    answer: &str,
    department_id: Option<i64>,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let e = find(c, eid)?.ok_or_else(|| refused("ful.err.not_found"))?;
        if e.appeal.is_none() {
            return Err(conflict("eval.err.no_appeal"));
        }
        let now = db::now();
        let n = diesel::update(
            evaluations::table
                .filter(evaluations::id.eq(eid))
                .filter(evaluations::appeal_decision.is_null()),
        )
        .set((
            evaluations::appeal_decision.eq(if upheld {
                AppealDecision::Upheld
            } else {
                AppealDecision::Dismissed
            }),
            evaluations::appeal_answer.eq(answer),
            evaluations::decided_by.eq(actor.id),
            evaluations::decided_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("eval.err.already_decided"));
        }
        if upheld {
            let k = ful::find(c, e.contract_id)?.ok_or_else(|| refused("ful.err.not_found"))?;
            let reason = evidence_of(c, "credit.ev.appeal_upheld", &k)?.with("answer", answer);
            revoke_record(
                c,
                e.agency_id,
                e.credit_record_id,
                &reason,
                actor.id,
                department_id,
                Source::Regulator,
            )?;
        }
        audit::record(
            c,
            actor,
            "contract.evaluation.appeal_decided",
            "contract",
            e.contract_id,
            &serde_json::json!({ "evaluation": eid, "upheld": upheld, "answer": answer }),
            "",
        )?;
        let args = [("id", e.contract_id.to_string())];
        let kind = if upheld {
            "eval_appeal_upheld"
        } else {
            "eval_appeal_dismissed"
        };
        mail_user(c, e.agency_id, kind, &args)?;
        mail_user(c, e.rater_id, kind, &args)?;
        Ok(e.contract_id)
    })
}
