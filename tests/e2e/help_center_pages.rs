//! The public Help Center pages (`/hc/...`) through HTTP: what a customer's browser gets for
//! each page, the links between them, drafts, locales, search, hostile article bodies, headers
//! and bad input.

use sha2::{Digest, Sha256};
use spindesk_tests::{json, App, Json, Resp};

const HC: &str = "help-center";
const ORIGIN: &str = "https://help.example.com";
const REL: &str = r#"rel="noopener noreferrer nofollow""#;

/// A GET as Spin delivers it (with the full URL the client used).
fn page(app: &App, path: &str) -> Resp {
    app.request(HC, "GET", path)
        .header("spin-full-url", &format!("{ORIGIN}{path}"))
        .send()
}

/// A 200 HTML page's text.
#[track_caller]
fn html(app: &App, path: &str) -> String {
    let r = page(app, path).expect(200);
    assert_eq!(
        r.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{path}"
    );
    r.text()
}

fn api(app: &App, path: &str) -> Json {
    app.request(HC, "GET", path)
        .header("spin-full-url", &format!("{ORIGIN}{path}"))
        .send()
        .expect(200)
        .json()
}

fn post(app: &App, path: &str, body: Json) -> Json {
    app.request(HC, "POST", path)
        .admin()
        .json(&body)
        .send()
        .expect(201)
        .json()
}

fn category(app: &App, locale: &str, name: &str, position: i64) -> i64 {
    post(
        app,
        &format!("/api/v2/help_center/{locale}/categories"),
        json!({"category": {"name": name, "description": format!("All about {name}"), "position": position}}),
    )["category"]["id"]
        .as_i64()
        .unwrap()
}

fn section(app: &App, locale: &str, category: i64, name: &str) -> i64 {
    post(
        app,
        &format!("/api/v2/help_center/{locale}/categories/{category}/sections"),
        json!({"section": {"name": name}}),
    )["section"]["id"]
        .as_i64()
        .unwrap()
}

/// The text between the first `start` and the next `end` after it.
#[track_caller]
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in {text}"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not after {start:?}"))
        + from;
    &text[from..to]
}

#[track_caller]
fn before(text: &str, first: &str, second: &str) -> bool {
    let a = text
        .find(first)
        .unwrap_or_else(|| panic!("{first:?} missing"));
    let b = text
        .find(second)
        .unwrap_or_else(|| panic!("{second:?} missing"));
    a < b
}

fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn home_lists_categories_sections_and_first_articles_promoted_first() {
    let app = App::new();
    let shop = app.shop_help_center();
    let body = html(&app, "/hc/en-us");
    assert!(body.starts_with("<!doctype html>\n<html lang=\"en-us\">"));
    assert_eq!(body.matches("<h1").count(), 1, "one h1");
    assert!(body.contains("<h1>How can we help?</h1>"));
    // The category and its section, linked by their slugged addresses.
    let orders = app.help_center_rows("SELECT id FROM hc_sections WHERE locale = 'en-us'", &[]);
    let section_id = match orders[0][0] {
        spindesk_core::ports::Value::Integer(id) => id,
        _ => unreachable!(),
    };
    assert!(body.contains(&format!(
        "<h3><a href=\"/hc/en-us/sections/{section_id}-orders\">Orders</a></h3>"
    )));
    assert!(body.contains(">Orders</a></h2>"));
    for (id, slug, title) in [
        (shop.refund_en, "how-to-get-a-refund", "How to get a refund"),
        (
            shop.shipping_en,
            "shipping-times-and-costs",
            "Shipping times and costs",
        ),
        (
            shop.password_en,
            "reset-your-password",
            "Reset your password",
        ),
    ] {
        assert!(
            body.contains(&format!(
                "<a href=\"/hc/en-us/articles/{id}-{slug}\">{title}</a>"
            )),
            "{title}"
        );
    }
    // Promoted first, then by position (creation order here).
    assert!(before(
        &body,
        "Shipping times and costs",
        "How to get a refund"
    ));
    assert!(before(&body, "How to get a refund", "Reset your password"));
    assert!(body.contains("Shipping times and costs</a><span class=\"badge\">Promoted</span>"));
    // Never drafts, never another locale's content.
    assert!(!body.contains("internal draft"));
    assert!(!body.contains("환불"));
    // A plain GET form to the locale's search, with a label.
    assert!(body.contains(
        "<form class=\"search\" role=\"search\" method=\"get\" action=\"/hc/en-us/search\">"
    ));
    assert!(body.contains("<label class=\"visually-hidden\" for=\"home-query\">Search</label>"));
    assert!(body.contains("<input type=\"search\" id=\"home-query\" name=\"query\""));
    assert!(body.contains("<link rel=\"canonical\" href=\"/hc/en-us\">"));
}

#[test]
fn home_shows_the_first_five_of_a_section_and_links_to_all() {
    let app = App::new();
    let s = app.hc_section("en-us", "Billing");
    for n in 1..=7 {
        app.hc_article(
            "en-us",
            s,
            json!({"title": format!("Invoice question {n}"), "body": "<p>x</p>", "position": n}),
        );
    }
    let body = html(&app, "/hc/en-us");
    for n in 1..=5 {
        assert!(body.contains(&format!(">Invoice question {n}</a>")), "{n}");
    }
    assert!(!body.contains("Invoice question 6"));
    assert!(body.contains(&format!(
        "<a class=\"more\" href=\"/hc/en-us/sections/{s}-billing\">See all 7 articles</a>"
    )));
    // The category page shows six.
    let category = app.help_center_rows("SELECT category_id FROM hc_sections", &[]);
    let spindesk_core::ports::Value::Integer(c) = category[0][0] else {
        unreachable!()
    };
    let body = html(&app, &format!("/hc/en-us/categories/{c}"));
    assert!(body.contains("<h1>Billing</h1>"));
    assert!(body.contains(">Invoice question 6</a>"));
    assert!(!body.contains("Invoice question 7"));
    assert!(body.contains("See all 7 articles"));
    assert!(body.contains("<nav class=\"crumbs wrap\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/hc/en-us\">Help Center</a></li></ol></nav>"));
}

#[test]
fn hc_redirects_to_the_locale_with_most_published_articles() {
    let app = App::new();
    // Nothing yet: en-us, whose home says so.
    let r = page(&app, "/hc").expect(302);
    assert_eq!(r.header("location"), Some("/hc/en-us"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(html(&app, "/hc/en-us").contains("There are no articles here yet."));
    // Four published English articles against two Korean ones (the draft does not count).
    let shop = app.shop_help_center();
    assert_eq!(
        page(&app, "/hc/").expect(302).header("location"),
        Some("/hc/en-us")
    );
    publish_three_more_in_korean(&app, &shop);
    assert_eq!(
        page(&app, "/hc").expect(302).header("location"),
        Some("/hc/ko")
    );
}

/// The language `/hc` falls back to follows every way articles change — published, turned
/// into drafts, deleted with their section — from counts the database keeps (version 4), which
/// an upgrade from version 3 fills from the articles already there.
#[test]
fn the_fallback_language_follows_publishes_drafts_and_deleted_sections() {
    let app = App::new();
    let shop = app.shop_help_center();
    let fallback = || {
        app.request(HC, "GET", "/hc")
            .header("spin-full-url", &format!("{ORIGIN}/hc"))
            .header("accept-language", "fr")
            .send()
            .expect(302)
            .header("location")
            .map(str::to_owned)
    };
    let counted = || {
        app.help_center_rows(
            "SELECT locale, articles FROM hc_published_counts WHERE articles > 0 ORDER BY locale",
            &[],
        )
    };
    let published = || {
        app.help_center_rows(
            "SELECT locale, count(*) FROM hc_articles WHERE draft = 0 GROUP BY locale \
             ORDER BY locale",
            &[],
        )
    };
    assert_eq!(fallback().as_deref(), Some("/hc/en-us"), "four against two");
    publish_three_more_in_korean(&app, &shop);
    assert_eq!(fallback().as_deref(), Some("/hc/ko"), "five against four");
    app.hc_update(shop.draft_en, json!({"draft": false}));
    assert_eq!(
        fallback().as_deref(),
        Some("/hc/en-us"),
        "five each: by name"
    );
    app.hc_update(shop.refund_en, json!({"draft": true}));
    assert_eq!(fallback().as_deref(), Some("/hc/ko"));
    assert_eq!(counted(), published());

    // The Korean section goes, its articles with it (a cascade inside the database).
    let ko_section = app.help_center_count(&format!(
        "SELECT section_id FROM hc_articles WHERE id = {}",
        shop.refund_ko
    ));
    app.request(
        HC,
        "DELETE",
        &format!("/api/v2/help_center/sections/{ko_section}"),
    )
    .admin()
    .send()
    .expect(204);
    assert_eq!(fallback().as_deref(), Some("/hc/en-us"));
    assert_eq!(counted(), published());
    assert_eq!(counted().len(), 1, "{:?}", counted());

    // A help center at version 3 (no counts yet): the upgrade counts what is there.
    app.help_center_back_to_version_3();
    assert_eq!(fallback().as_deref(), Some("/hc/en-us"));
    assert_eq!(app.help_center_count("PRAGMA user_version"), 4);
    assert_eq!(counted(), published());
}

/// Three more published Korean articles in the shop's Korean section: five against English's
/// four.
fn publish_three_more_in_korean(app: &App, shop: &spindesk_tests::help_center::ShopArticles) {
    let ko = app.help_center_rows(
        "SELECT section_id FROM hc_articles WHERE id = ?",
        &[shop.refund_ko.into()],
    );
    let spindesk_core::ports::Value::Integer(ko_section) = ko[0][0] else {
        unreachable!()
    };
    for n in 0..3 {
        app.hc_article(
            "ko",
            ko_section,
            json!({"title": format!("배송 안내 {n}"), "body": "<p>배송</p>"}),
        );
    }
}

/// `/hc` opens the browser's language when the help center has it (Zendesk does the same),
/// and the locale with the most published articles otherwise.
#[test]
fn hc_opens_the_browsers_language_when_the_help_center_has_it() {
    let app = App::new();
    let shop = app.shop_help_center();
    // Korean becomes the default: more published articles than English.
    publish_three_more_in_korean(&app, &shop);
    let home = |accept_language: Option<&str>| {
        let mut req = app
            .request(HC, "GET", "/hc")
            .header("spin-full-url", &format!("{ORIGIN}/hc"));
        if let Some(value) = accept_language {
            req = req.header("accept-language", value);
        }
        let r = req.send().expect(302);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        r.header("location").map(str::to_owned)
    };
    for (accept_language, opens) in [
        (None, "/hc/ko"),
        (Some("en-US,en;q=0.9"), "/hc/en-us"),
        // A language the help center has in another region: its locale of that language.
        (Some("en-GB"), "/hc/en-us"),
        // Most preferred first, whatever the header's order.
        (Some("ko-KR;q=0.3, en;q=0.8"), "/hc/en-us"),
        (Some("en;q=0.2, ko-KR"), "/hc/ko"),
        // `q=0` means "not this one".
        (Some("ko;q=0, en;q=0.5"), "/hc/en-us"),
        // Languages the help center does not have, `*`, and what is not a language tag.
        (Some("fr-CA, fr;q=0.9, *;q=0.1"), "/hc/ko"),
        (Some("english, en;q=lots"), "/hc/ko"),
        (Some(""), "/hc/ko"),
    ] {
        assert_eq!(
            home(accept_language).as_deref(),
            Some(opens),
            "{accept_language:?}"
        );
    }
}

#[test]
fn article_page_has_breadcrumbs_title_date_body_and_the_rest_of_its_section() {
    let app = App::new();
    let shop = app.shop_help_center();
    let path = format!("/hc/en-us/articles/{}-how-to-get-a-refund", shop.refund_en);
    let body = html(&app, &path);
    assert_eq!(body.matches("<h1").count(), 1);
    assert!(body.contains("<title>How to get a refund – Help Center</title>"));
    assert!(body.contains("<h1>How to get a refund</h1>"));
    assert!(body.contains(&format!("<link rel=\"canonical\" href=\"{path}\">")));
    // The harness clock: 2026-11-18.
    assert!(body.contains("<time datetime=\"2026-11-18T"), "{body}");
    assert!(body.contains(">Updated November 18, 2026</time>"));
    assert!(body.contains(
        "<div class=\"body\"><p>Refunds go back to the card or bank account you paid with, within 3 \
         business days. Open <b>Orders</b>, pick the order and choose <i>Request a refund</i>.</p></div>"
    ));
    let crumbs = between(
        &body,
        "<nav class=\"crumbs wrap\" aria-label=\"Breadcrumb\">",
        "</nav>",
    );
    let links: Vec<&str> = crumbs.split("<li>").skip(1).collect();
    assert_eq!(links.len(), 3, "{crumbs}");
    assert!(links[0].starts_with("<a href=\"/hc/en-us\">Help Center</a>"));
    assert!(
        links[1].contains("/hc/en-us/categories/") && links[1].contains("-orders\">Orders</a>")
    );
    assert!(links[2].contains("/hc/en-us/sections/") && links[2].contains("-orders\">Orders</a>"));
    let aside = between(&body, "<aside", "</aside>");
    assert!(aside.contains("Articles in this section"));
    for other in [
        "Shipping times and costs",
        "Change the delivery address",
        "Reset your password",
    ] {
        assert!(aside.contains(other), "{other}");
    }
    assert!(!aside.contains("How to get a refund"), "not itself");
    assert!(!aside.contains("internal draft"));
    // The chat widget, in the page's language.
    assert!(body.contains("<script src=\"/widget.js\" defer data-locale=\"en-us\"></script>"));
}

#[test]
fn html_url_of_every_kind_from_the_api_opens_its_page() {
    let app = App::new();
    let shop = app.shop_help_center();
    for (id, title) in [
        (shop.refund_en, "How to get a refund"),
        (shop.password_ko, "비밀번호 재설정"),
    ] {
        let a = &api(&app, &format!("/api/v2/help_center/articles/{id}.json"))["article"];
        let url = a["html_url"].as_str().unwrap();
        let path = url
            .strip_prefix(ORIGIN)
            .unwrap_or_else(|| panic!("absolute: {url}"));
        assert!(path.starts_with(&format!(
            "/hc/{}/articles/{id}-",
            a["locale"].as_str().unwrap()
        )));
        let body = html(&app, path);
        assert!(body.contains(&format!("<h1>{title}</h1>")), "{path}");
        assert!(body.contains(&format!("<link rel=\"canonical\" href=\"{path}\">")));
    }
    // Korean titles are percent-encoded in the slug.
    let a = &api(
        &app,
        &format!("/api/v2/help_center/articles/{}.json", shop.password_ko),
    )["article"];
    assert_eq!(
        a["html_url"],
        format!(
            "{ORIGIN}/hc/ko/articles/{}-%EB%B9%84%EB%B0%80%EB%B2%88%ED%98%B8-%EC%9E%AC%EC%84%A4%EC%A0%95",
            shop.password_ko
        )
    );
    for (list, key) in [("sections", "Orders"), ("categories", "Orders")] {
        let items = api(&app, &format!("/api/v2/help_center/en-us/{list}.json"));
        let item = &items[list][0];
        let url = item["html_url"].as_str().unwrap();
        let body = html(&app, url.strip_prefix(ORIGIN).unwrap());
        assert!(body.contains(&format!("<h1>{key}</h1>")), "{url}");
    }
    // Search results carry the same address.
    let results = api(
        &app,
        "/api/v2/help_center/articles/search.json?query=refund&locale=en-us",
    );
    let url = results["results"][0]["html_url"].as_str().unwrap();
    assert!(html(&app, url.strip_prefix(ORIGIN).unwrap()).contains("<h1>How to get a refund</h1>"));
}

#[test]
fn any_slug_or_none_serves_the_same_article() {
    let app = App::new();
    let shop = app.shop_help_center();
    let id = shop.shipping_en;
    let canonical = format!(
        "<link rel=\"canonical\" href=\"/hc/en-us/articles/{id}-shipping-times-and-costs\">"
    );
    for path in [
        format!("/hc/en-us/articles/{id}"),
        format!("/hc/en-us/articles/{id}-shipping-times-and-costs"),
        format!("/hc/en-us/articles/{id}-an-old-title"),
        format!("/hc/en-us/articles/{id}-"),
        format!("/hc/EN-US/articles/{id}/"),
    ] {
        let body = html(&app, &path);
        assert!(body.contains("<h1>Shipping times and costs</h1>"), "{path}");
        assert!(body.contains(&canonical), "{path}");
    }
}

#[test]
fn another_locale_or_no_locale_redirects_to_the_items_own() {
    let app = App::new();
    let shop = app.shop_help_center();
    let own = format!("/hc/en-us/articles/{}-how-to-get-a-refund", shop.refund_en);
    for path in [
        format!("/hc/ko/articles/{}", shop.refund_en),
        format!("/hc/pt-br/articles/{}-whatever", shop.refund_en),
        format!("/hc/articles/{}", shop.refund_en),
    ] {
        let r = page(&app, &path).expect(301);
        assert_eq!(r.header("location"), Some(own.as_str()), "{path}");
        assert!(r.text().contains(&format!("<a href=\"{own}\">")));
    }
    let section = api(&app, "/api/v2/help_center/ko/sections.json")["sections"][0]["id"]
        .as_i64()
        .unwrap();
    let r = page(&app, &format!("/hc/en-us/sections/{section}")).expect(301);
    assert_eq!(
        r.header("location").unwrap(),
        format!("/hc/ko/sections/{section}-%EC%A3%BC%EB%AC%B8")
    );
}

#[test]
fn drafts_are_not_found_for_everyone() {
    let app = App::new();
    let shop = app.shop_help_center();
    for path in [
        format!("/hc/en-us/articles/{}", shop.draft_en),
        format!("/hc/articles/{}", shop.draft_en),
    ] {
        let r = page(&app, &path).expect(404);
        assert!(r.text().contains("<h1>Page not found</h1>"));
        assert!(!r.text().contains("Refund policy changes"));
        // Staff credentials change nothing on the public pages.
        app.request(HC, "GET", &path).admin().send().expect(404);
    }
    let section = api(&app, "/api/v2/help_center/en-us/sections.json")["sections"][0]["id"]
        .as_i64()
        .unwrap();
    let listed = html(&app, &format!("/hc/en-us/sections/{section}"));
    assert!(listed.contains("How to get a refund") && !listed.contains("internal draft"));
    let found = html(&app, "/hc/en-us/search?query=refund+policy+changes");
    assert!(!found.contains("internal draft"));
    // Unpublishing takes a page down at once.
    app.hc_update(shop.refund_en, json!({"draft": true}));
    page(&app, &format!("/hc/en-us/articles/{}", shop.refund_en)).expect(404);
    assert!(!html(&app, "/hc/en-us").contains("How to get a refund"));
}

#[test]
fn search_page_shows_results_with_escaped_highlighted_snippets() {
    let app = App::new();
    let shop = app.shop_help_center();
    let s = app.hc_section("en-us", "Tricky");
    app.hc_article(
        "en-us",
        s,
        json!({"title": "Refunds & <b>bold</b> claims",
               "body": "<p>Refund requests that contain &lt;script&gt;alert(1)&lt;/script&gt; are refused.</p>"}),
    );
    let body = html(&app, "/hc/en-us/search?query=refund");
    assert!(body.contains("<h1>Search results</h1>"));
    assert!(body.contains("2 results for “refund”"), "{body}");
    // Title escaped, snippet text escaped with the matches marked.
    assert!(body.contains(">Refunds &amp; &lt;b&gt;bold&lt;/b&gt; claims</a></h2>"));
    assert!(body.contains(
        "<em>Refund</em> requests that contain &lt;script&gt;alert(1)&lt;/script&gt; are refused."
    ));
    assert!(!body.contains("<script>alert"));
    assert!(!body.contains("&amp;lt;"), "escaped twice");
    assert!(body.contains(&format!(
        "<a href=\"/hc/en-us/articles/{}-how-to-get-a-refund\">How to get a refund</a>",
        shop.refund_en
    )));
    // The query stays in the search box, escaped.
    assert!(body.contains("name=\"query\" value=\"refund\""));

    // Korean, with Korean labels.
    let body = html(
        &app,
        &format!("/hc/ko/search?query={}", url_encode("환불을")),
    );
    assert!(body.contains("<html lang=\"ko\">"));
    assert!(body.contains("<h1>검색 결과</h1>"));
    assert!(body.contains("“환불을” 검색 결과 1건"));
    assert!(body.contains("<em>환불</em>"));

    // A hostile query is text everywhere it appears.
    let hostile = "refund \"><img src=x onerror=alert(1)>";
    let body = html(
        &app,
        &format!("/hc/en-us/search?query={}", url_encode(hostile)),
    );
    assert!(!body.contains("<img src=x"));
    assert!(body.contains("value=\"refund &quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""));
    assert!(body.contains("for “refund &quot;&gt;&lt;img src=x onerror=alert(1)&gt;”"));
}

#[test]
fn search_page_explains_queries_it_cannot_search() {
    let app = App::new();
    app.shop_help_center();
    for path in [
        "/hc/en-us/search",
        "/hc/en-us/search?query=",
        "/hc/en-us/search?query=+++",
    ] {
        let r = page(&app, path).expect(200);
        assert!(
            r.text()
                .contains("Type a word or two about what you need help with."),
            "{path}"
        );
    }
    let r = page(&app, "/hc/en-us/search?query=how+the+%3F%3F").expect(400);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r
        .text()
        .contains("“how the ??” has no words we can search for"));
    let r = page(
        &app,
        &format!("/hc/en-us/search?query={}", "a".repeat(1_001)),
    )
    .expect(400);
    assert!(r.text().contains("longer than 1,000 characters"));
    let r = page(
        &app,
        &format!("/hc/ko/search?query={}", url_encode("안녕하세요")),
    )
    .expect(400);
    assert!(r.text().contains("검색할 수 있는 단어가 없습니다"));
    for bad in ["page=0", "page=abc", "page=-2", "page=1000001"] {
        let r = page(&app, &format!("/hc/en-us/search?query=refund&{bad}")).expect(400);
        assert!(r.text().contains("page number"), "{bad}");
    }
    let body = html(&app, "/hc/en-us/search?query=zebra");
    assert!(body.contains("No results for “zebra”."));
    assert!(body.contains("Try other words, or ask us in the chat."));
}

#[test]
fn search_and_sections_paginate() {
    let app = App::new();
    let s = app.hc_section("en-us", "Warranty");
    let mut ids = Vec::new();
    for n in 0..35 {
        ids.push(app.hc_article(
            "en-us",
            s,
            json!({"title": format!("Warranty case {n:02}"), "body": "<p>Warranty terms.</p>",
                   "position": 100 - n, "promoted": n == 20}),
        ));
    }
    // Section: its sorting (manual: position), promoted first, 30 a page.
    let first = html(&app, &format!("/hc/en-us/sections/{s}-warranty"));
    let list = between(&first, "<ul class=\"articles\">", "</ul>");
    let titles: Vec<&str> = list
        .split("\">Warranty case ")
        .skip(1)
        .map(|t| &t[..2])
        .collect();
    assert_eq!(titles.len(), 30);
    assert_eq!(titles[0], "20", "promoted first");
    assert_eq!(&titles[1..4], ["34", "33", "32"], "then by position");
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains(&format!(
        "<a rel=\"next\" href=\"/hc/en-us/sections/{s}-warranty?page=2\">Next</a>"
    )));
    let second = html(&app, &format!("/hc/en-us/sections/{s}?page=2"));
    assert_eq!(second.matches("\">Warranty case ").count(), 5);
    assert!(second.contains(&format!(
        "<a rel=\"prev\" href=\"/hc/en-us/sections/{s}-warranty\">Previous</a>"
    )));
    assert!(second.contains(&format!(
        "<link rel=\"canonical\" href=\"/hc/en-us/sections/{s}-warranty?page=2\">"
    )));
    page(&app, &format!("/hc/en-us/sections/{s}?page=3")).expect(404);
    page(&app, &format!("/hc/en-us/sections/{s}?page=x")).expect(400);

    // Search: 25 a page.
    let first = html(&app, "/hc/en-us/search?query=warranty");
    assert!(first.contains("35 results for “warranty”"));
    assert_eq!(first.matches("<li><h2>").count(), 25);
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains("<a rel=\"next\" href=\"/hc/en-us/search?query=warranty&amp;page=2\">"));
    let second = html(&app, "/hc/en-us/search?query=warranty&page=2");
    assert_eq!(second.matches("<li><h2>").count(), 10);
    assert!(second.contains("Page 2 of 2"));
    assert!(second.contains("<a rel=\"prev\" href=\"/hc/en-us/search?query=warranty\">"));
    let past = html(&app, "/hc/en-us/search?query=warranty&page=7");
    assert_eq!(past.matches("<li><h2>").count(), 0);
    assert!(past.contains("<a rel=\"prev\" href=\"/hc/en-us/search?query=warranty&amp;page=2\">"));
    assert!(!past.contains("rel=\"next\""));
}

#[test]
fn hostile_article_bodies_are_rendered_inert() {
    let app = App::new();
    let s = app.hc_section("en-us", "Hostile");
    let id = app.hc_article(
        "en-us",
        s,
        json!({"title": "<script>alert('title')</script>",
               "body": "<p>Hi</p><script>alert('x')</script>\
                        <img src=\"https://cdn.example/a.png\" onerror=\"alert(1)\" alt=\"Step\">\
                        <img src=x onerror=alert(2)>\
                        <a href=\"javascript:alert(1)\">click</a>\
                        <a href=\" jav&#x61;script:alert(1)\">encoded</a>\
                        <style>body{display:none}</style>\
                        <a href=\"https://example.com/help\" target=\"_blank\">ok</a>\
                        <iframe src=\"https://evil.example\"></iframe>\
                        <svg onload=alert(3)><circle/></svg>\
                        <p style=\"color:red\" onclick=\"steal()\">styled</p>\
                        <scri<script>pt>alert(4)</script>\
                        <!-- <script>alert(5)</script> -->\
                        <![CDATA[<img src=x onerror=alert(6)>]]>\
                        <a href=\"mailto:help@example.com\">mail</a>\
                        <h1>Inner title</h1>"}),
    );
    let body = html(&app, &format!("/hc/en-us/articles/{id}"));
    let article = between(&body, "<div class=\"body\">", "</div></article>");
    assert_eq!(
        article,
        format!(
            "<p>Hi</p><img src=\"https://cdn.example/a.png\" alt=\"Step\">\
             <a>click</a><a>encoded</a>\
             <a href=\"https://example.com/help\" {REL}>ok</a>\
             <p>styled</p>pt&gt;alert(4)]]&gt;\
             <a href=\"mailto:help@example.com\" {REL}>mail</a>\
             <h2>Inner title</h2>"
        )
    );
    // In the whole page: the only script is the widget, the only style ours, one h1.
    assert_eq!(body.matches("<script").count(), 1);
    assert!(body.contains("<script src=\"/widget.js\""));
    assert_eq!(body.matches("<style").count(), 1);
    assert_eq!(body.matches("<h1").count(), 1);
    for bad in [
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "<iframe",
        "<svg",
        "style=\"",
    ] {
        assert!(!body.contains(bad), "{bad} in the page");
    }
    assert!(body.contains("<h1>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</h1>"));
    assert!(body.contains(
        "<title>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; – Help Center</title>"
    ));
}

#[test]
fn pages_carry_a_strict_csp_and_sane_headers() {
    let app = App::new();
    let shop = app.shop_help_center();
    let r = page(&app, &format!("/hc/en-us/articles/{}", shop.refund_en)).expect(200);
    let csp = r.header("content-security-policy").expect("csp");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "img-src 'self' https: data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    // The inline stylesheet is allowed by its hash, and only it.
    let text = r.text();
    let style = between(&text, "<style>", "</style>");
    let hash = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        Sha256::digest(style.as_bytes()),
    );
    assert!(
        csp.contains(&format!("style-src 'sha256-{hash}';")),
        "{csp}"
    );
    assert_eq!(r.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        r.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    // A forged Host never reaches a publicly cached page.
    let path = format!("/hc/en-us/articles/{}", shop.refund_en);
    let forged = app
        .request(HC, "GET", &path)
        .header("host", "evil.example")
        .header("spin-full-url", &format!("https://evil.example{path}"))
        .send()
        .expect(200);
    assert!(!forged.text().contains("evil.example"));
    // Errors too are HTML under the same policy, and never cached.
    let r = page(&app, "/hc/en-us/articles/999999").expect(404);
    assert_eq!(r.header("content-security-policy"), Some(csp));
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn bad_addresses_are_html_not_found_pages() {
    let app = App::new();
    let shop = app.shop_help_center();
    for path in [
        "/hc/en-us/articles/abc".to_owned(),
        "/hc/en-us/articles/0".to_owned(),
        "/hc/en-us/articles/-5".to_owned(),
        "/hc/en-us/articles/99999".to_owned(),
        "/hc/en-us/articles/99999999999999999999999".to_owned(),
        format!("/hc/en-us/articles/{}x", shop.refund_en),
        "/hc/en-us/sections/77".to_owned(),
        "/hc/en-us/categories/nope".to_owned(),
        "/hc/en-us/unknown".to_owned(),
        "/hc/en-us/articles".to_owned(),
        format!("/hc/en-us/articles/{}/comments", shop.refund_en),
        "/hc/fr".to_owned(),
        "/hc/fr/search?query=refund".to_owned(),
        "/hc/not_a_locale!".to_owned(),
        "/hc/%3Cscript%3E".to_owned(),
        "/hc/articles/abc".to_owned(),
        "/hc/articles/424242".to_owned(),
    ] {
        let r = page(&app, &path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        let text = r.text();
        assert!(text.contains("<h1>Page not found</h1>"), "{path}");
        assert!(
            text.contains("<a href=\"/hc/en-us\">Go to the Help Center home</a>"),
            "{path}"
        );
        assert!(!text.contains("<script>"), "{path}");
    }
    // In Korean under a Korean address.
    let r = page(&app, "/hc/ko/articles/99999").expect(404);
    assert!(r.text().contains("<html lang=\"ko\">"));
    assert!(r.text().contains("<h1>페이지를 찾을 수 없습니다</h1>"));
}

#[test]
fn only_get_and_head() {
    let app = App::new();
    let shop = app.shop_help_center();
    let path = format!("/hc/en-us/articles/{}", shop.refund_en);
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let r = app.request(HC, method, &path).send().expect(405);
        assert_eq!(r.header("allow"), Some("GET, HEAD"), "{method}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        assert!(r.text().contains("<h1>Method not allowed</h1>"));
    }
    let get = page(&app, &path).expect(200);
    let head = app.request(HC, "HEAD", &path).send().expect(200);
    assert!(head.body.is_empty());
    for h in ["content-type", "content-security-policy", "cache-control"] {
        assert_eq!(head.header(h), get.header(h), "{h}");
    }
    app.request(HC, "HEAD", "/hc/en-us/articles/99999")
        .send()
        .expect(404);
    // The API next door is unchanged.
    app.request(HC, "GET", "/api/v2/help_center/articles.json")
        .send()
        .expect(200);
}

#[test]
fn korean_pages_speak_korean() {
    let app = App::new();
    let shop = app.shop_help_center();
    let home = html(&app, "/hc/ko");
    assert!(home.contains("<html lang=\"ko\">"));
    assert!(home.contains("<a class=\"brand\" href=\"/hc/ko\">고객센터</a>"));
    assert!(home.contains("<h1>무엇을 도와드릴까요?</h1>"));
    assert!(home.contains("<button type=\"submit\">검색</button>"));
    assert!(
        before(&home, "비밀번호 재설정", "환불 받는 방법"),
        "promoted first"
    );
    assert!(!home.contains("How to get a refund"));
    let article = html(&app, &format!("/hc/ko/articles/{}", shop.refund_ko));
    assert!(article.contains("<h2 id=\"in-section\">이 섹션의 문서</h2>"));
    assert!(article.contains("2026년 11월 18일 업데이트"));
    assert!(article.contains("aria-label=\"현재 위치\""));
    assert!(article.contains("<script src=\"/widget.js\" defer data-locale=\"ko\"></script>"));
}

#[test]
fn home_groups_sections_under_their_categories_in_order() {
    let app = App::new();
    let account = category(&app, "en-us", "Account", 2);
    let orders = category(&app, "en-us", "Orders", 1);
    let login = section(&app, "en-us", account, "Sign-in");
    let profile = section(&app, "en-us", account, "Profile");
    let returns = section(&app, "en-us", orders, "Returns");
    for (s, title) in [
        (login, "Reset your password"),
        (profile, "Change your name"),
        (returns, "Send an item back"),
    ] {
        app.hc_article("en-us", s, json!({"title": title, "body": "<p>x</p>"}));
    }
    let body = html(&app, "/hc/en-us");
    assert!(
        before(&body, ">Orders</a></h2>", ">Account</a></h2>"),
        "by position"
    );
    let orders_card = between(&body, &format!("id=\"category-{orders}\""), "</section>");
    assert!(orders_card.contains("<p class=\"lead\">All about Orders</p>"));
    assert!(
        orders_card.contains(">Returns</a></h3>") && orders_card.contains(">Send an item back</a>")
    );
    assert!(!orders_card.contains("Sign-in"));
    let account_card = between(&body, &format!("id=\"category-{account}\""), "</section>");
    assert!(before(
        account_card,
        ">Sign-in</a></h3>",
        ">Reset your password</a>"
    ));
    assert!(before(
        account_card,
        ">Reset your password</a>",
        ">Profile</a></h3>"
    ));
    assert!(before(
        account_card,
        ">Profile</a></h3>",
        ">Change your name</a>"
    ));
    // Sections in the category page, with their articles.
    let page = html(&app, &format!("/hc/en-us/categories/{account}-account"));
    assert!(page.contains("<h1>Account</h1>"));
    assert!(page.contains("<p class=\"lead\">All about Account</p>"));
    assert!(page.contains(&format!(
        "<h2><a href=\"/hc/en-us/sections/{login}-sign-in\">Sign-in</a></h2>"
    )));
    assert!(page.contains(">Change your name</a>") && !page.contains("Send an item back"));
}

/// The search page opens the help center's database with its query's vocabulary, as the search
/// API does: the index's row is read once, by that first statement, which checks the schema.
#[test]
fn the_search_page_reads_the_index_row_once_with_its_vocabulary() {
    let app = App::new();
    let shop = app.shop_help_center();
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let body = app
        .request(HC, "GET", "/hc/en-us/search?query=refund")
        .header(
            "spin-full-url",
            &format!("{ORIGIN}/hc/en-us/search?query=refund"),
        )
        .send_watching_help_center(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
        .expect(200)
        .text();
    assert!(
        body.contains(&format!("/hc/en-us/articles/{}-", shop.refund_en)),
        "{body}"
    );
    let seen = seen.into_inner();
    assert!(seen[0].contains("FROM hc_index_stats"), "{seen:#?}");
    assert!(seen[0].contains("pragma_user_version"), "{seen:#?}");
    assert!(seen[0].contains("hc_terms"), "the vocabulary: {seen:#?}");
    assert_eq!(
        seen.iter().filter(|s| s.contains("hc_index_stats")).count(),
        1,
        "{seen:#?}"
    );
}
