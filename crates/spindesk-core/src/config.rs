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

/// Pushpin's publish endpoint (`http://127.0.0.1:5561/publish/`); empty: no push hub, live
/// clients read SQLite. Its origin must also be granted through `grip_publish_host`.
pub const GRIP_PUBLISH_URL: &str = "grip_publish_url";

/// The key Pushpin signs forwarded requests with (`sig_key` in pushpin.conf): only a request
/// with a valid `Grip-Sig` under it may be held by Pushpin. Empty: no request is.
pub const GRIP_KEY: &str = "grip_key";
