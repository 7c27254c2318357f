//! Checks on a whole bot before it is saved: every problem, each pointing at the answer and
//! step it is in and at the JSON path of the offending field, so an editor can highlight it.

use super::condition::{compile_pattern, Operator};
use super::hours;
use super::model::{Bot, FieldKind, Step, Text};
use super::template::{is_variable_name, references};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const MAX_ANSWERS: usize = 500;
pub const MAX_STEPS: usize = 2000;
pub const MAX_PHRASES: usize = 100;
pub const MAX_PHRASE_CHARS: usize = 500;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_SUGGESTIONS: usize = 10;
pub const MAX_OPTIONS: usize = 10;
pub const MAX_LABEL_CHARS: usize = 40;
pub const MAX_TEXT_CHARS: usize = 4096;
pub const MAX_BRANCHES: usize = 20;
pub const MAX_CONDITIONS: usize = 20;
pub const MAX_FIELDS: usize = 20;
pub const MAX_ARTICLES: usize = 6;
pub const MAX_TAGS: usize = 20;
pub const MAX_HEADERS: usize = 20;
pub const MAX_SAVED: usize = 20;
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

/// Where ticket fields may be written at hand-off.
pub const TICKET_FIELDS: &[&str] = &["requester.name", "requester.email", "subject", "priority"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON path of the offending value, e.g. `answers[2].steps[3].branches[0].next`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub code: &'static str,
    pub message: String,
}

/// An id of an answer, step or schedule: 1-64 of letters, digits, `-`, `_`.
pub fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

struct Checker<'b> {
    bot: &'b Bot,
    problems: Vec<Problem>,
    known_variables: BTreeSet<String>,
}

/// The path of answer `a`, step `s`.
struct At<'x> {
    path: String,
    answer: &'x str,
    step: Option<&'x str>,
}

impl<'x> At<'x> {
    fn field(&self, field: &str) -> At<'x> {
        At {
            path: format!("{}.{field}", self.path),
            answer: self.answer,
            step: self.step,
        }
    }
}

impl Checker<'_> {
    fn at(&mut self, at: &At, code: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: at.path.clone(),
            answer: (!at.answer.is_empty()).then(|| at.answer.to_owned()),
            step: at.step.map(str::to_owned),
            code,
            message: message.into(),
        });
    }

    fn top(&mut self, path: &str, code: &'static str, message: impl Into<String>) {
        let at = At {
            path: path.to_owned(),
            answer: "",
            step: None,
        };
        self.at(&at, code, message);
    }

    fn limit(&mut self, at: &At, count: usize, max: usize, what: &str) {
        if count > max {
            self.at(
                at,
                "limit_exceeded",
                format!("{count} {what}; at most {max} are allowed"),
            );
        }
    }

    fn text(&mut self, at: &At, text: &Text, required: bool) {
        if required && text.is_blank() {
            self.at(at, "text_required", "this text is empty");
        }
        for variant in text.variants() {
            if variant.chars().count() > MAX_TEXT_CHARS {
                self.at(
                    at,
                    "text_too_long",
                    format!("longer than {MAX_TEXT_CHARS} characters"),
                );
            }
            self.template(at, variant);
        }
    }

    fn label(&mut self, at: &At, text: &Text) {
        if text.is_blank() {
            self.at(at, "text_required", "this label is empty");
        }
        if text
            .variants()
            .iter()
            .any(|v| v.chars().count() > MAX_LABEL_CHARS)
        {
            self.at(
                at,
                "label_too_long",
                format!("quick-reply labels are at most {MAX_LABEL_CHARS} characters (some channels cut them at 20)"),
            );
        }
    }

    fn template(&mut self, at: &At, template: &str) {
        for name in references(template) {
            self.variable_ref(at, name);
        }
    }

    fn variable_ref(&mut self, at: &At, name: &str) {
        if !self.known_variables.contains(name) {
            self.at(
                at,
                "unknown_variable",
                format!(
                    "no variable {name:?}: declare it under `variables`, or fill it with a form, \
                     an API call or a set_variable step"
                ),
            );
        }
    }

    fn variable_name(&mut self, at: &At, name: &str) {
        if !is_variable_name(name) {
            self.at(
                at,
                "invalid_variable_name",
                format!(
                    "{name:?} is not a variable name (letters, digits, `_`, parts joined by `.`)"
                ),
            );
        }
    }
}

/// Every variable the bot can have: built-ins, declared, and the ones steps fill.
fn known_variables(bot: &Bot) -> BTreeSet<String> {
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
            _ => {}
        }
    }
    known
}

pub fn validate(bot: &Bot) -> Vec<Problem> {
    let mut c = Checker {
        bot,
        problems: Vec::new(),
        known_variables: known_variables(bot),
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
    tags(
        c,
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
    let sample = super::template::render(
        url,
        &[("article.id", "1"), ("article.locale", "en-us")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        super::template::Escape::Url,
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

fn tags(c: &mut Checker, at: &At, tags: &[String]) {
    c.limit(at, tags.len(), MAX_TAGS, "tags");
    for t in tags {
        let literal: String = t.replace(' ', "");
        if t.trim().is_empty() || literal.len() != t.len() && references(t).is_empty() {
            c.at(
                at,
                "invalid_tag",
                format!("{t:?}: tags are single words (no spaces)"),
            );
        }
        c.template(at, t);
    }
}

fn steps(c: &mut Checker, ai: usize, answer: &super::model::Answer) {
    let bot = c.bot;
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
            Step::SendMessage { text, .. } => c.text(&at.field("text"), text, true),
            Step::PresentOptions { text, options, .. } => {
                c.text(&at.field("text"), text, true);
                if options.is_empty() {
                    c.at(
                        &at.field("options"),
                        "options_required",
                        "present at least one option",
                    );
                }
                c.limit(&at.field("options"), options.len(), MAX_OPTIONS, "options");
                for (i, o) in options.iter().enumerate() {
                    c.label(&at.field(&format!("options[{i}].label")), &o.label);
                }
            }
            Step::AskForDetails { text, fields, .. } => {
                if let Some(t) = text {
                    c.text(&at.field("text"), t, false);
                }
                if fields.is_empty() {
                    c.at(
                        &at.field("fields"),
                        "fields_required",
                        "ask for at least one field",
                    );
                }
                c.limit(&at.field("fields"), fields.len(), MAX_FIELDS, "fields");
                for (i, f) in fields.iter().enumerate() {
                    let fat = at.field(&format!("fields[{i}]"));
                    c.variable_name(&fat.field("variable"), &f.variable);
                    c.text(&fat.field("label"), &f.label, true);
                    if f.kind == FieldKind::Select {
                        if f.options.is_empty() {
                            c.at(
                                &fat.field("options"),
                                "options_required",
                                "a select field needs options",
                            );
                        }
                        c.limit(
                            &fat.field("options"),
                            f.options.len(),
                            MAX_OPTIONS,
                            "options",
                        );
                        for (oi, o) in f.options.iter().enumerate() {
                            c.label(&fat.field(&format!("options[{oi}]")), o);
                        }
                    } else if !f.options.is_empty() {
                        c.at(
                            &fat.field("options"),
                            "not_applicable",
                            "only select fields have options",
                        );
                    }
                    if let Some(p) = &f.pattern {
                        if f.kind != FieldKind::Text {
                            c.at(
                                &fat.field("pattern"),
                                "not_applicable",
                                "only text fields have a pattern",
                            );
                        } else if let Err(why) = compile_pattern(p) {
                            c.at(&fat.field("pattern"), "invalid_pattern", why);
                        }
                    }
                    if let (Some(min), Some(max)) = (f.min, f.max) {
                        if min > max {
                            c.at(&fat.field("min"), "out_of_range", "min is greater than max");
                        }
                    }
                    if let Some(tf) = &f.ticket_field {
                        let custom = tf
                            .strip_prefix("custom_fields.")
                            .is_some_and(|id| id.parse::<u64>().is_ok());
                        if !custom && !TICKET_FIELDS.contains(&tf.as_str()) {
                            c.at(&fat.field("ticket_field"), "invalid_ticket_field", format!(
                                "{tf:?}: use requester.name, requester.email, subject, priority or custom_fields.<id>"
                            ));
                        }
                    }
                }
            }
            Step::ShowArticles {
                text,
                article_ids,
                search,
                ..
            } => {
                if let Some(t) = text {
                    c.text(&at.field("text"), t, false);
                }
                c.limit(
                    &at.field("article_ids"),
                    article_ids.len(),
                    MAX_ARTICLES,
                    "articles",
                );
                if !article_ids.is_empty() && search.is_some() {
                    c.at(
                        &at.field("search"),
                        "not_applicable",
                        "give either article_ids or search, not both",
                    );
                }
                if let Some(s) = search {
                    c.template(&at.field("search"), s);
                }
            }
            Step::AskIfResolved { text, .. } => {
                if let Some(t) = text {
                    c.text(&at.field("text"), t, false);
                }
            }
            Step::MakeApiCall {
                url,
                headers,
                body,
                save,
                ..
            } => {
                api_call(c, &at, url, headers, body.as_deref());
                c.limit(&at.field("save"), save.len(), MAX_SAVED, "saved fields");
                for (i, s) in save.iter().enumerate() {
                    c.variable_name(&at.field(&format!("save[{i}].variable")), &s.variable);
                    if s.path.trim().is_empty() {
                        c.at(
                            &at.field(&format!("save[{i}].path")),
                            "text_required",
                            "the JSON path is empty",
                        );
                    }
                }
            }
            Step::SetVariable {
                variable, value, ..
            } => {
                c.variable_name(&at.field("variable"), variable);
                c.template(&at.field("value"), value);
            }
            Step::BranchByCondition {
                branches,
                otherwise,
                ..
            } => {
                if branches.is_empty() {
                    c.at(
                        &at.field("branches"),
                        "branches_required",
                        "add at least one branch before else",
                    );
                }
                c.limit(
                    &at.field("branches"),
                    branches.len(),
                    MAX_BRANCHES,
                    "branches",
                );
                if otherwise.is_none() {
                    c.at(&at.field("else"), "missing_else", "a branch step needs an else branch (the step to go to when no branch matches)");
                }
                for (bi, b) in branches.iter().enumerate() {
                    let bat = at.field(&format!("branches[{bi}]"));
                    if b.next.is_none() {
                        c.at(
                            &bat.field("next"),
                            "missing_next",
                            "each branch needs the step it leads to",
                        );
                    }
                    if b.conditions.is_empty() {
                        c.at(
                            &bat.field("conditions"),
                            "conditions_required",
                            "a branch needs at least one condition",
                        );
                    }
                    c.limit(
                        &bat.field("conditions"),
                        b.conditions.len(),
                        MAX_CONDITIONS,
                        "conditions",
                    );
                    for (ci, cond) in b.conditions.iter().enumerate() {
                        let cat = bat.field(&format!("conditions[{ci}]"));
                        c.variable_ref(&cat.field("variable"), &cond.variable);
                        c.template(&cat.field("value"), &cond.value);
                        match cond.operator {
                            Operator::MatchesPattern => {
                                if let Err(why) = compile_pattern(&cond.value) {
                                    c.at(&cat.field("value"), "invalid_pattern", why);
                                }
                            }
                            Operator::GreaterThan | Operator::LessThan => {
                                let numeric =
                                    cond.value.trim().replace(',', "").parse::<f64>().is_ok();
                                if !numeric && references(&cond.value).is_empty() {
                                    c.at(
                                        &cat.field("value"),
                                        "not_a_number",
                                        format!("{:?} is not a number", cond.value),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            Step::BusinessHours {
                schedule,
                open,
                closed,
                ..
            } => {
                if bot.schedule(schedule).is_none() {
                    c.at(
                        &at.field("schedule"),
                        "unknown_schedule",
                        format!("no schedule has id {schedule:?}"),
                    );
                }
                if open.is_none() && closed.is_none() {
                    c.at(
                        &at,
                        "missing_next",
                        "give the step to go to when open, closed, or both",
                    );
                }
            }
            Step::LinkAnswer { answer: target, .. } => {
                if bot.answer(target).is_none() {
                    c.at(
                        &at.field("answer"),
                        "unknown_answer",
                        format!("no answer has id {target:?}"),
                    );
                }
            }
            Step::AddTags { tags: t, .. } => {
                if t.is_empty() {
                    c.at(&at.field("tags"), "tags_required", "add at least one tag");
                }
                tags(c, &at.field("tags"), t);
            }
            Step::TransferToAgent { text, tags: t, .. } => {
                if let Some(tx) = text {
                    c.text(&at.field("text"), tx, false);
                }
                tags(c, &at.field("tags"), t);
            }
        }
    }
    unreachable_steps(c, ai, answer);
}

fn api_call(
    c: &mut Checker,
    at: &At,
    url: &str,
    headers: &BTreeMap<String, String>,
    body: Option<&str>,
) {
    c.template(&at.field("url"), url);
    // Hosts are checked as written: a variable may fill the path or query, never the host.
    let sample = super::template::render(url, &Default::default(), super::template::Escape::Url);
    match sample.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("https" | "http")) && uri.host().is_some() => {
            let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
            let host_part = url.split_once("://").map_or("", |(_, rest)| {
                rest.split(['/', '?', '#']).next().unwrap_or("")
            });
            if !references(host_part).is_empty() {
                c.at(
                    &at.field("url"),
                    "variable_in_host",
                    "variables may be used in the path and query, not in the host",
                );
            } else if !host_allowed(&c.bot.allowed_hosts, authority) {
                c.at(&at.field("url"), "host_not_allowed", format!(
                    "{authority:?} is not in allowed_hosts; add it there (and to the component's allowed_outbound_hosts in spin.toml)"
                ));
            }
        }
        _ => c.at(
            &at.field("url"),
            "invalid_url",
            format!("{url:?} is not an absolute http(s) URL"),
        ),
    }
    c.limit(&at.field("headers"), headers.len(), MAX_HEADERS, "headers");
    for (name, value) in headers {
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            c.at(
                &at.field(&format!("headers.{name}")),
                "invalid_header",
                format!("{name:?} is not a header name"),
            );
        }
        c.template(&at.field(&format!("headers.{name}")), value);
    }
    if let Some(b) = body {
        c.template(&at.field("body"), b);
    }
}

/// Is `authority` (`host` or `host:port`) in the allow-list? Case-insensitive, exact.
pub fn host_allowed(allowed: &[String], authority: &str) -> bool {
    allowed.iter().any(|h| h.eq_ignore_ascii_case(authority))
}

/// Steps that no path from the answer's first step reaches.
fn unreachable_steps(c: &mut Checker, ai: usize, answer: &super::model::Answer) {
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
        validate(b).into_iter().map(|p| (p.path, p.code)).collect()
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
        assert_eq!(validate(&b), vec![]);
    }

    #[test]
    fn references_point_at_the_offending_step() {
        let b = bot(json!([{"id": "a", "name": "A", "steps": [
            {"type": "send_message", "id": "s1", "text": "hi", "next": "nowhere"},
            {"type": "link_answer", "id": "s2", "answer": "ghost"}
        ]}]));
        let problems = validate(&b);
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
        assert!(validate(&b)
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
        let p = validate(&b);
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
        assert_eq!(validate(&b), vec![]);
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
