//! The vendors' customer-service windows: WhatsApp replies after 24 hours go as a registered
//! template the agent chose (text inside the window); Messenger replies between 24 hours and 7
//! days are tagged HUMAN_AGENT, and refused after (Instagram alike); each refusal tells the agent why and stores
//! nothing.

use spindesk_tests::channels::*;
use spindesk_tests::{json, Agent, App, Json};
use std::time::Duration;

const HOUR: u64 = 3600;

fn whatsapp(inner: &str) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}},{inner}}},"field":"messages"}}]}}]}}"#
    )
    .into_bytes()
}

/// A customer on `vendor` handed to agents; the integration, the ticket and an agent.
fn handed_off(app: &App, vendor: Vendor, tap: &[u8]) -> (Connected, i64, Agent) {
    let c = app.connect(vendor);
    app.vendor_answers_ok(vendor, 20);
    app.deliver(&c, &vendor.text_sample()).expect(200);
    app.deliver(&c, tap).expect(200);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    let ticket = app.count("SELECT id FROM tickets");
    (c, ticket, app.agent("Grace", "grace@acme.example"))
}

fn reply(app: &App, agent: &Agent, ticket: i64, comment: Json) -> spindesk_tests::Resp {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"comment": comment}}),
    )
}

fn last_sent(app: &App) -> Json {
    let sent = app.outbound.sent();
    serde_json::from_slice(sent.last().expect("a send").request.body()).expect("JSON")
}

fn window(app: &App, agent: &Agent, ticket: i64) -> Json {
    app.zendesk_get(
        agent,
        &format!("/api/v2/tickets/{ticket}/reply_window.json"),
    )
    .expect(200)
    .json()["reply_window"]
        .clone()
}

fn whatsapp_tap() -> Vec<u8> {
    whatsapp(
        r#""messages":[{"from":"16505551234","id":"wamid.TAP","timestamp":"1749416400","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"handoff","title":"Talk to a person"}}}]"#,
    )
}

#[test]
fn whatsapp_sends_text_inside_the_window_and_the_chosen_template_outside() {
    let app = channel_app();
    let (c, ticket, agent) = handed_off(&app, Vendor::WhatsApp, &whatsapp_tap());
    assert_eq!(window(&app, &agent, ticket)["state"], "open");

    // Inside the window: text, even with a template chosen.
    let template =
        json!({"name": "order_update", "language": "en_US", "parameters": ["Ada", "A-1001"]});
    reply(
        &app,
        &agent,
        ticket,
        json!({"body": "Checking now.", "whatsapp_template": template}),
    )
    .expect(200);
    let sent = last_sent(&app);
    assert_eq!(sent["type"], "text");
    assert_eq!(sent["text"]["body"], "Checking now.");

    app.clock.advance(Duration::from_secs(25 * HOUR));
    let w = window(&app, &agent, ticket);
    assert_eq!(w["state"], "template");
    assert!(w["closes_at"].is_string());
    assert_eq!(w["templates"], json!([]));

    // Outside, without a template: refused, nothing stored or sent.
    let (comments, sends) = (
        app.count("SELECT COUNT(*) FROM ticket_comments"),
        app.outbound.sent().len(),
    );
    let r = reply(&app, &agent, ticket, json!({"body": "Your order shipped."}));
    assert_eq!(r.status, 422);
    assert!(
        r.text().contains("whatsapp_template_required"),
        "{}",
        r.text()
    );
    // A template that is not registered: refused too.
    let r = reply(
        &app,
        &agent,
        ticket,
        json!({"body": "Your order shipped.", "whatsapp_template": template}),
    );
    assert_eq!(r.status, 422);
    assert!(
        r.text().contains("whatsapp_template_unknown"),
        "{}",
        r.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket_comments"), comments);
    assert_eq!(app.outbound.sent().len(), sends);

    // The admin registers the approved template; the workspace offers it.
    let path = format!("/api/admin/integrations/{}/templates", c.id);
    app.request("admin", "POST", &path)
        .admin()
        .json(&json!({"template": {"name": "order_update", "language": "en_US", "parameters": ["customer name", "order number"]}}))
        .send()
        .expect(201);
    let r = app
        .request("admin", "POST", &path)
        .admin()
        .json(&json!({"template": {"name": "order_update", "language": "en_US"}}))
        .send();
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code(), "template_exists");
    let w = window(&app, &agent, ticket);
    assert_eq!(w["templates"][0]["name"], "order_update");
    assert_eq!(
        w["templates"][0]["parameters"],
        json!(["customer name", "order number"])
    );

    // Wrong number of parameters: refused.
    let r = reply(
        &app,
        &agent,
        ticket,
        json!({"body": "x", "whatsapp_template": {"name": "order_update", "language": "en_US", "parameters": ["Ada"]}}),
    );
    assert_eq!(r.status, 422);
    assert!(
        r.text().contains("whatsapp_template_parameters"),
        "{}",
        r.text()
    );

    reply(
        &app,
        &agent,
        ticket,
        json!({"body": "Your order A-1001 shipped.", "whatsapp_template": template}),
    )
    .expect(200);
    let sent = last_sent(&app);
    assert_eq!(sent["type"], "template");
    assert_eq!(sent["to"], "+16505551234");
    assert_eq!(sent["template"]["name"], "order_update");
    assert_eq!(sent["template"]["language"]["code"], "en_US");
    assert_eq!(
        sent["template"]["components"],
        json!([{"type": "body", "parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "A-1001"}]}])
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
}

#[test]
fn template_registration_is_validated_and_whatsapp_only() {
    let app = channel_app();
    let wa = app.connect(Vendor::WhatsApp);
    let tg = app.connect(Vendor::Telegram);
    let post = |id: &str, body: Json| {
        app.request(
            "admin",
            "POST",
            &format!("/api/admin/integrations/{id}/templates"),
        )
        .admin()
        .json(&body)
        .send()
    };
    for (body, code) in [
        (
            json!({"template": {"name": "Order Update", "language": "en_US"}}),
            "invalid_name",
        ),
        (
            json!({"template": {"name": "order_update", "language": "english"}}),
            "invalid_language",
        ),
        (
            json!({"template": {"name": "order_update", "language": "en", "parameters": [""]}}),
            "invalid_parameters",
        ),
    ] {
        let r = post(&wa.id, body);
        assert_eq!(r.status, 422);
        assert_eq!(r.error_code(), code);
    }
    let r = post(
        &wa.id,
        json!({"template": {"name": "x", "language": "en", "extra": 1}}),
    );
    assert_eq!(r.status, 400);
    let r = post(&tg.id, json!({"template": {"name": "x", "language": "en"}}));
    assert_eq!(r.status, 422);
    assert_eq!(r.error_code(), "templates_whatsapp_only");
    assert_eq!(app.count("SELECT COUNT(*) FROM whatsapp_templates"), 0);
    let created = post(
        &wa.id,
        json!({"template": {"name": "hello", "language": "en"}}),
    )
    .expect(201)
    .json();
    let tid = created["template"]["id"].as_i64().unwrap();
    app.request(
        "admin",
        "DELETE",
        &format!("/api/admin/integrations/{}/templates/{tid}", wa.id),
    )
    .admin()
    .send()
    .expect(204);
    assert_eq!(app.count("SELECT COUNT(*) FROM whatsapp_templates"), 0);
}

/// Meta's window (Messenger, Instagram): free replies for 24 hours after the customer's last
/// message, tagged `HUMAN_AGENT` until 7 days, then refused with `closed_code`.
fn tagged_for_seven_days_then_refused(vendor: Vendor, tap: &[u8], closed_code: &str) {
    let app = channel_app();
    let (_c, ticket, agent) = handed_off(&app, vendor, tap);
    assert_eq!(window(&app, &agent, ticket)["state"], "open");
    reply(&app, &agent, ticket, json!({"body": "Hi there"})).expect(200);
    let sent = last_sent(&app);
    assert!(sent.get("tag").is_none(), "{sent}");

    app.clock.advance(Duration::from_secs(30 * HOUR));
    assert_eq!(window(&app, &agent, ticket)["state"], "human_agent_tag");
    reply(&app, &agent, ticket, json!({"body": "Following up"})).expect(200);
    let sent = last_sent(&app);
    assert_eq!(sent["messaging_type"], "MESSAGE_TAG");
    assert_eq!(sent["tag"], "HUMAN_AGENT");
    assert_eq!(sent["message"]["text"], "Following up");

    app.clock.advance(Duration::from_secs(6 * 24 * HOUR));
    assert_eq!(window(&app, &agent, ticket)["state"], "closed");
    let comments = app.count("SELECT COUNT(*) FROM ticket_comments");
    let r = reply(&app, &agent, ticket, json!({"body": "Anyone there?"}));
    assert_eq!(r.status, 422);
    assert!(r.text().contains(closed_code), "{}", r.text());
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket_comments"), comments);
}

#[test]
fn messenger_tags_human_agent_replies_up_to_seven_days_then_refuses() {
    let tap = br#"{"object":"page","entry":[{"id":"107425831234567","time":1,"messaging":[{"sender":{"id":"6543210987654321"},"recipient":{"id":"107425831234567"},"timestamp":1718000000999,"message":{"mid":"m_tap","text":"Talk to a person","quick_reply":{"payload":"handoff"}}}]}]}"#;
    tagged_for_seven_days_then_refused(Vendor::Messenger, tap, "messenger_window_closed");
    // Inside the 24 hours Messenger's replies say they are responses.
    let app = channel_app();
    let (_c, ticket, agent) = handed_off(&app, Vendor::Messenger, tap);
    reply(&app, &agent, ticket, json!({"body": "Hi there"})).expect(200);
    assert_eq!(last_sent(&app)["messaging_type"], "RESPONSE");
}

#[test]
fn instagram_follows_messengers_window_with_the_human_agent_tag() {
    let tap = br#"{"object":"instagram","entry":[{"id":"17841405822304914","time":1,"messaging":[{"sender":{"id":"1248765432109876"},"recipient":{"id":"17841405822304914"},"timestamp":1718000000999,"message":{"mid":"ig_tap","text":"Talk to a person","quick_reply":{"payload":"handoff"}}}]}]}"#;
    tagged_for_seven_days_then_refused(Vendor::Instagram, tap, "instagram_window_closed");
}
