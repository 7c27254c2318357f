//! The channel integrations admin API: credentials are write-only, inputs are validated,
//! changes apply to the webhook right away.

use spindesk_tests::channels::*;
use spindesk_tests::{json, App};

fn create(app: &App, integration: serde_json::Value) -> spindesk_tests::Resp {
    app.request("admin", "POST", "/api/admin/integrations")
        .admin()
        .json(&json!({ "integration": integration }))
        .send()
}

#[test]
fn every_type_is_created_with_its_webhook_url_and_no_secret_ever_comes_back() {
    let app = channel_app();
    for vendor in ALL {
        let mut integration = vendor.credentials();
        integration["type"] = json!(vendor.name());
        integration["display_name"] = json!("Acme");
        let r = create(&app, integration).expect(201);
        let body = r.text();
        let i = &r.json()["integration"];
        let id = i["id"].as_str().unwrap();
        assert_eq!(i["type"], vendor.name());
        assert_eq!(i["display_name"], "Acme");
        assert_eq!(
            i["webhook_url"],
            format!("{PUBLIC_BASE}/webhooks/{}/{id}", vendor.name())
        );
        assert!(i["created_at"].as_str().unwrap().ends_with('Z'));
        let mut set: Vec<String> = i["credentials_set"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        set.sort();
        let mut expected: Vec<String> = vendor
            .credentials()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        expected.sort();
        assert_eq!(set, expected);
        for secret in vendor.secret_values() {
            assert!(!body.contains(&secret), "{vendor:?} returned {secret}");
        }
        let shown = app
            .request("admin", "GET", &format!("/api/admin/integrations/{id}"))
            .admin()
            .send()
            .expect(200);
        for secret in vendor.secret_values() {
            assert!(!shown.text().contains(&secret));
        }
    }
    let list = app
        .request("admin", "GET", "/api/admin/integrations")
        .admin()
        .send()
        .expect(200);
    assert_eq!(list.json()["integrations"].as_array().unwrap().len(), 8);
    for vendor in ALL {
        for secret in vendor.secret_values() {
            assert!(!list.text().contains(&secret), "{secret}");
        }
    }
}

#[test]
fn invalid_integrations_are_refused_with_clear_codes() {
    let app = channel_app();
    let cases = [
        (
            json!({"type": "icq", "display_name": "x"}),
            422,
            "invalid_type",
        ),
        (json!({"display_name": "x"}), 422, "invalid_type"),
        (
            json!({"type": "telegram", "bot_token": "1:a", "secret_token": "s0123456789abcdefghijklmnopqrstuv"}),
            422,
            "invalid_display_name",
        ),
        (
            json!({"type": "telegram", "display_name": "x", "bot_token": "1:a"}),
            422,
            "missing_credential",
        ),
        (
            json!({"type": "telegram", "display_name": "x", "bot_token": "1:a", "secret_token": "has spaces"}),
            422,
            "invalid_credential",
        ),
        (
            // 31 characters: Telegram would take it, but it is the webhook's only secret.
            json!({"type": "telegram", "display_name": "x", "bot_token": "1:a", "secret_token": "s0123456789abcdefghijklmnopqrst"}),
            422,
            "invalid_credential",
        ),
        (
            json!({"type": "telegram", "display_name": "x", "bot_token": "1:a", "secret_token": "s0123456789abcdefghijklmnopqrstuv", "app_secret": "typo"}),
            422,
            "unknown_field",
        ),
        (
            json!({"type": "telegram", "display_name": "x", "bot_token": 5, "secret_token": "s0123456789abcdefghijklmnopqrstuv"}),
            422,
            "invalid_field",
        ),
        (
            json!({"type": "telegram", "display_name": "x", "bot_token": "1:a", "secret_token": "s0123456789abcdefghijklmnopqrstuv", "api_base_url": "https://x.example/path"}),
            422,
            "invalid_api_base_url",
        ),
        (
            json!({"type": "twilio", "display_name": "x", "account_sid": "nope", "auth_token": "t", "from_number": "+1415"}),
            422,
            "invalid_credential",
        ),
        (
            json!({"type": "viber", "display_name": "", "auth_token": "t"}),
            422,
            "invalid_display_name",
        ),
    ];
    for (body, status, code) in cases {
        let r = create(&app, body.clone());
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert_eq!(r.error_code(), code, "{body}");
    }
    let r = app
        .request("admin", "POST", "/api/admin/integrations")
        .admin()
        .body("{nope")
        .send();
    assert_eq!(r.status, 400);
    let r = app
        .request("admin", "POST", "/api/admin/integrations")
        .admin()
        .json(&json!({"type": "viber"}))
        .send();
    assert_eq!(r.status, 400);
    let list = app
        .request("admin", "GET", "/api/admin/integrations")
        .admin()
        .send()
        .expect(200);
    assert_eq!(list.json()["integrations"], json!([]));
}

#[test]
fn the_admin_token_is_required() {
    let app = channel_app();
    for (method, path) in [
        ("GET", "/api/admin/integrations"),
        ("POST", "/api/admin/integrations"),
        ("GET", "/api/admin/outbox"),
        ("POST", "/api/admin/outbox/drain"),
    ] {
        let r = app.request("admin", method, path).send();
        assert_eq!(r.status, 401, "{method} {path}");
        let r = app.request("admin", method, path).bearer("wrong").send();
        assert_eq!(r.status, 401, "{method} {path}");
    }
}

#[test]
fn rotating_a_secret_applies_to_the_next_webhook() {
    let app = channel_app();
    let mut c = app.connect(Vendor::Line);
    let body = Vendor::Line.text_sample();
    let r = app
        .request("admin", "PATCH", &format!("/api/admin/integrations/{}", c.id))
        .admin()
        .json(&json!({"integration": {"channel_secret": "rotated-secret", "display_name": "Acme LINE"}}))
        .send()
        .expect(200);
    assert_eq!(r.json()["integration"]["display_name"], "Acme LINE");
    assert!(!r.text().contains("rotated-secret"));
    assert_eq!(
        app.deliver(&c, &body).status,
        403,
        "the old secret no longer verifies"
    );
    c.secret = "rotated-secret".into();
    app.deliver(&c, &body).expect(200);

    // The type is fixed; unknown fields are refused.
    let r = app
        .request(
            "admin",
            "PATCH",
            &format!("/api/admin/integrations/{}", c.id),
        )
        .admin()
        .json(&json!({"integration": {"type": "viber"}}))
        .send();
    assert_eq!(r.error_code(), "type_immutable");
    let r = app
        .request(
            "admin",
            "PATCH",
            &format!("/api/admin/integrations/{}", c.id),
        )
        .admin()
        .json(&json!({"integration": {"bot_token": "x"}}))
        .send();
    assert_eq!(r.error_code(), "unknown_field");
    let r = app
        .request("admin", "PATCH", "/api/admin/integrations/nope")
        .admin()
        .json(&json!({"integration": {"display_name": "x"}}))
        .send();
    assert_eq!(r.status, 404);
}

#[test]
fn api_base_url_sends_to_another_origin_and_can_be_cleared() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.request(
        "admin",
        "PATCH",
        &format!("/api/admin/integrations/{}", c.id),
    )
    .admin()
    .json(&json!({"integration": {"api_base_url": "http://127.0.0.1:8081/"}}))
    .send()
    .expect(200);
    app.deliver(&c, &Vendor::Telegram.text_sample()).expect(200);
    let sent = app.outbound.sent();
    assert_eq!(
        sent[0].request.uri().to_string(),
        "http://127.0.0.1:8081/bot7000000001:AAH-telegram-bot-token/sendMessage"
    );
    let r = app
        .request(
            "admin",
            "PATCH",
            &format!("/api/admin/integrations/{}", c.id),
        )
        .admin()
        .json(&json!({"integration": {"api_base_url": null}}))
        .send()
        .expect(200);
    assert!(r.json()["integration"]["api_base_url"].is_null());
}

#[test]
fn deleting_an_integration_closes_its_webhook_and_drops_its_sends() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap()));
    app.deliver(&c, &Vendor::WhatsApp.text_sample()).expect(200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed'"),
        1
    );
    app.request(
        "admin",
        "DELETE",
        &format!("/api/admin/integrations/{}", c.id),
    )
    .admin()
    .send()
    .expect(204);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversation_routes"), 0);
    let r = app.deliver(&c, &Vendor::WhatsApp.text_sample());
    assert_eq!(r.status, 404);
    app.request(
        "admin",
        "DELETE",
        &format!("/api/admin/integrations/{}", c.id),
    )
    .admin()
    .send()
    .expect(404);
    // The conversation and its history stay.
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), 2);
}

#[test]
fn without_public_base_url_the_webhook_url_is_unknown() {
    let app = App::new();
    let c = app.connect(Vendor::Viber);
    let r = app
        .request("admin", "GET", &format!("/api/admin/integrations/{}", c.id))
        .admin()
        .send()
        .expect(200);
    assert!(r.json()["integration"]["webhook_url"].is_null());
}
