//! Abuse limits on the widget: messages per session and per client address, sessions per
//! address; addresses behind trusted proxies, IPv6 by /64, and no address at all. Counters live
//! in SQLite and are swept once their window is long past.

use spindesk_native::MapConfig;
use spindesk_tests::*;
use std::time::Duration;

fn app_with(settings: &[(&str, &str)]) -> App {
    let mut config = MapConfig::default().with("admin_token", ADMIN_TOKEN);
    for (name, value) in settings {
        config = config.with(name, value);
    }
    App::with_config(config)
}

fn session_from(app: &App, peer: &str, forwarded: Option<&str>) -> Resp {
    let mut r = app
        .request("widget", "POST", "/api/widget/sessions")
        .header("spin-client-addr", peer);
    if let Some(f) = forwarded {
        r = r.header("x-forwarded-for", f);
    }
    r.send()
}

fn send_from(app: &App, v: &Visitor, peer: &str, text: &str) -> Resp {
    app.request("widget", "POST", "/api/widget/messages")
        .bearer(&v.token)
        .header("spin-client-addr", peer)
        .json(&json!({ "text": text }))
        .send()
}

fn customer_messages(app: &App) -> i64 {
    app.count("SELECT count(*) FROM messages WHERE author_type = 'user'")
}

#[test]
fn one_session_may_send_twenty_messages_a_minute() {
    let app = App::new();
    let v = app.visitor("en");
    for i in 0..20 {
        send_from(&app, &v, "203.0.113.5:1000", &format!("question {i}")).expect(201);
    }
    let all = app.count("SELECT count(*) FROM messages");
    let r = send_from(&app, &v, "203.0.113.5:1000", "one more").expect(429);
    assert_eq!(r.error_code(), "rate_limited");
    assert!(r.text().contains("20 per 60 seconds"), "{}", r.text());
    let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "retry-after {wait}");
    // Refused before anything was written: no message, no bot reply.
    assert_eq!(app.count("SELECT count(*) FROM messages"), all);
    assert_eq!(customer_messages(&app), 20);
    // Another session is not affected; the next minute opens again.
    let other = app.visitor("en");
    send_from(&app, &other, "198.51.100.1:1", "hello").expect(201);
    app.clock.advance(Duration::from_secs(60));
    send_from(&app, &v, "203.0.113.5:1000", "one more").expect(201);
}

#[test]
fn the_per_session_limit_is_a_variable() {
    let app = app_with(&[("widget_messages_per_minute", "2")]);
    let v = app.visitor("en");
    send_from(&app, &v, "203.0.113.5:1", "a").expect(201);
    send_from(&app, &v, "203.0.113.5:1", "b").expect(201);
    send_from(&app, &v, "203.0.113.5:1", "c").expect(429);
    // A value that is not a number falls back to the default, with a warning.
    let app = app_with(&[("widget_messages_per_minute", "lots")]);
    let v = app.visitor("en");
    for i in 0..20 {
        send_from(&app, &v, "203.0.113.5:1", &format!("{i}")).expect(201);
    }
    send_from(&app, &v, "203.0.113.5:1", "21").expect(429);
    assert!(app
        .log
        .lines()
        .iter()
        .any(|l| l.contains("widget_messages_per_minute")));
}

#[test]
fn one_address_is_limited_across_its_sessions_and_ipv6_by_its_64() {
    let app = app_with(&[("widget_messages_per_address_per_minute", "3")]);
    let (a, b, c) = (app.visitor("en"), app.visitor("en"), app.visitor("en"));
    send_from(&app, &a, "203.0.113.9:1111", "1").expect(201);
    send_from(&app, &b, "203.0.113.9:2222", "2").expect(201);
    send_from(&app, &a, "203.0.113.9:3333", "3").expect(201);
    let r = send_from(&app, &c, "203.0.113.9:4444", "4").expect(429);
    assert!(r.text().contains("widget-messages-address"), "{}", r.text());
    send_from(&app, &c, "198.51.100.7:1", "elsewhere").expect(201);

    // Two addresses of one IPv6 /64 are one client; the next /64 is another.
    for (i, peer) in [
        "[2001:db8:7:1::1]:5",
        "[2001:db8:7:1:ffff::2]:5",
        "[2001:db8:7:1::3]:5",
    ]
    .iter()
    .enumerate()
    {
        send_from(&app, &a, peer, &format!("v6 {i}")).expect(201);
    }
    send_from(&app, &b, "[2001:db8:7:1:abcd::4]:5", "same /64").expect(429);
    send_from(&app, &b, "[2001:db8:7:2::1]:5", "next /64").expect(201);
}

/// `text` from `v` at `peer`, with `meanwhile` run just before its write transaction begins
/// (after its read-only limit check passed).
fn send_racing(app: &App, v: &Visitor, peer: &str, text: &str, meanwhile: impl Fn()) -> Resp {
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/widget/messages")
        .header("authorization", format!("Bearer {}", v.token))
        .header("spin-client-addr", peer)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&json!({ "text": text })).expect("json"))
        .expect("request");
    app.call_racing("widget", req, meanwhile)
}

/// A desk whose sessions may send 2 messages a minute and addresses 3, and two of its
/// visitors.
fn two_visitors_of_a_small_desk() -> (App, Visitor, Visitor) {
    let app = app_with(&[
        ("widget_messages_per_minute", "2"),
        ("widget_messages_per_address_per_minute", "3"),
    ]);
    let (a, b) = (app.visitor("en"), app.visitor("en"));
    (app, a, b)
}

#[test]
fn the_count_inside_the_write_is_exact_for_both_limits() {
    // Both limits are counted by one statement inside the transaction: a send that passed the
    // read-only check while another took the last place is refused there, writing nothing,
    // whichever of the two limits ran out.
    let (app, a, b) = two_visitors_of_a_small_desk();
    send_from(&app, &a, "203.0.113.20:1", "first").expect(201);
    let r = send_racing(&app, &a, "203.0.113.20:1", "second", || {
        send_from(&app, &a, "198.51.100.30:1", "took the last place").expect(201);
    })
    .expect(429);
    assert!(r.text().contains("(widget-messages)"), "{}", r.text());
    // The winner's message; nothing of the refused send, and its counts rolled back with it:
    // the address has used one of its three (b's two sends and c's below fit).
    assert_eq!(customer_messages(&app), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE text = 'second'"),
        0
    );
    // The address limit: b's send passes the check (2 of 3 used after a's second) while a third
    // send from the address takes the last place.
    send_from(&app, &b, "203.0.113.20:2", "b one").expect(201);
    let r = send_racing(&app, &b, "203.0.113.20:2", "b two", || {
        let c = app.visitor("en");
        send_from(&app, &c, "203.0.113.20:3", "c takes it").expect(201);
    })
    .expect(429);
    assert!(r.text().contains("widget-messages-address"), "{}", r.text());
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE text = 'b two'"),
        0
    );
    // b's session count rolled back too: once the address has room again, b sends its second.
    send_from(&app, &b, "198.51.100.31:1", "b two elsewhere").expect(201);
}

#[test]
fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let app = app_with(&[
        ("trusted_proxies", "10.0.0.0/8"),
        ("widget_messages_per_address_per_minute", "2"),
    ]);
    let (a, b) = (app.visitor("en"), app.visitor("en"));
    let via_proxy = |v: &Visitor, client: &str| {
        app.request("widget", "POST", "/api/widget/messages")
            .bearer(&v.token)
            .header("spin-client-addr", "10.0.0.2:5000")
            .header("x-forwarded-for", client)
            .json(&json!({"text": "hi"}))
            .send()
    };
    // Behind the proxy every visitor has the proxy's address; each client is counted apart.
    via_proxy(&a, "198.51.100.1").expect(201);
    via_proxy(&a, "198.51.100.1").expect(201);
    via_proxy(&a, "198.51.100.1").expect(429);
    via_proxy(&b, "198.51.100.2").expect(201);
    // A client cannot escape by writing its own entry in front of the proxy's.
    via_proxy(&a, "1.2.3.4, 198.51.100.1").expect(429);
    // Not from a trusted proxy: the header is ignored, the peer is the client.
    let spoof = |v: &Visitor, claimed: &str| {
        app.request("widget", "POST", "/api/widget/messages")
            .bearer(&v.token)
            .header("spin-client-addr", "203.0.113.50:1")
            .header("x-forwarded-for", claimed)
            .json(&json!({"text": "hi"}))
            .send()
    };
    spoof(&b, "192.0.2.1").expect(201);
    spoof(&b, "192.0.2.2").expect(201);
    spoof(&b, "192.0.2.3").expect(429);
}

#[test]
fn sessions_without_an_address_share_one_limit() {
    let app = App::new();
    let start = || app.request("widget", "POST", "/api/widget/sessions").send();
    for _ in 0..60 {
        start().expect(201);
    }
    start().expect(429);
    // A real address has its own.
    session_from(&app, "203.0.113.1:1", None).expect(201);
}

#[test]
fn sessions_behind_a_trusted_proxy_are_counted_per_client() {
    let app = app_with(&[("trusted_proxies", "192.0.2.10")]);
    for _ in 0..60 {
        session_from(&app, "192.0.2.10:443", Some("198.51.100.20")).expect(201);
    }
    session_from(&app, "192.0.2.10:443", Some("198.51.100.20")).expect(429);
    session_from(&app, "192.0.2.10:443", Some("198.51.100.21")).expect(201);
    // A proxy setting with a typo trusts nobody (and says so).
    let app = app_with(&[("trusted_proxies", "192.0.2.10/99")]);
    for _ in 0..60 {
        session_from(&app, "192.0.2.10:443", Some("198.51.100.20")).expect(201);
    }
    session_from(&app, "192.0.2.10:443", Some("198.51.100.99")).expect(429);
    assert!(app
        .log
        .lines()
        .iter()
        .any(|l| l.contains("trusted_proxies")));
}

/// The counters, without the one that says when to sweep them (`sweep:`).
fn counters(app: &App) -> i64 {
    app.count("SELECT count(*) FROM rate_limits WHERE subject <> 'sweep:'")
}

/// Moves the clock to just after the start of the next ten minutes (the sweeps' window).
fn to_next_ten_minutes(app: &App) {
    let now = spindesk_core::ports::Clock::now_ms(&app.clock);
    let ten = 600_000;
    app.clock.set(now - now.rem_euclid(ten) + ten + 1_000);
}

#[test]
fn counters_of_past_windows_are_swept() {
    let app = App::new();
    for i in 0..30 {
        session_from(&app, &format!("203.0.113.{i}:1"), None).expect(201);
    }
    assert_eq!(counters(&app), 30);
    // Long after their window: the next count (the first of its ten minutes) removes them.
    app.clock.advance(Duration::from_secs(3600));
    session_from(&app, "198.51.100.1:1", None).expect(201);
    assert_eq!(counters(&app), 1, "only the new window's counter is left");
}

/// A quiet desk: a visitor writing once a minute opens new windows for its counters every
/// time, and that no longer sweeps (a statement under the write lock) every time: the first
/// count of each ten minutes does.
#[test]
fn a_quiet_desk_sweeps_once_in_ten_minutes_not_with_every_message() {
    let app = App::new();
    let v = app.visitor("en");
    to_next_ten_minutes(&app);
    let sweeps = |text: &str| {
        let (r, seen) = app
            .request("widget", "POST", "/api/widget/messages")
            .bearer(&v.token)
            .json(&json!({ "text": text }))
            .send_listing();
        r.expect(201);
        seen.0
            .iter()
            .filter(|s| s.starts_with("DELETE FROM rate_limits"))
            .count()
    };
    assert_eq!(sweeps("hello"), 1, "the first count of its ten minutes");
    for minute in 1..9 {
        app.clock.advance(Duration::from_secs(61));
        assert_eq!(sweeps(&format!("still there? ({minute})")), 0);
    }
    to_next_ten_minutes(&app);
    assert_eq!(sweeps("hello again"), 1, "the next ten minutes");
}

/// A busy desk: many new senders in one window; once their windows have passed, the next
/// sixteenths of the counts sweep them faster than new ones come.
#[test]
fn a_busy_desk_sweeps_faster_than_new_counters_come() {
    let app = App::new();
    to_next_ten_minutes(&app);
    for i in 0..100 {
        session_from(&app, &format!("203.0.113.{i}:1"), None).expect(201);
    }
    assert_eq!(counters(&app), 100);
    // Their window (ten minutes for sessions) is over. One sweep takes 50: the next hundred's
    // counts must sweep more than once.
    app.clock.advance(Duration::from_secs(660));
    for i in 0..100 {
        session_from(&app, &format!("198.51.100.{i}:1"), None).expect(201);
    }
    assert_eq!(
        counters(&app),
        100,
        "the first hundred were swept by the next hundred's counts"
    );
}

/// A flood costs one read: a message over either limit is refused by what the visitor's read
/// brought of the counters, before the bot is loaded (its own read, or its document parsed
/// from the visitor's) and without taking the write lock.
#[test]
fn a_message_over_a_limit_is_refused_by_the_visitors_read_alone() {
    let (app, a, b) = two_visitors_of_a_small_desk();
    send_from(&app, &a, "203.0.113.7:1", "1").expect(201);
    send_from(&app, &a, "203.0.113.7:1", "2").expect(201);
    send_from(&app, &b, "203.0.113.7:2", "3").expect(201);
    for (visitor, limit) in [(&a, "(widget-messages)"), (&b, "(widget-messages-address)")] {
        let (r, seen) = app
            .request("widget", "POST", "/api/widget/messages")
            .bearer(&visitor.token)
            .header("spin-client-addr", "203.0.113.7:3")
            .json(&json!({ "text": "again" }))
            .send_listing();
        let r = r.expect(429);
        assert!(r.text().contains(limit), "{limit}: {}", r.text());
        let seen = &seen.0;
        assert!(!seen.iter().any(|s| s.starts_with("BEGIN")), "{seen:#?}");
        // The live bot comes with the visitor's read: no statement of its own loads it.
        assert!(
            !seen
                .iter()
                .any(|s| s.contains("bot_live") && !s.contains("FROM widget_sessions s")),
            "{seen:#?}"
        );
        let counters: Vec<&String> = seen.iter().filter(|s| s.contains("rate_limits")).collect();
        assert_eq!(counters.len(), 1, "{seen:#?}");
        assert!(counters[0].contains("FROM widget_sessions s"), "{seen:#?}");
    }
    assert_eq!(customer_messages(&app), 3);
}
