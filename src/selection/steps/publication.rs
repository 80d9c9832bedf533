//! Projects and announcement drafts, publication, changes and cancellation: the writes of
//! the owner's side of a selection. The rules are `domain::publication` (fields, publication
//! checks, change rules) and `domain::fairness`; each write function here gathers the facts
//! those rules need inside its own write transaction, asks the rules, and writes only when
//! they pass — so nothing is checked against a state another request has since changed.
//! Every write appends its audit entry and queues its mail in the same transaction.
//!
//! The draw seed is generated and sealed by the caller (`domain::draw::Seed`,
//! `domain::seal::seal_seed`); only the sealed box and the commitment reach this module, and
//! neither the audit state (the `Announcement` row skips `seed_sealed`) nor any log line
//! carries it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::schema::{
    agencies, agency_items, announcement_avoided, announcements, projects, quotes, registrations,
    self_preparations,
};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::money::Money;
use crate::domain::publication::{
    self as rules, ChangeSummary, Problem, ProjectClass, ProjectTerms, Terms,
};
use crate::domain::selection::Weights;
use crate::domain::status::AnnouncementStatus;
use crate::domain::status::QuoteStatus;
use crate::error::{Refusal, StepError};
use crate::i18n::Lang;
use crate::selection::store::announcement::{self as ann, Announcement, Project};
use crate::selection::store::publication::*;

// ------------------------------------------------------------------ projects

/// Creates a project of `owner_id`; with `department_id`, a project that department
/// commissions and pays for (附件4 (五)), its staff acting as the owner.
pub fn create_project(
    conn: &mut DbConnection,
    actor: &Actor,
    owner_id: i64,
    department_id: Option<i64>,
    p: &ProjectTerms,
) -> Result<Project, DbError> {
    write_tx(conn, |c| {
        let now = crate::db::now();
        diesel::insert_into(projects::table)
            .values((
                projects::owner_id.eq(owner_id),
                projects::department_id.eq(department_id),
                projects::name.eq(&p.name),
                projects::code.eq(&p.code),
                projects::region.eq(&p.region),
                projects::fiscal_funds.eq(p.fiscal_funds),
                projects::total_investment_fen.eq(p.total_investment.fen()),
                projects::created_at.eq(now),
                projects::updated_at.eq(now),
            ))
            .execute(c)?;
        // Inside the write transaction nobody else has inserted for this owner since.
        let project: Project = projects::table
            .filter(projects::owner_id.eq(owner_id))
            .order(projects::id.desc())
            .select(Project::as_select())
            .first(c)?;
        audit::record(
            c,
            actor,
            "project.create",
            "project",
            project.id,
            &project,
            "",
        )?;
        Ok(project)
    })
}

// ------------------------------------------------------------------ terms and facts

fn set_avoided(conn: &mut DbConnection, id: i64, avoided: &[i64]) -> QueryResult<()> {
    diesel::delete(
        announcement_avoided::table.filter(announcement_avoided::announcement_id.eq(id)),
    )
    .execute(conn)?;
    let mut ids = avoided.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for a in ids {
        diesel::insert_into(announcement_avoided::table)
            .values((
                announcement_avoided::announcement_id.eq(id),
                announcement_avoided::agency_id.eq(a),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What the audit trail records of an announcement: the row (without the sealed seed) and
/// its avoided units.
#[derive(Serialize)]
struct AuditState<'a> {
    announcement: &'a Announcement,
    avoided: &'a [i64],
}

fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    a: &Announcement,
    detail: &str,
) -> QueryResult<()> {
    let avoided = ann::avoided(conn, a.id)?;
    audit::record(
        conn,
        actor,
        action,
        "announcement",
        a.id,
        &AuditState {
            announcement: a,
            avoided: &avoided,
        },
        detail,
    )
}

fn reload(conn: &mut DbConnection, id: i64) -> QueryResult<Announcement> {
    ann::find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

// ------------------------------------------------------------------ drafts

fn weight_col(w: Option<Weights>, f: fn(&Weights) -> u32) -> Option<i32> {
    w.and_then(|w| i32::try_from(f(&w)).ok())
}

fn class_code(t: &Terms) -> &'static str {
    t.regional_exception.map(ProjectClass::code).unwrap_or("")
}

/// Creates a draft in `project` (the caller checked the project is the actor's).
pub fn insert_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    project: &Project,
    t: &Terms,
    avoided: &[i64],
) -> Result<Announcement, DbError> {
    write_tx(conn, |c| {
        let now = crate::db::now();
        diesel::insert_into(announcements::table)
            .values((
                announcements::project_id.eq(project.id),
                announcements::owner_id.eq(project.owner_id),
                announcements::owner_department_id.eq(project.department_id),
                announcements::item_id.eq(t.item_id),
                announcements::scope.eq(&t.scope),
                announcements::time_limit_days.eq(t.time_limit_days),
                announcements::cap_fen.eq(t.cap.map(Money::fen)),
                announcements::mode.eq(t.mode.code()),
                announcements::deadline.eq(t.deadline),
                announcements::min_grade.eq(t.min_grade.map(|g| g.code())),
                announcements::complaint_phone.eq(&t.complaint_phone),
                announcements::witness.eq(&t.witness),
                announcements::weight_price.eq(weight_col(t.weights, |w| w.price)),
                announcements::weight_credit.eq(weight_col(t.weights, |w| w.credit)),
                announcements::weight_qual.eq(weight_col(t.weights, |w| w.qualification)),
                announcements::time_limit_reason.eq(&t.time_limit_reason),
                announcements::regional_exception.eq(class_code(t)),
                announcements::regional_exception_reason.eq(&t.regional_exception_reason),
                announcements::status.eq(AnnouncementStatus::Draft),
                announcements::created_at.eq(now),
                announcements::updated_at.eq(now),
            ))
            .execute(c)?;
        let id: i64 = announcements::table
            .filter(announcements::project_id.eq(project.id))
            .order(announcements::id.desc())
            .select(announcements::id)
            .first(c)?;
        set_avoided(c, id, avoided)?;
        let a = reload(c, id)?;
        record(c, actor, "announcement.draft", &a, "")?;
        Ok(a)
    })
}

/// Writes the terms over an announcement, guarded by the state it was read in (status,
/// version and `updated_at`); false when another request changed it first.
fn write_terms(
    conn: &mut DbConnection,
    old: &Announcement,
    t: &Terms,
    version: i32,
) -> QueryResult<bool> {
    let n = diesel::update(
        announcements::table
            .find(old.id)
            .filter(announcements::status.eq(&old.status))
            .filter(announcements::version.eq(old.version))
            .filter(announcements::updated_at.eq(old.updated_at)),
    )
    .set((
        announcements::item_id.eq(t.item_id),
        announcements::scope.eq(&t.scope),
        announcements::time_limit_days.eq(t.time_limit_days),
        announcements::cap_fen.eq(t.cap.map(Money::fen)),
        announcements::mode.eq(t.mode.code()),
        announcements::deadline.eq(t.deadline),
        announcements::min_grade.eq(t.min_grade.map(|g| g.code())),
        announcements::complaint_phone.eq(&t.complaint_phone),
        announcements::witness.eq(&t.witness),
        announcements::weight_price.eq(weight_col(t.weights, |w| w.price)),
        announcements::weight_credit.eq(weight_col(t.weights, |w| w.credit)),
        announcements::weight_qual.eq(weight_col(t.weights, |w| w.qualification)),
        announcements::time_limit_reason.eq(&t.time_limit_reason),
        announcements::regional_exception.eq(class_code(t)),
        announcements::regional_exception_reason.eq(&t.regional_exception_reason),
        announcements::version.eq(version),
        announcements::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The announcement (or declaration) is not in a state that allows the write, e.g. editing a
/// published announcement as a draft, or changing one after its deadline.
pub const WRONG_STATE: &str = "pub.err.wrong_state";
/// The rules refused the write: the handler reads the failures again
/// (`store::publication::publication_problems`, [`change_problems`],
/// [`self_preparation_problems`]) and shows each beside its field.
pub const RULES: &str = "pub.err.rules";

fn wrong_state() -> StepError {
    Refusal::conflict(WRONG_STATE).into()
}

fn rules_failed() -> StepError {
    Refusal::invalid(RULES).into()
}

/// Saves a draft's terms (drafts only).
pub fn update_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    t: &Terms,
    avoided: &[i64],
) -> Result<Announcement, StepError> {
    write_tx(conn, |c| {
        let old = ann::find(c, id)?.ok_or_else(Refusal::not_found)?;
        if old.status != AnnouncementStatus::Draft || !write_terms(c, &old, t, old.version)? {
            return Err(wrong_state());
        }
        set_avoided(c, id, avoided)?;
        let a = reload(c, id)?;
        record(c, actor, "announcement.edit", &a, "")?;
        Ok(a)
    })
}

// ------------------------------------------------------------------ publication

/// The draw seed as this module sees it: sealed, and its public commitment.
pub struct SealedSeed {
    pub sealed: String,
    pub commitment: String,
}

/// The terms as published: a reason for the time limit only when the limit is beyond the
/// 20%-faster target, the special/major declaration only when an assessment covers the item
/// (so a stored reason is what the figures count, and a declaration is what the page shows).
fn as_published(
    conn: &mut DbConnection,
    a: &Announcement,
    t: &Terms,
    now: NaiveDateTime,
) -> QueryResult<Terms> {
    let f = facts(conn, a, t, now)?;
    Ok(rules::as_published(
        t,
        &item_facts(&f.item),
        f.cover.as_ref(),
    ))
}

/// Publishes draft `id` when every publication rule passes: the sealed seed and its
/// commitment are stored, the status becomes published, the audit entry is appended, and
/// every active agency offering the item (not sanctioned, not avoided) is mailed.
pub fn publish(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    seed: &SealedSeed,
    public_url: &str,
) -> Result<Announcement, StepError> {
    write_tx(conn, |c| {
        let old = ann::find(c, id)?.ok_or_else(Refusal::not_found)?;
        if old.status != AnnouncementStatus::Draft {
            return Err(wrong_state());
        }
        let now = crate::db::now();
        if !publication_problems(c, &old, now)?.is_empty() {
            return Err(rules_failed());
        }
        let t = terms_of(&old).ok_or_else(wrong_state)?;
        let t = as_published(c, &old, &t, now)?;
        let n = diesel::update(
            announcements::table
                .find(id)
                .filter(announcements::status.eq(AnnouncementStatus::Draft))
                .filter(announcements::updated_at.eq(old.updated_at)),
        )
        .set((
            announcements::status.eq(AnnouncementStatus::Published),
            announcements::time_limit_reason.eq(&t.time_limit_reason),
            announcements::regional_exception.eq(class_code(&t)),
            announcements::regional_exception_reason.eq(&t.regional_exception_reason),
            announcements::seed_sealed.eq(Some(&seed.sealed)),
            announcements::seed_commitment.eq(Some(&seed.commitment)),
            announcements::published_at.eq(Some(now)),
            announcements::updated_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(wrong_state());
        }
        let a = reload(c, id)?;
        record(c, actor, "announcement.publish", &a, "")?;
        let avoided = ann::avoided(c, id)?;
        let invited: Vec<i64> = agency_items::table
            .inner_join(agencies::table.on(agencies::user_id.eq(agency_items::agency_id)))
            .filter(agency_items::item_id.eq(a.item_id))
            .filter(agencies::status.eq(crate::domain::status::AgencyStatus::Active))
            .filter(agencies::sanctioned.eq(false))
            .select(agencies::user_id)
            .distinct()
            .load(c)?;
        let invited: Vec<i64> = invited
            .into_iter()
            .filter(|x| !avoided.contains(x))
            .collect();
        mail_all(c, &invited, "announcement_new", &a, public_url, &[])?;
        Ok(a)
    })
}

// ------------------------------------------------------------------ mail

/// Mails `kind` (texts `mail.<kind>.*` in `locales/*/publication.txt`) about `a` to each
/// user in their own language. Arguments: `{name}` `{org}` of the addressee, `{project}`,
/// `{item}`, `{deadline}` (China time), `{link}`, plus `extra`.
fn mail_all(
    conn: &mut DbConnection,
    user_ids: &[i64],
    kind: &str,
    a: &Announcement,
    public_url: &str,
    extra: &[(&str, String)],
) -> QueryResult<()> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let project = ann::find_project(conn, a.project_id)?
        .map(|p| p.name)
        .unwrap_or_default();
    let item = crate::catalogue::store::find(conn, a.item_id)?
        .map(|i| format!("{} {}", i.code, i.name))
        .unwrap_or_default();
    let deadline = rules::fmt_china(a.deadline);
    // Where the addressee acts: an agency registers, quotes and re-confirms on its bid page
    // (the page its workbench links to); a cancellation or a change is only to be read.
    let link = match kind {
        "announcement_new" | "announcement_reconfirm" => {
            format!("{public_url}/announcements/{}/bid", a.id)
        }
        _ => format!("{public_url}/announcements/{}", a.id),
    };
    let mut ids = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for uid in ids {
        let Some(u) = crate::accounts::store::user::find(conn, uid)? else {
            continue;
        };
        let lang = Lang::parse(&u.locale).unwrap_or(Lang::Zh);
        let mut args: Vec<(&str, &str)> = vec![
            ("name", u.contact_name.as_str()),
            ("org", u.org_name.as_str()),
            ("project", project.as_str()),
            ("item", item.as_str()),
            ("deadline", deadline.as_str()),
            ("link", link.as_str()),
        ];
        // `{changes}` holds field codes; each addressee reads their names.
        let translated: Vec<(&str, String)> = extra
            .iter()
            .map(|(k, v)| {
                if *k == "changes" {
                    let names: Vec<&str> = v
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(|c| crate::i18n::tr(lang, &format!("pub.changed.{c}")))
                        .collect();
                    let sep = match lang {
                        Lang::Zh => "、",
                        Lang::En => ", ",
                    };
                    (*k, names.join(sep))
                } else {
                    (*k, v.clone())
                }
            })
            .collect();
        args.extend(translated.iter().map(|(k, v)| (*k, v.as_str())));
        let (s, b) = crate::mail::compose(lang, kind, &args);
        crate::mail::store::enqueue(conn, Some(u.id), &u.email, &s, &b)?;
    }
    Ok(())
}

fn registrants(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    registrations::table
        .filter(registrations::announcement_id.eq(id))
        .select(registrations::agency_id)
        .load(conn)
}

fn quoters(conn: &mut DbConnection, id: i64, active_only: bool) -> QueryResult<Vec<i64>> {
    let mut q = quotes::table
        .filter(quotes::announcement_id.eq(id))
        .select(quotes::agency_id)
        .into_boxed();
    if active_only {
        q = q.filter(quotes::status.eq(QuoteStatus::Active));
    }
    q.load(conn)
}

// ------------------------------------------------------------------ changes

/// The avoided agencies before and after a change, sorted (and the new list deduplicated).
fn avoided_change(
    c: &mut DbConnection,
    id: i64,
    avoided: &[i64],
) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    let mut before = ann::avoided(c, id)?;
    let mut after = avoided.to_vec();
    before.sort_unstable();
    after.sort_unstable();
    after.dedup();
    Ok((before, after))
}

/// The change rules on changing `old` to `new` now, with the facts they were asked on.
fn check_change(
    c: &mut DbConnection,
    old: &Announcement,
    new: &Terms,
    avoided_changed: bool,
    now: NaiveDateTime,
) -> Result<(Result<ChangeSummary, Vec<Problem>>, Facts), StepError> {
    let old_terms = terms_of(old).ok_or_else(wrong_state)?;
    let f = facts(c, old, new, now)?;
    let s = f.setting(now);
    let r = rules::check_change(&old_terms, new, avoided_changed, &item_facts(&f.item), &s);
    Ok((r, f))
}

/// What the change rules refuse in changing announcement `id` to `new` now (empty when they
/// allow it): the page shows each failure beside its field after `change` refused with
/// [`RULES`].
pub fn change_problems(
    c: &mut DbConnection,
    id: i64,
    new: &Terms,
    avoided: &[i64],
) -> Result<Vec<Problem>, StepError> {
    let old = ann::find(c, id)?.ok_or_else(Refusal::not_found)?;
    let (before, after) = avoided_change(c, id, avoided)?;
    let (r, _) = check_change(c, &old, new, before != after, crate::db::now())?;
    Ok(r.err().unwrap_or_default())
}

/// Changes a published announcement before its deadline under the change rules
/// (`domain::publication::check_change`). A material edit bumps the version: the agencies
/// with an active quote are mailed to re-confirm; the other registrants are mailed that
/// the announcement changed.
pub fn change(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    new: &Terms,
    avoided: &[i64],
    public_url: &str,
) -> Result<(Announcement, ChangeSummary), StepError> {
    write_tx(conn, |c| {
        let old = ann::find(c, id)?.ok_or_else(Refusal::not_found)?;
        let now = crate::db::now();
        if !old.open_for_quotes(now) {
            return Err(wrong_state());
        }
        let (before, after) = avoided_change(c, id, avoided)?;
        let (checked, f) = check_change(c, &old, new, before != after, now)?;
        let summary = checked.map_err(|_| rules_failed())?;
        let version = if summary.material.is_empty() {
            old.version
        } else {
            old.version + 1
        };
        let new = &rules::as_published(new, &item_facts(&f.item), f.cover.as_ref());
        if !write_terms(c, &old, new, version)? {
            return Err(wrong_state());
        }
        if before != after {
            set_avoided(c, id, &after)?;
        }
        let a = reload(c, id)?;
        let detail = serde_json::json!({
            "deadline": summary.deadline,
            "material": summary.material,
            "other": summary.other,
            "version": a.version,
        })
        .to_string();
        record(c, actor, "announcement.change", &a, &detail)?;
        let fields: Vec<&str> = summary
            .material
            .iter()
            .chain(summary.other.iter().filter(|f| **f != "avoided"))
            .copied()
            .chain(summary.deadline.then_some("deadline"))
            .collect();
        let changes = fields.join(",");
        let active = if summary.material.is_empty() {
            Vec::new()
        } else {
            quoters(c, id, true)?
        };
        let others: Vec<i64> = registrants(c, id)?
            .into_iter()
            .chain(quoters(c, id, false)?)
            .filter(|x| !active.contains(x))
            .collect();
        let extra = [("changes", changes), ("version", a.version.to_string())];
        mail_all(c, &active, "announcement_reconfirm", &a, public_url, &extra)?;
        if !fields.is_empty() {
            mail_all(c, &others, "announcement_changed", &a, public_url, &extra)?;
        }
        Ok((a, summary))
    })
}

// ------------------------------------------------------------------ cancellation

/// What a cancellation did.
#[derive(Clone, Debug)]
pub enum Cancelled {
    /// A published announcement is cancelled publicly, with its reason.
    Published(Box<Announcement>),
    /// A draft (never public) is discarded.
    DraftDiscarded,
}

/// Cancels announcement `id` before opening: a published one becomes `cancelled` with its
/// reason (registrants and quoters are mailed); a draft is discarded. After the deadline
/// (opening due) nothing is cancelled.
pub fn cancel(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
    public_url: &str,
) -> Result<Cancelled, StepError> {
    write_tx(conn, |c| {
        let old = ann::find(c, id)?.ok_or_else(Refusal::not_found)?;
        let now = crate::db::now();
        if old.status == AnnouncementStatus::Draft {
            // The guarded update takes the row (a lock on PostgreSQL) before anything goes.
            let n = diesel::update(
                announcements::table
                    .find(id)
                    .filter(announcements::status.eq(AnnouncementStatus::Draft))
                    .filter(announcements::updated_at.eq(old.updated_at)),
            )
            .set(announcements::updated_at.eq(now))
            .execute(c)?;
            if n != 1 {
                return Err(wrong_state());
            }
            record(c, actor, "announcement.discard", &old, reason)?;
            diesel::delete(
                announcement_avoided::table.filter(announcement_avoided::announcement_id.eq(id)),
            )
            .execute(c)?;
            diesel::delete(announcements::table.find(id)).execute(c)?;
            return Ok(Cancelled::DraftDiscarded);
        }
        if !old.open_for_quotes(now) {
            return Err(wrong_state());
        }
        let n = diesel::update(
            announcements::table
                .find(id)
                .filter(announcements::status.eq(AnnouncementStatus::Published))
                .filter(announcements::updated_at.eq(old.updated_at)),
        )
        .set((
            announcements::status.eq(AnnouncementStatus::Cancelled),
            announcements::cancel_reason.eq(Some(reason)),
            announcements::cancelled_at.eq(Some(now)),
            announcements::updated_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(wrong_state());
        }
        let a = reload(c, id)?;
        record(c, actor, "announcement.cancel", &a, reason)?;
        let to: Vec<i64> = registrants(c, id)?
            .into_iter()
            .chain(quoters(c, id, false)?)
            .collect();
        mail_all(
            c,
            &to,
            "announcement_cancelled",
            &a,
            public_url,
            &[("reason", reason.to_string())],
        )?;
        Ok(Cancelled::Published(Box::new(a)))
    })
}

// ------------------------------------------------------------------ 自行编制

/// The self-preparation rules on declaring `item_id` for `project`: the item, or every
/// failure.
fn check_self_preparation(
    c: &mut DbConnection,
    project: &Project,
    item_id: i64,
) -> QueryResult<Result<crate::catalogue::store::Item, Vec<Problem>>> {
    let Some(item) = crate::catalogue::store::find(c, item_id)? else {
        return Ok(Err(vec![Problem {
            field: "item_id",
            key: "pub.err.item_required",
            args: Vec::new(),
        }]));
    };
    let mut problems = rules::check_self_preparation(
        &item_facts(&item),
        project.department_id,
        announced(c, project.id, item.id)?,
    );
    if standing_self_preparation(c, project.id, item.id)?.is_some() {
        problems.push(Problem {
            field: "item_id",
            key: "policy.self.already",
            args: Vec::new(),
        });
    }
    Ok(if problems.is_empty() {
        Ok(item)
    } else {
        Err(problems)
    })
}

/// What the rules refuse in declaring `item_id` self-prepared for `project` (empty when they
/// allow it): shown beside the fields after `declare_self_preparation` refused with [`RULES`].
pub fn self_preparation_problems(
    c: &mut DbConnection,
    project: &Project,
    item_id: i64,
) -> Result<Vec<Problem>, DbError> {
    Ok(check_self_preparation(c, project, item_id)?
        .err()
        .unwrap_or_default())
}

/// Declares that the project's owner prepares `item_id` itself instead of commissioning it:
/// the row, its audit entry and a mail to the item's department (which sees the declarations
/// at `/regulate/policy-rules`), in one transaction.
pub fn declare_self_preparation(
    conn: &mut DbConnection,
    actor: &Actor,
    project: &Project,
    item_id: i64,
    note: &str,
    public_url: &str,
) -> Result<SelfPreparation, StepError> {
    write_tx(conn, |c| {
        let item = check_self_preparation(c, project, item_id)?.map_err(|_| rules_failed())?;
        diesel::insert_into(self_preparations::table)
            .values((
                self_preparations::project_id.eq(project.id),
                self_preparations::item_id.eq(item.id),
                self_preparations::note.eq(note),
                self_preparations::declared_by.eq(actor.id.unwrap_or(project.owner_id)),
                self_preparations::declared_at.eq(crate::db::now()),
            ))
            .execute(c)?;
        let sp = standing_self_preparation(c, project.id, item.id)?
            .ok_or(diesel::result::Error::NotFound)?;
        audit::record(
            c,
            actor,
            "project.self_prepare",
            "project",
            project.id,
            &sp,
            "",
        )?;
        let owner = crate::accounts::store::user::find(c, project.owner_id)?
            .map(|u| u.org_name)
            .unwrap_or_default();
        crate::mail::notify::mail_regulators(
            c,
            item.department_id,
            "self_prepared",
            &[
                ("project", project.name.clone()),
                ("owner", owner),
                ("item", format!("{} {}", item.code, item.name)),
                ("link", format!("{public_url}/regulate/policy-rules")),
            ],
        )?;
        Ok(sp)
    })
}

/// Withdraws a standing declaration (the record stays, marked withdrawn).
pub fn withdraw_self_preparation(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<SelfPreparation, StepError> {
    write_tx(conn, |c| {
        let n = diesel::update(
            self_preparations::table
                .find(id)
                .filter(self_preparations::withdrawn_at.is_null()),
        )
        .set((
            self_preparations::withdrawn_at.eq(Some(crate::db::now())),
            self_preparations::withdrawn_by.eq(actor.id),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(wrong_state());
        }
        let sp = find_self_preparation(c, id)?.ok_or(diesel::result::Error::NotFound)?;
        audit::record(
            c,
            actor,
            "project.self_prepare_withdraw",
            "project",
            sp.project_id,
            &sp,
            "",
        )?;
        Ok(sp)
    })
}
