//! A customer's verified e-mail address — one proven by the e-mail channel (they wrote from it,
//! or answered a notice sent to it).
//!
//! Interim: the identities work (issue 13, other half) gives identities a `verified` flag and
//! its own `link_verified_email` / `verified_email`; these two are replaced by those when that
//! lands. Until then only the e-mail channel creates `email:` identities, so each one is
//! verified by construction.

use crate::error::Result;
use crate::ports::Millis;
use crate::store::Db;

/// Records `address` as the customer's verified `email:` identity unless it already belongs
/// to someone (UNIQUE (channel, address): another customer's identity is never taken over).
pub fn link_verified_email(db: &Db, now: Millis, user_id: i64, address: &str) -> Result<()> {
    db.execute(
        "INSERT INTO identities (user_id, channel, address, created_at) VALUES (?, 'email', ?, ?)
         ON CONFLICT (channel, address) DO NOTHING",
        &[user_id.into(), address.to_lowercase().into(), now.into()],
    )?;
    Ok(())
}

/// The customer's verified address, the first one proven.
pub fn verified_email(db: &Db, user_id: i64) -> Result<Option<String>> {
    Ok(db.query_opt(
        "SELECT address FROM identities WHERE user_id = ? AND channel = 'email'
         ORDER BY id LIMIT 1",
        &[user_id.into()],
        |r| r.string("address"),
    )?)
}
