//! The bot inside a conversation: runs the live bot on a customer's message, keeps its state in
//! `conversations.bot_state`, and turns what it says into messages every channel can show.
//! The turn is computed ahead of the write transaction ([`prepare`], on a snapshot of the
//! conversation's bot state and the live bot) so SQLite's write lock is not held while the bot
//! matches intents and searches the help center; [`respond`], inside the transaction that
//! stored the customer's message, writes it if nothing it was computed from changed, and
//! computes it afresh there otherwise. An API call the flow reaches is made after that commits,
//! and the flow goes on with its result the same way: [`prepare_resume`] before the
//! transaction, [`resume`] inside it.

use super::articles::HelpCenter;
use super::engine::{resume_turn, start_turn, CallOutcome, Context};
use super::model::Bot;
use super::state::{ArticleCard, BotState, Effect, Input, Output, PendingCall, Turn};
use super::template::Variables;
use super::versions::{self, LiveRow};
use crate::config;
use crate::conversation::{Conversation, Switchboard};
use crate::error::{Error, Result};
use crate::message::{Message, QuickReply};
use crate::ports::{Env, Millis, Outbound, OutboundError, SqlError};
use crate::store::Db;
use crate::users::User;
use crate::vault::Vault;
use std::collections::BTreeMap;
use std::time::Duration;

/// What the bot says and whether it hands over.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BotReply {
    /// Messages to post, in order: text and quick replies.
    pub messages: Vec<(String, Vec<QuickReply>)>,
    pub transfer: Option<Transfer>,
    /// The API call the flow stopped at, to make after the transaction commits.
    pub awaiting: Option<PendingCall>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub tags: Vec<String>,
    pub ticket_fields: BTreeMap<String, String>,
    pub group: Option<String>,
}

/// The help center as `bot` sees it in a conversation (and in the simulator): published
/// articles in the conversation's language, linked with `link` (see [`article_link`]).
pub fn articles<'a>(env: &'a Env<'a>, bot: &'a Bot, link: Option<&'a str>) -> HelpCenter<'a> {
    HelpCenter::new(env, link, &bot.default_locale)
}

/// Where the bot links an article: its own `article_url`, else Spindesk's public article page
/// (`<public_base_url>/hc/<locale>/articles/<id>`) when `public_base_url` is set; `None` shows
/// articles without a link. Components that run the bot declare the variable.
pub fn article_link(env: &Env, bot: &Bot) -> Option<String> {
    bot.article_url.clone().or_else(|| {
        let base = env.config.get(config::PUBLIC_BASE_URL)?;
        let base = base.trim().trim_end_matches('/');
        let usable = base.starts_with("https://") || base.starts_with("http://");
        if !usable {
            env.warn(
                "config.public_base_url",
                "`public_base_url` is not an http(s) URL: bot answers carry no article link",
            );
        }
        usable.then(|| format!("{base}/hc/{{{{article.locale}}}}/articles/{{{{article.id}}}}"))
    })
}

/// What the conversation tells the bot about the customer.
pub fn facts(user: &User, channel: &str) -> Variables {
    let mut facts = Variables::new();
    // Channel placeholders ("Web visitor 3f2a") are not names; a known person has an email or
    // a verified external id.
    if user.email.is_some() || user.external_id.is_some() {
        facts.insert("customer.name".into(), user.name.clone());
    }
    if let Some(email) = &user.email {
        facts.insert("customer.email".into(), email.clone());
    }
    facts.insert("customer.locale".into(), user.locale.clone());
    facts.insert("conversation.channel".into(), channel.to_owned());
    facts
}

pub fn input_of(message: &Message) -> Input {
    input_for(&message.text, message.payload.as_deref())
}

/// The outbound port the engine gets inside a transaction: it sends nothing there (API calls
/// wait in the state until after commit), and this makes sure of it.
struct NoCallsInTransaction;

impl Outbound for NoCallsInTransaction {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        _: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        Err(OutboundError::Denied(format!(
            "{}: no outbound calls inside a transaction",
            request.uri().host().unwrap_or("")
        )))
    }
}

/// The bot's state as stored with a conversation (its `bot_state` and `greeted` columns, as
/// read with it: no read of its own). A state from an older bot that no longer reads starts
/// the conversation's bot afresh.
fn state_of(bot_state: &str, greeted: bool) -> BotState {
    let mut state: BotState = serde_json::from_str(bot_state).unwrap_or_default();
    state.greeted |= greeted;
    state
}

/// A bot turn computed before the write transaction, with everything it was computed from.
#[derive(Debug, Clone)]
pub struct Ahead {
    /// `None`: worked out for a conversation the transaction is to create ([`prepare_first`]).
    conversation_id: Option<i64>,
    basis: Basis,
    input: Input,
    facts: Variables,
    locale: String,
    turn: Turn,
}

/// What of the conversation and the desk a turn depends on, as one read: if all of it is still
/// the same in the transaction, the turn computed before is the turn it would compute.
#[derive(Debug, Clone, PartialEq)]
struct Basis {
    last_seq: i64,
    greeted: bool,
    bot_state: String,
    live_version: Option<i64>,
}

/// `conversations.bot_state` of a new conversation (the column's default, schema v1).
const NEW_BOT_STATE: &str = "{}";

impl Basis {
    /// What a conversation created now starts from: no message, not greeted, the bot in control
    /// with no state.
    fn of_new_conversation() -> Self {
        Basis {
            last_seq: 0,
            greeted: false,
            bot_state: NEW_BOT_STATE.to_owned(),
            live_version: None,
        }
    }

    /// `conversation` as it was read (no read of its own: before the write lock, and inside it
    /// for a turn worked out there), `None` unless the bot is in control. The live version is
    /// the loaded bot's ([`prepare_on`]).
    fn of(conversation: &Conversation) -> Option<Self> {
        (conversation.switchboard == Switchboard::Bot).then(|| Basis {
            last_seq: conversation.last_seq,
            greeted: conversation.greeted,
            bot_state: conversation.bot_state.clone(),
            live_version: None,
        })
    }
}

/// The input a customer's message gives the bot: a tap on a quick reply, or text.
pub fn input_for(text: &str, payload: Option<&str>) -> Input {
    match payload {
        Some(payload) => Input::Tap {
            payload: payload.to_owned(),
            label: text.to_owned(),
        },
        None => Input::text(text),
    }
}

/// The bot's turn on `input`, computed outside any transaction (reads only) from
/// `conversation` as it was read: `None` when the bot is not in control. Give it to
/// [`respond`] inside the transaction, which writes it only if the conversation is unchanged.
pub fn prepare(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    input: Input,
    channel: &str,
    live: Option<LiveRow>,
) -> Result<Option<Ahead>> {
    let Some(basis) = Basis::of(conversation) else {
        return Ok(None);
    };
    let on = Some(conversation.id);
    prepare_on(env, db, on, basis, user, input, channel, live).map(Some)
}

/// The bot's answer to the first message of a conversation that does not exist yet (a new
/// channel customer's: the customer and the conversation are created inside the write
/// transaction), worked out before it on the state every new conversation starts in, for
/// `user` as they are about to be created. Written only if the transaction finds it so: the
/// message is the conversation's first, the customer's language and facts are these ([`fits`]),
/// and the state is still the new one ([`store_if_unchanged`]); else computed afresh there.
pub fn prepare_first(
    env: &Env,
    db: &Db,
    user: &User,
    input: Input,
    channel: &str,
    live: Option<LiveRow>,
) -> Result<Ahead> {
    let basis = Basis::of_new_conversation();
    prepare_on(env, db, None, basis, user, input, channel, live)
}

/// The turn on `basis`, with the live bot read with it (`live`) or loaded now.
#[allow(clippy::too_many_arguments)]
fn prepare_on(
    env: &Env,
    db: &Db,
    conversation_id: Option<i64>,
    mut basis: Basis,
    user: &User,
    input: Input,
    channel: &str,
    live: Option<LiveRow>,
) -> Result<Ahead> {
    // The bot is read with the basis or after it, and the basis takes the version of the bot
    // actually loaded: a publish after the read then shows as a changed version in `respond`.
    let vault = Vault::from_config(env.config)?;
    let live = match live {
        Some(row) => versions::live_from(db, &vault, row)?,
        None => versions::live_with_phrases(db, &vault)?,
    };
    basis.live_version = live.version;
    let state = state_of(&basis.bot_state, basis.greeted);
    let facts = facts(user, channel);
    let turn = live_turn(env, &live, user, &facts, &|bot, ctx| {
        start_turn(bot, &state, &input, ctx)
    })?;
    Ok(Ahead {
        conversation_id,
        basis,
        input,
        locale: user.locale.clone(),
        facts,
        turn,
    })
}

/// Whether `ahead` was computed for `message`: same conversation (any, for a turn worked out
/// before the conversation was created: its basis is the new one, checked as it is written),
/// input, customer facts and language, and no message between the snapshot and this one
/// (`message` is the very next). What it read from the database is checked as it is written
/// ([`store_if_unchanged`]).
fn fits(ahead: &Ahead, user: &User, message: &Message) -> bool {
    ahead
        .conversation_id
        .is_none_or(|id| id == message.conversation_id)
        && message.seq == ahead.basis.last_seq + 1
        && ahead.input == input_of(message)
        && ahead.locale == user.locale
        && ahead.facts == facts(user, &message.channel)
}

/// The turn computed `ahead` for `message`, stored when it still holds and only says things
/// (a hand-over opens a ticket: many writes, left to [`respond`]): the bot's reply, which the
/// caller posts. Its one write is the compare-and-set of [`store_if_unchanged`], atomic on its
/// own — for a caller that writes the reply without a savepoint ([`crate::switchboard`]).
/// `None` when nothing was written: `ahead` is then left for [`respond`] — untouched when the
/// turn hands over or does not fit this message, emptied when the conversation changed since
/// (the turn is worked out again).
pub fn store_saying(
    env: &Env,
    db: &Db,
    user: &User,
    message: &Message,
    ahead: &mut Option<Ahead>,
) -> Result<Option<BotReply>> {
    let Some(prepared) = ahead.take_if(|a| fits(a, user, message) && a.turn.effects.is_empty())
    else {
        return Ok(None);
    };
    store_if_unchanged(
        env,
        db,
        message.conversation_id,
        prepared.basis,
        prepared.turn,
        message.seq,
    )
}

/// The bot's turn on a customer's message, inside the transaction that stored it: the turn
/// computed `ahead` when it still holds (see [`fits`] and [`store_if_unchanged`]), else
/// computed here — a turn is never written from a state that has since changed. A turn that
/// reaches an API call stops there: the reply's `awaiting` call is made after commit and its
/// result given to [`resume`].
pub fn respond(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    message: &Message,
    ahead: Option<Ahead>,
) -> Result<BotReply> {
    if let Some(ahead) = ahead.filter(|a| fits(a, user, message)) {
        if let Some(reply) = store_if_unchanged(
            env,
            db,
            message.conversation_id,
            ahead.basis,
            ahead.turn,
            message.seq,
        )? {
            return Ok(reply);
        }
    }
    let live = versions::live_with_phrases(db, &Vault::from_config(env.config)?)?;
    // `conversation` was read inside this transaction, and nothing here changed its state.
    let state = state_of(&conversation.bot_state, conversation.greeted);
    let facts = facts(user, &message.channel);
    let turn = live_turn(env, &live, user, &facts, &|bot, ctx| {
        start_turn(bot, &state, &input_of(message), ctx)
    })?;
    store(env, db, conversation.id, turn)
}

/// The call the conversation's bot awaits, if any (and if the bot is in control).
fn awaited_call(db: &Db, conversation_id: i64) -> Result<Option<PendingCall>> {
    let stored = db.query_opt(
        "SELECT bot_state FROM conversations WHERE id = ? AND switchboard = 'bot'",
        &[conversation_id.into()],
        |r| r.string("bot_state"),
    )?;
    let state: Option<BotState> = stored.and_then(|s| serde_json::from_str(&s).ok());
    Ok(state.and_then(|s| s.awaiting_call))
}

/// Whether the conversation's bot still awaits the call `call_id` (a read, for before the call
/// is made: a call whose conversation moved on is not worth making).
pub fn awaits(db: &Db, conversation_id: i64, call_id: &str) -> Result<bool> {
    Ok(awaited_call(db, conversation_id)?.is_some_and(|c| c.id == call_id))
}

/// The call the conversation's bot has awaited since before `stalled_before` (ms), if any: a
/// call that old was lost with the instance that was to make it.
pub fn stalled_call(
    db: &Db,
    conversation_id: i64,
    stalled_before: Millis,
) -> Result<Option<PendingCall>> {
    Ok(awaited_call(db, conversation_id)?.filter(|c| c.since < stalled_before))
}

/// Conversations whose bot has awaited a call since before `stalled_before` (ms), oldest
/// call first, at most `limit`: the calls were lost with the instances that were to make them.
/// Through the partial index on `awaiting_call_since` (schema v30, which says why the query is
/// worded as it is).
pub fn stalled_conversations(db: &Db, stalled_before: Millis, limit: i64) -> Result<Vec<i64>> {
    Ok(db.query(
        "SELECT id FROM conversations
         WHERE switchboard = 'bot' AND awaiting_call_since < ?
         ORDER BY awaiting_call_since, id LIMIT ?",
        &[stalled_before.into(), limit.into()],
        |r| r.i64("id"),
    )?)
}

/// A resumed turn (the flow going on with an API call's result) computed before the write
/// transaction, with everything it was computed from.
#[derive(Debug, Clone)]
pub struct ResumeAhead {
    conversation_id: i64,
    call_id: String,
    basis: Basis,
    facts: Variables,
    locale: String,
    turn: Turn,
}

/// The flow going on with how the call `call_id` went, computed outside any transaction
/// (reads only) from `conversation` as it was read, for [`resume`] to write if it still holds:
/// `None` when the bot is not in control or no longer awaits that very call.
pub fn prepare_resume(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    call_id: &str,
    outcome: &CallOutcome,
) -> Result<Option<ResumeAhead>> {
    let Some(mut basis) = Basis::of(conversation) else {
        return Ok(None);
    };
    let state = state_of(&basis.bot_state, basis.greeted);
    if state.awaiting_call.as_ref().is_none_or(|c| c.id != call_id) {
        return Ok(None);
    }
    // As in `prepare`: the basis takes the version of the bot actually loaded.
    let live = versions::live_with_phrases(db, &Vault::from_config(env.config)?)?;
    basis.live_version = live.version;
    let facts = facts(user, &conversation.last_channel);
    let turn = live_turn(env, &live, user, &facts, &|bot, ctx| {
        resume_turn(bot, &state, outcome.clone(), ctx)
    })?;
    Ok(Some(ResumeAhead {
        conversation_id: conversation.id,
        call_id: call_id.to_owned(),
        basis,
        facts,
        locale: user.locale.clone(),
        turn,
    }))
}

/// Continues the bot with how the call `call_id` went, inside a transaction opened after the
/// call: the turn computed `ahead` ([`prepare_resume`]) when it still holds — same call,
/// customer facts and language, and (checked as it is written) no message, state, greeting or
/// live-version change since — else computed here, from `conversation`, which the caller read
/// inside the transaction. `None` when the conversation no longer awaits that very call — the
/// customer wrote again, agents took over, the state was reset — and the result is dropped.
pub fn resume(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    call_id: &str,
    outcome: CallOutcome,
    ahead: Option<ResumeAhead>,
) -> Result<Option<BotReply>> {
    let fits = |a: &ResumeAhead| {
        a.conversation_id == conversation.id
            && a.call_id == call_id
            && a.locale == user.locale
            && a.facts == facts(user, &conversation.last_channel)
    };
    if let Some(ahead) = ahead.filter(fits) {
        let last_seq = ahead.basis.last_seq;
        if let Some(reply) = store_if_unchanged(
            env,
            db,
            ahead.conversation_id,
            ahead.basis,
            ahead.turn,
            last_seq,
        )? {
            return Ok(Some(reply));
        }
    }
    // Afresh, inside the transaction: the same reads, now of what is committed.
    let Some(fresh) = prepare_resume(env, db, conversation, user, call_id, &outcome)? else {
        return Ok(None);
    };
    store(env, db, conversation.id, fresh.turn).map(Some)
}

/// Runs one turn of the live bot for `user`: in their language, with the help center the bot
/// links, the customer facts, and no outbound calls (API calls wait for the commit).
fn live_turn(
    env: &Env,
    live: &versions::Live,
    user: &User,
    facts: &Variables,
    // `dyn`, not generic: one copy of this for every kind of turn keeps the components small.
    run: &dyn Fn(&Bot, &Context) -> std::result::Result<Turn, SqlError>,
) -> Result<Turn> {
    let link = article_link(env, &live.bot);
    let help_center = articles(env, &live.bot, link.as_deref());
    let ctx = Context {
        locale: &user.locale,
        now_ms: env.clock.now_ms(),
        outbound: &NoCallsInTransaction,
        actions: env.actions,
        articles: &help_center,
        phrases: Some(&live.phrases),
        facts,
    };
    Ok(run(&live.bot, &ctx)?)
}

/// The turn with the call it awaits given a fresh id, and its state as stored.
fn stamp(env: &Env, mut turn: Turn) -> Result<(Turn, String)> {
    if let Some(call) = &mut turn.state.awaiting_call {
        call.id = crate::ids::new_public_id(env.random);
        call.since = env.clock.now_ms();
    }
    let state_json = serde_json::to_string(&turn.state).map_err(Error::corrupt)?;
    Ok((turn, state_json))
}

/// Saves the turn's state (a call it awaits gets a fresh id) and says what the bot says.
fn store(env: &Env, db: &Db, conversation_id: i64, turn: Turn) -> Result<BotReply> {
    let (turn, state_json) = stamp(env, turn)?;
    db.execute(
        "UPDATE conversations SET bot_state = ?, greeted = ? WHERE id = ?",
        &[
            state_json.into(),
            turn.state.greeted.into(),
            conversation_id.into(),
        ],
    )?;
    Ok(reply_of(turn))
}

/// [`store`] for a turn computed ahead, as one compare-and-set: the state is written only
/// where the bot is still in control, `last_seq` is `seq` (the customer's message a turn
/// answers, or the basis's own for a resumed flow) and the bot state, greeting and live
/// version are those the turn was computed from. `None` (nothing written) when anything
/// changed.
fn store_if_unchanged(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    basis: Basis,
    turn: Turn,
    seq: i64,
) -> Result<Option<BotReply>> {
    let (turn, state_json) = stamp(env, turn)?;
    let updated = db.query_i64(
        "UPDATE conversations SET bot_state = ?1, greeted = ?2
         WHERE id = ?3 AND switchboard = 'bot' AND last_seq = ?4 AND greeted = ?5
           AND bot_state = ?6 AND (SELECT version FROM bot_live WHERE id = 1) IS ?7
         RETURNING id",
        &[
            state_json.into(),
            turn.state.greeted.into(),
            conversation_id.into(),
            seq.into(),
            basis.greeted.into(),
            basis.bot_state.into(),
            basis.live_version.into(),
        ],
    )?;
    Ok(updated.map(|_| reply_of(turn)))
}

/// What the bot says in `turn`, and whether it hands over.
fn reply_of(turn: Turn) -> BotReply {
    let mut transfer = turn.effects.iter().map(|e| match e {
        Effect::Transfer {
            tags,
            ticket_fields,
            group,
        } => Transfer {
            tags: tags.clone(),
            ticket_fields: ticket_fields.clone(),
            group: group.clone(),
        },
    });
    let transfer = transfer.next_back();
    BotReply {
        messages: render(&turn.outputs),
        transfer,
        awaiting: turn.state.awaiting_call,
    }
}

/// One message the bot posts, and which of the turn's outputs it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub actions: Vec<QuickReply>,
    /// Indexes into the outputs: the text, and the articles shown with it.
    pub outputs: Vec<usize>,
}

/// Outputs as messages every channel and the widget can show: text with quick replies.
/// Articles become text — per article its title and link (or, without `article_url`, the start
/// of its text) — joined to the text before them (the found-articles intro, the greeting), so
/// the list arrives as one message and the quick replies under that text stay the latest.
pub fn render_messages(outputs: &[Output]) -> Vec<Rendered> {
    let mut messages: Vec<Rendered> = Vec::new();
    for (i, o) in outputs.iter().enumerate() {
        match o {
            Output::Text {
                text,
                quick_replies,
                ..
            } => messages.push(Rendered {
                text: text.clone(),
                actions: quick_replies.clone(),
                outputs: vec![i],
            }),
            Output::Articles { articles } => {
                let list = article_list(articles);
                match messages.last_mut() {
                    Some(m) => {
                        m.text = format!("{}\n\n{list}", m.text.trim_end());
                        m.outputs.push(i);
                    }
                    None => messages.push(Rendered {
                        text: list,
                        actions: Vec::new(),
                        outputs: vec![i],
                    }),
                }
            }
        }
    }
    messages
}

/// [`render_messages`] as (text, quick replies).
pub fn render(outputs: &[Output]) -> Vec<(String, Vec<QuickReply>)> {
    render_messages(outputs)
        .into_iter()
        .map(|m| (m.text, m.actions))
        .collect()
}

fn article_list(articles: &[ArticleCard]) -> String {
    articles
        .iter()
        .map(|a| {
            [a.title.as_str(), a.url.as_str(), a.snippet.as_str()]
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: i64, url: &str, snippet: &str) -> ArticleCard {
        ArticleCard {
            id,
            title: format!("Article {id}"),
            url: url.into(),
            snippet: snippet.into(),
        }
    }

    #[test]
    fn articles_join_the_text_before_them_and_keep_its_quick_replies() {
        let outputs = [
            Output::Text {
                text: "Hi!".into(),
                quick_replies: vec![QuickReply {
                    label: "Talk to a person".into(),
                    payload: "handoff".into(),
                }],
                expects: None,
            },
            Output::Articles {
                articles: vec![
                    card(1, "https://h.example/1", ""),
                    card(2, "", "Start of two…"),
                ],
            },
            Output::text("Did this help?".into()),
        ];
        let messages = render_messages(&outputs);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0].text,
            "Hi!\n\nArticle 1\nhttps://h.example/1\n\nArticle 2\nStart of two…"
        );
        assert_eq!(
            messages[0].actions,
            [QuickReply::new("Talk to a person", "handoff")]
        );
        assert_eq!(messages[0].outputs, [0, 1]);
        assert_eq!(messages[1].outputs, [2]);
    }

    #[test]
    fn articles_said_first_are_a_message_of_their_own() {
        let outputs = [Output::Articles {
            articles: vec![card(7, "https://h.example/7", "")],
        }];
        assert_eq!(
            render(&outputs),
            [("Article 7\nhttps://h.example/7".to_owned(), vec![])]
        );
    }
}
