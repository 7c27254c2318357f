//! E-mail notices for customers who left: an agent answered in the widget, the customer has
//! not read it (no read receipt past it) within `email_notice_after_minutes`, and they have a
//! verified e-mail address — so they get one e-mail with the reply, a signed, expiring
//! "continue the conversation" link and an unsubscribe link.
//!
//! Spin has no timers: an agent's reply records that a notice may be due ([`reply_posted`],
//! in the reply's transaction), and the outbox drain a scheduler already calls turns what is
//! due into outbox rows ([`queue_due`]) before it sends. "At most one per conversation per
//! hour" and "once per reply" are one conditional upsert on `email_notices`, so two drains
//! racing queue one e-mail.

pub mod links;
mod render;

use super::channel::ChannelType;
use super::integrations;
use super::mail_threads;
use super::outbox::{self, NewEntry};
use crate::config;
use crate::error::Result;
use crate::message::{AuthorType, Message};
use crate::ports::{Env, Millis};
use crate::store::Db;
use crate::vault::Vault;

/// Default minutes before an unread reply is e-mailed.
pub const DEFAULT_AFTER_MINUTES: i64 = 5;
/// At most one notice per conversation within this.
pub const NOTICE_INTERVAL_MS: Millis = 60 * 60 * 1000;
/// Most unread replies quoted in one notice.
const REPLIES_MAX: i64 = 10;

/// Notes that an agent's widget reply may need a notice (the caller's transaction). The first
/// unread reply's time is kept: a second reply does not postpone the notice.
pub fn reply_posted(db: &Db, message: &Message) -> Result<()> {
    if message.author_type != AuthorType::Agent || message.channel != "web" {
        return Ok(());
    }
    db.execute(
        "INSERT INTO email_notice_due (conversation_id, seq, posted_at) VALUES (?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET seq = MAX(seq, excluded.seq),
             -- Read since the row was written (not yet dropped by a drain): the wait
             -- starts again from this reply.
             posted_at = CASE WHEN (SELECT read_seq FROM conversation_activity
                                    WHERE conversation_id = excluded.conversation_id
                                      AND side = 'customer') >= email_notice_due.seq
                              THEN excluded.posted_at ELSE email_notice_due.posted_at END",
        &[
            message.conversation_id.into(),
            message.seq.into(),
            message.created_at.into(),
        ],
    )?;
    Ok(())
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Notices put in the outbox.
    pub queued: i64,
    /// Replies the customer read in time, or customers without a verified address or who
    /// unsubscribed: nothing to send.
    pub dropped: i64,
    /// Due, but a notice went out less than an hour ago: tried again later.
    pub waiting: i64,
}

/// The sender of notices: the first e-mail integration, with its inbound domain.
struct Sender {
    integration_id: i64,
    display_name: String,
    inbound_domain: String,
}

fn sender(env: &Env, db: &Db) -> Result<Option<Sender>> {
    let Some(id) = db.query_i64(
        "SELECT id FROM integrations WHERE type = ? ORDER BY id LIMIT 1",
        &[ChannelType::Email.as_str().into()],
    )?
    else {
        return Ok(None);
    };
    let vault = Vault::from_config(env.config)?;
    Ok(integrations::by_id(db, &vault, id)?.map(|i| Sender {
        integration_id: i.id,
        display_name: i.display_name.clone(),
        inbound_domain: i.credentials.get("inbound_domain").to_owned(),
    }))
}

/// Queues a notice for every conversation whose unread reply is due, up to `limit`. Nothing
/// without an e-mail integration, `public_base_url` (the links are absolute) and a
/// `notice_link_secret` of at least 32 characters: the due rows wait.
pub fn queue_due(env: &Env, db: &Db, limit: i64) -> Result<Report> {
    let mut report = Report::default();
    let secret = env
        .config
        .get(config::NOTICE_LINK_SECRET)
        .filter(|s| s.len() >= links::SECRET_MIN);
    let base = env
        .config
        .get(config::PUBLIC_BASE_URL)
        .filter(|b| !b.is_empty());
    let (Some(secret), Some(base)) = (secret, base) else {
        return Ok(report);
    };
    let now = env.clock.now_ms();
    let after = config::whole_number(
        env,
        config::EMAIL_NOTICE_AFTER_MINUTES,
        DEFAULT_AFTER_MINUTES,
    );
    let due = db.query(
        "SELECT conversation_id FROM email_notice_due WHERE posted_at <= ?
         ORDER BY posted_at LIMIT ?",
        &[(now - after * 60_000).into(), limit.into()],
        |r| r.i64("conversation_id"),
    )?;
    if due.is_empty() {
        return Ok(report);
    }
    let Some(sender) = sender(env, db)? else {
        return Ok(report);
    };
    for conversation_id in due {
        let outcome =
            db.transaction(|db| queue_one(env, db, &sender, &base, &secret, conversation_id))?;
        match outcome {
            Outcome::Queued => report.queued += 1,
            Outcome::Dropped => report.dropped += 1,
            Outcome::Waiting => report.waiting += 1,
        }
    }
    Ok(report)
}

enum Outcome {
    Queued,
    Dropped,
    Waiting,
}

fn drop_due(db: &Db, conversation_id: i64) -> Result<Outcome> {
    db.execute(
        "DELETE FROM email_notice_due WHERE conversation_id = ?",
        &[conversation_id.into()],
    )?;
    Ok(Outcome::Dropped)
}

fn queue_one(
    env: &Env,
    db: &Db,
    sender: &Sender,
    base: &str,
    secret: &str,
    conversation_id: i64,
) -> Result<Outcome> {
    let now = env.clock.now_ms();
    // Read again inside the transaction: another drain may have handled it.
    let Some(seq) = db.query_i64(
        "SELECT seq FROM email_notice_due WHERE conversation_id = ?",
        &[conversation_id.into()],
    )?
    else {
        return Ok(Outcome::Dropped);
    };
    let read = db
        .query_i64(
            "SELECT read_seq FROM conversation_activity WHERE conversation_id = ? AND side = 'customer'",
            &[conversation_id.into()],
        )?
        .unwrap_or(0);
    if read >= seq {
        return drop_due(db, conversation_id);
    }
    let Some(conversation) = crate::conversation::by_id(db, conversation_id)? else {
        return drop_due(db, conversation_id);
    };
    let Some(address) = crate::users::identities::verified_email(db, conversation.user_id)? else {
        return drop_due(db, conversation_id);
    };
    let unsubscribed = db.query_i64(
        "SELECT 1 FROM email_unsubscribes WHERE address = ?",
        &[address.clone().into()],
    )?;
    if unsubscribed.is_some() {
        return drop_due(db, conversation_id);
    }
    // Once per reply, and at most once an hour: the upsert only writes when both hold.
    let claimed = db.query_i64(
        "INSERT INTO email_notices (conversation_id, seq, sent_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (conversation_id) DO UPDATE SET seq = excluded.seq, sent_at = excluded.sent_at
         WHERE email_notices.seq < excluded.seq AND email_notices.sent_at <= ?4
         RETURNING conversation_id",
        &[
            conversation_id.into(),
            seq.into(),
            now.into(),
            (now - NOTICE_INTERVAL_MS).into(),
        ],
    )?;
    if claimed.is_none() {
        let noticed = db
            .query_i64(
                "SELECT seq FROM email_notices WHERE conversation_id = ?",
                &[conversation_id.into()],
            )?
            .unwrap_or(0);
        return if noticed >= seq {
            drop_due(db, conversation_id)
        } else {
            Ok(Outcome::Waiting)
        };
    }
    let replies = db.query(
        &format!(
            "SELECT {} FROM messages WHERE conversation_id = ? AND author_type = 'agent'
             AND seq > ? ORDER BY seq DESC LIMIT ?",
            crate::message::COLUMNS
        ),
        &[conversation_id.into(), read.into(), REPLIES_MAX.into()],
        Message::from_row,
    )?;
    let Some(last) = replies.first() else {
        return drop_due(db, conversation_id);
    };
    let thread =
        mail_threads::next_outbound(env, db, conversation_id, &sender.inbound_domain, last.id)?;
    let replies: Vec<(String, String)> = replies
        .iter()
        .rev()
        .map(|m| (m.author_name.clone(), m.text.clone()))
        .collect();
    let expires = now + links::CONTINUE_DAYS * 24 * 60 * 60 * 1000;
    let payload = render::render(&render::Notice {
        display_name: &sender.display_name,
        to: &address,
        replies: &replies,
        continue_url: &links::continue_url(base, secret, &conversation.public_id, expires),
        unsubscribe_url: &links::unsubscribe_url(base, secret, &address),
        thread: &thread,
    });
    outbox::enqueue(
        env,
        db,
        NewEntry {
            integration_id: sender.integration_id,
            conversation_id: Some(conversation_id),
            message_id: Some(last.id),
            dedup_key: format!("notice:{conversation_id}:{seq}"),
            payload,
        },
    )?;
    db.execute(
        "DELETE FROM email_notice_due WHERE conversation_id = ?",
        &[conversation_id.into()],
    )?;
    Ok(Outcome::Queued)
}

/// Records that `address` wants no more notices (idempotent).
pub fn unsubscribe(db: &Db, now: Millis, address: &str) -> Result<()> {
    db.execute(
        "INSERT INTO email_unsubscribes (address, created_at) VALUES (?, ?)
         ON CONFLICT (address) DO NOTHING",
        &[address.to_lowercase().into(), now.into()],
    )?;
    Ok(())
}
