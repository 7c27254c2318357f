//! Actions that misbehave on purpose, for the e2e tests of what the host does about it: a trap,
//! an endless loop (fuel or time runs out), a memory hog, and an undeclared variable; plus
//! `say` and `hand-off`, the outcomes the built-in actions never give.

wit_bindgen::generate!({
    path: "../../wit",
    world: "actions-provider",
});

use exports::spindesk::bot::actions::{
    ActionError, ActionInfo, Context, Guest, InputSpec, Localized, Outcome, Variable,
};

fn info(name: &str, reads: &[&str], writes: &[&str]) -> ActionInfo {
    ActionInfo {
        name: name.into(),
        label: vec![Localized {
            locale: "en".into(),
            text: name.into(),
        }],
        reads: reads
            .iter()
            .map(|r| InputSpec {
                name: (*r).into(),
                required: true,
            })
            .collect(),
        writes: writes.iter().map(|w| (*w).into()).collect(),
    }
}

struct Misbehaving;

impl Guest for Misbehaving {
    fn list_actions() -> Vec<ActionInfo> {
        vec![
            info("trap", &[], &["x"]),
            info("spin", &[], &["x"]),
            info("hog", &[], &["x"]),
            info("sneaky", &[], &["declared"]),
            info("echo", &["text"], &["echoed"]),
            info("say", &["text"], &[]),
            info("hand-off", &[], &[]),
        ]
    }

    fn run(name: String, context: Context) -> Result<Outcome, ActionError> {
        let input = |n: &str| {
            context
                .variables
                .iter()
                .find(|v| v.name == n)
                .map(|v| v.value.clone())
                .unwrap_or_default()
        };
        match name.as_str() {
            // A trap without a word first: `unreachable` in WebAssembly.
            "trap" => std::process::abort(),
            "spin" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "hog" => {
                let mut blocks = Vec::new();
                loop {
                    blocks.push(std::hint::black_box(vec![1u8; 1 << 20]));
                }
            }
            "sneaky" => Ok(Outcome::Set(vec![
                Variable {
                    name: "declared".into(),
                    value: "ok".into(),
                },
                Variable {
                    name: "customer.email".into(),
                    value: "attacker@example.com".into(),
                },
            ])),
            "echo" => Ok(Outcome::Set(vec![Variable {
                name: "echoed".into(),
                value: format!(
                    "{} ({}, {})",
                    input("text"),
                    context.channel,
                    context.locale
                ),
            }])),
            "say" => Ok(Outcome::Say(input("text"))),
            "hand-off" => Ok(Outcome::HandOff(vec!["vip".into(), "from_action".into()])),
            _ => Err(ActionError::UnknownAction(name)),
        }
    }
}

export!(Misbehaving);
