//! The service-item catalogue 中介服务事项库: the public list (with CSV and JSON downloads),
//! item pages with their history, the public change log (动态调整), the admin's add, publish
//! and cancel, the department regulator's edit, and regional assessments (区域评估) with their
//! result documents. Every change goes through `crate::catalogue::store::save_item` and is audited
//! in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::accounts::store::department::Department;
use crate::auth::Role;
use crate::auth::policy::{self, Action, Decision};
use crate::catalogue::steps;
use crate::catalogue::store::{self as cat, ChangeEntry, Item, ItemFields, ItemQual};
use crate::db::{self, DbError};
use crate::domain::catalogue::{self as vocab, Pricing};
use crate::domain::catalogue_rules::{self as rules, ItemInput, Problem, QUAL_SLOTS};
use crate::domain::money::Money;
use crate::domain::status::{AdjustmentKind, ItemStatus};
use crate::error::{AppError, StepError};
use crate::i18n::Lang;
use crate::i18n::tr_args;
use crate::uploads::{self, UploadBody};
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    // Fixed addresses first: `/catalogue/{code}` would otherwise take them.
    cfg.route("/catalogue", web::get().to(list))
        .route("/catalogue/changes", web::get().to(changes))
        .route("/catalogue/new", web::get().to(new_form))
        .route("/catalogue/new", web::post().to(create))
        .route(
            "/catalogue/assessments/{id}/document",
            web::get().to(assessment_document),
        )
        .route("/catalogue/{code}", web::get().to(show))
        .route("/catalogue/{code}/edit", web::get().to(edit_form))
        .route("/catalogue/{code}/edit", web::post().to(update))
        .route("/catalogue/{code}/publish", web::post().to(publish))
        .route("/catalogue/{code}/cancel", web::post().to(cancel))
        .route(
            "/catalogue/{code}/assessments",
            web::post().to(record_assessment),
        );
}

fn allowed(ctx: &Ctx, action: Action) -> bool {
    policy::decide(ctx.user(), action) == Decision::Allow
}

fn money_opt(m: Option<Money>) -> String {
    m.map(fmt::money).unwrap_or_default()
}

/// The fee as shown: the regime, and the range or fixed fee in yuan.
fn price_text(ctx: &Ctx, item: &Item) -> String {
    let label = ctx.t(&format!("cat.pricing.{}", item.pricing));
    match Pricing::parse(&item.pricing) {
        Some(Pricing::Guided) => format!(
            "{label} {} – {}",
            money_opt(item.price_min_fen),
            money_opt(item.price_max_fen)
        ),
        Some(Pricing::Fixed) => format!("{label} {}", money_opt(item.price_min_fen)),
        _ => label.to_string(),
    }
}

fn status_css(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Retained => "tag-success",
        ItemStatus::Cancelled => "tag-danger",
        ItemStatus::Draft => "tag-muted",
    }
}

fn paras(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn qual_text(ctx: &Ctx, q: &ItemQual) -> String {
    fmt::qual_at_least(ctx.lang(), &q.qual_type, q.min_level)
}

// ---------------------------------------------------------------- public list

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub industry: String,
    pub department: String,
    pub pricing: String,
    pub status: String,
    pub q: String,
    pub format: String,
}

pub struct RowView {
    pub code: String,
    pub name: String,
    pub industry: String,
    pub approval: String,
    pub department: String,
    pub days: i32,
    pub price: String,
    pub quals: String,
    pub status: String,
    pub status_css: &'static str,
}

#[derive(Template)]
#[template(path = "catalogue/list.html")]
pub struct ListPage {
    pub page: Page,
    pub industry: Field,
    pub department: Field,
    pub pricing: Field,
    pub status: Field,
    pub q: Field,
    pub industries: Vec<(String, String)>,
    pub departments: Vec<(String, String)>,
    pub pricings: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub rows: Vec<RowView>,
    pub drafts: Vec<RowView>,
    pub can_add: bool,
    pub csv_url: String,
    pub json_url: String,
}

/// One item in the JSON download.
#[derive(Serialize)]
struct ExportItem<'a> {
    code: &'a str,
    name: &'a str,
    keywords: &'a str,
    industry: &'a str,
    industry_name: &'static str,
    approval_name: &'a str,
    department_code: String,
    department_name: String,
    legal_basis: &'a str,
    time_limit_working_days: i32,
    pricing: &'a str,
    price_min_yuan: Option<String>,
    price_max_yuan: Option<String>,
    fee_basis: &'a str,
    payer: &'a str,
    self_preparable: bool,
    regional_assessment: bool,
    qualifications: Vec<ExportQual<'a>>,
    status: &'a str,
    version: i32,
    updated_at: String,
}

#[derive(Serialize)]
struct ExportQual<'a> {
    r#type: &'a str,
    min_level: i32,
}

fn url_with(q: &ListQuery, format: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("industry", &q.industry),
        ("department", &q.department),
        ("pricing", &q.pricing),
        ("status", &q.status),
        ("q", &q.q),
    ] {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    s.append_pair("format", format);
    format!("/catalogue?{}", s.finish())
}

/// What the list shows: the published items the filter keeps, their
/// qualifications, and the drafts the user may see on the HTML page (an admin all, a
/// regulator its own department's).
type Listed = (Vec<Item>, Vec<ItemQual>, Vec<Item>);

async fn load_list(
    ctx: &Ctx,
    filter: &rules::ListFilter,
    dept_id: Option<i64>,
    with_drafts: bool,
) -> Result<Listed, AppError> {
    let draft_scope = match ctx.user() {
        Some(u) if with_drafts && u.role == Role::Admin => Some(None),
        Some(u) if with_drafts && u.role == Role::Regulator => u.department_id.map(Some),
        _ => None,
    };
    let f2 = filter.clone();
    Ok(db::run(ctx.pool(), move |c| {
        let items: Vec<Item> = cat::list_published(
            c,
            f2.industry.as_deref(),
            dept_id,
            f2.pricing.map(Pricing::code),
            // "all" is the one filter value that is not a status.
            ItemStatus::parse(&f2.status),
        )?
        .into_iter()
        .filter(|i| rules::matches_query(&f2.q, &i.code, &i.name, &i.keywords))
        .collect();
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        let quals = cat::quals_of_items(c, &ids)?;
        let drafts = match draft_scope {
            Some(scope) => cat::drafts(c, scope)?,
            None => Vec::new(),
        };
        Ok::<_, DbError>((items, quals, drafts))
    })
    .await?)
}

fn row_view(ctx: &Ctx, depts: &[Department], quals: &[ItemQual], i: &Item) -> RowView {
    let q: Vec<String> = quals
        .iter()
        .filter(|q| q.item_id == i.id)
        .map(|q| qual_text(ctx, q))
        .collect();
    RowView {
        code: i.code.clone(),
        name: i.name.clone(),
        industry: ctx.t(&format!("cat.industry.{}", i.industry)).to_string(),
        approval: i.approval_name.clone(),
        department: fmt::dept(ctx.lang(), depts, Some(i.department_id)),
        days: i.time_limit_days,
        price: price_text(ctx, i),
        quals: if q.is_empty() {
            ctx.t("catalogue.item.no_qual").to_string()
        } else {
            q.join("；")
        },
        status: ctx.t(&format!("cat.status.{}", i.status)).to_string(),
        status_css: status_css(i.status),
    }
}

/// The choices of the list's filter selects (industries, departments, pricing, statuses).
fn filter_options(ctx: &Ctx, depts: &[Department]) -> [Vec<(String, String)>; 4] {
    let lang = ctx.lang();
    [
        vocab::INDUSTRIES
            .iter()
            .map(|(c, _)| (c.to_string(), ctx.t(&format!("cat.industry.{c}")).into()))
            .collect(),
        depts
            .iter()
            .map(|d| (d.code.clone(), d.name(lang).to_string()))
            .collect(),
        Pricing::ALL
            .iter()
            .map(|p| {
                (
                    p.code().to_string(),
                    ctx.t(&format!("cat.pricing.{}", p.code())).into(),
                )
            })
            .collect(),
        ["retained", "cancelled", "all"]
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    ctx.t(&format!("catalogue.list.status_{s}")).into(),
                )
            })
            .collect(),
    ]
}

async fn list(ctx: Ctx, q: web::Query<ListQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let q = q.into_inner();
    let format = match q.format.trim() {
        "" | "html" => "html",
        "csv" => "csv",
        "json" => "json",
        _ => return Err(AppError::BadRequest("catalogue.err.filter_format")),
    };
    let depts = departments(&ctx).await?;
    let codes: Vec<&str> = depts.iter().map(|d| d.code.as_str()).collect();
    let filter = rules::parse_filter(
        &q.industry,
        &q.department,
        &q.pricing,
        &q.status,
        &q.q,
        &codes,
    )
    .map_err(AppError::BadRequest)?;
    let dept_id = filter
        .department
        .as_deref()
        .and_then(|code| depts.iter().find(|d| d.code == code))
        .map(|d| d.id);
    let (items, quals, drafts) = load_list(&ctx, &filter, dept_id, format == "html").await?;
    match format {
        "csv" => return Ok(csv_download(&ctx, &items, &quals, &depts)),
        "json" => return json_download(&items, &quals, &depts),
        _ => {}
    }
    let [industries, dept_options, pricings, statuses] = filter_options(&ctx, &depts);
    let p = ListPage {
        page: ctx.page(),
        industry: Field::new(filter.industry.clone().unwrap_or_default()),
        department: Field::new(filter.department.clone().unwrap_or_default()),
        pricing: Field::new(filter.pricing.map(Pricing::code).unwrap_or_default()),
        status: Field::new(filter.status.clone()),
        q: Field::new(filter.q.clone()),
        industries,
        departments: dept_options,
        pricings,
        statuses,
        rows: items
            .iter()
            .map(|i| row_view(&ctx, &depts, &quals, i))
            .collect(),
        drafts: drafts
            .iter()
            .map(|i| row_view(&ctx, &depts, &quals, i))
            .collect(),
        can_add: allowed(&ctx, Action::PublishCatalogue),
        csv_url: url_with(&q, "csv"),
        json_url: url_with(&q, "json"),
    };
    html(&p, StatusCode::OK)
}

fn attachment(content_type: &str, filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}

fn csv_download(
    ctx: &Ctx,
    items: &[Item],
    quals: &[ItemQual],
    depts: &[Department],
) -> HttpResponse {
    let lang = ctx.lang();
    let mut out = String::from(rules::CSV_BOM);
    let head: Vec<String> = [
        "code",
        "name",
        "industry",
        "approval",
        "department",
        "legal_basis",
        "days",
        "pricing",
        "price_min",
        "price_max",
        "fee_basis",
        "payer",
        "quals",
        "self_preparable",
        "regional",
        "status",
        "version",
        "keywords",
    ]
    .iter()
    .map(|k| ctx.t(&format!("catalogue.csv.{k}")).to_string())
    .collect();
    out.push_str(&rules::csv_row(&head));
    let yes_no = |b: bool| {
        ctx.t(if b { "catalogue.yes" } else { "catalogue.no" })
            .to_string()
    };
    for i in items {
        let q: Vec<String> = quals
            .iter()
            .filter(|q| q.item_id == i.id)
            .map(|q| qual_text(ctx, q))
            .collect();
        out.push_str(&rules::csv_row(&[
            i.code.clone(),
            i.name.clone(),
            ctx.t(&format!("cat.industry.{}", i.industry)).into(),
            i.approval_name.clone(),
            fmt::dept(lang, depts, Some(i.department_id)),
            i.legal_basis.clone(),
            i.time_limit_days.to_string(),
            ctx.t(&format!("cat.pricing.{}", i.pricing)).into(),
            i.price_min_fen.map(Money::to_plain).unwrap_or_default(),
            i.price_max_fen.map(Money::to_plain).unwrap_or_default(),
            i.fee_basis.clone(),
            ctx.t(&format!("cat.payer.{}", i.payer)).into(),
            q.join("；"),
            yes_no(i.self_preparable),
            yes_no(i.regional_assessment),
            ctx.t(&format!("cat.status.{}", i.status)).into(),
            i.version.to_string(),
            i.keywords.clone(),
        ]));
    }
    attachment("text/csv; charset=utf-8", "catalogue.csv", out.into_bytes())
}

fn json_download(
    items: &[Item],
    quals: &[ItemQual],
    depts: &[Department],
) -> Result<HttpResponse, AppError> {
    let list: Vec<ExportItem<'_>> = items
        .iter()
        .map(|i| {
            let d = depts.iter().find(|d| d.id == i.department_id);
            ExportItem {
                code: &i.code,
                name: &i.name,
                keywords: &i.keywords,
                industry: &i.industry,
                industry_name: crate::i18n::tr(Lang::Zh, &format!("cat.industry.{}", i.industry)),
                approval_name: &i.approval_name,
                department_code: d.map(|d| d.code.clone()).unwrap_or_default(),
                department_name: d.map(|d| d.name_zh.clone()).unwrap_or_default(),
                legal_basis: &i.legal_basis,
                time_limit_working_days: i.time_limit_days,
                pricing: &i.pricing,
                price_min_yuan: i.price_min_fen.map(Money::to_plain),
                price_max_yuan: i.price_max_fen.map(Money::to_plain),
                fee_basis: &i.fee_basis,
                payer: &i.payer,
                self_preparable: i.self_preparable,
                regional_assessment: i.regional_assessment,
                qualifications: quals
                    .iter()
                    .filter(|q| q.item_id == i.id)
                    .map(|q| ExportQual {
                        r#type: &q.qual_type,
                        min_level: q.min_level,
                    })
                    .collect(),
                status: i.status.as_str(),
                version: i.version,
                updated_at: i.updated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            }
        })
        .collect();
    let body = serde_json::to_vec_pretty(&list).map_err(AppError::internal)?;
    Ok(attachment(
        "application/json; charset=utf-8",
        "catalogue.json",
        body,
    ))
}

// ---------------------------------------------------------------- change log

pub struct ChangeView {
    pub when: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_css: &'static str,
    pub version: i32,
    pub reason: String,
    pub basis: String,
    pub who: String,
}

#[derive(Template)]
#[template(path = "catalogue/changes.html")]
pub struct ChangesPage {
    pub page: Page,
    pub changes: Vec<ChangeView>,
}

fn change_views(ctx: &Ctx, list: &[ChangeEntry], depts: &[Department]) -> Vec<ChangeView> {
    let lang = ctx.lang();
    list.iter()
        .map(|e| {
            let a = &e.adjustment;
            // The acting office, never the person: department and role.
            let who = match (&e.actor_role, e.actor_department_id) {
                (None, _) => ctx.t("catalogue.who.system").to_string(),
                (Some(role), dept) => {
                    let role = Role::parse(role)
                        .map(|r| ctx.t(r.label_key()))
                        .unwrap_or("");
                    match dept {
                        Some(d) => format!("{} · {role}", fmt::dept(lang, depts, Some(d))),
                        None => role.to_string(),
                    }
                }
            };
            ChangeView {
                when: fmt_time(a.created_at),
                code: e.item_code.clone(),
                name: e.item_name.clone(),
                kind: ctx.t(&format!("catalogue.kind.{}", a.kind)).to_string(),
                kind_css: match a.kind {
                    AdjustmentKind::Add => "tag-success",
                    AdjustmentKind::Cancel => "tag-danger",
                    AdjustmentKind::Modify => "tag-info",
                },
                version: a.version,
                reason: a.reason.clone(),
                basis: a.basis.clone(),
                who,
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangesQuery {
    /// `add`, `modify` or `cancel`: only changes of that kind.
    pub kind: String,
    pub format: String,
    pub limit: String,
    pub after: String,
}

async fn changes(ctx: Ctx, q: web::Query<ChangesQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let q = q.into_inner();
    let ex = crate::web::export::RawExport {
        format: q.format.clone(),
        limit: q.limit.clone(),
        after: q.after.clone(),
    }
    .parse()?;
    let kind = q.kind.trim().to_string();
    if !(kind.is_empty() || ["add", "modify", "cancel"].contains(&kind.as_str())) {
        return Err(AppError::BadRequest("catalogue.err.filter_kind"));
    }
    let (mut list, depts) = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>((
            cat::public_changes(c, None)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    list.retain(|e| kind.is_empty() || e.adjustment.kind.to_string() == kind);
    let views = change_views(&ctx, &list, &depts);
    if ex.format != crate::domain::export::Format::Html {
        let base = crate::web::export::url("/catalogue/changes", &[("kind", kind)]);
        return changes_export(&ctx, ex, base, &list, views).await;
    }
    let p = ChangesPage {
        page: ctx.page(),
        changes: views,
    };
    html(&p, StatusCode::OK)
}

/// `/catalogue/changes?format=csv|json`: the change log as shown, newest first.
async fn changes_export(
    ctx: &Ctx,
    q: crate::domain::export::ExportQuery,
    base: String,
    list: &[ChangeEntry],
    views: Vec<ChangeView>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::credit::mask_free_text;
    let all: Vec<(i64, serde_json::Value)> = list
        .iter()
        .zip(views)
        .map(|(e, v)| {
            let a = &e.adjustment;
            let item = serde_json::json!({
                "id": a.id,
                "date": v.when,
                "item_code": v.code,
                "item_name": v.name,
                "kind": a.kind.to_string(),
                "kind_name": v.kind,
                "version": a.version,
                "reason": mask_free_text(&v.reason),
                "legal_basis": mask_free_text(&v.basis),
                "by": v.who,
            });
            (a.id, item)
        })
        .collect();
    let d = &crate::domain::opendata::CATALOGUE_CHANGES;
    crate::web::export::serve_by_id(ctx, d, q, base, move |_, before, n| {
        Ok(crate::web::export::below(all.clone(), before, n))
    })
    .await
}

// ---------------------------------------------------------------- item page

pub struct AssessmentView {
    pub id: i64,
    pub zone: String,
    pub title: String,
    pub valid_until: String,
    pub has_document: bool,
}

pub struct OfferView {
    pub agency_id: i64,
    pub name: String,
    pub region: String,
    pub fee_standard: String,
    pub committed_days: i32,
}

#[derive(Template)]
#[template(path = "catalogue/show.html")]
pub struct ItemPage {
    pub page: Page,
    pub item: Item,
    pub industry: String,
    pub department: String,
    pub price: String,
    pub payer: String,
    pub status: String,
    pub status_css: &'static str,
    pub quals: Vec<String>,
    pub guide: Vec<(String, Vec<String>)>,
    pub legal_basis: Vec<String>,
    pub fee_basis: Vec<String>,
    pub assessments: Vec<AssessmentView>,
    pub offers: Vec<OfferView>,
    pub changes: Vec<ChangeView>,
    pub can_edit: bool,
    pub can_publish: bool,
    pub can_cancel: bool,
    pub can_assess: bool,
    /// Reason and basis of the publish or cancel form (only one is shown at a time).
    pub reason: Field,
    pub basis: Field,
    pub zone: Field,
    pub title: Field,
    pub valid_until: Field,
    pub document: Field,
    pub zones: Vec<(String, String)>,
    pub today: String,
}

/// What the item page shows besides the item: its qualifications, the assessments in force,
/// the agencies offering it, its history and the departments.
struct ItemFacts {
    quals: Vec<ItemQual>,
    assessments: Vec<cat::RegionalAssessment>,
    offers: Vec<cat::Offer>,
    history: Vec<ChangeEntry>,
    depts: Vec<Department>,
}

async fn load_item_facts(
    ctx: &Ctx,
    code: String,
    today: chrono::NaiveDate,
) -> Result<(Item, ItemFacts), AppError> {
    db::run(ctx.pool(), move |c| {
        let Some(item) = cat::find_by_code(c, &code)? else {
            return Ok::<_, DbError>(None);
        };
        let facts = ItemFacts {
            quals: cat::quals_of(c, item.id)?,
            assessments: cat::assessments_in_force(c, item.id, today)?,
            offers: cat::offering_agencies(c, item.id)?,
            history: cat::public_changes(c, Some(item.id))?,
            depts: crate::accounts::store::department::all(c)?,
        };
        Ok(Some((item, facts)))
    })
    .await?
    .ok_or(AppError::NotFound)
}

fn assessment_views(ctx: &Ctx, f: &ItemFacts) -> Vec<AssessmentView> {
    f.assessments
        .iter()
        .map(|a| AssessmentView {
            id: a.id,
            zone: ctx.t(&format!("cat.region.{}", a.zone)).into(),
            title: a.title.clone(),
            valid_until: fmt::date(a.valid_until),
            has_document: a.upload_id.is_some(),
        })
        .collect()
}

fn offer_views(ctx: &Ctx, f: &ItemFacts) -> Vec<OfferView> {
    f.offers
        .iter()
        .map(|o| OfferView {
            agency_id: o.agency_id,
            name: o.name.clone(),
            region: ctx.t(&format!("cat.region.{}", o.region)).into(),
            fee_standard: o.fee_standard.clone(),
            committed_days: o.committed_days,
        })
        .collect()
}

/// The item page for `code`, or 404 — also for a draft the user may not edit.
async fn item_page(ctx: &Ctx, code: String) -> Result<ItemPage, AppError> {
    let today = crate::db::today();
    let (item, facts) = load_item_facts(ctx, code, today).await?;
    let dept = item.department_id;
    let can_edit = allowed(
        ctx,
        Action::EditCatalogueItem {
            department_id: dept,
        },
    );
    if item.status == ItemStatus::Draft && !can_edit {
        return Err(AppError::NotFound);
    }
    let lang = ctx.lang();
    let admin = allowed(ctx, Action::PublishCatalogue);
    let guide = [
        ("catalogue.item.guide_basis", &item.guide_basis),
        ("catalogue.item.guide_scope", &item.guide_scope),
        ("catalogue.item.guide_object", &item.guide_object),
        ("catalogue.item.guide_content", &item.guide_content),
        ("catalogue.item.guide_method", &item.guide_method),
        ("catalogue.item.guide_conclusion", &item.guide_conclusion),
    ]
    .iter()
    .map(|(k, v)| (ctx.t(k).to_string(), paras(v)))
    .collect();
    Ok(ItemPage {
        page: ctx.page(),
        industry: ctx.t(&format!("cat.industry.{}", item.industry)).into(),
        department: fmt::dept(lang, &facts.depts, Some(dept)),
        price: price_text(ctx, &item),
        payer: ctx.t(&format!("cat.payer.{}", item.payer)).into(),
        status: ctx.t(&format!("cat.status.{}", item.status)).into(),
        status_css: status_css(item.status),
        quals: facts.quals.iter().map(|q| qual_text(ctx, q)).collect(),
        guide,
        legal_basis: paras(&item.legal_basis),
        fee_basis: paras(&item.fee_basis),
        assessments: assessment_views(ctx, &facts),
        offers: offer_views(ctx, &facts),
        changes: change_views(ctx, &facts.history, &facts.depts),
        can_edit: can_edit && item.status != ItemStatus::Cancelled,
        can_publish: admin && item.status == ItemStatus::Draft,
        can_cancel: admin && item.status == ItemStatus::Retained,
        can_assess: item.usable()
            && item.regional_assessment
            && allowed(
                ctx,
                Action::RecordRegionalAssessment {
                    department_id: dept,
                },
            ),
        reason: Field::default(),
        basis: Field::default(),
        zone: Field::default(),
        title: Field::default(),
        valid_until: Field::default(),
        document: Field::default(),
        zones: vocab::REGIONS
            .iter()
            .filter(|r| vocab::is_local_zone(r))
            .map(|r| (r.to_string(), ctx.t(&format!("cat.region.{r}")).into()))
            .collect(),
        today: fmt::date(today),
        item,
    })
}

async fn show(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let p = item_page(&ctx, path.into_inner()).await?;
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- add and edit

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ItemForm {
    pub code: String,
    pub name: String,
    pub keywords: String,
    pub industry: String,
    pub approval_name: String,
    pub department_id: String,
    pub legal_basis: String,
    pub guide_basis: String,
    pub guide_scope: String,
    pub guide_object: String,
    pub guide_content: String,
    pub guide_method: String,
    pub guide_conclusion: String,
    pub time_limit_days: String,
    pub pricing: String,
    pub price_min: String,
    pub price_max: String,
    pub price_fixed: String,
    pub fee_basis: String,
    pub payer: String,
    pub self_preparable: String,
    pub regional_assessment: String,
    pub qual1_type: String,
    pub qual1_level: String,
    pub qual2_type: String,
    pub qual2_level: String,
    pub qual3_type: String,
    pub qual3_level: String,
    pub qual4_type: String,
    pub qual4_level: String,
    pub qual5_type: String,
    pub qual5_level: String,
    pub reason: String,
    pub basis: String,
}

impl ItemForm {
    fn quals(&self) -> Vec<(String, String)> {
        vec![
            (self.qual1_type.clone(), self.qual1_level.clone()),
            (self.qual2_type.clone(), self.qual2_level.clone()),
            (self.qual3_type.clone(), self.qual3_level.clone()),
            (self.qual4_type.clone(), self.qual4_level.clone()),
            (self.qual5_type.clone(), self.qual5_level.clone()),
        ]
    }

    fn input(&self) -> ItemInput {
        ItemInput {
            code: self.code.clone(),
            name: self.name.clone(),
            keywords: self.keywords.clone(),
            industry: self.industry.clone(),
            approval_name: self.approval_name.clone(),
            department_id: self.department_id.clone(),
            legal_basis: self.legal_basis.clone(),
            guide_basis: self.guide_basis.clone(),
            guide_scope: self.guide_scope.clone(),
            guide_object: self.guide_object.clone(),
            guide_content: self.guide_content.clone(),
            guide_method: self.guide_method.clone(),
            guide_conclusion: self.guide_conclusion.clone(),
            time_limit_days: self.time_limit_days.clone(),
            pricing: self.pricing.clone(),
            price_min: self.price_min.clone(),
            price_max: self.price_max.clone(),
            price_fixed: self.price_fixed.clone(),
            fee_basis: self.fee_basis.clone(),
            payer: self.payer.clone(),
            self_preparable: self.self_preparable.clone(),
            regional_assessment: self.regional_assessment.clone(),
            quals: self.quals(),
        }
    }

    /// The form filled from a stored item (for the edit page).
    fn of(item: &Item, quals: &[ItemQual]) -> ItemForm {
        let plain = |m: Option<Money>| m.map(Money::to_plain).unwrap_or_default();
        let fixed = item.pricing == "fixed";
        let mut f = ItemForm {
            code: item.code.clone(),
            name: item.name.clone(),
            keywords: item.keywords.clone(),
            industry: item.industry.clone(),
            approval_name: item.approval_name.clone(),
            department_id: item.department_id.to_string(),
            legal_basis: item.legal_basis.clone(),
            guide_basis: item.guide_basis.clone(),
            guide_scope: item.guide_scope.clone(),
            guide_object: item.guide_object.clone(),
            guide_content: item.guide_content.clone(),
            guide_method: item.guide_method.clone(),
            guide_conclusion: item.guide_conclusion.clone(),
            time_limit_days: item.time_limit_days.to_string(),
            pricing: item.pricing.clone(),
            price_min: if fixed {
                String::new()
            } else {
                plain(item.price_min_fen)
            },
            price_max: if fixed {
                String::new()
            } else {
                plain(item.price_max_fen)
            },
            price_fixed: if fixed {
                plain(item.price_min_fen)
            } else {
                String::new()
            },
            fee_basis: item.fee_basis.clone(),
            payer: item.payer.clone(),
            self_preparable: if item.self_preparable {
                "1".into()
            } else {
                String::new()
            },
            regional_assessment: if item.regional_assessment {
                "1".into()
            } else {
                String::new()
            },
            ..ItemForm::default()
        };
        let slots: [(&mut String, &mut String); QUAL_SLOTS] = [
            (&mut f.qual1_type, &mut f.qual1_level),
            (&mut f.qual2_type, &mut f.qual2_level),
            (&mut f.qual3_type, &mut f.qual3_level),
            (&mut f.qual4_type, &mut f.qual4_level),
            (&mut f.qual5_type, &mut f.qual5_level),
        ];
        for ((t, l), q) in slots.into_iter().zip(quals) {
            *t = q.qual_type.clone();
            *l = q.min_level.to_string();
        }
        f
    }
}

pub struct QualRow {
    pub type_name: &'static str,
    pub level_name: &'static str,
    pub type_label: String,
    pub level_label: String,
    pub qual_type: Field,
    pub level: Field,
}

#[derive(Template)]
#[template(path = "catalogue/form.html")]
pub struct ItemFormPage {
    pub page: Page,
    pub is_new: bool,
    pub action: String,
    /// The item's code and name on the edit page (the code is its address and does not change).
    pub item_code: String,
    pub item_name: String,
    pub code: Field,
    pub name: Field,
    pub keywords: Field,
    pub industry: Field,
    pub approval_name: Field,
    pub department_id: Field,
    pub legal_basis: Field,
    pub guide_basis: Field,
    pub guide_scope: Field,
    pub guide_object: Field,
    pub guide_content: Field,
    pub guide_method: Field,
    pub guide_conclusion: Field,
    pub time_limit_days: Field,
    pub pricing: Field,
    pub price_min: Field,
    pub price_max: Field,
    pub price_fixed: Field,
    pub fee_basis: Field,
    pub payer: Field,
    pub self_preparable: bool,
    pub regional_assessment: bool,
    pub quals: Vec<QualRow>,
    pub reason: Field,
    pub basis: Field,
    pub industries: Vec<(String, String)>,
    pub departments: Vec<(String, String)>,
    pub pricings: Vec<(String, String)>,
    pub payers: Vec<(String, String)>,
    pub qual_types: Vec<(String, String)>,
    pub levels: Vec<(String, String)>,
    pub has_errors: bool,
}

impl ItemFormPage {
    /// The qualification rows of the form (type and minimum level, numbered).
    fn qual_rows(lang: Lang, f: &ItemForm) -> Vec<QualRow> {
        f.quals()
            .into_iter()
            .enumerate()
            .map(|(i, (t, l))| QualRow {
                type_name: rules::qual_field(i, false),
                level_name: rules::qual_field(i, true),
                type_label: tr_args(
                    lang,
                    "catalogue.form.qual_type_n",
                    &[("n", &(i + 1).to_string())],
                ),
                level_label: tr_args(
                    lang,
                    "catalogue.form.qual_level_n",
                    &[("n", &(i + 1).to_string())],
                ),
                qual_type: Field::new(t),
                level: Field::new(l),
            })
            .collect()
    }

    /// The minimum-level choices: any level, then each level.
    fn level_choices(ctx: &Ctx) -> Vec<(String, String)> {
        std::iter::once(0)
            .chain(vocab::LEVELS.iter().copied())
            .map(|l| {
                let key = if l == 0 {
                    "catalogue.form.level_any".to_string()
                } else {
                    format!("cat.level.{l}")
                };
                (l.to_string(), ctx.t(&key).to_string())
            })
            .collect()
    }

    fn build(ctx: &Ctx, f: &ItemForm, depts: &[Department], is_new: bool, action: String) -> Self {
        let lang = ctx.lang();
        let quals = Self::qual_rows(lang, f);
        ItemFormPage {
            page: ctx.page(),
            is_new,
            action,
            item_code: f.code.clone(),
            item_name: f.name.clone(),
            code: Field::new(&f.code),
            name: Field::new(&f.name),
            keywords: Field::new(&f.keywords),
            industry: Field::new(&f.industry),
            approval_name: Field::new(&f.approval_name),
            department_id: Field::new(&f.department_id),
            legal_basis: Field::new(&f.legal_basis),
            guide_basis: Field::new(&f.guide_basis),
            guide_scope: Field::new(&f.guide_scope),
            guide_object: Field::new(&f.guide_object),
            guide_content: Field::new(&f.guide_content),
            guide_method: Field::new(&f.guide_method),
            guide_conclusion: Field::new(&f.guide_conclusion),
            time_limit_days: Field::new(&f.time_limit_days),
            pricing: Field::new(&f.pricing),
            price_min: Field::new(&f.price_min),
            price_max: Field::new(&f.price_max),
            price_fixed: Field::new(&f.price_fixed),
            fee_basis: Field::new(&f.fee_basis),
            payer: Field::new(&f.payer),
            self_preparable: !f.self_preparable.trim().is_empty(),
            regional_assessment: !f.regional_assessment.trim().is_empty(),
            quals,
            reason: Field::new(&f.reason),
            basis: Field::new(&f.basis),
            industries: vocab::INDUSTRIES
                .iter()
                .map(|(c, _)| (c.to_string(), ctx.t(&format!("cat.industry.{c}")).into()))
                .collect(),
            departments: depts
                .iter()
                .map(|d| (d.id.to_string(), d.name(lang).to_string()))
                .collect(),
            pricings: Pricing::ALL
                .iter()
                .map(|p| {
                    (
                        p.code().to_string(),
                        ctx.t(&format!("cat.pricing.{}", p.code())).into(),
                    )
                })
                .collect(),
            payers: vocab::PAYERS
                .iter()
                .map(|p| (p.to_string(), ctx.t(&format!("cat.payer.{p}")).into()))
                .collect(),
            qual_types: vocab::QUAL_TYPES
                .iter()
                .map(|(c, _, _)| (c.to_string(), ctx.t(&format!("cat.qual.{c}")).into()))
                .collect(),
            levels: Self::level_choices(ctx),
            has_errors: false,
        }
    }

    fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        Some(match name {
            "code" => &mut self.code,
            "name" => &mut self.name,
            "keywords" => &mut self.keywords,
            "industry" => &mut self.industry,
            "approval_name" => &mut self.approval_name,
            "department_id" => &mut self.department_id,
            "legal_basis" => &mut self.legal_basis,
            "guide_basis" => &mut self.guide_basis,
            "guide_scope" => &mut self.guide_scope,
            "guide_object" => &mut self.guide_object,
            "guide_content" => &mut self.guide_content,
            "guide_method" => &mut self.guide_method,
            "guide_conclusion" => &mut self.guide_conclusion,
            "time_limit_days" => &mut self.time_limit_days,
            "pricing" => &mut self.pricing,
            "price_min" => &mut self.price_min,
            "price_max" => &mut self.price_max,
            "price_fixed" => &mut self.price_fixed,
            "fee_basis" => &mut self.fee_basis,
            "payer" => &mut self.payer,
            "reason" => &mut self.reason,
            "basis" => &mut self.basis,
            other => {
                let row = self
                    .quals
                    .iter_mut()
                    .find(|r| r.type_name == other || r.level_name == other)?;
                if row.type_name == other {
                    &mut row.qual_type
                } else {
                    &mut row.level
                }
            }
        })
    }

    fn show_problems(&mut self, lang: Lang, problems: &[Problem]) {
        for p in problems {
            if let Some(f) = self.field_mut(p.field) {
                f.fail(lang, p.key, &p.args);
            }
        }
        self.has_errors = true;
    }
}

/// Validates the item form and the change's reason and basis together.
fn check_form(
    f: &ItemForm,
    depts: &[Department],
) -> Result<(rules::ValidItem, String, String), Vec<Problem>> {
    let ids: Vec<i64> = depts.iter().map(|d| d.id).collect();
    let item = rules::validate_item(&f.input(), &ids);
    let change = rules::validate_change(&f.reason, &f.basis);
    match (item, change) {
        (Ok(i), Ok((r, b))) => Ok((i, r, b)),
        (i, c) => Err(i
            .err()
            .unwrap_or_default()
            .into_iter()
            .chain(c.err().unwrap_or_default())
            .collect()),
    }
}

async fn departments(ctx: &Ctx) -> Result<Vec<Department>, AppError> {
    Ok(db::run(ctx.pool(), |c| {
        crate::accounts::store::department::all(c).map_err(DbError::from)
    })
    .await?)
}

async fn new_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::PublishCatalogue)?;
    let depts = departments(&ctx).await?;
    let f = ItemForm {
        pricing: "market".into(),
        payer: "enterprise".into(),
        ..ItemForm::default()
    };
    let p = ItemFormPage::build(&ctx, &f, &depts, true, "/catalogue/new".into());
    html(&p, StatusCode::OK)
}

async fn create(ctx: Ctx, CsrfForm(f): CsrfForm<ItemForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::PublishCatalogue)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let depts = departments(&ctx).await?;
    let mut p = ItemFormPage::build(&ctx, &f, &depts, true, "/catalogue/new".into());
    let (valid, reason, basis) = match check_form(&f, &depts) {
        Ok(v) => v,
        Err(problems) => {
            p.show_problems(lang, &problems);
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let fields = ItemFields::from_valid(&valid);
    let quals = valid.quals.clone();
    let r = db::run(ctx.pool(), move |c| {
        steps::add_item(c, &me, &fields, &quals, &reason, &basis)
    })
    .await;
    match r {
        Ok(code) => Ok(redirect_flash(
            &format!("/catalogue/{code}"),
            FlashKind::Success,
            "catalogue.flash.draft_saved",
        )),
        Err(StepError::Refused(r)) if r.key == steps::CODE_TAKEN => {
            p.code.fail(lang, r.key, &[]);
            p.has_errors = true;
            html(&p, r.status())
        }
        Err(e) => Err(e.into()),
    }
}

/// Loads an item and its qualifications by code, or 404.
async fn load_item(ctx: &Ctx, code: String) -> Result<(Item, Vec<ItemQual>), AppError> {
    db::run(ctx.pool(), move |c| {
        let Some(item) = cat::find_by_code(c, &code)? else {
            return Ok::<_, DbError>(None);
        };
        let q = cat::quals_of(c, item.id)?;
        Ok(Some((item, q)))
    })
    .await?
    .ok_or(AppError::NotFound)
}

async fn edit_form(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (item, quals) = load_item(&ctx, path.into_inner()).await?;
    ctx.authorize(Action::EditCatalogueItem {
        department_id: item.department_id,
    })?;
    if item.status == ItemStatus::Cancelled {
        return Err(AppError::BadRequest("catalogue.err.cancelled_locked"));
    }
    let depts = departments(&ctx).await?;
    let f = ItemForm::of(&item, &quals);
    let p = ItemFormPage::build(
        &ctx,
        &f,
        &depts,
        false,
        format!("/catalogue/{}/edit", item.code),
    );
    html(&p, StatusCode::OK)
}

async fn update(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(mut f): CsrfForm<ItemForm>,
) -> Result<HttpResponse, AppError> {
    let (item, _) = load_item(&ctx, path.into_inner()).await?;
    ctx.authorize(Action::EditCatalogueItem {
        department_id: item.department_id,
    })?;
    if item.status == ItemStatus::Cancelled {
        return Err(AppError::BadRequest("catalogue.err.cancelled_locked"));
    }
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    // The code is the item's public address: it never changes.
    f.code = item.code.clone();
    let depts = departments(&ctx).await?;
    let action = format!("/catalogue/{}/edit", item.code);
    let mut p = ItemFormPage::build(&ctx, &f, &depts, false, action);
    p.item_name = item.name.clone();
    let checked = check_form(&f, &depts);
    let (valid, reason, basis) = match checked {
        Ok(v) => v,
        Err(problems) => {
            p.show_problems(lang, &problems);
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    // A regulator keeps the item in its own department (it could not edit it afterwards).
    if me.role != Role::Admin && valid.department_id != item.department_id {
        p.department_id
            .fail(lang, "catalogue.v.department_own", &[]);
        p.has_errors = true;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let fields = ItemFields::from_valid(&valid);
    let quals = valid.quals.clone();
    let code = item.code.clone();
    db::run(ctx.pool(), move |c| {
        steps::modify_item(c, &me, item.id, &fields, &quals, &reason, &basis)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/catalogue/{code}"),
        FlashKind::Success,
        "catalogue.flash.modified",
    ))
}

// ---------------------------------------------------------------- publish and cancel

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    pub reason: String,
    pub basis: String,
}

/// Publishes a draft (status retained, logged as `add`) or cancels a retained item.
async fn change_status(
    ctx: Ctx,
    code: String,
    f: ChangeForm,
    from: ItemStatus,
    to: ItemStatus,
    kind: AdjustmentKind,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::PublishCatalogue)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let (item, _) = load_item(&ctx, code.clone()).await?;
    if item.status != from {
        return Err(AppError::BadRequest(if from == ItemStatus::Draft {
            "catalogue.err.not_draft"
        } else {
            "catalogue.err.not_retained"
        }));
    }
    let (reason, basis) = match rules::validate_change(&f.reason, &f.basis) {
        Ok(v) => v,
        Err(problems) => {
            let mut p = item_page(&ctx, code).await?;
            p.reason = Field::new(&f.reason);
            p.basis = Field::new(&f.basis);
            for pr in &problems {
                let fld = if pr.field == "reason" {
                    &mut p.reason
                } else {
                    &mut p.basis
                };
                fld.fail(lang, pr.key, &pr.args);
            }
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    db::run(ctx.pool(), move |c| {
        steps::change_status(c, &me, item.id, (from, to, kind), &reason, &basis)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/catalogue/{code}"),
        FlashKind::Success,
        if to == ItemStatus::Retained {
            "catalogue.flash.published"
        } else {
            "catalogue.flash.cancelled"
        },
    ))
}

async fn publish(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    change_status(
        ctx,
        path.into_inner(),
        f,
        ItemStatus::Draft,
        ItemStatus::Retained,
        AdjustmentKind::Add,
    )
    .await
}

async fn cancel(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    change_status(
        ctx,
        path.into_inner(),
        f,
        ItemStatus::Retained,
        ItemStatus::Cancelled,
        AdjustmentKind::Cancel,
    )
    .await
}

// ---------------------------------------------------------------- regional assessments

/// The assessment form on the item page again, with the values sent and each refused
/// field's message (the document's naming the size limit).
fn assessment_problems(
    p: &mut ItemPage,
    lang: Lang,
    input: &rules::AssessmentInput,
    problems: &[Problem],
    file_problem: Option<&str>,
    max_mib: i64,
) {
    p.zone = Field::new(&input.zone);
    p.title = Field::new(&input.title);
    p.valid_until = Field::new(&input.valid_until);
    for pr in problems {
        let fld = match pr.field {
            "zone" => &mut p.zone,
            "title" => &mut p.title,
            _ => &mut p.valid_until,
        };
        fld.fail(lang, pr.key, &pr.args);
    }
    if let Some(key) = file_problem {
        p.document.fail(lang, key, &[("mib", max_mib.to_string())]);
    }
}

async fn record_assessment(
    ctx: Ctx,
    path: web::Path<String>,
    body: UploadBody,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    let (item, _) = load_item(&ctx, code.clone()).await?;
    // Who may record is decided before a byte of the file is stored.
    ctx.authorize(Action::RecordRegionalAssessment {
        department_id: item.department_id,
    })?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let max_mib = db::run(ctx.pool(), |c| {
        crate::accounts::store::settings::load(c)
            .map(|s| s.get("upload_max_mib"))
            .map_err(DbError::from)
    })
    .await?;
    let dir = uploads::upload_dir(ctx.config());
    let form = body
        .read(&ctx, &dir.join(".tmp"), (max_mib.max(1) as u64) << 20)
        .await?;
    if !(item.usable() && item.regional_assessment) {
        return Err(AppError::BadRequest("catalogue.err.no_regional"));
    }
    let today = crate::db::today();
    let input = rules::AssessmentInput {
        zone: form.field("zone"),
        title: form.field("title"),
        valid_until: form.field("valid_until"),
    };
    let checked = rules::validate_assessment(&input, today);
    let file = form.file;
    let valid = match (checked, &file) {
        (Ok(valid), None | Some(Ok(_))) => valid,
        (checked, file) => {
            let problems = checked.err().unwrap_or_default();
            let file_problem = match file {
                Some(Err(e)) => Some(e.key()),
                _ => None,
            };
            let mut p = item_page(&ctx, code).await?;
            assessment_problems(&mut p, lang, &input, &problems, file_problem, max_mib);
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    // Keep the file first; if the transaction fails it is removed again.
    let kept = match file {
        Some(Ok(r)) => Some(crate::uploads::keep_received(r, &dir).await?),
        _ => None,
    };
    let kept2 = kept.clone();
    let item_id = item.id;
    let r = db::run(ctx.pool(), move |c| {
        steps::record_assessment(c, &me, item_id, &valid, kept2.as_ref())
    })
    .await;
    if let Err(e) = r {
        if let Some((name, _)) = kept {
            let _ = std::fs::remove_file(dir.join(name));
        }
        return Err(e.into());
    }
    Ok(redirect_flash(
        &format!("/catalogue/{code}"),
        FlashKind::Success,
        "catalogue.flash.assessment_saved",
    ))
}

/// A regional assessment's result document: public, always as a download, never inline.
async fn assessment_document(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = id.into_inner();
    let found = db::run(ctx.pool(), move |c| {
        let Some(a) = cat::find_assessment(c, id)? else {
            return Ok::<_, DbError>(None);
        };
        let Some(item) = cat::find(c, a.item_id)? else {
            return Ok(None);
        };
        if item.status == ItemStatus::Draft {
            return Ok(None);
        }
        match a.upload_id {
            Some(u) => Ok(crate::uploads::store::find(c, u)?),
            None => Ok(None),
        }
    })
    .await?;
    let Some(up) = found else {
        return Err(AppError::NotFound);
    };
    uploads::send_file(ctx.config(), &up, &format!("assessment-{id}")).await
}
