//! A conversation's messages (`/v2/apps/{appId}/conversations/{id}/messages`): list with
//! cursors (message ids), post as the `user` (the customer: the switchboard takes it, so the
//! bot answers or the agents' ticket gets it) or as the `business` (an agent's reply, sent to
//! the customer's channel after the commit), delete all.

use super::content;
use super::crud::{self, Thread};
use super::input::{self, bad};
use super::users::{self, UserRef};
use crate::api::commit;
use crate::attachments::{self, Attachment, Audience, Kind, Status};
use crate::committed::Committed;
use crate::conversation::{self, Inbound, Outgoing};
use crate::message::{actions_json, AuthorType, Message, COLUMNS as MESSAGE_COLUMNS};
use crate::ports::{Env, SqlError};
use crate::store::{Db, Row};
use crate::surface::{Request, Response};
use crate::switchboard::{self, Receipt};
use crate::timestamp::iso8601_ms;
use crate::web::{json, json_status, ApiError};
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// Longest `author.displayName` of a business message.
pub const MAX_NAME_CHARS: usize = 255;

/// A message with its stored `content` column (a message posted here keeps Sunshine's content
/// there, under `sunshine`).
struct Listed {
    message: Message,
    stored: Map<String, Value>,
}

fn from_row(r: &Row) -> Result<Listed, SqlError> {
    let stored = match serde_json::from_str(&r.string("content")?) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok(Listed {
        message: Message::from_row(r)?,
        stored,
    })
}

/// A message's id as this API spells it: 24 digits, zero-padded. Sunshine's ids are 24
/// characters and its official clients refuse cursors of any other length; the number reads
/// back with or without the zeros.
fn message_id(id: i64) -> String {
    format!("{id:024}")
}

fn message_json(row: &Listed, user_public_id: &str) -> Value {
    let m = &row.message;
    let stored = &row.stored;
    let mut author = match m.author_type {
        AuthorType::User => {
            json!({"type": "user", "userId": user_public_id, "displayName": m.author_name})
        }
        // Sunshine's clients accept only `AI` and `activity` as subtypes: a bot's or an
        // agent's message is a plain business message; a system notice is an activity.
        AuthorType::System => {
            json!({"type": "business", "subtypes": ["activity"], "displayName": m.author_name})
        }
        AuthorType::Bot | AuthorType::Agent => {
            json!({"type": "business", "displayName": m.author_name})
        }
    };
    if let Some(url) = stored.get("avatarUrl") {
        author["avatarUrl"] = url.clone();
    }
    if let Some(subtypes) = stored.get("subtypes") {
        author["subtypes"] = subtypes.clone();
    }
    let content = match stored.get("sunshine") {
        Some(content) => content.clone(),
        None => {
            let mut content = json!({"type": "text", "text": m.text});
            if !m.actions.is_empty() {
                content["actions"] = actions_json(&m.actions);
            }
            if let Some(payload) = &m.payload {
                content["payload"] = payload.clone().into();
            }
            content
        }
    };
    let mut out = json!({
        "id": message_id(m.id),
        "received": iso8601_ms(m.created_at),
        "author": author,
        "content": content,
        "source": {"type": m.channel},
    });
    if let Some(metadata) = stored.get("metadata") {
        out["metadata"] = metadata.clone();
    }
    out
}

fn user_public_id(db: &Db, thread: &Thread) -> Result<String, ApiError> {
    Ok(users::by_row_id(db, thread.conversation.user_id)?
        .user
        .public_id)
}

pub fn collection(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    match *req.method() {
        Method::GET => list(env, db, req, id),
        Method::POST => post(env, db, req, id),
        Method::DELETE => {
            db.transaction(|db| {
                let t = crud::find(db, id)?;
                // The sequence keeps counting (`last_seq` stays): a client's cursor never
                // meets a reused number.
                db.execute(
                    "DELETE FROM messages WHERE conversation_id = ?",
                    &[t.conversation.id.into()],
                )?;
                Ok::<_, ApiError>(())
            })?;
            Ok(json(&json!({})))
        }
        _ => Err(ApiError::method_not_allowed(
            req.method(),
            "GET, POST, DELETE",
        )),
    }
}

fn cursor(raw: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    raw.map(|raw| {
        raw.parse::<i64>()
            .map_err(|_| bad(format!("`{name}` must be a message id, got {raw:?}")))
    })
    .transpose()
}

fn list(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    let page = input::page(req)?;
    let after = cursor(page.after.as_deref(), "page[after]")?;
    let before = cursor(page.before.as_deref(), "page[before]")?;
    let size = page.size;
    let thread = crud::find(db, id)?;
    let c = &thread.conversation;
    let user = user_public_id(db, &thread)?;
    let select = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?");
    // One row more than the page tells whether there is more.
    let mut rows = match after {
        Some(after) => db.query(
            &format!("{select} AND id > ? ORDER BY id LIMIT ?"),
            &[c.id.into(), after.into(), (size + 1).into()],
            from_row,
        )?,
        None => {
            let mut rows = db.query(
                &format!("{select} AND id < ? ORDER BY id DESC LIMIT ?"),
                &[
                    c.id.into(),
                    before.unwrap_or(i64::MAX).into(),
                    (size + 1).into(),
                ],
                from_row,
            )?;
            rows.reverse();
            rows
        }
    };
    let has_more = rows.len() as i64 > size;
    if has_more {
        if after.is_some() {
            rows.truncate(size as usize);
        } else {
            rows.remove(0);
        }
    }
    // Older messages exist when paging back found more, or when paging forward started past
    // some; newer ones when paging forward found more, or paging back started before some.
    let older = if after.is_some() {
        !rows.is_empty()
    } else {
        has_more
    };
    let newer = if after.is_some() {
        has_more
    } else {
        before.is_some()
    };
    let mut meta = json!({"hasMore": has_more});
    if let (true, Some(first)) = (older, rows.first()) {
        meta["beforeCursor"] = message_id(first.message.id).into();
    }
    if let (true, Some(last)) = (newer, rows.last()) {
        meta["afterCursor"] = message_id(last.message.id).into();
    }
    let with_files: Vec<i64> = rows
        .iter()
        .filter(|r| r.message.has_attachments && !r.stored.contains_key("sunshine"))
        .map(|r| r.message.id)
        .collect();
    let mut files = attachments::for_messages(db, &with_files)?;
    let origin = crate::web::origin(req);
    let messages: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut out = message_json(r, &user);
            if let Some(list) = files.remove(&r.message.id) {
                media_content(env, &mut out["content"], &list, &origin);
            }
            out
        })
        .collect();
    Ok(json(&json!({"messages": messages, "meta": meta})))
}

/// A message with files (from the widget, an agent, a channel) as Sunshine's `image` or
/// `file` content: its first file, with a link that opens for an hour (Sunshine content holds
/// one medium; the others are listed in `metadata.attachments`).
fn media_content(env: &Env, content: &mut Value, list: &[Attachment], origin: &str) {
    let Some(first) = list.iter().find(|a| a.status == Status::Stored) else {
        return;
    };
    let kind = if first.kind() == Kind::Image {
        "image"
    } else {
        "file"
    };
    let text = content["text"].as_str().unwrap_or_default().to_owned();
    let mut media = json!({
        "type": kind,
        "mediaUrl": attachments::link::absolute(
            attachments::download_url(env, first, Audience::Agent),
            origin,
        ),
        "mediaType": first.content_type,
        "mediaSize": first.size,
        "altText": first.file_name,
    });
    if !text.is_empty() {
        media["text"] = text.into();
    }
    *content = media;
}

/// Who a posted message is from.
enum Author {
    User(UserRef),
    Business {
        name: String,
        avatar_url: Option<String>,
        subtypes: Option<Value>,
    },
}

fn author_of(value: Option<&Value>) -> Result<Author, ApiError> {
    let map = value
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`author` is required (an object)"))?;
    let s = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    match s("type").as_deref() {
        Some("user") => {
            input::only(
                map,
                &["type", "userId", "userExternalId", "displayName"],
                "`author`",
            )?;
            match (s("userId"), s("userExternalId")) {
                (Some(id), None) => Ok(Author::User(UserRef::Id(id))),
                (None, Some(ext)) => Ok(Author::User(UserRef::External(ext))),
                _ => Err(bad(
                    "A user's message needs one of `author.userId` and `author.userExternalId`",
                )),
            }
        }
        Some("business") => {
            input::only(
                map,
                &["type", "displayName", "avatarUrl", "subtypes"],
                "`author`",
            )?;
            let name = input::text(
                map.get("displayName"),
                "author.displayName",
                1,
                MAX_NAME_CHARS,
            )?
            .flatten()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Support".into());
            let avatar_url =
                input::text(map.get("avatarUrl"), "author.avatarUrl", 1, 2048)?.flatten();
            if let Some(url) = &avatar_url {
                input::url(url, "author.avatarUrl")?;
            }
            let subtypes = match map.get("subtypes") {
                None => None,
                Some(v) if *v == json!(["AI"]) => Some(v.clone()),
                Some(_) => {
                    return Err(bad(
                        "`author.subtypes` may only be [\"AI\"] when posting (agent and bot \
                         appear in responses only)",
                    ))
                }
            };
            Ok(Author::Business {
                name,
                avatar_url,
                subtypes,
            })
        }
        _ => Err(bad("`author.type` must be \"user\" or \"business\"")),
    }
}

fn post(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    let body = input::object(req)?;
    input::only(&body, &["author", "content", "metadata"], "a message")?;
    let author = author_of(body.get("author"))?;
    let business = matches!(author, Author::Business { .. });
    let parsed = content::parse(
        body.get("content")
            .ok_or_else(|| bad("`content` is required"))?,
        business,
    )?;
    let metadata = input::metadata(body.get("metadata"), "metadata")?;
    let mut stored = Map::new();
    stored.insert("sunshine".into(), parsed.sunshine.clone());
    if let Some(m) = metadata {
        stored.insert("metadata".into(), Value::Object(m));
    }
    let (row, _) = match author {
        Author::User(who) => post_as_user(env, db, id, &who, &parsed, stored)?,
        Author::Business {
            name,
            avatar_url,
            subtypes,
        } => {
            if let Some(url) = avatar_url {
                stored.insert("avatarUrl".into(), url.into());
            }
            if let Some(subtypes) = subtypes {
                stored.insert("subtypes".into(), subtypes);
            }
            commit::write(env, db, |db| {
                let thread = crud::find(db, id)?;
                let outgoing = Outgoing {
                    author_type: AuthorType::Agent,
                    author_id: None,
                    author_name: name,
                    text: parsed.text.clone(),
                    actions: parsed.replies.clone(),
                };
                let m = conversation::post(env, db, thread.conversation.id, &outgoing)?;
                let row = keep_content(db, m.clone(), stored, &parsed)?;
                let committed = Committed {
                    messages: vec![m],
                    ..Committed::default()
                };
                Ok::<_, ApiError>(((row, user_public_id(db, &thread)?), committed))
            })?
        }
    };
    let (row, user) = row;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"messages": [message_json(&row, &user)]}),
    ))
}

/// Stores Sunshine's view of the content beside what the channels use.
fn keep_content(
    db: &Db,
    message: Message,
    mut stored: Map<String, Value>,
    parsed: &content::Parsed,
) -> Result<Listed, ApiError> {
    if !parsed.replies.is_empty() {
        stored.insert("actions".into(), actions_json(&parsed.replies));
    }
    db.execute(
        "UPDATE messages SET content = ? WHERE id = ?",
        &[
            Value::Object(stored.clone()).to_string().into(),
            message.id.into(),
        ],
    )?;
    Ok(Listed { message, stored })
}

type Posted = ((Listed, String), Vec<Message>);

/// The customer writes: the same path as a channel's message (the bot answers in the same
/// transaction, or the message joins the agents' ticket).
fn post_as_user(
    env: &Env,
    db: &Db,
    id: &str,
    who: &UserRef,
    parsed: &content::Parsed,
    stored: Map<String, Value>,
) -> Result<Posted, ApiError> {
    let thread = crud::find(db, id)?;
    let customer = users::find_ref(db, who)?;
    if customer.user.id != thread.conversation.user_id {
        return Err(bad("The author is not this conversation's participant"));
    }
    let inbound = Inbound {
        channel: "api".into(),
        source: None,
        source_message_id: None,
        text: parsed.text.clone(),
        payload: parsed.payload.clone(),
    };
    // The bot's turn is worked out before the write lock, as for every channel.
    let ahead = switchboard::prepare(
        env,
        db,
        &thread.conversation,
        &customer.user,
        &inbound,
        None,
    )?;
    switchboard::write_turn(ahead, |turn| {
        commit::write(env, db, |db| {
            let thread = crud::find(db, id)?;
            let receipt = switchboard::receive(
                env,
                db,
                &thread.conversation,
                &customer.user,
                &inbound,
                turn,
            )?;
            let committed = match receipt {
                Receipt::Stored(committed) => committed,
                // No source id is given, so nothing is recognised as a redelivery.
                Receipt::Duplicate(_) => Committed::default(),
            };
            let first = committed
                .messages
                .first()
                .cloned()
                .ok_or_else(|| ApiError::internal("the customer's message was not stored"))?;
            let row = keep_content(db, first, stored.clone(), parsed)?;
            Ok::<_, ApiError>(((row, customer.user.public_id.clone()), committed))
        })
    })
}
