//! The announcement page's own part: every published field ready to show, and the timeline
//! from the audit trail.

use crate::accounts::store::department::Department;
use crate::audit::AuditRow;
use crate::auth::Role;
use crate::catalogue::store::{Item, RegionalAssessment};
use crate::domain::credit::Grade;
use crate::domain::publication::{ProjectClass, speedup_target};
use crate::domain::selection::Mode;
use crate::domain::status::AnnouncementStatus;
use crate::i18n::{Lang, tr_args};
use crate::selection::routes::owner::{mode_label, status_css, status_key};
use crate::selection::store::announcement::{Announcement, Project};
use crate::selection::store::publication::{AgencyRef, Row as ListedRow};
use crate::web::{Ctx, fmt, fmt_time};

/// One announcement of the public list.
pub struct ListRow {
    pub id: i64,
    pub item_code: String,
    pub item_name: String,
    pub project_name: String,
    pub mode: String,
    pub deadline: String,
    pub published_at: String,
    pub status: String,
    pub status_css: &'static str,
    pub quotes: i64,
}

impl ListRow {
    /// The list's line for `r`, with its number of quotes (never an amount).
    pub fn of(ctx: &Ctx, r: ListedRow, quotes: i64) -> ListRow {
        ListRow {
            id: r.a.id,
            item_code: r.item_code,
            item_name: r.item_name,
            project_name: r.project_name,
            mode: mode_label(ctx.lang(), &r.a.mode),
            deadline: fmt_time(r.a.deadline),
            published_at: r.a.published_at.map(fmt_time).unwrap_or_default(),
            status: ctx.t(&status_key(r.a.status)).to_string(),
            status_css: status_css(r.a.status),
            quotes,
        }
    }
}

/// What the announcement page is built from besides the announcement.
pub struct AnnRows {
    pub project: Project,
    pub item: Item,
    pub avoided: Vec<AgencyRef>,
    pub registrations: i64,
    pub quotes: i64,
    pub trail: Vec<AuditRow>,
    /// The owner's unit.
    pub owner_org: String,
    /// The commissioning department paying for it, if one does.
    pub department: Option<Department>,
    /// The regional assessment: the one in force on the publication day for a
    /// declaration, today's for the owner's draft (read only where one of those is shown).
    pub cover: Option<RegionalAssessment>,
}

/// Every published field, ready to show.
pub struct AnnView {
    pub id: i64,
    pub status: String,
    pub status_code: String,
    pub status_css: &'static str,
    pub item_code: String,
    pub item_name: String,
    pub project_name: String,
    pub project_code: String,
    pub project_region: String,
    pub fiscal_funds: String,
    pub scope: Vec<String>,
    pub time_limit_days: i32,
    pub cap: String,
    pub mode: String,
    pub deadline: String,
    pub min_grade: String,
    pub weights: Option<String>,
    pub avoided: Vec<String>,
    pub complaint_phone: String,
    pub witness: String,
    pub published_at: String,
    pub version: i32,
    pub round: i32,
    pub seed_commitment: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: String,
    pub registrations: i64,
    pub quotes: i64,
    /// The owner side: the owner's unit, or the commissioning department as the payer.
    pub owner: String,
    pub project_id: i64,
    /// "法定时限 20 天，提速目标 16 天".
    pub statutory: String,
    /// Why the time limit is beyond the 20%-faster target ('' when it is not).
    pub time_limit_reason: String,
    /// The special/major declaration and the assessment it was made against.
    pub regional: String,
}

/// One entry of the timeline.
pub struct TimelineRow {
    pub at: String,
    pub actor: String,
    pub action: String,
}

/// The label of an audit action: `timeline.<action>` in the locale files, or the action's
/// own name when no label exists (steps written by other parts of the platform).
fn action_label(lang: Lang, action: &str) -> String {
    crate::i18n::tr_opt(lang, &format!("timeline.{action}"))
        .map(str::to_string)
        .unwrap_or_else(|| action.to_string())
}

fn actor_label(lang: Lang, role: &str) -> String {
    match Role::parse(role) {
        Some(r) => crate::i18n::tr(lang, r.label_key()).to_string(),
        None => crate::i18n::tr(lang, "pub.actor.system").to_string(),
    }
}

impl TimelineRow {
    /// The timeline of `a`. Work on the draft is the owner's own; the public timeline
    /// starts at publication.
    pub fn list(lang: Lang, a: &Announcement, trail: &[AuditRow], owner: bool) -> Vec<Self> {
        let since = if owner { None } else { a.published_at };
        trail
            .iter()
            .filter(|r| since.is_none_or(|p| r.at >= p))
            .map(|r| TimelineRow {
                at: fmt_time(r.at),
                actor: actor_label(lang, &r.actor_role),
                action: action_label(lang, &r.action),
            })
            .collect()
    }
}

fn weights(lang: Lang, a: &Announcement) -> Option<String> {
    match (
        a.mode() == Some(Mode::WeightedScoring),
        a.weight_price,
        a.weight_credit,
        a.weight_qual,
    ) {
        (true, Some(p), Some(c), Some(q)) => Some(tr_args(
            lang,
            "pub.show.weights_text",
            &[
                ("p", &p.to_string()),
                ("c", &c.to_string()),
                ("q", &q.to_string()),
            ],
        )),
        _ => None,
    }
}

fn owner_side(lang: Lang, rows: &AnnRows) -> String {
    match &rows.department {
        Some(d) => tr_args(
            lang,
            "policy.show.payer_department",
            &[("department", d.name(lang))],
        ),
        None => rows.owner_org.clone(),
    }
}

fn statutory(lang: Lang, item: &Item) -> String {
    tr_args(
        lang,
        "policy.show.statutory",
        &[
            ("statutory", &item.time_limit_days.to_string()),
            ("target", &speedup_target(item.time_limit_days).to_string()),
        ],
    )
}

/// The special/major declaration of a published announcement, with its assessment.
fn regional(ctx: &Ctx, a: &Announcement, rows: &AnnRows, is_draft: bool) -> String {
    match (ProjectClass::parse(&a.regional_exception), &rows.cover) {
        (Some(class), Some(r)) if !is_draft => tr_args(
            ctx.lang(),
            "policy.show.regional_text",
            &[
                ("title", &r.title),
                ("until", &fmt::date(r.valid_until)),
                ("class", ctx.t(class.key())),
                ("reason", &a.regional_exception_reason),
            ],
        ),
        _ => String::new(),
    }
}

fn scope_lines(scope: &str) -> Vec<String> {
    scope
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl AnnView {
    pub fn build(ctx: &Ctx, a: &Announcement, rows: &AnnRows) -> AnnView {
        let lang = ctx.lang();
        let t = |k: &str| ctx.t(k).to_string();
        let (project, item) = (&rows.project, &rows.item);
        AnnView {
            id: a.id,
            status: t(&status_key(a.status)),
            status_code: a.status.to_string(),
            status_css: status_css(a.status),
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            project_name: project.name.clone(),
            project_code: project.code.clone(),
            project_region: t(&format!("cat.region.{}", project.region)),
            fiscal_funds: t(if project.fiscal_funds {
                "pub.project.fiscal_yes"
            } else {
                "pub.project.fiscal_no"
            }),
            scope: scope_lines(&a.scope),
            time_limit_days: a.time_limit_days,
            cap: a.cap.map(fmt::money).unwrap_or_default(),
            mode: mode_label(lang, &a.mode),
            deadline: fmt_time(a.deadline),
            min_grade: t(match a.min_grade() {
                Some(Grade::C) => "pub.grade.not_d",
                _ => "pub.grade.none",
            }),
            weights: weights(lang, a),
            avoided: rows
                .avoided
                .iter()
                .map(|r| format!("{}（{}）", r.name, r.uscc))
                .collect(),
            complaint_phone: a.complaint_phone.clone(),
            witness: a.witness.clone(),
            published_at: a.published_at.map(fmt_time).unwrap_or_default(),
            version: a.version,
            round: a.round,
            seed_commitment: a.seed_commitment.clone().unwrap_or_default(),
            cancel_reason: a.cancel_reason.clone(),
            cancelled_at: a.cancelled_at.map(fmt_time).unwrap_or_default(),
            registrations: rows.registrations,
            quotes: rows.quotes,
            owner: owner_side(lang, rows),
            statutory: statutory(lang, item),
            project_id: a.project_id,
            time_limit_reason: a.time_limit_reason.clone(),
            regional: regional(ctx, a, rows, a.status == AnnouncementStatus::Draft),
        }
    }
}
