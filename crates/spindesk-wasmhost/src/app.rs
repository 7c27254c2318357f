//! The application as the host runs it: `spin.toml`'s routes and components, each component's
//! grants with its variables filled in, the SQLite files behind the database labels, and the
//! compiled components (each compiled on its first request, then pre-instantiated).

use crate::state::Instance;
use anyhow::{anyhow, bail, Context};
use spindesk_native::spin_routes::{expand_template, AllowedHost, Manifest, Router};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine};
use wasmtime_wasi_http::bindings::ProxyPre;

/// The import every actions dependency in `spin.toml` satisfies.
const ACTIONS_IMPORT: &str = "spindesk:bot/actions";

/// What one component may use, resolved at start.
pub struct Grants {
    pub id: String,
    pub sqlite_databases: Vec<String>,
    pub allowed_outbound_hosts: Vec<AllowedHost>,
    /// The component's variables, their templates filled in.
    pub variables: BTreeMap<String, String>,
    pub actions: Option<spindesk_wasm_actions::WasmActions>,
}

pub struct Loaded {
    pub grants: Arc<Grants>,
    source: PathBuf,
    pre: OnceCell<ProxyPre<Instance>>,
}

pub struct App {
    pub engine: Engine,
    pub router: Router,
    /// By component id.
    pub components: HashMap<String, Loaded>,
    /// Database label to file (`default` is `sqlite_db.db` in the state folder).
    pub databases: HashMap<String, PathBuf>,
    /// `--trace-sql`: every request's statements, timed, on stderr.
    pub trace_sql: bool,
    linker: Linker<Instance>,
}

/// How the host is told to run the application.
pub struct Options {
    pub manifest: PathBuf,
    /// Spin's `.spin` folder: the default database lives there.
    pub state_dir: PathBuf,
    /// `[sqlite_database.<label>]` tables of a runtime-config file (`type = "spin"`, `path`).
    pub runtime_config: Option<PathBuf>,
    /// `--variable name=value`, over `SPIN_VARIABLE_<NAME>` and the manifest's defaults.
    pub variables: BTreeMap<String, String>,
    /// Print every request's SQLite calls with their times (where a request's time goes).
    pub trace_sql: bool,
    /// Instances from a pool of this many slots made at start, as Spin allocates them
    /// (wasmtime's pooling allocator); `None`: each allocated when its request comes.
    pub pooled_instances: Option<u32>,
}

impl App {
    pub fn load(options: &Options) -> anyhow::Result<App> {
        let manifest = Manifest::load(&options.manifest).map_err(anyhow::Error::msg)?;
        let router = manifest.router().map_err(anyhow::Error::msg)?;
        let base = if manifest.dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            manifest.dir.clone()
        };
        let values = resolve_variables(&manifest, &options.variables)?;
        let databases = databases(options)?;

        let mut config = Config::new();
        config.async_support(true);
        config.wasm_component_model(true);
        // `perf` can name the components' own functions (`/tmp/perf-<pid>.map`).
        if std::env::var_os("SPINDESK_WASMHOST_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if let Some(slots) = options.pooled_instances {
            config.allocation_strategy(pool(slots));
        }
        let engine = Engine::new(&config)?;
        let mut linker = Linker::<Instance>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::add_only_http_to_linker_async(&mut linker)?;
        use crate::bindings::fermyon::spin;
        spin::sqlite::add_to_linker::<_, HasSelf<Instance>>(&mut linker, |s| s)?;
        spin::key_value::add_to_linker::<_, HasSelf<Instance>>(&mut linker, |s| s)?;
        spin::variables::add_to_linker::<_, HasSelf<Instance>>(&mut linker, |s| s)?;
        crate::bindings::actions::spindesk::bot::actions::add_to_linker::<_, HasSelf<Instance>>(
            &mut linker,
            |s| s,
        )?;

        // One compiled actions component per file, however many components depend on it.
        let mut actions_by_path: HashMap<PathBuf, spindesk_wasm_actions::WasmActions> =
            HashMap::new();
        let mut components = HashMap::new();
        for (id, c) in &manifest.component {
            if let Some(store) = c.key_value_stores.first() {
                bail!(
                    "component {id:?} is granted key-value store {store:?}: this host serves no \
                     key-value stores (Spindesk keeps its shared state in SQLite)"
                );
            }
            for label in &c.sqlite_databases {
                if !databases.contains_key(label) {
                    bail!(
                        "component {id:?} uses SQLite database {label:?}, which is not defined \
                         (give a runtime-config file with [sqlite_database.{label}])"
                    );
                }
            }
            let lookup = |name: &str| values.get(name).cloned();
            let undeclared =
                |what: &str| anyhow!("component {id:?}: {what} refers to an undeclared variable");
            let variables = c
                .variables
                .iter()
                .map(|(name, template)| {
                    expand_template(template, lookup)
                        .map(|v| (name.clone(), v))
                        .ok_or_else(|| undeclared(&format!("variable {name:?}")))
                })
                .collect::<anyhow::Result<_>>()?;
            let allowed_outbound_hosts = c
                .allowed_outbound_hosts
                .iter()
                .map(|entry| {
                    let expanded = expand_template(entry, lookup)
                        .ok_or_else(|| undeclared(&format!("outbound host {entry:?}")))?;
                    AllowedHost::parse(&expanded).ok_or_else(|| {
                        anyhow!("component {id:?}: outbound host {expanded:?} is not understood")
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            let actions = match c.dependencies.get(ACTIONS_IMPORT) {
                Some(dep) => {
                    let path = base.join(dep.path.as_deref().ok_or_else(|| {
                        anyhow!("component {id:?}: the {ACTIONS_IMPORT} dependency needs a path")
                    })?);
                    let loaded = match actions_by_path.get(&path) {
                        Some(loaded) => loaded.clone(),
                        None => spindesk_wasm_actions::WasmActions::load(
                            &path,
                            spindesk_wasm_actions::Limits::default(),
                        )
                        .map_err(|e| anyhow!("component {id:?}'s {ACTIONS_IMPORT}: {e}"))?,
                    };
                    actions_by_path.insert(path, loaded.clone());
                    Some(loaded)
                }
                None => None,
            };
            if let Some(other) = c.dependencies.keys().find(|k| *k != ACTIONS_IMPORT) {
                bail!("component {id:?}: this host satisfies only {ACTIONS_IMPORT}, not {other:?}");
            }
            let source = base.join(&c.source);
            if !source.exists() {
                eprintln!(
                    "spindesk-wasmhost: {} is not built yet: requests to component {id:?} will \
                     answer 500 until it is (spin build, or cargo build --target wasm32-wasip2)",
                    source.display()
                );
            }
            components.insert(
                id.clone(),
                Loaded {
                    grants: Arc::new(Grants {
                        id: id.clone(),
                        sqlite_databases: c.sqlite_databases.clone(),
                        allowed_outbound_hosts,
                        variables,
                        actions,
                    }),
                    source,
                    pre: OnceCell::new(),
                },
            );
        }
        Ok(App {
            engine,
            router,
            components,
            databases,
            trace_sql: options.trace_sql,
            linker,
        })
    }

    /// Compiles every built component now, as Spin does at start (a first request must not
    /// wait seconds for its component to compile); the number compiled.
    pub async fn compile_all(&self) -> anyhow::Result<usize> {
        let mut compiled = 0;
        for (id, loaded) in &self.components {
            if loaded.source.exists() {
                self.pre(id).await?;
                compiled += 1;
            }
        }
        Ok(compiled)
    }

    /// The component compiled and pre-instantiated (the first request to it waits for that
    /// when it was not compiled at start).
    pub async fn pre(&self, id: &str) -> anyhow::Result<&ProxyPre<Instance>> {
        let loaded = self
            .components
            .get(id)
            .ok_or_else(|| anyhow!("no component {id:?}"))?;
        loaded
            .pre
            .get_or_try_init(|| async {
                let engine = self.engine.clone();
                let source = loaded.source.clone();
                let component = tokio::task::spawn_blocking(move || {
                    Component::from_file(&engine, &source)
                        .with_context(|| format!("compiling {}", source.display()))
                })
                .await??;
                let pre = self.linker.instantiate_pre(&component)?;
                ProxyPre::new(pre)
            })
            .await
    }
}

/// Every application variable's value: `--variable`, then `SPIN_VARIABLE_<NAME>`, then the
/// default; a required one without a value stops the start, as in Spin.
fn resolve_variables(
    manifest: &Manifest,
    given: &BTreeMap<String, String>,
) -> anyhow::Result<BTreeMap<String, String>> {
    if let Some(unknown) = given.keys().find(|k| !manifest.variables.contains_key(*k)) {
        bail!("--variable {unknown}: spin.toml has no such variable");
    }
    manifest
        .variables
        .iter()
        .map(|(name, v)| {
            let value = given
                .get(name)
                .cloned()
                .or_else(|| std::env::var(format!("SPIN_VARIABLE_{}", name.to_uppercase())).ok())
                .or_else(|| v.default.clone());
            match value {
                Some(value) => Ok((name.clone(), value)),
                None if v.required => bail!("variable {name:?} is required and has no value"),
                None => bail!("variable {name:?} has no default and no value"),
            }
        })
        .collect()
}

/// The database labels: `default` in the state folder, the rest from the runtime config.
fn databases(options: &Options) -> anyhow::Result<HashMap<String, PathBuf>> {
    #[derive(serde::Deserialize)]
    struct RuntimeConfig {
        #[serde(default)]
        sqlite_database: BTreeMap<String, Database>,
    }
    #[derive(serde::Deserialize)]
    struct Database {
        r#type: String,
        path: Option<PathBuf>,
    }
    let mut out = HashMap::from([("default".to_owned(), options.state_dir.join("sqlite_db.db"))]);
    if let Some(file) = &options.runtime_config {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let config: RuntimeConfig =
            toml::from_str(&text).with_context(|| format!("{}", file.display()))?;
        for (label, db) in config.sqlite_database {
            if db.r#type != "spin" {
                bail!(
                    "{}: [sqlite_database.{label}] is type {:?}; this host runs local files only \
                     (type = \"spin\")",
                    file.display(),
                    db.r#type
                );
            }
            let path = db
                .path
                .unwrap_or_else(|| options.state_dir.join(format!("{label}.db")));
            out.insert(label, path);
        }
    }
    Ok(out)
}

/// Spin's way of allocating instances: wasmtime's pooling allocator, one slot per instance the
/// host may run at once. A slot's memory and stacks are reserved at start and reused, so a
/// request does not map fresh memory and fault its pages in, nor unmap them when it ends.
/// The component limits are room enough for Spindesk's components (one memory, a few core
/// instances and tables each); linear memories may grow to wasmtime's default maximum.
fn pool(slots: u32) -> wasmtime::InstanceAllocationStrategy {
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(8))
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots.saturating_mul(8))
        .total_stacks(slots)
        .max_core_instances_per_component(16)
        .max_memories_per_component(4)
        .max_tables_per_component(16);
    wasmtime::InstanceAllocationStrategy::Pooling(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `App::load` of a manifest with one component whose table adds `grants`.
    fn load(grants: &str) -> anyhow::Result<App> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "spindesk-wasmhost-app-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let manifest = dir.join("spin.toml");
        std::fs::write(
            &manifest,
            format!(
                "spin_manifest_version = 2\n[application]\nname = \"t\"\n[variables]\nhost = {{ default = \"https://a.example\" }}\n\
                 [[trigger.http]]\nroute = \"/...\"\ncomponent = \"c\"\n\
                 [component.c]\nsource = \"c.wasm\"\n{grants}\n"
            ),
        )?;
        let loaded = App::load(&Options {
            manifest,
            state_dir: dir.clone(),
            runtime_config: None,
            variables: BTreeMap::new(),
            trace_sql: false,
            pooled_instances: None,
        });
        let _ = std::fs::remove_dir_all(&dir);
        loaded
    }

    fn refusal(grants: &str) -> String {
        match load(grants) {
            Ok(_) => panic!("{grants:?} was accepted"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn grants_resolve_from_the_manifests_variables() {
        let app = load(
            "sqlite_databases = [\"default\"]\nallowed_outbound_hosts = [\"{{ host }}\"]\n\
             [component.c.variables]\ntarget = \"{{ host }}/x\"",
        )
        .expect("load");
        let grants = &app.components["c"].grants;
        assert_eq!(grants.variables["target"], "https://a.example/x");
        let allows = |uri: &str| grants.allowed_outbound_hosts[0].allows(&uri.parse().unwrap());
        assert!(allows("https://a.example/send"));
        assert!(!allows("https://b.example/send"));
    }

    #[test]
    fn what_the_host_cannot_serve_stops_the_start() {
        assert!(refusal("sqlite_databases = [\"other\"]").contains("not defined"));
        assert!(refusal("key_value_stores = [\"default\"]").contains("no key-value stores"));
        assert!(refusal("[component.c.variables]\nx = \"{{ nope }}\"").contains("undeclared"));
        assert!(refusal("allowed_outbound_hosts = [\"api.example\"]").contains("not understood"));
    }
}
