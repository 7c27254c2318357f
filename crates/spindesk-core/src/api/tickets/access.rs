//! Who may change the desk's shared setup: macros and views are the admins' to manage
//! (Zendesk's default), agents read and apply them.

use crate::auth::Staff;
use crate::web::ApiError;

/// Passes the admin token and staff with role `admin` ([`Staff::is_admin`], the rule the
/// groups routes use too); an agent gets Zendesk's 403.
pub fn require_admin_role(staff: &Staff, what: &str) -> Result<(), ApiError> {
    if staff.is_admin() {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "Forbidden",
        format!("Only admins can change {what}; agents can read and use them"),
    ))
}
