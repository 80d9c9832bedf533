//! Complaints against the signed-in agency or owner (`/respond/complaints`): the substance
//! only (`store::Substance` → `views::SubstanceView`, which have no field for the
//! complainant), and one answer or statement while the case is open.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::AgainstMe;
use crate::auth::policy::Action;
use crate::complaints::steps;
use crate::complaints::store::{self as cs, Complaint, Substance};
use crate::complaints::views::{self, SubstanceView};
use crate::db::{self, DbError};
use crate::domain::complaints::{self as rules, Move};
use crate::error::AppError;
use crate::web::ctx::redirect_flash;
use crate::web::extract::Posted;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/respond/complaints", web::get().to(list))
        .route("/respond/complaints/{id}", web::get().to(show))
        .route("/respond/complaints/{id}/answer", web::post().to(answer));
}

#[derive(Template)]
#[template(path = "complaints/respond_list.html")]
pub struct ListPage {
    pub page: Page,
    pub rows: Vec<SubstanceView>,
}

async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ListComplaintsAgainstMe)?;
    let me = ctx.current()?.id;
    let rows = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>(cs::for_respondent(c, me)?)
    })
    .await?;
    let p = ListPage {
        page: ctx.page(),
        rows: rows
            .iter()
            .map(|r| views::substance(ctx.lang(), &Substance::from(r)))
            .collect(),
    };
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "complaints/respond_case.html")]
pub struct CasePage {
    pub page: Page,
    pub case: SubstanceView,
    pub can_answer: bool,
    pub text: Field,
}

fn case_page(ctx: &Ctx, row: &Complaint, text: Field) -> CasePage {
    CasePage {
        page: ctx.page(),
        case: views::substance(ctx.lang(), &Substance::from(row)),
        can_answer: rules::step(row.facts(), Move::RespondentAnswer).is_ok(),
        text,
    }
}

async fn show(a: AgainstMe) -> Result<HttpResponse, AppError> {
    html(&case_page(&a.ctx, &a.row, Field::default()), StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    pub text: String,
}

async fn answer(
    Posted { to: a, form }: Posted<AgainstMe, AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let mut f = Field::new(&form.text);
    let Some(text) = f.check(a.ctx.lang(), rules::reason(&form.text)) else {
        return html(
            &case_page(&a.ctx, &a.row, f),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = a.ctx.current()?.clone();
    let id = a.row.id;
    db::run(a.ctx.pool(), move |c| {
        steps::respondent_answer(c, &me, id, &text)
    })
    .await?;
    Ok(redirect_flash(
        &format!("/respond/complaints/{id}"),
        FlashKind::Success,
        "complaints.flash.responded",
    ))
}
