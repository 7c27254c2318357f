//! Sunshine messages and activities: list with cursors, post as user (the bot answers) or
//! business (text, image, file, reply/postback/link buttons; it reaches the widget), delete
//! all; typing and read activities.

use crate::sunshine_openapi::Sun;
use spindesk_core::ports::Clock;
use spindesk_tests::*;

#[test]
fn messages_page_with_cursors_and_business_posts_reach_the_widget() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    for i in 0..3 {
        app.say(&v, &format!("m{i}"), None);
    }
    let base = format!("/conversations/{}", v.conversation_id);
    let page = sun
        .get(&format!("{base}/messages?page[size]=4"))
        .expect(200)
        .json();
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert_eq!(page["meta"]["hasMore"], true);
    assert_eq!(
        msgs[3]["author"]["type"], "business",
        "newest page ends with the bot's reply"
    );
    assert!(
        msgs[3]["author"].get("subtypes").is_none(),
        "the official clients refuse subtypes other than AI and activity"
    );
    let oldest_id = msgs[0]["id"].as_str().unwrap();
    assert_eq!(page["meta"]["beforeCursor"], oldest_id);
    let older = sun
        .get(&format!("{base}/messages?page[before]={oldest_id}"))
        .expect(200)
        .json();
    assert_eq!(older["messages"].as_array().unwrap().len(), 2);
    assert_eq!(older["messages"][0]["content"]["text"], "m0");
    assert_eq!(older["messages"][0]["author"]["type"], "user");
    assert_eq!(older["meta"]["hasMore"], false);
    let newer = sun
        .get(&format!(
            "{base}/messages?page[after]={}&page[size]=2",
            older["messages"][1]["id"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(newer["messages"][0]["id"], msgs[0]["id"]);
    assert_eq!(newer["meta"]["hasMore"], true);

    // As the official client pages: `page` as a JSON object, ids of 24 characters.
    assert_eq!(oldest_id.len(), 24);
    let older_json = sun
        .get(&format!(
            "{base}/messages?page=%7B%22before%22%3A%20%22{oldest_id}%22%2C%20%22size%22%3A%2025%7D"
        ))
        .expect(200)
        .json();
    assert_eq!(older_json, older);
    let r = sun
        .post(
            &format!("{base}/messages"),
            &json!({"author": {"type": "business", "displayName": "Ada", "avatarUrl": "https://example.com/ada.png"},
                    "content": {"type": "text", "text": "Hello from the API"},
                    "metadata": {"crm": "x1"}}),
        )
        .expect(201)
        .json();
    let m = &r["messages"][0];
    assert_eq!(m["content"]["text"], "Hello from the API");
    assert_eq!(m["author"]["displayName"], "Ada");
    assert_eq!(m["author"]["avatarUrl"], "https://example.com/ada.png");
    assert_eq!(m["metadata"], json!({"crm": "x1"}));
    let last = app.history(&v).pop().unwrap();
    assert_eq!(last["text"], "Hello from the API");
    assert_eq!(last["author"]["name"], "Ada");
    // Listed as it was posted.
    let listed = sun
        .get(&format!("{base}/messages?page[size]=1"))
        .expect(200)
        .json();
    assert_eq!(listed["messages"][0], *m);
}

#[test]
fn rich_business_messages_keep_their_content_and_degrade_for_the_widget() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    let base = format!("/conversations/{}/messages", v.conversation_id);
    let post = |content: Json| {
        sun.post(
            &base,
            &json!({"author": {"type": "business", "subtypes": ["AI"]}, "content": content}),
        )
        .expect(201)
        .json()["messages"][0]
            .clone()
    };
    let buttons = json!({"type": "text", "text": "How was it?", "actions": [
        {"type": "reply", "text": "Great", "payload": "great"},
        {"type": "postback", "text": "Talk to us", "payload": "talk"},
        {"type": "link", "text": "Track order", "uri": "https://shop.example.com/track/1"}]});
    let m = post(buttons.clone());
    assert_eq!(m["content"], buttons);
    assert_eq!(m["author"]["subtypes"], json!(["AI"]));
    let image = json!({"type": "image", "mediaUrl": "https://cdn.example.com/p.png", "altText": "Parcel", "text": "Your parcel"});
    assert_eq!(post(image.clone())["content"], image);
    let file = json!({"type": "file", "mediaUrl": "https://cdn.example.com/invoice.pdf"});
    assert_eq!(post(file.clone())["content"], file);

    let history = app.history(&v);
    let shown: Vec<&str> = history
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        shown.contains(&"How was it?\nTrack order: https://shop.example.com/track/1"),
        "{shown:?}"
    );
    assert!(
        shown.contains(&"Your parcel\nhttps://cdn.example.com/p.png"),
        "{shown:?}"
    );
    assert!(
        shown.contains(&"https://cdn.example.com/invoice.pdf"),
        "{shown:?}"
    );
    let with_buttons = history
        .iter()
        .find(|m| m["text"].as_str().unwrap().starts_with("How"))
        .unwrap();
    assert_eq!(
        with_buttons["actions"],
        json!([{"type": "reply", "text": "Great", "payload": "great"},
               {"type": "reply", "text": "Talk to us", "payload": "talk"}])
    );
    // Listed with the content as posted.
    let listed = sun.get(&format!("{base}?page[size]=3")).expect(200).json();
    assert_eq!(listed["messages"][0]["content"], buttons);
}

#[test]
fn a_user_message_posted_through_the_api_is_answered_by_the_bot() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.user("crm-1", "Ann");
    let uid = user["id"].as_str().unwrap();
    let cid = sun.conversation(uid)["id"].as_str().unwrap().to_owned();
    let r = sun
        .post(
            &format!("/conversations/{cid}/messages"),
            &json!({"author": {"type": "user", "userExternalId": "crm-1"}, "content": {"type": "text", "text": "hello"}}),
        )
        .expect(201)
        .json();
    let m = &r["messages"][0];
    assert_eq!(m["author"]["type"], "user");
    assert_eq!(m["author"]["userId"], uid);
    assert_eq!(m["source"]["type"], "api");
    let list = sun
        .get(&format!("/conversations/{cid}/messages"))
        .expect(200)
        .json();
    let msgs = list["messages"].as_array().unwrap();
    assert!(msgs.len() >= 2, "the bot answered: {msgs:?}");
    assert_eq!(msgs[0]["content"]["text"], "hello");
    assert!(msgs[1..].iter().all(|m| m["author"]["type"] == "business"));
    // A tapped reply carries its payload.
    let tapped = sun
        .post(
            &format!("/conversations/{cid}/messages"),
            &json!({"author": {"type": "user", "userId": uid},
                    "content": {"type": "text", "text": "Talk to a person", "payload": "handoff"}}),
        )
        .expect(201)
        .json();
    assert_eq!(tapped["messages"][0]["content"]["payload"], "handoff");
    // Another user cannot write in it.
    sun.user("crm-2", "Bob");
    let before = app.count("SELECT count(*) FROM messages");
    sun.post(
        &format!("/conversations/{cid}/messages"),
        &json!({"author": {"type": "user", "userExternalId": "crm-2"}, "content": {"type": "text", "text": "hi"}}),
    )
    .expect(400);
    assert_eq!(app.count("SELECT count(*) FROM messages"), before);
}

#[test]
fn bad_messages_are_refused_and_write_nothing() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    let base = format!("/conversations/{}/messages", v.conversation_id);
    let biz = |content: Json| json!({"author": {"type": "business"}, "content": content});
    for (body, says) in [
        (
            json!({"author": {"type": "user"}, "content": {"type": "text", "text": "x"}}),
            "userId",
        ),
        (
            json!({"author": {"type": "bot"}, "content": {"type": "text", "text": "x"}}),
            "author.type",
        ),
        (json!({"content": {"type": "text", "text": "x"}}), "author"),
        (json!({"author": {"type": "business"}}), "content"),
        (biz(json!({"type": "text", "text": ""})), "text"),
        (
            biz(json!({"type": "text", "text": "x".repeat(4097)})),
            "4096",
        ),
        (biz(json!({"type": "text"})), "content.text"),
        (biz(json!({"type": "image"})), "mediaUrl"),
        (
            biz(json!({"type": "image", "mediaUrl": "ftp://x.y/z"})),
            "mediaUrl",
        ),
        (
            biz(json!({"type": "image", "mediaUrl": "https://x.y/z", "altText": "a".repeat(129)})),
            "altText",
        ),
        (biz(json!({"type": "carousel", "items": []})), "carousel"),
        (
            biz(json!({"type": "text", "text": "x", "actions": []})),
            "actions",
        ),
        (
            biz(json!({"type": "text", "text": "x", "actions": [{"type": "reply", "text": "a"}]})),
            "payload",
        ),
        (
            biz(
                json!({"type": "text", "text": "x", "actions": [{"type": "link", "text": "a", "uri": "javascript:x"}]}),
            ),
            "uri",
        ),
        (
            biz(
                json!({"type": "text", "text": "x", "actions": [{"type": "webview", "text": "a", "uri": "https://x.y"}]}),
            ),
            "webview",
        ),
        (
            biz(json!({"type": "text", "text": "x", "payload": "p"})),
            "payload",
        ),
        (
            json!({"author": {"type": "business", "subtypes": ["bot"]}, "content": {"type": "text", "text": "x"}}),
            "subtypes",
        ),
        (
            json!({"author": {"type": "business", "displayName": "x".repeat(256)}, "content": {"type": "text", "text": "x"}}),
            "displayName",
        ),
        (
            json!({"author": {"type": "business", "avatarUrl": "nope"}, "content": {"type": "text", "text": "x"}}),
            "avatarUrl",
        ),
        (
            json!({"author": {"type": "business"}, "content": {"type": "text", "text": "x"}, "metadata": {"a": [1]}}),
            "metadata",
        ),
        (
            json!({"author": {"type": "business"}, "content": {"type": "text", "text": "x"}, "override": {}}),
            "override",
        ),
    ] {
        let r = sun.post(&base, &body).expect(400);
        assert!(r.text().contains(says), "{body} → {}", r.text());
    }
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
    sun.post(
        "/conversations/nope/messages",
        &biz(json!({"type": "text", "text": "x"})),
    )
    .expect(404);
    for bad in [
        "page[size]=0",
        "page[size]=101",
        "page[after]=x",
        "page[after]=1&page[before]=2",
    ] {
        sun.get(&format!("{base}?{bad}")).expect(400);
    }
    sun.get("/conversations/nope/messages").expect(404);
    // Over the body limit: 413 in Sunshine's error shape.
    let r = app
        .request("conversations", "POST", &sun.url(&base))
        .header("authorization", &sun.auth)
        .body(vec![b' '; 64 * 1024 + 1])
        .send()
        .expect(413);
    assert_eq!(r.error_code(), "payload_too_large");
}

#[test]
fn deleting_all_messages_keeps_the_sequence_counting() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    app.say(&v, "one", None);
    let base = format!("/conversations/{}/messages", v.conversation_id);
    let last_seq = app.count("SELECT last_seq FROM conversations");
    assert!(last_seq >= 2);
    assert_eq!(sun.delete(&base).expect(200).json(), json!({}));
    assert_eq!(sun.get(&base).expect(200).json()["messages"], json!([]));
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
    sun.post(
        &base,
        &json!({"author": {"type": "business"}, "content": {"type": "text", "text": "again"}}),
    )
    .expect(201);
    assert_eq!(app.count("SELECT seq FROM messages"), last_seq + 1);
    sun.delete("/conversations/nope/messages").expect(404);
}

#[test]
fn activities_record_typing_and_reads() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    app.say(&v, "hi", None);
    let cid = &v.conversation_id;
    let uid = sun
        .get(&format!("/conversations/{cid}/participants"))
        .expect(200)
        .json()["participants"][0]["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let activity = |body: Json| sun.post(&format!("/conversations/{cid}/activity"), &body);
    activity(json!({"author": {"type": "business"}, "type": "typing:start"})).expect(200);
    let until = app.count("SELECT typing_until FROM conversation_activity WHERE side = 'agent'");
    assert!(until > app.clock.now_ms());
    activity(json!({"author": {"type": "business"}, "type": "typing:stop"})).expect(200);
    let until = app.count("SELECT typing_until FROM conversation_activity WHERE side = 'agent'");
    assert!(until <= app.clock.now_ms());
    activity(json!({"author": {"type": "user", "userId": uid}, "type": "conversation:read"}))
        .expect(200);
    assert_eq!(
        app.count("SELECT read_seq FROM conversation_activity WHERE side = 'customer'"),
        app.count("SELECT last_seq FROM conversations")
    );
    activity(json!({"author": {"type": "business"}, "type": "conversation:read"})).expect(200);
    assert_eq!(
        app.count("SELECT read_seq FROM conversation_activity WHERE side = 'agent'"),
        app.count("SELECT last_seq FROM conversations")
    );
    for (body, says) in [
        (
            json!({"author": {"type": "user", "userId": uid}, "type": "typing:start"}),
            "conversation:read",
        ),
        (
            json!({"author": {"type": "business"}, "type": "typing:maybe"}),
            "typing:maybe",
        ),
        (json!({"author": {"type": "business"}}), "type"),
        (json!({"type": "typing:start"}), "author"),
        (
            json!({"author": {"type": "user"}, "type": "conversation:read"}),
            "userId",
        ),
        (
            json!({"author": {"type": "bot"}, "type": "typing:start"}),
            "author.type",
        ),
    ] {
        let r = activity(body.clone()).expect(400);
        assert!(r.text().contains(says), "{body} → {}", r.text());
    }
    sun.post(
        "/conversations/nope/activity",
        &json!({"author": {"type": "business"}, "type": "typing:start"}),
    )
    .expect(404);
}
