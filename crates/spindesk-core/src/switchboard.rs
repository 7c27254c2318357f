//! Who answers a customer now. Everything a customer says — from the widget or any channel —
//! enters through [`receive`]: while the bot is in control it answers in the same
//! transaction; a hand-off gives the conversation to agents with a ticket; while agents are in
//! control the message joins their ticket. Closing the ticket gives control back to the bot
//! ([`crate::tickets::change_status`]).
//!
//! The bot's part runs in a savepoint: when it fails, its writes are rolled back alone, the
//! customer's message stays stored and the conversation is handed off ([`fallback`]).
//!
//! A bot flow that reaches an API call stops there: the call is made after the commit (see
//! [`crate::committed`]) and [`continue_after_call`] lets the bot go on with its result.

use crate::bot;
use crate::committed::{AwaitedCall, Committed};
use crate::conversation::{self, Conversation, Inbound, Outgoing, Stored, Switchboard};
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message, QuickReply};
use crate::ports::{Env, Millis};
use crate::store::Db;
use crate::tickets::{self, routing, satisfaction, HandOffFields};
use crate::users::{self, User};

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
pub fn prepare(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    inbound: &Inbound,
) -> Result<Option<bot::Ahead>> {
    if conversation.switchboard == Switchboard::Agent && conversation.ticket_id.is_some() {
        return Ok(None);
    }
    let input = bot::reply::input_for(&inbound.text, inbound.payload.as_deref());
    let prepared = bot::prepare(env, db, conversation, user, input, &inbound.channel);
    tolerate_prepare_failure(env, conversation.id, prepared)
}

/// Takes a customer's message into their conversation, inside the caller's transaction, with
/// the bot's turn [`prepare`]d before it (`ahead`), which is used only if it still holds.
/// `conversation` must be read inside the transaction: who is in control decides here.
pub fn receive(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    inbound: &Inbound,
    ahead: Option<bot::Ahead>,
) -> Result<Receipt> {
    let message = match conversation::store_customer_message(env, db, conversation, user, inbound)?
    {
        Stored::Duplicate(original) => return Ok(Receipt::Duplicate(original)),
        Stored::New(message) => message,
    };
    let mut committed = Committed {
        messages: vec![message.clone()],
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
        _ => bot_turn(env, db, conversation.id, user, &mut committed, |db| {
            bot::respond(env, db, conversation, user, &message, ahead).map(Some)
        })?,
    }
    Ok(Receipt::Stored(committed))
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
    for (text, actions) in &reply.messages {
        let message = conversation::post(env, db, conversation_id, &bot_message(text, actions))?;
        committed.messages.push(message);
    }
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
    tolerate_prepare_failure(env, conversation.id, prepared)
}

/// A turn that fails before the transaction is only a turn not prepared (logged): the
/// transaction works it out again, and hands off if it fails there too.
fn tolerate_prepare_failure<T>(
    env: &Env,
    conversation_id: i64,
    prepared: Result<Option<T>>,
) -> Result<Option<T>> {
    match prepared {
        Err(e) if !e.worth_retrying() => {
            env.warn(
                "bot.prepare",
                format!("conversation {conversation_id}: {}", fallback::describe(&e)),
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
