//! Slack: the Events API envelope and the interactivity endpoint's `block_actions` payload.

use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::channels) struct Envelope {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) challenge: Option<String>,
    pub(in crate::channels) event_id: Option<String>,
    pub(in crate::channels) event: Option<Event>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Event {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) subtype: Option<String>,
    pub(in crate::channels) bot_id: Option<String>,
    pub(in crate::channels) user: Option<String>,
    pub(in crate::channels) channel: Option<String>,
    pub(in crate::channels) text: Option<String>,
    pub(in crate::channels) ts: Option<String>,
    #[serde(default)]
    pub(in crate::channels) files: Vec<File>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct File {
    pub(in crate::channels) id: String,
    pub(in crate::channels) mimetype: Option<String>,
    pub(in crate::channels) url_private: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct BlockActions {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) user: Id,
    pub(in crate::channels) channel: Option<Id>,
    pub(in crate::channels) trigger_id: Option<String>,
    #[serde(default)]
    pub(in crate::channels) actions: Vec<Action>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Id {
    pub(in crate::channels) id: String,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Action {
    pub(in crate::channels) value: Option<String>,
    pub(in crate::channels) text: Option<ActionText>,
    pub(in crate::channels) action_ts: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct ActionText {
    pub(in crate::channels) text: String,
}
