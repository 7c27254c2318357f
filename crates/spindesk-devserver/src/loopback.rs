//! The dev server's one kind of outbound request: plain HTTP to this machine (127.0.0.1,
//! `localhost`, ::1), which is where a local Pushpin's publish endpoint listens. Anything else
//! is still not sent, so tests and development stay hermetic: no vendor is ever called.
//!
//! A small HTTP/1.1 client on `std::net` (one request per connection, `Connection: close`)
//! rather than a client library: the dev server needs nothing more.

use spindesk_core::ports::OutboundError;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Answers larger than this are cut (a publish endpoint answers a few bytes).
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// Whether `uri` is plain HTTP to this machine.
pub fn is_loopback(uri: &http::Uri) -> bool {
    uri.scheme_str() == Some("http")
        && matches!(
            uri.host(),
            Some("127.0.0.1") | Some("localhost") | Some("[::1]") | Some("::1")
        )
}

/// Sends `request` (to a URI [`is_loopback`] accepts) and reads the answer, all within
/// `timeout`.
pub fn send(
    request: &http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<http::Response<Vec<u8>>, OutboundError> {
    let started = Instant::now();
    let uri = request.uri();
    let host = uri.host().unwrap_or("127.0.0.1");
    let port = uri.port_u16().unwrap_or(80);
    let host_for_socket = host.trim_start_matches('[').trim_end_matches(']');
    let addr: SocketAddr = (host_for_socket, port)
        .to_socket_addrs()
        .map_err(|e| OutboundError::Failed(e.to_string()))?
        .next()
        .ok_or_else(|| OutboundError::Failed(format!("{host} did not resolve")))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(failed)?;
    let left = |started: Instant| {
        timeout
            .checked_sub(started.elapsed())
            .filter(|d| !d.is_zero())
            .ok_or(OutboundError::Timeout)
    };
    stream
        .set_write_timeout(Some(left(started)?))
        .map_err(failed)?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method(),
        uri.authority().map_or(host, |a| a.as_str()),
        request.body().len()
    );
    for (name, value) in request.headers() {
        if let Ok(value) = value.to_str() {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(failed)?;
    stream.write_all(request.body()).map_err(failed)?;
    stream
        .set_read_timeout(Some(left(started)?))
        .map_err(failed)?;
    let mut raw = Vec::new();
    stream
        .take(MAX_ANSWER_BYTES)
        .read_to_end(&mut raw)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => OutboundError::Timeout,
            _ => failed(e),
        })?;
    parse(&raw)
}

fn failed(e: std::io::Error) -> OutboundError {
    OutboundError::Failed(e.to_string())
}

/// Status and body of a whole HTTP/1.1 answer (the body as sent; a publish endpoint's answer
/// is only looked at for its status).
fn parse(raw: &[u8]) -> Result<http::Response<Vec<u8>>, OutboundError> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| OutboundError::Failed("no HTTP answer".into()))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| http::StatusCode::from_u16(code).ok())
        .ok_or_else(|| OutboundError::Failed(format!("not an HTTP status line: {head:.40}")))?;
    let mut response = http::Response::new(raw[split + 4..].to_vec());
    *response.status_mut() = status;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn only_plain_http_to_this_machine_is_loopback() {
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert!(is_loopback(&uri("http://127.0.0.1:5561/publish/")));
        assert!(is_loopback(&uri("http://localhost:5561/publish/")));
        assert!(!is_loopback(&uri("https://127.0.0.1:5561/")));
        assert!(!is_loopback(&uri("http://api.telegram.org/")));
        assert!(!is_loopback(&uri("http://127.0.0.2/")));
    }

    #[test]
    fn a_request_reaches_a_local_listener_and_its_status_comes_back() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !String::from_utf8_lossy(&got).contains("{\"a\":1}") {
                let n = conn.read(&mut buf).unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\nPublished\n")
                .unwrap();
            String::from_utf8(got).unwrap()
        });
        let request = http::Request::post(format!("http://127.0.0.1:{port}/publish/"))
            .header("content-type", "application/json")
            .body(br#"{"a":1}"#.to_vec())
            .unwrap();
        let response = send(&request, Duration::from_secs(5)).unwrap();
        assert_eq!(response.status(), 202);
        assert_eq!(response.body(), b"Published\n");
        let seen = server.join().unwrap();
        assert!(seen.starts_with("POST /publish/ HTTP/1.1\r\n"), "{seen}");
        assert!(
            seen.contains("content-type: application/json\r\n"),
            "{seen}"
        );
    }

    #[test]
    fn nobody_listening_is_a_failure_not_a_hang() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let request = http::Request::post(format!("http://127.0.0.1:{port}/"))
            .body(Vec::new())
            .unwrap();
        assert!(send(&request, Duration::from_secs(2)).is_err());
    }
}
