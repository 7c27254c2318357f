//! Erasing a customer (GDPR's right to erasure, Sunshine's `DELETE /v2/apps/{appId}/users/{id}`):
//! their personal data and their conversation go; the tickets that served them stay, with
//! their audit, pointing at a placeholder person.
//!
//! The `users` row is kept rather than deleted because tickets, comments and audits reference
//! it (a foreign key each); it becomes the placeholder, inactive (`active = 0`: the Sunshine API
//! no longer finds it). What the customer wrote is removed from
//! tickets too (their comments' bodies, the requested tickets' subject and description, which
//! hold the transcript), and those tickets are indexed again so search forgets the words.

use crate::error::Result;
use crate::ports::Millis;
use crate::store::Db;
use crate::tickets::search_index;

/// What the placeholder person is called, and what replaces erased texts.
pub const PLACEHOLDER_NAME: &str = "Deleted user";
pub const REMOVED_TEXT: &str = "[removed]";

/// Erases the end-user `user_id` inside the caller's transaction. Returns `None` when no
/// active end-user has that id (staff are never erased this way), else the public ids of the
/// files they sent (uploads, channel media), whose rows are gone: the caller deletes their
/// bytes once the transaction has committed. Files agents sent stay with the tickets.
pub fn erase_customer(db: &Db, now: Millis, user_id: i64) -> Result<Option<Vec<String>>> {
    let changed = db.query_i64(
        "UPDATE users SET name = ?, email = NULL, external_id = NULL, phone = NULL, notes = '',
                tags = '[]', sunshine_profile = '{}', metadata = '{}', active = 0,
                updated_at = ?
         WHERE id = ? AND role = 'end-user' AND active = 1 RETURNING id",
        &[PLACEHOLDER_NAME.into(), now.into(), user_id.into()],
    )?;
    if changed.is_none() {
        return Ok(None);
    }
    let files = db.query(
        "DELETE FROM attachments
         WHERE (uploader_type = 'user' AND uploader_id = ?1)
            OR (uploader_type = 'channel'
                AND conversation_id IN (SELECT id FROM conversations WHERE user_id = ?1))
         RETURNING public_id",
        &[user_id.into()],
        |r| r.string("public_id"),
    )?;
    db.execute(
        "DELETE FROM identities WHERE user_id = ?",
        &[user_id.into()],
    )?;
    db.execute(
        "DELETE FROM widget_sessions WHERE user_id = ?",
        &[user_id.into()],
    )?;
    // Messages cascade with the conversation; tickets keep their row (conversation_id is set
    // to NULL by the foreign key).
    db.execute(
        "DELETE FROM conversations WHERE user_id = ?",
        &[user_id.into()],
    )?;
    db.execute(
        "UPDATE ticket_comments SET body = ? WHERE author_id = ?",
        &[REMOVED_TEXT.into(), user_id.into()],
    )?;
    db.execute(
        "UPDATE tickets SET subject = ?, description = ?, updated_at = ? WHERE requester_id = ?",
        &[
            REMOVED_TEXT.into(),
            REMOVED_TEXT.into(),
            now.into(),
            user_id.into(),
        ],
    )?;
    let tickets = db.query(
        "SELECT DISTINCT ticket_id AS id FROM ticket_comments WHERE author_id = ?1
         UNION SELECT id FROM tickets WHERE requester_id = ?1",
        &[user_id.into()],
        |r| r.i64("id"),
    )?;
    for ticket_id in tickets {
        search_index::index_ticket(db, ticket_id)?;
    }
    Ok(Some(files))
}
