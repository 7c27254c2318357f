//! Customer satisfaction: solving a ticket asks the customer in their own channel (widget
//! buttons, Telegram's inline keyboard, numbered SMS options), the answer and its comment are
//! stored as Zendesk's `satisfaction_rating` with audit events, the customer can change it until
//! the ticket closes, and `GET /api/v2/satisfaction_ratings` lists them.

use spindesk_core::ports::Value;
use spindesk_tests::channels::*;
use spindesk_tests::*;

/// A visitor in `locale` who asked for a person, with the ticket that made.
fn handed_off(app: &App, locale: &str) -> (Visitor, i64) {
    let v = app.visitor(locale);
    app.say(&v, "hello", None);
    app.say(&v, "Talk to a person", Some("handoff"));
    (v, app.count("SELECT max(id) FROM tickets"))
}

fn set_status(app: &App, agent: &Agent, id: i64, status: &str) -> Json {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({"ticket": {"status": status}}),
    )
    .expect(200)
    .json()
}

fn rating(app: &App, id: i64) -> Json {
    app.request("tickets", "GET", &format!("/api/v2/tickets/{id}.json"))
        .admin()
        .send()
        .expect(200)
        .json()["ticket"]["satisfaction_rating"]
        .clone()
}

fn stored_rating(app: &App, ticket: i64) -> (String, String) {
    let rows = app.rows(
        "SELECT score, comment FROM satisfaction_ratings WHERE ticket_id = ?",
        &[ticket.into()],
    );
    match rows.first().map(Vec::as_slice) {
        Some([Value::Text(score), Value::Text(comment)]) => (score.clone(), comment.clone()),
        other => panic!("no rating for ticket {ticket}: {other:?}"),
    }
}

fn ticket_status(app: &App, id: i64) -> String {
    match &app.rows("SELECT status FROM tickets WHERE id = ?", &[id.into()])[0][0] {
        Value::Text(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

/// The last bot message of the widget conversation: its text and its actions.
fn last_bot(app: &App, v: &Visitor) -> (String, Vec<(String, String)>) {
    let history = app.history(v);
    let m = history
        .iter()
        .rev()
        .find(|m| m["author"]["type"] == "bot")
        .expect("a bot message");
    let actions = m["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["text"].as_str().unwrap_or_default().to_owned(),
                        x["payload"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (m["text"].as_str().unwrap_or_default().to_owned(), actions)
}

fn csat_events(app: &App, ticket: i64) -> Vec<(String, String, String)> {
    app.rows(
        "SELECT field_name, previous_value, value FROM ticket_audit_events
         WHERE ticket_id = ? AND type = 'SatisfactionRating' ORDER BY id",
        &[ticket.into()],
    )
    .into_iter()
    .map(|r| {
        let s = |v: &Value| match v {
            Value::Text(t) => t.clone(),
            other => format!("{other:?}"),
        };
        (s(&r[0]), s(&r[1]), s(&r[2]))
    })
    .collect()
}

#[test]
fn csat_through_the_widget_rate_comment_change_until_closed() {
    let app = App::new();
    let (v, id) = handed_off(&app, "en-US");
    let agent = app.agent("Ada", "ada@example.com");
    assert_eq!(rating(&app, id), json!({"score": "unoffered"}));

    // Solving asks the customer, in the conversation, with two buttons.
    let r = app
        .zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{id}.json"),
            &json!({"ticket": {"status": "solved", "comment": {"body": "Fixed it for you"}}}),
        )
        .expect(200)
        .json();
    assert_eq!(r["ticket"]["status"], "solved");
    assert_eq!(r["ticket"]["satisfaction_rating"]["score"], "offered");
    let (text, actions) = last_bot(&app, &v);
    assert_eq!(text, "How would you rate the support you received?");
    assert_eq!(
        actions,
        vec![
            ("Good".to_owned(), format!("csat:good:{id}")),
            ("Bad".to_owned(), format!("csat:bad:{id}")),
        ]
    );
    let comments_before = app.count("SELECT count(*) FROM ticket_comments");

    // Tap Good: stored, the ticket stays solved, the tap is no comment for the agents.
    app.say(&v, "Good", Some(&format!("csat:good:{id}")));
    assert_eq!(stored_rating(&app, id), ("good".into(), String::new()));
    assert_eq!(ticket_status(&app, id), "solved");
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments"),
        comments_before
    );
    let (text, actions) = last_bot(&app, &v);
    assert_eq!(text, "Thanks! Anything you want to add?");
    assert_eq!(
        actions,
        vec![("No, thanks".to_owned(), format!("csat:skip:{id}"))]
    );

    // The next free text is the comment.
    app.say(&v, "Quick and kind, thank you", None);
    assert_eq!(
        stored_rating(&app, id),
        ("good".into(), "Quick and kind, thank you".into())
    );
    assert_eq!(last_bot(&app, &v).0, "Thank you for your feedback.");
    assert_eq!(ticket_status(&app, id), "solved");
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments"),
        comments_before
    );

    // Changed to Bad while solved: the comment stays, the change is audited.
    app.say(&v, "Bad", Some(&format!("csat:bad:{id}")));
    let shown = rating(&app, id);
    assert_eq!(shown["score"], "bad");
    assert_eq!(shown["comment"], "Quick and kind, thank you");
    assert!(shown["id"].as_i64().is_some());
    app.say(&v, "No, thanks", Some(&format!("csat:skip:{id}")));
    assert_eq!(last_bot(&app, &v).0, "Thank you for your feedback.");
    assert_eq!(
        csat_events(&app, id),
        vec![
            (
                "satisfaction_score".into(),
                "unoffered".into(),
                "offered".into()
            ),
            ("satisfaction_score".into(), "offered".into(), "good".into()),
            (
                "satisfaction_comment".into(),
                String::new(),
                "Quick and kind, thank you".into()
            ),
            ("satisfaction_score".into(), "good".into(), "bad".into()),
        ]
    );

    // Closed: a tap changes nothing, and the bot answers as usual.
    set_status(&app, &agent, id, "closed");
    let before = app.history(&v).len();
    app.say(&v, "Good", Some(&format!("csat:good:{id}")));
    assert_eq!(stored_rating(&app, id).0, "bad");
    let history = app.history(&v);
    assert!(history.len() > before + 1, "the bot answered");
    assert_ne!(last_bot(&app, &v).0, "Thanks! Anything you want to add?");
    assert_eq!(csat_events(&app, id).len(), 4);
}

#[test]
fn the_question_is_in_the_customers_language_and_asked_once() {
    let app = App::new();
    let (v, id) = handed_off(&app, "ko-KR");
    let agent = app.agent("Ada", "ada@example.com");
    set_status(&app, &agent, id, "solved");
    let (text, actions) = last_bot(&app, &v);
    assert_eq!(text, "받으신 상담은 어떠셨나요?");
    assert_eq!(actions[0].0, "좋았어요");
    assert_eq!(actions[1].0, "아쉬웠어요");

    // Solved again after the customer reopened it: not asked a second time.
    app.say(&v, "아직 안 돼요", None);
    assert_eq!(ticket_status(&app, id), "open", "free text reopens");
    set_status(&app, &agent, id, "solved");
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE text = '받으신 상담은 어떠셨나요?'"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM satisfaction_ratings"), 1);
    // The reopen is audited with its cause (reports count it).
    let reopen = app.rows(
        "SELECT previous_value, value, reason FROM ticket_audit_events
         WHERE field_name = 'status' AND type = 'Change' ORDER BY id",
        &[],
    );
    assert_eq!(
        reopen,
        vec![
            vec!["new".into(), "solved".into(), Value::Null],
            vec!["solved".into(), "open".into(), "customer_message".into()],
            vec!["open".into(), "solved".into(), Value::Null],
        ]
    );
}

#[test]
fn a_tap_for_someone_elses_ticket_or_an_unknown_one_is_an_ordinary_message() {
    let app = App::new();
    let (_, id) = handed_off(&app, "en");
    let agent = app.agent("Ada", "ada@example.com");
    set_status(&app, &agent, id, "solved");
    // Another visitor forges the payload: the rating is untouched.
    let other = app.visitor("en");
    app.say(&other, "Good", Some(&format!("csat:good:{id}")));
    app.say(&other, "Good", Some("csat:good:999999"));
    app.say(&other, "Good", Some("csat:great:1"));
    assert_eq!(stored_rating(&app, id).0, "offered");
}

fn telegram_update(update_id: u64, body: &str) -> Vec<u8> {
    format!(r#"{{"update_id":{update_id},{body}}}"#).into_bytes()
}

fn tap(update_id: u64, data: &str) -> Vec<u8> {
    telegram_update(
        update_id,
        &format!(
            r#""callback_query":{{"id":"cb{update_id}","from":{{"id":123456789,"is_bot":false,"first_name":"Ana"}},"message":{{"message_id":1368,"chat":{{"id":123456789,"type":"private"}},"date":1,"text":"?"}},"chat_instance":"-58","data":"{data}"}}"#
        ),
    )
}

fn typed(update_id: u64, text: &str) -> Vec<u8> {
    telegram_update(
        update_id,
        &format!(
            r#""message":{{"message_id":{update_id},"from":{{"id":123456789,"is_bot":false,"first_name":"Ana","language_code":"en"}},"chat":{{"id":123456789,"type":"private"}},"date":1,"text":"{text}"}}"#
        ),
    )
}

/// The `sendMessage` bodies sent to Telegram, in order.
fn telegram_sent(app: &App) -> Vec<Json> {
    app.outbound
        .sent()
        .into_iter()
        .filter(|s| s.request.uri().path().ends_with("/sendMessage"))
        .map(|s| serde_json::from_slice(s.request.body()).expect("JSON"))
        .collect()
}

#[test]
fn csat_through_a_signed_telegram_webhook() {
    let app = channel_app();
    let c = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 30);
    app.deliver(&c, &Vendor::Telegram.text_sample()).expect(200);
    app.deliver(&c, &tap(900, "handoff")).expect(200);
    let id = app.count("SELECT max(id) FROM tickets");
    let agent = app.agent("Ada", "ada@example.com");
    set_status(&app, &agent, id, "solved");

    // The question went to Telegram with an inline keyboard carrying the rating payloads.
    let question = telegram_sent(&app).pop().expect("question sent");
    assert_eq!(question["chat_id"], 123456789);
    assert_eq!(
        question["text"],
        "How would you rate the support you received?"
    );
    let keyboard = question["reply_markup"]["inline_keyboard"].to_string();
    assert!(keyboard.contains(&format!("csat:good:{id}")), "{keyboard}");
    assert!(keyboard.contains(&format!("csat:bad:{id}")), "{keyboard}");

    // The customer taps Good (a signed callback), then writes a comment.
    app.deliver(&c, &tap(901, &format!("csat:good:{id}")))
        .expect(200);
    assert_eq!(stored_rating(&app, id).0, "good");
    assert_eq!(
        telegram_sent(&app).pop().unwrap()["text"],
        "Thanks! Anything you want to add?"
    );
    app.deliver(&c, &typed(902, "Fast answer")).expect(200);
    assert_eq!(
        stored_rating(&app, id),
        ("good".into(), "Fast answer".into())
    );
    assert_eq!(
        telegram_sent(&app).pop().unwrap()["text"],
        "Thank you for your feedback."
    );
    assert_eq!(ticket_status(&app, id), "solved");

    // A forged callback (wrong secret) changes nothing.
    let r = app.deliver_signed(&c, &tap(903, &format!("csat:bad:{id}")), "wrong-secret");
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(stored_rating(&app, id).0, "good");
}

#[test]
fn csat_on_sms_by_numbered_reply() {
    let app = channel_app();
    let c = app.connect(Vendor::Twilio);
    app.vendor_answers_ok(Vendor::Twilio, 30);
    let sms = |sid: u32, body: &str| {
        format!(
            "MessageSid=SM{sid:032}&From=%2B12125550123&To=%2B14155550100&Body={body}&NumMedia=0&SmsStatus=received"
        )
        .into_bytes()
    };
    app.deliver(&c, &sms(1, "Hello")).expect(200);
    app.deliver(&c, &sms(2, "I+need+a+human")).expect(200);
    let id = app.count("SELECT max(id) FROM tickets");
    let agent = app.agent("Ada", "ada@example.com");
    set_status(&app, &agent, id, "solved");
    let last_sms = |app: &App| {
        let sent = app.outbound.sent();
        let last = sent.last().expect("an SMS");
        form_urlencoded::parse(last.request.body())
            .into_owned()
            .find(|(k, _)| k == "Body")
            .map(|(_, v)| v)
            .unwrap_or_default()
    };
    let question = last_sms(&app);
    assert!(
        question.starts_with("How would you rate the support you received?"),
        "{question}"
    );
    assert!(
        question.contains("1") && question.contains("Good") && question.contains("Bad"),
        "{question}"
    );
    // "2" picks the second option: Bad.
    app.deliver(&c, &sms(3, "2")).expect(200);
    assert_eq!(stored_rating(&app, id).0, "bad");
    assert!(last_sms(&app).starts_with("Thanks! Anything you want to add?"));
    app.deliver(&c, &sms(4, "Took+too+long")).expect(200);
    assert_eq!(
        stored_rating(&app, id),
        ("bad".into(), "Took too long".into())
    );
    assert_eq!(ticket_status(&app, id), "solved");
}

#[test]
fn satisfaction_ratings_list_filter_page_and_show() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let mut tickets = Vec::new();
    for _ in 0..3 {
        let (v, id) = handed_off(&app, "en");
        set_status(&app, &agent, id, "solved");
        tickets.push((v, id));
        app.clock.advance(std::time::Duration::from_secs(60));
    }
    let (v0, t0) = &tickets[0];
    let (v1, t1) = &tickets[1];
    app.say(v0, "Good", Some(&format!("csat:good:{t0}")));
    app.say(v1, "Bad", Some(&format!("csat:bad:{t1}")));

    let list = |query: &str| {
        app.zendesk_get(&agent, &format!("/api/v2/satisfaction_ratings.json{query}"))
            .expect(200)
            .json()
    };
    let all = list("");
    assert_eq!(all["count"], 3);
    let first = &all["satisfaction_ratings"][0];
    assert_eq!(first["ticket_id"], tickets[2].1, "newest first");
    assert_eq!(first["score"], "offered");
    assert!(first["url"].as_str().unwrap().ends_with(&format!(
        "/api/v2/satisfaction_ratings/{}.json",
        first["id"]
    )));
    assert!(first["requester_id"].as_i64().is_some());
    let scores = |j: &Json| -> Vec<i64> {
        j["satisfaction_ratings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ticket_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(scores(&list("?score=good")), vec![*t0]);
    assert_eq!(scores(&list("?score=bad")), vec![*t1]);
    assert_eq!(scores(&list("?score=offered")), vec![tickets[2].1]);
    assert_eq!(scores(&list("?score=received")), vec![*t1, *t0]);

    // Offered times: start 0, +60 s, +120 s after the app's clock start.
    let start = 1_795_000_000;
    assert_eq!(
        scores(&list(&format!("?start_time={}", start + 30))),
        vec![tickets[2].1, *t1]
    );
    assert_eq!(
        scores(&list(&format!(
            "?start_time={}&end_time={}",
            start + 30,
            start + 90
        ))),
        vec![*t1]
    );

    // Pages of one.
    let page = list("?per_page=1&page=2");
    assert_eq!(scores(&page), vec![*t1]);
    assert!(page["next_page"].as_str().unwrap().contains("page=3"));
    assert!(page["previous_page"].as_str().unwrap().contains("page=1"));

    // One by id.
    let id = all["satisfaction_ratings"][2]["id"].as_i64().unwrap();
    let one = app
        .zendesk_get(&agent, &format!("/api/v2/satisfaction_ratings/{id}"))
        .expect(200)
        .json();
    assert_eq!(one["satisfaction_rating"]["ticket_id"], *t0);
    assert_eq!(one["satisfaction_rating"]["score"], "good");

    // Bad input and unknown ids.
    for query in [
        "?score=great",
        "?start_time=yesterday",
        "?end_time=-5",
        "?start_time=200&end_time=100",
        "?per_page=0",
        "?per_page=101",
    ] {
        let r = app.zendesk_get(&agent, &format!("/api/v2/satisfaction_ratings.json{query}"));
        assert_eq!(r.status, 400, "{query}: {}", r.text());
    }
    let r = app
        .zendesk_get(&agent, "/api/v2/satisfaction_ratings/424242.json")
        .expect(404);
    assert_eq!(r.error_code(), "RecordNotFound");
    app.request("tickets", "GET", "/api/v2/satisfaction_ratings.json")
        .send()
        .expect(401);
    app.request("tickets", "POST", "/api/v2/satisfaction_ratings.json")
        .admin()
        .send()
        .expect(405);
}
