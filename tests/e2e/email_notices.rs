//! Notices for customers who left: an agent's widget reply that stays unread for
//! `email_notice_after_minutes` is e-mailed once (by the outbox drain) to a customer with a
//! verified address, with a signed, expiring "continue" link and an honoured unsubscribe link.

use crate::email::{connect_email, emails_sent, postmark_accepts};
use spindesk_core::ports::Sql as _;
use spindesk_native::MapConfig;
use spindesk_tests::{json, Agent, App, Json, Visitor, ADMIN_TOKEN};
use std::time::Duration;

const SECRET: &str = "notice-link-secret-0123456789abcdef";
const ADDRESS: &str = "ada@customer.example";

fn app() -> App {
    App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("public_base_url", "https://support.example.com")
            .with("notice_link_secret", SECRET),
    )
}

/// A widget customer handed to agents, with a verified address, and the agent's first reply;
/// the visitor and the ticket id.
fn replied(app: &App) -> (Visitor, i64, Agent) {
    connect_email(app);
    postmark_accepts(app, 10);
    let v = app.visitor("en-US");
    app.say(&v, "Talk to a person", Some("handoff"));
    // The address a signed widget login (or the e-mail channel) proved: set up as stored state.
    app.db()
        .execute(
            "INSERT INTO identities (user_id, channel, address, verified, created_at)
             SELECT user_id, 'email', ?, 1, 0 FROM conversations",
            &[ADDRESS.into()],
        )
        .expect("identity");
    let ticket = app.count("SELECT id FROM tickets");
    let agent = app.agent("Grace", "grace@acme.example");
    agent_says(app, &agent, ticket, "Your refund is on its way.");
    (v, ticket, agent)
}

fn agent_says(app: &App, agent: &Agent, ticket: i64, text: &str) {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"comment": {"body": text, "public": true}}}),
    )
    .expect(200);
}

fn minutes(app: &App, n: u64) {
    app.clock.advance(Duration::from_secs(n * 60));
}

/// The notices sent so far (e-mails to the customer's verified address).
fn notices(app: &App) -> Vec<Json> {
    emails_sent(app)
        .into_iter()
        .filter(|e| e["To"] == ADDRESS)
        .collect()
}

/// A link in the notice's text after `label`.
fn link(notice: &Json, label: &str) -> String {
    let text = notice["TextBody"].as_str().expect("text");
    let at = text.find(label).expect(label) + label.len();
    text[at..]
        .split_whitespace()
        .next()
        .expect("url")
        .to_owned()
}

fn path_of(url: &str) -> String {
    url.strip_prefix("https://support.example.com")
        .expect("our URL")
        .to_owned()
}

#[test]
fn an_unread_reply_is_emailed_once_after_the_wait_and_at_most_hourly() {
    let app = app();
    let (_v, ticket, agent) = replied(&app);
    minutes(&app, 4);
    app.drain();
    assert!(notices(&app).is_empty(), "not before 5 minutes");
    minutes(&app, 1);
    let report = app.drain();
    assert_eq!(report["notices"]["queued"], 1, "{report}");
    let sent = notices(&app);
    assert_eq!(sent.len(), 1);
    let notice = &sent[0];
    assert_eq!(notice["Subject"], "New reply from Acme Support");
    assert!(notice["TextBody"]
        .as_str()
        .unwrap()
        .contains("Your refund is on its way."));
    assert!(link(notice, "Continue the conversation: ")
        .starts_with("https://support.example.com/api/widget/continue?"));
    assert!(notice["ReplyTo"].as_str().unwrap().starts_with("reply+"));
    let unsubscribe = notice["Headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["Name"] == "List-Unsubscribe")
        .expect("List-Unsubscribe");
    assert!(unsubscribe["Value"]
        .as_str()
        .unwrap()
        .contains("/api/widget/unsubscribe?"));
    // Drained again: nothing more for the same reply.
    minutes(&app, 30);
    app.drain();
    assert_eq!(notices(&app).len(), 1);

    // A second reply within the hour waits for the hour to pass.
    agent_says(&app, &agent, ticket, "It should arrive tomorrow.");
    minutes(&app, 10);
    app.drain();
    assert_eq!(notices(&app).len(), 1, "at most one notice an hour");
    minutes(&app, 20);
    app.drain();
    let sent = notices(&app);
    assert_eq!(sent.len(), 2);
    assert!(sent[1]["TextBody"]
        .as_str()
        .unwrap()
        .contains("It should arrive tomorrow."));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE 'notice:%'"),
        2
    );
}

#[test]
fn no_notice_when_the_widget_read_the_reply() {
    let app = app();
    let (v, _ticket, _agent) = replied(&app);
    let seq = app.count("SELECT MAX(seq) FROM messages WHERE author_type = 'agent'");
    app.request("widget", "POST", "/api/widget/read")
        .bearer(&v.token)
        .json(&json!({"seq": seq}))
        .send()
        .expect(200);
    minutes(&app, 6);
    let report = app.drain();
    assert_eq!(report["notices"]["dropped"], 1, "{report}");
    assert!(notices(&app).is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM email_notice_due"), 0);
}

#[test]
fn no_notice_without_a_verified_address() {
    let app = app();
    connect_email(&app);
    let v = app.visitor("en-US");
    app.say(&v, "Talk to a person", Some("handoff"));
    // Only a claim (typed into a form): not where e-mail goes.
    app.db()
        .execute(
            "INSERT INTO identities (user_id, channel, address, verified, created_at)
             SELECT user_id, 'email', ?, 0, 0 FROM conversations",
            &[ADDRESS.into()],
        )
        .expect("identity");
    let agent = app.agent("Grace", "grace@acme.example");
    agent_says(&app, &agent, app.count("SELECT id FROM tickets"), "Hello?");
    minutes(&app, 6);
    app.drain();
    assert!(notices(&app).is_empty());
}

#[test]
fn the_unsubscribe_link_is_honoured() {
    let app = app();
    let (_v, ticket, agent) = replied(&app);
    minutes(&app, 5);
    app.drain();
    let notice = notices(&app).remove(0);
    let url = link(&notice, "Stop these e-mails: ");
    let path = path_of(&url);
    // Looking at it (a link scanner) changes nothing; a changed address is refused.
    let page = app.request("widget", "GET", &path).send().expect(200);
    assert!(page.text().contains("<form method=\"post\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM email_unsubscribes"), 0);
    let forged = path.replace("ada%40customer.example", "eve%40customer.example");
    let r = app.request("widget", "POST", &forged).send();
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "link_invalid");
    app.request("widget", "POST", &path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .expect(200);
    assert_eq!(app.count("SELECT COUNT(*) FROM email_unsubscribes"), 1);

    minutes(&app, 120);
    agent_says(&app, &agent, ticket, "Anything else?");
    minutes(&app, 10);
    app.drain();
    assert_eq!(notices(&app).len(), 1, "no notice after unsubscribing");
}

#[test]
fn the_continue_link_opens_the_conversation_until_it_expires() {
    let app = app();
    let (v, _ticket, _agent) = replied(&app);
    minutes(&app, 5);
    app.drain();
    let notice = notices(&app).remove(0);
    let path = path_of(&link(&notice, "Continue the conversation: "));
    let r = app.request("widget", "GET", &path).send();
    assert_eq!(r.status, 303);
    let location = r.header("location").expect("location").to_owned();
    let token = location
        .strip_prefix("/hc/#spindesk_session=")
        .expect("session in the fragment");
    // A new session of the same customer: the same conversation, the agent's reply in it.
    let history = app
        .request("widget", "GET", "/api/widget/conversation")
        .bearer(token)
        .send()
        .expect(200)
        .json();
    assert_eq!(history["conversation"]["id"], v.conversation_id.as_str());
    assert!(history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["text"] == "Your refund is on its way."));

    let tampered = path.replace("&s=", "&s=00");
    let r = app.request("widget", "GET", &tampered).send();
    assert_eq!(r.status, 403);
    let r = app
        .request("widget", "GET", "/api/widget/continue?c=x")
        .send();
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "invalid_link");
    app.clock.advance(Duration::from_secs(8 * 24 * 3600));
    let sessions = app.count("SELECT COUNT(*) FROM widget_sessions");
    let r = app.request("widget", "GET", &path).send();
    assert_eq!(r.status, 410);
    assert_eq!(r.error_code(), "link_expired");
    assert_eq!(app.count("SELECT COUNT(*) FROM widget_sessions"), sessions);
}
