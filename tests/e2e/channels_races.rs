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
    let t = transcript_of(&app);
    assert_eq!(
        t.last().map(String::as_str),
        Some("user: my parcel is late"),
        "{t:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE body = 'my parcel is late'"),
        1,
        "{t:?}"
    );
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
    assert_eq!(
        t.iter().filter(|l| *l == &t[1]).count(),
        1,
        "greeted once: {t:?}"
    );
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
