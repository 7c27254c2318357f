//! The Help Center API through HTTP: every route, Zendesk's shapes, pagination, drafts, auth,
//! bad input, and the search index following every write.

use spindesk_core::ports::{Sql, Value};
use spindesk_tests::{json, App, Json, Resp};

const HC: &str = "help-center";
const AGENT: &str = "kim@example.com";
const AGENT_TOKEN: &str = "agent-token-abcdefghijklmnop";

/// An agent with an API token, written straight into the store (the admin API that creates
/// agents belongs to another surface).
fn app_with_agent() -> (App, i64) {
    let app = App::new();
    // Any request migrates the schema.
    app.request(HC, "GET", "/api/v2/help_center/categories")
        .send()
        .expect(200);
    let db = app.db();
    use spindesk_core::ports::Sql;
    let id = db
        .execute(
            "INSERT INTO users (public_id, role, name, email, created_at, updated_at) \
             VALUES ('u-agent', 'agent', 'Kim', ?, 0, 0) RETURNING id",
            &[AGENT.into()],
        )
        .expect("insert agent")
        .rows[0][0]
        .clone();
    let Value::Integer(id) = id else { panic!("id") };
    db.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, 0)",
        &[id.into(), spindesk_core::auth::digest(AGENT_TOKEN).into()],
    )
    .expect("insert token");
    (app, id)
}

fn post(app: &App, path: &str, body: Json) -> Resp {
    app.request(HC, "POST", path)
        .agent(AGENT, AGENT_TOKEN)
        .json(&body)
        .send()
}

fn get(app: &App, path: &str) -> Resp {
    app.request(HC, "GET", path).send()
}

fn category(app: &App, locale: &str, name: &str) -> i64 {
    post(
        app,
        &format!("/api/v2/help_center/{locale}/categories.json"),
        json!({"category": {"name": name, "description": "d"}}),
    )
    .expect(201)
    .json()["category"]["id"]
        .as_i64()
        .expect("id")
}

fn section(app: &App, locale: &str, category: i64, name: &str) -> i64 {
    post(
        app,
        &format!("/api/v2/help_center/{locale}/categories/{category}/sections.json"),
        json!({"section": {"name": name}}),
    )
    .expect(201)
    .json()["section"]["id"]
        .as_i64()
        .expect("id")
}

fn article(app: &App, locale: &str, section: i64, article: Json) -> Json {
    post(
        app,
        &format!("/api/v2/help_center/{locale}/sections/{section}/articles.json"),
        json!({ "article": article }),
    )
    .expect(201)
    .json()["article"]
        .clone()
}

fn search(app: &App, query: &str) -> Json {
    let q: String = form(query);
    get(
        app,
        &format!("/api/v2/help_center/articles/search.json?query={q}"),
    )
    .expect(200)
    .json()
}

fn form(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids(list: &Json) -> Vec<i64> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect()
}

#[test]
fn categories_crud_in_zendesk_shape() {
    let (app, _) = app_with_agent();
    let created = post(
        &app,
        "/api/v2/help_center/en-us/categories",
        json!({"category": {"name": "  Billing ", "description": "Money things", "position": 2}}),
    )
    .expect(201)
    .json();
    let c = &created["category"];
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["name"], "Billing");
    assert_eq!(c["description"], "Money things");
    assert_eq!(c["locale"], "en-us");
    assert_eq!(c["source_locale"], "en-us");
    assert_eq!(c["position"], 2);
    assert_eq!(c["outdated"], false);
    assert!(c["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/v2/help_center/en-us/categories/{id}.json")));
    assert!(c["created_at"].as_str().unwrap().ends_with('Z'));

    for path in [
        format!("/api/v2/help_center/categories/{id}"),
        format!("/api/v2/help_center/categories/{id}.json"),
        format!("/api/v2/help_center/en-us/categories/{id}.json"),
    ] {
        assert_eq!(get(&app, &path).expect(200).json()["category"]["id"], id);
    }
    // Another locale's path does not show it.
    get(&app, &format!("/api/v2/help_center/ko/categories/{id}")).expect(404);

    let list = get(&app, "/api/v2/help_center/en-us/categories.json")
        .expect(200)
        .json();
    assert_eq!(ids(&list["categories"]), [id]);
    assert_eq!(list["count"], 1);
    assert_eq!(list["sort_by"], "position");
    assert_eq!(
        get(&app, "/api/v2/help_center/ko/categories").json()["count"],
        0
    );

    let updated = app
        .request(
            HC,
            "PUT",
            &format!("/api/v2/help_center/categories/{id}.json"),
        )
        .agent(AGENT, AGENT_TOKEN)
        .json(&json!({"category": {"name": "Payments"}}))
        .send()
        .expect(200)
        .json();
    assert_eq!(updated["category"]["name"], "Payments");
    assert_eq!(updated["category"]["description"], "Money things");

    app.request(
        HC,
        "DELETE",
        &format!("/api/v2/help_center/categories/{id}"),
    )
    .agent(AGENT, AGENT_TOKEN)
    .send()
    .expect(204);
    let gone = get(&app, &format!("/api/v2/help_center/categories/{id}")).expect(404);
    assert_eq!(gone.error_code(), "RecordNotFound");
    assert!(gone.json()["description"].is_string());
}

#[test]
fn sections_crud_and_listing() {
    let (app, _) = app_with_agent();
    let c1 = category(&app, "en-us", "Account");
    let c2 = category(&app, "en-us", "Orders");
    let s = section(&app, "en-us", c1, "Sign-in");
    let s2 = section(&app, "ko", c2, "배송");
    let shown = get(&app, &format!("/api/v2/help_center/sections/{s}.json"))
        .expect(200)
        .json();
    assert_eq!(shown["section"]["category_id"], c1);
    assert_eq!(shown["section"]["locale"], "en-us");
    assert_eq!(shown["section"]["sorting"], "manual");

    let in_c1 = get(
        &app,
        &format!("/api/v2/help_center/en-us/categories/{c1}/sections"),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&in_c1["sections"]), [s]);
    let no_locale = get(
        &app,
        &format!("/api/v2/help_center/categories/{c1}/sections.json"),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&no_locale["sections"]), [s]);
    get(&app, &format!("/api/v2/help_center/en-us/sections/{s}")).expect(200);
    get(&app, &format!("/api/v2/help_center/ko/sections/{s}")).expect(404);
    // Without a locale in the path, a new section takes its category's.
    let inherited = post(
        &app,
        &format!("/api/v2/help_center/categories/{c2}/sections"),
        json!({"section": {"name": "Tracking"}}),
    )
    .expect(201)
    .json();
    assert_eq!(inherited["section"]["locale"], "en-us");
    let inherited = inherited["section"]["id"].as_i64().unwrap();
    let en = get(&app, "/api/v2/help_center/en-us/sections").json();
    assert_eq!(ids(&en["sections"]), [s, inherited]);
    let all = get(&app, "/api/v2/help_center/sections").json();
    assert_eq!(all["count"], 3);
    let ko = get(&app, "/api/v2/help_center/ko/sections.json").json();
    assert_eq!(ids(&ko["sections"]), [s2]);

    // Move to another category.
    let moved = app
        .request(HC, "PUT", &format!("/api/v2/help_center/sections/{s}"))
        .agent(AGENT, AGENT_TOKEN)
        .json(&json!({"section": {"category_id": c2, "position": 5}}))
        .send()
        .expect(200)
        .json();
    assert_eq!(moved["section"]["category_id"], c2);
    assert_eq!(moved["section"]["position"], 5);
    let bad_move = app
        .request(HC, "PUT", &format!("/api/v2/help_center/sections/{s}"))
        .agent(AGENT, AGENT_TOKEN)
        .json(&json!({"section": {"category_id": 999}}))
        .send()
        .expect(422);
    assert_eq!(bad_move.error_code(), "RecordInvalid");
    // i64::MIN has no absolute value in i64: refused like any other far position.
    for far in [i64::MIN, i64::MAX, -1_000_000_001] {
        let r = app
            .request(HC, "PUT", &format!("/api/v2/help_center/sections/{s}"))
            .agent(AGENT, AGENT_TOKEN)
            .json(&json!({"section": {"position": far}}))
            .send()
            .expect(422);
        assert!(r.text().contains("position"), "{far}: {}", r.text());
    }

    post(
        &app,
        "/api/v2/help_center/en-us/categories/999/sections",
        json!({"section": {"name": "x"}}),
    )
    .expect(404);
    get(&app, "/api/v2/help_center/en-us/categories/999/sections").expect(404);

    app.request(
        HC,
        "DELETE",
        &format!("/api/v2/help_center/sections/{s}.json"),
    )
    .agent(AGENT, AGENT_TOKEN)
    .send()
    .expect(204);
    get(&app, &format!("/api/v2/help_center/sections/{s}")).expect(404);
}

#[test]
fn articles_create_read_update_delete() {
    let (app, agent_id) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    let a = article(
        &app,
        "en-us",
        s,
        json!({"title": "Reset your password", "body": "<p>Use the <b>Forgot password</b> link.</p>",
               "label_names": ["password", "login", "Password"], "position": 3, "promoted": true}),
    );
    let id = a["id"].as_i64().unwrap();
    for (field, want) in [
        ("title", json!("Reset your password")),
        ("name", json!("Reset your password")),
        ("body", json!("<p>Use the <b>Forgot password</b> link.</p>")),
        ("label_names", json!(["password", "login"])),
        ("draft", json!(false)),
        ("promoted", json!(true)),
        ("position", json!(3)),
        ("section_id", json!(s)),
        ("author_id", json!(agent_id)),
        ("locale", json!("en-us")),
        ("source_locale", json!("en-us")),
        ("comments_disabled", json!(false)),
        ("vote_sum", json!(0)),
        ("vote_count", json!(0)),
        ("outdated", json!(false)),
        ("permission_group_id", Json::Null),
        ("user_segment_id", Json::Null),
    ] {
        assert_eq!(a[field], want, "{field}");
    }
    for field in ["url", "html_url", "created_at", "updated_at", "edited_at"] {
        assert!(a[field].is_string(), "{field}");
    }

    for path in [
        format!("/api/v2/help_center/articles/{id}"),
        format!("/api/v2/help_center/articles/{id}.json"),
        format!("/api/v2/help_center/en-us/articles/{id}.json"),
    ] {
        assert_eq!(get(&app, &path).expect(200).json()["article"]["id"], id);
    }
    get(&app, &format!("/api/v2/help_center/ko/articles/{id}")).expect(404);

    for path in [
        "/api/v2/help_center/articles".to_owned(),
        "/api/v2/help_center/en-us/articles.json".to_owned(),
        format!("/api/v2/help_center/en-us/sections/{s}/articles.json"),
        format!("/api/v2/help_center/sections/{s}/articles"),
        format!("/api/v2/help_center/en-us/categories/{c}/articles"),
        format!("/api/v2/help_center/categories/{c}/articles.json"),
    ] {
        assert_eq!(
            ids(&get(&app, &path).expect(200).json()["articles"]),
            [id],
            "{path}"
        );
    }
    assert_eq!(
        get(&app, "/api/v2/help_center/ko/articles").json()["count"],
        0
    );

    app.clock.advance(std::time::Duration::from_secs(60));
    let updated = app
        .request(
            HC,
            "PUT",
            &format!("/api/v2/help_center/articles/{id}.json"),
        )
        .agent(AGENT, AGENT_TOKEN)
        .json(&json!({"article": {"title": "Reset a forgotten password", "label_names": []}}))
        .send()
        .expect(200)
        .json();
    assert_eq!(updated["article"]["title"], "Reset a forgotten password");
    assert_eq!(updated["article"]["label_names"], json!([]));
    assert_eq!(updated["article"]["promoted"], true);
    assert_ne!(updated["article"]["edited_at"], a["edited_at"]);
    assert_eq!(
        app.help_center_count(&format!(
            "SELECT count(*) FROM hc_article_labels WHERE article_id = {id}"
        )),
        0
    );

    app.request(HC, "DELETE", &format!("/api/v2/help_center/articles/{id}"))
        .agent(AGENT, AGENT_TOKEN)
        .send()
        .expect(204);
    get(&app, &format!("/api/v2/help_center/articles/{id}")).expect(404);
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        0
    );
    app.request(HC, "DELETE", &format!("/api/v2/help_center/articles/{id}"))
        .agent(AGENT, AGENT_TOKEN)
        .send()
        .expect(404);
}

#[test]
fn article_locale_comes_from_the_path_or_the_section() {
    let (app, _) = app_with_agent();
    let c = category(&app, "ko", "계정");
    let s = section(&app, "ko", c, "로그인");
    let created = post(
        &app,
        &format!("/api/v2/help_center/sections/{s}/articles"),
        json!({"article": {"title": "비밀번호 재설정"}}),
    )
    .expect(201)
    .json();
    assert_eq!(created["article"]["locale"], "ko");
    let english = article(&app, "en-us", s, json!({"title": "Password reset"}));
    assert_eq!(english["locale"], "en-us");
}

#[test]
fn drafts_are_invisible_to_the_public_and_out_of_the_index() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Orders");
    let s = section(&app, "en-us", c, "Returns");
    let a = article(
        &app,
        "en-us",
        s,
        json!({"title": "Returning a parcel", "body": "Print the label", "draft": true}),
    );
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["draft"], true);
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        0
    );

    get(&app, &format!("/api/v2/help_center/articles/{id}")).expect(404);
    assert_eq!(get(&app, "/api/v2/help_center/articles").json()["count"], 0);
    let q = search_status(&app, "parcel");
    assert_eq!(q["count"], 0);
    // Staff see drafts in reads.
    app.request(HC, "GET", &format!("/api/v2/help_center/articles/{id}"))
        .agent(AGENT, AGENT_TOKEN)
        .send()
        .expect(200);
    let staff_list = app
        .request(HC, "GET", "/api/v2/help_center/articles")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(ids(&staff_list["articles"]), [id]);

    // Publishing indexes it; unpublishing removes it again.
    let publish = |draft: bool| {
        app.request(HC, "PUT", &format!("/api/v2/help_center/articles/{id}"))
            .admin()
            .json(&json!({"article": {"draft": draft}}))
            .send()
            .expect(200)
    };
    publish(false);
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        1
    );
    assert_eq!(ids(&search(&app, "parcel")["results"]), [id]);
    get(&app, &format!("/api/v2/help_center/articles/{id}")).expect(200);
    publish(true);
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        0
    );
    assert_eq!(search_status(&app, "parcel")["count"], 0);
}

fn search_status(app: &App, query: &str) -> Json {
    search(app, query)
}

#[test]
fn writes_need_staff_and_wrong_credentials_are_refused_even_on_reads() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    for (method, path, body) in [
        (
            "POST",
            "/api/v2/help_center/en-us/categories".to_owned(),
            json!({"category": {"name": "x"}}),
        ),
        (
            "PUT",
            format!("/api/v2/help_center/categories/{c}"),
            json!({"category": {"name": "x"}}),
        ),
        (
            "DELETE",
            format!("/api/v2/help_center/categories/{c}"),
            json!({}),
        ),
        (
            "POST",
            format!("/api/v2/help_center/en-us/categories/{c}/sections"),
            json!({"section": {"name": "x"}}),
        ),
    ] {
        let anonymous = app
            .request(HC, method, &path)
            .json(&body)
            .send()
            .expect(401);
        assert!(anonymous.json()["error"].is_string());
        app.request(HC, method, &path)
            .agent(AGENT, "wrong-token")
            .json(&body)
            .send()
            .expect(401);
        app.request(HC, method, &path)
            .bearer("not-the-admin-token")
            .json(&body)
            .send()
            .expect(401);
    }
    app.request(HC, "GET", "/api/v2/help_center/articles")
        .agent(AGENT, "wrong-token")
        .send()
        .expect(401);
    // The admin token writes too.
    app.request(HC, "POST", "/api/v2/help_center/en-us/categories")
        .admin()
        .json(&json!({"category": {"name": "By admin"}}))
        .send()
        .expect(201);
    // Nothing was written by the refused requests.
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_categories"),
        2
    );
    assert_eq!(app.help_center_count("SELECT count(*) FROM hc_sections"), 0);
}

#[test]
fn bad_input_gets_clear_errors_and_writes_nothing() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    let path = format!("/api/v2/help_center/en-us/sections/{s}/articles");
    let cases: Vec<(Json, u16, &str)> = vec![
        (
            json!({"article": {"body": "no title"}}),
            422,
            "RecordInvalid",
        ),
        (json!({"article": {"title": "   "}}), 422, "RecordInvalid"),
        (
            json!({"article": {"title": "x".repeat(256)}}),
            422,
            "RecordInvalid",
        ),
        (
            json!({"article": {"title": "t", "label_names": [""]}}),
            422,
            "RecordInvalid",
        ),
        (
            json!({"article": {"title": "t", "label_names": (0..51).map(|i| format!("l{i}")).collect::<Vec<_>>()}}),
            422,
            "RecordInvalid",
        ),
        (
            json!({"article": {"title": "t", "position": 10_000_000_000i64}}),
            422,
            "RecordInvalid",
        ),
        (json!({"article": {"title": 5}}), 400, "InvalidBody"),
        (
            json!({"article": {"title": "t", "draft": "yes"}}),
            400,
            "InvalidBody",
        ),
        (json!({"title": "no envelope"}), 400, "InvalidBody"),
        (json!([1, 2]), 400, "invalid_body"),
    ];
    for (body, status, code) in cases {
        let r = post(&app, &path, body.clone());
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert_eq!(r.error_code(), code, "{body}");
        assert!(!r.json()["description"].as_str().unwrap().is_empty());
    }
    let malformed = app
        .request(HC, "POST", &path)
        .agent(AGENT, AGENT_TOKEN)
        .body("{\"article\": ")
        .send()
        .expect(400);
    assert_eq!(malformed.error_code(), "invalid_json");
    let huge = json!({"article": {"title": "t", "body": "x".repeat(1_300_000)}});
    post(&app, &path, huge).expect(413);
    let too_big_body = json!({"article": {"title": "t", "body": "x".repeat(1_000_001)}});
    post(&app, &path, too_big_body).expect(422);
    post(
        &app,
        &path.replace(&s.to_string(), "424242"),
        json!({"article": {"title": "t"}}),
    )
    .expect(404);
    post(
        &app,
        "/api/v2/help_center/EN%20US/categories",
        json!({"category": {"name": "x"}}),
    )
    .expect(400);
    assert_eq!(app.help_center_count("SELECT count(*) FROM hc_articles"), 0);

    // Ids that are not ids, unknown paths, wrong methods.
    assert_eq!(
        get(&app, "/api/v2/help_center/articles/abc")
            .expect(404)
            .error_code(),
        "RecordNotFound"
    );
    get(&app, "/api/v2/help_center/articles/-1").expect(404);
    get(&app, "/api/v2/help_center/en-us/widgets").expect(404);
    get(&app, "/api/v2/help_center").expect(404);
    let wrong = app
        .request(HC, "PATCH", "/api/v2/help_center/articles/1")
        .admin()
        .send()
        .expect(405);
    assert_eq!(wrong.header("allow"), Some("GET, PUT, DELETE"));
    app.request(HC, "DELETE", "/api/v2/help_center/en-us/articles/1")
        .admin()
        .send()
        .expect(405);
    app.request(HC, "POST", "/api/v2/help_center/articles/search?query=x")
        .admin()
        .send()
        .expect(405);
}

#[test]
fn pagination_and_sorting_like_zendesk() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    let mut created = Vec::new();
    for i in 0..7 {
        app.clock.advance(std::time::Duration::from_secs(1));
        let a = article(
            &app,
            "en-us",
            s,
            json!({"title": format!("Article {}", (b'A' + (6 - i) as u8) as char), "position": i % 3}),
        );
        created.push(a["id"].as_i64().unwrap());
    }
    let page1 = get(&app, "/api/v2/help_center/articles.json?per_page=3")
        .expect(200)
        .json();
    assert_eq!(page1["count"], 7);
    assert_eq!(page1["page"], 1);
    assert_eq!(page1["per_page"], 3);
    assert_eq!(page1["page_count"], 3);
    assert_eq!(page1["previous_page"], Json::Null);
    let next = page1["next_page"].as_str().unwrap();
    assert!(
        next.contains("page=2") && next.contains("per_page=3"),
        "{next}"
    );
    // Position, then id.
    assert_eq!(
        ids(&page1["articles"]),
        [created[0], created[3], created[6]]
    );
    let page3 = get(&app, "/api/v2/help_center/articles.json?per_page=3&page=3").json();
    assert_eq!(page3["articles"].as_array().unwrap().len(), 1);
    assert_eq!(page3["next_page"], Json::Null);
    assert!(page3["previous_page"].as_str().unwrap().contains("page=2"));
    let beyond = get(&app, "/api/v2/help_center/articles.json?per_page=3&page=9").json();
    assert_eq!(beyond["articles"], json!([]));
    assert_eq!(beyond["count"], 7);
    assert_eq!(beyond["next_page"], Json::Null);

    let by_title = get(&app, "/api/v2/help_center/articles?sort_by=title").json();
    let titles: Vec<&str> = by_title["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.first(), Some(&"Article A"));
    assert_eq!(titles.last(), Some(&"Article G"));
    let newest = get(&app, "/api/v2/help_center/articles?sort_by=created_at").json();
    assert_eq!(newest["sort_order"], "desc");
    assert_eq!(ids(&newest["articles"])[0], created[6]);
    let oldest = get(
        &app,
        "/api/v2/help_center/articles?sort_by=created_at&sort_order=asc",
    )
    .json();
    assert_eq!(ids(&oldest["articles"])[0], created[0]);

    for bad in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=x",
        "sort_by=votes",
        "sort_order=up",
    ] {
        let r = get(&app, &format!("/api/v2/help_center/articles?{bad}")).expect(400);
        assert!(r.json()["description"].is_string(), "{bad}");
    }
    get(&app, "/api/v2/help_center/articles?per_page=100").expect(200);
}

#[test]
fn search_results_snippets_filters_and_pagination() {
    let (app, _) = app_with_agent();
    let c1 = category(&app, "en-us", "Account");
    let c2 = category(&app, "en-us", "Orders");
    let s1 = section(&app, "en-us", c1, "Sign-in");
    let s2 = section(&app, "en-us", c2, "Refunds");
    let reset = article(
        &app,
        "en-us",
        s1,
        json!({"title": "Reset your password",
               "body": "<h2>Forgot it?</h2><p>Click <a href=\"/x\">Forgot password</a> & check your <script>x</script>email.</p>",
               "label_names": ["login"]}),
    )["id"]
        .as_i64()
        .unwrap();
    let refund = article(
        &app,
        "en-us",
        s2,
        json!({"title": "Refund timing", "body": "<p>Refunds reach your card in 5 days. Your password is never needed.</p>",
               "label_names": ["money"]}),
    )["id"]
        .as_i64()
        .unwrap();
    let korean = article(
        &app,
        "ko",
        s1,
        json!({"title": "비밀번호 재설정", "body": "<p>비밀번호를 잊으셨나요? 이메일로 재설정 링크를 보내 드립니다.</p>"}),
    )["id"]
        .as_i64()
        .unwrap();

    let r = search(&app, "password");
    assert_eq!(r["count"], 2);
    // Title matches rank above body matches.
    assert_eq!(ids(&r["results"]), [reset, refund]);
    let first = &r["results"][0];
    assert_eq!(first["result_type"], "article");
    assert_eq!(first["title"], "Reset your password");
    let snippet = first["snippet"].as_str().unwrap();
    assert!(snippet.contains("<em>password</em>"), "{snippet}");
    assert!(snippet.contains("&amp;"), "{snippet}");
    assert!(
        !snippet.contains("<a") && !snippet.contains("<script"),
        "{snippet}"
    );
    assert!(first["body"].as_str().unwrap().contains("<a href"));

    // Korean, with a particle in the query; locale filter.
    let k = get(
        &app,
        &format!(
            "/api/v2/help_center/articles/search?query={}&locale=ko",
            form("비밀번호를 잊어버렸어요")
        ),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&k["results"]), [korean]);
    assert!(k["results"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("<em>비밀번호를</em>"));
    let en_only = get(
        &app,
        "/api/v2/help_center/articles/search?query=password&locale=en-us",
    )
    .json();
    assert_eq!(en_only["count"], 2);

    // Filters.
    let by_section = get(
        &app,
        &format!("/api/v2/help_center/articles/search?query=password&section={s2}"),
    )
    .json();
    assert_eq!(ids(&by_section["results"]), [refund]);
    let by_category = get(
        &app,
        &format!("/api/v2/help_center/articles/search?query=password&category={c1}"),
    )
    .json();
    assert_eq!(ids(&by_category["results"]), [reset]);
    let by_labels = get(
        &app,
        "/api/v2/help_center/articles/search?query=password&label_names=MONEY,other",
    )
    .json();
    assert_eq!(ids(&by_labels["results"]), [refund]);

    // Filters alone (no query), as Zendesk allows: the filtered published articles.
    let section_only = get(
        &app,
        &format!("/api/v2/help_center/articles/search?section={s2}"),
    )
    .expect(200)
    .json();
    assert_eq!(ids(&section_only["results"]), [refund]);
    assert_eq!(section_only["count"], 1);
    assert_eq!(section_only["results"][0]["result_type"], "article");
    assert!(!section_only["results"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("<em>"));
    let labels_only = get(
        &app,
        "/api/v2/help_center/articles/search?label_names=money&locale=ko",
    )
    .expect(200)
    .json();
    assert_eq!(labels_only["count"], 0);

    // Pagination.
    let p1 = get(
        &app,
        "/api/v2/help_center/articles/search.json?query=password&per_page=1",
    )
    .json();
    assert_eq!(ids(&p1["results"]), [reset]);
    assert_eq!(p1["count"], 2);
    assert_eq!(p1["page_count"], 2);
    let next = p1["next_page"].as_str().unwrap();
    assert!(
        next.contains("query=password") && next.contains("page=2"),
        "{next}"
    );
    let p2 = get(
        &app,
        "/api/v2/help_center/articles/search.json?query=password&per_page=1&page=2",
    )
    .json();
    assert_eq!(ids(&p2["results"]), [refund]);
    let p9 = get(
        &app,
        "/api/v2/help_center/articles/search.json?query=password&per_page=1&page=9",
    )
    .json();
    assert_eq!(p9["results"], json!([]));
    assert_eq!(p9["count"], 2);

    // Typo fallback.
    assert_eq!(ids(&search(&app, "pasword")["results"]), [reset, refund]);
    // Two misspelt words: both corrected, their candidates read with the vocabulary in one
    // statement (not one look-up per word).
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let two = app
        .request(
            "help-center",
            "GET",
            "/api/v2/help_center/articles/search.json?query=pasword%20refnd",
        )
        .send_watching_help_center(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
        .expect(200)
        .json();
    let found = ids(&two["results"]);
    assert!(
        found.contains(&reset) && found.contains(&refund),
        "{found:?}"
    );
    let seen = seen.into_inner();
    let look_ups: Vec<&String> = seen
        .iter()
        .filter(|s| s.contains("CROSS JOIN hc_terms c"))
        .collect();
    assert_eq!(look_ups.len(), 1, "{seen:#?}");
    assert!(look_ups[0].contains("FROM hc_index_stats"), "{seen:#?}");
}

#[test]
fn search_refuses_empty_and_hostile_queries_clearly() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    article(&app, "en-us", s, json!({"title": "Reset your password"}));
    for q in ["how do I", "???", "the", "안녕하세요", "ㅠㅠ ..."] {
        let r = get(
            &app,
            &format!("/api/v2/help_center/articles/search?query={}", form(q)),
        )
        .expect(400);
        assert_eq!(r.error_code(), "InvalidQuery", "{q}");
    }
    let missing = get(&app, "/api/v2/help_center/articles/search").expect(400);
    assert!(missing.text().contains("category"), "{}", missing.text());
    get(
        &app,
        "/api/v2/help_center/articles/search?query=&label_names=",
    )
    .expect(400);
    let long = "a".repeat(1001);
    get(
        &app,
        &format!("/api/v2/help_center/articles/search?query={long}"),
    )
    .expect(400);
    get(
        &app,
        "/api/v2/help_center/articles/search?query=x&section=abc",
    )
    .expect(400);
    get(
        &app,
        "/api/v2/help_center/articles/search?query=x&locale=english",
    )
    .expect(400);
    // FTS5 syntax in a query is just text.
    for q in [
        "password\" OR \"",
        "NEAR(password reset)",
        "title:password",
        "pass*",
        "-password",
        "\"",
        "password AND NOT reset",
    ] {
        let r = get(
            &app,
            &format!("/api/v2/help_center/articles/search?query={}", form(q)),
        );
        assert!(r.status == 200 || r.status == 400, "{q}: {}", r.text());
        assert!(r.json().is_object());
    }
    assert_eq!(search(&app, "password\" OR \"")["count"], 1);
}

#[test]
fn deleting_a_category_takes_its_sections_and_articles_out_of_the_index() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    let other = category(&app, "en-us", "Orders");
    let os = section(&app, "en-us", other, "Refunds");
    article(&app, "en-us", s, json!({"title": "Reset your password"}));
    article(&app, "en-us", s, json!({"title": "Change your password"}));
    let kept = article(&app, "en-us", os, json!({"title": "Refund password"}))["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        3
    );
    app.request(HC, "DELETE", &format!("/api/v2/help_center/categories/{c}"))
        .admin()
        .send()
        .expect(204);
    assert_eq!(app.help_center_count("SELECT count(*) FROM hc_sections"), 1);
    assert_eq!(app.help_center_count("SELECT count(*) FROM hc_articles"), 1);
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        1
    );
    assert_eq!(ids(&search(&app, "password")["results"]), [kept]);
}

#[test]
fn moving_an_article_changes_its_section_filter_and_edits_reindex() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s1 = section(&app, "en-us", c, "A");
    let s2 = section(&app, "en-us", c, "B");
    let id = article(&app, "en-us", s1, json!({"title": "Shipping times"}))["id"]
        .as_i64()
        .unwrap();
    app.request(HC, "PUT", &format!("/api/v2/help_center/articles/{id}"))
        .admin()
        .json(&json!({"article": {"section_id": s2, "title": "Delivery estimates"}}))
        .send()
        .expect(200);
    let r = get(
        &app,
        &format!("/api/v2/help_center/articles/search?query=estimates&section={s2}"),
    )
    .json();
    assert_eq!(ids(&r["results"]), [id]);
    // The old title is no longer indexed ("shipping" finds it only through the synonym
    // "delivery" — so search a word only the old title had).
    assert_eq!(search(&app, "times")["count"], 0);
    app.request(HC, "PUT", &format!("/api/v2/help_center/articles/{id}"))
        .admin()
        .json(&json!({"article": {"section_id": 777}}))
        .send()
        .expect(422);
}

/// The index's stores agree: each term's article count (`hc_terms`) is the number of entries
/// its posting blocks hold (7 bytes each) across locales, `hc_index_stats` counts the indexed
/// articles, and no block is empty.
fn assert_term_counts_match_index(app: &App, step: &str) {
    let from_postings = app.help_center_rows(
        "SELECT term, sum(length(entries) / 7) FROM hc_postings GROUP BY term ORDER BY term",
        &[],
    );
    let counted = app.help_center_rows("SELECT term, articles FROM hc_terms ORDER BY term", &[]);
    assert_eq!(from_postings, counted, "{step}");
    assert_eq!(
        app.help_center_count("SELECT articles FROM hc_index_stats"),
        app.help_center_count("SELECT count(*) FROM hc_article_terms"),
        "{step}"
    );
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_postings WHERE length(entries) = 0"),
        0,
        "{step}"
    );
}

#[test]
fn term_counts_follow_every_kind_of_write() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    let ko = category(&app, "ko", "계정");
    let ks = section(&app, "ko", ko, "로그인");
    let reset = article(
        &app,
        "en-us",
        s,
        json!({"title": "Reset your password", "body": "<p>Open <b>Settings</b> &amp; reset the password.</p>", "label_names": ["login", "password"]}),
    )["id"]
        .as_i64()
        .unwrap();
    let change = article(
        &app,
        "en-us",
        s,
        json!({"title": "Change your password", "body": "A \"quoted\" back\\slash word"}),
    )["id"]
        .as_i64()
        .unwrap();
    article(
        &app,
        "ko",
        ks,
        json!({"title": "비밀번호를 잊어버렸어요", "body": "<p>비밀번호 재설정 메일을 보내 드립니다.</p>"}),
    );
    assert_term_counts_match_index(&app, "after creating three articles");
    assert_eq!(
        app.help_center_count("SELECT articles FROM hc_terms WHERE term = 'password'"),
        2
    );
    // A synonym phrase is a unit of its own where its words follow each other.
    assert_eq!(
        app.help_center_count("SELECT articles FROM hc_terms WHERE term = '비밀 밀번 번호'"),
        1
    );

    app.request(HC, "PUT", &format!("/api/v2/help_center/articles/{change}"))
        .agent(AGENT, AGENT_TOKEN)
        .json(&json!({"article": {"title": "Change your e-mail address", "body": "New address"}}))
        .send()
        .expect(200);
    assert_term_counts_match_index(&app, "after an edit");
    assert_eq!(
        app.help_center_count("SELECT articles FROM hc_terms WHERE term = 'password'"),
        1
    );

    let draft = |id: i64, draft: bool| {
        app.request(HC, "PUT", &format!("/api/v2/help_center/articles/{id}"))
            .admin()
            .json(&json!({"article": {"draft": draft}}))
            .send()
            .expect(200);
    };
    draft(reset, true);
    assert_term_counts_match_index(&app, "after unpublishing");
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_terms WHERE term = 'password'"),
        0
    );
    draft(reset, false);
    assert_term_counts_match_index(&app, "after publishing again");

    app.request(
        HC,
        "DELETE",
        &format!("/api/v2/help_center/articles/{change}"),
    )
    .admin()
    .send()
    .expect(204);
    assert_term_counts_match_index(&app, "after deleting an article");

    app.request(HC, "DELETE", &format!("/api/v2/help_center/sections/{ks}"))
        .admin()
        .send()
        .expect(204);
    assert_term_counts_match_index(&app, "after a cascade from a deleted section");
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_postings WHERE locale = 'ko'"),
        0
    );
    app.request(HC, "DELETE", &format!("/api/v2/help_center/categories/{c}"))
        .admin()
        .send()
        .expect(204);
    assert_eq!(app.help_center_count("SELECT count(*) FROM hc_terms"), 0);
}

/// Articles saved at the same time by several instances share posting blocks (128 articles
/// each): every block is rewritten inside its writer's transaction, so none loses another's
/// entry.
#[test]
fn concurrent_saves_keep_every_article_in_the_index() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Orders");
    let s = section(&app, "en-us", c, "Shipping");
    std::thread::scope(|scope| {
        for writer in 0..4 {
            let app = &app;
            scope.spawn(move || {
                for i in 0..15 {
                    article(
                        app,
                        "en-us",
                        s,
                        json!({"title": format!("Parcel tracking w{writer}x{i}"),
                               "body": format!("<p>unique{writer}z{i} parcel tracking</p>")}),
                    );
                }
            });
        }
    });
    assert_term_counts_match_index(&app, "after 60 concurrent saves");
    assert_eq!(search(&app, "parcel")["count"], 60);
    for writer in 0..4 {
        for i in 0..15 {
            let found = search(&app, &format!("unique{writer}z{i}"));
            assert_eq!(found["count"], 1, "unique{writer}z{i}");
        }
    }
}

#[test]
fn admins_see_the_search_index_progress_and_can_rebuild_it() {
    let (app, _) = app_with_agent();
    // A fresh desk with nothing published has nothing to index: complete, not "rebuilding"
    // (as `spin up` on a new database starts: no rules named yet).
    app.help_center_db()
        .execute("UPDATE hc_index_stats SET analysis = 0", &[])
        .expect("index stats");
    let fresh = app
        .request("admin", "GET", "/api/admin/search_index")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(fresh["search_index"]["published_articles"], 0);
    assert_eq!(fresh["search_index"]["complete"], true);
    let c = category(&app, "en-us", "Orders");
    let s = section(&app, "en-us", c, "Shipping");
    article(&app, "en-us", s, json!({"title": "Parcel tracking"}));
    article(&app, "en-us", s, json!({"title": "Parcel sizes"}));
    article(
        &app,
        "en-us",
        s,
        json!({"title": "Parcel draft", "draft": true}),
    );
    let index = |method: &str, path: &str| {
        app.request("admin", method, path)
            .admin()
            .send()
            .expect(200)
            .json()["search_index"]
            .clone()
    };
    let status = index("GET", "/api/admin/search_index");
    assert_eq!(status["published_articles"], 2);
    assert_eq!(status["indexed_articles"], 2);
    assert_eq!(status["complete"], true);
    assert_eq!(status["progress"], 1.0);

    let rebuilding = index("POST", "/api/admin/search_index/rebuild");
    assert_eq!(rebuilding["complete"], false);
    assert_eq!(rebuilding["indexed_articles"], 0);
    assert_eq!(rebuilding["progress"], 0.0);
    // Searches keep answering from the entries being replaced.
    let found = app
        .request(
            HC,
            "GET",
            "/api/v2/help_center/articles/search?query=parcel",
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(found["count"], 2);
    // That search request also drove the rebuild; an explicit step finds nothing left.
    let done = index("POST", "/api/admin/search_index/catch_up");
    assert_eq!(done["complete"], true);
    assert_eq!(done["indexed_articles"], 2);
    assert_term_counts_match_index(&app, "after a rebuild");

    app.request("admin", "GET", "/api/admin/search_index")
        .send()
        .expect(401);
    app.request("admin", "DELETE", "/api/admin/search_index")
        .admin()
        .send()
        .expect(405);
}

#[test]
fn a_body_at_the_size_limit_is_indexed_and_found() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Manuals");
    let s = section(&app, "en-us", c, "Printers");
    // ~1 MB of prose with a rare word near the end and a synonym phrase in it.
    let mut body = String::from("<p>");
    while body.len() < 990_000 {
        body.push_str("Load paper into the tray and press the green button to print. ");
    }
    body.push_str("Ask for your money back at the counter. zyxcalibration</p>");
    let id = article(
        &app,
        "en-us",
        s,
        json!({"title": "Printer manual", "body": body}),
    )["id"]
        .as_i64()
        .unwrap();
    assert_eq!(ids(&search(&app, "zyxcalibration")["results"]), [id]);
    assert_eq!(ids(&search(&app, "refund")["results"]), [id]);
    assert_term_counts_match_index(&app, "after a 1 MB article");
}

#[test]
fn an_article_restricted_to_a_user_segment_is_refused_not_published() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Internal");
    let s = section(&app, "en-us", c, "Staff only");
    let r = post(
        &app,
        &format!("/api/v2/help_center/en-us/sections/{s}/articles.json"),
        json!({"article": {"title": "Refund overrides", "body": "<p>Secret steps</p>",
                           "user_segment_id": 360001, "permission_group_id": 7}}),
    )
    .expect(422);
    assert_eq!(r.error_code(), "RestrictedArticleUnsupported");
    assert!(r.text().contains("user_segment_id 360001"), "{}", r.text());
    assert_eq!(
        search(&app, "refund")["count"],
        0,
        "nothing reached the public catalog"
    );
    // Everyone (null) is fine, and who may edit (permission_group_id) restricts no reader.
    let a = article(
        &app,
        "en-us",
        s,
        json!({"title": "Refunds", "body": "<p>How refunds work</p>",
               "user_segment_id": null, "permission_group_id": 7}),
    );
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["permission_group_id"], 7);
    // Restricting it later is refused too, and the article stays as it was.
    let r = app
        .request(
            HC,
            "PUT",
            &format!("/api/v2/help_center/articles/{id}.json"),
        )
        .agent(AGENT, AGENT_TOKEN)
        .json(&json!({"article": {"title": "Renamed", "user_segment_id": 360001}}))
        .send()
        .expect(422);
    assert_eq!(r.error_code(), "RestrictedArticleUnsupported");
    let stored = get(&app, &format!("/api/v2/help_center/articles/{id}.json")).json();
    assert_eq!(stored["article"]["title"], "Refunds");
    assert!(stored["article"]["user_segment_id"].is_null());
}

/// Only a page's articles are put in order (`rank`), not every match: the pages must still
/// follow each other exactly, equal scores by id, whatever the page size.
#[test]
fn search_pages_follow_each_other_exactly_and_equal_scores_go_by_id() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Orders");
    let s = section(&app, "en-us", c, "Warranty");
    // Five kinds of article, eight of each: the same text scores the same.
    let mut kinds: Vec<Vec<i64>> = vec![Vec::new(); 5];
    for n in 0..40 {
        let kind = n % 5;
        let body = format!(
            "<p>{} {}</p>",
            "warranty ".repeat(kind + 1),
            "terms apply to every device ".repeat(5 - kind)
        );
        let created = article(
            &app,
            "en-us",
            s,
            json!({"title": format!("Coverage {kind}"), "body": body}),
        );
        kinds[kind].push(created["id"].as_i64().expect("id"));
    }
    let whole = get(
        &app,
        "/api/v2/help_center/articles/search.json?query=warranty&per_page=40",
    )
    .expect(200)
    .json();
    let whole = ids(&whole["results"]);
    assert_eq!(whole.len(), 40);
    // Each kind's articles together, in id order.
    for chunk in whole.chunks(8) {
        let kind = kinds
            .iter()
            .find(|k| k.contains(&chunk[0]))
            .expect("a kind");
        assert_eq!(chunk, &kind[..], "equal scores together, by id: {whole:?}");
    }
    for per_page in [1, 3, 7, 16] {
        let mut paged = Vec::new();
        for page in 1..=40usize.div_ceil(per_page) {
            let got = get(
                &app,
                &format!(
                    "/api/v2/help_center/articles/search.json?query=warranty&per_page={per_page}&page={page}"
                ),
            )
            .expect(200)
            .json();
            assert_eq!(got["count"], 40);
            paged.extend(ids(&got["results"]));
        }
        assert_eq!(paged, whole, "pages of {per_page}");
    }
}

/// Every statement is a round trip to Spin's host: a search's first read is its vocabulary,
/// which brings the index's totals and the schema check, so the index's row is read once.
#[test]
fn a_search_is_three_statements_and_reads_the_index_row_once() {
    let (app, _) = app_with_agent();
    let c = category(&app, "en-us", "Account");
    let s = section(&app, "en-us", c, "Sign-in");
    let reset = article(&app, "en-us", s, json!({"title": "Reset your password"}))["id"]
        .as_i64()
        .expect("id");
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let found = app
        .request(
            HC,
            "GET",
            "/api/v2/help_center/articles/search.json?query=password",
        )
        .send_watching_help_center(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
        .expect(200)
        .json();
    assert_eq!(ids(&found["results"]), [reset]);
    let seen = seen.into_inner();
    // The vocabulary with the totals and the schema check, the posting blocks, the page.
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert!(seen[0].contains("FROM hc_index_stats"), "{seen:#?}");
    assert!(seen[0].contains("pragma_user_version"), "{seen:#?}");
    assert_eq!(
        seen.iter().filter(|s| s.contains("hc_index_stats")).count(),
        1,
        "{seen:#?}"
    );
}
