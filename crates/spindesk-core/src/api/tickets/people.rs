//! Users as agents manage them: the list (`GET /api/v2/users`, filtered by role), profile
//! edits (`PUT /api/v2/users/{id}`), a customer's tickets
//! (`GET /api/v2/users/{id}/tickets/requested`) and an agent's
//! (`GET /api/v2/users/{id}/tickets/assigned`).

use super::access::require_admin_role;
use super::ticket::{check_tags, invalid, MAX_BODY_BYTES};
use super::zendesk::{base_url, clip, not_found, ticket_json, ticket_order, user_json};
use crate::api::commit;
use crate::auth::require_staff;
use crate::committed::Committed;
use crate::email::Email;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets;
use crate::users::{self, ProfileUpdate, Role};
use crate::web::{json, paginate, query_pairs, read_json, ApiError};
use serde::Deserialize;
use serde_json::json;

/// Longest name, phone number and notes a profile takes.
const MAX_NAME_CHARS: usize = 255;
const MAX_PHONE_CHARS: usize = 30;
const MAX_NOTES_CHARS: usize = 4_096;

/// `role=agent` or `role[]=agent&role[]=admin`: Zendesk's filter, values checked.
fn roles(pairs: &[(String, String)]) -> Result<Vec<Role>, ApiError> {
    let mut wanted = Vec::new();
    for (_, raw) in pairs.iter().filter(|(k, _)| k == "role" || k == "role[]") {
        let role = Role::parse(raw).ok_or_else(|| {
            ApiError::bad_request(
                "InvalidParameter",
                format!(
                    "role must be end-user, agent or admin; got {:?}",
                    clip(raw, 50)
                ),
            )
        })?;
        if !wanted.contains(&role) {
            wanted.push(role);
        }
    }
    Ok(wanted)
}

pub fn list(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let roles = roles(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let (count, list) = users::list(&db, &roles, page.offset(), page.limit())?;
    let ids: Vec<i64> = list.iter().map(|u| u.id).collect();
    let phones = users::phones(&db, &ids)?;
    let base = base_url(req);
    Ok(json(&page.envelope(
        json!({
            "users": list.iter().map(|u| user_json(u, phones.get(&u.id), &base)).collect::<Vec<_>>(),
        }),
        &format!("{base}/api/v2/users.json"),
        count,
        list.len(),
        &pairs,
    )))
}

/// Whose tickets `GET /api/v2/users/{id}/tickets/...` lists.
#[derive(Clone, Copy)]
pub enum Whose {
    Requested,
    Assigned,
}

pub fn tickets_of(env: &Env, req: &Request, id: i64, whose: Whose) -> Result<Response, ApiError> {
    // Fixed column names, never from the request.
    let (column, path) = match whose {
        Whose::Requested => ("requester_id", "requested"),
        Whose::Assigned => ("assignee_id", "assigned"),
    };
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let order = ticket_order(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    users::by_id(&db, id)?.ok_or_else(not_found)?;
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM tickets WHERE {column} = ?"),
            &[id.into()],
        )?
        .unwrap_or(0);
    let list = db.query(
        &format!(
            "SELECT {} FROM tickets WHERE {column} = ? ORDER BY {order} LIMIT ? OFFSET ?",
            tickets::COLUMNS
        ),
        &[id.into(), page.limit().into(), page.offset().into()],
        tickets::from_row,
    )?;
    let base = base_url(req);
    Ok(json(&page.envelope(
        json!({"tickets": list.iter().map(|t| ticket_json(t, &base)).collect::<Vec<_>>()}),
        &format!("{base}/api/v2/users/{id}/tickets/{path}.json"),
        count,
        list.len(),
        &pairs,
    )))
}

#[derive(Deserialize)]
struct Body {
    user: Fields,
}

/// What a profile edit may carry; other fields Zendesk clients send are ignored.
#[derive(Deserialize)]
struct Fields {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    phone: Option<Option<String>>,
    notes: Option<String>,
    tags: Option<Vec<String>>,
}

/// A field that is present, possibly `null` (`Some(None)`: clear it), as opposed to absent
/// (`None`: leave it); serde alone reads both as `None`.
pub(super) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn check(f: Fields) -> Result<ProfileUpdate, ApiError> {
    let name = match f.name.map(|n| n.trim().to_owned()) {
        Some(n) if n.is_empty() => return Err(invalid("name", "can't be blank")),
        Some(n) if n.chars().count() > MAX_NAME_CHARS => {
            return Err(invalid("name", "is longer than 255 characters"))
        }
        other => other,
    };
    let email = match f.email {
        Some(Some(raw)) => Some(Some(
            Email::parse(raw.trim())
                .ok_or_else(|| {
                    invalid(
                        "email",
                        format!("{:?} is not a valid email address", clip(&raw, 100)),
                    )
                })?
                .into_string(),
        )),
        other => other,
    };
    let phone = match f.phone {
        Some(Some(raw)) => {
            let raw = raw.trim().to_owned();
            let ok = !raw.is_empty()
                && raw.chars().count() <= MAX_PHONE_CHARS
                && raw.chars().any(|c| c.is_ascii_digit())
                && raw
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c));
            if !ok {
                return Err(invalid(
                    "phone",
                    "must be a phone number: digits, spaces and + - ( ) . up to 30 characters",
                ));
            }
            Some(Some(raw))
        }
        other => other,
    };
    if f.notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTES_CHARS)
    {
        return Err(invalid("notes", "is longer than 4,096 characters"));
    }
    let tags = match f.tags {
        Some(given) => {
            check_tags(&given)?;
            let mut unique: Vec<String> = Vec::new();
            for t in given {
                if !unique.contains(&t) {
                    unique.push(t);
                }
            }
            Some(unique)
        }
        None => None,
    };
    Ok(ProfileUpdate {
        name,
        email,
        phone,
        notes: f.notes,
        tags,
    })
}

/// Agents edit customers and themselves; admins edit anyone (Zendesk's rule).
pub fn update(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    let update = check(body.user)?;
    let now = env.clock.now_ms();
    let (user, _) = commit::write(env, &db, |db| {
        let user = users::by_id(db, id)?.ok_or_else(not_found)?;
        if user.role.is_staff() && staff.user_id() != Some(id) {
            require_admin_role(&staff, "other staff members' profiles")?;
        }
        if user.role.is_staff() {
            match &update.email {
                Some(None) => {
                    return Err(invalid("email", "staff need an email to sign in"));
                }
                Some(Some(email)) if users::staff_email_taken(db, email, id)? => {
                    return Err(invalid(
                        "email",
                        format!("{email} is already used by another agent"),
                    ));
                }
                _ => {}
            }
        }
        users::update_profile(db, now, id, &update)?;
        let user = users::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>((user, Committed::default()))
    })?;
    let phones = users::phones(&db, &[id])?;
    Ok(json(
        &json!({"user": user_json(&user, phones.get(&id), &base_url(req))}),
    ))
}
