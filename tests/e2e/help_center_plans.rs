//! How SQLite runs the help center's reads on the busy paths (issue 11): a bot turn that
//! features articles under its greeting, finds some or finds none, in English and in Korean; a
//! search through the API (with and without a language, within a section) and on the site; a
//! section page and an article page. None of their statements may walk the help center's
//! articles, their index entries or their postings: with 10,000 articles such a statement
//! costs ~1 ms, and a Telegram turn went from 3.5 to 5.7 ms between 500 and 10,000 articles
//! because of three of them.
//!
//! SQLite keeps no statistics here (nobody runs `ANALYZE`), so a plan follows from the schema
//! and the SQL alone, whatever the rows: what is checked on this small help center is what
//! runs on a large one. That is also how the bug came about: without statistics SQLite takes
//! an equality on an index's first column for a handful of rows, and version 1's
//! `hc_articles_published (draft, locale)` made `draft = 0` look selective.

use spindesk_tests::{json, App};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The tables that grow with the help center.
const GROWING: &[&str] = &[
    "hc_articles",
    "hc_article_terms",
    "hc_article_labels",
    "hc_postings",
    "hc_terms",
];

/// `EXPLAIN QUERY PLAN` of `sql` on the help center's database, every parameter NULL (values do
/// not change a plan without statistics).
fn plan(app: &App, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(app.help_center_path()).expect("open");
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("plan rows")
}

/// The tables `sql` names, by the names its plan uses (an alias, else the table's own name).
fn tables(sql: &str) -> BTreeMap<String, String> {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let mut named = BTreeMap::new();
    for (i, w) in words.iter().enumerate() {
        if !(w.eq_ignore_ascii_case("FROM") || w.eq_ignore_ascii_case("JOIN")) {
            continue;
        }
        let Some(table) = words.get(i + 1).filter(|t| GROWING.contains(t)) else {
            continue;
        };
        let mut alias = words.get(i + 2).copied();
        if alias.is_some_and(|a| a.eq_ignore_ascii_case("AS")) {
            alias = words.get(i + 3).copied();
        }
        let alias = alias.filter(|a| {
            a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && ![
                    "WHERE", "JOIN", "LEFT", "CROSS", "INNER", "ON", "ORDER", "GROUP", "LIMIT",
                    "SET", "USING",
                ]
                .iter()
                .any(|k| a.eq_ignore_ascii_case(k))
        });
        named.insert(alias.unwrap_or(table).to_owned(), (*table).to_owned());
        named.insert((*table).to_owned(), (*table).to_owned());
    }
    named
}

/// The lines of `plan` that read a growing table whole: a `SCAN` of it, or a search through an
/// index by `draft` alone (every published article).
fn whole_reads(sql: &str, plan: &[String]) -> Vec<String> {
    let named = tables(sql);
    plan.iter()
        .filter(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let reads_growing =
                matches!(words.as_slice(), [_, name, ..] if named.contains_key(*name));
            reads_growing && (words[0] == "SCAN" || line.ends_with("(draft=?)"))
        })
        .cloned()
        .collect()
}

#[test]
fn busy_paths_never_read_the_whole_help_center() {
    let app = App::new();
    let shop = app.shop_help_center();
    let statements = RefCell::new(Vec::<String>::new());
    let seen = |sql: &str| statements.borrow_mut().push(sql.to_owned());

    // The starter bot answers from the help center: the greeting features the promoted
    // article, a question finds articles, an off-topic one finds none.
    for (locale, texts) in [
        (
            "en-US",
            ["hello", "How do I get my money back?", "weather on Mars"],
        ),
        ("ko-KR", ["안녕하세요", "환불 받는 방법", "화성 날씨"]),
    ] {
        let visitor = app.visitor(locale);
        for text in texts {
            app.request("widget", "POST", "/api/widget/messages")
                .bearer(&visitor.token)
                .json(&json!({ "text": text }))
                .send_watching_help_center(&seen)
                .expect(201);
        }
    }
    let section = app
        .request(
            "help-center",
            "GET",
            &format!("/api/v2/help_center/articles/{}", shop.refund_en),
        )
        .send()
        .expect(200)
        .json()["article"]["section_id"]
        .as_i64()
        .expect("section id");
    for path in [
        "/api/v2/help_center/articles/search?query=refund".to_owned(),
        "/api/v2/help_center/articles/search?query=refund&locale=en-us".to_owned(),
        format!("/api/v2/help_center/articles/search?query=refund&section={section}"),
        "/api/v2/help_center/articles/search?query=%ED%99%98%EB%B6%88&locale=ko".to_owned(),
        "/hc/en-us/search?query=refund".to_owned(),
        format!("/hc/en-us/sections/{section}"),
        format!("/hc/en-us/articles/{}", shop.refund_en),
    ] {
        app.request("help-center", "GET", &path)
            .send_watching_help_center(&seen)
            .expect(200);
    }

    let statements = statements.into_inner();
    let reading_articles = statements
        .iter()
        .filter(|sql| tables(sql).values().any(|t| t == "hc_articles"))
        .count();
    // Not vacuous: the paths above read articles, and the checker sees a whole read for what
    // it is (the plan version 1 gave to "published articles in a language").
    assert!(reading_articles >= 10, "{statements:#?}");
    let whole = "SELECT count(*) FROM hc_articles a WHERE a.draft = 0";
    assert_eq!(whole_reads(whole, &plan(&app, whole)).len(), 1);

    let mut walks = Vec::new();
    for sql in statements.iter().collect::<std::collections::BTreeSet<_>>() {
        if sql.starts_with("PRAGMA") || !sql.contains("hc_") {
            continue;
        }
        let plan = plan(&app, sql);
        let whole = whole_reads(sql, &plan);
        if !whole.is_empty() {
            walks.push(format!("{sql}\n  -> {whole:?}"));
        }
    }
    assert!(walks.is_empty(), "{}", walks.join("\n\n"));
}
