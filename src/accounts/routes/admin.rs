//! The platform operator's pages: staff accounts, departments, settings, the audit trail.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::steps;
use crate::accounts::store::department::Department;
use crate::accounts::store::user::NewUser;
use crate::auth::Role;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::accounts;
use crate::domain::status::UserStatus;
use crate::error::{AppError, StepError};
use crate::i18n::tr_args;
use crate::i18n::{Lang, tr_opt};
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users))
        .route("/admin/users/new", web::get().to(new_user_form))
        .route("/admin/users/new", web::post().to(create_user))
        .route("/admin/users/{id}/status", web::post().to(set_status))
        .route("/admin/departments", web::get().to(departments))
        .route("/admin/departments", web::post().to(create_department))
        .route("/admin/settings", web::get().to(settings))
        .route("/admin/settings", web::post().to(save_settings))
        .route("/admin/audit", web::get().to(audit_page));
}

// ---------------------------------------------------------------- accounts

pub struct UserRow {
    pub id: i64,
    pub role_label: String,
    pub email: String,
    pub org_name: String,
    pub department: String,
    pub active: bool,
    pub verified: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "accounts/admin/users.html")]
pub struct UsersPage {
    pub page: Page,
    pub role_filter: String,
    pub users: Vec<UserRow>,
}

#[derive(Deserialize)]
pub struct RoleFilter {
    role: Option<String>,
}

async fn users(ctx: Ctx, q: web::Query<RoleFilter>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageAccounts)?;
    let role = q.role.as_deref().and_then(Role::parse);
    let r2 = role;
    let lang = ctx.lang();
    let (list, depts) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            crate::accounts::store::user::list(c, r2, 500)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let rows = list
        .iter()
        .map(|u| UserRow {
            id: u.id,
            role_label: ctx.t(u.role().label_key()).to_string(),
            email: u.email.clone(),
            org_name: u.org_name.clone(),
            department: u
                .department_id
                .and_then(|d| depts.iter().find(|x| x.id == d))
                .map(|d| d.name(lang).to_string())
                .unwrap_or_default(),
            active: u.active(),
            verified: u.email_verified_at.is_some(),
            created: fmt_time(u.created_at),
        })
        .collect();
    html(
        &UsersPage {
            page: ctx.page(),
            role_filter: role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            users: rows,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffForm {
    pub role: String,
    pub department_id: String,
    pub email: String,
    pub contact_name: String,
    pub phone: String,
}

pub struct DeptOption {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "accounts/admin/user_new.html")]
pub struct NewUserPage {
    pub page: Page,
    pub role: Field,
    pub department_id: Field,
    pub email: Field,
    pub contact_name: Field,
    pub phone: Field,
    pub departments: Vec<DeptOption>,
}

fn dept_options(d: &[Department], lang: Lang) -> Vec<DeptOption> {
    d.iter()
        .map(|d| DeptOption {
            id: d.id.to_string(),
            name: d.name(lang).to_string(),
        })
        .collect()
}

async fn new_user_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageAccounts)?;
    let depts = db::run(ctx.pool(), |c| {
        crate::accounts::store::department::all(c).map_err(DbError::from)
    })
    .await?;
    let p = NewUserPage {
        page: ctx.page(),
        role: Field::new("regulator"),
        department_id: Field::default(),
        email: Field::default(),
        contact_name: Field::default(),
        phone: Field::default(),
        departments: dept_options(&depts, ctx.lang()),
    };
    html(&p, StatusCode::OK)
}

/// The role, department and contact of the staff form, or `None` with the messages beside
/// the fields of `p`. A regulator belongs to a department.
fn parse_staff<'d>(
    lang: Lang,
    f: &StaffForm,
    depts: &'d [Department],
    p: &mut NewUserPage,
) -> Option<(Role, Option<&'d Department>, accounts::Contact)> {
    let role = Role::parse(&f.role).filter(|r| !r.self_registered());
    if role.is_none() {
        p.role.error = Some(tr_args(lang, "admin.users.role_invalid", &[]));
    }
    let dept = f
        .department_id
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| depts.iter().find(|d| d.id == id));
    if role == Some(Role::Regulator) && dept.is_none() {
        p.department_id.error = Some(tr_args(lang, "admin.users.department_required", &[]));
    }
    let input = accounts::ContactInput {
        contact_name: f.contact_name.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
    };
    let contact = accounts::parse_contact(&input)
        .map_err(|problems| {
            for pr in &problems {
                let field = match pr.field {
                    "contact_name" => &mut p.contact_name,
                    "phone" => &mut p.phone,
                    _ => &mut p.email,
                };
                field.fail(lang, pr.key, &pr.args);
            }
        })
        .ok();
    match (role, contact) {
        (Some(role), Some(contact)) if !p.department_id.has_error() => Some((role, dept, contact)),
        _ => None,
    }
}

/// The row of a staff account: a regulator's organisation is its department, everyone
/// else's the platform's operator. `password_hash` is of a password nobody knows.
fn new_staff(
    role: Role,
    dept: Option<&Department>,
    contact: accounts::Contact,
    password_hash: String,
    lang: Lang,
) -> NewUser {
    let (org, dept_id) = match (role, dept) {
        (Role::Regulator, Some(d)) => (d.name_zh.clone(), Some(d.id)),
        _ => ("攀枝花市政务服务管理局".to_string(), dept.map(|d| d.id)),
    };
    let now = db::now();
    NewUser {
        role,
        email: contact.email,
        password_hash,
        org_name: org,
        uscc: None,
        contact_name: contact.contact_name,
        phone: contact.phone,
        department_id: dept_id,
        status: UserStatus::Active,
        email_verified_at: None,
        locale: lang.code().into(),
        is_demo: false,
        created_at: now,
        updated_at: now,
    }
}

async fn create_user(ctx: Ctx, CsrfForm(f): CsrfForm<StaffForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageAccounts)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let depts = db::run(ctx.pool(), |c| {
        crate::accounts::store::department::all(c).map_err(DbError::from)
    })
    .await?;
    let mut p = NewUserPage {
        page: ctx.page(),
        role: Field::new(&f.role),
        department_id: Field::new(&f.department_id),
        email: Field::new(&f.email),
        contact_name: Field::new(&f.contact_name),
        phone: Field::new(&f.phone),
        departments: dept_options(&depts, lang),
    };
    let Some((role, dept, contact)) = parse_staff(lang, &f, &depts, &mut p) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // Staff choose their own password through the link; nobody else ever knows it.
    let unusable = ctx
        .state
        .hasher
        .hash(crate::auth::token::new_token())
        .await
        .map_err(AppError::internal)?;
    let new = new_staff(role, dept, contact, unusable, lang);
    let public_url = ctx.config().public_url.clone();
    let r = db::run(ctx.pool(), move |c| {
        steps::create_staff(c, &me, &new, lang, &public_url)
    })
    .await;
    match r {
        Ok(_) => Ok(redirect_flash(
            "/admin/users",
            FlashKind::Success,
            "admin.users.created",
        )),
        Err(StepError::Refused(r)) if r.key == steps::EMAIL_TAKEN => {
            p.email.error = Some(r.message(lang));
            html(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    pub status: String,
}

/// Enables or disables the account `id`. The policy asks for no more than the administrator
/// role here, and the step answers 404 for a missing account: no object to load first. (An
/// authorising extractor would also answer a visitor's POST without a CSRF token with the
/// login redirect before the form's 403.)
async fn set_status(
    ctx: Ctx,
    id: web::Path<i64>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageAccounts)?;
    let id = id.into_inner();
    let me = ctx.current()?.clone();
    let status =
        UserStatus::parse(&f.status).ok_or(AppError::BadRequest("admin.users.status_invalid"))?;
    if id == me.id {
        return Ok(redirect_flash(
            "/admin/users",
            FlashKind::Error,
            "admin.users.not_self",
        ));
    }
    let found = db::run(ctx.pool(), move |c| {
        steps::set_account_status(c, &me, id, status)
    })
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(redirect_flash(
        "/admin/users",
        FlashKind::Success,
        "admin.users.status_saved",
    ))
}

// ---------------------------------------------------------------- departments

#[derive(Template)]
#[template(path = "accounts/admin/departments.html")]
pub struct DepartmentsPage {
    pub page: Page,
    pub departments: Vec<Department>,
    pub code: Field,
    pub name_zh: Field,
    pub name_en: Field,
}

async fn departments(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageAccounts)?;
    let d = db::run(ctx.pool(), |c| {
        crate::accounts::store::department::all(c).map_err(DbError::from)
    })
    .await?;
    let p = DepartmentsPage {
        page: ctx.page(),
        departments: d,
        code: Field::default(),
        name_zh: Field::default(),
        name_en: Field::default(),
    };
    html(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DepartmentForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

async fn create_department(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<DepartmentForm>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageAccounts)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let d = db::run(ctx.pool(), |c| {
        crate::accounts::store::department::all(c).map_err(DbError::from)
    })
    .await?;
    let mut p = DepartmentsPage {
        page: ctx.page(),
        departments: d,
        code: Field::new(&f.code),
        name_zh: Field::new(&f.name_zh),
        name_en: Field::new(&f.name_en),
    };
    let input = accounts::DepartmentInput {
        code: f.code.clone(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
    };
    let taken: Vec<&str> = p.departments.iter().map(|d| d.code.as_str()).collect();
    let (code, zh, en) = match accounts::parse_department(&input, &taken) {
        Ok(d) => (d.code, d.name_zh, d.name_en),
        Err(problems) => {
            for pr in &problems {
                let field = match pr.field {
                    "code" => &mut p.code,
                    "name_zh" => &mut p.name_zh,
                    _ => &mut p.name_en,
                };
                field.fail(lang, pr.key, &pr.args);
            }
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    db::run(ctx.pool(), move |c| {
        steps::create_department(c, &me, &code, &zh, &en)
    })
    .await?;
    Ok(redirect_flash(
        "/admin/departments",
        FlashKind::Success,
        "admin.departments.created",
    ))
}

// ---------------------------------------------------------------- settings

pub struct SettingRow {
    pub key: String,
    pub label: String,
    pub value: Field,
    pub min: i64,
    pub max: i64,
}

#[derive(Template)]
#[template(path = "accounts/admin/settings.html")]
pub struct SettingsPage {
    pub page: Page,
    pub rows: Vec<SettingRow>,
    /// The OCDS ocid prefix (`domain::ocds`), a text setting.
    pub ocid_prefix: Field,
}

async fn settings(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageSettings)?;
    let (s, prefix) = db::run(ctx.pool(), |c| {
        let s = crate::accounts::store::settings::load(c)?;
        Ok::<_, DbError>((s, crate::accounts::store::settings::ocid_prefix(c)?))
    })
    .await?;
    let rows = crate::accounts::store::settings::KNOWN
        .iter()
        .map(|(k, _, min, max)| SettingRow {
            key: k.to_string(),
            label: ctx.t(&format!("admin.settings.{k}")).to_string(),
            value: Field::new(s.get(k).to_string()),
            min: *min,
            max: *max,
        })
        .collect();
    html(
        &SettingsPage {
            page: ctx.page(),
            rows,
            ocid_prefix: Field::new(prefix),
        },
        StatusCode::OK,
    )
}

async fn save_settings(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageSettings)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (k, _, min, max) in crate::accounts::store::settings::KNOWN {
        let raw = f.get(*k).cloned().unwrap_or_default();
        let mut field = Field::new(&raw);
        match raw.trim().parse::<i64>() {
            Ok(v) if v >= *min && v <= *max => values.push((k.to_string(), v)),
            _ => {
                field.error = Some(tr_args(
                    lang,
                    "admin.settings.range",
                    &[("min", &min.to_string()), ("max", &max.to_string())],
                ))
            }
        }
        rows.push(SettingRow {
            key: k.to_string(),
            label: ctx.t(&format!("admin.settings.{k}")).to_string(),
            value: field,
            min: *min,
            max: *max,
        });
    }
    // A form without the field (an older page) leaves the prefix as it is; an empty one
    // goes back to the placeholder.
    let prefix = f
        .get(crate::accounts::store::settings::OCID_PREFIX)
        .map(|p| match p.trim() {
            "" => crate::domain::ocds::PLACEHOLDER_PREFIX.to_owned(),
            p => p.to_owned(),
        });
    let mut ocid_prefix = Field::new(prefix.clone().unwrap_or_default());
    if prefix
        .as_deref()
        .is_some_and(|p| !crate::domain::ocds::valid_prefix(p))
    {
        ocid_prefix.error = Some(ctx.t("admin.settings.ocid_prefix_invalid").to_string());
    }
    if rows.iter().any(|r| r.value.has_error()) || ocid_prefix.has_error() {
        return html(
            &SettingsPage {
                page: ctx.page(),
                rows,
                ocid_prefix,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    db::run(ctx.pool(), move |c| {
        steps::save_settings(c, &me, &values, prefix.as_deref())
    })
    .await?;
    Ok(redirect_flash(
        "/admin/settings",
        FlashKind::Success,
        "admin.settings.saved",
    ))
}

// ---------------------------------------------------------------- audit trail

pub struct AuditRowView {
    pub seq: i64,
    pub at: String,
    /// Who acted, by name, and in which role.
    pub actor: String,
    pub actor_role: String,
    /// The action in words; its code stays available as the cell's title.
    pub action: String,
    pub action_code: String,
    /// The object in words, and its page when there is one an administrator can open.
    pub object: String,
    pub object_link: Option<String>,
    pub digest: String,
    pub hash: String,
}

/// The action's name in `lang` (`audit.action.<code>`); the code itself when it has none (a
/// test keeps every code the platform writes named).
fn action_label(lang: Lang, code: &str) -> String {
    tr_opt(lang, &format!("audit.action.{code}"))
        .map(str::to_string)
        .unwrap_or_else(|| code.to_string())
}

/// The object as a reader names it ("中介机构 四川蓝天环境咨询有限公司", "公告 第 15 号") and
/// the page it has, if an administrator can open one.
fn object_view(
    lang: Lang,
    object_type: &str,
    object_id: &str,
    n: &crate::audit::Names,
) -> (String, Option<String>) {
    let kind = tr_opt(lang, &format!("audit.object.{object_type}"))
        .unwrap_or(object_type)
        .to_string();
    let id: Option<i64> = object_id.parse().ok();
    let number = || tr_args(lang, "audit.object.number", &[("id", object_id)]);
    let (name, link) = match (object_type, id) {
        ("agency", Some(i)) => (
            n.agencies.get(&i).cloned().unwrap_or_else(number),
            Some(format!("/agencies/{i}")),
        ),
        ("user", Some(i)) => match n.users.get(&i) {
            // An agency's account is its library page; other accounts have no page.
            Some((name, role)) if role == "agency" => {
                (name.clone(), Some(format!("/agencies/{i}")))
            }
            Some((name, _)) => (name.clone(), None),
            None => (number(), None),
        },
        ("announcement", Some(i)) => (number(), Some(format!("/announcements/{i}"))),
        ("contract", Some(i)) => (number(), Some(format!("/contracts/{i}"))),
        ("model_text", Some(i)) => (number(), Some(format!("/contract-texts/{i}"))),
        ("inspection_task", Some(i)) => (number(), Some(format!("/inspections/{i}"))),
        ("catalogue_item", Some(i)) => match n.items.get(&i) {
            Some((code, name)) => (
                format!("{name}（{code}）"),
                Some(format!("/catalogue/{code}")),
            ),
            None => (number(), None),
        },
        ("credit_record", Some(i)) => (
            number(),
            n.record_agency
                .get(&i)
                .map(|a| format!("/credit/agencies/{a}#record-{i}")),
        ),
        ("department", Some(i)) => (
            n.departments
                .get(&i)
                .map(|(zh, en)| match lang {
                    Lang::Zh => zh.clone(),
                    Lang::En => en.clone(),
                })
                .unwrap_or_else(number),
            Some("/admin/departments".to_string()),
        ),
        ("credit_rule_set", _) => (number(), Some("/credit/rules".to_string())),
        ("blacklist_entry", _) => (number(), Some("/blacklist".to_string())),
        ("market_ban", _) => (number(), Some("/exposure".to_string())),
        ("settings", _) => (String::new(), Some("/admin/settings".to_string())),
        ("calendar_day", _) => (object_id.to_string(), Some("/admin/calendar".to_string())),
        (_, Some(_)) => (number(), None),
        _ => (object_id.to_string(), None),
    };
    let text = if name.is_empty() {
        kind
    } else {
        format!("{kind} {name}")
    };
    (text, link)
}

#[derive(Template)]
#[template(path = "accounts/admin/audit.html")]
pub struct AuditPage {
    pub page: Page,
    pub checked: i64,
    pub intact: bool,
    pub broken_seq: i64,
    pub broken_reason: String,
    pub entries: Vec<AuditRowView>,
    pub next_before: Option<i64>,
}

#[derive(Deserialize)]
pub struct BeforeQuery {
    before: Option<i64>,
}

async fn audit_page(ctx: Ctx, q: web::Query<BeforeQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewAudit)?;
    let before = q.before;
    let (report, rows, names) = db::run(ctx.pool(), move |c| {
        let rows = crate::audit::recent(c, 100, before)?;
        let names = crate::audit::names(c, &rows)?;
        Ok::<_, DbError>((crate::audit::verify(c)?, rows, names))
    })
    .await?;
    let lang = ctx.lang();
    let (broken_seq, broken_reason) = match &report.broken {
        None => (0, String::new()),
        Some(b) => {
            use crate::domain::audit_chain::Break;
            let key = match b {
                Break::HashMismatch { .. } => "admin.audit.hash_mismatch",
                Break::LinkBroken { .. } => "admin.audit.link_broken",
                Break::SequenceGap { .. } => "admin.audit.sequence_gap",
            };
            (b.seq(), ctx.t(key).to_string())
        }
    };
    let next_before = if rows.len() == 100 {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    let entries = rows
        .iter()
        .map(|r| {
            let (object, object_link) = object_view(lang, &r.object_type, &r.object_id, &names);
            AuditRowView {
                seq: r.seq,
                at: fmt_time(r.at),
                actor: match r.actor_id {
                    Some(id) => names
                        .users
                        .get(&id)
                        .map(|u| u.0.clone())
                        .unwrap_or_else(|| {
                            tr_args(lang, "audit.actor.unknown", &[("id", &id.to_string())])
                        }),
                    None => ctx.t("audit.actor.system").to_string(),
                },
                actor_role: match r.actor_id {
                    Some(_) => tr_opt(lang, &format!("role.{}", r.actor_role))
                        .unwrap_or(&r.actor_role)
                        .to_string(),
                    None => String::new(),
                },
                action: action_label(lang, &r.action),
                action_code: r.action.clone(),
                object,
                object_link,
                digest: r.state_digest.chars().take(12).collect(),
                hash: r.hash.chars().take(12).collect(),
            }
        })
        .collect();
    let p = AuditPage {
        page: ctx.page(),
        checked: report.checked,
        intact: report.broken.is_none(),
        broken_seq,
        broken_reason,
        entries,
        next_before,
    };
    html(&p, StatusCode::OK)
}
