//! Sunshine conversations and participants: create (personal, by userId or userExternalId),
//! get, update, delete, list by user with paging parameters; join, leave, list participants.

use crate::sunshine_openapi::Sun;
use spindesk_tests::*;

#[test]
fn conversations_are_created_updated_listed_and_deleted() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.user("crm-7", "Kim");
    let uid = user["id"].as_str().unwrap();
    let c = sun
        .post(
            "/conversations",
            &json!({"type": "personal", "participants": [{"userExternalId": "crm-7"}],
                    "displayName": "Order 1234", "metadata": {"order": "1234"}}),
        )
        .expect(201)
        .json()["conversation"]
        .clone();
    let cid = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["type"], "personal");
    assert_eq!(c["displayName"], "Order 1234");
    assert_eq!(c["metadata"], json!({"order": "1234"}));
    assert_eq!(c["activeSwitchboardIntegration"]["name"], "bot");
    assert_eq!(
        sun.get(&format!("/conversations/{cid}")).expect(200).json()["conversation"],
        c
    );

    // One conversation per customer: a second is refused, naming the first.
    let before = app.count("SELECT count(*) FROM conversations");
    let r = sun
        .post(
            "/conversations",
            &json!({"type": "personal", "participants": [{"userId": uid}]}),
        )
        .expect(409);
    assert!(r.text().contains(&cid), "{}", r.text());
    assert_eq!(app.count("SELECT count(*) FROM conversations"), before);

    let updated = sun
        .patch(
            &format!("/conversations/{cid}"),
            &json!({"displayName": "Order 1234 (late)", "metadata": {"order": "1234", "late": true}}),
        )
        .expect(200)
        .json();
    assert_eq!(updated["conversation"]["displayName"], "Order 1234 (late)");
    assert_eq!(updated["conversation"]["metadata"]["late"], true);
    let cleared = sun
        .patch(
            &format!("/conversations/{cid}"),
            &json!({"displayName": null}),
        )
        .expect(200)
        .json();
    assert!(cleared["conversation"].get("displayName").is_none());
    assert_eq!(
        cleared["conversation"]["metadata"]["late"], true,
        "untouched"
    );

    for query in [
        format!("filter[userId]={uid}"),
        "filter[userExternalId]=crm-7".to_owned(),
        format!("filter[userId]={uid}&page[size]=1"),
    ] {
        let list = sun
            .get(&format!("/conversations?{query}"))
            .expect(200)
            .json();
        assert_eq!(
            list["conversations"].as_array().unwrap().len(),
            1,
            "{query}"
        );
        assert_eq!(list["conversations"][0]["id"], cid.as_str());
        assert_eq!(list["meta"]["hasMore"], false);
    }
    // The official clients send deepObject parameters as JSON objects.
    let list = sun
        .get("/conversations?filter=%7B%22userExternalId%22%3A%20%22crm-7%22%7D&page=%7B%22size%22%3A%201%7D")
        .expect(200)
        .json();
    assert_eq!(list["conversations"][0]["id"], cid.as_str());
    sun.get("/conversations?filter=crm-7").expect(400);
    sun.get("/conversations?filter=%7B%22userExternalId%22%3A%20%22crm-7%22%7D&page=%7B%22size%22%3A%200%7D")
        .expect(400);
    // A cursor past it gives an empty page.
    let list = sun
        .get(&format!(
            "/conversations?filter[userId]={uid}&page[after]={cid}"
        ))
        .expect(200)
        .json();
    assert_eq!(list["conversations"], json!([]));
    let other = sun.user("crm-8", "Lee");
    let list = sun
        .get(&format!(
            "/conversations?filter[userId]={}",
            other["id"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(list["conversations"], json!([]));

    // Deleting removes it and its messages; the user stays.
    sun.post(
        &format!("/conversations/{cid}/messages"),
        &json!({"author": {"type": "business"}, "content": {"type": "text", "text": "Hi"}}),
    )
    .expect(201);
    assert_eq!(app.count("SELECT count(*) FROM messages"), 1);
    assert_eq!(
        sun.delete(&format!("/conversations/{cid}"))
            .expect(200)
            .json(),
        json!({})
    );
    sun.get(&format!("/conversations/{cid}")).expect(404);
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
    sun.get("/users/crm-7").expect(200);
    // The customer may have a new one now.
    sun.conversation(uid);
}

#[test]
fn bad_conversation_input_is_refused() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.user("crm-1", "Ann");
    let uid = user["id"].as_str().unwrap();
    for (body, status, says) in [
        (json!({"participants": [{"userId": uid}]}), 400, "type"),
        (
            json!({"type": "sdkGroup", "participants": [{"userId": uid}]}),
            400,
            "personal",
        ),
        (json!({"type": "personal"}), 400, "participants"),
        (
            json!({"type": "personal", "participants": []}),
            400,
            "participants",
        ),
        (
            json!({"type": "personal", "participants": [{"userId": uid}, {"userId": uid}]}),
            400,
            "participants",
        ),
        (
            json!({"type": "personal", "participants": [{}]}),
            400,
            "userId",
        ),
        (
            json!({"type": "personal", "participants": [{"userId": uid, "userExternalId": "crm-1"}]}),
            400,
            "not both",
        ),
        (
            json!({"type": "personal", "participants": [{"userId": "nobody"}]}),
            404,
            "nobody",
        ),
        (
            json!({"type": "personal", "participants": [{"userId": uid}], "displayName": ""}),
            400,
            "displayName",
        ),
        (
            json!({"type": "personal", "participants": [{"userId": uid}], "metadata": [1]}),
            400,
            "metadata",
        ),
        (
            json!({"type": "personal", "participants": [{"userId": uid}], "iconUrl": "https://x.y/i.png"}),
            400,
            "iconUrl",
        ),
    ] {
        let r = sun.post("/conversations", &body).expect(status);
        assert!(r.text().contains(says), "{body} → {}", r.text());
    }
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);
    let c = sun.conversation(uid);
    let cid = c["id"].as_str().unwrap();
    sun.patch(
        &format!("/conversations/{cid}"),
        &json!({"displayName": "x".repeat(101)}),
    )
    .expect(400);
    sun.patch(
        &format!("/conversations/{cid}"),
        &json!({"type": "sdkGroup"}),
    )
    .expect(400);
    sun.patch("/conversations/nope", &json!({})).expect(404);
    sun.delete("/conversations/nope").expect(404);
    for query in [
        "",
        "?filter[userId]=a&filter[userExternalId]=b",
        "?filter[userId]=nobody",
        "?filter[userExternalId]=crm-1&page[size]=0",
        "?filter[userExternalId]=crm-1&page[size]=101",
        "?filter[userExternalId]=crm-1&page[after]=a&page[before]=b",
    ] {
        let r = sun.get(&format!("/conversations{query}"));
        assert!(r.status == 400 || r.status == 404, "{query} → {}", r.status);
    }
    let r = app
        .request(
            "conversations",
            "PUT",
            &sun.url(&format!("/conversations/{cid}")),
        )
        .header("authorization", &sun.auth)
        .send()
        .expect(405);
    assert_eq!(r.header("allow"), Some("GET, PATCH, DELETE"));
}

#[test]
fn a_personal_conversation_has_its_customer_as_its_one_participant() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.user("crm-1", "Ann");
    let uid = user["id"].as_str().unwrap();
    let cid = sun.conversation(uid)["id"].as_str().unwrap().to_owned();
    sun.user("crm-2", "Bob");
    let list = sun
        .get(&format!("/conversations/{cid}/participants"))
        .expect(200)
        .json();
    let p = &list["participants"];
    assert_eq!(p.as_array().unwrap().len(), 1);
    assert_eq!(p[0]["userId"], uid);
    assert_eq!(p[0]["userExternalId"], "crm-1");
    assert_eq!(p[0]["unreadCount"], 0);

    // A business message is unread until the customer reads it.
    sun.post(
        &format!("/conversations/{cid}/messages"),
        &json!({"author": {"type": "business"}, "content": {"type": "text", "text": "Hello"}}),
    )
    .expect(201);
    let list = sun
        .get(&format!("/conversations/{cid}/participants"))
        .expect(200)
        .json();
    assert_eq!(list["participants"][0]["unreadCount"], 1);
    sun.post(
        &format!("/conversations/{cid}/activity"),
        &json!({"author": {"type": "user", "userId": uid}, "type": "conversation:read"}),
    )
    .expect(200);
    let list = sun
        .get(&format!("/conversations/{cid}/participants"))
        .expect(200)
        .json();
    assert_eq!(list["participants"][0]["unreadCount"], 0);

    // Joining again answers with the participant; nobody else joins; the one cannot leave.
    let joined = sun
        .post(
            &format!("/conversations/{cid}/join"),
            &json!({"userExternalId": "crm-1"}),
        )
        .expect(201)
        .json();
    assert_eq!(joined["participant"]["userId"], uid);
    let r = sun
        .post(
            &format!("/conversations/{cid}/join"),
            &json!({"userExternalId": "crm-2"}),
        )
        .expect(400);
    assert!(r.text().contains("one participant"), "{}", r.text());
    sun.post(
        &format!("/conversations/{cid}/join"),
        &json!({"userId": "nobody"}),
    )
    .expect(404);
    sun.post(&format!("/conversations/{cid}/join"), &json!({}))
        .expect(400);
    sun.post(&format!("/conversations/{cid}/join"), &json!({"userId": 5}))
        .expect(400);
    sun.post(
        &format!("/conversations/{cid}/leave"),
        &json!({"userId": uid}),
    )
    .expect(400);
    sun.post(
        &format!("/conversations/{cid}/leave"),
        &json!({"userExternalId": "crm-2"}),
    )
    .expect(404);
    sun.post(
        &format!("/conversations/{cid}/leave"),
        &json!({"who": "me"}),
    )
    .expect(400);
    sun.get("/conversations/nope/participants").expect(404);
    sun.get(&format!(
        "/conversations/{cid}/participants?page[size]=1000"
    ))
    .expect(400);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
}
