//! The keys a customer's site signs widget identity tokens with (HS256, `docs/identity.md`).
//!
//! The secret is shown once, when the key is created. Checking an HS256 signature needs the
//! secret itself (a digest would not do), so it is stored sealed with the vault
//! (`credentials_key`, owner `signing_key:<kid>`): a copied database does not hand over the
//! power to sign in as any customer. At most two keys are active — the current one and its
//! successor while sites switch — which the database decides: each active key holds one of
//! two slots, unique among keys not revoked. A revoked key stays, so a token it signed is
//! refused as `revoked_key` rather than `unknown_key`.

use crate::error::{Error, Result};
use crate::ids::{new_public_id, new_token};
use crate::ports::{Env, Millis, SqlError, SqlErrorKind};
use crate::store::{Db, Row};
use crate::vault::{Vault, VaultError};

/// Active keys at once: one in use, one being rolled out.
pub const MAX_ACTIVE: i64 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    pub name: String,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    secret_sealed: String,
}

impl SigningKey {
    pub fn active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// What the admin API shows: never the secret.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kid": self.kid,
            "name": self.name,
            "active": self.active(),
            "created_at": crate::timestamp::iso8601(self.created_at),
            "revoked_at": self.revoked_at.map(crate::timestamp::iso8601),
            "last_used_at": self.last_used_at.map(crate::timestamp::iso8601),
        })
    }
}

const COLUMNS: &str = "kid, name, secret_sealed, created_at, revoked_at, last_used_at";

fn from_row(r: &Row) -> Result<SigningKey, SqlError> {
    Ok(SigningKey {
        kid: r.string("kid")?,
        name: r.string("name")?,
        secret_sealed: r.string("secret_sealed")?,
        created_at: r.i64("created_at")?,
        revoked_at: r.opt_i64("revoked_at")?,
        last_used_at: r.opt_i64("last_used_at")?,
    })
}

fn owner(kid: &str) -> String {
    format!("signing_key:{kid}")
}

pub fn by_kid(db: &Db, kid: &str) -> Result<Option<SigningKey>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM signing_keys WHERE kid = ?"),
        &[kid.into()],
        from_row,
    )?)
}

/// Every key, newest first.
pub fn list(db: &Db) -> Result<Vec<SigningKey>> {
    Ok(db.query(
        &format!("SELECT {COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid"),
        &[],
        from_row,
    )?)
}

/// The key's secret, opened from the vault (to check a signature).
pub fn secret(env: &Env, key: &SigningKey) -> std::result::Result<String, VaultError> {
    Vault::from_config(env.config)?.open(&owner(&key.kid), &key.secret_sealed)
}

/// A new key and its secret (shown once), or `None` when two keys are active already.
/// Caller's transaction.
pub fn create(env: &Env, db: &Db, name: &str) -> Result<Option<(SigningKey, String)>> {
    let vault = Vault::from_config(env.config).map_err(Error::Vault)?;
    let kid = format!("sk_{}", new_public_id(env.random));
    let secret = new_token(env.random, "");
    let sealed = vault.seal(env.random, &owner(&kid), &secret);
    let now = env.clock.now_ms();
    // The free slot, if any; a racing creation that took it meanwhile trips the unique index.
    let inserted = db.query_opt(
        "INSERT INTO signing_keys (kid, name, secret_sealed, slot, created_at)
         SELECT ?, ?, ?, slot, ? FROM (SELECT 1 AS slot UNION ALL SELECT 2)
         WHERE slot NOT IN (SELECT slot FROM signing_keys WHERE revoked_at IS NULL)
         ORDER BY slot LIMIT 1
         RETURNING kid",
        &[kid.clone().into(), name.into(), sealed.into(), now.into()],
        |r| r.string("kid"),
    );
    match inserted {
        Ok(Some(_)) => {}
        Ok(None) => return Ok(None),
        Err(e) if e.kind == SqlErrorKind::Constraint => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let key = by_kid(db, &kid)?.ok_or(Error::NotFound("signing key"))?;
    Ok(Some((key, secret)))
}

/// Revokes a key: tokens it signed stop working at once. False when it was revoked already.
pub fn revoke(db: &Db, now: Millis, kid: &str) -> Result<bool> {
    Ok(db
        .query_i64(
            "UPDATE signing_keys SET revoked_at = ? WHERE kid = ? AND revoked_at IS NULL
             RETURNING 1",
            &[now.into(), kid.into()],
        )?
        .is_some())
}

/// Notes that a key signed a sign-in (admins see which keys sites still use).
pub fn touch(db: &Db, now: Millis, kid: &str) -> Result<()> {
    db.execute(
        "UPDATE signing_keys SET last_used_at = ? WHERE kid = ?",
        &[now.into(), kid.into()],
    )?;
    Ok(())
}
