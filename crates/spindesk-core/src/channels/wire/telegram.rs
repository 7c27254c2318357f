//! Telegram Bot API: the `Update` a webhook carries.

use super::id_string;
use serde::Deserialize;

#[derive(Deserialize)]
pub(in crate::channels) struct Update {
    #[allow(dead_code)]
    pub(in crate::channels) update_id: i64,
    pub(in crate::channels) message: Option<Message>,
    pub(in crate::channels) callback_query: Option<CallbackQuery>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct Message {
    pub(in crate::channels) message_id: i64,
    pub(in crate::channels) from: Option<User>,
    pub(in crate::channels) chat: Chat,
    pub(in crate::channels) date: Option<i64>,
    pub(in crate::channels) text: Option<String>,
    pub(in crate::channels) caption: Option<String>,
    #[serde(default)]
    pub(in crate::channels) photo: Vec<File>,
    pub(in crate::channels) document: Option<File>,
    pub(in crate::channels) video: Option<File>,
    pub(in crate::channels) audio: Option<File>,
    pub(in crate::channels) voice: Option<File>,
    pub(in crate::channels) sticker: Option<File>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct User {
    #[serde(deserialize_with = "id_string")]
    pub(in crate::channels) id: String,
    #[serde(default)]
    pub(in crate::channels) is_bot: bool,
    pub(in crate::channels) first_name: Option<String>,
    pub(in crate::channels) last_name: Option<String>,
    /// The IETF tag of the user's Telegram language (optional in the Bot API).
    pub(in crate::channels) language_code: Option<String>,
}

impl User {
    pub(in crate::channels) fn name(&self) -> Option<String> {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }
}

#[derive(Deserialize)]
pub(in crate::channels) struct Chat {
    #[serde(deserialize_with = "id_string")]
    pub(in crate::channels) id: String,
}

#[derive(Deserialize)]
pub(in crate::channels) struct File {
    pub(in crate::channels) file_id: String,
    pub(in crate::channels) mime_type: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct CallbackQuery {
    pub(in crate::channels) id: String,
    pub(in crate::channels) from: User,
    pub(in crate::channels) message: Option<CallbackMessage>,
    pub(in crate::channels) data: Option<String>,
}

#[derive(Deserialize)]
pub(in crate::channels) struct CallbackMessage {
    pub(in crate::channels) chat: Chat,
}
