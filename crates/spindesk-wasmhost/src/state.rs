//! One request's instance state: what a Spin instance has (its WASI context, its resource
//! table with the connections it opened, its component's grants), dropped with the instance.

use crate::app::{App, Grants};
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::body::HyperOutgoingBody;
use wasmtime_wasi_http::types::{HostFutureIncomingResponse, OutgoingRequestConfig};
use wasmtime_wasi_http::{HttpResult, WasiHttpCtx, WasiHttpView};

pub struct Instance {
    pub app: Arc<App>,
    pub grants: Arc<Grants>,
    pub table: ResourceTable,
    /// With `--trace-sql`: this request's SQLite calls, one line each, printed when it ends.
    pub trace: Option<Vec<String>>,
    wasi: WasiCtx,
    http: WasiHttpCtx,
}

impl Instance {
    pub fn new(app: Arc<App>, grants: Arc<Grants>) -> Instance {
        Instance {
            trace: app.trace_sql.then(Vec::new),
            app,
            grants,
            table: ResourceTable::new(),
            wasi: WasiCtx::builder().inherit_stdout().inherit_stderr().build(),
            http: WasiHttpCtx::new(),
        }
    }
}

impl WasiView for Instance {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Instance {
    fn ctx(&mut self) -> &mut WasiHttpCtx {
        &mut self.http
    }

    fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// Only to the component's `allowed_outbound_hosts`, as under Spin.
    fn send_request(
        &mut self,
        request: hyper::Request<HyperOutgoingBody>,
        config: OutgoingRequestConfig,
    ) -> HttpResult<HostFutureIncomingResponse> {
        let uri = request.uri();
        let allowed = self
            .grants
            .allowed_outbound_hosts
            .iter()
            .any(|a| a.allows(uri));
        if !allowed {
            return Err(ErrorCode::HttpRequestDenied.into());
        }
        Ok(wasmtime_wasi_http::types::default_send_request(
            request, config,
        ))
    }
}
