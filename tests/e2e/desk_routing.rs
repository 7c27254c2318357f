//! Routing and people: groups, presence, automatic assignment (round robin, capacity, queues),
//! agents going offline or deactivated, the bot naming a group, and the audit trail of it all.

use spindesk_tests::*;

/// Creates a group as the admin; returns its id.
pub fn group(app: &App, name: &str, default: bool) -> i64 {
    let r = app
        .request("tickets", "POST", "/api/v2/groups.json")
        .admin()
        .json(&json!({"group": {"name": name, "default": default}}))
        .send()
        .expect(201);
    r.json()["group"]["id"].as_i64().expect("group id")
}

pub fn member(app: &App, agent: &Agent, group_id: i64) -> i64 {
    let r = app
        .request("tickets", "POST", "/api/v2/group_memberships.json")
        .admin()
        .json(&json!({"group_membership": {"user_id": agent.id, "group_id": group_id}}))
        .send()
        .expect(201);
    r.json()["group_membership"]["id"]
        .as_i64()
        .expect("membership id")
}

pub fn presence(app: &App, agent: &Agent, status: &str) -> Json {
    app.request("tickets", "PUT", "/api/v2/users/me/presence.json")
        .agent(&agent.email, &agent.token)
        .json(&json!({"presence": status}))
        .send()
        .expect(200)
        .json()
}

pub fn set_agent(app: &App, agent: &Agent, fields: &Json) -> Json {
    app.request("admin", "PUT", &format!("/api/admin/agents/{}", agent.id))
        .admin()
        .json(&json!({ "agent": fields }))
        .send()
        .expect(200)
        .json()
}

/// A new widget customer who asks for a person; returns the hand-off ticket's id.
pub fn hand_off(app: &App) -> i64 {
    let v = app.visitor("en");
    app.say(&v, "Talk to a person", Some("handoff"));
    app.count("SELECT max(id) FROM tickets")
}

pub fn ticket(app: &App, id: i64) -> Json {
    app.request("tickets", "GET", &format!("/api/v2/tickets/{id}.json"))
        .admin()
        .send()
        .expect(200)
        .json()["ticket"]
        .clone()
}

pub fn audits(app: &App, id: i64) -> Vec<Json> {
    app.request(
        "tickets",
        "GET",
        &format!("/api/v2/tickets/{id}/audits.json"),
    )
    .admin()
    .send()
    .expect(200)
    .json()["audits"]
        .as_array()
        .expect("audits")
        .clone()
}

/// Every (field, value, previous, reason) of the ticket's Change events, in order.
fn changes(app: &App, id: i64) -> Vec<(String, Json, Json, Json)> {
    audits(app, id)
        .iter()
        .flat_map(|a| a["events"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["type"] == "Change")
        .map(|e| {
            (
                e["field_name"].as_str().unwrap_or("").to_owned(),
                e["value"].clone(),
                e["previous_value"].clone(),
                e["reason"].clone(),
            )
        })
        .collect()
}

fn queued_at(app: &App, id: i64) -> Option<i64> {
    match app.rows("SELECT queued_at FROM tickets WHERE id = ?", &[id.into()])[0][0] {
        spindesk_core::ports::Value::Integer(at) => Some(at),
        _ => None,
    }
}

/// A team of two in the default group, both online.
fn team(app: &App) -> (i64, Agent, Agent) {
    let support = group(app, "Support", true);
    let ada = app.agent("Ada", "ada@example.com");
    let bo = app.agent("Bo", "bo@example.com");
    member(app, &ada, support);
    member(app, &bo, support);
    presence(app, &ada, "online");
    presence(app, &bo, "online");
    (support, ada, bo)
}

#[test]
fn two_agents_online_get_alternating_hand_off_tickets() {
    let app = App::new();
    let (support, ada, bo) = team(&app);
    let tickets: Vec<i64> = (0..4).map(|_| hand_off(&app)).collect();
    let assignees: Vec<Json> = tickets
        .iter()
        .map(|id| ticket(&app, *id)["assignee_id"].clone())
        .collect();
    assert_eq!(
        assignees,
        vec![json!(ada.id), json!(bo.id), json!(ada.id), json!(bo.id)]
    );
    for id in &tickets {
        let t = ticket(&app, *id);
        assert_eq!(t["group_id"], support);
        assert_eq!(
            queued_at(&app, *id),
            None,
            "assigned tickets leave the queue"
        );
        let assigned = changes(&app, *id);
        assert_eq!(
            assigned,
            vec![(
                "assignee_id".to_owned(),
                json!(t["assignee_id"].to_string()),
                Json::Null,
                json!("round_robin")
            )]
        );
    }
}

#[test]
fn hand_offs_racing_on_many_instances_never_exceed_capacity_or_double_assign() {
    let app = App::new();
    let (_, ada, bo) = team(&app);
    set_agent(&app, &ada, &json!({"capacity": 2}));
    set_agent(&app, &bo, &json!({"capacity": 2}));
    let visitors: Vec<Visitor> = (0..8).map(|_| app.visitor("en")).collect();
    std::thread::scope(|s| {
        for v in &visitors {
            let app = &app;
            s.spawn(move || app.say(v, "Talk to a person", Some("handoff")));
        }
    });
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 8);
    for agent in [&ada, &bo] {
        let held = app.count(&format!(
            "SELECT count(*) FROM tickets WHERE assignee_id = {}",
            agent.id
        ));
        assert_eq!(held, 2, "agent {} holds exactly their capacity", agent.id);
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM tickets WHERE assignee_id IS NULL AND queued_at IS NOT NULL"
        ),
        4
    );
    // One assignment event per assigned ticket: nobody was assigned twice.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM ticket_audit_events
             WHERE field_name = 'assignee_id' AND value IS NOT NULL"
        ),
        4
    );
}

#[test]
fn a_full_agent_lets_tickets_queue_until_one_is_solved() {
    let app = App::new();
    let support = group(&app, "Support", true);
    let ada = app.agent("Ada", "ada@example.com");
    member(&app, &ada, support);
    set_agent(&app, &ada, &json!({"capacity": 2}));
    presence(&app, &ada, "online");
    let first = hand_off(&app);
    let second = hand_off(&app);
    let third = hand_off(&app);
    let fourth = hand_off(&app);
    assert_eq!(ticket(&app, first)["assignee_id"], ada.id);
    assert_eq!(ticket(&app, second)["assignee_id"], ada.id);
    for waiting in [third, fourth] {
        assert_eq!(ticket(&app, waiting)["assignee_id"], Json::Null);
        assert_eq!(ticket(&app, waiting)["group_id"], support);
        assert!(queued_at(&app, waiting).is_some(), "waits in the queue");
    }
    // Pending still needs work: it keeps occupying capacity.
    app.zendesk_put(
        &ada,
        &format!("/api/v2/tickets/{first}.json"),
        &json!({"ticket": {"status": "pending"}}),
    )
    .expect(200);
    assert_eq!(ticket(&app, third)["assignee_id"], Json::Null);
    // Solving frees a place: the oldest waiting ticket is assigned in the same request.
    app.zendesk_put(
        &ada,
        &format!("/api/v2/tickets/{first}.json"),
        &json!({"ticket": {"status": "solved"}}),
    )
    .expect(200);
    assert_eq!(ticket(&app, third)["assignee_id"], ada.id);
    assert_eq!(queued_at(&app, third), None);
    assert_eq!(ticket(&app, fourth)["assignee_id"], Json::Null);
    assert_eq!(
        changes(&app, third).last().map(|c| c.3.clone()),
        Some(json!("queue"))
    );
    // Raising capacity drains the queue too.
    set_agent(&app, &ada, &json!({"capacity": 3}));
    assert_eq!(ticket(&app, fourth)["assignee_id"], ada.id);
}

#[test]
fn nobody_online_means_the_queue_waits_for_the_first_to_come_online() {
    let app = App::new();
    let support = group(&app, "Support", true);
    let ada = app.agent("Ada", "ada@example.com");
    member(&app, &ada, support);
    let first = hand_off(&app);
    let second = hand_off(&app);
    assert_eq!(ticket(&app, first)["assignee_id"], Json::Null);
    // Away is not available either.
    presence(&app, &ada, "away");
    assert_eq!(ticket(&app, first)["assignee_id"], Json::Null);
    let answer = presence(&app, &ada, "online");
    assert_eq!(answer["assigned_ticket_ids"], json!([first, second]));
    assert_eq!(answer["presence"]["status"], "online");
    assert_eq!(answer["presence"]["assigned_unsolved"], 2);
    assert_eq!(ticket(&app, second)["assignee_id"], ada.id);

    // A silent workspace reads as away after the agent's away_after_seconds, and gets nothing.
    app.clock.advance(std::time::Duration::from_secs(601));
    let bo = app.agent("Bo", "bo@example.com");
    let seen = app
        .request(
            "tickets",
            "GET",
            &format!("/api/v2/users/{}/presence.json", ada.id),
        )
        .agent(&bo.email, &bo.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(seen["presence"]["status"], "away");
    assert_eq!(seen["presence"]["chosen_status"], "online");
    set_agent(&app, &ada, &json!({"capacity": 10}));
    let third = hand_off(&app);
    assert_eq!(ticket(&app, third)["assignee_id"], Json::Null);
    // Any request of hers is a sign of life: she is online again.
    app.zendesk_get(&ada, "/api/v2/users/me.json").expect(200);
    let me = app
        .zendesk_get(&ada, "/api/v2/users/me/presence.json")
        .expect(200);
    assert_eq!(me.json()["presence"]["status"], "online");
}

#[test]
fn an_agent_going_offline_hands_tickets_back_only_with_the_setting() {
    let app = App::new();
    let support = group(&app, "Support", true);
    let ada = app.agent("Ada", "ada@example.com");
    let bo = app.agent("Bo", "bo@example.com");
    member(&app, &ada, support);
    member(&app, &bo, support);
    presence(&app, &ada, "online");
    let kept = hand_off(&app);
    // Without the setting, going offline keeps the tickets.
    presence(&app, &ada, "offline");
    assert_eq!(ticket(&app, kept)["assignee_id"], ada.id);

    presence(&app, &ada, "online");
    set_agent(&app, &ada, &json!({"requeue_on_offline": true}));
    let open = hand_off(&app);
    let waiting = hand_off(&app);
    app.zendesk_put(
        &ada,
        &format!("/api/v2/tickets/{waiting}.json"),
        &json!({"ticket": {"status": "pending"}}),
    )
    .expect(200);
    presence(&app, &bo, "online");
    let answer = presence(&app, &ada, "offline");
    // New and open tickets go back (and Bo, online, takes them); pending ones wait on the
    // customer and stay.
    assert_eq!(answer["requeued_ticket_ids"], json!([kept, open]));
    assert_eq!(ticket(&app, kept)["assignee_id"], bo.id);
    assert_eq!(ticket(&app, open)["assignee_id"], bo.id);
    assert_eq!(ticket(&app, waiting)["assignee_id"], ada.id);
    let reasons: Vec<Json> = changes(&app, open).into_iter().map(|c| c.3).collect();
    assert_eq!(
        reasons,
        vec![json!("round_robin"), json!("agent_offline"), json!("queue")]
    );
}

#[test]
fn a_deactivated_agent_is_locked_out_and_their_tickets_are_requeued() {
    let app = App::new();
    let (_, ada, bo) = team(&app);
    let mine = hand_off(&app);
    assert_eq!(ticket(&app, mine)["assignee_id"], ada.id);
    presence(&app, &bo, "offline");
    let answer = set_agent(&app, &ada, &json!({"active": false}));
    assert_eq!(answer["agent"]["active"], false);
    assert_eq!(answer["agent"]["presence"], "offline");
    assert_eq!(answer["requeued_ticket_ids"], json!([mine]));
    app.zendesk_get(&ada, "/api/v2/users/me.json").expect(401);
    let t = ticket(&app, mine);
    assert_eq!(t["assignee_id"], Json::Null);
    assert!(queued_at(&app, mine).is_some());
    assert_eq!(
        changes(&app, mine).last().map(|c| c.3.clone()),
        Some(json!("agent_deactivated"))
    );
    // A deactivated agent can't be assigned or added to a group.
    let r = app
        .request("tickets", "PUT", &format!("/api/v2/tickets/{mine}.json"))
        .admin()
        .json(&json!({"ticket": {"assignee_id": ada.id}}))
        .send()
        .expect(422);
    assert!(r.json()["description"]
        .as_str()
        .unwrap()
        .contains("assignee_id"));
    // Bo comes online and takes the ticket from the queue.
    presence(&app, &bo, "online");
    assert_eq!(ticket(&app, mine)["assignee_id"], bo.id);
    // Reactivated, the same token works again.
    set_agent(&app, &ada, &json!({"active": true}));
    app.zendesk_get(&ada, "/api/v2/users/me.json").expect(200);
    let log = app
        .request(
            "admin",
            "GET",
            "/api/admin/audit_log?action=agent.deactivate",
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(log["count"], 1);
    assert_eq!(log["audit_log"][0]["target"], format!("agent:{}", ada.id));
    assert_eq!(log["audit_log"][0]["actor"], "admin_token");
    assert_eq!(
        log["audit_log"][0]["detail"]["requeued_ticket_ids"],
        json!([mine])
    );
}

fn billing_bot(group: &str) -> Json {
    json!({
        "answers": [{
            "id": "billing", "name": "Billing",
            "phrases": {"en": ["question about my invoice", "billing invoice"]},
            "steps": [{"type": "transfer_to_agent", "id": "to-billing", "group": group}]
        }]
    })
}

#[test]
fn the_bot_transfer_step_routes_to_the_group_it_names() {
    let app = App::new();
    let support = group(&app, "Support", true);
    let billing = group(&app, "Billing", false);
    let ada = app.agent("Ada", "ada@example.com");
    let cy = app.agent("Cy", "cy@example.com");
    member(&app, &ada, support);
    member(&app, &cy, billing);
    presence(&app, &ada, "online");
    presence(&app, &cy, "online");

    // A group that does not exist is refused at publish, pointing at the step.
    app.request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&billing_bot("Finance"))
        .send()
        .expect(200);
    let r = app
        .request("bot", "POST", "/api/bot/publish")
        .admin()
        .send()
        .expect(422)
        .json();
    assert_eq!(r["errors"][0]["code"], "unknown_group");
    assert_eq!(
        r["errors"][0]["source"]["pointer"],
        "answers[0].steps[0].group"
    );
    assert_eq!(r["errors"][0]["step"], "to-billing");

    app.publish_bot(&billing_bot("billing"));
    let v = app.visitor("en");
    app.say(&v, "I have a question about my invoice", None);
    let id = app.count("SELECT max(id) FROM tickets");
    let t = ticket(&app, id);
    assert_eq!(t["group_id"], billing);
    assert_eq!(t["assignee_id"], cy.id);
    // "Talk to a person" names no group: the default group takes it.
    let other = hand_off(&app);
    assert_eq!(ticket(&app, other)["group_id"], support);
    assert_eq!(ticket(&app, other)["assignee_id"], ada.id);
}

#[test]
fn audits_list_every_change_with_author_and_reason() {
    let app = App::new();
    let (support, ada, bo) = team(&app);
    let v = app.visitor("en");
    app.say(&v, "Talk to a person", Some("handoff"));
    let id = app.count("SELECT max(id) FROM tickets");
    let requester = ticket(&app, id)["requester_id"].clone();
    let list = audits(&app, id);
    assert_eq!(list.len(), 2, "{list:?}");
    let created = &list[0];
    assert_eq!(created["ticket_id"], id);
    assert_eq!(created["author_id"], requester);
    assert_eq!(created["via"]["channel"], "native_messaging");
    let fields: Vec<(&str, &Json)> = created["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "Create");
            (e["field_name"].as_str().unwrap(), &e["value"])
        })
        .collect();
    assert!(fields.contains(&("status", &json!("new"))), "{fields:?}");
    assert!(fields.contains(&("group_id", &json!(support.to_string()))));
    assert!(fields.contains(&("tags", &json!([]))));
    assert_eq!(list[1]["author_id"], Json::Null, "automatic assignment");
    assert_eq!(list[1]["events"][0]["reason"], "round_robin");

    let path = format!("/api/v2/tickets/{id}.json");
    let r = app
        .zendesk_put(
            &ada,
            &path,
            &json!({"ticket": {"comment": {"body": "Looking into it", "public": true},
                               "priority": "high", "type": "problem", "subject": "Refund",
                               "tags": ["vip", "refund"], "status": "pending"}}),
        )
        .expect(200)
        .json();
    let answered: Vec<&str> = r["audit"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field_name"].as_str().unwrap_or("comment"))
        .collect();
    assert_eq!(
        answered,
        vec!["comment", "status", "priority", "type", "subject", "tags"]
    );
    app.zendesk_put(&ada, &path, &json!({"ticket": {"assignee_id": bo.id}}))
        .expect(200);
    app.zendesk_put(&bo, &path, &json!({"ticket": {"status": "solved"}}))
        .expect(200);
    app.say(&v, "It's still broken", None);

    let list = audits(&app, id);
    assert_eq!(list.len(), 6, "{list:#?}");
    let update = &list[2];
    assert_eq!(update["author_id"], ada.id);
    assert_eq!(update["via"]["channel"], "api");
    assert_eq!(update["events"][0]["type"], "Comment");
    assert_eq!(update["events"][0]["body"], "Looking into it");
    assert_eq!(update["events"][0]["public"], true);
    assert_eq!(update["events"][5]["field_name"], "tags");
    assert_eq!(update["events"][5]["value"], json!(["vip", "refund"]));
    assert_eq!(update["events"][5]["previous_value"], json!([]));
    let reassigned = &list[3]["events"][0];
    assert_eq!(reassigned["field_name"], "assignee_id");
    assert_eq!(reassigned["value"], bo.id.to_string());
    assert_eq!(reassigned["previous_value"], ada.id.to_string());
    assert_eq!(reassigned["reason"], "manual");
    assert_eq!(list[4]["author_id"], bo.id);
    assert_eq!(list[4]["events"][0]["value"], "solved");
    // The customer's message is a comment, and reopens the solved ticket.
    let reopened = &list[5];
    assert_eq!(reopened["author_id"], requester);
    assert_eq!(reopened["events"][0]["type"], "Comment");
    assert_eq!(reopened["events"][0]["body"], "It's still broken");
    assert_eq!(reopened["events"][1]["field_name"], "status");
    assert_eq!(reopened["events"][1]["previous_value"], "solved");
    assert_eq!(reopened["events"][1]["value"], "open");
    assert_eq!(reopened["events"][1]["reason"], "customer_message");

    let page = app
        .request(
            "tickets",
            "GET",
            &format!("/api/v2/tickets/{id}/audits?per_page=2&page=2"),
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(page["count"], 6);
    assert_eq!(page["audits"].as_array().unwrap().len(), 2);
    assert!(page["next_page"].as_str().unwrap().contains("page=3"));
    assert!(page["previous_page"].as_str().unwrap().contains("page=1"));
}

#[test]
fn assignees_must_belong_to_the_ticket_group() {
    let app = App::new();
    let (support, ada, _) = team(&app);
    let billing = group(&app, "Billing", false);
    let cy = app.agent("Cy", "cy@example.com");
    member(&app, &cy, billing);
    let id = hand_off(&app);
    let path = format!("/api/v2/tickets/{id}.json");
    let before = audits(&app, id).len();
    let r = app
        .zendesk_put(&ada, &path, &json!({"ticket": {"assignee_id": cy.id}}))
        .expect(422)
        .json();
    assert_eq!(r["error"], "RecordInvalid");
    assert!(
        r["description"]
            .as_str()
            .unwrap()
            .starts_with("assignee_id:"),
        "{r}"
    );
    let r = app
        .zendesk_put(&ada, &path, &json!({"ticket": {"group_id": 999}}))
        .expect(422)
        .json();
    assert!(
        r["description"].as_str().unwrap().starts_with("group_id:"),
        "{r}"
    );
    // Moving to Billing with Ada still assigned breaks the rule too...
    app.zendesk_put(&ada, &path, &json!({"ticket": {"group_id": billing}}))
        .expect(422);
    assert_eq!(
        audits(&app, id).len(),
        before,
        "refused updates record nothing"
    );
    assert_eq!(ticket(&app, id)["group_id"], support);
    // ...moving with the assignee cleared queues it in Billing, where nobody is online.
    app.zendesk_put(
        &ada,
        &path,
        &json!({"ticket": {"group_id": billing, "assignee_id": null}}),
    )
    .expect(200);
    assert_eq!(ticket(&app, id)["assignee_id"], Json::Null);
    assert!(queued_at(&app, id).is_some());
    presence(&app, &cy, "online");
    assert_eq!(ticket(&app, id)["assignee_id"], cy.id);
}
