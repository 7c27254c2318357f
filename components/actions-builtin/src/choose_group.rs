//! `choose-group`: the agent group whose keywords the text mentions, for a transfer step's
//! `group` (`{{group}}`). The step passes the routing table itself, so changing it is a bot edit,
//! not a new component: `routes` is `billing: refund, invoice; tech: error, crash`.

use crate::exports::spindesk::bot::actions::{ActionError, Context, Outcome};
use crate::inputs::{set, Inputs};
use crate::Action;

const MAX_ROUTES_CHARS: usize = 2000;

pub const ACTION: Action = Action {
    name: "choose-group",
    labels: &[
        ("en", "Choose a group by keywords"),
        ("ko", "키워드로 그룹 고르기"),
    ],
    reads: &[("routes", true), ("text", false), ("default", false)],
    writes: &["group"],
    run,
};

fn run(inputs: &Inputs, context: &Context) -> Result<Outcome, ActionError> {
    let routes = inputs.required("routes")?;
    if routes.chars().count() > MAX_ROUTES_CHARS {
        return Err(ActionError::InvalidInput(format!(
            "`routes` is at most {MAX_ROUTES_CHARS} characters"
        )));
    }
    let text = inputs
        .get("text")
        .unwrap_or(&context.last_message)
        .to_lowercase();
    for route in routes.split(';').filter(|r| !r.trim().is_empty()) {
        let (group, keywords) = route.split_once(':').ok_or_else(|| {
            ActionError::InvalidInput(format!(
                "`routes` entry {:?} is not `group: keyword, keyword`",
                route.trim()
            ))
        })?;
        let hit = keywords
            .split(',')
            .map(|k| k.trim().to_lowercase())
            .any(|k| !k.is_empty() && text.contains(&k));
        if hit && !group.trim().is_empty() {
            return Ok(Outcome::Set(vec![set("group", group.trim())]));
        }
    }
    match inputs.get("default") {
        Some(group) => Ok(Outcome::Set(vec![set("group", group)])),
        None => Ok(Outcome::Fail("no group's keywords are in the text".into())),
    }
}

#[cfg(test)]
mod tests {
    use crate::call;
    use crate::exports::spindesk::bot::actions::{ActionError, Outcome};

    const ROUTES: &str = "Billing: refund, 환불, invoice; Tech: error, crash";

    fn group(vars: &[(&str, &str)]) -> String {
        match call("choose-group", vars) {
            Ok(Outcome::Set(v)) => v[0].value.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn first_route_whose_keyword_appears() {
        assert_eq!(
            group(&[("routes", ROUTES), ("text", "환불 해주세요")]),
            "Billing"
        );
        assert_eq!(
            group(&[("routes", ROUTES), ("text", "App CRASH on start")]),
            "Tech"
        );
        assert_eq!(
            group(&[("routes", ROUTES), ("text", "hi"), ("default", "Front")]),
            "Front"
        );
        let none = group(&[("routes", ROUTES), ("text", "hi")]);
        assert!(none.contains("Fail"), "{none}");
        assert!(matches!(
            call("choose-group", &[("routes", "nocolon"), ("text", "x")]),
            Err(ActionError::InvalidInput(_))
        ));
    }
}
