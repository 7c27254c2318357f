//! tiny_http in front of [`App`]: a fixed pool of workers, each serving one request at a time, so
//! a long-poll holds one worker and not the server.

use crate::app::{bare, App};
use spindesk_core::surface::BodyStream;
use std::io::{Read, Write};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Request bodies above this get a 413 before a handler runs, and the rest of the stream is
/// not read (as Spin refuses a 64 MiB chunked body without its memory growing). Above every
/// route's own limit (Meta webhooks, 3 MiB), which answers first for the routes — except the
/// e-mail webhook's (Postmark's files inline, 50 MiB), read up to its own limit
/// ([`spindesk_core::api::channels::webhook_max_body`]).
pub const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// Starts `workers` threads answering requests from `server` until it is unblocked.
pub fn spawn_workers(
    app: Arc<App>,
    server: Arc<tiny_http::Server>,
    workers: usize,
) -> Vec<JoinHandle<()>> {
    (0..workers.max(1))
        .map(|i| {
            let (app, server) = (app.clone(), server.clone());
            std::thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || {
                    while let Ok(request) = server.recv() {
                        serve(&app, request);
                    }
                })
                .expect("spawn a worker thread at start-up")
        })
        .collect()
}

/// Answers `request`, then runs what the surface left for after the response (as Spin does:
/// the response is written and flushed before the follow-up starts).
fn serve(app: &App, mut request: tiny_http::Request) {
    let client = request.remote_addr().copied();
    let head = *request.method() == tiny_http::Method::Head;
    if let Some((req, host)) = streamed_head(app, &request) {
        // An upload: the route reads the body from the socket itself, as it arrives.
        let mut body = ReaderBody(request.as_reader());
        let mut response = None;
        app.serve_streamed(req, &mut body, client, &host, |r| response = Some(r));
        let response = response.unwrap_or_else(|| bare(500));
        let _ = write_closing(&mut request.into_writer(), response, head);
        return;
    }
    let (req, host) = match to_http(&mut request) {
        Ok(parsed) => parsed,
        Err(status) => {
            let _ = write_closing(&mut request.into_writer(), bare(status), head);
            return;
        }
    };
    app.serve(req, client, &host, |response| {
        // The client may have gone away; nothing to do about it. The writer is dropped here,
        // which closes the connection before the follow-up runs.
        let _ = write_closing(&mut request.into_writer(), response, head);
    });
}

/// Writes the answer with `Connection: close` (tiny_http drops that header from its own
/// responses, hence the answer written here). tiny_http gives each open connection one thread
/// of its pool until the client closes it, and that pool can leave a burst of new connections
/// queued behind idle keep-alive ones: a fresh server hung on a page loading a dozen files at
/// once. A client closes a connection the answer closes, which frees the thread at once.
fn write_closing(
    out: &mut dyn Write,
    response: http::Response<Vec<u8>>,
    head: bool,
) -> std::io::Result<()> {
    let (parts, body) = response.into_parts();
    let status = parts.status;
    let mut bytes = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if matches!(
            name.as_str(),
            "connection" | "content-length" | "transfer-encoding"
        ) {
            continue;
        }
        bytes.extend_from_slice(name.as_str().as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    let bodiless = status.is_informational()
        || status == http::StatusCode::NO_CONTENT
        || status == http::StatusCode::NOT_MODIFIED;
    if !bodiless {
        bytes.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    bytes.extend_from_slice(b"connection: close\r\n\r\n");
    if !head && !bodiless {
        bytes.extend_from_slice(&body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

/// A request body read from the connection on demand.
struct ReaderBody<'a>(&'a mut dyn Read);

impl BodyStream for ReaderBody<'_> {
    fn read(&mut self, max: usize) -> Result<Vec<u8>, String> {
        // At most 64 KiB per read, whatever is asked: one socket read's worth.
        let mut buf = vec![0u8; max.min(64 * 1024)];
        let n = self.0.read(&mut buf).map_err(|e| e.to_string())?;
        buf.truncate(n);
        Ok(buf)
    }
}

/// The head of a request to a streamed route (its body not read), or `None` for any other.
fn streamed_head(
    app: &App,
    request: &tiny_http::Request,
) -> Option<(http::Request<Vec<u8>>, String)> {
    let method = http::Method::from_bytes(request.method().as_str().as_bytes()).ok()?;
    let path = request.url().split('?').next().unwrap_or_default();
    if !app.is_streamed(&method, path) {
        return None;
    }
    let (builder, host) = head_of(request);
    builder.body(Vec::new()).ok().map(|req| (req, host))
}

fn head_of(request: &tiny_http::Request) -> (http::request::Builder, String) {
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(request.url());
    let mut host = String::from("127.0.0.1");
    for header in request.headers() {
        let (name, value) = (header.field.as_str().as_str(), header.value.as_str());
        if name.eq_ignore_ascii_case("host") {
            host = value.to_owned();
        }
        builder = builder.header(name, value);
    }
    (builder, host)
}

fn to_http(request: &mut tiny_http::Request) -> Result<(http::Request<Vec<u8>>, String), u16> {
    let (builder, host) = head_of(request);
    let path = request.url().split('?').next().unwrap_or_default();
    // One byte past a webhook's own limit, so the surface answers its 413 in our envelope.
    let cap = spindesk_core::api::channels::webhook_max_body(path)
        .map_or(MAX_BODY_BYTES, |limit| MAX_BODY_BYTES.max(limit as u64 + 1));
    let mut body = Vec::new();
    request
        .as_reader()
        .take(cap + 1)
        .read_to_end(&mut body)
        .map_err(|_| 400u16)?;
    if body.len() as u64 > cap {
        return Err(413);
    }
    let req = builder.body(body).map_err(|_| 400u16)?;
    Ok((req, host))
}
