//! Outbound webhooks (docs/webhooks.md): every trigger fires once per event with a valid
//! signature, after commit; retries keep the event id and the order of a conversation; the
//! customer's answer comes before any delivery; bad targets and triggers are refused; a huge
//! answer is cut at the cap without being read.

use hmac::{KeyInit, Mac};
use spindesk_core::ports::{Outbound, OutboundError};
use spindesk_native::{MapConfig, PlainHttp};
use spindesk_tests::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const HOST: &str = "hooks.example.com";

fn hooks_app() -> App {
    App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("credentials_key", KEY)
            .with("webhook_hosts", "https://*.example.com"),
    )
}

/// Subscribes through Sunshine's route; returns the webhook id and its secret.
fn subscribe(app: &App, triggers: &[&str]) -> (String, String) {
    let r = app
        .request("conversations", "POST", "/v2/apps/app1/integrations")
        .admin()
        .json(&json!({"type": "custom", "displayName": "CRM",
                      "webhooks": [{"target": format!("https://{HOST}/in"), "triggers": triggers}]}))
        .send()
        .expect(201)
        .json();
    let w = &r["integration"]["webhooks"][0];
    (
        w["id"].as_str().expect("id").to_owned(),
        w["secret"].as_str().expect("secret").to_owned(),
    )
}

/// A delivery the receiver got: its event and whether its signature checked out.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    kind: String,
    event: Json,
    signed: bool,
}

/// Checks a signature as a receiver would, written here from the documented rule (HMAC-SHA256
/// of `t.body` under the secret), not with the server's code.
fn signature_ok(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = "";
    let mut v1 = "";
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v,
            Some(("v1", v)) => v1 = v,
            _ => {}
        }
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    !t.is_empty() && hex == v1
}

/// Every delivery sent to the receiver so far, in order.
fn received(app: &App, secret: &str) -> Vec<Got> {
    app.outbound
        .sent()
        .iter()
        .filter(|s| s.request.uri().host() == Some(HOST))
        .map(|s| {
            let body: Json = serde_json::from_slice(s.request.body()).expect("json body");
            let events = body["events"].as_array().expect("events").clone();
            assert_eq!(events.len(), 1, "one event per delivery: {body}");
            assert!(body["app"]["id"].is_string(), "{body}");
            assert_eq!(body["webhook"]["version"], "v2");
            let header = s.request.headers()["x-spindesk-signature"]
                .to_str()
                .expect("ascii");
            let key = s.request.headers()["x-api-key"].to_str().expect("ascii");
            Got {
                id: events[0]["id"].as_str().expect("event id").to_owned(),
                kind: events[0]["type"].as_str().expect("type").to_owned(),
                event: events[0].clone(),
                signed: key == secret && signature_ok(secret, header, s.request.body()),
            }
        })
        .collect()
}

fn kinds(got: &[Got]) -> Vec<String> {
    got.iter().map(|g| g.kind.clone()).collect()
}

fn count(got: &[Got], kind: &str) -> usize {
    got.iter().filter(|g| g.kind == kind).count()
}

fn drain(app: &App) -> Json {
    app.drain()["webhooks"].clone()
}

fn answer(status: u16) -> Result<http::Response<Vec<u8>>, OutboundError> {
    Ok(http::Response::builder()
        .status(status)
        .body(b"{}".to_vec())
        .expect("response"))
}

#[test]
fn each_trigger_fires_once_per_event_with_a_valid_signature() {
    let app = hooks_app();
    let (_, secret) = subscribe(
        &app,
        &[
            "conversation:create",
            "conversation:message",
            "conversation:read",
            "conversation:typing",
            "switchboard:passControl",
            "switchboard:releaseControl",
            "ticket:created",
            "ticket:updated",
            "ticket:solved",
            "satisfaction:rated",
        ],
    );
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let got = received(&app, &secret);
    assert_eq!(count(&got, "conversation:create"), 1, "{:?}", kinds(&got));
    let stored = app.count("SELECT COUNT(*) FROM messages") as usize;
    assert_eq!(
        count(&got, "conversation:message"),
        stored,
        "{:?}",
        kinds(&got)
    );
    let first = got
        .iter()
        .find(|g| g.kind == "conversation:message")
        .expect("a message event");
    assert_eq!(
        first.event["payload"]["message"]["content"]["text"],
        "hello"
    );
    assert_eq!(first.event["payload"]["message"]["author"]["type"], "user");
    assert_eq!(
        first.event["payload"]["conversation"]["id"].as_str(),
        Some(v.conversation_id.as_str())
    );
    assert!(
        first.event["payload"]["message"]["author"]
            .get("user")
            .is_none(),
        "no full user without includeFullUser"
    );
    let received_at = first.event["payload"]["message"]["received"]
        .as_str()
        .expect("received");
    assert_eq!(
        received_at.len(),
        "2026-12-05T14:00:00.000Z".len(),
        "{received_at}"
    );
    assert_eq!(
        received_at,
        first.event["createdAt"].as_str().expect("createdAt")
    );

    app.request("widget", "POST", "/api/widget/typing")
        .bearer(&v.token)
        .json(&json!({"typing": true}))
        .send()
        .expect(202);
    app.request("widget", "POST", "/api/widget/read")
        .bearer(&v.token)
        .json(&json!({"seq": 1}))
        .send()
        .expect(200);
    app.say(&v, "Talk to a person", Some("handoff"));
    let ticket = app.count("SELECT max(id) FROM tickets");
    let agent = app.agent("Ada", "ada@example.com");
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"status": "solved", "comment": {"body": "Fixed it"}}}),
    )
    .expect(200);
    app.say(&v, "Good", Some(&format!("csat:good:{ticket}")));
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"status": "closed"}}),
    )
    .expect(200);
    // Every component sends what its writes recorded; the drain finds nothing left here.
    drain(&app);

    let got = received(&app, &secret);
    assert!(got.iter().all(|g| g.signed), "every delivery is signed");
    for once in [
        "conversation:create",
        "conversation:typing",
        "conversation:read",
        "switchboard:passControl",
        "switchboard:releaseControl",
        "ticket:created",
        "ticket:solved",
        "satisfaction:rated",
    ] {
        assert_eq!(count(&got, once), 1, "{once} in {:?}", kinds(&got));
    }
    assert!(count(&got, "ticket:updated") >= 1, "{:?}", kinds(&got));
    let stored = app.count("SELECT COUNT(*) FROM messages") as usize;
    assert_eq!(count(&got, "conversation:message"), stored);
    // Unique ids, and each delivered once (no retries happened).
    let mut ids: Vec<&str> = got.iter().map(|g| g.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), got.len());
    let solved = got
        .iter()
        .find(|g| g.kind == "ticket:solved")
        .expect("solved");
    assert_eq!(solved.event["payload"]["ticket"]["id"], ticket);
    assert_eq!(solved.event["payload"]["ticket"]["status"], "solved");
    let rated = got
        .iter()
        .find(|g| g.kind == "satisfaction:rated")
        .expect("rated");
    assert_eq!(
        rated.event["payload"]["satisfaction_rating"]["score"],
        "good"
    );
    let typing = got
        .iter()
        .find(|g| g.kind == "conversation:typing")
        .expect("typing");
    assert_eq!(typing.event["payload"]["activity"]["type"], "typing:start");
}

#[test]
fn a_webhook_hears_only_its_own_triggers_and_messages_nobody_hears_record_no_event() {
    let app = hooks_app();
    let (_, creates) = subscribe(&app, &["conversation:create"]);
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let got = received(&app, &creates);
    assert_eq!(kinds(&got), ["conversation:create"]);
    // Nobody hears messages, so none was recorded for later either.
    let events = |trigger: &str| {
        app.rows(
            "SELECT COUNT(*) FROM webhook_events WHERE type = ?",
            &[trigger.into()],
        )[0][0]
            .clone()
    };
    assert_eq!(events("conversation:message"), 0.into());
    let (_, messages) = subscribe(&app, &["conversation:message"]);
    app.say(&v, "are you there?", None);
    let got = received(&app, &messages);
    let to_messages: Vec<&Got> = got.iter().filter(|g| g.signed).collect();
    let to_creates = got.iter().filter(|g| !g.signed).count();
    assert!(!to_messages.is_empty(), "{:?}", kinds(&got));
    assert!(
        to_messages.iter().all(|g| g.kind == "conversation:message"),
        "{:?}",
        kinds(&got)
    );
    assert_eq!(
        to_creates,
        1,
        "the first webhook got only its conversation:create, no message: {:?}",
        kinds(&got)
    );
}

#[test]
fn the_documented_python_verification_accepts_a_real_delivery_and_refuses_a_changed_one() {
    let app = hooks_app();
    let (_, secret) = subscribe(&app, &["conversation:message"]);
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let sent = app
        .outbound
        .sent()
        .into_iter()
        .find(|s| s.request.uri().host() == Some(HOST))
        .expect("a delivery");
    let header = sent.request.headers()["x-spindesk-signature"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let t: i64 = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .expect("t");
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/webhooks.md"),
    )
    .expect("docs");
    let snippet = docs
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a python block in docs/webhooks.md");
    let run = |body: &[u8], now: i64| -> String {
        let script = format!(
            "{snippet}\nimport sys\nbody = sys.stdin.buffer.read()\nprint(verify({secret:?}, {header:?}, body, now={now}))\n"
        );
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(body)
            .expect("write");
        let out = child.wait_with_output().expect("python output");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(run(sent.request.body(), t + 10), "True");
    let mut changed = sent.request.body().clone();
    changed.push(b' ');
    assert_eq!(run(&changed, t + 10), "False", "a changed body fails");
    assert_eq!(
        run(sent.request.body(), t + 3600),
        "False",
        "a replay an hour later fails"
    );
}

#[test]
fn a_receiver_failing_three_times_gets_the_event_once_more_with_the_same_id_and_in_order() {
    let app = hooks_app();
    let (id, secret) = subscribe(&app, &["conversation:message"]);
    for _ in 0..3 {
        app.outbound.push_reply(answer(500));
    }
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    // The first failed; the later messages of the conversation wait behind it.
    assert_eq!(received(&app, &secret).len(), 1);
    for wait in [30, 60, 120] {
        app.clock.advance(Duration::from_secs(wait));
        drain(&app);
    }
    let got = received(&app, &secret);
    let messages = app.count("SELECT COUNT(*) FROM messages") as usize;
    assert!(messages >= 2, "the bot answered: {messages}");
    // Three failures and one success of the first event, then each later one once, in order.
    assert_eq!(got.len(), 3 + messages, "{:?}", kinds(&got));
    let first = &got[0].id;
    assert!(
        got[..4].iter().all(|g| &g.id == first),
        "same id on every retry"
    );
    assert_eq!(
        got[3].event["payload"]["message"]["content"]["text"],
        "hello"
    );
    let texts: Vec<Json> = got[3..]
        .iter()
        .map(|g| g.event["payload"]["message"]["id"].clone())
        .collect();
    let mut in_order = texts.clone();
    in_order.sort_by_key(|m| m.as_str().and_then(|s| s.parse::<i64>().ok()));
    assert_eq!(texts, in_order, "a conversation's messages in order");
    // Nothing more is sent: exactly once more.
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(drain(&app)["attempted"], 0);
    assert_eq!(received(&app, &secret).len(), got.len());

    let list = app
        .request(
            "admin",
            "GET",
            &format!("/api/admin/webhooks/{id}/deliveries"),
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(list["count"], messages as i64);
    let oldest = list["deliveries"]
        .as_array()
        .expect("list")
        .last()
        .expect("one")
        .clone();
    assert_eq!(oldest["attempts"], 4);
    assert_eq!(oldest["status"], "sent");
    assert_eq!(oldest["eventId"].as_str(), Some(first.as_str()));
}

/// A customer's request sends what it recorded, not the backlog a receiver's outage left: a
/// delivery whose retry has been due for more than a minute waits for the drain.
#[test]
fn a_request_sends_its_own_deliveries_and_leaves_an_old_backlog_to_the_drain() {
    let app = hooks_app();
    let (_, secret) = subscribe(&app, &["conversation:message"]);
    app.outbound.push_reply(answer(503));
    let first = app.visitor("en-US");
    app.say(&first, "hello", None);
    assert_eq!(received(&app, &secret).len(), 1, "the failed attempt");
    // The retry is due after 30 s; ten minutes on, it is old backlog.
    app.clock.advance(Duration::from_secs(600));
    let second = app.visitor("en-US");
    app.say(&second, "hi", None);
    let got = received(&app, &secret);
    assert!(
        got.len() > 1,
        "the new conversation's deliveries went: {got:?}"
    );
    assert!(
        got[1..].iter().all(|g| g.id != got[0].id),
        "the old delivery was not retried by the request: {:?}",
        kinds(&got)
    );
    let held =
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('pending', 'failed')");
    assert!(held >= 1, "the backlog waits: {held}");
    let drained = drain(&app);
    assert_eq!(drained["sent"], held, "{drained}");
    let got = received(&app, &secret);
    assert_eq!(
        got.iter().filter(|g| g.id == got[0].id).count(),
        2,
        "sent again by the drain"
    );
}

#[test]
fn a_dead_delivery_is_listed_and_replayed_with_its_id_and_a_dead_webhook_is_disabled() {
    let app = hooks_app();
    let (id, secret) = subscribe(&app, &["conversation:create"]);
    for _ in 0..200 {
        app.outbound.push_reply(answer(503));
    }
    app.visitor("en-US");
    // Retried for 24 hours, hourly at the end: then dead.
    for _ in 0..40 {
        app.clock.advance(Duration::from_secs(3600));
        drain(&app);
    }
    let dead = app
        .request(
            "admin",
            "GET",
            &format!("/api/admin/webhooks/{id}/deliveries?status=dead"),
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(dead["count"], 1, "{dead}");
    let d = &dead["deliveries"][0];
    assert_eq!(d["lastStatus"], 503);
    let tries = received(&app, &secret);
    assert!(tries.len() > 8 && tries.len() < 40, "{}", tries.len());

    // No success for 3 days: disabled, and the admin log says so.
    app.clock.advance(Duration::from_secs(3 * 86_400));
    app.visitor("en-US");
    drain(&app);
    let w = app
        .request("admin", "GET", &format!("/api/admin/webhooks/{id}"))
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(w["webhook"]["status"], "disabled", "{w}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM admin_audit_log WHERE action = 'webhook.disable'"),
        1
    );

    // Enabled again by saving it; the dead one replayed by hand, same event id.
    app.request("admin", "PATCH", &format!("/api/admin/webhooks/{id}"))
        .admin()
        .json(&json!({"includeFullUser": true}))
        .send()
        .expect(200);
    // The receiver works again: the scripted failures are used up.
    while app.outbound.sent().len() < 200 {
        let _ = app.outbound.send(
            http::Request::builder()
                .uri("https://scripted.invalid/")
                .body(Vec::new())
                .expect("r"),
            Duration::from_secs(1),
        );
    }
    let replay = format!(
        "/api/admin/webhooks/{id}/deliveries/{}/replay",
        d["id"].as_i64().expect("id")
    );
    let before = received(&app, &secret).len();
    let r = app
        .request("admin", "POST", &replay)
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(r["delivery"]["status"], "pending");
    // The admin component sends it right after the replay (or the drain would).
    drain(&app);
    let after = received(&app, &secret);
    assert!(after.len() > before);
    assert!(after[before..]
        .iter()
        .any(|g| g.id == d["eventId"].as_str().expect("id")));
    app.request("admin", "POST", &replay)
        .admin()
        .send()
        .expect(409);
}

#[test]
fn the_customer_has_the_answer_before_any_delivery_starts() {
    let app = hooks_app();
    let (_, secret) = subscribe(&app, &["conversation:message"]);
    let v = app.visitor("en-US");
    let at_answer = Mutex::new(None);
    let r = app.call_then(
        "widget",
        http::Request::builder()
            .method("POST")
            .uri("/api/widget/messages")
            .header("authorization", format!("Bearer {}", v.token))
            .header("content-type", "application/json")
            .body(br#"{"text": "hello"}"#.to_vec())
            .expect("request"),
        &|response| {
            *at_answer.lock().expect("lock") = Some((
                response.status,
                received(&app, &secret).len(),
                app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'"),
            ));
        },
    );
    assert_eq!(r.status, 201);
    let (status, delivered, pending) = at_answer.lock().expect("lock").take().expect("answered");
    assert_eq!(status, 201);
    assert_eq!(
        delivered, 0,
        "no receiver was called before the customer's answer"
    );
    assert!(pending >= 1, "the events were committed with the message");
    assert!(
        !received(&app, &secret).is_empty(),
        "delivered after the answer"
    );
}

#[test]
fn an_agents_ticket_change_is_delivered_by_the_tickets_component_after_its_answer() {
    let app = hooks_app();
    let v = app.visitor("en-US");
    app.say(&v, "Talk to a person", Some("handoff"));
    let ticket = app.count("SELECT max(id) FROM tickets");
    let agent = app.agent("Ada", "ada@example.com");
    let (_, secret) = subscribe(&app, &["ticket:updated", "conversation:message"]);
    let at_answer = Mutex::new(None);
    let r = app
        .request("tickets", "PUT", &format!("/api/v2/tickets/{ticket}.json"))
        .agent(&agent.email, &agent.token)
        .json(&json!({"ticket": {"priority": "high",
                                 "comment": {"body": "On it", "public": true}}}))
        .send_then(&|response| {
            *at_answer.lock().expect("lock") =
                Some((response.status, received(&app, &secret).len()));
        });
    assert_eq!(r.status, 200);
    let (status, delivered) = at_answer.lock().expect("lock").take().expect("answered");
    assert_eq!(
        (status, delivered),
        (200, 0),
        "nothing sent before the answer"
    );
    // No drain: the tickets component sent both after answering.
    let got = received(&app, &secret);
    assert_eq!(count(&got, "ticket:updated"), 1, "{:?}", kinds(&got));
    assert_eq!(count(&got, "conversation:message"), 1, "{:?}", kinds(&got));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'sent'"),
        0
    );
}

#[test]
fn bad_triggers_and_targets_are_refused_and_nothing_is_stored() {
    let app = hooks_app();
    let create = |target: &str, trigger: &str| {
        app.request("conversations", "POST", "/v2/apps/app1/integrations")
            .admin()
            .json(&json!({"type": "custom",
                          "webhooks": [{"target": target, "triggers": [trigger]}]}))
            .send()
    };
    let r = create("https://hooks.example.com/in", "conversation:explode").expect(422);
    assert!(r.text().contains("unknown trigger"), "{}", r.text());
    for target in [
        "http://hooks.example.com/in",
        "https://10.0.0.5/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/in",
        "https://metadata.google.internal/",
        "http://127.0.0.1:9000/in",
        "https://elsewhere.test/in",
        "not a url",
    ] {
        let r = create(target, "conversation:message").expect(422);
        assert!(r.text().contains("target"), "{target}: {}", r.text());
    }
    app.request("admin", "POST", "/api/admin/webhooks")
        .admin()
        .json(&json!({"target": "https://192.168.1.1/", "triggers": ["ticket:created"]}))
        .send()
        .expect(422);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhooks"), 0);

    // Local development: http to loopback only when the variable says so.
    let dev = App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("webhook_hosts", "http://127.0.0.1:*")
            .with("webhook_loopback_http", "true"),
    );
    dev.request("admin", "POST", "/api/admin/webhooks")
        .admin()
        .json(&json!({"target": "http://127.0.0.1:9000/in", "triggers": ["ticket:created"]}))
        .send()
        .expect(201);
}

#[test]
fn the_secret_is_shown_once_and_stored_sealed() {
    let app = hooks_app();
    let (id, secret) = subscribe(&app, &["conversation:message"]);
    let integrations = app
        .request("conversations", "GET", "/v2/apps/app1/integrations")
        .admin()
        .send()
        .expect(200);
    assert!(!integrations.text().contains(&secret));
    let admin = app
        .request("admin", "GET", &format!("/api/admin/webhooks/{id}"))
        .admin()
        .send()
        .expect(200);
    assert!(!admin.text().contains(&secret));
    assert_eq!(
        admin.json()["webhook"]["target"],
        format!("https://{HOST}/in")
    );
    let stored = app.rows("SELECT secret FROM webhooks", &[]);
    assert!(!format!("{stored:?}").contains(&secret), "sealed at rest");
    app.request("conversations", "GET", "/v2/apps/app1/integrations")
        .send()
        .expect(401);
}

#[test]
fn include_full_user_adds_the_authors_user_object() {
    let app = hooks_app();
    let r = app
        .request("admin", "POST", "/api/admin/webhooks")
        .admin()
        .json(&json!({"target": format!("https://{HOST}/in"),
                      "triggers": ["conversation:message"], "includeFullUser": true}))
        .send()
        .expect(201)
        .json();
    let secret = r["webhook"]["secret"].as_str().expect("secret").to_owned();
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let got = received(&app, &secret);
    let author = &got[0].event["payload"]["message"]["author"];
    assert_eq!(author["type"], "user");
    assert_eq!(author["user"]["id"], author["userId"]);
    assert_eq!(author["user"]["authenticated"], false);
    assert!(got.iter().all(|g| g.signed));
}

/// A receiver that answers 200 with a 50 MB body, counting what it managed to write.
fn huge_receiver() -> (String, Arc<AtomicUsize>, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/in", listener.local_addr().expect("addr"));
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        let mut length = 0usize;
        loop {
            line.clear();
            reader.read_line(&mut line).expect("head");
            if line.trim().is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0u8; length];
        std::io::Read::read_exact(&mut reader, &mut body).expect("body");
        let mut out = stream;
        let total = 50 * 1024 * 1024;
        out.write_all(format!("HTTP/1.1 200 OK\r\ncontent-length: {total}\r\n\r\n").as_bytes())
            .expect("head out");
        let chunk = vec![b'x'; 64 * 1024];
        while count.load(Ordering::SeqCst) < total {
            match out.write(&chunk) {
                Ok(n) => {
                    count.fetch_add(n, Ordering::SeqCst);
                }
                Err(_) => break,
            }
        }
    });
    (url, written, server)
}

#[test]
fn a_fifty_megabyte_answer_is_cut_at_the_cap_and_not_read() {
    let (url, written, server) = huge_receiver();
    let request = http::Request::builder()
        .method("POST")
        .uri(&url)
        .body(b"{}".to_vec())
        .expect("request");
    let cap = spindesk_core::webhooks::delivery::MAX_RESPONSE_BYTES;
    let response = PlainHttp
        .send_capped(request, Duration::from_secs(10), cap)
        .expect("a 200 with a capped body");
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().len(), cap);
    server.join().expect("receiver");
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 50 * 1024 * 1024,
        "the receiver could not write it all: the client stopped reading ({sent} bytes)"
    );
}

/// The components that send deliveries themselves are granted the receivers' hosts and the
/// variables delivery reads; `spin.toml` must say so on its own, since Spin refuses the rest.
#[test]
fn the_delivering_components_are_granted_the_webhook_hosts() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml");
    let manifest: toml::Table = std::fs::read_to_string(path)
        .expect("spin.toml")
        .parse()
        .expect("toml");
    let components = manifest["component"].as_table().expect("components");
    for id in ["widget", "channels", "conversations", "admin"] {
        let c = components[id].as_table().expect("component");
        let hosts: Vec<&str> = c["allowed_outbound_hosts"]
            .as_array()
            .expect("hosts")
            .iter()
            .filter_map(|h| h.as_str())
            .collect();
        assert!(hosts.contains(&"{{ webhook_hosts }}"), "{id}: {hosts:?}");
        let vars = c["variables"].as_table().expect("variables");
        for v in ["credentials_key", "webhook_disable_after_days"] {
            assert!(vars.contains_key(v), "{id} maps {v}");
        }
    }
    let declared = manifest["variables"].as_table().expect("variables");
    assert_eq!(
        declared["webhook_hosts"]["default"].as_str(),
        Some("https://webhooks.invalid")
    );
}

#[test]
fn the_drain_removes_sent_deliveries_after_a_week_and_keeps_the_rest() {
    let app = hooks_app();
    let (_, secret) = subscribe(&app, &["conversation:create"]);
    app.visitor("en-US");
    assert_eq!(received(&app, &secret).len(), 1, "sent at once");
    app.outbound.push_reply(answer(500));
    app.visitor("en-US");
    // Six days on, the failed one goes out with the drain; nothing is old enough to remove.
    app.clock.advance(Duration::from_secs(6 * 86_400));
    assert_eq!(drain(&app)["sent"], 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries"), 2);
    // Two days more: the one sent eight days ago goes, with its event; the other stays.
    app.clock.advance(Duration::from_secs(2 * 86_400));
    drain(&app);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_events"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE attempts = 2"),
        1,
        "the one kept is the retried one"
    );
}
