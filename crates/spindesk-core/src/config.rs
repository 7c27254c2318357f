//! Every Spin variable the core reads, by name. `spin.toml` declares them under `[variables]`
//! and maps them to each component that lists them in its surface's `Uses::variables`
//! (`tests/e2e/spin_manifest.rs` checks the two agree). `bot_api_host` is not here: Spin reads
//! it itself, as the bot components' `allowed_outbound_hosts`.

/// The admin API's bearer token; empty disables the admin routes (503).
pub const ADMIN_TOKEN: &str = "admin_token";

/// 64 hexadecimal characters (`openssl rand -hex 32`) that seal channel credentials at rest.
pub const CREDENTIALS_KEY: &str = "credentials_key";

/// The public origin the vendors call (`https://support.example.com`): webhook URLs are built
/// from it, Twilio signs the URL it calls, and the bot links help-center articles under it.
pub const PUBLIC_BASE_URL: &str = "public_base_url";

/// Long-polls one client address may hold at once (default 100); more answer at once with
/// `retry_after`.
pub const LONG_POLL_PER_ADDRESS: &str = "long_poll_per_address";

/// Long-polls held at once across every instance and process sharing the database (default
/// 600); keep it well under the instances the processes have (Spin: 1,000 per process), so
/// other routes always find one.
pub const LONG_POLL_MAX_HELD: &str = "long_poll_max_held";

/// Reverse proxies whose `X-Forwarded-For` names the client (`10.0.0.0/8, 192.0.2.7`); empty
/// (the default) believes no forwarded-for header. See `web::client_address`.
pub const TRUSTED_PROXIES: &str = "trusted_proxies";

/// Messages one widget session may send per minute (default 20).
pub const WIDGET_MESSAGES_PER_MINUTE: &str = "widget_messages_per_minute";

/// Widget messages one client address may send per minute (default 300).
pub const WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE: &str = "widget_messages_per_address_per_minute";

/// Days a widget session lives without a message in its conversation (default 90).
pub const WIDGET_SESSION_IDLE_DAYS: &str = "widget_session_idle_days";

/// Days a widget session lives at most, however active (default 365).
pub const WIDGET_SESSION_MAX_DAYS: &str = "widget_session_max_days";

/// Minutes an agent's reply may stay unread in the widget before the customer is e-mailed a
/// notice (default 5; see `channels::notices`).
pub const EMAIL_NOTICE_AFTER_MINUTES: &str = "email_notice_after_minutes";

/// The key that signs notice e-mails' "continue the conversation" and unsubscribe links
/// (HMAC-SHA256; at least 32 characters). Empty: no notices are sent.
pub const NOTICE_LINK_SECRET: &str = "notice_link_secret";

/// A whole-number setting >= 0: `default` when unset, and — with a warning — when not a number.
pub fn whole_number(env: &crate::ports::Env, name: &str, default: i64) -> i64 {
    match env.config.get(name) {
        None => default,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                env.warn(
                    "config.invalid",
                    format!("{name} = {raw:?} is not a whole number >= 0; using {default}"),
                );
                default
            }
        },
    }
}
/// Pushpin's publish endpoint (`http://127.0.0.1:5561/publish/`); empty: no push hub, live
/// clients read SQLite. Its origin must also be granted through `grip_publish_host`.
pub const GRIP_PUBLISH_URL: &str = "grip_publish_url";

/// The key Pushpin signs forwarded requests with (`sig_key` in pushpin.conf): only a request
/// with a valid `Grip-Sig` under it may be held by Pushpin. Empty: no request is.
pub const GRIP_KEY: &str = "grip_key";

/// The origin pattern outbound webhooks may target (`https://*.example.com`,
/// `https://hooks.example.com:8443`), the same value `spin.toml` grants the delivering
/// components as `allowed_outbound_hosts`: a target outside it is refused when the webhook is
/// saved, rather than failing at every delivery.
pub const WEBHOOK_HOSTS: &str = "webhook_hosts";

/// `true` in local development only: webhook targets may then be plain `http://` on a
/// loopback host (127.0.0.1, localhost, [::1]). Default `false`: https only, loopback refused.
pub const WEBHOOK_LOOPBACK_HTTP: &str = "webhook_loopback_http";

/// Days a webhook may fail without a single success before it is disabled, with an entry in
/// the admin audit log (default 3).
pub const WEBHOOK_DISABLE_AFTER_DAYS: &str = "webhook_disable_after_days";

/// The key attachment links are signed with (HMAC-SHA256; at least 32 characters, e.g.
/// `openssl rand -hex 32`). Empty: no link verifies, downloads answer 503.
pub const ATTACHMENT_URL_KEY: &str = "attachment_url_key";

/// Largest file accepted, in bytes (default 20 MiB).
pub const ATTACHMENT_MAX_BYTES: &str = "attachment_max_bytes";

/// Minutes a download link lives: customers' (default 7 days: a link sent on a channel may be
/// opened days later), agents' (default 60: the workspace asks for fresh ones as it reads) and
/// the vendors' (default 15: they fetch at once).
pub const ATTACHMENT_LINK_CUSTOMER_MINUTES: &str = "attachment_link_customer_minutes";
pub const ATTACHMENT_LINK_AGENT_MINUTES: &str = "attachment_link_agent_minutes";
pub const ATTACHMENT_LINK_VENDOR_MINUTES: &str = "attachment_link_vendor_minutes";

/// Files one widget session may upload per `widget_upload_window_minutes` (default 30 per 10).
pub const WIDGET_UPLOADS_PER_WINDOW: &str = "widget_uploads_per_window";
pub const WIDGET_UPLOAD_WINDOW_MINUTES: &str = "widget_upload_window_minutes";
