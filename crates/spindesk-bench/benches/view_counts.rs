//! View counts over 100,000 tickets: the six system views counted for one agent, as the agent
//! workspace asks for them in one `GET /api/v2/views/count_many?ids=1,2,3,4,5,6` — p50/p99 of
//! that request's counting (goal ≤ 10 ms), then criterion per view.
//!
//! `cargo bench -p spindesk-bench --bench view_counts` (`-- --test` runs each once).
//!
//! The tickets: 50 agents, 2,000 customers; statuses as a busy desk has them (closed 40%,
//! solved 15%, open 20%, new 8%, pending 10%, hold 7%), 12% of tickets unassigned, updates
//! spread over 90 days.

use criterion::{criterion_group, criterion_main, Criterion};
use spindesk_bench::Rng;
use spindesk_core::store::{ensure_schema, Db};
use spindesk_core::tickets::views::conditions::Context;
use spindesk_core::tickets::views::{count, system_views};
use spindesk_native::NativeSql;
use std::hint::black_box;
use std::time::{Duration, Instant};

const TICKETS: usize = 100_000;
const AGENTS: i64 = 50;
const CUSTOMERS: i64 = 2_000;
const NOW: i64 = 1_795_000_000_000;
const DAY: i64 = 24 * 3_600_000;

fn corpus() -> (spindesk_bench::ScratchDb, NativeSql) {
    let scratch = spindesk_bench::ScratchDb::new("spindesk-views");
    let sql = NativeSql::open(&scratch.path);
    let db = Db::new(&sql);
    ensure_schema(&db, NOW).expect("schema");
    let started = Instant::now();
    db.transaction(|db| {
        for i in 0..AGENTS + CUSTOMERS {
            let role = if i < AGENTS { "agent" } else { "end-user" };
            db.execute(
                "INSERT INTO users (id, public_id, role, name, email, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, 0, 0)",
                &[
                    (i + 1).into(),
                    format!("u{i}").into(),
                    role.into(),
                    format!("User {i}").into(),
                    format!("u{i}@example.com").into(),
                ],
            )?;
        }
        let mut rng = Rng::new(11);
        for _ in 0..TICKETS {
            let roll = rng.below(100);
            let status = match roll {
                0..=39 => "closed",
                40..=54 => "solved",
                55..=74 => "open",
                75..=82 => "new",
                83..=92 => "pending",
                _ => "hold",
            };
            let assignee: Option<i64> = if rng.below(100) < 12 {
                None
            } else {
                Some(1 + rng.below(AGENTS as usize) as i64)
            };
            let updated = NOW - (rng.below(90 * 24) as i64) * 3_600_000;
            db.execute(
                "INSERT INTO tickets (requester_id, assignee_id, subject, description, status,
                                      tags, via_channel, created_at, updated_at)
                 VALUES (?, ?, 'subject', 'description', ?, '[]', 'web', ?, ?)",
                &[
                    (AGENTS + 1 + rng.below(CUSTOMERS as usize) as i64).into(),
                    assignee.into(),
                    status.into(),
                    (updated - DAY).into(),
                    updated.into(),
                ],
            )?;
        }
        Ok::<_, spindesk_core::ports::SqlError>(())
    })
    .expect("populate");
    db.execute("ANALYZE", &[]).expect("analyze");
    eprintln!(
        "{TICKETS} tickets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (scratch, sql)
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99), samples[samples.len() - 1])
}

fn benches(c: &mut Criterion) {
    let (_scratch, sql) = corpus();
    let db = Db::new(&sql);
    let views = system_views();
    let ctx = |agent: i64| Context {
        current_user: Some(agent),
        now: NOW,
    };
    // Warm the page cache as a running server has it.
    for agent in 1..=AGENTS {
        for v in &views {
            black_box(count(&db, v, &ctx(agent)).expect("count"));
        }
    }
    let mut samples = Vec::new();
    let mut per_view: Vec<Vec<Duration>> = vec![Vec::new(); views.len()];
    for i in 0..1_000 {
        let agent = 1 + (i % AGENTS);
        let t = Instant::now();
        for (n, v) in views.iter().enumerate() {
            let one = Instant::now();
            black_box(count(&db, v, &ctx(agent)).expect("count"));
            per_view[n].push(one.elapsed());
        }
        samples.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (p50, p99, max) = percentiles(samples);
    eprintln!(
        "count_many of the 6 system views ({TICKETS} tickets): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(p50),
        ms(p99),
        ms(max)
    );
    for (v, samples) in views.iter().zip(per_view) {
        let (p50, p99, _) = percentiles(samples);
        eprintln!(
            "  {}: p50 {:.3} ms, p99 {:.3} ms, count for agent 1 = {}",
            v.title,
            ms(p50),
            ms(p99),
            count(&db, v, &ctx(1)).unwrap_or(-1)
        );
    }

    let mut g = c.benchmark_group("views");
    g.sample_size(30);
    g.bench_function("count_many, 6 system views (100k tickets)", |b| {
        let mut agent = 0;
        b.iter(|| {
            agent = agent % AGENTS + 1;
            for v in &views {
                black_box(count(&db, v, &ctx(agent)).ok());
            }
        })
    });
    g.finish();
}

criterion_group!(view_counts, benches);
criterion_main!(view_counts);
