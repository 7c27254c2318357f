//! E-mail threads in the database: each conversation's reply address token, and every
//! Message-ID sent or received in it. An inbound e-mail finds its conversation by the token of
//! the address it was sent to, else by a Message-ID it answers (In-Reply-To / References),
//! else by its sender; an outbound one is threaded under the customer's last e-mail.

use super::channel::{EmailThread, Mail};
use crate::error::{Error, Result};
use crate::ports::{Env, Millis};
use crate::store::Db;

/// The thread row: created with a fresh token on first need; `subject` only fills a new row.
pub fn ensure(env: &Env, db: &Db, conversation_id: i64, subject: &str) -> Result<String> {
    let mut token = [0u8; 16];
    env.random.fill(&mut token);
    db.execute(
        "INSERT INTO email_threads (conversation_id, reply_token, subject, created_at)
         VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING",
        &[
            conversation_id.into(),
            crate::ids::hex(&token).into(),
            subject.into(),
            env.clock.now_ms().into(),
        ],
    )?;
    db.query_opt(
        "SELECT reply_token FROM email_threads WHERE conversation_id = ?",
        &[conversation_id.into()],
        |r| r.string("reply_token"),
    )?
    .ok_or(Error::NotFound("email thread"))
}

/// The conversation an inbound e-mail answers, if its address or headers say.
pub fn conversation_for(db: &Db, mail: &Mail) -> Result<Option<i64>> {
    if let Some(token) = &mail.reply_token {
        let found = db.query_i64(
            "SELECT conversation_id FROM email_threads WHERE reply_token = ?",
            &[token.clone().into()],
        )?;
        if found.is_some() {
            return Ok(found);
        }
    }
    for id in &mail.references {
        let found = db.query_i64(
            "SELECT conversation_id FROM email_message_ids WHERE message_id = ?",
            &[id.clone().into()],
        )?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Keeps a Message-ID of the conversation (the first record wins).
pub fn record(
    db: &Db,
    now: Millis,
    conversation_id: i64,
    message_id: &str,
    inbound: bool,
) -> Result<()> {
    db.execute(
        "INSERT INTO email_message_ids (message_id, conversation_id, direction, created_at)
         VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        &[
            message_id.into(),
            conversation_id.into(),
            if inbound { "in" } else { "out" }.into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// Where the next e-mail of the conversation sits: its reply address, a new Message-ID
/// (recorded now, in the caller's transaction, so a reply to it threads even before it is
/// sent), and the thread's ids, the customer's last one first.
pub fn next_outbound(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    inbound_domain: &str,
    message_id: i64,
) -> Result<EmailThread> {
    let token = ensure(env, db, conversation_id, "")?;
    let subject = db
        .query_opt(
            "SELECT subject FROM email_threads WHERE conversation_id = ?",
            &[conversation_id.into()],
            |r| r.string("subject"),
        )?
        .unwrap_or_default();
    // The customer's last e-mail, then the rest of the thread newest first (References
    // lists them oldest first; render reverses).
    let mut references = db.query(
        "SELECT message_id FROM email_message_ids WHERE conversation_id = ? AND direction = 'in'
         ORDER BY created_at DESC, rowid DESC LIMIT 1",
        &[conversation_id.into()],
        |r| r.string("message_id"),
    )?;
    let others = db.query(
        "SELECT message_id FROM email_message_ids WHERE conversation_id = ?
         ORDER BY created_at DESC, rowid DESC LIMIT 20",
        &[conversation_id.into()],
        |r| r.string("message_id"),
    )?;
    for id in others {
        if !references.contains(&id) {
            references.push(id);
        }
    }
    let mut nonce = [0u8; 6];
    env.random.fill(&mut nonce);
    let own = format!(
        "sd.{message_id}.{}@{inbound_domain}",
        crate::ids::hex(&nonce)
    );
    record(db, env.clock.now_ms(), conversation_id, &own, false)?;
    Ok(EmailThread {
        subject,
        reply_to: format!("{}+{token}@{inbound_domain}", super::email::REPLY_LOCAL),
        message_id: own,
        references,
    })
}
