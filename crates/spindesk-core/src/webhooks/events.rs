//! Recording what happened, inside the write transaction that made it happen: nothing is
//! sent for a write that rolls back, nothing is lost for one that commits.
//!
//! One `webhook_events` row per event (its payload stored once; its row id is the event id
//! receivers de-duplicate on, the same on every retry) and, in the same statement, one
//! `webhook_deliveries` row per active webhook subscribed to its trigger. Fanning out here
//! rather than at delivery gives every webhook its own retry state, order and dead letters,
//! and a webhook created later does not receive what happened before it. When no webhook
//! hears a trigger — the usual case — recording is one read and writes nothing.
//!
//! The functions take the records' ids and read what the payload needs themselves, so the
//! records layer (conversation, message, ticket audit) can call them in one line without a
//! circle of imports.

use super::triggers;
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message};
use crate::ports::Millis;
use crate::store::Db;
use crate::timestamp::iso8601_ms;
use serde_json::{json, Value};

/// The stable id receivers see: the event row's id as 24 hex digits (Sunshine's id shape).
pub fn event_id(row_id: i64) -> String {
    format!("{row_id:024x}")
}

/// Whether any active webhook hears `trigger`.
fn heard(db: &Db, trigger: &str) -> Result<bool> {
    Ok(db
        .query_i64(
            "SELECT 1 FROM webhooks WHERE status = 'active'
               AND EXISTS (SELECT 1 FROM json_each(webhooks.triggers) WHERE value = ?)
             LIMIT 1",
            &[trigger.into()],
        )?
        .is_some())
}

/// Records one event of `trigger` for every webhook that hears it (caller's transaction).
/// `dedup_key` makes a repeat of the same happening record nothing (a retried message);
/// `order_key` keeps one conversation's (or ticket's) events in order per webhook. `payload`
/// is built only when someone listens.
pub fn record(
    db: &Db,
    now: Millis,
    trigger: &str,
    order_key: Option<String>,
    dedup_key: Option<String>,
    payload: impl FnOnce(&Db) -> Result<Value>,
) -> Result<()> {
    if !heard(db, trigger)? {
        return Ok(());
    }
    let payload = payload(db)?;
    let Some(event) = db.query_i64(
        "INSERT INTO webhook_events (dedup_key, type, order_key, payload, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
        &[
            dedup_key.into(),
            trigger.into(),
            order_key.clone().into(),
            payload.to_string().into(),
            now.into(),
        ],
    )?
    else {
        return Ok(());
    };
    db.execute(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, order_key, next_attempt_at,
                                         created_at, updated_at)
         SELECT id, ?1, ?2, ?3, ?3, ?3 FROM webhooks
         WHERE status = 'active'
           AND EXISTS (SELECT 1 FROM json_each(webhooks.triggers) WHERE value = ?4)",
        &[event.into(), order_key.into(), now.into(), trigger.into()],
    )?;
    Ok(())
}

fn conversation_key(conversation_id: i64) -> Option<String> {
    Some(format!("conversation:{conversation_id}"))
}

/// Sunshine's `conversationTruncated`, and the customer it belongs to.
fn conversation_json(db: &Db, conversation_id: i64) -> Result<(Value, Value)> {
    db.query_opt(
        "SELECT c.public_id, c.switchboard, u.public_id AS user_public_id, u.external_id,
                u.name, u.email
         FROM conversations c JOIN users u ON u.id = c.user_id WHERE c.id = ?",
        &[conversation_id.into()],
        |r| {
            let switchboard = r.string("switchboard")?;
            let conversation = json!({
                "id": r.string("public_id")?,
                "type": "personal",
                "activeSwitchboardIntegration": {
                    "name": switchboard,
                    "integrationType": if switchboard == "agent" { "zd:agentWorkspace" } else { "spindesk:bot" },
                },
            });
            let mut user = json!({
                "id": r.string("user_public_id")?,
                "authenticated": r.opt_string("external_id")?.is_some(),
            });
            if let Some(external) = r.opt_string("external_id")? {
                user["externalId"] = json!(external);
            }
            let name = r.string("name")?;
            user["profile"] = json!({"givenName": name, "email": r.opt_string("email")?});
            Ok((conversation, user))
        },
    )?
    .ok_or(Error::NotFound("conversation"))
}

/// `conversation:create`, when a customer's conversation is first stored.
pub fn conversation_created(db: &Db, now: Millis, conversation_id: i64) -> Result<()> {
    record(
        db,
        now,
        triggers::CONVERSATION_CREATE,
        conversation_key(conversation_id),
        Some(format!("conversation:create:{conversation_id}")),
        |db| {
            let (conversation, user) = conversation_json(db, conversation_id)?;
            let channel = db
                .query_opt(
                    "SELECT last_channel FROM conversations WHERE id = ?",
                    &[conversation_id.into()],
                    |r| r.opt_string("last_channel"),
                )?
                .flatten()
                .unwrap_or_else(|| "web".into());
            Ok(json!({
                "conversation": conversation,
                "creationReason": "message",
                "source": {"type": channel},
                "user": {"id": user["id"], "externalId": user.get("externalId"), "authenticated": user["authenticated"]},
            }))
        },
    )
}

/// `conversation:message`, for each message a write posted (the customer's, the bot's, an
/// agent's). A message seen again (a channel's retried delivery) records nothing.
pub fn messages(db: &Db, now: Millis, messages: &[Message]) -> Result<()> {
    for m in messages {
        record(
            db,
            now,
            triggers::CONVERSATION_MESSAGE,
            conversation_key(m.conversation_id),
            Some(format!("message:{}", m.id)),
            |db| {
                let (conversation, user) = conversation_json(db, m.conversation_id)?;
                let author = match m.author_type {
                    AuthorType::User => json!({
                        "type": "user",
                        "userId": user["id"],
                        "displayName": m.author_name,
                        "user": user,
                    }),
                    _ => json!({"type": "business", "displayName": m.author_name}),
                };
                let mut content = json!({"type": "text", "text": m.text});
                if !m.actions.is_empty() {
                    content["actions"] = crate::message::actions_json(&m.actions);
                }
                if let Some(payload) = &m.payload {
                    content["payload"] = json!(payload);
                }
                Ok(json!({
                    "conversation": conversation,
                    "message": {
                        "id": m.id.to_string(),
                        "received": iso8601_ms(m.created_at),
                        "author": author,
                        "content": content,
                        "source": {"type": m.channel},
                    },
                }))
            },
        )?;
    }
    Ok(())
}

/// The author of an activity: the customer, or the business (an agent).
fn activity_author(customer: bool, user: &Value) -> Value {
    if customer {
        json!({"type": "user", "userId": user["id"], "user": user})
    } else {
        json!({"type": "business"})
    }
}

/// `conversation:typing` (`typing:start` / `typing:stop`) by the customer or an agent.
pub fn typing(
    db: &Db,
    now: Millis,
    conversation_id: i64,
    customer: bool,
    typing: bool,
) -> Result<()> {
    record(
        db,
        now,
        triggers::CONVERSATION_TYPING,
        conversation_key(conversation_id),
        None,
        |db| {
            let (conversation, user) = conversation_json(db, conversation_id)?;
            Ok(json!({
                "conversation": conversation,
                "activity": {
                    "type": if typing { "typing:start" } else { "typing:stop" },
                    "author": activity_author(customer, &user),
                },
            }))
        },
    )
}

/// `conversation:read` by the customer or an agent, up to message `seq`.
pub fn read(db: &Db, now: Millis, conversation_id: i64, customer: bool, seq: i64) -> Result<()> {
    record(
        db,
        now,
        triggers::CONVERSATION_READ,
        conversation_key(conversation_id),
        None,
        |db| {
            let (conversation, user) = conversation_json(db, conversation_id)?;
            Ok(json!({
                "conversation": conversation,
                "activity": {
                    "type": "conversation:read",
                    "author": activity_author(customer, &user),
                    "data": {"seq": seq},
                },
            }))
        },
    )
}

/// `switchboard:passControl` when agents take the conversation (its ticket opened), and
/// `switchboard:releaseControl` when it goes back to the bot.
pub fn switchboard(
    db: &Db,
    now: Millis,
    conversation_id: i64,
    to_agents: bool,
    ticket_id: Option<i64>,
) -> Result<()> {
    let trigger = if to_agents {
        triggers::PASS_CONTROL
    } else {
        triggers::RELEASE_CONTROL
    };
    record(
        db,
        now,
        trigger,
        conversation_key(conversation_id),
        None,
        |db| {
            let (mut conversation, _) = conversation_json(db, conversation_id)?;
            if !to_agents {
                // Sunshine: the release payload omits who is in control.
                if let Some(c) = conversation.as_object_mut() {
                    c.remove("activeSwitchboardIntegration");
                }
            }
            Ok(json!({
                "conversation": conversation,
                "metadata": {"ticketId": ticket_id},
            }))
        },
    )
}

/// A ticket audit's events as `(type, field, value)`: `Create`, `Change`, `Comment`,
/// `SatisfactionRating` (the audit's own names, so its file need not be imported here).
pub type AuditEvent<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// What a ticket audit means to webhooks: `ticket:created` for a new ticket;
/// `satisfaction:rated` for a rating; `ticket:solved` for a change to solved, or else
/// `ticket:updated` for any other change or comment. One audit is one event of each kind.
pub fn ticket_audit(db: &Db, now: Millis, ticket_id: i64, events: &[AuditEvent]) -> Result<()> {
    let has = |kind: &str| events.iter().any(|(k, _, _)| *k == kind);
    let mut fired = Vec::new();
    if has("Create") {
        fired.push(triggers::TICKET_CREATED);
    } else {
        if events.iter().any(|(k, f, v)| {
            *k == "SatisfactionRating"
                && *f == Some("satisfaction_score")
                && matches!(*v, Some("good" | "bad"))
        }) {
            fired.push(triggers::SATISFACTION_RATED);
        }
        if events
            .iter()
            .any(|(k, f, v)| *k == "Change" && *f == Some("status") && *v == Some("solved"))
        {
            fired.push(triggers::TICKET_SOLVED);
        } else if events
            .iter()
            .any(|(k, _, _)| *k == "Change" || *k == "Comment")
        {
            fired.push(triggers::TICKET_UPDATED);
        }
    }
    for trigger in fired {
        record(db, now, trigger, ticket_order_key(db, ticket_id)?, None, |db| {
            ticket_json(db, ticket_id)
        })?;
    }
    Ok(())
}

/// A ticket's events follow its conversation's, if it has one.
fn ticket_order_key(db: &Db, ticket_id: i64) -> Result<Option<String>> {
    let conversation = db
        .query_opt(
            "SELECT conversation_id FROM tickets WHERE id = ?",
            &[ticket_id.into()],
            |r| r.opt_i64("conversation_id"),
        )?
        .flatten();
    Ok(Some(match conversation {
        Some(c) => format!("conversation:{c}"),
        None => format!("ticket:{ticket_id}"),
    }))
}

/// The ticket as it is now (Zendesk's field names), its conversation, and its rating.
fn ticket_json(db: &Db, ticket_id: i64) -> Result<Value> {
    db.query_opt(
        "SELECT t.id, t.subject, t.status, t.priority, t.type, t.requester_id, t.assignee_id,
                t.group_id, t.via_channel, t.created_at, t.updated_at,
                c.public_id AS conversation_public_id,
                s.score, s.comment
         FROM tickets t
         LEFT JOIN conversations c ON c.id = t.conversation_id
         LEFT JOIN satisfaction_ratings s ON s.ticket_id = t.id
         WHERE t.id = ?",
        &[ticket_id.into()],
        |r| {
            let mut payload = json!({
                "ticket": {
                    "id": r.i64("id")?,
                    "subject": r.string("subject")?,
                    "status": r.string("status")?,
                    "priority": r.opt_string("priority")?,
                    "type": r.opt_string("type")?,
                    "requester_id": r.i64("requester_id")?,
                    "assignee_id": r.opt_i64("assignee_id")?,
                    "group_id": r.opt_i64("group_id")?,
                    "via": {"channel": r.string("via_channel")?},
                    "created_at": iso8601_ms(r.i64("created_at")?),
                    "updated_at": iso8601_ms(r.i64("updated_at")?),
                },
            });
            if let Some(c) = r.opt_string("conversation_public_id")? {
                payload["conversation"] = json!({"id": c, "type": "personal"});
            }
            if let Some(score) = r.opt_string("score")? {
                payload["satisfaction_rating"] =
                    json!({"score": score, "comment": r.opt_string("comment")?});
            }
            Ok(payload)
        },
    )?
    .ok_or(Error::NotFound("ticket"))
}
