//! The page of a refused step: the reason in the user's language and the way back, answered
//! with the status of the refusal's kind (409, 422, 403, 404).

use actix_web::HttpResponse;
use askama::Template;

use super::page::Page;
use super::{Ctx, html};
use crate::error::{AppError, StepError};

#[derive(Template)]
#[template(path = "selection/result/refused.html")]
pub struct RefusedPage {
    pub page: Page,
    pub message: String,
    pub back: String,
}

/// Renders a refused step (a database failure stays an error).
pub fn refused_page(ctx: &Ctx, e: StepError, back: &str) -> Result<HttpResponse, AppError> {
    match e {
        StepError::Db(e) => Err(e.into()),
        StepError::Refused(r) => {
            let p = RefusedPage {
                page: ctx.page(),
                message: r.message(ctx.lang()),
                back: back.to_string(),
            };
            html(&p, r.status())
        }
    }
}
