//! Requests in spin-sdk's streaming form (`IncomingRequest`): a surface's streamed routes
//! (uploads) read the body a piece at a time; every other route gets the whole body, as with
//! the `http::Request<Vec<u8>>` form.
//!
//! spin-sdk reads an incoming body in pieces of at most 16 KiB (`executor::incoming_body`);
//! [`SpinBody`] hands the core at most what it asks for and keeps the rest of the piece for the
//! next read, so a component holds one piece besides what the core keeps (one part, 256 KiB).

use futures::{Stream, StreamExt};
use spin_sdk::http::IncomingRequest;
use spindesk_core::surface::{BodyStream, Request, Streamed};
use std::fmt::Debug;
use std::pin::Pin;

/// The body of an `IncomingRequest`, read on demand.
pub struct SpinBody<S> {
    stream: Pin<Box<S>>,
    /// What the last piece held beyond what was asked.
    rest: Vec<u8>,
}

impl<S, E> BodyStream for SpinBody<S>
where
    S: Stream<Item = Result<Vec<u8>, E>>,
    E: Debug,
{
    fn read(&mut self, max: usize) -> Result<Vec<u8>, String> {
        if self.rest.is_empty() {
            match spin_sdk::http::run(self.stream.next()) {
                None => return Ok(Vec::new()),
                Some(Err(e)) => return Err(format!("{e:?}")),
                Some(Ok(piece)) => self.rest = piece,
            }
        }
        if self.rest.len() <= max {
            return Ok(std::mem::take(&mut self.rest));
        }
        let tail = self.rest.split_off(max);
        Ok(std::mem::replace(&mut self.rest, tail))
    }
}

/// The request's method, URI and headers, without its body: what spin-sdk's own conversion to
/// `http::Request` gives (the URI with scheme and authority when the host passes them).
fn head(req: &IncomingRequest) -> Result<Request, String> {
    let mut builder = http::Request::builder()
        .method(req.method().to_string().as_str())
        .uri(req.uri());
    for (name, value) in req.headers().entries() {
        builder = builder.header(name, value);
    }
    builder.body(Vec::new()).map_err(|e| e.to_string())
}

/// What to do with an incoming request: a streamed route with its head and body, or the whole
/// request for the surface's ordinary handler.
pub enum Incoming {
    Streamed(&'static Streamed, Request, Box<dyn BodyStream>),
    Whole(Request),
}

/// Reads `req` as `streamed` routes need: their head now and their body later; any other
/// request whole.
pub fn split(streamed: &'static [Streamed], req: IncomingRequest) -> Result<Incoming, String> {
    let head = head(&req)?;
    if let Some(route) = streamed
        .iter()
        .find(|s| s.matches(head.method(), head.uri().path()))
    {
        let body = SpinBody {
            stream: Box::pin(req.into_body_stream()),
            rest: Vec::new(),
        };
        return Ok(Incoming::Streamed(route, head, Box::new(body)));
    }
    let body = spin_sdk::http::run(req.into_body()).map_err(|e| format!("{e:?}"))?;
    let (parts, _) = head.into_parts();
    Ok(Incoming::Whole(http::Request::from_parts(parts, body)))
}
