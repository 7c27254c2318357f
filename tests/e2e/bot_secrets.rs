//! Secret headers of the bot's API calls (`authorization: Bearer …`): sealed in the draft and
//! every published version under `credentials_key`, never shown by the bot API (masked as
//! `********`, and a mask sent back keeps the stored value), never kept in
//! `conversations.bot_state` — and still sent with the call.

use spindesk_core::ports::{Sql, Value};
use spindesk_native::{MapConfig, NativeSql};
use spindesk_tests::{json, App, Json, ADMIN_TOKEN};
use std::sync::{Arc, Mutex};

const KEY: &str = "5f0c3b8e2a1d4c6b9e7f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b";
const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const SECRET: &str = "shop-key";
const LISTED_SECRET: &str = "sig-4471";
const MASK: &str = "********";

fn config(key: Option<&str>) -> MapConfig {
    let config = MapConfig::default().with("admin_token", ADMIN_TOKEN);
    match key {
        Some(key) => config.with("credentials_key", key),
        None => config,
    }
}

/// `authorization` is secret by its name; `x-shop-sig` because the step lists it;
/// `x-shop-id` is not secret.
fn shop_bot() -> Json {
    json!({
        "name": "Shop bot",
        "allowed_hosts": ["shop.example.com"],
        "answers": [{
            "id": "order", "name": "Order status", "label": "Order status",
            "phrases": {"en": ["where is my order"]},
            "steps": [
                {"type": "make_api_call", "id": "lookup", "method": "GET",
                 "url": "https://shop.example.com/orders/latest",
                 "headers": {"authorization": format!("Bearer {SECRET}"),
                             "x-shop-sig": LISTED_SECRET, "x-shop-id": "42"},
                 "secret_headers": ["x-shop-sig"],
                 "save": [{"variable": "status", "path": "status"}],
                 "success": "tell", "failure": "sorry"},
                {"type": "send_message", "id": "tell", "text": "Your order is {{status}}."},
                {"type": "send_message", "id": "sorry", "text": "The shop is not answering."}
            ]
        }]
    })
}

fn shop_ok() -> spindesk_native::Reply {
    Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"status":"shipped"}"#.to_vec())
        .expect("response"))
}

/// Every stored bot document and conversation state, as one text.
fn stored_text(db: &NativeSql) -> String {
    let rows = db
        .execute(
            "SELECT document FROM bot_draft
             UNION ALL SELECT document FROM bot_versions
             UNION ALL SELECT coalesce(bot_state, '') FROM conversations",
            &[],
        )
        .expect("query")
        .rows;
    rows.into_iter()
        .flatten()
        .map(|v| match v {
            Value::Text(s) => s,
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the order answer in a conversation; returns what the database held while the call was
/// being sent, and the bot's reply text.
fn run_order(app: &App) -> (String, Vec<String>) {
    let during = Arc::new(Mutex::new(String::new()));
    let seen = during.clone();
    let path = app.db_path();
    app.outbound.on_send(move |request| {
        if request.uri().host() == Some("shop.example.com") {
            *seen.lock().unwrap() = stored_text(&NativeSql::open(&path));
        }
    });
    app.outbound.push_reply(shop_ok());
    let v = app.visitor("en");
    let r = app.say(&v, "where is my order", None);
    let said = spindesk_tests::bot_messages(r["messages"].as_array().expect("messages"))
        .into_iter()
        .map(|(text, _)| text)
        .collect();
    let during = during.lock().unwrap().clone();
    (during, said)
}

fn assert_sent_with_secrets(app: &App) {
    let sent = app.outbound.sent();
    let call = sent
        .iter()
        .find(|s| s.request.uri().host() == Some("shop.example.com"))
        .expect("the shop was called");
    let headers = call.request.headers();
    assert_eq!(
        headers["authorization"],
        format!("Bearer {SECRET}").as_str()
    );
    assert_eq!(headers["x-shop-sig"], LISTED_SECRET);
    assert_eq!(headers["x-shop-id"], "42");
}

fn assert_hidden(text: &str) {
    assert!(!text.contains(SECRET), "secret shown: {text}");
    assert!(!text.contains(LISTED_SECRET), "listed secret shown: {text}");
}

#[test]
fn secret_headers_never_reach_the_database_yet_the_call_carries_them() {
    let app = App::with_config(config(Some(KEY)));
    app.publish_bot(&shop_bot());
    let (during, said) = run_order(&app);
    assert!(
        said.iter().any(|s| s == "Your order is shipped."),
        "{said:?}"
    );
    assert_sent_with_secrets(&app);
    // While the call was being made, the conversation's state awaited it — without secrets.
    assert!(during.contains("awaiting_call"), "{during}");
    assert!(during.contains("x-shop-id"), "{during}");
    assert_hidden(&during);
    let after = stored_text(&app.db());
    assert_hidden(&after);
    // The stored documents hold sealed values, not the plaintext.
    assert!(after.contains("\"authorization\":\"v1:"), "{after}");
}

#[test]
fn the_bot_api_shows_masks_never_the_values() {
    let app = App::with_config(config(Some(KEY)));
    let imported = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&shop_bot())
        .send()
        .expect(200);
    assert_hidden(&imported.text());
    app.request("bot", "POST", "/api/bot/publish")
        .admin()
        .send()
        .expect(201);
    for path in [
        "/api/bot/draft",
        "/api/bot/answers/order",
        "/api/bot/export",
        "/api/bot/export?version=live",
        "/api/bot/export?version=1",
    ] {
        let r = app.request("bot", "GET", path).admin().send().expect(200);
        assert_hidden(&r.text());
        assert!(r.text().contains(MASK), "{path}: {}", r.text());
        assert!(r.text().contains("\"x-shop-id\":\"42\""), "{path}");
    }
}

#[test]
fn an_export_imported_again_keeps_its_secrets_and_a_new_value_replaces_them() {
    let app = App::with_config(config(Some(KEY)));
    app.publish_bot(&shop_bot());
    let export = app
        .request("bot", "GET", "/api/bot/export")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(
        export["answers"][0]["steps"][0]["headers"]["authorization"],
        MASK
    );
    app.publish_bot(&export);
    let (_, said) = run_order(&app);
    assert!(
        said.iter().any(|s| s == "Your order is shipped."),
        "{said:?}"
    );
    assert_sent_with_secrets(&app);

    // A new value replaces the stored one; the mask on the other header keeps its value.
    let mut changed = export.clone();
    changed["answers"][0]["steps"][0]["headers"]["authorization"] = json!("Bearer new-key");
    app.publish_bot(&changed);
    let app_sent_before = app.outbound.sent().len();
    run_order(&app);
    let sent = app.outbound.sent();
    let call = &sent[app_sent_before].request;
    assert_eq!(call.headers()["authorization"], "Bearer new-key");
    assert_eq!(call.headers()["x-shop-sig"], LISTED_SECRET);
    assert!(!stored_text(&app.db()).contains("new-key"));
}

#[test]
fn a_mask_with_no_stored_value_is_refused_and_changes_nothing() {
    let app = App::with_config(config(Some(KEY)));
    let mut bot = shop_bot();
    bot["answers"][0]["steps"][0]["headers"]["authorization"] = json!(MASK);
    let r = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&bot)
        .send()
        .expect(422);
    let problems = r.json()["errors"].to_string();
    assert!(problems.contains("secret_not_set"), "{problems}");
    assert!(
        problems.contains("answers[0].steps[0].headers.authorization"),
        "{problems}"
    );
    assert!(app
        .rows("SELECT count(*) FROM bot_draft", &[])
        .iter()
        .all(|r| r[0] == Value::Integer(0)));
    // A listed name that is not a header of the step is refused too.
    let mut typo = shop_bot();
    typo["answers"][0]["steps"][0]["secret_headers"] = json!(["x-shop-sgi"]);
    let r = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&typo)
        .send()
        .expect(422);
    assert!(r.text().contains("secret_headers[0]"), "{}", r.text());
}

#[test]
fn without_a_key_values_stay_unsealed_at_rest_but_never_shown_nor_kept_with_a_conversation() {
    let app = App::with_config(config(None));
    app.publish_bot(&shop_bot());
    let (during, said) = run_order(&app);
    assert!(
        said.iter().any(|s| s == "Your order is shipped."),
        "{said:?}"
    );
    assert_sent_with_secrets(&app);
    // The documented limit: without credentials_key the documents hold the value as it is.
    let documents = app.rows("SELECT document FROM bot_versions", &[]);
    assert!(format!("{documents:?}").contains(SECRET));
    // But no conversation state holds it, during the call or after.
    let states = |db: &NativeSql| {
        format!(
            "{:?}",
            db.execute("SELECT bot_state FROM conversations", &[])
                .unwrap()
                .rows
        )
    };
    assert!(during.contains("awaiting_call"));
    assert!(!states(&app.db()).contains(SECRET));
    let draft = app
        .request("bot", "GET", "/api/bot/draft")
        .admin()
        .send()
        .expect(200);
    assert_hidden(&draft.text());
}

#[test]
fn the_simulator_runs_the_call_and_shows_no_secret() {
    let app = App::with_config(config(Some(KEY)));
    app.publish_bot(&shop_bot());
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"inputs": ["where is my order"],
                      "api_responses": [{"status": 200, "body": {"status": "shipped"}}]}))
        .send()
        .expect(200);
    assert!(r.text().contains("Your order is shipped."), "{}", r.text());
    assert_hidden(&r.text());
}

#[test]
fn a_wrong_key_is_a_clear_503_that_shows_no_secret() {
    let mut app = App::with_config(config(Some(KEY)));
    app.publish_bot(&shop_bot());
    for (key, says) in [
        (Some(OTHER_KEY), "cannot be opened"),
        (None, "not set"),
        (Some("not-hex"), "64 hexadecimal"),
    ] {
        app.config = config(key);
        for path in ["/api/bot/draft", "/api/bot/export?version=live"] {
            let r = app.request("bot", "GET", path).admin().send();
            assert_eq!(r.status, 503, "{key:?} {path}: {}", r.text());
            assert!(r.text().contains(says), "{}", r.text());
            assert_hidden(&r.text());
        }
    }
    app.config = config(Some(KEY));
    app.request("bot", "GET", "/api/bot/draft")
        .admin()
        .send()
        .expect(200);
}
