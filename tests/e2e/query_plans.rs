//! How SQLite runs the statements of the busy paths (issue 11): none may read a table that grows
//! with the desk — articles, customers, tickets, messages — from end to end. Such a statement
//! is cheap in every functional test and costs in proportion to the desk in production: with
//! 10,000 help-center articles a Telegram turn went from 3.5 to 5.7 ms because of three of
//! them.
//!
//! SQLite keeps no statistics here (nobody runs `ANALYZE`), so a plan follows from the schema
//! and the SQL alone, whatever the rows: what is checked on a small desk is what runs on a
//! large one. That is also how such bugs come about: without statistics SQLite takes an
//! equality on an index's first column for a handful of rows (version 1 of the help center's
//! `hc_articles_published (draft, locale)` made `draft = 0` look selective), and it uses a
//! partial index only when the query says the index's `WHERE` (`users_email` is for
//! `role = 'end-user'`, so a bare `email = ?` read every user).

use spindesk_tests::channels::{channel_app, Vendor};
use spindesk_tests::{json, App};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The help center's tables that grow with it.
const GROWING_HELP_CENTER: &[&str] = &[
    "hc_articles",
    "hc_article_terms",
    "hc_article_labels",
    "hc_postings",
    "hc_terms",
];

/// The main database's tables that grow with the desk's customers and their conversations.
const GROWING_DESK: &[&str] = &[
    "users",
    "identities",
    "conversations",
    "conversation_routes",
    "messages",
    "tickets",
    "ticket_comments",
    "ticket_audit_events",
    "attachments",
];

/// `EXPLAIN QUERY PLAN` of `sql` on the database at `path`, every parameter NULL (values do
/// not change a plan without statistics).
fn plan(path: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("plan rows")
}

/// The `growing` tables `sql` names, by the names its plan uses (an alias, else the table's
/// own name).
fn tables(sql: &str, growing: &[&str]) -> BTreeMap<String, String> {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let mut named = BTreeMap::new();
    for (i, w) in words.iter().enumerate() {
        if !(w.eq_ignore_ascii_case("FROM") || w.eq_ignore_ascii_case("JOIN")) {
            continue;
        }
        let Some(table) = words.get(i + 1).filter(|t| growing.contains(t)) else {
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

/// The lines of `plan` that read one of the `growing` tables whole: a `SCAN` of it, or a search
/// through an index by `draft` alone (every published article).
fn whole_reads(sql: &str, plan: &[String], growing: &[&str]) -> Vec<String> {
    let named = tables(sql, growing);
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
        "/hc/en-us".to_owned(),
        "/hc/ko".to_owned(),
        "/hc/en-us/search?query=refund".to_owned(),
        format!("/hc/en-us/sections/{section}"),
        format!("/hc/en-us/articles/{}", shop.refund_en),
    ] {
        app.request("help-center", "GET", &path)
            .send_watching_help_center(&seen)
            .expect(200);
    }

    // `/hc` in a language the help center has (here by its region's sibling): index seeks.
    // Without one, and on a 404 page, the language with the most published articles: from
    // the counts the database keeps (it once counted them with a scan: ~0.8 ms at 10,000).
    app.request("help-center", "GET", "/hc")
        .header("accept-language", "en-GB,ko;q=0.5")
        .send_watching_help_center(&seen)
        .expect(302);
    app.request("help-center", "GET", "/hc")
        .header("accept-language", "fr")
        .send_watching_help_center(&seen)
        .expect(302);
    app.request("help-center", "GET", "/hc/fr-fr/no-such-page")
        .send_watching_help_center(&seen)
        .expect(404);
    let statements = statements.into_inner();
    let reading_articles = statements
        .iter()
        .filter(|sql| {
            tables(sql, GROWING_HELP_CENTER)
                .values()
                .any(|t| t == "hc_articles")
        })
        .count();
    // Not vacuous: the paths above read articles, and the checker sees a whole read for what
    // it is (the plan version 1 gave to "published articles in a language").
    assert!(reading_articles >= 10, "{statements:#?}");
    let whole = "SELECT count(*) FROM hc_articles a WHERE a.draft = 0";
    let path = app.help_center_path();
    assert_eq!(
        whole_reads(whole, &plan(&path, whole), GROWING_HELP_CENTER).len(),
        1
    );
    assert_no_whole_reads(&path, &statements, GROWING_HELP_CENTER);
}

/// Fails listing every statement of `statements` that reads one of the `growing` tables whole.
fn assert_no_whole_reads(path: &Path, statements: &[String], growing: &[&str]) {
    let mut walks = Vec::new();
    for sql in statements.iter().collect::<BTreeSet<_>>() {
        if tables(sql, growing).is_empty() {
            continue;
        }
        let whole = whole_reads(sql, &plan(path, sql), growing);
        if !whole.is_empty() {
            walks.push(format!("{sql}\n  -> {whole:?}"));
        }
    }
    assert!(walks.is_empty(), "{}", walks.join("\n\n"));
}

/// The Sunshine API's admin credentials: Basic, any key id, the admin token.
fn admin_basic() -> String {
    use base64::Engine;
    let pair = format!("admin:{}", spindesk_tests::ADMIN_TOKEN);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A customer's message on the widget and on a channel, the agents' everyday requests on
/// tickets found by a customer's e-mail, and the scheduler's outbox drain.
#[test]
fn busy_desk_paths_never_read_every_customer_ticket_or_message() {
    let app = channel_app();
    let telegram = app.connect(Vendor::Telegram);
    let agent = app.agent("Ada", "ada@example.com");
    let statements = RefCell::new(Vec::<String>::new());
    let keep = |sql: &str| statements.borrow_mut().push(sql.to_owned());
    let ignore = |_: &str| {};
    // Twice, and only the second round watched: the first request of a kind may do one-time
    // work (a new desk's first search queues every ticket for its index, once per rules).
    for round in 0..2_i64 {
        let seen: &dyn Fn(&str) = if round == 0 { &ignore } else { &keep };
        let visitor = app.visitor("en-US");
        for text in ["hello", "what are your opening hours?", "Talk to a person"] {
            app.request("widget", "POST", "/api/widget/messages")
                .bearer(&visitor.token)
                .json(&json!({ "text": text }))
                .send_watching(seen)
                .expect(201);
        }
        for (n, text) in ["hello", "where is my order"].iter().enumerate() {
            let id = 100 * (round + 1) + n as i64;
            let update = json!({"update_id": id, "message": {"message_id": id,
                "from": {"id": 7000 + round, "is_bot": false, "first_name": "Ana"},
                "chat": {"id": 7000 + round, "type": "private"}, "date": 1718000000,
                "text": text}});
            app.request("channels", "POST", &telegram.path())
                .header("x-telegram-bot-api-secret-token", telegram.secret.as_str())
                .json(&update)
                .send_watching(seen)
                .expect(200);
        }
        // What an open widget asks again and again: anything after the last message.
        app.request("widget", "GET", "/api/widget/messages?after=2&wait=0")
            .bearer(&visitor.token)
            .send_watching(seen)
            .expect(200);
        app.request("widget", "GET", "/api/widget/conversation?limit=100")
            .bearer(&visitor.token)
            .send_watching(seen)
            .expect(200);
        // The widget's customer, handed off above, has an e-mail; the agents look for them,
        // with the desk open (its live check without Pushpin), the ticket and a view.
        let email = format!("kim{round}@example.com");
        let ticket = app.count("SELECT max(id) FROM tickets");
        for path in [
            format!("/api/live/desk?ticket={ticket}"),
            format!("/api/v2/tickets/{ticket}.json"),
            format!("/api/v2/tickets/{ticket}/comments.json"),
            "/api/v2/views.json".to_owned(),
            "/api/v2/views/1/tickets.json".to_owned(),
        ] {
            let component = if path.starts_with("/api/live") {
                "live"
            } else {
                "tickets"
            };
            app.request(component, "GET", &path)
                .agent(&agent.email, &agent.token)
                .send_watching(seen)
                .expect(200);
        }
        let name = format!("Kim Minji {round}");
        app.rows(
            "UPDATE users SET email = ?, name = ? WHERE id = (SELECT requester_id FROM tickets WHERE id = ?)",
            &[email.as_str().into(), name.as_str().into(), ticket.into()],
        );
        app.request("tickets", "PUT", &format!("/api/v2/tickets/{ticket}.json"))
            .admin()
            .json(&json!({"ticket": {"comment": {"body": "From the team"}}}))
            .send_watching(seen)
            .expect(200);
        // The customer's tickets by their e-mail and by their name, and the customer as a
        // user by e-mail.
        let quoted = |v: &str| format!("%22{}%22", v.replace(' ', "%20"));
        for query in [
            format!("type%3Aticket%20requester%3A{email}"),
            format!("type%3Aticket%20requester%3A{}", quoted(&name)),
            format!("type%3Auser%20email%3A{email}"),
        ] {
            let found = app
                .request(
                    "search",
                    "GET",
                    &format!("/api/v2/search.json?query={query}"),
                )
                .agent(&agent.email, &agent.token)
                .send_watching(seen)
                .expect(200)
                .json();
            assert_eq!(found["count"], 1, "{query}: {found}");
        }
        let users = app
            .request(
                "conversations",
                "GET",
                &format!("/v2/apps/app1/users?filter[identities.email]={email}"),
            )
            .header("authorization", &admin_basic())
            .send_watching(seen)
            .expect(200)
            .json();
        assert_eq!(users["users"].as_array().map(Vec::len), Some(1), "{users}");
        // The scheduler's drain: sends due, and bot calls lost with their instance.
        app.request("admin", "POST", "/api/admin/outbox/drain")
            .admin()
            .send_watching(seen)
            .expect(200);
    }

    let statements = statements.into_inner();
    assert!(statements.len() > 100, "{statements:#?}");
    assert_no_whole_reads(&app.db_path(), &statements, GROWING_DESK);
}

/// The plan lines of `sql` that go through the queue of due rows: every pending or failed row
/// whose time has come, which is thousands while a receiver is down.
fn reads_the_due_queue(path: &Path, sql: &str) -> Vec<String> {
    if !["outbox", "webhook_deliveries", "media_fetches"]
        .iter()
        .any(|table| sql.contains(table))
    {
        return Vec::new();
    }
    plan(path, sql)
        .into_iter()
        .filter(|line| {
            ["outbox_due", "webhook_deliveries_due", "media_fetches_due"]
                .iter()
                .any(|index| line.contains(&format!("{index} (status=? AND next_attempt_at<?)")))
        })
        .collect()
}

/// While a vendor and a webhook receiver are down, their unsent rows pile up (a failed row
/// holds back the rest of its conversation), and so do the customers' files to fetch. Reading that queue in every channel turn made each
/// turn slower than the last (through the dev server: 136 -> 70 webhooks/s over four 8-second
/// runs), and reading it under the write lock stopped every other writer meanwhile. So: a
/// channel turn reads only its own conversation's rows and its own files, and no statement that holds the write
/// lock (a write, or anything between `BEGIN` and `COMMIT`) goes through the queue; the drain
/// and the webhooks' round read it first, without a lock, and claim row by row.
#[test]
fn while_receivers_are_down_no_write_goes_through_the_queue_of_unsent_rows() {
    let app = App::with_config(
        spindesk_native::MapConfig::default()
            .with("admin_token", spindesk_tests::ADMIN_TOKEN)
            .with("public_base_url", spindesk_tests::channels::PUBLIC_BASE)
            .with(
                "credentials_key",
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            )
            .with("webhook_hosts", "https://*.example.com"),
    );
    let telegram = app.connect(Vendor::Telegram);
    app.request("conversations", "POST", "/v2/apps/app1/integrations")
        .admin()
        .json(&json!({"type": "custom", "displayName": "CRM",
                      "webhooks": [{"target": "https://hooks.example.com/in",
                                    "triggers": ["conversation:message"]}]}))
        .send()
        .expect(201);
    // Every vendor and receiver request fails from now on.
    for _ in 0..400 {
        app.outbound.push_reply(Ok(http::Response::builder()
            .status(503)
            .body(b"{}".to_vec())
            .expect("response")));
    }
    // A text, or a photo with its caption (a file to fetch).
    let turn = |chat: i64, id: i64, seen: &dyn Fn(&str)| {
        let mut update = json!({"update_id": id, "message": {"message_id": id,
            "from": {"id": chat, "is_bot": false, "first_name": "Ana"},
            "chat": {"id": chat, "type": "private"}, "date": 1718000000}});
        if id % 2 == 0 {
            update["message"]["photo"] = json!([{"file_id": format!("AgAC-{id}"),
                "file_unique_id": format!("u{id}"), "file_size": 50000, "width": 1280,
                "height": 853}]);
            update["message"]["caption"] = json!("where is my order");
        } else {
            update["message"]["text"] = json!("where is my order");
        }
        app.request("channels", "POST", &telegram.path())
            .header("x-telegram-bot-api-secret-token", telegram.secret.as_str())
            .json(&update)
            .send_watching(seen)
            .expect(200);
    };
    let ignore = |_: &str| {};
    for n in 0..12 {
        turn(7000 + n % 4, 100 + n, &ignore);
    }
    app.clock.advance(std::time::Duration::from_secs(31));
    let queued = app.count(
        "SELECT count(*) FROM outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= 1e15",
    );
    let held =
        app.count("SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending', 'failed')");
    let files = app.count("SELECT count(*) FROM media_fetches WHERE status = 'failed'");
    assert!(
        queued >= 8 && held >= 8 && files >= 4,
        "{queued} replies, {held} deliveries, {files} files queued"
    );

    let statements = RefCell::new(Vec::<String>::new());
    let keep = |sql: &str| statements.borrow_mut().push(sql.to_owned());
    turn(7001, 500, &keep);
    let in_the_turn = statements.borrow().len();
    app.request("admin", "POST", "/api/admin/outbox/drain")
        .admin()
        .send_watching(&keep)
        .expect(200);
    let statements = statements.into_inner();

    let path = app.db_path();
    let mut locked = false;
    let mut wrong = Vec::new();
    let mut drain_read_it = false;
    for (n, sql) in statements.iter().enumerate() {
        let first = sql
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match first.as_str() {
            "BEGIN" => locked = true,
            "COMMIT" | "ROLLBACK" if !sql.to_ascii_uppercase().contains(" TO ") => locked = false,
            _ => {}
        }
        let queue = reads_the_due_queue(&path, sql);
        if queue.is_empty() {
            continue;
        }
        let writes = ["INSERT", "UPDATE", "DELETE", "REPLACE"].contains(&first.as_str());
        if n < in_the_turn {
            wrong.push(format!("in the channel turn: {sql}\n  -> {queue:?}"));
        } else if locked || writes {
            wrong.push(format!("holding the write lock: {sql}\n  -> {queue:?}"));
        } else {
            drain_read_it = true;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    assert!(
        drain_read_it,
        "the drain never looked for due rows: {statements:#?}"
    );
}
