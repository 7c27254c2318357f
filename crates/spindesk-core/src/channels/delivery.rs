//! Where channels meet conversations: an inbound channel message becomes the customer's message
//! in their one conversation (through the same [`switchboard::receive`] as the widget), and a
//! bot or agent message to a customer who last wrote from a channel becomes outbox rows
//! ([`queue_sends`], which the API layer runs before every commit).

use super::channel::{ChannelType, Content, Event, Recipient, RenderContext};
use super::file_links;
use super::integrations::{self, Integration};
use super::mail_files;
use super::mail_threads;
use super::media::OutboundFile;
use super::media_fetch;
use super::outbox::{self, NewEntry, Queued};
use crate::attachments::{self, Status};
use crate::bot;
use crate::bot::versions::{self, LiveRow};
use crate::committed::{Committed, ReplyRoute};
use crate::conversation::{self, Conversation};
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message, QuickReply};
use crate::ports::Env;
use crate::store::{count_of, qualified, Db};
use crate::switchboard::{self, PreparedTurn, Receipt};
use crate::users::{self, Profile, User};
use crate::vault::Vault;

/// The bot's answer to `event`, worked out before the write transaction (reads only), for
/// [`receive`]: `None` for a redelivery, an e-mail or agents in control. For a sender not seen
/// before (their customer and conversation are created inside the transaction) it is the answer
/// to a new conversation's first message, written if that is what the transaction finds.
/// With it, the sender's customer and conversation as read, for [`receive`] to take as they
/// are if they still are.
pub fn prepare(
    env: &Env,
    db: &Db,
    integration: &Integration,
    event: &Event,
) -> Result<(Option<bot::Ahead>, Option<Known>)> {
    // An e-mail may answer another customer's thread (its reply address): worked out inside.
    if event.mail.is_some() {
        return Ok((None, None));
    }
    let sender = sender(db, integration, event, true)?;
    if sender.seen {
        return Ok((None, None));
    }
    let live = sender.live;
    match sender.customer {
        None => {
            let customer = users::unsaved_customer(&profile(event), env.clock.now_ms());
            let inbound = inbound(db, None, integration, event)?;
            Ok((
                switchboard::prepare_first(env, db, &customer, &inbound, live)?,
                None,
            ))
        }
        Some((user, Some(conversation))) => {
            let inbound = inbound(db, Some(conversation.id), integration, event)?;
            let ahead = switchboard::prepare(env, db, &conversation, &user, &inbound, live)?;
            Ok((ahead, Some(Known { user, conversation })))
        }
        Some((_, None)) => Ok((None, None)),
    }
}

/// A returning sender's customer and conversation, read before the write transaction by
/// [`prepare`]. Under the write lock [`receive`] takes them as read when the route's write
/// finds the sender's account still theirs and the event not stored ([`route_if_unchanged`]):
/// no second read of the sender there.
pub struct Known {
    user: User,
    conversation: Conversation,
}

/// What the desk knows of an event's sender, in one read — before the write transaction, and
/// again inside it only when [`route_if_unchanged`] found something changed (or the sender was
/// new): there each statement holds the write lock for a host round trip on Spin.
struct Sender {
    /// The vendor delivered this event before (it is stored).
    seen: bool,
    /// The customer behind the sender's account on the channel, with their conversation if
    /// it was created.
    customer: Option<(User, Option<Conversation>)>,
    /// The live bot, read along when asked for (before the write lock: the bot's turn is
    /// worked out from it).
    live: Option<LiveRow>,
}

fn sender(db: &Db, integration: &Integration, event: &Event, with_bot: bool) -> Result<Sender> {
    // `seen`, then the customer's columns, then the conversation's (they share names: each is
    // read from its own part of the row), then the live bot's if asked for. One row always,
    // from the one-row `(SELECT 1)`.
    const SEEN: usize = 1;
    let (bot_columns, bot_join) = if with_bot {
        (format!(", {}", versions::LIVE_COLUMNS), versions::LIVE_JOIN)
    } else {
        (String::new(), "")
    };
    let found = db.query_opt(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE source = ? AND source_message_id = ?)
                 AS seen, {}, {}{bot_columns}
             FROM (SELECT 1)
             LEFT JOIN identities i ON i.channel = ? AND i.address = ? AND i.verified = 1
             LEFT JOIN users u ON u.id = i.user_id
             LEFT JOIN conversations c ON c.user_id = u.id
             {bot_join}",
            qualified("u", users::COLUMNS),
            qualified("c", conversation::COLUMNS)
        ),
        &[
            integration.source().into(),
            event.id.clone().into(),
            event.sender.channel.clone().into(),
            event.sender.address.clone().into(),
        ],
        |r| {
            let customer = match r.part(SEEN).joined(users::from_row)? {
                Some(user) => Some((
                    user,
                    conversation::joined(&r.part(SEEN + count_of(users::COLUMNS)))?,
                )),
                None => None,
            };
            Ok(Sender {
                seen: r.bool("seen")?,
                customer,
                live: if with_bot {
                    Some(LiveRow::from_row(r)?)
                } else {
                    None
                },
            })
        },
    )?;
    found.ok_or_else(|| Error::corrupt("the sender's read returned no row"))
}

/// What the channel tells of a sender, for their customer record.
fn profile(event: &Event) -> Profile {
    Profile {
        name: event.sender.name.clone(),
        locale: event.sender.locale.clone(),
        ..Profile::default()
    }
}

/// The customer's message `event` carries: a tap or typed answer resolved to the option
/// `conversation` offered last (see [`resolve_choice`]; a conversation to be created has none).
fn inbound(
    db: &Db,
    conversation: Option<i64>,
    integration: &Integration,
    event: &Event,
) -> Result<conversation::Inbound> {
    let chosen = match conversation {
        Some(id) => resolve_choice(db, id, integration, &event.content)?,
        None => None,
    };
    let (text, payload) = match chosen {
        Some(option) => (option.label, Some(option.payload)),
        None => match &event.content {
            Content::Choice { payload, title } => (
                title.clone().unwrap_or_else(|| payload.clone()),
                Some(payload.clone()),
            ),
            other => (other.display_text(), None),
        },
    };
    Ok(conversation::Inbound {
        channel: event.sender.channel.clone(),
        source: Some(integration.source()),
        source_message_id: Some(event.id.clone()),
        text,
        payload,
    })
}

/// Takes one inbound event into the sender's conversation, inside the caller's transaction,
/// with the bot's turn [`prepare`]d before it (written only if it still holds). What it
/// committed; nothing when the vendor delivered this event before.
pub fn receive(
    env: &Env,
    db: &Db,
    integration: &Integration,
    event: &Event,
    known: Option<&Known>,
    turn: PreparedTurn<'_>,
) -> Result<Committed> {
    let now = env.clock.now_ms();
    let channel = event.sender.channel.as_str();
    // A redelivery changes nothing — not even where replies go. Inside the caller's IMMEDIATE
    // transaction this check cannot race; the UNIQUE (source, source_message_id) constraint in
    // conversation::receive is the guarantee either way. The sender as read before the lock
    // when the route's write finds nothing changed, else read again.
    let unchanged = match known {
        Some(known) if event.mail.is_none() => {
            route_if_unchanged(db, now, integration, event, known)?.then_some(known)
        }
        _ => None,
    };
    let routed = unchanged.is_some();
    let sender = match unchanged {
        Some(known) => Sender {
            seen: false,
            customer: Some((known.user.clone(), Some(known.conversation.clone()))),
            live: None,
        },
        None => sender(db, integration, event, false)?,
    };
    if sender.seen {
        return Ok(Committed::default());
    }
    // An e-mail that answers a thread (its reply address, a Message-ID it replies to) belongs
    // to that thread's customer, whatever address it came from.
    let threaded = match &event.mail {
        Some(mail) => match mail_threads::conversation_for(db, mail)? {
            Some(id) => match conversation::by_id(db, id)? {
                Some(c) => users::by_id(db, c.user_id)?.map(|user| (user, c)),
                None => None,
            },
            None => None,
        },
        None => None,
    };
    // A customer first seen now is created with their conversation (the UNIQUE (channel,
    // address) constraint decides a race: inside the IMMEDIATE transaction the read and the
    // insert cannot interleave with another instance's). A conversation started now has no
    // option offered yet to look up.
    let (user, conversation, started) = match (threaded, sender.customer) {
        (Some((user, conversation)), _) | (None, Some((user, Some(conversation)))) => {
            (user, conversation, false)
        }
        (None, Some((user, None))) => {
            let conversation = conversation::start(env, db, user.id, channel)?;
            (user, conversation, true)
        }
        (None, None) => {
            let address = &event.sender.address;
            let user =
                users::create_customer(db, env.random, now, channel, address, &profile(event))?;
            let conversation = conversation::start(env, db, user.id, channel)?;
            (user, conversation, true)
        }
    };
    // Replies follow the customer: set before the bot answers inside `receive`.
    if !routed {
        db.execute(
            &format!(
                "INSERT INTO conversation_routes {ROUTE} VALUES (?1, ?2, ?3, ?4, ?5) {REROUTE}"
            ),
            &[
                conversation.id.into(),
                integration.id.into(),
                channel.into(),
                event.recipient.address.clone().into(),
                now.into(),
            ],
        )?;
    }
    let mut inbound = inbound(
        db,
        (!started).then_some(conversation.id),
        integration,
        event,
    )?;
    // An e-mail's files: in hand already (inline in the webhook), stored before the message so
    // a file refused (its type, its size) is named in the text the agent and the bot read.
    let mail_files = match &event.mail {
        Some(mail) if !mail.files.is_empty() => {
            let (ids, notes) = mail_files::store(env, db, conversation.id, &mail.files)?;
            inbound.text = super::email::with_notes(std::mem::take(&mut inbound.text), &notes);
            ids
        }
        _ => Vec::new(),
    };
    let mut committed = match switchboard::receive(env, db, &conversation, &user, &inbound, turn)? {
        Receipt::Duplicate(_) => return Ok(Committed::default()),
        Receipt::Stored(committed) => committed,
    };
    committed.routes.push(ReplyRoute {
        conversation_id: conversation.id,
        channel: channel.to_owned(),
        integration_id: integration.id,
        address: event.recipient.address.clone(),
        kind: integration.kind,
        display_name: integration.display_name.clone(),
    });
    let Some(first) = committed.messages.first().cloned() else {
        return Ok(committed);
    };
    if let Some(mail) = &event.mail {
        // The address wrote to us and gets our replies: proven by the e-mail channel.
        // Held verified by another customer: the two are one person, which an agent decides
        // (a merge); the e-mail still belongs to the thread it answers.
        if let Some(address) = crate::email::Email::parse(&event.sender.address) {
            users::identities::link_verified_email(db, now, user.id, &address)?;
        }
        mail_threads::ensure(env, db, conversation.id, &mail.subject)?;
        if !mail_files.is_empty() {
            attachments::attach_to_message(
                db,
                conversation.id,
                first.id,
                attachments::Uploader::Channel,
                &mail_files,
            )
            .map_err(|e| match e {
                attachments::AttachmentError::Sql(e) => crate::error::Error::Sql(e),
                // Stored a moment ago for this conversation by this channel: cannot happen.
                other => crate::error::Error::corrupt(other),
            })?;
        }
        mail_threads::record(db, now, conversation.id, &event.id, true)?;
        if let Some(html) = &mail.html {
            db.execute(
                "UPDATE messages SET content = json_set(content, '$.html', ?) WHERE id = ?",
                &[html.clone().into(), first.id.into()],
            )?;
        }
    }
    // A file: a placeholder attachment on the message now, its bytes fetched from the vendor
    // after the answer (`media_fetch`). The vendor's ids and URLs stay in the fetch queue.
    if let Some(media) = event.content.media_ref() {
        let fetch = media_fetch::queue(env, db, integration, conversation.id, first.id, &media)?;
        committed.media_fetches.push(fetch);
    }
    if let Some(token) = &event.ack {
        if let Some(payload) = integration.channel().render_ack(token) {
            let id = outbox::enqueue(
                env,
                db,
                NewEntry {
                    integration_id: integration.id,
                    conversation_id: Some(conversation.id),
                    message_id: Some(first.id),
                    dedup_key: format!("ack:{}:{}", integration.id, event.id),
                    payload,
                },
            )?;
            committed.queued.push(Queued {
                conversation_id: conversation.id,
                id,
                reserved: None,
            });
        }
    }
    Ok(committed)
}

/// The columns of a route, and where an event's route replaces the one its conversation had.
const ROUTE: &str = "(conversation_id, integration_id, channel, address, updated_at)";
const REROUTE: &str = "ON CONFLICT (conversation_id) DO UPDATE SET \
    integration_id = excluded.integration_id, channel = excluded.channel, \
    address = excluded.address, updated_at = excluded.updated_at";

/// Writes the event's route to `known`'s conversation if the sender's account on the channel
/// is still its customer's, that customer's conversation is still `known`'s and the event is
/// not stored: what a second read of the sender under the write lock would have found, checked
/// by the write the event needs anyway. `false` (nothing written) when anything changed.
fn route_if_unchanged(
    db: &Db,
    now: i64,
    integration: &Integration,
    event: &Event,
    known: &Known,
) -> Result<bool> {
    let routed = db.query_i64(
        &format!(
            "INSERT INTO conversation_routes {ROUTE}
             SELECT ?1, ?2, ?3, ?4, ?5
             WHERE EXISTS (SELECT 1 FROM identities i JOIN conversations c ON c.user_id = i.user_id
                           WHERE i.channel = ?3 AND i.address = ?6 AND i.verified = 1
                             AND i.user_id = ?7 AND c.id = ?1)
               AND NOT EXISTS (SELECT 1 FROM messages WHERE source = ?8 AND source_message_id = ?9)
             {REROUTE} RETURNING conversation_id"
        ),
        &[
            known.conversation.id.into(),
            integration.id.into(),
            event.sender.channel.clone().into(),
            event.recipient.address.clone().into(),
            now.into(),
            event.sender.address.clone().into(),
            known.user.id.into(),
            integration.source().into(),
            event.id.clone().into(),
        ],
    )?;
    Ok(routed.is_some())
}

/// The option a tap or a typed answer picks among those the last bot/agent message offered:
/// `#n` payloads (used when the bot's payload did not fit the vendor's limit), known payloads
/// (so a Telegram or LINE tap shows the option's title), a typed "1", "2"... on channels that
/// show numbered options (SMS), and Viber keyboard replies, which arrive as text. The offer is
/// read only for content that can pick one: most messages are text on a channel with buttons,
/// and this runs under the write lock too.
fn resolve_choice(
    db: &Db,
    conversation_id: i64,
    integration: &Integration,
    content: &Content,
) -> Result<Option<QuickReply>> {
    let Some(pick) = Pick::of(integration.kind, content) else {
        return Ok(None);
    };
    let offered = db.query_opt(
        &format!(
            "SELECT {} FROM messages WHERE conversation_id = ? AND author_type <> 'user'
             ORDER BY seq DESC LIMIT 1",
            crate::message::COLUMNS
        ),
        &[conversation_id.into()],
        Message::from_row,
    )?;
    let actions = offered.map(|m| m.actions).unwrap_or_default();
    Ok(match pick {
        Pick::Number(n) => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 1)
            .and_then(|n| actions.get(n - 1).cloned()),
        Pick::Payload(p) => actions.iter().find(|a| a.payload == p).cloned(),
    })
}

/// How a customer's message may pick one of the options offered to them.
enum Pick<'a> {
    /// The n-th option (1 is the first).
    Number(&'a str),
    Payload(&'a str),
}

impl<'a> Pick<'a> {
    fn of(kind: ChannelType, content: &'a Content) -> Option<Self> {
        match content {
            Content::Choice { payload, .. } => Some(match payload.strip_prefix('#') {
                Some(n) => Pick::Number(n),
                None => Pick::Payload(payload),
            }),
            Content::Text { text } => {
                let text = text.trim();
                match kind {
                    // Numbered options (no buttons): SMS, and e-mail, whose reply is trimmed
                    // of the quoted history first.
                    ChannelType::Twilio | ChannelType::Email => {
                        Some(Pick::Number(text.trim_end_matches('.')))
                    }
                    ChannelType::Viber => Some(Pick::Payload(text)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Renders every bot, agent or system message among `messages` for the channel its customer
/// last wrote from, and enqueues it, inside the caller's transaction (so a message is never
/// committed without its send, nor a send queued for a message rolled back): all of them by
/// one statement, since under the write lock each is a host round trip on Spin. Sending happens
/// after commit ([`outbox::deliver_conversations`]) or on the next drain. Returns the rows
/// queued; a conversation whose sends were queued before (a retried request) is among them
/// without a row, so its sends are still attempted.
/// `routes` are those the transaction wrote (see [`reply_route`]).
pub fn queue_sends(
    env: &Env,
    db: &Db,
    messages: &[Message],
    routes: &[ReplyRoute],
) -> Result<Vec<Queued>> {
    let mut entries = Vec::new();
    for message in messages {
        queue_send(env, db, message, routes, &mut entries)?;
    }
    let conversations: Vec<i64> = entries.iter().filter_map(|e| e.conversation_id).collect();
    let mut queued = outbox::enqueue_all(env, db, entries)?;
    for conversation_id in conversations {
        if !queued.iter().any(|q| q.conversation_id == conversation_id) {
            queued.push(Queued {
                conversation_id,
                id: None,
                reserved: None,
            });
        }
    }
    Ok(queued)
}

/// Adds `message`'s sends to `entries`, if it goes to a channel.
fn queue_send(
    env: &Env,
    db: &Db,
    message: &Message,
    routes: &[ReplyRoute],
    entries: &mut Vec<NewEntry>,
) -> Result<()> {
    // The widget reads its messages itself: no integration carries the `web` channel, so a
    // widget conversation costs its write transaction no route lookup.
    if message.author_type == AuthorType::User {
        return Ok(());
    }
    if message.channel == "web" {
        // The customer reads it in the widget — or, if they left, gets an e-mail notice.
        super::notices::reply_posted(db, message)?;
        return Ok(());
    }
    let Some(ReplyRoute {
        integration_id,
        address,
        kind,
        display_name,
        ..
    }) = reply_route(db, message, routes)?
    else {
        return Ok(());
    };
    // Every way files join a message marks it (the widget's, an agent's comment): a bot's
    // reply, the usual one here, has none to look up.
    let files = if message.has_attachments {
        outbound_files(db, message.id)?
    } else {
        Vec::new()
    };
    let email = match kind {
        // An e-mail's reply address and Message-ID are on the inbound domain, which only the
        // credentials know.
        ChannelType::Email => {
            let vault = Vault::from_config(env.config)?;
            let Some(integration) = integrations::by_id(db, &vault, integration_id)? else {
                return Ok(());
            };
            let domain = integration.credentials.get("inbound_domain").to_owned();
            Some(mail_threads::next_outbound(
                env,
                db,
                message.conversation_id,
                &domain,
                message.id,
            )?)
        }
        _ => None,
    };
    let window = super::windows::for_send(db, env.clock.now_ms(), kind, integration_id, message)?;
    let ctx = RenderContext {
        display_name,
        email,
        window,
    };
    let payloads = kind
        .channel()
        .render(&ctx, &Recipient::new(address), message, &files);
    for (part, payload) in payloads.into_iter().enumerate() {
        entries.push(NewEntry {
            integration_id,
            conversation_id: Some(message.conversation_id),
            message_id: Some(message.id),
            dedup_key: format!("message:{}:{part}", message.id),
            payload,
        });
    }
    Ok(())
}

/// Where `message` goes: its conversation's route on its channel (the integration and the
/// customer's address there) and that integration's channel and name — what rendering needs,
/// not the credentials (the send opens them). A route this transaction wrote (`known`, the
/// latest last: a webhook's event sets its sender's) is taken as written; another is one read.
/// Either way this runs under the write lock, where each statement is a host round trip on
/// Spin. `None` without a route or its integration.
fn reply_route(db: &Db, message: &Message, known: &[ReplyRoute]) -> Result<Option<ReplyRoute>> {
    let written = known
        .iter()
        .rev()
        .find(|r| r.conversation_id == message.conversation_id && r.channel == message.channel);
    if let Some(route) = written {
        return Ok(Some(route.clone()));
    }
    let route = db.query_opt(
        "SELECT r.integration_id, r.address, i.type, i.display_name
         FROM conversation_routes r JOIN integrations i ON i.id = r.integration_id
         WHERE r.conversation_id = ? AND r.channel = ?",
        &[
            message.conversation_id.into(),
            message.channel.clone().into(),
        ],
        |r| {
            Ok((
                r.i64("integration_id")?,
                r.string("address")?,
                r.string("type")?,
                r.string("display_name")?,
            ))
        },
    )?;
    let Some((integration_id, address, kind, display_name)) = route else {
        return Ok(None);
    };
    let kind = ChannelType::parse(&kind)
        .ok_or_else(|| Error::corrupt(format!("unknown integration type {kind}")))?;
    Ok(Some(ReplyRoute {
        conversation_id: message.conversation_id,
        channel: message.channel.clone(),
        integration_id,
        address,
        kind,
        display_name,
    }))
}

/// The stored files of message `message_id`, as links the vendor fetches: stand-ins that the
/// send replaces with a link signed then for the vendor's audience (it expires, and opens only
/// that file), never a customer's or an agent's link (`file_links`).
fn outbound_files(db: &Db, message_id: i64) -> Result<Vec<OutboundFile>> {
    let mut by_message = attachments::for_messages(db, &[message_id])?;
    Ok(by_message
        .remove(&message_id)
        .unwrap_or_default()
        .iter()
        .filter(|a| a.status == Status::Stored)
        .map(|a| OutboundFile {
            url: file_links::stand_in(&a.public_id),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
        })
        .collect())
}
