//! The bot's flow after an API call is computed before the write transaction that stores it,
//! as the first turn is: the transaction only writes, by compare-and-set, and a change in
//! between (a new bot published, the customer writing again) makes it compute afresh inside.

use spindesk_tests::{bot_messages, json, order_status_bot, App, Json};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn order_bot(tell: &str) -> Json {
    order_status_bot(tell)
}

fn shop_says(app: &App, status: &str) {
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(
            json!({"order": {"status": status}})
                .to_string()
                .into_bytes(),
        )
        .expect("response")));
}

/// `text` sent by `visitor`'s widget; `hook` sees every statement the request runs, with
/// whether the shop has been called yet.
fn say_hooked(
    app: &App,
    token: &str,
    text: &str,
    called: &AtomicBool,
    hook: &dyn Fn(&str, bool),
) -> Json {
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/widget/messages")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(json!({ "text": text }).to_string().into_bytes())
        .expect("request");
    let before = |sql: &str| hook(sql, called.load(Ordering::SeqCst));
    app.call_with_hook("widget", req, &app.clock, &before)
        .expect(201)
        .json()
}

fn mark_calls(app: &App) -> Arc<AtomicBool> {
    let called = Arc::new(AtomicBool::new(false));
    let seen = called.clone();
    app.outbound.on_send(move |request| {
        if request.uri().host() == Some("shop.example.com") {
            seen.store(true, Ordering::SeqCst);
        }
    });
    called
}

fn said(response: &Json) -> Vec<String> {
    bot_messages(response["messages"].as_array().expect("messages"))
        .into_iter()
        .map(|(text, _)| text)
        .collect()
}

#[test]
fn the_flow_after_the_call_is_worked_out_before_its_write_transaction() {
    let app = App::new();
    app.publish_bot(&order_bot("Your order is {{status}}."));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    shop_says(&app, "shipped");
    let called = mark_calls(&app);
    // Every statement, and which ran inside a write transaction after the call.
    let in_transaction = Cell::new(false);
    let after_call_inside = RefCell::new(Vec::<String>::new());
    let after_call_outside = RefCell::new(Vec::<String>::new());
    let r = say_hooked(
        &app,
        &v.token,
        "where is my order",
        &called,
        &|sql, called| {
            if sql == "BEGIN IMMEDIATE" {
                in_transaction.set(true);
            }
            if called {
                let into = if in_transaction.get() {
                    &after_call_inside
                } else {
                    &after_call_outside
                };
                into.borrow_mut().push(sql.to_owned());
            }
            if sql == "COMMIT" || sql == "ROLLBACK" {
                in_transaction.set(false);
            }
        },
    );
    assert!(
        said(&r).contains(&"Your order is shipped.".to_owned()),
        "{r}"
    );
    let loads_bot = |sql: &String| sql.contains("JOIN bot_versions");
    let inside = after_call_inside.borrow();
    assert!(
        inside.iter().any(|s| s == "BEGIN IMMEDIATE"),
        "the result was written in a transaction: {inside:?}"
    );
    assert!(
        !inside.iter().any(loads_bot),
        "the bot was loaded and run inside the write transaction: {inside:?}"
    );
    assert!(
        after_call_outside.borrow().iter().any(loads_bot),
        "the turn was computed before the transaction"
    );
}

#[test]
fn a_bot_published_while_the_call_ran_is_the_one_that_goes_on() {
    let app = App::new();
    app.publish_bot(&order_bot("Your order is {{status}}."));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    shop_says(&app, "shipped");
    let called = mark_calls(&app);
    let fired = Cell::new(false);
    // The new version is published just before the result's write transaction: after the
    // turn was computed from the old one.
    let r = say_hooked(
        &app,
        &v.token,
        "where is my order",
        &called,
        &|sql, called| {
            if called && sql == "BEGIN IMMEDIATE" && !fired.replace(true) {
                app.publish_bot(&order_bot("Status: {{status}}."));
            }
        },
    );
    assert!(fired.get(), "the result was never written");
    let texts = said(&r);
    assert!(texts.contains(&"Status: shipped.".to_owned()), "{texts:?}");
    assert!(
        !texts.contains(&"Your order is shipped.".to_owned()),
        "written from the stale bot: {texts:?}"
    );
}

#[test]
fn a_result_overtaken_by_the_customer_just_before_its_transaction_is_dropped() {
    let app = App::new();
    app.publish_bot(&order_bot("Your order is {{status}}."));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    shop_says(&app, "shipped");
    let called = mark_calls(&app);
    let fired = Cell::new(false);
    let r = say_hooked(
        &app,
        &v.token,
        "where is my order",
        &called,
        &|sql, called| {
            if called && sql == "BEGIN IMMEDIATE" && !fired.replace(true) {
                app.say(&v, "never mind", None);
            }
        },
    );
    assert!(fired.get());
    assert!(
        !said(&r).contains(&"Your order is shipped.".to_owned()),
        "{r}"
    );
    let history = app.history(&v);
    let texts: Vec<&str> = history
        .iter()
        .map(|m| m["text"].as_str().unwrap_or(""))
        .collect();
    assert!(!texts.contains(&"Your order is shipped."), "{texts:?}");
}
