//! The complaint a handler acts on, loaded and authorised by the policy before the handler
//! runs (404 before 403; a regulator of another department is refused and logged by
//! `Ctx::authorize`).

use crate::auth::policy::Action;
use crate::complaints::store::{self as cs, Complaint};
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::web::Ctx;
use crate::web::extract::Authorise;

async fn load(ctx: &Ctx, id: i64) -> Result<Complaint, AppError> {
    let row = db::run(ctx.pool(), move |c| Ok::<_, DbError>(cs::find(c, id)?)).await?;
    row.ok_or(AppError::NotFound)
}

/// A case the user may read with its complainant: a regulator of its department, an admin.
pub struct CaseToView {
    pub ctx: Ctx,
    pub row: Complaint,
}

impl Authorise for CaseToView {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::SuperviseComplaints)?;
        }
        let row = load(&ctx, id).await?;
        ctx.authorize(Action::ViewComplaintCase {
            department_id: row.department_id,
        })?;
        Ok(CaseToView { ctx, row })
    }
}
crate::extractor!(CaseToView);

/// A case the user may handle: a regulator of its department.
pub struct CaseToHandle {
    pub ctx: Ctx,
    pub row: Complaint,
}

impl Authorise for CaseToHandle {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::SuperviseComplaints)?;
        }
        let row = load(&ctx, id).await?;
        ctx.authorize(Action::HandleComplaint {
            department_id: row.department_id,
        })?;
        Ok(CaseToHandle { ctx, row })
    }
}
crate::extractor!(CaseToHandle);

/// The signed-in complainant's own complaint.
pub struct OwnComplaint {
    pub ctx: Ctx,
    pub row: Complaint,
}

impl Authorise for OwnComplaint {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::UseOwnAccount)?;
        }
        let row = load(&ctx, id).await?;
        // A visitor's complaint has no account: nobody signed in follows it here.
        let Some(complainant) = row.complainant_id else {
            return Err(AppError::NotFound);
        };
        ctx.authorize(Action::FollowComplaint { complainant })?;
        Ok(OwnComplaint { ctx, row })
    }
}
crate::extractor!(OwnComplaint);

/// A complaint against the signed-in agency or owner.
pub struct AgainstMe {
    pub ctx: Ctx,
    pub row: Complaint,
}

impl Authorise for AgainstMe {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::ListComplaintsAgainstMe)?;
        }
        let row = load(&ctx, id).await?;
        let Some(respondent) = row.respondent_user_id else {
            return Err(AppError::NotFound);
        };
        ctx.authorize(Action::AnswerComplaint { respondent })?;
        Ok(AgainstMe { ctx, row })
    }
}
crate::extractor!(AgainstMe);

/// A visitor's complaint reached by its secret status link (`/complaints/track/{token}`):
/// the token is the authority; an unknown one is 404.
pub struct Tracked {
    pub ctx: Ctx,
    pub row: Complaint,
    pub token: String,
}

impl actix_web::FromRequest for Tracked {
    type Error = AppError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let ctx = crate::web::extract::ctx_of(req);
        let token = req.match_info().get("token").unwrap_or("").to_string();
        Box::pin(async move {
            let ctx = ctx?;
            if token.len() < 20 || token.len() > 100 {
                return Err(AppError::NotFound);
            }
            let hash = crate::auth::token::hash_token(&token);
            let row = db::run(ctx.pool(), move |c| {
                Ok::<_, DbError>(cs::find_by_access(c, &hash)?)
            })
            .await?
            .ok_or(AppError::NotFound)?;
            Ok(Tracked { ctx, row, token })
        })
    }
}
