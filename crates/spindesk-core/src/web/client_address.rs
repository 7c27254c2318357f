//! Who a request comes from, as a key for per-address limits.
//!
//! Spin names the connection's peer in `spin-client-addr` (`ip:port`). Behind a reverse proxy
//! the peer is the proxy, shared by every visitor: then, and only then, the proxy's
//! `X-Forwarded-For` names the client. A forwarded-for header from anyone else is ignored, so
//! a visitor cannot pick their own key. IPv6 clients are keyed by their /64 (one subscriber gets
//! a whole /64 and can rotate through it), IPv4 by the address. A request without any address
//! shares one key with every other such request, so it is limited rather than unlimited.

use http::Request;
use std::net::{IpAddr, Ipv6Addr};

/// The key of requests whose address is unknown.
pub const UNKNOWN: &str = "unknown";
/// Most entries of `X-Forwarded-For` looked at (a chain of proxies is short; a long header is
/// an attack on the parser).
const MAX_HOPS: usize = 16;

/// Proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges, from the
/// `trusted_proxies` variable (`10.0.0.0/8, 192.0.2.7, fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses the variable; `Err` names the first entry that is not an address or range.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for entry in raw
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (ip, bits) = match entry.split_once('/') {
                Some((ip, bits)) => (ip, Some(bits)),
                None => (entry, None),
            };
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address or CIDR range"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{entry:?} has a prefix length over {max}"))?,
            };
            ranges.push((canonical(ip), bits));
        }
        Ok(Self(ranges))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(net, bits)| in_range(ip, *net, *bits))
    }
}

/// The key a request's client is counted under.
pub fn client_key<B>(req: &Request<B>, trusted: &TrustedProxies) -> String {
    match client_ip(req, trusted) {
        Some(ip) => key_of(ip),
        None => UNKNOWN.to_owned(),
    }
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the nearest address
/// in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip<B>(req: &Request<B>, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = header(req, "spin-client-addr").and_then(parse_peer)?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let Some(forwarded) = header(req, "x-forwarded-for") else {
        return Some(peer);
    };
    // Each proxy appends the address it received from: read from the right, past our proxies.
    let mut client = peer;
    for hop in forwarded.rsplit(',').take(MAX_HOPS) {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = canonical(ip);
                if !trusted.contains(client) {
                    break;
                }
            }
            // Garbage in the chain: the last address we could read is what we know.
            Err(_) => break,
        }
    }
    Some(client)
}

/// The last address in `X-Forwarded-For`: what the proxy in front appended for its peer.
pub fn last_forwarded<B>(req: &Request<B>) -> Option<IpAddr> {
    header(req, "x-forwarded-for")?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
        .map(canonical)
}

fn header<'a, B>(req: &'a Request<B>, name: &str) -> Option<&'a str> {
    req.headers().get(name)?.to_str().ok()
}

/// `ip:port`, `[v6]:port` or a bare address.
fn parse_peer(addr: &str) -> Option<IpAddr> {
    let addr = addr.trim();
    if let Ok(ip) = addr.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    let host = match addr.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.0,
        None => addr.rsplit_once(':')?.0,
    };
    host.parse().ok().map(canonical)
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The key of a known client address: IPv4 as it is, IPv6 by its /64.
pub fn key_of(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(peer: Option<&str>, forwarded: Option<&str>) -> Request<()> {
        let mut b = Request::builder();
        if let Some(p) = peer {
            b = b.header("spin-client-addr", p);
        }
        if let Some(f) = forwarded {
            b = b.header("x-forwarded-for", f);
        }
        b.body(()).expect("request")
    }

    fn proxies(raw: &str) -> TrustedProxies {
        TrustedProxies::parse(raw).expect("valid")
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let spoofed = req(Some("203.0.113.7:4000"), Some("198.51.100.1"));
        assert_eq!(client_key(&spoofed, &none), "203.0.113.7");
        let p = proxies("10.0.0.0/8");
        assert_eq!(
            client_key(&spoofed, &p),
            "203.0.113.7",
            "not from our proxy"
        );
        let proxied = req(Some("10.1.2.3:4000"), Some("198.51.100.1, 10.9.9.9"));
        assert_eq!(client_key(&proxied, &p), "198.51.100.1");
        // What a client writes in front of the real chain is not believed.
        let forged = req(Some("10.1.2.3:4000"), Some("1.1.1.1, 198.51.100.1"));
        assert_eq!(client_key(&forged, &p), "198.51.100.1");
        // From our proxy without the header: the proxy is all we know.
        assert_eq!(client_key(&req(Some("10.1.2.3:1"), None), &p), "10.1.2.3");
        // Garbage after a good hop stops at the good hop.
        let junk = req(Some("10.1.2.3:1"), Some("nonsense, 198.51.100.9"));
        assert_eq!(client_key(&junk, &p), "198.51.100.9");
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_as_ipv4() {
        let none = TrustedProxies::default();
        let a = req(Some("[2001:db8:1:2:aaaa::1]:443"), None);
        let b = req(Some("[2001:db8:1:2:bbbb::9]:443"), None);
        let c = req(Some("[2001:db8:1:3::1]:443"), None);
        assert_eq!(client_key(&a, &none), "2001:db8:1:2::/64");
        assert_eq!(client_key(&a, &none), client_key(&b, &none));
        assert_ne!(client_key(&a, &none), client_key(&c, &none));
        let mapped = req(Some("[::ffff:192.0.2.1]:80"), None);
        assert_eq!(client_key(&mapped, &none), "192.0.2.1");
    }

    #[test]
    fn no_address_is_one_shared_key() {
        let none = TrustedProxies::default();
        assert_eq!(client_key(&req(None, None), &none), UNKNOWN);
        assert_eq!(
            client_key(&req(Some("not an address"), None), &none),
            UNKNOWN
        );
    }

    #[test]
    fn trusted_proxies_parse_with_clear_errors() {
        let p = proxies("192.0.2.7, 10.0.0.0/8 fd00::/8");
        assert!(p.contains("192.0.2.7".parse().unwrap()));
        assert!(!p.contains("192.0.2.8".parse().unwrap()));
        assert!(p.contains("10.255.0.1".parse().unwrap()));
        assert!(p.contains("fd12::1".parse().unwrap()));
        assert!(p.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(proxies("0.0.0.0/0").contains("8.8.8.8".parse().unwrap()));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
    }
}
