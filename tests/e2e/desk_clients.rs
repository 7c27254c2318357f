//! What Zendesk's own client libraries send, pinned: node-zendesk (tests/clients/) adds
//! `page[size]=100` — percent-encoded, `page%5Bsize%5D=100` — to every list it knows Zendesk
//! pages by cursor, and follows `links.next` before `next_page`. Spindesk answered those
//! requests with offset pages of 100 whatever the size asked, and without `meta`/`links`, so a
//! client that pages by cursor saw the wrong page size and no way to the next page.

use spindesk_tests::*;

fn ticket(app: &App, subject: &str) -> i64 {
    app.request("tickets", "POST", "/api/v2/tickets.json")
        .admin()
        .json(
            &json!({"ticket": {"subject": subject, "comment": {"body": subject},
            "requester": {"name": "Grace", "email": "grace@example.com"}}}),
        )
        .send()
        .expect(201)
        .json()["ticket"]["id"]
        .as_i64()
        .unwrap()
}

fn get(app: &App, agent: &Agent, path_and_query: &str) -> Resp {
    app.request("tickets", "GET", path_and_query)
        .agent(&agent.email, &agent.token)
        .header("host", "desk.example.com")
        .send()
}

fn ids(page: &Json, key: &str) -> Vec<i64> {
    page[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {page}"))
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

/// The path and query of a link the server gave (they are absolute, as Zendesk's are).
fn local(link: &Json) -> String {
    link.as_str()
        .unwrap_or_else(|| panic!("not a link: {link}"))
        .strip_prefix("http://desk.example.com")
        .unwrap_or_else(|| panic!("link not on this host: {link}"))
        .to_owned()
}

#[test]
fn cursor_pagination_pages_by_size_with_meta_and_links_both_ways() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let made: Vec<i64> = (1..=5).map(|n| ticket(&app, &format!("T{n}"))).collect();

    // Exactly the query node-zendesk sends, with another parameter the links must keep.
    let first = get(
        &app,
        &ada,
        "/api/v2/tickets.json?sort_order=desc&page%5Bsize%5D=2",
    )
    .expect(200)
    .json();
    assert_eq!(ids(&first, "tickets"), vec![made[4], made[3]]);
    assert_eq!(first["meta"]["has_more"], true);
    assert!(first["meta"]["after_cursor"].is_string());
    assert!(first["meta"]["before_cursor"].is_string());
    assert_eq!(first["links"]["prev"], Json::Null);
    // Zendesk's cursor answers have no offset fields (and no count).
    assert!(first.get("next_page").is_none() && first.get("count").is_none());
    let next = local(&first["links"]["next"]);
    assert!(next.starts_with("/api/v2/tickets.json?"), "{next}");
    assert!(next.contains("sort_order=desc"), "{next}");
    assert!(next.contains("page%5Bsize%5D=2"), "{next}");

    let second = get(&app, &ada, &next).expect(200).json();
    assert_eq!(ids(&second, "tickets"), vec![made[2], made[1]]);
    let third = get(&app, &ada, &local(&second["links"]["next"]))
        .expect(200)
        .json();
    assert_eq!(ids(&third, "tickets"), vec![made[0]]);
    assert_eq!(third["meta"]["has_more"], false);
    assert_eq!(third["links"]["next"], Json::Null);

    // And back: `prev` is the page before, whole.
    let back = get(&app, &ada, &local(&third["links"]["prev"]))
        .expect(200)
        .json();
    assert_eq!(ids(&back, "tickets"), vec![made[2], made[1]]);
    let start = get(&app, &ada, &local(&back["links"]["prev"]))
        .expect(200)
        .json();
    assert_eq!(ids(&start, "tickets"), vec![made[4], made[3]]);
    assert_eq!(start["links"]["prev"], Json::Null);

    // `page[after]` given by hand from `meta` (with the same order), without `page[size]`:
    // pages of 100.
    let cursor = first["meta"]["after_cursor"].as_str().unwrap();
    let rest = get(
        &app,
        &ada,
        &format!("/api/v2/tickets?sort_order=desc&page[after]={cursor}"),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&rest, "tickets"), vec![made[2], made[1], made[0]]);
    assert_eq!(rest["meta"]["has_more"], false);

    // Without any `page[...]`, the offset pages are as before.
    let offset = get(&app, &ada, "/api/v2/tickets.json?per_page=2")
        .expect(200)
        .json();
    assert_eq!(offset["count"], 5);
    assert!(offset["next_page"].as_str().unwrap().contains("page=2"));
    assert!(offset.get("meta").is_none());
}

#[test]
fn every_list_node_zendesk_pages_by_cursor_answers_with_a_cursor() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    app.agent("Bo", "bo@example.com");
    let t = ticket(&app, "Printer on fire");
    app.zendesk_put(
        &ada,
        &format!("/api/v2/tickets/{t}.json"),
        &json!({"ticket": {"comment": {"body": "On it", "public": true}}}),
    )
    .expect(200);
    for name in ["Billing", "Shipping"] {
        app.request("tickets", "POST", "/api/v2/groups.json")
            .admin()
            .json(&json!({"group": {"name": name}}))
            .send()
            .expect(201);
    }
    for title in ["One", "Two"] {
        app.request("tickets", "POST", "/api/v2/macros.json")
            .admin()
            .json(&json!({"macro": {"title": title, "actions": [{"field": "status", "value": "open"}]}}))
            .send()
            .expect(201);
    }
    let lists = [
        ("/api/v2/users.json", "users"),
        ("/api/v2/users.json?role=agent", "users"),
        ("/api/v2/groups.json", "groups"),
        ("/api/v2/macros.json", "macros"),
        ("/api/v2/macros/active.json", "macros"),
        ("/api/v2/views.json", "views"),
        ("/api/v2/views/active.json", "views"),
        (&format!("/api/v2/tickets/{t}/comments.json"), "comments"),
        (&format!("/api/v2/tickets/{t}/audits.json"), "audits"),
    ];
    for (path, key) in lists {
        let sep = if path.contains('?') { '&' } else { '?' };
        let first = get(&app, &ada, &format!("{path}{sep}page%5Bsize%5D=1"))
            .expect(200)
            .json();
        assert_eq!(ids(&first, key).len(), 1, "{path}: {first}");
        assert_eq!(first["meta"]["has_more"], true, "{path}: {first}");
        let second = get(&app, &ada, &local(&first["links"]["next"]))
            .expect(200)
            .json();
        assert_eq!(ids(&second, key).len(), 1, "{path}: {second}");
        assert_ne!(ids(&first, key), ids(&second, key), "{path}");
    }
    // The view's tickets and the requester's tickets, one each here.
    let requester = get(&app, &ada, &format!("/api/v2/tickets/{t}.json"))
        .expect(200)
        .json()["ticket"]["requester_id"]
        .clone();
    for path in [
        "/api/v2/views/3/tickets.json".to_owned(),
        format!("/api/v2/users/{requester}/tickets/requested.json"),
    ] {
        let page = get(&app, &ada, &format!("{path}?page%5Bsize%5D=1"))
            .expect(200)
            .json();
        assert_eq!(ids(&page, "tickets"), vec![t], "{path}");
        assert_eq!(page["meta"]["has_more"], false, "{path}");
        assert_eq!(page["links"]["next"], Json::Null, "{path}");
    }
    let none = get(
        &app,
        &ada,
        "/api/v2/satisfaction_ratings.json?page%5Bsize%5D=10",
    )
    .expect(200)
    .json();
    assert_eq!(none["satisfaction_ratings"], json!([]));
    assert_eq!(
        none["meta"],
        json!({"has_more": false, "after_cursor": null, "before_cursor": null})
    );
}

#[test]
fn bad_cursor_parameters_are_400_with_the_parameter_named() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    ticket(&app, "One");
    for (query, names) in [
        ("page[size]=0", "page[size]"),
        ("page[size]=101", "page[size]"),
        ("page[size]=ten", "page[size]"),
        ("page[after]=12", "page[after]"),
        ("page[before]=pNaN", "page[before]"),
        ("page[after]=p1&page[before]=p1", "page[before]"),
    ] {
        let r = get(&app, &ada, &format!("/api/v2/tickets.json?{query}")).expect(400);
        let j = r.json();
        assert_eq!(j["error"], "InvalidPaginationParameter", "{query}: {j}");
        assert!(
            j["description"].as_str().unwrap().contains(names),
            "{query}: {j}"
        );
    }
    // A cursor past the end is an empty page, not an error.
    let empty = get(&app, &ada, "/api/v2/tickets.json?page[after]=p1000")
        .expect(200)
        .json();
    assert_eq!(empty["tickets"], json!([]));
    assert_eq!(empty["meta"]["has_more"], false);
}

#[test]
fn show_many_and_assigned_tickets_as_the_libraries_ask_for_them() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let one = ticket(&app, "One");
    let two = ticket(&app, "Two");
    // node-zendesk's `tickets.showMany([2, 1, 999])`: the comma percent-encoded; unknown ids are
    // left out, as in Zendesk.
    let many = get(
        &app,
        &ada,
        &format!("/api/v2/tickets/show_many.json?ids={two}%2C{one}%2C999"),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&many, "tickets"), vec![one, two]);
    let requester = many["tickets"][0]["requester_id"].as_i64().unwrap();
    let users = get(
        &app,
        &ada,
        &format!("/api/v2/users/show_many?ids={requester},{}", ada.id),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&users, "users"), vec![ada.id, requester]);
    assert_eq!(users["users"][1]["email"], "grace@example.com");
    for bad in ["", "ids=", "ids=1,x", "ids=0", "ids=-3"] {
        let r = get(&app, &ada, &format!("/api/v2/tickets/show_many?{bad}")).expect(400);
        assert_eq!(r.json()["error"], "InvalidParameter", "{bad}");
    }
    let too_many = (1..=101)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",");
    get(
        &app,
        &ada,
        &format!("/api/v2/users/show_many?ids={too_many}"),
    )
    .expect(400);
    app.request("tickets", "GET", "/api/v2/tickets/show_many?ids=1")
        .send()
        .expect(401);

    // `tickets.listAssigned(agentId)`.
    app.zendesk_put(
        &ada,
        &format!("/api/v2/tickets/{two}.json"),
        &json!({"ticket": {"assignee_id": ada.id}}),
    )
    .expect(200);
    let assigned = get(
        &app,
        &ada,
        &format!("/api/v2/users/{}/tickets/assigned.json", ada.id),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&assigned, "tickets"), vec![two]);
    assert_eq!(assigned["count"], 1);
    get(&app, &ada, "/api/v2/users/999/tickets/assigned").expect(404);
}
