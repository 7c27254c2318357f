//! Realtime through a push hub (GRIP, `spindesk_core::grip`), without a real Pushpin: what the
//! live routes answer a request Pushpin signed (hold instructions) and one it did not (the
//! SQLite path), what a commit publishes, and typing indicators and read receipts both ways.
//! `tests/pushpin` runs the same through a real Pushpin.

use spindesk_core::grip::sig::sign;
use spindesk_core::ports::{Clock, OutboundError, Value};
use spindesk_native::{MapConfig, SystemClock};
use spindesk_tests::*;
use std::time::Duration;

const GRIP_KEY: &str = "test-grip-key-0123456789";
const PUBLISH_URL: &str = "http://127.0.0.1:5561/publish/";

fn grip_app() -> App {
    let app = App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("grip_key", GRIP_KEY)
            .with("grip_publish_url", PUBLISH_URL),
    );
    app.clock.set(SystemClock.now_ms());
    app
}

/// A `Grip-Sig` as Pushpin makes it, valid for an hour from the app's clock.
fn pushpin_sig(app: &App) -> String {
    sign(
        GRIP_KEY.as_bytes(),
        "pushpin",
        app.clock.now_ms() / 1000 + 3600,
    )
}

fn poll(token: &str, after: i64, wait: u64, sig: Option<&str>) -> http::Request<Vec<u8>> {
    let mut req = http::Request::builder()
        .uri(format!("/api/widget/messages?after={after}&wait={wait}"))
        .header("authorization", format!("Bearer {token}"));
    if let Some(sig) = sig {
        req = req.header("grip-sig", sig);
    }
    req.body(Vec::new()).expect("request")
}

fn conversation_id(app: &App, v: &Visitor) -> i64 {
    match app
        .rows(
            "SELECT id FROM conversations WHERE public_id = ?",
            &[Value::Text(v.conversation_id.clone())],
        )
        .first()
        .and_then(|r| r.first())
    {
        Some(Value::Integer(id)) => *id,
        other => panic!("conversation {}: {other:?}", v.conversation_id),
    }
}

fn last_seq(app: &App, v: &Visitor) -> i64 {
    app.history(v)
        .last()
        .map_or(0, |m| m["seq"].as_i64().expect("seq"))
}

/// The items published so far, each as (channel, formats).
fn published(app: &App) -> Vec<(String, Json)> {
    app.outbound
        .sent()
        .iter()
        .filter(|r| r.request.uri() == PUBLISH_URL)
        .flat_map(|r| {
            let body: Json = serde_json::from_slice(r.request.body()).expect("publish JSON");
            body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    (
                        i["channel"].as_str().expect("channel").to_owned(),
                        i["formats"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A visitor handed to agents, the agent, and the ticket id.
fn handed_off(app: &App) -> (Visitor, Agent, i64) {
    let v = app.visitor("en");
    let agent = app.agent("Ada", "ada@example.com");
    app.say(&v, "hello", None);
    app.say(&v, "agent please", None);
    let tickets = app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
    let id = tickets.json()["tickets"][0]["id"].as_i64().expect("ticket");
    (v, agent, id)
}

#[test]
fn a_poll_pushpin_signed_is_answered_at_once_with_hold_instructions() {
    let app = grip_app();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let after = last_seq(&app, &v);
    let sig = pushpin_sig(&app);
    let r = app
        .call("widget", poll(&v.token, after, 25, Some(&sig)))
        .expect(200);
    assert_eq!(r.header("grip-hold"), Some("response"));
    let channel = format!("widget-{}", conversation_id(&app, &v));
    assert_eq!(r.header("grip-channel"), Some(channel.as_str()));
    assert_eq!(r.header("grip-timeout"), Some("25"));
    // What the client gets if nothing is published: the same shape as a poll that timed out.
    let body = r.json();
    assert_eq!(body["messages"], json!([]));
    assert_eq!(body["last_seq"], after);
    assert_eq!(body["agent"], json!({"typing": false, "read_seq": 0}));
    assert_eq!(
        app.held_polls(),
        0,
        "Pushpin holds the poll, not an instance"
    );
    // With something to read, no hold: the messages at once.
    let r = app
        .call("widget", poll(&v.token, 0, 25, Some(&sig)))
        .expect(200);
    assert_eq!(r.header("grip-hold"), None);
    assert_eq!(r.json()["messages"][0]["text"], "hello");
}

#[test]
fn a_forged_expired_or_unconfigured_signature_takes_the_sqlite_path() {
    let app = grip_app();
    let v = app.visitor("en");
    let now = app.clock.now_ms() / 1000;
    let forged = sign(b"guessed-key", "pushpin", now + 3600);
    let expired = sign(GRIP_KEY.as_bytes(), "pushpin", now - 1);
    let other_issuer = sign(GRIP_KEY.as_bytes(), "someone", now + 3600);
    for sig in [
        forged.as_str(),
        expired.as_str(),
        other_issuer.as_str(),
        "x.y.z",
    ] {
        let started = app.clock.now_ms();
        let r = app
            .call("widget", poll(&v.token, 0, 2, Some(sig)))
            .expect(200);
        assert_eq!(r.header("grip-hold"), None, "{sig}");
        assert_eq!(r.header("grip-channel"), None, "{sig}");
        assert_eq!(r.json()["messages"], json!([]));
        assert!(
            app.clock.now_ms() - started >= 2_000,
            "held by the instance for its wait, as without Pushpin"
        );
    }
    // Without `grip_key` no signature is valid, however it was made.
    let plain = App::new();
    let v = plain.visitor("en");
    let sig = sign(b"", "pushpin", plain.clock.now_ms() / 1000 + 3600);
    let r = plain
        .call("widget", poll(&v.token, 0, 1, Some(&sig)))
        .expect(200);
    assert_eq!(r.header("grip-hold"), None);
}

#[test]
fn an_event_stream_needs_pushpin() {
    let app = grip_app();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    // The widget learns which to use from its first read.
    let read = |sig: Option<String>| {
        let mut r = app
            .request("widget", "GET", "/api/widget/conversation")
            .bearer(&v.token);
        if let Some(sig) = sig {
            r = r.header("grip-sig", &sig);
        }
        r.send().expect(200).json()["stream"].clone()
    };
    assert_eq!(read(None), false);
    assert_eq!(read(Some(pushpin_sig(&app))), true);
    let r = app
        .request("widget", "GET", "/api/widget/events?after=0")
        .bearer(&v.token)
        .send()
        .expect(503);
    assert_eq!(r.error_code(), "stream_unavailable");
    let r = app
        .request("widget", "GET", "/api/widget/events?after=0")
        .bearer(&v.token)
        .header("grip-sig", &pushpin_sig(&app))
        .send()
        .expect(200);
    assert_eq!(r.header("grip-hold"), Some("stream"));
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        r.header("grip-keep-alive"),
        Some(":\\n\\n; format=cstring; timeout=20")
    );
    let text = r.text();
    let data = text
        .strip_prefix("event: update\ndata: ")
        .and_then(|t| t.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("one SSE event: {text:?}"));
    let first: Json = serde_json::from_str(data).expect("event JSON");
    assert_eq!(first["messages"][0]["text"], "hello");
    assert_eq!(
        first["last_seq"],
        first["messages"].as_array().unwrap().len()
    );
    // A bad cursor is the caller's mistake, said so.
    app.request("widget", "GET", "/api/widget/events?after=-1")
        .bearer(&v.token)
        .header("grip-sig", &pushpin_sig(&app))
        .send()
        .expect(400);
}

#[test]
fn an_agent_reply_is_published_to_the_widget_with_its_sequence_number() {
    let app = grip_app();
    let (v, agent, ticket) = handed_off(&app);
    let conversation = conversation_id(&app, &v);
    let before = published(&app).len();
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"comment": {"body": "Hi, Ada here", "public": true}}}),
    )
    .expect(200);
    let items = published(&app)[before..].to_vec();
    let widget = items
        .iter()
        .find(|(c, _)| *c == format!("widget-{conversation}"))
        .unwrap_or_else(|| panic!("no widget item in {items:?}"));
    let body: Json = serde_json::from_str(
        widget.1["http-response"]["body"]
            .as_str()
            .expect("long-poll body"),
    )
    .expect("JSON body");
    let seq = last_seq(&app, &v);
    // Exactly what the widget API answers for that message.
    assert_eq!(
        body["messages"][0],
        *app.history(&v).last().expect("the reply")
    );
    assert_eq!(body["messages"][0]["text"], "Hi, Ada here");
    assert_eq!(body["messages"][0]["seq"], seq);
    assert_eq!(body["last_seq"], seq);
    assert_eq!(
        widget.1["http-response"]["headers"]["Access-Control-Allow-Origin"],
        "*"
    );
    let stream = widget.1["http-stream"]["content"].as_str().expect("SSE");
    let streamed = stream
        .strip_prefix("event: update\ndata: ")
        .and_then(|s| s.strip_suffix("\n\n"))
        .expect("one SSE event");
    assert_eq!(serde_json::from_str::<Json>(streamed).expect("JSON"), body);
    assert!(items
        .iter()
        .any(|(c, f)| *c == format!("agents-{conversation}")
            && f["http-stream"]["content"]
                .as_str()
                .is_some_and(|s| s.contains(&format!("\"last_seq\":{seq}")))));
    assert!(
        items.iter().any(|(c, f)| c == "desk"
            && f["http-stream"]["content"]
                .as_str()
                .is_some_and(|s| s.contains(&format!("\"tickets\":[{ticket}]")))),
        "{items:?}"
    );
    // The customer's own messages too.
    let before = published(&app).len();
    app.say(&v, "thanks", None);
    assert!(published(&app)[before..]
        .iter()
        .any(|(c, f)| *c == format!("widget-{conversation}")
            && f["http-response"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("thanks"))));
}

#[test]
fn a_failed_publish_is_logged_and_the_write_stands() {
    let app = grip_app();
    let v = app.visitor("en");
    app.outbound
        .push_reply(Err(OutboundError::Failed("connection refused".into())));
    app.say(&v, "hello", None);
    assert_eq!(app.history(&v)[0]["text"], "hello");
    assert!(
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("grip.publish") && l.contains("connection refused")),
        "{:?}",
        app.log.lines()
    );
    // Nothing configured: nothing sent.
    let plain = App::new();
    let v = plain.visitor("en");
    plain.say(&v, "hello", None);
    assert!(plain.outbound.sent().is_empty());
}

#[test]
fn typing_and_reads_reach_the_other_side_without_pushpin() {
    let app = App::new();
    let (v, agent, ticket) = handed_off(&app);
    let live = |path: &str| {
        app.request("live", "GET", path)
            .agent(&agent.email, &agent.token)
            .send()
    };
    let desk = format!("/api/live/desk?ticket={ticket}");
    app.take_kv_calls();
    let r = live(&desk).expect(200).json();
    assert_eq!(r["live"], false);
    assert_eq!(r["customer"], json!({"typing": false, "read_seq": 0}));
    app.request("widget", "POST", "/api/widget/typing")
        .bearer(&v.token)
        .json(&json!({"typing": true}))
        .send()
        .expect(202);
    let seq = last_seq(&app, &v);
    let r = app
        .request("widget", "POST", "/api/widget/read")
        .bearer(&v.token)
        .json(&json!({"seq": seq}))
        .send()
        .expect(200);
    assert_eq!(r.json()["read_seq"], seq);
    let r = live(&desk).expect(200).json();
    assert_eq!(r["customer"], json!({"typing": true, "read_seq": seq}));
    assert_eq!(
        app.take_kv_calls(),
        Vec::<String>::new(),
        "typing and reads stay off the key-value store"
    );
    assert_eq!(r["last_seq"], seq);
    // The indicator lapses by itself.
    app.clock.advance(Duration::from_secs(7));
    assert_eq!(live(&desk).expect(200).json()["customer"]["typing"], false);

    // The agent's side, seen in the widget's poll.
    app.request(
        "live",
        "POST",
        &format!("/api/live/tickets/{ticket}/typing"),
    )
    .agent(&agent.email, &agent.token)
    .json(&json!({"typing": true}))
    .send()
    .expect(202);
    app.request("live", "POST", &format!("/api/live/tickets/{ticket}/read"))
        .agent(&agent.email, &agent.token)
        .json(&json!({"seq": 1}))
        .send()
        .expect(200);
    let r = app.call("widget", poll(&v.token, seq, 0, None)).expect(200);
    assert_eq!(r.json()["agent"], json!({"typing": true, "read_seq": 1}));
    // Never messages.
    assert_eq!(last_seq(&app, &v), seq);
}

#[test]
fn a_waiting_poll_wakes_when_the_agent_starts_typing() {
    let app = grip_app();
    let (v, agent, ticket) = handed_off(&app);
    let after = last_seq(&app, &v);
    std::thread::scope(|s| {
        let waiting = s.spawn(|| {
            let started = std::time::Instant::now();
            let r = app
                .call_with_clock("widget", poll(&v.token, after, 20, None), &SystemClock)
                .expect(200)
                .json();
            (r, started.elapsed())
        });
        while app.held_polls() == 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        app.request(
            "live",
            "POST",
            &format!("/api/live/tickets/{ticket}/typing"),
        )
        .agent(&agent.email, &agent.token)
        .json(&json!({"typing": true}))
        .send()
        .expect(202);
        let (r, took) = waiting.join().expect("poll");
        assert_eq!(r["agent"]["typing"], true, "{r}");
        assert_eq!(r["messages"], json!([]));
        assert!(took < Duration::from_secs(20), "woken, not timed out");
    });
}

#[test]
fn typing_is_throttled_and_published_to_the_other_side() {
    let app = grip_app();
    let (v, agent, ticket) = handed_off(&app);
    let conversation = conversation_id(&app, &v);
    let typing = |on: bool| {
        app.request("widget", "POST", "/api/widget/typing")
            .bearer(&v.token)
            .json(&json!({"typing": on}))
            .send()
            .expect(202)
    };
    let agents = format!("agents-{conversation}");
    let count = |app: &App| published(app).iter().filter(|(c, _)| *c == agents).count();
    let before = count(&app);
    typing(true);
    typing(true);
    app.clock.advance(Duration::from_secs(1));
    typing(true);
    assert_eq!(
        count(&app),
        before + 1,
        "repeats within 3 s publish nothing"
    );
    app.clock.advance(Duration::from_secs(3));
    typing(true);
    assert_eq!(
        count(&app),
        before + 2,
        "refreshed once half its time is gone"
    );
    typing(false);
    let last = published(&app)
        .into_iter()
        .rfind(|(c, _)| *c == agents)
        .expect("published");
    assert!(last.1["http-stream"]["content"].as_str().is_some_and(|s| s
        .contains("\"customer\":{\"read_seq\":0,\"typing\":false}")
        || s.contains("\"customer\":{\"typing\":false,\"read_seq\":0}")));
    assert!(last.1.get("http-response").is_none(), "agents only stream");

    // The agent's typing goes to the widget as a long-poll answer too.
    app.request(
        "live",
        "POST",
        &format!("/api/live/tickets/{ticket}/typing"),
    )
    .agent(&agent.email, &agent.token)
    .json(&json!({"typing": true}))
    .send()
    .expect(202);
    let (_, formats) = published(&app)
        .into_iter()
        .rfind(|(c, _)| *c == format!("widget-{conversation}"))
        .expect("published to the widget");
    let body: Json =
        serde_json::from_str(formats["http-response"]["body"].as_str().expect("body")).unwrap();
    assert_eq!(body["agent"]["typing"], true);
    assert_eq!(body["messages"], json!([]));
    assert_eq!(body["last_seq"], last_seq(&app, &v));
}

#[test]
fn the_agent_stream_is_held_on_the_desk_and_the_tickets_conversation() {
    let app = grip_app();
    let (v, agent, ticket) = handed_off(&app);
    let conversation = conversation_id(&app, &v);
    let r = app
        .request("live", "GET", &format!("/api/live/desk?ticket={ticket}"))
        .agent(&agent.email, &agent.token)
        .header("grip-sig", &pushpin_sig(&app))
        .send()
        .expect(200);
    assert_eq!(r.header("grip-hold"), Some("stream"));
    let channels = format!("desk, agents-{conversation}");
    assert_eq!(r.header("grip-channel"), Some(channels.as_str()));
    assert!(r.text().starts_with("event: update\ndata: {"));
    // Staff only, and the ticket must exist.
    app.request("live", "GET", "/api/live/desk")
        .header("grip-sig", &pushpin_sig(&app))
        .send()
        .expect(401);
    app.request("live", "GET", "/api/live/desk?ticket=999999")
        .agent(&agent.email, &agent.token)
        .send()
        .expect(404);
    app.request("live", "GET", "/api/live/desk?ticket=abc")
        .agent(&agent.email, &agent.token)
        .send()
        .expect(400);
}

#[test]
fn bad_typing_and_read_input_is_refused_and_stores_nothing() {
    let app = App::new();
    let (v, agent, ticket) = handed_off(&app);
    let seq = last_seq(&app, &v);
    let widget = |path: &str, body: &[u8]| {
        app.request("widget", "POST", path)
            .bearer(&v.token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
    };
    widget("/api/widget/typing", b"{\"typing\": \"yes\"}").expect(400);
    widget("/api/widget/typing", b"not json").expect(400);
    let r = widget(
        "/api/widget/read",
        format!("{{\"seq\": {}}}", seq + 1).as_bytes(),
    )
    .expect(422);
    assert_eq!(r.error_code(), "invalid_seq");
    widget("/api/widget/read", b"{\"seq\": 0}").expect(422);
    app.request("widget", "POST", "/api/widget/typing")
        .json(&json!({"typing": true}))
        .send()
        .expect(401);
    app.request("live", "POST", &format!("/api/live/tickets/{ticket}/read"))
        .agent(&agent.email, &agent.token)
        .json(&json!({"seq": seq + 5}))
        .send()
        .expect(422);
    app.request(
        "live",
        "POST",
        &format!("/api/live/tickets/{ticket}/typing"),
    )
    .json(&json!({"typing": true}))
    .send()
    .expect(401);
    assert_eq!(app.count("SELECT count(*) FROM conversation_activity"), 0);
    // Reads never move back.
    widget("/api/widget/read", format!("{{\"seq\": {seq}}}").as_bytes()).expect(200);
    let r = widget("/api/widget/read", b"{\"seq\": 1}").expect(200);
    assert_eq!(r.json()["read_seq"], seq);
}

#[test]
fn behind_pushpin_the_session_limit_counts_the_forwarded_address() {
    let app = grip_app();
    let start = |forwarded: &str, sig: Option<&str>| {
        let mut r = app
            .request("widget", "POST", "/api/widget/sessions")
            .header("spin-client-addr", "127.0.0.1:40000")
            .header("x-forwarded-for", forwarded);
        if let Some(sig) = sig {
            r = r.header("grip-sig", sig);
        }
        r.send().status
    };
    let sig = pushpin_sig(&app);
    // Pushpin's own address is shared by everyone: through Pushpin each visitor counts alone.
    for _ in 0..60 {
        assert_eq!(start("198.51.100.7", Some(&sig)), 201);
    }
    assert_eq!(
        start("198.51.100.7", Some(&sig)),
        429,
        "that address is over its limit"
    );
    assert_eq!(
        start("198.51.100.8", Some(&sig)),
        201,
        "another visitor is not"
    );
    // Without Pushpin's signature the header is the client's word: the peer address counts.
    for _ in 0..60 {
        assert_eq!(start("203.0.113.1", None), 201);
    }
    assert_eq!(
        start("203.0.113.2", None),
        429,
        "a made-up header does not escape the limit"
    );
}

/// The `presence` events published on the desk's channel so far, as (user_id, status).
fn presence_events(app: &App) -> Vec<(i64, String)> {
    published(app)
        .into_iter()
        .filter(|(channel, _)| channel == "desk")
        .filter_map(|(_, formats)| {
            let content = formats["http-stream"]["content"].as_str()?.to_owned();
            let data = content.strip_prefix("event: presence\ndata: ")?;
            let event: Json = serde_json::from_str(data.trim_end()).expect("presence JSON");
            Some((
                event["user_id"].as_i64().expect("user_id"),
                event["status"].as_str().expect("status").to_owned(),
            ))
        })
        .collect()
}

#[test]
fn presence_changes_are_published_to_every_agent_workspace() {
    let app = grip_app();
    let ada = app.agent("Ada", "ada@example.com");
    let set = |presence: &str| {
        app.request("tickets", "PUT", "/api/v2/users/me/presence.json")
            .agent(&ada.email, &ada.token)
            .json(&serde_json::json!({ "presence": presence }))
            .send()
    };
    set("online").expect(200);
    set("away").expect(200);
    assert_eq!(
        presence_events(&app),
        vec![(ada.id, "online".to_owned()), (ada.id, "away".to_owned())]
    );
    // A refused change publishes nothing.
    set("busy").expect(422);
    assert_eq!(presence_events(&app).len(), 2);
    // Deactivating an agent takes them offline on every workspace.
    app.request("admin", "PUT", &format!("/api/admin/agents/{}", ada.id))
        .admin()
        .json(&serde_json::json!({"agent": {"active": false}}))
        .send()
        .expect(200);
    assert_eq!(
        presence_events(&app).last(),
        Some(&(ada.id, "offline".to_owned()))
    );
}
