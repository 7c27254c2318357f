//! E-mail through Postmark: the inbound webhook (one parsed e-mail as JSON, authenticated by
//! the basic-auth credentials Postmark puts in the webhook URL) and `POST /email` with the
//! `X-Postmark-Server-Token` header.
//!
//! Which conversation an e-mail answers is not decided here (no database): [`Mail`] carries
//! the reply token of the address it was sent to and its In-Reply-To / References, and
//! [`super::mail_threads`] resolves them in `delivery::receive`.

pub mod files;
mod trim;

use super::channel::{
    http_outcome, AuthError, Channel, ChannelType, Content, Credentials, Event, Mail, MediaSource,
    Outcome, ParseError, Parsed, Payload, Receiver, Recipient, RenderContext, Sender, Webhook,
};
use super::media::{self, OutboundFile};
use super::signature::base64_decode;
use super::wire::postmark as vendor;
use super::wire::{post, url};
use crate::email::Email as Address;
use crate::message::Message;
use serde_json::{json, Value};

pub use trim::{reply_html, reply_text};

pub struct Email;

/// Postmark takes inbound e-mails whose files add up to 35 MB and posts them with the files
/// inline as base64 (a third larger: about 47 MB), next to the text and HTML. The body is
/// parsed in place ([`vendor::Inbound`] borrows the base64 texts) and each file is decoded
/// once, so an e-mail costs its body plus its decoded files in memory (at most about 85 MB).
pub const MAX_BODY: usize = 50 * 1024 * 1024;
/// The local part of per-conversation reply addresses: `reply+<token>@<inbound domain>`.
pub const REPLY_LOCAL: &str = "reply";
/// Longest text we keep from one e-mail (after trimming the quoted history).
const TEXT_MAX: usize = 20_000;

/// A Message-ID without its angle brackets and spaces; `None` when nothing is left.
pub fn bare_id(raw: &str) -> Option<String> {
    let id = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && id.len() <= 998 && !id.chars().any(char::is_whitespace))
        .then(|| id.to_owned())
}

/// Every Message-ID in a References / In-Reply-To header value, in order.
fn ids_in(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter_map(bare_id)
        .collect()
}

/// The token of a `reply+<token>@...` address: 32 hex characters or nothing (a guessed or
/// mangled one is simply not a thread).
fn reply_token(address: &vendor::Address) -> Option<String> {
    let hash = address
        .mailbox_hash
        .clone()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            let local = address.email.split('@').next()?;
            local
                .strip_prefix(REPLY_LOCAL)?
                .strip_prefix('+')
                .map(str::to_owned)
        })?;
    let hash = hash.to_ascii_lowercase();
    (hash.len() == 32 && hash.chars().all(|c| c.is_ascii_hexdigit())).then_some(hash)
}

/// `"Name" <address>`, the name quoted as RFC 5322 wants it.
fn mailbox(name: &str, address: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    if name.trim().is_empty() {
        address.to_owned()
    } else {
        format!("\"{name}\" <{address}>")
    }
}

/// One entry of Postmark's `Headers` list.
pub fn header(name: &str, value: &str) -> Value {
    json!({"Name": name, "Value": value})
}

impl Channel for Email {
    fn kind(&self) -> ChannelType {
        ChannelType::Email
    }

    fn default_api_base(&self) -> &'static str {
        "https://api.postmarkapp.com"
    }

    /// One e-mail: plain text and HTML, threaded under the customer's last e-mail. `From` is
    /// added when it is sent (from the credentials), so a changed sender address applies to
    /// e-mails still waiting.
    fn render(
        &self,
        ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        // Every file as a link the customer opens (an e-mail is read long after it is sent),
        // images shown too; the text lists them all, after the message.
        let links: Vec<&OutboundFile> = files.iter().collect();
        let mut text = media::with_links(&message.text, &links);
        let mut html = String::new();
        for paragraph in message
            .text
            .trim()
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
        {
            let lines: Vec<String> = paragraph.lines().map(crate::html::escape).collect();
            html.push_str(&format!("<p>{}</p>", lines.join("<br>")));
        }
        for file in files {
            let link = crate::html::escape(&file.customer_url());
            let name = crate::html::escape(&file.file_name);
            if file.kind() == media::FileKind::Image {
                html.push_str(&format!(
                    "<p><a href=\"{link}\"><img src=\"{link}\" alt=\"{name}\" \
                     style=\"max-width:100%\"></a></p>"
                ));
            } else {
                html.push_str(&format!("<p><a href=\"{link}\">{name}</a></p>"));
            }
        }
        if !message.actions.is_empty() {
            // No buttons in e-mail: numbered options, answered by a reply with the number.
            text.push_str("\n\n");
            text.push_str(&super::twilio::numbered_options(&message.actions));
            let items: String = message
                .actions
                .iter()
                .map(|q| format!("<li>{}</li>", crate::html::escape(&q.label)))
                .collect();
            html.push_str(&format!("<ol>{items}</ol><p>Reply with a number.</p>"));
        }
        let mut body = json!({
            "FromName": ctx.display_name,
            "To": to.address,
            "Subject": format!("A reply from {}", ctx.display_name),
            "TextBody": text,
            "HtmlBody": html,
            "MessageStream": "outbound",
        });
        if let Some(thread) = &ctx.email {
            let subject = if thread.subject.is_empty() {
                format!("Your conversation with {}", ctx.display_name)
            } else if thread.subject.to_ascii_lowercase().starts_with("re:") {
                thread.subject.clone()
            } else {
                format!("Re: {}", thread.subject)
            };
            body["Subject"] = json!(subject);
            body["ReplyTo"] = json!(thread.reply_to);
            let mut headers = vec![header("Message-ID", &format!("<{}>", thread.message_id))];
            if let Some(last) = thread.references.first() {
                headers.push(header("In-Reply-To", &format!("<{last}>")));
                let chain: Vec<String> = thread
                    .references
                    .iter()
                    .rev()
                    .map(|r| format!("<{r}>"))
                    .collect();
                headers.push(header("References", &chain.join(" ")));
            }
            body["Headers"] = json!(headers);
        }
        vec![Payload {
            endpoint: "email".into(),
            body: body.to_string(),
        }]
    }

    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        _idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let mut body: Value = serde_json::from_str(&payload.body)
            .map_err(|e| format!("the stored e-mail is not JSON: {e}"))?;
        let name = body
            .get("FromName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(map) = body.as_object_mut() {
            map.remove("FromName");
            map.insert(
                "From".into(),
                json!(mailbox(&name, credentials.get("from_address"))),
            );
        }
        post(
            &url(api_base, &format!("/{}", payload.endpoint)),
            "application/json",
            &[
                ("accept", "application/json"),
                ("x-postmark-server-token", credentials.get("server_token")),
            ],
            &body.to_string(),
        )
    }

    /// Postmark answers 200 with `ErrorCode: 0` and its `MessageID`; 422 with an `ErrorCode`
    /// for a refused e-mail (an inactive recipient, a bad sender signature): not retried.
    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        http_outcome(response, |json| {
            json.get("MessageID").and_then(super::wire::json_id)
        })
    }
}

impl Receiver for Email {
    fn max_body(&self) -> usize {
        MAX_BODY
    }

    /// Postmark's documented inbound authentication: basic-auth credentials in the webhook
    /// URL (`https://user:password@host/webhooks/email/<id>`), sent as `Authorization: Basic`.
    /// Both halves are compared in constant time.
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        let Some(value) = hook.header("authorization") else {
            return Err(AuthError::Missing(
                "Authorization header (put the webhook username and password in the inbound webhook URL)",
            ));
        };
        let wrong = AuthError::Rejected("basic-auth username and password");
        let encoded = value
            .trim()
            .strip_prefix("Basic ")
            .or_else(|| value.trim().strip_prefix("basic "))
            .ok_or(wrong.clone())?;
        let decoded = base64_decode(encoded.trim()).ok_or(wrong.clone())?;
        let decoded = String::from_utf8(decoded).map_err(|_| wrong.clone())?;
        let (user, password) = decoded.split_once(':').ok_or(wrong.clone())?;
        let (want_user, want_password) = (
            credentials.get("webhook_username"),
            credentials.get("webhook_password"),
        );
        // Both compared, whatever the first gives: the time says nothing about which was wrong.
        let user_ok = crate::auth::secrets_equal(user, want_user);
        let password_ok = crate::auth::secrets_equal(password, want_password);
        if want_user.is_empty() || want_password.is_empty() || !(user_ok & password_ok) {
            return Err(wrong);
        }
        Ok(())
    }

    fn parse(&self, _credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        let inbound: vendor::Inbound = serde_json::from_slice(body)?;
        let from = Address::parse(inbound.from_full.email.trim()).ok_or_else(|| {
            ParseError::new(format!(
                "`FromFull.Email` is not an e-mail address: {:?}",
                inbound.from_full.email
            ))
        })?;
        let header = |name: &str| {
            inbound
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value.as_str())
                .collect::<Vec<_>>()
        };
        // The e-mail's own Message-ID de-duplicates it (a retried webhook, or the same e-mail
        // reaching us twice through forwarding); Postmark's id when it has none.
        let id = header("Message-ID")
            .first()
            .and_then(|v| bare_id(v))
            .or_else(|| bare_id(&inbound.message_id))
            .ok_or_else(|| {
                ParseError::new("the e-mail has neither a Message-ID nor a MessageID")
            })?;
        let mut references: Vec<String> = header("In-Reply-To")
            .iter()
            .flat_map(|v| ids_in(v))
            .collect();
        let mut older: Vec<String> = header("References")
            .iter()
            .flat_map(|v| ids_in(v))
            .collect();
        older.reverse();
        for r in older {
            if !references.contains(&r) {
                references.push(r);
            }
        }
        references.truncate(50);
        let reply_token = inbound
            .to_full
            .iter()
            .chain(&inbound.cc_full)
            .find_map(reply_token)
            .or_else(|| {
                let original = inbound.original_recipient.as_deref()?;
                reply_token(&vendor::Address {
                    email: original.to_owned(),
                    name: None,
                    mailbox_hash: None,
                })
            });
        let html = inbound
            .html_body
            .as_deref()
            .map(reply_html)
            .filter(|h| !crate::html::to_text(h).trim().is_empty());
        let stripped = inbound.stripped_text_reply.as_deref().unwrap_or("");
        let mut text = if !stripped.trim().is_empty() {
            reply_text(stripped)
        } else if let Some(plain) = inbound
            .text_body
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            reply_text(plain)
        } else {
            html.as_deref()
                .map(crate::html::to_text)
                .unwrap_or_default()
        };
        if text.chars().count() > TEXT_MAX {
            text = text.chars().take(TEXT_MAX).collect::<String>() + "…";
        }
        let (files, notes) = files::decode(inbound.attachments);
        text = with_notes(text, &notes);
        if text.trim().is_empty() && files.is_empty() {
            text = "[empty e-mail]".to_owned();
        }
        let address = from.as_str().to_lowercase();
        let name = inbound
            .from_full
            .name
            .clone()
            .filter(|n| !n.trim().is_empty());
        Ok(Parsed {
            events: vec![Event {
                id,
                sender: Sender {
                    channel: "email".into(),
                    address: address.clone(),
                    name,
                    locale: None,
                },
                recipient: Recipient::new(address),
                sent_at_ms: None,
                content: Content::Text { text },
                ack: None,
                mail: Some(Box::new(Mail {
                    subject: inbound.subject.unwrap_or_default().trim().to_owned(),
                    reply_token,
                    references,
                    html,
                    files,
                })),
            }],
            ignored: 0,
            reply: None,
        })
    }
}

/// `text`, then each note about a file not kept on a line of its own.
pub fn with_notes(text: String, notes: &[String]) -> String {
    if notes.is_empty() {
        return text;
    }
    let notes = notes.join("\n");
    if text.trim().is_empty() {
        notes
    } else {
        format!("{text}\n\n{notes}")
    }
}

/// An e-mail's files come inline in its webhook ([`files`]): nothing is ever fetched later.
impl MediaSource for Email {}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use base64::Engine;

    fn creds() -> Credentials {
        Credentials::new()
            .with("server_token", "pm-server-token")
            .with("from_address", "support@acme.example")
            .with("inbound_domain", "reply.acme.example")
            .with("webhook_username", "postmark")
            .with("webhook_password", "pm-hook-password-123")
    }

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    #[test]
    fn basic_auth_must_match_both_halves() {
        let ok = TestHook::new(b"{}")
            .header("authorization", &basic("postmark", "pm-hook-password-123"));
        assert_eq!(Email.authenticate(&creds(), &ok.hook()), Ok(()));
        for (user, password) in [
            ("postmark", "wrong"),
            ("other", "pm-hook-password-123"),
            ("", ""),
        ] {
            let bad = TestHook::new(b"{}").header("authorization", &basic(user, password));
            assert!(matches!(
                Email.authenticate(&creds(), &bad.hook()),
                Err(AuthError::Rejected(_))
            ));
        }
        let bearer = TestHook::new(b"{}").header("authorization", "Bearer pm-hook-password-123");
        assert!(Email.authenticate(&creds(), &bearer.hook()).is_err());
        assert!(matches!(
            Email.authenticate(&creds(), &TestHook::new(b"{}").hook()),
            Err(AuthError::Missing(_))
        ));
    }

    #[test]
    fn the_documented_inbound_shape_parses_with_threading() {
        let body = sample("postmark-inbound.json");
        let parsed = Email.parse(&creds(), &body).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.sender.identity(), "email:ada@customer.example");
        assert_eq!(e.id, "CAHq1Jz=ada-2@mail.customer.example");
        let mail = e.mail.as_ref().unwrap();
        assert_eq!(
            mail.reply_token.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            mail.references,
            vec![
                "sd.7.a1b2c3@reply.acme.example",
                "CAHq1Jz=ada-1@mail.customer.example"
            ]
        );
        let Content::Text { text } = &e.content else {
            panic!()
        };
        assert_eq!(text, "It still does not work after the update.");
        let html = mail.html.as_deref().unwrap();
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("wrote:"), "{html}");
    }

    #[test]
    fn a_sender_that_is_no_address_is_refused() {
        let body = br#"{"MessageID":"x","FromFull":{"Email":"not an address"}}"#;
        assert!(Email.parse(&creds(), body).is_err());
        assert!(Email.parse(&creds(), b"[]").is_err());
    }

    #[test]
    fn rendering_threads_under_the_last_inbound_message() {
        let ctx = RenderContext {
            display_name: "Acme \"Support\"".into(),
            email: Some(super::super::channel::EmailThread {
                subject: "Broken login".into(),
                reply_to: "reply+0123456789abcdef0123456789abcdef@reply.acme.example".into(),
                message_id: "sd.9.ffee@reply.acme.example".into(),
                references: vec!["last@customer".into(), "first@customer".into()],
            }),
            window: Default::default(),
        };
        let payloads = Email.render(
            &ctx,
            &Recipient::new("ada@customer.example"),
            &message("Try again <now>.\n\nThanks", Vec::new()),
            &[],
        );
        assert_eq!(payloads.len(), 1);
        let req = Email
            .request(&creds(), "https://api.postmarkapp.com", &payloads[0], "k")
            .unwrap();
        assert_eq!(req.uri(), "https://api.postmarkapp.com/email");
        assert_eq!(req.headers()["x-postmark-server-token"], "pm-server-token");
        let body: Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(
            body["From"],
            "\"Acme \\\"Support\\\"\" <support@acme.example>"
        );
        assert_eq!(body["Subject"], "Re: Broken login");
        assert_eq!(body["TextBody"], "Try again <now>.\n\nThanks");
        assert_eq!(
            body["HtmlBody"],
            "<p>Try again &lt;now&gt;.</p><p>Thanks</p>"
        );
        assert_eq!(body["Headers"][1]["Value"], "<last@customer>");
        assert_eq!(
            body["Headers"][2]["Value"],
            "<first@customer> <last@customer>"
        );
        assert!(body.get("FromName").is_none());
    }
}
