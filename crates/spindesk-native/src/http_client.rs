//! A plain-`http://` HTTP/1.1 client on `std::net`, for the dev server's `--send-outbound`:
//! enough to reach local stand-ins for vendors and bot APIs (tests, demos) without a TLS stack
//! or an async runtime in the native crates. One request per connection (`Connection: close`),
//! the body read to the end or to `Content-Length`; chunked responses are decoded.
//! `https://` is refused with `Failed`: the dev server is not where real vendors are called.

use spindesk_core::ports::{Outbound, OutboundError};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Bodies above this are refused, as the Spin adapter refuses them.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Copy, Default)]
pub struct PlainHttp;

impl Outbound for PlainHttp {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let deadline = Instant::now() + timeout;
        exchange(&request, deadline, None).map_err(port_error)
    }

    /// Reads at most `max_body` bytes of the body, then closes the connection: the rest of a
    /// huge answer is never read.
    fn send_capped(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let deadline = Instant::now() + timeout;
        exchange(&request, deadline, Some(max_body)).map_err(port_error)
    }
}

fn port_error(e: std::io::Error) -> OutboundError {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => OutboundError::Timeout,
        _ => OutboundError::Failed(e.to_string()),
    }
}

fn invalid(why: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.into())
}

/// Time left before `deadline`, or a timeout error once it has passed.
fn left(deadline: Instant) -> std::io::Result<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline passed"))
}

fn exchange(
    request: &http::Request<Vec<u8>>,
    deadline: Instant,
    cap: Option<usize>,
) -> std::io::Result<http::Response<Vec<u8>>> {
    let uri = request.uri();
    if uri.scheme_str() != Some("http") {
        return Err(std::io::Error::other(
            "only http:// is sent from here (no TLS in the dev server)",
        ));
    }
    let host = uri.host().ok_or_else(|| invalid("no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid("host did not resolve"))?;
    let mut stream = TcpStream::connect_timeout(&addr, left(deadline)?)?;
    stream.set_write_timeout(Some(left(deadline)?))?;

    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: {host}:{port}\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        if matches!(name.as_str(), "host" | "content-length" | "connection") {
            continue;
        }
        let value = value.to_str().map_err(|_| invalid("non-text header"))?;
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body().len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;
    stream.flush()?;

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    read_line(&mut reader, &mut line, deadline)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
    let mut response = http::Response::builder().status(status);
    let (mut length, mut chunked) = (None, false);
    loop {
        read_line(&mut reader, &mut line, deadline)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(invalid("bad header line"));
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = Some(value.parse::<usize>().map_err(|_| invalid("bad length"))?);
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
        response = response.header(name, value);
    }
    let body = match cap {
        // The connection is closed when `reader` is dropped: what was not read stays unread.
        Some(cap) if chunked => read_chunked(&mut reader, deadline, cap)?,
        Some(cap) => read_prefix(&mut reader, length.map_or(cap, |l| l.min(cap)), deadline)?,
        None if chunked => read_chunked(&mut reader, deadline, MAX_RESPONSE_BYTES + 1)
            .and_then(|b| too_large(b, MAX_RESPONSE_BYTES))?,
        None => read_body(&mut reader, length, deadline)?,
    };
    response.body(body).map_err(|e| invalid(e.to_string()))
}

fn read_line(
    reader: &mut BufReader<TcpStream>,
    line: &mut String,
    deadline: Instant,
) -> std::io::Result<()> {
    line.clear();
    reader.get_ref().set_read_timeout(Some(left(deadline)?))?;
    if reader.read_line(line)? == 0 {
        return Err(invalid("connection closed early"));
    }
    Ok(())
}

fn read_body(
    reader: &mut BufReader<TcpStream>,
    length: Option<usize>,
    deadline: Instant,
) -> std::io::Result<Vec<u8>> {
    if length.is_some_and(|l| l > MAX_RESPONSE_BYTES) {
        return Err(invalid("response body too large"));
    }
    // Without a length the body runs to the end of the connection.
    let limit = length.unwrap_or(MAX_RESPONSE_BYTES + 1);
    let mut body = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while body.len() < limit {
        reader.get_ref().set_read_timeout(Some(left(deadline)?))?;
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(invalid("response body too large"));
    }
    body.truncate(limit);
    Ok(body)
}

/// `body` unless it is longer than `max`.
fn too_large(body: Vec<u8>, max: usize) -> std::io::Result<Vec<u8>> {
    if body.len() > max {
        return Err(invalid("response body too large"));
    }
    Ok(body)
}

/// The first `limit` bytes of the body (fewer if the connection ends first).
fn read_prefix(
    reader: &mut BufReader<TcpStream>,
    limit: usize,
    deadline: Instant,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while body.len() < limit {
        reader.get_ref().set_read_timeout(Some(left(deadline)?))?;
        let want = buf.len().min(limit - body.len());
        let n = reader.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Ok(body)
}

/// A chunked body, decoded, up to `limit` bytes: the chunks past it are not read.
fn read_chunked(
    reader: &mut BufReader<TcpStream>,
    deadline: Instant,
    limit: usize,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        read_line(reader, &mut line, deadline)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            return Ok(body);
        }
        let start = body.len();
        let take = size.min(limit - start);
        body.resize(start + take, 0);
        reader.get_ref().set_read_timeout(Some(left(deadline)?))?;
        reader.read_exact(&mut body[start..])?;
        if body.len() >= limit {
            return Ok(body);
        }
        read_line(reader, &mut line, deadline)?;
    }
}
