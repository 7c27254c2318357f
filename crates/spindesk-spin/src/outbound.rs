use futures::future::{self, Either};
use futures::TryStreamExt;
use spin_executor::CancelOnDropToken;
use spin_sdk::http::{ErrorCode, IncomingResponse, SendError};
use spindesk_core::ports::{Outbound, OutboundError};
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;
use wasi::clocks::monotonic_clock;

/// Bodies above this are refused rather than held in the instance's memory.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// `spin_sdk::http::send`, driven to completion by `spin_sdk::http::run` because the core is
/// synchronous. Spin denies hosts missing from `allowed_outbound_hosts` before anything is sent.
///
/// The timeout covers the whole exchange (request, response head and body). spin-sdk 5.2's
/// `send` passes no wasi-http `request-options` to `outgoing-handler.handle` (it hard-codes
/// `None`), so the connect / first-byte / between-bytes timeouts are not reachable through the
/// SDK. Instead the exchange races a `wasi:clocks/monotonic-clock` deadline registered with the
/// same executor; when the deadline wins, the exchange future is dropped, which drops the
/// `future-incoming-response` and makes the host abandon the request.
#[derive(Clone, Copy, Default)]
pub struct SpinOutbound;

impl Outbound for SpinOutbound {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        send_within(request, timeout, None)
    }

    /// Reads the body up to `max_body` bytes and then drops the response, which makes the
    /// host abandon the rest: a huge answer is never held in the instance.
    fn send_capped(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        send_within(request, timeout, Some(max_body))
    }
}

fn send_within(
    request: http::Request<Vec<u8>>,
    timeout: Duration,
    cap: Option<usize>,
) -> Result<http::Response<Vec<u8>>, OutboundError> {
    let authority = request
        .uri()
        .authority()
        .map_or_else(String::new, |a| a.as_str().to_owned());
    spin_sdk::http::run(async move {
        let exchange = pin!(exchange(request, cap));
        let deadline = Deadline::after(timeout);
        match future::select(exchange, deadline).await {
            Either::Left((Ok(response), _)) => Ok(response),
            Either::Left((Err(failure), _)) => Err(failure.into_port(&authority)),
            Either::Right(((), _)) => Err(OutboundError::Timeout),
        }
    })
}

#[derive(Debug)]
pub(crate) enum Failure {
    Send(SendError),
    Response(String),
}

impl Failure {
    pub(crate) fn into_port(self, authority: &str) -> OutboundError {
        match self {
            Failure::Send(SendError::Http(ErrorCode::HttpRequestDenied)) => {
                OutboundError::Denied(authority.to_owned())
            }
            Failure::Send(SendError::Http(
                ErrorCode::DnsTimeout
                | ErrorCode::ConnectionTimeout
                | ErrorCode::ConnectionReadTimeout
                | ErrorCode::ConnectionWriteTimeout
                | ErrorCode::HttpResponseTimeout,
            )) => OutboundError::Timeout,
            Failure::Send(e) => OutboundError::Failed(e.to_string()),
            Failure::Response(why) => OutboundError::Failed(why),
        }
    }
}

/// The exchange; with `cap`, the body is cut there and the rest left unread.
async fn exchange(
    request: http::Request<Vec<u8>>,
    cap: Option<usize>,
) -> Result<http::Response<Vec<u8>>, Failure> {
    // `IncomingResponse` rather than `http::Response<Vec<u8>>`: the SDK's conversion to the
    // latter panics on a body read error, and we want a body limit.
    let incoming: IncomingResponse = spin_sdk::http::send(request).await.map_err(Failure::Send)?;
    let status = http::StatusCode::from_u16(incoming.status())
        .map_err(|_| Failure::Response(format!("invalid status {}", incoming.status())))?;
    let mut headers = http::HeaderMap::new();
    for (name, value) in incoming.headers().entries() {
        // A header that is not valid HTTP cannot matter to the core; skip it rather than fail.
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(&value),
        ) {
            headers.append(name, value);
        }
    }
    let mut body = Vec::new();
    // `incoming` must outlive the stream: dropping it cancels the request.
    let mut stream = pin!(incoming.take_body_stream());
    while let Some(chunk) = stream.try_next().await.map_err(|e| {
        Failure::Response(format!(
            "reading the response body: {}",
            e.to_debug_string()
        ))
    })? {
        if let Some(cap) = cap {
            let take = chunk.len().min(cap - body.len());
            body.extend_from_slice(&chunk[..take]);
            if body.len() >= cap {
                break;
            }
            continue;
        }
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Failure::Response(format!(
                "response body larger than {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    drop(incoming);
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// Ready once the monotonic clock passes `at`; while pending it keeps one clock pollable
/// registered with spin-executor so `run` can sleep in the host until then.
struct Deadline {
    at: monotonic_clock::Instant,
    registration: Option<CancelOnDropToken>,
}

impl Deadline {
    fn after(timeout: Duration) -> Self {
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        Deadline {
            at: monotonic_clock::now().saturating_add(nanos),
            registration: None,
        }
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if monotonic_clock::now() >= self.at {
            self.registration = None;
            return Poll::Ready(());
        }
        let pollable = monotonic_clock::subscribe_instant(self.at);
        let token = spin_executor::push_waker_and_get_token(pollable, cx.waker().clone());
        // Replacing the previous token cancels the previous registration.
        self.registration = Some(token.into());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http_error(code: ErrorCode) -> OutboundError {
        Failure::Send(SendError::Http(code)).into_port("api.telegram.org")
    }

    #[test]
    fn a_host_without_a_grant_is_denied() {
        assert_eq!(
            http_error(ErrorCode::HttpRequestDenied),
            OutboundError::Denied("api.telegram.org".into())
        );
    }

    #[test]
    fn host_timeouts_are_timeouts() {
        for code in [
            ErrorCode::DnsTimeout,
            ErrorCode::ConnectionTimeout,
            ErrorCode::ConnectionReadTimeout,
            ErrorCode::ConnectionWriteTimeout,
            ErrorCode::HttpResponseTimeout,
        ] {
            assert_eq!(http_error(code), OutboundError::Timeout);
        }
    }

    #[test]
    fn other_failures_keep_their_reason() {
        let refused = http_error(ErrorCode::ConnectionRefused);
        assert!(
            matches!(refused, OutboundError::Failed(ref why) if why.contains("ConnectionRefused")),
            "{refused:?}"
        );
        let big = Failure::Response("response body larger than 8 bytes".into()).into_port("x");
        assert_eq!(
            big,
            OutboundError::Failed("response body larger than 8 bytes".into())
        );
    }
}
