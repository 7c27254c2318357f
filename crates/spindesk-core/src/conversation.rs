//! One persistent conversation per customer, across every channel.
//!
//! Everything a customer says — from the widget or any channel — enters through [`receive`];
//! everything said to them — by the bot or an agent — through [`post`]. The switchboard decides
//! who answers: while the bot is in control it replies in the same transaction; a hand-off gives
//! control to agents and opens a ticket; closing the ticket gives control back to the bot.
//!
//! A bot flow that reaches an API call stops there: no outbound request is made while a write
//! transaction holds SQLite's lock. The caller commits, then hands the [`AwaitedCall`] to
//! [`complete_bot_calls`], which makes the call and lets the bot go on in a new transaction.

use crate::bot;
use crate::message::{Action, AuthorType, Message, COLUMNS as MESSAGE_COLUMNS};
use crate::ports::{Env, Millis, SqlError};
use crate::store::{Db, Row};
use crate::tickets;
use crate::users::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switchboard {
    Bot,
    Agent,
}

impl Switchboard {
    pub fn as_str(self) -> &'static str {
        match self {
            Switchboard::Bot => "bot",
            Switchboard::Agent => "agent",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: i64,
    pub public_id: String,
    pub user_id: i64,
    pub switchboard: Switchboard,
    pub ticket_id: Option<i64>,
    pub last_seq: i64,
    pub last_channel: String,
    pub greeted: bool,
    pub created_at: Millis,
}

const COLUMNS: &str =
    "id, public_id, user_id, switchboard, ticket_id, last_seq, last_channel, greeted, created_at";

fn from_row(r: &Row) -> Result<Conversation, SqlError> {
    Ok(Conversation {
        id: r.i64("id")?,
        public_id: r.string("public_id")?,
        user_id: r.i64("user_id")?,
        switchboard: if r.string("switchboard")? == "agent" {
            Switchboard::Agent
        } else {
            Switchboard::Bot
        },
        ticket_id: r.opt_i64("ticket_id")?,
        last_seq: r.i64("last_seq")?,
        last_channel: r.string("last_channel")?,
        greeted: r.bool("greeted")?,
        created_at: r.i64("created_at")?,
    })
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Conversation>, SqlError> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM conversations WHERE id = ?"),
        &[id.into()],
        from_row,
    )
}

pub fn by_public_id(db: &Db, public_id: &str) -> Result<Option<Conversation>, SqlError> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM conversations WHERE public_id = ?"),
        &[public_id.into()],
        from_row,
    )
}

/// The customer's one conversation, created on first need (UNIQUE user_id makes it one).
pub fn of_user(env: &Env, db: &Db, user: &User, channel: &str) -> Result<Conversation, SqlError> {
    // Read first: most calls find it, and a read takes no write lock (long-polls read a lot).
    let select = format!("SELECT {COLUMNS} FROM conversations WHERE user_id = ?");
    if let Some(found) = db.query_opt(&select, &[user.id.into()], from_row)? {
        return Ok(found);
    }
    let now = env.clock.now_ms();
    let public_id = crate::auth::new_public_id(env.random);
    db.execute(
        "INSERT INTO conversations (public_id, user_id, last_channel, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
        &[
            public_id.into(),
            user.id.into(),
            channel.into(),
            now.into(),
            now.into(),
        ],
    )?;
    db.query_opt(&select, &[user.id.into()], from_row)?
        .ok_or_else(|| SqlError::from_message("conversation vanished after insert"))
}

/// A customer's message as it arrives from a channel.
#[derive(Debug, Clone, Default)]
pub struct Inbound {
    /// `web`, `whatsapp`, `telegram`, ...
    pub channel: String,
    /// The de-duplication namespace (`web:<conversation>`, an integration id) and the
    /// channel's id for this message; `None` when the channel gives none.
    pub source: Option<String>,
    pub source_message_id: Option<String>,
    pub text: String,
    /// The payload of a tapped quick reply.
    pub payload: Option<String>,
}

/// What [`receive`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt {
    /// Stored, with every message it caused (the customer's first, then the bot's), in order,
    /// and the API call the bot waits for, which the caller passes to [`complete_bot_calls`]
    /// after commit.
    Stored {
        messages: Vec<Message>,
        awaited: Option<AwaitedCall>,
    },
    /// The channel delivered this message before; nothing changed.
    Duplicate(Message),
}

/// Takes a customer's message into their conversation, inside the caller's transaction: stores
/// it with the next sequence number (or recognises a redelivery), mirrors it to the open ticket
/// while agents are in control, or lets the bot answer.
pub fn receive(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    inbound: &Inbound,
) -> Result<Receipt, SqlError> {
    let now = env.clock.now_ms();
    let inserted = db.query_opt(
        &format!(
            "INSERT INTO messages (conversation_id, seq, author_type, author_id, author_name,
                                   channel, source, source_message_id, text, payload, created_at)
             VALUES (?1, (SELECT last_seq + 1 FROM conversations WHERE id = ?1), 'user', ?2, ?3,
                     ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (source, source_message_id) DO NOTHING
             RETURNING {MESSAGE_COLUMNS}"
        ),
        &[
            conversation.id.into(),
            user.id.into(),
            user.name.clone().into(),
            inbound.channel.clone().into(),
            inbound.source.clone().into(),
            inbound.source_message_id.clone().into(),
            inbound.text.clone().into(),
            inbound.payload.clone().into(),
            now.into(),
        ],
        Message::from_row,
    )?;
    let Some(message) = inserted else {
        let original = db
            .query_opt(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE source = ? AND source_message_id = ?"),
                &[inbound.source.clone().into(), inbound.source_message_id.clone().into()],
                Message::from_row,
            )?
            .ok_or_else(|| SqlError::from_message("duplicate message not found"))?;
        return Ok(Receipt::Duplicate(original));
    };
    db.execute(
        "UPDATE conversations SET last_seq = ?, last_channel = ?, updated_at = ? WHERE id = ?",
        &[
            message.seq.into(),
            inbound.channel.clone().into(),
            now.into(),
            conversation.id.into(),
        ],
    )?;

    let mut messages = vec![message.clone()];
    let awaited = match (conversation.switchboard, conversation.ticket_id) {
        (Switchboard::Agent, Some(ticket_id)) => {
            tickets::mirror_customer_message(db, now, ticket_id, &message)?;
            None
        }
        _ => {
            let reply = bot::respond(env, db, conversation, user, &message)?;
            bot_says(env, db, conversation.id, user, reply, &mut messages)?
        }
    };
    Ok(Receipt::Stored { messages, awaited })
}

/// Posts the bot's messages and hands off when it transfers (caller's transaction); the call
/// it now waits for, if any.
fn bot_says(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    user: &User,
    reply: bot::BotReply,
    out: &mut Vec<Message>,
) -> Result<Option<AwaitedCall>, SqlError> {
    for (text, actions) in &reply.messages {
        out.push(post(
            env,
            db,
            conversation_id,
            &Outgoing::bot(text, actions),
        )?);
    }
    if let Some(transfer) = &reply.transfer {
        let ticket_id = hand_off(env, db, conversation_id, user)?;
        bot::reply::apply_transfer(db, env.clock.now_ms(), ticket_id, user, transfer)?;
        return Ok(None);
    }
    Ok(reply.awaiting.map(|call| AwaitedCall {
        conversation_id,
        call,
    }))
}

/// An API call a conversation's bot waits for, to be made once the transaction that stored
/// the wait has committed.
#[derive(Debug, Clone, PartialEq)]
pub struct AwaitedCall {
    pub conversation_id: i64,
    pub call: bot::PendingCall,
}

/// What the widget and the channels webhook do after committing the messages they received:
/// makes each call the bot awaits (outside any transaction, with its 10 s timeout), then in a
/// new transaction lets the bot go on with the result — unless the conversation moved on
/// meanwhile (the customer wrote again, agents took over), in which case the result is dropped
/// — and posts what the bot says next, which may await another call (the engine's loop guard
/// bounds the chain). The messages posted are published to the change feed and what they
/// queued for channels is sent, as after the first commit. Returns the messages posted, in
/// order. A failure is logged, not returned: the customer's message is already stored.
pub fn complete_bot_calls(env: &Env, db: &Db, awaited: Vec<AwaitedCall>) -> Vec<Message> {
    let mut queue: std::collections::VecDeque<AwaitedCall> = awaited.into();
    let mut posted = Vec::new();
    while let Some(awaited) = queue.pop_front() {
        let conversation_id = awaited.conversation_id;
        match complete_bot_call(env, db, &awaited) {
            Ok((messages, next)) => {
                if let Some(last) = messages.last() {
                    crate::change_feed::publish(env, conversation_id, last.seq);
                    if let Err(e) =
                        crate::channels::outbox::deliver_conversations(env, db, &[conversation_id])
                    {
                        eprintln!("conversation {conversation_id}: outbox delivery after a bot API call: {e}");
                    }
                }
                posted.extend(messages);
                queue.extend(next);
            }
            Err(e) => eprintln!("conversation {conversation_id}: the bot's API call: {e}"),
        }
    }
    posted
}

fn complete_bot_call(
    env: &Env,
    db: &Db,
    awaited: &AwaitedCall,
) -> Result<(Vec<Message>, Option<AwaitedCall>), SqlError> {
    let call_id = &awaited.call.id;
    // A plain read takes no write lock; a call nobody waits for any more is not made.
    if !bot::reply::awaits(db, awaited.conversation_id, call_id)? {
        return Ok((Vec::new(), None));
    }
    let outcome = bot::api_call::perform(&awaited.call.request, env.outbound);
    continue_after_call(env, db, awaited, outcome)
}

/// After this long (ms) without an outcome, an awaited call is taken as lost: the calls time out
/// after 10 s and are made right after the commit that stored them.
pub const STALLED_CALL_MS: Millis = 30_000;

/// When the instance that was to make the bot's API call died after storing it (a crash, a
/// deploy), the conversation would wait until the customer writes again. The widget's reads
/// and the outbox drain call this: a call awaited for over [`STALLED_CALL_MS`] continues the
/// flow as failed ("the service did not answer"), so the bot's failure branch speaks. It is
/// never made again (it may have reached the service). If the original instance is only slow,
/// whichever outcome commits first wins; the other finds the call no longer awaited.
pub fn recover_stalled_call(env: &Env, db: &Db, conversation_id: i64) -> Vec<Message> {
    let stalled_before = env.clock.now_ms() - STALLED_CALL_MS;
    let call = match bot::reply::stalled_call(db, conversation_id, stalled_before) {
        Ok(Some(call)) => call,
        Ok(None) => return Vec::new(),
        Err(e) => {
            eprintln!("conversation {conversation_id}: reading a stalled bot call: {e}");
            return Vec::new();
        }
    };
    let awaited = AwaitedCall {
        conversation_id,
        call,
    };
    let outcome = Err("the service did not answer (the request was interrupted)".to_owned());
    match continue_after_call(env, db, &awaited, outcome) {
        Ok((messages, next)) => {
            if let Some(last) = messages.last() {
                crate::change_feed::publish(env, conversation_id, last.seq);
                if let Err(e) =
                    crate::channels::outbox::deliver_conversations(env, db, &[conversation_id])
                {
                    eprintln!("conversation {conversation_id}: outbox delivery after a stalled bot call: {e}");
                }
            }
            let mut posted = messages;
            // The failure branch may await another call: make it now, as after any commit.
            posted.extend(complete_bot_calls(env, db, next.into_iter().collect()));
            posted
        }
        Err(e) => {
            eprintln!("conversation {conversation_id}: continuing after a stalled bot call: {e}");
            Vec::new()
        }
    }
}

/// Continues the bot with `outcome` of the awaited call, in a transaction: nothing when the
/// conversation no longer awaits that very call.
fn continue_after_call(
    env: &Env,
    db: &Db,
    awaited: &AwaitedCall,
    outcome: bot::CallOutcome,
) -> Result<(Vec<Message>, Option<AwaitedCall>), SqlError> {
    let call_id = &awaited.call.id;
    db.transaction(|db| {
        let mut messages = Vec::new();
        let Some(conversation) = by_id(db, awaited.conversation_id)? else {
            return Ok((messages, None));
        };
        if conversation.switchboard != Switchboard::Bot {
            return Ok((messages, None));
        }
        let Some(user) = crate::users::by_id(db, conversation.user_id)? else {
            return Ok((messages, None));
        };
        let Some(reply) = bot::reply::resume(env, db, &conversation, &user, call_id, outcome)?
        else {
            return Ok((messages, None));
        };
        let next = bot_says(env, db, conversation.id, &user, reply, &mut messages)?;
        Ok((messages, next))
    })
}

/// A message to the customer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub text: String,
    pub actions: Vec<Action>,
}

impl Outgoing {
    pub fn bot(text: &str, actions: &[Action]) -> Self {
        Outgoing {
            author_type: AuthorType::Bot,
            author_id: None,
            author_name: bot::NAME.to_owned(),
            text: text.to_owned(),
            actions: actions.to_vec(),
        }
    }
}

/// Appends a bot, agent or system message with the next sequence number (caller's transaction).
pub fn post(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    outgoing: &Outgoing,
) -> Result<Message, SqlError> {
    let now = env.clock.now_ms();
    let message = db
        .query_opt(
            &format!(
                "INSERT INTO messages (conversation_id, seq, author_type, author_id, author_name,
                                       channel, text, content, created_at)
                 VALUES (?1, (SELECT last_seq + 1 FROM conversations WHERE id = ?1), ?2, ?3, ?4,
                         (SELECT last_channel FROM conversations WHERE id = ?1), ?5, ?6, ?7)
                 RETURNING {MESSAGE_COLUMNS}"
            ),
            &[
                conversation_id.into(),
                outgoing.author_type.as_str().into(),
                outgoing.author_id.into(),
                outgoing.author_name.clone().into(),
                outgoing.text.clone().into(),
                Message::content_json(&outgoing.actions).into(),
                now.into(),
            ],
            Message::from_row,
        )?
        .ok_or_else(|| SqlError::from_message("insert returned no message"))?;
    db.execute(
        "UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?",
        &[message.seq.into(), now.into(), conversation_id.into()],
    )?;
    // A customer who last wrote from a messaging channel gets it there (via the outbox).
    crate::channels::delivery::on_post(env, db, &message)?;
    Ok(message)
}

/// Gives the conversation to agents: opens a ticket holding the transcript so far.
pub fn hand_off(env: &Env, db: &Db, conversation_id: i64, user: &User) -> Result<i64, SqlError> {
    let now = env.clock.now_ms();
    let conversation = by_id(db, conversation_id)?
        .ok_or_else(|| SqlError::from_message("conversation not found for hand-off"))?;
    let transcript = transcript(db, conversation_id)?;
    let ticket_id = tickets::open_for_conversation(db, now, &conversation, user, &transcript)?;
    db.execute(
        "UPDATE conversations SET switchboard = 'agent', ticket_id = ?, updated_at = ? WHERE id = ?",
        &[ticket_id.into(), now.into(), conversation_id.into()],
    )?;
    Ok(ticket_id)
}

/// Gives the conversation back to the bot (its ticket was closed). The bot does not greet again.
pub fn hand_back(db: &Db, now: Millis, conversation_id: i64) -> Result<(), SqlError> {
    db.execute(
        "UPDATE conversations SET switchboard = 'bot', ticket_id = NULL, bot_state = '{}', updated_at = ?
         WHERE id = ?",
        &[now.into(), conversation_id.into()],
    )?;
    Ok(())
}

/// "Name: text" lines of the conversation so far (the ticket's description).
fn transcript(db: &Db, conversation_id: i64) -> Result<String, SqlError> {
    let messages = db.query(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 100"),
        &[conversation_id.into()],
        Message::from_row,
    )?;
    Ok(messages
        .iter()
        .rev()
        .map(|m| format!("{}: {}", m.author_name, m.text))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Messages with `seq > after`, oldest first.
pub fn messages_after(
    db: &Db,
    conversation_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<Message>, SqlError> {
    db.query(
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ?
             ORDER BY seq LIMIT ?"
        ),
        &[conversation_id.into(), after.into(), limit.into()],
        Message::from_row,
    )
}

/// The newest `limit` messages with `seq < before`, oldest first (history pages).
pub fn messages_before(
    db: &Db,
    conversation_id: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<Message>, SqlError> {
    let mut page = db.query(
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq < ?
             ORDER BY seq DESC LIMIT ?"
        ),
        &[conversation_id.into(), before.into(), limit.into()],
        Message::from_row,
    )?;
    page.reverse();
    Ok(page)
}
