//! Postmark's inbound webhook: one parsed e-mail per POST.

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(in crate::channels) struct Inbound {
    /// Postmark's id for the inbound e-mail (a UUID).
    #[serde(rename = "MessageID")]
    pub(in crate::channels) message_id: String,
    pub(in crate::channels) from_full: Address,
    #[serde(default)]
    pub(in crate::channels) to_full: Vec<Address>,
    #[serde(default)]
    pub(in crate::channels) cc_full: Vec<Address>,
    #[serde(default)]
    pub(in crate::channels) original_recipient: Option<String>,
    #[serde(default)]
    pub(in crate::channels) subject: Option<String>,
    #[serde(default)]
    pub(in crate::channels) text_body: Option<String>,
    #[serde(default)]
    pub(in crate::channels) html_body: Option<String>,
    /// Postmark's own cut of the reply above the quoted history (often empty).
    #[serde(default)]
    pub(in crate::channels) stripped_text_reply: Option<String>,
    #[serde(default)]
    pub(in crate::channels) headers: Vec<Header>,
    #[serde(default)]
    pub(in crate::channels) attachments: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(in crate::channels) struct Address {
    pub(in crate::channels) email: String,
    #[serde(default)]
    pub(in crate::channels) name: Option<String>,
    /// The part after `+` in the local part (`reply+abc@...` -> `abc`).
    #[serde(default)]
    pub(in crate::channels) mailbox_hash: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(in crate::channels) struct Header {
    pub(in crate::channels) name: String,
    pub(in crate::channels) value: String,
}
