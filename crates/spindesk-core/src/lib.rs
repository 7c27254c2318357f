//! Spindesk's domain core: conversations, the bot, tickets, the help center and the channels,
//! with HTTP handlers that take and return `http` crate types. No Spin in here: the runtime is
//! reached only through [`ports`].

pub mod api;
pub mod ports;
pub mod surface;

pub use api::{surface, SURFACES};
pub use error::{Error, Result};
pub use ports::Env;
pub use surface::Surface;
pub mod activity;
pub mod admin_log;
pub mod attachments;
pub mod auth;
pub mod blobs;
pub mod bot;
pub mod change_feed;
pub mod channels;
pub mod commit_checks;
pub mod committed;
pub mod config;
pub mod conversation;
pub mod email;
pub mod error;
pub mod grip;
pub mod groups;
pub mod held_polls;
pub mod help_center;
pub mod help_center_site;
pub mod html;
pub mod ids;
pub mod jwt;
pub mod locale;
pub mod message;
pub mod rate_limit;
pub mod reports;
pub mod retry;
pub mod signing_keys;
pub mod store;
pub mod switchboard;
pub mod text;
pub mod tickets;
pub mod timestamp;
pub mod users;
pub mod vault;
pub mod web;
pub mod webhooks;
pub mod widget_settings;
