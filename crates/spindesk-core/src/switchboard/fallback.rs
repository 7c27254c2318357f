//! When the bot cannot answer — the live version does not load, the engine or its SQL fails —
//! the customer's message must not be lost with it: the bot's part is rolled back alone (it
//! ran in a savepoint) and the conversation goes to agents with a ticket whose audit says the
//! bot failed and why. Only what retrying may cure (a busy database) fails the whole request.

use crate::error::{Error, Result};
use crate::ports::Env;
use crate::store::Db;
use crate::tickets::audit::{self, Event};
use crate::tickets::HandOffFields;

/// The tag on a ticket opened because the bot failed, for a view of them.
pub const TAG: &str = "bot_failed";
/// The audit event's field and reason on that ticket.
pub const FIELD: &str = "bot_error";
const REASON: &str = "bot_failed";
/// The longest error text recorded (the rest is cut).
const MAX_DETAIL: usize = 300;

/// What the hand-off ticket of a failed bot gets: the [`TAG`], nothing the bot collected (its
/// state may be what broke).
pub(super) fn collected() -> HandOffFields {
    HandOffFields {
        tags: vec![TAG.to_owned()],
        ..HandOffFields::default()
    }
}

/// Logs that the bot failed with `error` and records it on the hand-off ticket's audit
/// (caller's transaction, after the bot's savepoint was rolled back and the ticket opened).
pub(super) fn record(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    ticket_id: i64,
    error: &Error,
) -> Result<()> {
    let detail = describe(error);
    env.warn(
        "bot.failed",
        format!(
            "conversation {conversation_id}: {detail}; handed off to agents as ticket {ticket_id}"
        ),
    );
    audit::record(
        db,
        env.clock.now_ms(),
        ticket_id,
        None,
        "system",
        &[Event::create(FIELD, detail).because(REASON)],
    )?;
    Ok(())
}

/// The error as agents and the log may see it: quoted parts blanked (a parse error quotes the
/// stored values it choked on, and a bot's document holds API-call headers), cut to
/// [`MAX_DETAIL`] characters.
pub fn describe(error: &Error) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in error.to_string().chars() {
        match quote {
            Some(q) if c == q => {
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                if matches!(c, '"' | '`' | '\'') {
                    out.push_str(&format!("{c}…"));
                    quote = Some(c);
                } else {
                    out.push(c);
                }
            }
        }
        if out.chars().count() >= MAX_DETAIL {
            out.push('…');
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_blanked_and_the_rest_kept() {
        let e = Error::corrupt(
            r#"stored bot does not parse: invalid type: string "Bearer s3cret", expected u64 at line 1 column 9"#,
        );
        assert_eq!(
            describe(&e),
            "stored data is inconsistent: stored bot does not parse: invalid type: string \"…\", expected u64 at line 1 column 9"
        );
    }

    #[test]
    fn long_errors_are_cut() {
        let e = Error::corrupt("x".repeat(1000));
        assert_eq!(describe(&e).chars().count(), MAX_DETAIL + 1);
    }
}
