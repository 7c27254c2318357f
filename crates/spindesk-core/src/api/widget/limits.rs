//! The widget API's limits and defaults: request sizes, pages, long-polls, and what one
//! session or one client address may do (the variables that change them are in `config`).

/// Largest request body the widget API reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Longest long-poll, in seconds (Spin holds at most 1,000 waiting instances per process).
pub const MAX_WAIT_SECONDS: u64 = 25;
/// Most messages one read returns.
pub const MAX_PAGE: i64 = 100;
/// Messages `GET /api/widget/conversation` returns by default.
pub const HISTORY_PAGE: i64 = 50;
/// New sessions one client address may start per window (a browser needs one; offices share
/// an address).
pub const SESSIONS_PER_WINDOW: i64 = 60;
pub const SESSION_WINDOW_SECS: i64 = 600;
/// Messages one session may send per minute (`widget_messages_per_minute`): each runs a bot
/// turn, a help-center search, perhaps an API call or a new ticket. People type far slower.
pub const DEFAULT_MESSAGES_PER_MINUTE: i64 = 20;
/// Messages one client address may send per minute (`widget_messages_per_address_per_minute`):
/// an office or a mobile carrier's NAT puts many visitors behind one address.
pub const DEFAULT_MESSAGES_PER_ADDRESS_PER_MINUTE: i64 = 300;
/// A session ends after this many days without a message in its conversation
/// (`widget_session_idle_days`)...
pub const DEFAULT_SESSION_IDLE_DAYS: i64 = 90;
/// ...and this many days after it began at the latest (`widget_session_max_days`).
pub const DEFAULT_SESSION_MAX_DAYS: i64 = 365;
