//! Outbound webhooks: an outside system (a CRM, an order system, a team's own bot) subscribes
//! a target URL to triggers and is told, after commit, what happened — in Sunshine
//! Conversations' payload shape, signed, retried for a day, in order per conversation.
//!
//! - [`triggers`]: the event names a webhook may subscribe to.
//! - [`target`]: which URLs a webhook may point at (https, no private networks, inside the
//!   outbound grant `spin.toml` gives the delivering components).
//! - [`subscriptions`]: the webhooks themselves, their secret sealed at rest.
//! - [`events`]: recording an event inside the write transaction that caused it, fanned out
//!   to one delivery row per subscribed webhook.
//! - [`signature`]: the HMAC-SHA256 signature header.
//! - [`delivery`]: sending due deliveries, retries, dead letters, disabling a failing webhook.
//!
//! Docs: `docs/webhooks.md`.

pub mod delivery;
pub mod events;
pub mod signature;
pub mod subscriptions;
pub mod target;
pub mod triggers;
