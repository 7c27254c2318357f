//! The relevance set at scale: its 64 articles added to 10,000 generated ones (same
//! vocabulary), and its customer queries searched among all of them. The e2e relevance test
//! runs on the 64 articles alone, where common-term pruning never applies (under 1,000
//! articles); this checks the ranking where it does.
//!
//! `cargo bench -p spindesk-bench --bench search_relevance_scale`

use spindesk_bench::{populate, Vocabulary};
use spindesk_core::help_center::catalog::{self, Article};
use spindesk_core::help_center::search::{search, SearchRequest};
use spindesk_core::store::Db;
use spindesk_native::NativeSql;
use std::collections::HashMap;

const ARTICLES: &str = include_str!("../../../tests/data/help_center/articles.json");
const QUERIES: &str = include_str!("../../../tests/data/help_center/queries.json");

fn main() {
    let scratch = spindesk_bench::ScratchDb::new("spindesk-scale");
    let sql = NativeSql::open(&scratch.path);
    let db = Db::new(&sql);
    let sections = populate(&db, &Vocabulary::load(), 10_000).expect("populate");
    let articles: serde_json::Value = serde_json::from_str(ARTICLES).expect("articles.json");
    let mut ids: HashMap<String, i64> = HashMap::new();
    for a in articles.as_array().expect("a list") {
        let s = |k: &str| a[k].as_str().unwrap_or("").to_owned();
        let article = Article {
            id: 0,
            section_id: sections[0],
            author_id: None,
            title: s("title"),
            body: s("body"),
            locale: s("locale"),
            source_locale: s("locale"),
            label_names: a["label_names"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|v| v.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            draft: false,
            promoted: false,
            position: 0,
            comments_disabled: false,
            permission_group_id: None,
            user_segment_id: None,
            vote_sum: 0,
            vote_count: 0,
            created_at: 0,
            updated_at: 0,
            edited_at: 0,
        };
        ids.insert(
            s("key"),
            catalog::insert_article(&db, &article).expect("insert"),
        );
    }
    let queries: serde_json::Value = serde_json::from_str(QUERIES).expect("queries.json");
    // language → (queries, hit@3, reciprocal ranks)
    let mut score: HashMap<String, (usize, usize, f64)> = HashMap::new();
    for q in queries["queries"].as_array().expect("a list") {
        let locale = q["locale"].as_str().unwrap_or("en-us");
        let relevant: Vec<i64> = q["relevant"]
            .as_array()
            .expect("relevant")
            .iter()
            .filter_map(|k| ids.get(k.as_str().unwrap_or("")).copied())
            .collect();
        let req = SearchRequest {
            query: q["query"].as_str().unwrap_or(""),
            locale: Some(locale),
            limit: 25,
            ..SearchRequest::default()
        };
        let ranked: Vec<i64> = search(&db, &req)
            .map(|r| r.hits.iter().map(|h| h.article.id).collect())
            .unwrap_or_default();
        let first = ranked.iter().position(|id| relevant.contains(id));
        let e = score.entry(locale[..2].to_owned()).or_default();
        e.0 += 1;
        e.1 += usize::from(first.is_some_and(|p| p < 3));
        e.2 += first.map_or(0.0, |p| 1.0 / (p + 1) as f64);
    }
    let mut langs: Vec<_> = score.into_iter().collect();
    langs.sort_by(|a, b| a.0.cmp(&b.0));
    for (lang, (n, hit3, rr)) in langs {
        eprintln!(
            "{lang}: {n} queries among 10,064 articles: hit@3 {:.3}, MRR {:.3}",
            hit3 as f64 / n as f64,
            rr / n as f64
        );
    }
}
