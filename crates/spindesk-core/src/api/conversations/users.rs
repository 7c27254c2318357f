//! Sunshine users (`/v2/apps/{appId}/users...`): Spindesk's customers (`end-user`s), found by
//! their id or `externalId`. Staff are not users of this API. Deleting one is the GDPR erasure
//! of [`crate::users::erasure`]. Their channel identities are Sunshine's `clients`.

use super::input::{self, bad};
use crate::email::Email;
use crate::ids::new_public_id;
use crate::ports::{Env, SqlError};
use crate::store::{Db, Row};
use crate::surface::{Request, Response};
use crate::timestamp::iso8601_ms;
use crate::users::{self, erasure, User};
use crate::web::{json, json_status, ApiError};
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// A customer with the Sunshine fields Spindesk has no column of its own for.
#[derive(Debug, Clone)]
pub struct Customer {
    pub user: User,
    /// `givenName`, `surname`, `avatarUrl`.
    pub profile: Map<String, Value>,
    pub metadata: Map<String, Value>,
    /// The e-mail addresses proven to be theirs (a verified identity: the site's signed token
    /// or the e-mail channel), Sunshine's `identities`.
    pub emails: Vec<String>,
}

fn object(raw: &str) -> Map<String, Value> {
    match serde_json::from_str(raw) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn extras(db: &Db, user: User) -> Result<Customer, ApiError> {
    let (profile, metadata) = db
        .query_opt(
            "SELECT sunshine_profile, metadata FROM users WHERE id = ?",
            &[user.id.into()],
            |r: &Row| Ok::<_, SqlError>((r.string("sunshine_profile")?, r.string("metadata")?)),
        )?
        .unwrap_or_default();
    let emails = db.query(
        "SELECT address FROM identities WHERE user_id = ? AND channel = 'email' AND verified = 1 \
         ORDER BY id",
        &[user.id.into()],
        |r: &Row| r.string("address"),
    )?;
    Ok(Customer {
        user,
        profile: object(&profile),
        metadata: object(&metadata),
        emails,
    })
}

/// The customer with this id or, failing that, this `externalId`.
pub fn find_opt(db: &Db, id_or_external: &str) -> Result<Option<Customer>, ApiError> {
    let id = db.query_i64(
        "SELECT id FROM users WHERE role = 'end-user' AND active = 1 AND (public_id = ?1 OR external_id = ?1)
         ORDER BY public_id = ?1 DESC LIMIT 1",
        &[id_or_external.into()],
    )?;
    match id {
        None => Ok(None),
        Some(id) => match users::by_id(db, id)? {
            Some(user) => Ok(Some(extras(db, user)?)),
            None => Ok(None),
        },
    }
}

/// How a caller names a user: its id, or its `externalId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(String),
    External(String),
}

pub fn find_ref(db: &Db, r: &UserRef) -> Result<Customer, ApiError> {
    let (sql, key) = match r {
        UserRef::Id(id) => (
            "SELECT id FROM users WHERE role = 'end-user' AND active = 1 AND public_id = ?",
            id,
        ),
        UserRef::External(ext) => (
            "SELECT id FROM users WHERE role = 'end-user' AND active = 1 AND external_id = ?",
            ext,
        ),
    };
    match db.query_i64(sql, &[key.as_str().into()])? {
        Some(id) => by_row_id(db, id),
        None => Err(not_found(key)),
    }
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found("user_not_found", format!("No user {id}"))
}

pub fn find(db: &Db, id_or_external: &str) -> Result<Customer, ApiError> {
    find_opt(db, id_or_external)?.ok_or_else(|| not_found(id_or_external))
}

pub fn by_row_id(db: &Db, id: i64) -> Result<Customer, ApiError> {
    let user = users::by_id(db, id)?.ok_or_else(|| not_found(&id.to_string()))?;
    extras(db, user)
}

pub fn user_json(c: &Customer) -> Value {
    let mut profile = Map::new();
    for key in ["givenName", "surname", "avatarUrl"] {
        if let Some(v) = c.profile.get(key).filter(|v| v.is_string()) {
            profile.insert(key.into(), v.clone());
        }
    }
    if let Some(email) = &c.user.email {
        profile.insert("email".into(), email.clone().into());
    }
    profile.insert("locale".into(), c.user.locale.clone().into());
    json!({
        "id": c.user.public_id,
        "externalId": c.user.external_id,
        "signedUpAt": iso8601_ms(c.user.created_at),
        "toBeRetained": false,
        "authenticated": false,
        "profile": profile,
        "metadata": c.metadata,
        "identities": c.emails.iter().map(|email| json!({"type": "email", "value": email}))
            .collect::<Vec<_>>(),
    })
}

/// The profile fields of a create or update body, checked: `Some(None)` clears one.
#[derive(Default)]
struct ProfileInput {
    given_name: Option<Option<String>>,
    surname: Option<Option<String>>,
    email: Option<Option<String>>,
    avatar_url: Option<Option<String>>,
    locale: Option<Option<String>>,
}

fn profile_input(value: Option<&Value>) -> Result<ProfileInput, ApiError> {
    let map = match value {
        None | Some(Value::Null) => return Ok(ProfileInput::default()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(bad("`profile` must be an object")),
    };
    input::only(
        map,
        &["givenName", "surname", "email", "avatarUrl", "locale"],
        "`profile`",
    )?;
    let email = input::text(map.get("email"), "profile.email", 1, 128)?;
    if let Some(Some(raw)) = &email {
        Email::parse(raw)
            .ok_or_else(|| bad(format!("`profile.email` {raw:?} is not an email address")))?;
    }
    let avatar_url = input::text(map.get("avatarUrl"), "profile.avatarUrl", 1, 2048)?;
    if let Some(Some(raw)) = &avatar_url {
        input::url(raw, "profile.avatarUrl")?;
    }
    Ok(ProfileInput {
        given_name: input::text(map.get("givenName"), "profile.givenName", 1, 128)?,
        surname: input::text(map.get("surname"), "profile.surname", 1, 128)?,
        email,
        avatar_url,
        locale: input::text(map.get("locale"), "profile.locale", 1, 64)?,
    })
}

fn apply(profile: &mut Map<String, Value>, key: &str, value: &Option<Option<String>>) {
    match value {
        None => {}
        Some(None) => {
            profile.remove(key);
        }
        Some(Some(v)) => {
            profile.insert(key.into(), v.clone().into());
        }
    }
}

/// The name agents see: given name and surname, when the caller gave either.
fn display_name(profile: &Map<String, Value>) -> Option<String> {
    let name = ["givenName", "surname"]
        .iter()
        .filter_map(|k| profile.get(*k).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    (!name.trim().is_empty()).then_some(name)
}

/// `/v2/apps/{appId}/users`: POST creates, GET lists by `filter[externalId]` or
/// `filter[identities.email]`.
pub fn collection(env: &Env, db: &Db, req: &Request) -> Result<Response, ApiError> {
    match *req.method() {
        Method::POST => create(env, db, req),
        Method::GET => list(db, req),
        _ => Err(ApiError::method_not_allowed(req.method(), "GET, POST")),
    }
}

fn list(db: &Db, req: &Request) -> Result<Response, ApiError> {
    let external = input::deep(req, "filter", "externalId")?;
    let email = input::deep(req, "filter", "identities.email")?;
    let ids = match (external, email) {
        (Some(external), None) => db.query(
            "SELECT id FROM users WHERE role = 'end-user' AND active = 1 AND external_id = ?",
            &[external.into()],
            |r| r.i64("id"),
        )?,
        // Sunshine matches the `identities` (verified addresses); a customer's profile
        // e-mail is matched too, as before identities were listed.
        // Two lookups joined rather than one `OR`, which no index serves (every user read).
        (None, Some(email)) => db.query(
            "SELECT id FROM users WHERE email = ?1 AND role = 'end-user' AND active = 1
             UNION
             SELECT u.id FROM identities i JOIN users u ON u.id = i.user_id
             WHERE i.channel = 'email' AND i.address = ?1 AND i.verified = 1
               AND u.role = 'end-user' AND u.active = 1
             ORDER BY 1 LIMIT 100",
            &[email.into()],
            |r| r.i64("id"),
        )?,
        _ => {
            return Err(bad(
                "Give exactly one of `filter[externalId]` and `filter[identities.email]`",
            ))
        }
    };
    let mut users = Vec::new();
    for id in ids {
        users.push(user_json(&by_row_id(db, id)?));
    }
    Ok(json(&json!({ "users": users })))
}

fn create(env: &Env, db: &Db, req: &Request) -> Result<Response, ApiError> {
    let body = input::object(req)?;
    input::only(
        &body,
        &[
            "externalId",
            "signedUpAt",
            "toBeRetained",
            "profile",
            "metadata",
        ],
        "a user",
    )?;
    let external_id = input::text(body.get("externalId"), "externalId", 1, 1024)?.flatten();
    let profile = profile_input(body.get("profile"))?;
    let metadata = input::metadata(body.get("metadata"), "metadata")?.unwrap_or_default();
    let mut extra = Map::new();
    apply(&mut extra, "givenName", &profile.given_name);
    apply(&mut extra, "surname", &profile.surname);
    apply(&mut extra, "avatarUrl", &profile.avatar_url);
    let public_id = new_public_id(env.random);
    let name = display_name(&extra).unwrap_or_else(|| format!("API user {}", &public_id[..4]));
    let now = env.clock.now_ms();
    let id = db.transaction(|db| {
        db.query_i64(
            "INSERT INTO users (public_id, role, name, email, external_id, locale, sunshine_profile,
                                metadata, created_at, updated_at)
             VALUES (?, 'end-user', ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING RETURNING id",
            &[
                public_id.clone().into(),
                name.into(),
                profile.email.clone().flatten().into(),
                external_id.clone().into(),
                profile
                    .locale
                    .clone()
                    .flatten()
                    .unwrap_or_else(|| "en-US".into())
                    .into(),
                Value::Object(extra.clone()).to_string().into(),
                Value::Object(metadata.clone()).to_string().into(),
                now.into(),
                now.into(),
            ],
        )
    })?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            "conflict",
            format!(
                "A user with externalId {:?} already exists",
                external_id.unwrap_or_default()
            ),
        )
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"user": user_json(&by_row_id(db, id)?)}),
    ))
}

/// `/v2/apps/{appId}/users/{userIdOrExternalId}`: GET, PATCH, DELETE (erasure).
pub fn item(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    match *req.method() {
        Method::GET => Ok(json(&json!({"user": user_json(&find(db, id)?)}))),
        Method::PATCH => update(env, db, req, id),
        Method::DELETE => {
            let now = env.clock.now_ms();
            let files = db.transaction(|db| {
                let customer = find(db, id)?;
                Ok::<_, ApiError>(erasure::erase_customer(db, now, customer.user.id)?)
            })?;
            // Their rows are gone (nothing serves them any more); now their bytes.
            for public_id in files.unwrap_or_default() {
                if let Err(e) = env.files.delete(&public_id) {
                    env.warn("attachments.erase", e);
                }
            }
            Ok(json(&json!({})))
        }
        _ => Err(ApiError::method_not_allowed(
            req.method(),
            "GET, PATCH, DELETE",
        )),
    }
}

fn update(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    let body = input::object(req)?;
    input::only(
        &body,
        &["signedUpAt", "toBeRetained", "profile", "metadata"],
        "a user update",
    )?;
    let profile = profile_input(body.get("profile"))?;
    let metadata = input::metadata(body.get("metadata"), "metadata")?;
    let now = env.clock.now_ms();
    let row_id = db.transaction(|db| {
        let mut customer = find(db, id)?;
        apply(&mut customer.profile, "givenName", &profile.given_name);
        apply(&mut customer.profile, "surname", &profile.surname);
        apply(&mut customer.profile, "avatarUrl", &profile.avatar_url);
        let name = display_name(&customer.profile).unwrap_or(customer.user.name.clone());
        let email = match &profile.email {
            None => customer.user.email.clone(),
            Some(v) => v.clone(),
        };
        let locale = match &profile.locale {
            None => customer.user.locale.clone(),
            Some(v) => v.clone().unwrap_or_else(|| "en-US".into()),
        };
        db.execute(
            "UPDATE users SET name = ?, email = ?, locale = ?, sunshine_profile = ?,
                              metadata = ?, updated_at = ?
             WHERE id = ?",
            &[
                name.into(),
                email.into(),
                locale.into(),
                Value::Object(customer.profile.clone()).to_string().into(),
                Value::Object(metadata.clone().unwrap_or(customer.metadata.clone()))
                    .to_string()
                    .into(),
                now.into(),
                customer.user.id.into(),
            ],
        )?;
        Ok::<_, ApiError>(customer.user.id)
    })?;
    Ok(json(&json!({"user": user_json(&by_row_id(db, row_id)?)})))
}

/// A channel identity as a Sunshine client: the widget is `sdk`, the others their channel.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: i64,
    pub kind: &'static str,
    pub address: String,
    pub linked_at: i64,
}

/// Sunshine's client type for a Spindesk channel (`None`: the API has no name for it).
fn client_type(channel: &str) -> Option<&'static str> {
    Some(match channel {
        "web" => "sdk",
        "whatsapp" => "whatsapp",
        "telegram" => "telegram",
        "messenger" | "facebook" => "messenger",
        "instagram" => "instagram",
        "line" => "line",
        "viber" => "viber",
        "sms" => "twilio",
        "email" => "mailgun",
        _ => return None,
    })
}

pub fn clients_of(db: &Db, user_id: i64) -> Result<Vec<Client>, ApiError> {
    let rows = db.query(
        "SELECT id, channel, address, created_at FROM identities WHERE user_id = ? AND verified = 1 ORDER BY id DESC",
        &[user_id.into()],
        |r| {
            Ok((
                r.i64("id")?,
                r.string("channel")?,
                r.string("address")?,
                r.i64("created_at")?,
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, channel, address, linked_at)| {
            client_type(&channel).map(|kind| Client {
                id,
                kind,
                address,
                linked_at,
            })
        })
        .collect())
}

fn client_json(c: &Client) -> Value {
    let mut out = json!({
        "id": c.id.to_string(),
        "type": c.kind,
        "status": "active",
        "linkedAt": iso8601_ms(c.linked_at),
    });
    // A widget device id is no one's business; other channels' ids are the user's there.
    if c.kind != "sdk" {
        out["externalId"] = c.address.clone().into();
    }
    out
}

/// `GET /v2/apps/{appId}/users/{id}/clients`.
pub fn clients(db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    if req.method() != Method::GET {
        return Err(ApiError::method_not_allowed(req.method(), "GET"));
    }
    input::page(req)?;
    let customer = find(db, id)?;
    let clients = clients_of(db, customer.user.id)?;
    Ok(json(&json!({
        "clients": clients.iter().map(client_json).collect::<Vec<_>>(),
        "meta": {"hasMore": false},
    })))
}
