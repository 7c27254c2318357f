//! Postmark's inbound webhook: one parsed e-mail per POST.

use serde::Deserialize;
use std::borrow::Cow;

/// Borrows from the request body where it can (an attachment's base64 text is never copied
/// unless the JSON escapes a character in it), so a large e-mail is held once.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(in crate::channels) struct Inbound<'a> {
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
    #[serde(default, borrow)]
    pub(in crate::channels) attachments: Vec<Attachment<'a>>,
}

/// One file of an inbound e-mail, its bytes inline as base64. Its `ContentType` and
/// `ContentLength` are the sender's word: the type comes from the bytes, the size from
/// decoding them.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(in crate::channels) struct Attachment<'a> {
    #[serde(default)]
    pub(in crate::channels) name: Option<String>,
    /// A `Cow` directly (not in an `Option`): only then does serde borrow it from the body.
    #[serde(default, borrow)]
    pub(in crate::channels) content: Cow<'a, str>,
    /// `cid:` of an inline image its HTML refers to (kept as a file like any other).
    #[serde(default, rename = "ContentID")]
    pub(in crate::channels) content_id: Option<String>,
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
