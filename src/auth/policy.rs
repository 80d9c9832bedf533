//! The one place that decides who may do what. Every handler names the [`Action`] it is about
//! to perform (with the owner of the object, where there is one) and calls
//! [`crate::web::Ctx::authorize`]; nothing else in the code grants access.
//!
//! Visitors who need to sign in are sent to the login page; signed-in users who lack the
//! role or do not own the object get 403. Every denial is logged.

use super::Role;
use crate::web::page::CurrentUser;

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
        ManageAccounts | ViewAudit | ManageSettings => {
            if u.role == Role::Admin {
                Allow
            } else {
                Deny
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role) -> CurrentUser {
        CurrentUser {
            id,
            role,
            display_name: String::new(),
            email: String::new(),
            unread: 0,
        }
    }

    #[test]
    fn admin_only_actions() {
        for r in Role::ALL {
            let d = decide(Some(&user(1, r)), Action::ViewAudit);
            assert_eq!(d == Decision::Allow, r == Role::Admin, "{r:?}");
        }
        assert_eq!(decide(None, Action::ViewAudit), Decision::NeedLogin);
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
