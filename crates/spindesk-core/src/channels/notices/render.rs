//! The notice e-mail, rendered for the e-mail channel's outbox (Postmark's `POST /email` body,
//! `From` added at send time like every e-mail).

use super::links;
use crate::channels::email::header;
use crate::channels::{EmailThread, Payload};
use serde_json::json;

/// A notice to a customer who left the widget with an agent's reply unread.
pub struct Notice<'a> {
    pub display_name: &'a str,
    pub to: &'a str,
    /// (author, text) of each unread reply, oldest first.
    pub replies: &'a [(String, String)],
    pub continue_url: &'a str,
    pub unsubscribe_url: &'a str,
    pub thread: &'a EmailThread,
}

/// The notice as one e-mail: the replies, the "continue" link, a reply address that threads an
/// answer by e-mail into the conversation, and one-click unsubscribe (RFC 8058 headers).
pub fn render(n: &Notice) -> Payload {
    use crate::html::escape;
    let mut text = String::new();
    let mut html = String::new();
    for (author, reply) in n.replies {
        text.push_str(&format!("{author}:\n{}\n\n", reply.trim()));
        let lines: Vec<String> = reply.trim().lines().map(escape).collect();
        html.push_str(&format!(
            "<p><strong>{}</strong></p><p>{}</p>",
            escape(author),
            lines.join("<br>")
        ));
    }
    text.push_str(&format!(
        "Continue the conversation: {}\n(The link works for {} days. You can also answer this e-mail.)\n\nStop these e-mails: {}\n",
        n.continue_url,
        links::CONTINUE_DAYS,
        n.unsubscribe_url
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">Continue the conversation</a></p><p style=\"color:#666;font-size:small\">The link works for {} days. You can also answer this e-mail. <a href=\"{}\">Stop these e-mails</a></p>",
        escape(n.continue_url),
        links::CONTINUE_DAYS,
        escape(n.unsubscribe_url)
    ));
    let mut headers = vec![
        header("Message-ID", &format!("<{}>", n.thread.message_id)),
        header("List-Unsubscribe", &format!("<{}>", n.unsubscribe_url)),
        header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ];
    if let Some(last) = n.thread.references.first() {
        headers.push(header("In-Reply-To", &format!("<{last}>")));
    }
    let body = json!({
        "FromName": n.display_name,
        "To": n.to,
        "Subject": format!("New reply from {}", n.display_name),
        "TextBody": text,
        "HtmlBody": html,
        "ReplyTo": n.thread.reply_to,
        "Headers": headers,
        "MessageStream": "outbound",
    });
    Payload {
        endpoint: "email".into(),
        body: body.to_string(),
    }
}
