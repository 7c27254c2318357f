//! Several records by id in one request (`GET /api/v2/tickets/show_many?ids=1,2`,
//! `GET /api/v2/users/show_many?ids=1,2`): integrations use them to refresh what they hold
//! without a request per record, and client libraries have a method for each (node-zendesk's
//! `tickets.showMany`, `users.showMany`). As in Zendesk, ids that name nothing are left out.

use super::zendesk::{base_url, ticket_json, user_json};
use crate::auth::require_staff;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets;
use crate::users;
use crate::web::{json, query_pairs, ApiError};
use serde_json::json;

/// Zendesk's limit for `show_many`.
const MAX_IDS: usize = 100;

/// `ids=1,2,3` (the comma may come percent-encoded): 1 to 100 positive ids, repeats dropped.
fn ids(req: &Request) -> Result<Vec<i64>, ApiError> {
    let pairs = query_pairs(req);
    let raw = pairs
        .iter()
        .find(|(k, _)| k == "ids")
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| {
            ApiError::bad_request("InvalidParameter", "ids is required, as in ?ids=1,2")
        })?;
    let mut out: Vec<i64> = Vec::new();
    for part in raw.split(',') {
        let id = part
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "InvalidParameter",
                    format!(
                        "ids must be positive ids separated by commas; got {:?}",
                        part.chars().take(30).collect::<String>()
                    ),
                )
            })?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > MAX_IDS {
        return Err(ApiError::bad_request(
            "InvalidParameter",
            format!("at most {MAX_IDS} ids at a time; got {}", out.len()),
        ));
    }
    Ok(out)
}

pub fn tickets(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let ids = ids(req)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let marks = vec!["?"; ids.len()].join(", ");
    let params: Vec<crate::ports::Value> = ids.iter().map(|id| (*id).into()).collect();
    let list = db.query(
        &format!(
            "SELECT {} FROM tickets WHERE id IN ({marks}) ORDER BY id",
            tickets::COLUMNS
        ),
        &params,
        tickets::from_row,
    )?;
    let base = base_url(req);
    Ok(json(&json!({
        "tickets": list.iter().map(|t| ticket_json(t, &base)).collect::<Vec<_>>(),
        "next_page": null,
        "previous_page": null,
        "count": list.len(),
    })))
}

pub fn users(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let ids = ids(req)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let list = users::by_ids(&db, &ids)?;
    let found: Vec<i64> = list.iter().map(|u| u.id).collect();
    let phones = users::phones(&db, &found)?;
    let base = base_url(req);
    Ok(json(&json!({
        "users": list.iter().map(|u| user_json(u, phones.get(&u.id), &base)).collect::<Vec<_>>(),
        "next_page": null,
        "previous_page": null,
        "count": list.len(),
    })))
}
