//! Contracts: the contract page (rendered text, the owner's fill-in form, the sign form
//! carrying the digest the signer read, both digests, the timeline), the print view, and the
//! lists of the owner, the agency and the regulator. Rules in `domain::contract_text`,
//! storage and steps in `crate::contracts::store::contract`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{AwardOwner, EditableContract, ReadableContract, SigningParty};
use crate::auth::Role;
use crate::auth::policy::Action;
use crate::contracts::steps::contract as contract_steps;
use crate::contracts::store::contract::{self, Full, Scope};
use crate::db::{self, DbError};
use crate::domain::contract_text::{self as ct, EditProblem, FieldKind, RenderedClause};
use crate::domain::status::{ContractStatus, Party};
use crate::error::{AppError, Refusal, StepError};
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{FlashKind, Page};
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/contracts/{id}", web::get().to(show))
        .route("/contracts/{id}/print", web::get().to(print))
        .route("/contracts/{id}/edit", web::post().to(edit))
        .route("/contracts/{id}/submit", web::post().to(submit))
        .route("/contracts/{id}/sign", web::post().to(sign))
        .route("/owner/contracts", web::get().to(owner_list))
        .route(
            "/owner/announcements/{id}/contract",
            web::post().to(generate),
        )
        .route("/agency/contracts", web::get().to(agency_list))
        .route("/regulate/contracts", web::get().to(regulator_list));
}

fn page_of(id: i64) -> String {
    format!("/contracts/{id}")
}

fn refused(ctx: &Ctx, e: StepError, back: &str) -> Result<HttpResponse, AppError> {
    crate::web::refused::refused_page(ctx, e, back)
}

pub struct SigView {
    pub signed_at: String,
    pub digest: String,
    pub matches: bool,
}

pub struct FormField {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: String,
    pub multiline: bool,
    pub hint: String,
}

#[derive(Template)]
#[template(path = "contracts/show.html")]
struct ShowPage {
    page: Page,
    id: i64,
    announcement_id: i64,
    title: String,
    status_label: &'static str,
    model_text_id: i64,
    model_version: i32,
    clauses: Vec<RenderedClause>,
    supplementary: String,
    price: String,
    limit: String,
    time_limit: i32,
    sign_by: String,
    signed_at: String,
    digest: String,
    owner_sig: Option<SigView>,
    agency_sig: Option<SigView>,
    both_match: bool,
    can_edit: bool,
    can_submit: bool,
    can_sign: bool,
    already_signed: bool,
    missing: Vec<&'static str>,
    form: Vec<FormField>,
    supplementary_field: FormField,
    revision: i32,
    form_error: String,
    timeline: Vec<(String, &'static str, &'static str)>,
}

fn sig_view(s: &Option<contract::Signature>, digest: &str) -> Option<SigView> {
    s.as_ref().map(|s| SigView {
        signed_at: fmt_time(s.signed_at),
        digest: s.digest.clone(),
        matches: s.digest == digest,
    })
}

/// The form's fields with their stored values (or the posted ones after a refusal).
fn form_fields(ctx: &Ctx, f: &Full, posted: Option<&HashMap<String, String>>) -> Vec<FormField> {
    f.used
        .iter()
        .filter_map(|k| ct::field(k))
        .filter(|spec| spec.kind != FieldKind::Fixed)
        .map(|spec| {
            let stored = match spec.kind {
                FieldKind::Price => f.contract.price.to_plain(),
                FieldKind::Days => f.contract.time_limit_days.to_string(),
                _ => f.values.get(spec.key).cloned().unwrap_or_default(),
            };
            let hint = match spec.kind {
                FieldKind::Price => ctx
                    .t("contracts.hint.price")
                    .replace("{limit}", &crate::web::fmt::money(f.contract.price_limit)),
                FieldKind::Days => ctx
                    .t("contracts.hint.days")
                    .replace("{max}", &f.max_days.to_string()),
                _ => String::new(),
            };
            FormField {
                key: spec.key,
                label: ctx.t(&format!("contracts.field.{}", spec.key)),
                value: posted
                    .and_then(|p| p.get(spec.key).cloned())
                    .unwrap_or(stored),
                error: String::new(),
                multiline: spec.kind == FieldKind::Text,
                hint,
            }
        })
        .collect()
}

fn action_label(action: &str) -> &'static str {
    match action {
        "contract.drafted" => "contracts.event.drafted",
        "contract.generated" => "contracts.event.generated",
        "contract.edited" => "contracts.event.edited",
        "contract.submitted" => "contracts.event.submitted",
        "contract.signature" => "contracts.event.signature",
        "contract.signed" => "contracts.event.signed",
        "contract.lapsed" => "contracts.event.lapsed",
        _ => "contracts.event.other",
    }
}

fn role_label(role: &str) -> &'static str {
    match role {
        "owner" => "role.owner",
        "agency" => "role.agency",
        "regulator" => "role.regulator",
        "admin" => "role.admin",
        _ => "contracts.role.system",
    }
}

fn status_key(s: ContractStatus) -> &'static str {
    match s {
        ContractStatus::Draft => "contracts.status.draft",
        ContractStatus::Signing => "contracts.status.signing",
        ContractStatus::Signed => "contracts.status.signed",
        ContractStatus::Lapsed => "contracts.status.lapsed",
        ContractStatus::Accepted => "contracts.status.accepted",
    }
}

async fn show_page(
    ctx: &Ctx,
    f: Full,
    posted: Option<&HashMap<String, String>>,
    errors: &[ct::FieldError],
    form_error: String,
) -> Result<ShowPage, AppError> {
    let id = f.contract.id;
    let timeline = db::run(ctx.pool(), move |c| {
        contract::timeline(c, id).map_err(DbError::from)
    })
    .await?;
    let me = ctx.user();
    let party = me.and_then(|u| f.contract.party_of(u));
    // Each button from the decision its POST asks for.
    let k = &f.contract;
    let is_owner = ctx.allows(Action::EditContract {
        owner: k.owner_side(),
    });
    let may_sign = ctx.allows(Action::SignContract {
        owner: k.owner_side(),
        agency: k.agency_id,
    });
    let (form, supplementary_field) = owner_form(ctx, &f, posted, errors);
    let mine = match party {
        Some(Party::Owner) => &f.owner_sig,
        Some(_) => &f.agency_sig,
        None => &None,
    };
    Ok(ShowPage {
        page: ctx.page(),
        id,
        announcement_id: f.contract.announcement_id,
        title: f.title.clone(),
        status_label: ctx.t(status_key(f.contract.status)),
        model_text_id: f.model_text_id,
        model_version: f.model_version,
        clauses: ct::fill(&f.body, &f.values),
        supplementary: f.terms.supplementary.clone(),
        price: crate::web::fmt::money(f.contract.price),
        limit: crate::web::fmt::money(f.contract.price_limit),
        time_limit: f.contract.time_limit_days,
        sign_by: f.contract.sign_by.to_string(),
        signed_at: f.contract.signed_at.map(fmt_time).unwrap_or_default(),
        owner_sig: sig_view(&f.owner_sig, &f.digest),
        agency_sig: sig_view(&f.agency_sig, &f.digest),
        both_match: f.both_signed(),
        can_edit: is_owner && f.contract.editable(),
        can_submit: is_owner && f.contract.status == ContractStatus::Draft,
        can_sign: may_sign && f.contract.status == ContractStatus::Signing && mine.is_none(),
        // "Waiting for the other party" only while the other party is still to sign.
        already_signed: mine.is_some() && f.contract.status == ContractStatus::Signing,
        missing: f
            .missing()
            .into_iter()
            .map(|k| ctx.t(&format!("contracts.field.{k}")))
            .collect(),
        form,
        supplementary_field,
        revision: f.terms.revision,
        form_error,
        digest: f.digest,
        timeline: timeline
            .into_iter()
            .map(|(at, action, role)| {
                (
                    fmt_time(at),
                    ctx.t(action_label(&action)),
                    ctx.t(role_label(&role)),
                )
            })
            .collect(),
    })
}

/// The owner's fill-in form: its fields and the supplementary clauses, with the posted
/// values and each field's message after a refused edit.
fn owner_form(
    ctx: &Ctx,
    f: &Full,
    posted: Option<&HashMap<String, String>>,
    errors: &[ct::FieldError],
) -> (Vec<FormField>, FormField) {
    let mut form = form_fields(ctx, f, posted);
    let lang = ctx.lang();
    let msg_of = |key: &str, args: &[(&'static str, String)]| {
        let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        crate::i18n::tr_args(lang, key, &a)
    };
    for (field, key, args) in errors {
        if let Some(ff) = form.iter_mut().find(|ff| ff.key == field) {
            ff.error = msg_of(key, args);
        }
    }
    let mut supplementary = FormField {
        key: ct::SUPPLEMENTARY,
        label: ctx.t("contracts.supplementary"),
        value: posted
            .and_then(|p| p.get(ct::SUPPLEMENTARY).cloned())
            .unwrap_or_else(|| f.terms.supplementary.clone()),
        error: String::new(),
        multiline: true,
        hint: ctx.t("contracts.hint.supplementary").to_string(),
    };
    if let Some((_, key, args)) = errors.iter().find(|e| e.0 == ct::SUPPLEMENTARY) {
        supplementary.error = msg_of(key, args);
    }
    (form, supplementary)
}

async fn show(contract: ReadableContract) -> Result<HttpResponse, AppError> {
    let ReadableContract { ctx, full: f } = contract;
    let p = show_page(&ctx, f, None, &[], String::new()).await?;
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "contracts/print.html")]
struct PrintPage {
    page: Page,
    id: i64,
    title: String,
    clauses: Vec<RenderedClause>,
    supplementary: String,
    digest: String,
    owner_name: String,
    agency_name: String,
    owner_sig: Option<SigView>,
    agency_sig: Option<SigView>,
    status_label: &'static str,
}

async fn print(contract: ReadableContract) -> Result<HttpResponse, AppError> {
    let ReadableContract { ctx, full: f } = contract;
    let p = PrintPage {
        page: ctx.page(),
        id: f.contract.id,
        title: f.title.clone(),
        clauses: ct::fill(&f.body, &f.values),
        supplementary: f.terms.supplementary.clone(),
        owner_name: f.values.get("owner_name").cloned().unwrap_or_default(),
        agency_name: f.values.get("agency_name").cloned().unwrap_or_default(),
        owner_sig: sig_view(&f.owner_sig, &f.digest),
        agency_sig: sig_view(&f.agency_sig, &f.digest),
        status_label: ctx.t(status_key(f.contract.status)),
        digest: f.digest,
    };
    html(&p, StatusCode::OK)
}

/// The owner's fill-in form. Any key that is not a fill-in field of this text, the
/// supplementary clauses or the revision (a locked clause, a party name) refuses the whole
/// request with 422 and changes nothing.
async fn edit(
    posted: Posted<EditableContract, HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let Posted {
        to: EditableContract { ctx, full: f },
        form: posted_map,
    } = posted;
    let id = f.contract.id;
    let mut posted: Vec<(String, String)> = posted_map
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    posted.sort();
    let seen_revision = posted_map
        .get("revision")
        .and_then(|r| r.trim().parse::<i32>().ok())
        .unwrap_or(0);
    let limit = f.contract.price_limit;
    match ct::check_edit(&posted, &f.used, limit, f.max_days) {
        Err(EditProblem::Fields(errors)) => {
            let msg = ctx.t(contract_steps::FIELDS_TO_CORRECT).to_string();
            let p = show_page(&ctx, f, Some(&posted_map), &errors, msg).await?;
            html(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(locked) => {
            tracing::warn!(contract = id, refusal = ?locked, "edit of a locked clause refused");
            refused(&ctx, Refusal::from(locked).into(), &page_of(id))
        }
        Ok(e) => {
            let actor = ctx.actor();
            let r = db::run(ctx.pool(), move |c| {
                contract_steps::edit(c, &actor, id, seen_revision, &e)
            })
            .await;
            match r {
                Ok(()) => Ok(redirect_flash(
                    &page_of(id),
                    FlashKind::Success,
                    "contracts.done.saved",
                )),
                Err(e) => refused(&ctx, e, &page_of(id)),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn submit(posted: Posted<EditableContract, Empty>) -> Result<HttpResponse, AppError> {
    let EditableContract { ctx, full } = posted.to;
    let id = full.contract.id;
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| contract_steps::submit(c, &actor, id)).await;
    match r {
        Ok(()) => Ok(redirect_flash(
            &page_of(id),
            FlashKind::Success,
            "contracts.done.submitted",
        )),
        Err(e) => refused(&ctx, e, &page_of(id)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignForm {
    digest: String,
    read: String,
}

async fn sign(posted: Posted<SigningParty, SignForm>) -> Result<HttpResponse, AppError> {
    let Posted {
        to: SigningParty { ctx, full, party },
        form,
    } = posted;
    let id = full.contract.id;
    let actor = ctx.actor();
    let SignForm { digest, read } = form;
    let read = !read.is_empty();
    let r = db::run(ctx.pool(), move |c| {
        contract_steps::sign(c, &actor, id, party, &digest, read)
    })
    .await;
    match r {
        Ok(true) => Ok(redirect_flash(
            &page_of(id),
            FlashKind::Success,
            "contracts.done.signed_both",
        )),
        Ok(false) => Ok(redirect_flash(
            &page_of(id),
            FlashKind::Success,
            "contracts.done.signed",
        )),
        Err(e) => refused(&ctx, e, &page_of(id)),
    }
}

async fn generate(posted: Posted<AwardOwner, Empty>) -> Result<HttpResponse, AppError> {
    let AwardOwner {
        ctx,
        announcement_id: ann,
    } = posted.to;
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        contract_steps::generate(c, &actor, ann)
    })
    .await;
    match r {
        Ok(id) => Ok(redirect_flash(
            &page_of(id),
            FlashKind::Success,
            "contracts.done.generated",
        )),
        Err(e) => refused(&ctx, e, "/owner/contracts"),
    }
}

pub struct RowView {
    pub id: i64,
    pub announcement_id: i64,
    pub project: String,
    pub item: String,
    pub other: String,
    pub price: String,
    pub status: &'static str,
    pub sign_by: String,
    pub supplementary: bool,
    pub lapsed: bool,
    pub unsigned: String,
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
struct ListPage {
    page: Page,
    title_key: &'static str,
    lead_key: &'static str,
    other_key: &'static str,
    rows: Vec<RowView>,
    pending: Vec<(i64, String, String)>,
    regulator: bool,
}

fn row_views(ctx: &Ctx, rows: Vec<contract::Row>, show_owner: bool) -> Vec<RowView> {
    rows.into_iter()
        .map(|r| RowView {
            id: r.id,
            announcement_id: r.announcement_id,
            project: r.project,
            item: r.item,
            other: if show_owner { r.owner } else { r.agency },
            price: crate::web::fmt::money(r.price),
            lapsed: r.status == ContractStatus::Lapsed,
            unsigned: r
                .unsigned
                .iter()
                .map(|p| ctx.t(&format!("contracts.party.{p}")))
                .collect::<Vec<_>>()
                .join("、"),
            status: ctx.t(status_key(r.status)),
            sign_by: r.sign_by.to_string(),
            supplementary: r.supplementary,
        })
        .collect()
}

async fn owner_list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ListOwnContracts { side: Role::Owner })?;
    let me = ctx.current()?.clone();
    // A regulator's own contracts are those its department commissioned as the owner.
    let scope = match (me.role, me.department_id) {
        (Role::Owner, _) => Scope::Owner(me.id),
        (Role::Regulator, Some(d)) => Scope::OwnerDepartment(d),
        _ => return Err(AppError::Forbidden),
    };
    let (rows, pending) = db::run(ctx.pool(), move |c| {
        let r = contract::rows(c, scope)?;
        let p = contract::awards_without_contract(c, scope)?;
        Ok::<_, DbError>((r, p))
    })
    .await?;
    html(
        &ListPage {
            page: ctx.page(),
            title_key: "contracts.list.owner_title",
            lead_key: "contracts.list.owner_lead",
            other_key: "contracts.list.col_agency",
            rows: row_views(&ctx, rows, false),
            pending,
            regulator: false,
        },
        StatusCode::OK,
    )
}

async fn agency_list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ListOwnContracts { side: Role::Agency })?;
    let me = ctx.current()?.clone();
    let rows = db::run(ctx.pool(), move |c| {
        contract::rows(c, Scope::Agency(me.id)).map_err(DbError::from)
    })
    .await?;
    html(
        &ListPage {
            page: ctx.page(),
            title_key: "contracts.list.agency_title",
            lead_key: "contracts.list.agency_lead",
            other_key: "contracts.list.col_owner",
            rows: row_views(&ctx, rows, true),
            pending: Vec::new(),
            regulator: false,
        },
        StatusCode::OK,
    )
}

async fn regulator_list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::SuperviseContracts)?;
    // A regulator without a department supervises no item's contracts.
    let rows = match ctx.current()?.department_id {
        Some(dept) => {
            db::run(ctx.pool(), move |c| {
                contract::rows(c, Scope::Flagged(dept)).map_err(DbError::from)
            })
            .await?
        }
        None => Vec::new(),
    };
    html(
        &ListPage {
            page: ctx.page(),
            title_key: "contracts.list.regulator_title",
            lead_key: "contracts.list.regulator_lead",
            other_key: "contracts.list.col_owner",
            rows: row_views(&ctx, rows, true),
            pending: Vec::new(),
            regulator: true,
        },
        StatusCode::OK,
    )
}
