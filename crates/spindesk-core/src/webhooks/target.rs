//! Which URLs a webhook may target. Deliveries carry customers' messages and a secret, and the
//! request is made from inside our network, so a target must be https, must not name a
//! private, loopback, link-local or cloud-metadata address (server-side request forgery), and
//! must fall inside the outbound grant the delivering components have (`webhook_hosts`).
//!
//! This checks the URL as written; a public name that resolves to a private address is
//! stopped by the grant, which names the hosts that may be reached at all.

use crate::config;
use crate::ports::Config;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest target URL accepted.
pub const MAX_TARGET_CHARS: usize = 2048;

/// What this deployment allows.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `webhook_hosts`: `scheme://host[:port]`, where host may be `*` or `*.domain` and port `*`.
    pub allowed: Option<String>,
    /// `webhook_loopback_http`: plain http to a loopback host, for local development.
    pub loopback_http: bool,
}

impl Policy {
    pub fn from_config(config: &dyn Config) -> Policy {
        Policy {
            allowed: config.get(config::WEBHOOK_HOSTS),
            loopback_http: config
                .get(config::WEBHOOK_LOOPBACK_HTTP)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
        }
    }
}

/// Why a target is refused, for a 422.
pub type Refusal = String;

/// `target` if this deployment may deliver to it.
pub fn check(target: &str, policy: &Policy) -> Result<String, Refusal> {
    let target = target.trim();
    if target.chars().count() > MAX_TARGET_CHARS {
        return Err(format!(
            "`target` is longer than {MAX_TARGET_CHARS} characters"
        ));
    }
    let uri: http::Uri = target
        .parse()
        .map_err(|_| format!("`target` is not a URL: {target:?}"))?;
    let scheme = uri.scheme_str().unwrap_or("");
    let authority = uri
        .authority()
        .ok_or_else(|| "`target` must be an absolute URL (https://...)".to_owned())?;
    if authority.as_str().contains('@') {
        return Err("`target` must not carry credentials (user:password@); the webhook's secret authenticates us".into());
    }
    let host = authority.host().to_ascii_lowercase();
    let loopback = is_loopback(&host);
    match scheme {
        "https" => {}
        "http" if loopback && policy.loopback_http => {}
        "http" => {
            return Err(
                "`target` must be https (plain http only to a loopback host with webhook_loopback_http = true, for local development)"
                    .into(),
            )
        }
        _ => return Err(format!("`target` must be https, got {scheme:?}")),
    }
    if loopback && !policy.loopback_http {
        return Err(format!(
            "`target` names a loopback host ({host}); only allowed with webhook_loopback_http = true, for local development"
        ));
    }
    if !loopback && is_private(&host) {
        return Err(format!(
            "`target` names a private, link-local or metadata address ({host}); webhooks go to public hosts"
        ));
    }
    let port = authority
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let Some(pattern) = policy.allowed.as_deref() else {
        return Err("no webhook targets are allowed: set the webhook_hosts variable (and the components' grant in spin.toml)".into());
    };
    if !allowed_by(pattern, scheme, &host, port) {
        return Err(format!(
            "`target` is outside the hosts this deployment may call ({pattern}, the webhook_hosts variable)"
        ));
    }
    Ok(target.to_owned())
}

/// Whether `pattern` (Spin's `allowed_outbound_hosts` syntax for one entry) allows the origin.
pub fn allowed_by(pattern: &str, scheme: &str, host: &str, port: u16) -> bool {
    let Some((p_scheme, rest)) = pattern.trim().split_once("://") else {
        return false;
    };
    if p_scheme != "*" && !p_scheme.eq_ignore_ascii_case(scheme) {
        return false;
    }
    let rest = rest.trim_end_matches('/');
    // `[::1]:8080`, `host:*`, `host`.
    let (p_host, p_port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !p.contains(']') => (h, Some(p)),
        _ => (rest, None),
    };
    let p_host = p_host.to_ascii_lowercase();
    let host_ok = p_host == "*"
        || p_host == host
        || p_host
            .strip_prefix("*.")
            .is_some_and(|domain| host.ends_with(&format!(".{domain}")));
    let port_ok = match p_port {
        Some("*") => true,
        Some(p) => p.parse::<u16>() == Ok(port),
        None => match p_scheme {
            "https" => port == 443,
            "http" => port == 80,
            _ => port == 443 || port == 80,
        },
    };
    host_ok && port_ok
}

fn ip_of(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
}

fn is_loopback(host: &str) -> bool {
    match ip_of(host) {
        Some(IpAddr::V4(v4)) => v4.is_loopback(),
        Some(IpAddr::V6(v6)) => v6.is_loopback(),
        None => host == "localhost" || host.ends_with(".localhost"),
    }
}

fn is_private(host: &str) -> bool {
    match ip_of(host) {
        Some(IpAddr::V4(v4)) => private_v4(v4),
        Some(IpAddr::V6(v6)) => private_v6(v6),
        None => {
            let name = host.trim_end_matches('.');
            // A numeric last label is an address in disguise (`2130706433`, `0x7f.1`): resolvers
            // read it as IPv4. Internal names and the cloud metadata service are never targets.
            let last = name.rsplit('.').next().unwrap_or("");
            last.is_empty()
                || last.chars().all(|c| c.is_ascii_digit())
                || last.starts_with("0x")
                || name == "metadata"
                || name.ends_with(".internal")
                || name.ends_with(".local")
                || name.ends_with(".localdomain")
                || name == "metadata.google.internal"
        }
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata lives here
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240
}

fn private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b // NAT64 of any IPv4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &str, loopback_http: bool) -> Policy {
        Policy {
            allowed: Some(allowed.into()),
            loopback_http,
        }
    }

    #[test]
    fn patterns_follow_spins_syntax() {
        assert!(allowed_by(
            "https://*.example.com",
            "https",
            "a.example.com",
            443
        ));
        assert!(!allowed_by(
            "https://*.example.com",
            "https",
            "example.com",
            443
        ));
        assert!(!allowed_by(
            "https://*.example.com",
            "https",
            "a.example.com",
            8443
        ));
        assert!(allowed_by(
            "https://hooks.example.com:*",
            "https",
            "hooks.example.com",
            8443
        ));
        assert!(allowed_by("*://*:*", "http", "127.0.0.1", 9));
        assert!(!allowed_by("https://x.example", "http", "x.example", 80));
    }

    #[test]
    fn private_and_loopback_targets_are_refused() {
        let p = policy("*://*:*", false);
        for t in [
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[fe80::1]/",
            "https://[::ffff:192.168.0.1]/",
            "https://metadata.google.internal/",
            "https://2130706433/",
            "https://127.0.0.1/",
            "https://localhost/",
            "http://127.0.0.1:8080/",
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
        ] {
            assert!(check(t, &p).is_err(), "{t} should be refused");
        }
        assert!(check("https://hooks.example.com/in", &p).is_ok());
        let dev = policy("*://*:*", true);
        assert!(check("http://127.0.0.1:8080/in", &dev).is_ok());
        assert!(check("http://[::1]:8080/in", &dev).is_ok());
        assert!(check("http://10.0.0.1/in", &dev).is_err());
    }
}
