//! The attachment limits operators set (Spin variables, `config.rs`), with their defaults.

use crate::config;
use crate::ports::Env;
use crate::rate_limit;

/// Default largest file: 20 MiB.
pub const DEFAULT_MAX_BYTES: i64 = 20 * 1024 * 1024;
pub const DEFAULT_UPLOADS_PER_WINDOW: i64 = 30;
pub const DEFAULT_UPLOAD_WINDOW_MINUTES: i64 = 10;
pub const DEFAULT_CUSTOMER_LINK_MINUTES: i64 = 7 * 24 * 60;
pub const DEFAULT_AGENT_LINK_MINUTES: i64 = 60;
pub const DEFAULT_VENDOR_LINK_MINUTES: i64 = 15;

/// The largest file accepted (`attachment_max_bytes`), at least one byte.
pub fn max_bytes(env: &Env) -> u64 {
    config::whole_number(env, config::ATTACHMENT_MAX_BYTES, DEFAULT_MAX_BYTES).max(1) as u64
}

/// Uploads per widget session and window (`widget_uploads_per_window` per
/// `widget_upload_window_minutes`), counted like the widget's message limits.
pub fn widget_uploads(env: &Env) -> rate_limit::Limit {
    let minutes = config::whole_number(
        env,
        config::WIDGET_UPLOAD_WINDOW_MINUTES,
        DEFAULT_UPLOAD_WINDOW_MINUTES,
    )
    .max(1);
    rate_limit::Limit {
        name: "widget-uploads",
        per_window: config::whole_number(
            env,
            config::WIDGET_UPLOADS_PER_WINDOW,
            DEFAULT_UPLOADS_PER_WINDOW,
        ),
        window_ms: minutes * 60_000,
    }
}
