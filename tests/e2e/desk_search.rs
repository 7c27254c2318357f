//! Search (`/api/v2/search`, `/api/v2/search/count`, `/api/v2/users/search`): Zendesk's query
//! syntax over tickets and users, the text index (Korean and English analysis, comments
//! included, kept up to date and caught up for old tickets), paging, sorting and errors.

use spindesk_core::ports::{Sql, Value};
use spindesk_tests::*;

/// A visitor who asked for a person and then wrote `after` (each becomes a comment).
fn ticket(app: &App, before: &str, after: &[&str]) -> i64 {
    let v = app.visitor("en");
    app.say(&v, before, None);
    app.say(&v, "Talk to a person", Some("handoff"));
    for text in after {
        app.say(&v, text, None);
    }
    app.count("SELECT max(id) FROM tickets")
}

fn encode(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

fn search(app: &App, agent: &Agent, q: &str) -> Json {
    app.zendesk_get(agent, &format!("/api/v2/search.json?query={}", encode(q)))
        .expect(200)
        .json()
}

/// The ids of the tickets a query finds (with `type:ticket`: keywords such as `created>` or
/// `tags:` also find users), in the order returned.
fn ids(app: &App, agent: &Agent, q: &str) -> Vec<i64> {
    let r = search(app, agent, &format!("type:ticket {q}"));
    r["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| {
            assert_eq!(t["result_type"], "ticket", "{q}: {t}");
            t["id"].as_i64().expect("id")
        })
        .collect()
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

fn sql(app: &App, statement: &str, params: &[Value]) {
    app.db().execute(statement, params).expect(statement);
}

fn put(app: &App, agent: &Agent, id: i64, ticket: Json) {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({ "ticket": ticket }),
    )
    .expect(200);
}

fn bad(app: &App, agent: &Agent, path: &str) -> (String, String) {
    let r = app.zendesk_get(agent, path).expect(400).json();
    (
        r["error"].as_str().unwrap_or_default().to_owned(),
        r["description"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn a_korean_word_with_a_particle_finds_the_ticket_whose_comment_has_it() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let refund = ticket(&app, "결제 문의", &["어제 주문한 것 환불 부탁드립니다"]);
    let other = ticket(&app, "배송 문의", &["언제 도착하나요"]);
    // The word is only in a comment: not in the subject or the transcript.
    let head = app.rows(
        "SELECT subject || description FROM tickets WHERE id = ?",
        &[refund.into()],
    );
    assert!(!format!("{head:?}").contains("환불"), "{head:?}");

    assert_eq!(ids(&app, &agent, "환불을"), [refund]);
    assert_eq!(ids(&app, &agent, "환불"), [refund]);
    assert_eq!(ids(&app, &agent, "type:ticket 도착"), [other]);
    assert_eq!(sorted(ids(&app, &agent, "문의")), [refund, other]);
    assert!(ids(&app, &agent, "교환을").is_empty());

    // English is stemmed the same way on both sides; an agent's note is searchable too.
    put(
        &app,
        &agent,
        other,
        json!({"comment": {"body": "Customer wants refunds for 2 parcels", "public": false}}),
    );
    assert_eq!(ids(&app, &agent, "refunded parcel"), [other]);
    assert_eq!(sorted(ids(&app, &agent, "REFUND")), [other]);
}

#[test]
fn keywords_filter_tickets_by_their_fields() {
    let app = App::new();
    let ada = app.agent("Ada Lovelace", "ada@example.com");
    let bob = app.agent("Bob", "bob@example.com");
    let a = ticket(&app, "a", &[]);
    let b = ticket(&app, "b", &[]);
    let c = ticket(&app, "c", &[]);
    put(
        &app,
        &ada,
        a,
        json!({"status": "open", "priority": "high", "tags": ["vip", "billing"], "assignee_id": ada.id, "type": "question"}),
    );
    put(
        &app,
        &ada,
        b,
        json!({"status": "pending", "priority": "low", "tags": ["billing"], "assignee_id": bob.id}),
    );
    put(
        &app,
        &ada,
        c,
        json!({"status": "solved", "priority": "urgent"}),
    );
    sql(
        &app,
        "INSERT INTO groups (name, created_at, updated_at) VALUES ('Level 2', 0, 0)",
        &[],
    );
    sql(
        &app,
        "UPDATE tickets SET group_id = (SELECT id FROM groups) WHERE id = ?",
        &[b.into()],
    );
    sql(
        &app,
        "UPDATE tickets SET via_channel = 'whatsapp' WHERE id = ?",
        &[c.into()],
    );
    sql(&app, "UPDATE users SET email = 'kim@example.com', name = 'Kim Minji' WHERE id = (SELECT requester_id FROM tickets WHERE id = ?)", &[a.into()]);

    for (q, want) in [
        ("status:open", vec![a]),
        ("status<solved", vec![a, b]),
        ("status>pending", vec![c]),
        ("status<=pending", vec![a, b]),
        ("priority:high", vec![a]),
        ("priority>normal", vec![a, c]),
        ("priority<high", vec![b]),
        ("priority>=high", vec![a, c]),
        ("ticket_type:question", vec![a]),
        ("assignee:me", vec![a]),
        ("assignee:none", vec![c]),
        ("assignee:bob@example.com", vec![b]),
        ("assignee:\"Ada Lovelace\"", vec![a]),
        ("requester:kim@example.com", vec![a]),
        ("requester:\"kim minji\"", vec![a]),
        ("group:\"Level 2\"", vec![b]),
        ("group:none", vec![a, c]),
        ("tags:billing", vec![a, b]),
        ("tags:vip tags:billing", vec![a]),
        ("via:whatsapp", vec![c]),
        ("via:web", vec![a, b]),
        ("via:native_messaging", vec![a, b]),
        ("-tags:vip", vec![b, c]),
        ("-status:solved -assignee:none", vec![a, b]),
        ("-priority:high", vec![b, c]),
        ("status:open status:pending", vec![]),
    ] {
        assert_eq!(sorted(ids(&app, &ada, q)), want, "{q}");
    }
    // The admin token is nobody: `assignee:me` finds nothing for it.
    let r = app
        .request("search", "GET", "/api/v2/search.json?query=assignee:me")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(r["count"], 0);
}

#[test]
fn dates_times_and_relative_times() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let old = ticket(&app, "a", &[]);
    let new = ticket(&app, "b", &[]);
    let jan_1 = 1_767_225_600_000_i64; // 2026-01-01T00:00:00Z
    let day = 86_400_000_i64;
    sql(
        &app,
        "UPDATE tickets SET created_at = ?, updated_at = ? WHERE id = ?",
        &[
            (jan_1 + 3_600_000).into(),
            (jan_1 + 5 * day).into(),
            old.into(),
        ],
    );
    let now = 1_795_000_000_000_i64;
    sql(
        &app,
        "UPDATE tickets SET created_at = ?, updated_at = ? WHERE id = ?",
        &[(now - 3_600_000).into(), now.into(), new.into()],
    );
    for (q, want) in [
        ("created:2026-01-01", vec![old]),
        ("created>2026-01-01", vec![new]),
        ("created>=2026-01-01", vec![old, new]),
        ("created<2026-01-02", vec![old]),
        ("created<2026-01-01", vec![]),
        ("created<=2026-01-01", vec![old]),
        ("updated>2026-01-06", vec![new]),
        ("updated>2026-01-05", vec![old, new]),
        ("updated:2026-01-06", vec![old]),
        ("updated<2026-01-07", vec![old]),
        ("created>2026-01-01T00:30:00Z", vec![old, new]),
        ("created>2026-01-01T01:30:00Z", vec![new]),
        ("created>2hours", vec![new]),
        ("created<2hours", vec![old]),
        ("created>30minutes", vec![]),
        ("created>3days", vec![new]),
        ("-created>3days", vec![old]),
    ] {
        assert_eq!(sorted(ids(&app, &agent, q)), want, "{q}");
    }
}

#[test]
fn phrases_and_negated_words() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let late = ticket(&app, "x", &["My delivery is late again"]);
    let words = ticket(&app, "y", &["late night delivery please"]);
    let korean = ticket(&app, "z", &["배송 조회가 안 돼요"]);
    assert_eq!(sorted(ids(&app, &agent, "late delivery")), [late, words]);
    assert_eq!(ids(&app, &agent, "\"delivery is late\""), [late]);
    assert_eq!(ids(&app, &agent, "\"late night\" delivery"), [words]);
    assert_eq!(ids(&app, &agent, "delivery -night"), [late]);
    assert_eq!(ids(&app, &agent, "delivery -\"late night\""), [late]);
    // Stop words are skipped in a phrase as everywhere: `"is late"` is `late`.
    assert!(ids(&app, &agent, "delivery -\"is late\"").is_empty());
    assert_eq!(ids(&app, &agent, "\"배송 조회\""), [korean]);
    assert!(ids(&app, &agent, "\"조회 배송\"").is_empty());
    // A stop word alone matches nothing, and its negation everything.
    assert!(ids(&app, &agent, "the").is_empty());
}

#[test]
fn pages_links_counts_and_sorting() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let mut all = Vec::new();
    for i in 0..5 {
        let id = ticket(&app, "x", &["printer jam"]);
        sql(
            &app,
            "UPDATE tickets SET created_at = ?, updated_at = ? WHERE id = ?",
            &[(1_000 + i).into(), (9_000 - i).into(), id.into()],
        );
        all.push(id);
    }
    let q = encode("printer type:ticket");
    let r = app
        .zendesk_get(
            &agent,
            &format!("/api/v2/search.json?query={q}&per_page=2&sort_by=created_at&sort_order=asc"),
        )
        .expect(200)
        .json();
    assert_eq!(r["count"], 5);
    assert_eq!(r["facets"], Json::Null);
    assert_eq!(r["previous_page"], Json::Null);
    let got: Vec<i64> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, all[..2]);
    let next = r["next_page"].as_str().expect("next page").to_owned();
    assert!(next.contains("/api/v2/search.json?"), "{next}");
    assert!(
        next.contains("page=2")
            && next.contains("per_page=2")
            && next.contains("sort_by=created_at"),
        "{next}"
    );
    let path = &next[next.find("/api/").unwrap()..];
    let r2 = app.zendesk_get(&agent, path).expect(200).json();
    let got: Vec<i64> = r2["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, all[2..4]);
    assert!(r2["previous_page"].as_str().unwrap().contains("page=1"));
    // Default: most recently updated first.
    let default: Vec<i64> = ids(&app, &agent, "printer");
    assert_eq!(default, all);
    let by_updated_asc = app
        .zendesk_get(
            &agent,
            &format!("/api/v2/search?query={q}&sort_by=updated_at&sort_order=asc"),
        )
        .expect(200)
        .json();
    let got: Vec<i64> = by_updated_asc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, all.iter().rev().copied().collect::<Vec<_>>());

    put(
        &app,
        &agent,
        all[1],
        json!({"priority": "urgent", "status": "pending"}),
    );
    put(
        &app,
        &agent,
        all[3],
        json!({"priority": "low", "type": "task"}),
    );
    let first = |sort: &str| -> i64 {
        app.zendesk_get(&agent, &format!("/api/v2/search?query={q}&sort_by={sort}"))
            .expect(200)
            .json()["results"][0]["id"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(first("priority"), all[1]);
    assert_eq!(first("status"), all[1]);
    assert_eq!(first("ticket_type"), all[3]);

    let count = app
        .zendesk_get(
            &agent,
            &format!(
                "/api/v2/search/count.json?query={}",
                encode("printer -priority:low")
            ),
        )
        .expect(200)
        .json();
    assert_eq!(count, json!({"count": 4}));
}

#[test]
fn users_are_found_by_role_email_and_name() {
    let app = App::new();
    let ada = app.agent("Ada Lovelace", "ada@example.com");
    app.agent("Grace Hopper", "grace@navy.example");
    ticket(&app, "hi", &[]);
    sql(&app, "UPDATE users SET email = 'lovelace.fan@example.org', name = 'Min', external_id = 'crm-7' WHERE role = 'end-user'", &[]);

    let names = |r: &Json, key: &str| -> Vec<String> {
        let mut v: Vec<String> = r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let r = search(&app, &ada, "type:user role:agent");
    assert_eq!(names(&r, "results"), ["Ada Lovelace", "Grace Hopper"]);
    assert!(r["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["result_type"] == "user"));
    assert_eq!(
        names(&search(&app, &ada, "email:grace@navy.example"), "results"),
        ["Grace Hopper"]
    );
    assert_eq!(
        names(&search(&app, &ada, "type:user lovelace"), "results"),
        ["Ada Lovelace", "Min"]
    );
    assert_eq!(
        names(
            &search(&app, &ada, "type:user lovelace -role:agent"),
            "results"
        ),
        ["Min"]
    );
    assert_eq!(search(&app, &ada, "role:end-user")["count"], 1);

    let r = app
        .zendesk_get(&ada, "/api/v2/users/search.json?query=hopper")
        .expect(200)
        .json();
    assert_eq!(names(&r, "users"), ["Grace Hopper"]);
    assert_eq!(r["count"], 1);
    assert_eq!(r["users"][0]["email"], "grace@navy.example");
    let r = app
        .zendesk_get(&ada, "/api/v2/users/search?query=role:agent&per_page=1")
        .expect(200)
        .json();
    assert_eq!(r["count"], 2);
    assert!(r["next_page"]
        .as_str()
        .unwrap()
        .contains("/api/v2/users/search.json?"));
    let r = app
        .zendesk_get(&ada, "/api/v2/users/search.json?external_id=crm-7")
        .expect(200)
        .json();
    assert_eq!(names(&r, "users"), ["Min"]);

    // Without a type, tickets come first, then users, paged as one list.
    let t = ticket(&app, "x", &["grace period question"]);
    let r = app
        .zendesk_get(&ada, "/api/v2/search.json?query=grace&per_page=1")
        .expect(200)
        .json();
    assert_eq!(r["count"], 2);
    assert_eq!(r["results"][0]["result_type"], "ticket");
    assert_eq!(r["results"][0]["id"], t);
    let r = app
        .zendesk_get(&ada, "/api/v2/search.json?query=grace&per_page=1&page=2")
        .expect(200)
        .json();
    assert_eq!(r["results"][0]["result_type"], "user");
    assert_eq!(r["results"][0]["name"], "Grace Hopper");
}

#[test]
fn the_index_follows_subject_edits_and_catches_up_old_tickets() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let id = ticket(&app, "x", &[]);
    put(
        &app,
        &agent,
        id,
        json!({"subject": "Broken zipper on jacket"}),
    );
    assert_eq!(ids(&app, &agent, "zipper"), [id]);
    put(&app, &agent, id, json!({"subject": "Jacket color"}));
    assert!(ids(&app, &agent, "zipper").is_empty());
    assert_eq!(ids(&app, &agent, "colour color"), Vec::<i64>::new());
    assert_eq!(ids(&app, &agent, "color jacket"), [id]);

    // A ticket from before the index (or written by a path that did not index it): its text is
    // not in the index, and the triggers' queue has it; the next write indexes it (searches
    // never write).
    let old = ticket(&app, "x", &["warranty claim for the kettle"]);
    sql(
        &app,
        "DELETE FROM ticket_terms WHERE ticket_id = ?",
        &[old.into()],
    );
    sql(
        &app,
        "DELETE FROM ticket_search_docs WHERE ticket_id = ?",
        &[old.into()],
    );
    sql(&app, "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, created_at) SELECT id, requester_id, '보증 기간', 1, 'web', 0 FROM tickets WHERE id = ?", &[old.into()]);
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 1);
    assert!(ids(&app, &agent, "kettle warranty").is_empty());
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 1);
    put(&app, &agent, id, json!({"priority": "low"}));
    assert_eq!(ids(&app, &agent, "kettle warranty"), [old]);
    assert_eq!(ids(&app, &agent, "보증이"), [old]);
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);
}

/// A customer's message that opens a ticket (the bot hands off) or reaches one (agents are in
/// control: the message becomes a comment) is searchable as soon as it is answered: its write
/// brings the search's checks along, and they do not excuse it from the upkeep its own ticket
/// change queued.
#[test]
fn a_customers_message_that_opens_or_reaches_a_ticket_is_searchable_at_once() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let queued = || {
        app.count("SELECT count(*) FROM ticket_search_queue")
            + app.count("SELECT count(*) FROM ticket_facet_queue")
    };
    let v = app.visitor("en");
    app.say(&v, "my kayak paddle snapped", None);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    app.say(&v, "Talk to a person", Some("handoff"));
    let id = app.count("SELECT max(id) FROM tickets");
    assert_eq!(
        queued(),
        0,
        "the hand-off's ticket was indexed before the commit"
    );
    assert_eq!(ids(&app, &agent, "kayak"), [id]);
    app.say(&v, "also the wetsuit zipper", None);
    assert_eq!(queued(), 0, "the comment was indexed before the commit");
    assert_eq!(ids(&app, &agent, "wetsuit"), [id]);
}

#[test]
fn mistakes_are_400s_that_say_what_was_wrong() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    ticket(&app, "x", &[]);
    for (q, needle) in [
        ("foo:bar", "\"foo\""),
        ("refund colour:red", "\"colour\""),
        ("status:done", "\"done\""),
        ("status<finished", "\"finished\""),
        ("priority:hi", "\"hi\""),
        ("created>2026-13-45", "2026-13-45"),
        ("updated<yesterday", "yesterday"),
        ("ticket_type:bug", "\"bug\""),
        ("role:boss", "\"boss\""),
        ("type:organization", "organization"),
        ("status:open role:agent", "one query"),
        ("type:user status:open", "type:user"),
        ("assignee>me", "assignee"),
        ("status:", "needs a value"),
        ("\"unclosed", "closing quote"),
        ("  ", "empty"),
    ] {
        let (code, description) = bad(
            &app,
            &agent,
            &format!("/api/v2/search.json?query={}", encode(q)),
        );
        assert_eq!(code, "InvalidSearchQuery", "{q}");
        assert!(description.contains(needle), "{q}: {description}");
        let (code, _) = bad(
            &app,
            &agent,
            &format!("/api/v2/search/count.json?query={}", encode(q)),
        );
        assert_eq!(code, "InvalidSearchQuery", "{q}");
    }
    let (code, description) = bad(&app, &agent, "/api/v2/search.json");
    assert_eq!(code, "InvalidSearchQuery");
    assert!(description.contains("query"), "{description}");
    let (code, description) = bad(&app, &agent, "/api/v2/search.json?query=x&sort_by=colour");
    assert_eq!(code, "InvalidParameter");
    assert!(description.contains("colour"), "{description}");
    let (code, _) = bad(&app, &agent, "/api/v2/search.json?query=x&sort_order=up");
    assert_eq!(code, "InvalidParameter");
    let (code, _) = bad(&app, &agent, "/api/v2/search.json?query=x&per_page=101");
    assert_eq!(code, "invalid_pagination");
    let (code, _) = bad(&app, &agent, "/api/v2/users/search.json");
    assert_eq!(code, "InvalidSearchQuery");
    let (code, _) = bad(&app, &agent, "/api/v2/users/search.json?query=status:open");
    assert_eq!(code, "InvalidSearchQuery");
    let long = "a".repeat(1_001);
    let (_, description) = bad(&app, &agent, &format!("/api/v2/search.json?query={long}"));
    assert!(description.contains("1000"), "{description}");
    // Zendesk returns the first 1,000 results at most; deeper pages are refused.
    let r = app
        .zendesk_get(&agent, "/api/v2/search.json?query=x&page=11&per_page=100")
        .expect(422)
        .json();
    assert_eq!(r["error"], "InvalidPaginationParameter");
    app.request("search", "POST", "/api/v2/search.json?query=x")
        .agent(&agent.email, &agent.token)
        .send()
        .expect(405);
}

#[test]
fn search_needs_an_agent() {
    let app = App::new();
    for path in [
        "/api/v2/search.json?query=status:open",
        "/api/v2/search/count.json?query=status:open",
        "/api/v2/users/search.json?query=ada",
    ] {
        let r = app.request("search", "GET", path).send().expect(401);
        assert_eq!(r.json()["error"], "Couldn't authenticate you", "{path}");
        app.request("search", "GET", path)
            .agent("nobody@example.com", "wrong")
            .send()
            .expect(401);
    }
}
