//! The webhooks: a target, the triggers it hears, Sunshine's include flags, and a secret. The
//! secret is shown once, in the answer to its creation; it is stored sealed with the vault
//! (owner `webhook:<public id>`) because deliveries must sign with it, and never returned,
//! logged or put in an error again.

use super::target::{self, Policy};
use super::triggers;
use crate::error::{Error, Result};
use crate::ids;
use crate::ports::{Env, Millis, SqlError};
use crate::store::{Db, Row};
use crate::timestamp::iso8601_ms;
use crate::vault::{Vault, VaultError};
use serde_json::{json, Value};

/// Webhooks one deployment may have (Sunshine allows 10 per app).
pub const MAX_WEBHOOKS: i64 = 10;
/// Longest display name.
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: i64,
    pub public_id: String,
    pub integration_public_id: String,
    pub display_name: String,
    pub app_id: String,
    pub target: String,
    pub triggers: Vec<String>,
    pub include_full_user: bool,
    pub include_full_source: bool,
    pub status: String,
    pub failing_since: Option<Millis>,
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str = "id, public_id, integration_public_id, display_name, app_id, target, \
    triggers, include_full_user, include_full_source, status, failing_since, disabled_reason, \
    created_at, updated_at";

fn from_row(r: &Row) -> Result<Webhook, SqlError> {
    let triggers: Vec<String> =
        serde_json::from_str(&r.string("triggers")?).map_err(|e| Row::invalid("triggers", e))?;
    Ok(Webhook {
        id: r.i64("id")?,
        public_id: r.string("public_id")?,
        integration_public_id: r.string("integration_public_id")?,
        display_name: r.string("display_name")?,
        app_id: r.string("app_id")?,
        target: r.string("target")?,
        triggers,
        include_full_user: r.bool("include_full_user")?,
        include_full_source: r.bool("include_full_source")?,
        status: r.string("status")?,
        failing_since: r.opt_i64("failing_since")?,
        disabled_reason: r.opt_string("disabled_reason")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

/// A webhook as the caller describes it (Sunshine's `webhookBody`); `None` keeps the stored
/// value on update.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    pub target: Option<String>,
    pub triggers: Option<Vec<String>>,
    pub include_full_user: Option<bool>,
    pub include_full_source: Option<bool>,
    /// Spindesk's own: a name for the admin console.
    pub display_name: Option<String>,
}

/// A checked spec: what is stored.
struct Checked {
    target: String,
    triggers: Vec<String>,
    include_full_user: bool,
    include_full_source: bool,
    display_name: String,
}

fn check(spec: &Spec, base: Option<&Webhook>, policy: &Policy) -> Result<Checked> {
    let target = match (&spec.target, base) {
        (Some(t), _) => target::check(t, policy).map_err(Error::Invalid)?,
        (None, Some(b)) => b.target.clone(),
        (None, None) => return Err(Error::Invalid("`target` is required".into())),
    };
    let triggers = match (&spec.triggers, base) {
        (Some(t), _) => triggers::parse(t).map_err(Error::Invalid)?,
        (None, Some(b)) => b.triggers.clone(),
        (None, None) => return Err(Error::Invalid("`triggers` is required".into())),
    };
    let display_name = spec
        .display_name
        .clone()
        .or_else(|| base.map(|b| b.display_name.clone()))
        .unwrap_or_default();
    if display_name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::Invalid(format!(
            "`displayName` is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(Checked {
        target,
        triggers,
        include_full_user: spec
            .include_full_user
            .or(base.map(|b| b.include_full_user))
            .unwrap_or(false),
        include_full_source: spec
            .include_full_source
            .or(base.map(|b| b.include_full_source))
            .unwrap_or(false),
        display_name,
    })
}

/// A new webhook's secret: 16 random bytes in hex (Sunshine's shape).
fn new_secret(env: &Env) -> String {
    let mut bytes = [0u8; 16];
    env.random.fill(&mut bytes);
    ids::hex(&bytes)
}

fn owner(public_id: &str) -> String {
    format!("webhook:{public_id}")
}

/// Creates a webhook (caller's transaction) and returns it with its secret, the one time the
/// secret leaves the database. `integration` groups it (a Sunshine custom integration);
/// `None` makes a new integration of its own.
pub fn create(
    env: &Env,
    db: &Db,
    vault: &Vault,
    app_id: &str,
    integration: Option<&str>,
    spec: &Spec,
) -> Result<(Webhook, String)> {
    let checked = check(spec, None, &Policy::from_config(env.config))?;
    let count = db
        .query_i64("SELECT COUNT(*) FROM webhooks", &[])?
        .unwrap_or(0);
    if count >= MAX_WEBHOOKS {
        return Err(Error::Invalid(format!(
            "this deployment already has {MAX_WEBHOOKS} webhooks, the most it may have; one webhook can hear many triggers"
        )));
    }
    let now = env.clock.now_ms();
    let public_id = ids::new_public_id(env.random);
    let integration = integration.map_or_else(|| ids::new_public_id(env.random), str::to_owned);
    let secret = new_secret(env);
    let sealed = vault.seal(env.random, &owner(&public_id), &secret);
    let triggers = serde_json::to_string(&checked.triggers).map_err(Error::corrupt)?;
    let webhook = db
        .query_opt(
            &format!(
                "INSERT INTO webhooks (public_id, integration_public_id, display_name, app_id,
                                       target, triggers, include_full_user, include_full_source,
                                       secret, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
            ),
            &[
                public_id.into(),
                integration.into(),
                checked.display_name.into(),
                app_id.into(),
                checked.target.into(),
                triggers.into(),
                checked.include_full_user.into(),
                checked.include_full_source.into(),
                sealed.into(),
                now.into(),
                now.into(),
            ],
            from_row,
        )?
        .ok_or_else(|| Error::corrupt("insert returned no webhook"))?;
    Ok((webhook, secret))
}

/// Changes what `spec` names; a disabled webhook whose target or triggers are saved again is
/// enabled afresh (the admin has looked at it).
pub fn update(env: &Env, db: &Db, webhook: &Webhook, spec: &Spec) -> Result<Webhook> {
    let checked = check(spec, Some(webhook), &Policy::from_config(env.config))?;
    let now = env.clock.now_ms();
    let triggers = serde_json::to_string(&checked.triggers).map_err(Error::corrupt)?;
    db.query_opt(
        &format!(
            "UPDATE webhooks SET target = ?, triggers = ?, include_full_user = ?,
                                 include_full_source = ?, display_name = ?, status = 'active',
                                 failing_since = NULL, disabled_reason = NULL, updated_at = ?
             WHERE id = ? RETURNING {COLUMNS}"
        ),
        &[
            checked.target.into(),
            triggers.into(),
            checked.include_full_user.into(),
            checked.include_full_source.into(),
            checked.display_name.into(),
            now.into(),
            webhook.id.into(),
        ],
        from_row,
    )?
    .ok_or(Error::NotFound("webhook"))
}

/// Every webhook, oldest first, optionally of one integration.
pub fn list(db: &Db, integration: Option<&str>) -> Result<Vec<Webhook>> {
    Ok(db.query(
        &format!(
            "SELECT {COLUMNS} FROM webhooks WHERE (?1 IS NULL OR integration_public_id = ?1)
             ORDER BY id"
        ),
        &[integration.map(str::to_owned).into()],
        from_row,
    )?)
}

pub fn by_public_id(db: &Db, public_id: &str) -> Result<Option<Webhook>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM webhooks WHERE public_id = ?"),
        &[public_id.into()],
        from_row,
    )?)
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Webhook>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

/// Deletes a webhook and its deliveries; whether it existed.
pub fn delete(db: &Db, webhook: &Webhook) -> Result<bool> {
    db.execute(
        "DELETE FROM webhook_deliveries WHERE webhook_id = ?",
        &[webhook.id.into()],
    )?;
    Ok(db
        .query_i64(
            "DELETE FROM webhooks WHERE id = ? RETURNING id",
            &[webhook.id.into()],
        )?
        .is_some())
}

/// The secret to sign a delivery with.
pub fn secret(db: &Db, vault: &Vault, webhook: &Webhook) -> Result<String, Error> {
    let stored = db
        .query_opt(
            "SELECT secret FROM webhooks WHERE id = ?",
            &[webhook.id.into()],
            |r| r.string("secret"),
        )?
        .ok_or(Error::NotFound("webhook"))?;
    vault
        .open(&owner(&webhook.public_id), &stored)
        .map_err(|e: VaultError| Error::Vault(e))
}

/// Sunshine's `webhook` object, without the secret.
pub fn to_json(w: &Webhook) -> Value {
    json!({
        "id": w.public_id,
        "version": "v2",
        "target": w.target,
        "triggers": w.triggers,
        "includeFullUser": w.include_full_user,
        "includeFullSource": w.include_full_source,
    })
}

/// The admin API's view: Sunshine's fields and the delivery state.
pub fn to_admin_json(w: &Webhook) -> Value {
    let mut v = to_json(w);
    v["integrationId"] = json!(w.integration_public_id);
    v["displayName"] = json!(w.display_name);
    v["status"] = json!(w.status);
    v["failingSince"] = json!(w.failing_since.map(iso8601_ms));
    v["disabledReason"] = json!(w.disabled_reason);
    v["createdAt"] = json!(iso8601_ms(w.created_at));
    v["updatedAt"] = json!(iso8601_ms(w.updated_at));
    v
}
