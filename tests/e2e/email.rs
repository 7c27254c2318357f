//! The e-mail channel end to end (Postmark): inbound e-mails authenticated by the webhook URL's
//! basic auth, trimmed of quoted history, threaded into the conversation and its open ticket by
//! reply address and Message-IDs; agent replies sent as e-mails threaded under the customer's.

use base64::Engine;
use spindesk_core::ports::Value;
use spindesk_tests::channels::channel_app;
use spindesk_tests::{json, App, Json, Resp};

pub const HOOK_USER: &str = "postmark";
pub const HOOK_PASSWORD: &str = "pm-hook-password-0123";
pub const DOMAIN: &str = "reply.acme.example";

/// Connects a Postmark integration; its public id.
pub fn connect_email(app: &App) -> String {
    let r = app
        .request("admin", "POST", "/api/admin/integrations")
        .admin()
        .json(&json!({"integration": {
            "type": "email",
            "display_name": "Acme Support",
            "server_token": "pm-server-token-0123",
            "from_address": "support@acme.example",
            "inbound_domain": DOMAIN,
            "webhook_username": HOOK_USER,
            "webhook_password": HOOK_PASSWORD,
        }}))
        .send()
        .expect(201);
    r.json()["integration"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub fn basic(user: &str, password: &str) -> String {
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// An inbound e-mail as Postmark posts it.
pub fn inbound(
    from: &str,
    to: &str,
    message_id: &str,
    in_reply_to: Option<&str>,
    text: &str,
) -> Json {
    let mut headers = vec![json!({"Name": "Message-ID", "Value": format!("<{message_id}>")})];
    if let Some(parent) = in_reply_to {
        headers.push(json!({"Name": "In-Reply-To", "Value": format!("<{parent}>")}));
        headers.push(json!({"Name": "References", "Value": format!("<{parent}>")}));
    }
    json!({
        "FromName": "Ada Customer",
        "From": from,
        "FromFull": {"Email": from, "Name": "Ada Customer", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "CcFull": [],
        "Subject": "Broken login",
        "MessageID": format!("pm-{message_id}"),
        "TextBody": text,
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Headers": headers,
        "Attachments": [],
    })
}

pub fn deliver_email(app: &App, id: &str, body: &Json) -> Resp {
    deliver_raw(
        app,
        id,
        &basic(HOOK_USER, HOOK_PASSWORD),
        body.to_string().into_bytes(),
    )
}

fn deliver_raw(app: &App, id: &str, auth: &str, body: Vec<u8>) -> Resp {
    app.request("channels", "POST", &format!("/webhooks/email/{id}"))
        .header("content-type", "application/json")
        .header("authorization", auth)
        .body(body)
        .send()
}

/// Postmark's answer to the next `n` sends.
pub fn postmark_accepts(app: &App, n: usize) {
    for i in 0..n {
        app.outbound.push_reply(Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(
                format!(r#"{{"To":"x","SubmittedAt":"2026-12-05T10:00:00Z","MessageID":"pm-out-{i}","ErrorCode":0,"Message":"OK"}}"#)
                    .into_bytes(),
            )
            .expect("response")));
    }
}

/// The e-mails sent through Postmark, as JSON bodies.
pub fn emails_sent(app: &App) -> Vec<Json> {
    app.outbound
        .sent()
        .iter()
        .filter(|s| *s.request.uri() == "https://api.postmarkapp.com/email")
        .map(|s| {
            assert_eq!(
                s.request.headers()["x-postmark-server-token"],
                "pm-server-token-0123"
            );
            serde_json::from_slice(s.request.body()).expect("JSON e-mail")
        })
        .collect()
}

fn header(email: &Json, name: &str) -> Option<String> {
    email["Headers"]
        .as_array()?
        .iter()
        .find(|h| h["Name"] == name)
        .and_then(|h| h["Value"].as_str().map(str::to_owned))
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_email_reply_with_quoted_history_threads_into_the_open_ticket() {
    let app = channel_app();
    let id = connect_email(&app);
    postmark_accepts(&app, 10);
    deliver_email(
        &app,
        &id,
        &inbound(
            "ada@customer.example",
            "help@reply.acme.example",
            "first@mail.customer.example",
            None,
            "My login is broken",
        ),
    )
    .expect(200);
    // The bot answered by e-mail, threaded under the customer's e-mail, with the
    // conversation's reply address.
    let sent = emails_sent(&app);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let greeting = &sent[0];
    assert_eq!(greeting["To"], "ada@customer.example");
    assert_eq!(greeting["From"], "\"Acme Support\" <support@acme.example>");
    assert_eq!(greeting["Subject"], "Re: Broken login");
    assert_eq!(
        header(greeting, "In-Reply-To").as_deref(),
        Some("<first@mail.customer.example>")
    );
    let reply_to = greeting["ReplyTo"].as_str().expect("ReplyTo").to_owned();
    assert!(
        reply_to.starts_with("reply+") && reply_to.ends_with("@reply.acme.example"),
        "{reply_to}"
    );
    assert!(
        greeting["TextBody"]
            .as_str()
            .unwrap()
            .contains("1. Talk to a person"),
        "{greeting}"
    );
    assert!(greeting["HtmlBody"]
        .as_str()
        .unwrap()
        .contains("<li>Talk to a person</li>"));
    let our_id = header(greeting, "Message-ID").expect("Message-ID");

    // "1" picks the first option, above the quoted greeting: the conversation goes to agents.
    deliver_email(
        &app,
        &id,
        &inbound("ada@customer.example", &reply_to, "second@mail.customer.example", Some(our_id.trim_matches(['<', '>'])),
            "1\n\nOn Sat, Dec 5, 2026 at 10:00 AM Acme Support <support@acme.example> wrote:\n> Hi! I'm the Spindesk bot.\n> 1. Talk to a person"),
    )
    .expect(200);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );

    // From another address, without the reply address, answering our e-mail by its
    // Message-ID: still this conversation and its open ticket, without the quote.
    deliver_email(
        &app,
        &id,
        &inbound("ada.work@customer.example", "help@reply.acme.example", "third@mail.customer.example", Some(our_id.trim_matches(['<', '>'])),
            "It still fails on my phone.\n\nOn Sat, Dec 5, 2026 at 10:00 AM Acme Support <support@acme.example> wrote:\n> Hi! I'm the Spindesk bot."),
    )
    .expect(200);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    let comments: Vec<String> = app
        .rows("SELECT body FROM ticket_comments ORDER BY id", &[])
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    assert!(
        comments.contains(&"It still fails on my phone.".to_owned()),
        "{comments:?}"
    );
    assert!(
        !comments
            .iter()
            .any(|c| c.contains("wrote:") || c.contains("> Hi")),
        "{comments:?}"
    );

    // The address that wrote first is a proven e-mail identity of the customer.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identities i JOIN conversations c ON c.user_id = i.user_id WHERE i.channel = 'email' AND i.address = 'ada@customer.example'"),
        1
    );
}

#[test]
fn an_agent_reply_goes_out_as_an_email_with_in_reply_to() {
    let app = channel_app();
    let id = connect_email(&app);
    postmark_accepts(&app, 10);
    deliver_email(
        &app,
        &id,
        &inbound(
            "ada@customer.example",
            "help@reply.acme.example",
            "first@mail.customer.example",
            None,
            "Hello",
        ),
    )
    .expect(200);
    let our_id = header(&emails_sent(&app)[0], "Message-ID").expect("Message-ID");
    deliver_email(
        &app,
        &id,
        &inbound(
            "ada@customer.example",
            "help@reply.acme.example",
            "second@mail.customer.example",
            Some(our_id.trim_matches(['<', '>'])),
            "1",
        ),
    )
    .expect(200);
    let ticket_id = app.count("SELECT id FROM tickets");
    let agent = app.agent("Grace", "grace@acme.example");
    let before = emails_sent(&app).len();
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket_id}.json"),
        &json!({"ticket": {"comment": {"body": "Please try <this> link.\n\nGrace", "public": true}}}),
    )
    .expect(200);
    let sent = emails_sent(&app);
    assert_eq!(sent.len(), before + 1);
    let reply = sent.last().expect("sent");
    assert_eq!(reply["To"], "ada@customer.example");
    assert_eq!(
        header(reply, "In-Reply-To").as_deref(),
        Some("<second@mail.customer.example>")
    );
    let references = header(reply, "References").expect("References");
    assert!(
        references.ends_with("<second@mail.customer.example>"),
        "{references}"
    );
    assert!(
        references.contains("<first@mail.customer.example>"),
        "{references}"
    );
    assert_eq!(reply["TextBody"], "Please try <this> link.\n\nGrace");
    assert_eq!(
        reply["HtmlBody"],
        "<p>Please try &lt;this&gt; link.</p><p>Grace</p>"
    );
    // Our Message-ID is recorded: a reply to it threads here.
    let own = header(reply, "Message-ID").expect("Message-ID");
    let own = own.trim_matches(['<', '>']).to_owned();
    assert_eq!(
        app.rows(
            "SELECT direction FROM email_message_ids WHERE message_id = ?",
            &[own.into()]
        ),
        vec![vec![Value::Text("out".into())]]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
}

#[test]
fn bad_credentials_are_401_and_a_malformed_email_400_with_nothing_stored() {
    let app = channel_app();
    let id = connect_email(&app);
    let body = inbound(
        "ada@customer.example",
        "help@reply.acme.example",
        "m1@x",
        None,
        "Hi",
    )
    .to_string()
    .into_bytes();
    let r = deliver_raw(&app, &id, &basic(HOOK_USER, "wrong-password"), body.clone());
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "credentials_invalid");
    let r = deliver_raw(&app, &id, &basic("someone", HOOK_PASSWORD), body.clone());
    assert_eq!(r.status, 401);
    let r = app
        .request("channels", "POST", &format!("/webhooks/email/{id}"))
        .header("content-type", "application/json")
        .body(body)
        .send();
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "signature_missing");
    for malformed in [
        b"{not json".to_vec(),
        br#"{"MessageID":"x","FromFull":{"Email":"nobody"}}"#.to_vec(),
        br#"{"FromFull":{"Email":"ada@customer.example"}}"#.to_vec(),
    ] {
        let r = deliver_raw(&app, &id, &basic(HOOK_USER, HOOK_PASSWORD), malformed);
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.error_code(), "invalid_body");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'end-user'"),
        0
    );
}

#[test]
fn the_same_email_delivered_twice_is_stored_once() {
    let app = channel_app();
    let id = connect_email(&app);
    postmark_accepts(&app, 10);
    let email = inbound(
        "ada@customer.example",
        "help@reply.acme.example",
        "once@mail.customer.example",
        None,
        "Hello",
    );
    deliver_email(&app, &id, &email).expect(200);
    let messages = app.count("SELECT COUNT(*) FROM messages");
    deliver_email(&app, &id, &email).expect(200);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), messages);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author_type = 'user'"),
        1
    );
    assert_eq!(emails_sent(&app).len(), 1);
}

#[test]
fn email_credentials_are_checked_when_connecting() {
    let app = channel_app();
    for (field, value) in [
        ("from_address", "support"),
        ("inbound_domain", "not a domain"),
        ("webhook_username", "post:mark"),
        ("webhook_password", "short"),
    ] {
        let mut integration = json!({
            "type": "email",
            "display_name": "Acme Support",
            "server_token": "pm-server-token-0123",
            "from_address": "support@acme.example",
            "inbound_domain": DOMAIN,
            "webhook_username": HOOK_USER,
            "webhook_password": HOOK_PASSWORD,
        });
        integration[field] = json!(value);
        let r = app
            .request("admin", "POST", "/api/admin/integrations")
            .admin()
            .json(&json!({ "integration": integration }))
            .send();
        assert_eq!(r.status, 422, "{field}: {}", r.text());
        assert_eq!(r.error_code(), "invalid_credential", "{field}");
    }
    let listed = app
        .request("admin", "GET", "/api/admin/integrations")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(listed["integrations"], json!([]));
}

#[test]
fn an_html_only_email_is_kept_sanitized_without_its_quoted_part() {
    let app = channel_app();
    let id = connect_email(&app);
    postmark_accepts(&app, 10);
    let mut email = inbound(
        "ada@customer.example",
        "help@reply.acme.example",
        "html@mail.customer.example",
        None,
        "",
    );
    email["HtmlBody"] = json!("<div>My <b>invoice</b> is wrong<img src=x onerror=alert(1)><script>steal()</script></div><div class=\"gmail_quote\">On Fri wrote:<blockquote>Old text</blockquote></div>");
    deliver_email(&app, &id, &email).expect(200);
    let rows = app.rows(
        "SELECT text, json_extract(content, '$.html') FROM messages WHERE author_type = 'user'",
        &[],
    );
    let (plain, html) = (text(&rows[0][0]), text(&rows[0][1]));
    assert_eq!(plain, "My invoice is wrong");
    assert!(html.contains("<b>invoice</b>"), "{html}");
    for gone in ["script", "steal", "onerror", "Old text", "wrote"] {
        assert!(!html.contains(gone), "{gone} in {html}");
    }
}
