//! The people's steps after the opening: an agency justifies an abnormally low quote and the
//! owner decides on it, the owner chooses where the mode lets them, anyone who took part
//! objects and the owner answers, the winner confirms (the award, and the contract draft in
//! the same transaction), and a failed selection is re-published as a new draft. Each is one
//! write transaction with its audit entry and its mail.

use crate::db::OneRow;
use diesel::prelude::*;

use crate::audit::{self, Actor};
use crate::db::schema::{announcements, awards, objections, projects, quotes};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::money::Money;
use crate::domain::selection::{self, Entrant, Mode, Settings};
use crate::domain::status::AnnouncementStatus;
use crate::error::{Refusal, RefusalKind, StepError, conflict, refused};
use crate::mail::notify::mail_user;
use crate::selection::steps::opening::*;
use crate::selection::store::announcement::{self as ann};
use crate::selection::store::opening::*;

/// The agency's justification of its abnormally low quote (within the justification window).
pub fn justify(c: &mut DbConnection, id: i64, agency_id: i64, text: &str) -> Result<(), StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != AnnouncementStatus::Justifying {
            return Err(conflict("result.err.not_justifying"));
        }
        let r = ann::result_of(c, id)?.ok_or_else(|| conflict("result.err.not_justifying"))?;
        if r.justify_by.is_some_and(|d| crate::db::today() > d) {
            return Err(conflict("result.err.justify_closed"));
        }
        let n = diesel::update(
            quotes::table
                .filter(quotes::announcement_id.eq(id))
                .filter(quotes::agency_id.eq(agency_id))
                .filter(quotes::low_flag.eq(true))
                .filter(quotes::justified_at.is_null()),
        )
        .set((
            quotes::justification.eq(text),
            quotes::justified_at.eq(db::now()),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("result.err.no_flag"));
        }
        audit::record(
            c,
            &Actor::user(agency_id, crate::auth::Role::Agency),
            "selection.justified",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id }),
            "",
        )?;
        mail_user(c, a.owner_id, "justification", &[("id", id.to_string())])?;
        Ok(())
    })
}

/// The owner accepts or rejects a justification; when every flag is decided the round
/// finishes.
pub fn decide_justification(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    agency_id: i64,
    accept: bool,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != AnnouncementStatus::Justifying {
            return Err(conflict("result.err.not_justifying"));
        }
        let n = diesel::update(
            quotes::table
                .filter(quotes::announcement_id.eq(id))
                .filter(quotes::agency_id.eq(agency_id))
                .filter(quotes::low_flag.eq(true))
                .filter(quotes::justified_at.is_not_null())
                .filter(quotes::justification_ok.is_null()),
        )
        .set(quotes::justification_ok.eq(accept))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("result.err.nothing_to_decide"));
        }
        audit::record(
            c,
            actor,
            "selection.justification_decided",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id, "accepted": accept }),
            "",
        )?;
        mail_user(
            c,
            agency_id,
            if accept {
                "justification_accepted"
            } else {
                "justification_rejected"
            },
            &[("id", id.to_string())],
        )?;
        let open: i64 = quotes::table
            .filter(quotes::announcement_id.eq(id))
            .filter(quotes::low_flag.eq(true))
            .filter(quotes::justification_ok.is_null())
            .count()
            .get_result(c)?;
        if open == 0 {
            finish_justifying(c, &a)?;
        }
        Ok(())
    })
}

/// The owner's choice (direct selection, or among respondents after repeated 流标).
pub fn choose(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    agency_id: i64,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != AnnouncementStatus::Choosing {
            return Err(conflict("result.err.not_choosing"));
        }
        let responses = responses_after_opening(c, &a)?;
        let entrants: Vec<Entrant> = responses
            .iter()
            .map(|r| Entrant {
                agency_id: r.agency_id,
                ineligible: r.ineligible,
            })
            .collect();
        let Some(chosen) = entrants.iter().find(|e| e.agency_id == agency_id) else {
            return Err(refused("result.err.not_a_respondent"));
        };
        let fiscal: bool = projects::table
            .find(a.project_id)
            .select(projects::fiscal_funds)
            .first(c)?;
        let settings = Settings::default();
        let o = if a.mode() == Some(Mode::Direct) {
            selection::direct(fiscal, chosen)
        } else {
            selection::owner_choice(
                a.earlier_failures as u32 + 1,
                &entrants,
                agency_id,
                &settings,
            )
        };
        let o = o.map_err(|e| {
            StepError::Refused(Refusal {
                key: e.key(),
                args: e.args(),
                kind: RefusalKind::Invalid,
            })
        })?;
        let today = crate::db::today();
        let cal = calendar(c, today)?;
        set_status(c, id, AnnouncementStatus::Publicity)?;
        apply_outcome(c, &a, &o, today, &cal)?;
        audit::record(
            c,
            actor,
            "selection.chosen",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id }),
            "",
        )?;
        mail_participants(
            c,
            &a,
            "opened",
            &[("status", AnnouncementStatus::Publicity.to_string())],
        )?;
        Ok(())
    })
}

/// A participant objects 质疑 during publicity.
pub fn object(
    c: &mut DbConnection,
    id: i64,
    agency_id: i64,
    grounds: &str,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        let r = ann::result_of(c, id)?;
        let today = crate::db::today();
        let in_publicity = a.status == AnnouncementStatus::Publicity
            && r.as_ref()
                .and_then(|r| r.publicity_ends)
                .is_some_and(|p| today <= p);
        if !in_publicity {
            return Err(conflict("result.err.not_in_publicity"));
        }
        if !participants(c, id)?.contains(&agency_id) {
            return Err(refused("result.err.not_participant"));
        }
        let cal = calendar(c, today)?;
        let due = cal.add_working_days(today, ANSWER_DAYS);
        diesel::insert_into(objections::table)
            .values((
                objections::announcement_id.eq(id),
                objections::agency_id.eq(agency_id),
                objections::grounds.eq(grounds),
                objections::filed_at.eq(db::now()),
                objections::answer_due.eq(due),
            ))
            .execute(c)?;
        let oid: i64 = objections::table
            .filter(objections::announcement_id.eq(id))
            .filter(objections::agency_id.eq(agency_id))
            .order(objections::id.desc())
            .select(objections::id)
            .first(c)?;
        audit::record(
            c,
            &Actor::user(agency_id, crate::auth::Role::Agency),
            "selection.objection_filed",
            "announcement",
            id,
            &serde_json::json!({ "objection": oid }),
            "",
        )?;
        mail_user(
            c,
            a.owner_id,
            "objection_filed",
            &[("id", id.to_string()), ("due", due.to_string())],
        )?;
        Ok(oid)
    })
}

/// The owner answers an objection; an upheld one annuls the result (the owner re-runs it).
pub fn answer(
    c: &mut DbConnection,
    actor: &Actor,
    objection_id: i64,
    text: &str,
    upheld: bool,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let o: Objection = objections::table
            .find(objection_id)
            .select(Objection::as_select())
            .one(c)?
            .ok_or_else(|| refused("result.err.not_found"))?;
        let a = ann::find(c, o.announcement_id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if o.answered_at.is_some() {
            return Err(conflict("result.err.already_answered"));
        }
        diesel::update(objections::table.find(objection_id))
            .set((
                objections::answer.eq(text),
                objections::upheld.eq(upheld),
                objections::answered_at.eq(db::now()),
                objections::answered_by.eq(actor.id),
            ))
            .execute(c)?;
        if upheld && a.status == AnnouncementStatus::Publicity {
            set_status(c, a.id, AnnouncementStatus::Annulled)?;
        }
        audit::record(
            c,
            actor,
            "selection.objection_answered",
            "announcement",
            a.id,
            &serde_json::json!({ "objection": objection_id, "upheld": upheld }),
            "",
        )?;
        mail_participants(
            c,
            &a,
            if upheld {
                "objection_upheld"
            } else {
                "objection_answered"
            },
            &[],
        )?;
        Ok(a.id)
    })
}

/// The winner confirms after publicity: exactly one award per announcement, guarded by the
/// status update and the `awards` primary key.
pub fn confirm(c: &mut DbConnection, id: i64, agency_id: i64) -> Result<(), StepError> {
    write_tx(c, |c| {
        let today = crate::db::today();
        let r = ann::result_of(c, id)?.ok_or_else(|| conflict("result.err.not_confirmable"))?;
        if r.winner_id != Some(agency_id) {
            return Err(refused("result.err.not_winner"));
        }
        if r.publicity_ends.is_some_and(|p| today <= p) {
            return Err(conflict("result.err.publicity_running"));
        }
        if r.confirm_by.is_some_and(|d| today > d) {
            return Err(conflict("result.err.confirm_late"));
        }
        let open: i64 = objections::table
            .filter(objections::announcement_id.eq(id))
            .filter(objections::answered_at.is_null())
            .count()
            .get_result(c)?;
        if open > 0 {
            return Err(conflict("result.err.objection_open"));
        }
        let n = diesel::update(
            announcements::table
                .filter(announcements::id.eq(id))
                .filter(announcements::status.eq(AnnouncementStatus::Publicity)),
        )
        .set((
            announcements::status.eq(AnnouncementStatus::Awarded),
            announcements::updated_at.eq(db::now()),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("result.err.already_awarded"));
        }
        diesel::insert_into(awards::table)
            .values((
                awards::announcement_id.eq(id),
                awards::agency_id.eq(agency_id),
                awards::amount_fen.eq(r.winner_amount.map(Money::fen)),
                awards::confirmed_at.eq(db::now()),
                awards::confirmed_by.eq(agency_id),
            ))
            .execute(c)?;
        audit::record(
            c,
            &Actor::user(agency_id, crate::auth::Role::Agency),
            "selection.awarded",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id, "amount_fen": r.winner_amount }),
            "",
        )?;
        // The contract draft, in the award's transaction (none without a model text).
        crate::contracts::steps::contract::draft_for_award(c, id)?;
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        mail_user(c, a.owner_id, "awarded_owner", &[("id", id.to_string())])?;
        for p in participants(c, id)? {
            let kind = if p == agency_id {
                "selected"
            } else {
                "not_selected"
            };
            mail_user(c, p, kind, &[("id", id.to_string())])?;
        }
        Ok(())
    })
}

/// Re-publication after 流标 or an annulled result: a new draft copying the announcement,
/// one round later. Returns the new announcement's id.
pub fn republish_draft(c: &mut DbConnection, actor: &Actor, id: i64) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != AnnouncementStatus::Failed && a.status != AnnouncementStatus::Annulled {
            return Err(conflict("result.err.not_republishable"));
        }
        let exists: i64 = announcements::table
            .filter(announcements::previous_id.eq(id))
            .count()
            .get_result(c)?;
        if exists > 0 {
            return Err(conflict("result.err.already_republished"));
        }
        let failures = a.earlier_failures + i32::from(a.status == AnnouncementStatus::Failed);
        let now = db::now();
        diesel::insert_into(announcements::table)
            .values((
                announcements::project_id.eq(a.project_id),
                announcements::owner_id.eq(a.owner_id),
                announcements::owner_department_id.eq(a.owner_department_id),
                announcements::item_id.eq(a.item_id),
                announcements::previous_id.eq(Some(id)),
                announcements::round.eq(a.round + 1),
                announcements::earlier_failures.eq(failures),
                announcements::scope.eq(&a.scope),
                announcements::time_limit_days.eq(a.time_limit_days),
                announcements::cap_fen.eq(a.cap.map(Money::fen)),
                announcements::mode.eq(&a.mode),
                announcements::deadline.eq(a.deadline),
                announcements::min_grade.eq(&a.min_grade),
                announcements::complaint_phone.eq(&a.complaint_phone),
                announcements::witness.eq(&a.witness),
                announcements::weight_price.eq(a.weight_price),
                announcements::weight_credit.eq(a.weight_credit),
                announcements::weight_qual.eq(a.weight_qual),
                announcements::time_limit_reason.eq(&a.time_limit_reason),
                announcements::regional_exception.eq(&a.regional_exception),
                announcements::regional_exception_reason.eq(&a.regional_exception_reason),
                announcements::status.eq(AnnouncementStatus::Draft),
                announcements::created_at.eq(now),
                announcements::updated_at.eq(now),
            ))
            .execute(c)?;
        let new_id: i64 = announcements::table
            .filter(announcements::previous_id.eq(Some(id)))
            .select(announcements::id)
            .first(c)?;
        let avoided = ann::avoided(c, id)?;
        for ag in avoided {
            diesel::insert_into(crate::db::schema::announcement_avoided::table)
                .values((
                    crate::db::schema::announcement_avoided::announcement_id.eq(new_id),
                    crate::db::schema::announcement_avoided::agency_id.eq(ag),
                ))
                .execute(c)?;
        }
        audit::record(
            c,
            actor,
            "selection.rerun",
            "announcement",
            id,
            &serde_json::json!({ "next": new_id }),
            "",
        )?;
        audit::record(
            c,
            actor,
            "selection.created_from",
            "announcement",
            new_id,
            &serde_json::json!({ "previous": id }),
            "",
        )?;
        Ok(new_id)
    })
}
