//! The signed-in user's own pages: workbench (the work waiting for them, by kind, each with
//! its count and a link to the page where it is done), message centre, password change.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::steps;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::password;
use crate::error::AppError;
use crate::home::store::{self as wb, Kind, Pending};
use crate::i18n::tr_args;
use crate::mail::store::Message;
use crate::web::ctx::redirect_flash;
use crate::web::extract::Authorise;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/my", web::get().to(workbench))
        .route("/messages", web::get().to(messages))
        .route("/messages/{id}", web::get().to(message))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password));
}

/// A row of the message list, with the time already in Asia/Shanghai.
pub struct MessageRow {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub at: String,
    pub unread: bool,
}

fn row(m: &Message) -> MessageRow {
    MessageRow {
        id: m.id,
        subject: m.subject.clone(),
        body: m.body.clone(),
        at: crate::web::fmt_time(m.created_at),
        unread: m.read_at.is_none(),
    }
}

/// A kind of pending work as the workbench shows it.
pub struct WorkView {
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
    /// The list where this kind of work is done.
    pub href: &'static str,
    /// The first few items, each linking to the page where it is done.
    pub items: Vec<ItemView>,
    /// How many more there are than shown.
    pub more: usize,
}

pub struct ItemView {
    pub href: String,
    pub title: String,
    pub detail: String,
    pub due: String,
    pub overdue: bool,
}

/// A link of the workbench's quick links, offered only where the policy lets the user in.
pub struct LinkView {
    pub href: &'static str,
    pub label: &'static str,
}

/// How many items of a kind the workbench lists; the count says how many there are.
const SHOWN: usize = 5;

/// The page of one item of a kind of work (`{}` = the entry's target): the same page the
/// mails about the work point to.
fn item_page(kind: Kind) -> &'static str {
    use Kind::*;
    match kind {
        OwnerDrafts
        | OwnerObjections
        | OwnerChoices
        | OwnerJustifications
        | OwnerReruns
        | OwnerContractsToDraft
        | AgencyJustify
        | AgencyConfirm => "/announcements/{}",
        AgencyMatching | AgencyToQuote | AgencyReconfirm => "/announcements/{}/bid",
        OwnerContracts | AgencyContracts => "/contracts/{}",
        OwnerDeliverables | OwnerPayments | OwnerRatings | AgencyReturned | RegulatorAppeals => {
            "/contracts/{}/fulfilment"
        }
        RegulatorCertificates => "/review/certificates/{}",
        RegulatorAlerts => "/regulate/agencies/{}",
        RegulatorOverdueObjections => "/regulate/selection/{}",
        RegulatorRepairs => "/regulate/repairs/{}",
        RegulatorSignals => "/regulate/signals#{}",
        RegulatorInspections => "/inspections/{}",
        RegulatorComplaints => "/supervision/complaints/{}",
        AdminDrafts => "/catalogue/{}",
    }
}

/// The list page where a kind of work is done.
fn list_page(kind: Kind) -> &'static str {
    use Kind::*;
    match kind {
        OwnerDrafts | OwnerObjections | OwnerChoices | OwnerJustifications | OwnerReruns => {
            "/owner/projects"
        }
        OwnerContractsToDraft
        | OwnerContracts
        | OwnerDeliverables
        | OwnerPayments
        | OwnerRatings => "/owner/contracts",
        AgencyMatching | AgencyToQuote | AgencyReconfirm | AgencyJustify | AgencyConfirm => {
            "/agency/announcements"
        }
        AgencyContracts | AgencyReturned => "/agency/contracts",
        RegulatorCertificates => "/review/certificates",
        RegulatorAlerts | RegulatorRepairs => "/regulate/queue",
        RegulatorOverdueObjections => "/regulate/selection",
        RegulatorAppeals => "/regulate/fulfilment",
        RegulatorSignals => "/regulate/signals",
        RegulatorInspections => "/inspections/manage",
        RegulatorComplaints => "/supervision/complaints",
        AdminDrafts => "/catalogue",
    }
}

fn work_view(ctx: &Ctx, p: &Pending, today: chrono::NaiveDate) -> WorkView {
    let key = p.kind.key();
    let item_page = item_page(p.kind);
    WorkView {
        key,
        label: ctx.t(&format!("account.work.{key}")),
        count: p.entries.len(),
        href: list_page(p.kind),
        items: p
            .entries
            .iter()
            .take(SHOWN)
            .map(|e| ItemView {
                href: item_page.replace("{}", &e.target),
                title: e.title.clone(),
                detail: e.detail.clone(),
                due: e.due.map(|d| d.to_string()).unwrap_or_default(),
                overdue: e.due.is_some_and(|d| d < today),
            })
            .collect(),
        more: p.entries.len().saturating_sub(SHOWN),
    }
}

/// The quick links the signed-in user `me` may follow, each asked of the policy with the
/// action its page authorizes.
fn quick_links(ctx: &Ctx, me: i64) -> Vec<LinkView> {
    let candidates: [(Action, &'static str, &'static str); 14] = [
        (
            Action::CreateProject,
            "/owner/projects/new",
            "link_project_new",
        ),
        (
            Action::EditAgencyProfile { agency_id: me },
            "/agency/profile",
            "link_profile",
        ),
        (
            Action::ApplyForRepair { agency_id: me },
            "/agency/credit",
            "link_agency_credit",
        ),
        (
            Action::ViewCreditQueue,
            "/regulate/agencies",
            "link_find_agency",
        ),
        (
            Action::SuperviseContracts,
            "/regulate/contracts",
            "link_regulate_contracts",
        ),
        (
            Action::PublishCatalogue,
            "/catalogue/new",
            "link_catalogue_new",
        ),
        (Action::ManageAccounts, "/admin/users", "link_users"),
        (Action::ManageAccounts, "/admin/users/new", "link_user_new"),
        (
            Action::ManageAccounts,
            "/admin/departments",
            "link_departments",
        ),
        (Action::ManageSettings, "/admin/settings", "link_settings"),
        (Action::ManageCalendar, "/admin/calendar", "link_calendar"),
        (
            Action::PublishCreditRules,
            "/admin/credit-rules",
            "link_credit_rules",
        ),
        (Action::ViewAudit, "/admin/audit", "link_audit"),
        (Action::UseOwnAccount, "/account/password", "link_password"),
    ];
    let mut out = vec![LinkView {
        href: "/messages",
        label: ctx.t("account.workbench.link_messages"),
    }];
    out.extend(
        candidates
            .into_iter()
            .filter(|(a, _, _)| ctx.allows(*a))
            .map(|(_, href, key)| LinkView {
                href,
                label: ctx.t(&format!("account.workbench.{key}")),
            }),
    );
    out
}

#[derive(Template)]
#[template(path = "accounts/account/workbench.html")]
pub struct WorkbenchPage {
    pub page: Page,
    pub org_name: String,
    pub role_label: String,
    pub email: String,
    pub email_verified: bool,
    pub department: String,
    pub recent: Vec<MessageRow>,
    /// The pending work by kind, in the order of the role's steps.
    pub work: Vec<WorkView>,
    /// How many kinds have something waiting (shown as cards; the others as one list).
    pub busy: usize,
    pub links: Vec<LinkView>,
}

/// What the workbench reads for each part of the user's work; each part only where the
/// policy lets the user open the pages of that work.
#[derive(Clone, Copy)]
struct Parts {
    owner: bool,
    agency: bool,
    regulator_kinds: [Option<Kind>; 8],
    admin: bool,
}

fn parts(ctx: &Ctx, me: i64) -> Parts {
    let when = |a: Action, k: Kind| ctx.allows(a).then_some(k);
    Parts {
        owner: ctx.allows(Action::CreateProject),
        agency: ctx.allows(Action::TakePart { agency_id: me }),
        regulator_kinds: [
            when(Action::ViewReviewQueue, Kind::RegulatorCertificates),
            when(Action::ViewCreditQueue, Kind::RegulatorAlerts),
            when(Action::SuperviseSelection, Kind::RegulatorOverdueObjections),
            when(Action::SuperviseContracts, Kind::RegulatorAppeals),
            when(Action::ViewCreditQueue, Kind::RegulatorRepairs),
            when(Action::ViewSignals, Kind::RegulatorSignals),
            when(Action::CreateInspectionTask, Kind::RegulatorInspections),
            // Regulators only (an admin reads every department's list but handles none).
            when(Action::ViewCreditQueue, Kind::RegulatorComplaints),
        ],
        admin: ctx.allows(Action::PublishCatalogue),
    }
}

async fn workbench(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let uid = ctx.current()?.id;
    let lang = ctx.lang();
    let parts = parts(&ctx, uid);
    let today = crate::db::today();
    let now = db::now();
    let (user, dept, recent, pending) = db::run(ctx.pool(), move |c| {
        let u = crate::accounts::store::user::find(c, uid)?.ok_or_else(DbError::not_found)?;
        let d = match u.department_id {
            Some(id) => crate::accounts::store::department::find(c, id)?,
            None => None,
        };
        let m = crate::mail::store::messages_for(c, uid, 5)?;
        let mut pending = Vec::new();
        if parts.owner {
            let days = crate::accounts::store::settings::load(c)?.get("payment_due_working_days");
            pending.extend(wb::owner(c, uid, today, days)?);
        }
        if parts.agency {
            pending.extend(wb::agency(c, uid, now)?);
        }
        let kinds: Vec<Kind> = parts.regulator_kinds.iter().flatten().copied().collect();
        if let Some(d) = d.as_ref().filter(|_| !kinds.is_empty()) {
            let types = crate::domain::agency_rules::types_reviewed_by(&d.code);
            pending.extend(wb::regulator(c, d.id, &types, today, &kinds)?);
        }
        if parts.admin {
            pending.extend(wb::admin(c)?);
        }
        Ok::<_, DbError>((u, d.map(|d| d.name(lang).to_string()), m, pending))
    })
    .await?;
    let p = WorkbenchPage {
        page: ctx.page(),
        org_name: user.org_name.clone(),
        role_label: ctx.t(user.role().label_key()).to_string(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        department: dept.unwrap_or_default(),
        recent: recent.iter().map(row).collect(),
        busy: pending.iter().filter(|p| !p.entries.is_empty()).count(),
        work: pending.iter().map(|p| work_view(&ctx, p, today)).collect(),
        links: quick_links(&ctx, uid),
    };
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "accounts/account/messages.html")]
pub struct MessagesPage {
    pub page: Page,
    pub messages: Vec<MessageRow>,
}

async fn messages(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let uid = ctx.current()?.id;
    let list = db::run(ctx.pool(), move |c| {
        crate::mail::store::messages_for(c, uid, 200).map_err(DbError::from)
    })
    .await?;
    html(
        &MessagesPage {
            page: ctx.page(),
            messages: list.iter().map(row).collect(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "accounts/account/message.html")]
pub struct MessagePage {
    pub page: Page,
    pub message: MessageRow,
}

/// A message of the signed-in user's own (`/messages/{id}`): 404 when there is none, 403
/// when it is addressed to someone else.
pub struct OwnMessage {
    pub ctx: Ctx,
    pub message: Message,
}

impl Authorise for OwnMessage {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        ctx.authorize(Action::UseOwnAccount)?;
        let message = db::run(ctx.pool(), move |c| {
            crate::mail::store::message(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?;
        ctx.authorize(Action::ReadMessage {
            owner: message.user_id,
        })?;
        Ok(OwnMessage { ctx, message })
    }
}
crate::extractor!(OwnMessage);

async fn message(OwnMessage { ctx, message: m }: OwnMessage) -> Result<HttpResponse, AppError> {
    // Opening a message marks it read: only the addressee's own unread flag changes.
    if m.read_at.is_none() {
        let id = m.id;
        db::run(ctx.pool(), move |c| {
            crate::mail::store::mark_read(c, id).map_err(DbError::from)
        })
        .await?;
        // The unread count is read with the session: this instance's reading is now old.
        ctx.forget_session();
    }
    html(
        &MessagePage {
            page: ctx.page(),
            message: row(&m),
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "accounts/account/password.html")]
pub struct PasswordPage {
    pub page: Page,
    pub current: Field,
    pub password: Field,
    pub password2: Field,
}

async fn password_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let p = PasswordPage {
        page: ctx.page(),
        current: Field::default(),
        password: Field::default(),
        password2: Field::default(),
    };
    html(&p, StatusCode::OK)
}

async fn change_password(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::UseOwnAccount)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let mut p = PasswordPage {
        page: ctx.page(),
        current: Field::default(),
        password: Field::default(),
        password2: Field::default(),
    };
    let uid = me.id;
    let user = db::run(ctx.pool(), move |c| {
        crate::accounts::store::user::find(c, uid).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    if f.current.is_empty() {
        p.current.error = Some(tr_args(lang, "v.required", &[]));
    } else if !ctx
        .state
        .hasher
        .verify(f.current.clone(), Some(user.password_hash.clone()))
        .await
    {
        p.current.error = Some(tr_args(lang, "account.password.wrong_current", &[]));
    }
    match password::check(&f.password, &user.email) {
        Err(e) => p.password.error = Some(tr_args(lang, e.key(), &[])),
        Ok(()) if f.password == f.current => {
            p.password.error = Some(tr_args(lang, "account.password.same", &[]))
        }
        Ok(()) if f.password != f.password2 => {
            p.password2.error = Some(tr_args(lang, "auth.password.mismatch", &[]))
        }
        Ok(()) => {}
    }
    if p.current.has_error() || p.password.has_error() || p.password2.has_error() {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let hash = ctx
        .state
        .hasher
        .hash(f.password.clone())
        .await
        .map_err(AppError::internal)?;
    let keep = ctx.req.session_hash.clone();
    db::run(ctx.pool(), move |c| {
        steps::change_password(c, &me, &user, &hash, keep.as_deref(), lang)
    })
    .await?;
    Ok(redirect_flash(
        "/my",
        FlashKind::Success,
        "account.password.changed",
    ))
}
