//! The bot admin API (`/api/bot/...`) and the published bot in real conversations.

use crate::bot_demo::demo_bot;
use spindesk_core::ports::Value;
use spindesk_tests::*;

fn demo_json() -> Json {
    serde_json::to_value(demo_bot()).unwrap()
}

fn import(app: &App, bot: &Json) -> Resp {
    app.request("bot", "POST", "/api/bot/import")
        .admin()
        .json(bot)
        .send()
}

fn publish(app: &App) -> i64 {
    app.request("bot", "POST", "/api/bot/publish")
        .admin()
        .json(&json!({"note": "test"}))
        .send()
        .expect(201)
        .json()["version"]["version"]
        .as_i64()
        .unwrap()
}

/// The bot messages of a widget reply, as (text, action labels, action payloads).
fn bot_lines(reply: &Json) -> Vec<(String, Vec<String>)> {
    reply["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"]["type"] == "bot")
        .map(|m| {
            let labels = m["actions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["text"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (m["text"].as_str().unwrap().to_owned(), labels)
        })
        .collect()
}

/// Taps the quick reply with this label on the last bot message of `reply`.
fn tap(app: &App, v: &Visitor, reply: &Json, label: &str) -> Json {
    let action = reply["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .flat_map(|m| m["actions"].as_array().cloned().unwrap_or_default())
        .find(|a| a["text"] == label)
        .unwrap_or_else(|| panic!("no action {label:?} in {reply}"));
    app.say(v, label, Some(action["payload"].as_str().unwrap()))
}

#[test]
fn every_bot_route_needs_the_admin() {
    let app = App::new();
    for (method, path) in [
        ("GET", "/api/bot"),
        ("GET", "/api/bot/draft"),
        ("POST", "/api/bot/import"),
        ("GET", "/api/bot/export"),
        ("GET", "/api/bot/answers"),
        ("POST", "/api/bot/publish"),
        ("POST", "/api/bot/rollback"),
        ("POST", "/api/bot/simulate"),
        ("GET", "/api/bot/nothing-here"),
    ] {
        let r = app.request("bot", method, path).send().expect(401);
        assert_eq!(r.error_code(), "unauthorized", "{method} {path}");
        let r = app
            .request("bot", method, path)
            .bearer("wrong")
            .send()
            .expect(401);
        assert_eq!(r.error_code(), "unauthorized");
    }
}

#[test]
fn a_fresh_install_runs_the_starter_bot() {
    let app = App::new();
    let r = app
        .request("bot", "GET", "/api/bot")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(r["starter"], true);
    assert_eq!(r["live_version"], Json::Null);
    let live = app
        .request("bot", "GET", "/api/bot/export?version=live")
        .admin()
        .send()
        .expect(200);
    assert_eq!(live.json()["name"], "Starter bot");
    assert!(live
        .header("content-disposition")
        .unwrap()
        .contains("bot-live.json"));

    let v = app.visitor("ko-KR");
    let r = app.say(&v, "안녕하세요", None);
    assert_eq!(
        bot_lines(&r),
        [(
            "안녕하세요! Spindesk 봇입니다. 무엇이든 물어보시거나 상담원과 이야기하세요."
                .to_owned(),
            vec!["상담원 연결".to_owned()]
        )]
    );
}

#[test]
fn import_export_round_trip_and_invalid_imports_change_nothing() {
    let app = App::new();
    let r = import(&app, &demo_json()).expect(200).json();
    assert_eq!(r["revision"], 1);
    let exported = app
        .request("bot", "GET", "/api/bot/export")
        .admin()
        .send()
        .expect(200)
        .json();
    // The export is the document with its secret header values masked (see bot_secrets.rs).
    let mut expected = demo_json();
    expected["answers"][0]["steps"][1]["headers"]["authorization"] = json!("********");
    assert_eq!(exported, expected);

    let mut broken = demo_json();
    broken["answers"][1]["steps"][4]["no"] = json!("nowhere");
    broken["answers"][2]["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("closed");
    let r = import(&app, &broken).expect(422).json();
    let errors = r["errors"].as_array().unwrap();
    let unknown = errors.iter().find(|e| e["code"] == "unknown_step").unwrap();
    assert_eq!(unknown["source"]["pointer"], "answers[1].steps[4].no");
    assert_eq!(unknown["answer"], "refund");
    assert_eq!(unknown["step"], "resolved");
    // `tag` and `handoff` became unreachable when `no` stopped pointing at them.
    assert!(errors
        .iter()
        .any(|e| e["code"] == "unreachable_step" && e["step"] == "tag"));
    // Still the first import.
    let r = app
        .request("bot", "GET", "/api/bot/draft")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(r["revision"], 1);
    assert_eq!(r["bot"], expected);

    let r = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .json(
            &json!({"answers": [{"id": "a", "name": "A", "steps": [{"type": "jump", "id": "s"}]}]}),
        )
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_body");
    let r = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .body(vec![b' '; 2 * 1024 * 1024 + 1])
        .send()
        .expect(413);
    assert_eq!(r.error_code(), "payload_too_large");
}

#[test]
fn validate_without_saving() {
    let app = App::new();
    app.request("bot", "POST", "/api/bot/validate")
        .admin()
        .json(&demo_json())
        .send()
        .expect(200);
    let mut bad = demo_json();
    bad["answers"][0]["steps"][2]
        .as_object_mut()
        .unwrap()
        .remove("else");
    let r = app
        .request("bot", "POST", "/api/bot/validate")
        .admin()
        .json(&bad)
        .send()
        .expect(422)
        .json();
    assert_eq!(r["errors"][0]["code"], "missing_else");
    assert_eq!(
        r["errors"][0]["source"]["pointer"],
        "answers[0].steps[2].else"
    );
    let draft = app
        .request("bot", "GET", "/api/bot/draft")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(draft["revision"], 0, "validate saved nothing");
}

#[test]
fn answers_crud_with_validation_on_every_save() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    let faq = json!({"id": "hours", "name": "Opening hours",
        "phrases": {"en": ["when are you open"], "ko": ["영업 시간"]},
        "steps": [{"type": "send_message", "id": "s1", "text": "Mon-Fri 9-18 KST."}]});
    let r = app
        .request("bot", "POST", "/api/bot/answers")
        .admin()
        .json(&json!({"answer": faq}))
        .send()
        .expect(201)
        .json();
    assert_eq!(r["revision"], 2);
    let r = app
        .request("bot", "POST", "/api/bot/answers")
        .admin()
        .json(&json!({"answer": faq}))
        .send()
        .expect(409);
    assert_eq!(r.error_code(), "duplicate_id");

    let list = app
        .request("bot", "GET", "/api/bot/answers")
        .admin()
        .send()
        .expect(200)
        .json();
    let ids: Vec<&str> = list["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "order-status",
            "refund",
            "talk",
            "password",
            "cancel-order",
            "change-order",
            "hours"
        ]
    );
    assert_eq!(list["answers"][6]["phrases"], 2);

    let mut changed = faq.clone();
    changed["steps"][0]["text"] = json!("Mon-Sat 9-18 KST.");
    app.request("bot", "PUT", "/api/bot/answers/hours")
        .admin()
        .json(&json!({"answer": changed}))
        .send()
        .expect(200);
    let r = app
        .request("bot", "GET", "/api/bot/answers/hours")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(r["answer"]["steps"][0]["text"], "Mon-Sat 9-18 KST.");

    let r = app
        .request("bot", "PUT", "/api/bot/answers/other")
        .admin()
        .json(&json!({"answer": changed}))
        .send()
        .expect(422);
    assert_eq!(r.error_code(), "id_mismatch");

    // A step that points nowhere is refused, and points at itself.
    let mut bad = faq.clone();
    bad["steps"][0]["next"] = json!("s9");
    let r = app
        .request("bot", "PUT", "/api/bot/answers/hours")
        .admin()
        .json(&json!({"answer": bad}))
        .send()
        .expect(422)
        .json();
    assert_eq!(
        r["errors"][0]["source"]["pointer"],
        "answers[6].steps[0].next"
    );
    assert_eq!(r["errors"][0]["step"], "s1");

    // "talk" is linked from order-status: deleting it would leave a dangling link.
    let r = app
        .request("bot", "DELETE", "/api/bot/answers/talk")
        .admin()
        .send()
        .expect(422)
        .json();
    assert_eq!(r["errors"][0]["code"], "unknown_answer");
    assert_eq!(r["errors"][0]["answer"], "order-status");
    assert_eq!(r["errors"][0]["step"], "to-talk");
    app.request("bot", "DELETE", "/api/bot/answers/hours")
        .admin()
        .send()
        .expect(204);
    app.request("bot", "GET", "/api/bot/answers/hours")
        .admin()
        .send()
        .expect(404);
    app.request("bot", "DELETE", "/api/bot/answers/hours")
        .admin()
        .send()
        .expect(404);
    app.request("bot", "PATCH", "/api/bot/answers/refund")
        .admin()
        .send()
        .expect(405);
}

#[test]
fn a_stale_revision_is_refused() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    let body = json!({"answer": {"id": "x", "name": "X", "steps": [{"type": "send_message", "id": "s", "text": "x"}]}});
    let r = app
        .request("bot", "POST", "/api/bot/answers")
        .admin()
        .header("if-match", "0")
        .json(&body)
        .send()
        .expect(412);
    assert_eq!(r.error_code(), "stale_revision");
    app.request("bot", "POST", "/api/bot/answers")
        .admin()
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .expect(201);
}

#[test]
fn publish_then_roll_back() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    assert_eq!(publish(&app), 1);

    let mut v2 = demo_json();
    v2["greeting"]["text"] = json!("Version two says hello.");
    import(&app, &v2).expect(200);
    assert_eq!(publish(&app), 2);

    let v = app.visitor("en");
    assert_eq!(
        bot_lines(&app.say(&v, "hi", None))[0].0,
        "Version two says hello."
    );

    let r = app
        .request("bot", "POST", "/api/bot/rollback")
        .admin()
        .json(&json!({"version": 1}))
        .send()
        .expect(200)
        .json();
    assert_eq!(r["live_version"], 1);
    let versions = app
        .request("bot", "GET", "/api/bot/versions")
        .admin()
        .send()
        .expect(200)
        .json();
    let live: Vec<(i64, bool)> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["live"].as_bool().unwrap()))
        .collect();
    assert_eq!(live, [(2, false), (1, true)]);
    let w = app.visitor("en");
    assert!(bot_lines(&app.say(&w, "hi", None))[0]
        .0
        .starts_with("Hi! I'm the virtual assistant"));
    // The draft is untouched by a roll back.
    let draft = app
        .request("bot", "GET", "/api/bot/export")
        .admin()
        .send()
        .json();
    assert_eq!(draft["greeting"]["text"], "Version two says hello.");

    let r = app
        .request("bot", "POST", "/api/bot/rollback")
        .admin()
        .json(&json!({"version": 99}))
        .send()
        .expect(404);
    assert_eq!(r.error_code(), "not_found");
    let r = app
        .request("bot", "POST", "/api/bot/rollback")
        .admin()
        .json(&json!({"version": "one"}))
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_body");
}

#[test]
fn simulate_runs_the_draft_without_touching_conversations() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({
            "inputs": ["hi", {"tap": "Order status"}, "not an email", "ada@example.com", "A-1234"],
            "api_responses": [{"status": 200, "body": {"order": {"status": "shipped", "eta": "Friday"}}}]
        }))
        .send()
        .expect(200)
        .json();
    let lines: Vec<String> = r["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}: {}",
                l["from"].as_str().unwrap(),
                l["text"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "customer: hi",
            "bot: Hi! I'm the virtual assistant. Ask me anything, or pick a topic below.",
            "customer: Order status",
            "bot: I can look that up.",
            "bot: What's your email?",
            "customer: not an email",
            "bot: That doesn't look like an email address. Please type one like name@example.com. What's your email?",
            "customer: ada@example.com",
            "bot: Your order number? (like A-1234)",
            "customer: A-1234",
            "bot: Order A-1234 is on its way, arriving Friday.",
            "bot: Did this answer your question?",
        ]
    );
    assert_eq!(
        r["api_calls"][0]["url"],
        "https://shop.example.com/orders/A-1234?email=ada%40example.com"
    );
    assert_eq!(r["api_calls"][0]["timeout_ms"], 10_000);
    assert_eq!(r["state"]["variables"]["status"], "shipped");
    assert_eq!(r["state"]["waiting"]["for"], "feedback");
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
    assert_eq!(app.count("SELECT count(*) FROM bot_versions"), 0);
}

#[test]
fn simulate_api_timeout_business_hours_and_transfer() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({
            // Saturday 05:00 in Seoul, still Friday in UTC.
            "now": "2026-03-13T20:00:00Z",
            "inputs": ["where is my order", "ada@example.com", "A-1234", "Ada", {"tap": "Skip"},
                       "Billing", "2", "are you there?"],
            "api_responses": [{"error": "timeout"}]
        }))
        .send()
        .expect(200)
        .json();
    let turns = r["turns"].as_array().unwrap();
    assert!(turns[2]["trace"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "API call failed: outbound request timed out"));
    assert!(turns[2]["trace"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "closed"));
    let transfer = r["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == "transfer")
        .unwrap();
    assert_eq!(transfer["tags"], json!(["after_hours", "topic_billing"]));
    assert_eq!(
        transfer["ticket_fields"]["requester.email"],
        "ada@example.com"
    );
    assert_eq!(transfer["ticket_fields"]["custom_fields.360001"], "A-1234");
    assert_eq!(transfer["ticket_fields"]["subject"], "Billing");
    assert_eq!(r["switchboard"], "agent");
    assert_eq!(turns[7]["bot"], "silent (agents are in control)");

    // Monday 10:00 in Seoul: open, straight to a person.
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"now": "2026-03-09T10:00:00+09:00", "inputs": [{"payload": "bot:answer:talk", "text": "Talk to us"}]}))
        .send()
        .expect(200)
        .json();
    assert!(r["turns"][0]["trace"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "open"));
    assert_eq!(r["switchboard"], "agent");
}

#[test]
fn simulate_input_errors() {
    let app = App::new();
    for (body, code) in [
        (json!({"inputs": []}), "invalid_inputs"),
        (json!({"inputs": ["hi"], "now": "yesterday"}), "invalid_now"),
        (json!({"inputs": ["hi", {"tap": "Nope"}]}), "invalid_tap"),
        (json!({"inputs": ["hi"], "locale": ""}), "invalid_locale"),
    ] {
        let r = app
            .request("bot", "POST", "/api/bot/simulate")
            .admin()
            .json(&body)
            .send()
            .expect(422);
        assert_eq!(r.error_code(), code, "{body}");
    }
    // An unsaved document is validated before it runs.
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"inputs": ["hi"], "bot": {"greeting": {"suggestions": ["ghost"]}}}))
        .send()
        .expect(422)
        .json();
    assert_eq!(r["errors"][0]["code"], "unknown_answer");
    assert_eq!(
        r["errors"][0]["source"]["pointer"],
        "greeting.suggestions[0]"
    );
}

/// The published bot in a widget conversation: taps, state kept between requests, tags and
/// form values on the hand-off ticket, and silence while agents are in control.
#[test]
fn the_published_bot_runs_widget_conversations_and_fills_the_ticket() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    publish(&app);
    let v = app.visitor("en");
    let r = app.say(&v, "hello", None);
    assert_eq!(
        bot_lines(&r)[0].1,
        ["Order status", "Refunds", "Talk to a person"]
    );
    let r = tap(&app, &v, &r, "Refunds");
    assert_eq!(
        bot_lines(&r),
        [(
            "How did you pay?".to_owned(),
            vec![
                "Card".to_owned(),
                "Bank transfer".to_owned(),
                "Other".to_owned()
            ]
        )]
    );
    let stored = app.rows("SELECT bot_state FROM conversations", &[]);
    let Value::Text(state) = &stored[0][0] else {
        panic!()
    };
    assert!(state.contains(r#""for":"option""#), "{state}");

    // SMS-style: typing the label works as well as tapping it.
    let r = app.say(&v, "card", None);
    assert_eq!(bot_lines(&r)[0].0, "Refunds to your card take 3 days.");
    let r = tap(&app, &v, &r, "No");
    assert_eq!(bot_lines(&r)[0].0, "A refunds specialist will take over.");
    let ticket = app.rows("SELECT tags, status, custom_fields FROM tickets", &[]);
    assert_eq!(
        ticket[0][0],
        Value::Text(r#"["refund","via_card","plan_free"]"#.into())
    );
    assert_eq!(ticket[0][1], Value::Text("new".into()));
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );
    let r = app.say(&v, "hello?", None);
    assert_eq!(bot_lines(&r), Vec::<(String, Vec<String>)>::new());
}

#[test]
fn an_after_hours_form_sets_the_requester_subject_and_custom_fields() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    publish(&app);
    // The app's clock reads Wednesday 2026-11-18 20:06 in Seoul: closed.
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let r = app.say(&v, "Talk to us", Some("bot:answer:talk"));
    assert_eq!(bot_lines(&r)[0].0, "We're closed now (Mon-Fri 9-18 KST).");
    app.say(&v, "Grace Hopper", None);
    app.say(&v, "+1 (555) 010-0100", None);
    let r = app.say(&v, "Shipping", None);
    assert_eq!(bot_lines(&r)[0].0, "How many items?");
    let r = app.say(&v, "many", None);
    assert_eq!(
        bot_lines(&r)[0].0,
        "Please type a number, like 42. How many items?"
    );
    let r = app.say(&v, "2", None);
    assert_eq!(
        bot_lines(&r)[0].0,
        "Thanks Grace Hopper, we'll reply when we open."
    );
    let t = app.rows("SELECT subject, tags FROM tickets", &[]);
    assert_eq!(t[0][0], Value::Text("Shipping".into()));
    assert_eq!(
        t[0][1],
        Value::Text(r#"["after_hours","topic_shipping"]"#.into())
    );
    let u = app.rows("SELECT name FROM users WHERE role = 'end-user'", &[]);
    assert_eq!(u[0][0], Value::Text("Grace Hopper".into()));
}

#[test]
fn form_values_reach_the_ticket_custom_fields_and_requester_email() {
    let app = App::new();
    let mut bot = demo_json();
    // The order system is down: the failure branch hands off.
    bot["answers"][0]["steps"][1]["url"] = json!("https://shop.example.com/orders/{{order_id}}");
    import(&app, &bot).expect(200);
    publish(&app);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap()));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "where is my order", None);
    app.say(&v, "grace@example.com", None);
    let r = app.say(&v, "Z-9876", None);
    assert_eq!(bot_lines(&r)[0].0, "I couldn't reach the order system.");
    let sent = app.outbound.sent();
    assert_eq!(
        sent.len(),
        1,
        "the widget's bot called the order system once"
    );
    assert_eq!(
        sent[0].request.uri(),
        "https://shop.example.com/orders/Z-9876"
    );
    // Then the linked "talk" answer: closed at this hour, so the after-hours form.
    assert_eq!(bot_lines(&r)[1].0, "We're closed now (Mon-Fri 9-18 KST).");
    app.say(&v, "Grace", None);
    app.say(&v, "Skip", None);
    app.say(&v, "billing", None);
    let r = app.say(&v, "1", None);
    assert_eq!(
        bot_lines(&r)[0].0,
        "Thanks Grace, we'll reply when we open."
    );
    let t = app.rows("SELECT custom_fields FROM tickets", &[]);
    assert_eq!(
        t[0][0],
        Value::Text(r#"[{"id":360001,"value":"Z-9876"}]"#.into())
    );
    // The typed address is kept as an unverified identity, never as the customer's e-mail.
    let u = app.rows("SELECT email FROM users WHERE role = 'end-user'", &[]);
    assert_eq!(u[0][0], Value::Null);
    let i = app.rows(
        "SELECT verified FROM identities WHERE channel = 'email' AND address = 'grace@example.com'",
        &[],
    );
    assert_eq!(i, vec![vec![Value::Integer(0)]]);
}

#[test]
fn a_widget_conversation_reads_the_order_status_from_the_shop() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    publish(&app);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"order": {"status": "shipped", "eta": "Friday"}}"#.to_vec())
        .unwrap()));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "where is my order", None);
    app.say(&v, "grace@example.com", None);
    let r = app.say(&v, "Z-9876", None);
    assert_eq!(
        bot_lines(&r)[0].0,
        "Order Z-9876 is on its way, arriving Friday."
    );
    let sent = app.outbound.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].request.uri(),
        "https://shop.example.com/orders/Z-9876?email=grace%40example.com"
    );
    assert_eq!(
        sent[0].request.headers()["authorization"],
        "Bearer shop-key"
    );
    assert_eq!(sent[0].timeout, std::time::Duration::from_secs(10));
}

/// The same inputs through the widget and through the simulator give the same bot messages.
#[test]
fn the_widget_and_the_simulator_say_the_same() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    publish(&app);
    let inputs = [
        "hello",
        "I want a refund",
        "Bank transfer",
        "Yes",
        "what are your shipping times",
    ];
    let v = app.visitor("en");
    let mut widget: Vec<String> = Vec::new();
    for input in inputs {
        let r = app.say(&v, input, None);
        widget.extend(bot_lines(&r).into_iter().map(|(t, _)| t));
    }
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"inputs": inputs}))
        .send()
        .expect(200)
        .json();
    let simulated: Vec<String> = r["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["from"] == "bot")
        .map(|l| l["rendered"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(widget, simulated);
    assert_eq!(widget.len(), 7, "{widget:?}");
}

/// The complete example in docs/bot.md is the bot these tests run, and it is valid.
#[test]
fn the_documented_example_is_valid_and_is_the_tested_bot() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/bot.md"))
        .expect("docs/bot.md");
    let example = doc
        .split("## Complete example")
        .nth(1)
        .and_then(|rest| rest.split("```json\n").nth(1))
        .and_then(|block| block.split("\n```").next())
        .expect("a json block under ## Complete example");
    let documented: Json = serde_json::from_str(example).expect("the example is JSON");
    let app = App::new();
    app.request("bot", "POST", "/api/bot/validate")
        .admin()
        .json(&documented)
        .send()
        .expect(200);
    let parsed: spindesk_core::bot::Bot = serde_json::from_value(documented).unwrap();
    assert_eq!(serde_json::to_value(parsed).unwrap(), demo_json());
}

#[test]
fn publishing_stores_the_analysed_phrases_and_a_lost_index_is_rebuilt() {
    let app = App::new();
    import(&app, &demo_json()).expect(200);
    let version = publish(&app);
    let stored = |app: &App| -> Option<String> {
        match app.rows(
            "SELECT phrases FROM bot_versions WHERE version = ?",
            &[version.into()],
        )[0][0]
            .clone()
        {
            Value::Text(t) => Some(t),
            _ => None,
        }
    };
    let at_publish = stored(&app).expect("phrases stored at publish");
    assert!(at_publish.len() > 10);
    // Lose the index: the next customer message rebuilds and stores the same one.
    app.rows(
        "UPDATE bot_versions SET phrases = NULL RETURNING version",
        &[],
    );
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "where is my order", None);
    assert_eq!(stored(&app).as_deref(), Some(at_publish.as_str()));
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE key LIKE 'bot.phrases.%'"),
        0
    );
}
