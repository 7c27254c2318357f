//! The admin audit log: what admins did to the desk's set-up (agents and their tokens, groups
//! and memberships, channel integrations, bot publishes and rollbacks), who did it and when.
//! Written in the transaction of the change it records, so a refused change leaves no entry.

use crate::auth::Staff;
use crate::error::{Error, Result};
use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};
use serde_json::Value;

/// Every action the log records, for filters and documentation.
pub const ACTIONS: &[&str] = &[
    "agent.create",
    "agent.update",
    "agent.deactivate",
    "agent.reactivate",
    "agent.token_issue",
    "agent.tokens_revoke",
    "group.create",
    "group.update",
    "group.delete",
    "group_membership.create",
    "group_membership.delete",
    "integration.create",
    "integration.update",
    "integration.delete",
    "integrations.seal",
    "webhook.create",
    "webhook.update",
    "webhook.delete",
    "webhook.disable",
    "bot.publish",
    "bot.rollback",
    "signing_key.create",
    "signing_key.revoke",
    "user.merge",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Value,
    pub created_at: Millis,
}

/// Records `action` on `target` (`agent:12`, `group:3`, ...) by `by` (caller's transaction).
/// `detail` says what changed; it never holds secrets (tokens, credentials).
pub fn record(
    db: &Db,
    now: Millis,
    by: &Staff,
    action: &str,
    target: &str,
    detail: &Value,
) -> Result<()> {
    db.execute(
        "INSERT INTO admin_audit_log (actor_id, actor, action, target, detail, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            by.user_id().into(),
            by.actor().into(),
            action.into(),
            target.into(),
            detail.to_string().into(),
            now.into(),
        ],
    )?;
    Ok(())
}

fn from_row(r: &Row) -> Result<Entry, SqlError> {
    Ok(Entry {
        id: r.i64("id")?,
        actor_id: r.opt_i64("actor_id")?,
        actor: r.string("actor")?,
        action: r.string("action")?,
        target: r.string("target")?,
        detail: serde_json::from_str(&r.string("detail")?).unwrap_or(Value::Null),
        created_at: r.i64("created_at")?,
    })
}

/// Entries newest first, optionally of one action; `limit` from `offset`, and the total.
pub fn list(db: &Db, action: Option<&str>, offset: i64, limit: i64) -> Result<(Vec<Entry>, i64)> {
    let count = db
        .query_i64(
            "SELECT count(*) FROM admin_audit_log WHERE ? IS NULL OR action = ?",
            &[action.into(), action.into()],
        )?
        .ok_or_else(|| Error::corrupt("count returned nothing"))?;
    let entries = db.query(
        "SELECT id, actor_id, actor, action, target, detail, created_at FROM admin_audit_log
         WHERE ? IS NULL OR action = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        &[action.into(), action.into(), limit.into(), offset.into()],
        from_row,
    )?;
    Ok((entries, count))
}
