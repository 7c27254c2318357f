//! Messenger and Instagram webhooks (Meta): `entry[].messaging[]` events.

use super::id_string;
use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::channels) struct Notification {
    pub(in crate::channels) object: String,
    #[serde(default)]
    pub(in crate::channels) entry: Vec<Entry>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Entry {
    #[serde(deserialize_with = "id_string")]
    pub(in crate::channels) id: String,
    #[serde(default)]
    pub(in crate::channels) messaging: Vec<Messaging>,
    #[serde(default)]
    pub(in crate::channels) changes: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Messaging {
    pub(in crate::channels) sender: Option<Party>,
    pub(in crate::channels) timestamp: Option<i64>,
    pub(in crate::channels) message: Option<Message>,
    pub(in crate::channels) postback: Option<Postback>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Party {
    #[serde(deserialize_with = "id_string")]
    pub(in crate::channels) id: String,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Message {
    pub(in crate::channels) mid: Option<String>,
    pub(in crate::channels) text: Option<String>,
    #[serde(default)]
    pub(in crate::channels) is_echo: bool,
    #[serde(default)]
    pub(in crate::channels) is_deleted: bool,
    #[serde(default)]
    pub(in crate::channels) is_unsupported: bool,
    pub(in crate::channels) quick_reply: Option<QuickReplyTap>,
    #[serde(default)]
    pub(in crate::channels) attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct QuickReplyTap {
    pub(in crate::channels) payload: String,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Attachment {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) payload: Option<AttachmentPayload>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct AttachmentPayload {
    pub(in crate::channels) url: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Postback {
    pub(in crate::channels) mid: Option<String>,
    pub(in crate::channels) title: Option<String>,
    pub(in crate::channels) payload: String,
}
