//! Set a variable to a value (a template over the other variables), then go on.

use crate::bot::checker::{At, Checker};
use crate::bot::run::{Flow, Run};
use crate::bot::template::{render, Escape};

pub fn check(c: &mut Checker, at: &At, variable: &str, value: &str) {
    c.variable_name(&at.field("variable"), variable);
    c.template(&at.field("value"), value);
}

pub fn run(
    run: &mut Run,
    answer_id: &str,
    variable: &str,
    value: &str,
    next: &Option<String>,
) -> Flow {
    let v = render(value, &run.state.variables, Escape::Plain);
    // Refused on save; a bot published before that cannot write `customer.email` either.
    if !crate::bot::state::is_verified_fact(variable) {
        run.state.variables.insert(variable.to_owned(), v);
    }
    Flow::within(answer_id, next)
}
