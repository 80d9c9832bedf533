//! What a selection handler acts on, loaded and authorised before its body runs (see
//! `web::extract`): the owner's project or announcement, the agency acting for itself, the
//! owner of an opened selection or of an objection.
//!
//! A POST names its object through `web::extract::Posted`, which checks the form's CSRF token
//! first: a request without a valid token is refused (403) before anything about the object
//! (does it exist? may this user touch it?) is told.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::status::AnnouncementStatus;
use crate::error::AppError;
use crate::selection::store::announcement::{self as ann, Announcement, Project};
use crate::selection::store::opening;
use crate::selection::store::publication::{self as pubm, SelfPreparation};
use crate::web::Ctx;
use crate::web::extract::{Authorise, ctx_of, signed_in_id};

/// An announcement (draft or not) the signed-in user manages as its owner side.
pub struct OwnedAnnouncement {
    pub ctx: Ctx,
    pub ann: Announcement,
}

impl Authorise for OwnedAnnouncement {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let ann = db::run(ctx.pool(), move |c| ann::find(c, id).map_err(DbError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        ctx.authorize(Action::ManageAnnouncement {
            owner: ann.owner_side(),
        })?;
        Ok(OwnedAnnouncement { ctx, ann })
    }
}
crate::extractor!(OwnedAnnouncement);

/// A project the signed-in user keeps as its owner side.
pub struct OwnedProject {
    pub ctx: Ctx,
    pub project: Project,
}

impl OwnedProject {
    async fn of(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let project = db::run(ctx.pool(), move |c| {
            ann::find_project(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?;
        ctx.authorize(Action::ManageAnnouncement {
            owner: project.owner_side(),
        })?;
        Ok(OwnedProject { ctx, project })
    }
}

impl Authorise for OwnedProject {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        OwnedProject::of(ctx, id).await
    }
}
crate::extractor!(OwnedProject);

/// A self-preparation declaration of a project the signed-in user keeps.
pub struct OwnedSelfPreparation {
    pub ctx: Ctx,
    pub sp: SelfPreparation,
    pub project: Project,
}

impl Authorise for OwnedSelfPreparation {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let sp = db::run(ctx.pool(), move |c| {
            pubm::find_self_preparation(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?;
        let OwnedProject { ctx, project } = OwnedProject::of(ctx, sp.project_id).await?;
        Ok(OwnedSelfPreparation { ctx, sp, project })
    }
}
crate::extractor!(OwnedSelfPreparation);

/// The announcement `id` after its opening is due: opened first if its deadline has passed
/// (so no step meets a stale state); a draft is not there for this.
pub async fn opened(ctx: &Ctx, id: i64) -> Result<Announcement, AppError> {
    let key = ctx.config().sealing_key;
    let instance = ctx.config().instance_id.clone();
    db::run(ctx.pool(), move |c| {
        crate::selection::steps::opening::open_if_due(c, &key, id, &instance)?;
        ann::find(c, id).map_err(DbError::from)
    })
    .await?
    .filter(|a| a.status != AnnouncementStatus::Draft)
    .ok_or(AppError::NotFound)
}

/// A published (or later) selection, opened if due, whose owner side the user is: the
/// owner's steps after the opening (choose, decide a justification, re-run).
pub struct OwnedSelection {
    pub ctx: Ctx,
    pub ann: Announcement,
}

impl Authorise for OwnedSelection {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let ann = opened(&ctx, id).await?;
        ctx.authorize(Action::ManageAnnouncement {
            owner: ann.owner_side(),
        })?;
        Ok(OwnedSelection { ctx, ann })
    }
}
crate::extractor!(OwnedSelection);

/// An objection (its id in the path) to a selection whose owner side the user is, who
/// answers it.
pub struct OwnedObjection {
    pub ctx: Ctx,
    pub id: i64,
    pub ann: Announcement,
}

impl Authorise for OwnedObjection {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let ann_id = db::run(ctx.pool(), move |c| {
            opening::objection_announcement(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?;
        let OwnedSelection { ctx, ann } = OwnedSelection::load(ctx, ann_id).await?;
        Ok(OwnedObjection { ctx, id, ann })
    }
}
crate::extractor!(OwnedObjection);

/// The agency the request acts for: always the signed-in user, asked of the policy
/// (`Action::TakePart`). A visitor is sent to log in, any other role is refused.
pub struct ActingAgency {
    pub ctx: Ctx,
    pub id: i64,
}

impl ActingAgency {
    pub fn of(ctx: Ctx) -> Result<Self, AppError> {
        let id = signed_in_id(&ctx)?;
        ctx.authorize(Action::TakePart { agency_id: id })?;
        Ok(ActingAgency { ctx, id })
    }
}

impl FromRequest for ActingAgency {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = ctx_of(req);
        Box::pin(async move { ActingAgency::of(ctx?) })
    }
}

/// The acting agency on a selection it takes part in (the announcement `id`, opened if due,
/// not a draft): the agency is asked of the policy before the announcement is looked up.
pub struct AgencyOn {
    pub ctx: Ctx,
    pub me: i64,
    pub ann: Announcement,
}

impl Authorise for AgencyOn {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let ActingAgency { ctx, id: me } = ActingAgency::of(ctx)?;
        let ann = opened(&ctx, id).await?;
        Ok(AgencyOn { ctx, me, ann })
    }
}
crate::extractor!(AgencyOn);
