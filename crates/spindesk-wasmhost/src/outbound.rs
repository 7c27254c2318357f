//! `allowed_outbound_hosts`, as Spin checks it: an entry is `scheme://host[:port]`, where the
//! scheme or host may be `*`, a host may start with `*.` (any subdomain), and the port may be
//! `*`; without a port, the scheme's own (80 or 443). A request to anything else is refused
//! before it leaves (`HTTP-request-denied`).

#[derive(Debug, Clone, PartialEq)]
pub struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq)]
enum HostPattern {
    Any,
    Exact(String),
    SubdomainOf(String),
}

impl AllowedHost {
    pub fn parse(entry: &str) -> Result<AllowedHost, String> {
        let (scheme, rest) = entry
            .split_once("://")
            .ok_or_else(|| format!("{entry:?} has no scheme (write https://host)"))?;
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') {
            return Err(format!("{entry:?} has a path: only scheme, host and port"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        let scheme = (scheme != "*").then(|| scheme.to_ascii_lowercase());
        let port = match port {
            Some("*") => None,
            Some(p) => Some(
                p.parse()
                    .map_err(|_| format!("{entry:?}: port {p:?} is not a number or *"))?,
            ),
            None => match scheme.as_deref() {
                Some("http") => Some(80),
                Some("https") => Some(443),
                _ => return Err(format!("{entry:?}: give a port for scheme {scheme:?}")),
            },
        };
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(domain) = host.strip_prefix("*.") {
            HostPattern::SubdomainOf(domain.to_owned())
        } else {
            HostPattern::Exact(host)
        };
        Ok(AllowedHost { scheme, host, port })
    }

    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        self.scheme.as_deref().is_none_or(|s| s == scheme)
            && self.port.is_none_or(|p| p == port)
            && match &self.host {
                HostPattern::Any => true,
                HostPattern::Exact(h) => *h == host,
                HostPattern::SubdomainOf(d) => host
                    .strip_suffix(d.as_str())
                    .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::AllowedHost;

    fn allows(entry: &str, scheme: &str, host: &str, port: u16) -> bool {
        AllowedHost::parse(entry)
            .unwrap()
            .allows(scheme, host, port)
    }

    #[test]
    fn entries_match_as_spin_matches_them() {
        assert!(allows(
            "https://api.telegram.org",
            "https",
            "api.telegram.org",
            443
        ));
        assert!(!allows(
            "https://api.telegram.org",
            "http",
            "api.telegram.org",
            80
        ));
        assert!(!allows(
            "https://api.telegram.org",
            "https",
            "api.telegram.org",
            8443
        ));
        assert!(allows("http://127.0.0.1:*", "http", "127.0.0.1", 5561));
        assert!(allows("http://127.0.0.1:5561", "http", "127.0.0.1", 5561));
        assert!(allows(
            "https://*.example.com",
            "https",
            "a.example.com",
            443
        ));
        assert!(!allows(
            "https://*.example.com",
            "https",
            "example.com",
            443
        ));
        assert!(!allows(
            "https://*.example.com",
            "https",
            "badexample.com",
            443
        ));
        assert!(allows("*://*:*", "http", "anything", 1));
        assert!(AllowedHost::parse("api.telegram.org").is_err());
        assert!(AllowedHost::parse("https://a/b").is_err());
    }
}
