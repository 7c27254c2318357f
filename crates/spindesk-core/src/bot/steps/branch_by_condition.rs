//! If/else-if/else on variables: branches in order, first match wins, `else` required.

use crate::bot::checker::{At, Checker};
use crate::bot::condition::{compile_pattern, first_match, Branch, Operator};
use crate::bot::run::{Flow, Run};
use crate::bot::template::references;

pub const MAX_BRANCHES: usize = 20;
pub const MAX_CONDITIONS: usize = 20;

pub fn check(c: &mut Checker, at: &At, branches: &[Branch], otherwise: &Option<String>) {
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
        c.at(
            &at.field("else"),
            "missing_else",
            "a branch step needs an else branch (the step to go to when no branch matches)",
        );
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
                    let numeric = cond.value.trim().replace(',', "").parse::<f64>().is_ok();
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

pub fn run(
    run: &mut Run,
    answer_id: &str,
    branches: &[Branch],
    otherwise: &Option<String>,
) -> Flow {
    match first_match(branches, &run.state.variables) {
        Some(i) => {
            run.trace.push(format!("branch {i}"));
            Flow::within(answer_id, &branches[i].next)
        }
        None => {
            run.trace.push("else".into());
            Flow::within(answer_id, otherwise)
        }
    }
}
