//! Authorising extractors: a handler names what it acts on (`OwnedAnnouncement`,
//! `ContractParty`, `ActingAgency` …) in its arguments, and the extractor parses the id from the
//! path, loads the row and asks `auth::policy` once — the handler body never sees an object the
//! user may not touch. (vaultwarden's request guards and crates.io's `CratePath` + `AuthCheck`
//! do the same.)
//!
//! A feature writes `impl Authorise for X { async fn load(ctx, id) … }` and `extractor!(X)`.
//! Ids come from the path as positive integers; anything else is 404, as a missing row is.
//!
//! On a POST route the form's CSRF check must answer first (a forged request learns nothing,
//! not even "sign in" or "no such id"), and actix gives no order between a handler's
//! extractors: a form handler takes [`Posted<X, Form>`](Posted), which checks the token, then
//! loads `X`. A handler that reads its body itself (an upload) takes `web::Path<i64>` and
//! calls `X::load(ctx, id)` after the token was checked — the same one decision.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::Ctx;
use crate::error::AppError;
use crate::web::forms::CsrfForm;

/// The positive integer in path segment `name` (404 when it is missing or not one).
pub fn path_id(req: &HttpRequest, name: &str) -> Result<i64, AppError> {
    req.match_info()
        .get(name)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or(AppError::NotFound)
}

pub use super::ctx::ctx_of;

/// An object a handler acts on, loaded and authorised before the handler runs.
// The workers of actix-web are single-threaded: the future need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Authorise: Sized + 'static {
    /// The path segment that holds the object's id.
    const PARAM: &'static str = "id";
    /// Loads the object with id `id` and asks the policy; 404 before 403.
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError>;
}

/// Implements `FromRequest` for a type that implements [`Authorise`].
#[macro_export]
macro_rules! extractor {
    ($t:ty) => {
        impl actix_web::FromRequest for $t {
            type Error = $crate::error::AppError;
            type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

            fn from_request(
                req: &actix_web::HttpRequest,
                _: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                let ctx = $crate::web::extract::ctx_of(req);
                let id = $crate::web::extract::path_id(
                    req,
                    <$t as $crate::web::extract::Authorise>::PARAM,
                );
                Box::pin(
                    async move { <$t as $crate::web::extract::Authorise>::load(ctx?, id?).await },
                )
            }
        }
    };
}

/// The signed-in user's id, for a handler whose action the policy has already allowed
/// (never 0 for "nobody": a visitor is sent to the login page).
pub fn signed_in_id(ctx: &Ctx) -> Result<i64, AppError> {
    ctx.current().map(|u| u.id)
}

/// A form posted to an object: the form's CSRF token is checked first, then the object `T` is
/// loaded and authorised by its own extractor — so a request without a valid token is refused
/// (403) before it can learn whether an id exists or who may act on it.
pub struct Posted<T, F> {
    pub to: T,
    pub form: F,
}

impl<T, F> FromRequest for Posted<T, F>
where
    T: FromRequest<Error = AppError> + 'static,
    F: DeserializeOwned + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = CsrfForm::<F>::from_request(req, payload);
        // `T` reads no body, and its future does nothing before it is polled.
        let to = T::from_request(req, &mut Payload::None);
        Box::pin(async move {
            let CsrfForm(form) = form.await?;
            Ok(Posted {
                to: to.await?,
                form,
            })
        })
    }
}
