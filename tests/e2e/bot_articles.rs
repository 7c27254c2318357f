//! Help-center articles in real conversations: articles written through the Help Center API,
//! suggested by the bot to widget visitors — found for their own words, fixed by an answer's
//! step, featured under the greeting — published ones only, in the conversation's language.

use spindesk_core::ports::Value;
use spindesk_tests::help_center::ShopArticles;
use spindesk_tests::{bot_messages, json, App, Json};

const CANT_ANSWER: &str =
    "Sorry, I don't know the answer to that yet. Try other words, or talk to a person.";
const FOUND: &str = "These articles might help:";
const DID_IT_HELP: &str = "Did this answer your question?";

/// The bot's messages of one widget reply.
fn said(reply: &Json) -> Vec<(String, Vec<String>)> {
    bot_messages(reply["messages"].as_array().expect("messages"))
}

fn labels(of: &[&str]) -> Vec<String> {
    of.iter().map(|s| (*s).to_owned()).collect()
}

/// The article titles a message lists: each article is a paragraph whose first line is the
/// title (the first paragraph is the text the articles were shown with).
fn titles(message: &str) -> Vec<String> {
    message
        .split("\n\n")
        .skip(1)
        .map(|p| p.lines().next().unwrap_or_default().to_owned())
        .collect()
}

fn setup() -> (App, ShopArticles) {
    let app = App::new();
    let articles = app.shop_help_center();
    (app, articles)
}

#[test]
fn a_visitors_question_gets_the_article_that_answers_it_and_an_off_topic_one_gets_none() {
    // The starter bot: no answers of its own, so questions go to the help center.
    let (app, _) = setup();
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);

    let r = app.say(&v, "How do I get my money back?", None);
    let messages = said(&r);
    assert_eq!(messages.len(), 2, "{messages:?}");
    let (text, actions) = &messages[0];
    assert!(text.starts_with(FOUND), "{text}");
    assert_eq!(titles(text)[0], "How to get a refund", "{text}");
    // Without an article_url the customer reads the start of the article instead of a link.
    assert!(
        text.contains("Refunds go back to the card or bank account you paid with"),
        "{text}"
    );
    assert!(!text.contains("Reset your password"), "{text}");
    assert!(
        !text.contains("internal draft"),
        "drafts are never suggested: {text}"
    );
    assert!(actions.is_empty());
    assert_eq!(
        messages[1],
        (DID_IT_HELP.to_owned(), labels(&["Yes", "No"]))
    );

    let r = app.say(&v, "What's the weather like on Mars?", None);
    assert_eq!(
        said(&r),
        [(CANT_ANSWER.to_owned(), labels(&["Talk to a person"]))]
    );

    // The widget loads the same messages later (what it renders: text and actions).
    let history = bot_messages(&app.history(&v));
    assert!(history.contains(&messages[0]));
}

#[test]
fn the_greeting_features_promoted_articles_and_keeps_its_quick_replies() {
    let (app, _) = setup();
    let v = app.visitor("en-US");
    let greeting = said(&app.say(&v, "hello", None));
    assert_eq!(greeting.len(), 1, "one message: {greeting:?}");
    let (text, actions) = &greeting[0];
    assert!(
        text.starts_with("Hi! I'm the Spindesk bot. Ask me anything, or talk to a person.\n\n"),
        "{text}"
    );
    // Only the promoted English article; the Korean promoted one is in another language.
    assert_eq!(titles(text), ["Shipping times and costs"], "{text}");
    assert_eq!(actions, &labels(&["Talk to a person"]));
}

#[test]
fn korean_visitors_get_korean_articles() {
    let (app, _) = setup();
    let v = app.visitor("ko-KR");
    let greeting = said(&app.say(&v, "안녕하세요", None));
    assert!(greeting[0].0.starts_with("안녕하세요! Spindesk 봇입니다."));
    assert_eq!(titles(&greeting[0].0), ["비밀번호 재설정"]);
    assert_eq!(greeting[0].1, labels(&["상담원 연결"]));

    let r = said(&app.say(&v, "환불은 어떻게 받나요?", None));
    assert!(
        r[0].0.starts_with("다음 도움말이 도움이 될 수 있어요:"),
        "{r:?}"
    );
    assert_eq!(titles(&r[0].0), ["환불 받는 방법"], "{r:?}");
    assert_eq!(
        r[1],
        (
            "궁금한 점이 해결되었나요?".to_owned(),
            labels(&["네", "아니요"])
        )
    );
}

#[test]
fn a_language_without_articles_reads_the_bots_default_locale() {
    let (app, _) = setup();
    let v = app.visitor("fr-FR");
    let greeting = said(&app.say(&v, "bonjour", None));
    assert_eq!(titles(&greeting[0].0), ["Shipping times and costs"]);
    let r = said(&app.say(&v, "refund", None));
    assert_eq!(titles(&r[0].0)[0], "How to get a refund", "{r:?}");
}

#[test]
fn unpublishing_an_article_takes_it_out_of_suggestions() {
    let (app, a) = setup();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let before = said(&app.say(&v, "how do I get a refund", None));
    assert!(titles(&before[0].0).contains(&"How to get a refund".to_owned()));

    app.hc_update(a.refund_en, json!({"draft": true}));
    let after = said(&app.say(&v, "how do I get a refund", None));
    assert!(
        after
            .iter()
            .all(|(text, _)| !text.contains("How to get a refund")),
        "{after:?}"
    );
}

/// A published bot that links articles and shows fixed ones in an answer.
fn linking_bot(a: &ShopArticles) -> Json {
    json!({
        "article_url": "https://help.example.com/hc/{{article.locale}}/articles/{{article.id}}",
        "greeting": {"featured_articles": 1},
        "answers": [{
            "id": "password", "name": "Password help",
            "phrases": {"en": ["I forgot my password"], "ko": ["비밀번호를 잊어버렸어요"]},
            "steps": [{"type": "show_articles", "id": "fixed",
                       "text": {"en": "Start here:", "ko": "먼저 읽어 보세요:"},
                       "article_ids": [a.password_en, a.password_ko, a.draft_en]}]
        }]
    })
}

#[test]
fn articles_link_to_the_bots_article_url_and_fixed_ids_follow_the_language() {
    let (app, a) = setup();
    app.publish_bot(&linking_bot(&a));

    let v = app.visitor("en-US");
    let greeting = said(&app.say(&v, "hello", None));
    assert_eq!(
        greeting[0].0,
        format!(
            "Hi! I'm the virtual assistant. Ask me anything, or pick a topic below.\n\n\
             Shipping times and costs\nhttps://help.example.com/hc/en-us/articles/{}",
            a.shipping_en
        )
    );
    let r = said(&app.say(&v, "I forgot my password", None));
    assert_eq!(
        r,
        [
            (
                format!(
                    "Start here:\n\nReset your password\n\
                     https://help.example.com/hc/en-us/articles/{}",
                    a.password_en
                ),
                vec![]
            ),
            (DID_IT_HELP.to_owned(), labels(&["Yes", "No"]))
        ]
    );

    let v = app.visitor("ko");
    let r = said(&app.say(&v, "비밀번호를 잊어버렸어요", None));
    // The greeting (its featured article is the Korean promoted one), then the answer.
    assert_eq!(
        r[1].0,
        format!(
            "먼저 읽어 보세요:\n\n비밀번호 재설정\nhttps://help.example.com/hc/ko/articles/{}",
            a.password_ko
        )
    );
}

#[test]
fn an_article_url_must_be_an_absolute_link_with_the_article_id() {
    let app = App::new();
    for bad in [
        "/hc/articles/{{article.id}}",
        "https://help.example.com/articles",
        "https://help.example.com/{{customer.email}}/{{article.id}}",
        "https://{{article.locale}}.example.com/{{article.id}}",
    ] {
        let r = app
            .request("bot", "POST", "/api/bot/validate")
            .admin()
            .json(&json!({ "article_url": bad }))
            .send()
            .expect(422);
        let e = &r.json()["errors"][0];
        assert_eq!(e["code"], "invalid_url", "{bad}");
        assert_eq!(e["source"]["pointer"], "article_url", "{bad}");
    }
}

#[test]
fn the_simulator_suggests_the_same_articles_as_a_conversation() {
    let (app, a) = setup();
    app.publish_bot(&linking_bot(&a));
    let inputs = [
        "hello",
        "How do I get my money back?",
        "I forgot my password",
    ];
    let v = app.visitor("en");
    let mut widget = Vec::new();
    for input in inputs {
        widget.extend(said(&app.say(&v, input, None)).into_iter().map(|m| m.0));
    }
    let r = app
        .request("bot", "POST", "/api/bot/simulate")
        .admin()
        .json(&json!({"inputs": inputs}))
        .send()
        .expect(200)
        .json();
    let transcript = r["transcript"].as_array().expect("transcript");
    let simulated: Vec<String> = transcript
        .iter()
        .filter_map(|l| l["rendered"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(widget, simulated);
    let found = transcript
        .iter()
        .find(|l| l["type"] == "articles")
        .expect("an articles line");
    assert_eq!(found["articles"][0]["id"], a.shipping_en);
    assert!(
        simulated.iter().any(|t| t.contains(&format!(
            "How to get a refund\nhttps://help.example.com/hc/en-us/articles/{}",
            a.refund_en
        ))),
        "{simulated:?}"
    );
}

#[test]
fn without_an_article_url_articles_link_to_spindesks_own_pages_under_public_base_url() {
    let app = App::with_config(
        spindesk_native::MapConfig::default()
            .with("admin_token", spindesk_tests::ADMIN_TOKEN)
            .with("public_base_url", "https://support.example.com/"),
    );
    let a = app.shop_help_center();
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let messages = said(&app.say(&v, "How do I get my money back?", None));
    let link = format!(
        "https://support.example.com/hc/en-us/articles/{}",
        a.refund_en
    );
    assert!(messages[0].0.contains(&link), "{:?}", messages[0].0);
    // The link opens the article's public page.
    let page = app
        .request(
            "help-center",
            "GET",
            &format!("/hc/en-us/articles/{}", a.refund_en),
        )
        .send()
        .expect(200);
    assert!(page.text().contains("How to get a refund"));

    // The bot's own article_url still wins.
    app.publish_bot(&linking_bot(&a));
    let v = app.visitor("en-US");
    let greeting = said(&app.say(&v, "hello", None));
    assert!(
        greeting[0]
            .0
            .contains("https://help.example.com/hc/en-us/articles/"),
        "{}",
        greeting[0].0
    );
}

/// A question the bot answers from the help center reads the help center's vocabulary once
/// (the words' article counts with the index's totals, whether the customer's language has
/// articles, and a misspelt word's corrections) and the suggested articles once
/// (their start comes with the candidates): on Spin every statement is a round trip to the
/// host, and three in four turns search.
#[test]
fn a_search_reads_the_vocabulary_once_and_the_suggested_articles_once() {
    let (app, _) = setup();
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let r = app
        .widget_message(&v, "How do I get my monney back?", None)
        .send_watching_help_center(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
        .expect(201)
        .json();
    let seen = seen.into_inner();
    let reading = |what: &str| seen.iter().filter(|s| s.contains(what)).count();
    assert_eq!(reading("FROM hc_index_stats"), 1, "{seen:#?}");
    assert_eq!(reading("FROM hc_terms WHERE term IN"), 1, "{seen:#?}");
    assert_eq!(
        reading("FROM hc_articles a WHERE a.draft = 0"),
        1,
        "the customer's language was asked about with the vocabulary: {seen:#?}"
    );
    let vocabulary = seen
        .iter()
        .find(|s| s.contains("FROM hc_index_stats"))
        .expect("read");
    assert!(vocabulary.contains("FROM hc_articles a"), "{vocabulary}");
    assert_eq!(
        reading("CROSS JOIN hc_terms c"),
        1,
        "one correction look-up, for the misspelt word: {seen:#?}"
    );
    assert!(
        vocabulary.contains("CROSS JOIN hc_terms c"),
        "the corrections' look-up came with the vocabulary: {vocabulary}"
    );
    assert!(
        vocabulary.contains("pragma_user_version"),
        "the schema check came with the vocabulary: {vocabulary}"
    );
    assert_eq!(
        seen.len(),
        3,
        "the vocabulary, the postings, the articles: {seen:#?}"
    );
    assert_eq!(
        seen.iter().filter(|s| s.starts_with("SELECT a.id")).count(),
        1,
        "{seen:#?}"
    );
    let messages = said(&r);
    assert_eq!(
        titles(&messages[0].0)[0],
        "How to get a refund",
        "{messages:?}"
    );
    assert!(
        messages[0]
            .0
            .contains("Refunds go back to the card or bank account you paid with"),
        "{messages:?}"
    );
}

/// A help center one version behind (as after an upgrade that added version 4) is brought up
/// to date by the bot's first search, whose schema check came with its vocabulary read: the
/// search runs again on the upgraded database and still answers.
#[test]
fn the_bots_first_search_still_upgrades_a_help_center_that_is_behind() {
    let (app, _) = setup();
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    app.help_center_back_to_version_3();
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let r = app
        .widget_message(&v, "How do I get my money back?", None)
        .send_watching_help_center(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
        .expect(201)
        .json();
    let messages = said(&r);
    assert_eq!(
        titles(&messages[0].0)[0],
        "How to get a refund",
        "{messages:?}"
    );
    assert_eq!(app.help_center_count("PRAGMA user_version"), 4);
    assert!(
        app.help_center_count("SELECT count(*) FROM hc_published_counts") > 0,
        "the upgrade counted the published articles"
    );
    let vocabulary_reads = seen
        .borrow()
        .iter()
        .filter(|s| s.contains("FROM hc_index_stats"))
        .count();
    assert_eq!(
        vocabulary_reads, 2,
        "read again after the upgrade: {seen:#?}"
    );
}

/// The bot's reply of several messages (the articles, then "did it help?") goes in with one
/// statement under the write lock, in order, each with the next sequence number.
#[test]
fn a_reply_of_several_messages_is_stored_by_one_statement_in_order() {
    let (app, _) = setup();
    let v = app.visitor("en-US");
    app.say(&v, "hello", None);
    let (r, seen) = app
        .widget_message(&v, "How do I get my money back?", None)
        .send_listing();
    let r = r.expect(201).json();
    let (_, held) = seen.around_write();
    let inserts: Vec<&String> = held
        .iter()
        .filter(|s| s.contains("INSERT INTO messages"))
        .collect();
    assert_eq!(
        inserts.len(),
        2,
        "the customer's message, then the bot's two: {held:#?}"
    );
    let said = said(&r);
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[0].0.starts_with(FOUND), "{said:?}");
    assert_eq!(said[1].0, DID_IT_HELP, "{said:?}");

    let stored = app.rows(
        "SELECT m.seq, m.author_type, m.text, c.last_seq FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         WHERE c.public_id = ? ORDER BY m.seq",
        &[v.conversation_id.clone().into()],
    );
    let last = stored.len() - 1;
    let seq = |i: usize| match &stored[i][0] {
        Value::Integer(n) => *n,
        other => panic!("seq {other:?}"),
    };
    for i in 1..stored.len() {
        assert_eq!(seq(i), seq(i - 1) + 1, "no gap: {stored:?}");
    }
    assert_eq!(
        stored[last - 2][2],
        Value::Text("How do I get my money back?".into())
    );
    assert_eq!(stored[last - 1][1], Value::Text("bot".into()));
    assert_eq!(stored[last - 1][2], Value::Text(said[0].0.clone()));
    assert_eq!(stored[last][2], Value::Text(DID_IT_HELP.into()));
    assert_eq!(
        stored[last][3],
        Value::Integer(seq(last)),
        "the conversation moved on"
    );
    let seqs: Vec<i64> = r["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, [seq(last - 2), seq(last - 1), seq(last)], "{r}");
}
