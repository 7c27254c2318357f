//! One bot turn, natively: `cargo bench -p spindesk-tests --bench bot_turn`.
//!
//! - `engine/*`: the engine alone (intent matching over the training phrases + the steps), for
//!   the tested demo bot and for a bot at the limits (500 answers, 2,000 steps, 20 phrases each):
//!   with the phrases analysed at publish time (`stored_phrases`, what conversations do) and
//!   analysed during the turn (`analysing_phrases`, the simulator and a version without a stored
//!   index), and the costs around it: parsing the document, analysing the phrases (at publish),
//!   reading the stored analysed phrases (per message).
//! - `widget_message/*`: a whole customer message through the widget API — session lookup, the
//!   message insert, loading and parsing the live bot and its analysed phrases, the turn, the
//!   bot's message and state writes, in one SQLite transaction on a file (what a Spin instance
//!   does per message) — for the demo bot and for the bot at the limits.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use spindesk_core::bot::phrases::PhraseIndex;
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
    assert!(spindesk_core::bot::validate::validate(&bot, &Default::default()).is_empty());
    bot
}

fn engine(c: &mut Criterion) {
    let outbound = RecordingOutbound::default();
    let facts = BTreeMap::new();
    let context = |phrases: Option<&'static PhraseIndex>| Context {
        locale: "en",
        now_ms: 1_795_000_000_000,
        outbound: &outbound,
        actions: &spindesk_core::ports::NoActions,
        articles: &NoArticles,
        phrases,
        facts: &facts,
    };
    let greeted = BotState {
        greeted: true,
        ..BotState::default()
    };
    let demo = bot_demo::demo_bot();
    let demo_phrases: &'static PhraseIndex = Box::leak(Box::new(PhraseIndex::build(&demo)));
    let input = Input::text("I want a refund");
    let ctx = context(Some(demo_phrases));
    c.bench_function("engine/demo_bot_free_text_stored_phrases", |b| {
        b.iter(|| run_turn(&demo, &greeted, &input, &ctx).expect("turn"))
    });
    let ctx = context(None);
    c.bench_function("engine/demo_bot_free_text_analysing_phrases", |b| {
        b.iter(|| run_turn(&demo, &greeted, &input, &ctx).expect("turn"))
    });
    let large = large_bot();
    let large_phrases: &'static PhraseIndex = Box::leak(Box::new(PhraseIndex::build(&large)));
    let input = Input::text("how do I return my invoice number 42");
    let ctx = context(Some(large_phrases));
    c.bench_function("engine/500_answers_free_text_stored_phrases", |b| {
        b.iter(|| run_turn(&large, &greeted, &input, &ctx).expect("turn"))
    });
    let ctx = context(None);
    c.bench_function("engine/500_answers_free_text_analysing_phrases", |b| {
        b.iter(|| run_turn(&large, &greeted, &input, &ctx).expect("turn"))
    });
    let document = serde_json::to_string(&large).expect("json");
    println!("large bot document: {} bytes", document.len());
    c.bench_function("engine/500_answers_parse_document", |b| {
        b.iter(|| serde_json::from_str::<Bot>(&document).expect("parse"))
    });
    c.bench_function("engine/500_answers_analyse_phrases", |b| {
        b.iter(|| PhraseIndex::build(&large))
    });
    let stored = large_phrases.to_json();
    println!("large bot analysed phrases: {} bytes", stored.len());
    c.bench_function("engine/500_answers_read_stored_phrases", |b| {
        b.iter(|| PhraseIndex::from_json(&stored).expect("index"))
    });
}

fn widget_message(c: &mut Criterion) {
    let app = App::without_message_limits();
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

    let app = App::without_message_limits();
    app.request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&serde_json::to_value(large_bot()).expect("json"))
        .send()
        .expect(200);
    app.request("bot", "POST", "/api/bot/publish")
        .admin()
        .send()
        .expect(201);
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    // A matched answer of four steps that ends with "did this help?": one message.
    c.bench_function("widget_message/500_answers_free_text", |b| {
        b.iter(|| app.say(&v, "how do I return my invoice number 42", None))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = engine, widget_message
}
criterion_main!(benches);
