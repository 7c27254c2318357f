//! Views (`/api/v2/views`): the system views with stable ids, admin-defined views with
//! conditions, their tickets and counts, and who may change them.

use crate::desk_api::{admin_agent, file_ticket, send};
use spindesk_tests::*;
use std::time::Duration;

/// Five tickets: Ada's open VIP one, an unassigned new one, Bob's pending one, a solved one
/// and an old open one, untouched for ten days.
fn desk(app: &App) -> (Agent, Agent, Agent, Vec<i64>) {
    let root = admin_agent(app, "Root", "root@example.com");
    let ada = app.agent("Ada", "ada@example.com");
    let bob = app.agent("Bob", "bob@example.com");
    let mut ids = Vec::new();
    let mut add = |t: Json| ids.push(file_ticket(app, &root, t)["id"].as_i64().unwrap());
    add(json!({"subject": "old", "comment": {"body": "x"}, "status": "open"}));
    app.clock.advance(Duration::from_secs(10 * 24 * 3600));
    add(
        json!({"subject": "vip", "comment": {"body": "x"}, "status": "open", "assignee_id": ada.id,
               "tags": ["vip"], "priority": "high"}),
    );
    app.clock.advance(Duration::from_secs(60));
    add(json!({"subject": "queue", "comment": {"body": "x"}, "priority": "low"}));
    app.clock.advance(Duration::from_secs(60));
    add(
        json!({"subject": "waiting", "comment": {"body": "x"}, "status": "pending", "assignee_id": bob.id}),
    );
    app.clock.advance(Duration::from_secs(60));
    add(
        json!({"subject": "done", "comment": {"body": "x"}, "status": "solved", "assignee_id": ada.id,
               "tags": ["vip"]}),
    );
    (root, ada, bob, ids)
}

fn subjects(r: &Json) -> Vec<String> {
    r["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn system_views_have_stable_ids_tickets_and_counts() {
    let app = App::new();
    let (_, ada, bob, _) = desk(&app);
    let list = app
        .zendesk_get(&ada, "/api/v2/views.json")
        .expect(200)
        .json();
    let titles: Vec<(i64, &str, bool)> = list["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["id"].as_i64().unwrap(),
                v["title"].as_str().unwrap(),
                v["default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        vec![
            (1, "Your unsolved tickets", true),
            (2, "Unassigned tickets", true),
            (3, "All unsolved tickets", true),
            (4, "Pending tickets", true),
            (5, "Recently updated tickets", true),
            (6, "Recently solved tickets", true),
        ]
    );
    assert_eq!(list["count"], 6);
    assert_eq!(
        list["views"][0]["conditions"]["all"][0],
        json!({"field": "assignee_id", "operator": "is", "value": "current_user"})
    );
    let one = app.zendesk_get(&ada, "/api/v2/views/3").expect(200).json();
    assert_eq!(one["view"]["title"], "All unsolved tickets");
    assert_eq!(one["view"]["execution"]["sort_by"], "updated_at");

    let tickets = |agent: &Agent, id: i64| {
        subjects(
            &app.zendesk_get(agent, &format!("/api/v2/views/{id}/tickets.json"))
                .expect(200)
                .json(),
        )
    };
    assert_eq!(tickets(&ada, 1), ["vip"]);
    assert_eq!(tickets(&bob, 1), ["waiting"]);
    assert_eq!(tickets(&ada, 2), ["old", "queue"], "oldest first");
    assert_eq!(tickets(&ada, 3), ["waiting", "queue", "vip", "old"]);
    assert_eq!(tickets(&ada, 4), ["waiting"]);
    assert_eq!(tickets(&ada, 5), ["done", "waiting", "queue", "vip"]);
    assert_eq!(tickets(&ada, 6), ["done"]);

    let counts = app
        .zendesk_get(&ada, "/api/v2/views/count_many.json?ids=1,2,3,4,5,6,999")
        .expect(200)
        .json();
    let values: Vec<(i64, i64)> = counts["view_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["view_id"].as_i64().unwrap(), c["value"].as_i64().unwrap()))
        .collect();
    assert_eq!(values, vec![(1, 1), (2, 2), (3, 4), (4, 1), (5, 4), (6, 1)]);
    assert_eq!(counts["view_counts"][2]["pretty"], "4");
    assert_eq!(counts["view_counts"][2]["fresh"], true);
    assert!(counts["view_counts"][2]["url"]
        .as_str()
        .unwrap()
        .ends_with("/api/v2/views/3/count.json"));
    let c = app
        .zendesk_get(&bob, "/api/v2/views/1/count.json")
        .expect(200)
        .json();
    assert_eq!(c["view_count"]["value"], 1);

    // Paging, and the order asked for in the query.
    let page = app
        .zendesk_get(
            &ada,
            "/api/v2/views/3/tickets?per_page=2&sort_by=created_at&sort_order=asc",
        )
        .expect(200)
        .json();
    assert_eq!(subjects(&page), ["old", "vip"]);
    assert_eq!(page["count"], 4);
    assert!(page["next_page"].as_str().unwrap().contains("page=2"));
    for bad in [
        "/api/v2/views/count_many.json",
        "/api/v2/views/count_many.json?ids=1,x",
        "/api/v2/views/3/tickets?sort_by=mood",
        "/api/v2/views/3/tickets?per_page=500",
    ] {
        app.zendesk_get(&ada, bad).expect(400);
    }
    let many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    app.zendesk_get(
        &ada,
        &format!("/api/v2/views/count_many?ids={}", many.join(",")),
    )
    .expect(400);
    app.zendesk_get(&ada, "/api/v2/views/99/tickets")
        .expect(404);
    app.request("tickets", "GET", "/api/v2/views")
        .send()
        .expect(401);
}

#[test]
fn view_tickets_side_load_the_users_they_name() {
    let app = App::new();
    let (root, ada, bob, _) = desk(&app);
    let plain = app
        .zendesk_get(&ada, "/api/v2/views/3/tickets.json")
        .expect(200)
        .json();
    assert!(plain.get("users").is_none(), "only when asked");
    let with = app
        .zendesk_get(&ada, "/api/v2/views/3/tickets.json?include=users")
        .expect(200)
        .json();
    let mut ids: Vec<i64> = with["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    // The requester and submitter of every ticket here is Root; Ada and Bob are assignees.
    let mut want = vec![root.id, ada.id, bob.id];
    want.sort_unstable();
    assert_eq!(ids, want, "each named user once");
    assert_eq!(
        with["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == ada.id)
            .unwrap()["name"],
        "Ada"
    );
}

#[test]
fn admin_views_filter_by_their_conditions() {
    let app = App::new();
    let (root, ada, _, _) = desk(&app);
    let body = json!({"view": {
        "title": "VIP or urgent, unsolved",
        "all": [{"field": "status", "operator": "less_than", "value": "solved"}],
        "any": [{"field": "current_tags", "operator": "includes", "value": "vip"},
                {"field": "priority", "operator": "greater_than", "value": "normal"}],
        "output": {"sort_by": "created", "sort_order": "asc"}
    }});
    let e = send(&app, &ada, "POST", "/api/v2/views.json", &body)
        .expect(403)
        .json();
    assert_eq!(e["error"], "Forbidden");
    let v = send(&app, &root, "POST", "/api/v2/views.json", &body)
        .expect(201)
        .json();
    let id = v["view"]["id"].as_i64().unwrap();
    assert!(id > 100, "admin views never take a system id");
    assert_eq!(v["view"]["default"], false);
    assert_eq!(v["view"]["execution"]["sort_by"], "created_at");
    assert_eq!(v["view"]["conditions"]["any"][0]["field"], "current_tags");
    let tickets = |id: i64| {
        subjects(
            &app.zendesk_get(&ada, &format!("/api/v2/views/{id}/tickets"))
                .expect(200)
                .json(),
        )
    };
    assert_eq!(tickets(id), ["vip"]);

    // More conditions: not VIP, via the API, assigned to whoever looks, or to nobody.
    let second = send(
        &app,
        &root,
        "POST",
        "/api/v2/views",
        &json!({"view": {"title": "Mine, not VIP", "conditions": {
            "all": [{"field": "current_tags", "operator": "not_includes", "value": "vip"},
                    {"field": "via", "operator": "is", "value": "api"}],
            "any": [{"field": "assignee_id", "operator": "is", "value": "current_user"},
                    {"field": "assignee_id", "operator": "is", "value": ""}]
        }, "execution": {"sort_by": "subject", "sort_order": "asc"}}}),
    )
    .expect(201)
    .json()["view"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(second, id + 1);
    assert_eq!(tickets(second), ["old", "queue"]);
    let bob_sees = app
        .request("tickets", "GET", &format!("/api/v2/views/{second}/tickets"))
        .agent("bob@example.com", "wrong")
        .send();
    assert_eq!(bob_sees.status, 401);

    // Listed after the system views; counts for both kinds.
    let list = app.zendesk_get(&ada, "/api/v2/views").expect(200).json();
    assert_eq!(list["count"], 8);
    assert_eq!(list["views"][6]["id"], id);
    let counts = app
        .zendesk_get(
            &ada,
            &format!("/api/v2/views/count_many?ids={id},{second},3"),
        )
        .expect(200)
        .json();
    let values: Vec<i64> = counts["view_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, [1, 2, 4]);

    // Bad conditions name what is wrong; nothing is stored.
    for (view, needle) in [
        (
            json!({"title": "x", "all": [{"field": "mood", "operator": "is", "value": "1"}]}),
            "mood",
        ),
        (
            json!({"title": "x", "all": [{"field": "status", "operator": "includes", "value": "open"}]}),
            "operators",
        ),
        (
            json!({"title": "x", "all": [{"field": "status", "operator": "is", "value": "done"}]}),
            "done",
        ),
        (
            json!({"title": "x", "all": [{"field": "assignee_id", "operator": "is", "value": "me"}]}),
            "current_user",
        ),
        (json!({"title": "x", "all": []}), "at least one"),
        (json!({"title": "x"}), "conditions"),
        (
            json!({"all": [{"field": "status", "operator": "is", "value": "open"}]}),
            "title",
        ),
        (
            json!({"title": "x", "all": [{"field": "status", "operator": "is", "value": "open"}],
                "execution": {"sort_by": "mood"}}),
            "sort_by",
        ),
    ] {
        let e = send(
            &app,
            &root,
            "POST",
            "/api/v2/views",
            &json!({ "view": view }),
        )
        .expect(422)
        .json();
        assert!(
            e["description"].as_str().unwrap().contains(needle),
            "{view}: {e}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM views"), 2);

    // PUT and DELETE: admins on their own views; system views are built in.
    let r = send(
        &app,
        &root,
        "PUT",
        &format!("/api/v2/views/{id}.json"),
        &json!({"view": {"title": "VIP only", "all": [{"field": "current_tags", "operator": "includes", "value": "vip"}]}}),
    )
    .expect(200)
    .json();
    assert_eq!(r["view"]["title"], "VIP only");
    assert_eq!(r["view"]["execution"]["sort_by"], "created_at", "kept");
    assert_eq!(tickets(id), ["vip", "done"]);
    send(
        &app,
        &ada,
        "PUT",
        &format!("/api/v2/views/{id}"),
        &json!({"view": {"title": "x"}}),
    )
    .expect(403);
    send(
        &app,
        &root,
        "PUT",
        "/api/v2/views/3",
        &json!({"view": {"title": "x"}}),
    )
    .expect(403);
    send(
        &app,
        &root,
        "PUT",
        "/api/v2/views/9999",
        &json!({"view": {"title": "x"}}),
    )
    .expect(404);
    let del = |agent: &Agent, id: i64| {
        app.request("tickets", "DELETE", &format!("/api/v2/views/{id}"))
            .agent(&agent.email, &agent.token)
            .send()
            .status
    };
    assert_eq!(del(&ada, id), 403);
    assert_eq!(del(&root, 1), 403);
    assert_eq!(del(&root, id), 204);
    assert_eq!(del(&root, id), 404);
    app.zendesk_get(&ada, &format!("/api/v2/views/{id}"))
        .expect(404);
    let active = app
        .zendesk_get(&ada, "/api/v2/views/active.json")
        .expect(200)
        .json();
    assert_eq!(active["count"], 7);
}
