//! WhatsApp Cloud API webhooks: `entry[].changes[].value` with `messages[]` and `statuses[]`.

use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::channels) struct Notification {
    pub(in crate::channels) object: String,
    #[serde(default)]
    pub(in crate::channels) entry: Vec<Entry>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Entry {
    #[serde(default)]
    pub(in crate::channels) changes: Vec<Change>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Change {
    pub(in crate::channels) value: Value,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Value {
    pub(in crate::channels) metadata: Option<Metadata>,
    #[serde(default)]
    pub(in crate::channels) contacts: Vec<Contact>,
    #[serde(default)]
    pub(in crate::channels) messages: Vec<Message>,
    #[serde(default)]
    pub(in crate::channels) statuses: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Metadata {
    pub(in crate::channels) phone_number_id: String,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Contact {
    pub(in crate::channels) wa_id: String,
    pub(in crate::channels) profile: Option<Profile>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Profile {
    pub(in crate::channels) name: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Message {
    pub(in crate::channels) from: String,
    pub(in crate::channels) id: String,
    pub(in crate::channels) timestamp: Option<String>,
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) text: Option<Text>,
    pub(in crate::channels) image: Option<Media>,
    pub(in crate::channels) video: Option<Media>,
    pub(in crate::channels) audio: Option<Media>,
    pub(in crate::channels) document: Option<Media>,
    pub(in crate::channels) sticker: Option<Media>,
    pub(in crate::channels) interactive: Option<Interactive>,
    pub(in crate::channels) button: Option<TemplateButton>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Text {
    pub(in crate::channels) body: String,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Media {
    pub(in crate::channels) id: Option<String>,
    pub(in crate::channels) url: Option<String>,
    pub(in crate::channels) mime_type: Option<String>,
    pub(in crate::channels) caption: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Interactive {
    pub(in crate::channels) button_reply: Option<Reply>,
    pub(in crate::channels) list_reply: Option<Reply>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Reply {
    pub(in crate::channels) id: String,
    pub(in crate::channels) title: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct TemplateButton {
    pub(in crate::channels) payload: Option<String>,
    pub(in crate::channels) text: Option<String>,
}
