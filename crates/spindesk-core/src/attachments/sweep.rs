//! Uploads nobody sent. A file uploaded in the widget or through `POST /api/v2/uploads` waits
//! for a message or comment to carry it; one that none did by the time its upload expires
//! ([`UNSENT_TTL_MS`], the `expires_at` Zendesk's uploads answer) is removed, row and bytes,
//! so abandoned uploads do not grow the attachments database for ever. Spin has no timers:
//! every upload sweeps a few ([`AFTER_UPLOAD`]), and the admin drain sweeps as many as it is
//! asked to.

use crate::ports::{Env, SqlError};
use crate::store::Db;

/// How long an upload waits to be sent: three days, as Zendesk's upload tokens.
pub const UNSENT_TTL_MS: i64 = 3 * 86_400_000;

/// Expired uploads removed after each upload: more than one, so sweeping keeps ahead of
/// uploading; few, so the upload's answer does not wait on them.
pub const AFTER_UPLOAD: i64 = 10;

/// A file nothing carries: exactly the partial index `attachments_unsent`'s condition (schema
/// v26), so that SQLite reads the index.
const UNSENT: &str = "message_id IS NULL AND comment_id IS NULL AND article_id IS NULL";

/// When an upload made at `created_at` expires.
pub fn expires_at(created_at: i64) -> i64 {
    created_at + UNSENT_TTL_MS
}

/// Removes up to `limit` expired unsent uploads, oldest first: the rows in one statement
/// (a message sending one at the same moment either linked it first, and it is kept, or finds
/// it gone and answers that it is unknown), then their bytes. How many were removed.
pub fn sweep_unsent(env: &Env, db: &Db, limit: i64) -> Result<usize, SqlError> {
    let now = env.clock.now_ms();
    let removed = db.query(
        &format!(
            "DELETE FROM attachments WHERE id IN (
               SELECT id FROM attachments WHERE {UNSENT} AND created_at < ?
               ORDER BY created_at LIMIT ?)
             RETURNING public_id"
        ),
        &[(now - UNSENT_TTL_MS).into(), limit.into()],
        |r| r.string("public_id"),
    )?;
    remove_bytes(env, &removed, "attachments.sweep");
    Ok(removed.len())
}

/// The bytes of attachments whose rows are gone. Nothing refers to them any more; bytes a
/// failure leaves behind are never served (a download looks the row up first).
fn remove_bytes(env: &Env, public_ids: &[String], event: &str) {
    for public_id in public_ids {
        if let Err(e) = env.files.delete(public_id) {
            env.warn(event, e);
        }
    }
}

/// [`sweep_unsent`] after an upload: best effort, the upload itself has succeeded.
pub fn after_upload(env: &Env, db: &Db) {
    if let Err(e) = sweep_unsent(env, db, AFTER_UPLOAD) {
        env.warn("attachments.sweep", e);
    }
}

/// Removes the files of help-center articles that were deleted, rows and bytes; how many. The
/// articles live in the help center's own database, so their deletion cannot cascade here.
pub fn remove_article_files(env: &Env, db: &Db, articles: &[i64]) -> Result<usize, SqlError> {
    let ids = serde_json::to_string(articles).unwrap_or_else(|_| "[]".into());
    let removed = db.query(
        "DELETE FROM attachments WHERE article_id IN (SELECT value FROM json_each(?))
         RETURNING public_id",
        &[ids.into()],
        |r| r.string("public_id"),
    )?;
    remove_bytes(env, &removed, "attachments.article_files");
    Ok(removed.len())
}
