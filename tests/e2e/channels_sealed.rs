//! Channel credentials at rest: sealed under `credentials_key`, opened for webhooks and sends,
//! never readable from the database file, and a clear 503 when the key is wrong or malformed.

use spindesk_core::ports::Sql;
use spindesk_native::MapConfig;
use spindesk_tests::channels::*;
use spindesk_tests::{json, App, ADMIN_TOKEN};

const KEY: &str = "5f0c3b8e2a1d4c6b9e7f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b";
const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

fn config(key: Option<&str>) -> MapConfig {
    let config = MapConfig::default()
        .with("admin_token", ADMIN_TOKEN)
        .with("public_base_url", PUBLIC_BASE);
    match key {
        Some(key) => config.with("credentials_key", key),
        None => config,
    }
}

fn stored_credentials(app: &App) -> String {
    match &app.rows("SELECT credentials FROM integrations", &[])[0][0] {
        spindesk_core::ports::Value::Text(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn credentials_are_sealed_at_rest_and_still_verify_webhooks_and_send_replies() {
    let app = App::with_config(config(Some(KEY)));
    let line = app.connect(Vendor::Line);
    let stored = stored_credentials(&app);
    assert!(stored.starts_with("v1:"), "{stored}");
    for secret in Vendor::Line.secret_values() {
        assert!(!stored.contains(&secret), "{secret} readable in {stored}");
    }
    // The webhook's signature is checked with the opened channel secret, and the bot's reply
    // goes out with the opened access token.
    app.vendor_answers_ok(Vendor::Line, 4);
    app.deliver(&line, &Vendor::Line.text_sample()).expect(200);
    let (header, value) = Vendor::Line.send_auth().unwrap();
    let sent = app.outbound.sent();
    assert!(!sent.is_empty(), "the bot's reply was sent");
    assert!(sent
        .iter()
        .all(|s| s.request.headers()[header].to_str().unwrap() == value));
    // A wrongly signed webhook is still refused.
    assert_eq!(
        app.deliver_signed(&line, &Vendor::Line.text_sample(), "wrong")
            .status,
        403
    );
}

#[test]
fn a_key_set_later_refuses_unsealed_credentials_until_an_admin_seals_them() {
    let mut app = App::with_config(config(None));
    let telegram = app.connect(Vendor::Telegram);
    let plain = stored_credentials(&app);
    assert!(plain.starts_with('{'));
    app.config = config(Some(KEY));
    // Unsealed under a key: refused, as a planted value would be; nothing stored.
    let r = app.deliver(&telegram, &Vendor::Telegram.text_sample());
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        r.text().contains("/api/admin/integrations/seal"),
        "{}",
        r.text()
    );
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
    let seal = |app: &App| {
        app.request("admin", "POST", "/api/admin/integrations/seal")
            .admin()
            .send()
    };
    assert_eq!(seal(&app).expect(200).json()["sealed"], 1);
    assert!(stored_credentials(&app).starts_with("v1:"));
    app.deliver(&telegram, &Vendor::Telegram.text_sample())
        .expect(200);
    assert_eq!(seal(&app).expect(200).json()["sealed"], 0, "nothing left");
    let log = app
        .request(
            "admin",
            "GET",
            "/api/admin/audit_log?action=integrations.seal",
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(
        log["audit_log"][1]["detail"]["sealed"], 1,
        "newest first: {log}"
    );

    // Someone who can write the database plants plaintext credentials: refused.
    app.db()
        .execute(
            "UPDATE integrations SET credentials = ?",
            &[spindesk_core::ports::Value::Text(plain)],
        )
        .unwrap();
    assert_eq!(
        app.deliver(&telegram, &Vendor::Telegram.text_sample())
            .status,
        503
    );
    // Without a key there is nothing to seal with.
    app.config = config(None);
    assert_eq!(seal(&app).expect(409).error_code(), "no_credentials_key");
}

#[test]
fn a_wrong_missing_or_malformed_key_is_a_clear_503_that_shows_no_secret() {
    let mut app = App::with_config(config(Some(KEY)));
    let line = app.connect(Vendor::Line);
    let secrets = Vendor::Line.secret_values();
    let check = |app: &App, r: spindesk_tests::Resp, says: &str| {
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(r.text().contains(says), "{}", r.text());
        for secret in &secrets {
            assert!(!r.text().contains(secret.as_str()));
        }
        let _ = app;
    };
    for (key, says) in [
        (Some(OTHER_KEY), "cannot be opened"),
        (None, "not set"),
        (Some("not-hex"), "64 hexadecimal"),
    ] {
        app.config = config(key);
        let webhook = app.deliver(&line, &Vendor::Line.text_sample());
        check(
            &app,
            webhook,
            if key == Some("not-hex") { says } else { "" },
        );
        let listed = app
            .request("admin", "GET", "/api/admin/integrations")
            .admin()
            .send();
        check(&app, listed, says);
    }
    // Nothing was stored from the refused webhooks.
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
}

#[test]
fn a_send_whose_credentials_do_not_open_waits_in_the_outbox_until_the_key_is_fixed() {
    let mut app = App::with_config(config(Some(KEY)));
    let whatsapp = app.connect(Vendor::WhatsApp);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(503)
        .body(b"{}".to_vec())
        .unwrap()));
    app.deliver(&whatsapp, &Vendor::WhatsApp.text_sample())
        .expect(200);
    let drain = |app: &App| {
        app.request("admin", "POST", "/api/admin/outbox/drain")
            .admin()
            .send()
            .json()
    };
    let rows = |app: &App| {
        app.request("admin", "GET", "/api/admin/outbox")
            .admin()
            .send()
            .expect(200)
            .json()["outbox"]
            .clone()
    };

    // The wrong key: the due row is tried, fails with the reason, nothing reaches the vendor.
    app.config = config(Some(OTHER_KEY));
    app.clock.advance(std::time::Duration::from_secs(60));
    let sent_before = app.outbound.sent().len();
    assert_eq!(drain(&app)["drain"]["failed"], 1);
    assert_eq!(app.outbound.sent().len(), sent_before);
    let row = &rows(&app)[0];
    assert_eq!(row["status"], "failed");
    assert!(
        row["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be opened"),
        "{row}"
    );

    // The right key again: the next drain sends it.
    app.config = config(Some(KEY));
    app.clock.advance(std::time::Duration::from_secs(3_600));
    app.vendor_answers_ok(Vendor::WhatsApp, 1);
    assert_eq!(drain(&app)["drain"]["sent"], 1);
    assert_eq!(rows(&app)[0]["status"], "sent");
}

/// Every admin route that opens or seals credentials answers the documented 503 when the key
/// is wrong, missing or malformed — reading, changing, creating and deleting alike — and
/// changes nothing.
#[test]
fn every_admin_integration_route_answers_503_for_a_key_problem_and_changes_nothing() {
    let mut app = App::with_config(config(Some(KEY)));
    let line = app.connect(Vendor::Line);
    let stored = stored_credentials(&app);
    let path = format!("/api/admin/integrations/{}", line.id);
    let mut new_integration = Vendor::Telegram.credentials();
    new_integration["type"] = json!("telegram");
    new_integration["display_name"] = json!("Second");
    for (key, says) in [
        (Some(OTHER_KEY), "cannot be opened"),
        (None, "not set"),
        (Some("not-hex"), "64 hexadecimal"),
    ] {
        app.config = config(key);
        let attempts = [
            app.request("admin", "GET", &path).admin().send(),
            app.request("admin", "PATCH", &path)
                .admin()
                .json(&json!({"integration": {"display_name": "Renamed"}}))
                .send(),
        ];
        for r in attempts {
            assert_eq!(r.status, 503, "{key:?}: {}", r.text());
            assert_eq!(
                r.json()["errors"][0]["code"],
                "credentials_key",
                "{}",
                r.text()
            );
            assert!(r.text().contains(says), "{}", r.text());
        }
        if key == Some("not-hex") {
            // A malformed key cannot seal either: creating is refused the same way.
            let r = app
                .request("admin", "POST", "/api/admin/integrations")
                .admin()
                .json(&json!({ "integration": new_integration }))
                .send();
            assert_eq!(r.status, 503, "{}", r.text());
            assert_eq!(r.json()["errors"][0]["code"], "credentials_key");
        }
    }
    assert_eq!(stored_credentials(&app), stored, "nothing was re-sealed");
    assert_eq!(app.count("SELECT count(*) FROM integrations"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM integrations WHERE display_name = 'Renamed'"),
        0
    );
}
