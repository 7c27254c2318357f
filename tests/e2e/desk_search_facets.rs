//! Ticket search's facet records and tag index (schema v13): whatever writes a ticket — the
//! API, racing requests, a statement behind the app's back — the next search filters and sorts
//! by the ticket's current values, and the in-memory path answers exactly what the SQL path
//! (used while the facets catch up after the upgrade) answers.

use spindesk_core::ports::{Sql, Value};
use spindesk_core::store::{Db, MIGRATIONS};
use spindesk_native::NativeSql;
use spindesk_tests::*;

fn ticket(app: &App, first: &str, after: &[&str]) -> i64 {
    let v = app.visitor("en");
    app.say(&v, first, None);
    app.say(&v, "Talk to a person", Some("handoff"));
    for text in after {
        app.say(&v, text, None);
    }
    app.count("SELECT max(id) FROM tickets")
}

fn encode(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The count and the ids of a ticket search, in the order returned.
fn found(app: &App, agent: &Agent, q: &str, extra: &str) -> (i64, Vec<i64>) {
    let r = app
        .zendesk_get(
            agent,
            &format!(
                "/api/v2/search.json?query={}&per_page=100{extra}",
                encode(&format!("type:ticket {q}"))
            ),
        )
        .expect(200)
        .json();
    let ids = r["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    (r["count"].as_i64().expect("count"), ids)
}

fn count(app: &App, agent: &Agent, q: &str) -> i64 {
    app.zendesk_get(
        agent,
        &format!(
            "/api/v2/search/count.json?query={}",
            encode(&format!("type:ticket {q}"))
        ),
    )
    .expect(200)
    .json()["count"]
        .as_i64()
        .expect("count")
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

fn ids_where(app: &App, condition: &str) -> Vec<i64> {
    app.rows(
        &format!("SELECT id FROM tickets WHERE {condition} ORDER BY id"),
        &[],
    )
    .into_iter()
    .map(|r| match r[0] {
        Value::Integer(id) => id,
        _ => panic!("id"),
    })
    .collect()
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

#[test]
fn racing_writers_leave_the_search_exact() {
    let app = App::new();
    let agents: Vec<Agent> = (0..3)
        .map(|i| app.agent(&format!("Agent {i}"), &format!("agent{i}@example.com")))
        .collect();
    let tickets: Vec<i64> = (0..6)
        .map(|i| ticket(&app, &format!("case {i}"), &[]))
        .collect();
    let statuses = ["open", "pending", "hold", "solved"];
    // Three agents comment on, retag and move the same tickets at once while a fourth thread
    // searches in between.
    std::thread::scope(|s| {
        for (n, agent) in agents.iter().enumerate() {
            let (app, tickets) = (&app, &tickets);
            s.spawn(move || {
                for round in 0..4 {
                    for (i, id) in tickets.iter().enumerate() {
                        let status = statuses[(n + round + i) % statuses.len()];
                        put(
                            app,
                            agent,
                            *id,
                            json!({
                                "status": status,
                                "tags": [format!("round{round}"), format!("by{n}")],
                                "comment": {"body": format!("zebra{n} quokka{round}"), "public": false},
                            }),
                        );
                    }
                }
            });
        }
        let (app, agent) = (&app, &agents[0]);
        s.spawn(move || {
            for _ in 0..10 {
                found(app, agent, "status<solved", "");
                found(app, agent, "quokka1", "");
            }
        });
    });
    let agent = &agents[0];
    for (q, condition) in [
        ("status:open", "status = 'open'"),
        (
            "status<solved",
            "status IN ('new', 'open', 'pending', 'hold')",
        ),
        ("status:solved", "status = 'solved'"),
        ("tags:round3", "tags LIKE '%round3%'"),
        ("tags:by1", "tags LIKE '%by1\"%'"),
        (
            "-tags:by2 status:hold",
            "tags NOT LIKE '%by2\"%' AND status = 'hold'",
        ),
    ] {
        let want = ids_where(&app, condition);
        let (n, got) = found(&app, agent, q, "");
        assert_eq!((n, sorted(got)), (want.len() as i64, want.clone()), "{q}");
        assert_eq!(count(&app, agent, q), want.len() as i64, "{q}");
    }
    // Every comment of every writer is in the index.
    for word in ["zebra0", "zebra1", "zebra2", "quokka0", "quokka3"] {
        assert_eq!(sorted(found(&app, agent, word, "").1), tickets, "{word}");
    }
    // Newest activity first, as the table says.
    let order = app
        .rows(
            "SELECT id FROM tickets ORDER BY updated_at DESC, id DESC",
            &[],
        )
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(id) => id,
            _ => panic!("id"),
        })
        .collect::<Vec<_>>();
    assert_eq!(found(&app, agent, "zebra1", "").1, order);
}

#[test]
fn rows_changed_behind_the_apps_back_are_searched_by_their_new_values() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let a = ticket(&app, "kettle", &[]);
    let b = ticket(&app, "kettle", &[]);
    assert_eq!(sorted(found(&app, &agent, "kettle", "").1), [a, b]);
    sql(
        &app,
        "INSERT INTO groups (name, created_at, updated_at) VALUES ('Level 2', 0, 0)",
        &[],
    );
    sql(
        &app,
        "UPDATE tickets SET status = 'hold', priority = 'urgent', type = 'task', \
         tags = '[\"Fragile\", \"b2b\"]', via_channel = 'telegram', \
         group_id = (SELECT id FROM groups), created_at = 5, updated_at = 6 WHERE id = ?",
        &[a.into()],
    );
    for q in [
        "kettle status:hold",
        "priority:urgent",
        "ticket_type:task",
        "tags:fragile",
        "tags:FRAGILE tags:b2b",
        "via:telegram",
        "group:\"Level 2\"",
        "created<1970-01-02",
    ] {
        assert_eq!(found(&app, &agent, q, ""), (1, vec![a]), "{q}");
    }
    assert_eq!(found(&app, &agent, "kettle -tags:b2b", "").1, [b]);
    // An id too large for a record: the search that tests it is answered by the SQL path.
    sql(
        &app,
        "INSERT INTO users (id, public_id, role, name, email, created_at, updated_at) \
         VALUES (5000000000, 'big', 'agent', 'Big', 'big@example.com', 0, 0)",
        &[],
    );
    sql(
        &app,
        "UPDATE tickets SET assignee_id = 5000000000 WHERE id = ?",
        &[b.into()],
    );
    assert_eq!(found(&app, &agent, "assignee:5000000000", ""), (1, vec![b]));
    assert_eq!(
        found(&app, &agent, "kettle assignee:big@example.com", "").1,
        [b]
    );
    assert_eq!(found(&app, &agent, "kettle -assignee:none", "").1, [b]);
    sql(
        &app,
        "UPDATE tickets SET assignee_id = NULL WHERE id = ?",
        &[b.into()],
    );
    // Tags taken away are gone from the tag index; a ticket deleted is gone from every result.
    sql(
        &app,
        "UPDATE tickets SET tags = '[]' WHERE id = ?",
        &[a.into()],
    );
    assert_eq!(found(&app, &agent, "tags:fragile", ""), (0, vec![]));
    sql(
        &app,
        "UPDATE tickets SET tags = 'not json' WHERE id = ?",
        &[b.into()],
    );
    assert_eq!(found(&app, &agent, "kettle -tags:fragile", "").0, 2);
    app.delete_ticket_behind_the_apps_back(a, &["DELETE FROM tickets WHERE id = ?"]);
    assert_eq!(found(&app, &agent, "kettle", ""), (1, vec![b]));
    assert_eq!(found(&app, &agent, "status<closed", ""), (1, vec![b]));
}

#[test]
fn the_sql_path_and_the_memory_path_agree() {
    let app = App::new();
    let ada = app.agent("Ada Lovelace", "ada@example.com");
    let bob = app.agent("Bob", "bob@example.com");
    let texts = [
        "late delivery of my parcel",
        "the parcel is late",
        "refund for a broken kettle",
        "환불 요청합니다 배송이 늦어요",
        "delivery late again, refund please",
        "kettle works now",
    ];
    let mut ids = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let id = ticket(&app, "hello", &[text]);
        let status = ["open", "pending", "solved", "hold", "open", "new"][i];
        let mut fields = json!({
            "status": status,
            "tags": if i % 2 == 0 { json!(["vip"]) } else { json!(["billing", "b2b"]) },
        });
        if i % 3 != 2 {
            fields["priority"] = json!(["low", "normal", "high", "urgent"][i % 4]);
        }
        if i % 3 == 0 {
            fields["assignee_id"] = json!(if i == 0 { ada.id } else { bob.id });
            fields["type"] = json!(["question", "incident", "task"][i % 3]);
        }
        if status != "new" {
            put(&app, &ada, id, fields);
        }
        sql(
            &app,
            "UPDATE tickets SET created_at = ?, updated_at = ? WHERE id = ?",
            &[
                (1_000 * i as i64).into(),
                (7_000 - (i as i64 % 3) * 100).into(),
                id.into(),
            ],
        );
        ids.push(id);
    }
    let queries = [
        "late delivery",
        "\"late delivery\"",
        "-\"parcel is late\" late",
        "refund -kettle",
        "환불을",
        "status<solved",
        "priority>=normal -tags:vip",
        "tags:billing tags:b2b",
        "assignee:me",
        "assignee:none -status:new",
        "assignee:bob@example.com",
        "ticket_type:incident",
        "ticket_type:none priority:none",
        "-via:web",
        "created>1970-01-01 updated<1970-01-02",
        "the",
        "-the kettle",
    ];
    let sorts = [
        "",
        "&sort_by=created_at&sort_order=asc",
        "&sort_by=priority&sort_order=desc",
        "&sort_by=status&sort_order=asc",
        "&sort_by=ticket_type&sort_order=asc",
    ];
    // Any write rewrites the records the statements above queued: the memory path answers.
    app.zendesk_put(
        &ada,
        &format!("/api/v2/users/{}.json", ada.id),
        &json!({"user": {"notes": "on call"}}),
    )
    .expect(200);
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 0);
    let memory: Vec<(i64, Vec<i64>)> = queries
        .iter()
        .flat_map(|q| sorts.iter().map(|s| found(&app, &ada, q, s)))
        .collect();
    assert!(memory.iter().any(|(n, _)| *n > 2), "{memory:?}");
    // A record waiting to be rewritten (an id of no ticket, as the upgrade's backlog or a row
    // changed behind the app's back leaves): searches never write, so each below takes the
    // SQL path.
    sql(
        &app,
        "INSERT INTO ticket_facet_queue (ticket_id) VALUES (1000000)",
        &[],
    );
    let mut sql_path = Vec::new();
    for q in queries {
        for s in sorts {
            sql_path.push(found(&app, &ada, q, s));
        }
    }
    assert_eq!(sql_path, memory);
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 1);
    // The next write rewrites what waits, before it commits.
    put(&app, &ada, ids[0], json!({"priority": "low"}));
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 0);
}

/// Every row of a table, in its key's order (for comparing before and after an upgrade).
fn rows(sql: &NativeSql, table: &str, order: &str) -> Vec<Vec<Value>> {
    sql.execute(&format!("SELECT * FROM {table} ORDER BY {order}"), &[])
        .expect("rows")
        .rows
}

/// Schema v29 replaced the index's nine triggers on `tickets` by three that only queue, and
/// rebuilt `ticket_search_docs` without its foreign key: an index built under v28 carries over
/// row for row, and from then on the writes' upkeep keeps tags and deleted tickets right.
#[test]
fn an_index_built_under_version_28_carries_over_and_the_triggers_only_queue() {
    let app = App::new();
    let sql = app.main_database_at(28);
    let statements: &[&str] = &[
        "INSERT INTO users (id, public_id, role, name, email, created_at, updated_at) \
         VALUES (1, 'u-ana', 'end-user', 'Ana', 'ana@example.com', 0, 0)",
        "INSERT INTO tickets (id, requester_id, subject, description, status, tags, via_channel, \
         created_at, updated_at) VALUES \
         (1, 1, 'Broken zipper', 'my jacket zipper broke', 'open', '[\"VIP\", \"jacket\"]', 'web', 1, 1), \
         (2, 1, 'Late parcel', 'where is my parcel', 'new', '[\"vip\"]', 'email', 2, 2), \
         (3, 1, 'Refund', 'refund the kettle please', 'pending', 'not json', 'web', 3, 3)",
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, via_channel, created_at) \
         VALUES (1, 1, 'the zipper jacket again', 1, 'web', 4), \
                (2, 1, 'parcel still late', 1, 'web', 5)",
    ];
    for statement in statements {
        sql.execute(statement, &[]).expect(statement);
    }
    // The index as v28's code built it (the index's format did not change): the same tickets
    // indexed by this code in a database of its own, its rows copied here — the docs' without
    // the column v29 added — and the queues v28's triggers filled emptied, as its catch-up did.
    let built = App::new();
    let built_sql = built.main_database_at(MIGRATIONS.last().expect("migrations").version);
    for statement in statements {
        built_sql.execute(statement, &[]).expect(statement);
    }
    while !spindesk_core::tickets::search::catch_up(&Db::new(&built_sql)).expect("index") {}
    drop(built_sql);
    let copy = [
        format!("ATTACH DATABASE '{}' AS built", built.db_path().display()),
        "INSERT INTO ticket_search_docs (ticket_id, terms, head_terms, last_comment_id, analysis, \
         head_pairs, next_position) SELECT ticket_id, terms, head_terms, last_comment_id, \
         analysis, head_pairs, next_position FROM built.ticket_search_docs"
            .into(),
        "INSERT INTO ticket_terms SELECT * FROM built.ticket_terms".into(),
        "INSERT INTO ticket_pairs SELECT * FROM built.ticket_pairs".into(),
        "INSERT INTO ticket_via_codes SELECT * FROM built.ticket_via_codes".into(),
        "INSERT INTO ticket_facets SELECT * FROM built.ticket_facets".into(),
        "UPDATE ticket_search_state SET analysis = (SELECT analysis FROM built.ticket_search_state)"
            .into(),
        "DELETE FROM ticket_search_queue".into(),
        "DELETE FROM ticket_facet_queue".into(),
        "DETACH DATABASE built".into(),
    ];
    for statement in &copy {
        sql.execute(statement, &[]).expect(statement);
    }
    // The docs as v28 has them: the columns it knows.
    const DOCS: &str = "ticket_id, terms, head_terms, last_comment_id, analysis, head_pairs, \
                        next_position";
    let index: &[(&str, &str, &str)] = &[
        ("ticket_search_docs", DOCS, "ticket_id"),
        ("ticket_terms", "*", "term, ticket_id"),
        ("ticket_pairs", "*", "pair, ticket_id"),
        ("ticket_tags", "*", "tag, ticket_id"),
        ("ticket_facets", "*", "block"),
    ];
    let rows_of = |(table, columns, order): &(&str, &str, &str)| {
        sql.execute(
            &format!("SELECT {columns} FROM {table} ORDER BY {order}"),
            &[],
        )
        .expect("rows")
        .rows
    };
    let before: Vec<_> = index.iter().map(rows_of).collect();
    assert_eq!(
        before[3].len(),
        3,
        "v28's triggers kept the tags: {:?}",
        before[3]
    );

    // The first request upgrades.
    let agent = app.agent("Ada", "ada@example.com");
    let after: Vec<_> = index.iter().map(rows_of).collect();
    assert_eq!(before, after);
    let triggers = sql
        .execute(
            "SELECT name FROM sqlite_schema WHERE type = 'trigger' \
             AND tbl_name IN ('tickets', 'ticket_comments') ORDER BY name",
            &[],
        )
        .expect("triggers")
        .rows;
    let names: Vec<_> = triggers.iter().map(|r| r[0].clone()).collect();
    let expected: Vec<Value> = [
        "ticket_queued_on_delete",
        "ticket_queued_on_insert",
        "ticket_queued_on_update",
        "ticket_search_on_comment",
        "ticket_search_on_text",
    ]
    .iter()
    .map(|n| Value::Text((*n).into()))
    .collect();
    assert_eq!(names, expected);
    assert_eq!(
        app.count("SELECT count(*) FROM pragma_foreign_key_list('ticket_search_docs')"),
        0
    );
    assert_eq!(found(&app, &agent, "tags:vip", ""), (2, vec![2, 1]));
    assert_eq!(found(&app, &agent, "zipper", "").1, [1]);
    assert_eq!(found(&app, &agent, "\"zipper jacket\"", "").1, [1]);

    // Tags changed behind the app's back: right at once (read from the ticket while it is
    // queued), and in the index after the next write.
    sql.execute("UPDATE tickets SET tags = '[\"Jacket\"]' WHERE id = 2", &[])
        .expect("tags");
    assert_eq!(found(&app, &agent, "tags:jacket", ""), (2, vec![2, 1]));
    assert_eq!(found(&app, &agent, "tags:vip", ""), (1, vec![1]));
    // A ticket deleted behind the app's back: gone from results at once; its doc, terms, pairs
    // and tags stay until the next write's upkeep removes them.
    for statement in [
        "DELETE FROM ticket_comments WHERE ticket_id = 1",
        "DELETE FROM tickets WHERE id = 1",
    ] {
        sql.execute(statement, &[]).expect(statement);
    }
    assert_eq!(found(&app, &agent, "zipper", ""), (0, vec![]));
    assert_eq!(found(&app, &agent, "tags:jacket", ""), (1, vec![2]));
    let left_of_1 = || {
        app.count(
            "SELECT (SELECT count(*) FROM ticket_search_docs WHERE ticket_id = 1) \
                  + (SELECT count(*) FROM ticket_terms WHERE ticket_id = 1) \
                  + (SELECT count(*) FROM ticket_pairs WHERE ticket_id = 1) \
                  + (SELECT count(*) FROM ticket_tags WHERE ticket_id = 1)",
        )
    };
    assert!(left_of_1() > 0);
    assert_eq!(
        rows(&sql, "ticket_tags", "tag, ticket_id"),
        before[3],
        "the index itself is not written by a change behind the app's back"
    );
    // The next write of a ticket or a message (they run the index's upkeep before they commit).
    app.zendesk_put(
        &agent,
        "/api/v2/tickets/3.json",
        &json!({"ticket": {"priority": "high"}}),
    )
    .expect(200);
    assert_eq!(left_of_1(), 0);
    assert_eq!(
        rows(&sql, "ticket_tags", "tag, ticket_id"),
        vec![vec![Value::Text("jacket".into()), Value::Integer(2)]]
    );
    assert_eq!(app.count("SELECT count(*) FROM ticket_search_queue"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_facet_queue"), 0);
    assert_eq!(found(&app, &agent, "tags:jacket", ""), (1, vec![2]));
    assert_eq!(found(&app, &agent, "parcel", "").1, [2]);
}
