//! The outbox: failures are kept with their error and retried with backoff by the drain; a row
//! is never sent twice.

use spindesk_core::ports::OutboundError;
use spindesk_tests::channels::*;
use spindesk_tests::{App, Json};
use std::time::Duration;

fn status(code: u16, body: &str) -> Result<http::Response<Vec<u8>>, OutboundError> {
    Ok(http::Response::builder()
        .status(code)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

fn outbox(app: &App, query: &str) -> Json {
    app.request("admin", "GET", &format!("/api/admin/outbox{query}"))
        .admin()
        .send()
        .expect(200)
        .json()
}

#[test]
fn a_failed_send_is_kept_with_its_error_and_retried_after_backoff() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    app.outbound.push_reply(status(
        503,
        r#"{"error":{"message":"Service temporarily unavailable","code":2}}"#,
    ));
    app.deliver(&c, &Vendor::WhatsApp.text_sample()).expect(200);

    let failed = outbox(&app, "?status=failed");
    assert_eq!(failed["count"], 1);
    let row = &failed["outbox"][0];
    assert_eq!(row["status"], "failed");
    assert_eq!(row["attempts"], 1);
    assert_eq!(row["integration_id"], c.id.as_str());
    assert!(
        row["last_error"].as_str().unwrap().contains("HTTP 503"),
        "{row}"
    );
    assert!(row["next_attempt_at"].is_string());
    assert_eq!(outbox(&app, "?status=sent")["count"], 0);

    // Not due yet: the drain leaves it.
    let d = app.drain();
    assert_eq!(d["attempted"], 0);
    assert_eq!(d["remaining_due"], 0);

    app.clock.advance(Duration::from_secs(31));
    app.vendor_answers_ok(Vendor::WhatsApp, 1);
    let d = app.drain();
    assert_eq!(
        (d["attempted"].clone(), d["sent"].clone()),
        (1.into(), 1.into())
    );
    let sent = app.outbound.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].request.body(),
        sent[1].request.body(),
        "the same request again"
    );
    assert_eq!(
        sent[1].timeout,
        Duration::from_secs(10),
        "the drain's timeout"
    );
    let row = &outbox(&app, "?status=sent")["outbox"][0];
    assert_eq!(row["attempts"], 2);
    assert_eq!(row["vendor_message_id"], "wamid.OUT");
    assert!(row["last_error"].is_null());

    // Sent rows are never sent again.
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(app.drain()["attempted"], 0);
    assert_eq!(app.outbound.sent().len(), 2);
}

#[test]
fn backoff_grows_and_gives_up_after_the_last_attempt() {
    // A vendor that keeps timing out: 8 attempts, then dead.
    let app = channel_app();
    let c = app.connect(Vendor::Viber);
    for _ in 0..8 {
        app.outbound.push_reply(Err(OutboundError::Timeout));
    }
    app.deliver(&c, &Vendor::Viber.text_sample()).expect(200);
    let mut waits = Vec::new();
    loop {
        let mut waited = 0;
        while app.drain()["attempted"] == 0 {
            app.clock.advance(Duration::from_secs(10));
            waited += 10;
        }
        waits.push(waited);
        if outbox(&app, "?status=dead")["count"] == 1 {
            break;
        }
    }
    assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920]);
    let row = &outbox(&app, "?status=dead")["outbox"][0];
    assert_eq!(row["attempts"], 8);
    assert!(row["next_attempt_at"].is_null());
    app.clock.advance(Duration::from_secs(7200));
    assert_eq!(app.drain()["attempted"], 0, "dead rows stay dead");
}

#[test]
fn permanent_errors_are_dead_at_once_and_an_admin_can_retry() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.outbound.push_reply(status(
        403,
        r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
    ));
    app.deliver(&c, &Vendor::Telegram.text_sample()).expect(200);
    let dead = outbox(&app, "?status=dead");
    assert_eq!(dead["count"], 1);
    let id = dead["outbox"][0]["id"].as_i64().unwrap();
    assert!(dead["outbox"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("blocked"));
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(app.drain()["attempted"], 0);

    let r = app
        .request("admin", "POST", &format!("/api/admin/outbox/{id}/retry"))
        .admin()
        .send()
        .expect(200);
    assert_eq!(r.json()["outbox"]["status"], "pending");
    let d = app.drain();
    assert_eq!(d["sent"], 1);
    let r = app
        .request("admin", "POST", &format!("/api/admin/outbox/{id}/retry"))
        .admin()
        .send();
    assert_eq!(r.status, 409, "a sent row cannot be retried");
    app.request("admin", "POST", "/api/admin/outbox/999/retry")
        .admin()
        .send()
        .expect(404);
}

#[test]
fn errors_never_carry_a_credential() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.outbound.push_reply(Err(OutboundError::Failed(
        "connection refused: https://api.telegram.org/bot7000000001:AAH-telegram-bot-token/sendMessage".into(),
    )));
    app.deliver(&c, &Vendor::Telegram.text_sample()).expect(200);
    let failed = outbox(&app, "?status=failed");
    let error = failed["outbox"][0]["last_error"].as_str().unwrap();
    assert!(error.contains("connection refused"));
    assert!(!error.contains("AAH-telegram-bot-token"), "{error}");
    let stored = app.rows("SELECT last_error FROM outbox", &[]);
    assert!(!format!("{stored:?}").contains("AAH-telegram-bot-token"));
}

#[test]
fn concurrent_drains_send_each_row_exactly_once() {
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    // Twenty customers write while the vendor is down: twenty failed greetings.
    for i in 0..20 {
        app.outbound.push_reply(status(500, "{}"));
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"value":{{"metadata":{{"phone_number_id":"106540352242922"}},"messages":[{{"from":"8210{i:08}","id":"wamid.C{i}","timestamp":"1","type":"text","text":{{"body":"hi"}}}}]}},"field":"messages"}}]}}]}}"#
        );
        app.deliver(&c, body.as_bytes()).expect(200);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed'"),
        20
    );
    app.clock.advance(Duration::from_secs(60));
    let before = app.outbound.sent().len();
    let reports: Vec<Json> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| app.drain())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sent_total: i64 = reports.iter().map(|r| r["sent"].as_i64().unwrap()).sum();
    assert_eq!(sent_total, 20, "{reports:?}");
    let resent = &app.outbound.sent()[before..];
    assert_eq!(resent.len(), 20, "each row sent once across four drains");
    let mut recipients: Vec<String> = resent
        .iter()
        .map(|r| {
            serde_json::from_slice::<Json>(r.request.body()).unwrap()["to"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 20);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND attempts = 2"),
        20
    );
}

#[test]
fn a_send_interrupted_mid_flight_is_not_retried_blindly() {
    let app = channel_app();
    let c = app.connect(Vendor::Line);
    app.outbound.push_reply(status(500, "{}"));
    app.deliver(&c, &Vendor::Line.text_sample()).expect(200);
    // An instance claimed the row and died before recording the result.
    {
        use spindesk_core::ports::Sql;
        app.db()
            .execute(
                "UPDATE outbox SET status = 'sending', claimed_at = ?",
                &[(spindesk_core::ports::Clock::now_ms(&app.clock) - 6 * 60 * 1000).into()],
            )
            .unwrap();
    }
    let before = app.outbound.sent().len();
    let d = app.drain();
    assert_eq!(d["dead"], 1);
    assert_eq!(app.outbound.sent().len(), before);
    let dead = outbox(&app, "?status=dead");
    assert!(dead["outbox"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("interrupted"));
}

#[test]
fn line_pushes_carry_a_stable_retry_key() {
    let app = channel_app();
    let c = app.connect(Vendor::Line);
    app.outbound.push_reply(status(500, "{}"));
    app.deliver(&c, &Vendor::Line.text_sample()).expect(200);
    app.clock.advance(Duration::from_secs(31));
    app.drain();
    let sent = app.outbound.sent();
    let keys: Vec<&str> = sent
        .iter()
        .map(|s| s.request.headers()["x-line-retry-key"].to_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the same row retries with the same key");
    assert_eq!(keys[0].len(), 36);
    assert_eq!(&keys[0][14..15], "4", "a version-4 UUID");
}

#[test]
fn the_outbox_list_validates_and_paginates() {
    let app = channel_app();
    let r = app
        .request("admin", "GET", "/api/admin/outbox?status=stuck")
        .admin()
        .send();
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "invalid_status");
    let r = app
        .request("admin", "POST", "/api/admin/outbox/drain?limit=0")
        .admin()
        .send();
    assert_eq!(r.error_code(), "invalid_limit");
    let c = app.connect(Vendor::Viber);
    for i in 0..3 {
        app.vendor_answers_ok(Vendor::Viber, 1);
        let body = format!(
            r#"{{"event":"message","timestamp":1,"message_token":{},"sender":{{"id":"user{i}"}},"message":{{"type":"text","text":"hi"}}}}"#,
            5_741_311_803_571_721_000u64 + i
        );
        app.deliver(&c, body.as_bytes()).expect(200);
    }
    let page = outbox(&app, "?per_page=2");
    assert_eq!(page["count"], 3);
    assert_eq!(page["outbox"].as_array().unwrap().len(), 2);
    assert!(page["next_page"].as_str().unwrap().contains("page=2"));
}

/// An outbound client whose every request takes one second of the (manual) clock.
struct SlowVendor {
    clock: spindesk_native::ManualClock,
    sent: std::sync::Mutex<Vec<Duration>>,
}

impl spindesk_core::ports::Outbound for SlowVendor {
    fn send(
        &self,
        _request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        self.clock.advance(Duration::from_secs(1));
        self.sent.lock().unwrap().push(timeout);
        status(200, r#"{"messages":[{"id":"wamid.OUT"}]}"#)
    }
}

#[test]
fn a_batch_from_many_senders_shares_one_short_send_budget() {
    use spindesk_core::ports::Clock;
    let app = channel_app();
    let c = app.connect(Vendor::WhatsApp);
    let messages: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"from":"8210{i:08}","id":"wamid.S{i}","timestamp":"1","type":"text","text":{{"body":"hi"}}}}"#))
        .collect();
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"value":{{"metadata":{{"phone_number_id":"106540352242922"}},"messages":[{}]}},"field":"messages"}}]}}]}}"#,
        messages.join(",")
    );
    let path = c.path();
    let mut builder = http::Request::builder().method("POST").uri(&path);
    for (name, value) in Vendor::WhatsApp.sign(&c.secret, &path, body.as_bytes()) {
        builder = builder.header(name, value);
    }
    let req = builder.body(body.into_bytes()).unwrap();

    let clock = app.clock.clone();
    let start = clock.now_ms();
    let vendor = SlowVendor {
        clock: clock.clone(),
        sent: Default::default(),
    };
    let sql = spindesk_native::NativeSql::open(&app.db_path());
    let help_center = app.help_center_db();
    let live = app.live_db();
    let attachments = app.attachments_db();
    let config = spindesk_native::MapConfig::default().with("public_base_url", PUBLIC_BASE);
    let env = spindesk_core::Env {
        sql: &sql,
        help_center: &help_center,
        live: &live,
        kv: &app.kv,
        outbound: &vendor,
        clock: &clock,
        random: &app.random,
        config: &config,
        log: &app.log,
        actions: &spindesk_core::ports::NoActions,
        files: &spindesk_core::ports::NoFiles,
        attachments: &attachments,
    };
    let surface = spindesk_core::surface("channels").unwrap();
    let answer = surface.answer(&env, req);
    assert_eq!(answer.response.status(), 200);
    assert!(
        vendor.sent.lock().unwrap().is_empty(),
        "the vendor is acknowledged before any send"
    );
    answer.follow_up.run(&env);
    let sent = vendor.sent.lock().unwrap().clone();
    // 2.5 s of budget at 1 s per send: three sends, then the instance stops sending.
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent.iter().all(|t| *t <= Duration::from_millis(2500)));
    assert!(clock.now_ms() - start <= 3000);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"),
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"),
        7
    );
    // The rest goes out with the next drain.
    assert_eq!(app.drain()["sent"], 7);
}

/// A Telegram text update from the sample's sender.
fn telegram_text(n: i64, text: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "update_id": 7000 + n,
        "message": {"message_id": 7100 + n,
                    "from": {"id": 123456789, "is_bot": false, "first_name": "Ana"},
                    "chat": {"id": 123456789, "type": "private"},
                    "date": 1718000000 + n, "text": text}}))
    .unwrap()
}

#[test]
fn a_conversation_s_sends_go_out_in_order_behind_a_failed_one() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    // The first answer fails and waits for its retry.
    app.outbound
        .push_reply(status(502, r#"{"ok":false,"description":"Bad Gateway"}"#));
    app.deliver(&c, &telegram_text(1, "first question"))
        .expect(200);
    assert_eq!(outbox(&app, "?status=failed")["count"], 1);
    assert_eq!(app.outbound.sent().len(), 1);

    // The second answer is queued behind it, not sent ahead of it.
    app.vendor_answers_ok(Vendor::Telegram, 4);
    app.deliver(&c, &telegram_text(2, "second question"))
        .expect(200);
    assert_eq!(
        app.outbound.sent().len(),
        1,
        "nothing overtakes the failed send"
    );
    let pending = outbox(&app, "?status=pending");
    assert_eq!(pending["count"], 1, "{pending}");
    assert_eq!(pending["outbox"][0]["attempts"], 0);
    // A drain before the retry is due sends nothing either.
    assert_eq!(app.drain()["attempted"], 0);

    // When the first is due, both go, first then second.
    app.clock.advance(Duration::from_secs(31));
    let d = app.drain();
    assert_eq!(
        (d["sent"].clone(), d["failed"].clone()),
        (2.into(), 0.into()),
        "{d}"
    );
    let sent = app.outbound.sent();
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent[0].request.body(),
        sent[1].request.body(),
        "the first answer again"
    );
    assert_ne!(
        sent[1].request.body(),
        sent[2].request.body(),
        "then the second"
    );
    let rows = outbox(&app, "?status=sent")["outbox"].clone();
    let attempts: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(
        attempts,
        [1, 2],
        "newest first: the second sent once, the first twice"
    );
}

#[test]
fn a_dead_send_does_not_hold_the_conversation_back() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    // 401: a permanent error, dead at once (an admin must look at it).
    app.outbound
        .push_reply(status(401, r#"{"ok":false,"description":"Unauthorized"}"#));
    app.deliver(&c, &telegram_text(1, "first question"))
        .expect(200);
    assert_eq!(outbox(&app, "?status=dead")["count"], 1);
    app.vendor_answers_ok(Vendor::Telegram, 1);
    app.deliver(&c, &telegram_text(2, "second question"))
        .expect(200);
    assert_eq!(outbox(&app, "?status=sent")["count"], 1);
    assert_eq!(app.outbound.sent().len(), 2);
}

/// A bot's reply to a webhook's message is queued, under the write lock, without reading back
/// where it goes (the route the event has just written, with its integration in hand) nor the
/// files it cannot have, and a text on a channel with buttons looks up no offered options:
/// each statement there is a host round trip on Spin that every other writer waits for. (A
/// reply written elsewhere, an agent's, reads its route:
/// `channels::agent_replies_follow_the_customer_to_their_channel`.)
#[test]
fn a_bot_reply_is_queued_without_reading_back_its_route_or_files() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 10);
    let update = |id: i64| app.telegram_text(&c, 42, id, "where is my order");
    // A first message (the customer and conversation are new), and one that does the
    // desk's one-time work (the old help-center tables dropped): the third is the usual turn.
    update(1).send().expect(200);
    update(2).send().expect(200);
    let held = |request: spindesk_tests::RequestBuilder, status: u16| {
        let seen = std::cell::RefCell::new(Vec::<String>::new());
        request
            .send_watching(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
            .expect(status);
        let seen = seen.into_inner();
        let begin = seen
            .iter()
            .position(|s| s.starts_with("BEGIN"))
            .expect("a write");
        let commit = seen.iter().position(|s| s == "COMMIT").expect("a commit");
        seen[begin..commit].to_vec()
    };
    let reads = |held: &[String], table: &str| {
        held.iter()
            .filter(|s| s.starts_with("SELECT") && s.contains(&format!("FROM {table}")))
            .count()
    };
    let held = held(update(3), 200);
    assert_eq!(reads(&held, "conversation_routes"), 0, "{held:#?}");
    assert_eq!(reads(&held, "integrations"), 0, "{held:#?}");
    assert_eq!(reads(&held, "attachments"), 0, "{held:#?}");
    assert!(
        !held.iter().any(|s| s.contains("author_type <> 'user'")),
        "no look-up of offered options: {held:#?}"
    );
    assert!(
        held.iter().any(|s| s.starts_with("INSERT INTO outbox")),
        "the reply was queued: {held:#?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE status = 'sent'"),
        app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'")
    );
}

/// A bot's reply of several messages (the articles it found, then "did it help?") is queued by
/// one statement under the write lock, reserved for the request: after the commit it is sent
/// without a claim or a read to find it, and its sends are recorded by one write after the
/// last (each write outside a transaction waits its turn for the write lock). The queue is
/// read once, after that, for anything else of the conversation's. The sends go out in the
/// messages' order, and each records its one attempt.
#[test]
fn a_bot_reply_of_several_messages_is_queued_at_once_and_sent_by_its_ids() {
    let app = channel_app();
    app.shop_help_center();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 10);
    app.telegram_text(&c, 42, 1, "hello").send().expect(200);
    let already = app.outbound.sent().len();
    let (r, seen) = app
        .telegram_text(&c, 42, 2, "How do I get my money back?")
        .send_listing();
    r.expect(200);
    let (_, held) = seen.around_write();
    let queued = held
        .iter()
        .filter(|s| s.starts_with("INSERT INTO outbox"))
        .count();
    assert_eq!(queued, 1, "{held:#?}");
    let sent = app.outbound.sent()[already..].to_vec();
    assert!(sent.len() >= 2, "a reply of several messages: {sent:?}");
    let body = String::from_utf8_lossy(sent[0].request.body()).into_owned();
    assert!(
        body.contains("How to get a refund"),
        "the articles first: {body}"
    );

    let commit = seen
        .0
        .iter()
        .rposition(|s| s == "COMMIT")
        .expect("a commit");
    let after = &seen.0[commit + 1..];
    let writes: Vec<usize> = (0..after.len())
        .filter(|&i| {
            ["UPDATE", "INSERT", "DELETE", "BEGIN"]
                .iter()
                .any(|w| after[i].starts_with(w))
        })
        .collect();
    let looked_up: Vec<usize> = (0..after.len())
        .filter(|&i| after[i].starts_with("SELECT id FROM outbox"))
        .collect();
    assert_eq!(writes.len(), 1, "one write for the whole reply: {after:#?}");
    assert!(
        after[writes[0]].starts_with("UPDATE outbox SET status = 'sent'"),
        "{after:#?}"
    );
    assert_eq!(looked_up.len(), 1, "{after:#?}");
    assert!(looked_up[0] > writes[0], "{after:#?}");
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE attempts <> 1"),
        0,
        "one attempt each, the reserved row's too"
    );
    // Stored: every row sent, and a later row never belongs to an earlier message.
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM outbox a JOIN outbox b
             ON b.conversation_id = a.conversation_id AND b.id > a.id AND b.message_id < a.message_id"
        ),
        0
    );
}

/// A reply of several messages, reserved for its request, stops at a send that fails: the
/// rest are not sent past it, nor left reserved — due at once, they wait behind it as the
/// drain's order says, and follow it, in order, when its retry goes out.
#[test]
fn a_reply_of_several_messages_stops_at_a_failed_send_and_the_rest_follow_it_in_order() {
    let app = channel_app();
    app.shop_help_center();
    let c = app.connect(Vendor::Telegram);
    // The greeting, sent.
    app.vendor_answers_ok(Vendor::Telegram, 1);
    app.telegram_text(&c, 42, 1, "hello").send().expect(200);
    assert_eq!(app.outbound.sent().len(), 1);
    spindesk_core::ports::Sql::execute(&app.db(), "DELETE FROM outbox", &[])
        .expect("the greeting's row gone");

    app.outbound
        .push_reply(status(502, r#"{"ok":false,"description":"Bad Gateway"}"#));
    app.telegram_text(&c, 42, 2, "How do I get my money back?")
        .send()
        .expect(200);
    assert_eq!(app.outbound.sent().len(), 2, "nothing past the failed send");
    let queued = app.count("SELECT COUNT(*) FROM outbox");
    assert!(queued >= 2, "a reply of several messages");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND attempts = 1"),
        1
    );
    let now = spindesk_core::ports::Clock::now_ms(&app.clock);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox
             WHERE status = 'pending' AND attempts = 0 AND next_attempt_at <= {now}"
        )),
        queued - 1,
        "the rest due now, not reserved"
    );
    // Held back behind the failed send until its retry.
    assert_eq!(app.drain()["attempted"], 0);

    app.vendor_answers_ok(Vendor::Telegram, queued as usize);
    app.clock.advance(Duration::from_secs(31));
    assert_eq!(app.drain()["sent"], queued);
    let sent = app.outbound.sent()[1..].to_vec();
    assert_eq!(sent.len() as i64, queued + 1);
    assert_eq!(
        sent[0].request.body(),
        sent[1].request.body(),
        "the failed message again, first"
    );
    let bodies: Vec<String> = app
        .rows("SELECT body FROM outbox ORDER BY id", &[])
        .into_iter()
        .map(|r| match &r[0] {
            spindesk_core::ports::Value::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let went: Vec<String> = sent[1..]
        .iter()
        .map(|r| String::from_utf8_lossy(r.request.body()).into_owned())
        .collect();
    assert_eq!(went, bodies, "in the order they were queued");
}
