use super::*;
use serde_json::json;

#[test]
fn text_resolves_exact_then_language_then_default() {
    let t = Text::en_ko("Hi", "안녕");
    assert_eq!(t.resolve("ko-KR", "en"), "안녕");
    assert_eq!(t.resolve("ko", "en"), "안녕");
    assert_eq!(t.resolve("fr", "ko"), "안녕");
    assert_eq!(t.resolve("fr", "de"), "Hi");
    assert_eq!(Text::Plain("x".into()).resolve("ko", "en"), "x");
}

#[test]
fn a_misspelt_field_is_refused() {
    let e = serde_json::from_value::<Step>(
        json!({"type": "send_message", "id": "a", "text": "hi", "nxt": "b"}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nxt"), "{e}");
}

#[test]
fn an_unknown_step_type_is_refused() {
    let e = serde_json::from_value::<Step>(json!({"type": "teleport", "id": "a"})).unwrap_err();
    assert!(e.to_string().contains("teleport"), "{e}");
}

#[test]
fn an_empty_document_is_a_bot_with_defaults() {
    let bot: Bot = serde_json::from_value(json!({})).unwrap();
    assert_eq!(bot.default_locale, "en");
    assert!(bot.greeting.offer_person);
    assert_eq!(
        bot.responses.talk_to_person.label.resolve("ko", "en"),
        "상담원 연결"
    );
    assert!(bot.handoff_keywords.contains(&"상담원".to_owned()));
}

#[test]
fn steps_round_trip_with_else_spelled_as_in_json() {
    let v = json!({"type": "branch_by_condition", "id": "b", "branches": [
        {"name": "vip", "match": "any", "conditions": [
            {"variable": "plan", "operator": "is", "value": "vip"}], "next": "c"}],
        "else": "d"});
    let step: Step = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(
        step.targets(),
        vec![
            ("branches[0].next".to_owned(), "c"),
            ("else".to_owned(), "d")
        ]
    );
    assert_eq!(serde_json::to_value(&step).unwrap(), v);
}
