//! Who may change the desk's shared setup: macros and views are the admins' to manage
//! (Zendesk's default), agents read and apply them.

use crate::auth::Staff;
use crate::store::Db;
use crate::users::{self, Role};
use crate::web::ApiError;

/// Passes the admin token and staff with role `admin`; an agent gets Zendesk's 403.
pub fn require_admin_role(db: &Db, staff: &Staff, what: &str) -> Result<(), ApiError> {
    let user_id = match staff {
        Staff::Admin => return Ok(()),
        Staff::Agent { user_id, .. } => *user_id,
    };
    let role = users::by_id(db, user_id)?.map(|u| u.role);
    if role == Some(Role::Admin) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "Forbidden",
        format!("Only admins can change {what}; agents can read and use them"),
    ))
}
