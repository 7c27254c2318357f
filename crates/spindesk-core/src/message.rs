//! A message in a conversation, and how the widget and the APIs see it.

use crate::ports::{Millis, SqlError};
use crate::store::Row;
use crate::timestamp::iso8601_ms;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Longest customer or agent text we store, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorType {
    User,
    Bot,
    Agent,
    System,
}

impl AuthorType {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorType::User => "user",
            AuthorType::Bot => "bot",
            AuthorType::Agent => "agent",
            AuthorType::System => "system",
        }
    }

    fn parse(s: &str) -> Result<Self, SqlError> {
        match s {
            "user" => Ok(AuthorType::User),
            "bot" => Ok(AuthorType::Bot),
            "agent" => Ok(AuthorType::Agent),
            "system" => Ok(AuthorType::System),
            other => Err(crate::store::Row::invalid(
                "author_type",
                format!("unknown author type {other}"),
            )),
        }
    }
}

/// An option the customer can tap, wherever it is offered: the bot's state and turns, a stored
/// message, a channel's buttons. `payload` comes back with the tap; `label` is what the customer
/// sees (and may type instead, on channels without buttons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub label: String,
    pub payload: String,
}

impl QuickReply {
    pub fn new(label: &str, payload: &str) -> Self {
        QuickReply {
            label: label.into(),
            payload: payload.into(),
        }
    }
}

/// How `messages.content` and the widget and conversations APIs spell a quick reply. They
/// predate [`QuickReply`]; stored rows and shipped clients read `{type, text, payload}`.
#[derive(Serialize, Deserialize)]
struct ActionJson {
    #[serde(rename = "type")]
    kind: String,
    text: String,
    payload: String,
}

impl From<&QuickReply> for ActionJson {
    fn from(q: &QuickReply) -> Self {
        ActionJson {
            kind: "reply".into(),
            text: q.label.clone(),
            payload: q.payload.clone(),
        }
    }
}

impl From<ActionJson> for QuickReply {
    fn from(a: ActionJson) -> Self {
        QuickReply {
            label: a.text,
            payload: a.payload,
        }
    }
}

/// Quick replies as the `actions` array of a message's JSON.
pub fn actions_json(replies: &[QuickReply]) -> serde_json::Value {
    serde_json::to_value(replies.iter().map(ActionJson::from).collect::<Vec<_>>())
        .unwrap_or_default()
}

fn serialize_actions<S: serde::Serializer>(
    replies: &[QuickReply],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(replies.iter().map(ActionJson::from))
}

fn deserialize_actions<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<QuickReply>, D::Error> {
    let actions = Vec::<ActionJson>::deserialize(d)?;
    Ok(actions.into_iter().map(QuickReply::from).collect())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub channel: String,
    pub text: String,
    pub payload: Option<String>,
    pub actions: Vec<QuickReply>,
    /// Files are linked to it (`attachments.message_id`; `messages.content_type = 'file'`):
    /// views that show files look them up (`crate::attachments::for_messages`).
    pub has_attachments: bool,
    pub created_at: Millis,
}

pub const COLUMNS: &str =
    "id, conversation_id, seq, author_type, author_id, author_name, channel, text, payload, content, content_type, created_at";

#[derive(Default, Serialize, Deserialize)]
struct Content {
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_actions",
        deserialize_with = "deserialize_actions"
    )]
    actions: Vec<QuickReply>,
}

impl Message {
    pub fn from_row(r: &Row) -> Result<Self, SqlError> {
        let content: Content = serde_json::from_str(&r.string("content")?).unwrap_or_default();
        Ok(Message {
            id: r.i64("id")?,
            conversation_id: r.i64("conversation_id")?,
            seq: r.i64("seq")?,
            author_type: AuthorType::parse(&r.string("author_type")?)?,
            author_id: r.opt_i64("author_id")?,
            author_name: r.string("author_name")?,
            channel: r.string("channel")?,
            text: r.string("text")?,
            payload: r.opt_string("payload")?,
            actions: content.actions,
            has_attachments: r.string("content_type")? == "file",
            created_at: r.i64("created_at")?,
        })
    }

    /// The `content` column for a new message.
    pub fn content_json(actions: &[QuickReply]) -> String {
        serde_json::to_string(&Content {
            actions: actions.to_vec(),
        })
        .unwrap_or_else(|_| "{}".into())
    }

    /// The widget's view as a serializable value: what publishing writes straight to bytes.
    pub fn widget_view(&self) -> WidgetMessage<'_> {
        WidgetMessage {
            actions: WidgetActions(&self.actions),
            author: WidgetAuthor {
                name: &self.author_name,
                kind: self.author_type.as_str(),
            },
            channel: &self.channel,
            created_at: iso8601_ms(self.created_at),
            has_attachments: self.has_attachments,
            id: self.id.to_string(),
            seq: self.seq,
            text: &self.text,
        }
    }

    /// The widget API's view. A message with files says so (`has_attachments`); the routes
    /// that can sign links add them (`attachments`), a pushed update leaves the widget to
    /// fetch them.
    pub fn to_widget_json(&self) -> serde_json::Value {
        let mut view = json!({
            "id": self.id.to_string(),
            "seq": self.seq,
            "author": {"type": self.author_type.as_str(), "name": self.author_name},
            "channel": self.channel,
            "text": self.text,
            "actions": actions_json(&self.actions),
            "created_at": iso8601_ms(self.created_at),
        });
        if self.has_attachments {
            view["has_attachments"] = json!(true);
        }
        view
    }
}

impl WidgetMessage<'_> {
    pub fn seq(&self) -> i64 {
        self.seq
    }
}

/// [`Message::to_widget_json`] as a struct with the same fields (in the same, alphabetical,
/// order), for publishing: serialized straight to bytes it costs the components that publish
/// far less code than building a `serde_json::Value` (the `tickets` component must stay under
/// 2 MB). `tests/e2e/widget_grip.rs` checks the two agree.
#[derive(Serialize)]
pub struct WidgetMessage<'a> {
    actions: WidgetActions<'a>,
    author: WidgetAuthor<'a>,
    /// The channel the message came by or went to: one customer's timeline mixes them.
    channel: &'a str,
    created_at: String,
    #[serde(skip_serializing_if = "is_false")]
    has_attachments: bool,
    id: String,
    seq: i64,
    text: &'a str,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize)]
struct WidgetAuthor<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

struct WidgetActions<'a>(&'a [QuickReply]);

impl Serialize for WidgetActions<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_actions(self.0, s)
    }
}

/// Checks a customer's or agent's text: not blank, at most [`MAX_TEXT_CHARS`] characters.
pub fn validate_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("`text` must not be empty".into());
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(format!(
            "`text` is {chars} characters; the limit is {MAX_TEXT_CHARS}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_and_widget_actions_keep_their_older_spelling() {
        let replies = [QuickReply::new("Talk to a person", "handoff")];
        let stored = Message::content_json(&replies);
        assert_eq!(
            stored,
            r#"{"actions":[{"type":"reply","text":"Talk to a person","payload":"handoff"}]}"#
        );
        let content: Content = serde_json::from_str(&stored).unwrap();
        assert_eq!(content.actions, replies);
        assert_eq!(Message::content_json(&[]), "{}");
        assert_eq!(
            actions_json(&replies),
            json!([{"type": "reply", "text": "Talk to a person", "payload": "handoff"}])
        );
        // The bot's state and turns spell it with `label`.
        assert_eq!(
            serde_json::to_string(&replies[0]).unwrap(),
            r#"{"label":"Talk to a person","payload":"handoff"}"#
        );
    }
}
