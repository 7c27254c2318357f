//! One bot turn, natively: `cargo bench -p spindesk-tests --bench bot_turn`.
//!
//! - `engine/*`: the engine alone (intent matching over the training phrases + the steps), for
//!   the tested demo bot and for a bot at the limits (500 answers, 2,000 steps, 20 phrases each).
//! - `widget_message`: a whole customer message through the widget API — session lookup, the
//!   message insert, loading and parsing the live bot, the turn, the bot's message and state
//!   writes, in one SQLite transaction on a file (what a Spin instance does per message).

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use spindesk_core::bot::{run_turn, Bot, BotState, Context, Input, NoArticles};
use spindesk_native::RecordingOutbound;
use spindesk_tests::App;
use std::collections::BTreeMap;

#[path = "../e2e/bot_demo.rs"]
mod bot_demo;

/// 500 answers of 4 steps (2,000 steps), 20 English phrases each.
fn large_bot() -> Bot {
    let words = [
        "order", "refund", "password", "shipping", "invoice", "account", "delivery", "coupon",
        "return", "warranty", "size", "colour", "store", "payment", "card", "address",
    ];
    let answers: Vec<_> = (0..500)
        .map(|i| {
            let phrases: Vec<String> = (0..20)
                .map(|j| {
                    format!(
                        "how do I {} my {} number {i} {j}",
                        words[(i + j) % words.len()],
                        words[(i * 7 + j) % words.len()]
                    )
                })
                .collect();
            json!({"id": format!("a{i}"), "name": format!("Answer {i}"),
                   "phrases": {"en": phrases},
                   "steps": [
                       {"type": "send_message", "id": "s1", "text": "One", "next": "s2"},
                       {"type": "set_variable", "id": "s2", "variable": "x", "value": "{{conversation.last_message}}", "next": "s3"},
                       {"type": "send_message", "id": "s3", "text": "Two {{x}}", "next": "s4"},
                       {"type": "send_message", "id": "s4", "text": "Three"}]})
        })
        .collect();
    let bot: Bot = serde_json::from_value(json!({"answers": answers})).expect("large bot");
    assert!(spindesk_core::bot::validate::validate(&bot).is_empty());
    bot
}

fn engine(c: &mut Criterion) {
    let outbound = RecordingOutbound::default();
    let facts = BTreeMap::new();
    let ctx = Context {
        locale: "en",
        now_ms: 1_795_000_000_000,
        outbound: &outbound,
        articles: &NoArticles,
        facts: &facts,
    };
    let greeted = BotState {
        greeted: true,
        ..BotState::default()
    };
    let demo = bot_demo::demo_bot();
    let input = Input::text("I want a refund");
    c.bench_function("engine/demo_bot_free_text", |b| {
        b.iter(|| run_turn(&demo, &greeted, &input, &ctx).expect("turn"))
    });
    let large = large_bot();
    let input = Input::text("how do I return my invoice number 42");
    c.bench_function("engine/500_answers_free_text", |b| {
        b.iter(|| run_turn(&large, &greeted, &input, &ctx).expect("turn"))
    });
    let document = serde_json::to_string(&large).expect("json");
    println!("large bot document: {} bytes", document.len());
    c.bench_function("engine/500_answers_parse_document", |b| {
        b.iter(|| serde_json::from_str::<Bot>(&document).expect("parse"))
    });
}

fn widget_message(c: &mut Criterion) {
    let app = App::new();
    let demo = serde_json::to_value(bot_demo::demo_bot()).expect("json");
    app.request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&demo)
        .send()
        .expect(200);
    app.request("bot", "POST", "/api/bot/publish")
        .admin()
        .send()
        .expect(201);
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    // "refund please" then "Other": a matched answer, an options step, its branch, the
    // after-answer question — two messages per iteration, the state back where it started.
    c.bench_function("widget_message/refund_then_option", |b| {
        b.iter(|| {
            app.say(&v, "refund please", None);
            app.say(&v, "Other", None);
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = engine, widget_message
}
criterion_main!(benches);
