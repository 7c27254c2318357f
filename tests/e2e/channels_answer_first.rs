//! A channel webhook is acknowledged before the slow work it causes: the bot's API calls and
//! the sends to the vendor run after the response (Slack retries after 3 s). In process, the
//! response is looked at the moment it is produced; through the dev server, a real socket
//! gets its 200 while a real (local, slow) API is still answering, and the bot's reply reaches
//! the vendor's stand-in afterwards. What the follow-up does not finish stays in the outbox.

use spindesk_devserver::{spawn_workers, App as DevServer};
use spindesk_native::spin_routes::Manifest;
use spindesk_tests::channels::{channel_app, Connected, Vendor};
use spindesk_tests::{json, Json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn order_bot(api: &str, allowed: &str) -> Json {
    json!({
        "name": "Order bot",
        "allowed_hosts": [allowed],
        "answers": [{
            "id": "order", "name": "Order status", "label": "Order status",
            "phrases": {"en": ["where is my order", "track my order"]},
            "steps": [
                {"type": "make_api_call", "id": "lookup", "method": "GET",
                 "url": format!("{api}/orders/latest"),
                 "save": [{"variable": "status", "path": "order.status"}],
                 "success": "tell", "failure": "sorry"},
                {"type": "send_message", "id": "tell", "text": "Your order is {{status}}."},
                {"type": "send_message", "id": "sorry", "text": "The shop is not answering."}
            ]
        }]
    })
}

fn telegram_update(n: i64, text: &str) -> Vec<u8> {
    json!({"update_id": 900 + n,
           "message": {"message_id": 100 + n,
                       "from": {"id": 123456789, "is_bot": false, "first_name": "Ana"},
                       "chat": {"id": 123456789, "type": "private"},
                       "date": 1718000000 + n, "text": text}})
    .to_string()
    .into_bytes()
}

fn webhook(path: &str, secret: &str, body: Vec<u8>) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .header("x-telegram-bot-api-secret-token", secret)
        .body(body)
        .expect("request")
}

/// The customer's first message, "hello", as Telegram delivers it to `telegram`.
fn hello(telegram: &Connected) -> http::Request<Vec<u8>> {
    webhook(
        &telegram.path(),
        &telegram.secret,
        telegram_update(1, "hello"),
    )
}

fn shop_reply(status: &str) -> spindesk_native::Reply {
    Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(
            json!({"order": {"status": status}})
                .to_string()
                .into_bytes(),
        )
        .expect("response"))
}

/// The texts of the Telegram sends recorded so far.
fn telegram_texts(app: &spindesk_tests::App) -> Vec<String> {
    app.outbound
        .sent()
        .iter()
        .filter(|s| s.request.uri().host() == Some("api.telegram.org"))
        .filter_map(|s| {
            serde_json::from_slice::<Json>(s.request.body())
                .ok()
                .and_then(|b| b["text"].as_str().map(str::to_owned))
        })
        .collect()
}

#[test]
fn the_vendor_is_acknowledged_before_the_bot_calls_out_and_the_reply_follows() {
    let app = channel_app();
    app.publish_bot(&order_bot("https://shop.example.com", "shop.example.com"));
    let telegram = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 1);
    app.deliver(&telegram, &telegram_update(1, "hello"))
        .expect(200);
    let greeted = app.outbound.sent().len();
    assert!(greeted >= 1, "the greeting went out");

    app.outbound.push_reply(shop_reply("shipped"));
    app.vendor_answers_ok(Vendor::Telegram, 2);
    let seen_at_answer = Mutex::new(None);
    let r = app.call_then(
        "channels",
        webhook(
            &telegram.path(),
            &telegram.secret,
            telegram_update(2, "where is my order"),
        ),
        &|response| {
            let stored =
                app.count("SELECT COUNT(*) FROM messages WHERE text = 'where is my order'");
            *seen_at_answer.lock().unwrap() =
                Some((response.status, app.outbound.sent().len(), stored));
        },
    );
    assert_eq!(r.status, 200);
    let (status, sent_then, stored_then) = seen_at_answer.lock().unwrap().take().unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        sent_then, greeted,
        "nothing was called or sent while the vendor waited"
    );
    assert_eq!(
        stored_then, 1,
        "the message was committed before the answer"
    );

    // After the answer: the shop was called, and the bot's answer sent to Telegram.
    let sent = app.outbound.sent();
    assert_eq!(sent[greeted].request.uri().host(), Some("shop.example.com"));
    let texts = telegram_texts(&app);
    assert!(
        texts.iter().any(|t| t == "Your order is shipped."),
        "{texts:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
}

#[test]
fn sends_left_when_the_instance_ends_at_the_acknowledgement_wait_in_the_outbox_for_the_drain() {
    let app = channel_app();
    let telegram = app.connect(Vendor::Telegram);
    // The runtime ends the instance as soon as the response is out (a deploy, a crash): the
    // follow-up never runs.
    let answered = Mutex::new(None);
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.call_then("channels", hello(&telegram), &|response| {
            *answered.lock().unwrap() = Some(response.status);
            panic!("the instance ends after the acknowledgement");
        })
    }));
    assert!(ended.is_err());
    assert_eq!(
        *answered.lock().unwrap(),
        Some(200),
        "the vendor had its 200"
    );
    assert!(app.outbound.sent().is_empty(), "nothing went out");
    // The customer's message and the greeting are stored; the greeting's send waits.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE text = 'hello'"),
        1
    );
    let waiting = app.count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'");
    assert!(waiting >= 1, "the reply waits in the outbox");

    // Reserved for the instance that queued it, the reply is nobody else's to send for a while
    // (that instance may still be sending it)...
    app.vendor_answers_ok(Vendor::Telegram, waiting as usize);
    assert_eq!(app.drain()["sent"], json!(0));
    assert!(app.outbound.sent().is_empty(), "nothing went out");
    // ... and once the reservation is over, the drain sends it: nothing was lost.
    app.clock.advance(std::time::Duration::from_millis(
        spindesk_core::channels::outbox::RESERVED_MS as u64,
    ));
    let drained = app.drain();
    assert_eq!(drained["sent"], json!(waiting), "{drained}");
    assert!(
        telegram_texts(&app).iter().any(|t| t.starts_with("Hi")),
        "{:?}",
        telegram_texts(&app)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
}

/// A reply is reserved for the request that queued it, which sends it without claiming it.
/// Held up past the reservation (the drain has sent the reply meanwhile), that request does not
/// send it again, nor record over what the drain recorded.
#[test]
fn a_reply_whose_reservation_ran_out_before_its_request_sent_it_goes_out_once() {
    let app = channel_app();
    let telegram = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 10);
    app.call_then("channels", hello(&telegram), &|response| {
        assert_eq!(response.status, 200);
        assert!(app.outbound.sent().is_empty(), "nothing went out yet");
        app.clock.advance(std::time::Duration::from_millis(
            spindesk_core::channels::outbox::RESERVED_MS as u64,
        ));
        let drained = app.drain();
        assert!(drained["sent"].as_i64().unwrap_or(0) >= 1, "{drained}");
    })
    .expect(200);
    let rows = app.count("SELECT COUNT(*) FROM outbox");
    assert!(rows >= 1);
    assert_eq!(
        app.outbound.sent().len() as i64,
        rows,
        "each reply sent once: {:?}",
        telegram_texts(&app)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND attempts = 1"),
        rows
    );
}

#[test]
fn a_bot_call_lost_when_the_instance_ends_at_the_acknowledgement_goes_on_at_the_next_drain() {
    let app = channel_app();
    app.publish_bot(&order_bot("https://shop.example.com", "shop.example.com"));
    let telegram = app.connect(Vendor::Telegram);
    app.deliver(&telegram, &telegram_update(1, "hello"))
        .expect(200);
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.call_then(
            "channels",
            webhook(
                &telegram.path(),
                &telegram.secret,
                telegram_update(2, "where is my order"),
            ),
            &|response| {
                assert_eq!(response.status, 200);
                panic!("the instance ends after the acknowledgement");
            },
        )
    }));
    assert!(ended.is_err());
    let shop_calls = |app: &spindesk_tests::App| {
        app.outbound
            .sent()
            .iter()
            .filter(|s| s.request.uri().host() == Some("shop.example.com"))
            .count()
    };
    assert_eq!(shop_calls(&app), 0, "the call was never made");

    // Within the call's timeout the original instance may still answer: nothing is assumed.
    app.clock.advance(Duration::from_secs(20));
    assert_eq!(app.drain()["stalled_calls_resumed"], 0);
    // Overdue: the drain lets the bot go on down its failure branch, and sends what it says.
    app.clock.advance(Duration::from_secs(15));
    assert_eq!(app.drain()["stalled_calls_resumed"], 1);
    let texts = telegram_texts(&app);
    assert_eq!(
        texts
            .iter()
            .filter(|t| *t == "The shop is not answering.")
            .count(),
        1,
        "{texts:?}"
    );
    assert_eq!(shop_calls(&app), 0, "a lost call is not made again");
    assert_eq!(app.drain()["stalled_calls_resumed"], 0, "once");
}

/// A local stand-in for the shop's API (slow) and Telegram's send API (records what it gets).
struct Stub {
    origin: String,
    telegram: Arc<Mutex<Vec<(Instant, Json)>>>,
    api_done: Arc<Mutex<Vec<Instant>>>,
}

const API_DELAY: Duration = Duration::from_millis(1500);

fn stub() -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let telegram = Arc::new(Mutex::new(Vec::new()));
    let api_done = Arc::new(Mutex::new(Vec::new()));
    let (t, a) = (telegram.clone(), api_done.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (t, a) = (t.clone(), a.clone());
            std::thread::spawn(move || answer_stub(stream, &t, &a));
        }
    });
    Stub {
        origin,
        telegram,
        api_done,
    }
}

fn answer_stub(
    stream: TcpStream,
    telegram: &Mutex<Vec<(Instant, Json)>>,
    api_done: &Mutex<Vec<Instant>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let reply = if path.starts_with("/orders/") {
        std::thread::sleep(API_DELAY);
        api_done.lock().unwrap().push(Instant::now());
        json!({"order": {"status": "on its way"}})
    } else {
        let sent: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
        telegram.lock().unwrap().push((Instant::now(), sent));
        json!({"ok": true, "result": {"message_id": 77}})
    }
    .to_string();
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    );
}

/// One request over a real socket; returns the status and when the whole response was read.
fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Instant) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body).expect("write");
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).expect("status");
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header");
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut rest = vec![0; length];
    reader.read_exact(&mut rest).expect("body");
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    (code, Instant::now())
}

#[test]
fn through_the_dev_server_the_webhook_is_answered_while_a_slow_api_call_is_still_running() {
    let shop = stub();
    let authority = shop.origin.trim_start_matches("http://").to_owned();
    let app = channel_app();
    app.publish_bot(&order_bot(&shop.origin, &authority));
    let mut integration = Vendor::Telegram.credentials();
    integration["type"] = json!("telegram");
    integration["display_name"] = json!("Acme on Telegram (local stand-in)");
    integration["api_base_url"] = json!(shop.origin);
    let created = app
        .request("admin", "POST", "/api/admin/integrations")
        .admin()
        .json(&json!({ "integration": integration }))
        .send()
        .expect(201)
        .json();
    let id = created["integration"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // The dev server on the same database, sending for real to what spin.toml grants
    // (`bot_api_host` is the stub's origin, so both the shop and the Telegram stand-in).
    let manifest_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spin.toml");
    let manifest = Manifest::load(std::path::Path::new(manifest_path)).expect("spin.toml");
    let origin = shop.origin.clone();
    let env = move |name: &str| match name {
        "SPIN_VARIABLE_BOT_API_HOST" => Some(origin.clone()),
        "SPIN_VARIABLE_PUBLIC_BASE_URL" => Some(spindesk_tests::channels::PUBLIC_BASE.into()),
        _ => None,
    };
    let (server_app, _) = DevServer::new(&manifest, app.db_path(), env).expect("dev server");
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("listen"));
    let addr = server.server_addr().to_ip().expect("ip").to_string();
    spawn_workers(Arc::new(server_app.sending_outbound()), server, 4);

    let path = format!("/webhooks/telegram/{id}");
    let secret = Vendor::Telegram.secret();
    let headers = [
        ("content-type", "application/json"),
        ("x-telegram-bot-api-secret-token", secret),
    ];
    // The greeting first, so the next message goes straight to the order answer.
    let (status, _) = post(&addr, &path, &headers, &telegram_update(1, "hello"));
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while shop.telegram.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!shop.telegram.lock().unwrap().is_empty(), "greeting sent");

    let started = Instant::now();
    let (status, answered) = post(
        &addr,
        &path,
        &headers,
        &telegram_update(2, "where is my order"),
    );
    assert_eq!(status, 200);
    let took = answered - started;
    assert!(
        took < API_DELAY / 2,
        "the webhook waited for the API call: answered after {took:?}"
    );
    assert!(
        shop.api_done.lock().unwrap().is_empty(),
        "the call was still running"
    );

    // The reply reaches the vendor after the call finishes.
    let deadline = Instant::now() + API_DELAY + Duration::from_secs(5);
    let reply = loop {
        let found = shop
            .telegram
            .lock()
            .unwrap()
            .iter()
            .find(|(_, body)| body["text"] == "Your order is on its way.")
            .cloned();
        if let Some(found) = found {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "the bot's reply never reached the vendor"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let api_done = shop.api_done.lock().unwrap()[0];
    assert!(answered < api_done && api_done <= reply.0);
    assert_eq!(reply.1["chat_id"], json!(123456789));
}
