//! A bot action for Spindesk, written the way a customer would: `vip-check` tells whether the
//! customer's e-mail address belongs to a VIP domain, so the bot can route VIPs to a person
//! straight away.
//!
//! The contract is `spindesk:bot/actions` in Spindesk's `wit/bot.wit` (here read from the
//! repository; in your own project, copy that file into a `wit/` folder of yours). Any language
//! that builds WebAssembly components can implement it the same way.

wit_bindgen::generate!({
    path: "../../wit",
    world: "actions-provider",
});

use exports::spindesk::bot::actions::{
    ActionError, ActionInfo, Context, Guest, InputSpec, Localized, Outcome, Variable,
};

/// Used when the step passes no `domains`.
const VIP_DOMAINS: &[&str] = &["bigcustomer.com", "partner.co.kr"];

struct VipCheck;

impl Guest for VipCheck {
    fn list_actions() -> Vec<ActionInfo> {
        vec![ActionInfo {
            name: "vip-check".into(),
            label: vec![
                Localized {
                    locale: "en".into(),
                    text: "Is the customer a VIP?".into(),
                },
                Localized {
                    locale: "ko".into(),
                    text: "VIP 고객인지 확인".into(),
                },
            ],
            reads: vec![
                InputSpec {
                    name: "email".into(),
                    required: true,
                },
                InputSpec {
                    name: "domains".into(),
                    required: false,
                },
            ],
            writes: vec!["vip".into()],
        }]
    }

    fn run(name: String, context: Context) -> Result<Outcome, ActionError> {
        if name != "vip-check" {
            return Err(ActionError::UnknownAction(name));
        }
        let input = |n: &str| {
            context
                .variables
                .iter()
                .find(|v| v.name == n)
                .map(|v| v.value.trim().to_lowercase())
                .filter(|v| !v.is_empty())
        };
        let email = input("email")
            .ok_or_else(|| ActionError::InvalidInput("`email` is required".into()))?;
        let Some((_, domain)) = email.rsplit_once('@') else {
            return Ok(Outcome::Fail(format!("{email:?} is not an e-mail address")));
        };
        let listed = match input("domains") {
            Some(list) => list.split(',').any(|d| d.trim() == domain),
            None => VIP_DOMAINS.contains(&domain),
        };
        Ok(Outcome::Set(vec![Variable {
            name: "vip".into(),
            value: if listed { "yes" } else { "no" }.into(),
        }]))
    }
}

export!(VipCheck);
