//! Live updates without the key-value store, and the limits on long-polls held at once
//! (`held_polls`): one per session, a share per client address, a cap in all.

use spindesk_core::auth::digest;
use spindesk_core::ports::{Clock, Sql, Value};
use spindesk_native::{MapConfig, SystemClock};
use spindesk_tests::*;
use std::time::Duration;

fn poll(token: &str, after: i64, wait: u64, addr: Option<&str>) -> http::Request<Vec<u8>> {
    let mut req = http::Request::builder()
        .uri(format!("/api/widget/messages?after={after}&wait={wait}"))
        .header("authorization", format!("Bearer {token}"));
    if let Some(addr) = addr {
        req = req.header("spin-client-addr", addr);
    }
    req.body(Vec::new()).expect("request")
}

fn last_seq(app: &App, v: &Visitor) -> i64 {
    app.history(v)
        .last()
        .map_or(0, |m| m["seq"].as_i64().expect("seq"))
}

fn held(app: &App) -> i64 {
    app.held_polls()
}

/// Waits (in real time, bounded) until `n` polls are held: the waiting threads have started.
fn until_held(app: &App, n: i64) {
    for _ in 0..1_000 {
        if held(app) == n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{n} held polls never appeared; {} held", held(app));
}

/// An app whose clock starts at the real time, so polls held on the real clock and polls on the
/// test clock agree about which rows have expired.
fn app_with(config: MapConfig) -> App {
    let app = App::with_config(config.with("admin_token", ADMIN_TOKEN));
    app.clock.set(SystemClock.now_ms());
    app
}

fn assert_limited(r: &Json, limit: &str, retry_after: i64) {
    assert_eq!(r["limited"], limit, "{r}");
    assert_eq!(r["retry_after"], retry_after, "{r}");
    assert_eq!(r["messages"], json!([]), "{r}");
}

#[test]
fn a_send_a_long_poll_and_an_agent_reply_make_no_key_value_call() {
    let app = App::new();
    let v = app.visitor("en");
    let agent = app.agent("Ada", "ada@example.com");
    app.take_kv_calls();
    app.say(&v, "hello", None);
    app.say(&v, "agent please", None);
    let after = last_seq(&app, &v);
    let r = app
        .call("widget", poll(&v.token, after, 2, None))
        .expect(200);
    assert_eq!(r.json()["messages"], json!([]));
    assert_eq!(r.json().get("retry_after"), None, "the poll was held");
    let tickets = app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
    let id = tickets.json()["tickets"][0]["id"].as_i64().expect("ticket");
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({"ticket": {"comment": {"body": "Hi, Ada here", "public": true}}}),
    )
    .expect(200);
    let r = app
        .call("widget", poll(&v.token, after, 2, None))
        .expect(200);
    assert_eq!(r.json()["messages"][0]["text"], "Hi, Ada here");
    assert_eq!(app.take_kv_calls(), Vec::<String>::new());
}

#[test]
fn a_second_poll_of_a_session_answers_at_once_and_the_first_still_gets_the_news() {
    let app = app_with(MapConfig::default());
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let after = last_seq(&app, &v);
    std::thread::scope(|s| {
        let first = s.spawn(|| {
            app.call_with_clock("widget", poll(&v.token, after, 20, None), &SystemClock)
                .expect(200)
                .json()
        });
        until_held(&app, 1);
        let (second, seen) = app
            .request(
                "widget",
                "GET",
                &format!("/api/widget/messages?after={after}&wait=20"),
            )
            .bearer(&v.token)
            .send_listing();
        let second = second.expect(200);
        assert_eq!(second.header("retry-after"), Some("5"));
        let second = second.json();
        assert_limited(&second, "session", 5);
        assert_eq!(second["last_seq"], after);
        assert_eq!(held(&app), 1, "the refused poll took no place");
        // A flood from one session must not cost the desk's database: the refusal reads the
        // `live` database alone, without one statement on the main one.
        assert_eq!(
            seen.0,
            Vec::<String>::new(),
            "statements on the main database"
        );
        // A token that names no session still gets its 401 from the main database: the `live`
        // read refuses only a session it holds a poll for.
        app.request("widget", "GET", "/api/widget/messages?after=0&wait=20")
            .bearer("wst_not-a-session")
            .send()
            .expect(401);
        app.say(&v, "are you there?", None);
        let first = first.join().expect("first poll");
        assert_eq!(first["messages"][0]["text"], "are you there?");
        assert_eq!(first.get("limited"), None);
    });
    assert_eq!(
        held(&app),
        0,
        "a poll's place is given back when it returns"
    );
}

#[test]
fn one_address_holds_at_most_its_share() {
    let app = app_with(MapConfig::default().with("long_poll_per_address", "2"));
    let visitors: Vec<Visitor> = (0..4).map(|_| app.visitor("en")).collect();
    std::thread::scope(|s| {
        let waiters: Vec<_> = visitors[..2]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let app = &app;
                let addr = format!("203.0.113.9:{}", 40_000 + i);
                s.spawn(move || {
                    app.call_with_clock("widget", poll(&v.token, 0, 20, Some(&addr)), &SystemClock)
                        .expect(200)
                        .json()
                })
            })
            .collect();
        until_held(&app, 2);
        let third = app
            .call(
                "widget",
                poll(&visitors[2].token, 0, 20, Some("203.0.113.9:41000")),
            )
            .expect(200)
            .json();
        assert_limited(&third, "address", 15);
        // Another address is not affected: held for its (test-clock) second, then empty.
        let other = app
            .call(
                "widget",
                poll(&visitors[3].token, 0, 1, Some("198.51.100.4:5000")),
            )
            .expect(200)
            .json();
        assert_eq!(other.get("limited"), None, "{other}");
        for v in &visitors[..2] {
            app.say(v, "hello", None);
        }
        for waiter in waiters {
            let r = waiter.join().expect("waiter");
            assert_eq!(r["messages"][0]["text"], "hello", "{r}");
        }
    });
    assert_eq!(held(&app), 0);
}

#[test]
fn the_cap_counts_every_held_poll() {
    let app = app_with(MapConfig::default().with("long_poll_max_held", "1"));
    let (a, b) = (app.visitor("en"), app.visitor("ko"));
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            app.call_with_clock("widget", poll(&a.token, 0, 20, None), &SystemClock)
                .expect(200)
                .json()
        });
        until_held(&app, 1);
        let r = app.call("widget", poll(&b.token, 0, 20, None)).expect(200);
        assert_eq!(r.header("retry-after"), Some("15"));
        assert_limited(&r.json(), "capacity", 15);
        // A poll without a wait is never held, so never refused.
        let r = app
            .call("widget", poll(&b.token, 0, 0, None))
            .expect(200)
            .json();
        assert_eq!(r.get("limited"), None);
        app.say(&a, "hello", None);
        assert_eq!(
            waiter.join().expect("waiter")["messages"][0]["text"],
            "hello"
        );
    });
    assert_eq!(held(&app), 0);
}

#[test]
fn expired_rows_do_not_block() {
    let app = app_with(MapConfig::default().with("long_poll_max_held", "1"));
    let v = app.visitor("en");
    // A first poll creates the `live` database (held and released at once: the test's clock
    // runs the wait out).
    app.call("widget", poll(&v.token, 0, 1, None)).expect(200);
    // Rows of polls whose instances died: this session's own, and another's filling the cap.
    let past = app.clock.now_ms() - 1;
    for session in [digest(&v.token), "someone-else".to_owned()] {
        app.live_db()
            .execute(
                "INSERT INTO held_polls (session, client_addr, holder, expires_at) VALUES (?, '', 7, ?)",
                &[Value::Text(session), Value::Integer(past)],
            )
            .expect("insert a stale row");
    }
    let r = app
        .call("widget", poll(&v.token, 0, 3, None))
        .expect(200)
        .json();
    assert_eq!(r.get("limited"), None, "{r}");
    assert_eq!(r["messages"], json!([]));
    assert_eq!(
        held(&app),
        0,
        "stale rows swept, the poll's own row given back"
    );
}

#[test]
fn a_misconfigured_limit_falls_back_to_its_default() {
    let app = app_with(MapConfig::default().with("long_poll_max_held", "lots"));
    let v = app.visitor("en");
    let r = app
        .call("widget", poll(&v.token, 0, 1, None))
        .expect(200)
        .json();
    assert_eq!(r.get("limited"), None, "{r}");
    assert!(app
        .log
        .lines()
        .iter()
        .any(|l| l.contains("long_poll_max_held")));
}

/// The flood: one session opens 1,200 long-polls at once. Only one is held; every other
/// answers at once, and the rest of the desk keeps answering meanwhile.
#[test]
fn a_flood_of_polls_from_one_session_holds_one_and_leaves_the_desk_answering() {
    let app = app_with(MapConfig::default());
    let v = app.visitor("en");
    let agent = app.agent("Ada", "ada@example.com");
    std::thread::scope(|s| {
        let first = s.spawn(|| {
            app.call_with_clock("widget", poll(&v.token, 0, 25, None), &SystemClock)
                .expect(200)
                .json()
        });
        until_held(&app, 1);
        let flood: Vec<_> = (0..1_200)
            .map(|i| {
                let (app, v) = (&app, &v);
                let addr = format!("192.0.2.1:{}", 10_000 + i);
                s.spawn(move || {
                    let r = app.call_with_clock(
                        "widget",
                        poll(&v.token, 0, 25, Some(&addr)),
                        &SystemClock,
                    );
                    (r.status, r.json())
                })
            })
            .collect();
        // The rest of the desk, while the flood is on.
        let other = app.visitor("ko");
        app.request("widget", "POST", "/api/widget/messages")
            .bearer(&other.token)
            .json(&json!({"text": "안녕하세요"}))
            .send()
            .expect(201);
        app.request("help-center", "GET", "/api/v2/help_center/articles")
            .send()
            .expect(200);
        app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
        let mut refused = 0;
        for poll in flood {
            let (status, body) = poll.join().expect("flood poll");
            assert_eq!(status, 200, "{body}");
            assert_limited(&body, "session", 5);
            refused += 1;
        }
        assert_eq!(refused, 1_200);
        assert_eq!(held(&app), 1);
        app.say(&v, "hello", None);
        assert_eq!(first.join().expect("first")["messages"][0]["text"], "hello");
    });
    assert_eq!(held(&app), 0);
}
