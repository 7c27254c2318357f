//! What a `run_action` step costs natively: one call of a built-in action through wasmtime
//! (a fresh instance with its fuel, time and memory budget, as each Spin request gets), and
//! `list-actions`, which the step also calls to check the outcome. `cargo bench --bench actions`.

use criterion::{criterion_group, criterion_main, Criterion};
use spindesk_core::ports::actions::{ActionContext, Actions};
use spindesk_tests::actions::builtin;

fn bench(c: &mut Criterion) {
    let actions = builtin();
    let context = ActionContext {
        locale: "ko-KR".into(),
        channel: "web".into(),
        variables: vec![("text".into(), "주문번호 AB-12345 어디쯤인가요?".into())],
        last_message: "주문번호 AB-12345 어디쯤인가요?".into(),
        now_ms: 1_795_000_000_000,
    };
    c.bench_function("order-number (instantiate + run)", |b| {
        b.iter(|| actions.run("order-number", &context).expect("runs"))
    });
    let days = ActionContext {
        variables: vec![
            ("days".into(), "20".into()),
            ("country".into(), "KR".into()),
        ],
        ..context.clone()
    };
    c.bench_function("business-days 20 KR", |b| {
        b.iter(|| actions.run("business-days", &days).expect("runs"))
    });
    c.bench_function("list-actions", |b| {
        b.iter(|| actions.list().expect("lists"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
