//! The authorising extractors of inspections: a task of the user's department
//! (`DepartmentTask`), a task as anyone may see it (`VisibleTask`: a draft only for its
//! department), a drawn agency as its drawn inspectors act on it (`DrawnTarget`), and a pool
//! entry of the user's department (`PoolEntry`). Denials are logged by `Ctx::authorize`.

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::inspections::store::{self as st, Assignment, Inspector, Target, Task};
use crate::web::Ctx;
use crate::web::extract::Authorise;

/// A task the signed-in regulator's department owns (`ManageInspections`).
pub struct DepartmentTask {
    pub ctx: Ctx,
    pub task: Task,
}

impl Authorise for DepartmentTask {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::CreateInspectionTask)?;
        }
        let task = db::run(ctx.pool(), move |c| Ok::<_, DbError>(st::find_task(c, id)?))
            .await?
            .ok_or(AppError::NotFound)?;
        ctx.authorize(Action::ManageInspections {
            department_id: task.department_id,
        })?;
        Ok(DepartmentTask { ctx, task })
    }
}
crate::extractor!(DepartmentTask);

/// A task page: published tasks are public, a draft only for its department's regulators.
pub struct VisibleTask {
    pub ctx: Ctx,
    pub task: Task,
}

impl Authorise for VisibleTask {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let task = db::run(ctx.pool(), move |c| Ok::<_, DbError>(st::find_task(c, id)?))
            .await?
            .ok_or(AppError::NotFound)?;
        if task.is_draft() {
            ctx.authorize(Action::ManageInspections {
                department_id: task.department_id,
            })?;
        } else {
            ctx.authorize(Action::ViewPublic)?;
        }
        Ok(VisibleTask { ctx, task })
    }
}
crate::extractor!(VisibleTask);

/// A drawn agency, for one of its drawn (not recused) inspectors (`InspectAgency`).
pub struct DrawnTarget {
    pub ctx: Ctx,
    pub target: Target,
    pub task: Task,
    pub assignments: Vec<Assignment>,
}

impl Authorise for DrawnTarget {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::InspectAgency { drawn: false })?;
        }
        let found = db::run(ctx.pool(), move |c| {
            let Some(target) = st::find_target(c, id)? else {
                return Ok::<_, DbError>(None);
            };
            let task = st::find_task(c, target.task_id)?;
            let assignments = st::assignments_of_target(c, id)?;
            Ok(task.map(|t| (target, t, assignments)))
        })
        .await?;
        let (target, task, assignments) = found.ok_or(AppError::NotFound)?;
        let me = ctx.user().map(|u| u.id);
        let drawn = assignments
            .iter()
            .any(|a| Some(a.user_id) == me && a.is_active());
        ctx.authorize(Action::InspectAgency { drawn })?;
        Ok(DrawnTarget {
            ctx,
            target,
            task,
            assignments,
        })
    }
}
crate::extractor!(DrawnTarget);

/// A pool entry of the user's department.
pub struct PoolEntry {
    pub ctx: Ctx,
    pub inspector: Inspector,
}

impl Authorise for PoolEntry {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        if ctx.user().is_none() {
            ctx.authorize(Action::CreateInspectionTask)?;
        }
        let inspector = db::run(ctx.pool(), move |c| {
            Ok::<_, DbError>(st::find_inspector(c, id)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
        ctx.authorize(Action::ManageInspections {
            department_id: inspector.department_id,
        })?;
        Ok(PoolEntry { ctx, inspector })
    }
}
crate::extractor!(PoolEntry);

/// The signed-in regulator's department, for the pages of its own pool and a new task.
pub fn my_department(ctx: &Ctx) -> Result<i64, AppError> {
    ctx.authorize(Action::CreateInspectionTask)?;
    ctx.current()?.department_id.ok_or(AppError::Forbidden)
}
