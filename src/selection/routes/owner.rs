//! The owner's projects and announcements: drafts, publication, changes, cancellation.
//!
//! - `/owner/projects` (list with each project's announcements), `/owner/projects/new`,
//!   `/owner/projects/{id}`;
//! - `/owner/projects/{id}/announcements/new` and `/owner/announcements/{id}/edit`: a draft
//!   for one catalogue item (private to its owner);
//! - `POST /owner/announcements/{id}/publish`: every publication rule, each failure shown
//!   with its message (422) — or published with a sealed draw seed;
//! - `/owner/announcements/{id}/change`: the change rules after publication;
//! - `/owner/announcements/{id}/cancel`: with a reason; a draft is discarded;
//! - `POST /owner/projects/{id}/self-prepare` and `/owner/self-preparations/{id}/withdraw`:
//!   自行编制 of a self-preparable item instead of an announcement (附件4 (九)).
//!
//! A regulator uses the same pages for the projects its department commissions and pays for
//! (附件4 (五)): its projects carry the department, and the department's staff act as the
//! owner of them. The rules are `domain::publication` and `domain::fairness`; the writes
//! `crate::selection::store::publication`. Only the project's owner side passes `Action::ManageAnnouncement`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Role;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::catalogue as vocab;
use crate::domain::draw::Seed;
use crate::domain::publication::{
    self as rules, AnnouncementInput, Problem, ProjectClass, ProjectInput, Terms,
};
use crate::domain::selection::{Mode, Settings};
use crate::domain::status::AnnouncementStatus;
use crate::error::{AppError, StepError};
use crate::i18n::Lang;
use crate::i18n::tr_args;
use crate::selection::routes::extract::{OwnedAnnouncement, OwnedProject, OwnedSelfPreparation};
use crate::selection::steps::publication::{self as publishing, Cancelled, SealedSeed};
use crate::selection::store::announcement::{self as ann, Announcement, Project};
use crate::selection::store::publication::{self as pubm, OwnerScope, Row};
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/owner/projects", web::get().to(projects))
        .route("/owner/projects/new", web::get().to(new_project_form))
        .route("/owner/projects/new", web::post().to(create_project))
        .route("/owner/projects/{id}", web::get().to(project))
        .route(
            "/owner/projects/{id}/announcements/new",
            web::get().to(new_announcement_form),
        )
        .route(
            "/owner/projects/{id}/announcements/new",
            web::post().to(create_announcement),
        )
        .route("/owner/announcements/{id}/edit", web::get().to(edit_form))
        .route("/owner/announcements/{id}/edit", web::post().to(update))
        .route("/owner/announcements/{id}/publish", web::post().to(publish))
        .route(
            "/owner/announcements/{id}/change",
            web::get().to(change_form),
        )
        .route("/owner/announcements/{id}/change", web::post().to(change))
        .route(
            "/owner/announcements/{id}/cancel",
            web::get().to(cancel_form),
        )
        .route("/owner/announcements/{id}/cancel", web::post().to(cancel))
        .route(
            "/owner/projects/{id}/self-prepare",
            web::post().to(self_prepare),
        )
        .route(
            "/owner/self-preparations/{id}/withdraw",
            web::post().to(withdraw_self_preparation),
        );
}

// ------------------------------------------------------------------ shared views

/// Locale key of an announcement state's name.
pub fn status_key(s: AnnouncementStatus) -> String {
    format!("pub.status.{s}")
}

/// Tag colour of a state.
pub fn status_css(s: AnnouncementStatus) -> &'static str {
    match s {
        AnnouncementStatus::Published => "tag-info",
        AnnouncementStatus::Awarded | AnnouncementStatus::Publicity => "tag-success",
        AnnouncementStatus::Cancelled
        | AnnouncementStatus::Failed
        | AnnouncementStatus::Annulled => "tag-danger",
        AnnouncementStatus::Choosing | AnnouncementStatus::Justifying => "tag-warning",
        _ => "tag-muted",
    }
}

/// Mode name, or the stored code if it is not one of the five.
pub fn mode_label(lang: Lang, code: &str) -> String {
    Mode::parse(code)
        .map(|m| crate::i18n::tr(lang, m.key()).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// One announcement in the owner's lists.
pub struct AnnRow {
    pub id: i64,
    pub item_code: String,
    pub item_name: String,
    pub mode: String,
    pub deadline: String,
    pub status: String,
    pub status_css: &'static str,
    pub draft: bool,
    pub changeable: bool,
}

fn ann_row(lang: Lang, r: &Row) -> AnnRow {
    let now = db::now();
    AnnRow {
        id: r.a.id,
        item_code: r.item_code.clone(),
        item_name: r.item_name.clone(),
        mode: mode_label(lang, &r.a.mode),
        deadline: fmt_time(r.a.deadline),
        status: crate::i18n::tr(lang, &status_key(r.a.status)).to_string(),
        status_css: status_css(r.a.status),
        draft: r.a.status == AnnouncementStatus::Draft,
        changeable: r.a.open_for_quotes(now),
    }
}

pub struct ProjectView {
    pub id: i64,
    /// The commissioning department's name (附件4 (五)); empty for an owner's project.
    pub department: String,
    pub name: String,
    pub code: String,
    pub region: String,
    pub fiscal_funds: String,
    pub total_investment: String,
    pub created_at: String,
    pub announcements: Vec<AnnRow>,
}

fn project_view(lang: Lang, p: &Project, rows: &[Row], department: &str) -> ProjectView {
    let t = |k: &str| crate::i18n::tr(lang, k).to_string();
    ProjectView {
        id: p.id,
        department: department.to_string(),
        name: p.name.clone(),
        code: p.code.clone(),
        region: t(&format!("cat.region.{}", p.region)),
        fiscal_funds: if p.fiscal_funds {
            t("pub.project.fiscal_yes")
        } else {
            t("pub.project.fiscal_no")
        },
        total_investment: crate::web::fmt::money(p.total_investment),
        created_at: fmt_time(p.created_at),
        announcements: rows
            .iter()
            .filter(|r| r.a.project_id == p.id)
            .map(|r| ann_row(lang, r))
            .collect(),
    }
}

/// Whose projects the signed-in user keeps: an owner its own, a regulator its department's.
fn my_scope(ctx: &Ctx) -> Result<OwnerScope, AppError> {
    ctx.authorize(Action::CreateProject)?;
    let me = ctx.current()?;
    Ok(match (me.role, me.department_id) {
        (Role::Regulator, Some(d)) => OwnerScope::Department(d),
        _ => OwnerScope::Owner(me.id),
    })
}

fn scope_of(p: &Project) -> OwnerScope {
    match p.department_id {
        Some(d) => OwnerScope::Department(d),
        None => OwnerScope::Owner(p.owner_id),
    }
}

/// The department's name in the page's language ("" for none).
async fn department_name(ctx: &Ctx, id: Option<i64>) -> Result<String, AppError> {
    let Some(id) = id else {
        return Ok(String::new());
    };
    let d = db::run(ctx.pool(), move |c| {
        crate::accounts::store::department::find(c, id).map_err(DbError::from)
    })
    .await?;
    Ok(d.map(|d| match ctx.lang() {
        Lang::Zh => d.name_zh,
        Lang::En => d.name_en,
    })
    .unwrap_or_default())
}

// ------------------------------------------------------------------ projects

#[derive(Template)]
#[template(path = "selection/projects.html")]
pub struct ProjectsPage {
    pub page: Page,
    pub projects: Vec<ProjectView>,
    /// The department a regulator commissions for ("" for an owner).
    pub department: String,
}

async fn projects(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let scope = my_scope(&ctx)?;
    let (ps, rows) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            pubm::projects_of(c, scope)?,
            pubm::announcements_of_owner(c, scope)?,
        ))
    })
    .await?;
    let dept = match scope {
        OwnerScope::Department(d) => department_name(&ctx, Some(d)).await?,
        OwnerScope::Owner(_) => String::new(),
    };
    let lang = ctx.lang();
    let p = ProjectsPage {
        page: ctx.page(),
        projects: ps
            .iter()
            .map(|p| project_view(lang, p, &rows, &dept))
            .collect(),
        department: dept,
    };
    html(&p, StatusCode::OK)
}

/// A 自行编制 declaration as the project page shows it.
pub struct SelfPrepView {
    pub id: i64,
    pub item: String,
    pub note: String,
    pub declared_at: String,
    pub withdrawn_at: String,
}

#[derive(Template)]
#[template(path = "selection/project.html")]
pub struct ProjectPage {
    pub page: Page,
    pub p: ProjectView,
    pub self_preps: Vec<SelfPrepView>,
    /// The self-preparable items the owner may prepare itself instead (id, label).
    pub preparable: Vec<(String, String)>,
    pub sp_item: Field,
    pub sp_note: Field,
}

impl ProjectPage {
    async fn build(ctx: &Ctx, p: &Project) -> Result<ProjectPage, AppError> {
        let scope = scope_of(p);
        let pid = p.id;
        let (rows, sps, items) = db::run(ctx.pool(), move |c| {
            Ok::<_, DbError>((
                pubm::announcements_of_owner(c, scope)?,
                pubm::self_preparations(c, Some(pid), None)?,
                crate::catalogue::store::retained(c)?,
            ))
        })
        .await?;
        let dept = department_name(ctx, p.department_id).await?;
        Ok(ProjectPage {
            page: ctx.page(),
            p: project_view(ctx.lang(), p, &rows, &dept),
            self_preps: sps
                .iter()
                .map(|r| SelfPrepView {
                    id: r.sp.id,
                    item: format!("{} {}", r.item_code, r.item_name),
                    note: r.sp.note.clone(),
                    declared_at: fmt_time(r.sp.declared_at),
                    withdrawn_at: r.sp.withdrawn_at.map(fmt_time).unwrap_or_default(),
                })
                .collect(),
            preparable: items
                .iter()
                .filter(|i| i.self_preparable && may_publish(p, i))
                .map(|i| (i.id.to_string(), format!("{} {}", i.code, i.name)))
                .collect(),
            sp_item: Field::default(),
            sp_note: Field::default(),
        })
    }
}

/// The items a project may commission: an owner's project those the enterprise pays for, a
/// department's project those the department pays for (the publication rule checks it again).
fn may_publish(p: &Project, i: &crate::catalogue::store::Item) -> bool {
    match p.department_id {
        Some(d) => i.payer == "department" && i.department_id == d,
        None => i.payer != "department",
    }
}

async fn project(OwnedProject { ctx, project: p }: OwnedProject) -> Result<HttpResponse, AppError> {
    let page = ProjectPage::build(&ctx, &p).await?;
    html(&page, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SelfPrepForm {
    pub item_id: String,
    pub note: String,
}

async fn self_prepare(
    Posted {
        to: OwnedProject { ctx, project: p },
        form: f,
    }: Posted<OwnedProject, SelfPrepForm>,
) -> Result<HttpResponse, AppError> {
    let refuse = |mut page: ProjectPage, problems: &[Problem]| {
        page.sp_item = Field::new(&f.item_id);
        page.sp_note = Field::new(&f.note);
        for pr in problems {
            let field = if pr.field == "note" {
                &mut page.sp_note
            } else {
                &mut page.sp_item
            };
            fail(field, ctx.lang(), pr);
        }
        html(&page, StatusCode::UNPROCESSABLE_ENTITY)
    };
    let item_id = f.item_id.trim().parse::<i64>().unwrap_or(0);
    let note = match rules::parse_self_preparation_note(&f.note) {
        Ok(n) => n,
        Err(problem) => return refuse(ProjectPage::build(&ctx, &p).await?, &[problem]),
    };
    let actor = ctx.actor();
    let public_url = ctx.config().public_url.clone();
    let p2 = p.clone();
    let r = db::run(ctx.pool(), move |c| {
        publishing::declare_self_preparation(c, &actor, &p2, item_id, &note, &public_url)
    })
    .await;
    match r {
        Ok(_) => Ok(redirect_flash(
            &format!("/owner/projects/{}", p.id),
            FlashKind::Success,
            "policy.flash.self_prepared",
        )),
        Err(StepError::Refused(r)) if r.key == publishing::RULES => {
            let p2 = p.clone();
            let problems = db::run(ctx.pool(), move |c| {
                publishing::self_preparation_problems(c, &p2, item_id)
            })
            .await?;
            refuse(ProjectPage::build(&ctx, &p).await?, &problems)
        }
        Err(StepError::Refused(_)) => Ok(redirect_flash(
            &format!("/owner/projects/{}", p.id),
            FlashKind::Error,
            "policy.flash.self_prepare_failed",
        )),
        Err(StepError::Db(e)) => Err(e.into()),
    }
}

async fn withdraw_self_preparation(
    Posted {
        to:
            OwnedSelfPreparation {
                ctx,
                sp,
                project: p,
            },
        form: _,
    }: Posted<OwnedSelfPreparation, EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = sp.id;
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        publishing::withdraw_self_preparation(c, &actor, id)
    })
    .await;
    let (kind, key) = match r {
        Ok(_) => (FlashKind::Success, "policy.flash.self_prep_withdrawn"),
        Err(StepError::Refused(_)) => (FlashKind::Error, "policy.flash.self_prep_not_standing"),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    Ok(redirect_flash(
        &format!("/owner/projects/{}", p.id),
        kind,
        key,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProjectForm {
    pub name: String,
    pub code: String,
    pub region: String,
    pub fiscal_funds: String,
    pub total_investment: String,
}

#[derive(Template)]
#[template(path = "selection/project_form.html")]
pub struct ProjectFormPage {
    pub page: Page,
    pub name: Field,
    pub code: Field,
    pub region: Field,
    pub fiscal_funds: Field,
    pub total_investment: Field,
    pub regions: Vec<(String, String)>,
    pub fiscal_choices: Vec<(String, String)>,
    pub has_errors: bool,
    /// A regulator commissions for its department (附件4 (五)): fiscal funds, fixed.
    pub department: String,
}

impl ProjectFormPage {
    fn build(ctx: &Ctx, f: &ProjectForm, department: String) -> Self {
        ProjectFormPage {
            department,
            page: ctx.page(),
            name: Field::new(&f.name),
            code: Field::new(&f.code),
            region: Field::new(&f.region),
            fiscal_funds: Field::new(&f.fiscal_funds),
            total_investment: Field::new(&f.total_investment),
            regions: vocab::REGIONS
                .iter()
                .map(|r| (r.to_string(), ctx.t(&format!("cat.region.{r}")).to_string()))
                .collect(),
            fiscal_choices: vec![
                ("yes".into(), ctx.t("pub.project.fiscal_yes").into()),
                ("no".into(), ctx.t("pub.project.fiscal_no").into()),
            ],
            has_errors: false,
        }
    }
    fn show(&mut self, lang: Lang, problems: &[Problem]) {
        for p in problems {
            let f = match p.field {
                "name" => &mut self.name,
                "code" => &mut self.code,
                "region" => &mut self.region,
                "fiscal_funds" => &mut self.fiscal_funds,
                _ => &mut self.total_investment,
            };
            fail(f, lang, p);
        }
        self.has_errors = true;
    }
}

fn fail(f: &mut Field, lang: Lang, p: &Problem) {
    if !f.has_error() {
        f.fail(lang, p.key, &p.args);
    }
}

fn problem_text(lang: Lang, p: &Problem) -> String {
    let a: Vec<(&str, &str)> = p.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tr_args(lang, p.key, &a)
}

/// The department a new project is commissioned by (a regulator's), if any.
fn commissioning_department(scope: OwnerScope) -> Option<i64> {
    match scope {
        OwnerScope::Department(d) => Some(d),
        OwnerScope::Owner(_) => None,
    }
}

async fn new_project_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let scope = my_scope(&ctx)?;
    let dept = department_name(&ctx, commissioning_department(scope)).await?;
    let f = ProjectForm {
        region: "pzh_dongqu".into(),
        ..ProjectForm::default()
    };
    html(&ProjectFormPage::build(&ctx, &f, dept), StatusCode::OK)
}

async fn create_project(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ProjectForm>,
) -> Result<HttpResponse, AppError> {
    let scope = my_scope(&ctx)?;
    let me = ctx.current()?.id;
    let department_id = commissioning_department(scope);
    let mut input = ProjectInput {
        name: f.name.clone(),
        code: f.code.clone(),
        region: f.region.clone(),
        fiscal_funds: f.fiscal_funds.clone(),
        total_investment: f.total_investment.clone(),
    };
    if department_id.is_some() {
        rules::commissioned_by_department(&mut input);
    }
    let terms = match rules::parse_project(&input) {
        Ok(t) => t,
        Err(problems) => {
            let dept = department_name(&ctx, department_id).await?;
            let mut p = ProjectFormPage::build(&ctx, &f, dept);
            p.show(ctx.lang(), &problems);
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = ctx.actor();
    let project = db::run(ctx.pool(), move |c| {
        publishing::create_project(c, &actor, me, department_id, &terms)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/owner/projects/{}", project.id),
        FlashKind::Success,
        "pub.flash.project_created",
    ))
}

// ------------------------------------------------------------------ announcement form

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AnnouncementForm {
    pub item_id: String,
    pub scope: String,
    pub time_limit_days: String,
    pub cap: String,
    pub mode: String,
    pub deadline_date: String,
    pub deadline_time: String,
    pub min_grade: String,
    pub weight_price: String,
    pub weight_credit: String,
    pub weight_qual: String,
    pub complaint_phone: String,
    pub witness: String,
    /// One avoided unit per line: its unified social credit code or its exact name.
    pub avoided: String,
    pub time_limit_reason: String,
    pub regional_exception: String,
    pub regional_exception_reason: String,
}

impl AnnouncementForm {
    fn input(&self) -> AnnouncementInput {
        AnnouncementInput {
            item_id: self.item_id.clone(),
            scope: self.scope.clone(),
            time_limit_days: self.time_limit_days.clone(),
            cap: self.cap.clone(),
            mode: self.mode.clone(),
            deadline_date: self.deadline_date.clone(),
            deadline_time: self.deadline_time.clone(),
            min_grade: self.min_grade.clone(),
            weight_price: self.weight_price.clone(),
            weight_credit: self.weight_credit.clone(),
            weight_qual: self.weight_qual.clone(),
            complaint_phone: self.complaint_phone.clone(),
            witness: self.witness.clone(),
            time_limit_reason: self.time_limit_reason.clone(),
            regional_exception: self.regional_exception.clone(),
            regional_exception_reason: self.regional_exception_reason.clone(),
        }
    }

    fn of(i: AnnouncementInput, avoided: String) -> AnnouncementForm {
        AnnouncementForm {
            item_id: i.item_id,
            scope: i.scope,
            time_limit_days: i.time_limit_days,
            cap: i.cap,
            mode: i.mode,
            deadline_date: i.deadline_date,
            deadline_time: i.deadline_time,
            min_grade: i.min_grade,
            weight_price: i.weight_price,
            weight_credit: i.weight_credit,
            weight_qual: i.weight_qual,
            complaint_phone: i.complaint_phone,
            witness: i.witness,
            avoided,
            time_limit_reason: i.time_limit_reason,
            regional_exception: i.regional_exception,
            regional_exception_reason: i.regional_exception_reason,
        }
    }

    /// The lines of the avoided-units field.
    fn avoided_lines(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .avoided
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        v.dedup();
        v
    }
}

/// What the announcement form is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    New,
    Edit,
    Change,
}

#[derive(Template)]
#[template(path = "selection/announcement_form.html")]
pub struct AnnouncementFormPage {
    pub page: Page,
    /// "new", "edit" or "change".
    pub kind: &'static str,
    pub action: String,
    pub ann_id: i64,
    pub project_id: i64,
    pub project_name: String,
    /// Change: the item and mode, which stay.
    pub fixed_item: String,
    pub fixed_mode: String,
    pub weighted: bool,
    pub version: i32,
    pub item_id: Field,
    pub scope: Field,
    pub time_limit_days: Field,
    pub cap: Field,
    pub mode: Field,
    pub deadline_date: Field,
    pub deadline_time: Field,
    pub min_grade: Field,
    pub weight_price: Field,
    pub weight_credit: Field,
    pub weight_qual: Field,
    pub complaint_phone: Field,
    pub witness: Field,
    pub avoided: Field,
    pub time_limit_reason: Field,
    pub regional_exception: Field,
    pub regional_exception_reason: Field,
    /// "" (not special or major), special, major.
    pub classes: Vec<(String, String)>,
    /// The project's zone has a regional assessment for some item: ask about the project.
    pub show_regional: bool,
    /// The draft's item is covered by a regional assessment in the project's zone.
    pub cover: Option<CoverView>,
    pub items: Vec<(String, String)>,
    pub modes: Vec<(String, String)>,
    pub grades: Vec<(String, String)>,
    /// Every refused rule's message (the summary above the form).
    pub problems: Vec<String>,
    /// The publication checks refused the draft (not just its fields).
    pub publish_failed: bool,
    pub earliest_deadline: String,
    pub weight_ranges: String,
}

impl AnnouncementFormPage {
    fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        Some(match name {
            "item_id" => &mut self.item_id,
            "scope" => &mut self.scope,
            "time_limit_days" => &mut self.time_limit_days,
            "cap" => &mut self.cap,
            "mode" => &mut self.mode,
            "deadline_date" => &mut self.deadline_date,
            "deadline_time" => &mut self.deadline_time,
            "min_grade" => &mut self.min_grade,
            "weight_price" => &mut self.weight_price,
            "weight_credit" => &mut self.weight_credit,
            "weight_qual" => &mut self.weight_qual,
            "complaint_phone" => &mut self.complaint_phone,
            "witness" => &mut self.witness,
            "avoided" => &mut self.avoided,
            "time_limit_reason" => &mut self.time_limit_reason,
            "regional_exception" => &mut self.regional_exception,
            "regional_exception_reason" => &mut self.regional_exception_reason,
            _ => return None,
        })
    }

    /// Each problem beside its field (the first per field) and all in the summary.
    fn show(&mut self, lang: Lang, problems: &[Problem]) {
        for p in problems {
            let text = problem_text(lang, p);
            if let Some(f) = self.field_mut(p.field)
                && !f.has_error()
            {
                f.error = Some(text.clone());
            }
            self.problems.push(text);
        }
    }
}

/// A regional assessment covering an item in the project's zone, as a page tells the owner
/// before publishing (附件4 (十)).
pub struct CoverView {
    pub title: String,
    pub zone: String,
    pub valid_until: String,
    /// The result document's download link, when one was uploaded.
    pub document: Option<String>,
}

pub fn cover_view(lang: Lang, a: &crate::catalogue::store::RegionalAssessment) -> CoverView {
    CoverView {
        title: a.title.clone(),
        zone: crate::i18n::tr(lang, &format!("cat.region.{}", a.zone)).to_string(),
        valid_until: a.valid_until.format("%Y-%m-%d").to_string(),
        document: a
            .upload_id
            .map(|_| format!("/catalogue/assessments/{}/document", a.id)),
    }
}

/// The form's select choices and hints.
struct Choices {
    items: Vec<(String, String)>,
    earliest: String,
    show_regional: bool,
}

/// The items the project may commission, each with its statutory limit and the 20%-faster
/// default, and marked when a regional assessment covers it in the project's zone or when
/// the owner may prepare it itself.
async fn choices(ctx: &Ctx, project: &Project) -> Result<Choices, AppError> {
    let today = crate::db::today();
    let region = project.region.clone();
    let (items, cal, covers) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            crate::catalogue::store::retained(c)?,
            crate::accounts::store::calendar::load_from(c, today)?,
            pubm::covers_in_zone(c, &region, today)?,
        ))
    })
    .await?;
    let lang = ctx.lang();
    Ok(Choices {
        items: items
            .iter()
            .filter(|i| may_publish(project, i))
            .map(|i| {
                let mut marks = String::new();
                if covers.iter().any(|a| a.item_id == i.id) {
                    marks.push_str(crate::i18n::tr(lang, "policy.item_mark.regional"));
                }
                if i.self_preparable {
                    marks.push_str(crate::i18n::tr(lang, "policy.item_mark.self"));
                }
                let label = tr_args(
                    lang,
                    "policy.item_label",
                    &[
                        ("code", &i.code),
                        ("name", &i.name),
                        ("statutory", &i.time_limit_days.to_string()),
                        (
                            "target",
                            &rules::speedup_target(i.time_limit_days).to_string(),
                        ),
                        ("marks", &marks),
                    ],
                );
                (i.id.to_string(), label)
            })
            .collect(),
        earliest: rules::earliest_deadline_day(db::now(), &cal)
            .format("%Y-%m-%d")
            .to_string(),
        show_regional: !covers.is_empty(),
    })
}

/// The assessment covering a stored announcement's item in its project's zone today.
async fn cover_of(
    ctx: &Ctx,
    project: &Project,
    a: Option<&Announcement>,
) -> Result<Option<CoverView>, AppError> {
    let Some(item) = a.map(|a| a.item_id) else {
        return Ok(None);
    };
    let region = project.region.clone();
    let today = crate::db::today();
    let r = db::run(ctx.pool(), move |c| {
        pubm::cover_for(c, item, &region, today).map_err(DbError::from)
    })
    .await?;
    Ok(r.map(|(a, _)| cover_view(ctx.lang(), &a)))
}

struct FormContext<'a> {
    kind: FormKind,
    project: &'a Project,
    ann: Option<&'a Announcement>,
    fixed_item: String,
}

/// The form page with its choices and, for a stored announcement, the regional cover.
async fn form_page(
    ctx: &Ctx,
    fc: &FormContext<'_>,
    f: &AnnouncementForm,
) -> Result<AnnouncementFormPage, AppError> {
    let ch = choices(ctx, fc.project).await?;
    let cover = cover_of(ctx, fc.project, fc.ann).await?;
    let mut p = build_form(ctx, fc, f, ch);
    p.show_regional |= cover.is_some();
    p.cover = cover;
    Ok(p)
}

/// The form again with every problem beside its field (422).
async fn refused_form(
    ctx: &Ctx,
    fc: &FormContext<'_>,
    f: &AnnouncementForm,
    problems: &[Problem],
) -> Result<HttpResponse, AppError> {
    let mut p = form_page(ctx, fc, f).await?;
    p.show(ctx.lang(), problems);
    html(&p, StatusCode::UNPROCESSABLE_ENTITY)
}

fn build_form(
    ctx: &Ctx,
    fc: &FormContext<'_>,
    f: &AnnouncementForm,
    ch: Choices,
) -> AnnouncementFormPage {
    let lang = ctx.lang();
    let ann_id = fc.ann.map(|a| a.id).unwrap_or(0);
    let (kind, action) = match fc.kind {
        FormKind::New => (
            "new",
            format!("/owner/projects/{}/announcements/new", fc.project.id),
        ),
        FormKind::Edit => ("edit", format!("/owner/announcements/{ann_id}/edit")),
        FormKind::Change => ("change", format!("/owner/announcements/{ann_id}/change")),
    };
    let mode = if fc.kind == FormKind::Change {
        fc.ann.map(|a| a.mode.clone()).unwrap_or_default()
    } else {
        f.mode.clone()
    };
    AnnouncementFormPage {
        page: ctx.page(),
        kind,
        action,
        ann_id,
        project_id: fc.project.id,
        project_name: fc.project.name.clone(),
        fixed_item: fc.fixed_item.clone(),
        fixed_mode: mode_label(lang, &mode),
        weighted: mode == Mode::WeightedScoring.code(),
        version: fc.ann.map(|a| a.version).unwrap_or(1),
        item_id: Field::new(&f.item_id),
        scope: Field::new(&f.scope),
        time_limit_days: Field::new(&f.time_limit_days),
        cap: Field::new(&f.cap),
        mode: Field::new(&f.mode),
        deadline_date: Field::new(&f.deadline_date),
        deadline_time: Field::new(&f.deadline_time),
        min_grade: Field::new(&f.min_grade),
        weight_price: Field::new(&f.weight_price),
        weight_credit: Field::new(&f.weight_credit),
        weight_qual: Field::new(&f.weight_qual),
        complaint_phone: Field::new(&f.complaint_phone),
        witness: Field::new(&f.witness),
        avoided: Field::new(&f.avoided),
        time_limit_reason: Field::new(&f.time_limit_reason),
        regional_exception: Field::new(&f.regional_exception),
        regional_exception_reason: Field::new(&f.regional_exception_reason),
        classes: class_options(lang),
        show_regional: ch.show_regional,
        cover: None,
        items: ch.items,
        modes: mode_options(lang),
        grades: grade_options(lang),
        problems: Vec::new(),
        publish_failed: false,
        earliest_deadline: ch.earliest,
        weight_ranges: weights_hint(lang),
    }
}

/// The project classes of the form's select, "none" first.
fn class_options(lang: Lang) -> Vec<(String, String)> {
    std::iter::once((
        String::new(),
        crate::i18n::tr(lang, "policy.class.none").to_string(),
    ))
    .chain(ProjectClass::ALL.iter().map(|c| {
        (
            c.code().to_string(),
            crate::i18n::tr(lang, c.key()).to_string(),
        )
    }))
    .collect()
}

/// The selection modes of the form's select.
fn mode_options(lang: Lang) -> Vec<(String, String)> {
    Mode::ALL
        .iter()
        .map(|m| {
            (
                m.code().to_string(),
                crate::i18n::tr(lang, m.key()).to_string(),
            )
        })
        .collect()
}

/// The credit-grade bars an owner may set: none, or "not D".
fn grade_options(lang: Lang) -> Vec<(String, String)> {
    vec![
        (
            String::new(),
            crate::i18n::tr(lang, "pub.grade.none").to_string(),
        ),
        (
            "C".into(),
            crate::i18n::tr(lang, "pub.grade.not_d").to_string(),
        ),
    ]
}

/// The allowed ranges of the three weights, as the hint under the weight fields.
fn weights_hint(lang: Lang) -> String {
    let r = Settings::default().weight_ranges;
    tr_args(
        lang,
        "pub.f.weights_hint",
        &[
            ("p", &format!("{}–{}", r.price.0, r.price.1)),
            ("c", &format!("{}–{}", r.credit.0, r.credit.1)),
            ("q", &format!("{}–{}", r.qualification.0, r.qualification.1)),
        ],
    )
}

/// The avoided units typed, resolved to agency ids; unknown or ambiguous lines are problems.
async fn resolve_avoided(
    ctx: &Ctx,
    f: &AnnouncementForm,
) -> Result<Result<Vec<i64>, Vec<Problem>>, AppError> {
    let lines = f.avoided_lines();
    if lines.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let found = db::run(ctx.pool(), move |c| {
        let mut out = Vec::new();
        for l in lines {
            let m = pubm::find_agencies(c, &l)?;
            out.push((l, m));
        }
        Ok::<_, DbError>(out)
    })
    .await?;
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for (line, m) in found {
        match m.as_slice() {
            [one] => ids.push(one.id),
            [] => problems.push(Problem {
                field: "avoided",
                key: "pub.err.avoided_unknown",
                args: vec![("line", line)],
            }),
            _ => problems.push(Problem {
                field: "avoided",
                key: "pub.err.avoided_ambiguous",
                args: vec![("line", line)],
            }),
        }
    }
    Ok(if problems.is_empty() {
        Ok(ids)
    } else {
        Err(problems)
    })
}

/// The avoided units as the form shows them: one USCC per line, with the name after it.
fn avoided_text(refs: &[pubm::AgencyRef]) -> String {
    refs.iter()
        .map(|r| r.uscc.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses the whole form: the fields, the avoided units and that the item exists.
async fn parse_form(
    ctx: &Ctx,
    f: &AnnouncementForm,
) -> Result<Result<(Terms, Vec<i64>), Vec<Problem>>, AppError> {
    let now = db::now();
    let mut problems = Vec::new();
    let mut input = f.input();
    // The item first: an empty time limit means its 20%-faster default.
    let item = match input.item_id.trim().parse::<i64>() {
        Ok(item_id) if item_id > 0 => {
            db::run(ctx.pool(), move |c| {
                crate::catalogue::store::find(c, item_id).map_err(DbError::from)
            })
            .await?
        }
        _ => None,
    };
    if let Some(i) = &item {
        rules::fill_default_time_limit(&mut input, i.time_limit_days);
    }
    let terms = rules::parse_terms(&input, now)
        .map_err(|p| problems.extend(p))
        .ok();
    let avoided = resolve_avoided(ctx, f)
        .await?
        .map_err(|p| problems.extend(p))
        .ok();
    if terms.is_some() && item.is_none() {
        problems.push(Problem {
            field: "item_id",
            key: "pub.err.item_required",
            args: Vec::new(),
        });
    }
    Ok(match (terms, avoided) {
        (Some(t), Some(a)) if problems.is_empty() => Ok((t, a)),
        _ => Err(problems),
    })
}

// ------------------------------------------------------------------ drafts

async fn new_announcement_form(
    OwnedProject { ctx, project }: OwnedProject,
) -> Result<HttpResponse, AppError> {
    // Weights inside the default published ranges (price 30–60, credit 10–40, qualification
    // 10–60), for the owner to adjust.
    let f = AnnouncementForm {
        mode: Mode::RandomDraw.code().into(),
        deadline_time: "17:00".into(),
        weight_price: "40".into(),
        weight_credit: "30".into(),
        weight_qual: "30".into(),
        ..AnnouncementForm::default()
    };
    let fc = FormContext {
        kind: FormKind::New,
        project: &project,
        ann: None,
        fixed_item: String::new(),
    };
    let p = form_page(&ctx, &fc, &f).await?;
    html(&p, StatusCode::OK)
}

async fn create_announcement(
    Posted {
        to: OwnedProject { ctx, project },
        form: f,
    }: Posted<OwnedProject, AnnouncementForm>,
) -> Result<HttpResponse, AppError> {
    let (terms, avoided) = match parse_form(&ctx, &f).await? {
        Ok(v) => v,
        Err(problems) => {
            let fc = FormContext {
                kind: FormKind::New,
                project: &project,
                ann: None,
                fixed_item: String::new(),
            };
            let mut p = form_page(&ctx, &fc, &f).await?;
            p.show(ctx.lang(), &problems);
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = ctx.actor();
    let a = db::run(ctx.pool(), move |c| {
        publishing::insert_draft(c, &actor, &project, &terms, &avoided)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/announcements/{}", a.id),
        FlashKind::Success,
        "pub.flash.draft_saved",
    ))
}

/// The form filled with a stored announcement.
async fn stored_form(ctx: &Ctx, a: &Announcement) -> Result<AnnouncementForm, AppError> {
    let id = a.id;
    let refs = db::run(ctx.pool(), move |c| {
        pubm::avoided_refs(c, id).map_err(DbError::from)
    })
    .await?;
    let input = pubm::terms_of(a)
        .map(|t| AnnouncementInput::of(&t))
        .unwrap_or_default();
    Ok(AnnouncementForm::of(input, avoided_text(&refs)))
}

async fn project_of(ctx: &Ctx, a: &Announcement) -> Result<Project, AppError> {
    let pid = a.project_id;
    db::run(ctx.pool(), move |c| {
        ann::find_project(c, pid).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)
}

fn not_a_draft(a: &Announcement) -> HttpResponse {
    if a.open_for_quotes(db::now()) {
        redirect_flash(
            &format!("/owner/announcements/{}/change", a.id),
            FlashKind::Info,
            "pub.flash.use_change",
        )
    } else {
        redirect_flash(
            &format!("/announcements/{}", a.id),
            FlashKind::Error,
            "pub.flash.not_draft",
        )
    }
}

async fn edit_form(
    OwnedAnnouncement { ctx, ann: a }: OwnedAnnouncement,
) -> Result<HttpResponse, AppError> {
    if a.status != AnnouncementStatus::Draft {
        return Ok(not_a_draft(&a));
    }
    let project = project_of(&ctx, &a).await?;
    let f = stored_form(&ctx, &a).await?;
    let fc = FormContext {
        kind: FormKind::Edit,
        project: &project,
        ann: Some(&a),
        fixed_item: String::new(),
    };
    let p = form_page(&ctx, &fc, &f).await?;
    html(&p, StatusCode::OK)
}

async fn update(
    Posted {
        to: OwnedAnnouncement { ctx, ann: a },
        form: f,
    }: Posted<OwnedAnnouncement, AnnouncementForm>,
) -> Result<HttpResponse, AppError> {
    if a.status != AnnouncementStatus::Draft {
        return Ok(not_a_draft(&a));
    }
    let project = project_of(&ctx, &a).await?;
    let (terms, avoided) = match parse_form(&ctx, &f).await? {
        Ok(v) => v,
        Err(problems) => {
            let fc = FormContext {
                kind: FormKind::Edit,
                project: &project,
                ann: Some(&a),
                fixed_item: String::new(),
            };
            return refused_form(&ctx, &fc, &f, &problems).await;
        }
    };
    let actor = ctx.actor();
    let id = a.id;
    match db::run(ctx.pool(), move |c| {
        publishing::update_draft(c, &actor, id, &terms, &avoided)
    })
    .await
    {
        Ok(_) => Ok(redirect_flash(
            &format!("/announcements/{id}"),
            FlashKind::Success,
            "pub.flash.draft_saved",
        )),
        Err(StepError::Db(e)) => Err(e.into()),
        Err(StepError::Refused(_)) => Ok(redirect_flash(
            &format!("/announcements/{id}"),
            FlashKind::Error,
            "pub.flash.not_draft",
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmptyForm {}

async fn publish(
    Posted {
        to: OwnedAnnouncement { ctx, ann: a },
        form: _,
    }: Posted<OwnedAnnouncement, EmptyForm>,
) -> Result<HttpResponse, AppError> {
    if a.status != AnnouncementStatus::Draft {
        return Ok(not_a_draft(&a));
    }
    let id = a.id;
    // The seed exists in clear only here, until it is sealed; it is never stored or logged.
    let seed = {
        let s = Seed::generate().map_err(AppError::internal)?;
        SealedSeed {
            sealed: crate::domain::seal::seal_seed(&ctx.config().sealing_key, id, &s.to_hex())
                .map_err(AppError::internal)?,
            commitment: s.commitment(),
        }
    };
    let actor = ctx.actor();
    let public_url = ctx.config().public_url.clone();
    let r = db::run(ctx.pool(), move |c| {
        publishing::publish(c, &actor, id, &seed, &public_url)
    })
    .await;
    match r {
        Ok(_) => Ok(redirect_flash(
            &format!("/announcements/{id}"),
            FlashKind::Success,
            "pub.flash.published",
        )),
        Err(StepError::Db(e)) => Err(e.into()),
        Err(StepError::Refused(r)) if r.key != publishing::RULES => Ok(redirect_flash(
            &format!("/announcements/{id}"),
            FlashKind::Error,
            "pub.flash.not_draft",
        )),
        Err(StepError::Refused(_)) => {
            let a2 = a.clone();
            let problems = db::run(ctx.pool(), move |c| {
                pubm::publication_problems(c, &a2, db::now()).map_err(DbError::from)
            })
            .await?;
            let project = project_of(&ctx, &a).await?;
            let f = stored_form(&ctx, &a).await?;
            let fc = FormContext {
                kind: FormKind::Edit,
                project: &project,
                ann: Some(&a),
                fixed_item: String::new(),
            };
            let mut p = form_page(&ctx, &fc, &f).await?;
            p.publish_failed = true;
            p.show(ctx.lang(), &problems);
            html(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

// ------------------------------------------------------------------ changes

async fn fixed_item(ctx: &Ctx, a: &Announcement) -> Result<String, AppError> {
    let item_id = a.item_id;
    Ok(db::run(ctx.pool(), move |c| {
        crate::catalogue::store::find(c, item_id).map_err(DbError::from)
    })
    .await?
    .map(|i| format!("{} {}", i.code, i.name))
    .unwrap_or_default())
}

fn not_open(a: &Announcement) -> HttpResponse {
    redirect_flash(
        &format!("/announcements/{}", a.id),
        FlashKind::Error,
        "pub.flash.not_open",
    )
}

async fn change_form(
    OwnedAnnouncement { ctx, ann: a }: OwnedAnnouncement,
) -> Result<HttpResponse, AppError> {
    if a.status == AnnouncementStatus::Draft {
        return Ok(redirect_flash(
            &format!("/owner/announcements/{}/edit", a.id),
            FlashKind::Info,
            "pub.flash.use_edit",
        ));
    }
    if !a.open_for_quotes(db::now()) {
        return Ok(not_open(&a));
    }
    let project = project_of(&ctx, &a).await?;
    let f = stored_form(&ctx, &a).await?;
    let fc = FormContext {
        kind: FormKind::Change,
        project: &project,
        ann: Some(&a),
        fixed_item: fixed_item(&ctx, &a).await?,
    };
    let p = form_page(&ctx, &fc, &f).await?;
    html(&p, StatusCode::OK)
}

async fn change(
    Posted {
        to: OwnedAnnouncement { ctx, ann: a },
        form: mut f,
    }: Posted<OwnedAnnouncement, AnnouncementForm>,
) -> Result<HttpResponse, AppError> {
    if a.status == AnnouncementStatus::Draft || !a.open_for_quotes(db::now()) {
        return Ok(not_open(&a));
    }
    // The item and the mode stay what was published.
    f.item_id = a.item_id.to_string();
    f.mode = a.mode.clone();
    let project = project_of(&ctx, &a).await?;
    let item_label = fixed_item(&ctx, &a).await?;
    let fc = FormContext {
        kind: FormKind::Change,
        project: &project,
        ann: Some(&a),
        fixed_item: item_label,
    };
    let (terms, avoided) = match parse_form(&ctx, &f).await? {
        Ok(v) => v,
        Err(problems) => return refused_form(&ctx, &fc, &f, &problems).await,
    };
    let actor = ctx.actor();
    let public_url = ctx.config().public_url.clone();
    let id = a.id;
    let (terms2, avoided2) = (terms.clone(), avoided.clone());
    let r = db::run(ctx.pool(), move |c| {
        publishing::change(c, &actor, id, &terms, &avoided, &public_url)
    })
    .await;
    match r {
        Ok((_, summary)) => Ok(redirect_flash(
            &format!("/announcements/{id}"),
            FlashKind::Success,
            if summary.material.is_empty() {
                "pub.flash.changed"
            } else {
                "pub.flash.changed_material"
            },
        )),
        Err(StepError::Db(e)) => Err(e.into()),
        Err(StepError::Refused(r)) if r.key == publishing::RULES => {
            let problems = db::run(ctx.pool(), move |c| {
                publishing::change_problems(c, id, &terms2, &avoided2)
            })
            .await?;
            refused_form(&ctx, &fc, &f, &problems).await
        }
        Err(StepError::Refused(_)) => Ok(not_open(&a)),
    }
}

// ------------------------------------------------------------------ cancellation

#[derive(Template)]
#[template(path = "selection/cancel.html")]
pub struct CancelPage {
    pub page: Page,
    pub ann_id: i64,
    pub title: String,
    pub draft: bool,
    pub reason: Field,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    pub reason: String,
}

fn can_cancel(a: &Announcement) -> bool {
    a.status == AnnouncementStatus::Draft || a.open_for_quotes(db::now())
}

async fn cancel_form(
    OwnedAnnouncement { ctx, ann: a }: OwnedAnnouncement,
) -> Result<HttpResponse, AppError> {
    if !can_cancel(&a) {
        return Ok(not_open(&a));
    }
    let p = CancelPage {
        page: ctx.page(),
        ann_id: a.id,
        title: fixed_item(&ctx, &a).await?,
        draft: a.status == AnnouncementStatus::Draft,
        reason: Field::default(),
    };
    html(&p, StatusCode::OK)
}

async fn cancel(
    Posted {
        to: OwnedAnnouncement { ctx, ann: a },
        form: f,
    }: Posted<OwnedAnnouncement, CancelForm>,
) -> Result<HttpResponse, AppError> {
    if !can_cancel(&a) {
        return Ok(not_open(&a));
    }
    let text = match rules::parse_cancel_reason(&f.reason) {
        Ok(t) => t,
        Err(problem) => {
            let mut reason = Field::new(&f.reason);
            reason.fail(ctx.lang(), problem.key, &problem.args);
            let p = CancelPage {
                page: ctx.page(),
                ann_id: a.id,
                title: fixed_item(&ctx, &a).await?,
                draft: a.status == AnnouncementStatus::Draft,
                reason,
            };
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = ctx.actor();
    let public_url = ctx.config().public_url.clone();
    let id = a.id;
    let r = db::run(ctx.pool(), move |c| {
        publishing::cancel(c, &actor, id, &text, &public_url)
    })
    .await;
    match r {
        Ok(Cancelled::Published(_)) => Ok(redirect_flash(
            &format!("/announcements/{id}"),
            FlashKind::Success,
            "pub.flash.cancelled",
        )),
        Ok(Cancelled::DraftDiscarded) => Ok(redirect_flash(
            &format!("/owner/projects/{}", a.project_id),
            FlashKind::Success,
            "pub.flash.discarded",
        )),
        Err(StepError::Db(e)) => Err(e.into()),
        Err(StepError::Refused(_)) => Ok(not_open(&a)),
    }
}

/// For the announcement page: the owner's pending publication checks of a draft.
pub async fn draft_checks(ctx: &Ctx, a: &Announcement) -> Result<Vec<String>, AppError> {
    let a2 = a.clone();
    let problems = db::run(ctx.pool(), move |c| {
        pubm::publication_problems(c, &a2, db::now()).map_err(DbError::from)
    })
    .await?;
    let lang = ctx.lang();
    Ok(problems.iter().map(|p| problem_text(lang, p)).collect())
}
