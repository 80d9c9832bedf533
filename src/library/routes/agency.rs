//! An agency's own pages: its profile (basics, senior managers, practitioners, items offered
//! with fees and committed time limits) and its qualification certificates, plus the download
//! of a certificate scan (for the agency, the reviewing department and administrators).
//!
//! Every change runs in one transaction that also bumps the profile version, stores the
//! version snapshot and appends the audit entry ([`commit_change`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::policy::Action;
use crate::catalogue::store::Item;
use crate::db::{self, DbError};
use crate::domain::agency_rules::{self, Certificate, ItemTerms};
use crate::domain::catalogue::{self, Pricing};
use crate::domain::money::Money;
use crate::domain::validate;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::i18n::tr_args;
use crate::library::steps;
use crate::library::store::agency as ag;
use crate::uploads::{self, UploadBody};
use crate::web::ctx::redirect_flash;
use crate::web::extract::{Authorise, Posted, signed_in_id};
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/agency/profile", web::get().to(profile))
        .route("/agency/profile/edit", web::get().to(edit_form))
        .route("/agency/profile/edit", web::post().to(save_profile))
        .route("/agency/managers/new", web::get().to(manager_form))
        .route("/agency/managers/new", web::post().to(add_manager))
        .route(
            "/agency/managers/{id}/remove",
            web::post().to(remove_manager),
        )
        .route(
            "/agency/practitioners/new",
            web::get().to(practitioner_form),
        )
        .route(
            "/agency/practitioners/new",
            web::post().to(add_practitioner),
        )
        .route(
            "/agency/practitioners/{id}/remove",
            web::post().to(remove_practitioner),
        )
        .route("/agency/items/new", web::get().to(item_new_form))
        .route("/agency/items/new", web::post().to(add_item))
        .route("/agency/items/{id}/edit", web::get().to(item_edit_form))
        .route("/agency/items/{id}/edit", web::post().to(update_item))
        .route("/agency/items/{id}/remove", web::post().to(remove_item))
        .route("/agency/certificates/new", web::get().to(certificate_form))
        .route("/agency/certificates/new", web::post().to(add_certificate))
        .route("/agency/certificates/{id}/scan", web::get().to(scan));
}

/// The signed-in agency's own id, after the policy has allowed it to keep its profile.
fn own_agency(ctx: &Ctx) -> Result<i64, AppError> {
    let id = signed_in_id(ctx)?;
    ctx.authorize(Action::EditAgencyProfile { agency_id: id })?;
    Ok(id)
}

/// Asks the policy whether the user may change the profile row of `owner` (an agency's id),
/// or — for a row that does not exist — its own profile: then a missing row is 404 only for
/// someone allowed to look, and anyone else hears what the policy says.
fn authorize_row(ctx: &Ctx, owner: Option<i64>) -> Result<(), AppError> {
    let agency_id = match owner {
        Some(id) => id,
        None => signed_in_id(ctx)?,
    };
    ctx.authorize(Action::EditAgencyProfile { agency_id })?;
    if owner.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A senior manager of the signed-in agency (`/agency/managers/{id}/…`).
pub struct OwnManager {
    pub ctx: Ctx,
    pub manager: ag::Manager,
}

impl Authorise for OwnManager {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let m = db::run(ctx.pool(), move |c| {
            ag::find_manager(c, id).map_err(DbError::from)
        })
        .await?;
        authorize_row(&ctx, m.as_ref().map(|m| m.agency_id))?;
        let manager = m.ok_or(AppError::NotFound)?;
        Ok(OwnManager { ctx, manager })
    }
}
crate::extractor!(OwnManager);

/// A practitioner of the signed-in agency (`/agency/practitioners/{id}/…`).
pub struct OwnPractitioner {
    pub ctx: Ctx,
    pub practitioner: ag::Practitioner,
}

impl Authorise for OwnPractitioner {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let x = db::run(ctx.pool(), move |c| {
            ag::find_practitioner(c, id).map_err(DbError::from)
        })
        .await?;
        authorize_row(&ctx, x.as_ref().map(|x| x.agency_id))?;
        let practitioner = x.ok_or(AppError::NotFound)?;
        Ok(OwnPractitioner { ctx, practitioner })
    }
}
crate::extractor!(OwnPractitioner);

/// An item the signed-in agency offers, with its catalogue item (`/agency/items/{id}/…`).
pub struct OwnOffer {
    pub ctx: Ctx,
    pub offer: ag::OfferedItem,
    pub item: Option<Item>,
}

impl Authorise for OwnOffer {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (o, item) = db::run(ctx.pool(), move |c| {
            let o = ag::find_offered(c, id)?;
            let item = match &o {
                Some(o) => crate::catalogue::store::find(c, o.item_id)?,
                None => None,
            };
            Ok::<_, DbError>((o, item))
        })
        .await?;
        authorize_row(&ctx, o.as_ref().map(|o| o.agency_id))?;
        let offer = o.ok_or(AppError::NotFound)?;
        Ok(OwnOffer { ctx, offer, item })
    }
}
crate::extractor!(OwnOffer);

/// A certificate's scan, for the agency, the reviewing department and administrators
/// (`/agency/certificates/{id}/scan`).
pub struct CertificateScan {
    pub ctx: Ctx,
    pub cert: ag::Certificate,
    pub upload: Option<crate::uploads::store::Upload>,
}

impl Authorise for CertificateScan {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (cert, upload, depts) = db::run(ctx.pool(), move |c| {
            let cert = ag::find_certificate(c, id)?;
            let upload = match cert.as_ref().and_then(|x| x.upload_id) {
                Some(u) => crate::uploads::store::find(c, u)?,
                None => None,
            };
            Ok::<_, DbError>((cert, upload, crate::accounts::store::department::all(c)?))
        })
        .await?;
        // A missing certificate is 404 for whoever may see scans at all (the agency asks
        // about its own, a regulator of no department about none).
        let (agency_id, department_id) = match &cert {
            Some(c) => (c.agency_id, reviewing_department_id(&depts, &c.qual_type)),
            None => (signed_in_id(&ctx)?, -1),
        };
        ctx.authorize(Action::ViewCertificateScan {
            agency_id,
            department_id,
        })?;
        let cert = cert.ok_or(AppError::NotFound)?;
        Ok(CertificateScan { ctx, cert, upload })
    }
}
crate::extractor!(CertificateScan);

fn dept_options(
    depts: &[crate::accounts::store::department::Department],
    lang: Lang,
) -> Vec<(String, String)> {
    depts
        .iter()
        .map(|d| (d.id.to_string(), d.name(lang).to_string()))
        .collect()
}

/// Puts each refused field's message beside its field on `page` (`field` finds it by the
/// form field's name).
fn show_problems<P>(
    lang: Lang,
    problems: &[validate::Problem],
    page: &mut P,
    field: impl for<'x> Fn(&'x mut P, &str) -> Option<&'x mut Field>,
) {
    for pr in problems {
        if let Some(f) = field(page, pr.field) {
            f.fail(lang, pr.key, &pr.args);
        }
    }
}

// ---------------------------------------------------------------- the profile page

pub struct ManagerRow {
    pub id: i64,
    pub name: String,
    pub masked_id: String,
    pub position: String,
}

pub struct PractitionerRow {
    pub id: i64,
    pub name: String,
    pub cert_type: String,
    pub cert_number: String,
}

pub struct ItemRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub pricing_label: String,
    pub fee_standard: String,
    /// "" when no range is published.
    pub fee_range: String,
    pub committed_days: i32,
    pub limit_days: i32,
}

pub struct CertRow {
    pub id: i64,
    pub qual_label: String,
    pub level_label: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_to: String,
    pub status: String,
    pub status_label: String,
    pub review_due: String,
    pub reason: String,
    pub counts: bool,
    pub has_scan: bool,
}

#[derive(Template)]
#[template(path = "library/agency/profile.html")]
pub struct ProfilePage {
    pub page: Page,
    pub name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub address: String,
    pub region_label: String,
    pub contact_phone: String,
    pub affiliated: bool,
    pub affiliated_department: String,
    pub intro: String,
    pub status_label: String,
    pub version: i32,
    pub managers: Vec<ManagerRow>,
    pub practitioners: Vec<PractitionerRow>,
    pub items: Vec<ItemRow>,
    pub certificates: Vec<CertRow>,
}

fn pricing_label(lang: Lang, code: &str) -> String {
    crate::i18n::tr(lang, &format!("cat.pricing.{code}")).to_string()
}

fn fee_range_text(lang: Lang, min: Option<Money>, max: Option<Money>) -> String {
    match (min, max) {
        (Some(a), Some(b)) if a == b => {
            tr_args(lang, "agency.items.fee_single", &[("fee", &fmt::money(a))])
        }
        (Some(a), Some(b)) => tr_args(
            lang,
            "agency.items.fee_range_text",
            &[("min", &fmt::money(a)), ("max", &fmt::money(b))],
        ),
        _ => String::new(),
    }
}

async fn profile(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let (p, items, depts) = db::run(ctx.pool(), move |c| {
        let p = ag::profile(c, id)?;
        let mut items = Vec::new();
        if let Some(p) = &p {
            for o in &p.items {
                items.push(crate::catalogue::store::find(c, o.item_id)?);
            }
        }
        Ok::<_, DbError>((p, items, crate::accounts::store::department::all(c)?))
    })
    .await?;
    let p = p.ok_or(AppError::NotFound)?;
    let a = &p.agency;
    let today = crate::db::today();
    let t = |k: &str| ctx.t(k).to_string();
    let page = ProfilePage {
        page: ctx.page(),
        name: a.name.clone(),
        uscc: a.uscc.clone(),
        legal_rep: a.legal_rep.clone(),
        address: a.address.clone(),
        region_label: t(&format!("cat.region.{}", a.region)),
        contact_phone: a.contact_phone.clone(),
        affiliated: a.affiliated,
        affiliated_department: a
            .affiliated_department_id
            .and_then(|d| depts.iter().find(|x| x.id == d))
            .map(|d| d.name(lang).to_string())
            .unwrap_or_default(),
        intro: a.intro.clone(),
        status_label: t(&format!("agency.status.{}", a.status)),
        version: a.version,
        managers: p
            .managers
            .iter()
            .map(|m| ManagerRow {
                id: m.id,
                name: m.name.clone(),
                masked_id: m.masked_id(),
                position: m.position.clone(),
            })
            .collect(),
        practitioners: p
            .practitioners
            .iter()
            .map(|x| PractitionerRow {
                id: x.id,
                name: x.name.clone(),
                cert_type: x.cert_type.clone(),
                cert_number: x.cert_number.clone(),
            })
            .collect(),
        items: item_rows(lang, &p.items, &items),
        certificates: p
            .certificates
            .iter()
            .map(|c| cert_row(lang, c, today))
            .collect(),
    };
    html(&page, StatusCode::OK)
}

/// The items offered, each with its catalogue item (if it still exists).
fn item_rows(lang: Lang, offers: &[ag::OfferedItem], items: &[Option<Item>]) -> Vec<ItemRow> {
    offers
        .iter()
        .zip(items.iter())
        .map(|(o, it)| ItemRow {
            id: o.id,
            code: it.as_ref().map(|i| i.code.clone()).unwrap_or_default(),
            name: it.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
            pricing_label: it
                .as_ref()
                .map(|i| pricing_label(lang, &i.pricing))
                .unwrap_or_default(),
            fee_standard: o.fee_standard.clone(),
            fee_range: fee_range_text(lang, o.fee_min_fen, o.fee_max_fen),
            committed_days: o.committed_days,
            limit_days: it.as_ref().map(|i| i.time_limit_days).unwrap_or(0),
        })
        .collect()
}

pub fn cert_row(lang: Lang, c: &ag::Certificate, today: NaiveDate) -> CertRow {
    let t = |k: String| crate::i18n::tr(lang, &k).to_string();
    CertRow {
        id: c.id,
        qual_label: t(format!("cat.qual.{}", c.qual_type)),
        level_label: t(format!("cat.level.{}", c.level)),
        number: c.number.clone(),
        issuer: c.issuer.clone(),
        valid_from: c.valid_from.to_string(),
        valid_to: c.valid_to.to_string(),
        status: c.status.to_string(),
        status_label: t(format!("agency.cert.status.{}", c.status)),
        review_due: c.review_due.to_string(),
        reason: c.review_reason.clone().unwrap_or_default(),
        counts: c.counts_on(today),
        has_scan: c.upload_id.is_some(),
    }
}

// ---------------------------------------------------------------- basics

#[derive(Template)]
#[template(path = "library/agency/edit.html")]
pub struct EditPage {
    pub page: Page,
    pub name: String,
    pub legal_rep: Field,
    pub address: Field,
    pub region: Field,
    pub contact_phone: Field,
    pub affiliated: bool,
    pub affiliated_department_id: Field,
    pub intro: Field,
    pub regions: Vec<(String, String)>,
    pub departments: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileForm {
    pub legal_rep: String,
    pub address: String,
    pub region: String,
    pub contact_phone: String,
    pub affiliated: String,
    pub affiliated_department_id: String,
    pub intro: String,
}

fn region_options(lang: Lang) -> Vec<(String, String)> {
    catalogue::REGIONS
        .iter()
        .map(|r| {
            (
                r.to_string(),
                crate::i18n::tr(lang, &format!("cat.region.{r}")).to_string(),
            )
        })
        .collect()
}

async fn edit_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let (a, depts) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            ag::find(c, id)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let a = a.ok_or(AppError::NotFound)?;
    let p = EditPage {
        page: ctx.page(),
        name: a.name.clone(),
        legal_rep: Field::new(&a.legal_rep),
        address: Field::new(&a.address),
        region: Field::new(&a.region),
        contact_phone: Field::new(&a.contact_phone),
        affiliated: a.affiliated,
        affiliated_department_id: Field::new(
            a.affiliated_department_id
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        intro: Field::new(&a.intro),
        regions: region_options(lang),
        departments: dept_options(&depts, lang),
    };
    html(&p, StatusCode::OK)
}

async fn save_profile(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let (a, depts) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((
            ag::find(c, id)?,
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let a = a.ok_or(AppError::NotFound)?;
    let affiliated = !f.affiliated.is_empty();
    let mut p = EditPage {
        page: ctx.page(),
        name: a.name.clone(),
        legal_rep: Field::new(&f.legal_rep),
        address: Field::new(&f.address),
        region: Field::new(&f.region),
        contact_phone: Field::new(&f.contact_phone),
        affiliated,
        affiliated_department_id: Field::new(&f.affiliated_department_id),
        intro: Field::new(&f.intro),
        regions: region_options(lang),
        departments: dept_options(&depts, lang),
    };
    let input = agency_rules::ProfileInput {
        legal_rep: f.legal_rep.clone(),
        address: f.address.clone(),
        region: f.region.clone(),
        contact_phone: f.contact_phone.clone(),
        affiliated: f.affiliated.clone(),
        affiliated_department_id: f.affiliated_department_id.clone(),
        intro: f.intro.clone(),
    };
    let ids: Vec<i64> = depts.iter().map(|d| d.id).collect();
    let v = match agency_rules::parse_profile(&input, &a.uscc, &ids) {
        Ok(v) => v,
        Err(problems) => {
            show_problems(lang, &problems, &mut p, |p, name| match name {
                "legal_rep" => Some(&mut p.legal_rep),
                "address" => Some(&mut p.address),
                "region" => Some(&mut p.region),
                "contact_phone" => Some(&mut p.contact_phone),
                "affiliated_department_id" => Some(&mut p.affiliated_department_id),
                "intro" => Some(&mut p.intro),
                _ => None,
            });
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let fields = ag::ProfileFields {
        legal_rep: v.legal_rep,
        address: v.address,
        region: v.region,
        contact_phone: v.contact_phone,
        affiliated: v.affiliated,
        affiliated_department_id: v.affiliated_department_id,
        intro: v.intro,
    };
    let me = ctx.current()?.clone();
    db::run(ctx.pool(), move |c| {
        steps::update_profile(c, &me, id, &fields)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile",
        FlashKind::Success,
        "agency.profile.saved",
    ))
}

// ---------------------------------------------------------------- senior managers

#[derive(Template)]
#[template(path = "library/agency/manager_new.html")]
pub struct ManagerPage {
    pub page: Page,
    pub name: Field,
    pub id_number: Field,
    pub position: Field,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ManagerForm {
    pub name: String,
    pub id_number: String,
    pub position: String,
}

async fn manager_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    own_agency(&ctx)?;
    let p = ManagerPage {
        page: ctx.page(),
        name: Field::default(),
        id_number: Field::default(),
        position: Field::default(),
    };
    html(&p, StatusCode::OK)
}

async fn add_manager(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ManagerForm>,
) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let mut p = ManagerPage {
        page: ctx.page(),
        name: Field::new(&f.name),
        id_number: Field::new(&f.id_number),
        position: Field::new(&f.position),
    };
    let input = agency_rules::ManagerInput {
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        position: f.position.clone(),
    };
    let (name, number, position) = match agency_rules::parse_manager(&input, crate::db::today()) {
        Ok(m) => (m.name, m.id_number, m.position),
        Err(problems) => {
            show_problems(lang, &problems, &mut p, |p, name| match name {
                "name" => Some(&mut p.name),
                "id_number" => Some(&mut p.id_number),
                "position" => Some(&mut p.position),
                _ => None,
            });
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let me = ctx.current()?.clone();
    let alerted = db::run(ctx.pool(), move |c| {
        steps::add_manager(c, &me, id, &name, number.as_str(), &position)
    })
    .await?;
    if alerted > 0 {
        return Ok(redirect_flash(
            "/agency/profile#managers",
            FlashKind::Error,
            "sanctions.manager_banned",
        ));
    }
    Ok(redirect_flash(
        "/agency/profile#managers",
        FlashKind::Success,
        "agency.managers.added",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Empty {}

async fn remove_manager(
    Posted {
        to: OwnManager { ctx, manager },
        form: _,
    }: Posted<OwnManager, Empty>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.current()?.clone();
    let (agency_id, mid) = (manager.agency_id, manager.id);
    db::run(ctx.pool(), move |c| {
        steps::remove_manager(c, &me, agency_id, mid)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile#managers",
        FlashKind::Success,
        "agency.managers.removed",
    ))
}

// ---------------------------------------------------------------- practitioners

#[derive(Template)]
#[template(path = "library/agency/practitioner_new.html")]
pub struct PractitionerPage {
    pub page: Page,
    pub name: Field,
    pub cert_type: Field,
    pub cert_number: Field,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PractitionerForm {
    pub name: String,
    pub cert_type: String,
    pub cert_number: String,
}

async fn practitioner_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    own_agency(&ctx)?;
    let p = PractitionerPage {
        page: ctx.page(),
        name: Field::default(),
        cert_type: Field::default(),
        cert_number: Field::default(),
    };
    html(&p, StatusCode::OK)
}

async fn add_practitioner(
    ctx: Ctx,
    CsrfForm(f): CsrfForm<PractitionerForm>,
) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let mut p = PractitionerPage {
        page: ctx.page(),
        name: Field::new(&f.name),
        cert_type: Field::new(&f.cert_type),
        cert_number: Field::new(&f.cert_number),
    };
    let input = agency_rules::PractitionerInput {
        name: f.name.clone(),
        cert_type: f.cert_type.clone(),
        cert_number: f.cert_number.clone(),
    };
    let (name, cert_type, cert_number) = match agency_rules::parse_practitioner(&input) {
        Ok(x) => (x.name, x.cert_type, x.cert_number),
        Err(problems) => {
            show_problems(lang, &problems, &mut p, |p, name| match name {
                "name" => Some(&mut p.name),
                "cert_type" => Some(&mut p.cert_type),
                "cert_number" => Some(&mut p.cert_number),
                _ => None,
            });
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let me = ctx.current()?.clone();
    db::run(ctx.pool(), move |c| {
        steps::add_practitioner(c, &me, id, &name, &cert_type, &cert_number)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile#practitioners",
        FlashKind::Success,
        "agency.practitioners.added",
    ))
}

async fn remove_practitioner(
    Posted {
        to: OwnPractitioner { ctx, practitioner },
        form: _,
    }: Posted<OwnPractitioner, Empty>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.current()?.clone();
    let (agency_id, pid) = (practitioner.agency_id, practitioner.id);
    db::run(ctx.pool(), move |c| {
        steps::remove_practitioner(c, &me, agency_id, pid)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile#practitioners",
        FlashKind::Success,
        "agency.practitioners.removed",
    ))
}

// ---------------------------------------------------------------- items offered

#[derive(Template)]
#[template(path = "library/agency/item_form.html")]
pub struct ItemPage {
    pub page: Page,
    /// Set when editing an item already offered: (offer id, "code name").
    pub editing: Option<(i64, String)>,
    pub item_id: Field,
    pub fee_standard: Field,
    pub fee_min: Field,
    pub fee_max: Field,
    pub committed_days: Field,
    pub options: Vec<(String, String)>,
    /// Pricing and statutory limit of the item being edited (or "" for a new offer).
    pub terms_note: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemForm {
    pub item_id: String,
    pub fee_standard: String,
    pub fee_min: String,
    pub fee_max: String,
    pub committed_days: String,
}

fn item_label(lang: Lang, i: &Item) -> String {
    tr_args(
        lang,
        "agency.items.option",
        &[
            ("code", &i.code),
            ("name", &i.name),
            ("pricing", &pricing_label(lang, &i.pricing)),
            ("days", &i.time_limit_days.to_string()),
        ],
    )
}

fn terms_note(lang: Lang, i: &Item) -> String {
    let range = fee_range_text(lang, i.price_min_fen, i.price_max_fen);
    tr_args(
        lang,
        "agency.items.terms_note",
        &[
            ("pricing", &pricing_label(lang, &i.pricing)),
            ("range", &range),
            ("days", &i.time_limit_days.to_string()),
        ],
    )
}

fn item_terms(i: &Item) -> ItemTerms {
    ItemTerms {
        pricing: Pricing::parse(&i.pricing).unwrap_or(Pricing::Market),
        price_min: i.price_min_fen,
        price_max: i.price_max_fen,
        time_limit_days: i.time_limit_days,
    }
}

/// Validates the offer fields against the item; errors are set on the page.
fn parse_offer(lang: Lang, p: &mut ItemPage, f: &ItemForm, item: &Item) -> Option<ag::OfferTerms> {
    let input = agency_rules::OfferInput {
        fee_standard: f.fee_standard.clone(),
        fee_min: f.fee_min.clone(),
        fee_max: f.fee_max.clone(),
        committed_days: f.committed_days.clone(),
    };
    match agency_rules::parse_offer(&input, &item_terms(item)) {
        Ok(o) => Some(ag::OfferTerms {
            fee_standard: o.fee_standard,
            fee_min_fen: o.fee_range.map(|r| r.0),
            fee_max_fen: o.fee_range.map(|r| r.1),
            committed_days: o.committed_days,
        }),
        Err(problems) => {
            show_problems(lang, &problems, p, |p, name| match name {
                "fee_standard" => Some(&mut p.fee_standard),
                "fee_min" => Some(&mut p.fee_min),
                "fee_max" => Some(&mut p.fee_max),
                "committed_days" => Some(&mut p.committed_days),
                _ => None,
            });
            None
        }
    }
}

async fn item_new_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    own_agency(&ctx)?;
    let lang = ctx.lang();
    let items = db::run(ctx.pool(), |c| {
        crate::catalogue::store::retained(c).map_err(DbError::from)
    })
    .await?;
    let p = ItemPage {
        page: ctx.page(),
        editing: None,
        item_id: Field::default(),
        fee_standard: Field::default(),
        fee_min: Field::default(),
        fee_max: Field::default(),
        committed_days: Field::default(),
        options: items
            .iter()
            .map(|i| (i.id.to_string(), item_label(lang, i)))
            .collect(),
        terms_note: String::new(),
    };
    html(&p, StatusCode::OK)
}

async fn add_item(ctx: Ctx, CsrfForm(f): CsrfForm<ItemForm>) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let wanted = f.item_id.trim().parse::<i64>().ok();
    let (items, already) = db::run(ctx.pool(), move |c| {
        let items = crate::catalogue::store::retained(c)?;
        let already = match wanted {
            Some(w) => ag::offers_item(c, id, w)?,
            None => false,
        };
        Ok::<_, DbError>((items, already))
    })
    .await?;
    let mut p = ItemPage {
        page: ctx.page(),
        editing: None,
        item_id: Field::new(&f.item_id),
        fee_standard: Field::new(&f.fee_standard),
        fee_min: Field::new(&f.fee_min),
        fee_max: Field::new(&f.fee_max),
        committed_days: Field::new(&f.committed_days),
        options: items
            .iter()
            .map(|i| (i.id.to_string(), item_label(lang, i)))
            .collect(),
        terms_note: String::new(),
    };
    // Only a retained item can be offered (清单之外不得作为受理条件).
    let Some(item) = wanted.and_then(|w| items.iter().find(|i| i.id == w)) else {
        p.item_id.fail(lang, "agency.v.item_required", &[]);
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    p.terms_note = terms_note(lang, item);
    if already {
        p.item_id.fail(lang, "agency.v.item_already", &[]);
    }
    let offer = parse_offer(lang, &mut p, &f, item);
    let (Some(offer), false) = (offer, already) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let item_id = item.id;
    let me = ctx.current()?.clone();
    let detail = item.code.clone();
    db::run(ctx.pool(), move |c| {
        steps::offer_item(c, &me, id, item_id, &detail, &offer)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile#items",
        FlashKind::Success,
        "agency.items.added",
    ))
}

async fn item_edit_form(
    OwnOffer {
        ctx,
        offer: o,
        item,
    }: OwnOffer,
) -> Result<HttpResponse, AppError> {
    let item = item.ok_or(AppError::NotFound)?;
    let lang = ctx.lang();
    let p = ItemPage {
        page: ctx.page(),
        editing: Some((o.id, format!("{} {}", item.code, item.name))),
        item_id: Field::new(item.id.to_string()),
        fee_standard: Field::new(&o.fee_standard),
        fee_min: Field::new(o.fee_min_fen.map(Money::to_plain).unwrap_or_default()),
        fee_max: Field::new(o.fee_max_fen.map(Money::to_plain).unwrap_or_default()),
        committed_days: Field::new(o.committed_days.to_string()),
        options: Vec::new(),
        terms_note: terms_note(lang, &item),
    };
    html(&p, StatusCode::OK)
}

async fn update_item(
    Posted {
        to: OwnOffer {
            ctx,
            offer: o,
            item,
        },
        form: f,
    }: Posted<OwnOffer, ItemForm>,
) -> Result<HttpResponse, AppError> {
    let item = item.ok_or(AppError::NotFound)?;
    let lang = ctx.lang();
    let mut p = ItemPage {
        page: ctx.page(),
        editing: Some((o.id, format!("{} {}", item.code, item.name))),
        item_id: Field::new(item.id.to_string()),
        fee_standard: Field::new(&f.fee_standard),
        fee_min: Field::new(&f.fee_min),
        fee_max: Field::new(&f.fee_max),
        committed_days: Field::new(&f.committed_days),
        options: Vec::new(),
        terms_note: terms_note(lang, &item),
    };
    let Some(offer) = parse_offer(lang, &mut p, &f, &item) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let (oid, agency_id) = (o.id, o.agency_id);
    let me = ctx.current()?.clone();
    let detail = item.code.clone();
    db::run(ctx.pool(), move |c| {
        steps::update_offer(c, &me, agency_id, oid, &detail, &offer)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile#items",
        FlashKind::Success,
        "agency.items.saved",
    ))
}

async fn remove_item(
    Posted {
        to: OwnOffer {
            ctx,
            offer: o,
            item,
        },
        form: _,
    }: Posted<OwnOffer, Empty>,
) -> Result<HttpResponse, AppError> {
    let (oid, agency_id) = (o.id, o.agency_id);
    let me = ctx.current()?.clone();
    let detail = item.map(|i| i.code).unwrap_or_default();
    db::run(ctx.pool(), move |c| {
        steps::withdraw_offer(c, &me, agency_id, oid, &detail)
    })
    .await?;
    Ok(redirect_flash(
        "/agency/profile#items",
        FlashKind::Success,
        "agency.items.removed",
    ))
}

// ---------------------------------------------------------------- certificates

#[derive(Template)]
#[template(path = "library/agency/certificate_new.html")]
pub struct CertificatePage {
    pub page: Page,
    pub qual_type: Field,
    pub level: Field,
    pub number: Field,
    pub issuer: Field,
    pub valid_from: Field,
    pub valid_to: Field,
    pub scan: Field,
    pub types: Vec<(String, String)>,
    pub levels: Vec<(String, String)>,
    pub max_mib: i64,
    pub review_days: i64,
}

fn type_options(lang: Lang) -> Vec<(String, String)> {
    catalogue::QUAL_TYPES
        .iter()
        .map(|(c, _, graded)| {
            let name = crate::i18n::tr(lang, &format!("cat.qual.{c}"));
            let label = if *graded {
                name.to_string()
            } else {
                tr_args(lang, "agency.cert.type_ungraded", &[("name", name)])
            };
            (c.to_string(), label)
        })
        .collect()
}

fn level_options(lang: Lang) -> Vec<(String, String)> {
    [0, 1, 2, 3]
        .iter()
        .map(|l| {
            (
                l.to_string(),
                crate::i18n::tr(lang, &format!("cat.level.{l}")).to_string(),
            )
        })
        .collect()
}

async fn certificate_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    own_agency(&ctx)?;
    let lang = ctx.lang();
    let s = db::run(ctx.pool(), |c| {
        crate::accounts::store::settings::load(c).map_err(DbError::from)
    })
    .await?;
    let p = CertificatePage {
        page: ctx.page(),
        qual_type: Field::default(),
        level: Field::default(),
        number: Field::default(),
        issuer: Field::default(),
        valid_from: Field::default(),
        valid_to: Field::default(),
        scan: Field::default(),
        types: type_options(lang),
        levels: level_options(lang),
        max_mib: s.get("upload_max_mib"),
        review_days: s.get("cert_review_working_days"),
    };
    html(&p, StatusCode::OK)
}

/// Parses the certificate form (`agency_rules::parse_certificate`) into `p`, each refused
/// field's message beside it.
fn parse_certificate_form(
    p: &mut CertificatePage,
    form: &uploads::MultipartForm,
    lang: Lang,
    today: NaiveDate,
) -> Option<Certificate> {
    let v = |k: &str| form.field(k);
    p.qual_type = Field::new(v("qual_type"));
    p.level = Field::new(v("level"));
    p.number = Field::new(v("number"));
    p.issuer = Field::new(v("issuer"));
    p.valid_from = Field::new(v("valid_from"));
    p.valid_to = Field::new(v("valid_to"));
    let input = agency_rules::CertificateInput {
        qual_type: v("qual_type"),
        level: v("level"),
        number: v("number"),
        issuer: v("issuer"),
        valid_from: v("valid_from"),
        valid_to: v("valid_to"),
    };
    agency_rules::parse_certificate(&input, today)
        .map_err(|problems| {
            show_problems(lang, &problems, p, |p, name| match name {
                "qual_type" => Some(&mut p.qual_type),
                "level" => Some(&mut p.level),
                "number" => Some(&mut p.number),
                "issuer" => Some(&mut p.issuer),
                "valid_from" => Some(&mut p.valid_from),
                "valid_to" => Some(&mut p.valid_to),
                _ => None,
            })
        })
        .ok()
}

async fn add_certificate(ctx: Ctx, body: UploadBody) -> Result<HttpResponse, AppError> {
    let id = own_agency(&ctx)?;
    let lang = ctx.lang();
    let s = db::run(ctx.pool(), |c| {
        crate::accounts::store::settings::load(c).map_err(DbError::from)
    })
    .await?;
    let max_mib = s.get("upload_max_mib");
    let review_days = s.get("cert_review_working_days");
    let dir = uploads::upload_dir(ctx.config());
    let max_bytes = u64::try_from(max_mib).unwrap_or(1) * 1024 * 1024;
    let form = body.read(&ctx, &dir.join("tmp"), max_bytes).await?;
    let mut p = CertificatePage {
        page: ctx.page(),
        qual_type: Field::default(),
        level: Field::default(),
        number: Field::default(),
        issuer: Field::default(),
        valid_from: Field::default(),
        valid_to: Field::default(),
        scan: Field::default(),
        types: type_options(lang),
        levels: level_options(lang),
        max_mib,
        review_days,
    };
    let today = crate::db::today();
    let cert = parse_certificate_form(&mut p, &form, lang, today);
    // A refused file is dropped here (its temporary file deleted); an accepted one is kept
    // only when every other field is valid, so a refused form leaves nothing behind.
    let received = match form.file {
        None => {
            p.scan.fail(lang, "upload.required", &[]);
            None
        }
        Some(Err(problem)) => {
            p.scan
                .fail(lang, problem.key(), &[("mib", max_mib.to_string())]);
            None
        }
        Some(Ok(r)) => Some(r),
    };
    let (Some(cert), Some(file)) = (cert, received) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let (stored, meta) = crate::uploads::keep_received(file, &dir).await?;
    let review_days = u32::try_from(review_days).unwrap_or(2);
    let me = ctx.current()?.clone();
    let stored2 = stored.clone();
    let r = db::run(ctx.pool(), move |c| {
        steps::add_certificate(c, &me, id, &cert, (&stored2, &meta), review_days, today)
    })
    .await;
    if let Err(e) = r {
        // Nothing was saved, so the file must not stay either.
        let _ = std::fs::remove_file(dir.join(&stored));
        return Err(e.into());
    }
    Ok(redirect_flash(
        "/agency/profile#certificates",
        FlashKind::Success,
        "agency.cert.submitted",
    ))
}

/// The department (id) whose regulators review certificates of `qual_type`; -1 when that
/// department is not set up (then no regulator matches).
pub fn reviewing_department_id(
    depts: &[crate::accounts::store::department::Department],
    qual_type: &str,
) -> i64 {
    agency_rules::reviewing_department(qual_type)
        .and_then(|code| depts.iter().find(|d| d.code == code))
        .map(|d| d.id)
        .unwrap_or(-1)
}

async fn scan(s: CertificateScan) -> Result<HttpResponse, AppError> {
    let upload = s.upload.ok_or(AppError::NotFound)?;
    uploads::send_file(
        s.ctx.config(),
        &upload,
        &format!("certificate-{}", s.cert.id),
    )
    .await
}
