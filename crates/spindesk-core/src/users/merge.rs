//! Merging two customers found to be one person (an agent's `PUT /api/v2/users/{id}/merge`, a
//! sign-in proving a visitor is a known customer): one user with every identity, one
//! conversation with every message once, in the order they were written, each with the
//! channel it came by; tickets and sessions re-pointed.
//!
//! The merged-away user's row stays (tickets' audits name it), emptied of personal data and
//! inactive, so erasing the surviving customer later (`erasure.rs`) erases everything: nothing
//! personal is left on the old row. Customers have one conversation each (the Sunshine API's
//! rule, and `conversations.user_id` is UNIQUE), so the two conversations become one.

use super::identities;
use crate::error::{Error, Result};
use crate::ports::Millis;
use crate::store::Db;
use crate::tickets::search_index;

/// What the merged-away user is called afterwards.
pub const MERGED_NAME: &str = "Merged user";

/// Merges the customer `from` into the customer `into` inside the caller's transaction.
/// Both must be active end-users and differ (the caller says why not, see [`refusal`]).
pub fn merge_customers(db: &Db, now: Millis, from: i64, into: i64) -> Result<()> {
    if let Some(why) = refusal(db, from, into)? {
        return Err(Error::Invalid(why.to_owned()));
    }
    identities::move_all(db, from, into)?;
    // The old user's devices now open the merged conversation: history follows the person.
    db.execute(
        "UPDATE widget_sessions SET user_id = ? WHERE user_id = ?",
        &[into.into(), from.into()],
    )?;
    merge_conversations(db, now, from, into)?;
    let tickets = db.query(
        "SELECT id FROM tickets WHERE requester_id = ?",
        &[from.into()],
        |r| r.i64("id"),
    )?;
    for (table, column) in [
        ("tickets", "requester_id"),
        ("tickets", "submitter_id"),
        ("ticket_comments", "author_id"),
        ("messages", "author_id"),
    ] {
        db.execute(
            &format!("UPDATE {table} SET {column} = ? WHERE {column} = ?"),
            &[into.into(), from.into()],
        )?;
    }
    move_profile(db, now, from, into)?;
    // The tickets' search entries name their requester.
    for ticket_id in tickets {
        search_index::index_ticket(db, ticket_id)?;
    }
    Ok(())
}

/// Why `from` cannot be merged into `into`, if it cannot.
pub fn refusal(db: &Db, from: i64, into: i64) -> Result<Option<&'static str>> {
    if from == into {
        return Ok(Some("A user cannot be merged into themselves"));
    }
    let roles = db.query(
        "SELECT role, active FROM users WHERE id IN (?, ?)",
        &[from.into(), into.into()],
        |r| Ok((r.string("role")?, r.bool("active")?)),
    )?;
    if roles.len() != 2 {
        return Err(Error::NotFound("user"));
    }
    if roles.iter().any(|(role, _)| role != "end-user") {
        return Ok(Some(
            "Only end-users can be merged: agents and admins keep their own accounts",
        ));
    }
    if roles.iter().any(|(_, active)| !active) {
        return Ok(Some("A deleted or already merged user cannot be merged"));
    }
    Ok(None)
}

/// `into` keeps its own profile and takes what it lacks from `from` (email, external id,
/// phone, notes); `from` is emptied and deactivated.
fn move_profile(db: &Db, now: Millis, from: i64, into: i64) -> Result<()> {
    let old = db.query_opt(
        "SELECT email, external_id, phone, notes FROM users WHERE id = ?",
        &[from.into()],
        |r| {
            Ok((
                r.opt_string("email")?,
                r.opt_string("external_id")?,
                r.opt_string("phone")?,
                r.string("notes")?,
            ))
        },
    )?;
    let Some((email, external_id, phone, notes)) = old else {
        return Err(Error::NotFound("user"));
    };
    // The external id is unique: cleared on the old row before the new one takes it.
    db.execute(
        "UPDATE users SET name = ?, email = NULL, external_id = NULL, phone = NULL, notes = '',
                tags = '[]', sunshine_profile = '{}', metadata = '{}', active = 0,
                updated_at = ?
         WHERE id = ?",
        &[MERGED_NAME.into(), now.into(), from.into()],
    )?;
    db.execute(
        "UPDATE users SET email = coalesce(email, ?), external_id = coalesce(external_id, ?),
                phone = coalesce(phone, ?),
                notes = CASE WHEN ? = '' THEN notes WHEN notes = '' THEN ?
                             ELSE notes || char(10) || ? END,
                updated_at = ?
         WHERE id = ?",
        &[
            email.into(),
            external_id.into(),
            phone.into(),
            notes.clone().into(),
            notes.clone().into(),
            notes.into(),
            now.into(),
            into.into(),
        ],
    )?;
    Ok(())
}

/// One conversation `(id, ticket_id, switchboard)` per user.
fn conversation_of(db: &Db, user_id: i64) -> Result<Option<(i64, Option<i64>, String)>> {
    Ok(db.query_opt(
        "SELECT id, ticket_id, switchboard FROM conversations WHERE user_id = ?",
        &[user_id.into()],
        |r| {
            Ok((
                r.i64("id")?,
                r.opt_i64("ticket_id")?,
                r.string("switchboard")?,
            ))
        },
    )?)
}

fn merge_conversations(db: &Db, now: Millis, from: i64, into: i64) -> Result<()> {
    let Some((source, source_ticket, source_switchboard)) = conversation_of(db, from)? else {
        return Ok(());
    };
    let Some((target, target_ticket, _)) = conversation_of(db, into)? else {
        // Nothing to join: the conversation simply changes hands.
        db.execute(
            "UPDATE conversations SET user_id = ?, updated_at = ? WHERE id = ?",
            &[into.into(), now.into(), source.into()],
        )?;
        return Ok(());
    };
    // Every message once, in the order written: both conversations' messages get numbers
    // that cannot collide (UNIQUE (conversation_id, seq)), move, and are numbered again by
    // time. Ties (and each conversation's own order) fall back to the row id, which grows
    // with each insert.
    db.execute(
        "UPDATE messages SET seq = -id WHERE conversation_id IN (?, ?)",
        &[source.into(), target.into()],
    )?;
    db.execute(
        "UPDATE messages SET conversation_id = ? WHERE conversation_id = ?",
        &[target.into(), source.into()],
    )?;
    db.execute(
        "UPDATE messages SET seq = ordered.n
         FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n
               FROM messages WHERE conversation_id = ?1) AS ordered
         WHERE messages.id = ordered.id AND messages.conversation_id = ?1",
        &[target.into()],
    )?;
    for table in ["tickets", "outbox"] {
        db.execute(
            &format!("UPDATE {table} SET conversation_id = ? WHERE conversation_id = ?"),
            &[target.into(), source.into()],
        )?;
    }
    // Replies go where the customer last wrote from: the newer of the two routes.
    db.execute(
        "INSERT INTO conversation_routes (conversation_id, integration_id, channel, address, updated_at)
         SELECT ?1, integration_id, channel, address, updated_at FROM conversation_routes
         WHERE conversation_id = ?2
         ON CONFLICT (conversation_id) DO UPDATE SET integration_id = excluded.integration_id,
             channel = excluded.channel, address = excluded.address,
             updated_at = excluded.updated_at
         WHERE excluded.updated_at > conversation_routes.updated_at",
        &[target.into(), source.into()],
    )?;
    // Agents working the old conversation keep working it in the merged one.
    if target_ticket.is_none() && source_ticket.is_some() {
        db.execute(
            "UPDATE conversations SET ticket_id = ?, switchboard = ? WHERE id = ?",
            &[
                source_ticket.into(),
                source_switchboard.into(),
                target.into(),
            ],
        )?;
    }
    db.execute(
        "UPDATE conversations SET
             last_seq = (SELECT count(*) FROM messages WHERE conversation_id = ?1),
             last_channel = coalesce((SELECT channel FROM messages WHERE conversation_id = ?1
                                      AND author_type = 'user' ORDER BY seq DESC LIMIT 1),
                                     last_channel),
             updated_at = ?2
         WHERE id = ?1",
        &[target.into(), now.into()],
    )?;
    db.execute("DELETE FROM conversations WHERE id = ?", &[source.into()])?;
    Ok(())
}
