//! The key-value port on Redis, for dev-server processes that share one store (as Spin
//! instances do when runtime config maps the `default` store to Redis). Keys are stored as
//! given, as Spin's Redis store does.
//!
//! A small RESP2 client rather than the `redis` crate: the port needs three commands (`GET`,
//! `SET`, `DEL`) on a blocking socket, and the crate brings an async runtime's worth of
//! dependencies and compile time for that. Connections are pooled (a few per process, like
//! Spin's connection manager) and dropped on any error, so a Redis restart costs one failed
//! request per pooled connection at most.

use spindesk_core::ports::{KeyValue, KvError};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

/// How long one command may take before the request gets an error.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Idle connections kept for reuse.
const POOL_SIZE: usize = 16;
/// Values above this are refused (Spin's own limit for a key-value value is far below).
const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

pub struct RedisKeyValue {
    addr: String,
    db: u32,
    idle: Mutex<Vec<BufReader<TcpStream>>>,
}

/// A value RESP answered with.
#[derive(Debug, PartialEq)]
enum Reply {
    Status(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
}

impl RedisKeyValue {
    /// `redis://host:port[/db]` (no TLS, no password: a store on the local network).
    pub fn open(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| format!("{url}: expected redis://host:port[/db]"))?;
        let (addr, db) = match rest.split_once('/') {
            Some((addr, "")) => (addr, 0),
            Some((addr, db)) => (
                addr,
                db.parse()
                    .map_err(|_| format!("{url}: the database must be a number"))?,
            ),
            None => (rest, 0),
        };
        if addr.contains('@') {
            return Err(format!("{url}: passwords are not supported here"));
        }
        let addr = if addr.contains(':') {
            addr.to_owned()
        } else {
            format!("{addr}:6379")
        };
        let store = RedisKeyValue {
            addr,
            db,
            idle: Mutex::new(Vec::new()),
        };
        // Fail at start-up, not on the first request, when Redis is not there.
        store
            .command(&[b"PING"])
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(store)
    }

    fn connect(&self) -> std::io::Result<BufReader<TcpStream>> {
        let stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut conn = BufReader::new(stream);
        if self.db != 0 {
            let db = self.db.to_string();
            match round_trip(&mut conn, &[b"SELECT", db.as_bytes()])? {
                Reply::Status(_) => {}
                other => return Err(protocol(format!("SELECT answered {other:?}"))),
            }
        }
        Ok(conn)
    }

    fn command(&self, args: &[&[u8]]) -> Result<Reply, KvError> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => self.connect().map_err(|e| KvError(format!("redis: {e}")))?,
        };
        // A connection that failed mid-command may hold half an answer: it is not reused.
        let reply = round_trip(&mut conn, args).map_err(|e| KvError(format!("redis: {e}")))?;
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL_SIZE {
            idle.push(conn);
        }
        Ok(reply)
    }
}

fn protocol(why: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why)
}

fn round_trip(conn: &mut BufReader<TcpStream>, args: &[&[u8]]) -> std::io::Result<Reply> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    conn.get_mut().write_all(&out)?;
    read_reply(conn)
}

fn read_reply(conn: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let mut line = Vec::new();
    conn.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(protocol("connection closed mid-reply".into()));
    }
    let text = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
    match line[0] {
        b'+' => Ok(Reply::Status(text)),
        b'-' => Err(std::io::Error::other(text)),
        b':' => text
            .parse()
            .map(Reply::Integer)
            .map_err(|_| protocol(format!("bad integer {text:?}"))),
        b'$' => {
            let len: i64 = text
                .parse()
                .map_err(|_| protocol(format!("bad length {text:?}")))?;
            let Ok(len) = usize::try_from(len) else {
                return Ok(Reply::Bulk(None));
            };
            if len > MAX_VALUE_BYTES {
                return Err(protocol(format!("value of {len} bytes")));
            }
            let mut value = vec![0; len + 2];
            conn.read_exact(&mut value)?;
            value.truncate(len);
            Ok(Reply::Bulk(Some(value)))
        }
        other => Err(protocol(format!(
            "unexpected reply type {:?}",
            other as char
        ))),
    }
}

impl KeyValue for RedisKeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        match self.command(&[b"GET", key.as_bytes()])? {
            Reply::Bulk(value) => Ok(value),
            other => Err(KvError(format!("redis: GET answered {other:?}"))),
        }
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        match self.command(&[b"SET", key.as_bytes(), value])? {
            Reply::Status(_) => Ok(()),
            other => Err(KvError(format!("redis: SET answered {other:?}"))),
        }
    }

    fn delete(&self, key: &str) -> Result<(), KvError> {
        match self.command(&[b"DEL", key.as_bytes()])? {
            Reply::Integer(_) => Ok(()),
            other => Err(KvError(format!("redis: DEL answered {other:?}"))),
        }
    }
}
