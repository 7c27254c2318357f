//! `run_action` steps against real WebAssembly: the built-in actions component
//! (`components/actions-builtin`) and a misbehaving one (`tests/actions-test`), each built for
//! wasm32-wasip2 and loaded with wasmtime through the `Actions` port the Spin components use.
//! The same published bot gives the same transcript in the simulator, the widget and a signed
//! channel webhook; an action that traps or runs out of fuel, time or memory takes `failure`
//! with the reason traced and the conversation goes on; an outcome outside what the action
//! declared is refused; and a bot naming an unknown action, or leaving out an input, is not
//! saved or published (422 with the pointer).

use spindesk_core::ports::Value;
use spindesk_tests::actions::{built_example, builtin, misbehaving};
use spindesk_tests::channels::{channel_app, Vendor};
use spindesk_tests::{json, App, Json};
use spindesk_wasm_actions::{Limits, WasmActions};
use std::time::Duration;

fn order_bot() -> Json {
    json!({
        "name": "Order bot",
        "answers": [{
            "id": "order", "name": "Order status",
            "phrases": {"en": ["where is my order", "where is my parcel"]},
            "steps": [
                {"type": "run_action", "id": "find", "action": "order-number",
                 "inputs": {"text": "{{conversation.last_message}}"},
                 "next": "when", "failure": "ask"},
                {"type": "run_action", "id": "when", "action": "business-days",
                 "inputs": {"days": "3", "country": "KR"}, "next": "route", "failure": "ask"},
                {"type": "run_action", "id": "route", "action": "choose-group",
                 "inputs": {"routes": "Returns: return, refund; Delivery: order, parcel"},
                 "next": "tell"},
                {"type": "send_message", "id": "tell",
                 "text": "Order {{order_number}} arrives by {{business_date}} ({{group}} team)."},
                {"type": "send_message", "id": "ask", "text": "Which order? Send me its number."}
            ]
        }]
    })
}

const SCRIPT: [&str; 3] = [
    "hello",
    "where is my order ab-12345?",
    "where is my parcel? I lost the number",
];

/// The bot's texts in the simulator's transcript, with the customer's between them.
fn simulated(app: &App, bot: &Json) -> Vec<(String, String)> {
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"inputs": SCRIPT, "bot": bot}))
        .send()
        .expect(200)
        .json();
    r["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .map(|l| {
            let who = if l["from"] == "customer" {
                "user"
            } else {
                "bot"
            };
            let text = l.get("rendered").unwrap_or(&l["text"]);
            (who.to_owned(), text.as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

fn widget(app: &App) -> Vec<(String, String)> {
    let v = app.visitor("en-US");
    for text in SCRIPT {
        app.say(&v, text, None);
    }
    app.history(&v)
        .iter()
        .map(|m| {
            let who = m["author"]["type"].as_str().unwrap_or_default().to_owned();
            (who, m["text"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

fn telegram(app: &App) -> Vec<(String, String)> {
    let connected = app.connect(Vendor::Telegram);
    for (n, text) in SCRIPT.into_iter().enumerate() {
        let update = json!({"update_id": 700 + n, "message": {"message_id": 50 + n,
            "from": {"id": 4242, "is_bot": false, "first_name": "Min"},
            "chat": {"id": 4242, "type": "private"}, "date": 1718000000 + n, "text": text}});
        app.deliver(&connected, update.to_string().as_bytes())
            .expect(200);
    }
    app.rows(
        "SELECT m.author_type, m.text FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN identities i ON i.user_id = c.user_id
         WHERE i.channel = 'telegram' AND i.address = '4242' ORDER BY m.seq",
        &[],
    )
    .into_iter()
    .map(|r| match (&r[0], &r[1]) {
        (Value::Text(who), Value::Text(text)) => (who.clone(), text.clone()),
        other => panic!("{other:?}"),
    })
    .collect()
}

#[test]
fn run_action_steps_say_the_same_in_the_simulator_the_widget_and_a_channel() {
    let app = channel_app().with_actions(builtin());
    let bot = order_bot();
    app.publish_bot(&bot);

    let sim = simulated(&app, &bot);
    let web = widget(&app);
    let tg = telegram(&app);

    // The test clock is 2026-11-18 (a Wednesday) in Seoul: three business days on is Monday.
    let bot_lines: Vec<&str> = web
        .iter()
        .filter(|(who, _)| who == "bot")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        bot_lines[1..],
        [
            "Order AB12345 arrives by 2026-11-23 (Delivery team).",
            "Did this answer your question?",
            "Which order? Send me its number.",
            "Did this answer your question?",
        ]
    );
    assert_eq!(sim, web, "simulator and widget");
    assert_eq!(tg, web, "telegram and widget");
}

fn limits_bot() -> Json {
    let answer = |kw: &str| {
        json!({"id": kw, "name": kw, "keywords": [kw], "steps": [
            {"type": "run_action", "id": "go", "action": kw, "next": "done", "failure": "sorry"},
            {"type": "send_message", "id": "done", "text": "Done."},
            {"type": "send_message", "id": "sorry", "text": "Sorry, {{x}}that did not work."}
        ]})
    };
    json!({
        "name": "Misbehaving actions",
        "variables": [{"name": "x", "value": ""}],
        "answers": [answer("trap"), answer("spin"), answer("hog"),
            {"id": "sneaky", "name": "sneaky", "keywords": ["sneaky"], "steps": [
                {"type": "run_action", "id": "go", "action": "sneaky", "next": "done", "failure": "sorry"},
                {"type": "send_message", "id": "done", "text": "Set {{declared}}."},
                {"type": "send_message", "id": "sorry", "text": "Refused."}]},
            {"id": "say", "name": "say", "keywords": ["parrot"], "steps": [
                {"type": "run_action", "id": "go", "action": "say",
                 "inputs": {"text": "You said: {{conversation.last_message}}"}, "next": "then"},
                {"type": "send_message", "id": "then", "text": "Anything else?"}]},
            {"id": "vip", "name": "vip", "keywords": ["vip"], "steps": [
                {"type": "run_action", "id": "go", "action": "hand-off"}]}]
    })
}

/// Each turn's trace from the simulator, for `inputs`.
fn traces(app: &App, inputs: &[&str]) -> (Vec<Vec<String>>, Json) {
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"inputs": inputs, "bot": limits_bot(), "customer": {"email": "min@example.com"}}))
        .send()
        .expect(200)
        .json();
    let traces = r["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|t| {
            t["trace"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| s.as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    (traces, r)
}

fn traced(trace: &[String], needle: &str) -> bool {
    trace.iter().any(|line| line.contains(needle))
}

#[test]
fn a_trap_or_running_out_of_fuel_time_or_memory_takes_failure_with_the_reason_traced() {
    // Time generous enough that fuel always runs out first, however busy the machine.
    let app = App::new().with_actions(misbehaving(Limits {
        time: Duration::from_secs(60),
        ..Limits::default()
    }));
    app.publish_bot(&limits_bot());

    let (t, _) = traces(&app, &["trap", "spin", "hog"]);
    assert!(
        traced(&t[0], "action trap failed: the action trapped"),
        "{:?}",
        t[0]
    );
    assert!(
        traced(&t[1], "action spin failed: the action ran out of fuel"),
        "{:?}",
        t[1]
    );
    assert!(
        traced(&t[2], "action hog failed: the action trapped"),
        "{:?}",
        t[2]
    );
    for turn in &t {
        assert!(traced(turn, "/sorry"), "the failure branch: {turn:?}");
    }

    // In a live conversation: each failure answers with the failure branch, and the
    // conversation goes on (the next message is answered as usual).
    let v = app.visitor("en");
    for word in ["trap", "spin", "hog"] {
        let r = app.say(&v, word, None);
        let said: Vec<&str> = r["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m["author"]["type"] == "bot")
            .filter_map(|m| m["text"].as_str())
            .collect();
        assert!(
            said.contains(&"Sorry, that did not work."),
            "{word}: {said:?}"
        );
    }
    let r = app.say(&v, "parrot", None);
    assert!(r.to_string().contains("You said: parrot"), "{r}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE switchboard = 'bot'"),
        1
    );

    // A wall-time limit stops what fuel alone would let run for long.
    let slow = App::new().with_actions(misbehaving(Limits {
        fuel: u64::MAX / 2,
        time: Duration::from_millis(50),
        ..Limits::default()
    }));
    slow.publish_bot(&limits_bot());
    let (t, _) = traces(&slow, &["spin"]);
    assert!(
        traced(
            &t[0],
            "action spin failed: the action ran out of time (50 ms)"
        ),
        "{:?}",
        t[0]
    );
}

#[test]
fn an_action_setting_a_variable_it_did_not_declare_is_refused_whole() {
    let app = App::new().with_actions(misbehaving(Limits::default()));
    app.publish_bot(&limits_bot());
    let (t, r) = traces(&app, &["sneaky"]);
    assert!(
        traced(
            &t[0],
            "action sneaky failed: refused: it returned the variable \"customer.email\""
        ),
        "{:?}",
        t[0]
    );
    assert!(traced(&t[0], "sneaky/sorry"), "{:?}", t[0]);
    // Nothing of the refused outcome was kept, not even the declared variable.
    let vars = &r["state"]["variables"];
    assert_eq!(vars["customer.email"], "min@example.com");
    assert!(vars.get("declared").is_none(), "{vars}");
}

#[test]
fn say_and_hand_off_outcomes_in_a_live_conversation() {
    let app = App::new().with_actions(misbehaving(Limits::default()));
    app.publish_bot(&limits_bot());
    let v = app.visitor("en");
    let r = app.say(&v, "parrot this", None);
    let texts: Vec<&str> = r["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts
            .windows(2)
            .any(|w| w == ["You said: parrot this", "Anything else?"]),
        "{texts:?}"
    );

    app.say(&v, "I am a vip", None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE switchboard = 'agent'"),
        1
    );
    let tags = app.rows("SELECT tags FROM tickets", &[]);
    let tags = format!("{tags:?}");
    assert!(
        tags.contains("vip") && tags.contains("from_action"),
        "{tags}"
    );
}

/// `(pointer, code)` of each error in a 422.
fn problems(r: &Json) -> Vec<(String, String)> {
    r["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["source"]["pointer"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn one_step(step: Json) -> Json {
    json!({"name": "b", "answers": [{"id": "a", "name": "a", "keywords": ["x"], "steps": [step,
        {"type": "send_message", "id": "next", "text": "{{order_number}}"}]}]})
}

#[test]
fn a_bot_naming_an_unknown_action_or_leaving_out_an_input_is_not_saved_or_published() {
    let mut app = App::new().with_actions(builtin());
    let import = |bot: &Json| {
        app.request("bot", "POST", "/api/bot/import")
            .admin()
            .json(bot)
            .send()
    };
    let r = import(&one_step(
        json!({"type": "run_action", "id": "s", "action": "no-such",
                                    "next": "next"}),
    ))
    .expect(422)
    .json();
    assert!(
        problems(&r).contains(&("answers[0].steps[0].action".into(), "unknown_action".into())),
        "{r}"
    );
    // Without the action, `order_number` is nobody's variable either.
    assert!(
        problems(&r).contains(&("answers[0].steps[1].text".into(), "unknown_variable".into())),
        "{r}"
    );

    let r = import(&one_step(
        json!({"type": "run_action", "id": "s", "action": "order-number",
                                    "inputs": {"pattern": "\\d+", "colour": "red"},
                                    "next": "next"}),
    ))
    .expect(422)
    .json();
    assert_eq!(
        problems(&r),
        vec![
            (
                "answers[0].steps[0].inputs.text".into(),
                "missing_variable".into()
            ),
            (
                "answers[0].steps[0].inputs.colour".into(),
                "unknown_input".into()
            ),
        ]
    );

    // A sound bot is saved; published against a component without that action (the dependency
    // was replaced meanwhile), it is refused at publish.
    let sound = one_step(
        json!({"type": "run_action", "id": "s", "action": "order-number",
                                "inputs": {"text": "{{conversation.last_message}}"},
                                "next": "next"}),
    );
    import(&sound).expect(200);
    app.actions = Some(misbehaving(Limits::default()));
    let r = app
        .request("bot", "POST", "/api/bot/publish")
        .admin()
        .send()
        .expect(422)
        .json();
    assert!(
        problems(&r).contains(&("answers[0].steps[0].action".into(), "unknown_action".into())),
        "{r}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bot_versions"), 0);
}

#[test]
fn the_built_in_actions_list_themselves_for_the_editor() {
    let app = App::new().with_actions(builtin());
    let r = app
        .request("bot", "GET", "/api/bot/actions")
        .admin()
        .send()
        .expect(200)
        .json();
    let names: Vec<&str> = r["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["order-number", "business-days", "mask", "choose-group"]
    );
    assert_eq!(r["actions"][0]["writes"], json!(["order_number"]));
    assert_eq!(r["actions"][0]["label"]["ko"], "주문 번호 찾기");
}

#[test]
fn the_example_action_builds_and_runs_as_the_dependency() {
    let example = built_example("bot-action");
    let actions = WasmActions::load(&example, Limits::default()).expect("load");
    let app = App::new().with_actions(actions);
    let bot = json!({"name": "VIP", "answers": [{"id": "hi", "name": "hi", "keywords": ["hello"],
        "steps": [
            {"type": "run_action", "id": "vip", "action": "vip-check",
             "inputs": {"email": "{{customer.email}}"}, "next": "tell", "failure": "tell"},
            {"type": "send_message", "id": "tell", "text": "VIP: {{vip}}"}]}]});
    app.publish_bot(&bot);
    for (email, said) in [
        ("Kim@BigCustomer.com", "VIP: yes"),
        ("lee@elsewhere.org", "VIP: no"),
    ] {
        let r = app
            .request("bot", "POST", "/api/bot/simulate")
            .admin()
            .json(&json!({"inputs": ["hello"], "customer": {"email": email}}))
            .send()
            .expect(200)
            .json();
        assert!(r["transcript"].to_string().contains(said), "{email}: {r}");
    }
}
