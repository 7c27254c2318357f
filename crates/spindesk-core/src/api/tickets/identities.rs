//! A customer's identities (`GET /api/v2/users/{id}/identities`, Zendesk's shape) and merging
//! two customers (`PUT /api/v2/users/{id}/merge`: the user in the path goes into the one in
//! the body, `{"user": {"id": <target>}}`, as Zendesk does).
//!
//! Identities come from `crate::users::identities`: `verified` says whether a channel, the
//! site's signed token or the e-mail channel vouched for the value, or the customer only typed
//! it. Zendesk's `type` is `email` or `phone_number` where Zendesk has one, `messaging` for
//! the other channel accounts; `channel` names ours.

use super::zendesk::{base_url, not_found};
use crate::admin_log;
use crate::api::commit;
use crate::auth::require_staff;
use crate::committed::Committed;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::timestamp::iso8601;
use crate::users::identities::{self, Identity};
use crate::users::{self, merge};
use crate::web::{json, read_json, ApiError};
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_BODY_BYTES: usize = 4 * 1024;

fn zendesk_type(channel: &str) -> &'static str {
    match channel {
        "email" => "email",
        "whatsapp" | "sms" => "phone_number",
        _ => "messaging",
    }
}

fn identity_json(i: &Identity, base: &str) -> Value {
    let value = match i.channel.as_str() {
        // E.164, as Zendesk shows phone numbers (WhatsApp ids are the digits alone).
        "whatsapp" | "sms" => format!("+{}", i.address.trim_start_matches('+')),
        "email" => i.address.clone(),
        other => format!("{other}:{}", i.address),
    };
    json!({
        "url": format!("{base}/api/v2/users/{}/identities/{}.json", i.user_id, i.id),
        "id": i.id,
        "user_id": i.user_id,
        "type": zendesk_type(&i.channel),
        "channel": i.channel,
        "value": value,
        "verified": i.verified,
        "primary": i.primary,
        "created_at": iso8601(i.created_at),
        "updated_at": iso8601(i.created_at),
    })
}

/// `GET /api/v2/users/{id}/identities`.
pub fn list(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    users::by_id(&db, id)?.ok_or_else(not_found)?;
    let base = base_url(req);
    let list = identities::of_user(&db, id)?;
    Ok(json(&json!({
        "identities": list.iter().map(|i| identity_json(i, &base)).collect::<Vec<_>>(),
        "next_page": null,
        "previous_page": null,
        "count": list.len(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    id: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    user: Target,
}

fn refused(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("RecordInvalid", message)
}

/// `PUT /api/v2/users/{id}/merge`: merges end-user `id` into `user.id`; answers with the
/// surviving user. Agents and admins are never merged (422). Audited.
pub fn merge(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let body: MergeBody = read_json(req, MAX_BODY_BYTES)?;
    let into = body.user.id;
    let now = env.clock.now_ms();
    let (user, _) = commit::write(env, &db, |db| {
        let from = users::by_id(db, id)?.ok_or_else(not_found)?;
        let target = users::by_id(db, into)?
            .ok_or_else(|| refused(format!("user.id: no user {into} to merge into")))?;
        if let Some(why) = merge::refusal(db, from.id, target.id)? {
            return Err(refused(why));
        }
        merge::merge_customers(db, now, from.id, target.id)?;
        let detail = json!({"from": from.id, "into": target.id});
        admin_log::record(
            db,
            now,
            &staff,
            "user.merge",
            &format!("user:{into}"),
            &detail,
        )?;
        let user = users::by_id(db, into)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>((user, Committed::default()))
    })?;
    let phones = users::phones(&db, &[into])?;
    Ok(json(&json!({
        "user": super::zendesk::user_json(&user, phones.get(&into), &base_url(req)),
    })))
}
