//! Checks on a whole bot before it is saved: every problem, each pointing at the answer and
//! step it is in and at the JSON path of the offending field, so an editor can highlight it.

use super::api_call;
use super::checker::{At, Checker};
use super::hours;
use super::model::{Answer, Bot, Step};
use super::steps::{
    add_tags, ask_for_details, ask_if_resolved, branch_by_condition, business_hours, link_answer,
    make_api_call, present_options, run_action, send_message, set_variable, show_articles,
    transfer_to_agent,
};
use super::template::{references, render, Escape};
use std::collections::{BTreeMap, BTreeSet};

pub use super::catalog::Catalog;
pub use super::checker::{is_id, Problem};

pub const MAX_ANSWERS: usize = 500;
pub const MAX_STEPS: usize = 2000;
pub const MAX_PHRASES: usize = 100;
pub const MAX_PHRASE_CHARS: usize = 500;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_SUGGESTIONS: usize = 10;
pub const MAX_VARIABLES: usize = 100;
pub const MAX_SCHEDULES: usize = 20;
pub const MAX_HOSTS: usize = 20;

/// Variables every conversation has.
pub const BUILT_IN_VARIABLES: &[&str] = &[
    "customer.name",
    "customer.email",
    "customer.locale",
    "conversation.channel",
    "conversation.last_message",
];

/// Every variable the bot can have: built-ins, declared, and the ones steps fill.
fn known_variables(bot: &Bot, actions: &Catalog) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = BUILT_IN_VARIABLES.iter().map(|s| s.to_string()).collect();
    known.extend(bot.variables.iter().map(|v| v.name.clone()));
    for step in bot.answers.iter().flat_map(|a| &a.steps) {
        match step {
            Step::AskForDetails { fields, .. } => {
                known.extend(fields.iter().map(|f| f.variable.clone()))
            }
            Step::MakeApiCall { save, .. } => known.extend(save.iter().map(|s| s.variable.clone())),
            Step::SetVariable { variable, .. } => {
                known.insert(variable.clone());
            }
            Step::RunAction { action, .. } => known.extend(
                actions
                    .find(action)
                    .into_iter()
                    .flat_map(|a| a.writes.clone()),
            ),
            _ => {}
        }
    }
    known
}

/// Every problem of `bot`, its `run_action` steps checked against `actions`.
pub fn validate(bot: &Bot, actions: &Catalog) -> Vec<Problem> {
    let mut c = Checker {
        bot,
        problems: Vec::new(),
        known_variables: known_variables(bot, actions),
        actions,
    };
    settings(&mut c);
    let total_steps: usize = bot.answers.iter().map(|a| a.steps.len()).sum();
    if bot.answers.len() > MAX_ANSWERS {
        c.top(
            "answers",
            "limit_exceeded",
            format!(
                "{} answers; at most {MAX_ANSWERS} are allowed",
                bot.answers.len()
            ),
        );
    }
    if total_steps > MAX_STEPS {
        c.top(
            "answers",
            "limit_exceeded",
            format!("{total_steps} steps in all answers; at most {MAX_STEPS} are allowed"),
        );
    }
    let mut seen = BTreeSet::new();
    for (ai, answer) in bot.answers.iter().enumerate() {
        let at = At {
            path: format!("answers[{ai}]"),
            answer: &answer.id,
            step: None,
        };
        if !is_id(&answer.id) {
            c.at(
                &at.field("id"),
                "invalid_id",
                "answer ids are 1-64 letters, digits, `-` or `_`",
            );
        } else if !seen.insert(answer.id.as_str()) {
            c.at(
                &at.field("id"),
                "duplicate_id",
                format!("another answer already has id {:?}", answer.id),
            );
        }
        if answer.name.trim().is_empty() {
            c.at(
                &at.field("name"),
                "text_required",
                "the answer needs a name",
            );
        }
        if let Some(label) = &answer.label {
            c.label(&at.field("label"), label);
        }
        for (locale, phrases) in &answer.phrases {
            let pat = at.field(&format!("phrases.{locale}"));
            c.limit(
                &pat,
                phrases.len(),
                MAX_PHRASES,
                "training phrases in one locale",
            );
            if phrases
                .iter()
                .any(|p| p.trim().is_empty() || p.chars().count() > MAX_PHRASE_CHARS)
            {
                c.at(
                    &pat,
                    "invalid_phrase",
                    format!("training phrases are 1-{MAX_PHRASE_CHARS} characters"),
                );
            }
        }
        c.limit(
            &at.field("keywords"),
            answer.keywords.len(),
            MAX_KEYWORDS,
            "keywords",
        );
        if answer.keywords.iter().any(|k| k.trim().is_empty()) {
            c.at(
                &at.field("keywords"),
                "invalid_keyword",
                "a keyword is empty",
            );
        }
        if answer.steps.is_empty() {
            c.at(
                &at.field("steps"),
                "steps_required",
                "an answer needs at least one step",
            );
        }
        steps(&mut c, ai, answer);
    }
    endless_loops(&mut c);
    c.problems
}

fn settings(c: &mut Checker) {
    let bot = c.bot;
    let root = |path: &str| At {
        path: path.to_owned(),
        answer: "",
        step: None,
    };
    c.text(&root("greeting.text"), &bot.greeting.text, true);
    c.limit(
        &root("greeting.suggestions"),
        bot.greeting.suggestions.len(),
        MAX_SUGGESTIONS,
        "suggested answers",
    );
    for (i, id) in bot.greeting.suggestions.iter().enumerate() {
        if bot.answer(id).is_none() {
            c.top(
                &format!("greeting.suggestions[{i}]"),
                "unknown_answer",
                format!("no answer has id {id:?}"),
            );
        }
    }
    if bot.greeting.featured_articles > 3 {
        c.top(
            "greeting.featured_articles",
            "out_of_range",
            "show 0 to 3 featured articles",
        );
    }
    let r = &bot.responses;
    c.text(
        &root("responses.found_articles.text"),
        &r.found_articles.text,
        true,
    );
    if !(1..=3).contains(&r.found_articles.max_articles) {
        c.top(
            "responses.found_articles.max_articles",
            "out_of_range",
            "show 1 to 3 articles",
        );
    }
    c.text(
        &root("responses.after_answer.text"),
        &r.after_answer.text,
        true,
    );
    c.label(
        &root("responses.after_answer.yes_label"),
        &r.after_answer.yes_label,
    );
    c.label(
        &root("responses.after_answer.no_label"),
        &r.after_answer.no_label,
    );
    c.text(
        &root("responses.after_answer.yes_text"),
        &r.after_answer.yes_text,
        true,
    );
    c.text(
        &root("responses.after_answer.no_text"),
        &r.after_answer.no_text,
        true,
    );
    c.text(
        &root("responses.clarification.text"),
        &r.clarification.text,
        true,
    );
    c.text(
        &root("responses.cant_answer.text"),
        &r.cant_answer.text,
        true,
    );
    c.label(
        &root("responses.talk_to_person.label"),
        &r.talk_to_person.label,
    );
    c.text(
        &root("responses.talk_to_person.text"),
        &r.talk_to_person.text,
        true,
    );
    c.tags(
        &root("responses.talk_to_person.tags"),
        &r.talk_to_person.tags,
    );

    c.limit(
        &root("variables"),
        bot.variables.len(),
        MAX_VARIABLES,
        "variables",
    );
    for (i, v) in bot.variables.iter().enumerate() {
        c.variable_name(&root(&format!("variables[{i}].name")), &v.name);
    }
    c.limit(
        &root("schedules"),
        bot.schedules.len(),
        MAX_SCHEDULES,
        "schedules",
    );
    let mut ids = BTreeSet::new();
    for (i, s) in bot.schedules.iter().enumerate() {
        if !is_id(&s.id) || !ids.insert(s.id.as_str()) {
            c.top(
                &format!("schedules[{i}].id"),
                "invalid_id",
                "schedule ids are unique, 1-64 letters, digits, `-` or `_`",
            );
        }
        if let Err(why) = hours::check(s) {
            c.top(&format!("schedules[{i}]"), "invalid_schedule", why);
        }
    }
    c.limit(
        &root("allowed_hosts"),
        bot.allowed_hosts.len(),
        MAX_HOSTS,
        "allowed hosts",
    );
    for (i, h) in bot.allowed_hosts.iter().enumerate() {
        let ok = !h.is_empty()
            && h.len() <= 253
            && h.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | ':'));
        if !ok {
            c.top(
                &format!("allowed_hosts[{i}]"),
                "invalid_host",
                format!("{h:?} is not a host name (like api.example.com or api.example.com:8443)"),
            );
        }
    }
    if bot.handoff_keywords.iter().any(|k| k.trim().is_empty()) {
        c.top(
            "handoff_keywords",
            "invalid_keyword",
            "a hand-off keyword is empty",
        );
    }
    if let Some(url) = &bot.article_url {
        if let Err(why) = check_article_url(url) {
            c.top("article_url", "invalid_url", why);
        }
    }
}

/// The variables an `article_url` may contain.
pub const ARTICLE_URL_VARIABLES: &[&str] = &["article.id", "article.locale"];
pub const MAX_ARTICLE_URL_CHARS: usize = 500;

/// An absolute http(s) URL with a literal host and only [`ARTICLE_URL_VARIABLES`] in it.
fn check_article_url(url: &str) -> Result<(), String> {
    let wants = "an absolute http(s) URL with {{article.id}}, like \
                 https://help.example.com/hc/{{article.locale}}/articles/{{article.id}}";
    if url.chars().count() > MAX_ARTICLE_URL_CHARS {
        return Err(format!(
            "article_url is longer than {MAX_ARTICLE_URL_CHARS} characters"
        ));
    }
    if let Some(other) = references(url)
        .into_iter()
        .find(|r| !ARTICLE_URL_VARIABLES.contains(r))
    {
        return Err(format!(
            "article_url may use {{{{article.id}}}} and {{{{article.locale}}}}, not {{{{{other}}}}}"
        ));
    }
    if !references(url).contains(&"article.id") {
        return Err(format!("article_url needs {{{{article.id}}}}: {wants}"));
    }
    let sample = render(
        url,
        &[("article.id", "1"), ("article.locale", "en-us")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Escape::Url,
    );
    let host_part = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    match sample.parse::<http::Uri>() {
        Ok(uri)
            if matches!(uri.scheme_str(), Some("https" | "http"))
                && uri.host().is_some_and(|h| !h.is_empty())
                && references(host_part).is_empty() =>
        {
            Ok(())
        }
        _ => Err(format!("{url:?} is not {wants}")),
    }
}

fn steps(c: &mut Checker, ai: usize, answer: &Answer) {
    let mut ids = BTreeSet::new();
    for (si, step) in answer.steps.iter().enumerate() {
        let at = At {
            path: format!("answers[{ai}].steps[{si}]"),
            answer: &answer.id,
            step: Some(step.id()),
        };
        if !is_id(step.id()) {
            c.at(
                &at.field("id"),
                "invalid_id",
                "step ids are 1-64 letters, digits, `-` or `_`",
            );
        } else if !ids.insert(step.id()) {
            c.at(
                &at.field("id"),
                "duplicate_id",
                format!("another step of this answer has id {:?}", step.id()),
            );
        }
        for (field, target) in step.targets() {
            if answer.step(target).is_none() {
                c.at(
                    &at.field(&field),
                    "unknown_step",
                    format!("answer {:?} has no step {target:?}", answer.id),
                );
            }
        }
        match step {
            Step::SendMessage { text, .. } => send_message::check(c, &at, text),
            Step::PresentOptions { text, options, .. } => {
                present_options::check(c, &at, text, options)
            }
            Step::AskForDetails { text, fields, .. } => {
                ask_for_details::check(c, &at, text.as_ref(), fields)
            }
            Step::ShowArticles {
                text,
                article_ids,
                search,
                ..
            } => show_articles::check(c, &at, text.as_ref(), article_ids, search.as_deref()),
            Step::AskIfResolved { text, .. } => ask_if_resolved::check(c, &at, text.as_ref()),
            Step::MakeApiCall {
                method,
                url,
                headers,
                secret_headers,
                body,
                save,
                ..
            } => {
                let call = api_call::Call {
                    method: *method,
                    url,
                    headers,
                    secret_headers,
                    body: body.as_deref(),
                    save,
                };
                make_api_call::check(c, &at, &call)
            }
            Step::RunAction { action, inputs, .. } => run_action::check(c, &at, action, inputs),
            Step::SetVariable {
                variable, value, ..
            } => set_variable::check(c, &at, variable, value),
            Step::BranchByCondition {
                branches,
                otherwise,
                ..
            } => branch_by_condition::check(c, &at, branches, otherwise),
            Step::BusinessHours {
                schedule,
                open,
                closed,
                ..
            } => business_hours::check(c, &at, schedule, open, closed),
            Step::LinkAnswer { answer: target, .. } => link_answer::check(c, &at, target),
            Step::AddTags { tags, .. } => add_tags::check(c, &at, tags),
            Step::TransferToAgent {
                text, tags, group, ..
            } => transfer_to_agent::check(c, &at, text.as_ref(), tags, group.as_deref()),
        }
    }
    unreachable_steps(c, ai, answer);
}

/// Steps that no path from the answer's first step reaches.
fn unreachable_steps(c: &mut Checker, ai: usize, answer: &Answer) {
    let Some(first) = answer.steps.first() else {
        return;
    };
    let mut reached = BTreeSet::from([first.id()]);
    let mut queue = vec![first];
    while let Some(step) = queue.pop() {
        for (_, target) in step.targets() {
            if let Some(next) = answer.step(target) {
                if reached.insert(next.id()) {
                    queue.push(next);
                }
            }
        }
    }
    for (si, step) in answer.steps.iter().enumerate() {
        if !reached.contains(step.id()) {
            let at = At {
                path: format!("answers[{ai}].steps[{si}]"),
                answer: &answer.id,
                step: Some(step.id()),
            };
            c.at(
                &at,
                "unreachable_step",
                format!(
                    "no step leads to {:?}: link it from another step or delete it",
                    step.id()
                ),
            );
        }
    }
}

/// Steps that wait for the customer end a turn; a cycle without one would run until the loop
/// guard stops it, every time. Such cycles (within an answer or through answer links) are errors.
fn endless_loops(c: &mut Checker) {
    let bot = c.bot;
    let waits = |s: &Step| {
        matches!(
            s,
            Step::PresentOptions { .. } | Step::AskForDetails { .. } | Step::AskIfResolved { .. }
        )
    };
    // Nodes are (answer index, step index); edges follow targets and answer links.
    let edges = |ai: usize, si: usize| -> Vec<(usize, usize)> {
        let answer = &bot.answers[ai];
        let step = &answer.steps[si];
        if waits(step) {
            return Vec::new();
        }
        if let Step::LinkAnswer { answer: target, .. } = step {
            return bot
                .answers
                .iter()
                .position(|a| &a.id == target)
                .filter(|&t| !bot.answers[t].steps.is_empty())
                .map(|t| (t, 0))
                .into_iter()
                .collect();
        }
        step.targets()
            .into_iter()
            .filter_map(|(_, t)| answer.steps.iter().position(|s| s.id() == t))
            .map(|s| (ai, s))
            .collect()
    };
    // Iterative depth-first search with colours: 1 = on the stack, 2 = done.
    let mut colour: BTreeMap<(usize, usize), u8> = BTreeMap::new();
    let mut reported = BTreeSet::new();
    for ai in 0..bot.answers.len() {
        for si in 0..bot.answers[ai].steps.len() {
            if colour.contains_key(&(ai, si)) {
                continue;
            }
            let mut stack = vec![((ai, si), edges(ai, si), 0usize)];
            colour.insert((ai, si), 1);
            while let Some((node, next, i)) = stack.last_mut() {
                if let Some(&target) = next.get(*i) {
                    *i += 1;
                    match colour.get(&target) {
                        Some(1) => {
                            if reported.insert(target) {
                                let (ta, ts) = target;
                                let answer = &bot.answers[ta];
                                let step = &answer.steps[ts];
                                let at = At {
                                    path: format!("answers[{ta}].steps[{ts}]"),
                                    answer: &answer.id,
                                    step: Some(step.id()),
                                };
                                c.at(&at, "endless_loop", "this step starts a loop that never waits for the customer; add an options, form or ask-if-resolved step to the loop, or end it");
                            }
                        }
                        Some(_) => {}
                        None => {
                            colour.insert(target, 1);
                            stack.push((target, edges(target.0, target.1), 0));
                        }
                    }
                } else {
                    colour.insert(*node, 2);
                    stack.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn bot(answers: Value) -> Bot {
        serde_json::from_value(json!({
            "variables": [{"name": "plan", "value": "free"}],
            "schedules": [{"id": "office", "time_zone": "Asia/Seoul",
                           "hours": [{"days": ["mon"], "open": "09:00", "close": "18:00"}]}],
            "allowed_hosts": ["api.example.com"],
            "answers": answers
        }))
        .unwrap()
    }

    fn codes(b: &Bot) -> Vec<(String, &'static str)> {
        validate(b, &Catalog::default())
            .into_iter()
            .map(|p| (p.path, p.code))
            .collect()
    }

    #[test]
    fn a_sound_bot_has_no_problems() {
        let b = bot(
            json!([{"id": "a", "name": "A", "phrases": {"en": ["hi"]}, "steps": [
                {"type": "set_variable", "id": "s0", "variable": "total", "value": "10", "next": "s1"},
                {"type": "branch_by_condition", "id": "s1", "branches": [
                    {"conditions": [{"variable": "plan", "operator": "is", "value": "vip"}], "next": "s2"}],
                 "else": "s3"},
                {"type": "send_message", "id": "s2", "text": "VIP {{plan}} {{total}}"},
                {"type": "make_api_call", "id": "s3", "method": "GET",
                 "url": "https://api.example.com/orders/{{customer.email}}",
                 "save": [{"variable": "status", "path": "order.status"}], "success": "s4"},
                {"type": "business_hours", "id": "s4", "schedule": "office", "open": "s5", "closed": "s2"},
                {"type": "transfer_to_agent", "id": "s5", "tags": ["status_{{status}}"]}
            ]}]),
        );
        assert_eq!(validate(&b, &Catalog::default()), vec![]);
    }

    #[test]
    fn references_point_at_the_offending_step() {
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "send_message", "id": "s1", "text": "hi", "next": "nowhere"},
            {"type": "link_answer", "id": "s2", "answer": "ghost"}
        ]}]));
        let problems = validate(&b, &Catalog::default());
        let unknown = problems.iter().find(|p| p.code == "unknown_step").unwrap();
        assert_eq!(unknown.path, "answers[0].steps[0].next");
        assert_eq!(unknown.answer.as_deref(), Some("a"));
        assert_eq!(unknown.step.as_deref(), Some("s1"));
        assert!(unknown.message.contains("nowhere"));
        assert!(codes(&b).contains(&("answers[0].steps[1].answer".into(), "unknown_answer")));
        assert!(codes(&b).contains(&("answers[0].steps[1]".into(), "unreachable_step")));
    }

    #[test]
    fn a_branch_without_else_is_refused() {
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "branch_by_condition", "id": "s1", "branches": [
                {"conditions": [{"variable": "plan", "operator": "matches_pattern", "value": "(x"}], "next": "s2"}]},
            {"type": "send_message", "id": "s2", "text": "hi"}
        ]}]));
        let c = codes(&b);
        assert!(
            c.contains(&("answers[0].steps[0].else".into(), "missing_else")),
            "{c:?}"
        );
        assert!(c.contains(&(
            "answers[0].steps[0].branches[0].conditions[0].value".into(),
            "invalid_pattern"
        )));
    }

    #[test]
    fn unknown_variables_are_typos() {
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "send_message", "id": "s1", "text": "Hi {{custmer.name}}"}
        ]}]));
        assert_eq!(
            codes(&b),
            vec![("answers[0].steps[0].text".into(), "unknown_variable")]
        );
    }

    #[test]
    fn limits() {
        let phrases: Vec<String> = (0..101).map(|i| format!("phrase {i}")).collect();
        let options: Vec<Value> = (0..11).map(|i| json!({"label": format!("o{i}")})).collect();
        let b = bot(
            json!([{"id": "a", "name": "A", "phrases": {"en": phrases}, "steps": [
                {"type": "present_options", "id": "s1", "text": "pick", "options": options}
            ]}]),
        );
        let c = codes(&b);
        assert!(
            c.contains(&("answers[0].phrases.en".into(), "limit_exceeded")),
            "{c:?}"
        );
        assert!(
            c.contains(&("answers[0].steps[0].options".into(), "limit_exceeded")),
            "{c:?}"
        );

        let many: Vec<Value> = (0..501)
            .map(|i| {
                json!({"id": format!("a{i}"), "name": "x", "steps": [
                {"type": "send_message", "id": "s1", "text": "x"},
                {"type": "send_message", "id": "s2", "text": "x"},
                {"type": "send_message", "id": "s3", "text": "x"},
                {"type": "send_message", "id": "s4", "text": "x"},
                {"type": "send_message", "id": "s5", "text": "x"}]})
            })
            .collect();
        let mut b = bot(json!(many));
        for a in &mut b.answers {
            a.steps.truncate(1);
        }
        assert!(validate(&b, &Catalog::default())
            .iter()
            .any(|p| p.message == "501 answers; at most 500 are allowed"));
        b.answers.truncate(401);
        let five = bot(json!(many)).answers[0].steps.clone();
        for a in &mut b.answers {
            a.steps = five.clone();
            for (i, s) in a.steps.iter_mut().enumerate() {
                if let Step::SendMessage { next, .. } = s {
                    *next = (i < 4).then(|| format!("s{}", i + 2));
                }
            }
        }
        let p = validate(&b, &Catalog::default());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0].message,
            "2005 steps in all answers; at most 2000 are allowed"
        );
    }

    #[test]
    fn api_calls_only_reach_allowed_hosts_and_never_a_variable_host() {
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "make_api_call", "id": "s1", "method": "POST", "url": "https://evil.example.net/x", "success": "s2"},
            {"type": "make_api_call", "id": "s2", "method": "GET", "url": "https://{{plan}}.example.com/x", "success": "s3"},
            {"type": "make_api_call", "id": "s3", "method": "GET", "url": "ftp://api.example.com/x",
             "headers": {"bad header": "x"}}
        ]}]));
        let c = codes(&b);
        assert!(
            c.contains(&("answers[0].steps[0].url".into(), "host_not_allowed")),
            "{c:?}"
        );
        assert!(
            c.contains(&("answers[0].steps[1].url".into(), "variable_in_host")),
            "{c:?}"
        );
        assert!(
            c.contains(&("answers[0].steps[2].url".into(), "invalid_url")),
            "{c:?}"
        );
        assert!(
            c.contains(&(
                "answers[0].steps[2].headers.bad header".into(),
                "invalid_header"
            )),
            "{c:?}"
        );
    }

    #[test]
    fn loops_that_never_wait_are_refused_but_loops_through_a_question_are_fine() {
        let b = bot(json!([
            {"id": "a", "name": "A", "steps": [
                {"type": "send_message", "id": "s1", "text": "x", "next": "s2"},
                {"type": "link_answer", "id": "s2", "answer": "b"}]},
            {"id": "b", "name": "B", "steps": [
                {"type": "link_answer", "id": "s1", "answer": "a"}]}
        ]));
        assert!(codes(&b).iter().any(|(_, code)| *code == "endless_loop"));
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "present_options", "id": "s1", "text": "again?", "options": [
                {"label": "yes", "next": "s2"}]},
            {"type": "send_message", "id": "s2", "text": "ok", "next": "s1"}]}]));
        assert_eq!(validate(&b, &Catalog::default()), vec![]);
    }

    #[test]
    fn forms_and_schedules() {
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "ask_for_details", "id": "s1", "fields": [
                {"variable": "topic", "kind": "select", "label": "Topic?"},
                {"variable": "code", "kind": "text", "label": "Code?", "pattern": "(x"},
                {"variable": "qty", "kind": "number", "label": "How many?", "min": 5, "max": 1},
                {"variable": "x", "kind": "email", "label": "Email?", "ticket_field": "assignee"}
            ], "next": "s2"},
            {"type": "business_hours", "id": "s2", "schedule": "nope", "open": "s1"}]}]));
        let c = codes(&b);
        for want in [
            ("answers[0].steps[0].fields[0].options", "options_required"),
            ("answers[0].steps[0].fields[1].pattern", "invalid_pattern"),
            ("answers[0].steps[0].fields[2].min", "out_of_range"),
            (
                "answers[0].steps[0].fields[3].ticket_field",
                "invalid_ticket_field",
            ),
            ("answers[0].steps[1].schedule", "unknown_schedule"),
        ] {
            assert!(
                c.contains(&(want.0.into(), want.1)),
                "{want:?} not in {c:?}"
            );
        }
    }
}
