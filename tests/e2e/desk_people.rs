//! People and teams: groups and memberships in Zendesk's shapes, admins signing in with their
//! own token, the admin audit log, and bad input answered with the field at fault.

use crate::desk_routing::{group, member, presence};
use spindesk_tests::*;

fn admin_agent(app: &App, name: &str, email: &str) -> Agent {
    let r = app
        .request("admin", "POST", "/api/admin/agents")
        .admin()
        .json(&json!({"agent": {"name": name, "email": email, "role": "admin"}}))
        .send()
        .expect(201);
    let j = r.json();
    Agent {
        id: j["agent"]["id"].as_i64().unwrap(),
        email: email.to_owned(),
        token: j["api_token"].as_str().unwrap().to_owned(),
    }
}

#[test]
fn groups_and_memberships_in_zendesk_shape_with_one_default() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let support = group(&app, "Support", true);
    let r = app
        .request("tickets", "POST", "/api/v2/groups")
        .admin()
        .json(&json!({"group": {"name": "  Billing ", "description": "Invoices", "default": true}}))
        .send()
        .expect(201)
        .json();
    let billing = r["group"]["id"].as_i64().unwrap();
    assert_eq!(r["group"]["name"], "Billing");
    assert_eq!(r["group"]["description"], "Invoices");
    assert_eq!(r["group"]["default"], true);
    assert_eq!(r["group"]["deleted"], false);
    assert!(r["group"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/v2/groups/{billing}.json")));
    // Billing took the default from Support.
    let list = app
        .zendesk_get(&ada, "/api/v2/groups.json")
        .expect(200)
        .json();
    assert_eq!(list["count"], 2);
    assert_eq!(list["next_page"], Json::Null);
    let defaults: Vec<(i64, bool)> = list["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_i64().unwrap(), g["default"].as_bool().unwrap()))
        .collect();
    assert_eq!(defaults, vec![(support, false), (billing, true)]);

    let r = app
        .request("tickets", "PUT", &format!("/api/v2/groups/{support}.json"))
        .admin()
        .json(&json!({"group": {"name": "Help", "default": true}}))
        .send()
        .expect(200)
        .json();
    assert_eq!(r["group"]["name"], "Help");
    assert_eq!(r["group"]["default"], true);
    let shown = app
        .zendesk_get(&ada, &format!("/api/v2/groups/{billing}"))
        .expect(200)
        .json();
    assert_eq!(shown["group"]["default"], false);

    let m = member(&app, &ada, billing);
    let r = app
        .zendesk_get(&ada, &format!("/api/v2/groups/{billing}/memberships.json"))
        .expect(200)
        .json();
    assert_eq!(r["count"], 1);
    assert_eq!(r["group_memberships"][0]["id"], m);
    assert_eq!(r["group_memberships"][0]["user_id"], ada.id);
    assert_eq!(r["group_memberships"][0]["group_id"], billing);
    let all = app
        .zendesk_get(&ada, "/api/v2/group_memberships.json?per_page=1")
        .expect(200)
        .json();
    assert_eq!(all["count"], 1);
    app.zendesk_get(&ada, &format!("/api/v2/group_memberships/{m}.json"))
        .expect(200);

    // The default group can't be deleted; another can, and its tickets move to the default.
    let r = app
        .request("tickets", "DELETE", &format!("/api/v2/groups/{support}"))
        .admin()
        .send()
        .expect(422)
        .json();
    assert!(r["description"].as_str().unwrap().contains("default"));
    app.request(
        "tickets",
        "DELETE",
        &format!("/api/v2/group_memberships/{m}"),
    )
    .admin()
    .send()
    .expect(204);
    app.request(
        "tickets",
        "DELETE",
        &format!("/api/v2/groups/{billing}.json"),
    )
    .admin()
    .send()
    .expect(204);
    app.zendesk_get(&ada, &format!("/api/v2/groups/{billing}"))
        .expect(404);
    assert_eq!(app.count("SELECT count(*) FROM group_memberships"), 0);

    let log = app
        .request("admin", "GET", "/api/admin/audit_log")
        .admin()
        .send()
        .expect(200)
        .json();
    let actions: Vec<&str> = log["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "group.delete",
            "group_membership.delete",
            "group_membership.create",
            "group.update",
            "group.create",
            "group.create",
            "agent.create",
        ],
        "newest first"
    );
}

#[test]
fn only_admins_change_groups() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let boss = admin_agent(&app, "Boss", "boss@example.com");
    let r = app
        .request("tickets", "POST", "/api/v2/groups.json")
        .agent(&ada.email, &ada.token)
        .json(&json!({"group": {"name": "Mine"}}))
        .send()
        .expect(403)
        .json();
    assert_eq!(r["error"], "Forbidden");
    let r = app
        .request("tickets", "POST", "/api/v2/groups.json")
        .agent(&boss.email, &boss.token)
        .json(&json!({"group": {"name": "Theirs"}}))
        .send()
        .expect(201)
        .json();
    assert_eq!(r["group"]["name"], "Theirs");
    assert_eq!(app.count("SELECT count(*) FROM groups"), 1);
    let log = app
        .request("admin", "GET", "/api/admin/audit_log?action=group.create")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(log["audit_log"][0]["actor"], "boss@example.com");
    assert_eq!(log["audit_log"][0]["actor_id"], boss.id);
}

#[test]
fn an_admin_agent_uses_the_admin_api_with_their_own_token() {
    let app = App::new();
    let boss = admin_agent(&app, "Boss", "boss@example.com");
    let ada = app.agent("Ada", "ada@example.com");
    let r = app
        .request("admin", "GET", "/api/admin/agents")
        .agent(&boss.email, &boss.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(r["agents"].as_array().unwrap().len(), 2);
    // ... wherever the admin token works: the bot API too.
    app.request("bot", "GET", "/api/bot/draft")
        .agent(&boss.email, &boss.token)
        .send()
        .expect(200);
    let r = app
        .request("admin", "POST", "/api/admin/agents")
        .agent(&boss.email, &boss.token)
        .json(&json!({"agent": {"name": "Cy", "email": "cy@example.com"}}))
        .send()
        .expect(201);
    assert!(r.json()["api_token"].as_str().is_some());
    let log = app
        .request(
            "admin",
            "GET",
            "/api/admin/audit_log?action=agent.create&per_page=1",
        )
        .agent(&boss.email, &boss.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(log["count"], 3);
    assert_eq!(log["audit_log"][0]["actor"], "boss@example.com");
    assert_eq!(log["audit_log"][0]["detail"]["email"], "cy@example.com");
    assert!(log["next_page"].as_str().unwrap().contains("page=2"));

    // An agent without the admin role: 403; a wrong token: 401.
    let r = app
        .request("admin", "GET", "/api/admin/agents")
        .agent(&ada.email, &ada.token)
        .send()
        .expect(403);
    assert_eq!(r.error_code(), "forbidden");
    app.request("bot", "GET", "/api/bot/draft")
        .agent(&ada.email, &ada.token)
        .send()
        .expect(403);
    app.request("admin", "GET", "/api/admin/agents")
        .agent(&boss.email, "not-the-token")
        .send()
        .expect(401);
    app.request("admin", "GET", "/api/admin/agents")
        .agent(&ada.email, &boss.token)
        .send()
        .expect(401);
    // Promoted, Ada is in; deactivated, Boss is out.
    app.request("admin", "PUT", &format!("/api/admin/agents/{}", ada.id))
        .agent(&boss.email, &boss.token)
        .json(&json!({"agent": {"role": "admin"}}))
        .send()
        .expect(200);
    app.request("admin", "PUT", &format!("/api/admin/agents/{}", boss.id))
        .agent(&ada.email, &ada.token)
        .json(&json!({"agent": {"active": false}}))
        .send()
        .expect(200);
    app.request("admin", "GET", "/api/admin/agents")
        .agent(&boss.email, &boss.token)
        .send()
        .expect(401);
}

#[test]
fn an_admin_agent_works_even_without_the_shared_admin_token() {
    let mut app = App::new();
    let boss = admin_agent(&app, "Boss", "boss@example.com");
    let ada = app.agent("Ada", "ada@example.com");
    // The operator removes the shared admin token: it answers 503 with how to set it...
    app.config = spindesk_native::MapConfig::default();
    let r = app
        .request("admin", "GET", "/api/admin/agents")
        .admin()
        .send()
        .expect(503);
    assert_eq!(r.error_code(), "admin_disabled");
    // ...while admins keep signing in with their own tokens, and agents still may not.
    app.request("admin", "GET", "/api/admin/agents")
        .agent(&boss.email, &boss.token)
        .send()
        .expect(200);
    app.request("admin", "GET", "/api/admin/agents")
        .agent(&ada.email, &ada.token)
        .send()
        .expect(403);
}

#[test]
fn bad_input_is_refused_with_the_field_and_writes_nothing() {
    let app = App::new();
    let ada = app.agent("Ada", "ada@example.com");
    let support = group(&app, "Support", true);
    let post = |path: &str, body: Json| {
        app.request("tickets", "POST", path)
            .admin()
            .json(&body)
            .send()
    };
    for (body, field) in [
        (json!({"group": {}}), "name"),
        (json!({"group": {"name": "   "}}), "name"),
        (json!({"group": {"name": "x".repeat(101)}}), "name"),
        (json!({"group": {"name": "SUPPORT"}}), "name"),
        (
            json!({"group": {"name": "Ok", "description": "d".repeat(1001)}}),
            "description",
        ),
    ] {
        let r = post("/api/v2/groups.json", body).expect(422).json();
        assert_eq!(r["error"], "RecordInvalid");
        assert!(r["description"].as_str().unwrap().starts_with(field), "{r}");
    }
    post("/api/v2/groups.json", json!({"name": "flat"})).expect(400);
    post("/api/v2/groups.json", json!({"group": {"name": 5}})).expect(400);
    assert_eq!(app.count("SELECT count(*) FROM groups"), 1);

    let customer = app.count("SELECT min(id) FROM users");
    let _ = app.visitor("en");
    let customer = app.count("SELECT max(id) FROM users").max(customer);
    for (body, field) in [
        (json!({"group_membership": {"user_id": ada.id}}), "group_id"),
        (
            json!({"group_membership": {"group_id": support}}),
            "user_id",
        ),
        (
            json!({"group_membership": {"user_id": ada.id, "group_id": 999}}),
            "group_id",
        ),
        (
            json!({"group_membership": {"user_id": customer, "group_id": support}}),
            "user_id",
        ),
        (
            json!({"group_membership": {"user_id": 999, "group_id": support}}),
            "user_id",
        ),
    ] {
        let r = post("/api/v2/group_memberships.json", body)
            .expect(422)
            .json();
        assert!(r["description"].as_str().unwrap().starts_with(field), "{r}");
    }
    member(&app, &ada, support);
    let r = post(
        "/api/v2/group_memberships.json",
        json!({"group_membership": {"user_id": ada.id, "group_id": support}}),
    )
    .expect(422)
    .json();
    assert!(r["description"]
        .as_str()
        .unwrap()
        .contains("already a member"));
    assert_eq!(app.count("SELECT count(*) FROM group_memberships"), 1);

    let r = app
        .request("tickets", "PUT", "/api/v2/users/me/presence.json")
        .agent(&ada.email, &ada.token)
        .json(&json!({"presence": "busy"}))
        .send()
        .expect(422)
        .json();
    assert!(r["description"].as_str().unwrap().starts_with("presence:"));
    app.request("tickets", "PUT", "/api/v2/users/me/presence.json")
        .admin()
        .json(&json!({"presence": "online"}))
        .send()
        .expect(403);
    presence(&app, &ada, "online");

    let put_agent = |body: Json| {
        app.request("admin", "PUT", &format!("/api/admin/agents/{}", ada.id))
            .admin()
            .json(&body)
            .send()
    };
    for (body, code) in [
        (json!({"agent": {"capacity": -1}}), "invalid_capacity"),
        (json!({"agent": {"capacity": 1001}}), "invalid_capacity"),
        (
            json!({"agent": {"away_after_seconds": 5}}),
            "invalid_away_after_seconds",
        ),
        (json!({"agent": {"role": "end-user"}}), "invalid_role"),
        (json!({"agent": {"name": ""}}), "invalid_name"),
    ] {
        assert_eq!(put_agent(body).expect(422).error_code(), code);
    }
    put_agent(json!({"agent": {"colour": "red"}})).expect(400);
    app.request("admin", "PUT", "/api/admin/agents/999")
        .admin()
        .json(&json!({"agent": {"capacity": 3}}))
        .send()
        .expect(404);
    let r = app
        .request("admin", "GET", "/api/admin/audit_log?action=nope")
        .admin()
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_action");
    app.request("admin", "GET", "/api/admin/audit_log?per_page=101")
        .admin()
        .send()
        .expect(400);
    app.zendesk_get(&ada, "/api/v2/groups.json?page=0")
        .expect(400);
    app.zendesk_get(&ada, "/api/v2/groups/abc").expect(404);
    app.zendesk_get(&ada, "/api/v2/tickets/999/audits.json")
        .expect(404);
    // Only the membership and the presence change were written: no agent.update for refusals.
    assert_eq!(
        app.count("SELECT count(*) FROM admin_audit_log WHERE action = 'agent.update'"),
        0
    );
    let me = app
        .zendesk_get(&ada, "/api/v2/users/me/presence")
        .expect(200)
        .json();
    assert_eq!(me["presence"]["capacity"], 5, "the default capacity");
}

#[test]
fn integrations_and_bot_publishes_are_in_the_admin_log_without_secrets() {
    let app = App::new();
    let boss = admin_agent(&app, "Boss", "boss@example.com");
    let r = app
        .request("admin", "POST", "/api/admin/integrations")
        .agent(&boss.email, &boss.token)
        .json(
            &json!({"integration": {"type": "telegram", "display_name": "Shop bot",
                                      "bot_token": "1:very-secret", "secret_token": "hush-hush-0123456789abcdefghijklmn"}}),
        )
        .send()
        .expect(201)
        .json();
    let id = r["integration"]["id"].as_str().unwrap().to_owned();
    app.request("admin", "PATCH", &format!("/api/admin/integrations/{id}"))
        .admin()
        .json(&json!({"integration": {"display_name": "Shop"}}))
        .send()
        .expect(200);
    app.request("admin", "DELETE", &format!("/api/admin/integrations/{id}"))
        .admin()
        .send()
        .expect(204);
    app.publish_bot(&json!({"answers": []}));
    app.publish_bot(&json!({"answers": []}));
    app.request("bot", "POST", "/api/bot/rollback")
        .agent(&boss.email, &boss.token)
        .json(&json!({"version": 1}))
        .send()
        .expect(200);
    // A refused publish or rollback writes nothing.
    app.request("bot", "POST", "/api/bot/rollback")
        .admin()
        .json(&json!({"version": 9}))
        .send()
        .expect(404);

    let log = app
        .request("admin", "GET", "/api/admin/audit_log")
        .admin()
        .send()
        .expect(200);
    assert!(!log.text().contains("very-secret") && !log.text().contains("hush"));
    let entries: Vec<(String, String, String)> = log.json()["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let admin = "admin_token".to_owned();
    let boss_email = boss.email.clone();
    assert_eq!(
        entries,
        vec![
            ("bot.rollback".into(), boss_email.clone(), "bot:1".into()),
            ("bot.publish".into(), admin.clone(), "bot:2".into()),
            ("bot.publish".into(), admin.clone(), "bot:1".into()),
            (
                "integration.delete".into(),
                admin.clone(),
                format!("integration:{id}")
            ),
            (
                "integration.update".into(),
                admin.clone(),
                format!("integration:{id}")
            ),
            (
                "integration.create".into(),
                boss_email,
                format!("integration:{id}")
            ),
            ("agent.create".into(), admin, format!("agent:{}", boss.id)),
        ]
    );
}
