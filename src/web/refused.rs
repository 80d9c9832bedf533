//! The page of a refused step: the reason in the user's language and the way back, answered
//! with 409 when the state the step met forbids it and 422 when what was asked is not allowed.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
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
        StepError::Refused {
            key,
            args,
            conflict,
        } => {
            let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let p = RefusedPage {
                page: ctx.page(),
                message: crate::i18n::tr_args(ctx.lang(), key, &a),
                back: back.to_string(),
            };
            html(
                &p,
                if conflict {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
            )
        }
    }
}
