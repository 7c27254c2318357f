//! Webhooks and short write transactions: the bot's turns for a batch are computed before its
//! write transaction, each against the conversation as it was; the transaction writes a turn
//! only if its conversation is still where the turn left it.

use spindesk_tests::channels::*;
use spindesk_tests::*;

fn whatsapp_batch(messages: &[(&str, &str)]) -> Vec<u8> {
    let messages: Vec<Json> = messages
        .iter()
        .map(|(id, text)| {
            json!({"from": "821011112222", "id": id, "timestamp": "1749416383",
                   "type": "text", "text": {"body": text}})
        })
        .collect();
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398",
        "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "821011112222"}],
            "messages": messages}}]}]}))
    .expect("json")
}

fn transcript_of(app: &App) -> Vec<String> {
    app.rows(
        "SELECT author_type || ': ' || text FROM messages ORDER BY conversation_id, seq",
        &[],
    )
    .into_iter()
    .map(|r| match &r[0] {
        spindesk_core::ports::Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    })
    .collect()
}

/// `text`, the customer's last message, joined the agents' ticket (and the bot said nothing
/// after it).
fn went_to_the_agents(app: &App, text: &str) {
    let t = transcript_of(app);
    assert_eq!(t.last(), Some(&format!("user: {text}")), "{t:?}");
    let comments = app.rows(
        "SELECT count(*) FROM ticket_comments WHERE body = ?",
        &[text.into()],
    );
    assert_eq!(
        comments[0][0],
        spindesk_core::ports::Value::Integer(1),
        "{t:?}"
    );
}

#[test]
fn a_batch_that_hands_off_first_gives_the_next_message_to_the_agents_not_the_bot() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 10);
    app.deliver(&c, &whatsapp_batch(&[("wamid.1", "hello")]))
        .expect(200);
    // Both turns are computed before the transaction, with the bot in control; the second is
    // stale once the first has handed off.
    app.deliver(
        &c,
        &whatsapp_batch(&[
            ("wamid.2", "can I talk to a human please"),
            ("wamid.3", "my parcel is late"),
        ]),
    )
    .expect(200);
    went_to_the_agents(&app, "my parcel is late");
}

#[test]
fn two_messages_of_one_sender_in_a_batch_are_each_answered_from_the_state_before_them() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 10);
    app.deliver(&c, &whatsapp_batch(&[("wamid.1", "hello")]))
        .expect(200);
    app.deliver(
        &c,
        &whatsapp_batch(&[
            ("wamid.2", "first question"),
            ("wamid.3", "second question"),
        ]),
    )
    .expect(200);
    let t = transcript_of(&app);
    assert_eq!(t.len(), 6, "{t:?}");
    assert_eq!(t[2], "user: first question");
    assert!(t[3].starts_with("bot: "), "{t:?}");
    assert_eq!(t[4], "user: second question");
    assert!(t[5].starts_with("bot: "), "{t:?}");
    assert_eq!(times(&t, &t[1]), 1, "greeted once: {t:?}");
    // A redelivery of the batch changes nothing.
    app.deliver(
        &c,
        &whatsapp_batch(&[
            ("wamid.2", "first question"),
            ("wamid.3", "second question"),
        ]),
    )
    .expect(200);
    assert_eq!(transcript_of(&app), t);
}

/// How often `line` is in the transcript `t`.
fn times(t: &[String], line: &str) -> usize {
    t.iter().filter(|l| *l == line).count()
}

/// The bot's lines (its messages' texts) in order.
fn bot_lines(app: &App) -> Vec<String> {
    transcript_of(app)
        .into_iter()
        .filter_map(|l| l.strip_prefix("bot: ").map(str::to_owned))
        .collect()
}

/// A bot that greets with `hello` and answers nothing else of its own.
fn greeting_bot(hello: &str) -> Json {
    json!({"name": "Greeter", "greeting": {"text": hello}, "answers": []})
}

/// A desk whose bot greets with `hello`, connected to `vendor`, which accepts the sends.
fn greeting_desk(hello: &str, vendor: Vendor) -> (App, Connected) {
    let app = channel_app();
    app.publish_bot(&greeting_bot(hello));
    let c = app.connect(vendor);
    app.vendor_answers_ok(vendor, 10);
    (app, c)
}

/// A new sender's first message: the bot's turn is worked out before the write transaction
/// (there is no customer or conversation yet to work it out in), so under the write lock the
/// bot is neither loaded nor its state read, and no savepoint is taken; the customer gets the
/// bot's greeting as always.
#[test]
fn a_new_senders_first_message_is_answered_without_loading_the_bot_under_the_lock() {
    let (app, c) = greeting_desk("Hi, this is the desk.", Vendor::Telegram);
    let (r, seen) = app.telegram_text(&c, 42, 1, "hello").send_listing();
    r.expect(200);
    let (before, held) = seen.around_write();
    for sql in held {
        assert!(
            !sql.contains("bot_versions"),
            "the bot loaded under the lock: {sql}"
        );
        assert!(!sql.starts_with("SELECT bot_state"), "{sql}");
        assert!(!sql.starts_with("SAVEPOINT"), "{sql}");
        // Whether a webhook hears the new conversation comes with its insert.
        assert!(
            !sql.starts_with("SELECT EXISTS (SELECT 1 FROM webhooks"),
            "{sql}"
        );
    }
    let loaded: Vec<&String> = before
        .iter()
        .filter(|s| s.contains("bot_versions"))
        .collect();
    assert_eq!(loaded.len(), 1, "{before:#?}");
    assert!(
        loaded[0].contains("LEFT JOIN identities i"),
        "the bot was loaded before the transaction, with the sender: {before:#?}"
    );
    assert_eq!(bot_lines(&app)[0], "Hi, this is the desk.");
    assert_eq!(app.count("SELECT count(*) FROM identities"), 1);
}

/// A bot published between a first message's preparation and its write: the turn worked out
/// for the old bot no longer holds, and the new bot answers.
#[test]
fn a_bot_published_while_a_first_message_waits_for_the_lock_answers_it() {
    let (app, c) = greeting_desk("Old greeting.", Vendor::Telegram);
    app.telegram_text(&c, 42, 1, "hello")
        .send_racing(|| app.publish_bot(&greeting_bot("New greeting.")))
        .expect(200);
    assert_eq!(bot_lines(&app), ["New greeting."]);
}

/// Two first messages of one new sender: the second's delivery prepared its turn as a first
/// message too, but the first's committed in between (its customer, conversation and the
/// greeting). The second is answered from the conversation as it now is: no second greeting.
#[test]
fn a_new_senders_racing_first_messages_are_greeted_once() {
    let (app, c) = greeting_desk("Hi, this is the desk.", Vendor::Telegram);
    app.telegram_text(&c, 42, 2, "second")
        .send_racing(|| {
            app.telegram_text(&c, 42, 1, "first").send().expect(200);
        })
        .expect(200);
    let t = transcript_of(&app);
    assert_eq!(t[0], "user: first", "{t:?}");
    assert_eq!(t[1], "bot: Hi, this is the desk.", "{t:?}");
    assert!(t.contains(&"user: second".to_owned()), "{t:?}");
    assert_eq!(times(&t, &t[1]), 1, "greeted once: {t:?}");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'end-user'"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
}

/// A batch of a new sender's messages: every turn is prepared as a first message before the
/// transaction, which only the first still is there; the rest are answered from the state the
/// one before left.
#[test]
fn a_new_senders_batch_is_greeted_once_and_every_message_answered_in_order() {
    let (app, c) = greeting_desk("Hi, this is the desk.", Vendor::WhatsApp);
    app.deliver(
        &c,
        &whatsapp_batch(&[("wamid.1", "hello"), ("wamid.2", "anyone there?")]),
    )
    .expect(200);
    let t = transcript_of(&app);
    assert_eq!(t[0], "user: hello", "{t:?}");
    assert_eq!(t[1], "bot: Hi, this is the desk.", "{t:?}");
    let second = t
        .iter()
        .position(|l| l == "user: anyone there?")
        .expect("stored");
    assert!(
        t.len() > second + 1 && t[second + 1].starts_with("bot: "),
        "answered: {t:?}"
    );
    assert_eq!(times(&t, &t[1]), 1, "greeted once: {t:?}");
}

/// A returning sender's message: the redelivery check, the customer, their conversation and
/// the bot's state are one read before the write transaction (the bot's turn is worked out
/// from it). Under the write lock nothing of it is read again: the route's write checks that
/// the sender's account is still their customer's and the event not stored. The bot answers
/// as before.
#[test]
fn a_returning_senders_message_reads_the_sender_once_before_the_lock_and_not_under_it() {
    let (app, c) = greeting_desk("Hi, this is the desk.", Vendor::Telegram);
    app.telegram_text(&c, 42, 1, "hello").send().expect(200);
    // The bot's first search moves the help center to its own database (once per desk).
    app.telegram_text(&c, 42, 2, "anyone?").send().expect(200);
    let (r, seen) = app
        .telegram_text(&c, 42, 3, "are you there?")
        .send_listing();
    r.expect(200);
    let (before, held) = seen.around_write();
    for (part, statements, senders) in [("before", before, 1), ("held", held, 0)] {
        let reading = |what: &str| {
            statements
                .iter()
                .filter(|s| s.starts_with("SELECT") && s.contains(what))
                .count()
        };
        assert_eq!(reading("identities"), senders, "{part}: {statements:#?}");
        assert_eq!(reading("FROM users"), 0, "{part}: {statements:#?}");
        assert_eq!(reading("FROM conversations"), 0, "{part}: {statements:#?}");
        assert!(
            !statements
                .iter()
                .any(|s| s.starts_with("SELECT id FROM messages WHERE source")),
            "{part}: the redelivery check came with the sender: {statements:#?}"
        );
    }
    let routes: Vec<&String> = held
        .iter()
        .filter(|s| s.starts_with("INSERT INTO conversation_routes"))
        .collect();
    assert_eq!(routes.len(), 1, "{held:#?}");
    assert!(routes[0].contains("FROM identities"), "{held:#?}");
    // The sender's conversation as read before the lock still held: one insert took it as its
    // condition, and none had to read it again.
    let inserts = held
        .iter()
        .filter(|s| s.starts_with("INSERT INTO messages") && s.contains("'user'"))
        .count();
    assert_eq!(inserts, 1, "{held:#?}");
    let t = transcript_of(&app);
    assert_eq!(t[4], "user: are you there?", "{t:?}");
    assert_eq!(t.len(), 6, "the bot answered it: {t:?}");
    assert_eq!(times(&t, "bot: Hi, this is the desk."), 1, "{t:?}");
}

/// The same update delivered again while the first delivery waits for the write lock (both
/// read the sender before either stored it): the one that gets the lock second finds it
/// stored, and nothing changes — one message, one answer, the route as the first wrote it.
#[test]
fn an_update_delivered_twice_at_once_is_stored_once() {
    let (app, c) = greeting_desk("Hi, this is the desk.", Vendor::Telegram);
    app.telegram_text(&c, 42, 1, "hello").send().expect(200);
    let routed_at = || app.count("SELECT updated_at FROM conversation_routes");
    let first_route = std::cell::Cell::new(0);
    app.telegram_text(&c, 42, 2, "are you there?")
        .send_racing(|| {
            app.telegram_text(&c, 42, 2, "are you there?")
                .send()
                .expect(200);
            first_route.set(routed_at());
            // A route written again now would carry a later time.
            app.clock.advance(std::time::Duration::from_secs(5));
        })
        .expect(200);
    let t = transcript_of(&app);
    assert_eq!(times(&t, "user: are you there?"), 1, "{t:?}");
    assert_eq!(t.len(), 4, "one answer: {t:?}");
    assert_eq!(routed_at(), first_route.get());
}

/// A returning sender's message whose turn was worked out with the bot in control, while
/// another of their messages handed the conversation to the agents before it got the lock:
/// it joins the agents' ticket, and the bot does not answer it.
#[test]
fn a_message_that_waited_while_the_sender_was_handed_off_goes_to_the_agents() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 10);
    app.telegram_text(&c, 42, 1, "hello").send().expect(200);
    app.telegram_text(&c, 42, 3, "my parcel is late")
        .send_racing(|| {
            app.telegram_text(&c, 42, 2, "can I talk to a human please")
                .send()
                .expect(200);
        })
        .expect(200);
    went_to_the_agents(&app, "my parcel is late");
}
