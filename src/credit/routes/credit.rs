//! The credit library's pages:
//! - public: `/credit` (agencies by grade, keyset-paged), `/credit/rules` (current and past
//!   rule sets), `/credit/agencies/{id}` and `{id}.json` (the credit report, written out so a
//!   reader can recompute the score by hand);
//! - admin: `/admin/credit-rules` publishes the next rule-set version (grades catch up in the
//!   background, `jobs.rs`);
//! - regulator, only for agencies in its department's domain: `/regulate/agencies/{id}/records`
//!   (records with their revocation forms), `…/records/new` (add a record), and
//!   `/regulate/records/{id}/revoke`.
//!
//! Each write stores the record (or rule set), its audit entry and the agency's mail in one
//! `write_tx`. The rules themselves are in `domain::credit`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::accounts::store::department::Department;
use crate::auth::Role;
use crate::auth::policy::{self, Action, Decision};
use crate::credit::steps;
use crate::credit::store::credit::{self as mc, ListCursor, ListFilter, Record, RuleSetRow};
use crate::db::today as today_cn;
use crate::db::{self, DbError};
use crate::domain::credit::parse_int;
use crate::domain::credit::{
    self as rules, Explanation, Grade, Kind, RecordFacts, RecordForm, RecordStatus, RuleSet, Score,
};
use crate::domain::{catalogue, validate};
use crate::error::{AppError, Refusal};
use crate::i18n::Lang;
use crate::i18n::tr_args;
use crate::library::store::agency::Agency;
use crate::uploads::{self, UploadBody};
use crate::web::ctx::redirect_flash;
use crate::web::extract::{Authorise, Posted, signed_in_id};
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/credit", web::get().to(list))
        .route("/credit/rules", web::get().to(rules_page))
        // The JSON first: `{id}` alone would take `7.json` too.
        .route("/credit/agencies/{id}.json", web::get().to(report_json))
        .route("/credit/agencies/{id}", web::get().to(report))
        .route("/credit/records/{id}/evidence", web::get().to(evidence))
        .route("/admin/credit-rules", web::get().to(rules_form))
        .route("/admin/credit-rules", web::post().to(publish))
        .route("/regulate/agencies/{id}/records", web::get().to(regulate))
        .route(
            "/regulate/agencies/{id}/records/new",
            web::get().to(record_form),
        )
        .route(
            "/regulate/agencies/{id}/records/new",
            web::post().to(add_record),
        )
        .route("/regulate/records/{id}/revoke", web::post().to(revoke));
}

fn region_name(lang: Lang, code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        crate::i18n::tr(lang, &format!("cat.region.{code}")).to_string()
    }
}

// ---------------------------------------------------------------------------------------
// /credit/rules and /admin/credit-rules

/// One rule set as shown: every number with its name.
#[derive(Serialize)]
pub struct RulesView {
    pub version: i32,
    pub published_at: String,
    pub published_by: String,
    pub note: String,
    pub grade_a: i32,
    pub grade_b: i32,
    pub grade_c: i32,
    pub late_step_percent: i32,
    pub repair_after_percent: i32,
    pub validity_years: i32,
    /// (kind name, points as "−5", part name)
    pub points: Vec<(String, String, String)>,
}

fn part_name(lang: Lang, k: Kind) -> &'static str {
    crate::i18n::tr(
        lang,
        match k.part() {
            rules::Part::Regulator => "credit.part.regulator",
            rules::Part::Public => "credit.part.public",
            rules::Part::Feedback => "credit.part.feedback",
            rules::Part::Bonus => "credit.part.bonus",
            rules::Part::None => "credit.part.none",
        },
    )
}

fn rules_view(lang: Lang, row: &RuleSetRow, publisher: &HashMap<i64, String>) -> RulesView {
    let r = row.rules();
    RulesView {
        version: row.version,
        published_at: fmt_time(row.published_at),
        published_by: row
            .published_by
            .and_then(|id| publisher.get(&id).cloned())
            .unwrap_or_else(|| crate::i18n::tr(lang, "credit.rules.system").to_string()),
        note: row.note.clone(),
        grade_a: r.grade_a,
        grade_b: r.grade_b,
        grade_c: r.grade_c,
        late_step_percent: r.late_step_percent,
        repair_after_percent: r.repair_after_percent,
        validity_years: r.validity_years,
        points: Kind::SCORED
            .iter()
            .map(|k| {
                let p = r.points_for(*k);
                let text = if *k == Kind::LateDelivery {
                    tr_args(
                        lang,
                        "credit.rules.late_points",
                        &[
                            ("points", &fmt::signed(p)),
                            ("step", &r.late_step_percent.to_string()),
                        ],
                    )
                } else {
                    fmt::signed(p)
                };
                (
                    crate::i18n::tr(lang, &k.label_key()).to_string(),
                    text,
                    part_name(lang, *k).to_string(),
                )
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "credit/rules.html")]
pub struct RulesPage {
    pub page: Page,
    pub current: RulesView,
    pub past: Vec<RulesView>,
    pub can_publish: bool,
}

/// Publisher names: the organisation of the admin, never a person's e-mail.
fn publishers(
    c: &mut db::DbConnection,
    rows: &[RuleSetRow],
) -> Result<HashMap<i64, String>, DbError> {
    let mut m = HashMap::new();
    for id in rows.iter().filter_map(|r| r.published_by) {
        if let std::collections::hash_map::Entry::Vacant(e) = m.entry(id)
            && let Some(u) = crate::accounts::store::user::find(c, id)?
        {
            e.insert(u.org_name);
        }
    }
    Ok(m)
}

async fn rules_page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let lang = ctx.lang();
    let (rows, names) = db::run(ctx.pool(), |c| {
        let rows = mc::rule_history(c)?;
        let names = publishers(c, &rows)?;
        Ok::<_, DbError>((rows, names))
    })
    .await?;
    let mut views = rows.iter().map(|r| rules_view(lang, r, &names));
    let current = views.next().ok_or(AppError::NotFound)?;
    let p = RulesPage {
        page: ctx.page(),
        current,
        past: views.collect(),
        can_publish: ctx.allows(Action::PublishCreditRules),
    };
    html(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RulesForm {
    pub grade_a: String,
    pub grade_b: String,
    pub grade_c: String,
    pub late_step_percent: String,
    pub repair_after_percent: String,
    pub validity_years: String,
    pub note: String,
    #[serde(flatten)]
    pub points: HashMap<String, String>,
}

/// One point field of the rule form.
pub struct PointField {
    pub name: String,
    pub label: String,
    pub part: String,
    pub field: Field,
}

#[derive(Template)]
#[template(path = "credit/admin_rules.html")]
pub struct AdminRulesPage {
    pub page: Page,
    pub version: i32,
    pub next_version: i32,
    pub grade_a: Field,
    pub grade_b: Field,
    pub grade_c: Field,
    pub late_step_percent: Field,
    pub repair_after_percent: Field,
    pub validity_years: Field,
    pub points: Vec<PointField>,
    pub note: Field,
    pub has_errors: bool,
}

impl AdminRulesPage {
    fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        Some(match name {
            "grade_a" => &mut self.grade_a,
            "grade_b" => &mut self.grade_b,
            "grade_c" => &mut self.grade_c,
            "late_step_percent" => &mut self.late_step_percent,
            "repair_after_percent" => &mut self.repair_after_percent,
            "validity_years" => &mut self.validity_years,
            "note" => &mut self.note,
            other => {
                return self
                    .points
                    .iter_mut()
                    .find(|p| p.name == other)
                    .map(|p| &mut p.field);
            }
        })
    }
}

fn admin_rules_page(ctx: &Ctx, version: i32, r: &RuleSet) -> AdminRulesPage {
    let lang = ctx.lang();
    let f = |v: i32| Field::new(v.to_string());
    AdminRulesPage {
        page: ctx.page(),
        version,
        next_version: version + 1,
        grade_a: f(r.grade_a),
        grade_b: f(r.grade_b),
        grade_c: f(r.grade_c),
        late_step_percent: f(r.late_step_percent),
        repair_after_percent: f(r.repair_after_percent),
        validity_years: f(r.validity_years),
        points: Kind::SCORED
            .iter()
            .map(|k| PointField {
                name: format!("points.{}", k.code()),
                label: crate::i18n::tr(lang, &k.label_key()).to_string(),
                part: part_name(lang, *k).to_string(),
                field: f(r.points_for(*k)),
            })
            .collect(),
        note: Field::default(),
        has_errors: false,
    }
}

async fn rules_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::PublishCreditRules)?;
    let row = db::run(ctx.pool(), |c| mc::current_rules(c).map_err(DbError::from)).await?;
    html(
        &admin_rules_page(&ctx, row.version, &row.rules()),
        StatusCode::OK,
    )
}

async fn publish(ctx: Ctx, CsrfForm(f): CsrfForm<RulesForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::PublishCreditRules)?;
    let lang = ctx.lang();
    let row = db::run(ctx.pool(), |c| mc::current_rules(c).map_err(DbError::from)).await?;
    let mut p = admin_rules_page(&ctx, row.version, &row.rules());
    let mut bad = false;
    let mut num = |name: &str, raw: &str, p: &mut AdminRulesPage| -> i32 {
        let fld = p.field_mut(name);
        match parse_int(raw) {
            Some(v) => {
                if let Some(fld) = fld {
                    *fld = Field::new(raw.trim());
                }
                v
            }
            None => {
                if let Some(fld) = fld {
                    *fld = Field::new(raw.trim());
                    let key = if raw.trim().is_empty() {
                        "v.required"
                    } else {
                        "credit.err.integer"
                    };
                    fld.fail(lang, key, &[]);
                }
                bad = true;
                0
            }
        }
    };
    let mut candidate = RuleSet {
        grade_a: num("grade_a", &f.grade_a, &mut p),
        grade_b: num("grade_b", &f.grade_b, &mut p),
        grade_c: num("grade_c", &f.grade_c, &mut p),
        late_step_percent: num("late_step_percent", &f.late_step_percent, &mut p),
        repair_after_percent: num("repair_after_percent", &f.repair_after_percent, &mut p),
        validity_years: num("validity_years", &f.validity_years, &mut p),
        points: Default::default(),
    };
    for k in Kind::SCORED {
        let name = format!("points.{}", k.code());
        let raw = f.points.get(&name).cloned().unwrap_or_default();
        let v = num(&name, &raw, &mut p);
        candidate.points.insert(k.code().to_string(), v);
    }
    for (name, key) in rules::rule_field_problems(&candidate) {
        if let Some(fld) = p.field_mut(&name)
            && !fld.has_error()
        {
            fld.fail(lang, key, &[]);
        }
        bad = true;
    }
    p.note = Field::new(&f.note);
    let note = p.note.check(lang, validate::text(&f.note, 500, true));
    if bad || note.is_none() || candidate.validate().is_err() {
        p.has_errors = true;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let note = note.unwrap_or_default();
    let me = ctx.current()?.clone();
    let version = db::run(ctx.pool(), move |c| {
        steps::publish_rules(c, &me, &candidate, &note)
    })
    .await?;
    tracing::info!(
        version,
        "credit rules published; grades are recomputed by the job"
    );
    Ok(redirect_flash(
        "/credit/rules",
        FlashKind::Success,
        "credit.flash.rules_published",
    ))
}

// ---------------------------------------------------------------------------------------
// The credit report

/// One record as the report shows it (personal data masked out of the free text).
#[derive(Serialize, Clone)]
pub struct RecordView {
    pub id: i64,
    pub kind: String,
    pub kind_name: String,
    pub points: i32,
    /// "−5", "+2"; for evaluations the stars ("4.20 ★").
    pub points_text: String,
    pub stars: Option<String>,
    pub source: String,
    pub source_name: String,
    pub effective_on: String,
    /// The last day it counts (its own validity or the rule set's, whichever ends first).
    pub counts_until: String,
    pub evidence: String,
    /// The announcement an automatic record concerns.
    pub evidence_link: Option<String>,
    pub legal_basis: String,
    pub department: String,
    /// The department that made it, for the policy (not part of the published report).
    #[serde(skip)]
    pub department_id: Option<i64>,
    pub has_document: bool,
    pub rule_version: i32,
    pub status: String,
    /// Why it does not count (empty when it counts).
    pub why: String,
    /// The revocation or repair record that took it out.
    pub revoked_by: Option<i64>,
    /// For revocations and repairs: the record they take out.
    pub revokes: Option<i64>,
}

#[derive(Serialize)]
pub struct PartView {
    pub name: String,
    pub max: String,
    pub value: String,
    pub value_x100: i32,
    pub formula: String,
}

/// The report: the HTML page and the JSON carry exactly this.
#[derive(Serialize)]
pub struct Report {
    pub agency_id: i64,
    pub agency_name: String,
    pub region: String,
    pub as_of: String,
    pub rule_version: i32,
    pub rules_published_at: String,
    pub score: String,
    pub score_x100: i32,
    /// `None` (暂无评价) while the agency has no credit record and no contract.
    pub grade: Option<String>,
    pub red_list: bool,
    /// What keeps the agency from registering, quoting or signing today (messages).
    pub restrictions: Vec<String>,
    /// The same as (mark, period), shown beside the grade.
    pub restriction_tags: Vec<(String, String)>,
    pub parts: Vec<PartView>,
    pub total_formula: String,
    pub counted: Vec<RecordView>,
    pub not_counted: Vec<RecordView>,
}

/// A record's facts and evidence in the reader's language: automatic records keep theirs as
/// a locale key with arguments; what a person wrote is shown as written. Personal numbers
/// are masked either way.
fn evidence_text(lang: Lang, r: &Record) -> String {
    match r.auto_evidence() {
        Some(e) => rules::mask_free_text(&crate::i18n::tr_args(lang, &e.key, &e.arg_pairs())),
        None => rules::mask_free_text(&r.evidence),
    }
}

/// Why a record does not count (empty when it counts): revoked or repaired by which record,
/// when and why; an action on another record; expired or not yet in force.
fn why_not_counted(
    lang: Lang,
    r: &Record,
    status: RecordStatus,
    all: &[Record],
    until: NaiveDate,
) -> String {
    match status {
        RecordStatus::Counts => String::new(),
        RecordStatus::Revoked(b) | RecordStatus::Repaired(b) => {
            let by_rec = all.iter().find(|x| x.id == b);
            tr_args(
                lang,
                status.key(),
                &[
                    ("id", &b.to_string()),
                    (
                        "date",
                        &by_rec
                            .map(|x| fmt::date(x.effective_on))
                            .unwrap_or_default(),
                    ),
                    (
                        "reason",
                        &by_rec.map(|x| evidence_text(lang, x)).unwrap_or_default(),
                    ),
                ],
            )
        }
        RecordStatus::Action => tr_args(
            lang,
            status.key(),
            &[("id", &r.revokes_id.unwrap_or_default().to_string())],
        ),
        RecordStatus::Expired | RecordStatus::NotYetEffective => {
            tr_args(lang, status.key(), &[("date", &fmt::date(until))])
        }
    }
}

fn record_view(
    lang: Lang,
    r: &Record,
    all: &[Record],
    facts: &[RecordFacts],
    ruleset: &RuleSet,
    depts: &[Department],
    day: NaiveDate,
) -> RecordView {
    let status = rules::record_status(&r.facts(), facts, ruleset, day);
    let until = rules::counts_until(&r.facts(), ruleset);
    let by = match status {
        RecordStatus::Revoked(b) | RecordStatus::Repaired(b) => Some(b),
        _ => None,
    };
    let why = why_not_counted(lang, r, status, all, until);
    let stars = r.stars_x100.map(rules::fmt_x100);
    RecordView {
        id: r.id,
        kind: r.kind.code().to_owned(),
        kind_name: crate::i18n::tr(lang, &r.kind.label_key()).to_string(),
        points: r.points,
        points_text: match &stars {
            Some(s) => format!("{s} ★"),
            None if r.kind.revokes() => "—".into(),
            None => fmt::signed(r.points),
        },
        stars,
        source: r.source.code().to_owned(),
        source_name: crate::i18n::tr(lang, &format!("credit.source.{}", r.source.code()))
            .to_string(),
        effective_on: fmt::date(r.effective_on),
        counts_until: if r.kind.revokes() {
            String::new()
        } else {
            fmt::date(until)
        },
        evidence: evidence_text(lang, r),
        evidence_link: r
            .auto_evidence()
            .and_then(|e| e.announcement)
            .map(|id| format!("/announcements/{id}"))
            // An upheld complaint's record links to its published outcome.
            .or_else(|| match (r.ref_kind.as_deref(), r.ref_id) {
                (Some("complaint"), Some(id)) => {
                    Some(format!("/complaints/outcomes#complaint-{id}"))
                }
                _ => None,
            }),
        legal_basis: rules::mask_free_text(&r.legal_basis),
        department: fmt::dept(lang, depts, r.department_id),
        department_id: r.department_id,
        has_document: r.upload_id.is_some(),
        rule_version: r.rule_version,
        status: status.code().to_string(),
        why,
        revoked_by: by,
        revokes: r.revokes_id,
    }
}

pub fn build_report(
    lang: Lang,
    agency: &Agency,
    score: &Score,
    rules_row: &RuleSetRow,
    records: &[Record],
    depts: &[Department],
    day: NaiveDate,
) -> Report {
    let ruleset = rules_row.rules();
    let facts: Vec<RecordFacts> = records.iter().map(Record::facts).collect();
    let counted_facts: Vec<RecordFacts> = facts
        .iter()
        .filter(|f| score.counted.contains(&f.id))
        .cloned()
        .collect();
    let e: Explanation = rules::explain(score, &counted_facts);
    let mut counted = Vec::new();
    let mut not_counted = Vec::new();
    // Newest first: what a reader looks for.
    for r in records.iter().rev() {
        let v = record_view(lang, r, records, &facts, &ruleset, depts, day);
        if score.counted.contains(&r.id) {
            counted.push(v);
        } else {
            not_counted.push(v);
        }
    }
    let part = |key: &str, max: &str, x100: i32, formula: &str| PartView {
        name: crate::i18n::tr(lang, key).to_string(),
        max: max.to_string(),
        value: rules::fmt_x100(x100),
        value_x100: x100,
        formula: formula.to_string(),
    };
    Report {
        agency_id: agency.user_id,
        agency_name: agency.name.clone(),
        region: region_name(lang, &agency.region),
        as_of: fmt::date(day),
        rule_version: rules_row.version,
        rules_published_at: fmt_time(rules_row.published_at),
        score: rules::fmt_x100(score.total_x100),
        score_x100: score.total_x100,
        grade: Some(score.grade.code().to_string()),
        red_list: score.grade.red_list(false),
        restrictions: Vec::new(),
        restriction_tags: Vec::new(),
        parts: vec![
            part(
                "credit.part.regulator",
                "70",
                score.regulator_x100,
                &e.regulator,
            ),
            part("credit.part.public", "10", score.public_x100, &e.public),
            part(
                "credit.part.feedback",
                "20",
                score.feedback_x100,
                &e.feedback,
            ),
            part("credit.part.bonus", "", score.bonus_x100, &e.bonus),
        ],
        total_formula: e.total,
        counted,
        not_counted,
    }
}

#[derive(Template)]
#[template(path = "credit/report.html")]
pub struct ReportPage {
    pub page: Page,
    pub r: Report,
    pub can_regulate: bool,
}

async fn load_report(ctx: &Ctx, id: i64) -> Result<Report, AppError> {
    let lang = ctx.lang();
    let day = today_cn();
    let (agency, scored, depts) = db::run(ctx.pool(), move |c| {
        let Some(a) = crate::library::store::agency::find(c, id)? else {
            return Ok::<_, DbError>((None, None, Vec::new()));
        };
        let s = mc::score_of(c, id, day)?;
        let rated = !s.2.is_empty() || mc::has_contract(c, id)?;
        let r = crate::credit::store::sanctions::restrictions(c, id, day)?;
        Ok((
            Some(a),
            Some((s, r, rated)),
            crate::accounts::store::department::all(c)?,
        ))
    })
    .await?;
    let (Some(agency), Some(((score, rules_row, records), restrictions, rated))) = (agency, scored)
    else {
        return Err(AppError::NotFound);
    };
    let mut r = build_report(lang, &agency, &score, &rules_row, &records, &depts, day);
    // Live, not the cache: the report says what is in force today. Without any record or
    // contract there is no grade to show (暂无评价), and so no red-list mark either.
    if !rated {
        r.grade = None;
    }
    r.red_list = rated && score.grade.red_list(!restrictions.is_empty());
    r.restriction_tags = restrictions
        .iter()
        .map(|x| fmt::restriction(lang, x))
        .collect();
    r.restrictions = restrictions
        .iter()
        .map(|x| {
            let args = x.args();
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            crate::i18n::tr_args(lang, x.key(), &args)
        })
        .collect();
    Ok(r)
}

/// The report as JSON, for a reader who recomputes the score.
async fn report_json(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let r = load_report(&ctx, id.into_inner()).await?;
    let body = serde_json::to_string_pretty(&r).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body(body))
}

async fn report(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let id = id.into_inner();
    let r = load_report(&ctx, id).await?;
    // The regulator's link only where the policy lets this user regulate the agency: the
    // domain is looked up for signed-in users (a visitor can never regulate).
    let domain = match ctx.user() {
        Some(_) => {
            db::run(ctx.pool(), move |c| {
                mc::domain_departments(c, id, today_cn()).map_err(DbError::from)
            })
            .await?
        }
        None => Vec::new(),
    };
    let in_domain = rules::in_domain(ctx.user().and_then(|u| u.department_id), &domain);
    let p = ReportPage {
        page: ctx.page(),
        can_regulate: ctx.allows(Action::ReviewAgencyRecords { in_domain }),
        r,
    };
    html(&p, StatusCode::OK)
}

/// The evidence document of a record (`/credit/records/{id}/evidence`): for the agency
/// itself, the recording department's regulators and admins (a document may carry personal
/// data, so it is not public).
pub struct RecordEvidence {
    pub ctx: Ctx,
    pub rec: Record,
    pub upload: Option<crate::uploads::store::Upload>,
}

impl Authorise for RecordEvidence {
    async fn load(ctx: Ctx, rid: i64) -> Result<Self, AppError> {
        let (rec, upload) = db::run(ctx.pool(), move |c| {
            let rec = mc::find_record(c, rid)?;
            let upload = match rec.as_ref().and_then(|r| r.upload_id) {
                Some(u) => crate::uploads::store::find(c, u)?,
                None => None,
            };
            Ok::<_, DbError>((rec, upload))
        })
        .await?;
        // A missing record is 404 for whoever may see documents at all.
        let (agency_id, department_id) = match &rec {
            Some(r) => (r.agency_id, r.department_id.unwrap_or(-1)),
            None => (signed_in_id(&ctx)?, -1),
        };
        ctx.authorize(Action::ViewCertificateScan {
            agency_id,
            department_id,
        })?;
        let rec = rec.ok_or(AppError::NotFound)?;
        Ok(RecordEvidence { ctx, rec, upload })
    }
}
crate::extractor!(RecordEvidence);

async fn evidence(e: RecordEvidence) -> Result<HttpResponse, AppError> {
    let upload = e.upload.ok_or(AppError::NotFound)?;
    uploads::send_file(
        e.ctx.config(),
        &upload,
        &format!("credit-record-{}", e.rec.id),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// /credit: agencies by grade

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQueryForm {
    pub grade: String,
    pub region: String,
    pub q: String,
    pub after: String,
    pub format: String,
    pub limit: String,
}

pub struct ListRowView {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub grade: String,
    pub score: String,
    pub red_list: bool,
    /// (mark, period) of each restriction in force, shown with the grade.
    pub restrictions: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "credit/list.html", blocks = ["title", "content"])]
pub struct ListPage {
    pub page: Page,
    pub rows: Vec<ListRowView>,
    pub f_grade: String,
    pub f_region: String,
    pub f_q: String,
    pub grade_options: Vec<(String, String)>,
    pub region_options: Vec<(String, String)>,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
    pub filtered: bool,
}

crate::shared_blocks!(ListPage);

pub const PER_PAGE: i64 = 20;

fn list_url(f: &ListQueryForm, after: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("grade", &f.grade), ("region", &f.region), ("q", &f.q)] {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    if let Some(a) = after {
        s.append_pair("after", a);
    }
    let q = s.finish();
    if q.is_empty() {
        "/credit".into()
    } else {
        format!("/credit?{q}")
    }
}

async fn list(ctx: Ctx, q: web::Query<ListQueryForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let lang = ctx.lang();
    let f = q.into_inner();
    // Unknown filter values are ignored (a stale bookmark still shows a list).
    let filter = ListFilter {
        grade: mc::parse_grade(f.grade.trim()),
        region: Some(f.region.trim().to_string())
            .filter(|r| catalogue::REGIONS.contains(&r.as_str())),
        name: Some(f.q.trim().chars().take(50).collect::<String>()).filter(|s| !s.is_empty()),
    };
    let ex = crate::web::export::RawExport {
        format: f.format.clone(),
        limit: f.limit.clone(),
        after: f.after.clone(),
    }
    .parse()?;
    if ex.format != crate::domain::export::Format::Html {
        return super::open_data::credit(&ctx, ex, filter).await;
    }
    let keys = ctx.page_keys(today_cn(), "").await?;
    if let Some(hit) = ctx.cached_page(&keys)? {
        return Ok(hit);
    }
    let after = ListCursor::parse(f.after.trim());
    let filter2 = filter.clone();
    let after2 = after.clone();
    let (rows, next) = db::run(ctx.pool(), move |c| {
        mc::list(c, &filter2, after2.as_ref(), PER_PAGE).map_err(DbError::from)
    })
    .await?;
    let grade_options = ["A", "B", "C", "D"]
        .iter()
        .map(|g| {
            (
                g.to_string(),
                crate::i18n::tr(lang, &format!("credit.grade.{g}")).to_string(),
            )
        })
        .collect();
    let region_options = catalogue::REGIONS
        .iter()
        .map(|r| (r.to_string(), region_name(lang, r)))
        .collect();
    let p = ListPage {
        page: ctx.page(),
        rows: rows
            .iter()
            .map(|r| ListRowView {
                id: r.user_id,
                name: r.name.clone(),
                region: region_name(lang, &r.region),
                grade: r.grade.clone().unwrap_or_default(),
                score: r.credit_score.map(rules::fmt_x100).unwrap_or_default(),
                red_list: r
                    .grade
                    .as_deref()
                    .and_then(Grade::parse)
                    .is_some_and(|g| g.red_list(r.sanctioned)),
                restrictions: crate::credit::store::sanctions::restrictions_of_agg(
                    r.sanctions.as_deref(),
                    today_cn(),
                )
                .iter()
                .map(|x| fmt::restriction(lang, x))
                .collect(),
            })
            .collect(),
        next_url: next.map(|c| list_url(&f, Some(&c.encode()))),
        first_url: after.map(|_| list_url(&f, None)),
        filtered: filter.grade.is_some() || filter.region.is_some() || filter.name.is_some(),
        f_grade: filter
            .grade
            .map(|g| g.code().to_string())
            .unwrap_or_default(),
        f_region: filter.region.clone().unwrap_or_default(),
        f_q: filter.name.clone().unwrap_or_default(),
        grade_options,
        region_options,
    };
    ctx.keep_page(keys, &p)
}

// ---------------------------------------------------------------------------------------
// Regulator: records of an agency, add, revoke

/// The agency and whether the signed-in user's department regulates it, if the policy allows
/// `action(in_domain)`. Otherwise a regulator is refused saying why (`denied`, a locale
/// key); anyone else hears the policy's answer.
async fn regulated(
    ctx: &Ctx,
    agency_id: i64,
    action: impl Fn(bool) -> Action,
    denied: &'static str,
) -> Result<(Agency, bool), AppError> {
    // Not signed in: to the login page before anything is looked up.
    if ctx.user().is_none() {
        ctx.authorize(action(false))?;
    }
    let (agency, domain) = db::run(ctx.pool(), move |c| {
        let a = crate::library::store::agency::find(c, agency_id)?;
        let d = if a.is_some() {
            mc::domain_departments(c, agency_id, today_cn())?
        } else {
            Vec::new()
        };
        Ok::<_, DbError>((a, d))
    })
    .await?;
    let Some(agency) = agency else {
        return Err(AppError::NotFound);
    };
    let in_domain = rules::in_domain(ctx.user().and_then(|u| u.department_id), &domain);
    match ctx.authorize(action(in_domain)) {
        Ok(()) => Ok((agency, in_domain)),
        Err(AppError::Forbidden) if ctx.user().is_some_and(|u| u.role == Role::Regulator) => {
            Err(Refusal::forbidden(denied).into())
        }
        Err(e) => Err(e),
    }
}

/// Why a regulator may not act on an agency: it is outside its department's domain.
const NOT_IN_DOMAIN: &str = "credit.err.not_in_domain";

/// An agency whose records the user may read (`/regulate/agencies/{id}/records`): an admin,
/// or a regulator whose department regulates it.
pub struct AgencyRecords {
    pub ctx: Ctx,
    pub agency: Agency,
    pub in_domain: bool,
}

impl Authorise for AgencyRecords {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let review = |in_domain| Action::ReviewAgencyRecords { in_domain };
        let (agency, in_domain) = regulated(&ctx, id, review, NOT_IN_DOMAIN).await?;
        Ok(AgencyRecords {
            ctx,
            agency,
            in_domain,
        })
    }
}
crate::extractor!(AgencyRecords);

/// An agency the regulator may add credit records on (`/regulate/agencies/{id}/records/new`).
pub struct RegulatedAgency {
    pub ctx: Ctx,
    pub agency: Agency,
}

impl Authorise for RegulatedAgency {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let regulate = |in_domain| Action::RegulateAgency { in_domain };
        let (agency, _) = regulated(&ctx, id, regulate, NOT_IN_DOMAIN).await?;
        Ok(RegulatedAgency { ctx, agency })
    }
}
crate::extractor!(RegulatedAgency);

/// A credit record the user may revoke (`/regulate/records/{id}/revoke`): the record belongs
/// to the department that made it; another department that also regulates the agency is
/// told so.
pub struct RecordToRevoke {
    pub ctx: Ctx,
    pub rec: Record,
    /// Revoked already (by someone else).
    pub already: bool,
    pub agency: Agency,
    pub in_domain: bool,
}

impl Authorise for RecordToRevoke {
    async fn load(ctx: Ctx, rid: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::RevokeCreditRecord {
                department_id: None,
                in_domain: false,
            })?;
        }
        let (rec, already) = db::run(ctx.pool(), move |c| {
            let rec = mc::find_record(c, rid)?;
            let already = match &rec {
                Some(_) => mc::revoked_by(c, rid)?.is_some(),
                None => false,
            };
            Ok::<_, DbError>((rec, already))
        })
        .await?;
        let rec = rec.ok_or(AppError::NotFound)?;
        let department_id = rec.department_id;
        let denied = match (department_id, ctx.user().and_then(|u| u.department_id)) {
            (Some(d), mine) if mine != Some(d) => "credit.err.not_your_record",
            _ => NOT_IN_DOMAIN,
        };
        let revoke = |in_domain| Action::RevokeCreditRecord {
            department_id,
            in_domain,
        };
        let (agency, in_domain) = regulated(&ctx, rec.agency_id, revoke, denied).await?;
        Ok(RecordToRevoke {
            ctx,
            rec,
            already,
            agency,
            in_domain,
        })
    }
}
crate::extractor!(RecordToRevoke);

pub struct RevocableView {
    pub rec: RecordView,
    pub reason: Field,
}

#[derive(Template)]
#[template(path = "credit/regulate.html")]
pub struct RegulatePage {
    pub page: Page,
    pub agency_id: i64,
    pub agency_name: String,
    pub score: String,
    pub grade: String,
    /// Whether the viewer may add records and blacklist (the policy's `RegulateAgency`).
    pub can_regulate: bool,
    /// The records the viewer may revoke (the policy's `RevokeCreditRecord`), each with its
    /// form; every other record is in `history`.
    pub revocable: Vec<RevocableView>,
    pub history: Vec<RecordView>,
}

async fn regulate_page(
    ctx: &Ctx,
    agency: &Agency,
    in_domain: bool,
    error: Option<(i64, Field)>,
) -> Result<RegulatePage, AppError> {
    let r = load_report(ctx, agency.user_id).await?;
    let may = |a| policy::decide(ctx.user(), a) == Decision::Allow;
    // A record can be revoked while it has not been revoked or repaired, by whom the policy
    // says; listings end through credit repair, not here.
    let mut revocable = Vec::new();
    let mut history = Vec::new();
    for v in r.counted.iter().chain(r.not_counted.iter()) {
        let can = v.revoked_by.is_none()
            && v.revokes.is_none()
            && v.kind != Kind::Blacklisted.code()
            && may(Action::RevokeCreditRecord {
                department_id: v.department_id,
                in_domain,
            });
        if can {
            let reason = match &error {
                Some((id, f)) if *id == v.id => f.clone(),
                _ => Field::default(),
            };
            revocable.push(RevocableView {
                rec: v.clone(),
                reason,
            });
        } else {
            history.push(v.clone());
        }
    }
    revocable.sort_by_key(|v| std::cmp::Reverse(v.rec.id));
    history.sort_by_key(|v| std::cmp::Reverse(v.id));
    Ok(RegulatePage {
        page: ctx.page(),
        agency_id: agency.user_id,
        agency_name: agency.name.clone(),
        score: r.score,
        grade: r
            .grade
            .unwrap_or_else(|| ctx.t("credit.unrated").to_string()),
        can_regulate: may(Action::RegulateAgency { in_domain }),
        revocable,
        history,
    })
}

async fn regulate(a: AgencyRecords) -> Result<HttpResponse, AppError> {
    let p = regulate_page(&a.ctx, &a.agency, a.in_domain, None).await?;
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "credit/record_new.html")]
pub struct RecordPage {
    pub page: Page,
    pub agency_id: i64,
    pub agency_name: String,
    pub kind: Field,
    pub points: Field,
    pub evidence: Field,
    pub legal_basis: Field,
    pub effective_on: Field,
    pub document: Field,
    pub kinds: Vec<(String, String)>,
    /// (kind name, points the rules give) for the hint table.
    pub rule_points: Vec<(String, String)>,
    pub rule_version: i32,
    pub max_mib: i64,
}

fn record_page(ctx: &Ctx, agency: &Agency, rules_row: &RuleSetRow, max_mib: i64) -> RecordPage {
    let lang = ctx.lang();
    let r = rules_row.rules();
    RecordPage {
        page: ctx.page(),
        agency_id: agency.user_id,
        agency_name: agency.name.clone(),
        kind: Field::default(),
        points: Field::default(),
        evidence: Field::default(),
        legal_basis: Field::default(),
        effective_on: Field::new(fmt::date(today_cn())),
        document: Field::default(),
        kinds: Kind::REGULATOR_FORM
            .iter()
            .map(|k| {
                (
                    k.code().to_string(),
                    crate::i18n::tr(lang, &k.label_key()).to_string(),
                )
            })
            .collect(),
        rule_points: Kind::REGULATOR_FORM
            .iter()
            .map(|k| {
                let p = r.points_for(*k);
                let text = if *k == Kind::LateDelivery {
                    tr_args(
                        lang,
                        "credit.rules.late_points",
                        &[
                            ("points", &fmt::signed(p)),
                            ("step", &r.late_step_percent.to_string()),
                        ],
                    )
                } else {
                    fmt::signed(p)
                };
                (crate::i18n::tr(lang, &k.label_key()).to_string(), text)
            })
            .collect(),
        rule_version: rules_row.version,
        max_mib,
    }
}

async fn record_form(
    RegulatedAgency { ctx, agency }: RegulatedAgency,
) -> Result<HttpResponse, AppError> {
    let (row, settings) = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>((
            mc::current_rules(c)?,
            crate::accounts::store::settings::load(c)?,
        ))
    })
    .await?;
    let p = record_page(&ctx, &agency, &row, settings.get("upload_max_mib"));
    html(&p, StatusCode::OK)
}

/// Parses the record form (`domain::credit::parse_record`) into `p`, each refused field's
/// message beside it.
fn parse_record_form(
    p: &mut RecordPage,
    form: &uploads::MultipartForm,
    lang: Lang,
    ruleset: &RuleSet,
    today: NaiveDate,
) -> Option<RecordForm> {
    let v = |k: &str| form.field(k);
    p.kind = Field::new(v("kind"));
    p.points = Field::new(v("points"));
    p.evidence = Field::new(v("evidence"));
    p.legal_basis = Field::new(v("legal_basis"));
    p.effective_on = Field::new(v("effective_on"));
    let input = rules::RecordInput {
        kind: v("kind"),
        points: v("points"),
        evidence: v("evidence"),
        legal_basis: v("legal_basis"),
        effective_on: v("effective_on"),
    };
    if input.effective_on.trim().is_empty() {
        p.effective_on = Field::new(fmt::date(today));
    }
    let problems = match rules::parse_record(&input, today, ruleset) {
        Ok(parsed) => return Some(parsed),
        Err(problems) => problems,
    };
    for pr in &problems {
        let mut args = pr.args.clone();
        let field = match pr.field {
            "kind" => &mut p.kind,
            "points" => {
                // Points are shown with the minus sign, as the rules page writes them.
                for a in args.iter_mut() {
                    a.1 = a.1.replace('-', "−");
                }
                &mut p.points
            }
            "evidence" => &mut p.evidence,
            "legal_basis" => &mut p.legal_basis,
            _ => &mut p.effective_on,
        };
        field.fail(lang, pr.key, &args);
    }
    None
}

async fn add_record(
    RegulatedAgency { ctx, agency }: RegulatedAgency,
    body: UploadBody,
) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    let (rules_row, settings) = db::run(ctx.pool(), |c| {
        Ok::<_, DbError>((
            mc::current_rules(c)?,
            crate::accounts::store::settings::load(c)?,
        ))
    })
    .await?;
    let max_mib = settings.get("upload_max_mib");
    let dir = uploads::upload_dir(ctx.config());
    let max_bytes = u64::try_from(max_mib).unwrap_or(1) * 1024 * 1024;
    let form = body.read(&ctx, &dir.join("tmp"), max_bytes).await?;
    let mut p = record_page(&ctx, &agency, &rules_row, max_mib);
    let parsed = parse_record_form(&mut p, &form, lang, &rules_row.rules(), today_cn());
    let received = match form.file {
        None => None,
        Some(Err(problem)) => {
            p.document
                .fail(lang, problem.key(), &[("mib", max_mib.to_string())]);
            None
        }
        Some(Ok(r)) => Some(r),
    };
    let (Some(parsed), false) = (parsed, p.document.has_error()) else {
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // The file is kept only now that everything else is valid.
    let stored = match received {
        Some(file) => Some(crate::uploads::keep_received(file, &dir).await?),
        None => None,
    };
    let me = ctx.current()?.clone();
    let agency_id = agency.user_id;
    let stored2 = stored.clone();
    let kind = parsed.kind;
    let saved = db::run(ctx.pool(), move |c| {
        steps::add_record(c, &me, agency_id, &parsed, stored2.as_ref())
    })
    .await;
    if let Err(e) = saved {
        if let Some((name, _)) = stored {
            let _ = std::fs::remove_file(dir.join(name));
        }
        return Err(e.into());
    }
    Ok(if kind.implies_blacklist() {
        redirect_flash(
            &format!("/regulate/agencies/{agency_id}/blacklist/new"),
            FlashKind::Info,
            "credit.flash.false_report_blacklist",
        )
    } else {
        redirect_flash(
            &format!("/regulate/agencies/{agency_id}/records"),
            FlashKind::Success,
            "credit.flash.recorded",
        )
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    pub reason: String,
}

async fn revoke(
    Posted {
        to:
            RecordToRevoke {
                ctx,
                rec,
                already,
                agency,
                in_domain,
            },
        form: f,
    }: Posted<RecordToRevoke, RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let rid = rec.id;
    steps::revocable(&rec, already)?;
    let lang = ctx.lang();
    let mut reason_field = Field::new(&f.reason);
    let Some(reason) = reason_field.check(
        lang,
        validate::text(&f.reason, rules::REVOKE_REASON_MAX, true),
    ) else {
        let p = regulate_page(&ctx, &agency, in_domain, Some((rid, reason_field))).await?;
        return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let me = ctx.current()?.clone();
    let agency_id = agency.user_id;
    db::run(ctx.pool(), move |c| {
        steps::revoke_record(c, &me, rid, &reason)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/regulate/agencies/{agency_id}/records"),
        FlashKind::Success,
        "credit.flash.revoked",
    ))
}
