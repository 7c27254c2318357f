//! What a customer types cannot change the shape of the bot's API calls: JSON bodies take
//! values only inside strings (refused at publish otherwise), form bodies are form-encoded, and a
//! value of dots never becomes a `..` path segment sent with the bot's credentials.

use spindesk_tests::{json, App, Json};

/// Asks for a value, then calls the shop with it in the path and in the body.
fn shop_bot(body: &str) -> Json {
    json!({
        "name": "Shop bot",
        "allowed_hosts": ["shop.example.com"],
        "answers": [{
            "id": "order", "name": "Order", "label": "Order",
            "phrases": {"en": ["my order"]},
            "steps": [
                {"type": "ask_for_details", "id": "ask", "next": "call", "fields": [
                    {"variable": "order_id", "kind": "text", "label": "Which order?"}]},
                {"type": "make_api_call", "id": "call", "method": "POST",
                 "url": "https://shop.example.com/orders/{{order_id}}/notes",
                 "headers": {"authorization": "Bearer shop-key"},
                 "body": body,
                 "success": "done", "failure": "sorry"},
                {"type": "send_message", "id": "done", "text": "Noted."},
                {"type": "send_message", "id": "sorry", "text": "The shop is not answering."}
            ]
        }]
    })
}

fn validate(app: &App, bot: &Json) -> (u16, Json) {
    let r = app
        .request("bot", "POST", "/api/bot/validate")
        .admin()
        .json(bot)
        .send();
    (r.status, r.json())
}

#[test]
fn a_placeholder_outside_a_json_string_is_refused_with_its_pointer() {
    let app = App::new();
    let (status, r) = validate(
        &app,
        &shop_bot(r#"{"qty": {{order_id}}, "role": "customer"}"#),
    );
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["errors"][0]["code"], "placeholder_outside_string");
    assert_eq!(
        r["errors"][0]["source"]["pointer"],
        "answers[0].steps[1].body"
    );
    assert!(r.to_string().contains("{{order_id}}"), "{r}");
    // Inside quotes it is fine; a body that only looks like JSON is refused too.
    let (status, r) = validate(&app, &shop_bot(r#"{"qty": "{{order_id}}"}"#));
    assert_eq!(status, 200, "{r}");
    let (status, r) = validate(&app, &shop_bot(r#"{"qty": "{{order_id}}""#));
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["errors"][0]["code"], "invalid_json");
    // It cannot be imported (and so not published) either.
    let r = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&shop_bot(r#"{"qty": {{order_id}}}"#))
        .send()
        .expect(422);
    assert_eq!(r.json()["errors"][0]["code"], "placeholder_outside_string");
}

#[test]
fn values_stay_values_in_json_bodies_forms_and_paths() {
    for (body, content_type, expected) in [
        (
            r#"{"note": "{{order_id}}"}"#,
            "application/json",
            r#"{"note": "1\",\"role\":\"admin"}"#.to_owned(),
        ),
        (
            "note={{order_id}}&source=bot",
            "application/x-www-form-urlencoded",
            "note=1%22%2C%22role%22%3A%22admin&source=bot".to_owned(),
        ),
    ] {
        let app = App::new();
        app.publish_bot(&shop_bot(body));
        let v = app.visitor("en");
        app.say(&v, "my order", None);
        app.say(&v, r#"1","role":"admin"#, None);
        let sent = app.outbound.sent();
        let call = &sent.last().expect("the shop was called").request;
        assert_eq!(
            call.headers()["content-type"].to_str().unwrap(),
            content_type
        );
        assert_eq!(String::from_utf8_lossy(call.body()), expected);
        if content_type == "application/json" {
            let parsed: Json = serde_json::from_slice(call.body()).expect("still JSON");
            assert_eq!(
                parsed.as_object().map(|o| o.len()),
                Some(1),
                "no field added"
            );
        }
    }

    // A form value cannot add a field either.
    let app = App::new();
    app.publish_bot(&shop_bot("note={{order_id}}"));
    let v = app.visitor("en");
    app.say(&v, "my order", None);
    app.say(&v, "x&admin=1", None);
    let sent = app.outbound.sent();
    let body = String::from_utf8_lossy(sent.last().unwrap().request.body()).into_owned();
    assert_eq!(body, "note=x%26admin%3D1");

    // `..` as the order id stays inside its segment.
    let app = App::new();
    app.publish_bot(&shop_bot(r#"{"note": "x"}"#));
    let v = app.visitor("en");
    app.say(&v, "my order", None);
    app.say(&v, "..", None);
    let sent = app.outbound.sent();
    assert_eq!(
        sent.last().unwrap().request.uri().to_string(),
        "https://shop.example.com/orders/%2E%2E/notes"
    );
}
