//! Viber REST bot API callbacks.

use super::opt_id_string;
use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::channels) struct Callback {
    pub(in crate::channels) event: String,
    pub(in crate::channels) timestamp: Option<i64>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub(in crate::channels) message_token: Option<String>,
    pub(in crate::channels) sender: Option<User>,
    pub(in crate::channels) message: Option<Message>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct User {
    pub(in crate::channels) id: String,
    pub(in crate::channels) name: Option<String>,
    /// The device's language (Viber sends e.g. "ko" or "en-US").
    pub(in crate::channels) language: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Message {
    #[serde(rename = "type")]
    pub(in crate::channels) kind: String,
    pub(in crate::channels) text: Option<String>,
    pub(in crate::channels) media: Option<String>,
    pub(in crate::channels) file_name: Option<String>,
}
