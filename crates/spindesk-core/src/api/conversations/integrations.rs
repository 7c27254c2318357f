//! The two switchboard integrations as Sunshine names them: Spindesk's bot and the agent
//! workspace, with fixed ids (they are not created or deleted through the API).

use crate::conversation::Switchboard;
use serde_json::{json, Value};

pub const SWITCHBOARD_ID: &str = "spindesk";
pub const BOT_ID: &str = "spindesk-bot";
pub const AGENT_ID: &str = "spindesk-agent-workspace";

pub fn ids(s: Switchboard) -> (&'static str, &'static str, &'static str) {
    // (id, name, integrationType)
    match s {
        Switchboard::Bot => (BOT_ID, "bot", "spindesk:bot"),
        Switchboard::Agent => (AGENT_ID, "agent", "zd:agentWorkspace"),
    }
}

/// How a conversation names its active or pending integration.
pub fn integration_ref(s: Switchboard) -> Value {
    let (id, name, kind) = ids(s);
    json!({"id": id, "name": name, "integrationId": id, "integrationType": kind})
}

pub fn integration_json(s: Switchboard) -> Value {
    let mut out = integration_ref(s);
    out["deliverStandbyEvents"] = false.into();
    let next = match s {
        Switchboard::Bot => AGENT_ID,
        Switchboard::Agent => BOT_ID,
    };
    out["nextSwitchboardIntegrationId"] = next.into();
    out["messageHistoryCount"] = 10.into();
    out
}
