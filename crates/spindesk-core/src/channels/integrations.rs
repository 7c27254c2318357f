//! Channel integrations: one connected account (a WhatsApp number, a Telegram bot, a Slack
//! app...) with its write-only credentials and optional API origin override.

use super::channel::{Channel, ChannelType, Credentials};
use crate::error::{Error, Result};
use crate::ports::{Millis, Random, SqlError};
use crate::store::{Db, Row};
use crate::vault::Vault;

/// The shortest Telegram `secret_token` accepted.
const TELEGRAM_SECRET_MIN: usize = 32;
/// Longest credential value we accept.
pub const CREDENTIAL_MAX: usize = 2048;
pub const DISPLAY_NAME_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: i64,
    pub public_id: String,
    pub kind: ChannelType,
    pub display_name: String,
    pub credentials: Credentials,
    pub api_base_url: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Integration {
    pub fn channel(&self) -> &'static dyn Channel {
        self.kind.channel()
    }

    /// Where sends go: the override, else the vendor's API origin.
    pub fn api_base(&self) -> &str {
        self.api_base_url
            .as_deref()
            .unwrap_or_else(|| self.channel().default_api_base())
    }

    pub fn webhook_path(&self) -> String {
        format!("/webhooks/{}/{}", self.kind, self.public_id)
    }

    /// The URL to configure at the vendor; `None` until `public_base_url` is set.
    pub fn webhook_url(&self, public_base_url: Option<&str>) -> Option<String> {
        public_base_url.map(|base| format!("{}{}", base.trim_end_matches('/'), self.webhook_path()))
    }

    /// The de-duplication namespace of this integration's message ids.
    pub fn source(&self) -> String {
        format!("{}:{}", self.kind, self.public_id)
    }
}

const COLUMNS: &str =
    "id, public_id, type, display_name, credentials, api_base_url, created_at, updated_at";

/// What sealed credentials belong to (the associated data of [`Vault::seal`]).
fn owner(public_id: &str) -> String {
    format!("integration:{public_id}")
}

/// A row as stored: everything but the credentials opened.
fn from_row(r: &Row) -> Result<(Integration, String), SqlError> {
    let kind = r.string("type")?;
    let kind = ChannelType::parse(&kind)
        .ok_or_else(|| Row::invalid("type", format!("unknown integration type {kind}")))?;
    let stored = r.string("credentials")?;
    let integration = Integration {
        id: r.i64("id")?,
        public_id: r.string("public_id")?,
        kind,
        display_name: r.string("display_name")?,
        credentials: Credentials::new(),
        api_base_url: r.opt_string("api_base_url")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    };
    Ok((integration, stored))
}

/// The integration with its credentials opened.
fn opened(vault: &Vault, (mut integration, stored): (Integration, String)) -> Result<Integration> {
    let plain = vault.open(&owner(&integration.public_id), &stored)?;
    integration.credentials = serde_json::from_str(&plain)
        .map_err(|e| Error::corrupt(format!("integration credentials: {e}")))?;
    Ok(integration)
}

pub fn by_public_id(db: &Db, vault: &Vault, public_id: &str) -> Result<Option<Integration>> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM integrations WHERE public_id = ?"),
        &[public_id.into()],
        from_row,
    )?
    .map(|row| opened(vault, row))
    .transpose()
}

/// [`by_public_id`] as a channel delivery's first read, the schema check's columns with it
/// (`store::database_with`: the webhook's first statement is this one).
pub fn delivered_to(db: &Db, vault: &Vault, public_id: &str) -> Result<Option<Integration>> {
    db.query_opt(
        &format!(
            "SELECT {COLUMNS}{} FROM integrations WHERE public_id = ?",
            db.schema_check_columns()
        ),
        &[public_id.into()],
        from_row,
    )?
    .map(|row| opened(vault, row))
    .transpose()
}

pub fn by_id(db: &Db, vault: &Vault, id: i64) -> Result<Option<Integration>> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM integrations WHERE id = ?"),
        &[id.into()],
        from_row,
    )?
    .map(|row| opened(vault, row))
    .transpose()
}

pub fn list(db: &Db, vault: &Vault) -> Result<Vec<Integration>> {
    db.query(
        &format!("SELECT {COLUMNS} FROM integrations ORDER BY id"),
        &[],
        from_row,
    )?
    .into_iter()
    .map(|row| opened(vault, row))
    .collect()
}

/// The channel and display name of an integration, without its credentials: enough to
/// render a message for it.
pub fn channel_of(db: &Db, id: i64) -> Result<Option<(ChannelType, String)>, SqlError> {
    Ok(db
        .query_opt(
            &format!("SELECT {COLUMNS} FROM integrations WHERE id = ?"),
            &[id.into()],
            from_row,
        )?
        .map(|(i, _)| (i.kind, i.display_name)))
}

/// Every integration's (id, public id): what lists of other rows show, without opening any
/// credentials.
pub fn public_ids(db: &Db) -> Result<Vec<(i64, String)>, SqlError> {
    db.query(
        "SELECT id, public_id FROM integrations ORDER BY id",
        &[],
        |r| Ok((r.i64("id")?, r.string("public_id")?)),
    )
}

/// Seals every integration's credentials stored unsealed — before `credentials_key` was set —
/// under the key (the caller's transaction). Returns how many were sealed.
pub fn seal_unsealed(db: &Db, vault: &Vault, random: &dyn Random) -> Result<usize> {
    let unsealed = db.query(
        "SELECT id, public_id, credentials FROM integrations ORDER BY id",
        &[],
        |r| {
            Ok((
                r.i64("id")?,
                r.string("public_id")?,
                r.string("credentials")?,
            ))
        },
    )?;
    let mut sealed = 0;
    for (id, public_id, stored) in unsealed {
        if Vault::is_sealed(&stored) {
            continue;
        }
        db.execute(
            "UPDATE integrations SET credentials = ? WHERE id = ?",
            &[
                vault.seal(random, &owner(&public_id), &stored).into(),
                id.into(),
            ],
        )?;
        sealed += 1;
    }
    Ok(sealed)
}

/// What an admin submits to create or change an integration, already validated.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: ChannelType,
    pub display_name: String,
    pub credentials: Credentials,
    pub api_base_url: Option<String>,
}

pub fn insert(
    db: &Db,
    vault: &Vault,
    random: &dyn Random,
    now: Millis,
    draft: &Draft,
) -> Result<Integration> {
    let public_id = crate::ids::new_public_id(random);
    let credentials = serde_json::to_string(&draft.credentials).map_err(Error::corrupt)?;
    let credentials = vault.seal(random, &owner(&public_id), &credentials);
    let id = db
        .query_i64(
            "INSERT INTO integrations (public_id, type, display_name, credentials, api_base_url,
                                       created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                public_id.into(),
                draft.kind.as_str().into(),
                draft.display_name.clone().into(),
                credentials.into(),
                draft.api_base_url.clone().into(),
                now.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no id"))?;
    by_id(db, vault, id)?.ok_or(Error::NotFound("integration"))
}

/// Saves the integration's fields; its credentials are sealed anew (with a fresh nonce, and
/// for the first time if the key was set after they were stored).
pub fn update(
    db: &Db,
    vault: &Vault,
    random: &dyn Random,
    now: Millis,
    current: &Integration,
    draft: &Draft,
) -> Result<()> {
    let credentials = serde_json::to_string(&draft.credentials).map_err(Error::corrupt)?;
    let credentials = vault.seal(random, &owner(&current.public_id), &credentials);
    let id = current.id;
    db.execute(
        "UPDATE integrations SET display_name = ?, credentials = ?, api_base_url = ?, updated_at = ?
         WHERE id = ?",
        &[
            draft.display_name.clone().into(),
            credentials.into(),
            draft.api_base_url.clone().into(),
            now.into(),
            id.into(),
        ],
    )?;
    Ok(())
}

/// Removes the integration, its routes and its unsent outbox rows (foreign-key cascades).
pub fn delete(db: &Db, id: i64) -> Result<bool, SqlError> {
    Ok(db
        .query_i64(
            "DELETE FROM integrations WHERE id = ? RETURNING id",
            &[id.into()],
        )?
        .is_some())
}

/// `https://host[:port]` (or `http://` for a local stub), nothing after the origin. Spin only
/// lets a component call hosts its `allowed_outbound_hosts` lists, so an override must be
/// granted there too.
pub fn validate_api_base_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let uri: http::Uri = trimmed
        .parse()
        .map_err(|_| format!("`api_base_url` is not a URL: {raw:?}"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let origin_only = uri.path() == "/" || uri.path().is_empty();
    if !scheme_ok || uri.host().is_none() || !origin_only || uri.query().is_some() {
        return Err(format!(
            "`api_base_url` must be an origin like https://api.example.com (no path or query), got {raw:?}"
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks one credential value: present, not too long, and in the vendor's format where the
/// vendor has one.
pub fn validate_credential(kind: ChannelType, name: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("`{name}` must not be empty"));
    }
    if value.len() > CREDENTIAL_MAX {
        return Err(format!("`{name}` is longer than {CREDENTIAL_MAX} bytes"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("`{name}` contains control characters"));
    }
    match (kind, name) {
        (ChannelType::Telegram, "secret_token") => {
            // Telegram allows 1 to 256; it is the webhook's only authentication, so a guessable
            // one is refused.
            let ok = (TELEGRAM_SECRET_MIN..=256).contains(&value.len())
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok {
                return Err(
                    format!("`secret_token` must be {TELEGRAM_SECRET_MIN} to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram allows shorter ones, but it is the webhook's only authentication)"),
                );
            }
        }
        (ChannelType::Twilio, "from_number") => {
            let number = value.strip_prefix("whatsapp:").unwrap_or(value);
            let ok = number.starts_with('+')
                && number.len() > 4
                && number[1..].chars().all(|c| c.is_ascii_digit());
            if !ok {
                return Err(
                    "`from_number` must be an E.164 number like +14155550100, or whatsapp:+14155550100"
                        .into(),
                );
            }
        }
        (ChannelType::Email, "from_address") if crate::email::Email::parse(value).is_none() => {
            return Err(
                "`from_address` must be an e-mail address like support@acme.example".into(),
            );
        }
        (ChannelType::Email, "inbound_domain")
            if crate::email::Email::parse(&format!("reply@{value}")).is_none() =>
        {
            return Err(
                "`inbound_domain` must be a domain like reply.acme.example (its MX points at Postmark)"
                    .into(),
            );
        }
        // Basic auth cannot carry a `:` in the user name, and the password is the webhook's
        // only authentication: a guessable one is refused.
        (ChannelType::Email, "webhook_username") if value.contains(':') || value.contains('@') => {
            return Err("`webhook_username` must not contain `:` or `@`".into());
        }
        (ChannelType::Email, "webhook_password") if value.len() < 16 => {
            return Err("`webhook_password` must be at least 16 characters (it is the webhook's only authentication)".into());
        }
        (ChannelType::Twilio, "account_sid") if !(value.starts_with("AC") && value.len() == 34) => {
            return Err("`account_sid` must be a Twilio account SID (AC + 32 characters)".into());
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_urls_must_be_origins() {
        assert_eq!(
            validate_api_base_url("https://graph.example.com/").unwrap(),
            "https://graph.example.com"
        );
        assert!(validate_api_base_url("http://127.0.0.1:8080").is_ok());
        for bad in [
            "graph.example.com",
            "ftp://x.example",
            "https://x.example/v1",
            "https://x.example?a=1",
            "",
        ] {
            assert!(validate_api_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn vendor_formats_are_checked() {
        let long = "tg_Wh-1".repeat(5);
        assert!(validate_credential(ChannelType::Telegram, "secret_token", &long).is_ok());
        assert!(validate_credential(ChannelType::Telegram, "secret_token", &long[..31]).is_err());
        assert!(validate_credential(ChannelType::Telegram, "secret_token", &long[..32]).is_ok());
        assert!(validate_credential(ChannelType::Telegram, "secret_token", "has space").is_err());
        assert!(
            validate_credential(ChannelType::Twilio, "from_number", "whatsapp:+14155238886")
                .is_ok()
        );
        assert!(validate_credential(ChannelType::Twilio, "from_number", "14155238886").is_err());
        assert!(validate_credential(
            ChannelType::Twilio,
            "account_sid",
            "AC0123456789abcdef0123456789abcdef"
        )
        .is_ok());
        assert!(validate_credential(ChannelType::Slack, "bot_token", " ").is_err());
        assert!(validate_credential(ChannelType::Slack, "bot_token", "a\nb").is_err());
    }
}
