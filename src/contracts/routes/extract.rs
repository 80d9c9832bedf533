//! The authorising extractors of the contract routes: a handler names the side it acts on
//! (`ContractOwner`, `ContractParty`, `TextEditor` …) in its arguments; the extractor reads the
//! id from the path, loads the row (404 when there is none) and asks `auth::policy` once
//! (403, or the login page for a visitor) before the handler body runs.

use crate::accounts::store::department;
use crate::auth::Role;
use crate::auth::policy::Action;
use crate::contracts::store::contract::{self, Contract, Full};
use crate::contracts::store::evaluation::{self as meval, Evaluation};
use crate::contracts::store::fulfilment as mful;
use crate::contracts::store::model_text::{self, ModelText, Version};
use crate::db::{self, DbError};
use crate::domain::catalogue::INDUSTRIES;
use crate::domain::contract_text as ct;
use crate::domain::status::{Party, RaterKind};
use crate::error::AppError;
use crate::extractor;
use crate::web::Ctx;
use crate::web::extract::Authorise;

/// Whether the signed-in user is a regulator of `department_id`.
fn regulator_of(ctx: &Ctx, department_id: i64) -> bool {
    ctx.user()
        .is_some_and(|u| u.role == Role::Regulator && u.department_id == Some(department_id))
}

/// Who may read a contract: its parties, admins, the regulators of its item's department.
fn view_contract(ctx: &Ctx, k: &Contract, department_id: i64) -> Action {
    Action::ViewContract {
        owner: k.owner_side(),
        agency: k.agency_id,
        in_domain: regulator_of(ctx, department_id),
    }
}

/// The contract row and the approval department of its item; 404 when there is none.
async fn contract_row(ctx: &Ctx, id: i64) -> Result<(Contract, i64), AppError> {
    db::run(ctx.pool(), move |c| {
        mful::find_with_department(c, id).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)
}

/// The contract with its text, values and signatures; 404 when there is none.
async fn full_contract(ctx: &Ctx, id: i64) -> Result<Full, AppError> {
    db::run(ctx.pool(), move |c| contract::load(c, id))
        .await?
        .ok_or(AppError::NotFound)
}

// ------------------------------------------------------------------- the contract page

/// A contract (with its text) the signed-in user may read.
pub struct ReadableContract {
    pub ctx: Ctx,
    pub full: Full,
}

impl Authorise for ReadableContract {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let full = full_contract(&ctx, id).await?;
        ctx.authorize(view_contract(&ctx, &full.contract, full.department_id))?;
        Ok(ReadableContract { ctx, full })
    }
}
extractor!(ReadableContract);

/// A contract (with its text) the signed-in user fills in and submits for the owner side.
pub struct EditableContract {
    pub ctx: Ctx,
    pub full: Full,
}

impl Authorise for EditableContract {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let full = full_contract(&ctx, id).await?;
        ctx.authorize(Action::EditContract {
            owner: full.contract.owner_side(),
        })?;
        Ok(EditableContract { ctx, full })
    }
}
extractor!(EditableContract);

/// A contract the signed-in user signs, and the party it signs for.
pub struct SigningParty {
    pub ctx: Ctx,
    pub full: Full,
    pub party: Party,
}

impl Authorise for SigningParty {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let full = full_contract(&ctx, id).await?;
        ctx.authorize(Action::SignContract {
            owner: full.contract.owner_side(),
            agency: full.contract.agency_id,
        })?;
        let party = full
            .contract
            .party_of(ctx.current()?)
            .ok_or(AppError::Forbidden)?;
        Ok(SigningParty { ctx, full, party })
    }
}
extractor!(SigningParty);

/// An awarded announcement whose contract the signed-in user generates for the owner side.
pub struct AwardOwner {
    pub ctx: Ctx,
    pub announcement_id: i64,
}

impl Authorise for AwardOwner {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let owner = db::run(ctx.pool(), move |c| {
            crate::selection::store::announcement::find(c, id).map_err(DbError::from)
        })
        .await?
        .ok_or(AppError::NotFound)?
        .owner_side();
        ctx.authorize(Action::EditContract { owner })?;
        Ok(AwardOwner {
            ctx,
            announcement_id: id,
        })
    }
}
extractor!(AwardOwner);

// ------------------------------------------------------------------------ fulfilment

/// A contract (the row) the signed-in user may read.
pub struct ContractReader {
    pub ctx: Ctx,
    pub contract: Contract,
}

impl Authorise for ContractReader {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (contract, dept) = contract_row(&ctx, id).await?;
        ctx.authorize(view_contract(&ctx, &contract, dept))?;
        Ok(ContractReader { ctx, contract })
    }
}
extractor!(ContractReader);

/// The owner side or the agency of a contract, acting as the party it is.
pub struct ContractParty {
    pub ctx: Ctx,
    pub contract: Contract,
    pub party: Party,
}

impl Authorise for ContractParty {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (contract, _) = contract_row(&ctx, id).await?;
        let party = match ctx.user().and_then(|u| contract.party_of(u)) {
            Some(Party::Owner) => {
                ctx.authorize(Action::ActAsContractOwner {
                    owner: contract.owner_side(),
                })?;
                Party::Owner
            }
            _ => {
                ctx.authorize(Action::ActAsContractAgency {
                    agency: contract.agency_id,
                })?;
                Party::Agency
            }
        };
        Ok(ContractParty {
            ctx,
            contract,
            party,
        })
    }
}
extractor!(ContractParty);

/// A contract the signed-in user acts on for the owner side (decides deliverables, pays).
pub struct ContractOwner {
    pub ctx: Ctx,
    pub contract: Contract,
}

impl Authorise for ContractOwner {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (contract, _) = contract_row(&ctx, id).await?;
        ctx.authorize(Action::ActAsContractOwner {
            owner: contract.owner_side(),
        })?;
        Ok(ContractOwner { ctx, contract })
    }
}
extractor!(ContractOwner);

/// A contract the signed-in agency delivers on.
pub struct ContractAgency {
    pub ctx: Ctx,
    pub contract: Contract,
}

impl Authorise for ContractAgency {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (contract, _) = contract_row(&ctx, id).await?;
        ctx.authorize(Action::ActAsContractAgency {
            agency: contract.agency_id,
        })?;
        Ok(ContractAgency { ctx, contract })
    }
}
extractor!(ContractAgency);

/// A contract the signed-in user rates: the owner side as the owner, a regulator of the
/// item's department as the department.
pub struct ContractRater {
    pub ctx: Ctx,
    pub contract: Contract,
    pub kind: RaterKind,
    /// The rating department (kind `Department`).
    pub department_id: Option<i64>,
}

impl Authorise for ContractRater {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (contract, dept) = contract_row(&ctx, id).await?;
        let owner_side = ctx.user().and_then(|u| contract.party_of(u)) == Some(Party::Owner);
        let (kind, department_id) = if owner_side {
            ctx.authorize(Action::ActAsContractOwner {
                owner: contract.owner_side(),
            })?;
            (RaterKind::Owner, None)
        } else {
            ctx.authorize(Action::RateAsDepartment {
                department_id: dept,
            })?;
            (RaterKind::Department, Some(dept))
        };
        Ok(ContractRater {
            ctx,
            contract,
            kind,
            department_id,
        })
    }
}
extractor!(ContractRater);

/// A rating and its contract; 404 when either is missing.
async fn rating(ctx: &Ctx, eid: i64) -> Result<(Evaluation, Contract, i64), AppError> {
    let e = db::run(ctx.pool(), move |c| {
        meval::find(c, eid).map_err(DbError::from)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let (k, dept) = contract_row(ctx, e.contract_id).await?;
    Ok((e, k, dept))
}

/// A rating of the signed-in agency's contract, which it replies to or appeals.
pub struct RatedAgency {
    pub ctx: Ctx,
    pub evaluation: Evaluation,
    pub contract: Contract,
}

impl Authorise for RatedAgency {
    const PARAM: &'static str = "eid";
    async fn load(ctx: Ctx, eid: i64) -> Result<Self, AppError> {
        let (evaluation, contract, _) = rating(&ctx, eid).await?;
        ctx.authorize(Action::ActAsContractAgency {
            agency: contract.agency_id,
        })?;
        Ok(RatedAgency {
            ctx,
            evaluation,
            contract,
        })
    }
}
extractor!(RatedAgency);

/// An appealed rating the signed-in regulator decides (its department approves the item).
pub struct AppealDecider {
    pub ctx: Ctx,
    pub evaluation: Evaluation,
    pub department_id: i64,
}

impl Authorise for AppealDecider {
    const PARAM: &'static str = "eid";
    async fn load(ctx: Ctx, eid: i64) -> Result<Self, AppError> {
        let (evaluation, _, department_id) = rating(&ctx, eid).await?;
        ctx.authorize(Action::DecideAppeal { department_id })?;
        Ok(AppealDecider {
            ctx,
            evaluation,
            department_id,
        })
    }
}
extractor!(AppealDecider);

// ------------------------------------------------------------------------ model texts

/// The industries the signed-in user may write texts for: all for an admin, its
/// department's for a regulator, none for anyone else.
pub async fn writable_industries(ctx: &Ctx) -> Result<Vec<&'static str>, AppError> {
    let Some(u) = ctx.user() else {
        return Ok(Vec::new());
    };
    match (u.role, u.department_id) {
        (Role::Admin, _) => Ok(INDUSTRIES.iter().map(|(i, _)| *i).collect()),
        (Role::Regulator, Some(d)) => {
            let dept = db::run(ctx.pool(), move |c| {
                department::find(c, d).map_err(DbError::from)
            })
            .await?;
            Ok(dept.map(|d| ct::industries_of(&d.code)).unwrap_or_default())
        }
        _ => Ok(Vec::new()),
    }
}

/// A model text (with its versions, newest first) the signed-in user may write: an admin,
/// or a regulator whose department's industries include the text's.
pub struct TextEditor {
    pub ctx: Ctx,
    pub text: ModelText,
    pub versions: Vec<Version>,
}

/// A model text with its versions, newest first; 404 when there is none.
pub async fn text_with_versions(ctx: &Ctx, id: i64) -> Result<(ModelText, Vec<Version>), AppError> {
    db::run(ctx.pool(), move |c| {
        let t = model_text::find(c, id)?;
        let v = model_text::versions(c, id)?;
        Ok::<_, DbError>(t.map(|t| (t, v)))
    })
    .await?
    .ok_or(AppError::NotFound)
}

impl Authorise for TextEditor {
    async fn load(ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (text, versions) = text_with_versions(&ctx, id).await?;
        let mine = writable_industries(&ctx).await?;
        ctx.authorize(Action::WriteModelText {
            in_domain: mine.contains(&text.industry.as_str()),
        })?;
        Ok(TextEditor {
            ctx,
            text,
            versions,
        })
    }
}
extractor!(TextEditor);
