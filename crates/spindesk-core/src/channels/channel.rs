//! What a channel is — the one trait every messaging channel implements — and the values that
//! cross it: credentials, the webhook, normalised events, the payloads the outbox keeps.

use super::media::{self, MediaRef, MediaStep, OutboundFile};
use crate::message::Message;
use crate::ports::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The nine channel types (eight messaging apps and e-mail), named as they appear in webhook paths and identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelType {
    WhatsApp,
    Messenger,
    Instagram,
    Telegram,
    Line,
    Viber,
    Slack,
    Twilio,
    Email,
}

impl ChannelType {
    pub const ALL: [ChannelType; 9] = [
        ChannelType::WhatsApp,
        ChannelType::Messenger,
        ChannelType::Instagram,
        ChannelType::Telegram,
        ChannelType::Line,
        ChannelType::Viber,
        ChannelType::Slack,
        ChannelType::Twilio,
        ChannelType::Email,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::WhatsApp => "whatsapp",
            ChannelType::Messenger => "messenger",
            ChannelType::Instagram => "instagram",
            ChannelType::Telegram => "telegram",
            ChannelType::Line => "line",
            ChannelType::Viber => "viber",
            ChannelType::Slack => "slack",
            ChannelType::Twilio => "twilio",
            ChannelType::Email => "email",
        }
    }

    /// The credential fields an integration of this type must have, all write-only.
    pub fn credential_fields(self) -> &'static [&'static str] {
        match self {
            ChannelType::WhatsApp => &[
                "phone_number_id",
                "access_token",
                "app_secret",
                "verify_token",
            ],
            ChannelType::Messenger => {
                &["page_id", "page_access_token", "app_secret", "verify_token"]
            }
            ChannelType::Instagram => &[
                "instagram_account_id",
                "access_token",
                "app_secret",
                "verify_token",
            ],
            ChannelType::Telegram => &["bot_token", "secret_token"],
            ChannelType::Line => &["channel_access_token", "channel_secret"],
            ChannelType::Viber => &["auth_token"],
            ChannelType::Slack => &["bot_token", "signing_secret"],
            ChannelType::Twilio => &["account_sid", "auth_token", "from_number"],
            // Postmark: the server token sends; the inbound webhook URL carries
            // `webhook_username:webhook_password@` (basic auth, Postmark's documented scheme).
            ChannelType::Email => &[
                "server_token",
                "from_address",
                "inbound_domain",
                "webhook_username",
                "webhook_password",
            ],
        }
    }
}

impl fmt::Display for ChannelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An integration's secrets and ids, by field name. `Debug` never prints a value, so a stray
/// `{:?}` cannot leak a token into a log.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Credentials(BTreeMap<String, String>);

impl Credentials {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.set(name, value);
        self
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }

    /// The value, or "" when unset (every field is required at creation, so "" never matches a
    /// signature or a token).
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// `text` with every secret value replaced, for error messages that quote a vendor's answer
    /// or a URL (Telegram puts the bot token in the path).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in self.0.values().filter(|v| v.len() >= 6) {
            out = out.replace(value.as_str(), "[redacted]");
        }
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// A webhook request as the channel sees it: raw bytes, headers, query, the public URL.
pub struct Webhook<'a> {
    pub headers: &'a http::HeaderMap,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    /// The URL the vendor was configured to call (`public_base_url` + path + query); Twilio
    /// signs it. `None` when `public_base_url` is unset.
    pub url: Option<&'a str>,
    pub now_ms: Millis,
}

impl Webhook<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a webhook was not accepted as coming from the vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The header that carries the signature or token is absent.
    Missing(&'static str),
    /// Present but wrong: another key, changed bytes, a malformed value.
    Invalid(&'static str),
    /// Credentials that do not match (basic auth): answered 401, which Postmark retries,
    /// unlike a 403 — the admin may be fixing the webhook URL.
    Rejected(&'static str),
    /// Signed too long ago (Slack's 5-minute replay window).
    Expired,
    /// We cannot check it: something on our side is not configured.
    Unconfigured(&'static str),
}

/// The body is not what the vendor sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(why: impl Into<String>) -> Self {
        ParseError(why.into())
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        ParseError(format!("the JSON body could not be read: {e}"))
    }
}

/// Everything one webhook carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Customer messages, in the order the vendor listed them.
    pub events: Vec<Event>,
    /// Events we deliberately skip: echoes of our own sends, delivery/read/status receipts,
    /// bot messages, other event kinds.
    pub ignored: usize,
    /// The answer the vendor expects instead of a plain acknowledgement (Slack's challenge).
    pub reply: Option<HandshakeReply>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeReply {
    /// Answer 200 with this as `text/plain`.
    Text(String),
}

/// The language a channel says its customer uses, in the form a customer's profile keeps.
pub(crate) fn locale_tag(raw: &str) -> Option<String> {
    crate::locale::Locale::parse(raw).map(|l| l.tag().to_owned())
}

/// One customer message from a vendor's webhook, normalised; it becomes the conversation's
/// [`crate::conversation::Inbound`] in [`delivery::receive`].
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The vendor's id for this message or event: the de-duplication key, stable across retries.
    pub id: String,
    pub sender: Sender,
    /// Where replies to this customer go on this channel.
    pub recipient: Recipient,
    pub sent_at_ms: Option<Millis>,
    pub content: Content,
    /// A token the vendor wants acknowledged (Telegram's callback query id).
    pub ack: Option<String>,
    /// What an e-mail carries besides its text (the e-mail channel only).
    pub mail: Option<Box<Mail>>,
}

/// An inbound e-mail's threading and formatting: which conversation it answers is decided from
/// these in [`crate::channels::delivery::receive`], not by the sender's address alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    /// The `+` part of the address it was sent to (`reply+<token>@<inbound domain>`).
    pub reply_token: Option<String>,
    /// `In-Reply-To`, then `References` newest first, without angle brackets.
    pub references: Vec<String>,
    /// The reply's HTML, sanitized, when the e-mail had an HTML part.
    pub html: Option<String>,
    /// Its attachments (inline `cid:` images too), decoded; stored as files of the customer's
    /// message by [`crate::channels::delivery::receive`], which knows the limits.
    pub files: Vec<MailFile>,
}

/// One file an e-mail carried, as the sender named it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MailFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for MailFile {
    /// The name and the size: the bytes would drown a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailFile({:?}, {} bytes)", self.name, self.bytes.len())
    }
}

/// Who wrote: the identity is `<channel>:<address>`, e.g. `whatsapp:+16505551234`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The identity channel: the integration type, except Twilio's `sms` or `whatsapp`.
    pub channel: String,
    pub address: String,
    pub name: Option<String>,
    /// The customer's language when the channel tells (Telegram, Viber) or a phone number
    /// suggests it; the bot answers in it.
    pub locale: Option<String>,
}

impl Sender {
    pub fn identity(&self) -> String {
        format!("{}:{}", self.channel, self.address)
    }
}

/// The address replies go to (a chat, a DM channel, a phone number), kept with the
/// conversation so bot and agent messages can follow the customer's last channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub address: String,
}

impl Recipient {
    pub fn new(address: impl Into<String>) -> Self {
        Recipient {
            address: address.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        text: String,
    },
    /// An image, video, audio clip, file or sticker. We keep the vendor's id and/or URL and
    /// fetch nothing: the bytes stay with the vendor until someone asks for them.
    Media {
        kind: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        media_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// A tap on a quick reply, button or postback: the payload we sent with the option.
    Choice {
        payload: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// Something a customer sent that we cannot show (a location, a contact card, a poll).
    Unsupported {
        kind: String,
    },
}

impl Content {
    /// The file a media event carries, to fetch; `None` for any other content.
    pub fn media_ref(&self) -> Option<MediaRef> {
        match self {
            Content::Media {
                kind,
                media_id,
                url,
                mime_type,
                ..
            } => Some(MediaRef {
                kind: kind.clone(),
                media_id: media_id.clone(),
                url: url.clone(),
                mime_type: mime_type.clone(),
            }),
            _ => None,
        }
    }

    /// The text to show in the conversation.
    pub fn display_text(&self) -> String {
        match self {
            Content::Text { text } => text.clone(),
            Content::Media { kind, caption, .. } => {
                caption.clone().unwrap_or_else(|| format!("[{kind}]"))
            }
            Content::Choice { payload, title } => title.clone().unwrap_or_else(|| payload.clone()),
            Content::Unsupported { kind } => format!("[unsupported {kind} message]"),
        }
    }
}

/// Who the rendered message is from, where the vendor wants it in the body (Viber).
#[derive(Debug, Clone, Default)]
pub struct RenderContext {
    pub display_name: String,
    /// The conversation's e-mail thread (the e-mail channel only).
    pub email: Option<EmailThread>,
    /// How the vendor's customer-service window lets this message go (WhatsApp, Messenger).
    pub window: Window,
}

/// How a message may reach a customer given the vendor's messaging window, decided from
/// stored state by [`crate::channels::windows`] when it is queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Window {
    /// Inside the window (or a channel without one): the message as it is.
    #[default]
    Open,
    /// Messenger, 24 hours to 7 days after the customer's last message: an agent's reply
    /// tagged `HUMAN_AGENT`.
    HumanAgentTag,
    /// WhatsApp outside the 24-hour window: the approved template the agent chose.
    Template(TemplateSend),
}

/// A WhatsApp message template with its body parameters, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSend {
    pub name: String,
    pub language: String,
    pub parameters: Vec<String>,
}

/// Where an e-mail reply sits in its thread, worked out from stored state when it is queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailThread {
    pub subject: String,
    /// `reply+<token>@<inbound domain>`: replies come back to this conversation.
    pub reply_to: String,
    /// Our Message-ID for this e-mail, without angle brackets (recorded before it is sent).
    pub message_id: String,
    /// The customer's last Message-ID, then older ones of the thread (newest first).
    pub references: Vec<String>,
}

/// One vendor request without its credentials: what the outbox stores. The credentials and the
/// API origin are added by [`Channel::request`] when it is sent, so no secret is copied into
/// the outbox and a rotated token applies to sends still waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The vendor method: `messages`, `sendMessage`, `push`, `chat.postMessage`, ...
    pub endpoint: String,
    /// JSON, or a urlencoded form for Twilio.
    pub body: String,
}

/// How a vendor answered a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the vendor's id for the sent message when it gives one.
    Sent(Option<String>),
    /// Worth trying again later (rate limits, timeouts, the vendor's 5xx).
    Retry(String),
    /// Trying again will not help (bad token, unknown recipient, window closed).
    Permanent(String),
}

/// One messaging channel, the sending side: what every component that queues or sends a bot
/// or agent message needs.
pub trait Channel: Sync {
    fn kind(&self) -> ChannelType;

    /// The vendor's API origin, which an integration's `api_base_url` replaces.
    fn default_api_base(&self) -> &'static str;

    /// A bot or agent `message` and its `files` (sent before its text) as the vendor's send
    /// requests: each file as the vendor's native image, video, audio or document message
    /// where the vendor takes its type and size from a URL, else as a link in the text; the
    /// text split to the channel's limits.
    fn render(
        &self,
        ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload>;

    /// The request that acknowledges an [`Event::ack`] token.
    fn render_ack(&self, _token: &str) -> Option<Payload> {
        None
    }

    /// The HTTP request for a stored payload, with credentials and the API origin applied.
    /// `idempotency_key` is a UUID fixed per outbox row, for vendors that honour one.
    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String>;

    /// How the vendor answered.
    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        http_outcome(response, |_| None)
    }
}

/// One messaging channel, the receiving side: its webhooks. Apart from [`Channel`] so that
/// only the component that takes webhooks (`channels`) carries the vendors' parsers: a
/// component links the code of every method of the trait objects it uses.
pub trait Receiver: Channel {
    /// Largest webhook body we read; larger ones get 413 before anything else.
    fn max_body(&self) -> usize {
        1024 * 1024
    }

    /// The GET setup handshake (Meta's `hub.challenge`): `Some` for channels that have one,
    /// with the body to echo or why not.
    fn verify_subscription(
        &self,
        _credentials: &Credentials,
        _hook: &Webhook,
    ) -> Option<Result<String, AuthError>> {
        None
    }

    /// Checks the signature or token on the raw bytes, in constant time.
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError>;

    /// Every event in the body, after [`Channel::authenticate`] accepted it.
    fn parse(&self, credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError>;

    /// The success body the vendor expects (Twilio wants TwiML).
    fn acknowledgement(&self) -> (&'static str, &'static [u8]) {
        ("application/json", b"{\"ok\":true}")
    }
}

/// Where a channel keeps the files customers send, and how to fetch one with the integration's
/// credentials: only for the components that fetch them (`channels` after a webhook, `admin`'s
/// drain for the retries), apart from [`Receiver`] so the drain does not carry the parsers.
pub trait MediaSource: Channel {
    /// The first request that fetches a customer's file. By default the vendor's URL without
    /// credentials: Messenger, Instagram and Viber hand out CDN links they signed themselves.
    fn media_request(
        &self,
        _credentials: &Credentials,
        _api_base: &str,
        media: &MediaRef,
    ) -> Result<MediaStep, String> {
        Ok(MediaStep::Download(media::get(media.link()?, &[])?))
    }

    /// After a [`MediaStep::Lookup`]: the download request the vendor's `answer` points at.
    fn media_located(
        &self,
        _credentials: &Credentials,
        _api_base: &str,
        _answer: &[u8],
    ) -> Result<http::Request<Vec<u8>>, String> {
        Err(format!("{} answers with the file at once", self.kind()))
    }
}

/// The usual reading of an answer: 2xx sent, 408/429/5xx worth a retry, other 4xx permanent.
/// `id` picks the vendor's message id from a JSON body.
pub fn http_outcome(
    response: &http::Response<Vec<u8>>,
    id: impl Fn(&serde_json::Value) -> Option<String>,
) -> Outcome {
    let status = response.status();
    let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
    if status.is_success() {
        return Outcome::Sent(id(&json));
    }
    let why = format!("HTTP {}: {}", status.as_u16(), excerpt(response.body()));
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Outcome::Retry(why)
    } else {
        Outcome::Permanent(why)
    }
}

/// The start of a vendor's answer, for an outbox row's error.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        out.push('…');
    }
    out
}
