//! The bot engine, turn by turn: every step type and branch, with the recording outbound client
//! for API calls and a fixed clock for business hours. Between turns the state goes through JSON,
//! as it does through `conversations.bot_state`.

use crate::bot_demo::demo_bot;
use serde_json::json;
use spindesk_core::bot::hours::days_from_civil;
use spindesk_core::bot::state::{ArticleCard, Waiting};
use spindesk_core::bot::{run_turn, Articles, Bot, BotState, Context, Effect, Input, Output, Turn};
use spindesk_core::ports::{OutboundError, SqlError};
use spindesk_native::RecordingOutbound;
use std::collections::BTreeMap;
use std::time::Duration;

/// A help center with three articles; search finds the ones whose title shares a word.
struct FakeHelpCenter;

fn card(id: i64, title: &str) -> ArticleCard {
    ArticleCard {
        id,
        title: title.into(),
        url: format!("https://help.example.com/hc/articles/{id}"),
        snippet: String::new(),
    }
}

impl Articles for FakeHelpCenter {
    fn by_ids(&self, ids: &[i64], _: &str) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(ids
            .iter()
            .map(|&id| card(id, &format!("Article {id}")))
            .collect())
    }
    fn search(&self, query: &str, _: &str, limit: usize) -> Result<Vec<ArticleCard>, SqlError> {
        let all = [
            card(1, "Reset your password"),
            card(2, "Change your password"),
            card(3, "Shipping times"),
        ];
        let q = query.to_lowercase();
        Ok(all
            .into_iter()
            .filter(|a| {
                a.title
                    .to_lowercase()
                    .split(' ')
                    .any(|w| q.contains(w) && w.len() > 4)
            })
            .take(limit)
            .collect())
    }
    fn featured(&self, _: &str, limit: usize) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(vec![card(3, "Shipping times")]
            .into_iter()
            .take(limit)
            .collect())
    }
}

/// 2026-03-09 is a Monday. Seconds since the epoch of a UTC wall time, in ms.
fn utc_ms(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    (days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60) * 1000
}

pub struct Sim {
    pub bot: Bot,
    /// The stored state, as JSON text (what `conversations.bot_state` holds).
    pub stored: String,
    pub outbound: RecordingOutbound,
    pub now_ms: i64,
    pub locale: String,
    pub facts: BTreeMap<String, String>,
}

impl Sim {
    pub fn new(bot: Bot) -> Self {
        Sim {
            bot,
            stored: "{}".into(),
            outbound: RecordingOutbound::default(),
            // Monday 2026-03-09 10:00 KST: open.
            now_ms: utc_ms(2026, 3, 9, 1, 0),
            locale: "en".into(),
            facts: BTreeMap::new(),
        }
    }

    pub fn state(&self) -> BotState {
        serde_json::from_str(&self.stored).expect("stored state parses")
    }

    pub fn send(&mut self, input: Input) -> Turn {
        let ctx = Context {
            locale: &self.locale,
            now_ms: self.now_ms,
            outbound: &self.outbound,
            actions: &spindesk_core::ports::NoActions,
            articles: &FakeHelpCenter,
            phrases: None,
            facts: &self.facts,
        };
        let turn = run_turn(&self.bot, &self.state(), &input, &ctx).expect("turn runs");
        self.stored = serde_json::to_string(&turn.state).expect("state serializes");
        turn
    }

    pub fn say(&mut self, text: &str) -> Turn {
        self.send(Input::text(text))
    }

    /// Taps the offered quick reply with this label.
    pub fn tap(&mut self, label: &str) -> Turn {
        let state = self.state();
        let reply = state
            .quick_replies
            .iter()
            .find(|q| q.label == label)
            .unwrap_or_else(|| panic!("no quick reply {label:?} in {:?}", state.quick_replies));
        self.send(Input::Tap {
            payload: reply.payload.clone(),
            label: reply.label.clone(),
        })
    }
}

pub fn texts(turn: &Turn) -> Vec<String> {
    turn.outputs
        .iter()
        .map(|o| match o {
            Output::Text { text, .. } => text.clone(),
            Output::Articles { articles } => format!(
                "[articles {}]",
                articles
                    .iter()
                    .map(|a| a.id.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        })
        .collect()
}

fn labels(turn: &Turn) -> Vec<String> {
    turn.outputs
        .iter()
        .filter_map(|o| match o {
            Output::Text { quick_replies, .. } if !quick_replies.is_empty() => Some(
                quick_replies
                    .iter()
                    .map(|q| q.label.clone())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .next_back()
        .unwrap_or_default()
}

fn transfer(turn: &Turn) -> (Vec<String>, BTreeMap<String, String>) {
    match turn.transfer() {
        Some(Effect::Transfer {
            tags,
            ticket_fields,
            ..
        }) => (tags.clone(), ticket_fields.clone()),
        None => panic!("no transfer in {:?}", turn.trace),
    }
}

fn json_reply(
    status: u16,
    body: serde_json::Value,
) -> Result<http::Response<Vec<u8>>, OutboundError> {
    Ok(http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .unwrap())
}

/// Greets, then says hello again: the greeting is said once, with suggestions and a person.
#[test]
fn the_greeting_is_said_once_with_suggestions() {
    let mut sim = Sim::new(demo_bot());
    let first = sim.say("hello");
    assert_eq!(
        texts(&first),
        ["Hi! I'm the virtual assistant. Ask me anything, or pick a topic below."]
    );
    assert_eq!(
        labels(&first),
        ["Order status", "Refunds", "Talk to a person"]
    );
    let again = sim.say("hello");
    assert!(
        !texts(&again).iter().any(|t| t.starts_with("Hi! I'm")),
        "{:?}",
        texts(&again)
    );
    assert_eq!(
        texts(&again)[0],
        "Sorry, I don't know the answer to that yet. Try other words, or talk to a person."
    );
}

#[test]
fn the_greeting_speaks_korean_to_a_korean_conversation_and_shows_featured_articles() {
    let mut bot = demo_bot();
    bot.greeting.featured_articles = 1;
    let mut sim = Sim::new(bot);
    sim.locale = "ko-KR".into();
    let first = sim.say("안녕하세요");
    assert_eq!(
        texts(&first),
        [
            "안녕하세요! 가상 상담원입니다. 궁금한 점을 물어보시거나 아래에서 주제를 골라 주세요.",
            "[articles 3]",
        ]
    );
    assert_eq!(labels(&first), ["주문 조회", "환불", "상담원 연결"]);
}

/// Form with validation, API call success, branch taken, feedback at the end.
#[test]
fn order_status_form_api_call_and_branch() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    let t = sim.say("Where is my order?");
    assert_eq!(texts(&t), ["I can look that up.", "What's your email?"]);
    let t = sim.say("ada at example");
    assert_eq!(
        texts(&t),
        ["That doesn't look like an email address. Please type one like name@example.com. What's your email?"]
    );
    assert!(matches!(
        sim.state().waiting,
        Some(Waiting::Field {
            field: 0,
            attempts: 1,
            ..
        })
    ));
    let t = sim.say("Ada@Example.com");
    assert_eq!(texts(&t), ["Your order number? (like A-1234)"]);
    sim.outbound.push_reply(json_reply(
        200,
        json!({"order": {"status": "shipped", "eta": "Friday"}}),
    ));
    let t = sim.say("A-1234");
    assert_eq!(
        texts(&t),
        [
            "Order A-1234 is on its way, arriving Friday.",
            "Did this answer your question?"
        ]
    );

    let sent = sim.outbound.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].timeout, Duration::from_secs(10));
    assert_eq!(sent[0].request.method(), "GET");
    assert_eq!(
        sent[0].request.uri().to_string(),
        "https://shop.example.com/orders/A-1234?email=Ada%40example.com"
    );
    assert_eq!(
        sent[0].request.headers()["authorization"],
        "Bearer shop-key"
    );

    let t = sim.tap("Yes");
    assert_eq!(texts(&t), ["Great! Glad I could help."]);
    assert_eq!(sim.state().variables["status"], "shipped");
}

#[test]
fn the_else_branch_when_no_condition_holds() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("track my order");
    sim.say("ada@example.com");
    sim.outbound.push_reply(json_reply(
        200,
        json!({"order": {"status": "packing", "eta": "Monday"}}),
    ));
    let t = sim.say("B-0001");
    assert_eq!(texts(&t)[0], "Order B-0001 is packing.");
    assert!(t.trace.contains(&"else".to_owned()), "{:?}", t.trace);
}

#[test]
fn api_call_failure_timeout_missing_field_and_refused_host_take_the_failure_branch() {
    let scripted: Vec<Result<http::Response<Vec<u8>>, OutboundError>> = vec![
        json_reply(500, json!({"error": "down"})),
        Err(OutboundError::Timeout),
        json_reply(200, json!({"order": {"eta": "Friday"}})),
        json_reply(200, json!("not an object")),
    ];
    for reply in scripted {
        let mut sim = Sim::new(demo_bot());
        sim.say("hi");
        sim.say("where is my order");
        sim.say("ada@example.com");
        sim.outbound.push_reply(reply);
        let t = sim.say("A-1234");
        // Failure: "sorry", then the linked "talk" answer: open now, so straight to a person.
        assert_eq!(texts(&t)[0], "I couldn't reach the order system.");
        assert!(
            t.trace.iter().any(|l| l.starts_with("API call failed")),
            "{:?}",
            t.trace
        );
        assert!(t.transfer().is_some());
    }

    // A host the bot does not allow is never contacted, even if the document was not validated.
    let mut bot = demo_bot();
    bot.allowed_hosts.clear();
    let mut sim = Sim::new(bot);
    sim.say("hi");
    sim.say("where is my order");
    sim.say("ada@example.com");
    let t = sim.say("A-1234");
    assert!(
        t.trace.iter().any(|l| l.contains("not an allowed host")),
        "{:?}",
        t.trace
    );
    assert!(sim.outbound.sent().is_empty());
}

#[test]
fn a_form_gives_up_after_three_invalid_answers() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("where is my order");
    sim.say("ada@example.com");
    sim.say("12");
    sim.say("order twelve");
    let t = sim.say("A-12");
    assert_eq!(
        texts(&t),
        ["Sorry, I don't know the answer to that yet. Try other words, or talk to a person."]
    );
    assert_eq!(labels(&t), ["Talk to a person"]);
    assert_eq!(sim.state().waiting, None);
    assert!(sim.outbound.sent().is_empty());
}

#[test]
fn options_branch_set_variable_and_ask_if_resolved_yes() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    let t = sim.tap("Refunds");
    assert_eq!(texts(&t), ["How did you pay?"]);
    assert_eq!(labels(&t), ["Card", "Bank transfer", "Other"]);
    let t = sim.tap("Bank transfer");
    assert_eq!(
        texts(&t),
        [
            "Refunds to your bank take 3 days.",
            "Did this answer your question?"
        ]
    );
    let t = sim.tap("Yes");
    assert_eq!(
        texts(&t),
        ["Happy to help!", "Did this answer your question?"]
    );
}

/// SMS has no buttons: typing the label is the same as tapping it.
#[test]
fn typing_an_option_label_follows_its_branch() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("I want a refund");
    let t = sim.say("card");
    assert_eq!(texts(&t)[0], "Refunds to your card take 3 days.");
}

#[test]
fn an_option_without_next_ends_the_answer() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("refund please");
    let t = sim.tap("Other");
    assert_eq!(texts(&t), ["Did this answer your question?"]);
}

#[test]
fn ask_if_resolved_no_adds_tags_and_transfers_with_them() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("refund please");
    sim.tap("Card");
    let t = sim.tap("No");
    assert_eq!(texts(&t), ["A refunds specialist will take over."]);
    let (tags, _) = transfer(&t);
    assert_eq!(tags, ["refund", "via_card", "plan_free"]);
    assert_eq!(sim.state().tags, Vec::<String>::new());
}

#[test]
fn a_stale_tap_is_read_as_its_words() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("refund please");
    let old = sim.state().quick_replies[0].clone();
    sim.tap("Card");
    sim.tap("Yes");
    // The old "Card" button again: the options step no longer waits, so it is just text.
    let t = sim.send(Input::Tap {
        payload: old.payload,
        label: old.label,
    });
    assert!(
        !texts(&t).iter().any(|t| t.contains("Refunds to your")),
        "{:?}",
        texts(&t)
    );
}

#[test]
fn business_hours_are_read_in_the_schedule_time_zone() {
    // Friday 2026-03-13 20:00 UTC is Saturday 05:00 in Seoul: closed, though still Friday in UTC.
    // Sunday 2026-03-08 23:30 UTC is Monday 08:30 in Seoul: closed; 00:30 UTC Monday is 09:30: open.
    for (now, open) in [
        (utc_ms(2026, 3, 13, 20, 0), false),
        (utc_ms(2026, 3, 8, 23, 30), false),
        (utc_ms(2026, 3, 9, 0, 30), true),
        (utc_ms(2026, 3, 2, 3, 0), false), // a holiday, Monday 12:00 KST
    ] {
        let mut sim = Sim::new(demo_bot());
        sim.now_ms = now;
        sim.say("hi");
        let t = sim.send(Input::Tap {
            payload: "bot:answer:talk".into(),
            label: "Talk to us".into(),
        });
        assert_eq!(
            t.trace.contains(&"open".to_owned()),
            open,
            "at {now}: {:?}",
            t.trace
        );
        assert_eq!(t.transfer().is_some(), open);
        if !open {
            assert_eq!(
                texts(&t),
                ["We're closed now (Mon-Fri 9-18 KST).", "Your name?"]
            );
        }
    }
}

/// After hours: the form asks each kind, skips the optional phone, re-prompts a bad select and
/// number, and hands off with the requester name and subject.
#[test]
fn after_hours_form_fills_the_ticket() {
    let mut sim = Sim::new(demo_bot());
    sim.now_ms = utc_ms(2026, 3, 13, 20, 0);
    sim.say("hi");
    sim.send(Input::Tap {
        payload: "bot:answer:talk".into(),
        label: "Talk to us".into(),
    });
    let t = sim.say("  Ada   Lovelace ");
    assert_eq!(texts(&t), ["A phone number we can call? (optional)"]);
    assert_eq!(labels(&t), ["Skip"]);
    let t = sim.tap("Skip");
    assert_eq!(texts(&t), ["What is it about?"]);
    assert_eq!(labels(&t), ["Billing", "Shipping"]);
    let t = sim.say("Returns");
    assert_eq!(
        texts(&t),
        ["Please choose one of: Billing, Shipping. What is it about?"]
    );
    let t = sim.tap("Shipping");
    assert_eq!(texts(&t), ["How many items?"]);
    let t = sim.say("0");
    assert_eq!(
        texts(&t),
        ["Please type a number of at least 1. How many items?"]
    );
    let t = sim.say("3");
    assert_eq!(
        texts(&t),
        ["Thanks Ada Lovelace, we'll reply when we open."]
    );
    let (tags, fields) = transfer(&t);
    assert_eq!(tags, ["after_hours", "topic_shipping"]);
    assert_eq!(
        fields,
        BTreeMap::from([
            ("requester.name".to_owned(), "Ada Lovelace".to_owned()),
            ("subject".to_owned(), "Shipping".to_owned()),
        ])
    );
    assert_eq!(sim.state().variables.get("phone"), None);
}

#[test]
fn a_known_name_is_not_asked_again() {
    let mut sim = Sim::new(demo_bot());
    sim.now_ms = utc_ms(2026, 3, 13, 20, 0);
    sim.facts
        .insert("customer.name".into(), "Grace Hopper".into());
    sim.say("hi");
    let t = sim.send(Input::Tap {
        payload: "bot:answer:talk".into(),
        label: "Talk to us".into(),
    });
    assert_eq!(
        texts(&t),
        [
            "We're closed now (Mon-Fri 9-18 KST).",
            "A phone number we can call? (optional)"
        ]
    );
}

#[test]
fn show_articles_fixed_and_searched() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    let t = sim.say("I forgot my password");
    assert_eq!(
        texts(&t),
        [
            "Start here:",
            "[articles 1,2]",
            "[articles 1,2]",
            "Did this answer your question?"
        ]
    );
    let t = sim.tap("No");
    assert_eq!(
        texts(&t),
        ["Sorry about that. You can ask in other words, or talk to a person."]
    );
    assert_eq!(labels(&t), ["Talk to a person"]);
}

#[test]
fn unmatched_text_gets_articles_then_cant_answer() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    let t = sim.say("what are your shipping times");
    assert_eq!(
        texts(&t),
        [
            "These articles might help:",
            "[articles 3]",
            "Did this answer your question?"
        ]
    );
    let t = sim.say("do you sell hats");
    assert_eq!(
        texts(&t),
        ["Sorry, I don't know the answer to that yet. Try other words, or talk to a person."]
    );
    let t = sim.tap("Talk to a person");
    assert_eq!(
        texts(&t),
        ["Connecting you with a person. An agent will reply here soon."]
    );
    assert!(t.transfer().is_some());
}

#[test]
fn two_equally_good_answers_ask_for_clarification() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    let t = sim.say("change or cancel order");
    assert_eq!(texts(&t), ["Which of these did you mean?"]);
    assert_eq!(
        labels(&t),
        ["Cancel an order", "Change an order", "Talk to a person"]
    );
    let t = sim.tap("Change an order");
    assert_eq!(texts(&t)[0], "Changed.");
}

#[test]
fn handoff_keywords_in_english_and_korean() {
    for (locale, text) in [
        ("en", "agent"),
        ("en", "I want a human please"),
        ("ko", "상담원 연결해 주세요"),
        ("ko", "사람이랑 얘기할래요"),
    ] {
        let mut sim = Sim::new(demo_bot());
        sim.locale = locale.into();
        let t = sim.say(text);
        assert!(t.transfer().is_some(), "{text}: {:?}", t.trace);
    }
    // Even in the middle of a form.
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("where is my order");
    assert!(sim.say("agent").transfer().is_some());
    assert_eq!(sim.state().waiting, None);
}

#[test]
fn korean_free_text_runs_the_korean_answer() {
    let mut sim = Sim::new(demo_bot());
    sim.locale = "ko".into();
    sim.say("안녕하세요");
    let t = sim.say("환불하고 싶어요");
    assert_eq!(texts(&t), ["How did you pay?"]);
}

#[test]
fn the_loop_guard_stops_a_runaway_flow() {
    let bot: Bot = serde_json::from_value(json!({
        "answers": [
            {"id": "ping", "name": "Ping", "phrases": {"en": ["ping"]}, "steps": [
                {"type": "set_variable", "id": "s1", "variable": "n", "value": "{{n}}x", "next": "s2"},
                {"type": "link_answer", "id": "s2", "answer": "pong"}]},
            {"id": "pong", "name": "Pong", "steps": [
                {"type": "link_answer", "id": "s1", "answer": "ping"}]}
        ]
    }))
    .unwrap();
    assert!(
        spindesk_core::bot::validate::validate(&bot, &Default::default())
            .iter()
            .any(|p| p.code == "endless_loop")
    );
    let mut sim = Sim::new(bot);
    sim.say("hi");
    let t = sim.say("ping");
    assert!(t.loop_guard);
    let steps_run = t
        .trace
        .iter()
        .filter(|l| l.starts_with("p") && l.contains('/'))
        .count();
    assert_eq!(steps_run, 50, "{:?}", t.trace);
    assert_eq!(
        texts(&t),
        ["Sorry, I don't know the answer to that yet. Try other words, or talk to a person."]
    );
    assert_eq!(sim.state().waiting, None);
}

/// Hand-off then hand-back: the state after a transfer keeps the greeting said and variables,
/// and the next turn (the bot in control again) continues without greeting twice.
#[test]
fn after_a_handback_the_bot_does_not_greet_again() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    sim.say("refund please");
    sim.tap("Card");
    assert!(sim.tap("No").transfer().is_some());
    let after = sim.state();
    assert!(after.greeted);
    assert_eq!(after.variables["method"], "card");
    let t = sim.say("where is my order");
    assert_eq!(texts(&t), ["I can look that up.", "What's your email?"]);
}

/// A hand-made `bot:answer:<id>` payload starts only an answer the conversation was offered;
/// otherwise the tap is its label's words.
#[test]
fn a_forged_answer_payload_does_not_jump_into_an_answer() {
    let mut sim = Sim::new(demo_bot());
    sim.say("hi");
    // "cancel-order" was never offered as a button.
    let t = sim.send(Input::Tap {
        payload: "bot:answer:cancel-order".into(),
        label: "hello there".into(),
    });
    assert!(
        !texts(&t).contains(&"Cancelled.".to_owned()),
        "{:?}",
        texts(&t)
    );
    assert!(
        !t.trace.iter().any(|l| l.starts_with("cancel-order")),
        "{:?}",
        t.trace
    );
    // Typing its phrase still reaches it: the gate is on buttons, not on the answer.
    assert_eq!(texts(&sim.say("cancel my order"))[0], "Cancelled.");
    // The greeting's suggestions were offered: tapping one starts it, even turns later.
    let t = sim.send(Input::Tap {
        payload: "bot:answer:refund".into(),
        label: "(a label that matches nothing)".into(),
    });
    assert_eq!(texts(&t)[0], "How did you pay?");
}
