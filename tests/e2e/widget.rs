//! The widget API: sessions, the bot's greeting, hand-off, history, limits, long-poll.

use spindesk_core::ports::{Clock, Sql, Value};
use spindesk_native::SystemClock;
use spindesk_tests::*;
use std::time::{Duration, Instant};

#[test]
fn a_session_gives_a_token_that_is_stored_only_as_a_digest() {
    let app = App::new();
    let v = app.visitor("en-US");
    assert!(v.token.len() >= 40, "token too short: {}", v.token);
    let stored = app.rows("SELECT token_hash FROM widget_sessions", &[]);
    assert_eq!(stored.len(), 1);
    assert_ne!(
        stored[0][0],
        Value::Text(v.token.clone()),
        "the raw token must not be stored"
    );
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM identities WHERE channel = 'web'"),
        1
    );
}

#[test]
fn an_empty_body_starts_an_english_session() {
    let app = App::new();
    let r = app
        .request("widget", "POST", "/api/widget/sessions")
        .send()
        .expect(201);
    assert_eq!(r.json()["session"]["locale"], "en-US");
}

#[test]
fn the_bot_greets_on_the_first_message_and_offers_a_person() {
    let app = App::new();
    let v = app.visitor("en");
    let r = app.say(&v, "hello", None);
    let msgs = r["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "customer message then greeting: {r}");
    assert_eq!(msgs[0]["author"]["type"], "user");
    assert_eq!(msgs[0]["text"], "hello");
    assert_eq!(msgs[1]["author"]["type"], "bot");
    assert!(msgs[1]["text"].as_str().unwrap().starts_with("Hi!"));
    assert_eq!(msgs[1]["actions"][0]["text"], "Talk to a person");
    assert_eq!(msgs[1]["actions"][0]["payload"], "handoff");
    assert_eq!(msgs[0]["seq"], 1);
    assert_eq!(msgs[1]["seq"], 2);

    // The second message does not get the greeting again.
    let r = app.say(&v, "what are your opening hours?", None);
    let bot = &r["messages"][1];
    assert!(
        !bot["text"].as_str().unwrap().starts_with("Hi!"),
        "greeted twice: {bot}"
    );
    assert_eq!(bot["actions"][0]["payload"], "handoff");
}

#[test]
fn tapping_talk_to_a_person_hands_off_and_opens_a_ticket() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let r = app.say(&v, "Talk to a person", Some("handoff"));
    let bot = &r["messages"][1];
    assert!(
        bot["text"].as_str().unwrap().contains("Connecting you"),
        "{bot}"
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent' AND ticket_id IS NOT NULL"), 1);

    // While agents are in control the bot is silent and messages become ticket comments.
    let r = app.say(&v, "my order 1234 never arrived", None);
    assert_eq!(
        r["messages"].as_array().unwrap().len(),
        1,
        "bot spoke after hand-off: {r}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE public = 1 AND body = 'my order 1234 never arrived'"),
        1
    );
}

#[test]
fn asking_for_a_person_in_words_hands_off_in_english_and_korean() {
    for (locale, text, expect) in [
        ("en", "can I talk to a human please", "Connecting you"),
        ("en", "AGENT", "Connecting you"),
        ("ko-KR", "상담원이랑 얘기하고 싶어요", "상담원에게 연결"),
        ("ko", "사람 불러주세요", "상담원에게 연결"),
    ] {
        let app = App::new();
        let v = app.visitor(locale);
        let r = app.say(&v, text, None);
        let bot = r["messages"][1]["text"].as_str().unwrap().to_owned();
        assert!(bot.contains(expect), "{locale} {text:?} got {bot:?}");
        assert_eq!(
            app.count("SELECT count(*) FROM tickets"),
            1,
            "{text:?} made no ticket"
        );
    }
}

#[test]
fn words_that_merely_contain_agent_do_not_hand_off() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hi", None);
    app.say(&v, "what does the agency fee cover?", None);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
}

#[test]
fn reloading_keeps_the_history_in_order() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "one", None);
    app.say(&v, "two", None);
    let history = app.history(&v);
    let seqs: Vec<i64> = history.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!(history[0]["text"], "one");
    assert_eq!(history[2]["text"], "two");

    // History pages backwards with `before`.
    let r = app
        .request("widget", "GET", "/api/widget/conversation?limit=2&before=3")
        .bearer(&v.token)
        .send()
        .expect(200);
    let page = r.json();
    let seqs: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2]);
    assert_eq!(page["has_more"], false);
}

#[test]
fn a_retried_send_with_the_same_client_id_is_stored_once() {
    let app = App::new();
    let v = app.visitor("en");
    let send = || {
        app.request("widget", "POST", "/api/widget/messages")
            .bearer(&v.token)
            .json(&json!({"text": "hello", "client_id": "c-123"}))
            .send()
    };
    let first = send().expect(201).json();
    let again = send().expect(200).json();
    assert_eq!(first["message"]["id"], again["message"]["id"]);
    assert_eq!(again["messages"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM messages"),
        2,
        "one customer message, one greeting"
    );
}

#[test]
fn text_is_stored_as_given_markup_included() {
    let app = App::new();
    let v = app.visitor("en");
    let r = app.say(&v, "<img src=x onerror=alert(1)>", None);
    assert_eq!(r["message"]["text"], "<img src=x onerror=alert(1)>");
}

#[test]
fn session_and_message_input_is_validated() {
    let app = App::new();
    let v = app.visitor("en");
    let post = |body: &str| {
        app.request("widget", "POST", "/api/widget/messages")
            .bearer(&v.token)
            .body(body.to_owned())
            .send()
    };
    assert_eq!(post("").expect(400).error_code(), "body_required");
    assert_eq!(post("{not json").expect(400).error_code(), "invalid_json");
    assert_eq!(
        post(r#"{"txt": "hi"}"#).expect(400).error_code(),
        "invalid_body"
    );
    assert_eq!(
        post(r#"{"text": "   "}"#).expect(422).error_code(),
        "invalid_text"
    );
    let long = "가".repeat(4097);
    assert_eq!(
        post(&json!({"text": long}).to_string())
            .expect(422)
            .error_code(),
        "invalid_text"
    );
    let limit = "가".repeat(4096);
    post(&json!({"text": limit}).to_string()).expect(201);
    assert_eq!(
        post(&json!({"text": "hi", "client_id": "has space"}).to_string())
            .expect(422)
            .error_code(),
        "invalid_client_id"
    );
    assert_eq!(
        post(&"x".repeat(20_000)).expect(413).error_code(),
        "payload_too_large"
    );

    let session = |body: &str| {
        app.request("widget", "POST", "/api/widget/sessions")
            .body(body.to_owned())
            .send()
    };
    assert_eq!(
        session(r#"{"locale": "english please"}"#)
            .expect(422)
            .error_code(),
        "invalid_locale"
    );
    assert_eq!(
        session(r#"{"name": ""}"#).expect(422).error_code(),
        "invalid_name"
    );
    assert_eq!(
        session(r#"{"locale": 5}"#).expect(400).error_code(),
        "invalid_body"
    );

    // Nothing half-written: only the one good message and its bot replies exist.
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'user'"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[test]
fn widget_routes_need_a_valid_session() {
    let app = App::new();
    let r = app
        .request("widget", "GET", "/api/widget/conversation")
        .send()
        .expect(401);
    assert_eq!(r.error_code(), "session_required");
    let r = app
        .request("widget", "GET", "/api/widget/conversation")
        .bearer("wst_forged")
        .send()
        .expect(401);
    assert_eq!(r.error_code(), "invalid_session");
    let r = app
        .request("widget", "POST", "/api/widget/messages")
        .header("authorization", "Basic Zm9vOmJhcg==")
        .json(&json!({"text": "hi"}))
        .send()
        .expect(401);
    assert_eq!(r.error_code(), "invalid_session");
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
}

#[test]
fn unknown_routes_and_wrong_methods_answer_json() {
    let app = App::new();
    let r = app
        .request("widget", "GET", "/api/widget/nope")
        .send()
        .expect(404);
    assert_eq!(r.error_code(), "not_found");
    let r = app
        .request("widget", "DELETE", "/api/widget/messages")
        .send()
        .expect(405);
    assert_eq!(r.error_code(), "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn reading_after_a_cursor_and_bad_cursors() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let r = app
        .request("widget", "GET", "/api/widget/messages?after=1")
        .bearer(&v.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(r["messages"].as_array().unwrap().len(), 1);
    assert_eq!(r["messages"][0]["seq"], 2);
    assert_eq!(r["last_seq"], 2);
    for bad in ["after=-1", "after=abc", "wait=26", "limit=0", "limit=101"] {
        let r = app
            .request("widget", "GET", &format!("/api/widget/messages?{bad}"))
            .bearer(&v.token)
            .send()
            .expect(400);
        assert_eq!(r.error_code(), "invalid_parameter", "{bad}");
    }
}

#[test]
fn a_long_poll_with_nothing_new_returns_empty_after_the_wait() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let before = app.clock.now_ms();
    let r = app
        .request("widget", "GET", "/api/widget/messages?after=2&wait=5")
        .bearer(&v.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(r["messages"].as_array().unwrap().len(), 0);
    assert_eq!(r["last_seq"], 2);
    let waited = app.clock.now_ms() - before;
    assert!(
        (5_000..5_500).contains(&waited),
        "waited {waited} ms of virtual time"
    );
}

#[test]
fn a_long_poll_returns_as_soon_as_an_agent_answers() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "agent please", None);
    let agent = app.agent("Ada", "ada@example.com");
    let ticket_id = app.rows("SELECT id FROM tickets", &[])[0][0].clone();
    let Value::Integer(ticket_id) = ticket_id else {
        panic!("ticket id")
    };
    let after = app.history(&v).last().unwrap()["seq"].as_i64().unwrap();

    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let started = Instant::now();
            let req = http::Request::builder()
                .uri(format!("/api/widget/messages?after={after}&wait=10"))
                .header("authorization", format!("Bearer {}", v.token))
                .body(Vec::new())
                .unwrap();
            let r = app
                .call_with_clock("widget", req, &SystemClock)
                .expect(200)
                .json();
            (started.elapsed(), r)
        });
        std::thread::sleep(Duration::from_millis(300));
        app.zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{ticket_id}.json"),
            &json!({"ticket": {"comment": {"body": "Hi, Ada here", "public": true}}}),
        )
        .expect(200);
        let (elapsed, r) = waiter.join().unwrap();
        assert_eq!(r["messages"][0]["text"], "Hi, Ada here");
        assert_eq!(r["messages"][0]["author"]["type"], "agent");
        assert_eq!(r["messages"][0]["author"]["name"], "Ada");
        assert!(
            elapsed < Duration::from_secs(2),
            "the answer took {elapsed:?}"
        );
    });
}

/// A front end on another site logs out with `DELETE`, which browsers send only once the
/// preflight allows it.
#[test]
fn other_sites_may_log_out_of_the_widget() {
    let app = App::new();
    let token = app.visitor("en").token;
    let r = app
        .request("widget", "OPTIONS", "/api/widget/sessions/current")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "DELETE")
        .header("access-control-request-headers", "authorization")
        .send()
        .expect(204);
    let allowed: Vec<String> = r
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_owned())
        .collect();
    assert!(allowed.iter().any(|m| m == "DELETE"), "{allowed:?}");
    let r = app
        .request("widget", "DELETE", "/api/widget/sessions/current")
        .header("origin", "https://shop.example")
        .bearer(&token)
        .send()
        .expect(204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn other_sites_may_call_the_widget_api() {
    let app = App::new();
    let r = app
        .request("widget", "OPTIONS", "/api/widget/messages")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .expect(204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    let r = app
        .request("widget", "POST", "/api/widget/sessions")
        .header("origin", "https://shop.example")
        .send()
        .expect(201);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let r = app
        .request("widget", "GET", "/api/widget/conversation")
        .send()
        .expect(401);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("*"),
        "errors must be readable cross-origin too"
    );
}

#[test]
fn one_address_cannot_flood_sessions() {
    let app = App::new();
    let start = |addr: &str| {
        app.request("widget", "POST", "/api/widget/sessions")
            .header("spin-client-addr", addr)
            .send()
    };
    for port in 0..60 {
        start(&format!("203.0.113.7:{}", 40000 + port)).expect(201);
    }
    let r = start("203.0.113.7:50000").expect(429);
    assert_eq!(r.error_code(), "rate_limited");
    let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "retry-after {wait}");
    // Another address is unaffected, and the next window opens again.
    start("198.51.100.2:1234").expect(201);
    app.clock.advance(std::time::Duration::from_secs(600));
    start("203.0.113.7:50001").expect(201);
    assert_eq!(app.count("SELECT count(*) FROM users"), 62);
}

/// What an open widget asks again and again (anything new, the history) finds its session and
/// conversation in one read (a poll: with the agents' activity), and never reads the visitor's
/// record: under Spin every statement is a host round trip. Sending a message still reads the visitor (the bot answers them).
#[test]
fn a_widgets_poll_reads_its_session_and_conversation_at_once() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    for path in [
        "/api/widget/messages?after=0&wait=0",
        "/api/widget/conversation?limit=100",
    ] {
        let seen = std::cell::RefCell::new(Vec::<String>::new());
        app.request("widget", "GET", path)
            .bearer(&v.token)
            .send_watching(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
            .expect(200);
        let seen = seen.into_inner();
        let reading = |table: &str| {
            seen.iter()
                .filter(|s| {
                    s.contains(&format!("FROM {table} ")) || s.ends_with(&format!("FROM {table}"))
                })
                .count()
        };
        assert_eq!(reading("widget_sessions s"), 1, "{path}: {seen:#?}");
        assert_eq!(reading("users"), 0, "{path}: {seen:#?}");
        if path.starts_with("/api/widget/messages") {
            assert!(
                !seen
                    .iter()
                    .any(|s| s.contains("conversation_activity") && !s.contains("widget_sessions")),
                "the agents' typing and read position came with the session: {seen:#?}"
            );
        }
        assert!(
            !seen
                .iter()
                .any(|s| s.starts_with("SELECT") && s.contains("FROM conversations WHERE user_id")),
            "{path}: the conversation came with the session: {seen:#?}"
        );
    }
    // An expired or unknown token is still refused.
    app.request("widget", "GET", "/api/widget/conversation")
        .bearer("wst_not-a-session")
        .send()
        .expect(401);
}

/// A message reads its session, the visitor, their conversation and the live bot in one
/// statement, and the bot's turn is worked out from that read (no read of the bot or its state
/// of its own); the turn is still checked as it is written, and the visitor gets the answer.
#[test]
fn a_widget_message_reads_its_visitor_conversation_and_bot_state_at_once() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let (r, seen) = app
        .widget_message(&v, "what are your opening hours?", None)
        .send_listing();
    let r = r.expect(201).json();
    let (before, held) = seen.around_write();
    // Under the lock no read: who answers, and the search upkeep's and webhooks' checks
    // before the commit, come back from the message's insert.
    let reads: Vec<&String> = held.iter().filter(|s| s.starts_with("SELECT")).collect();
    assert_eq!(reads.len(), 0, "{held:#?}");
    let inserts: Vec<&String> = held
        .iter()
        .filter(|s| s.starts_with("INSERT INTO messages") && s.contains("'user'"))
        .collect();
    // One insert: the conversation read with the session still held, so the insert's
    // compare-and-set took it (a second, which reads the conversation, runs only when not).
    assert_eq!(inserts.len(), 1, "{held:#?}");
    let insert = inserts[0];
    assert!(
        insert.contains("AS settled") && insert.contains("AS heard"),
        "{insert}"
    );
    let reading = |what: &str| before.iter().filter(|s| s.contains(what)).count();
    assert_eq!(reading("FROM widget_sessions s"), 1, "{before:#?}");
    assert_eq!(
        reading("bot_versions"),
        1,
        "the live bot came with the session: {before:#?}"
    );
    let session = before
        .iter()
        .find(|s| s.contains("FROM widget_sessions s"))
        .expect("read");
    assert!(session.contains("bot_versions"), "{session}");
    assert_eq!(
        reading("FROM users"),
        0,
        "the visitor came with the session: {before:#?}"
    );
    assert_eq!(
        reading("FROM conversations"),
        0,
        "the conversation and its bot state came with the session: {before:#?}"
    );
    let limits: Vec<&String> = before
        .iter()
        .filter(|s| s.contains("FROM rate_limits"))
        .collect();
    assert_eq!(limits.len(), 1, "{before:#?}");
    assert!(
        limits[0].contains("FROM widget_sessions s"),
        "what the session and the address used of their limits came with the session: {before:#?}"
    );
    assert_eq!(r["messages"][0]["text"], "what are your opening hours?");
    assert_eq!(r["messages"][1]["author"]["type"], "bot", "{r}");
    assert!(
        !r["messages"][1]["text"]
            .as_str()
            .unwrap_or("Hi!")
            .starts_with("Hi!"),
        "greeted twice (the state read with the session is the greeted one): {r}"
    );
}

/// A session starts under the write lock with writes only: the address's start counted, a few
/// expired sessions swept, the visitor, their identity and conversation, the session (whether
/// a webhook hears the new conversation comes with its insert; nothing is read back).
#[test]
fn a_session_starts_with_writes_only_under_the_write_lock() {
    let app = App::new();
    app.visitor("en"); // the schema made
    let (r, seen) = app
        .request("widget", "POST", "/api/widget/sessions")
        .json(&json!({"locale": "en"}))
        .send_listing();
    r.expect(201);
    let held: Vec<String> = seen
        .around_write()
        .1
        .iter()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        held,
        [
            "INSERT INTO rate_limits",
            "DELETE FROM widget_sessions",
            "INSERT INTO users",
            "INSERT INTO identities",
            "INSERT INTO conversations",
            "INSERT INTO widget_sessions",
        ],
        "{seen:#?}"
    );
}

/// A session whose visitor record is gone is refused like an unknown one (the visitor is
/// read with the session).
#[test]
fn a_session_without_its_visitor_is_refused() {
    let app = App::new();
    let v = app.visitor("en");
    let db = app.db();
    for sql in [
        "PRAGMA foreign_keys = OFF",
        "DELETE FROM users WHERE role = 'end-user'",
    ] {
        db.execute(sql, &[]).expect(sql);
    }
    app.request("widget", "GET", "/api/widget/conversation")
        .bearer(&v.token)
        .send()
        .expect(401);
}
