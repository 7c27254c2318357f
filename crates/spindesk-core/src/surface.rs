//! What an HTTP surface is: one per Spin component. `spin.toml` maps each component id to a
//! `components/<id>` crate whose only job is to call [`Surface::handle`] with Spin's ports.
//! The surfaces themselves live in [`crate::api`], which lists them ([`crate::api::SURFACES`]).

use crate::ports::Env;

pub type Request = http::Request<Vec<u8>>;
pub type Response = http::Response<Vec<u8>>;

/// What a surface may touch. Tests run every handler with ports that refuse anything not listed
/// here, and a test checks that `spin.toml` grants exactly this to the component.
#[derive(Debug, Clone, Copy)]
pub struct Uses {
    pub sqlite: bool,
    pub key_value: bool,
    pub variables: &'static [&'static str],
    pub outbound: bool,
    /// Runs the bot, so `spin.toml` gives it the `spindesk:bot/actions` dependency.
    pub actions: bool,
    /// Reads or writes attachment bytes, so `spin.toml` grants it the `attachments` database
    /// (`sqlite_databases = ["default", "attachments"]`).
    pub files: bool,
    /// Reads or writes the help center (its articles: the bot's answers), so `spin.toml`
    /// grants it the `help_center` database.
    pub help_center: bool,
    /// Holds long-polls (`held_polls.rs`), so `spin.toml` grants it the `live` database.
    pub live: bool,
}

#[derive(Clone, Copy)]
pub struct Surface {
    /// The component id in `spin.toml`.
    pub component: &'static str,
    pub handle: Handler,
    pub uses: Uses,
    /// Routes that read their body as it arrives (uploads) instead of whole: the adapters
    /// hand these a [`BodyStream`] and [`Surface::handle`] everything else.
    pub streamed: &'static [Streamed],
}

/// A request body read as it arrives: what the runtime's stream looks like to the core.
pub trait BodyStream {
    /// Up to `max` more bytes (`max` > 0); an empty `Vec` only at the end of the body.
    fn read(&mut self, max: usize) -> Result<Vec<u8>, String>;
}

/// A route whose handler reads the body itself, a piece at a time, so that a large upload is
/// never whole in memory and a too-large one is refused after `limit + 1` bytes.
#[derive(Clone, Copy)]
pub struct Streamed {
    /// The method and path it answers (`POST`, `/api/widget/uploads`); a `*` segment matches
    /// any one segment (`/api/v2/help_center/articles/*/attachments`).
    pub method: &'static str,
    pub path: &'static str,
    /// Gets the request's head (its body empty) and the body's stream.
    pub handle: fn(&Env, Request, &mut dyn BodyStream) -> Response,
}

impl Streamed {
    /// Whether this route answers `method` on `path`.
    pub fn matches(&self, method: &http::Method, path: &str) -> bool {
        if method.as_str() != self.method {
            return false;
        }
        let (mut want, mut got) = (self.path.split('/'), path.split('/'));
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some("*"), Some(seg)) if !seg.is_empty() => {}
                (Some(a), Some(b)) if a == b => {}
                _ => return false,
            }
        }
    }
}

/// A body already in memory, as a [`BodyStream`] (tests, and runtimes that buffer).
pub struct BufferedBody {
    bytes: Vec<u8>,
    at: usize,
}

impl BufferedBody {
    pub fn new(bytes: Vec<u8>) -> Self {
        BufferedBody { bytes, at: 0 }
    }

    /// How many bytes have been read so far.
    pub fn consumed(&self) -> usize {
        self.at
    }
}

impl BodyStream for BufferedBody {
    fn read(&mut self, max: usize) -> Result<Vec<u8>, String> {
        let end = self.at.saturating_add(max).min(self.bytes.len());
        let chunk = self.bytes[self.at..end].to_vec();
        self.at = end;
        Ok(chunk)
    }
}

/// How a surface answers a request.
#[derive(Clone, Copy)]
pub enum Handler {
    /// The response is all there is: the request is done when it is sent.
    Respond(fn(&Env, Request) -> Response),
    /// The response goes to the caller first, then its [`FollowUp`] runs: for callers that
    /// must not wait for slow work (a vendor's webhook retries after a few seconds; the bot's
    /// API calls and the sends to the vendor come after the acknowledgement).
    AnswerFirst(fn(&Env, Request) -> Answer),
}

/// A response and the work to do once it has been sent.
pub struct Answer {
    pub response: Response,
    pub follow_up: FollowUp,
}

impl Answer {
    /// A response with nothing after it.
    pub fn now(response: Response) -> Self {
        Answer {
            response,
            follow_up: FollowUp::none(),
        }
    }
}

/// Work left for after the response, run by the adapter with the same request's ports (the
/// same database connection). It owns what it needs: nothing borrowed from the request
/// outlives the response. Everything it does must already be recoverable from stored state
/// (outbox rows, a bot's awaited call), because a runtime may end the instance once the
/// response is out.
#[derive(Default)]
pub struct FollowUp(Option<Box<FollowUpWork>>);

type FollowUpWork = dyn for<'a, 'b> FnOnce(&'a Env<'b>);

impl FollowUp {
    pub fn none() -> Self {
        FollowUp(None)
    }

    pub fn new(work: impl for<'a, 'b> FnOnce(&'a Env<'b>) + 'static) -> Self {
        FollowUp(Some(Box::new(work)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn run(self, env: &Env) {
        if let Some(work) = self.0 {
            work(env);
        }
    }

    /// This follow-up, then `next`.
    pub fn then(self, next: impl for<'a, 'b> FnOnce(&'a Env<'b>) + 'static) -> Self {
        FollowUp::new(move |env: &Env| {
            self.run(env);
            next(env);
        })
    }
}

impl Surface {
    /// The streamed route for `method` and `path`, if this surface has one.
    pub fn streamed_route(&self, method: &http::Method, path: &str) -> Option<&'static Streamed> {
        self.streamed.iter().find(|s| s.matches(method, path))
    }

    /// Answers `req`: the response, and what to do after sending it.
    pub fn answer(&self, env: &Env, req: Request) -> Answer {
        match self.handle {
            Handler::Respond(respond) => Answer::now(respond(env, req)),
            Handler::AnswerFirst(answer) => answer(env, req),
        }
    }

    /// Answers `req` and runs the follow-up at once: for callers with no connection to send
    /// the response on first (benchmarks, in-process tools).
    pub fn respond(&self, env: &Env, req: Request) -> Response {
        let answer = self.answer(env, req);
        answer.follow_up.run(env);
        answer.response
    }
}
