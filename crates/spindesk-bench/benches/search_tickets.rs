//! Ticket search over 100,000 generated tickets with 1,000,000 comments (half the tickets in
//! Korean, half in English, Zipf-distributed words from the relevance set plus rare made-up
//! product names): p50/p99 of each kind of query — rare and common free words, Korean words with
//! particles, keyword-only filters, combined — counting all matches and reading the first page
//! of 25, as `GET /api/v2/search.json` does. Also the indexing rate.
//!
//! `cargo bench -p spindesk-bench --bench search_tickets` (the corpus is built once, about
//! two minutes, and kept in the temp directory for later runs; delete the file to rebuild).

use spindesk_bench::{Rng, Vocabulary};
use spindesk_core::ports::{Sql, Value};
use spindesk_core::store::{ensure_schema, Db};
use spindesk_core::tickets::search::{self, Page, Searcher, SortBy};
use spindesk_core::tickets::search_index;
use spindesk_native::NativeSql;
use std::time::{Duration, Instant};

const TICKETS: usize = 100_000;
const COMMENTS_PER_TICKET: usize = 10;
const AGENTS: i64 = 20;
const CUSTOMERS: i64 = 20_000;
const BATCH: usize = 1_000;
/// 2026-01-01T00:00:00Z; tickets are spread over the following year.
const START: i64 = 1_767_225_600_000;
const YEAR_MS: i64 = 365 * 86_400_000;

const STATUSES: [&str; 6] = ["new", "open", "pending", "hold", "solved", "closed"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const CHANNELS: [&str; 5] = ["web", "whatsapp", "telegram", "line", "sms"];
const TAGS: [&str; 8] = [
    "vip", "billing", "refund", "shipping", "bug", "account", "b2b", "promo",
];

fn exec(db: &Db, sql: &str, params: &[Value]) {
    db.execute(sql, params).expect(sql);
}

fn build(db: &Db, vocab: &Vocabulary) {
    ensure_schema(db, 0).expect("schema");
    // Settle the index's analysis version while there is nothing to index: a catch-up that
    // finds an older version re-queues every ticket and drops every pair.
    while !search::catch_up(db).expect("catch up") {}
    let started = Instant::now();
    exec(db, "BEGIN", &[]);
    for i in 0..AGENTS {
        exec(
            db,
            "INSERT INTO users (public_id, role, name, email, presence, created_at, updated_at) \
             VALUES (?, 'agent', ?, ?, 'online', 0, 0)",
            &[
                format!("a{i}").into(),
                format!("Agent {i}").into(),
                format!("agent{i}@example.com").into(),
            ],
        );
    }
    for g in ["Billing", "Shipping", "Level 2"] {
        exec(
            db,
            "INSERT INTO groups (name, created_at, updated_at) VALUES (?, 0, 0)",
            &[g.into()],
        );
    }
    exec(
        db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) \
         INSERT INTO users (public_id, role, name, email, created_at, updated_at) \
         SELECT 'c' || i, 'end-user', 'Customer ' || i, 'customer' || i || '@example.com', 0, 0 \
         FROM n",
        &[CUSTOMERS.into()],
    );
    exec(db, "COMMIT", &[]);
    let mut rng = Rng::new(42);
    for batch in 0..TICKETS / BATCH {
        let mut tickets = Vec::with_capacity(BATCH);
        let mut comments = Vec::with_capacity(BATCH * COMMENTS_PER_TICKET);
        for j in 0..BATCH {
            let id = (batch * BATCH + j + 1) as i64;
            let korean = id % 2 == 0;
            let created = START + (id * YEAR_MS / TICKETS as i64);
            let status = STATUSES[rng.below(6)];
            let assignee = if status == "new" || rng.below(5) == 0 {
                Value::Null
            } else {
                (1 + rng.below(AGENTS as usize) as i64).into()
            };
            let tags: Vec<&str> = (0..rng.below(3)).map(|_| TAGS[rng.below(8)]).collect();
            tickets.push(serde_json::json!([
                id,
                AGENTS + 1 + rng.below(CUSTOMERS as usize) as i64,
                match assignee {
                    Value::Integer(a) => serde_json::json!(a),
                    _ => serde_json::Value::Null,
                },
                vocab.sentence(&mut rng, korean, 5),
                vocab.sentence(&mut rng, korean, 30),
                status,
                PRIORITIES[rng.below(4)],
                serde_json::to_string(&tags).unwrap_or_default(),
                CHANNELS[rng.zipf(5)],
                1 + rng.below(3) as i64,
                created,
                created + rng.below(30 * 86_400_000) as i64,
            ]));
            for _ in 0..COMMENTS_PER_TICKET {
                // Mostly the ticket's language, sometimes the other (people mix them).
                let lang = if rng.below(10) == 0 { !korean } else { korean };
                comments.push(serde_json::json!([id, vocab.sentence(&mut rng, lang, 12)]));
            }
        }
        exec(db, "BEGIN", &[]);
        exec(
            db,
            "INSERT INTO tickets (id, requester_id, submitter_id, assignee_id, subject, description, \
             status, priority, tags, via_channel, group_id, created_at, updated_at) \
             SELECT v->>0, v->>1, v->>1, v->>2, v->>3, v->>4, v->>5, v->>6, v->>7, v->>8, v->>9, \
             v->>10, v->>11 FROM (SELECT value AS v FROM json_each(?))",
            &[serde_json::Value::Array(tickets).to_string().into()],
        );
        exec(
            db,
            "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, created_at) \
             SELECT v->>0, 1, v->>1, 1, 'web', 0 FROM (SELECT value AS v FROM json_each(?))",
            &[serde_json::Value::Array(comments).to_string().into()],
        );
        for j in 0..BATCH {
            search_index::index_ticket(db, (batch * BATCH + j + 1) as i64).expect("index");
        }
        exec(db, "COMMIT", &[]);
    }
    while !search::catch_up(db).expect("catch up") {}
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "built and indexed {TICKETS} tickets with {} comments in {took:.0} s ({:.0} tickets/s)",
        TICKETS * COMMENTS_PER_TICKET,
        TICKETS as f64 / took
    );
}

fn corpus(vocab: &Vocabulary) -> NativeSql {
    let path = std::env::temp_dir().join("spindesk-bench-tickets-v1.db");
    let sql = NativeSql::open(&path);
    let ready = Db::new(&sql)
        .query_i64(
            "SELECT count(*) FROM tickets WHERE NOT EXISTS (SELECT 1 FROM ticket_search_queue)",
            &[],
        )
        .ok()
        .flatten()
        == Some(TICKETS as i64);
    if !ready {
        drop(sql);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let sql = NativeSql::open(&path);
        build(&Db::new(&sql), vocab);
        return sql;
    }
    let db = Db::new(&sql);
    ensure_schema(&db, 0).expect("schema");
    // A corpus from an older schema: bring its search structures up to date, as the searches
    // after an upgrade would a batch at a time.
    let started = Instant::now();
    let mut batches = 0;
    while !search::catch_up(&db).expect("catch up") {
        batches += 1;
    }
    if batches > 0 {
        eprintln!(
            "caught up the search index in {batches} batches, {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    sql
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    (ms(at(0.5)), ms(at(0.99)), ms(samples[samples.len() - 1]))
}

fn main() {
    let vocab = Vocabulary::load();
    let sql = corpus(&vocab);
    let db = Db::new(&sql);
    let ticket_count = sql
        .execute("SELECT count(*) FROM ticket_terms", &[])
        .map(|r| format!("{:?}", r.rows[0][0]))
        .unwrap_or_default();
    eprintln!("index rows (term, ticket): {ticket_count}");
    let mut rng = Rng::new(7);
    let en = &vocab.english;
    let ko = &vocab.korean;
    let common = |rng: &mut Rng, words: &[String]| words[rng.below(20)].clone();
    let mid = |rng: &mut Rng, words: &[String]| words[50 + rng.below(400)].clone();
    let particles = ["을", "를", "이", "가", "에서", "으로"];
    // The commonest English words are mostly stop words, which a phrase skips: the commonest
    // words that are terms make a phrase the pair index must answer.
    let content: Vec<String> = en
        .iter()
        .filter(|w| !spindesk_core::text::terms(w, "en").is_empty())
        .take(20)
        .cloned()
        .collect();
    let content = &content;
    type Gen<'a> = Box<dyn FnMut(&mut Rng) -> String + 'a>;
    let sets: Vec<(&str, Gen)> = vec![
        (
            "rare word (a product name)",
            Box::new(|rng: &mut Rng| format!("model{}", rng.below(50_000))),
        ),
        (
            "common English word",
            Box::new(|rng: &mut Rng| common(rng, en)),
        ),
        (
            "two mid-frequency English words",
            Box::new(|rng: &mut Rng| format!("{} {}", mid(rng, en), mid(rng, en))),
        ),
        (
            "Korean word with a particle",
            Box::new(|rng: &mut Rng| {
                let word = mid(rng, ko);
                format!("{word}{}", particles[rng.below(particles.len())])
            }),
        ),
        (
            "common Korean word with a particle",
            Box::new(|rng: &mut Rng| format!("{}을", common(rng, ko))),
        ),
        (
            "keywords only: status<solved assignee:<email>",
            Box::new(|rng: &mut Rng| {
                format!("status<solved assignee:agent{}@example.com", rng.below(20))
            }),
        ),
        (
            "keywords only: status:open priority>normal tags:<tag>",
            Box::new(|rng: &mut Rng| {
                format!("status:open priority>normal tags:{}", TAGS[rng.below(8)])
            }),
        ),
        (
            "keywords only: group, via and created range",
            Box::new(|rng: &mut Rng| {
                format!(
                    "group:\"Level 2\" via:whatsapp created>2026-{:02}-01",
                    1 + rng.below(12)
                )
            }),
        ),
        (
            "combined: common word + status<solved + -tags:vip",
            Box::new(|rng: &mut Rng| format!("{} status<solved -tags:vip", common(rng, en))),
        ),
        (
            "combined: Korean word + assignee:none + created>",
            Box::new(|rng: &mut Rng| {
                format!(
                    "{}을 assignee:none created>2026-{:02}-01",
                    mid(rng, ko),
                    1 + rng.below(12)
                )
            }),
        ),
        (
            "phrase of two common words",
            Box::new(|rng: &mut Rng| format!("\"{} {}\"", common(rng, en), common(rng, en))),
        ),
        (
            "phrase of two common content words",
            Box::new(|rng: &mut Rng| {
                format!("\"{} {}\"", common(rng, content), common(rng, content))
            }),
        ),
        (
            "phrase of three common content words",
            Box::new(|rng: &mut Rng| {
                format!(
                    "\"{} {} {}\"",
                    common(rng, content),
                    common(rng, content),
                    common(rng, content)
                )
            }),
        ),
        (
            "phrase of two mid-frequency Korean words",
            Box::new(|rng: &mut Rng| format!("\"{} {}\"", mid(rng, ko), mid(rng, ko))),
        ),
        (
            "phrase of three common words",
            Box::new(|rng: &mut Rng| {
                format!(
                    "\"{} {} {}\"",
                    common(rng, en),
                    common(rng, en),
                    common(rng, en)
                )
            }),
        ),
    ];
    let page = Page {
        sort_by: SortBy::UpdatedAt,
        descending: true,
        offset: 0,
        limit: 25,
    };
    let searcher = Searcher { user_id: Some(1) };
    // Warm the page cache the way a running server has it.
    for _ in 0..3 {
        for q in ["status:open", "model1", "환불을", "order"] {
            let query = search::parse(&format!("type:ticket {q}"), START + YEAR_MS).expect(q);
            let _ = search::tickets(&db, &query, searcher, &page);
        }
    }
    // `SEARCH_BENCH_RUNS=20` for a quick look; the figures reported use the default.
    let runs: usize = std::env::var("SEARCH_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut all = Vec::new();
    for (name, mut generate) in sets {
        let mut samples = Vec::with_capacity(runs);
        let mut matches = 0;
        let mut slowest = (Duration::ZERO, String::new(), 0);
        for _ in 0..runs {
            let q = format!("type:ticket {}", generate(&mut rng));
            let query = search::parse(&q, START + YEAR_MS).expect("query");
            let t = Instant::now();
            let (count, _) = search::tickets(&db, &query, searcher, &page).expect("search");
            let took = t.elapsed();
            samples.push(took);
            matches += count;
            if took > slowest.0 {
                slowest = (took, q, count);
            }
        }
        all.extend(samples.iter().copied());
        let (p50, p99, max) = percentiles(samples);
        eprintln!(
            "{name}: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms ({} matches per query)",
            matches / runs as i64
        );
        eprintln!("    slowest: {} ({} matches)", slowest.1, slowest.2);
    }
    let (p50, p99, max) = percentiles(all);
    eprintln!("all queries: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");

    // Incremental indexing: one comment on a ticket, as an agent reply does.
    let mut samples = Vec::new();
    for i in 0..200 {
        let id = 1 + rng.below(TICKETS) as i64;
        let body = vocab.sentence(&mut rng, i % 2 == 0, 12);
        exec(&db, "BEGIN", &[]);
        let t = Instant::now();
        exec(
            &db,
            "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, created_at) \
             VALUES (?, 1, ?, 1, 'api', 0)",
            &[id.into(), body.into()],
        );
        search_index::index_comment(&db, id).expect("index");
        samples.push(t.elapsed());
        exec(&db, "ROLLBACK", &[]);
    }
    let (p50, p99, max) = percentiles(samples);
    eprintln!("add + index a comment: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");

    // What an agent's reply writes in all: the comment, its terms and pairs, the ticket's new
    // `updated_at` and status (whose trigger queues the ticket's facet record), and the
    // upkeep every write does before it commits (that record rewritten).
    let mut samples = Vec::new();
    for i in 0..200 {
        let id = 1 + rng.below(TICKETS) as i64;
        let body = vocab.sentence(&mut rng, i % 2 == 0, 12);
        exec(&db, "BEGIN", &[]);
        let t = Instant::now();
        exec(
            &db,
            "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, created_at) \
             VALUES (?, 1, ?, 1, 'api', 0)",
            &[id.into(), body.into()],
        );
        search_index::index_comment(&db, id).expect("index");
        exec(
            &db,
            "UPDATE tickets SET updated_at = updated_at + 1, status = 'open' WHERE id = ?",
            &[id.into()],
        );
        search::upkeep(&db).expect("upkeep");
        samples.push(t.elapsed());
        exec(&db, "ROLLBACK", &[]);
    }
    let (p50, p99, max) = percentiles(samples);
    eprintln!(
        "add + index a comment + update the ticket: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );

    // A search right after a committed ticket change: the write rewrote the ticket's record
    // before it committed (searches never write), so the search reads records as usual.
    // (The change is undone afterwards, so the corpus stays as built.)
    let mut samples = Vec::new();
    let query = search::parse("type:ticket status:open", START + YEAR_MS).expect("query");
    for _ in 0..100 {
        let id = 1 + rng.below(TICKETS) as i64;
        let change = "UPDATE tickets SET updated_at = updated_at + ?, \
                      status = CASE status WHEN 'open' THEN 'pending' ELSE 'open' END WHERE id = ?";
        let before = db
            .query_opt(
                "SELECT status FROM tickets WHERE id = ?",
                &[id.into()],
                |r| r.string("status"),
            )
            .expect("status")
            .unwrap_or_default();
        db.transaction(|db| {
            exec(db, change, &[1.into(), id.into()]);
            search::upkeep(db)
        })
        .expect("change");
        let t = Instant::now();
        search::count_tickets(&db, &query, searcher).expect("search");
        samples.push(t.elapsed());
        db.transaction(|db| {
            exec(
                db,
                "UPDATE tickets SET updated_at = updated_at - 1, status = ? WHERE id = ?",
                &[before.into(), id.into()],
            );
            search::upkeep(db)
        })
        .expect("undo");
    }
    let (p50, p99, max) = percentiles(samples);
    eprintln!(
        "status:open right after a ticket changed: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );
}
