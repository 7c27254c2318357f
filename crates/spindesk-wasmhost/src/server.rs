//! The HTTP side: each request routed as Spin routes it, given Spin's request headers, and
//! answered by a fresh instance of its component. At most `instances` run at once (Spin's
//! instance pool holds 1,000); over that a request gets a bare 500, as from Spin.

use crate::app::App;
use crate::state::Instance;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use wasmtime::Store;
use wasmtime_wasi_http::bindings::http::types::Scheme;
use wasmtime_wasi_http::body::HyperOutgoingBody;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::WasiHttpView;

pub struct Server {
    app: Arc<App>,
    pool: Arc<Semaphore>,
}

impl Server {
    pub fn new(app: App, instances: usize) -> Server {
        Server {
            app: Arc::new(app),
            pool: Arc::new(Semaphore::new(instances)),
        }
    }

    /// Serves `listener` until the process ends.
    pub async fn run(self, listener: TcpListener) -> anyhow::Result<()> {
        let server = Arc::new(self);
        loop {
            let (client, peer) = listener.accept().await?;
            let server = Arc::clone(&server);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let server = Arc::clone(&server);
                    async move { Ok::<_, std::convert::Infallible>(server.answer(req, peer).await) }
                });
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(client), service)
                    .await;
            });
        }
    }

    async fn answer(
        &self,
        req: hyper::Request<Incoming>,
        peer: SocketAddr,
    ) -> hyper::Response<HyperOutgoingBody> {
        match self.handle(req, peer).await {
            Ok(resp) => resp,
            Err(e) => {
                eprintln!("spindesk-wasmhost: {e:#}");
                plain(500, "")
            }
        }
    }

    async fn handle(
        &self,
        mut req: hyper::Request<Incoming>,
        peer: SocketAddr,
    ) -> anyhow::Result<hyper::Response<HyperOutgoingBody>> {
        let Ok(permit) = Arc::clone(&self.pool).try_acquire_owned() else {
            return Ok(plain(500, ""));
        };
        let path = req.uri().path().to_owned();
        let Some(matched) = self.app.router.route(&path) else {
            return Ok(plain(404, "Not Found"));
        };
        let component = matched.component.to_owned();
        let Some(loaded) = self.app.components.get(&component) else {
            return Ok(plain(404, "Not Found"));
        };
        let host = req
            .headers()
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let path_and_query = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| path.clone());
        let (raw_route, base) = (matched.raw_route.to_owned(), matched.route.base());
        // A Host header that cannot make a URL is the caller's mistake: 400, not 500.
        let Ok(full_url) = format!("http://{host}{path_and_query}").parse::<hyper::Uri>() else {
            return Ok(plain(
                400,
                "Bad Request: the Host header does not make a URL",
            ));
        };
        let headers = req.headers_mut();
        for (name, value) in [
            ("spin-full-url", full_url.to_string()),
            ("spin-path-info", matched.path_info.clone()),
            ("spin-matched-route", raw_route.clone()),
            ("spin-raw-component-route", raw_route),
            ("spin-component-route", base),
            ("spin-base-path", "/".to_owned()),
            ("spin-client-addr", peer.to_string()),
        ] {
            headers.insert(name, value.parse()?);
        }
        *req.uri_mut() = full_url;

        let pre = self.app.pre(&component).await?.clone();
        let mut store = Store::new(
            &self.app.engine,
            Instance::new(Arc::clone(&self.app), Arc::clone(&loaded.grants)),
        );
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store.data_mut().new_incoming_request(Scheme::Http, req)?;
        let out = store.data_mut().new_response_outparam(sender)?;
        // The instance runs in a task of its own, so it may go on after its response (a
        // component that answers first); the pool's place is held until it ends.
        let task = tokio::spawn(async move {
            let _permit = permit;
            let started = std::time::Instant::now();
            let proxy = pre.instantiate_async(&mut store).await?;
            let ran = proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, out)
                .await;
            if let Some(trace) = &store.data().trace {
                let micros = started.elapsed().as_micros();
                eprintln!("--- {component} {path}: {micros} us\n{}", trace.join("\n"));
            }
            // A trap after the response was sent (in a follow-up) has no one else to tell.
            if let Err(e) = &ran {
                eprintln!("spindesk-wasmhost: {component}: {e:#}");
            }
            ran
        });
        match receiver.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(code)) => anyhow::bail!("the component answered with an error: {code:?}"),
            Err(_) => match task.await {
                Ok(Ok(())) => anyhow::bail!("the component set no response"),
                // The trap itself is logged by the task.
                Ok(Err(_)) => anyhow::bail!("the component trapped before it answered"),
                Err(e) => Err(e.into()),
            },
        }
    }
}

fn plain(status: u16, text: &'static str) -> hyper::Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from_static(text.as_bytes()))
        .map_err(|never| match never {})
        .boxed();
    let mut resp = hyper::Response::new(body);
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    resp
}
