//! Who the user is (sessions, passwords, tokens) and what they may do (`policy`).

pub mod login_attempt;
pub mod password;
pub mod policy;
pub mod session;
pub mod token;
pub mod user_token;

use serde::{Deserialize, Serialize};

/// The signed-in user of a request, as the session layer found it.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub role: Role,
    pub display_name: String,
    pub email: String,
    pub unread: i64,
    /// The department a regulator (or admin) belongs to.
    pub department_id: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Agency,
    Regulator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Agency, Role::Regulator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Agency => "agency",
            Role::Regulator => "regulator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles a person may choose at self-registration; staff accounts are made by an admin.
    pub fn self_registered(self) -> bool {
        matches!(self, Role::Owner | Role::Agency)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Role::Owner => "role.owner",
            Role::Agency => "role.agency",
            Role::Regulator => "role.regulator",
            Role::Admin => "role.admin",
        }
    }
}
