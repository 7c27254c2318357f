//! One persistent conversation per customer, across every channel: its record, its messages
//! in one ordered history, and who answers now (the switchboard state). What happens when a
//! customer writes — the bot's turn, a hand-off — is [`crate::switchboard`]'s; this module only
//! stores and reads.

use crate::commit_checks::CommitChecks;
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message, QuickReply, COLUMNS as MESSAGE_COLUMNS};
use crate::ports::{Env, Millis, SqlError, Value};
use crate::store::{count_of, Db, Row};
use crate::users::User;
use crate::webhooks;

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
    /// The bot's state when the conversation was read (JSON; `{}` for a new conversation):
    /// with `last_seq` and `greeted`, what the bot's turn is worked out from before the write
    /// lock, and checked again as the turn is written (`bot::reply`).
    pub bot_state: String,
    pub created_at: Millis,
}

/// The columns a [`Conversation`] is read from (see [`crate::store::qualified`] for a join).
pub const COLUMNS: &str = "id, public_id, user_id, switchboard, ticket_id, last_seq, \
                           last_channel, greeted, bot_state, created_at";

fn switchboard_of(r: &Row) -> Result<Switchboard, SqlError> {
    Ok(if r.string("switchboard")? == "agent" {
        Switchboard::Agent
    } else {
        Switchboard::Bot
    })
}

fn from_row(r: &Row) -> Result<Conversation, SqlError> {
    Ok(Conversation {
        id: r.i64("id")?,
        public_id: r.string("public_id")?,
        user_id: r.i64("user_id")?,
        switchboard: switchboard_of(r)?,
        ticket_id: r.opt_i64("ticket_id")?,
        last_seq: r.i64("last_seq")?,
        last_channel: r.string("last_channel")?,
        greeted: r.bool("greeted")?,
        bot_state: r.string("bot_state")?,
        created_at: r.i64("created_at")?,
    })
}

/// The conversation in a row (or [`Row::part`]) of a query that left-joins it and lists its
/// [`COLUMNS`] ([`crate::store::qualified`]), `None` when the join found none.
pub fn joined(r: &Row) -> Result<Option<Conversation>, SqlError> {
    r.joined(from_row)
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Conversation>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM conversations WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

pub fn by_public_id(db: &Db, public_id: &str) -> Result<Option<Conversation>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM conversations WHERE public_id = ?"),
        &[public_id.into()],
        from_row,
    )?)
}

/// The customer's one conversation, if it has been created (a read).
pub fn by_user(db: &Db, user_id: i64) -> Result<Option<Conversation>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM conversations WHERE user_id = ?"),
        &[user_id.into()],
        from_row,
    )?)
}

/// The customer's one conversation, created on first need (UNIQUE user_id makes it one).
pub fn of_user(env: &Env, db: &Db, user_id: i64, channel: &str) -> Result<Conversation> {
    // Read first: most calls find it, and a read takes no write lock (long-polls read a lot).
    if let Some(found) = by_user(db, user_id)? {
        return Ok(found);
    }
    start(env, db, user_id, channel)
}

/// The conversation of a customer who has none: inserted without a read first, for a
/// customer created in this transaction (`of_user` reads first). Caller's transaction; a
/// conversation that exists after all (UNIQUE user_id) is the one returned. The insert also
/// says whether a webhook hears `conversation:create` (one statement under the write lock).
pub fn start(env: &Env, db: &Db, user_id: i64, channel: &str) -> Result<Conversation> {
    let now = env.clock.now_ms();
    let public_id = crate::ids::new_public_id(env.random);
    let created = db.query_opt(
        &format!(
            "INSERT INTO conversations (public_id, user_id, last_channel, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING
             RETURNING {COLUMNS}, {} AS heard",
            webhooks::events::conversation_created_heard_sql()
        ),
        &[
            public_id.into(),
            user_id.into(),
            channel.into(),
            now.into(),
            now.into(),
        ],
        |r| Ok((from_row(r)?, r.bool("heard")?)),
    )?;
    match created {
        Some((created, heard)) => {
            if heard {
                webhooks::events::conversation_created(db, now, created.id)?;
            }
            Ok(created)
        }
        None => by_user(db, user_id)?.ok_or(Error::NotFound("conversation")),
    }
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

/// What storing a customer's message did.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A new message, with the next sequence number, and its conversation as it is now
    /// (checked or read by the statement that stored the message, inside the caller's
    /// transaction: who answers is decided from it), and the commit's checks, read by the same
    /// statement.
    New(Message, Conversation, CommitChecks),
    /// The channel delivered this message before; nothing changed.
    Duplicate(Message),
}

/// Appends a customer's message with the next sequence number (and makes its channel the one
/// replies go back on), or recognises a redelivery by its channel message id (the UNIQUE
/// (source, source_message_id) constraint decides, so two instances racing with the same
/// delivery store it once). Caller's transaction. `conversation` may have been read before the
/// transaction: what another writer can change of it (who is in control, the ticket, the bot's
/// state) is the insert's condition, and when that fails a second insert reads it as it is.
pub fn store_customer_message(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    inbound: &Inbound,
) -> Result<Stored> {
    let arrival = Arrival {
        now: env.clock.now_ms(),
        conversation,
        user,
        inbound,
    };
    let stored = match arrival.store_if_unchanged(db)? {
        Some(stored) => Some(stored),
        None => arrival.store_as_it_is(db)?,
    };
    let Some((message, mut conversation, checks)) = stored else {
        let original = db
            .query_opt(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE source = ? AND source_message_id = ?"),
                &[inbound.source.clone().into(), inbound.source_message_id.clone().into()],
                Message::from_row,
            )?
            .ok_or(Error::NotFound("duplicate message"))?;
        return Ok(Stored::Duplicate(original));
    };
    // The insert moved the conversation on (`last_seq`, `last_channel`, `updated_at`): the
    // trigger of schema v27, in the same statement — whether `RETURNING` saw it before or after
    // the trigger ran, this is where it left them.
    conversation.last_seq = conversation.last_seq.max(message.seq);
    conversation.last_channel = message.channel.clone();
    Ok(Stored::New(message, conversation, checks))
}

/// The message and its conversation, and the commit's checks, as one of [`Arrival`]'s two
/// inserts stored them.
type Inserted = (Message, Conversation, CommitChecks);

/// A customer's message on its way in: what both of its inserts take.
struct Arrival<'c> {
    now: Millis,
    conversation: &'c Conversation,
    user: &'c User,
    inbound: &'c Inbound,
}

impl Arrival<'_> {
    /// What both inserts fill, from [`Arrival::values`]: `?1` the conversation, `?2`..`?9`
    /// the message.
    const INSERT: &'static str =
        "INSERT INTO messages (conversation_id, seq, author_type, author_id, \
         author_name, channel, source, source_message_id, text, payload, created_at)";

    fn values(&self) -> Vec<Value> {
        vec![
            self.conversation.id.into(),
            self.user.id.into(),
            self.user.name.clone().into(),
            self.inbound.channel.clone().into(),
            self.inbound.source.clone().into(),
            self.inbound.source_message_id.clone().into(),
            self.inbound.text.clone().into(),
            self.inbound.payload.clone().into(),
            self.now.into(),
        ]
    }

    /// The usual case: what another writer may change of the conversation (who is in control,
    /// the ticket, the bot's state) is as it was read before the write lock, so the insert
    /// takes it as its condition (a compare-and-set) and returns only what it made, the id and
    /// the sequence number: the message is otherwise what was sent. On Spin the host keeps each
    /// statement a request ran, compiled, until its connection closes, so a request's later
    /// statements compile outside the connection's own small allocator, and every allocation
    /// then passes SQLite's process-wide memory mutex: with a `RETURNING` of every column and
    /// of the conversation's four the insert was ~1,700 memory calls, this is ~1,200, most of
    /// them the commit's checks (`MALLOCS=1` in `tests/benches/write_contention.rs`). `None`
    /// when the conversation changed meanwhile or the message is a redelivery.
    fn store_if_unchanged(&self, db: &Db) -> Result<Option<Inserted>> {
        let Arrival {
            now,
            conversation,
            user,
            inbound,
        } = *self;
        let mut params = self.values();
        params.extend([
            conversation.switchboard.as_str().into(),
            conversation.ticket_id.into(),
            conversation.greeted.into(),
            conversation.bot_state.clone().into(),
        ]);
        let inserted = db.query_opt(
            &format!(
                "{}
                 SELECT id, last_seq + 1, 'user', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM conversations
                 WHERE id = ?1 AND switchboard = ?10 AND ticket_id IS ?11 AND greeted = ?12
                   AND bot_state = ?13
                 ON CONFLICT (source, source_message_id) DO NOTHING
                 RETURNING id, seq, {}",
                Self::INSERT,
                CommitChecks::columns()
            ),
            &params,
            |r| Ok((r.i64("id")?, r.i64("seq")?, CommitChecks::from_row(r)?)),
        )?;
        Ok(inserted.map(|(id, seq, checks)| {
            let message = Message {
                id,
                conversation_id: conversation.id,
                seq,
                author_type: AuthorType::User,
                author_id: Some(user.id),
                author_name: user.name.clone(),
                channel: inbound.channel.clone(),
                text: inbound.text.clone(),
                payload: inbound.payload.clone(),
                // A customer's message is stored with the schema's defaults: no actions, and
                // files are linked to it afterwards.
                actions: Vec::new(),
                has_attachments: false,
                created_at: now,
            };
            (message, conversation.clone(), checks)
        }))
    }

    /// When the conversation changed since it was read: the insert reads what changed itself
    /// (one statement under the write lock instead of a read of its own). `None` for a
    /// redelivery.
    fn store_as_it_is(&self, db: &Db) -> Result<Option<Inserted>> {
        let current = |c: &str| format!("(SELECT {c} FROM conversations WHERE id = ?1) AS {c}");
        let conversation_now = ["switchboard", "ticket_id", "greeted", "bot_state"].map(current);
        Ok(db.query_opt(
            &format!(
                "{}
                 VALUES (?1, (SELECT last_seq + 1 FROM conversations WHERE id = ?1), 'user',
                         ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (source, source_message_id) DO NOTHING
                 RETURNING {MESSAGE_COLUMNS}, {}, {}",
                Self::INSERT,
                conversation_now.join(", "),
                CommitChecks::columns()
            ),
            &self.values(),
            |r| {
                let message = Message::from_row(r)?;
                let current = r.part(count_of(MESSAGE_COLUMNS));
                let conversation = Conversation {
                    switchboard: switchboard_of(&current)?,
                    ticket_id: current.opt_i64("ticket_id")?,
                    greeted: current.bool("greeted")?,
                    bot_state: current.string("bot_state")?,
                    ..self.conversation.clone()
                };
                Ok((message, conversation, CommitChecks::from_row(&current)?))
            },
        )?)
    }
}

/// A message to the customer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub text: String,
    pub actions: Vec<QuickReply>,
}

/// Appends a bot, agent or system message with the next sequence number (caller's transaction).
pub fn post(env: &Env, db: &Db, conversation_id: i64, outgoing: &Outgoing) -> Result<Message> {
    post_all(env, db, conversation_id, std::slice::from_ref(outgoing))?
        .pop()
        .ok_or_else(|| Error::corrupt("insert returned no message"))
}

/// Appends `all` in order with the next sequence numbers, in one statement: a bot turn that
/// says three things is one host round trip under the write lock, not three (caller's
/// transaction). The conversation's `last_seq` and channel are read once, before the first row
/// goes in (a `MATERIALIZED` CTE), and row k takes `last_seq + k`; the trigger of schema v27
/// moves the conversation on after each row. A turn runs at most
/// [`crate::bot::engine::MAX_STEPS_PER_TURN`] steps, each saying a message or two: 5 bound
/// values per message, a few hundred at most, far below SQLite's 32,766.
pub fn post_all(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    all: &[Outgoing],
) -> Result<Vec<Message>> {
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = (0..all.len())
        .map(|i| {
            let p = 3 + i * 5;
            format!(
                "({}, ?{p}, ?{}, ?{}, ?{}, ?{})",
                i + 1,
                p + 1,
                p + 2,
                p + 3,
                p + 4
            )
        })
        .collect();
    let now = env.clock.now_ms();
    let mut params: Vec<Value> = vec![conversation_id.into(), now.into()];
    for outgoing in all {
        params.extend([
            outgoing.author_type.as_str().into(),
            outgoing.author_id.into(),
            outgoing.author_name.clone().into(),
            outgoing.text.clone().into(),
            Message::content_json(&outgoing.actions).into(),
        ]);
    }
    // Only what the insert made comes back (the rest is `all`): each returned column is
    // compiled into the statement, outside the connection's own allocator on Spin (see
    // `store_if_unchanged`).
    let mut made = db.query(
        &format!(
            "WITH base AS MATERIALIZED (
                 SELECT last_seq, last_channel FROM conversations WHERE id = ?1)
             INSERT INTO messages (conversation_id, seq, author_type, author_id, author_name,
                                   channel, text, content, created_at)
             SELECT ?1, base.last_seq + m.column1, m.column2, m.column3, m.column4,
                    base.last_channel, m.column5, m.column6, ?2
             FROM base, (VALUES {}) AS m
             RETURNING id, seq, channel",
            rows.join(", ")
        ),
        &params,
        |r| Ok((r.i64("id")?, r.i64("seq")?, r.string("channel")?)),
    )?;
    if made.len() != all.len() {
        return Err(Error::corrupt("insert returned no message"));
    }
    // `RETURNING` promises no order; row k took the k-th sequence number after the last.
    made.sort_by_key(|(_, seq, _)| *seq);
    Ok(made
        .into_iter()
        .zip(all)
        .map(|((id, seq, channel), outgoing)| Message {
            id,
            conversation_id,
            seq,
            author_type: outgoing.author_type,
            author_id: outgoing.author_id,
            author_name: outgoing.author_name.clone(),
            channel,
            text: outgoing.text.clone(),
            payload: None,
            actions: outgoing.actions.clone(),
            has_attachments: false,
            created_at: now,
        })
        .collect())
}

/// Gives the conversation to agents, with the ticket they work it in.
pub fn give_to_agents(db: &Db, now: Millis, conversation_id: i64, ticket_id: i64) -> Result<()> {
    db.execute(
        "UPDATE conversations SET switchboard = 'agent', ticket_id = ?, updated_at = ? WHERE id = ?",
        &[ticket_id.into(), now.into(), conversation_id.into()],
    )?;
    webhooks::events::switchboard(db, now, conversation_id, true, Some(ticket_id))?;
    Ok(())
}

/// Gives the conversation back to the bot (its ticket was closed). The bot does not greet again.
pub fn hand_back(db: &Db, now: Millis, conversation_id: i64) -> Result<()> {
    db.execute(
        "UPDATE conversations SET switchboard = 'bot', ticket_id = NULL, bot_state = '{}', updated_at = ?
         WHERE id = ?",
        &[now.into(), conversation_id.into()],
    )?;
    webhooks::events::switchboard(db, now, conversation_id, false, None)?;
    Ok(())
}

/// "Name: text" lines of the conversation so far (the ticket's description).
pub fn transcript(db: &Db, conversation_id: i64) -> Result<String> {
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
) -> Result<Vec<Message>> {
    Ok(db.query(
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ?
             ORDER BY seq LIMIT ?"
        ),
        &[conversation_id.into(), after.into(), limit.into()],
        Message::from_row,
    )?)
}

/// The newest `limit` messages with `seq < before`, oldest first (history pages).
pub fn messages_before(
    db: &Db,
    conversation_id: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<Message>> {
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
