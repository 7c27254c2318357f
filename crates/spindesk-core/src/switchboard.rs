//! Who answers a customer now. Everything a customer says — from the widget or any channel —
//! enters through [`receive`]: while the bot is in control it answers in the same
//! transaction; a hand-off gives the conversation to agents with a ticket; while agents are in
//! control the message joins their ticket. Closing the ticket gives control back to the bot
//! ([`crate::tickets::change_status`]).
//!
//! The bot's part runs in a savepoint: when it fails, its writes are rolled back alone, the
//! customer's message stays stored and the conversation is handed off ([`fallback`]). The
//! common turn skips it: worked out before the transaction and only saying things, it is
//! written without a savepoint, and should that fail the caller's whole write is done again
//! the long way ([`write_turn`]).
//!
//! A bot flow that reaches an API call stops there: the call is made after the commit (see
//! [`crate::committed`]) and [`continue_after_call`] lets the bot go on with its result.

use crate::bot;
use crate::bot::versions::LiveRow;
use crate::committed::{AwaitedCall, Committed};
use crate::conversation::{self, Conversation, Inbound, Outgoing, Stored, Switchboard};
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message, QuickReply};
use crate::ports::{Env, Millis};
use crate::store::Db;
use crate::tickets::{self, routing, satisfaction, HandOffFields};
use crate::users::{self, User};
use std::cell::Cell;

pub mod fallback;

/// What [`receive`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt {
    /// Stored, with every message it caused (the customer's first, then the bot's) and the API
    /// call the bot waits for.
    Stored(Committed),
    /// The channel delivered this message before; nothing changed.
    Duplicate(Message),
}

/// The bot's answer to `inbound`, worked out before the write transaction (reads only), for
/// [`receive`] to write if it still holds: `None` when agents have the conversation, and when
/// the bot fails (logged): [`receive`] then runs it again and hands off if it fails there too.
/// `live`: the live bot, if the caller's read brought it ([`bot::versions::LIVE_COLUMNS`]).
pub fn prepare(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    inbound: &Inbound,
    live: Option<LiveRow>,
) -> Result<Option<bot::Ahead>> {
    if conversation.switchboard == Switchboard::Agent && conversation.ticket_id.is_some() {
        return Ok(None);
    }
    let input = bot::reply::input_for(&inbound.text, inbound.payload.as_deref());
    let prepared = bot::prepare(env, db, conversation, user, input, &inbound.channel, live);
    tolerate_prepare_failure(env, &format!("conversation {}", conversation.id), prepared)
}

/// The bot's answer to `inbound`, the first message of a customer not seen before: worked out
/// before the transaction that creates them (as `user`, unsaved) and their conversation, which
/// the bot starts in control of (see [`bot::prepare_first`]). `None` when the bot fails
/// (logged): [`receive`] then works it out inside.
pub fn prepare_first(
    env: &Env,
    db: &Db,
    user: &User,
    inbound: &Inbound,
    live: Option<LiveRow>,
) -> Result<Option<bot::Ahead>> {
    let input = bot::reply::input_for(&inbound.text, inbound.payload.as_deref());
    let prepared = bot::prepare_first(env, db, user, input, &inbound.channel, live).map(Some);
    tolerate_prepare_failure(env, "a new customer's first message", prepared)
}

/// A bot turn [`prepare`]d before the write transaction, as [`receive`] takes it: given by
/// [`write_turn`], which can do the caller's write again if the turn's shortcut fails.
pub struct PreparedTurn<'a> {
    ahead: Option<bot::Ahead>,
    /// Where [`receive`] notes that it wrote the turn without a savepoint and that failed;
    /// `None` on the second try (the turn is then worked out inside, in a savepoint).
    shortcut_failed: Option<&'a Cell<bool>>,
}

/// Runs `write` — the caller's transaction, or its savepoint for one event of a batch — with
/// the turn prepared ahead for [`receive`] in it.
///
/// A turn that still holds and only says things is written without a savepoint: a
/// compare-and-set and the bot's messages, where a savepoint would add two statements under
/// the write lock (each a host round trip on Spin). Those writes fail only when something is
/// badly wrong (a full disk, a trigger refusing them), and then the bot's failure must not lose
/// the customer's message: `write` fails with nothing written, and runs once more with the
/// turn worked out inside it, in a savepoint, whose failure hands the conversation off
/// ([`fallback`]). `write` must let [`receive`]'s error through (with `?`), so that nothing of
/// the first try is kept; an error worth retrying (a busy database) is not tried again here.
pub fn write_turn<T, E>(
    ahead: Option<bot::Ahead>,
    mut write: impl FnMut(PreparedTurn<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let failed = Cell::new(false);
    let first = write(PreparedTurn {
        ahead,
        shortcut_failed: Some(&failed),
    });
    match first {
        Err(_) if failed.get() => write(PreparedTurn {
            ahead: None,
            shortcut_failed: None,
        }),
        done => done,
    }
}

/// Takes a customer's message into their conversation, inside the caller's transaction, with
/// the bot's turn [`prepare`]d before it (`turn`), which is used only if it still holds.
/// `conversation` may have been read before the transaction: who is in control decides here,
/// from the conversation as the statement storing the message found it.
pub fn receive(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    inbound: &Inbound,
    turn: PreparedTurn<'_>,
) -> Result<Receipt> {
    let (message, conversation, checks) =
        match conversation::store_customer_message(env, db, conversation, user, inbound)? {
            Stored::Duplicate(original) => return Ok(Receipt::Duplicate(original)),
            Stored::New(message, current, checks) => (message, current, checks),
        };
    let conversation = &conversation;
    let mut committed = Committed {
        messages: vec![message.clone()],
        checks: Some(checks),
        ..Committed::default()
    };
    // A satisfaction rating (a tap on its buttons, or the comment after it) is answered here,
    // before the bot or the agents see it: it is not a new question.
    if let Some(answered) = satisfaction::intercept(env, db, conversation, user, &message)? {
        committed.messages.extend(answered);
        committed.tickets.extend(conversation.ticket_id);
        return Ok(Receipt::Stored(committed));
    }
    match (conversation.switchboard, conversation.ticket_id) {
        (Switchboard::Agent, Some(ticket_id)) => {
            tickets::mirror_customer_message(db, env.clock.now_ms(), ticket_id, &message)?;
            committed.tickets.push(ticket_id);
        }
        _ => {
            let mut ahead = turn.ahead;
            if let Some(failed) = turn.shortcut_failed {
                match says_without_savepoint(env, db, user, &message, &mut ahead, &mut committed) {
                    Ok(true) => return Ok(Receipt::Stored(committed)),
                    Ok(false) => {}
                    Err(e) => {
                        failed.set(!e.worth_retrying());
                        return Err(e);
                    }
                }
            }
            bot_turn(env, db, conversation.id, user, &mut committed, |db| {
                bot::respond(env, db, conversation, user, &message, ahead).map(Some)
            })?
        }
    }
    Ok(Receipt::Stored(committed))
}

/// The prepared turn written at once when it still holds and only says things (see
/// [`write_turn`]): whether it was; if not, `ahead` holds what is left for the bot's savepoint.
fn says_without_savepoint(
    env: &Env,
    db: &Db,
    user: &User,
    message: &Message,
    ahead: &mut Option<bot::Ahead>,
    committed: &mut Committed,
) -> Result<bool> {
    match bot::reply::store_saying(env, db, user, message, ahead)? {
        Some(reply) => {
            bot_says(env, db, message.conversation_id, user, reply, committed)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Runs the bot's part — `turn`, then posting what it says — in a savepoint, adding what it
/// did to `committed`. When it fails, its writes are rolled back alone and the conversation
/// is handed off with the error recorded ([`fallback`]), so what the caller stored before
/// (the customer's message) is kept; only an error worth retrying fails the caller.
fn bot_turn(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    user: &User,
    committed: &mut Committed,
    turn: impl FnOnce(&Db) -> Result<Option<bot::BotReply>>,
) -> Result<()> {
    let outcome = db.savepoint("bot_turn", |db| {
        let mut said = Committed::default();
        if let Some(reply) = turn(db)? {
            bot_says(env, db, conversation_id, user, reply, &mut said)?;
        }
        Ok::<_, Error>(said)
    })?;
    match outcome {
        Ok(said) => committed.merge(said),
        Err(e) if e.worth_retrying() => return Err(e),
        Err(e) => {
            let ticket_id = hand_off(env, db, conversation_id, user, &fallback::collected())?;
            fallback::record(env, db, conversation_id, ticket_id, &e)?;
            committed.tickets.push(ticket_id);
        }
    }
    Ok(())
}

fn bot_message(text: &str, actions: &[QuickReply]) -> Outgoing {
    Outgoing {
        author_type: AuthorType::Bot,
        author_id: None,
        author_name: bot::NAME.to_owned(),
        text: text.to_owned(),
        actions: actions.to_vec(),
    }
}

/// Posts the bot's messages, and hands off when it transfers or notes the call it now awaits
/// (caller's transaction).
fn bot_says(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    user: &User,
    reply: bot::BotReply,
    committed: &mut Committed,
) -> Result<()> {
    let said: Vec<Outgoing> = reply
        .messages
        .iter()
        .map(|(text, actions)| bot_message(text, actions))
        .collect();
    committed
        .messages
        .extend(conversation::post_all(env, db, conversation_id, &said)?);
    if let Some(transfer) = reply.transfer {
        let collected = HandOffFields {
            tags: transfer.tags,
            fields: transfer.ticket_fields,
            group: transfer.group,
        };
        let ticket_id = hand_off(env, db, conversation_id, user, &collected)?;
        committed.tickets.push(ticket_id);
        return Ok(());
    }
    committed
        .awaited
        .extend(reply.awaiting.map(|call| AwaitedCall {
            conversation_id,
            call,
        }));
    Ok(())
}

/// Gives the conversation to agents because an integration asked (Sunshine's `passControl` to
/// the agent workspace): the same hand-off as the bot's transfer, with nothing collected.
/// Returns the ticket opened (or continued). Caller's transaction.
pub fn pass_to_agents(env: &Env, db: &Db, conversation_id: i64, user: &User) -> Result<i64> {
    hand_off(env, db, conversation_id, user, &HandOffFields::default())
}

/// Gives the conversation to agents: opens a ticket holding the transcript so far, with what
/// the bot collected — or continues the conversation's ticket that is not closed yet.
fn hand_off(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    user: &User,
    collected: &HandOffFields,
) -> Result<i64> {
    let now = env.clock.now_ms();
    let conversation =
        conversation::by_id(db, conversation_id)?.ok_or(Error::NotFound("conversation"))?;
    // At most one unclosed ticket per conversation (`tickets::resume`).
    if let Some(ticket) = tickets::resume::unclosed_of_conversation(db, conversation_id)? {
        let via = &conversation.last_channel;
        tickets::resume::continue_for_hand_off(db, now, &ticket, user.id, via, collected)?;
        conversation::give_to_agents(db, now, conversation_id, ticket.id)?;
        return Ok(ticket.id);
    }
    let transcript = conversation::transcript(db, conversation_id)?;
    let ticket_id = tickets::open_for_conversation(db, now, &conversation, user, &transcript)?;
    conversation::give_to_agents(db, now, conversation_id, ticket_id)?;
    let field = |name: &str| collected.fields.get(name).map(String::as_str);
    users::complete_profile(
        db,
        now,
        user.id,
        field("requester.name"),
        field("requester.email"),
    )?;
    tickets::apply_hand_off_fields(db, now, ticket_id, collected)?;
    // The group first, so the creation audit names it; the assignment is its own audit.
    let (group_id, unknown) = routing::hand_off_group(db, collected.group.as_deref())?;
    if let Some(name) = unknown {
        env.warn(
            "routing.unknown_group",
            format!("ticket {ticket_id}: no group named {name:?}; the default group takes it"),
        );
    }
    if let Some(group_id) = group_id {
        db.execute(
            "UPDATE tickets SET group_id = ? WHERE id = ?",
            &[group_id.into(), ticket_id.into()],
        )?;
    }
    let ticket = tickets::by_id(db, ticket_id)?.ok_or(Error::NotFound("ticket"))?;
    tickets::record_created(db, now, &ticket, Some(user.id), &ticket.via_channel)?;
    if let Some(group_id) = group_id {
        routing::route_new(db, now, ticket_id, group_id)?;
    }
    Ok(ticket_id)
}

/// Whether the conversation's bot still awaits this very call (a plain read, before making
/// it: a call whose conversation moved on is not worth making).
pub fn still_awaits(db: &Db, awaited: &AwaitedCall) -> Result<bool> {
    bot::reply::awaits(db, awaited.conversation_id, &awaited.call.id)
}

/// After this long (ms) without an outcome, an awaited call is taken as lost: the calls time out
/// after 10 s and are made right after the commit that stored them.
pub const STALLED_CALL_MS: Millis = 30_000;

/// When the instance that was to make the bot's API call died after storing it (a crash, a
/// deploy), the conversation would wait until the customer writes again. The call the
/// conversation has awaited for over [`STALLED_CALL_MS`], if any: the caller continues the
/// flow with it as failed, so the bot's failure branch speaks. It is never made again (it may
/// have reached the service). If the original instance is only slow, whichever outcome
/// commits first wins; the other finds the call no longer awaited.
pub fn stalled_call(env: &Env, db: &Db, conversation_id: i64) -> Result<Option<AwaitedCall>> {
    let stalled_before = env.clock.now_ms() - STALLED_CALL_MS;
    Ok(
        bot::reply::stalled_call(db, conversation_id, stalled_before)?.map(|call| AwaitedCall {
            conversation_id,
            call,
        }),
    )
}

/// Conversations with a stalled call (see [`stalled_call`]), at most `limit`.
pub fn stalled_conversations(env: &Env, db: &Db, limit: i64) -> Result<Vec<i64>> {
    bot::reply::stalled_conversations(db, env.clock.now_ms() - STALLED_CALL_MS, limit)
}

/// What a stalled call is taken to have answered.
pub fn stalled_outcome() -> bot::CallOutcome {
    Err("the service did not answer (the request was interrupted)".to_owned())
}

/// The bot's turn with `outcome` of the awaited call, worked out before the write transaction
/// (reads only), for [`continue_after_call`] to write if it still holds: `None` when the bot
/// is not in control or no longer awaits that call, and when the bot fails (logged).
pub fn prepare_continue(
    env: &Env,
    db: &Db,
    awaited: &AwaitedCall,
    outcome: &bot::CallOutcome,
) -> Result<Option<bot::ResumeAhead>> {
    let Some(conversation) = conversation::by_id(db, awaited.conversation_id)? else {
        return Ok(None);
    };
    if conversation.switchboard != Switchboard::Bot {
        return Ok(None);
    }
    let Some(user) = users::by_id(db, conversation.user_id)? else {
        return Ok(None);
    };
    let prepared =
        bot::reply::prepare_resume(env, db, &conversation, &user, &awaited.call.id, outcome);
    tolerate_prepare_failure(env, &format!("conversation {}", conversation.id), prepared)
}

/// A turn that fails before the transaction is only a turn not prepared (logged): the
/// transaction works it out again, and hands off if it fails there too.
fn tolerate_prepare_failure<T>(
    env: &Env,
    whose: &str,
    prepared: Result<Option<T>>,
) -> Result<Option<T>> {
    match prepared {
        Err(e) if !e.worth_retrying() => {
            env.warn(
                "bot.prepare",
                format!("{whose}: {}", fallback::describe(&e)),
            );
            Ok(None)
        }
        prepared => prepared,
    }
}

/// Continues the bot with `outcome` of the awaited call, inside the caller's transaction, with
/// the turn [`prepare_continue`]d before it (`ahead`), used only if it still holds: nothing
/// when the conversation no longer awaits that very call (the customer wrote again, agents
/// took over) — the result is then dropped. A bot that fails here hands off, as in [`receive`].
pub fn continue_after_call(
    env: &Env,
    db: &Db,
    awaited: &AwaitedCall,
    outcome: bot::CallOutcome,
    ahead: Option<bot::ResumeAhead>,
) -> Result<Committed> {
    let mut committed = Committed::default();
    let Some(conversation) = conversation::by_id(db, awaited.conversation_id)? else {
        return Ok(committed);
    };
    if conversation.switchboard != Switchboard::Bot {
        return Ok(committed);
    }
    let Some(user) = users::by_id(db, conversation.user_id)? else {
        return Ok(committed);
    };
    bot_turn(env, db, conversation.id, &user, &mut committed, |db| {
        bot::reply::resume(
            env,
            db,
            &conversation,
            &user,
            &awaited.call.id,
            outcome,
            ahead,
        )
    })?;
    Ok(committed)
}
