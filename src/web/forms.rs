//! Form extraction with the CSRF check built in: a handler that takes `CsrfForm<T>` cannot
//! forget it. Form structs use only `String` fields with `#[serde(default)]`, so a missing or
//! mistyped value reaches validation and is reported beside its field, never as a crash.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::ctx::Ctx;
use crate::error::AppError;

/// Largest accepted form body (a multipart upload has its own limit, `crate::uploads`).
pub const FORM_LIMIT: usize = 64 * 1024;

#[derive(serde::Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    inner: T,
}

pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = Ctx::extract(req).into_inner();
        let form = web::Form::<WithCsrf<T>>::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx?;
            let form = form.await.map_err(|e| {
                tracing::info!(error = %e, "malformed form");
                match e.as_error::<actix_web::error::UrlencodedError>() {
                    Some(actix_web::error::UrlencodedError::Overflow { .. }) => {
                        AppError::PayloadTooLarge
                    }
                    _ => AppError::BadRequest("err.form.malformed"),
                }
            })?;
            ctx.check_csrf(&form.csrf)?;
            Ok(CsrfForm(form.into_inner().inner))
        })
    }
}
