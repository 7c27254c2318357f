//! The sites that may embed the widget: exact origins (`https://shop.example`,
//! `http://localhost:8080`) or `*` for any. The widget refuses to start on a page whose origin
//! is not listed, and the widget API refuses to start a session for one.

/// Most origins in the list.
pub const MAX_ORIGINS: usize = 50;

/// The origin in canonical form (lower case, no trailing slash), or why it is not one.
pub fn normalize(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed == "*" {
        return Ok("*".to_owned());
    }
    let lower = trimmed.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("{raw:?} must start with https:// or http:// (or be \"*\")"))?;
    // An IPv6 literal keeps its colons inside brackets: the port follows the `]`.
    let split_at = match rest.rfind(']') {
        Some(end) => rest[end..].find(':').map(|i| end + i),
        None => rest.rfind(':'),
    };
    let (host, port) = match split_at {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok_and(|n| n > 0));
    if !host_ok || !port_ok {
        return Err(format!(
            "{raw:?} is not an origin: scheme, host and optional port only, such as \"https://shop.example\""
        ));
    }
    Ok(lower)
}

/// Whether a page on `origin` (the browser's `Origin` header) may embed the widget.
pub fn allows(list: &[String], origin: &str) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    list.iter().any(|o| o == "*" || *o == origin)
}
