//! Messages racing in one conversation. The bot's turn is computed before the write transaction
//! and written only if nothing it depends on changed meanwhile: these tests make the other
//! writer commit exactly in that gap (and, with threads, anywhere).

use spindesk_core::ports::Clock;
use spindesk_native::SystemClock;
use spindesk_tests::*;

/// `text` sent by `visitor`, with `meanwhile` run once just before the send's write transaction
/// begins (after its reads and the bot's turn).
fn say_racing(app: &App, visitor: &Visitor, body: Json, meanwhile: impl Fn()) -> Resp {
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/widget/messages")
        .header("authorization", format!("Bearer {}", visitor.token))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).expect("json"))
        .expect("request");
    app.call_racing("widget", req, meanwhile)
}

fn seqs(history: &[Json]) -> Vec<i64> {
    history
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect()
}

fn greetings(history: &[Json]) -> usize {
    bot_messages(history)
        .iter()
        .filter(|(text, _)| text.starts_with("Hi!"))
        .count()
}

#[test]
fn a_message_overtaken_by_another_is_answered_from_the_state_after_it() {
    let app = App::new();
    let v = app.visitor("en");
    // Both are the conversation's first message as their turns are computed; the other one
    // commits first and is greeted, so this one's precomputed greeting is stale.
    let r = say_racing(&app, &v, json!({"text": "hello"}), || {
        app.say(&v, "what are your opening hours?", None);
    })
    .expect(201);
    let mine = r.json()["messages"].as_array().expect("messages").clone();
    assert_eq!(mine[0]["text"], "hello");
    assert_eq!(
        mine[0]["seq"], 3,
        "stored after the message that overtook it"
    );
    assert!(mine.len() >= 2, "the bot answered: {mine:?}");

    let history = app.history(&v);
    assert_eq!(
        seqs(&history),
        (1..=history.len() as i64).collect::<Vec<_>>()
    );
    let t = transcript(&history);
    assert_eq!(t[0], "user: what are your opening hours?");
    assert!(t[1].starts_with("bot: Hi!"), "{t:?}");
    let hello = t.iter().position(|l| l == "user: hello").expect("stored");
    assert!(t[hello + 1].starts_with("bot: "), "answered: {t:?}");
    assert_eq!(
        greetings(&history),
        1,
        "greeted once, not from the stale state: {t:?}"
    );
}

/// The overtaken message's turn, worked out afresh under the write lock, starts from the
/// conversation read there: its bot state comes with it, not from a read of its own.
#[test]
fn an_overtaken_messages_turn_takes_the_bot_state_read_with_the_conversation() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let held = std::cell::RefCell::new(Vec::<String>::new());
    let raced = std::cell::Cell::new(false);
    app.widget_message(&v, "second", None)
        .send_watching(&|sql: &str| {
            if sql == "BEGIN IMMEDIATE" && !raced.replace(true) {
                app.say(&v, "first", None);
            }
            if raced.get() {
                held.borrow_mut().push(sql.to_owned());
            }
        })
        .expect(201);
    let held = held.into_inner();
    assert!(
        held.iter().any(|s| s.contains("bot_versions")),
        "the turn was worked out under the lock: {held:#?}"
    );
    assert!(
        !held.iter().any(|s| s.starts_with("SELECT bot_state")),
        "{held:#?}"
    );
    let history = app.history(&v);
    let t = transcript(&history);
    assert_eq!(&t[2], "user: first", "{t:?}");
    assert_eq!(&t[4], "user: second", "{t:?}");
    assert_eq!(t.len(), 6, "each answered once: {t:?}");
    assert_eq!(greetings(&history), 1, "{t:?}");
}

/// A visitor erased (their data deleted on request) while their message waited for the write
/// lock: the message is refused as one of an ended session is, and nothing of it is stored.
#[test]
fn a_message_whose_visitor_is_erased_meanwhile_ends_the_session() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let uid = match &app.rows("SELECT public_id FROM users WHERE role = 'end-user'", &[])[0][0] {
        spindesk_core::ports::Value::Text(id) => id.clone(),
        other => panic!("{other:?}"),
    };
    let r = say_racing(&app, &v, json!({"text": "still there?"}), || {
        crate::sunshine_openapi::Sun::admin(&app)
            .delete(&format!("/users/{uid}"))
            .expect(200);
    });
    assert_eq!(r.status, 401, "{:?}", r.text());
    assert_eq!(r.error_code(), "invalid_session");
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
}

#[test]
fn agents_taking_over_between_the_turn_and_the_commit_get_the_message_not_the_bot() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let r = say_racing(&app, &v, json!({"text": "my parcel is late"}), || {
        app.say(&v, "Talk to a person", Some("handoff"));
    })
    .expect(201);
    let mine = r.json()["messages"].as_array().expect("messages").clone();
    assert_eq!(
        mine.len(),
        1,
        "the bot's precomputed answer was written: {mine:?}"
    );
    assert_eq!(mine[0]["text"], "my parcel is late");

    let history = app.history(&v);
    let t = transcript(&history);
    assert_eq!(
        t.last().map(String::as_str),
        Some("user: my parcel is late"),
        "{t:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE body = 'my parcel is late'"),
        1,
        "the message joins the agents' ticket"
    );
}

#[test]
fn a_publish_between_the_turn_and_the_commit_is_answered_by_the_new_bot() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let bot = json!({"answers": [{"id": "hours", "name": "Hours",
        "phrases": {"en": ["what are your opening hours"]},
        "steps": [{"type": "send_message", "id": "s1", "text": "Nine to five."}]}]});
    let r = say_racing(
        &app,
        &v,
        json!({"text": "what are your opening hours?"}),
        || {
            app.publish_bot(&bot);
        },
    )
    .expect(201);
    let said = bot_messages(r.json()["messages"].as_array().expect("messages"));
    assert!(
        said.iter().any(|(text, _)| text == "Nine to five."),
        "answered by the bot live at the commit: {said:?}"
    );
}

#[test]
fn many_writers_in_one_conversation_are_each_answered_once_in_order() {
    // One session writing as fast as threads can: past the per-minute limit people stay under.
    let app = App::without_message_limits();
    let v = app.visitor("en");
    const THREADS: usize = 6;
    const EACH: usize = 4;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (app, v) = (&app, &v);
            s.spawn(move || {
                for i in 0..EACH {
                    let req = http::Request::builder()
                        .method("POST")
                        .uri("/api/widget/messages")
                        .header("authorization", format!("Bearer {}", v.token))
                        .header("content-type", "application/json")
                        .body(
                            serde_json::to_vec(&json!({"text": format!("question {t}-{i}")}))
                                .expect("json"),
                        )
                        .expect("request");
                    // Real sleeps: busy retries wait on this clock.
                    let clock: &dyn Clock = &SystemClock;
                    app.call_with_clock("widget", req, clock).expect(201);
                }
            });
        }
    });
    let history = {
        let r = app
            .request("widget", "GET", "/api/widget/messages?limit=100")
            .bearer(&v.token)
            .send()
            .expect(200);
        r.json()["messages"].as_array().expect("messages").clone()
    };
    assert_eq!(
        seqs(&history),
        (1..=history.len() as i64).collect::<Vec<_>>()
    );
    let customer: Vec<_> = history
        .iter()
        .enumerate()
        .filter(|(_, m)| m["author"]["type"] == "user")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(customer.len(), THREADS * EACH, "every message stored once");
    // Each customer message is answered right after it, before the next one: its turn and its
    // writes were one transaction, computed from the state the message before left.
    let mut answers = Vec::new();
    for (k, &i) in customer.iter().enumerate() {
        let end = customer.get(k + 1).copied().unwrap_or(history.len());
        assert!(
            end > i + 1,
            "message {i} has no answer: {:?}",
            transcript(&history)
        );
        answers.push(end - i - 1);
    }
    assert_eq!(greetings(&history), 1, "{:?}", transcript(&history));
    // The first answer carries the greeting too; every later one is the same kind of answer.
    assert!(
        answers[1..].iter().all(|&n| n == answers[1]),
        "answered a different number of times: {answers:?}"
    );
}
