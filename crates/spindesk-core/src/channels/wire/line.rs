//! LINE Messaging API webhooks: `events[]`.

use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::channels) struct Body {
    pub(in crate::channels) events: Vec<Event>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::channels) struct Event {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) mode: Option<String>,
    pub(in crate::channels) timestamp: Option<i64>,
    pub(in crate::channels) source: Option<Source>,
    pub(in crate::channels) webhook_event_id: Option<String>,
    pub(in crate::channels) message: Option<Message>,
    pub(in crate::channels) postback: Option<Postback>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::channels) struct Source {
    pub(in crate::channels) user_id: Option<String>,
    pub(in crate::channels) group_id: Option<String>,
    pub(in crate::channels) room_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::channels) struct Message {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) id: String,
    pub(in crate::channels) text: Option<String>,
    pub(in crate::channels) content_provider: Option<ContentProvider>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::channels) struct ContentProvider {
    pub(in crate::channels) original_content_url: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Postback {
    pub(in crate::channels) data: String,
}
