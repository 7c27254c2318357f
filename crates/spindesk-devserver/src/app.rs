//! Requests in, the surface `spin.toml` routes them to, responses out: what `spin up` does,
//! with native ports.

use crate::actions::{DevActions, Loader};
use crate::grants::{DevKeyValue, DevOutbound, DevSql};
use spindesk_core::blobs::SqlFiles;
use spindesk_core::ports::KeyValue;
use spindesk_core::surface::{Answer, BodyStream, BufferedBody, Request, Response};
use spindesk_core::{held_polls, help_center};
use spindesk_core::{Env, Surface};
use spindesk_native::spin_routes::{expand_template, Manifest, Router};
use spindesk_native::{MapConfig, MemoryKeyValue, OsRandom, StderrLog, SystemClock, WalAnchor};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// Spindesk's surface for the component `id`: the core's, or the static site's, which lives in
/// its own crate so that editing a page does not rebuild the core.
fn surface(id: &str) -> Option<&'static Surface> {
    if id == spindesk_static::SURFACE.component {
        return Some(&spindesk_static::SURFACE);
    }
    spindesk_core::surface(id)
}

/// Everything a request needs, built once at start-up from `spin.toml`.
pub struct App {
    router: Router,
    components: BTreeMap<String, Component>,
    db: PathBuf,
    /// The `attachments` database: a file beside `db` (`attachments.db`).
    attachments_db: PathBuf,
    /// The `help_center` database: a file beside `db` (`help_center.db`).
    help_center_db: PathBuf,
    /// The `live` database (the held long-polls): a file beside `db` (`live.db`).
    live_db: PathBuf,
    kv: Box<dyn KeyValue + Send + Sync>,
    /// One idle connection to each database, so a request's is never the last to close (see
    /// [`WalAnchor`]: the last close checkpoints and deletes the write-ahead log).
    anchor: WalAnchor,
}

struct Component {
    surface: &'static Surface,
    sqlite: bool,
    /// Granted the `attachments` database (attachment bytes).
    files: bool,
    /// Granted the `help_center` database.
    help_center: bool,
    /// Granted the `live` database.
    live: bool,
    key_value: bool,
    config: MapConfig,
    outbound: DevOutbound,
    actions: DevActions,
}

/// What start-up found worth saying (never a variable's value).
#[derive(Debug, Default)]
pub struct Notes {
    pub warnings: Vec<String>,
}

impl App {
    /// `env` reads the process environment (a parameter so tests can supply their own):
    /// `SPIN_VARIABLE_<NAME>` overrides a `[variables]` default, as with `spin up`.
    pub fn new(
        manifest: &Manifest,
        db: PathBuf,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(App, Notes), String> {
        App::with_surfaces(manifest, db, env, surface)
    }

    /// [`App::new`] with another set of surfaces than Spindesk's own (tests).
    pub fn with_surfaces(
        manifest: &Manifest,
        db: PathBuf,
        env: impl Fn(&str) -> Option<String>,
        surfaces: fn(&str) -> Option<&'static Surface>,
    ) -> Result<(App, Notes), String> {
        let router = manifest.router()?;
        let mut notes = Notes::default();
        let app_variable = |name: &str| -> Option<String> {
            let declared = manifest.variables.get(name)?;
            env(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()))
                .or_else(|| declared.default.clone())
        };
        for (name, declared) in &manifest.variables {
            if declared.required && app_variable(name).is_none() {
                return Err(format!(
                    "variable {name} is required: set SPIN_VARIABLE_{}",
                    name.to_ascii_uppercase()
                ));
            }
        }
        let mut components = BTreeMap::new();
        let mut loader = Loader::default();
        for (id, c) in &manifest.component {
            let surface = surfaces(id)
                .ok_or_else(|| format!("[component.{id}] has no surface of that name"))?;
            let mut config = MapConfig::default();
            for (name, template) in &c.variables {
                let value = expand_template(template, app_variable).ok_or_else(|| {
                    format!("[component.{id}.variables] {name} refers to an undeclared variable")
                })?;
                config = config.with(name, &value);
            }
            // Spin expands `{{ variable }}` in allowed hosts at start-up, as in `variables`.
            let hosts = c
                .allowed_outbound_hosts
                .iter()
                .map(|entry| {
                    expand_template(entry, app_variable).ok_or_else(|| {
                        format!("[component.{id}] allowed_outbound_hosts entry {entry:?} refers to an undeclared variable")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let (outbound, unsupported) = DevOutbound::new(&hosts);
            for entry in unsupported {
                notes.warnings.push(format!("[component.{id}] allowed_outbound_hosts entry {entry:?} is not understood here; treated as denied"));
            }
            let (actions, warning) = loader.for_component(id, c, &manifest.dir);
            notes.warnings.extend(warning);
            let component = Component {
                surface,
                sqlite: c.sqlite_databases.iter().any(|d| d == "default"),
                files: c.sqlite_databases.iter().any(|d| d == "attachments"),
                help_center: c
                    .sqlite_databases
                    .iter()
                    .any(|d| d == help_center::database::LABEL),
                live: c
                    .sqlite_databases
                    .iter()
                    .any(|d| d == held_polls::database::LABEL),
                key_value: c.key_value_stores.iter().any(|s| s == "default"),
                config,
                outbound,
                actions,
            };
            components.insert(id.clone(), component);
        }
        Ok((
            App {
                router,
                components,
                attachments_db: attachments_path(&db),
                help_center_db: help_center_path(&db),
                live_db: live_path(&db),
                anchor: WalAnchor::new([
                    db.clone(),
                    attachments_path(&db),
                    help_center_path(&db),
                    live_path(&db),
                ]),
                db,
                kv: Box::new(MemoryKeyValue::default()),
            },
            notes,
        ))
    }

    /// Sends the `http://` requests components make to hosts they are granted, instead of
    /// failing them (`--send-outbound`): local stand-ins for vendors and bot APIs.
    pub fn sending_outbound(mut self) -> Self {
        for component in self.components.values_mut() {
            let outbound = std::mem::replace(&mut component.outbound, DevOutbound::new(&[]).0);
            component.outbound = outbound.sending();
        }
        self
    }

    /// Uses `kv` as the key-value store instead of the process's own memory: a store several
    /// processes share (Redis), as Spin's runtime config maps `default` to one.
    pub fn with_key_value(mut self, kv: impl KeyValue + Send + Sync + 'static) -> Self {
        self.kv = Box::new(kv);
        self
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Serves one request and runs its follow-up before returning the response (in-process
    /// callers; the HTTP server sends the response first, see [`App::serve`]).
    pub fn handle(&self, req: Request, client: Option<SocketAddr>, host: &str) -> Response {
        let mut response = None;
        self.serve(req, client, host, |r| response = Some(r));
        response.unwrap_or_else(|| bare(500))
    }

    /// Serves one request as Spin does: `send` gets the response, and only then does the
    /// surface's follow-up run, on the same ports. `host` is what the client asked for (for
    /// `spin-full-url`).
    pub fn serve(
        &self,
        req: Request,
        client: Option<SocketAddr>,
        host: &str,
        send: impl FnOnce(Response),
    ) {
        self.serve_with_body(req, None, client, host, send)
    }

    /// Whether `method` on `path` is a streamed route (an upload): the caller then reads only
    /// the request's head and passes the body to [`App::serve_streamed`] unread.
    pub fn is_streamed(&self, method: &http::Method, path: &str) -> bool {
        self.router
            .route(path)
            .and_then(|m| self.components.get(m.component))
            .is_some_and(|c| c.surface.streamed_route(method, path).is_some())
    }

    /// [`App::serve`] for a streamed route: `head` has no body; the route reads `body` itself.
    pub fn serve_streamed(
        &self,
        head: Request,
        body: &mut dyn BodyStream,
        client: Option<SocketAddr>,
        host: &str,
        send: impl FnOnce(Response),
    ) {
        self.serve_with_body(head, Some(body), client, host, send)
    }

    fn serve_with_body(
        &self,
        mut req: Request,
        body: Option<&mut dyn BodyStream>,
        client: Option<SocketAddr>,
        host: &str,
        send: impl FnOnce(Response),
    ) {
        let path = req.uri().path().to_owned();
        let Some(matched) = self.router.route(&path) else {
            return send(bare(404));
        };
        let Some(component) = self.components.get(matched.component) else {
            return send(bare(500));
        };

        // The headers Spin adds; a client's own `spin-*` headers are not passed on.
        let spin_headers: Vec<(&str, String)> = vec![
            ("spin-full-url", format!("http://{host}{}", req.uri())),
            ("spin-path-info", matched.path_info.clone()),
            ("spin-matched-route", matched.raw_route.to_owned()),
            ("spin-raw-component-route", matched.raw_route.to_owned()),
            ("spin-component-route", matched.route.base()),
            ("spin-base-path", "/".to_owned()),
            (
                "spin-client-addr",
                client.map_or_else(String::new, |a| a.to_string()),
            ),
        ];
        let headers = req.headers_mut();
        let theirs: Vec<_> = headers
            .keys()
            .filter(|k| k.as_str().starts_with("spin-"))
            .cloned()
            .collect();
        for name in theirs {
            headers.remove(name);
        }
        for (name, value) in spin_headers {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }

        let main_sql = DevSql::new(&self.db, component.sqlite);
        // As under Spin: the connection's settings when the request first writes.
        let sql = spindesk_core::store::SettingsOnFirstWrite::new(&main_sql);
        let kv = DevKeyValue {
            store: self.kv.as_ref(),
            granted: component.key_value,
        };
        let attachments_sql =
            DevSql::labelled(&self.attachments_db, component.files, "attachments");
        let files = SqlFiles::new(&attachments_sql);
        let help_center_sql = DevSql::labelled(
            &self.help_center_db,
            component.help_center,
            help_center::database::LABEL,
        );
        let help_center = spindesk_core::store::SettingsOnFirstWrite::with(
            &help_center_sql,
            help_center::database::CONNECTION_SETTINGS,
        );
        let live_sql = DevSql::labelled(&self.live_db, component.live, held_polls::database::LABEL);
        let live = spindesk_core::store::SettingsOnFirstWrite::with(
            &live_sql,
            held_polls::database::CONNECTION_SETTINGS,
        );
        let log = StderrLog::for_request(&OsRandom);
        let env = Env {
            sql: &sql,
            help_center: &help_center,
            live: &live,
            kv: &kv,
            outbound: &component.outbound,
            clock: &SystemClock,
            random: &OsRandom,
            config: &component.config,
            log: &log,
            actions: &component.actions,
            files: &files,
            attachments: &attachments_sql,
        };
        // Under Spin a trap ends the instance with a bare 500; here it must not end the worker.
        let streamed = component.surface.streamed_route(req.method(), &path);
        let answered = catch_unwind(AssertUnwindSafe(|| match (streamed, body) {
            (Some(route), Some(body)) => Answer::now((route.handle)(&env, req, body)),
            // A streamed route whose body came whole (in-process callers).
            (Some(route), None) => {
                let (parts, whole) = req.into_parts();
                let mut body = BufferedBody::new(whole);
                Answer::now((route.handle)(
                    &env,
                    http::Request::from_parts(parts, Vec::new()),
                    &mut body,
                ))
            }
            (None, _) => component.surface.answer(&env, req),
        }));
        let Answer {
            response,
            follow_up,
        } = match answered {
            Ok(answer) => answer,
            Err(_) => {
                eprintln!(
                    "spindesk-devserver: {} panicked on {path}",
                    matched.component
                );
                return send(bare(500));
            }
        };
        send(response);
        if !follow_up.is_empty() && catch_unwind(AssertUnwindSafe(|| follow_up.run(&env))).is_err()
        {
            eprintln!(
                "spindesk-devserver: {} panicked after answering {path}",
                matched.component
            );
        }
        self.anchor.hold();
    }
}

/// Where the `attachments` database lives beside the main one: `attachments.db` in the same
/// folder (as a runtime config's `[sqlite_database.attachments]` would put it next to Spin's
/// `sqlite_db.db`).
pub fn attachments_path(db: &std::path::Path) -> PathBuf {
    db.with_file_name("attachments.db")
}

/// Where the `help_center` database lives beside the main one: `help_center.db` in the same
/// folder, as `runtime-config/local.toml` puts it beside Spin's `sqlite_db.db`.
pub fn help_center_path(db: &std::path::Path) -> PathBuf {
    db.with_file_name("help_center.db")
}

/// Where the `live` database lives beside the main one: `live.db` in the same folder, as
/// `runtime-config/local.toml` puts it beside Spin's `sqlite_db.db`.
pub fn live_path(db: &std::path::Path) -> PathBuf {
    db.with_file_name("live.db")
}

/// A status with an empty body, as Spin sends for no route (404) or a failed instance (500).
pub fn bare(status: u16) -> Response {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
}
