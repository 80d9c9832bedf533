//! Who the user is (sessions, passwords, tokens) and what they may do (`policy`).

pub mod login_attempt;
pub mod password;
pub mod policy;
pub mod session;
pub mod token;
pub mod user_token;

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

/// Who a user is; stored in `users.role`.
pub use crate::domain::status::Role;
