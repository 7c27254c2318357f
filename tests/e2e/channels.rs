//! Channel webhooks end to end: every vendor's payloads, signed as the vendor signs them, into
//! conversations; replies out as the vendor's send requests; every negative case refused before
//! anything is stored.

use spindesk_tests::channels::*;
use spindesk_tests::{json, App, Json};

const GREETING: &str = "Hi! I'm the Spindesk bot. Ask me anything, or talk to a person.";

fn count(app: &App, sql: &str) -> i64 {
    app.count(sql)
}

/// Messages as (author, text), in order.
fn messages(app: &App) -> Vec<(String, String)> {
    app.rows(
        "SELECT author_type, text FROM messages ORDER BY conversation_id, seq",
        &[],
    )
    .into_iter()
    .map(|r| match (&r[0], &r[1]) {
        (spindesk_core::ports::Value::Text(a), spindesk_core::ports::Value::Text(t)) => {
            (a.clone(), t.clone())
        }
        other => panic!("{other:?}"),
    })
    .collect()
}

fn body_json(req: &http::Request<Vec<u8>>) -> Json {
    serde_json::from_slice(req.body()).expect("JSON body")
}

fn form(req: &http::Request<Vec<u8>>) -> std::collections::BTreeMap<String, String> {
    form_urlencoded::parse(req.body()).into_owned().collect()
}

/// The text, the first option's payload and the recipient of a rendered send.
fn rendered(vendor: Vendor, req: &http::Request<Vec<u8>>) -> (String, String, String) {
    let s = |v: &Json| v.as_str().unwrap_or_default().to_owned();
    match vendor {
        Vendor::WhatsApp => {
            let b = body_json(req);
            (
                s(&b["interactive"]["body"]["text"]),
                s(&b["interactive"]["action"]["buttons"][0]["reply"]["id"]),
                s(&b["to"]),
            )
        }
        Vendor::Messenger | Vendor::Instagram => {
            let b = body_json(req);
            (
                s(&b["message"]["text"]),
                s(&b["message"]["quick_replies"][0]["payload"]),
                s(&b["recipient"]["id"]),
            )
        }
        Vendor::Telegram => {
            let b = body_json(req);
            (
                s(&b["text"]),
                s(&b["reply_markup"]["inline_keyboard"][0][0]["callback_data"]),
                b["chat_id"].to_string(),
            )
        }
        Vendor::Line => {
            let b = body_json(req);
            (
                s(&b["messages"][0]["text"]),
                s(&b["messages"][0]["quickReply"]["items"][0]["action"]["data"]),
                s(&b["to"]),
            )
        }
        Vendor::Viber => {
            let b = body_json(req);
            (
                s(&b["text"]),
                s(&b["keyboard"]["Buttons"][0]["ActionBody"]),
                s(&b["receiver"]),
            )
        }
        Vendor::Slack => {
            let b = body_json(req);
            (
                s(&b["text"]),
                s(&b["blocks"][1]["elements"][0]["value"]),
                s(&b["channel"]),
            )
        }
        Vendor::Twilio => {
            let f = form(req);
            let body = f["Body"].clone();
            let option = if body.contains("\n1. Talk to a person") {
                "1".to_owned()
            } else {
                String::new()
            };
            (body, option, f["To"].clone())
        }
    }
}

fn recipient(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::WhatsApp => "+16505551234",
        Vendor::Messenger => "6543210987654321",
        Vendor::Instagram => "1248765432109876",
        Vendor::Telegram => "123456789",
        Vendor::Line => "U4af4980629bd0a67f2b8e9a1c3d5e7f9",
        Vendor::Viber => "01234567890A=",
        Vendor::Slack => "D0123ABCD",
        Vendor::Twilio => "+12125550123",
    }
}

#[test]
fn every_channel_brings_a_text_into_a_conversation_and_the_bot_answers_there() {
    for vendor in ALL {
        let app = channel_app();
        let c = app.connect(vendor);
        app.vendor_answers_ok(vendor, 1);
        let r = app.deliver(&c, &vendor.text_sample()).expect(200);
        if vendor == Vendor::Twilio {
            assert_eq!(r.header("content-type"), Some("text/xml"));
            assert!(r.text().contains("<Response></Response>"));
        }

        let (channel, address) = vendor.sample_identity();
        let identities = app.rows(
            "SELECT u.role FROM identities i JOIN users u ON u.id = i.user_id WHERE i.channel = ? AND i.address = ?",
            &[channel.into(), address.into()],
        );
        assert_eq!(
            identities.len(),
            1,
            "{vendor:?}: identity {channel}:{address}"
        );
        assert_eq!(
            messages(&app),
            vec![
                ("user".to_owned(), vendor.sample_text().to_owned()),
                ("bot".to_owned(), GREETING.to_owned()),
            ],
            "{vendor:?}"
        );

        let sent = app.outbound.sent();
        assert_eq!(sent.len(), 1, "{vendor:?}: one send for the greeting");
        let req = &sent[0].request;
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri().to_string(), vendor.send_url(), "{vendor:?}");
        if let Some((name, value)) = vendor.send_auth() {
            assert_eq!(req.headers()[name], value.as_str(), "{vendor:?}");
        }
        let content_type = req.headers()["content-type"].to_str().unwrap();
        match vendor {
            Vendor::Twilio => assert_eq!(content_type, "application/x-www-form-urlencoded"),
            _ => assert!(content_type.starts_with("application/json"), "{vendor:?}"),
        }
        let (text, option, to) = rendered(vendor, req);
        assert!(text.starts_with(GREETING), "{vendor:?}: {text}");
        let expected_option = if vendor == Vendor::Twilio {
            "1"
        } else {
            "handoff"
        };
        assert_eq!(option, expected_option, "{vendor:?}: the offered option");
        assert_eq!(to, recipient(vendor), "{vendor:?}");
        assert!(sent[0].timeout <= std::time::Duration::from_secs(3));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND vendor_message_id IS NOT NULL"),
            1,
            "{vendor:?}"
        );

        // The vendor retries the same delivery: 200, and nothing changes.
        app.deliver(&c, &vendor.text_sample()).expect(200);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM messages"),
            2,
            "{vendor:?}"
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 1);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox"), 1);
        assert_eq!(
            app.outbound.sent().len(),
            1,
            "{vendor:?}: no second bot reply"
        );
    }
}

#[test]
fn the_database_constraint_refuses_a_second_copy_of_a_channel_message() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.deliver(&c, &Vendor::Telegram.text_sample()).expect(200);
    let rows = app.rows(
        "SELECT conversation_id, source, source_message_id FROM messages WHERE author_type = 'user'",
        &[],
    );
    let row = &rows[0];
    let db = app.db();
    use spindesk_core::ports::Sql;
    let err = db
        .execute(
            "INSERT INTO messages (conversation_id, seq, author_type, channel, source, source_message_id, created_at)
             VALUES (?, 99, 'user', 'telegram', ?, ?, 0)",
            &[row[0].clone(), row[1].clone(), row[2].clone()],
        )
        .unwrap_err();
    assert!(err.message.contains("UNIQUE"), "{err:?}");
    assert_eq!(row[2], "123456789:1365".into());
}

#[test]
fn signatures_are_checked_before_anything_is_stored() {
    for vendor in ALL {
        let app = channel_app();
        let c = app.connect(vendor);
        let body = vendor.text_sample();
        let path = c.path();
        let send = |headers: Vec<(&'static str, String)>, body: &[u8]| {
            let mut req = app
                .request("channels", "POST", &path)
                .header("content-type", vendor.content_type());
            for (name, value) in headers {
                req = req.header(name, &value);
            }
            req.body(body.to_vec()).send()
        };

        // Wrong secret.
        let r = app.deliver_signed(&c, &body, "not-the-secret-at-all");
        assert_eq!(r.status, 403, "{vendor:?}: wrong secret: {}", r.text());
        assert_eq!(r.error_code(), "signature_invalid");

        // Missing header.
        let r = send(Vec::new(), &body);
        assert_eq!(r.status, 401, "{vendor:?}: missing header");
        assert_eq!(r.error_code(), "signature_missing");

        // Telegram signs nothing but the shared token: the body is not covered.
        if vendor != Vendor::Telegram {
            // Body changed by one byte after signing.
            let mut changed = body.clone();
            let at = if vendor == Vendor::Twilio {
                String::from_utf8_lossy(&body).find("Body=Hi").unwrap() + 5
            } else {
                String::from_utf8_lossy(&body)
                    .find(vendor.sample_text())
                    .unwrap()
            };
            changed[at] ^= 0x01;
            let r = send(vendor.sign(&c.secret, &path, &body), &changed);
            assert_eq!(r.status, 403, "{vendor:?}: one byte changed");

            // The same JSON, serialised again.
            if vendor != Vendor::Twilio {
                let value: Json = serde_json::from_slice(&body).unwrap();
                let again = serde_json::to_vec(&value).unwrap();
                assert_ne!(again, body);
                let r = send(vendor.sign(&c.secret, &path, &body), &again);
                assert_eq!(r.status, 403, "{vendor:?}: re-serialised");
            }
        }

        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM messages"),
            0,
            "{vendor:?}"
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0, "{vendor:?}");
        assert!(app.outbound.sent().is_empty());
    }
}

#[test]
fn a_stale_slack_timestamp_is_refused_even_with_a_correct_signature() {
    let app = channel_app();
    let c = app.connect(Vendor::Slack);
    let body = Vendor::Slack.text_sample();
    for (age, status) in [(301, 403), (3600, 403), (-400, 403), (299, 200)] {
        let ts = (NOW_SECS - age).to_string();
        let sig = format!(
            "v0={}",
            hex(&hmac256(&c.secret, &[b"v0:", ts.as_bytes(), b":", &body]))
        );
        let r = app
            .request("channels", "POST", &c.path())
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", &sig)
            .body(body.clone())
            .send();
        assert_eq!(r.status, status, "age {age}: {}", r.text());
        if status == 403 {
            assert_eq!(r.error_code(), "signature_expired");
            assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
        }
    }
    // The extremes of i64 are stale too: no overflow in the age arithmetic.
    for ts in [i64::MIN.to_string(), i64::MAX.to_string()] {
        let sig = format!(
            "v0={}",
            hex(&hmac256(&c.secret, &[b"v0:", ts.as_bytes(), b":", &body]))
        );
        let r = app
            .request("channels", "POST", &c.path())
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", &sig)
            .body(body.clone())
            .send()
            .expect(403);
        assert_eq!(r.error_code(), "signature_expired", "{ts}");
    }
}

#[test]
fn unknown_integrations_wrong_types_malformed_and_oversized_bodies() {
    let app = channel_app();
    let wa = app.connect(Vendor::WhatsApp);
    let body = Vendor::WhatsApp.text_sample();
    let sig = Vendor::WhatsApp.sign(&wa.secret, &wa.path(), &body);

    // Unknown integration id, unknown type, and a real id under another type.
    for path in [
        "/webhooks/whatsapp/0123456789abcdef01234567".to_owned(),
        format!("/webhooks/icq/{}", wa.id),
        format!("/webhooks/messenger/{}", wa.id),
        format!("/webhooks/telegram/{}", wa.id),
    ] {
        let r = app
            .request("channels", "POST", &path)
            .header(sig[0].0, &sig[0].1)
            .body(body.clone())
            .send();
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.error_code(), "integration_not_found");
    }
    app.request("channels", "POST", "/webhooks/whatsapp")
        .send()
        .expect(404);

    // Malformed, but correctly signed: 400, nothing stored.
    for vendor in ALL {
        let c = app.connect(vendor);
        let garbage: &[u8] = match vendor {
            Vendor::Twilio => b"Body=hello+without+a+sid",
            _ => b"{\"not\": json",
        };
        let r = app.deliver(&c, garbage);
        assert_eq!(r.status, 400, "{vendor:?}: {}", r.text());
        assert_eq!(r.error_code(), "invalid_body");
        // Valid JSON of the wrong shape.
        if vendor != Vendor::Twilio {
            let r = app.deliver(&c, br#"{"object":"something_else","events":"no"}"#);
            assert_eq!(r.status, 400, "{vendor:?} wrong shape: {}", r.text());
        }
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);

    // Oversized: refused before it is read (Meta allows 3 MB, the others 1 MiB).
    let line = app.connect(Vendor::Line);
    let big = vec![b' '; 1024 * 1024 + 1];
    let r = app
        .request("channels", "POST", &line.path())
        .body(big)
        .send();
    assert_eq!(r.status, 413);
    assert_eq!(r.error_code(), "payload_too_large");
    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    let r = app
        .request("channels", "POST", &wa.path())
        .body(huge)
        .send();
    assert_eq!(r.status, 413);
    let r = app
        .request("channels", "PUT", &wa.path())
        .body(body.clone())
        .send();
    assert_eq!(r.status, 405);
}

#[test]
fn setup_handshakes() {
    let app = channel_app();
    for (vendor, token) in [
        (Vendor::WhatsApp, "wa-verify-token"),
        (Vendor::Messenger, "fb-verify-token"),
        (Vendor::Instagram, "ig-verify-token"),
    ] {
        let c = app.connect(vendor);
        let ok = app
            .request(
                "channels",
                "GET",
                &format!(
                    "{}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={token}",
                    c.path()
                ),
            )
            .send()
            .expect(200);
        assert_eq!(ok.text(), "1158201444");
        assert!(ok.header("content-type").unwrap().starts_with("text/plain"));
        let wrong = app
            .request(
                "channels",
                "GET",
                &format!(
                    "{}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess",
                    c.path()
                ),
            )
            .send();
        assert_eq!(wrong.status, 403);
        assert!(!wrong.text().contains("1158201444"));
    }

    // Slack: the signed url_verification POST echoes the challenge.
    let slack = app.connect(Vendor::Slack);
    let r = app
        .deliver(&slack, &sample("slack-url-verification.json"))
        .expect(200);
    assert_eq!(
        r.text(),
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    // ...but only when signed.
    let r = app
        .request("channels", "POST", &slack.path())
        .body(sample("slack-url-verification.json"))
        .send();
    assert_eq!(r.status, 401);

    // LINE's Verify button: signed, no events.
    let line = app.connect(Vendor::Line);
    app.deliver(&line, &sample("line-verify-empty.json"))
        .expect(200);
    // Viber's set_webhook callback.
    let viber = app.connect(Vendor::Viber);
    app.deliver(&viber, &sample("viber-webhook-verify.json"))
        .expect(200);
    // Telegram has no GET handshake.
    let telegram = app.connect(Vendor::Telegram);
    let r = app.request("channels", "GET", &telegram.path()).send();
    assert_eq!(r.status, 405);

    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
    assert!(app.outbound.sent().is_empty());
}

fn whatsapp_value(inner: &str) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}},{inner}}},"field":"messages"}}]}}]}}"#
    )
    .into_bytes()
}

/// Delivery and read receipts (WhatsApp sends several for every message that goes out) are
/// acknowledged without a write: no transaction, so no wait for the write lock.
#[test]
fn a_webhook_with_only_receipts_is_acknowledged_without_writing() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    let body = whatsapp_value(
        r#""statuses":[{"id":"wamid.OUT","status":"delivered","timestamp":"1749416386","recipient_id":"821011112222"},
                       {"id":"wamid.OUT","status":"read","timestamp":"1749416390","recipient_id":"821011112222"}]"#,
    );
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let signature = format!("sha256={}", hex(&hmac256(&c.secret, &[&body])));
    let r = app
        .request("channels", "POST", &c.path())
        .header("x-hub-signature-256", &signature)
        .header("content-type", "application/json")
        .body(body)
        .send_watching(&|sql: &str| seen.borrow_mut().push(sql.to_owned()));
    r.expect(200);
    let seen = seen.into_inner();
    let writes: Vec<&String> = seen
        .iter()
        .filter(|s| !s.starts_with("SELECT") && !s.starts_with("PRAGMA user_version"))
        .collect();
    assert!(writes.is_empty(), "{writes:#?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE role = 'end-user'"),
        0
    );
}

#[test]
fn a_batch_yields_one_conversation_per_sender_and_statuses_are_ignored() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    let body = whatsapp_value(
        r#""contacts":[{"profile":{"name":"Ana"},"wa_id":"821011112222"},{"profile":{"name":"Bo"},"wa_id":"821033334444"}],
        "messages":[
          {"from":"821011112222","id":"wamid.A1","timestamp":"1749416383","type":"text","text":{"body":"first"}},
          {"from":"821033334444","id":"wamid.B1","timestamp":"1749416384","type":"text","text":{"body":"second"}},
          {"from":"821011112222","id":"wamid.A2","timestamp":"1749416385","type":"text","text":{"body":"third"}}],
        "statuses":[{"id":"wamid.OUT","status":"delivered","timestamp":"1749416386","recipient_id":"821011112222"}]"#,
    );
    app.deliver(&c, &body).expect(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 2);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM identities WHERE channel = 'whatsapp' AND address IN ('+821011112222', '+821033334444')"),
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE name IN ('Ana', 'Bo')"
        ),
        2,
        "profile names are kept"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE author_type = 'user'"
        ),
        3
    );
    // Greeting to both, then the fallback to Ana's second message.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE author_type = 'bot'"
        ),
        3
    );
    let sent = app.outbound.sent();
    assert_eq!(sent.len(), 3);
    let to: Vec<String> = sent
        .iter()
        .map(|s| body_json(&s.request)["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(to, ["+821011112222", "+821011112222", "+821033334444"]);

    // The same batch again: nothing.
    app.deliver(&c, &body).expect(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 6);
    assert_eq!(app.outbound.sent().len(), 3);
}

#[test]
fn media_keeps_the_vendors_reference_in_the_fetch_queue_not_on_the_message() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    let body = whatsapp_value(
        r#""contacts":[{"profile":{"name":"Ana"},"wa_id":"821011112222"}],"messages":[{"from":"821011112222","id":"wamid.IMG","timestamp":"1749416383","type":"image","image":{"caption":"It arrived broken","mime_type":"image/jpeg","sha256":"x","id":"1003383421387256"}}]"#,
    );
    app.deliver(&c, &body).expect(200);
    let rows = app.rows(
        "SELECT m.text, json_extract(f.media, '$.kind'), json_extract(f.media, '$.media_id'),
                json_extract(f.media, '$.mime_type'), json_extract(m.content, '$.media')
         FROM messages m JOIN attachments a ON a.message_id = m.id
         JOIN media_fetches f ON f.attachment_public_id = a.public_id
         WHERE m.author_type = 'user'",
        &[],
    );
    assert_eq!(
        rows[0],
        vec![
            "It arrived broken".into(),
            "image".into(),
            "1003383421387256".into(),
            "image/jpeg".into(),
            spindesk_core::ports::Value::Null,
        ]
    );
}

/// Delivers the sample (the bot greets with "Talk to a person"), then `tap`.
fn greeted_then(app: &App, vendor: Vendor, tap: &[u8]) -> Connected {
    let c = app.connect(vendor);
    app.vendor_answers_ok(vendor, 10);
    app.deliver(&c, &vendor.text_sample()).expect(200);
    app.deliver(&c, tap).expect(200);
    c
}

fn handed_off(app: &App) -> bool {
    count(app, "SELECT COUNT(*) FROM tickets") == 1
        && count(
            app,
            "SELECT COUNT(*) FROM conversations WHERE switchboard = 'agent'",
        ) == 1
}

#[test]
fn taps_on_the_offered_option_hand_off_on_every_kind_of_button() {
    // WhatsApp reply button.
    let app = channel_app();
    greeted_then(
        &app,
        Vendor::WhatsApp,
        &whatsapp_value(
            r#""messages":[{"context":{"from":"15550783881","id":"wamid.OUT"},"from":"16505551234","id":"wamid.TAP","timestamp":"1749416400","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"handoff","title":"Talk to a person"}}}]"#,
        ),
    );
    assert!(handed_off(&app), "whatsapp");
    let tapped = app.rows(
        "SELECT text, payload FROM messages WHERE source_message_id = 'wamid.TAP'",
        &[],
    );
    assert_eq!(tapped[0], vec!["Talk to a person".into(), "handoff".into()]);

    // Messenger quick reply and postback.
    let app = channel_app();
    greeted_then(&app, Vendor::Messenger, br#"{"object":"page","entry":[{"id":"107425831234567","time":1,"messaging":[{"sender":{"id":"6543210987654321"},"recipient":{"id":"107425831234567"},"timestamp":1718000000999,"message":{"mid":"m_tap","text":"Talk to a person","quick_reply":{"payload":"handoff"}}}]}]}"#);
    assert!(handed_off(&app), "messenger");

    // Telegram inline keyboard: the tap is acknowledged with answerCallbackQuery, and the
    // option's title is shown although Telegram sends only the data.
    let app = channel_app();
    greeted_then(&app, Vendor::Telegram, br#"{"update_id":804512740,"callback_query":{"id":"530363929746381219","from":{"id":123456789,"is_bot":false,"first_name":"Ana"},"message":{"message_id":1368,"chat":{"id":123456789,"type":"private"},"date":1718000080,"text":"Hi"},"chat_instance":"-58","data":"handoff"}}"#);
    assert!(handed_off(&app), "telegram");
    let tapped = app.rows("SELECT text, payload FROM messages WHERE source_message_id = 'callback:530363929746381219'", &[]);
    assert_eq!(tapped[0], vec!["Talk to a person".into(), "handoff".into()]);
    let acks: Vec<_> = app
        .outbound
        .sent()
        .into_iter()
        .filter(|s| s.request.uri().path().ends_with("/answerCallbackQuery"))
        .collect();
    assert_eq!(acks.len(), 1);
    assert_eq!(
        body_json(&acks[0].request),
        json!({"callback_query_id": "530363929746381219"})
    );

    // LINE postback.
    let app = channel_app();
    greeted_then(&app, Vendor::Line, br#"{"destination":"U0","events":[{"type":"postback","postback":{"data":"handoff"},"webhookEventId":"01HZ8T3Q2K9V6J4R7M1N5P0XWZ","deliveryContext":{"isRedelivery":false},"timestamp":1718000000999,"source":{"type":"user","userId":"U4af4980629bd0a67f2b8e9a1c3d5e7f9"},"replyToken":"r","mode":"active"}]}"#);
    assert!(handed_off(&app), "line");

    // Viber keyboard: the button's ActionBody arrives as text.
    let app = channel_app();
    greeted_then(&app, Vendor::Viber, br#"{"event":"message","timestamp":1718000000999,"message_token":5741311803571721999,"sender":{"id":"01234567890A=","name":"John"},"message":{"type":"text","text":"handoff"}}"#);
    assert!(handed_off(&app), "viber");

    // Slack button click on the interactivity endpoint.
    let app = channel_app();
    let payload = r#"{"type":"block_actions","user":{"id":"U0123ABCD"},"channel":{"id":"D0123ABCD"},"trigger_id":"3987.4744.803a","actions":[{"action_id":"option_1","block_id":"spindesk_options","text":{"type":"plain_text","text":"Talk to a person"},"value":"handoff","type":"button","action_ts":"1718000100.1"}]}"#;
    let click = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", payload)
        .finish();
    greeted_then(&app, Vendor::Slack, click.as_bytes());
    assert!(handed_off(&app), "slack");

    // SMS: numbered options; a reply of "1" picks the first.
    let app = channel_app();
    greeted_then(&app, Vendor::Twilio, b"MessageSid=SM99999999999999999999999999999999&From=%2B12125550123&To=%2B14155550100&Body=1&NumMedia=0&SmsStatus=received");
    assert!(handed_off(&app), "sms");
    let tapped = app.rows("SELECT text, payload FROM messages WHERE source_message_id = 'SM99999999999999999999999999999999'", &[]);
    assert_eq!(tapped[0], vec!["Talk to a person".into(), "handoff".into()]);
}

#[test]
fn an_option_number_payload_maps_to_the_offered_option() {
    // When a payload does not fit a vendor's limit the button carries `#n` instead.
    let app = channel_app();
    greeted_then(&app, Vendor::Telegram, br##"{"update_id":804512741,"callback_query":{"id":"77","from":{"id":123456789,"is_bot":false,"first_name":"Ana"},"message":{"message_id":1368,"chat":{"id":123456789,"type":"private"},"date":1,"text":"Hi"},"chat_instance":"-58","data":"#1"}}"##);
    assert!(handed_off(&app));
}

#[test]
fn agent_replies_follow_the_customer_to_their_channel() {
    let app = channel_app();
    let c = greeted_then(&app, Vendor::Twilio, b"MessageSid=SM99999999999999999999999999999999&From=%2B12125550123&To=%2B14155550100&Body=I+need+a+human&NumMedia=0&SmsStatus=received");
    assert!(handed_off(&app));
    let ticket_id = app.rows("SELECT id FROM tickets", &[])[0][0].clone();
    let spindesk_core::ports::Value::Integer(ticket_id) = ticket_id else {
        panic!()
    };
    let agent = app.agent("Ada", "ada@example.com");
    let sent_before = app.outbound.sent().len();
    app.zendesk_put(&agent, &format!("/api/v2/tickets/{ticket_id}.json"),
        &json!({"ticket": {"comment": {"body": "Hi, Ada here. Checking your package.", "public": true}}}))
        .expect(200);
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket_id}.json"),
        &json!({"ticket": {"comment": {"body": "internal: VIP", "public": false}}}),
    )
    .expect(200);
    // The reply went out right after the agent's update, without waiting for a drain.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
    let sent = app.outbound.sent();
    assert_eq!(sent.len(), sent_before + 1);
    let f = form(&sent.last().unwrap().request);
    assert_eq!(f["Body"], "Hi, Ada here. Checking your package.");
    assert_eq!(f["To"], "+12125550123");
    assert_eq!(f["From"], "+14155550100");
    assert!(!sent
        .iter()
        .any(|s| String::from_utf8_lossy(s.request.body()).contains("VIP")));

    // The customer answers on SMS: it reaches the ticket, no bot reply.
    app.deliver(&c, b"MessageSid=SM88888888888888888888888888888888&From=%2B12125550123&To=%2B14155550100&Body=Thanks!&NumMedia=0&SmsStatus=received").expect(200);
    assert_eq!(app.outbound.sent().len(), sent_before + 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ticket_comments WHERE body = 'Thanks!'"
        ),
        1
    );
}

#[test]
fn a_widget_conversation_sends_nothing_to_channels() {
    let app = channel_app();
    app.connect(Vendor::WhatsApp);
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox"), 0);
    assert!(app.outbound.sent().is_empty());
}

#[test]
fn twilio_needs_public_base_url_to_verify() {
    let app = App::new();
    let c = app.connect(Vendor::Twilio);
    let r = app.deliver(&c, &Vendor::Twilio.text_sample());
    assert_eq!(r.status, 503);
    assert_eq!(r.error_code(), "not_configured");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
}

/// The greeting the bot sent to a channel customer, from the stored conversation.
fn bot_greeting(app: &App) -> String {
    match app.rows(
        "SELECT text FROM messages WHERE author_type = 'bot' ORDER BY id LIMIT 1",
        &[],
    )[0][0]
        .clone()
    {
        spindesk_core::ports::Value::Text(t) => t,
        other => panic!("greeting {other:?}"),
    }
}

#[test]
fn channel_customers_are_greeted_in_their_language() {
    // Telegram says the user's language.
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 5);
    app.deliver(&c, r#"{"update_id":1,"message":{"message_id":7,"from":{"id":42,"is_bot":false,"first_name":"Min","language_code":"ko"},"chat":{"id":42,"type":"private"},"date":1718000010,"text":"안녕하세요"}}"#.as_bytes())
        .expect(200);
    assert_eq!(
        app.rows("SELECT locale FROM users WHERE role = 'end-user'", &[]),
        vec![vec![spindesk_core::ports::Value::Text("ko".into())]]
    );
    assert!(
        bot_greeting(&app).contains("안녕하세요"),
        "{}",
        bot_greeting(&app)
    );

    // A Korean WhatsApp number gets Korean; the sample's US number stays English.
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 5);
    let korean = String::from_utf8(Vendor::WhatsApp.text_sample())
        .unwrap()
        .replace("16505551234", "821012345678");
    app.deliver(&c, korean.as_bytes()).expect(200);
    assert!(
        bot_greeting(&app).contains("안녕하세요"),
        "{}",
        bot_greeting(&app)
    );

    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.vendor_answers_ok(Vendor::WhatsApp, 5);
    app.deliver(&c, &Vendor::WhatsApp.text_sample()).expect(200);
    assert!(
        !bot_greeting(&app).contains("안녕하세요"),
        "{}",
        bot_greeting(&app)
    );
}

#[test]
fn customers_from_whatsapp_and_sms_have_their_phone_number_on_the_users_api() {
    let app = channel_app();
    for vendor in [Vendor::WhatsApp, Vendor::Twilio, Vendor::Telegram] {
        let c = app.connect(vendor);
        app.deliver(&c, &vendor.text_sample()).expect(200);
    }
    for (vendor, phone) in [
        (Vendor::WhatsApp, json!("+16505551234")),
        (Vendor::Twilio, json!("+12125550123")),
        (Vendor::Telegram, Json::Null),
    ] {
        let (channel, address) = vendor.sample_identity();
        let user_id = match &app.rows(
            "SELECT user_id FROM identities WHERE channel = ? AND address = ?",
            &[channel.into(), address.into()],
        )[0][0]
        {
            spindesk_core::ports::Value::Integer(id) => *id,
            other => panic!("{other:?}"),
        };
        let user = app
            .request("tickets", "GET", &format!("/api/v2/users/{user_id}.json"))
            .admin()
            .send()
            .expect(200)
            .json();
        assert_eq!(user["user"]["phone"], phone, "{}", vendor.name());
    }
}
