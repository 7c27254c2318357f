//! The Zendesk tickets API: hand-off tickets, agent comments, status, auth, pagination, errors.

use spindesk_tests::*;

/// A visitor who asked for a person, with the ticket that made.
fn handed_off(app: &App, name: &str) -> (Visitor, i64) {
    let v = app.visitor("en");
    app.say(&v, &format!("hello, I'm {name}"), None);
    app.say(&v, "Talk to a person", Some("handoff"));
    let id = app.count("SELECT max(id) FROM tickets");
    (v, id)
}

#[test]
fn the_hand_off_ticket_is_readable_in_zendesk_shape() {
    let app = App::new();
    let (_, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    for path in [
        format!("/api/v2/tickets/{id}.json"),
        format!("/api/v2/tickets/{id}"),
    ] {
        let r = app.zendesk_get(&agent, &path).expect(200);
        let t = &r.json()["ticket"];
        assert_eq!(t["id"], id);
        assert_eq!(t["status"], "new");
        assert!(t["subject"]
            .as_str()
            .unwrap()
            .starts_with("Conversation with Web visitor"));
        let description = t["description"].as_str().unwrap();
        assert!(description.contains("hello, I'm Kim"), "{description}");
        assert!(description.contains("Talk to a person"), "{description}");
        assert_eq!(t["via"]["channel"], "native_messaging");
        assert!(t["requester_id"].as_i64().is_some());
        assert_eq!(t["tags"], json!([]));
        assert!(t["created_at"].as_str().unwrap().ends_with('Z'));
    }
    for path in ["/api/v2/tickets.json", "/api/v2/tickets"] {
        let r = app.zendesk_get(&agent, path).expect(200).json();
        assert_eq!(r["count"], 1);
        assert_eq!(r["tickets"][0]["id"], id);
        assert_eq!(r["next_page"], Json::Null);
        assert_eq!(r["previous_page"], Json::Null);
    }
}

#[test]
fn a_public_comment_reaches_the_widget_and_a_private_one_never_does() {
    let app = App::new();
    let (v, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let path = format!("/api/v2/tickets/{id}.json");
    let r = app
        .zendesk_put(
            &agent,
            &path,
            &json!({"ticket": {"comment": {"body": "Hi, Ada here", "public": true}}}),
        )
        .expect(200)
        .json();
    assert_eq!(
        r["ticket"]["status"], "open",
        "an agent's reply opens a new ticket"
    );
    assert_eq!(r["audit"]["events"][0]["type"], "Comment");
    app.zendesk_put(
        &agent,
        &path,
        &json!({"ticket": {"comment": {"body": "VIP, be nice", "public": false}}}),
    )
    .expect(200);

    let history = transcript(&app.history(&v));
    assert!(
        history.contains(&"agent: Hi, Ada here".to_owned()),
        "{history:?}"
    );
    assert!(
        !history.iter().any(|m| m.contains("VIP")),
        "private note leaked: {history:?}"
    );

    let comments = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{id}/comments.json"))
        .expect(200)
        .json();
    let bodies: Vec<(&str, bool)> = comments["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["body"].as_str().unwrap(), c["public"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        bodies,
        vec![("Hi, Ada here", true), ("VIP, be nice", false)]
    );
    assert_eq!(comments["comments"][0]["author_id"], agent.id);
}

#[test]
fn comments_default_to_public_and_html_body_is_read_as_text() {
    let app = App::new();
    let (v, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{id}"),
        &json!({"ticket": {"comment": {"html_body": "<p>Fixed &amp; shipped</p>"}}}),
    )
    .expect(200);
    let history = transcript(&app.history(&v));
    assert!(
        history.contains(&"agent: Fixed & shipped".to_owned()),
        "{history:?}"
    );
}

#[test]
fn solved_tickets_reopen_and_closed_ones_hand_back_to_the_bot() {
    let app = App::new();
    let (v, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let path = format!("/api/v2/tickets/{id}.json");
    app.zendesk_put(&agent, &path, &json!({"ticket": {"status": "solved"}}))
        .expect(200);
    let r = app.say(&v, "actually it's still broken", None);
    assert_eq!(
        r["messages"].as_array().unwrap().len(),
        1,
        "the bot must stay quiet on a solved ticket"
    );
    let t = app.zendesk_get(&agent, &path).expect(200).json();
    assert_eq!(t["ticket"]["status"], "open");

    app.zendesk_put(&agent, &path, &json!({"ticket": {"status": "closed"}}))
        .expect(200);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM conversations WHERE switchboard = 'bot' AND ticket_id IS NULL"
        ),
        1
    );
    let r = app.say(&v, "one more question", None);
    let bot = &r["messages"][1];
    assert_eq!(
        bot["author"]["type"], "bot",
        "the bot answers again after close: {r}"
    );
    assert!(
        !bot["text"].as_str().unwrap().starts_with("Hi!"),
        "greeted twice: {bot}"
    );

    // A closed ticket can't be changed, and the next hand-off is a follow-up ticket.
    let r = app
        .zendesk_put(&agent, &path, &json!({"ticket": {"status": "open"}}))
        .expect(422);
    assert_eq!(r.error_code(), "RecordInvalid");
    app.say(&v, "agent", None);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
}

#[test]
fn updates_are_validated_and_a_rejected_update_changes_nothing() {
    let app = App::new();
    let (v, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let path = format!("/api/v2/tickets/{id}.json");
    let before = app.history(&v).len();
    for (body, why) in [
        (json!({"ticket": {"status": "done"}}), "unknown status"),
        (json!({"ticket": {"status": "new"}}), "back to new"),
        (json!({"ticket": {"priority": "asap"}}), "unknown priority"),
        (json!({"ticket": {"type": "bug"}}), "unknown type"),
        (
            json!({"ticket": {"comment": {"body": ""}}}),
            "blank comment",
        ),
        (
            json!({"ticket": {"comment": {"public": true}}}),
            "comment without body",
        ),
        (
            json!({"ticket": {"comment": {"body": "x".repeat(4097)}}}),
            "comment too long",
        ),
        (json!({"ticket": {"tags": ["has space"]}}), "bad tag"),
        (
            json!({"ticket": {"assignee_id": 999}, "comment": {"body": "x"}}),
            "unknown assignee",
        ),
        (
            json!({"ticket": {"comment": {"body": "hello"}, "assignee_id": 999}}),
            "unknown assignee with comment",
        ),
    ] {
        let r = app.zendesk_put(&agent, &path, &body);
        assert_eq!(r.status, 422, "{why}: {}", r.text());
        assert_eq!(r.error_code(), "RecordInvalid", "{why}");
        assert!(r.json()["description"].as_str().is_some(), "{why}");
    }
    let r = app
        .request("tickets", "PUT", &path)
        .agent(&agent.email, &agent.token)
        .body("{oops")
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_json");
    let r = app
        .zendesk_put(&agent, &path, &json!({"comment": {"body": "no envelope"}}))
        .expect(400);
    assert!(r.json()["description"].as_str().unwrap().contains("ticket"));
    let r = app
        .request("tickets", "PUT", &path)
        .agent(&agent.email, &agent.token)
        .body(vec![b' '; 70 * 1024])
        .send()
        .expect(413);
    assert_eq!(r.error_code(), "payload_too_large");

    assert_eq!(
        app.history(&v).len(),
        before,
        "a rejected update posted a message"
    );
    assert_eq!(app.count("SELECT count(*) FROM ticket_comments WHERE author_id = (SELECT id FROM users WHERE email = 'ada@example.com')"), 0);
    let t = app.zendesk_get(&agent, &path).expect(200).json();
    assert_eq!(t["ticket"]["status"], "new");
    assert_eq!(t["ticket"]["assignee_id"], Json::Null);
}

#[test]
fn fields_update_together_with_tags_deduplicated() {
    let app = App::new();
    let (_, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let r = app
        .zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{id}.json"),
            &json!({"ticket": {"priority": "high", "type": "question", "tags": ["vip", "vip", "refund"],
                               "assignee_id": agent.id, "subject": "Refund for order 1234", "status": "pending"}}),
        )
        .expect(200)
        .json();
    let t = &r["ticket"];
    assert_eq!(t["priority"], "high");
    assert_eq!(t["type"], "question");
    assert_eq!(t["tags"], json!(["vip", "refund"]));
    assert_eq!(t["assignee_id"], agent.id);
    assert_eq!(t["subject"], "Refund for order 1234");
    assert_eq!(t["status"], "pending");
}

#[test]
fn staff_auth_is_required_and_wrong_credentials_fail_alike() {
    let app = App::new();
    let (_, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let path = format!("/api/v2/tickets/{id}.json");
    let r = app.request("tickets", "GET", &path).send().expect(401);
    assert_eq!(r.json()["error"], "Couldn't authenticate you");
    assert!(r.header("www-authenticate").is_some());
    app.request("tickets", "GET", &path)
        .agent(&agent.email, "wrong-token")
        .send()
        .expect(401);
    app.request("tickets", "GET", &path)
        .agent("eve@example.com", &agent.token)
        .send()
        .expect(401);
    app.request("tickets", "GET", &path)
        .bearer("not-the-admin-token")
        .send()
        .expect(401);
    let r = app
        .request("tickets", "GET", &path)
        .header(
            "authorization",
            &format!(
                "Basic {}",
                base64_encode(&format!("{}:{}", agent.email, agent.token))
            ),
        )
        .send()
        .expect(401);
    assert!(r.json()["description"].as_str().unwrap().contains("token"));
    // Email matching ignores case, as Zendesk's does.
    app.request("tickets", "GET", &path)
        .agent("ADA@example.com", &agent.token)
        .send()
        .expect(200);
    // The admin token works as Bearer.
    app.request("tickets", "GET", &path)
        .admin()
        .send()
        .expect(200);
    // Unauthenticated writes change nothing.
    app.request("tickets", "PUT", &path)
        .json(&json!({"ticket": {"comment": {"body": "sneaky"}}}))
        .send()
        .expect(401);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE body = 'sneaky'"),
        0
    );
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn the_admin_token_comments_as_support() {
    let app = App::new();
    let (v, id) = handed_off(&app, "Kim");
    app.request("tickets", "PUT", &format!("/api/v2/tickets/{id}.json"))
        .admin()
        .json(&json!({"ticket": {"comment": {"body": "From the team"}}}))
        .send()
        .expect(200);
    let last = app.history(&v).pop().unwrap();
    assert_eq!(last["author"]["name"], "Support");
    assert_eq!(last["text"], "From the team");
}

#[test]
fn missing_tickets_and_unknown_routes() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets/999.json")
        .expect(404);
    assert_eq!(
        r.json(),
        json!({"error": "RecordNotFound", "description": "Not found"})
    );
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets/abc.json")
        .expect(404);
    assert_eq!(r.error_code(), "InvalidEndpoint");
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets/1/nope")
        .expect(404);
    assert_eq!(r.error_code(), "InvalidEndpoint");
    let r = app
        .request("tickets", "DELETE", "/api/v2/tickets.json")
        .agent(&agent.email, &agent.token)
        .send()
        .expect(405);
    // POST creates tickets (desk_api.rs).
    assert_eq!(r.header("allow"), Some("GET, POST"));
    assert!(r.json()["error"].is_string());
}

#[test]
fn ticket_lists_paginate_and_sort_like_zendesk() {
    let app = App::new();
    let ids: Vec<i64> = (0..3)
        .map(|i| handed_off(&app, &format!("c{i}")).1)
        .collect();
    let agent = app.agent("Ada", "ada@example.com");
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets.json?per_page=2")
        .expect(200)
        .json();
    assert_eq!(r["count"], 3);
    assert_eq!(r["tickets"].as_array().unwrap().len(), 2);
    let next = r["next_page"].as_str().expect("next page");
    assert!(
        next.contains("page=2") && next.contains("per_page=2"),
        "{next}"
    );
    assert_eq!(r["previous_page"], Json::Null);
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets.json?per_page=2&page=2")
        .expect(200)
        .json();
    assert_eq!(r["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(r["tickets"][0]["id"], ids[2]);
    assert_eq!(r["next_page"], Json::Null);
    assert!(r["previous_page"].as_str().unwrap().contains("page=1"));
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets.json?page=5")
        .expect(200)
        .json();
    assert_eq!(r["tickets"].as_array().unwrap().len(), 0);
    let r = app
        .zendesk_get(&agent, "/api/v2/tickets.json?sort_order=desc")
        .expect(200)
        .json();
    let got: Vec<i64> = r["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids.iter().rev().copied().collect::<Vec<_>>());
    for bad in [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=x",
        "sort_by=subject",
        "sort_order=up",
        // Offset pages reach the first 10,000 records, not a million pages of OFFSET scans.
        "page=101",
        "page=1000000",
        "page=10001&per_page=1",
        "page=9223372036854775807",
    ] {
        let r = app.zendesk_get(&agent, &format!("/api/v2/tickets.json?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json()["description"].is_string());
    }
    let deep = app.zendesk_get(&agent, "/api/v2/tickets.json?page=101");
    assert!(
        deep.text().contains("page[after]"),
        "the error points to cursor pages: {}",
        deep.text()
    );
    // The last reachable pages still answer.
    for last in ["page=100", "page=10000&per_page=1"] {
        let r = app
            .zendesk_get(&agent, &format!("/api/v2/tickets.json?{last}"))
            .expect(200)
            .json();
        assert_eq!(r["tickets"].as_array().map(Vec::len), Some(0), "{last}");
    }
}

#[test]
fn users_are_readable_by_staff() {
    let app = App::new();
    let (_, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let t = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{id}.json"))
        .expect(200)
        .json();
    let requester = t["ticket"]["requester_id"].as_i64().unwrap();
    let u = app
        .zendesk_get(&agent, &format!("/api/v2/users/{requester}.json"))
        .expect(200)
        .json();
    assert_eq!(u["user"]["role"], "end-user");
    let me = app
        .zendesk_get(&agent, "/api/v2/users/me.json")
        .expect(200)
        .json();
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["user"]["role"], "agent");
    app.zendesk_get(&agent, "/api/v2/users/424242.json")
        .expect(404);
}

fn ids_of(list: &Json) -> Vec<i64> {
    list["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect()
}

#[test]
fn the_list_filters_by_status_as_our_extension() {
    let app = App::new();
    let ids: Vec<i64> = (0..4)
        .map(|i| handed_off(&app, &format!("c{i}")).1)
        .collect();
    let agent = app.agent("Ada", "ada@example.com");
    for (id, status) in [(ids[1], "pending"), (ids[2], "solved"), (ids[3], "hold")] {
        app.zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{id}.json"),
            &json!({"ticket": {"status": status}}),
        )
        .expect(200);
    }
    let list = |query: &str| {
        app.zendesk_get(&agent, &format!("/api/v2/tickets.json?{query}"))
            .expect(200)
            .json()
    };
    let r = list("status=pending");
    assert_eq!(ids_of(&r), vec![ids[1]]);
    assert_eq!(r["count"], 1, "count follows the filter");
    assert_eq!(ids_of(&list("status=new,open")), vec![ids[0]]);
    assert_eq!(
        ids_of(&list("status=pending,hold&sort_order=desc")),
        vec![ids[3], ids[1]]
    );
    assert_eq!(ids_of(&list("status=closed")), Vec::<i64>::new());
    assert_eq!(ids_of(&list("")), ids, "no filter lists every ticket");

    let r = list("status=new,pending,solved,hold&per_page=2");
    assert_eq!(r["count"], 4);
    let next = r["next_page"].as_str().expect("next page");
    assert!(
        next.contains("status=new%2Cpending%2Csolved%2Chold"),
        "{next}"
    );
    assert!(next.contains("page=2"), "{next}");

    for bad in [
        "status=",
        "status=done",
        "status=open,",
        "status=OPEN",
        "status=open;drop",
    ] {
        let r = app.zendesk_get(&agent, &format!("/api/v2/tickets.json?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert_eq!(r.error_code(), "InvalidParameter", "{bad}");
        let description = r.json()["description"].as_str().unwrap_or("").to_owned();
        assert!(
            description.contains("status must be"),
            "{bad}: {description}"
        );
    }
}

#[test]
fn users_side_load_with_tickets_and_comments() {
    let app = App::new();
    let (v, id) = handed_off(&app, "Kim");
    let agent = app.agent("Ada", "ada@example.com");
    let path = format!("/api/v2/tickets/{id}.json");
    app.zendesk_put(
        &agent,
        &path,
        &json!({"ticket": {"assignee_id": agent.id, "comment": {"body": "Hi, Ada here", "public": true}}}),
    )
    .expect(200);
    app.say(&v, "안녕하세요, 환불 문의예요", None);

    let plain = app
        .zendesk_get(&agent, "/api/v2/tickets.json")
        .expect(200)
        .json();
    assert!(plain.get("users").is_none(), "no side-load unless asked");

    let r = app
        .zendesk_get(&agent, "/api/v2/tickets.json?include=users")
        .expect(200)
        .json();
    let requester = r["tickets"][0]["requester_id"].as_i64().expect("requester");
    let users = r["users"].as_array().expect("users side-loaded");
    let mut ids: Vec<i64> = users.iter().map(|u| u["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    let mut want = vec![requester, agent.id];
    want.sort_unstable();
    assert_eq!(ids, want, "requester (= submitter) and assignee, once each");
    let customer = users.iter().find(|u| u["id"] == requester).unwrap();
    assert_eq!(customer["role"], "end-user");
    assert!(customer["name"]
        .as_str()
        .unwrap()
        .starts_with("Web visitor"));

    let r = app
        .zendesk_get(
            &agent,
            &format!("/api/v2/tickets/{id}/comments.json?include=organizations,users"),
        )
        .expect(200)
        .json();
    let comments = r["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0]["author_id"], agent.id);
    assert_eq!(comments[1]["author_id"], requester);
    assert_eq!(comments[1]["body"], "안녕하세요, 환불 문의예요");
    let names: Vec<&str> = r["users"]
        .as_array()
        .expect("users side-loaded")
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Ada"), "{names:?}");
    for u in r["users"].as_array().unwrap() {
        assert!(u.get("api_token").is_none() && u.get("token").is_none());
    }
}
