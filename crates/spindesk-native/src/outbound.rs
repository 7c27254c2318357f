use spindesk_core::ports::{Outbound, OutboundError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the core sent, with the timeout it asked for.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub request: http::Request<Vec<u8>>,
    pub timeout: Duration,
}

/// A scripted answer: a response, or a failure such as a timeout.
pub type Reply = Result<http::Response<Vec<u8>>, OutboundError>;

/// Records every outbound request and answers from a queue of scripted replies (default 200 `{}`).
#[derive(Clone, Default)]
pub struct RecordingOutbound {
    sent: Arc<Mutex<Vec<Recorded>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    on_send: Arc<Mutex<Option<OnSend>>>,
}

/// Runs while a request is being "sent", before its reply: what a test wants to observe or do
/// while the core waits on the network.
pub type OnSend = Arc<dyn Fn(&http::Request<Vec<u8>>) + Send + Sync>;

impl RecordingOutbound {
    pub fn push_reply(&self, reply: Reply) {
        self.replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(reply);
    }

    /// Calls `f` with every request from now on, before it is answered.
    pub fn on_send(&self, f: impl Fn(&http::Request<Vec<u8>>) + Send + Sync + 'static) {
        *self.on_send.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(f));
    }

    pub fn sent(&self) -> Vec<Recorded> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Outbound for RecordingOutbound {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let hook = self
            .on_send
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(hook) = hook {
            hook(&request);
        }
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Recorded { request, timeout });
        let scripted = self
            .replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        scripted.unwrap_or_else(|| {
            Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(b"{}".to_vec())
                .expect("static response"))
        })
    }
}
