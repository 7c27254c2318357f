//! A failing bot loses no message: when the live bot cannot load or its turn fails, the
//! customer's message is still stored and acknowledged, the bot's own writes are rolled back
//! alone, and the conversation goes to agents with a ticket whose audit says why (never the
//! bot's secrets). One event of a webhook batch that fails does not fail the others.

use spindesk_core::ports::Value;
use spindesk_tests::channels::*;
use spindesk_tests::*;

/// A secret that sits in the corrupt bot document: it must never reach the ticket or a reply.
const SECRET: &str = "Bearer s3cret-token-123";

/// Makes a published version live whose document no longer parses (as an old or damaged
/// export would), with `SECRET` in the value the parser chokes on.
fn corrupt_live_bot(app: &App) {
    let document = format!(r#"{{"answers": "{SECRET}"}}"#);
    app.rows(
        "INSERT INTO bot_versions (version, document, published_at) VALUES (900, ?, 1)",
        &[Value::Text(document)],
    );
    app.rows(
        "INSERT INTO bot_live (id, version, changed_at) VALUES (1, 900, 1)
         ON CONFLICT (id) DO UPDATE SET version = 900",
        &[],
    );
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// The `bot_error` audit events recorded, in order.
fn bot_errors(app: &App) -> Vec<String> {
    app.rows(
        "SELECT value FROM ticket_audit_events WHERE field_name = 'bot_error' AND reason = 'bot_failed'
         ORDER BY id",
        &[],
    )
    .iter()
    .map(|r| text(&r[0]))
    .collect()
}

fn user_messages(app: &App) -> Vec<String> {
    app.rows(
        "SELECT text FROM messages WHERE author_type = 'user' ORDER BY conversation_id, seq",
        &[],
    )
    .iter()
    .map(|r| text(&r[0]))
    .collect()
}

#[test]
fn a_widget_message_to_a_bot_that_cannot_load_is_stored_and_handed_off_with_the_error() {
    let app = App::new();
    let visitor = app.visitor("en");
    corrupt_live_bot(&app);
    let sent = app
        .request("widget", "POST", "/api/widget/messages")
        .bearer(&visitor.token)
        .json(&json!({"text": "my parcel is late", "client_id": "c-1"}))
        .send()
        .expect(201)
        .json();
    assert_eq!(sent["message"]["text"], "my parcel is late");
    assert!(!sent.to_string().contains("s3cret"), "{sent}");
    assert_eq!(user_messages(&app), ["my parcel is late"]);
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent' AND ticket_id IS NOT NULL"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE tags LIKE '%\"bot_failed\"%'"),
        1
    );
    let errors = bot_errors(&app);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("stored bot does not parse"),
        "{errors:?}"
    );
    assert!(
        !errors[0].contains("s3cret"),
        "the bot's secret leaked: {errors:?}"
    );
    // The ticket holds the customer's message for the agents.
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE description LIKE '%my parcel is late%'"),
        1
    );

    // The widget's retry of the same message stores nothing twice; the next message joins the
    // agents' ticket without another failure.
    app.request("widget", "POST", "/api/widget/messages")
        .bearer(&visitor.token)
        .json(&json!({"text": "my parcel is late", "client_id": "c-1"}))
        .send()
        .expect(200);
    app.say(&visitor, "anyone there?", None);
    assert_eq!(user_messages(&app), ["my parcel is late", "anyone there?"]);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(bot_errors(&app).len(), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE body = 'anyone there?'"),
        1
    );
}

#[test]
fn a_bot_turn_that_fails_halfway_takes_back_only_its_own_writes() {
    let app = App::new();
    let visitor = app.visitor("en");
    let state_before = app.rows("SELECT bot_state, greeted FROM conversations", &[]);
    // The bot's turn stores its state, then fails as it posts its greeting: a SQL error from
    // the bot's part after it has written.
    refuse_bot_messages(&app);
    let sent = app.say(&visitor, "hello", None);
    assert_eq!(sent["message"]["text"], "hello");
    assert_eq!(user_messages(&app), ["hello"]);
    assert_eq!(
        app.rows("SELECT bot_state, greeted FROM conversations", &[]),
        state_before,
        "the bot's state write was rolled back with its failed turn"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'"),
        0
    );
    let errors = bot_errors(&app);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("bot messages refused"), "{errors:?}");
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );
}

/// The trigger of `a_bot_turn_that_fails_halfway_takes_back_only_its_own_writes`: the bot's
/// messages cannot be stored (its turn, worked out before the transaction, holds).
fn refuse_bot_messages(app: &App) {
    app.rows(
        "CREATE TRIGGER bot_cannot_speak BEFORE INSERT ON messages WHEN NEW.author_type = 'bot'
         BEGIN SELECT RAISE(ABORT, 'bot messages refused'); END",
        &[],
    );
}

/// Makes the database refuse a customer's message that says "poison", whatever the bot does
/// (an error not worth retrying).
fn refuse_poison(app: &App) {
    app.rows(
        "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'poison'
         BEGIN SELECT RAISE(ABORT, 'refused'); END",
        &[],
    );
}

/// The statements `request` ran from `BEGIN` to `COMMIT` (the write lock held), by their first
/// two words (`SAVEPOINT bot_turn`, `INSERT INTO`, ...).
fn under_the_lock(request: RequestBuilder, status: u16) -> Vec<String> {
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    request
        .send_watching(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
        .expect(status);
    let mut locked = false;
    let mut held = Vec::new();
    for sql in seen.into_inner() {
        let words: Vec<&str> = sql.split_whitespace().take(2).collect();
        match words.first().copied() {
            Some("BEGIN") => locked = true,
            Some("COMMIT") => locked = false,
            _ if locked => held.push(words.join(" ")),
            _ => {}
        }
    }
    held
}

fn savepoints(statements: &[String]) -> Vec<&String> {
    statements
        .iter()
        .filter(|s| s.starts_with("SAVEPOINT") || s.starts_with("RELEASE"))
        .collect()
}

/// A turn worked out before the transaction that only says things is written without the
/// bot's savepoint (two host round trips under the write lock on Spin); one that hands over
/// (a ticket: many writes) keeps it. A webhook with one event needs no savepoint for it
/// either, a new sender's first message included (its turn is worked out before the lock too).
#[test]
fn a_turn_prepared_before_the_lock_is_written_without_the_bots_savepoint() {
    let app = channel_app();
    let visitor = app.visitor("en");
    let said = |text: &str, payload: Option<&str>| app.widget_message(&visitor, text, payload);
    let bot_messages = || app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'");

    let before = bot_messages();
    let held = under_the_lock(said("where is my order", None), 201);
    assert!(bot_messages() > before, "the bot answered");
    assert!(savepoints(&held).is_empty(), "{held:#?}");
    assert!(
        held.iter().any(|s| s == "UPDATE conversations"),
        "{held:#?}"
    );

    let held = under_the_lock(said("Talk to a person", Some("handoff")), 201);
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );
    assert_eq!(
        savepoints(&held),
        ["SAVEPOINT bot_turn", "RELEASE bot_turn"],
        "{held:#?}"
    );

    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 5);
    let update = |id: i64| app.telegram_text(&c, 42, id, "where is my order");
    for id in [1, 2] {
        let before = bot_messages();
        let held = under_the_lock(update(id), 200);
        assert!(bot_messages() > before, "the bot answered message {id}");
        assert!(savepoints(&held).is_empty(), "message {id}: {held:#?}");
    }
}

/// One event that the database refuses, alone in its webhook (no savepoint of its own), is
/// acknowledged with nothing of it written, and the desk goes on.
#[test]
fn a_lone_event_that_cannot_be_stored_is_acknowledged_with_nothing_written() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 5);
    refuse_poison(&app);
    app.telegram_text(&c, 42, 1, "poison").send().expect(200);
    for table in ["users", "identities", "conversations", "messages", "outbox"] {
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM {table}")),
            0,
            "{table}: nothing of the refused event is kept"
        );
    }
    app.telegram_text(&c, 42, 2, "where is my order")
        .send()
        .expect(200);
    assert_eq!(user_messages(&app), ["where is my order"]);
    assert!(app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'") >= 1);
}

/// A lone event whose prepared bot messages are refused is done again the long way, as one of
/// a batch is: the customer's message kept (a new sender's, with their customer record), the
/// conversation handed off, nothing of the bot's written.
#[test]
fn a_lone_event_whose_prepared_bot_messages_are_refused_keeps_the_message_and_hands_off() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 5);
    refuse_bot_messages(&app);
    for id in [1, 2] {
        app.telegram_text(&c, 42, id, &format!("message {id}"))
            .send()
            .expect(200);
    }
    assert_eq!(user_messages(&app), ["message 1", "message 2"]);
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM identities"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
}

/// When the bot's messages cannot be stored, a webhook's event is taken again the long way
/// (the bot's part in a savepoint): every customer message is kept, each conversation handed
/// off once with the error, nothing of the bot's written.
#[test]
fn a_batch_whose_prepared_bot_messages_are_refused_keeps_every_message_and_hands_off() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    // Both senders have a conversation already: their turns are prepared before the lock.
    app.deliver(
        &c,
        &whatsapp_batch(&[
            ("821011112222", "wamid.A0", "hello"),
            ("821033334444", "wamid.B0", "hello"),
        ]),
    )
    .expect(200);
    let bot_said = app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'");
    assert!(bot_said >= 2, "the bot greeted both");
    refuse_bot_messages(&app);
    let batch = whatsapp_batch(&[
        ("821011112222", "wamid.A1", "first"),
        ("821033334444", "wamid.B1", "second"),
        ("821011112222", "wamid.A2", "third"),
    ]);
    app.deliver(&c, &batch).expect(200);
    assert_eq!(
        user_messages(&app),
        ["hello", "first", "third", "hello", "second"]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'"),
        bot_said
    );
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        2
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
    let errors = bot_errors(&app);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.contains("bot messages refused")),
        "{errors:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE body = 'third'"),
        1
    );
}

/// The same through the conversations API: the customer's message posted by an integration is
/// kept and the conversation handed off; the bot's state is as before its turn.
#[test]
fn a_message_posted_as_the_user_whose_prepared_bot_messages_are_refused_is_kept() {
    let app = App::new();
    let sun = crate::sunshine_openapi::Sun::admin(&app);
    let user = sun.user("crm-1", "Ann");
    let uid = user["id"].as_str().expect("user id").to_owned();
    let cid = sun.conversation(&uid)["id"]
        .as_str()
        .expect("conversation id")
        .to_owned();
    let state_before = app.rows("SELECT bot_state, greeted FROM conversations", &[]);
    refuse_bot_messages(&app);
    let posted = sun
        .post(
            &format!("/conversations/{cid}/messages"),
            &json!({"author": {"type": "user", "userId": uid},
                    "content": {"type": "text", "text": "hello"}}),
        )
        .expect(201)
        .json();
    assert_eq!(posted["messages"][0]["content"]["text"], "hello");
    assert_eq!(user_messages(&app), ["hello"]);
    assert_eq!(
        app.rows("SELECT bot_state, greeted FROM conversations", &[]),
        state_before
    );
    let errors = bot_errors(&app);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("bot messages refused"), "{errors:?}");
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );
}

fn whatsapp_batch(messages: &[(&str, &str, &str)]) -> Vec<u8> {
    let messages: Vec<Json> = messages
        .iter()
        .map(|(from, id, text)| {
            json!({"from": from, "id": id, "timestamp": "1749416383",
                   "type": "text", "text": {"body": text}})
        })
        .collect();
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398",
        "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "821011112222"},
                         {"profile": {"name": "Bo"}, "wa_id": "821033334444"}],
            "messages": messages}}]}]}))
    .expect("json")
}

fn line_batch(events: &[(&str, &str, &str)]) -> Vec<u8> {
    let events: Vec<Json> = events
        .iter()
        .map(|(user, id, text)| {
            json!({"type": "message",
                   "message": {"type": "text", "id": id, "text": text},
                   "webhookEventId": format!("01HZ{id}"),
                   "deliveryContext": {"isRedelivery": false},
                   "timestamp": 1718000000123u64,
                   "source": {"type": "user", "userId": user},
                   "replyToken": format!("rt-{id}"), "mode": "active"})
        })
        .collect();
    serde_json::to_vec(
        &json!({"destination": "U0a1b2c3d4e5f60718293a4b5c6d7e8f9", "events": events}),
    )
    .expect("json")
}

/// Sends `batch` twice to a desk whose live bot cannot load: every message is stored once and
/// acknowledged, each sender's conversation is handed off once with the error recorded.
fn batch_with_a_broken_bot(vendor: Vendor, batch: &[u8]) {
    let app = channel_app();
    let c = app.connect(vendor);
    // Any schema-creating request runs first; then the bot is broken.
    app.count("SELECT count(*) FROM bot_versions");
    corrupt_live_bot(&app);
    app.deliver(&c, batch).expect(200);
    assert_eq!(user_messages(&app), ["first", "third", "second"]);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        2
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
    let errors = bot_errors(&app);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors
        .iter()
        .all(|e| e.contains("stored bot does not parse") && !e.contains("s3cret")));
    // The same sender's next message in the batch joined the agents' ticket.
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE body = 'third'"),
        1
    );

    // The vendor's retry of the same batch stores nothing twice.
    let before = app.count("SELECT count(*) FROM messages");
    app.deliver(&c, batch).expect(200);
    assert_eq!(app.count("SELECT count(*) FROM messages"), before);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
    assert_eq!(bot_errors(&app).len(), 2);
}

#[test]
fn a_meta_batch_to_a_bot_that_cannot_load_is_stored_and_handed_off() {
    batch_with_a_broken_bot(
        Vendor::WhatsApp,
        &whatsapp_batch(&[
            ("821011112222", "wamid.A1", "first"),
            ("821033334444", "wamid.B1", "second"),
            ("821011112222", "wamid.A2", "third"),
        ]),
    );
}

#[test]
fn a_line_batch_to_a_bot_that_cannot_load_is_stored_and_handed_off() {
    batch_with_a_broken_bot(
        Vendor::Line,
        &line_batch(&[
            (
                "U4af4980629bd0a67f2b8e9a1c3d5e7f9",
                "4687895778982625301",
                "first",
            ),
            (
                "U5bf4980629bd0a67f2b8e9a1c3d5e7f0",
                "4687895778982625302",
                "second",
            ),
            (
                "U4af4980629bd0a67f2b8e9a1c3d5e7f9",
                "4687895778982625303",
                "third",
            ),
        ]),
    );
}

#[test]
fn one_event_that_cannot_be_stored_does_not_fail_the_rest_of_its_batch() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 10);
    refuse_poison(&app);
    let batch = whatsapp_batch(&[
        ("821011112222", "wamid.A1", "first"),
        ("821033334444", "wamid.B1", "poison"),
        ("821011112222", "wamid.A2", "third"),
    ]);
    app.deliver(&c, &batch).expect(200);
    assert_eq!(user_messages(&app), ["first", "third"]);
    // Nothing of the refused event is left half-written: no user, identity or conversation.
    assert_eq!(
        app.count("SELECT count(*) FROM identities WHERE address = '+821033334444'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    // Both good messages were answered by the bot as usual.
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'"),
        2
    );
    // The retry stores nothing twice.
    let before = app.count("SELECT count(*) FROM messages");
    app.deliver(&c, &batch).expect(200);
    assert_eq!(app.count("SELECT count(*) FROM messages"), before);
}

#[test]
fn a_bot_that_cannot_load_when_its_api_call_returns_hands_off_instead_of_waiting_forever() {
    let app = App::new();
    app.publish_bot(&order_status_bot("Your order is {{status}}."));
    let visitor = app.visitor("en");
    app.say(&visitor, "hello", None);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"order": {"status": "shipped"}}"#.to_vec())
        .expect("response")));
    // The live bot breaks while the shop is being called: the flow cannot go on with it.
    let broke = std::cell::Cell::new(false);
    let app_ref = &app;
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/widget/messages")
        .header("authorization", format!("Bearer {}", visitor.token))
        .header("content-type", "application/json")
        .body(br#"{"text": "where is my order"}"#.to_vec())
        .expect("request");
    let before = |_: &str| {
        let sent = !app_ref.outbound.sent().is_empty();
        if sent && !broke.replace(true) {
            corrupt_live_bot(app_ref);
        }
    };
    let r = app
        .call_with_hook("widget", req, &app.clock, &before)
        .expect(201)
        .json();
    assert!(broke.get(), "the shop was never called");
    assert_eq!(r["message"]["text"], "where is my order");
    assert!(!r.to_string().contains("Your order is"), "{r}");
    // Handed off: nobody waits on the call any more, and the ticket says why.
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent' AND ticket_id IS NOT NULL"),
        1
    );
    let errors = bot_errors(&app);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("stored bot does not parse"),
        "{errors:?}"
    );
    assert!(!errors[0].contains("s3cret"), "{errors:?}");
    assert_eq!(user_messages(&app), ["hello", "where is my order"]);
}
