//! The triggers a webhook may subscribe to: Sunshine Conversations' names for what happens in
//! a conversation, and Spindesk's own for tickets. The one list of event names.

pub const CONVERSATION_CREATE: &str = "conversation:create";
pub const CONVERSATION_MESSAGE: &str = "conversation:message";
pub const CONVERSATION_READ: &str = "conversation:read";
pub const CONVERSATION_TYPING: &str = "conversation:typing";
pub const PASS_CONTROL: &str = "switchboard:passControl";
pub const RELEASE_CONTROL: &str = "switchboard:releaseControl";
pub const TICKET_CREATED: &str = "ticket:created";
pub const TICKET_UPDATED: &str = "ticket:updated";
pub const TICKET_SOLVED: &str = "ticket:solved";
pub const SATISFACTION_RATED: &str = "satisfaction:rated";

pub const ALL: &[&str] = &[
    CONVERSATION_CREATE,
    CONVERSATION_MESSAGE,
    CONVERSATION_READ,
    CONVERSATION_TYPING,
    PASS_CONTROL,
    RELEASE_CONTROL,
    TICKET_CREATED,
    TICKET_UPDATED,
    TICKET_SOLVED,
    SATISFACTION_RATED,
];

/// The triggers as given, without repeats, or what is wrong with them: at least one, each
/// known (case-sensitive, as in Sunshine).
pub fn parse(given: &[String]) -> Result<Vec<String>, String> {
    if given.is_empty() {
        return Err(format!(
            "`triggers` must name at least one of: {}",
            ALL.join(", ")
        ));
    }
    let mut triggers: Vec<String> = Vec::new();
    for t in given {
        if !ALL.contains(&t.as_str()) {
            return Err(format!(
                "unknown trigger {t:?}; known triggers: {}",
                ALL.join(", ")
            ));
        }
        if !triggers.contains(t) {
            triggers.push(t.clone());
        }
    }
    Ok(triggers)
}
