//! The bot's API calls are made with no write transaction open: a slow customer API must not
//! hold SQLite's write lock. Each call is probed as it is "sent" — a second connection tries
//! `BEGIN IMMEDIATE` without waiting — and the bot's answer after the call still reaches the
//! widget's response and the channel; a result that arrives after the customer moved on is
//! dropped.

use spindesk_core::ports::{Sql, Value};
use spindesk_native::NativeSql;
use spindesk_tests::channels::{channel_app, Vendor};
use spindesk_tests::{bot_messages, json, App, Json};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Two calls in a row: the order's status, then its delivery date.
fn order_bot() -> Json {
    json!({
        "name": "Order bot",
        "allowed_hosts": ["shop.example.com"],
        "answers": [{
            "id": "order", "name": "Order status", "label": "Order status",
            "phrases": {"en": ["where is my order", "track my order"]},
            "steps": [
                {"type": "make_api_call", "id": "lookup", "method": "GET",
                 "url": "https://shop.example.com/orders/latest",
                 "save": [{"variable": "status", "path": "order.status"}],
                 "success": "tell", "failure": "sorry"},
                {"type": "send_message", "id": "tell", "text": "Your order is {{status}}.",
                 "next": "eta"},
                {"type": "make_api_call", "id": "eta", "method": "GET",
                 "url": "https://shop.example.com/orders/latest/eta",
                 "save": [{"variable": "eta", "path": "eta"}],
                 "success": "tell-eta", "failure": "sorry"},
                {"type": "send_message", "id": "tell-eta", "text": "It arrives {{eta}}."},
                {"type": "send_message", "id": "sorry", "text": "The shop is not answering."}
            ]
        }]
    })
}

fn shop_reply(body: Json) -> spindesk_native::Reply {
    Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .expect("response"))
}

/// Whether another instance could write right now: `BEGIN IMMEDIATE` on a second connection,
/// without waiting for a lock.
fn write_lock_free(db_path: &Path) -> bool {
    let db = NativeSql::open(db_path);
    db.execute("PRAGMA busy_timeout = 0", &[])
        .expect("set busy timeout");
    match db.execute("BEGIN IMMEDIATE", &[]) {
        Ok(_) => {
            db.execute("ROLLBACK", &[]).expect("rollback");
            true
        }
        Err(_) => false,
    }
}

/// Probes the write lock during every request to the shop; returns the probes' results.
fn probe_shop_calls(app: &App) -> Arc<Mutex<Vec<bool>>> {
    let probes = Arc::new(Mutex::new(Vec::new()));
    let seen = probes.clone();
    let path = app.db_path();
    app.outbound.on_send(move |request| {
        if request.uri().host() == Some("shop.example.com") {
            seen.lock().unwrap().push(write_lock_free(&path));
        }
    });
    probes
}

fn texts(messages: &Json) -> Vec<String> {
    bot_messages(messages.as_array().expect("messages"))
        .into_iter()
        .map(|(text, _)| text)
        .collect()
}

#[test]
fn the_probe_sees_an_open_write_transaction() {
    let app = App::new();
    app.publish_bot(&order_bot());
    assert!(write_lock_free(&app.db_path()));
    let holder = app.db();
    holder.execute("BEGIN IMMEDIATE", &[]).unwrap();
    assert!(!write_lock_free(&app.db_path()));
    holder.execute("ROLLBACK", &[]).unwrap();
}

#[test]
fn widget_api_calls_run_with_no_write_transaction_open() {
    let app = App::new();
    app.publish_bot(&order_bot());
    let probes = probe_shop_calls(&app);
    app.outbound
        .push_reply(shop_reply(json!({"order": {"status": "shipped"}})));
    app.outbound
        .push_reply(shop_reply(json!({"eta": "Friday"})));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let r = app.say(&v, "where is my order", None);

    assert_eq!(*probes.lock().unwrap(), [true, true]);
    let sent: Vec<String> = app
        .outbound
        .sent()
        .iter()
        .map(|s| s.request.uri().to_string())
        .collect();
    assert_eq!(
        sent,
        [
            "https://shop.example.com/orders/latest",
            "https://shop.example.com/orders/latest/eta"
        ]
    );
    // The response holds the customer's message and what the bot said after each call.
    assert_eq!(r["message"]["text"], "where is my order");
    let said = texts(&r["messages"]);
    assert_eq!(said[..2], ["Your order is shipped.", "It arrives Friday."]);
    // The same messages are stored, in order, and the bot waits for nothing any more.
    let history = app.history(&v);
    let stored: Vec<String> = texts(&json!(history));
    assert!(
        stored.ends_with(&said),
        "stored {stored:?}, answered {said:?}"
    );
    let seqs: Vec<i64> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let state = app.rows("SELECT bot_state FROM conversations", &[]);
    let Value::Text(state) = &state[0][0] else {
        panic!("{state:?}")
    };
    assert!(!state.contains("awaiting_call"), "{state}");
}

#[test]
fn a_result_that_arrives_after_the_customer_wrote_again_is_dropped() {
    let app = App::new();
    app.publish_bot(&order_bot());
    let v = app.visitor("en");
    app.say(&v, "hello", None);

    // The shop answers only after the customer has written again.
    let (called_tx, called_rx) = mpsc::channel::<()>();
    let (answer_tx, answer_rx) = mpsc::channel::<()>();
    let answer_rx = Mutex::new(answer_rx);
    let called_tx = Mutex::new(called_tx);
    app.outbound.on_send(move |request| {
        if request.uri().host() == Some("shop.example.com") {
            called_tx.lock().unwrap().send(()).unwrap();
            // Bounded, so a regression fails the test instead of hanging it.
            let _ = answer_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(20));
        }
    });
    app.outbound
        .push_reply(shop_reply(json!({"order": {"status": "shipped"}})));

    let (first, second) = std::thread::scope(|s| {
        let waiting = s.spawn(|| app.say(&v, "where is my order", None));
        called_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the shop was called");
        // Written while the call is out: stored at once (no lock is held), and it moves the
        // conversation on.
        let second = app.say(&v, "never mind, thanks", None);
        answer_tx.send(()).unwrap();
        (waiting.join().expect("first request"), second)
    });

    assert_eq!(first["message"]["text"], "where is my order");
    assert_eq!(texts(&first["messages"]), Vec::<String>::new());
    assert_eq!(second["message"]["text"], "never mind, thanks");
    let history = app.history(&v);
    assert!(
        !history
            .iter()
            .any(|m| m["text"].as_str().unwrap_or("").contains("Your order is")),
        "{history:?}"
    );
    // The dropped result went nowhere: no second call, nothing awaited.
    assert_eq!(app.outbound.sent().len(), 1);
    let state = app.rows("SELECT bot_state FROM conversations", &[]);
    let Value::Text(state) = &state[0][0] else {
        panic!("{state:?}")
    };
    assert!(!state.contains("awaiting_call"), "{state}");
}

#[test]
fn channel_api_calls_run_with_no_write_transaction_open_and_the_answers_are_sent() {
    let app = channel_app();
    app.publish_bot(&order_bot());
    let telegram = app.connect(Vendor::Telegram);
    let probes = probe_shop_calls(&app);
    let update = |n: i64, text: &str| {
        json!({"update_id": 900 + n,
               "message": {"message_id": 100 + n,
                           "from": {"id": 123456789, "is_bot": false, "first_name": "Ana"},
                           "chat": {"id": 123456789, "type": "private"},
                           "date": 1718000000 + n, "text": text}})
        .to_string()
        .into_bytes()
    };
    // The greeting.
    app.vendor_answers_ok(Vendor::Telegram, 1);
    app.deliver(&telegram, &update(1, "hello")).expect(200);
    // The status call, its message, the delivery-date call, its message and what follows.
    app.outbound
        .push_reply(shop_reply(json!({"order": {"status": "shipped"}})));
    app.vendor_answers_ok(Vendor::Telegram, 1);
    app.outbound
        .push_reply(shop_reply(json!({"eta": "Friday"})));
    app.vendor_answers_ok(Vendor::Telegram, 3);
    app.deliver(&telegram, &update(2, "where is my order"))
        .expect(200);

    assert_eq!(*probes.lock().unwrap(), [true, true]);
    let sent: Vec<(String, String)> = app
        .outbound
        .sent()
        .iter()
        .map(|s| {
            let host = s.request.uri().host().unwrap_or_default().to_owned();
            let text = serde_json::from_slice::<Json>(s.request.body())
                .ok()
                .and_then(|b| b["text"].as_str().map(str::to_owned))
                .unwrap_or_default();
            (host, text)
        })
        .collect();
    let order: Vec<&str> = sent
        .iter()
        .skip(1) // the greeting
        .map(|(host, text)| {
            if host == "shop.example.com" {
                "call"
            } else {
                text.as_str()
            }
        })
        .collect();
    assert_eq!(
        order[..4],
        [
            "call",
            "Your order is shipped.",
            "call",
            "It arrives Friday."
        ],
        "{sent:?}"
    );
    // Sent at once, not left for the drain.
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
}

/// The instance that was to make the bot's call dies after committing the customer's message
/// (here: the call panics the request). The conversation would wait until the customer writes
/// again; instead, once the call is overdue, the widget's next read continues the flow down its
/// failure branch — and never makes the call again.
#[test]
fn a_call_lost_with_its_instance_continues_as_failed_on_the_visitors_next_read() {
    let app = App::new();
    app.publish_bot(&order_bot());
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.outbound.on_send(|request| {
        if request.uri().host() == Some("shop.example.com") {
            panic!("the instance dies while calling the shop");
        }
    });
    let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.say(&v, "where is my order", None)
    }));
    assert!(died.is_err());
    app.outbound.on_send(|_| {});
    let calls_before = app.outbound.sent().len();
    // The customer's message was committed; the bot says nothing yet.
    let last_text = |app: &App| app.history(&v).last().unwrap()["text"].clone();
    assert_eq!(last_text(&app), "where is my order");

    // Within the call's timeout nothing is assumed: the original instance may still answer.
    app.clock.advance(Duration::from_secs(20));
    assert_eq!(last_text(&app), "where is my order");

    // Overdue: the next read continues the flow as failed, once.
    app.clock.advance(Duration::from_secs(15));
    let history = app.history(&v);
    let asked = history
        .iter()
        .rposition(|m| m["text"] == "where is my order")
        .unwrap();
    let after = texts(&json!(history[asked + 1..]));
    assert_eq!(
        after.first().map(String::as_str),
        Some("The shop is not answering."),
        "{after:?}"
    );
    let polled = app
        .request("widget", "GET", "/api/widget/messages?after=0")
        .bearer(&v.token)
        .send()
        .expect(200)
        .json();
    let sorry = texts(&polled["messages"])
        .iter()
        .filter(|t| *t == "The shop is not answering.")
        .count();
    assert_eq!(sorry, 1);
    assert_eq!(
        app.outbound.sent().len(),
        calls_before,
        "the call is not made again"
    );
}
