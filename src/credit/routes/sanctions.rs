//! Blacklist 失信名单, market bans 禁入, alerts and credit repair 信用修复:
//! the public `/blacklist` (the exposure record `/exposure` is `crate::supervision`'s), the regulator's agency finder, agency hub, the
//! blacklist and ban forms, the credit queue (alerts, repair applications) and the repair
//! decision, and the agency's own `/agency/credit` with its repair application.
//!
//! Every change runs in one `write_tx` with its audit entry and mails; the rules (periods,
//! repair timing, what restricts) are in `domain::credit`, the storage in `crate::credit::store::sanctions`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::accounts::store::department::Department;
use crate::auth::policy::Action;
use crate::credit::steps;
use crate::credit::store::sanctions::{self as sx, Listing};
use crate::credit::views::{self, Columns, SanctionRow, listing_sanction};
use crate::db::today as today_cn;
use crate::db::{self, DbError};
use crate::domain::credit::{self, BAN_MONTHS, BLACKLIST_MONTHS, Restriction};
use crate::domain::status::ReviewStatus;
use crate::domain::validate;
use crate::error::{AppError, StepError};
use crate::i18n::Lang;
use crate::i18n::tr_args;
use crate::library::store::agency::Agency;
use crate::uploads::{self, UploadBody};
use crate::web::ctx::redirect_flash;
use crate::web::extract::{Authorise, Posted, signed_in_id};
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/blacklist", web::get().to(blacklist))
        .route("/regulate/agencies", web::get().to(find))
        .route("/regulate/agencies/{id}", web::get().to(hub))
        .route(
            "/regulate/agencies/{id}/blacklist/new",
            web::get().to(blacklist_form),
        )
        .route(
            "/regulate/agencies/{id}/blacklist/new",
            web::post().to(blacklist_save),
        )
        .route("/regulate/agencies/{id}/ban/new", web::get().to(ban_form))
        .route("/regulate/agencies/{id}/ban/new", web::post().to(ban_save))
        .route("/regulate/queue", web::get().to(queue))
        .route(
            "/regulate/alerts/{id}/resolve",
            web::post().to(resolve_alert),
        )
        .route("/regulate/repairs/{id}", web::get().to(repair_show))
        .route("/regulate/repairs/{id}", web::post().to(repair_decide))
        .route(
            "/regulate/repairs/{id}/evidence",
            web::get().to(repair_evidence),
        )
        .route("/agency/credit", web::get().to(agency_credit))
        .route("/agency/credit/repairs/new", web::get().to(repair_form))
        .route("/agency/credit/repairs/new", web::post().to(repair_apply));
}

fn restriction_text(lang: Lang, r: &Restriction) -> String {
    let a = r.args();
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tr_args(lang, r.key(), &a)
}

/// The 403 page that says why: the agency is outside the regulator's domain.
#[derive(Template)]
#[template(path = "credit/sanctions/denied.html")]
pub struct DeniedPage {
    pub page: Page,
    pub agency: String,
}

/// Asks the policy whether this regulator may act on the agency; a signed-in user who may
/// not gets a 403 page naming the agency (the policy logs the denial).
fn authorize_regulate(t: &Target) -> Result<Option<HttpResponse>, AppError> {
    match t.ctx.authorize(Action::RegulateAgency {
        in_domain: t.in_domain,
    }) {
        Ok(()) => Ok(None),
        Err(AppError::Forbidden) => {
            let p = DeniedPage {
                page: t.ctx.page(),
                agency: t.agency.name.clone(),
            };
            html(&p, StatusCode::FORBIDDEN).map(Some)
        }
        Err(e) => Err(e),
    }
}

/// An agency as the credit queue's regulator sees it (`/regulate/agencies/{id}…`), with
/// whether its department regulates it: the hub shows it to any regulator; the forms that
/// act on it ask [`authorize_regulate`] too, whose refusal is a page naming the agency.
pub struct Target {
    pub ctx: Ctx,
    pub agency: Agency,
    pub in_domain: bool,
}

impl Authorise for Target {
    async fn load(ctx: Ctx, aid: i64) -> Result<Self, AppError> {
        ctx.authorize(Action::ViewCreditQueue)?;
        target(ctx, aid).await
    }
}
crate::extractor!(Target);

/// Loads an agency and whether the signed-in user's department regulates it.
async fn target(ctx: Ctx, aid: i64) -> Result<Target, AppError> {
    let my_dept = ctx.user().and_then(|u| u.department_id);
    let (agency, depts) = db::run(ctx.pool(), move |c| {
        let a = crate::library::store::agency::find(c, aid)?;
        let d = match &a {
            Some(_) => crate::credit::store::credit::domain_departments(c, aid, today_cn())?,
            None => Vec::new(),
        };
        Ok::<_, DbError>((a, d))
    })
    .await?;
    let agency = agency.ok_or(AppError::NotFound)?;
    Ok(Target {
        ctx,
        agency,
        in_domain: credit::in_domain(my_dept, &depts),
    })
}

// ---------------------------------------------------------------- public pages

pub struct ListingRow {
    pub agency_id: i64,
    pub agency: String,
    pub uscc: String,
    pub reason: String,
    pub basis: String,
    pub starts_on: String,
    pub ends_on: String,
    pub department: String,
    /// "active" | "upcoming" | "expired" | "repaired"
    pub state: &'static str,
    pub ended_on: String,
}

impl ListingRow {
    pub fn state_is(&self, s: &str) -> bool {
        self.state == s
    }
}

fn listing_state(l: &Listing, today: NaiveDate) -> &'static str {
    if l.repaired() {
        "repaired"
    } else if l.period().active_on(today) {
        "active"
    } else if today < l.starts_on {
        "upcoming"
    } else {
        "expired"
    }
}

fn listing_row(
    l: &Listing,
    agency: &str,
    uscc: &str,
    depts: &[Department],
    lang: Lang,
) -> ListingRow {
    let today = today_cn();
    ListingRow {
        agency_id: l.agency_id,
        agency: agency.to_string(),
        uscc: uscc.to_string(),
        reason: l.reason.clone(),
        basis: l.legal_basis.clone(),
        starts_on: fmt::date(l.starts_on),
        ends_on: fmt::date(l.ends_on),
        department: fmt::dept(lang, depts, Some(l.department_id)),
        state: listing_state(l, today),
        ended_on: l.ended_on.map(fmt::date).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "credit/sanctions/blacklist.html")]
pub struct BlacklistPage {
    pub page: Page,
    pub active: Vec<SanctionRow>,
    pub ended: Vec<SanctionRow>,
    pub cols: Columns,
}

/// A listing as a row of the one sanction table (`credit::views`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BlacklistQuery {
    pub state: String,
    pub format: String,
    pub limit: String,
    pub after: String,
}

async fn blacklist(ctx: Ctx, q: web::Query<BlacklistQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let q = q.into_inner();
    if !(q.format.trim().is_empty() || q.format.trim() == "html") {
        let raw = crate::web::export::RawExport {
            format: q.format,
            limit: q.limit,
            after: q.after,
        };
        return super::open_data::blacklist(&ctx, raw, &q.state).await;
    }
    let lang = ctx.lang();
    let (rows, depts) = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>((
            sx::public_listings(c)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let (mut active, mut ended) = (Vec::new(), Vec::new());
    for (l, name, uscc) in &rows {
        let r = listing_sanction(l, name, uscc, &depts, lang);
        if matches!(r.state, "active" | "upcoming") {
            active.push(r);
        } else {
            ended.push(r);
        }
    }
    html(
        &BlacklistPage {
            page: ctx.page(),
            active,
            ended,
            cols: Columns {
                agency: true,
                basis: true,
                ..Columns::default()
            },
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------- regulator: find and hub

pub struct FoundRow {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    /// The policy lets this regulator act on the agency (its buttons are shown).
    pub can_regulate: bool,
    pub sanctioned: bool,
}

#[derive(Template)]
#[template(path = "credit/sanctions/find.html")]
pub struct FindPage {
    pub page: Page,
    pub q: String,
    pub searched: bool,
    pub rows: Vec<FoundRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindQuery {
    pub q: String,
}

async fn find(ctx: Ctx, q: web::Query<FindQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewCreditQueue)?;
    let my_dept = ctx.current()?.department_id;
    let query: String = q.q.trim().chars().take(100).collect();
    let q2 = query.clone();
    let rows = db::run(ctx.pool(), move |c| {
        let found = sx::search_agencies(c, &q2, 50)?;
        let mut out = Vec::new();
        for a in found {
            let depts = crate::credit::store::credit::domain_departments(c, a.user_id, today_cn())?;
            let sanctioned = a.sanctioned;
            out.push(FoundRow {
                id: a.user_id,
                name: a.name,
                uscc: a.uscc,
                can_regulate: credit::in_domain(my_dept, &depts),
                sanctioned,
            });
        }
        Ok::<_, DbError>(out)
    })
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| FoundRow {
            can_regulate: ctx.allows(Action::RegulateAgency {
                in_domain: r.can_regulate,
            }),
            ..r
        })
        .collect();
    html(
        &FindPage {
            page: ctx.page(),
            searched: !query.is_empty(),
            q: query,
            rows,
        },
        StatusCode::OK,
    )
}

pub struct AlertRow {
    pub id: i64,
    pub agency_id: i64,
    pub agency: String,
    pub manager: String,
    pub created_at: String,
    pub resolved: bool,
}

#[derive(Template)]
#[template(path = "credit/sanctions/hub.html")]
pub struct HubPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub can_regulate: bool,
    pub restrictions: Vec<String>,
    pub listings: Vec<SanctionRow>,
    pub bans: Vec<SanctionRow>,
    pub alerts: Vec<AlertRow>,
    /// The listing table's and the ban table's columns.
    pub listing_cols: Columns,
    pub ban_cols: Columns,
}

/// Bans with their persons (ID numbers masked) as rows of the one sanction table.
fn ban_rows(
    bans: Vec<(sx::Ban, Vec<sx::Person>)>,
    depts: &[Department],
    lang: Lang,
) -> Vec<SanctionRow> {
    let today = today_cn();
    bans.into_iter()
        .map(|(b, ps)| {
            let (state, state_label) =
                views::period_state(lang, b.starts_on, b.ends_on, None, false, today);
            SanctionRow {
                agency_id: b.agency_id,
                kind: crate::i18n::tr(lang, "sanctions.measure.ban").to_string(),
                reason: b.reason.clone(),
                basis: b.legal_basis.clone(),
                period: views::period(b.starts_on, b.ends_on),
                department: fmt::dept(lang, depts, Some(b.department_id)),
                state,
                state_label,
                persons: ps.iter().map(|p| (p.name.clone(), p.masked_id())).collect(),
                ..SanctionRow::default()
            }
        })
        .collect()
}

async fn hub(t: Target) -> Result<HttpResponse, AppError> {
    let ctx = &t.ctx;
    let lang = ctx.lang();
    let aid = t.agency.user_id;
    let today = today_cn();
    let (restr, listings, bans, alerts, depts) = db::run(ctx.pool(), move |c| {
        let bans = sx::bans_of(c, aid)?;
        let mut with_persons = Vec::new();
        for b in bans {
            let ps = sx::persons_of(c, b.id)?;
            with_persons.push((b, ps));
        }
        Ok::<_, DbError>((
            sx::restrictions(c, aid, today)?,
            sx::listings_of(c, aid)?,
            with_persons,
            sx::alerts_of(c, aid)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let name = t.agency.name.clone();
    let p = HubPage {
        page: ctx.page(),
        id: aid,
        name: name.clone(),
        uscc: t.agency.uscc.clone(),
        can_regulate: ctx.allows(Action::RegulateAgency {
            in_domain: t.in_domain,
        }),
        restrictions: restr.iter().map(|r| restriction_text(lang, r)).collect(),
        listings: listings
            .iter()
            .map(|l| listing_sanction(l, &name, &t.agency.uscc, &depts, lang))
            .collect(),
        bans: ban_rows(bans, &depts, lang),
        listing_cols: Columns {
            basis: true,
            ..Columns::default()
        },
        ban_cols: Columns {
            basis: true,
            persons: true,
            ..Columns::default()
        },
        alerts: alerts
            .iter()
            .map(|a| AlertRow {
                id: a.id,
                agency_id: a.agency_id,
                agency: name.clone(),
                manager: a.manager_name.clone(),
                created_at: crate::web::fmt_time(a.created_at),
                resolved: a.resolved_at.is_some(),
            })
            .collect(),
    };
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- blacklist form

#[derive(Template)]
#[template(path = "credit/sanctions/blacklist_new.html")]
pub struct BlacklistFormPage {
    pub page: Page,
    pub id: i64,
    pub agency: String,
    pub uscc: String,
    pub points: i32,
    pub reason: Field,
    pub legal_basis: Field,
    pub starts_on: Field,
    pub ends_on: Field,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodForm {
    pub reason: String,
    pub legal_basis: String,
    pub starts_on: String,
    pub ends_on: String,
}

async fn blacklist_points(ctx: &Ctx) -> Result<i32, AppError> {
    Ok(db::run(ctx.pool(), |c| {
        crate::credit::store::credit::current_rules(c).map_err(DbError::from)
    })
    .await?
    .rules()
    .points_for(credit::Kind::Blacklisted))
}

async fn blacklist_form(t: Target) -> Result<HttpResponse, AppError> {
    if let Some(denied) = authorize_regulate(&t)? {
        return Ok(denied);
    }
    let ctx = &t.ctx;
    let p = BlacklistFormPage {
        page: ctx.page(),
        id: t.agency.user_id,
        agency: t.agency.name.clone(),
        uscc: t.agency.uscc.clone(),
        points: blacklist_points(ctx).await?,
        reason: Field::default(),
        legal_basis: Field::default(),
        starts_on: Field::new(fmt::date(today_cn())),
        ends_on: Field::default(),
    };
    html(&p, StatusCode::OK)
}

/// Parses the common fields of the blacklist and ban forms (`credit::parse_period`); a
/// refused field gets its message beside it.
fn parse_period(
    lang: Lang,
    reason: &mut Field,
    basis: &mut Field,
    starts: &mut Field,
    ends: &mut Field,
    months: (u32, u32),
) -> Option<(String, String, NaiveDate, NaiveDate)> {
    let input = credit::PeriodInput {
        reason: reason.value.clone(),
        legal_basis: basis.value.clone(),
        starts_on: starts.value.clone(),
        ends_on: ends.value.clone(),
    };
    match credit::parse_period(&input, today_cn(), months) {
        Ok(p) => Some((p.reason, p.legal_basis, p.starts_on, p.ends_on)),
        Err(problems) => {
            for pr in &problems {
                let field = match pr.field {
                    "reason" => &mut *reason,
                    "legal_basis" => &mut *basis,
                    "starts_on" => &mut *starts,
                    _ => &mut *ends,
                };
                field.fail(lang, pr.key, &pr.args);
            }
            None
        }
    }
}

async fn blacklist_save(
    Posted { to: t, form: f }: Posted<Target, PeriodForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(denied) = authorize_regulate(&t)? {
        return Ok(denied);
    }
    let ctx = &t.ctx;
    let lang = ctx.lang();
    let mut p = BlacklistFormPage {
        page: ctx.page(),
        id: t.agency.user_id,
        agency: t.agency.name.clone(),
        uscc: t.agency.uscc.clone(),
        points: blacklist_points(ctx).await?,
        reason: Field::new(&f.reason),
        legal_basis: Field::new(&f.legal_basis),
        starts_on: Field::new(&f.starts_on),
        ends_on: Field::new(&f.ends_on),
    };
    let Some((reason, basis, starts_on, ends_on)) = parse_period(
        lang,
        &mut p.reason,
        &mut p.legal_basis,
        &mut p.starts_on,
        &mut p.ends_on,
        BLACKLIST_MONTHS,
    ) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = ctx.current()?.clone();
    let dept = me.department_id.ok_or(AppError::Forbidden)?;
    let aid = t.agency.user_id;
    db::run(ctx.pool(), move |c| {
        let period = steps::Period {
            reason: &reason,
            legal_basis: &basis,
            starts_on,
            ends_on,
        };
        steps::blacklist(c, &me, dept, aid, &period)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/regulate/agencies/{aid}"),
        FlashKind::Success,
        "sanctions.blacklist.saved",
    ))
}

// ---------------------------------------------------------------- ban form

pub struct ManagerChoice {
    pub id: i64,
    pub name: String,
    pub masked_id: String,
    pub position: String,
    pub checked: bool,
}

pub struct ExtraPerson {
    pub n: usize,
    pub name: Field,
    pub id_number: Field,
}

#[derive(Template)]
#[template(path = "credit/sanctions/ban_new.html")]
pub struct BanFormPage {
    pub page: Page,
    pub id: i64,
    pub agency: String,
    pub uscc: String,
    pub reason: Field,
    pub legal_basis: Field,
    pub starts_on: Field,
    pub ends_on: Field,
    pub managers: Vec<ManagerChoice>,
    pub extras: Vec<ExtraPerson>,
}

const EXTRA_ROWS: usize = 3;

async fn managers_of(
    ctx: &Ctx,
    aid: i64,
) -> Result<Vec<crate::library::store::agency::Manager>, AppError> {
    Ok(db::run(ctx.pool(), move |c| {
        crate::library::store::agency::managers(c, aid).map_err(DbError::from)
    })
    .await?)
}

/// The ban form for `t`, every field holding `v(name)` (empty for a new form) and each
/// manager checked as `checked` says.
fn ban_page(
    t: &Target,
    managers: &[crate::library::store::agency::Manager],
    v: &dyn Fn(&str) -> String,
    checked: &dyn Fn(i64) -> bool,
) -> BanFormPage {
    BanFormPage {
        page: t.ctx.page(),
        id: t.agency.user_id,
        agency: t.agency.name.clone(),
        uscc: t.agency.uscc.clone(),
        reason: Field::new(v("reason")),
        legal_basis: Field::new(v("legal_basis")),
        starts_on: Field::new(v("starts_on")),
        ends_on: Field::new(v("ends_on")),
        managers: managers
            .iter()
            .map(|m| ManagerChoice {
                id: m.id,
                name: m.name.clone(),
                masked_id: m.masked_id(),
                position: m.position.clone(),
                checked: checked(m.id),
            })
            .collect(),
        extras: (1..=EXTRA_ROWS)
            .map(|n| ExtraPerson {
                n,
                name: Field::new(v(&format!("p{n}_name"))),
                id_number: Field::new(v(&format!("p{n}_id"))),
            })
            .collect(),
    }
}

async fn ban_form(t: Target) -> Result<HttpResponse, AppError> {
    if let Some(denied) = authorize_regulate(&t)? {
        return Ok(denied);
    }
    let managers = managers_of(&t.ctx, t.agency.user_id).await?;
    let today = fmt::date(today_cn());
    let v = |k: &str| {
        if k == "starts_on" {
            today.clone()
        } else {
            String::new()
        }
    };
    let p = ban_page(&t, &managers, &v, &|_| true);
    html(&p, StatusCode::OK)
}

/// The ban form: fixed fields plus `m_<manager id>` checkboxes and `p<n>_name`/`p<n>_id`
/// rows, so it is read as a map (every value still a string).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BanForm {
    #[serde(flatten)]
    pub fields: HashMap<String, String>,
}

/// The persons a ban names: the checked managers and each filled extra row (checked by
/// `credit::parse_person`, a refused row's messages beside its fields). `None` when a row
/// was refused.
fn ban_persons(
    lang: Lang,
    p: &mut BanFormPage,
    managers: &[crate::library::store::agency::Manager],
) -> Option<Vec<(String, String)>> {
    let mut persons: Vec<(String, String)> = managers
        .iter()
        .filter(|m| p.managers.iter().any(|c| c.id == m.id && c.checked))
        .map(|m| (m.name.clone(), m.id_number.clone()))
        .collect();
    let mut persons_ok = true;
    for x in &mut p.extras {
        if x.name.value.trim().is_empty() && x.id_number.value.trim().is_empty() {
            continue;
        }
        match credit::parse_person(&x.name.value, &x.id_number.value, today_cn()) {
            Ok(person) => persons.push(person),
            Err(problems) => {
                for pr in &problems {
                    let field = match pr.field {
                        "name" => &mut x.name,
                        _ => &mut x.id_number,
                    };
                    field.fail(lang, pr.key, &pr.args);
                }
                persons_ok = false;
            }
        }
    }
    persons_ok.then_some(persons)
}

async fn ban_save(
    Posted { to: t, form: f }: Posted<Target, BanForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(denied) = authorize_regulate(&t)? {
        return Ok(denied);
    }
    let ctx = &t.ctx;
    let lang = ctx.lang();
    let v = |k: &str| f.fields.get(k).cloned().unwrap_or_default();
    let managers = managers_of(ctx, t.agency.user_id).await?;
    let mut p = ban_page(&t, &managers, &v, &|id| !v(&format!("m_{id}")).is_empty());
    let period = parse_period(
        lang,
        &mut p.reason,
        &mut p.legal_basis,
        &mut p.starts_on,
        &mut p.ends_on,
        BAN_MONTHS,
    );
    let persons = ban_persons(lang, &mut p, &managers);
    let (Some((reason, basis, starts_on, ends_on)), Some(persons)) = (period, persons) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = ctx.current()?.clone();
    let dept = me.department_id.ok_or(AppError::Forbidden)?;
    let aid = t.agency.user_id;
    let raised = db::run(ctx.pool(), move |c| {
        let period = steps::Period {
            reason: &reason,
            legal_basis: &basis,
            starts_on,
            ends_on,
        };
        steps::ban(c, &me, dept, aid, &period, persons)
    })
    .await?;
    let key = if raised > 0 {
        "sanctions.ban.saved_alerts"
    } else {
        "sanctions.ban.saved"
    };
    Ok(redirect_flash(
        &format!("/regulate/agencies/{aid}"),
        FlashKind::Success,
        key,
    ))
}

// ---------------------------------------------------------------- regulator queue

pub struct RepairRow {
    pub id: i64,
    pub agency: String,
    pub listing_period: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "credit/sanctions/queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub department: String,
    pub alerts: Vec<AlertRow>,
    pub repairs: Vec<RepairRow>,
}

async fn queue(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewCreditQueue)?;
    let lang = ctx.lang();
    let dept = ctx.current()?.department_id.unwrap_or(-1);
    let (alerts, repairs, depts) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            sx::open_alerts(c, dept)?,
            sx::pending_repairs(c, dept)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let p = QueuePage {
        page: ctx.page(),
        department: fmt::dept(lang, &depts, Some(dept)),
        alerts: alerts
            .into_iter()
            .map(|(a, name)| AlertRow {
                id: a.id,
                agency_id: a.agency_id,
                agency: name,
                manager: a.manager_name,
                created_at: crate::web::fmt_time(a.created_at),
                resolved: a.resolved_at.is_some(),
            })
            .collect(),
        repairs: repairs
            .into_iter()
            .map(|(r, l, name)| RepairRow {
                id: r.id,
                agency: name,
                listing_period: format!("{} — {}", fmt::date(l.starts_on), fmt::date(l.ends_on)),
                created_at: crate::web::fmt_time(r.created_at),
            })
            .collect(),
    };
    html(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    pub note: String,
}

/// An alert the regulator's department may resolve (`/regulate/alerts/{id}/resolve`).
pub struct AlertToResolve {
    pub ctx: Ctx,
    pub alert: sx::Alert,
}

impl Authorise for AlertToResolve {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        ctx.authorize(Action::ViewCreditQueue)?;
        let alert = db::run(ctx.pool(), move |c| {
            sx::find_alert(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?;
        ctx.authorize(Action::DecideCredit {
            department_id: alert.department_id,
        })?;
        Ok(AlertToResolve { ctx, alert })
    }
}
crate::extractor!(AlertToResolve);

async fn resolve_alert(
    Posted {
        to: AlertToResolve { ctx, alert },
        form: f,
    }: Posted<AlertToResolve, NoteForm>,
) -> Result<HttpResponse, AppError> {
    let id = alert.id;
    let note = match validate::text(&f.note, 500, true) {
        Ok(n) => n,
        Err(_) => {
            return Ok(redirect_flash(
                "/regulate/queue",
                FlashKind::Error,
                "sanctions.alert.note_required",
            ));
        }
    };
    let me = ctx.current()?.clone();
    let done = db::run(ctx.pool(), move |c| steps::resolve_alert(c, &me, id, &note)).await;
    let (kind, key) = match done {
        Ok(()) => (FlashKind::Success, "sanctions.alert.resolved"),
        Err(StepError::Refused(r)) => (FlashKind::Error, r.key),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    Ok(redirect_flash("/regulate/queue", kind, key))
}

// ---------------------------------------------------------------- repair decision

#[derive(Template)]
#[template(path = "credit/sanctions/repair_show.html")]
pub struct RepairPage {
    pub page: Page,
    pub id: i64,
    pub agency_id: i64,
    pub agency: String,
    pub listing: ListingRow,
    pub evidence: String,
    pub has_upload: bool,
    pub status: String,
    pub pending: bool,
    pub decision_reason: String,
    pub created_at: String,
    pub reason: Field,
}

pub struct RepairCase {
    repair: sx::Repair,
    listing: Listing,
    agency: Agency,
    depts: Vec<Department>,
}

async fn load_repair(ctx: &Ctx, rid: i64) -> Result<RepairCase, AppError> {
    let (repair, listing, agency, depts) = db::run(ctx.pool(), move |c| {
        let r = sx::find_repair(c, rid)?;
        let l = match &r {
            Some(r) => sx::find_listing(c, r.blacklist_id)?,
            None => None,
        };
        let a = match &r {
            Some(r) => crate::library::store::agency::find(c, r.agency_id)?,
            None => None,
        };
        Ok::<_, DbError>((r, l, a, crate::accounts::store::department::all(c)?))
    })
    .await?;
    let (Some(repair), Some(listing), Some(agency)) = (repair, listing, agency) else {
        // The policy still answers first: a visitor is sent to log in, not told "no such".
        ctx.authorize(Action::ViewCreditQueue)?;
        return Err(AppError::NotFound);
    };
    Ok(RepairCase {
        repair,
        listing,
        agency,
        depts,
    })
}

fn repair_page(ctx: &Ctx, rc: &RepairCase, reason: Field) -> RepairPage {
    let lang = ctx.lang();
    RepairPage {
        page: ctx.page(),
        id: rc.repair.id,
        agency_id: rc.agency.user_id,
        agency: rc.agency.name.clone(),
        listing: listing_row(
            &rc.listing,
            &rc.agency.name,
            &rc.agency.uscc,
            &rc.depts,
            lang,
        ),
        evidence: rc.repair.evidence.clone(),
        has_upload: rc.repair.upload_id.is_some(),
        status: ctx
            .t(&format!("sanctions.repair.status.{}", rc.repair.status))
            .to_string(),
        pending: rc.repair.status == ReviewStatus::Pending,
        decision_reason: rc.repair.decision_reason.clone().unwrap_or_default(),
        created_at: crate::web::fmt_time(rc.repair.created_at),
        reason,
    }
}

/// A repair application for the department that decides it (`/regulate/repairs/{id}`).
pub struct RepairToDecide {
    pub ctx: Ctx,
    pub rc: RepairCase,
}

impl Authorise for RepairToDecide {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let rc = load_repair(&ctx, id).await?;
        ctx.authorize(Action::DecideCredit {
            department_id: rc.listing.department_id,
        })?;
        Ok(RepairToDecide { ctx, rc })
    }
}
crate::extractor!(RepairToDecide);

/// A repair application's evidence file, for the applying agency and the deciding
/// department (`/regulate/repairs/{id}/evidence`).
pub struct RepairEvidence {
    pub ctx: Ctx,
    pub rc: RepairCase,
}

impl Authorise for RepairEvidence {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let rc = load_repair(&ctx, id).await?;
        let own = ctx.allows(Action::ApplyForRepair {
            agency_id: rc.repair.agency_id,
        });
        if !own {
            ctx.authorize(Action::DecideCredit {
                department_id: rc.listing.department_id,
            })?;
        }
        Ok(RepairEvidence { ctx, rc })
    }
}
crate::extractor!(RepairEvidence);

async fn repair_show(RepairToDecide { ctx, rc }: RepairToDecide) -> Result<HttpResponse, AppError> {
    html(&repair_page(&ctx, &rc, Field::default()), StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub reason: String,
}

async fn repair_decide(
    Posted {
        to: RepairToDecide { ctx, rc },
        form: f,
    }: Posted<RepairToDecide, DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("sanctions.repair.decision_invalid")),
    };
    let mut reason_field = Field::new(&f.reason);
    let Some(reason) = reason_field.check(lang, validate::text(&f.reason, 500, !approve)) else {
        if !approve && f.reason.trim().is_empty() {
            reason_field.fail(lang, "sanctions.repair.reason_required", &[]);
        }
        return html(
            &repair_page(&ctx, &rc, reason_field),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = ctx.current()?.clone();
    let (repair, listing) = (rc.repair.clone(), rc.listing.clone());
    let rid = repair.id;
    let done = db::run(ctx.pool(), move |c| {
        steps::decide_repair(c, &me, &repair, &listing, approve, &reason)
    })
    .await;
    let (kind, key) = match done {
        Ok(()) if approve => (FlashKind::Success, "sanctions.repair.approved"),
        Ok(()) => (FlashKind::Success, "sanctions.repair.rejected"),
        Err(StepError::Refused(r)) => (FlashKind::Error, r.key),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    Ok(redirect_flash(
        &format!("/regulate/repairs/{rid}"),
        kind,
        key,
    ))
}

async fn repair_evidence(
    RepairEvidence { ctx, rc }: RepairEvidence,
) -> Result<HttpResponse, AppError> {
    let uid = rc.repair.upload_id.ok_or(AppError::NotFound)?;
    let up = db::run(ctx.pool(), move |c| {
        crate::uploads::store::find(c, uid).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    uploads::send_file(
        ctx.config(),
        &up,
        &format!("repair-evidence-{}", rc.repair.id),
    )
    .await
}

// ---------------------------------------------------------------- the agency's own pages

pub struct OwnRepair {
    pub id: i64,
    pub period: String,
    pub status: String,
    pub status_code: String,
    pub reason: String,
    pub created_at: String,
    pub has_upload: bool,
}

#[derive(Template)]
#[template(path = "credit/sanctions/agency_credit.html")]
pub struct AgencyCreditPage {
    pub page: Page,
    pub restrictions: Vec<String>,
    pub listings: Vec<SanctionRow>,
    pub bans: Vec<SanctionRow>,
    pub repairs: Vec<OwnRepair>,
    pub listing_cols: Columns,
    pub ban_cols: Columns,
}

fn own_agency(ctx: &Ctx) -> Result<i64, AppError> {
    let id = signed_in_id(ctx)?;
    ctx.authorize(Action::ApplyForRepair { agency_id: id })?;
    Ok(id)
}

async fn agency_credit(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let aid = own_agency(&ctx)?;
    let lang = ctx.lang();
    let today = today_cn();
    let (agency, restr, listings, bans, repairs, rules, depts) = db::run(ctx.pool(), move |c| {
        let bans = sx::bans_of(c, aid)?;
        let mut with_persons = Vec::new();
        for b in bans {
            let ps = sx::persons_of(c, b.id)?;
            with_persons.push((b, ps));
        }
        Ok::<_, DbError>((
            crate::library::store::agency::find(c, aid)?,
            sx::restrictions(c, aid, today)?,
            sx::listings_of(c, aid)?,
            with_persons,
            sx::repairs_of(c, aid)?,
            crate::credit::store::credit::current_rules(c)?.rules(),
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let agency = agency.ok_or(AppError::NotFound)?;
    let own = listings
        .iter()
        .map(|l| {
            let pending = repairs
                .iter()
                .any(|r| r.blacklist_id == l.id && r.status == ReviewStatus::Pending);
            let on = rules.repair_available_on(l.starts_on, l.ends_on);
            SanctionRow {
                repair: Some(views::Repair {
                    listing_id: l.id,
                    repair_on: fmt::date(on),
                    can_apply: l.period().active_on(today) && !pending,
                    pending,
                }),
                ..listing_sanction(l, &agency.name, &agency.uscc, &depts, lang)
            }
        })
        .collect();
    let repairs = repairs
        .iter()
        .map(|r| {
            let l = listings.iter().find(|l| l.id == r.blacklist_id);
            OwnRepair {
                id: r.id,
                period: l
                    .map(|l| format!("{} — {}", fmt::date(l.starts_on), fmt::date(l.ends_on)))
                    .unwrap_or_default(),
                status: ctx
                    .t(&format!("sanctions.repair.status.{}", r.status))
                    .to_string(),
                status_code: r.status.to_string(),
                reason: r.decision_reason.clone().unwrap_or_default(),
                created_at: crate::web::fmt_time(r.created_at),
                has_upload: r.upload_id.is_some(),
            }
        })
        .collect();
    let p = AgencyCreditPage {
        page: ctx.page(),
        restrictions: restr.iter().map(|r| restriction_text(lang, r)).collect(),
        listings: own,
        bans: ban_rows(bans, &depts, lang),
        repairs,
        listing_cols: Columns {
            repair: true,
            ..Columns::default()
        },
        ban_cols: Columns {
            basis: true,
            persons: true,
            ..Columns::default()
        },
    };
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "credit/sanctions/repair_new.html")]
pub struct RepairFormPage {
    pub page: Page,
    pub listing: ListingRow,
    pub listing_id: i64,
    pub repair_on: String,
    /// Why no application can be made now (too early, one pending, ended), if so.
    pub blocked: String,
    pub evidence: Field,
    pub file: Field,
    pub max_mib: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListingQuery {
    pub listing: String,
}

struct RepairTarget {
    listing: Listing,
    agency: Agency,
    depts: Vec<Department>,
    pending: bool,
    rules: credit::RuleSet,
    max_mib: i64,
}

/// Loads the agency's own listing named by `?listing=`; another agency's listing is 403.
async fn repair_target(ctx: &Ctx, listing: &str) -> Result<RepairTarget, AppError> {
    let aid = own_agency(ctx)?;
    let lid: i64 = listing
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("sanctions.repair.no_listing"))?;
    let (l, a, depts, pending, rules, s) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            sx::find_listing(c, lid)?,
            crate::library::store::agency::find(c, aid)?,
            crate::accounts::store::department::all(c)?,
            sx::has_pending_repair(c, lid)?,
            crate::credit::store::credit::current_rules(c)?.rules(),
            crate::accounts::store::settings::load(c)?,
        ))
    })
    .await?;
    let listing = l.ok_or(AppError::NotFound)?;
    ctx.authorize(Action::ApplyForRepair {
        agency_id: listing.agency_id,
    })?;
    Ok(RepairTarget {
        listing,
        agency: a.ok_or(AppError::NotFound)?,
        depts,
        pending,
        rules,
        max_mib: s.get("upload_max_mib"),
    })
}

/// Why an application cannot be made today, if it cannot (the step's own rule).
fn repair_blocked(t: &RepairTarget) -> Option<crate::error::Refusal> {
    steps::repairable(&t.listing, t.pending, &t.rules, today_cn()).err()
}

fn repair_form_page(ctx: &Ctx, t: &RepairTarget, blocked: String) -> RepairFormPage {
    RepairFormPage {
        page: ctx.page(),
        listing: listing_row(
            &t.listing,
            &t.agency.name,
            &t.agency.uscc,
            &t.depts,
            ctx.lang(),
        ),
        listing_id: t.listing.id,
        repair_on: fmt::date(
            t.rules
                .repair_available_on(t.listing.starts_on, t.listing.ends_on),
        ),
        blocked,
        evidence: Field::default(),
        file: Field::default(),
        max_mib: t.max_mib,
    }
}

async fn repair_form(ctx: Ctx, q: web::Query<ListingQuery>) -> Result<HttpResponse, AppError> {
    let t = repair_target(&ctx, &q.listing).await?;
    // The form still opens when it cannot be used yet, saying why and from when.
    let blocked = repair_blocked(&t)
        .map(|r| r.message(ctx.lang()))
        .unwrap_or_default();
    html(&repair_form_page(&ctx, &t, blocked), StatusCode::OK)
}

async fn repair_apply(
    ctx: Ctx,
    q: web::Query<ListingQuery>,
    body: UploadBody,
) -> Result<HttpResponse, AppError> {
    // Who may apply is decided before the body is read (a visitor is sent to log in).
    own_agency(&ctx)?;
    let lang = ctx.lang();
    let dir = uploads::upload_dir(ctx.config());
    let s = db::run(ctx.pool(), |c| {
        crate::accounts::store::settings::load(c).map_err(DbError::from)
    })
    .await?;
    let max_bytes = u64::try_from(s.get("upload_max_mib")).unwrap_or(1) * 1024 * 1024;
    let form = body.read(&ctx, &dir.join("tmp"), max_bytes).await?;
    let listing = if q.listing.is_empty() {
        form.field("listing")
    } else {
        q.listing.clone()
    };
    let t = repair_target(&ctx, &listing).await?;
    if let Some(r) = repair_blocked(&t) {
        let mut p = repair_form_page(&ctx, &t, r.message(lang));
        p.evidence = Field::new(form.field("evidence"));
        return html(&p, r.status());
    }
    let mut p = repair_form_page(&ctx, &t, String::new());
    p.evidence = Field::new(form.field("evidence"));
    let evidence = p
        .evidence
        .check(lang, validate::text(&form.field("evidence"), 2000, true));
    let received = match form.file {
        None => Some(None),
        Some(Err(problem)) => {
            p.file
                .fail(lang, problem.key(), &[("mib", t.max_mib.to_string())]);
            None
        }
        Some(Ok(r)) => Some(Some(r)),
    };
    let (Some(evidence), Some(file)) = (evidence, received) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let stored = match file {
        Some(file) => Some(crate::uploads::keep_received(file, &dir).await?),
        None => None,
    };
    let me = ctx.current()?.clone();
    let listing = t.listing.clone();
    let stored2 = stored.clone();
    let r = db::run(ctx.pool(), move |c| {
        steps::apply_repair(c, &me, &listing, &evidence, stored2.as_ref())
    })
    .await;
    if r.is_err()
        && let Some((name, _)) = &stored
    {
        // Nothing was saved, so the file must not stay either.
        let _ = std::fs::remove_file(dir.join(name));
    }
    // Two quick submissions make one application: the second is told it is pending.
    let (kind, key) = match r {
        Ok(_) => (FlashKind::Success, "sanctions.repair.applied"),
        Err(StepError::Refused(r)) => (FlashKind::Error, r.key),
        Err(StepError::Db(e)) => return Err(e.into()),
    };
    Ok(redirect_flash("/agency/credit", kind, key))
}
