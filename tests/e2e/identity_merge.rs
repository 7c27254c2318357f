//! One customer across channels (issue 13): an agent merges a WhatsApp customer into the
//! verified web customer they are (Zendesk's `PUT /api/v2/users/{id}/merge`): one timeline with
//! every message once, in order, each with its channel; tickets re-pointed; replies go where
//! the customer last wrote, or where the agent chooses.

use crate::identity::{create_key, login, session, token};
use spindesk_core::ports::Value;
use spindesk_tests::channels::{channel_app, Vendor};
use spindesk_tests::*;
use std::time::Duration;

const WA_SEND: &str = "https://graph.facebook.com/v25.0/106540352242922/messages";

fn whatsapp(inner: &str) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}},{inner}}},"field":"messages"}}]}}]}}"#
    )
    .into_bytes()
}

fn wa_text(id: &str, text: &str) -> Vec<u8> {
    whatsapp(&format!(
        r#""contacts":[{{"profile":{{"name":"Ana"}},"wa_id":"16505551234"}}],"messages":[{{"from":"16505551234","id":"{id}","timestamp":"1749416383","type":"text","text":{{"body":"{text}"}}}}]"#
    ))
}

fn id_of(app: &App, sql: &str) -> i64 {
    app.count(sql)
}

fn sends_to_whatsapp(app: &App) -> Vec<String> {
    app.outbound
        .sent()
        .iter()
        .filter(|s| s.request.uri() == WA_SEND)
        .map(|s| String::from_utf8_lossy(s.request.body()).into_owned())
        .collect()
}

fn reply(app: &App, agent: &Agent, ticket: i64, comment: Json) -> Resp {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{ticket}"),
        &json!({"ticket": {"comment": comment}}),
    )
}

#[test]
fn merging_a_whatsapp_customer_into_the_verified_web_customer_keeps_every_message_once() {
    let app = channel_app();
    let key = create_key(&app, "site");
    let web = session(login(&app, &token(&app, &key, "cust-1", json!({})), None));
    app.say(&web, "web one", None);
    app.clock.advance(Duration::from_secs(60));
    let wa = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 30);
    app.deliver(&wa, &wa_text("wamid.1", "whatsapp one"))
        .expect(200);
    app.deliver(&wa, &wa_text("wamid.2", "I need a human"))
        .expect(200);
    app.clock.advance(Duration::from_secs(60));
    app.say(&web, "web two", None);
    let web_user = id_of(&app, "SELECT id FROM users WHERE external_id = 'cust-1'");
    let wa_user = id_of(
        &app,
        "SELECT user_id FROM identities WHERE channel = 'whatsapp'",
    );
    assert_ne!(web_user, wa_user);
    let total = app.count("SELECT count(*) FROM messages");
    let ticket = app.count("SELECT id FROM tickets");
    assert!(ticket > 0, "the WhatsApp customer was handed to agents");

    let agent = app.agent("Agent", "agent@example.com");
    let r = app
        .zendesk_put(
            &agent,
            &format!("/api/v2/users/{wa_user}/merge"),
            &json!({"user": {"id": web_user}}),
        )
        .expect(200)
        .json();
    assert_eq!(r["user"]["id"], web_user);

    // One conversation, every message once, numbered 1..n in the order written.
    assert_eq!(app.count("SELECT count(*) FROM messages"), total);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    let seqs = app.rows("SELECT seq FROM messages ORDER BY seq", &[]);
    assert_eq!(
        seqs,
        (1..=total)
            .map(|i| vec![Value::Integer(i)])
            .collect::<Vec<_>>()
    );
    let customer = app.rows(
        "SELECT text, channel FROM messages WHERE author_type = 'user' ORDER BY seq",
        &[],
    );
    let customer: Vec<(String, String)> = customer
        .iter()
        .map(|r| match (&r[0], &r[1]) {
            (Value::Text(t), Value::Text(c)) => (t.clone(), c.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        customer,
        [
            ("web one".to_owned(), "web".to_owned()),
            ("whatsapp one".to_owned(), "whatsapp".to_owned()),
            ("I need a human".to_owned(), "whatsapp".to_owned()),
            ("web two".to_owned(), "web".to_owned()),
        ]
    );
    // The widget shows the whole timeline with each message's channel.
    let history = app.history(&web);
    let shown: Vec<(&str, &str)> = history
        .iter()
        .filter(|m| m["author"]["type"] == "user")
        .map(|m| (m["text"].as_str().unwrap(), m["channel"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("web one", "web"),
            ("whatsapp one", "whatsapp"),
            ("I need a human", "whatsapp"),
            ("web two", "web")
        ]
    );
    // Tickets follow the customer; the old user keeps nothing personal and is inactive.
    assert_eq!(
        app.count(&format!(
            "SELECT requester_id FROM tickets WHERE id = {ticket}"
        )),
        web_user
    );
    let old = app.rows(
        "SELECT name, external_id, active FROM users WHERE id = ?",
        &[wa_user.into()],
    );
    assert_eq!(
        old,
        vec![vec![
            Value::Text("Merged user".into()),
            Value::Null,
            Value::Integer(0)
        ]]
    );
    let ids = app
        .zendesk_get(&agent, &format!("/api/v2/users/{web_user}/identities"))
        .expect(200)
        .json();
    let kinds: Vec<(String, bool)> = ids["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["channel"].as_str().unwrap().to_owned(),
                i["verified"] == true,
            )
        })
        .collect();
    assert!(kinds.contains(&("whatsapp".into(), true)), "{kinds:?}");
    assert!(kinds.contains(&("web".into(), true)), "{kinds:?}");
    assert_eq!(ids["identities"][1]["value"], "+16505551234");

    // The customer last wrote on the web: a reply goes there, not to WhatsApp...
    let before = sends_to_whatsapp(&app).len();
    reply(&app, &agent, ticket, json!({"body": "Seen on the web"})).expect(200);
    assert_eq!(sends_to_whatsapp(&app).len(), before);
    assert!(app
        .history(&web)
        .iter()
        .any(|m| m["text"] == "Seen on the web" && m["channel"] == "web"));
    // ...unless the agent picks WhatsApp for this reply.
    reply(
        &app,
        &agent,
        ticket,
        json!({"body": "Sent to WhatsApp", "channel": "whatsapp"}),
    )
    .expect(200);
    let sent = sends_to_whatsapp(&app);
    assert_eq!(sent.len(), before + 1);
    assert!(sent.last().unwrap().contains("Sent to WhatsApp"));
    let unreachable = reply(
        &app,
        &agent,
        ticket,
        json!({"body": "x", "channel": "telegram"}),
    )
    .expect(422);
    assert!(unreachable.text().contains("comment.channel"));
    // When they write on WhatsApp again, it lands in the one conversation and replies go back.
    app.deliver(&wa, &wa_text("wamid.3", "back on whatsapp"))
        .expect(200);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'end-user' AND active = 1"),
        1
    );
    reply(&app, &agent, ticket, json!({"body": "Got it"})).expect(200);
    assert!(sends_to_whatsapp(&app).last().unwrap().contains("Got it"));

    let audit = app
        .request("admin", "GET", "/api/admin/audit_log")
        .admin()
        .send()
        .expect(200)
        .text();
    assert!(audit.contains("user.merge"));
}

#[test]
fn agents_themselves_and_merged_users_cannot_be_merged() {
    let app = App::new();
    let agent = app.agent("Agent", "agent@example.com");
    let other = app.agent("Other", "other@example.com");
    let a = app.visitor("en");
    app.say(&a, "a", None);
    let b = app.visitor("en");
    app.say(&b, "b", None);
    let ids = app.rows(
        "SELECT id FROM users WHERE role = 'end-user' ORDER BY id",
        &[],
    );
    let (ua, ub) = match (&ids[0][0], &ids[1][0]) {
        (Value::Integer(a), Value::Integer(b)) => (*a, *b),
        other => panic!("{other:?}"),
    };
    let merge = |from: i64, into: Json| {
        app.zendesk_put(
            &agent,
            &format!("/api/v2/users/{from}/merge"),
            &json!({"user": {"id": into}}),
        )
    };
    let refused = merge(other.id, json!(ua)).expect(422);
    assert!(refused.text().contains("agents"), "{}", refused.text());
    merge(ua, json!(other.id)).expect(422);
    merge(ua, json!(ua)).expect(422);
    merge(ua, json!(999_999)).expect(422);
    merge(999_999, json!(ua)).expect(404);
    let r = app
        .zendesk_put(
            &agent,
            &format!("/api/v2/users/{ua}/merge"),
            &json!({"user": {}}),
        )
        .status;
    assert!((400..500).contains(&r), "{r}");
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 2);
    merge(ua, json!(ub)).expect(200);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    merge(ua, json!(ub)).expect(422);
    // Without staff credentials: 401.
    app.request("tickets", "PUT", &format!("/api/v2/users/{ub}/merge"))
        .json(&json!({"user": {"id": ua}}))
        .send()
        .expect(401);
}

#[test]
fn erasing_a_merged_customer_leaves_nothing_of_either_account() {
    let app = App::new();
    let key = create_key(&app, "site");
    let jwt = token(
        &app,
        &key,
        "erase-me",
        json!({"name": "Ada", "email": "ada@example.com", "email_verified": true}),
    );
    let web = session(login(&app, &jwt, None));
    app.say(&web, "signed in", None);
    let other = app.visitor("en");
    app.say(&other, "another device, anonymous", None);
    let agent = app.agent("Agent", "agent@example.com");
    let ids = app.rows(
        "SELECT id, external_id FROM users WHERE role = 'end-user' ORDER BY id",
        &[],
    );
    let (into, from) = match (&ids[0][0], &ids[1][0]) {
        (Value::Integer(a), Value::Integer(b)) => (*a, *b),
        other => panic!("{other:?}"),
    };
    app.zendesk_put(
        &agent,
        &format!("/api/v2/users/{from}/merge"),
        &json!({"user": {"id": into}}),
    )
    .expect(200);
    // The Sunshine API finds one user, by the external id; the merged-away one is gone.
    let sun = crate::sunshine_openapi::Sun::admin(&app);
    sun.get("/users/erase-me").expect(200);
    let public_from = app.rows("SELECT public_id FROM users WHERE id = ?", &[from.into()]);
    let Value::Text(public_from) = &public_from[0][0] else {
        panic!("public id")
    };
    sun.get(&format!("/users/{public_from}")).expect(404);
    sun.delete("/users/erase-me").expect(200);
    for sql in [
        "SELECT count(*) FROM messages",
        "SELECT count(*) FROM identities",
        "SELECT count(*) FROM widget_sessions",
        "SELECT count(*) FROM conversations",
        "SELECT count(*) FROM users WHERE role = 'end-user' AND (email IS NOT NULL OR external_id IS NOT NULL)",
        "SELECT count(*) FROM users WHERE role = 'end-user' AND name NOT IN ('Deleted user', 'Merged user')",
    ] {
        assert_eq!(app.count(sql), 0, "{sql}");
    }
}

/// A WhatsApp message read before the write lock while an agent merges its customer into the
/// web customer: under the lock its sender is found changed (the account is the web
/// customer's now, their conversation the merged one), and the message joins the merged
/// timeline once.
#[test]
fn a_message_that_waited_while_its_customer_was_merged_joins_the_merged_timeline() {
    let app = channel_app();
    let key = create_key(&app, "site");
    let web = session(login(&app, &token(&app, &key, "cust-1", json!({})), None));
    app.say(&web, "web one", None);
    let wa = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 30);
    app.deliver(&wa, &wa_text("wamid.1", "whatsapp one"))
        .expect(200);
    let web_user = id_of(&app, "SELECT id FROM users WHERE external_id = 'cust-1'");
    let wa_user = id_of(
        &app,
        "SELECT user_id FROM identities WHERE channel = 'whatsapp'",
    );
    let agent = app.agent("Agent", "agent@example.com");

    app.delivery(&wa, &wa_text("wamid.2", "whatsapp two"), &wa.secret)
        .send_racing(|| {
            app.zendesk_put(
                &agent,
                &format!("/api/v2/users/{wa_user}/merge"),
                &json!({"user": {"id": web_user}}),
            )
            .expect(200);
        })
        .expect(200);

    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    let web_conversation = id_of(
        &app,
        &format!("SELECT id FROM conversations WHERE user_id = {web_user}"),
    );
    let stored = app.rows(
        "SELECT conversation_id FROM messages WHERE text = 'whatsapp two'",
        &[],
    );
    assert_eq!(stored, [vec![Value::Integer(web_conversation)]]);
    let route = app.rows(
        "SELECT conversation_id, channel FROM conversation_routes",
        &[],
    );
    assert!(
        route.contains(&vec![
            Value::Integer(web_conversation),
            Value::Text("whatsapp".into())
        ]),
        "replies go where the customer wrote last: {route:?}"
    );
}
