//! What the rules the policy sets on publication look like from the department's side
//! (`/regulate/policy-rules`): the owners' 自行编制 declarations for the department's items
//! (附件4 (九)), the announcements of its items whose service time limit is beyond the
//! 20%-faster target with their reasons (附件4 (九)), and those published for a declared
//! special or major project in a zone a regional assessment covers (附件4 (十)). The rules are
//! `domain::publication`; the rows `crate::selection::store::publication`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::publication::{ProjectClass, speedup_target};
use crate::error::AppError;
use crate::selection::store::publication::{self as pubm, Row};
use crate::web::page::Page;
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/regulate/policy-rules", web::get().to(page));
}

pub struct SelfPrepRow {
    pub project: String,
    pub project_code: String,
    pub region: String,
    pub owner: String,
    pub item: String,
    pub note: String,
    pub declared_at: String,
    pub withdrawn_at: String,
}

pub struct AnnRow {
    pub id: i64,
    pub project: String,
    pub item: String,
    /// "18 / 16 / 20": the limit, the target, the statutory limit.
    pub days: String,
    pub text: String,
    pub published_at: String,
}

#[derive(Template)]
#[template(path = "selection/policy/regulate.html")]
pub struct PolicyPage {
    pub page: Page,
    pub self_preps: Vec<SelfPrepRow>,
    pub slow: Vec<AnnRow>,
    pub declared: Vec<AnnRow>,
}

async fn page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::SuperviseSelection)?;
    // A regulator without a department oversees no item: its lists are empty.
    let dept = ctx.current()?.department_id;
    let (sps, (slow, declared), items) = db::run(ctx.pool(), move |c| {
        let Some(dept) = dept else {
            return Ok::<_, DbError>(Default::default());
        };
        Ok((
            pubm::self_preparations(c, None, Some(dept))?,
            pubm::policy_exceptions_of_department(c, dept)?,
            crate::catalogue::store::retained(c)?,
        ))
    })
    .await?;
    let statutory = |item_id: i64| {
        items
            .iter()
            .find(|i| i.id == item_id)
            .map(|i| i.time_limit_days)
    };
    let ann_row = |r: &Row, text: String| AnnRow {
        id: r.a.id,
        project: r.project_name.clone(),
        item: format!("{} {}", r.item_code, r.item_name),
        days: match statutory(r.a.item_id) {
            Some(s) => format!("{} / {} / {}", r.a.time_limit_days, speedup_target(s), s),
            None => r.a.time_limit_days.to_string(),
        },
        text,
        published_at: r.a.published_at.map(fmt_time).unwrap_or_default(),
    };
    let p = PolicyPage {
        page: ctx.page(),
        self_preps: sps
            .into_iter()
            .map(|r| SelfPrepRow {
                region: ctx.t(&format!("cat.region.{}", r.region)).to_string(),
                project: r.project_name,
                project_code: r.project_code,
                owner: r.owner,
                item: format!("{} {}", r.item_code, r.item_name),
                note: r.sp.note,
                declared_at: fmt_time(r.sp.declared_at),
                withdrawn_at: r.sp.withdrawn_at.map(fmt_time).unwrap_or_default(),
            })
            .collect(),
        slow: slow
            .iter()
            .map(|r| ann_row(r, r.a.time_limit_reason.clone()))
            .collect(),
        declared: declared
            .iter()
            .map(|r| {
                let class = ProjectClass::parse(&r.a.regional_exception)
                    .map(|c| ctx.t(c.key()).to_string())
                    .unwrap_or_default();
                ann_row(r, format!("{class}：{}", r.a.regional_exception_reason))
            })
            .collect(),
    };
    html(&p, StatusCode::OK)
}
