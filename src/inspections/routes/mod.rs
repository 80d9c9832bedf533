//! The pages of random inspections:
//! - public: `/inspections` (tasks, coverage per department and year), `/inspections/{id}`
//!   (population hash, seed commitment and seed, the drawn agencies and their masked
//!   inspectors, recusals, results, the 验证 button) and `/inspections/{id}/proof.json`;
//! - the department's regulators: `/inspections/manage` (tasks, overdue, own assignments),
//!   `/inspections/inspectors` (the pool), `/inspections/new`, `…/{id}/edit`,
//!   `…/{id}/publish`, `…/{id}/draw`;
//! - the drawn inspectors: `/inspections/targets/{id}` (result, recusal);
//! - admins: `/inspections/manage` lists every overdue task.

pub mod extract;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Role;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::draw::Seed;
use crate::domain::inspection::{self as rules, ScopeEntry};
use crate::domain::validate::Problem;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::inspections::steps;
use crate::inspections::store::{self as st, Inspector};
use crate::inspections::views::{self, CoverageRow, TaskRow, TaskView};
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html};
use extract::{DepartmentTask, DrawnTarget, PoolEntry, VisibleTask, my_department};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/inspections", web::get().to(list))
        .route("/inspections/manage", web::get().to(manage))
        .route("/inspections/inspectors", web::get().to(pool_page))
        .route("/inspections/inspectors", web::post().to(add_inspector))
        .route(
            "/inspections/inspectors/{id}/remove",
            web::post().to(remove_inspector),
        )
        .route("/inspections/new", web::get().to(new_form))
        .route("/inspections/new", web::post().to(create))
        .route("/inspections/targets/{id}", web::get().to(target_page))
        .route(
            "/inspections/targets/{id}/result",
            web::post().to(record_result),
        )
        .route("/inspections/targets/{id}/recuse", web::post().to(recuse))
        .route("/inspections/{id}/proof.json", web::get().to(proof_json))
        .route("/inspections/{id}", web::get().to(show))
        .route("/inspections/{id}/edit", web::get().to(edit_form))
        .route("/inspections/{id}/edit", web::post().to(update))
        .route("/inspections/{id}/publish", web::post().to(publish))
        .route("/inspections/{id}/draw", web::post().to(draw));
}

fn fail(lang: Lang, fields: &mut [(&str, &mut Field)], problems: &[Problem]) {
    for p in problems {
        if let Some((_, f)) = fields.iter_mut().find(|(n, _)| *n == p.field) {
            f.fail(lang, p.key, &p.args);
        }
    }
}

// ---------------------------------------------------------------- public list

#[derive(Template)]
#[template(path = "inspections/list.html")]
pub struct ListPage {
    pub page: Page,
    pub tasks: Vec<TaskRow>,
    pub coverage: Vec<CoverageRow>,
    pub can_manage: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// A department's id: only its tasks.
    pub department: String,
    pub format: String,
    pub limit: String,
    pub after: String,
}

async fn list(ctx: Ctx, q: web::Query<ListQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let lang = ctx.lang();
    let today = db::today();
    let q = q.into_inner();
    let ex = crate::web::export::RawExport {
        format: q.format.clone(),
        limit: q.limit.clone(),
        after: q.after.clone(),
    }
    .parse()?;
    let dept = match q.department.trim() {
        "" => None,
        d => Some(
            d.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(AppError::BadRequest("inspections.bad_department"))?,
        ),
    };
    let (tasks, cov, depts) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            st::public_tasks(c, dept)?,
            st::coverage(c)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    if dept.is_some_and(|d| !depts.iter().any(|x| x.id == d)) {
        return Err(AppError::BadRequest("inspections.bad_department"));
    }
    let rows: Vec<TaskRow> = tasks
        .iter()
        .map(|t| views::task_row(lang, &depts, t, today))
        .collect();
    if ex.format != crate::domain::export::Format::Html {
        let d = dept.map(|d| d.to_string()).unwrap_or_default();
        let base = crate::web::export::url("/inspections", &[("department", d)]);
        return export(&ctx, ex, base, rows).await;
    }
    let p = ListPage {
        can_manage: ctx.allows(Action::CreateInspectionTask)
            || ctx.allows(Action::ViewOverdueInspections),
        tasks: rows,
        coverage: views::coverage_rows(lang, &depts, &cov),
        page: ctx.page(),
    };
    html(&p, StatusCode::OK)
}

/// `/inspections?format=csv|json`: the published tasks as listed, newest first.
async fn export(
    ctx: &Ctx,
    q: crate::domain::export::ExportQuery,
    base: String,
    rows: Vec<TaskRow>,
) -> Result<HttpResponse, AppError> {
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let all: Vec<(i64, serde_json::Value)> = rows
        .into_iter()
        .map(|t| {
            let v = serde_json::json!({
                "id": t.id,
                "title": t.title,
                "department": t.department,
                "rate_pct": t.rate_pct,
                "population_size": t.population_size,
                "sample_size": t.sample_size,
                "window": t.window,
                "status_name": t.status,
                "publish_due": t.publish_due,
                "url": format!("{public}/inspections/{}", t.id),
            });
            (t.id, v)
        })
        .collect();
    let d = &crate::domain::opendata::INSPECTIONS;
    crate::web::export::serve_by_id(ctx, d, q, base, move |_, before, n| {
        Ok(crate::web::export::below(all.clone(), before, n))
    })
    .await
}

// ---------------------------------------------------------------- one task

#[derive(Template)]
#[template(path = "inspections/task.html")]
pub struct TaskPage {
    pub page: Page,
    pub t: TaskView,
    pub can_manage: bool,
    pub me: i64,
}

async fn show(VisibleTask { ctx, task }: VisibleTask) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    let today = db::today();
    let can_manage = ctx.allows(Action::ManageInspections {
        department_id: task.department_id,
    });
    let facts = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(st::task_facts(c, task)?)
    })
    .await?;
    let p = TaskPage {
        t: views::task_view(lang, &facts, today),
        can_manage,
        me: ctx.user().map_or(0, |u| u.id),
        page: ctx.page(),
    };
    html(&p, StatusCode::OK)
}

async fn proof_json(VisibleTask { ctx, task }: VisibleTask) -> Result<HttpResponse, AppError> {
    let tid = task.id;
    let (population, targets) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((st::population_of(c, tid)?, st::targets_of(c, tid)?))
    })
    .await?;
    let proofs = views::task_proofs(&task, population, &targets).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .json(proofs))
}

// ---------------------------------------------------------------- manage

#[derive(Template)]
#[template(path = "inspections/manage.html")]
pub struct ManagePage {
    pub page: Page,
    pub is_regulator: bool,
    pub tasks: Vec<TaskRow>,
    pub overdue: Vec<TaskRow>,
    /// (target id, task id, task title, agency name, has result)
    pub mine: Vec<(i64, i64, String, String, bool)>,
}

async fn manage(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewOverdueInspections)?;
    let lang = ctx.lang();
    let today = db::today();
    let me = ctx.current()?.clone();
    let dept = if me.role == Role::Regulator {
        me.department_id
    } else {
        None
    };
    let (tasks, overdue, mine, depts) = db::run(ctx.pool(), move |c| {
        let tasks = match dept {
            Some(d) => st::department_tasks(c, d)?,
            None => Vec::new(),
        };
        let overdue = st::overdue(c, today, dept)?;
        let mine = st::my_targets(c, me.id)?;
        let ids: Vec<i64> = mine.iter().map(|(g, _)| g.agency_id).collect();
        let names = st::agency_names(c, &ids)?;
        let mine = mine
            .into_iter()
            .map(|(g, t)| {
                let n = names.get(&g.agency_id).cloned().unwrap_or_default();
                (g.id, t.id, t.title, n, g.result.is_some())
            })
            .collect::<Vec<_>>();
        Ok::<_, DbError>((
            tasks,
            overdue,
            mine,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let row = |t: &st::Task| views::task_row(lang, &depts, t, today);
    let p = ManagePage {
        is_regulator: dept.is_some(),
        tasks: tasks.iter().map(row).collect(),
        overdue: overdue.iter().map(row).collect(),
        mine,
        page: ctx.page(),
    };
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- inspector pool

#[derive(Template)]
#[template(path = "inspections/pool.html")]
pub struct PoolPage {
    pub page: Page,
    pub department: String,
    pub pool: Vec<Inspector>,
    pub candidates: Vec<(String, String)>,
    pub user_id: Field,
    pub name: Field,
    pub badge_no: Field,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InspectorPost {
    pub user_id: String,
    pub name: String,
    pub badge_no: String,
}

async fn pool_view(ctx: &Ctx, dept: i64, f: &InspectorPost) -> Result<PoolPage, AppError> {
    let lang = ctx.lang();
    let (pool, cands, depts) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            st::pool(c, dept)?,
            st::pool_candidates(c, dept)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    Ok(PoolPage {
        department: views::dept_name(lang, &depts, dept),
        pool,
        candidates: cands
            .into_iter()
            .map(|(id, n, e)| (id.to_string(), format!("{n}（{e}）")))
            .collect(),
        user_id: Field::new(f.user_id.clone()),
        name: Field::new(f.name.clone()),
        badge_no: Field::new(f.badge_no.clone()),
        page: ctx.page(),
    })
}

async fn pool_page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let dept = my_department(&ctx)?;
    let p = pool_view(&ctx, dept, &InspectorPost::default()).await?;
    html(&p, StatusCode::OK)
}

async fn add_inspector(
    ctx: Ctx,
    form: crate::web::forms::CsrfForm<InspectorPost>,
) -> Result<HttpResponse, AppError> {
    let dept = my_department(&ctx)?;
    let f = form.0;
    let lang = ctx.lang();
    let input = rules::InspectorInput {
        user_id: f.user_id.clone(),
        name: f.name.clone(),
        badge_no: f.badge_no.clone(),
    };
    let mut p = pool_view(&ctx, dept, &f).await?;
    let parsed = match rules::parse_inspector(&input) {
        Ok(x) => x,
        Err(problems) => {
            fail(
                lang,
                &mut [
                    ("user_id", &mut p.user_id),
                    ("name", &mut p.name),
                    ("badge_no", &mut p.badge_no),
                ],
                &problems,
            );
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let me = ctx.current()?.clone();
    let done = db::run(ctx.pool(), move |c| {
        steps::add_inspector(c, &me, dept, &parsed)
    })
    .await;
    match done {
        Ok(_) => Ok(redirect_flash(
            "/inspections/inspectors",
            FlashKind::Success,
            "insp.flash.inspector_added",
        )),
        Err(crate::error::StepError::Refused(r)) => {
            p.user_id.fail(lang, r.key, &r.args);
            html(&p, r.status())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct Empty {}

async fn remove_inspector(
    Posted { to, .. }: Posted<PoolEntry, Empty>,
) -> Result<HttpResponse, AppError> {
    let PoolEntry { ctx, inspector } = to;
    let me = ctx.current()?.clone();
    let id = inspector.id;
    db::run(ctx.pool(), move |c| steps::remove_inspector(c, &me, id)).await?;
    Ok(redirect_flash(
        "/inspections/inspectors",
        FlashKind::Success,
        "insp.flash.inspector_removed",
    ))
}

// ---------------------------------------------------------------- task form

#[derive(Template)]
#[template(path = "inspections/form.html")]
pub struct FormPage {
    pub page: Page,
    /// `None` for a new task.
    pub task_id: Option<i64>,
    pub title: Field,
    pub rate_pct: Field,
    pub inspectors_per_agency: Field,
    pub window_start: Field,
    pub window_end: Field,
    pub scope: Field,
    /// (checkbox name, label, checked)
    pub scope_options: Vec<(String, String, bool)>,
    pub min_rate: i64,
    pub pool_size: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TaskPost {
    pub title: String,
    pub rate_pct: String,
    pub inspectors_per_agency: String,
    pub window_start: String,
    pub window_end: String,
    #[serde(flatten)]
    pub rest: HashMap<String, String>,
}

impl TaskPost {
    fn scope(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix("scope.").map(str::to_string))
            .collect();
        v.sort();
        v
    }
    fn input(&self) -> rules::TaskInput {
        rules::TaskInput {
            title: self.title.clone(),
            scope: self.scope(),
            rate_pct: self.rate_pct.clone(),
            inspectors_per_agency: self.inspectors_per_agency.clone(),
            window_start: self.window_start.clone(),
            window_end: self.window_end.clone(),
        }
    }
    fn of_task(t: &st::Task) -> TaskPost {
        TaskPost {
            title: t.title.clone(),
            rate_pct: t.rate_pct.to_string(),
            inspectors_per_agency: t.inspectors_per_agency.to_string(),
            window_start: t.window_start.to_string(),
            window_end: t.window_end.to_string(),
            rest: t
                .scope_entries()
                .iter()
                .map(|e| (format!("scope.{}", e.code()), "1".to_string()))
                .collect(),
        }
    }
}

/// The department's scope choices, minimum rate and pool size.
struct FormFacts {
    options: Vec<(ScopeEntry, String)>,
    min_rate: i64,
    pool_size: usize,
}

async fn form_facts(ctx: &Ctx, dept: i64) -> Result<FormFacts, AppError> {
    let lang = ctx.lang();
    let (code, items, settings, pool) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            st::department_code(c, dept)?,
            st::department_items(c, dept)?,
            crate::accounts::store::settings::load(c)?,
            st::pool(c, dept)?.len(),
        ))
    })
    .await?;
    Ok(FormFacts {
        options: views::scope_options(lang, &code, &items),
        min_rate: settings.get("inspection_min_rate_pct"),
        pool_size: pool,
    })
}

fn form_page(ctx: &Ctx, task_id: Option<i64>, facts: &FormFacts, f: &TaskPost) -> FormPage {
    let checked = f.scope();
    FormPage {
        page: ctx.page(),
        task_id,
        title: Field::new(f.title.clone()),
        rate_pct: Field::new(f.rate_pct.clone()),
        inspectors_per_agency: Field::new(f.inspectors_per_agency.clone()),
        window_start: Field::new(f.window_start.clone()),
        window_end: Field::new(f.window_end.clone()),
        scope: Field::default(),
        scope_options: facts
            .options
            .iter()
            .map(|(e, label)| {
                (
                    format!("scope.{}", e.code()),
                    label.clone(),
                    checked.contains(&e.code()),
                )
            })
            .collect(),
        min_rate: facts.min_rate,
        pool_size: facts.pool_size,
    }
}

fn fail_form(lang: Lang, p: &mut FormPage, problems: &[Problem]) {
    fail(
        lang,
        &mut [
            ("title", &mut p.title),
            ("rate_pct", &mut p.rate_pct),
            ("inspectors_per_agency", &mut p.inspectors_per_agency),
            ("window_start", &mut p.window_start),
            ("window_end", &mut p.window_end),
            ("scope", &mut p.scope),
        ],
        problems,
    );
}

/// Parses the posted form; `Err` is the page to answer with 422.
fn parse_task_post(
    ctx: &Ctx,
    task_id: Option<i64>,
    facts: &FormFacts,
    f: &TaskPost,
) -> Result<rules::TaskForm, Box<FormPage>> {
    let allowed: Vec<ScopeEntry> = facts.options.iter().map(|(e, _)| e.clone()).collect();
    let min = i32::try_from(facts.min_rate).unwrap_or(5);
    rules::parse_task(&f.input(), db::today(), min, &allowed).map_err(|problems| {
        let mut p = form_page(ctx, task_id, facts, f);
        fail_form(ctx.lang(), &mut p, &problems);
        Box::new(p)
    })
}

async fn new_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let dept = my_department(&ctx)?;
    let facts = form_facts(&ctx, dept).await?;
    let f = TaskPost {
        rate_pct: facts.min_rate.to_string(),
        inspectors_per_agency: rules::MIN_INSPECTORS.to_string(),
        ..TaskPost::default()
    };
    html(&form_page(&ctx, None, &facts, &f), StatusCode::OK)
}

async fn create(
    ctx: Ctx,
    form: crate::web::forms::CsrfForm<TaskPost>,
) -> Result<HttpResponse, AppError> {
    let dept = my_department(&ctx)?;
    let facts = form_facts(&ctx, dept).await?;
    let parsed = match parse_task_post(&ctx, None, &facts, &form.0) {
        Ok(x) => x,
        Err(p) => return html(p.as_ref(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let me = ctx.current()?.clone();
    let id = db::run(ctx.pool(), move |c| {
        steps::create_task(c, &me, dept, &parsed)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/inspections/{id}"),
        FlashKind::Success,
        "insp.flash.created",
    ))
}

async fn edit_form(DepartmentTask { ctx, task }: DepartmentTask) -> Result<HttpResponse, AppError> {
    if !task.is_draft() {
        return Err(crate::error::Refusal::conflict(steps::NOT_DRAFT).into());
    }
    let facts = form_facts(&ctx, task.department_id).await?;
    html(
        &form_page(&ctx, Some(task.id), &facts, &TaskPost::of_task(&task)),
        StatusCode::OK,
    )
}

async fn update(
    Posted { to, form }: Posted<DepartmentTask, TaskPost>,
) -> Result<HttpResponse, AppError> {
    let DepartmentTask { ctx, task } = to;
    let facts = form_facts(&ctx, task.department_id).await?;
    let parsed = match parse_task_post(&ctx, Some(task.id), &facts, &form) {
        Ok(x) => x,
        Err(p) => return html(p.as_ref(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let me = ctx.current()?.clone();
    let id = task.id;
    db::run(ctx.pool(), move |c| {
        steps::update_task(c, &me, &task, &parsed)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/inspections/{id}"),
        FlashKind::Success,
        "insp.flash.saved",
    ))
}

async fn publish(
    Posted { to, .. }: Posted<DepartmentTask, Empty>,
) -> Result<HttpResponse, AppError> {
    let DepartmentTask { ctx, task } = to;
    let seed = Seed::generate().map_err(AppError::internal)?;
    let key = ctx.config().sealing_key;
    let me = ctx.current()?.clone();
    let today = db::today();
    let t2 = task.clone();
    let done = db::run(ctx.pool(), move |c| {
        steps::publish_task(c, &me, &t2, &seed, &key, today)
    })
    .await?;
    match done {
        Ok(()) => Ok(redirect_flash(
            &format!("/inspections/{}", task.id),
            FlashKind::Success,
            "insp.flash.published",
        )),
        Err(problems) => {
            // The draft's own values, each problem beside its field.
            let facts = form_facts(&ctx, task.department_id).await?;
            let mut p = form_page(&ctx, Some(task.id), &facts, &TaskPost::of_task(&task));
            fail_form(ctx.lang(), &mut p, &problems);
            html(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

async fn draw(Posted { to, .. }: Posted<DepartmentTask, Empty>) -> Result<HttpResponse, AppError> {
    let DepartmentTask { ctx, task } = to;
    let key = ctx.config().sealing_key;
    let me = ctx.current()?.clone();
    let id = task.id;
    let fresh = db::run(ctx.pool(), move |c| steps::draw(c, &me, id, &key)).await?;
    Ok(redirect_flash(
        &format!("/inspections/{id}"),
        if fresh {
            FlashKind::Success
        } else {
            FlashKind::Info
        },
        if fresh {
            "insp.flash.drawn"
        } else {
            "insp.flash.drawn_already"
        },
    ))
}

// ---------------------------------------------------------------- the drawn inspectors

#[derive(Template)]
#[template(path = "inspections/target.html")]
pub struct TargetPage {
    pub page: Page,
    pub task_id: i64,
    pub task_title: String,
    pub target_id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub window: String,
    pub has_result: bool,
    pub outcomes: Vec<(String, String)>,
    pub outcome: Field,
    pub findings: Field,
    pub rectify_by: Field,
    pub penalty: Field,
    pub reason: Field,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResultPost {
    pub outcome: String,
    pub findings: String,
    pub rectify_by: String,
    pub penalty: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecusePost {
    pub reason: String,
}

async fn target_view(d: &DrawnTarget, f: &ResultPost) -> Result<TargetPage, AppError> {
    let lang = d.ctx.lang();
    let aid = d.target.agency_id;
    let names = db::run(d.ctx.pool(), move |c| {
        Ok::<_, DbError>(st::agency_names(c, &[aid])?)
    })
    .await?;
    Ok(TargetPage {
        page: d.ctx.page(),
        task_id: d.task.id,
        task_title: d.task.title.clone(),
        target_id: d.target.id,
        agency_id: aid,
        agency_name: names.get(&aid).cloned().unwrap_or_default(),
        window: format!(
            "{} – {}",
            crate::web::fmt::date(d.task.window_start),
            crate::web::fmt::date(d.task.window_end)
        ),
        has_result: d.target.result.is_some(),
        outcomes: rules::Outcome::ALL
            .iter()
            .map(|o| {
                (
                    o.code().to_string(),
                    crate::i18n::tr(lang, o.label_key()).to_string(),
                )
            })
            .collect(),
        outcome: Field::new(f.outcome.clone()),
        findings: Field::new(f.findings.clone()),
        rectify_by: Field::new(f.rectify_by.clone()),
        penalty: Field::new(f.penalty.clone()),
        reason: Field::default(),
    })
}

async fn target_page(d: DrawnTarget) -> Result<HttpResponse, AppError> {
    let p = target_view(&d, &ResultPost::default()).await?;
    html(&p, StatusCode::OK)
}

async fn record_result(
    Posted { to, form }: Posted<DrawnTarget, ResultPost>,
) -> Result<HttpResponse, AppError> {
    let lang = to.ctx.lang();
    let today = db::today();
    let input = rules::ResultInput {
        outcome: form.outcome.clone(),
        findings: form.findings.clone(),
        rectify_by: form.rectify_by.clone(),
        penalty: form.penalty.clone(),
    };
    let parsed = match rules::parse_result(&input, today) {
        Ok(x) => x,
        Err(problems) => {
            let mut p = target_view(&to, &form).await?;
            fail(
                lang,
                &mut [
                    ("outcome", &mut p.outcome),
                    ("findings", &mut p.findings),
                    ("rectify_by", &mut p.rectify_by),
                    ("penalty", &mut p.penalty),
                ],
                &problems,
            );
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let me = to.ctx.current()?.clone();
    let tid = to.target.id;
    db::run(to.ctx.pool(), move |c| {
        steps::record_result(c, &me, tid, &parsed, today)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/inspections/{}", to.task.id),
        FlashKind::Success,
        "insp.flash.recorded",
    ))
}

async fn recuse(
    Posted { to, form }: Posted<DrawnTarget, RecusePost>,
) -> Result<HttpResponse, AppError> {
    let lang = to.ctx.lang();
    let mut reason = Field::new(form.reason.clone());
    let Some(text) = reason.check(
        lang,
        crate::domain::validate::text(&form.reason, rules::REASON_MAX, true),
    ) else {
        let mut p = target_view(&to, &ResultPost::default()).await?;
        p.reason = reason;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = to.ctx.current()?.clone();
    let tid = to.target.id;
    db::run(to.ctx.pool(), move |c| steps::recuse(c, &me, tid, &text)).await?;
    Ok(redirect_flash(
        &format!("/inspections/{}", to.task.id),
        FlashKind::Success,
        "insp.flash.recused",
    ))
}
