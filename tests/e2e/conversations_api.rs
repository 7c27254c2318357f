//! The Sunshine Conversations subset: read a conversation and its messages, post as business.

use spindesk_tests::*;

fn basic(secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("app_key:{secret}"))
    )
}

#[test]
fn messages_page_with_cursors_and_business_posts_reach_the_widget() {
    let app = App::new();
    let v = app.visitor("en");
    for i in 0..3 {
        app.say(&v, &format!("m{i}"), None);
    }
    let base = format!("/v2/apps/app1/conversations/{}", v.conversation_id);
    let auth = basic(ADMIN_TOKEN);
    let c = app
        .request("conversations", "GET", &base)
        .header("authorization", &auth)
        .send()
        .expect(200)
        .json();
    assert_eq!(c["conversation"]["id"], v.conversation_id.as_str());
    assert_eq!(
        c["conversation"]["activeSwitchboardIntegration"]["name"],
        "bot"
    );

    let page = app
        .request(
            "conversations",
            "GET",
            &format!("{base}/messages?page[size]=4"),
        )
        .header("authorization", &auth)
        .send()
        .expect(200)
        .json();
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert_eq!(page["meta"]["hasMore"], true);
    assert_eq!(
        msgs[3]["author"]["type"], "business",
        "newest page ends with the bot's reply"
    );
    let oldest_id = msgs[0]["id"].as_str().unwrap();
    let older = app
        .request(
            "conversations",
            "GET",
            &format!("{base}/messages?page[before]={oldest_id}"),
        )
        .header("authorization", &auth)
        .send()
        .expect(200)
        .json();
    assert_eq!(older["messages"].as_array().unwrap().len(), 2);
    assert_eq!(older["messages"][0]["content"]["text"], "m0");
    assert_eq!(older["meta"]["hasMore"], false);

    let r = app
        .request("conversations", "POST", &format!("{base}/messages"))
        .header("authorization", &auth)
        .json(&json!({"author": {"type": "business", "displayName": "Ada"}, "content": {"type": "text", "text": "Hello from the API"}}))
        .send()
        .expect(201)
        .json();
    assert_eq!(r["messages"][0]["content"]["text"], "Hello from the API");
    let last = app.history(&v).pop().unwrap();
    assert_eq!(last["text"], "Hello from the API");
    assert_eq!(last["author"]["name"], "Ada");
}

#[test]
fn conversations_api_errors() {
    let app = App::new();
    let v = app.visitor("en");
    let base = format!("/v2/apps/app1/conversations/{}", v.conversation_id);
    app.request("conversations", "GET", &base)
        .send()
        .expect(401);
    app.request("conversations", "GET", &base)
        .header("authorization", &basic("wrong"))
        .send()
        .expect(401);
    let auth = basic(ADMIN_TOKEN);
    let r = app
        .request("conversations", "GET", "/v2/apps/a/conversations/nope")
        .header("authorization", &auth)
        .send()
        .expect(404);
    assert_eq!(r.error_code(), "conversation_not_found");
    let post = |body: Json| {
        app.request("conversations", "POST", &format!("{base}/messages"))
            .header("authorization", &auth)
            .json(&body)
            .send()
    };
    post(json!({"author": {"type": "user"}, "content": {"type": "text", "text": "x"}})).expect(400);
    post(json!({"author": {"type": "business"}, "content": {"type": "image"}})).expect(400);
    post(json!({"author": {"type": "business"}, "content": {"type": "text", "text": ""}}))
        .expect(400);
    post(json!({"author": {"type": "business"}})).expect(400);
    for bad in [
        "page[size]=0",
        "page[size]=101",
        "page[after]=x",
        "page[after]=1&page[before]=2",
    ] {
        app.request("conversations", "GET", &format!("{base}/messages?{bad}"))
            .header("authorization", &auth)
            .send()
            .expect(400);
    }
    app.request("conversations", "DELETE", &base)
        .header("authorization", &auth)
        .send()
        .expect(405);
    app.request("conversations", "GET", "/v2/apps")
        .header("authorization", &auth)
        .send()
        .expect(404);
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
}
