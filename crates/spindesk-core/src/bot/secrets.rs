//! API-call headers that are credentials (`authorization: Bearer …`). A header is secret when
//! its name is one that carries credentials by convention ([`SECRET_BY_NAME`]) or when the
//! step lists it in `secret_headers`. Secret values are:
//!
//! - sealed with the [`Vault`] (the `credentials_key` variable) wherever a bot document is
//!   stored — the draft and every published version — under the owner
//!   `bot-secret:<answer>/<step>/<header>`, so a value copied onto another step does not open;
//! - never shown by the bot API: responses carry [`MASK`] instead, and a document sent back
//!   with [`MASK`] keeps the stored value (so an export imports again with its secrets);
//! - never kept in `conversations.bot_state` (see [`super::api_call::Prepared`]).
//!
//! Without a key the values are stored as they are (the vault does not seal); they are still
//! never shown nor kept with a conversation. With a key, a value stored before it was set is
//! still read (the bot document is the admin's to write anyway: a planted header gives no more
//! than a planted URL would) and is sealed on the next save or publish.

pub use super::api_call::{is_secret, SECRET_BY_NAME};
use super::model::{Bot, Step};
use super::validate::Problem;
use crate::ports::Random;
use crate::vault::{Vault, VaultError};
use serde_json::Value;

/// What the API shows instead of a secret value, and what keeps the stored value when sent.
pub const MASK: &str = "********";

/// Where a secret value sits: for the vault's owner and for problems.
struct Slot<'a> {
    answer_index: usize,
    step_index: usize,
    answer: &'a str,
    step: &'a str,
    header: &'a str,
}

impl Slot<'_> {
    fn owner(&self) -> String {
        format!(
            "bot-secret:{}/{}/{}",
            self.answer,
            self.step,
            self.header.to_ascii_lowercase()
        )
    }
}

/// Calls `f` with every secret header value of `bot`.
fn each_secret<E>(
    bot: &mut Bot,
    mut f: impl FnMut(&Slot, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    for (answer_index, answer) in bot.answers.iter_mut().enumerate() {
        for (step_index, step) in answer.steps.iter_mut().enumerate() {
            let Step::MakeApiCall {
                id,
                headers,
                secret_headers,
                ..
            } = step
            else {
                continue;
            };
            for (name, value) in headers.iter_mut() {
                if is_secret(name, secret_headers) {
                    let slot = Slot {
                        answer_index,
                        step_index,
                        answer: &answer.id,
                        step: id,
                        header: name,
                    };
                    f(&slot, value)?;
                }
            }
        }
    }
    Ok(())
}

/// The secret value stored for (answer, step, header), if that header is still secret there.
fn stored_value<'b>(stored: &'b Bot, answer: &str, step: &str, header: &str) -> Option<&'b str> {
    match stored.answer(answer)?.step(step)? {
        Step::MakeApiCall {
            headers,
            secret_headers,
            ..
        } if is_secret(header, secret_headers) => headers.get(header).map(String::as_str),
        _ => None,
    }
}

/// `bot` as it is stored: every secret value sealed for its slot (as it is, without a key).
pub fn sealed(bot: &Bot, vault: &Vault, random: &dyn Random) -> Bot {
    let mut bot = bot.clone();
    let _ = each_secret(&mut bot, |slot, value| {
        *value = vault.seal(random, &slot.owner(), value);
        Ok::<(), ()>(())
    });
    bot
}

/// Opens the sealed values of a stored `bot` in place. A sealed value the key does not open
/// (another key, altered, no key) is an error: the bot cannot make its calls.
pub fn open(bot: &mut Bot, vault: &Vault) -> Result<(), VaultError> {
    each_secret(bot, |slot, value| {
        if Vault::is_sealed(value) {
            *value = vault.open(&slot.owner(), value)?;
        }
        Ok(())
    })
}

/// Puts the stored value back wherever `bot` (sent by the admin) holds [`MASK`]; a mask with no
/// stored value for its answer, step and header is a problem.
pub fn restore(bot: &mut Bot, stored: &Bot) -> Vec<Problem> {
    let mut problems = Vec::new();
    let _ = each_secret(bot, |slot, value| {
        if value != MASK {
            return Ok::<(), ()>(());
        }
        match stored_value(stored, slot.answer, slot.step, slot.header) {
            Some(kept) => *value = kept.to_owned(),
            None => problems.push(Problem {
                path: format!(
                    "answers[{}].steps[{}].headers.{}",
                    slot.answer_index, slot.step_index, slot.header
                ),
                answer: Some(slot.answer.to_owned()),
                step: Some(slot.step.to_owned()),
                code: "secret_not_set",
                message: format!(
                    "{MASK} keeps the stored value, but no value is stored for header {:?} of this step: send the value itself",
                    slot.header
                ),
            }),
        }
        Ok(())
    });
    problems
}

/// Replaces every secret header value in a JSON response (a bot, an answer, a step, anywhere
/// inside) with [`MASK`]. Works on JSON so that no response path can forget a field.
pub fn mask_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("make_api_call") {
                let listed: Vec<String> = map
                    .get("secret_headers")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(Value::Object(headers)) = map.get_mut("headers") {
                    for (name, v) in headers.iter_mut() {
                        if is_secret(name, &listed) {
                            *v = Value::String(MASK.to_owned());
                        }
                    }
                }
            }
            map.values_mut().for_each(mask_json);
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        _ => {}
    }
}
