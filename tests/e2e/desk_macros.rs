//! Macros (`/api/v2/macros`): admins manage them, agents list and apply them; applying fills
//! placeholders in Korean and English text and changes nothing stored.

use crate::desk_api::{admin_agent, file_ticket, group, send};
use spindesk_core::ports::Value;
use spindesk_tests::*;

fn reply_macro() -> Json {
    json!({"macro": {
        "title": "Reply and solve (ko)",
        "description": "Thank the customer and solve",
        "actions": [
            {"field": "comment_value",
             "value": "{{ticket.requester.first_name}}님, 안녕하세요. 상담원 {{current_user.first_name}}입니다. 문의 #{{ticket.id}} ({{ticket.title}}) 처리했습니다. {{ticket.unknown}}"},
            {"field": "comment_mode_is_public", "value": "false"},
            {"field": "status", "value": "solved"},
            {"field": "priority", "value": "high"},
            {"field": "current_tags", "value": "vip answered"},
            {"field": "remove_tags", "value": ["printer"]},
            {"field": "assignee_id", "value": "current_user"}
        ]
    }})
}

#[test]
fn admins_manage_macros_and_agents_read_them() {
    let app = App::new();
    let root = admin_agent(&app, "Root", "root@example.com");
    let ada = app.agent("Ada", "ada@example.com");
    // Agents can't write.
    let e = send(&app, &ada, "POST", "/api/v2/macros.json", &reply_macro())
        .expect(403)
        .json();
    assert_eq!(e["error"], "Forbidden");
    assert_eq!(app.count("SELECT count(*) FROM macros"), 0);

    let created = send(&app, &root, "POST", "/api/v2/macros.json", &reply_macro())
        .expect(201)
        .json();
    let m = &created["macro"];
    let id = m["id"].as_i64().unwrap();
    assert_eq!(m["title"], "Reply and solve (ko)");
    assert_eq!(m["active"], true);
    assert_eq!(m["actions"], reply_macro()["macro"]["actions"]);
    // The admin token may write too.
    let second = app
        .request("tickets", "POST", "/api/v2/macros")
        .admin()
        .json(&json!({"macro": {"title": "Close quietly", "active": false,
                                "actions": [{"field": "status", "value": "solved"}]}}))
        .send()
        .expect(201)
        .json();
    let second_id = second["macro"]["id"].as_i64().unwrap();

    let list = app
        .zendesk_get(&ada, "/api/v2/macros.json")
        .expect(200)
        .json();
    assert_eq!(list["count"], 2);
    let active = app
        .zendesk_get(&ada, "/api/v2/macros/active.json")
        .expect(200)
        .json();
    assert_eq!(active["count"], 1);
    assert_eq!(active["macros"][0]["id"], id);
    let inactive = app
        .zendesk_get(&ada, "/api/v2/macros.json?active=false")
        .expect(200)
        .json();
    assert_eq!(inactive["macros"][0]["id"], second_id);
    app.zendesk_get(&ada, "/api/v2/macros.json?active=maybe")
        .expect(400);
    let paged = app
        .zendesk_get(&ada, "/api/v2/macros.json?per_page=1")
        .expect(200)
        .json();
    assert!(paged["next_page"].as_str().unwrap().contains("page=2"));
    app.zendesk_get(&ada, &format!("/api/v2/macros/{id}"))
        .expect(200);

    // PUT changes what it names; agents can't.
    send(
        &app,
        &ada,
        "PUT",
        &format!("/api/v2/macros/{id}.json"),
        &json!({"macro": {"title": "x"}}),
    )
    .expect(403);
    let r = send(
        &app,
        &root,
        "PUT",
        &format!("/api/v2/macros/{id}.json"),
        &json!({"macro": {"title": "Renamed", "active": false}}),
    )
    .expect(200)
    .json();
    assert_eq!(r["macro"]["title"], "Renamed");
    assert_eq!(r["macro"]["active"], false);
    assert_eq!(r["macro"]["actions"], reply_macro()["macro"]["actions"]);

    // DELETE: agents can't; admins can, once.
    app.request("tickets", "DELETE", &format!("/api/v2/macros/{second_id}"))
        .agent(&ada.email, &ada.token)
        .send()
        .expect(403);
    app.request(
        "tickets",
        "DELETE",
        &format!("/api/v2/macros/{second_id}.json"),
    )
    .agent(&root.email, &root.token)
    .send()
    .expect(204);
    app.request(
        "tickets",
        "DELETE",
        &format!("/api/v2/macros/{second_id}.json"),
    )
    .agent(&root.email, &root.token)
    .send()
    .expect(404);
    app.zendesk_get(&ada, &format!("/api/v2/macros/{second_id}"))
        .expect(404);
    assert_eq!(app.count("SELECT count(*) FROM macros"), 1);
}

#[test]
fn bad_macros_are_refused_naming_the_action() {
    let app = App::new();
    let root = admin_agent(&app, "Root", "root@example.com");
    let t = file_ticket(
        &app,
        &root,
        json!({"comment": {"body": "x"}, "requester": {"email": "c@example.com"}}),
    );
    let customer = t["requester_id"].clone();
    let cases: Vec<(Json, &str)> = vec![
        (
            json!({"actions": [{"field": "status", "value": "solved"}]}),
            "title",
        ),
        (json!({"title": "t"}), "actions"),
        (json!({"title": "t", "actions": []}), "at least one"),
        (
            json!({"title": "t", "actions": [{"field": "mood", "value": "x"}]}),
            "mood",
        ),
        (
            json!({"title": "t", "actions": [{"field": "status", "value": "new"}]}),
            "status",
        ),
        (
            json!({"title": "t", "actions": [{"field": "priority", "value": "asap"}]}),
            "priority",
        ),
        (
            json!({"title": "t", "actions": [{"field": "set_tags", "value": 5}]}),
            "set_tags",
        ),
        (
            json!({"title": "t", "actions": [{"field": "comment_mode_is_public", "value": "maybe"}]}),
            "comment_mode_is_public",
        ),
        (
            json!({"title": "t", "actions": [{"field": "comment_value", "value": "x".repeat(4097)}]}),
            "comment_value",
        ),
        (
            json!({"title": "t", "actions": [{"field": "assignee_id", "value": customer}]}),
            "not an agent",
        ),
        (
            json!({"title": "t", "actions": [{"field": "group_id", "value": 77}]}),
            "group",
        ),
        (json!({"title": "t", "actions": [{"value": "x"}]}), "field"),
    ];
    for (m, needle) in cases {
        let e = send(
            &app,
            &root,
            "POST",
            "/api/v2/macros",
            &json!({ "macro": m }),
        )
        .expect(422)
        .json();
        assert_eq!(e["error"], "RecordInvalid");
        assert!(
            e["description"].as_str().unwrap().contains(needle),
            "{m}: {e}"
        );
    }
    send(
        &app,
        &root,
        "POST",
        "/api/v2/macros",
        &json!({"title": "t"}),
    )
    .expect(400);
    assert_eq!(app.count("SELECT count(*) FROM macros"), 0);
    // A real group is fine.
    let team = group(&app, "Billing", &[]);
    send(
        &app,
        &root,
        "POST",
        "/api/v2/macros",
        &json!({"macro": {"title": "To billing", "actions": [{"field": "group_id", "value": team.to_string()}]}}),
    )
    .expect(201);
    // A bad PUT leaves the macro as it was.
    let id = app.count("SELECT max(id) FROM macros");
    send(
        &app,
        &root,
        "PUT",
        &format!("/api/v2/macros/{id}"),
        &json!({"macro": {"title": "New", "actions": [{"field": "status", "value": "nope"}]}}),
    )
    .expect(422);
    assert_eq!(
        app.rows("SELECT title FROM macros", &[])[0][0],
        Value::Text("To billing".into())
    );
}

#[test]
fn applying_fills_placeholders_in_korean_and_english_and_stores_nothing() {
    let app = App::new();
    let root = admin_agent(&app, "Root", "root@example.com");
    let ada = app.agent("Ada Lovelace", "ada@example.com");
    let korean = file_ticket(
        &app,
        &ada,
        json!({"subject": "환불 문의", "comment": {"body": "환불해 주세요"}, "tags": ["printer", "refund"],
               "requester": {"name": "김민준", "email": "minjun@example.kr"}}),
    );
    let kid = korean["id"].as_i64().unwrap();
    let ko_macro = send(&app, &root, "POST", "/api/v2/macros", &reply_macro())
        .expect(201)
        .json()["macro"]["id"]
        .as_i64()
        .unwrap();
    let before = app.rows("SELECT * FROM tickets", &[]);
    let comments_before = app.count("SELECT count(*) FROM ticket_comments");

    let r = app
        .zendesk_get(
            &ada,
            &format!("/api/v2/tickets/{kid}/macros/{ko_macro}/apply.json"),
        )
        .expect(200)
        .json();
    let result = &r["result"];
    assert_eq!(
        result["comment"]["body"],
        format!(
            "김민준님, 안녕하세요. 상담원 Ada입니다. 문의 #{kid} (환불 문의) 처리했습니다. {{{{ticket.unknown}}}}"
        )
    );
    assert_eq!(result["comment"]["public"], false);
    assert!(result["comment"]["html_body"]
        .as_str()
        .unwrap()
        .contains("김민준님"));
    let would = &result["ticket"];
    assert_eq!(would["id"], kid);
    assert_eq!(would["status"], "solved");
    assert_eq!(would["priority"], "high");
    assert_eq!(would["assignee_id"], ada.id);
    assert_eq!(would["tags"], json!(["refund", "vip", "answered"]));
    // Nothing stored changed.
    assert_eq!(app.rows("SELECT * FROM tickets", &[]), before);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments"),
        comments_before
    );

    // English, with the full names and an HTML comment whose placeholders are escaped.
    let english = file_ticket(
        &app,
        &ada,
        json!({"subject": "Refund <now>", "comment": {"body": "Please refund"},
               "requester": {"name": "Grace Hopper", "email": "grace@example.com"}}),
    );
    let eid = english["id"].as_i64().unwrap();
    let en_macro = send(
        &app,
        &root,
        "POST",
        "/api/v2/macros",
        &json!({"macro": {"title": "Hello (en)", "actions": [
            {"field": "comment_value_html",
             "value": "<p>Hi {{ticket.requester.first_name}},</p><p>{{ current_user.name }} here about \"{{ticket.subject}}\" ({{ticket.requester.name}}).</p>"},
            {"field": "set_tags", "value": "greeted"},
            {"field": "type", "value": "question"}
        ]}}),
    )
    .expect(201)
    .json()["macro"]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .zendesk_get(
            &ada,
            &format!("/api/v2/tickets/{eid}/macros/{en_macro}/apply"),
        )
        .expect(200)
        .json();
    let c = &r["result"]["comment"];
    assert_eq!(
        c["body"],
        "Hi Grace, Ada Lovelace here about \"Refund <now>\" (Grace Hopper)."
    );
    assert!(
        c["html_body"]
            .as_str()
            .unwrap()
            .contains("Refund &lt;now&gt;"),
        "{c}"
    );
    assert_eq!(c["public"], true);
    assert_eq!(r["result"]["ticket"]["tags"], json!(["greeted"]));
    assert_eq!(r["result"]["ticket"]["type"], "question");
    assert_eq!(r["result"]["ticket"]["status"], "new");

    // The admin token applies as "Support"; current_user assigns nobody in particular.
    let r = app
        .request(
            "tickets",
            "GET",
            &format!("/api/v2/tickets/{kid}/macros/{ko_macro}/apply.json"),
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert!(r["result"]["comment"]["body"]
        .as_str()
        .unwrap()
        .contains("상담원 Support입니다"));
    assert_eq!(r["result"]["ticket"]["assignee_id"], Json::Null);

    app.zendesk_get(
        &ada,
        &format!("/api/v2/tickets/{kid}/macros/999/apply.json"),
    )
    .expect(404);
    app.zendesk_get(
        &ada,
        &format!("/api/v2/tickets/999/macros/{ko_macro}/apply.json"),
    )
    .expect(404);
    app.request(
        "tickets",
        "POST",
        &format!("/api/v2/tickets/{kid}/macros/{ko_macro}/apply.json"),
    )
    .admin()
    .send()
    .expect(405);
    app.request(
        "tickets",
        "GET",
        &format!("/api/v2/tickets/{kid}/macros/{ko_macro}/apply.json"),
    )
    .send()
    .expect(401);
}
