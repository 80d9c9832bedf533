//! The one place that decides who may do what. Every handler names the [`Action`] it is about
//! to perform (with the owner of the object, where there is one) and calls
//! [`crate::web::Ctx::authorize`]; nothing else in the code grants access.
//!
//! Visitors who need to sign in are sent to the login page; signed-in users who lack the
//! role or do not own the object get 403. Every denial is logged.

use super::Role;
use crate::auth::CurrentUser;

/// Who stands on the owner's side of a project and of its announcements and contracts: the
/// owner account that created it — or, for a service the approval department commissions and
/// pays for (附件4 (五)), that department, every member of whose staff acts as the owner (the
/// account that created it may move on; the department stays the payer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnerSide {
    /// The account that created the project (`owner_id`).
    pub user: i64,
    /// The commissioning department (`department_id` / `owner_department_id`), if any.
    pub department: Option<i64>,
}

impl OwnerSide {
    /// An owner account's own project.
    pub fn owner(user: i64) -> OwnerSide {
        OwnerSide {
            user,
            department: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Public pages: home, catalogue, libraries, results.
    ViewPublic,
    /// Login, registration, password reset: only for people not signed in.
    UseGuestForms,
    /// Own workbench, message centre, password change.
    UseOwnAccount,
    /// Read a message in the message centre; `owner` is the addressee.
    ReadMessage { owner: i64 },
    /// Staff accounts and departments.
    ManageAccounts,
    /// The audit trail and its verification.
    ViewAudit,
    /// Run-time settings.
    ManageSettings,
    /// The working-day calendar: holidays and make-up working days (every working-day
    /// deadline depends on it).
    ManageCalendar,
    /// Add, publish or cancel catalogue items (the platform operator).
    PublishCatalogue,
    /// Edit an existing catalogue item: an admin, or a regulator of the item's approval
    /// department.
    EditCatalogueItem { department_id: i64 },
    /// Record a regional assessment for an item: as `EditCatalogueItem`.
    RecordRegionalAssessment { department_id: i64 },
    /// Keep an agency's own profile, items, practitioners and certificates.
    EditAgencyProfile { agency_id: i64 },
    /// See the qualification review queue (regulators; each sees its own domain).
    ViewReviewQueue,
    /// Approve or reject a certificate of a qualification type regulated by `department_id`.
    ReviewCertificate { department_id: i64 },
    /// Download a certificate scan: the agency itself, the reviewing department, admins.
    ViewCertificateScan { agency_id: i64, department_id: i64 },
    /// Publish a new version of the credit scoring rules (admins).
    PublishCreditRules,
    /// Record credit records, blacklist or ban an agency: a regulator whose department
    /// regulates the agency (`in_domain`, from `domain::credit::in_domain`).
    RegulateAgency { in_domain: bool },
    /// See an agency's credit records with the actions on them (`/regulate/agencies/{id}/
    /// records`): a regulator whose department regulates the agency, or an admin (who may
    /// revoke a mistaken record, see `RevokeCreditRecord`).
    ReviewAgencyRecords { in_domain: bool },
    /// Revoke a credit record. A record belongs to the department that made it
    /// (`department_id`): only that department's regulators or an admin revoke it, whatever
    /// other departments regulate the agency. A record the platform made (no department: a
    /// forfeit, a refusal to sign, a late delivery) may be revoked by a regulator whose
    /// department regulates the agency (`in_domain`), or an admin.
    RevokeCreditRecord {
        department_id: Option<i64>,
        in_domain: bool,
    },
    /// The regulator's credit queue: alerts and repair applications of its department.
    ViewCreditQueue,
    /// Decide a repair application or resolve an alert of `department_id` (the department
    /// that listed the agency / made the ban): only that department's regulators, never
    /// another department that also regulates the agency.
    DecideCredit { department_id: i64 },
    /// Apply for credit repair of one's own listing.
    ApplyForRepair { agency_id: i64 },
    /// Create projects and announcements: owners (the 项目业主), and regulators for their
    /// department, which commissions the services it pays for (附件4 (五)).
    CreateProject,
    /// Edit, publish, change, cancel an announcement or project, answer objections, choose
    /// the agency, decide justifications, declare 自行编制: the owner side.
    ManageAnnouncement { owner: OwnerSide },
    /// Register for announcements, quote, re-confirm, justify, object, confirm a win:
    /// agencies acting for themselves (`agency_id` is the agency the request acts for).
    TakePart { agency_id: i64 },
    /// Collusion signals and overdue objection answers: regulators.
    SuperviseSelection,
    /// Write and publish model contract texts of an industry: admins, or a regulator whose
    /// department the industry belongs to (`domain::contract_text::industries_of`).
    WriteModelText { in_domain: bool },
    /// Read a contract: its two parties, admins, and regulators of the item's approval
    /// department (`in_domain`).
    ViewContract {
        owner: OwnerSide,
        agency: i64,
        in_domain: bool,
    },
    /// Fill in, change, submit a contract draft, or generate it: the owner side.
    EditContract { owner: OwnerSide },
    /// Sign a contract: either of its two parties, each for itself.
    SignContract { owner: OwnerSide, agency: i64 },
    /// One's own contracts list as a party of `side` (`Role::Owner` or `Role::Agency`): the
    /// owners' list for owners and for regulators (the contracts their department
    /// commissioned as the owner), the agencies' list for agencies.
    ListOwnContracts { side: Role },
    /// Accept or return deliverables, record payments, rate, propose or sign amendments as
    /// the contract's owner side.
    ActAsContractOwner { owner: OwnerSide },
    /// Upload deliverables, propose or sign amendments, reply to or appeal a rating as the
    /// contract's agency.
    ActAsContractAgency { agency: i64 },
    /// Add the approval department's rating: a regulator of the item's department.
    RateAsDepartment { department_id: i64 },
    /// Decide an agency's appeal against a rating: a regulator of the item's department.
    DecideAppeal { department_id: i64 },
    /// The regulators' contract lists (supplementary clauses, lapsed signings; timers,
    /// amendments and appeals) of their department.
    SuperviseContracts,
    /// Move a demo database's platform clock forward (admins; a production database has no
    /// clock page at all).
    MovePlatformClock,
    /// The list of certificate reviews past their due day (admins).
    ViewOverdueReviews,
    // --- supervision (issue 15): exposure and signals
    /// Price and conduct signals (明码标价, prices far above the median, owners who lapse
    /// or pay late): a regulator with a department (its items' signals) or an admin (all).
    ViewSignals,
    // ---- random inspections 双随机、一公开 (src/inspections/)
    /// Keep a department's inspector pool, and create, edit, publish and draw its inspection
    /// tasks: a regulator of that department.
    ManageInspections { department_id: i64 },
    /// Start a new inspection task: a regulator with a department.
    CreateInspectionTask,
    /// Declare a conflict (回避) or record the result for one drawn agency: only an inspector
    /// drawn (and not recused) for that agency.
    InspectAgency { drawn: bool },
    /// The list of inspection tasks past their publication deadline: regulators (their
    /// department's) and admins (all).
    ViewOverdueInspections,
    // Complaints 投诉举报 (`src/complaints/`).
    /// The complaints list (`/supervision/complaints`): regulators see their department's,
    /// admins all.
    SuperviseComplaints,
    /// Read a complaint case with its complainant: a regulator of the department handling
    /// it, or an admin.
    ViewComplaintCase { department_id: i64 },
    /// Accept, investigate, extend, transfer, answer or decide a review: a regulator of the
    /// department handling it (never an admin, never another department).
    HandleComplaint { department_id: i64 },
    /// Follow one's own complaint (status page, review request): the signed-in complainant.
    FollowComplaint { complainant: i64 },
    /// Complaints against oneself (`/respond/complaints`): agencies and owners.
    ListComplaintsAgainstMe,
    /// Read and answer a complaint against oneself: the agency or owner it is against.
    AnswerComplaint { respondent: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: sign in first.
    NeedLogin,
    /// Signed in, but not allowed (wrong role or not the owner).
    Deny,
    /// A signed-in user opened a guest-only form (e.g. /login): send them to their workbench.
    AlreadySignedIn,
}

pub fn decide(user: Option<&CurrentUser>, action: Action) -> Decision {
    use Action::*;
    use Decision::*;
    let Some(u) = user else {
        return match action {
            ViewPublic | UseGuestForms => Allow,
            _ => NeedLogin,
        };
    };
    match action {
        ViewPublic | UseOwnAccount => Allow,
        UseGuestForms => AlreadySignedIn,
        ReadMessage { owner } => {
            if owner == u.id {
                Allow
            } else {
                Deny
            }
        }
        ManageAccounts | ViewAudit | ManageSettings | ManageCalendar | PublishCatalogue
        | PublishCreditRules => allow_if(u.role == Role::Admin),
        MovePlatformClock | ViewOverdueReviews => allow_if(u.role == Role::Admin),
        ViewSignals => allow_if(
            u.role == Role::Admin || (u.role == Role::Regulator && u.department_id.is_some()),
        ),
        EditCatalogueItem { department_id } | RecordRegionalAssessment { department_id } => {
            allow_if(u.role == Role::Admin || is_regulator_of(u, department_id))
        }
        EditAgencyProfile { agency_id } => allow_if(u.role == Role::Agency && u.id == agency_id),
        ViewReviewQueue | ViewCreditQueue => allow_if(u.role == Role::Regulator),
        RegulateAgency { in_domain } => allow_if(u.role == Role::Regulator && in_domain),
        ReviewAgencyRecords { in_domain } => {
            allow_if(u.role == Role::Admin || (u.role == Role::Regulator && in_domain))
        }
        RevokeCreditRecord {
            department_id,
            in_domain,
        } => allow_if(
            u.role == Role::Admin
                || match department_id {
                    Some(d) => is_regulator_of(u, d),
                    None => u.role == Role::Regulator && in_domain,
                },
        ),
        DecideCredit { department_id } => allow_if(is_regulator_of(u, department_id)),
        ApplyForRepair { agency_id } | TakePart { agency_id } => {
            allow_if(u.role == Role::Agency && u.id == agency_id)
        }
        CreateProject => allow_if(
            u.role == Role::Owner || (u.role == Role::Regulator && u.department_id.is_some()),
        ),
        ManageAnnouncement { owner } => allow_if(acts_for_owner(u, owner)),
        SuperviseSelection | SuperviseContracts => allow_if(u.role == Role::Regulator),
        WriteModelText { in_domain } => {
            allow_if(u.role == Role::Admin || (u.role == Role::Regulator && in_domain))
        }
        ViewContract {
            owner,
            agency,
            in_domain,
        } => allow_if(
            is_party(u, owner, agency)
                || u.role == Role::Admin
                || (u.role == Role::Regulator && in_domain),
        ),
        EditContract { owner } => allow_if(acts_for_owner(u, owner)),
        SignContract { owner, agency } => allow_if(is_party(u, owner, agency)),
        ListOwnContracts { side } => allow_if(match side {
            Role::Owner => {
                u.role == Role::Owner || (u.role == Role::Regulator && u.department_id.is_some())
            }
            Role::Agency => u.role == Role::Agency,
            _ => false,
        }),
        ActAsContractOwner { owner } => allow_if(acts_for_owner(u, owner)),
        ActAsContractAgency { agency } => allow_if(u.role == Role::Agency && u.id == agency),
        RateAsDepartment { department_id } | DecideAppeal { department_id } => {
            allow_if(is_regulator_of(u, department_id))
        }
        ReviewCertificate { department_id } => allow_if(is_regulator_of(u, department_id)),
        ManageInspections { department_id } => allow_if(is_regulator_of(u, department_id)),
        CreateInspectionTask => allow_if(u.role == Role::Regulator && u.department_id.is_some()),
        InspectAgency { drawn } => allow_if(u.role == Role::Regulator && drawn),
        ViewOverdueInspections => allow_if(
            u.role == Role::Admin || (u.role == Role::Regulator && u.department_id.is_some()),
        ),
        SuperviseComplaints => allow_if(u.role == Role::Admin || u.role == Role::Regulator),
        ViewComplaintCase { department_id } => {
            allow_if(u.role == Role::Admin || is_regulator_of(u, department_id))
        }
        HandleComplaint { department_id } => allow_if(is_regulator_of(u, department_id)),
        FollowComplaint { complainant } => allow_if(u.id == complainant),
        ListComplaintsAgainstMe => allow_if(matches!(u.role, Role::Agency | Role::Owner)),
        AnswerComplaint { respondent } => {
            allow_if(matches!(u.role, Role::Agency | Role::Owner) && u.id == respondent)
        }
        ViewCertificateScan {
            agency_id,
            department_id,
        } => allow_if(
            (u.role == Role::Agency && u.id == agency_id)
                || u.role == Role::Admin
                || is_regulator_of(u, department_id),
        ),
    }
}

fn allow_if(ok: bool) -> Decision {
    if ok { Decision::Allow } else { Decision::Deny }
}

fn is_party(u: &CurrentUser, owner: OwnerSide, agency: i64) -> bool {
    acts_for_owner(u, owner) || (u.role == Role::Agency && u.id == agency)
}

/// The owner side: the department's staff for a commissioned project, else the owner account
/// itself (never anyone else with the same id).
fn acts_for_owner(u: &CurrentUser, owner: OwnerSide) -> bool {
    match owner.department {
        Some(d) => is_regulator_of(u, d),
        None => u.role == Role::Owner && u.id == owner.user,
    }
}

fn is_regulator_of(u: &CurrentUser, department_id: i64) -> bool {
    u.role == Role::Regulator && u.department_id == Some(department_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_move_the_clock_and_see_overdue_reviews() {
        for a in [Action::MovePlatformClock, Action::ViewOverdueReviews] {
            for &r in Role::ALL {
                let d = decide(Some(&user(1, r)), a);
                assert_eq!(d == Decision::Allow, r == Role::Admin, "{r:?} {a:?}");
            }
            assert_eq!(decide(None, a), Decision::NeedLogin);
        }
    }

    fn user(id: i64, role: Role) -> CurrentUser {
        CurrentUser {
            id,
            role,
            display_name: String::new(),
            email: String::new(),
            unread: 0,
            department_id: Some(1),
        }
    }

    #[test]
    fn complaint_actions() {
        let allow = |u: &CurrentUser, act| decide(Some(u), act) == Decision::Allow;
        let r = user(5, Role::Regulator); // department 1
        let a = user(6, Role::Admin);
        let g = user(9, Role::Agency);
        assert!(allow(&r, Action::HandleComplaint { department_id: 1 }));
        assert!(!allow(&r, Action::HandleComplaint { department_id: 2 }));
        assert!(!allow(&a, Action::HandleComplaint { department_id: 1 }));
        assert!(allow(&a, Action::ViewComplaintCase { department_id: 2 }));
        assert!(!allow(&r, Action::ViewComplaintCase { department_id: 2 }));
        assert!(allow(&g, Action::AnswerComplaint { respondent: 9 }));
        assert!(!allow(&g, Action::AnswerComplaint { respondent: 10 }));
        assert!(!allow(&r, Action::AnswerComplaint { respondent: 5 }));
        assert!(allow(&g, Action::FollowComplaint { complainant: 9 }));
        assert!(!allow(&g, Action::FollowComplaint { complainant: 8 }));
        assert_eq!(
            decide(None, Action::FollowComplaint { complainant: 1 }),
            Decision::NeedLogin
        );
    }

    #[test]
    fn admin_only_actions() {
        for &r in Role::ALL {
            for a in [Action::ViewAudit, Action::ManageCalendar] {
                let d = decide(Some(&user(1, r)), a);
                assert_eq!(d == Decision::Allow, r == Role::Admin, "{r:?} {a:?}");
            }
        }
        assert_eq!(decide(None, Action::ViewAudit), Decision::NeedLogin);
    }

    #[test]
    fn regulators_act_only_in_their_own_department() {
        let r = user(5, Role::Regulator);
        assert_eq!(
            decide(Some(&r), Action::EditCatalogueItem { department_id: 1 }),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&r), Action::EditCatalogueItem { department_id: 2 }),
            Decision::Deny
        );
        assert_eq!(
            decide(Some(&r), Action::ReviewCertificate { department_id: 2 }),
            Decision::Deny
        );
        // An admin edits any item but reviews no certificate.
        let a = user(6, Role::Admin);
        assert_eq!(
            decide(Some(&a), Action::EditCatalogueItem { department_id: 2 }),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&a), Action::ReviewCertificate { department_id: 1 }),
            Decision::Deny
        );
    }

    #[test]
    fn agencies_edit_only_their_own_profile() {
        let g = user(9, Role::Agency);
        assert_eq!(
            decide(Some(&g), Action::EditAgencyProfile { agency_id: 9 }),
            Decision::Allow
        );
        assert_eq!(
            decide(Some(&g), Action::EditAgencyProfile { agency_id: 10 }),
            Decision::Deny
        );
        assert_eq!(
            decide(
                Some(&user(9, Role::Owner)),
                Action::EditAgencyProfile { agency_id: 9 }
            ),
            Decision::Deny
        );
    }

    #[test]
    fn credit_actions() {
        let r = user(5, Role::Regulator);
        let a = user(6, Role::Admin);
        let g = user(9, Role::Agency);
        let allow = |u: &CurrentUser, act| decide(Some(u), act) == Decision::Allow;
        assert!(allow(&r, Action::RegulateAgency { in_domain: true }));
        assert!(!allow(&r, Action::RegulateAgency { in_domain: false }));
        // Not even an admin blacklists: that is the regulator's power.
        assert!(!allow(&a, Action::RegulateAgency { in_domain: true }));
        assert!(allow(&a, Action::PublishCreditRules));
        assert!(!allow(&r, Action::PublishCreditRules));
        assert!(allow(&r, Action::DecideCredit { department_id: 1 }));
        assert!(!allow(&r, Action::DecideCredit { department_id: 2 }));
        assert!(allow(&g, Action::ApplyForRepair { agency_id: 9 }));
        assert!(!allow(&g, Action::ApplyForRepair { agency_id: 10 }));
        // Nor does an admin decide another department's repair or alert.
        assert!(!allow(&a, Action::DecideCredit { department_id: 1 }));
    }

    #[test]
    fn only_the_department_that_made_a_record_or_an_admin_revokes_it() {
        let allow = |u: &CurrentUser, act| decide(Some(u), act) == Decision::Allow;
        let mine = user(5, Role::Regulator); // department 1
        let a = user(6, Role::Admin);
        let revoke = |department_id, in_domain| Action::RevokeCreditRecord {
            department_id,
            in_domain,
        };
        assert!(allow(&mine, revoke(Some(1), true)));
        // Made by department 1: still its own even if the agency left its domain.
        assert!(allow(&mine, revoke(Some(1), false)));
        // Made by department 2: not revocable by department 1, even with the agency in its
        // domain.
        assert!(!allow(&mine, revoke(Some(2), true)));
        // Made by the platform: any regulator of the agency.
        assert!(allow(&mine, revoke(None, true)));
        assert!(!allow(&mine, revoke(None, false)));
        // An admin revokes any record; owners and agencies none.
        assert!(allow(&a, revoke(Some(2), false)));
        assert!(allow(&a, revoke(None, false)));
        for r in [Role::Owner, Role::Agency] {
            assert!(!allow(&user(5, r), revoke(Some(1), true)));
        }
        assert_eq!(decide(None, revoke(Some(1), true)), Decision::NeedLogin);
        // The records page: the agency's regulators and admins.
        assert!(allow(
            &mine,
            Action::ReviewAgencyRecords { in_domain: true }
        ));
        assert!(!allow(
            &mine,
            Action::ReviewAgencyRecords { in_domain: false }
        ));
        assert!(allow(&a, Action::ReviewAgencyRecords { in_domain: false }));
        assert!(!allow(
            &user(9, Role::Agency),
            Action::ReviewAgencyRecords { in_domain: true }
        ));
    }

    #[test]
    fn contracts_for_their_parties_and_model_texts_for_their_domain() {
        let allow = |u: &CurrentUser, act| decide(Some(u), act) == Decision::Allow;
        let o = user(3, Role::Owner);
        let g = user(4, Role::Agency);
        let other_owner = user(5, Role::Owner);
        let r = user(6, Role::Regulator);
        let a = user(7, Role::Admin);
        let view = |in_domain| Action::ViewContract {
            owner: OwnerSide::owner(3),
            agency: 4,
            in_domain,
        };
        assert!(allow(&o, view(false)));
        assert!(allow(&g, view(false)));
        assert!(!allow(&other_owner, view(false)));
        assert!(!allow(&r, view(false)));
        assert!(allow(&r, view(true)));
        assert!(allow(&a, view(false)));
        // An agency with the owner's id is still not the owner.
        assert!(!allow(&user(3, Role::Agency), view(false)));
        let sign = Action::SignContract {
            owner: OwnerSide::owner(3),
            agency: 4,
        };
        assert!(allow(&o, sign));
        assert!(allow(&g, sign));
        assert!(!allow(&other_owner, sign));
        assert!(!allow(&r, sign));
        assert!(!allow(&a, sign));
        assert!(allow(
            &o,
            Action::EditContract {
                owner: OwnerSide::owner(3)
            }
        ));
        assert!(!allow(
            &g,
            Action::EditContract {
                owner: OwnerSide::owner(4)
            }
        ));
        assert!(allow(&a, Action::WriteModelText { in_domain: false }));
        assert!(allow(&r, Action::WriteModelText { in_domain: true }));
        assert!(!allow(&r, Action::WriteModelText { in_domain: false }));
        assert!(!allow(&o, Action::WriteModelText { in_domain: true }));
        assert_eq!(decide(None, view(true)), Decision::NeedLogin);
    }

    #[test]
    fn contract_actions_need_the_party() {
        let o = user(3, Role::Owner);
        let g = user(9, Role::Agency);
        let r = user(5, Role::Regulator);
        let allow = |u: &CurrentUser, act| decide(Some(u), act) == Decision::Allow;
        let view = Action::ViewContract {
            owner: OwnerSide::owner(3),
            agency: 9,
            in_domain: true,
        };
        assert!(allow(&o, view) && allow(&g, view) && allow(&r, view));
        assert!(!allow(&user(4, Role::Owner), view));
        assert!(!allow(&user(10, Role::Agency), view));
        assert_eq!(decide(None, view), Decision::NeedLogin);
        assert!(allow(
            &o,
            Action::ActAsContractOwner {
                owner: OwnerSide::owner(3)
            }
        ));
        assert!(!allow(
            &o,
            Action::ActAsContractOwner {
                owner: OwnerSide::owner(4)
            }
        ));
        // The agency never acts as the owner, even with the same id.
        assert!(!allow(
            &user(3, Role::Agency),
            Action::ActAsContractOwner {
                owner: OwnerSide::owner(3)
            }
        ));
        assert!(allow(&g, Action::ActAsContractAgency { agency: 9 }));
        assert!(!allow(&g, Action::ActAsContractAgency { agency: 10 }));
        assert!(allow(&r, Action::RateAsDepartment { department_id: 1 }));
        assert!(!allow(&r, Action::RateAsDepartment { department_id: 2 }));
        assert!(allow(&r, Action::DecideAppeal { department_id: 1 }));
        assert!(!allow(&r, Action::DecideAppeal { department_id: 2 }));
        assert!(!allow(
            &user(6, Role::Admin),
            Action::DecideAppeal { department_id: 1 }
        ));
    }

    #[test]
    fn own_contract_lists_by_side() {
        let allow = |r: Role, side: Role| {
            decide(Some(&user(1, r)), Action::ListOwnContracts { side }) == Decision::Allow
        };
        assert!(allow(Role::Owner, Role::Owner));
        assert!(allow(Role::Agency, Role::Agency));
        // Each side's list is its own: an owner never opens the agencies' list. A regulator's
        // department may commission work as the owner (the owners' list); an admin never.
        assert!(!allow(Role::Owner, Role::Agency));
        assert!(!allow(Role::Agency, Role::Owner));
        assert!(allow(Role::Regulator, Role::Owner));
        assert!(!allow(Role::Regulator, Role::Agency));
        assert!(!allow(Role::Regulator, Role::Regulator));
        assert!(!allow(Role::Admin, Role::Owner));
        assert!(!allow(Role::Admin, Role::Admin));
    }

    #[test]
    fn a_commissioning_department_s_staff_act_as_the_owner() {
        let allow = |u: &CurrentUser, act| decide(Some(u), act) == Decision::Allow;
        // Department 1 commissioned it; regulator 5 created it, regulator 6 is a colleague.
        let side = OwnerSide {
            user: 5,
            department: Some(1),
        };
        let creator = user(5, Role::Regulator);
        let colleague = user(6, Role::Regulator);
        let mut elsewhere = user(7, Role::Regulator);
        elsewhere.department_id = Some(2);
        // An owner account, even one with the creator's id, is not the department.
        let owner = user(5, Role::Owner);
        let admin = user(8, Role::Admin);
        for act in [
            Action::ManageAnnouncement { owner: side },
            Action::EditContract { owner: side },
            Action::ActAsContractOwner { owner: side },
            Action::SignContract {
                owner: side,
                agency: 9,
            },
        ] {
            assert!(allow(&creator, act) && allow(&colleague, act), "{act:?}");
            assert!(!allow(&elsewhere, act), "{act:?}");
            assert!(!allow(&owner, act), "{act:?}");
            assert!(!allow(&admin, act), "{act:?}");
        }
        // A regulator is never the owner of an owner's project.
        let owners = OwnerSide::owner(5);
        assert!(!allow(
            &creator,
            Action::ManageAnnouncement { owner: owners }
        ));
        assert!(allow(&owner, Action::ManageAnnouncement { owner: owners }));
        // Regulators with a department create projects and list their department's
        // contracts; admins and agencies do not create projects.
        assert!(allow(&creator, Action::CreateProject));
        let mut no_dept = user(9, Role::Regulator);
        no_dept.department_id = None;
        assert!(!allow(&no_dept, Action::CreateProject));
        assert!(!allow(&admin, Action::CreateProject));
        assert!(!allow(&user(10, Role::Agency), Action::CreateProject));
        assert!(allow(
            &colleague,
            Action::ListOwnContracts { side: Role::Owner }
        ));
    }

    #[test]
    fn messages_only_for_their_addressee() {
        let u = user(7, Role::Admin);
        assert_eq!(
            decide(Some(&u), Action::ReadMessage { owner: 7 }),
            Decision::Allow
        );
        // Not even an admin reads someone else's messages.
        assert_eq!(
            decide(Some(&u), Action::ReadMessage { owner: 8 }),
            Decision::Deny
        );
    }
}
