//! Branches and conditions of the "branch by condition" step: what an admin writes, and when
//! it holds. They are defined here rather than in [`super::model`] so the model reads them
//! without this file reading the model.
//!
//! Comparisons are forgiving where Zendesk's are rigid (§7 of the reference): text compares
//! trimmed and case-insensitively, numbers compare as numbers, and `matches_pattern` takes a
//! regular expression (regex-lite: small in wasm, linear-time, so a pattern cannot hang a turn).

use super::template::{render, Escape, Variables};
use serde::{Deserialize, Serialize};

/// Patterns are short and compiled with a small size limit: a bot is data an admin typed.
pub const MAX_PATTERN_LEN: usize = 200;
const PATTERN_SIZE_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub variable: String,
    pub operator: Operator,
    /// Compared with the variable's value; may contain `{{ variables }}`. Unused by
    /// `is_empty`/`is_not_empty`.
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Is,
    IsNot,
    Contains,
    DoesNotContain,
    IsEmpty,
    IsNotEmpty,
    GreaterThan,
    LessThan,
    MatchesPattern,
}

/// One branch: its conditions and the step it leads to when they hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    #[serde(default)]
    pub name: String,
    /// `all` (AND, the default) or `any` (OR).
    #[serde(default, rename = "match")]
    pub combine: Combine,
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    #[default]
    All,
    Any,
}

/// Compiles an admin's pattern, or says why it cannot be used.
pub fn compile_pattern(pattern: &str) -> Result<regex_lite::Regex, String> {
    if pattern.chars().count() > MAX_PATTERN_LEN {
        return Err(format!(
            "the pattern is longer than {MAX_PATTERN_LEN} characters"
        ));
    }
    regex_lite::RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("the pattern is not a valid regular expression: {e}"))
}

fn number(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

impl Condition {
    pub fn holds(&self, vars: &Variables) -> bool {
        let actual = vars.get(&self.variable).map_or("", String::as_str).trim();
        let expected = render(&self.value, vars, Escape::Plain);
        let expected = expected.trim();
        let folded = || (actual.to_lowercase(), expected.to_lowercase());
        match self.operator {
            Operator::Is => {
                let (a, e) = folded();
                a == e || matches!((number(actual), number(expected)), (Some(x), Some(y)) if x == y)
            }
            Operator::IsNot => {
                let same = Condition {
                    operator: Operator::Is,
                    ..self.clone()
                };
                !same.holds(vars)
            }
            Operator::Contains => {
                let (a, e) = folded();
                a.contains(&e)
            }
            Operator::DoesNotContain => {
                let (a, e) = folded();
                !a.contains(&e)
            }
            Operator::IsEmpty => actual.is_empty(),
            Operator::IsNotEmpty => !actual.is_empty(),
            Operator::GreaterThan => {
                matches!((number(actual), number(expected)), (Some(a), Some(e)) if a > e)
            }
            Operator::LessThan => {
                matches!((number(actual), number(expected)), (Some(a), Some(e)) if a < e)
            }
            // Validation compiles every pattern on save; one that still fails matches nothing.
            Operator::MatchesPattern => {
                compile_pattern(&self.value).is_ok_and(|re| re.is_match(actual))
            }
        }
    }
}

impl Branch {
    pub fn holds(&self, vars: &Variables) -> bool {
        match self.combine {
            Combine::All => self.conditions.iter().all(|c| c.holds(vars)),
            Combine::Any => self.conditions.iter().any(|c| c.holds(vars)),
        }
    }
}

/// The first branch whose conditions hold, by index; `None` means the else branch.
pub fn first_match(branches: &[Branch], vars: &Variables) -> Option<usize> {
    branches.iter().position(|b| b.holds(vars))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables::from([
            ("plan".to_owned(), " VIP ".to_owned()),
            ("total".to_owned(), "1,250.5".to_owned()),
            ("order_id".to_owned(), "A-1234".to_owned()),
            ("threshold".to_owned(), "1000".to_owned()),
            ("blank".to_owned(), "   ".to_owned()),
        ])
    }

    fn c(variable: &str, operator: Operator, value: &str) -> Condition {
        Condition {
            variable: variable.into(),
            operator,
            value: value.into(),
        }
    }

    #[test]
    fn each_operator() {
        let v = vars();
        let cases = [
            (c("plan", Operator::Is, "vip"), true),
            (c("plan", Operator::Is, "free"), false),
            (c("total", Operator::Is, "1250.50"), true),
            (c("plan", Operator::IsNot, "vip"), false),
            (c("plan", Operator::IsNot, "free"), true),
            (c("order_id", Operator::Contains, "a-12"), true),
            (c("order_id", Operator::Contains, "B"), false),
            (c("order_id", Operator::DoesNotContain, "B"), true),
            (c("order_id", Operator::DoesNotContain, "1234"), false),
            (c("blank", Operator::IsEmpty, ""), true),
            (c("missing", Operator::IsEmpty, ""), true),
            (c("plan", Operator::IsEmpty, ""), false),
            (c("plan", Operator::IsNotEmpty, ""), true),
            (c("total", Operator::GreaterThan, "{{threshold}}"), true),
            (c("total", Operator::GreaterThan, "2000"), false),
            (c("total", Operator::LessThan, "2000"), true),
            (c("plan", Operator::GreaterThan, "1"), false),
            (c("plan", Operator::LessThan, "1"), false),
            (
                c("order_id", Operator::MatchesPattern, r"^[A-Z]-\d{4}$"),
                true,
            ),
            (c("order_id", Operator::MatchesPattern, r"^\d+$"), false),
            (c("order_id", Operator::MatchesPattern, r"(unclosed"), false),
        ];
        for (cond, want) in cases {
            assert_eq!(cond.holds(&v), want, "{cond:?}");
        }
    }

    #[test]
    fn all_and_any_and_first_match_wins() {
        let v = vars();
        let branch = |combine, conditions: Vec<Condition>| Branch {
            name: String::new(),
            combine,
            conditions,
            next: None,
        };
        let vip_and_big = branch(
            Combine::All,
            vec![
                c("plan", Operator::Is, "vip"),
                c("total", Operator::GreaterThan, "5000"),
            ],
        );
        let vip_or_big = branch(
            Combine::Any,
            vec![
                c("plan", Operator::Is, "vip"),
                c("total", Operator::GreaterThan, "5000"),
            ],
        );
        let vip = branch(Combine::All, vec![c("plan", Operator::Is, "vip")]);
        assert!(!vip_and_big.holds(&v));
        assert!(vip_or_big.holds(&v));
        assert_eq!(
            first_match(&[vip_and_big.clone(), vip_or_big, vip], &v),
            Some(1)
        );
        assert_eq!(first_match(&[vip_and_big], &v), None);
    }

    #[test]
    fn patterns_are_bounded() {
        assert!(compile_pattern(&"a".repeat(201)).is_err());
        assert!(compile_pattern("(a").unwrap_err().contains("not a valid"));
        assert!(compile_pattern(r"^\d{3}-\d{4}$").is_ok());
    }
}
