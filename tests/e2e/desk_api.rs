//! The Zendesk API breadth of the agent desk: creating tickets (`POST /api/v2/tickets`),
//! custom fields on tickets, and users (list, profile edits, a customer's tickets).

use crate::bot_demo::demo_bot;
use spindesk_core::ports::Value;
use spindesk_tests::*;

/// A staff member with role `admin` (signs in with their own token).
pub fn admin_agent(app: &App, name: &str, email: &str) -> Agent {
    let r = app
        .request("admin", "POST", "/api/admin/agents")
        .admin()
        .json(&json!({"agent": {"name": name, "email": email, "role": "admin"}}))
        .send()
        .expect(201)
        .json();
    Agent {
        id: r["agent"]["id"].as_i64().unwrap(),
        email: email.to_owned(),
        token: r["api_token"].as_str().unwrap().to_owned(),
    }
}

pub fn send(app: &App, agent: &Agent, method: &str, path: &str, body: &Json) -> Resp {
    app.request("tickets", method, path)
        .agent(&agent.email, &agent.token)
        .json(body)
        .send()
}

/// Files a ticket through the API and returns its JSON.
pub fn file_ticket(app: &App, agent: &Agent, ticket: Json) -> Json {
    send(
        app,
        agent,
        "POST",
        "/api/v2/tickets.json",
        &json!({"ticket": ticket}),
    )
    .expect(201)
    .json()["ticket"]
        .clone()
}

/// A group, straight into the store (the groups API is another part of the desk).
pub fn group(app: &App, name: &str, members: &[i64]) -> i64 {
    let db = app.db();
    use spindesk_core::ports::Sql;
    let rows = db
        .execute(
            "INSERT INTO groups (name, created_at, updated_at) VALUES (?, 0, 0) RETURNING id",
            &[name.into()],
        )
        .unwrap();
    let Value::Integer(id) = rows.rows[0][0] else {
        panic!("group id")
    };
    for m in members {
        db.execute(
            "INSERT INTO group_memberships (user_id, group_id, created_at) VALUES (?, ?, 0)",
            &[(*m).into(), id.into()],
        )
        .unwrap();
    }
    id
}

fn counts(app: &App) -> [i64; 5] {
    [
        app.count("SELECT count(*) FROM tickets"),
        app.count("SELECT count(*) FROM users WHERE role = 'end-user'"),
        app.count("SELECT count(*) FROM ticket_comments"),
        app.count("SELECT count(*) FROM ticket_audits"),
        app.count("SELECT count(*) FROM conversations"),
    ]
}

#[test]
fn post_ticket_creates_the_requester_the_first_comment_and_the_audit() {
    let app = App::new();
    let agent = app.agent("Ada Lovelace", "ada@example.com");
    let r = send(
        &app,
        &agent,
        "POST",
        "/api/v2/tickets.json",
        &json!({"ticket": {
            "subject": "Printer on fire",
            "comment": {"body": "It is really on fire"},
            "requester": {"name": "Grace Hopper", "email": "Grace@Example.com"},
            "priority": "high", "type": "incident", "tags": ["printer", "fire", "printer"],
            "custom_fields": [{"id": 360001, "value": "A-1234"}, {"id": 7, "value": ["a", "b"]}],
            "external_id": "form-9"
        }}),
    )
    .expect(201);
    let body = r.json();
    let t = &body["ticket"];
    let id = t["id"].as_i64().unwrap();
    assert!(r
        .header("location")
        .unwrap()
        .ends_with(&format!("/api/v2/tickets/{id}.json")));
    assert_eq!(t["subject"], "Printer on fire");
    assert_eq!(t["description"], "It is really on fire");
    assert_eq!(t["status"], "new");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["type"], "incident");
    assert_eq!(t["tags"], json!(["printer", "fire"]));
    assert_eq!(t["via"]["channel"], "api");
    assert_eq!(t["submitter_id"], agent.id);
    assert_eq!(t["external_id"], "form-9");
    let fields = json!([{"id": 360001, "value": "A-1234"}, {"id": 7, "value": ["a", "b"]}]);
    assert_eq!(t["custom_fields"], fields);
    assert_eq!(t["fields"], fields);
    let requester = t["requester_id"].as_i64().unwrap();
    let stored = app.rows(
        "SELECT name, email, role FROM users WHERE id = ?",
        &[requester.into()],
    );
    assert_eq!(
        stored[0],
        vec![
            Value::Text("Grace Hopper".into()),
            Value::Text("Grace@example.com".into()),
            Value::Text("end-user".into())
        ]
    );
    // The first comment is the requester's, public; no conversation was started.
    let comments = app.rows(
        "SELECT author_id, body, public, via_channel FROM ticket_comments WHERE ticket_id = ?",
        &[id.into()],
    );
    assert_eq!(
        comments,
        vec![vec![
            Value::Integer(requester),
            Value::Text("It is really on fire".into()),
            Value::Integer(1),
            Value::Text("api".into())
        ]]
    );
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);
    // One audit: Create events for the fields, then the comment.
    let audit = &body["audit"];
    assert_eq!(audit["ticket_id"], id);
    assert_eq!(audit["author_id"], agent.id);
    let events = audit["events"].as_array().unwrap();
    let created: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["type"] == "Create")
        .map(|e| {
            (
                e["field_name"].as_str().unwrap(),
                e["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        created.contains(&("subject", "Printer on fire")),
        "{created:?}"
    );
    assert!(created.contains(&("status", "new")), "{created:?}");
    assert!(created.contains(&("priority", "high")), "{created:?}");
    let last = events.last().unwrap();
    assert_eq!(last["type"], "Comment");
    assert_eq!(last["body"], "It is really on fire");
    assert_eq!(last["public"], true);
    let stored_events = app.count(&format!(
        "SELECT count(*) FROM ticket_audit_events WHERE ticket_id = {id}"
    ));
    assert_eq!(stored_events, events.len() as i64);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_audit_events WHERE type = 'Comment'"),
        1
    );
    // Readable like any ticket.
    let shown = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{id}.json"))
        .expect(200)
        .json();
    assert_eq!(shown["ticket"]["custom_fields"], fields);
}

#[test]
fn post_ticket_finds_the_requester_by_email_without_case_and_defaults_sensibly() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let first = file_ticket(
        &app,
        &agent,
        json!({"comment": {"body": "One"}, "requester": {"name": "Grace", "email": "grace@example.com"}}),
    );
    let second = file_ticket(
        &app,
        &agent,
        json!({"description": "Two\nsecond line", "requester": {"email": "GRACE@EXAMPLE.COM"}}),
    );
    assert_eq!(first["requester_id"], second["requester_id"]);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'end-user'"),
        1
    );
    // No subject: the first line of the comment.
    assert_eq!(second["subject"], "Two");
    assert_eq!(second["description"], "Two\nsecond line");
    // By id, and with nobody named: the signed-in agent requests it.
    let third = file_ticket(
        &app,
        &agent,
        json!({"comment": {"body": "Three", "public": false}, "requester_id": first["requester_id"],
               "status": "open"}),
    );
    assert_eq!(third["requester_id"], first["requester_id"]);
    assert_eq!(third["status"], "open");
    let own = file_ticket(
        &app,
        &agent,
        json!({"comment": {"html_body": "<p>Mine &amp; yours</p>"}}),
    );
    assert_eq!(own["requester_id"], agent.id);
    assert_eq!(own["description"], "Mine & yours");
    // A new requester without a name is named after their address.
    let fourth = file_ticket(
        &app,
        &agent,
        json!({"comment": {"body": "Four"}, "requester": {"email": "kim@example.kr"}}),
    );
    let user = app
        .zendesk_get(
            &agent,
            &format!("/api/v2/users/{}.json", fourth["requester_id"]),
        )
        .expect(200)
        .json();
    assert_eq!(user["user"]["name"], "kim");
}

#[test]
fn post_ticket_refuses_bad_input_naming_the_field_and_writes_nothing() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let customer_json = file_ticket(
        &app,
        &agent,
        json!({"comment": {"body": "seed"}, "requester": {"email": "seed@example.com"}}),
    );
    let customer = customer_json["requester_id"].as_i64().unwrap();
    let other = app.agent("Bob", "bob@example.com");
    let team = group(&app, "Billing", &[agent.id]);
    let before = counts(&app);
    let new_requester = json!({"email": "new@example.com", "name": "New"});
    let cases: Vec<(Json, u16, &str)> = vec![
        (json!({"subject": "x"}), 422, "comment"),
        (json!({"comment": {"body": "  "}}), 422, "comment"),
        (json!({"comment": {}}), 422, "comment"),
        (json!({"description": ""}), 422, "description"),
        (
            json!({"comment": {"body": "x"}, "priority": "asap"}),
            422,
            "priority",
        ),
        (
            json!({"comment": {"body": "x"}, "type": "bug"}),
            422,
            "type",
        ),
        (
            json!({"comment": {"body": "x"}, "status": "closed"}),
            422,
            "status",
        ),
        (
            json!({"comment": {"body": "x"}, "status": "done"}),
            422,
            "status",
        ),
        (
            json!({"comment": {"body": "x"}, "tags": ["two words"]}),
            422,
            "tags",
        ),
        (
            json!({"comment": {"body": "x"}, "subject": "s".repeat(256)}),
            422,
            "subject",
        ),
        (
            json!({"comment": {"body": "x".repeat(4097)}}),
            422,
            "comment",
        ),
        (
            json!({"comment": {"body": "x"}, "custom_fields": [{"value": 1}]}),
            422,
            "custom_fields",
        ),
        (
            json!({"comment": {"body": "x"}, "custom_fields": {"id": 1}}),
            422,
            "custom_fields",
        ),
        (
            json!({"comment": {"body": "x"}, "requester": {"email": "not-an-email"}}),
            422,
            "requester",
        ),
        (
            json!({"comment": {"body": "x"}, "requester": new_requester, "requester_id": customer}),
            422,
            "requester",
        ),
        (
            json!({"comment": {"body": "x"}, "requester_id": 9999}),
            422,
            "requester_id",
        ),
        // Found wrong only inside the transaction, after the new requester was inserted:
        // the rollback takes the requester back out.
        (
            json!({"comment": {"body": "x"}, "requester": new_requester, "group_id": 999}),
            422,
            "group_id",
        ),
        (
            json!({"comment": {"body": "x"}, "requester": new_requester, "assignee_id": customer}),
            422,
            "assignee_id",
        ),
        (
            json!({"comment": {"body": "x"}, "requester": new_requester, "group_id": team, "assignee_id": other.id}),
            422,
            "assignee_id",
        ),
        (
            json!({"comment": {"body": "x"}, "priority": 3}),
            400,
            "invalid type",
        ),
    ];
    for (ticket, status, field) in cases {
        let r = send(
            &app,
            &agent,
            "POST",
            "/api/v2/tickets",
            &json!({ "ticket": ticket }),
        );
        assert_eq!(r.status, status, "{ticket}: {}", r.text());
        let e = r.json();
        if status == 422 {
            assert_eq!(e["error"], "RecordInvalid", "{ticket}");
        }
        assert!(
            e["description"].as_str().unwrap().contains(field),
            "{ticket}: {e}"
        );
        assert_eq!(counts(&app), before, "{ticket} wrote something");
    }
    // The envelope, the JSON itself and who asks.
    send(
        &app,
        &agent,
        "POST",
        "/api/v2/tickets",
        &json!({"subject": "x"}),
    )
    .expect(400);
    let r = app
        .request("tickets", "POST", "/api/v2/tickets")
        .agent(&agent.email, &agent.token)
        .body("{not json")
        .send()
        .expect(400);
    assert_eq!(r.json()["error"], "invalid_json");
    app.request("tickets", "POST", "/api/v2/tickets")
        .json(&json!({"ticket": {"comment": {"body": "x"}}}))
        .send()
        .expect(401);
    app.request("tickets", "DELETE", "/api/v2/tickets")
        .admin()
        .send()
        .expect(405);
    assert_eq!(counts(&app), before);
    // And with every id right, it goes through.
    let ok = file_ticket(
        &app,
        &agent,
        json!({"comment": {"body": "x"}, "group_id": team, "assignee_id": agent.id}),
    );
    assert_eq!(ok["group_id"], team);
    assert_eq!(ok["assignee_id"], agent.id);
}

/// The published demo bot's form collects an order number as custom field 360001 and hands
/// off (the order system is down): the ticket's JSON carries it, and PUT merges by id.
#[test]
fn custom_fields_from_the_bot_hand_off_are_returned_and_merged_by_put() {
    let app = App::new();
    let mut bot = serde_json::to_value(demo_bot()).unwrap();
    bot["answers"][0]["steps"][1]["url"] = json!("https://shop.example.com/orders/{{order_id}}");
    app.publish_bot(&bot);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap()));
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "where is my order", None);
    app.say(&v, "grace@example.com", None);
    app.say(&v, "Z-9876", None);
    app.say(&v, "Grace", None);
    app.say(&v, "Skip", None);
    app.say(&v, "billing", None);
    app.say(&v, "1", None);
    let id = app.count("SELECT max(id) FROM tickets");
    let agent = app.agent("Ada", "ada@example.com");
    let path = format!("/api/v2/tickets/{id}.json");
    let t = app.zendesk_get(&agent, &path).expect(200).json();
    let from_bot = json!([{"id": 360001, "value": "Z-9876"}]);
    assert_eq!(t["ticket"]["custom_fields"], from_bot);
    assert_eq!(t["ticket"]["fields"], from_bot);
    let listed = app
        .zendesk_get(&agent, "/api/v2/tickets.json")
        .expect(200)
        .json();
    assert_eq!(listed["tickets"][0]["custom_fields"], from_bot);

    let r = app
        .zendesk_put(
            &agent,
            &path,
            &json!({"ticket": {"custom_fields": [{"id": 360001, "value": "Z-1111"}, {"id": 42, "value": true}]}}),
        )
        .expect(200)
        .json();
    let merged = json!([{"id": 360001, "value": "Z-1111"}, {"id": 42, "value": true}]);
    assert_eq!(r["ticket"]["custom_fields"], merged);
    // `fields` is the same list under Zendesk's other name; null clears a value.
    app.zendesk_put(
        &agent,
        &path,
        &json!({"ticket": {"fields": [{"id": 42, "value": null}]}}),
    )
    .expect(200);
    let stored = app.rows(
        "SELECT custom_fields FROM tickets WHERE id = ?",
        &[id.into()],
    );
    assert_eq!(
        stored[0][0],
        Value::Text(r#"[{"id":360001,"value":"Z-1111"},{"id":42,"value":null}]"#.into())
    );
    // A bad entry changes nothing, not even the rest of the update.
    let r = app
        .zendesk_put(
            &agent,
            &path,
            &json!({"ticket": {"subject": "changed", "custom_fields": [{"id": -1, "value": "x"}]}}),
        )
        .expect(422)
        .json();
    assert!(r["description"].as_str().unwrap().contains("custom_fields"));
    let after = app.rows(
        "SELECT custom_fields, subject FROM tickets WHERE id = ?",
        &[id.into()],
    );
    assert_eq!(after[0][0], stored[0][0]);
    assert_ne!(after[0][1], Value::Text("changed".into()));
}

#[test]
fn users_list_filters_by_role_and_pages() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    app.agent("Bob", "bob@example.com");
    let root = admin_agent(&app, "Root", "root@example.com");
    for email in ["c1@example.com", "c2@example.com"] {
        file_ticket(
            &app,
            &ada,
            json!({"comment": {"body": "x"}, "requester": {"email": email}}),
        );
    }
    let roles = |path: &str| -> (i64, Vec<String>) {
        let r = app.zendesk_get(&ada, path).expect(200).json();
        let roles = r["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["role"].as_str().unwrap().to_owned())
            .collect();
        (r["count"].as_i64().unwrap(), roles)
    };
    assert_eq!(roles("/api/v2/users.json").0, 5);
    assert_eq!(
        roles("/api/v2/users?role=agent"),
        (2, vec!["agent".into(), "agent".into()])
    );
    assert_eq!(roles("/api/v2/users.json?role=end-user").0, 2);
    let (n, mut both) = roles("/api/v2/users.json?role[]=agent&role[]=admin");
    both.sort();
    assert_eq!(
        (n, both),
        (3, vec!["admin".into(), "agent".into(), "agent".into()])
    );
    let page = app
        .zendesk_get(&ada, "/api/v2/users.json?role=admin&per_page=1")
        .expect(200)
        .json();
    assert_eq!(page["users"][0]["id"], root.id);
    assert_eq!(page["next_page"], Json::Null);
    let page = app
        .zendesk_get(&ada, "/api/v2/users.json?per_page=2&page=2")
        .expect(200)
        .json();
    assert_eq!(page["users"].as_array().unwrap().len(), 2);
    assert!(page["next_page"].as_str().unwrap().contains("page=3"));
    assert!(page["previous_page"].as_str().unwrap().contains("page=1"));
    let bad = app
        .zendesk_get(&ada, "/api/v2/users.json?role=boss")
        .expect(400)
        .json();
    assert!(bad["description"].as_str().unwrap().contains("boss"));
    app.zendesk_get(&ada, "/api/v2/users.json?per_page=101")
        .expect(400);
    app.request("tickets", "GET", "/api/v2/users.json")
        .send()
        .expect(401);
}

#[test]
fn users_update_profiles_with_staff_rules() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let bob = app.agent("Bob", "bob@example.com");
    let root = admin_agent(&app, "Root", "root@example.com");
    let t = file_ticket(
        &app,
        &ada,
        json!({"comment": {"body": "x"}, "requester": {"email": "kim@example.kr", "name": "Kim"}}),
    );
    let kim = t["requester_id"].as_i64().unwrap();
    let path = format!("/api/v2/users/{kim}.json");
    let r = send(
        &app,
        &ada,
        "PUT",
        &path,
        &json!({"user": {"name": "김민준", "email": "minjun@example.kr", "phone": "+82 10-1234-5678",
                          "notes": "Prefers Korean", "tags": ["vip", "vip", "seoul"]}}),
    )
    .expect(200)
    .json();
    let u = &r["user"];
    assert_eq!(u["name"], "김민준");
    assert_eq!(u["email"], "minjun@example.kr");
    assert_eq!(u["phone"], "+82 10-1234-5678");
    assert_eq!(u["notes"], "Prefers Korean");
    assert_eq!(u["tags"], json!(["vip", "seoul"]));
    assert_eq!(u["active"], true);
    let stored = app.rows(
        "SELECT name, phone, notes, tags FROM users WHERE id = ?",
        &[kim.into()],
    );
    assert_eq!(
        stored[0],
        vec![
            Value::Text("김민준".into()),
            Value::Text("+82 10-1234-5678".into()),
            Value::Text("Prefers Korean".into()),
            Value::Text(r#"["vip","seoul"]"#.into())
        ]
    );
    // Only what is sent changes; null clears the phone.
    let r = send(&app, &ada, "PUT", &path, &json!({"user": {"phone": null}}))
        .expect(200)
        .json();
    assert_eq!(r["user"]["phone"], Json::Null);
    assert_eq!(r["user"]["notes"], "Prefers Korean");

    // Bad values name the field and change nothing.
    for (user, field) in [
        (json!({"name": " "}), "name"),
        (json!({"email": "nope"}), "email"),
        (json!({"phone": "call me"}), "phone"),
        (json!({"tags": ["a b"]}), "tags"),
        (json!({"notes": "n".repeat(4097)}), "notes"),
    ] {
        let e = send(&app, &ada, "PUT", &path, &json!({ "user": user }))
            .expect(422)
            .json();
        assert!(e["description"].as_str().unwrap().contains(field), "{e}");
    }
    assert_eq!(
        app.rows("SELECT name FROM users WHERE id = ?", &[kim.into()])[0][0],
        Value::Text("김민준".into())
    );

    // Agents edit customers and themselves, not other staff; admins edit anyone.
    send(
        &app,
        &ada,
        "PUT",
        &format!("/api/v2/users/{}", ada.id),
        &json!({"user": {"name": "Ada L."}}),
    )
    .expect(200);
    let e = send(
        &app,
        &ada,
        "PUT",
        &format!("/api/v2/users/{}", bob.id),
        &json!({"user": {"name": "B"}}),
    )
    .expect(403)
    .json();
    assert_eq!(e["error"], "Forbidden");
    let bob_path = format!("/api/v2/users/{}.json", bob.id);
    send(
        &app,
        &root,
        "PUT",
        &bob_path,
        &json!({"user": {"name": "Robert"}}),
    )
    .expect(200);
    // Staff emails are unique (without case) and can't be removed.
    let e = send(
        &app,
        &root,
        "PUT",
        &bob_path,
        &json!({"user": {"email": "ADA@example.com"}}),
    )
    .expect(422)
    .json();
    assert!(e["description"].as_str().unwrap().contains("email"), "{e}");
    send(
        &app,
        &root,
        "PUT",
        &bob_path,
        &json!({"user": {"email": null}}),
    )
    .expect(422);
    // A customer may share an agent's email (they are different people to Zendesk too).
    send(
        &app,
        &ada,
        "PUT",
        &path,
        &json!({"user": {"email": "bob@example.com"}}),
    )
    .expect(200);
    send(
        &app,
        &ada,
        "PUT",
        "/api/v2/users/9999",
        &json!({"user": {"name": "x"}}),
    )
    .expect(404);
    send(&app, &ada, "PUT", &path, &json!({"name": "x"})).expect(400);
    let names = app.rows(
        "SELECT name, email FROM users WHERE id = ?",
        &[bob.id.into()],
    );
    assert_eq!(
        names[0],
        vec![
            Value::Text("Robert".into()),
            Value::Text("bob@example.com".into())
        ]
    );
}

#[test]
fn a_customers_requested_tickets_are_listed_and_paged() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let mut ids = Vec::new();
    for n in 0..3 {
        let t = file_ticket(
            &app,
            &ada,
            json!({"comment": {"body": format!("t{n}")}, "requester": {"email": "grace@example.com"}}),
        );
        ids.push(t["id"].as_i64().unwrap());
    }
    let other = file_ticket(
        &app,
        &ada,
        json!({"comment": {"body": "other"}, "requester": {"email": "kim@example.kr"}}),
    );
    let grace = app.rows(
        "SELECT requester_id FROM tickets WHERE id = ?",
        &[ids[0].into()],
    )[0][0]
        .clone();
    let Value::Integer(grace) = grace else {
        panic!()
    };
    let r = app
        .zendesk_get(
            &ada,
            &format!("/api/v2/users/{grace}/tickets/requested.json?per_page=2&sort_order=desc"),
        )
        .expect(200)
        .json();
    assert_eq!(r["count"], 3);
    let got: Vec<i64> = r["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2], ids[1]]);
    assert!(r["next_page"].as_str().unwrap().contains("page=2"));
    assert!(!got.contains(&other["id"].as_i64().unwrap()));
    app.zendesk_get(&ada, "/api/v2/users/9999/tickets/requested")
        .expect(404);
    app.zendesk_get(
        &ada,
        &format!("/api/v2/users/{grace}/tickets/requested?sort_by=mood"),
    )
    .expect(400);
}
