//! Ports that refuse what `spin.toml` does not grant the component, as Spin does, so a missing
//! grant shows up in development and not first in production.

use spindesk_core::ports::{
    KeyValue, KvError, Outbound, OutboundError, Rows, Sql, SqlError, SqlErrorKind, Value,
};
use spindesk_native::spin_routes::AllowedHost;
use spindesk_native::{NativeSql, PlainHttp};
use std::cell::OnceCell;
use std::path::Path;
use std::time::Duration;

/// The database file, opened on the request's first statement (one connection per request, like
/// a Spin instance), or `AccessDenied` without `sqlite_databases = ["default"]`.
pub struct DevSql<'a> {
    path: &'a Path,
    granted: bool,
    /// The database's label in `spin.toml`, for the access-denied message.
    label: &'static str,
    conn: OnceCell<NativeSql>,
}

impl<'a> DevSql<'a> {
    pub fn new(path: &'a Path, granted: bool) -> Self {
        Self::labelled(path, granted, "default")
    }

    /// The database `spin.toml` grants as `label` (`attachments`), in the file `path`.
    pub fn labelled(path: &'a Path, granted: bool, label: &'static str) -> Self {
        DevSql {
            path,
            granted,
            label,
            conn: OnceCell::new(),
        }
    }
}

impl Sql for DevSql<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        if !self.granted {
            return Err(SqlError {
                kind: SqlErrorKind::AccessDenied,
                message: format!(
                    "access denied: the component has no `sqlite_databases = [\"{}\"]` grant",
                    self.label
                ),
            });
        }
        // A database that cannot be opened is an error the handler answers, not a panic.
        if self.conn.get().is_none() {
            let _ = self.conn.set(NativeSql::try_open(self.path)?);
        }
        match self.conn.get() {
            Some(conn) => conn.execute(sql, params),
            None => Err(SqlError::from_message(
                "the database connection was not kept",
            )),
        }
    }
}

/// The server's store (in memory, or Redis shared with other processes), or an access-denied
/// error without `key_value_stores = ["default"]`.
pub struct DevKeyValue<'a> {
    pub store: &'a dyn KeyValue,
    pub granted: bool,
}

impl DevKeyValue<'_> {
    fn store(&self) -> Result<&dyn KeyValue, KvError> {
        if self.granted {
            Ok(self.store)
        } else {
            Err(KvError(
                "access denied: the component has no `key_value_stores = [\"default\"]` grant"
                    .into(),
            ))
        }
    }
}

impl KeyValue for DevKeyValue<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.store()?.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.store()?.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.store()?.delete(key)
    }
}

/// Outbound HTTP in the dev server: a host outside `allowed_outbound_hosts` is `Denied`, as under
/// Spin. Plain HTTP to this machine is sent (a local Pushpin, see `loopback.rs`); with
/// [`DevOutbound::sending`] granted `http://` requests are really sent (local stand-ins for
/// vendors and bot APIs). Anything else fails with `Failed`, because the dev server calls no
/// vendor (the core then takes its failure path, e.g. leaves the message in the outbox).
pub struct DevOutbound {
    allowed: Vec<AllowedHost>,
    sender: Option<PlainHttp>,
}

impl DevOutbound {
    /// Returns the entries it cannot interpret alongside, so the caller can warn about them.
    pub fn new(allowed_outbound_hosts: &[String]) -> (Self, Vec<String>) {
        let mut allowed = Vec::new();
        let mut unsupported = Vec::new();
        for entry in allowed_outbound_hosts {
            match AllowedHost::parse(entry) {
                Some(p) => allowed.push(p),
                None => unsupported.push(entry.clone()),
            }
        }
        (
            DevOutbound {
                allowed,
                sender: None,
            },
            unsupported,
        )
    }

    /// Sends granted `http://` requests for real.
    pub fn sending(self) -> Self {
        DevOutbound {
            sender: Some(PlainHttp),
            ..self
        }
    }

    pub fn allows(&self, uri: &http::Uri) -> bool {
        self.allowed.iter().any(|p| p.allows(uri))
    }
}

impl Outbound for DevOutbound {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        self.send_within(request, timeout, None)
    }

    fn send_capped(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        self.send_within(request, timeout, Some(max_body))
    }
}

impl DevOutbound {
    fn send_within(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        cap: Option<usize>,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let uri = request.uri();
        // Only scheme and authority: paths and queries can carry tokens (Telegram's do).
        let target = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or("?"),
            uri.authority().map_or("?", |a| a.as_str())
        );
        if !self.allows(uri) {
            eprintln!(
                "spindesk-devserver: outbound {target} denied (not in allowed_outbound_hosts)"
            );
            return Err(OutboundError::Denied(
                uri.authority().map_or_else(String::new, |a| a.to_string()),
            ));
        }
        if let Some(sender) = &self.sender {
            return match cap {
                Some(cap) => sender.send_capped(request, timeout, cap),
                None => sender.send(request, timeout),
            };
        }
        // A local push hub (Pushpin's publish endpoint) is reached; nothing beyond this machine.
        if crate::loopback::is_loopback(uri) {
            return crate::loopback::send(&request, timeout);
        }
        eprintln!("spindesk-devserver: outbound {target} not sent (the dev server sends only to this machine)");
        Err(OutboundError::Failed(
            "the dev server sends outbound requests only to this machine (127.0.0.1)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entries: &[&str], uri: &str) -> bool {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        let (outbound, unsupported) = DevOutbound::new(&entries);
        assert!(unsupported.is_empty(), "{unsupported:?}");
        outbound.allows(&uri.parse().unwrap())
    }

    #[test]
    fn allowed_hosts_match_like_spin() {
        assert!(allows(
            &["https://api.telegram.org"],
            "https://api.telegram.org/bot1/sendMessage"
        ));
        assert!(allows(
            &["https://api.telegram.org"],
            "https://api.telegram.org:443/x"
        ));
        assert!(!allows(
            &["https://api.telegram.org"],
            "http://api.telegram.org/x"
        ));
        assert!(!allows(
            &["https://api.telegram.org"],
            "https://api.telegram.org:8443/x"
        ));
        assert!(!allows(&["https://api.telegram.org"], "https://evil.org/x"));
        assert!(allows(
            &["https://*.facebook.com"],
            "https://graph.facebook.com/v19.0/me"
        ));
        assert!(!allows(
            &["https://*.facebook.com"],
            "https://facebook.com.evil.org/"
        ));
        assert!(allows(
            &["http://127.0.0.1:8000..8010"],
            "http://127.0.0.1:8009/"
        ));
        assert!(!allows(
            &["http://127.0.0.1:8000..8010"],
            "http://127.0.0.1:8010/"
        ));
        assert!(allows(&["*://*:*"], "http://anything:1/"));
        assert!(!allows(&[], "https://api.telegram.org/"));
    }

    #[test]
    fn the_dev_server_sends_nothing() {
        let (outbound, _) = DevOutbound::new(&["https://api.telegram.org".to_owned()]);
        let send = |uri: &str| {
            let req = http::Request::builder().uri(uri).body(Vec::new()).unwrap();
            outbound.send(req, Duration::from_secs(1))
        };
        assert_eq!(
            send("https://evil.org/").unwrap_err(),
            OutboundError::Denied("evil.org".into())
        );
        assert!(matches!(
            send("https://api.telegram.org/bot1/x"),
            Err(OutboundError::Failed(_))
        ));
    }

    #[test]
    fn unsupported_entries_are_reported() {
        let (_, unsupported) =
            DevOutbound::new(&["api.telegram.org".into(), "https://{{ host }}".into()]);
        assert_eq!(unsupported.len(), 2);
    }

    #[test]
    fn ungranted_stores_are_refused() {
        let dir = std::env::temp_dir().join("spindesk-devserver-grants-test.db");
        let sql = DevSql::new(&dir, false);
        assert_eq!(
            sql.execute("SELECT 1", &[]).unwrap_err().kind,
            SqlErrorKind::AccessDenied
        );
        let store = spindesk_native::MemoryKeyValue::default();
        assert!(DevKeyValue {
            store: &store,
            granted: false
        }
        .get("k")
        .is_err());
        let kv = DevKeyValue {
            store: &store,
            granted: true,
        };
        kv.set("k", b"v").unwrap();
        assert_eq!(kv.get("k").unwrap(), Some(b"v".to_vec()));
    }
}
