//! Where a help-center search spends its time: each stage of `search::search` timed on its own
//! over the relevance set's customer queries (10 runs each) on 10,000 generated articles.
//!
//! `cargo bench -p spindesk-bench --bench search_stages` (with `STAGES_VERBOSE=1`, also the 12
//! slowest rankings with their units and match counts).

use spindesk_bench::{customer_queries, populate, Vocabulary};
use spindesk_core::help_center::rank::{self, Scope};
use spindesk_core::help_center::search::{Highlighter, SearchRequest};
use spindesk_core::help_center::{catalog, search, vocabulary};
use spindesk_core::store::Db;
use spindesk_core::text;
use spindesk_native::NativeSql;
use std::time::{Duration, Instant};

const ARTICLES: usize = 10_000;
const STAGES: [&str; 7] = [
    "analyse query",
    "vocabulary (df, totals) + spelling corrections",
    "selective units",
    "rank (read blocks + bm25)",
    "load 25 articles",
    "snippets (25 bodies)",
    "whole search()",
];

fn main() {
    let scratch = spindesk_bench::ScratchDb::new("spindesk-stages");
    let sql = NativeSql::open(&scratch.path);
    let db = Db::new(&sql);
    let started = Instant::now();
    populate(&db, &Vocabulary::load(), ARTICLES).expect("populate");
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "indexed {ARTICLES} articles in {took:.2} s ({:.0}/s, 500 per transaction)",
        ARTICLES as f64 / took
    );
    let queries: Vec<(String, &str)> = customer_queries()
        .into_iter()
        .map(|(q, l)| (q, if l.starts_with("ko") { "ko" } else { "en-us" }))
        .collect();
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); STAGES.len()];
    let mut slowest: Vec<(Duration, String, usize, i64)> = Vec::new();
    for run in 0..11 {
        for (q, locale) in &queries {
            let mut at = Instant::now();
            let mut times = Vec::new();
            macro_rules! lap {
                () => {{
                    times.push(at.elapsed());
                    at = Instant::now();
                }};
            }
            let mut query = text::query(q, locale);
            lap!();
            let mut words = vocabulary::Vocabulary::of(&db, &query, None).expect("vocabulary");
            vocabulary::add_corrections(&mut query, &mut words);
            lap!();
            if query.is_empty() {
                continue;
            }
            let selection = vocabulary::selective_units(&query, &words);
            let units = selection.texts();
            lap!();
            let all = rank::rank(&db, &selection, Scope::Locale(locale), None, 25).expect("rank");
            let ranked: Vec<i64> = all.iter().take(25).map(|s| s.article_id).collect();
            lap!();
            if run == 1 && std::env::var_os("STAGES_VERBOSE").is_some() {
                slowest.push((times[3], units.join(" | "), units.len(), all.len() as i64));
            }
            let articles = db
                .query(
                    &format!(
                        "SELECT {}, a.body_text FROM hc_articles a WHERE a.id IN \
                         (SELECT value FROM json_each(?))",
                        catalog::ARTICLE_COLUMNS
                    ),
                    &[serde_json::to_string(&ranked).expect("ids").into()],
                    |r| Ok((catalog::Article::from_row(r)?, r.string("body_text")?)),
                )
                .expect("articles");
            lap!();
            let h = Highlighter::new(&query);
            for (a, text) in &articles {
                std::hint::black_box(h.snippet_of_text(text, &a.locale));
            }
            lap!();
            let req = SearchRequest {
                query: q,
                locale: Some(locale),
                limit: 25,
                ..SearchRequest::default()
            };
            let _ = search::search(&db, &req);
            lap!();
            if run > 0 {
                for (s, t) in samples.iter_mut().zip(times) {
                    s.push(t);
                }
            }
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (t, m, n, count) in slowest.iter().take(12) {
        eprintln!("rank {:.3} ms, {n} units, {count} matches: {m}", ms(*t));
    }
    for (name, mut s) in STAGES.iter().zip(samples) {
        s.sort();
        let mean = s.iter().sum::<Duration>() / s.len() as u32;
        let p = |q: f64| s[((s.len() as f64 * q) as usize).min(s.len() - 1)];
        eprintln!(
            "{name:28} mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            ms(mean),
            ms(p(0.5)),
            ms(p(0.99)),
            ms(s[s.len() - 1])
        );
    }
}
