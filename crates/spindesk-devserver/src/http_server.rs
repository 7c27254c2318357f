//! tiny_http in front of [`App`]: a fixed pool of workers, each serving one request at a time, so
//! a long-poll holds one worker and not the server.

use crate::app::{bare, App};
use std::io::Read;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Request bodies above this get a 413 (Spin itself sets no limit; the core has its own).
pub const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

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

fn serve(app: &App, mut request: tiny_http::Request) {
    let client = request.remote_addr().copied();
    let response = match to_http(&mut request) {
        Ok((req, host)) => app.handle(req, client, &host),
        Err(status) => bare(status),
    };
    // The client may have gone away; nothing to do about it.
    let _ = request.respond(to_tiny(response));
}

fn to_http(request: &mut tiny_http::Request) -> Result<(http::Request<Vec<u8>>, String), u16> {
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
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|_| 400u16)?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(413);
    }
    let req = builder.body(body).map_err(|_| 400u16)?;
    Ok((req, host))
}

fn to_tiny(response: http::Response<Vec<u8>>) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let (parts, body) = response.into_parts();
    let mut out = tiny_http::Response::from_data(body).with_status_code(parts.status.as_u16());
    for (name, value) in &parts.headers {
        if let Ok(header) =
            tiny_http::Header::from_bytes(name.as_str().as_bytes(), value.as_bytes())
        {
            out.add_header(header);
        }
    }
    out
}
