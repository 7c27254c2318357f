//! Users: the signed-in agent (`/api/v2/users/me`) and any user by id.

use super::zendesk::{base_url, not_found, user_json};
use crate::auth::require_staff;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::users::{self};
use crate::web::{json, ApiError};
use serde_json::json;
pub fn show_me(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let base = base_url(req);
    match staff.user_id() {
        Some(id) => {
            let user = users::by_id(&db, id)?.ok_or_else(not_found)?;
            Ok(json(&json!({"user": user_json(&user, None, &base)})))
        }
        None => Ok(json(
            &json!({"user": {"id": null, "name": "Admin token", "role": "admin"}}),
        )),
    }
}

pub fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let user = users::by_id(&db, id)?.ok_or_else(not_found)?;
    let phones = users::phones(&db, &[id])?;
    Ok(json(
        &json!({"user": user_json(&user, phones.get(&id), &base_url(req))}),
    ))
}
