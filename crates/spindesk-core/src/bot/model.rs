//! The bot document: what an admin edits, exports and imports as one JSON value.
//!
//! A bot is a greeting, the standard responses, and **answers** — each with training phrases
//! (per locale) and/or keywords, and a flow of **steps**. Steps name the step that follows by its
//! `id`; the first step of an answer is where it starts. `docs/bot.md` shows a complete example.
//!
//! Parsing is strict (`deny_unknown_fields`): a misspelt `"nxt"` is an error at save time rather
//! than a flow that silently ends. Structural checks that need the whole document (references,
//! reachability, limits) live in [`super::validate`].

use super::condition::Branch;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Text an admin writes once per locale (`{"en": "Hi", "ko": "안녕하세요"}`) or once for all
/// (`"Hi"`). Resolved for a conversation's locale by [`Text::resolve`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Localized(BTreeMap<String, String>),
}

impl Default for Text {
    fn default() -> Self {
        Text::Plain(String::new())
    }
}

impl Text {
    pub fn en_ko(en: &str, ko: &str) -> Self {
        Text::Localized(BTreeMap::from([
            ("en".to_owned(), en.to_owned()),
            ("ko".to_owned(), ko.to_owned()),
        ]))
    }

    /// The text for `locale`: exact (`ko-KR`), then its language (`ko`), then the bot's default
    /// locale, then English, then any — so a conversation in an unsupported locale still reads
    /// something rather than nothing.
    pub fn resolve<'a>(&'a self, locale: &str, default_locale: &str) -> &'a str {
        match self {
            Text::Plain(s) => s,
            Text::Localized(map) => {
                let language = locale.split(['-', '_']).next().unwrap_or(locale);
                [locale, language, default_locale, "en"]
                    .iter()
                    .find_map(|l| lookup_locale(map, l))
                    .or_else(|| map.values().next())
                    .map_or("", String::as_str)
            }
        }
    }

    /// Every variant of the text (for validation of templates and lengths).
    pub fn variants(&self) -> Vec<&str> {
        match self {
            Text::Plain(s) => vec![s.as_str()],
            Text::Localized(map) => map.values().map(String::as_str).collect(),
        }
    }

    pub fn is_blank(&self) -> bool {
        self.variants().iter().all(|s| s.trim().is_empty())
    }
}

fn lookup_locale<'m>(map: &'m BTreeMap<String, String>, locale: &str) -> Option<&'m String> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(locale))
        .map(|(_, v)| v)
}

/// The whole bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bot {
    #[serde(default = "default_name")]
    pub name: String,
    /// The locale whose texts are used when a conversation's locale has none.
    #[serde(default = "default_locale")]
    pub default_locale: String,
    #[serde(default)]
    pub greeting: Greeting,
    #[serde(default)]
    pub responses: Responses,
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// Custom variables with their starting values. Customer variables (filled by forms) and
    /// API variables (saved by API calls) need no declaration.
    #[serde(default)]
    pub variables: Vec<VariableDef>,
    #[serde(default)]
    pub schedules: Vec<Schedule>,
    /// Hosts API-call steps may reach (exact host names, optionally `host:port`). `spin.toml`
    /// must grant them too: the bot cannot widen what the component may call.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Words that hand the conversation to a person whatever else is going on.
    #[serde(default = "default_handoff_keywords")]
    pub handoff_keywords: Vec<String>,
    /// Where customers read a help-center article the bot suggests: an absolute URL with
    /// `{{article.id}}` and optionally `{{article.locale}}`
    /// (`https://help.example.com/hc/{{article.locale}}/articles/{{article.id}}`). Without it
    /// suggestions show each article's title and the start of its text, with no link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_url: Option<String>,
}

fn default_name() -> String {
    "Bot".to_owned()
}
fn default_locale() -> String {
    "en".to_owned()
}
fn default_handoff_keywords() -> Vec<String> {
    [
        "agent",
        "human",
        "person",
        "representative",
        "operator",
        "상담원",
        "상담사",
        "사람",
        "직원",
        "담당자",
    ]
    .map(str::to_owned)
    .to_vec()
}

impl Default for Bot {
    fn default() -> Self {
        Bot {
            name: default_name(),
            default_locale: default_locale(),
            greeting: Greeting::default(),
            responses: Responses::default(),
            answers: Vec::new(),
            variables: Vec::new(),
            schedules: Vec::new(),
            allowed_hosts: Vec::new(),
            handoff_keywords: default_handoff_keywords(),
            article_url: None,
        }
    }
}

impl Bot {
    pub fn answer(&self, id: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.id == id)
    }
    pub fn schedule(&self, id: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id == id)
    }
}

/// Said once, on the customer's first message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Greeting {
    #[serde(default = "default_greeting_text")]
    pub text: Text,
    /// Answer ids offered as quick replies (at most 10).
    #[serde(default)]
    pub suggestions: Vec<String>,
    /// Also offer "Talk to a person".
    #[serde(default = "yes")]
    pub offer_person: bool,
    /// Show this many featured help-center articles under the greeting (0-3).
    #[serde(default)]
    pub featured_articles: u8,
}

fn yes() -> bool {
    true
}

fn default_greeting_text() -> Text {
    Text::en_ko(
        "Hi! I'm the virtual assistant. Ask me anything, or pick a topic below.",
        "안녕하세요! 가상 상담원입니다. 궁금한 점을 물어보시거나 아래에서 주제를 골라 주세요.",
    )
}

impl Default for Greeting {
    fn default() -> Self {
        Greeting {
            text: default_greeting_text(),
            suggestions: Vec::new(),
            offer_person: true,
            featured_articles: 0,
        }
    }
}

/// The standard responses (Zendesk's "Behavior" tab).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Responses {
    #[serde(default)]
    pub found_articles: FoundArticles,
    #[serde(default)]
    pub after_answer: AfterAnswer,
    #[serde(default)]
    pub clarification: Clarification,
    #[serde(default)]
    pub cant_answer: CantAnswer,
    #[serde(default)]
    pub talk_to_person: TalkToPerson,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundArticles {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "found_articles_text")]
    pub text: Text,
    /// How many articles to show (1..=3).
    #[serde(default = "three")]
    pub max_articles: u8,
}

fn three() -> u8 {
    3
}

fn found_articles_text() -> Text {
    Text::en_ko(
        "These articles might help:",
        "다음 도움말이 도움이 될 수 있어요:",
    )
}

impl Default for FoundArticles {
    fn default() -> Self {
        FoundArticles {
            enabled: true,
            text: found_articles_text(),
            max_articles: 3,
        }
    }
}

/// "Did this help?" after an answer's flow ends (and after found articles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterAnswer {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "after_answer_text")]
    pub text: Text,
    #[serde(default = "yes_label")]
    pub yes_label: Text,
    #[serde(default = "no_label")]
    pub no_label: Text,
    #[serde(default = "after_yes_text")]
    pub yes_text: Text,
    /// Said on "no", followed by the "Talk to a person" offer.
    #[serde(default = "after_no_text")]
    pub no_text: Text,
}

fn after_answer_text() -> Text {
    Text::en_ko(
        "Did this answer your question?",
        "궁금한 점이 해결되었나요?",
    )
}
pub(crate) fn yes_label() -> Text {
    Text::en_ko("Yes", "네")
}
pub(crate) fn no_label() -> Text {
    Text::en_ko("No", "아니요")
}
fn after_yes_text() -> Text {
    Text::en_ko(
        "Great! Glad I could help.",
        "다행이에요! 도움이 되어 기뻐요.",
    )
}
fn after_no_text() -> Text {
    Text::en_ko(
        "Sorry about that. You can ask in other words, or talk to a person.",
        "죄송해요. 다른 말로 질문해 주시거나 상담원과 이야기해 보세요.",
    )
}

impl Default for AfterAnswer {
    fn default() -> Self {
        AfterAnswer {
            enabled: true,
            text: after_answer_text(),
            yes_label: yes_label(),
            no_label: no_label(),
            yes_text: after_yes_text(),
            no_text: after_no_text(),
        }
    }
}

/// When two answers match a message equally well: "Did you mean ...?" with both as options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clarification {
    #[serde(default = "clarification_text")]
    pub text: Text,
}

fn clarification_text() -> Text {
    Text::en_ko(
        "Which of these did you mean?",
        "어떤 내용을 말씀하시는 건가요?",
    )
}

impl Default for Clarification {
    fn default() -> Self {
        Clarification {
            text: clarification_text(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CantAnswer {
    #[serde(default = "cant_answer_text")]
    pub text: Text,
    #[serde(default = "yes")]
    pub offer_person: bool,
}

fn cant_answer_text() -> Text {
    Text::en_ko(
        "Sorry, I don't know the answer to that yet. Try other words, or talk to a person.",
        "죄송해요, 아직 답을 찾지 못했어요. 다른 말로 물어보시거나 상담원과 이야기해 보세요.",
    )
}

impl Default for CantAnswer {
    fn default() -> Self {
        CantAnswer {
            text: cant_answer_text(),
            offer_person: true,
        }
    }
}

/// The "Talk to a person" quick reply, and what the bot says when it hands over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TalkToPerson {
    #[serde(default = "talk_label")]
    pub label: Text,
    #[serde(default = "talk_text")]
    pub text: Text,
    /// Tags added to the ticket on every hand-off.
    #[serde(default)]
    pub tags: Vec<String>,
}

fn talk_label() -> Text {
    Text::en_ko("Talk to a person", "상담원 연결")
}
fn talk_text() -> Text {
    Text::en_ko(
        "Connecting you with a person. An agent will reply here soon.",
        "상담원에게 연결해 드릴게요. 곧 이곳에서 답변드립니다.",
    )
}

impl Default for TalkToPerson {
    fn default() -> Self {
        TalkToPerson {
            label: talk_label(),
            text: talk_text(),
            tags: Vec::new(),
        }
    }
}

/// One answer: how it is recognised, and its flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Stable id (letters, digits, `-`, `_`), referenced by suggestions and answer links.
    pub id: String,
    pub name: String,
    /// What the customer sees when the answer is offered as a quick reply (greeting suggestion,
    /// clarification); the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Training phrases per locale (`{"en": [...], "ko": [...]}`).
    #[serde(default)]
    pub phrases: BTreeMap<String, Vec<String>>,
    /// Words or short phrases that pick this answer whenever the message contains them.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The flow; it starts at the first step.
    pub steps: Vec<Step>,
}

impl Answer {
    /// The quick-reply label in `locale`.
    pub fn label_in(&self, locale: &str, default_locale: &str) -> String {
        self.label
            .as_ref()
            .map(|l| l.resolve(locale, default_locale))
            .filter(|l| !l.trim().is_empty())
            .unwrap_or(&self.name)
            .to_owned()
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDef {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// One step of an answer's flow. `next` (and each branch's target) is a step id of the same
/// answer; a step without `next` ends the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Say something, then go on.
    SendMessage {
        id: String,
        text: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Quick replies, each starting its own branch; waits for the customer.
    PresentOptions {
        id: String,
        text: Text,
        options: Vec<ChoiceOption>,
    },
    /// A form, asked one field at a time so it reads the same on every channel.
    AskForDetails {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        fields: Vec<FormField>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Help-center articles: fixed ids, or a search (by default on the customer's last words).
    ShowArticles {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        article_ids: Vec<i64>,
        /// Search query template; `{{conversation.last_message}}` when empty and no ids.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        search: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// "Did this solve it?" with yes and no branches; waits.
    AskIfResolved {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        yes: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        no: Option<String>,
    },
    MakeApiCall {
        id: String,
        method: HttpMethod,
        url: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
        /// Headers whose values are credentials, besides those secret by name (see
        /// [`super::secrets`]): sealed at rest, never shown by the API, never kept with the
        /// conversation's awaited call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        secret_headers: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// JSON fields of the response saved into variables.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        save: Vec<SaveField>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        success: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<String>,
    },
    /// An action of the actions component (`spindesk:bot/actions`), given `inputs` (templates).
    RunAction {
        id: String,
        action: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        inputs: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<String>,
    },
    SetVariable {
        id: String,
        variable: String,
        value: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// If/else-if/else on variables: branches in order, first match wins, `else` required.
    BranchByCondition {
        id: String,
        branches: Vec<Branch>,
        #[serde(rename = "else", default, skip_serializing_if = "Option::is_none")]
        otherwise: Option<String>,
    },
    BusinessHours {
        id: String,
        schedule: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        open: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closed: Option<String>,
    },
    /// Continue with another answer's flow (variables carry over).
    LinkAnswer { id: String, answer: String },
    AddTags {
        id: String,
        tags: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Hand the conversation to a person; ends the flow.
    TransferToAgent {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
        /// The group (by name) the ticket goes to; the default group without one. Checked
        /// against the groups when the bot is published.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
}

impl Step {
    pub fn id(&self) -> &str {
        match self {
            Step::SendMessage { id, .. }
            | Step::PresentOptions { id, .. }
            | Step::AskForDetails { id, .. }
            | Step::ShowArticles { id, .. }
            | Step::AskIfResolved { id, .. }
            | Step::MakeApiCall { id, .. }
            | Step::RunAction { id, .. }
            | Step::SetVariable { id, .. }
            | Step::BranchByCondition { id, .. }
            | Step::BusinessHours { id, .. }
            | Step::LinkAnswer { id, .. }
            | Step::AddTags { id, .. }
            | Step::TransferToAgent { id, .. } => id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Step::SendMessage { .. } => "send_message",
            Step::PresentOptions { .. } => "present_options",
            Step::AskForDetails { .. } => "ask_for_details",
            Step::ShowArticles { .. } => "show_articles",
            Step::AskIfResolved { .. } => "ask_if_resolved",
            Step::MakeApiCall { .. } => "make_api_call",
            Step::RunAction { .. } => "run_action",
            Step::SetVariable { .. } => "set_variable",
            Step::BranchByCondition { .. } => "branch_by_condition",
            Step::BusinessHours { .. } => "business_hours",
            Step::LinkAnswer { .. } => "link_answer",
            Step::AddTags { .. } => "add_tags",
            Step::TransferToAgent { .. } => "transfer_to_agent",
        }
    }

    /// The steps this one can lead to, each with the JSON field that names it (for errors).
    pub fn targets(&self) -> Vec<(String, &str)> {
        fn one<'s>(field: &str, t: &'s Option<String>) -> Vec<(String, &'s str)> {
            t.as_deref()
                .map(|t| (field.to_owned(), t))
                .into_iter()
                .collect()
        }
        match self {
            Step::SendMessage { next, .. }
            | Step::AskForDetails { next, .. }
            | Step::ShowArticles { next, .. }
            | Step::SetVariable { next, .. }
            | Step::AddTags { next, .. } => one("next", next),
            Step::PresentOptions { options, .. } => options
                .iter()
                .enumerate()
                .filter_map(|(i, o)| o.next.as_deref().map(|t| (format!("options[{i}].next"), t)))
                .collect(),
            Step::AskIfResolved { yes, no, .. } => {
                let mut v = one("yes", yes);
                v.extend(one("no", no));
                v
            }
            Step::MakeApiCall {
                success: next,
                failure,
                ..
            }
            | Step::RunAction { next, failure, .. } => {
                let field = if matches!(self, Step::RunAction { .. }) {
                    "next"
                } else {
                    "success"
                };
                let mut v = one(field, next);
                v.extend(one("failure", failure));
                v
            }
            Step::BranchByCondition {
                branches,
                otherwise,
                ..
            } => {
                let mut v: Vec<_> = branches
                    .iter()
                    .enumerate()
                    .filter_map(|(i, b)| {
                        b.next
                            .as_deref()
                            .map(|t| (format!("branches[{i}].next"), t))
                    })
                    .collect();
                v.extend(one("else", otherwise));
                v
            }
            Step::BusinessHours { open, closed, .. } => {
                let mut v = one("open", open);
                v.extend(one("closed", closed));
                v
            }
            Step::LinkAnswer { .. } | Step::TransferToAgent { .. } => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// One field of an "ask for details" form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// The variable the value is saved to.
    pub variable: String,
    pub kind: FieldKind,
    /// The question asked for this field.
    pub label: Text,
    #[serde(default = "yes")]
    pub required: bool,
    /// For `select`: the choices (at most 10, shown as quick replies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Text>,
    /// For `text`: maximum length in characters (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// For `text`: a pattern the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// For `number`: bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Where the value goes on the ticket at hand-off: `requester.name`, `requester.email`,
    /// `subject`, `priority`, or `custom_fields.<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Name,
    Email,
    Phone,
    Text,
    Number,
    Select,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// `{"variable": "order_status", "path": "order.status"}`: a dotted path into the JSON
/// response (array elements by index: `items.0.name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveField {
    pub variable: String,
    pub path: String,
}

/// Business hours: weekly opening ranges in a time zone, minus holidays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// An IANA name from the built-in table (`Asia/Seoul`, `America/New_York`, ...), `UTC`,
    /// or a fixed offset `UTC+09:00`. See [`super::hours`].
    pub time_zone: String,
    pub hours: Vec<OpeningHours>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// `mon` .. `sun`.
    pub days: Vec<String>,
    /// `HH:MM`, local time; `close` may be `24:00`; `open` < `close`.
    pub open: String,
    pub close: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// `YYYY-MM-DD`, local date: closed all day.
    pub date: String,
    #[serde(default)]
    pub name: String,
}

#[cfg(test)]
mod tests;
