//! Zendesk's search query syntax, parsed into checked clauses: `status<solved`,
//! `assignee:me`, `created>2026-01-01`, `"quoted phrases"`, `-negation`, free words. Anything the
//! syntax allows but Spindesk does not know (an unknown keyword, a date it cannot read, a status
//! that does not exist) is an error naming it, never a silent empty result.

use super::super::{term_pairs, TicketStatus};
use crate::ports::Millis;
use crate::text;
use crate::users::Role;

/// A query longer than this is refused: it bounds the work one search can ask for.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Most clauses (words, phrases, keywords) in one query.
pub const MAX_CLAUSES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError(message.into()))
}

/// What a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Ticket,
    User,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Operator {
    /// Whether a value ranked `rank` satisfies `self` against one ranked `than`.
    pub fn holds(self, rank: usize, than: usize) -> bool {
        match self {
            Operator::Eq => rank == than,
            Operator::Lt => rank < than,
            Operator::Gt => rank > than,
            Operator::Le => rank <= than,
            Operator::Ge => rank >= than,
        }
    }
}

/// A person a keyword names: `me`, `none`, an email, a name or an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    Me,
    Nobody,
    Email(String),
    Name(String),
    Id(i64),
}

/// A time range in milliseconds: `from` inclusive, `until` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    pub from: Option<Millis>,
    pub until: Option<Millis>,
}

/// One checked condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Status(Vec<TicketStatus>),
    /// Priorities that match; `None` in the list is "no priority".
    Priority(Vec<Option<&'static str>>),
    TicketType(Option<String>),
    Assignee(Person),
    Requester(Person),
    Group(Person),
    Tag(String),
    Created(Range),
    Updated(Range),
    Via(String),
    Role(Role),
    Email(String),
    Name(String),
    ExternalId(String),
    /// A free word: every one of its terms must be in the text.
    Words(Vec<String>),
    /// A quoted phrase: its analysed terms in order, repeats kept (what must appear one after
    /// the other in one text, see `tickets::term_pairs`; never empty), and the phrase itself
    /// as written.
    Phrase(Vec<String>, String),
    /// A word that analyses to nothing (a stop word alone): matches nothing when searched.
    Nothing,
}

impl Filter {
    /// The result type this filter only makes sense for (`None`: both).
    pub fn only_for(&self) -> Option<ResultType> {
        match self {
            Filter::Status(_)
            | Filter::Priority(_)
            | Filter::TicketType(_)
            | Filter::Assignee(_)
            | Filter::Requester(_)
            | Filter::Group(_)
            | Filter::Via(_) => Some(ResultType::Ticket),
            Filter::Role(_) | Filter::Email(_) | Filter::Name(_) | Filter::ExternalId(_) => {
                Some(ResultType::User)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub negated: bool,
    pub filter: Filter,
    /// How it was written, for error messages.
    pub written: String,
}

/// A parsed query: the result type it asks for (explicitly with `type:` or implied by a
/// keyword), and its clauses, all of which must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    pub result_type: Option<ResultType>,
    pub clauses: Vec<Clause>,
}

/// Zendesk's status order, for `status<solved`.
const STATUS_ORDER: [TicketStatus; 6] = [
    TicketStatus::New,
    TicketStatus::Open,
    TicketStatus::Pending,
    TicketStatus::Hold,
    TicketStatus::Solved,
    TicketStatus::Closed,
];
const PRIORITY_ORDER: [&str; 4] = ["low", "normal", "high", "urgent"];

/// The keywords Spindesk understands (error messages list them).
pub const KEYWORDS: &[&str] = &[
    "type",
    "status",
    "priority",
    "ticket_type",
    "assignee",
    "requester",
    "group",
    "tags",
    "tag",
    "created",
    "updated",
    "via",
    "role",
    "email",
    "name",
    "external_id",
];

/// Parses `raw` at time `now` (relative dates such as `created>2days`).
pub fn parse(raw: &str, now: Millis) -> Result<SearchQuery, QueryError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return err("the query is empty; give words to find or keywords such as status:open");
    }
    if raw.chars().count() > MAX_QUERY_CHARS {
        return err(format!(
            "the query is longer than {MAX_QUERY_CHARS} characters"
        ));
    }
    let mut query = SearchQuery {
        result_type: None,
        clauses: Vec::new(),
    };
    let mut explicit_type = None;
    for token in lex(raw)? {
        let written = token.written();
        let filter = match token.body {
            Body::Phrase(text) => phrase(&text),
            Body::Word(word) => words(&word),
            Body::Keyword(key, op, value) => {
                if key == "type" {
                    let wanted = result_type(&value)?;
                    let wanted = match (token.negated, wanted) {
                        (false, t) => t,
                        (true, ResultType::Ticket) => ResultType::User,
                        (true, ResultType::User) => ResultType::Ticket,
                    };
                    if explicit_type.is_some_and(|t| t != wanted) {
                        return err("the query asks for both type:ticket and type:user");
                    }
                    explicit_type = Some(wanted);
                    continue;
                }
                keyword(&key, op, &value, now)?
            }
        };
        query.clauses.push(Clause {
            negated: token.negated,
            filter,
            written,
        });
        if query.clauses.len() > MAX_CLAUSES {
            return err(format!("the query has more than {MAX_CLAUSES} terms"));
        }
    }
    let mut implied: Option<(ResultType, &str)> = None;
    for clause in &query.clauses {
        if let Some(t) = clause.filter.only_for() {
            match implied {
                Some((other, first)) if other != t => {
                    return err(format!(
                        "{first} searches tickets and {} searches users; one query can't do both",
                        clause.written
                    ))
                }
                _ => implied = Some((t, &clause.written)),
            }
        }
    }
    if let (Some(explicit), Some((t, written))) = (explicit_type, implied) {
        if explicit != t {
            let name = |t| match t {
                ResultType::Ticket => "type:ticket",
                ResultType::User => "type:user",
            };
            return err(format!("{written} can't be used with {}", name(explicit)));
        }
    }
    query.result_type = explicit_type.or(implied.map(|(t, _)| t));
    Ok(query)
}

fn result_type(value: &str) -> Result<ResultType, QueryError> {
    match value.to_ascii_lowercase().as_str() {
        "ticket" => Ok(ResultType::Ticket),
        "user" => Ok(ResultType::User),
        other => err(format!(
            "type:{other} is not searchable here; use type:ticket or type:user"
        )),
    }
}

fn keyword(key: &str, op: Operator, value: &str, now: Millis) -> Result<Filter, QueryError> {
    let equality_only = |f: Filter| -> Result<Filter, QueryError> {
        if op == Operator::Eq {
            Ok(f)
        } else {
            err(format!("{key} takes only ':' (as in {key}:{value})"))
        }
    };
    match key {
        "status" => {
            let Some(status) = TicketStatus::parse(&value.to_ascii_lowercase()) else {
                return err(format!(
                    "status {value:?} is not one of new, open, pending, hold, solved, closed"
                ));
            };
            let rank = rank_of(&STATUS_ORDER, &status);
            Ok(Filter::Status(
                STATUS_ORDER
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| op.holds(*i, rank))
                    .map(|(_, s)| *s)
                    .collect(),
            ))
        }
        "priority" => {
            let lower = value.to_ascii_lowercase();
            if lower == "none" || lower == "-" {
                return equality_only(Filter::Priority(vec![None]));
            }
            let Some(rank) = PRIORITY_ORDER.iter().position(|p| *p == lower) else {
                return err(format!(
                    "priority {value:?} is not one of low, normal, high, urgent, none"
                ));
            };
            Ok(Filter::Priority(
                PRIORITY_ORDER
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| op.holds(*i, rank))
                    .map(|(_, p)| Some(*p))
                    .collect(),
            ))
        }
        "ticket_type" => {
            let lower = value.to_ascii_lowercase();
            if lower == "none" {
                return equality_only(Filter::TicketType(None));
            }
            if !super::super::TYPES.contains(&lower.as_str()) {
                return err(format!(
                    "ticket_type {value:?} is not one of problem, incident, question, task, none"
                ));
            }
            equality_only(Filter::TicketType(Some(lower)))
        }
        "assignee" => equality_only(Filter::Assignee(person(value))),
        "requester" => equality_only(Filter::Requester(person(value))),
        "group" => equality_only(Filter::Group(person(value))),
        "tags" | "tag" => equality_only(Filter::Tag(value.to_owned())),
        "created" => Ok(Filter::Created(range(key, op, value, now)?)),
        "updated" => Ok(Filter::Updated(range(key, op, value, now)?)),
        "via" => {
            let lower = value.to_ascii_lowercase();
            if lower.is_empty() || !lower.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return err(format!("via {value:?} is not a channel name"));
            }
            // Zendesk names the widget's channel native_messaging; Spindesk stores `web`.
            let channel = if lower == "native_messaging" {
                "web".to_owned()
            } else {
                lower
            };
            equality_only(Filter::Via(channel))
        }
        "role" => match Role::parse(&value.to_ascii_lowercase()) {
            Some(role) => equality_only(Filter::Role(role)),
            None => err(format!(
                "role {value:?} is not one of end-user, agent, admin"
            )),
        },
        "email" => equality_only(Filter::Email(value.to_owned())),
        "name" => equality_only(Filter::Name(value.to_owned())),
        "external_id" => equality_only(Filter::ExternalId(value.to_owned())),
        unknown => err(format!(
            "unknown keyword {unknown:?}; Spindesk searches with {}",
            KEYWORDS.join(", ")
        )),
    }
}

fn rank_of<T: PartialEq>(order: &[T], value: &T) -> usize {
    order.iter().position(|v| v == value).unwrap_or(0)
}

fn person(value: &str) -> Person {
    match value.to_ascii_lowercase().as_str() {
        "me" => Person::Me,
        "none" => Person::Nobody,
        _ if value.contains('@') => Person::Email(value.to_owned()),
        _ => match value.parse::<i64>() {
            Ok(id) if id > 0 => Person::Id(id),
            _ => Person::Name(value.to_owned()),
        },
    }
}

const DAY_MS: i64 = 86_400_000;

/// `created>2026-01-01`: a date is the whole UTC day (`:` within it, `>` after it, `<` before
/// it); a datetime (`2026-01-01T09:00:00Z`) and a relative time (`4hours`, `2days`: that long
/// ago) are instants.
fn range(key: &str, op: Operator, value: &str, now: Millis) -> Result<Range, QueryError> {
    let (start, end) = if let Some(day) = date(value) {
        (day, day + DAY_MS)
    } else if let Some(at) = datetime(value).or_else(|| relative(value, now)) {
        (at, at + 1)
    } else {
        return err(format!(
            "{key} {value:?} is not a date (2026-01-31), a time (2026-01-31T09:00:00Z) \
             or a relative time (4hours, 2days)"
        ));
    };
    Ok(match op {
        Operator::Eq => Range {
            from: Some(start),
            until: Some(end),
        },
        Operator::Gt => Range {
            from: Some(end),
            until: None,
        },
        Operator::Ge => Range {
            from: Some(start),
            until: None,
        },
        Operator::Lt => Range {
            from: None,
            until: Some(start),
        },
        Operator::Le => Range {
            from: None,
            until: Some(end),
        },
    })
}

fn date(value: &str) -> Option<Millis> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(value, format).ok()?;
    Some(day.midnight().assume_utc().unix_timestamp() * 1000)
}

fn datetime(value: &str) -> Option<Millis> {
    use time::format_description::well_known::Rfc3339;
    let at = time::OffsetDateTime::parse(value, &Rfc3339).ok()?;
    Some((at.unix_timestamp_nanos() / 1_000_000) as Millis)
}

fn relative(value: &str, now: Millis) -> Option<Millis> {
    let digits = value.chars().take_while(char::is_ascii_digit).count();
    let amount: i64 = value[..digits].parse().ok()?;
    let unit = match &value[digits..] {
        "minute" | "minutes" => 60_000,
        "hour" | "hours" => 3_600_000,
        "day" | "days" => DAY_MS,
        "week" | "weeks" => 7 * DAY_MS,
        "month" | "months" => 30 * DAY_MS,
        "year" | "years" => 365 * DAY_MS,
        _ => return None,
    };
    now.checked_sub(amount.checked_mul(unit)?)
}

/// A free word's terms: each Korean part without its particle (`환불을` must find `환불`).
fn word_terms(word: &str) -> Vec<String> {
    let analyzer = crate::tickets::search_index::analyzer();
    let mut out: Vec<String> = Vec::new();
    for token in text::tokens(word) {
        let terms = match token.script {
            text::Script::Hangul => analyzer
                .analyze(text::strip_particle(token.text))
                .into_iter()
                .map(|t| t.text)
                .collect(),
            _ => analyzer.token_terms(&token),
        };
        for t in terms {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

fn words(word: &str) -> Filter {
    let terms = word_terms(word);
    if terms.is_empty() {
        Filter::Nothing
    } else {
        Filter::Words(terms)
    }
}

fn phrase(text: &str) -> Filter {
    let written = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The index's own analysis (particles kept): a Korean word's bigram chain must continue
    // into the text's as written.
    let terms = term_pairs::sequence(&crate::tickets::search_index::analyzer(), &written);
    // Stop words or signs alone match nothing, as a free word of them does (users are still
    // searched for the phrase as written).
    if terms.is_empty() {
        Filter::Nothing
    } else {
        Filter::Phrase(terms, written)
    }
}

enum Body {
    Word(String),
    Phrase(String),
    Keyword(String, Operator, String),
}

struct Token {
    negated: bool,
    body: Body,
}

impl Token {
    fn written(&self) -> String {
        let sign = if self.negated { "-" } else { "" };
        match &self.body {
            Body::Word(w) => format!("{sign}{w}"),
            Body::Phrase(p) => format!("{sign}\"{p}\""),
            Body::Keyword(k, op, v) => {
                let op = match op {
                    Operator::Eq => ":",
                    Operator::Lt => "<",
                    Operator::Gt => ">",
                    Operator::Le => "<=",
                    Operator::Ge => ">=",
                };
                format!("{sign}{k}{op}{v}")
            }
        }
    }
}

/// Splits the query into words, `"phrases"` and `key:value` keywords (values may be quoted:
/// `group:"Level 2"`), each optionally negated with a leading `-`.
fn lex(raw: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let negated = chars[i] == '-' && chars.get(i + 1).is_some_and(|c| !c.is_whitespace());
        if negated {
            i += 1;
        }
        if chars[i] == '"' {
            let (text, next) = quoted(&chars, i)?;
            out.push(Token {
                negated,
                body: Body::Phrase(text),
            });
            i = next;
            continue;
        }
        let key_len = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .count();
        let after = i + key_len;
        let is_key = key_len > 0
            && chars[i].is_ascii_alphabetic()
            && chars
                .get(after)
                .is_some_and(|c| matches!(c, ':' | '<' | '>'));
        if is_key {
            let key: String = chars[i..after].iter().collect::<String>().to_lowercase();
            let (op, op_len) = match (chars[after], chars.get(after + 1)) {
                ('<', Some('=')) => (Operator::Le, 2),
                ('>', Some('=')) => (Operator::Ge, 2),
                ('<', _) => (Operator::Lt, 1),
                ('>', _) => (Operator::Gt, 1),
                _ => (Operator::Eq, 1),
            };
            let start = after + op_len;
            let (value, next) = if chars.get(start) == Some(&'"') {
                quoted(&chars, start)?
            } else {
                let end = (start..chars.len())
                    .find(|&j| chars[j].is_whitespace())
                    .unwrap_or(chars.len());
                (chars[start..end].iter().collect(), end)
            };
            if value.trim().is_empty() {
                return err(format!("{key} needs a value (as in {key}:something)"));
            }
            out.push(Token {
                negated,
                body: Body::Keyword(key, op, value),
            });
            i = next;
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| chars[j].is_whitespace())
            .unwrap_or(chars.len());
        out.push(Token {
            negated,
            body: Body::Word(chars[i..end].iter().collect()),
        });
        i = end;
    }
    Ok(out)
}

/// The text between the quote at `open` and its closing quote, and where to go on after it.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    match (open + 1..chars.len()).find(|&j| chars[j] == '"') {
        Some(close) => Ok((chars[open + 1..close].iter().collect(), close + 1)),
        None => err("a quoted phrase has no closing quote"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn filters(q: &str) -> Vec<(bool, Filter)> {
        parse(q, NOW)
            .expect(q)
            .clauses
            .into_iter()
            .map(|c| (c.negated, c.filter))
            .collect()
    }

    #[test]
    fn status_order_follows_zendesk() {
        assert_eq!(
            filters("status<solved"),
            [(
                false,
                Filter::Status(vec![
                    TicketStatus::New,
                    TicketStatus::Open,
                    TicketStatus::Pending,
                    TicketStatus::Hold
                ])
            )]
        );
        assert_eq!(
            filters("priority>=high"),
            [(false, Filter::Priority(vec![Some("high"), Some("urgent")]))]
        );
    }

    #[test]
    fn korean_particles_are_dropped_from_words() {
        assert_eq!(
            filters("환불을"),
            [(false, Filter::Words(vec!["환불".into()]))]
        );
    }

    #[test]
    fn phrases_negation_and_quoted_values() {
        let f = filters(r#"-"late delivery" group:"Level 2" -tags:vip"#);
        assert!(f[0].0);
        assert!(matches!(&f[0].1, Filter::Phrase(_, p) if p == "late delivery"));
        assert_eq!(f[1], (false, Filter::Group(Person::Name("Level 2".into()))));
        assert_eq!(f[2], (true, Filter::Tag("vip".into())));
    }

    #[test]
    fn dates_are_whole_days() {
        let day = 1_767_225_600_000;
        assert_eq!(
            filters("created>2026-01-01"),
            [(
                false,
                Filter::Created(Range {
                    from: Some(day + DAY_MS),
                    until: None
                })
            )]
        );
        assert_eq!(
            filters("updated>2days"),
            [(
                false,
                Filter::Updated(Range {
                    from: Some(NOW - 2 * DAY_MS + 1),
                    until: None
                })
            )]
        );
    }

    #[test]
    fn mistakes_are_named() {
        for (q, needle) in [
            ("foo:bar", "\"foo\""),
            ("status:done", "done"),
            ("priority:hi", "hi"),
            ("created>yesterday", "yesterday"),
            ("   ", "empty"),
            ("status:open role:agent", "one query"),
            ("type:organization", "organization"),
            ("\"open", "closing quote"),
        ] {
            let e = parse(q, NOW).expect_err(q);
            assert!(e.0.contains(needle), "{q}: {}", e.0);
        }
    }

    #[test]
    fn keywords_imply_the_result_type() {
        assert_eq!(
            parse("role:agent", NOW).unwrap().result_type,
            Some(ResultType::User)
        );
        assert_eq!(
            parse("-type:user x", NOW).unwrap().result_type,
            Some(ResultType::Ticket)
        );
        assert_eq!(parse("refund", NOW).unwrap().result_type, None);
    }
}
