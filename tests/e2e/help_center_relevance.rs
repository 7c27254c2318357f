//! Search quality on a fixed set of 64 support articles (32 English, 32 Korean, on overlapping
//! topics) and over 40 customer-phrased queries per language (particles, spacing variants,
//! synonyms, one-character typos), in `tests/data/help_center/`. Ours is measured through the
//! HTTP search route; the baseline is plain FTS5 `unicode61` over the same text with the same
//! BM25 weights, the query's words OR-ed. Run with `--nocapture` to see the table.

use spindesk_core::html;
use spindesk_core::ports::{Sql, Value};
use spindesk_core::store::Db;
use spindesk_tests::{json, App, Json};
use std::collections::HashMap;

const HC: &str = "help-center";

struct Corpus {
    app: App,
    ids: HashMap<String, i64>,
    keys: HashMap<i64, String>,
    queries: Vec<Json>,
    off_topic: Json,
}

fn data(name: &str) -> Json {
    let path = format!("{}/data/help_center/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

fn load() -> Corpus {
    let app = App::new();
    let articles = data("articles.json");
    let mut sections: HashMap<(String, String), i64> = HashMap::new();
    let mut ids = HashMap::new();
    for a in articles.as_array().expect("articles") {
        let locale = a["locale"].as_str().unwrap().to_owned();
        let section_name = a["section"].as_str().unwrap().to_owned();
        let section = *sections
            .entry((locale.clone(), section_name.clone()))
            .or_insert_with(|| {
                let c = app
                    .request(
                        HC,
                        "POST",
                        &format!("/api/v2/help_center/{locale}/categories"),
                    )
                    .admin()
                    .json(&json!({"category": {"name": section_name}}))
                    .send()
                    .expect(201)
                    .json()["category"]["id"]
                    .as_i64()
                    .unwrap();
                app.request(
                    HC,
                    "POST",
                    &format!("/api/v2/help_center/{locale}/categories/{c}/sections"),
                )
                .admin()
                .json(&json!({"section": {"name": section_name}}))
                .send()
                .expect(201)
                .json()["section"]["id"]
                    .as_i64()
                    .unwrap()
            });
        let created = app
            .request(
                HC,
                "POST",
                &format!("/api/v2/help_center/{locale}/sections/{section}/articles"),
            )
            .admin()
            .json(&json!({"article": {
                "title": a["title"], "body": a["body"], "label_names": a["label_names"]}}))
            .send()
            .expect(201)
            .json();
        ids.insert(
            a["key"].as_str().unwrap().to_owned(),
            created["article"]["id"].as_i64().unwrap(),
        );
    }
    let keys = ids.iter().map(|(k, v)| (*v, k.clone())).collect();
    let q = data("queries.json");
    Corpus {
        app,
        ids,
        keys,
        queries: q["queries"].as_array().unwrap().clone(),
        off_topic: q["off_topic"].clone(),
    }
}

fn encode(s: &str) -> String {
    form_encode(s)
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Ranked article ids from our search route (empty for a 400: nothing searchable).
fn ours(c: &Corpus, query: &str, locale: &str) -> Vec<i64> {
    let r = c
        .app
        .request(
            HC,
            "GET",
            &format!(
                "/api/v2/help_center/articles/search?query={}&locale={locale}&per_page=10",
                encode(query)
            ),
        )
        .send();
    if r.status == 400 {
        return Vec::new();
    }
    r.expect(200).json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

fn build_baseline(c: &Corpus) {
    let db = c.app.help_center_db();
    db.execute(
        "CREATE VIRTUAL TABLE baseline USING fts5 (title, body, labels, locale UNINDEXED, \
         tokenize = 'unicode61')",
        &[],
    )
    .unwrap();
    db.execute(
        "INSERT INTO baseline (rowid, title, body, labels, locale) \
         SELECT id, title, body, label_names, locale FROM hc_articles",
        &[],
    )
    .unwrap();
    // The baseline indexes text, not HTML, too.
    let rows = db
        .execute("SELECT id, body FROM hc_articles", &[])
        .unwrap()
        .rows;
    for row in rows {
        let (Value::Integer(id), Value::Text(body)) = (&row[0], &row[1]) else {
            panic!("row")
        };
        db.execute(
            "UPDATE baseline SET body = ? WHERE rowid = ?",
            &[html::to_text(body).into(), (*id).into()],
        )
        .unwrap();
    }
}

fn baseline(c: &Corpus, query: &str, locale: &str) -> Vec<i64> {
    let words: Vec<String> = query
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    c.app
        .help_center_rows(
            "SELECT rowid FROM baseline WHERE baseline MATCH ? AND locale = ? \
             ORDER BY bm25(baseline, 4.0, 1.0, 2.0) LIMIT 10",
            &[words.join(" OR ").into(), locale.into()],
        )
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(i) => i,
            _ => panic!("rowid"),
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Score {
    n: usize,
    hit3: usize,
    rr: f64,
}

impl Score {
    fn add(&mut self, ranked: &[i64], relevant: &[i64]) {
        self.n += 1;
        if let Some(pos) = ranked.iter().position(|id| relevant.contains(id)) {
            if pos < 3 {
                self.hit3 += 1;
            }
            self.rr += 1.0 / (pos as f64 + 1.0);
        }
    }
    fn hit_at_3(&self) -> f64 {
        self.hit3 as f64 / self.n.max(1) as f64
    }
    fn mrr(&self) -> f64 {
        self.rr / self.n.max(1) as f64
    }
}

#[test]
fn relevance_beats_plain_fts5_in_english_and_korean() {
    let c = load();
    assert!(c.ids.len() >= 60);
    build_baseline(&c);
    let mut table: HashMap<(String, String), (Score, Score)> = HashMap::new();
    let mut misses = Vec::new();
    for q in &c.queries {
        let locale = q["locale"].as_str().unwrap();
        let text = q["query"].as_str().unwrap();
        let kind = q["kind"].as_str().unwrap();
        let relevant: Vec<i64> = q["relevant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| c.ids[k.as_str().unwrap()])
            .collect();
        let ranked = ours(&c, text, locale);
        let base = baseline(&c, text, locale);
        for key in [
            (locale.to_owned(), "all".to_owned()),
            (locale.to_owned(), kind.to_owned()),
        ] {
            let entry = table.entry(key).or_default();
            entry.0.add(&ranked, &relevant);
            entry.1.add(&base, &relevant);
        }
        if !ranked.iter().take(3).any(|id| relevant.contains(id)) {
            let got: Vec<&str> = ranked
                .iter()
                .take(3)
                .map(|id| c.keys[id].as_str())
                .collect();
            misses.push(format!("  {locale} {text:?} ({kind}): got {got:?}"));
        }
    }
    let mut keys: Vec<_> = table.keys().cloned().collect();
    keys.sort();
    println!("\nlocale  kind        n   ours hit@3  MRR    baseline hit@3  MRR");
    for key in &keys {
        let (o, b) = table[key];
        println!(
            "{:<7} {:<10} {:>3}   {:>9.3}  {:.3}  {:>14.3}  {:.3}",
            key.0,
            key.1,
            o.n,
            o.hit_at_3(),
            o.mrr(),
            b.hit_at_3(),
            b.mrr()
        );
    }
    println!("misses (not in top 3):\n{}", misses.join("\n"));

    for locale in ["en-us", "ko"] {
        let (o, b) = table[&(locale.to_owned(), "all".to_owned())];
        assert!(o.n >= 40, "{locale}: at least 40 queries");
        assert!(o.hit_at_3() >= 0.90, "{locale} hit@3 {:.3}", o.hit_at_3());
        assert!(o.mrr() >= 0.80, "{locale} MRR {:.3}", o.mrr());
        assert!(
            o.hit_at_3() > b.hit_at_3(),
            "{locale}: ours beats the baseline"
        );
        assert!(o.mrr() > b.mrr(), "{locale}: ours beats the baseline");
    }
}

#[test]
fn recommendations_answer_real_questions_and_stay_quiet_otherwise() {
    let c = load();
    let sql = c.app.help_center_db();
    let db = Db::new(&sql);
    let (mut answered, mut right, mut total) = (0, 0, 0);
    let mut confidences = Vec::new();
    for q in &c.queries {
        let locale = q["locale"].as_str().unwrap();
        let text = q["query"].as_str().unwrap();
        let relevant: Vec<i64> = q["relevant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| c.ids[k.as_str().unwrap()])
            .collect();
        let recs = spindesk_core::help_center::recommend(&db, text, locale, 3).unwrap();
        let any = spindesk_core::help_center::recommend::recommend_with(&db, text, locale, 1, 0.0)
            .unwrap();
        if recs.is_empty() {
            println!(
                "unanswered {text:?}: best {:?}",
                any.first().map(|r| (&r.title, r.confidence))
            );
        }
        assert!(recs.len() <= 3);
        assert!(recs.iter().all(|r| r.locale.starts_with(&locale[..2])));
        total += 1;
        if let Some(top) = recs.first() {
            answered += 1;
            confidences.push(top.confidence);
            if relevant.contains(&top.article_id) {
                right += 1;
            }
        }
    }
    let mut quiet = 0;
    let mut noisy = Vec::new();
    let mut off_total = 0;
    for (locale, list) in c.off_topic.as_object().unwrap() {
        for text in list.as_array().unwrap() {
            off_total += 1;
            let text = text.as_str().unwrap();
            let recs = spindesk_core::help_center::recommend(&db, text, locale, 3).unwrap();
            let any =
                spindesk_core::help_center::recommend::recommend_with(&db, text, locale, 1, 0.0)
                    .unwrap();
            println!(
                "off-topic {text:?}: best {:?}",
                any.first().map(|r| (&r.title, r.confidence))
            );
            if recs.is_empty() {
                quiet += 1;
            } else {
                noisy.push(format!(
                    "{text:?} -> {:?}",
                    recs.iter()
                        .map(|r| (&r.title, r.confidence))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    println!(
        "\nrecommendations: answered {answered}/{total}, top-1 right {right}/{answered}; \
         off-topic quiet {quiet}/{off_total} {noisy:?}"
    );
    assert!(
        answered as f64 >= 0.80 * total as f64,
        "answered {answered}/{total}"
    );
    assert!(
        right as f64 >= 0.85 * answered as f64,
        "right {right}/{answered}"
    );
    assert_eq!(quiet, off_total, "junk suggestions: {noisy:?}");
}

/// The ranking is FTS5's `bm25()` on the same analysed text: an FTS5 table built from what the
/// index stored for each article (`hc_article_terms`), queried with the same units (terms, and
/// multi-term alternatives as FTS5 phrases), must give the same articles in the same order with
/// the same scores. This checks the posting blocks, the phrase counting and the formula against
/// an implementation we did not write.
#[test]
fn ranking_equals_fts5_bm25_on_the_same_terms() {
    use spindesk_core::help_center::{search, vocabulary};
    let c = load();
    let db = c.app.help_center_db();
    for statement in [
        "CREATE VIRTUAL TABLE oracle USING fts5 (title, body, labels, tokenize = 'ascii')",
        "INSERT INTO oracle (rowid, title, body, labels) \
         SELECT article_id, title, body, labels FROM hc_article_terms",
    ] {
        db.execute(statement, &[]).unwrap();
    }
    let store = Db::new(&db);
    let mut compared = 0;
    for q in &c.queries {
        let (text, locale) = (q["query"].as_str().unwrap(), q["locale"].as_str().unwrap());
        let (query, words) = search::prepare(&store, text, locale, None).unwrap();
        let selection = vocabulary::selective_units(&query, &words);
        let units = selection.texts();
        if units.is_empty() {
            continue;
        }
        let ours = search::search(
            &store,
            &search::SearchRequest {
                query: text,
                locale: Some(locale),
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        let expression = units
            .iter()
            .map(|u| format!("\"{u}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        let theirs: Vec<(i64, f64)> = c
            .app
            .help_center_rows(
                "SELECT o.rowid, -bm25(oracle, 4.0, 1.0, 2.0) AS score FROM oracle o \
                 JOIN hc_article_terms t ON t.article_id = o.rowid \
                 WHERE oracle MATCH ? AND t.locale = ? ORDER BY score DESC, o.rowid LIMIT 10",
                &[expression.into(), locale.into()],
            )
            .into_iter()
            .map(|r| match (&r[0], &r[1]) {
                (Value::Integer(id), Value::Real(score)) => (*id, *score),
                other => panic!("{other:?}"),
            })
            .collect();
        let ours: Vec<(i64, f64)> = ours.hits.iter().map(|h| (h.article.id, h.score)).collect();
        assert_eq!(ours.len(), theirs.len(), "{text}");
        for ((a, x), (b, y)) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{text}: {ours:?} vs FTS5 {theirs:?}");
            assert!(
                (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                "{text}: {x} vs {y}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 100, "only {compared} queries compared");
}
