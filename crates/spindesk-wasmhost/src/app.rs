//! The application as the host runs it: `spin.toml`'s routes and components, each component's
//! grants with its variables filled in, the SQLite files behind the database labels, and the
//! compiled components (each compiled on its first request, then pre-instantiated).

use crate::manifest::{expand, Manifest};
use crate::outbound::AllowedHost;
use crate::routes::Route;
use crate::state::Instance;
use anyhow::{anyhow, bail, Context};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
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
    pub routes: Vec<Route>,
    pub components: Vec<Loaded>,
    /// Database label to file (`default` is `sqlite_db.db` in the state folder).
    pub databases: HashMap<String, PathBuf>,
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
}

impl App {
    pub fn load(options: &Options) -> anyhow::Result<App> {
        let manifest = Manifest::read(&options.manifest)?;
        let base = options
            .manifest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let values = resolve_variables(&manifest, &options.variables)?;
        let databases = databases(options)?;

        let mut config = Config::new();
        config.async_support(true);
        config.wasm_component_model(true);
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

        let ids: Vec<&String> = manifest.component.keys().collect();
        // One compiled actions component per file, however many components depend on it.
        let mut actions_by_path: HashMap<PathBuf, spindesk_wasm_actions::WasmActions> =
            HashMap::new();
        let mut components = Vec::new();
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
            let variables = c
                .variables
                .iter()
                .map(|(name, template)| {
                    expand(template, lookup)
                        .map(|v| (name.clone(), v))
                        .map_err(|e| anyhow!("component {id:?}: {e}"))
                })
                .collect::<anyhow::Result<_>>()?;
            let allowed_outbound_hosts = c
                .allowed_outbound_hosts
                .iter()
                .map(|entry| {
                    let entry = expand(entry, lookup).map_err(|e| anyhow!("{id:?}: {e}"))?;
                    AllowedHost::parse(&entry).map_err(|e| anyhow!("component {id:?}: {e}"))
                })
                .collect::<anyhow::Result<_>>()?;
            let actions = match c.dependencies.get(ACTIONS_IMPORT) {
                Some(dep) => {
                    let path = base.join(&dep.path);
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
            components.push(Loaded {
                grants: Arc::new(Grants {
                    id: id.clone(),
                    sqlite_databases: c.sqlite_databases.clone(),
                    allowed_outbound_hosts,
                    variables,
                    actions,
                }),
                source,
                pre: OnceCell::new(),
            });
        }
        let routes = manifest
            .trigger
            .http
            .iter()
            .map(|t| {
                let index = ids
                    .iter()
                    .position(|id| **id == t.component)
                    .ok_or_else(|| anyhow!("route {} names no component", t.route))?;
                Ok(Route::new(&t.route, index))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(App {
            engine,
            routes,
            components,
            databases,
            linker,
        })
    }

    /// Compiles every built component now, as Spin does at start (a first request must not
    /// wait seconds for its component to compile); the number compiled.
    pub async fn compile_all(&self) -> anyhow::Result<usize> {
        let mut compiled = 0;
        for (index, loaded) in self.components.iter().enumerate() {
            if loaded.source.exists() {
                self.pre(index).await?;
                compiled += 1;
            }
        }
        Ok(compiled)
    }

    /// The component compiled and pre-instantiated (the first request to it waits for that
    /// when it was not compiled at start).
    pub async fn pre(&self, index: usize) -> anyhow::Result<&ProxyPre<Instance>> {
        let loaded = &self.components[index];
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
                "spin_manifest_version = 2\n[variables]\nhost = {{ default = \"https://a.example\" }}\n\
                 [[trigger.http]]\nroute = \"/...\"\ncomponent = \"c\"\n\
                 [component.c]\nsource = \"c.wasm\"\n{grants}\n"
            ),
        )?;
        let loaded = App::load(&Options {
            manifest,
            state_dir: dir.clone(),
            runtime_config: None,
            variables: BTreeMap::new(),
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
        let grants = &app.components[0].grants;
        assert_eq!(grants.variables["target"], "https://a.example/x");
        assert!(grants.allowed_outbound_hosts[0].allows("https", "a.example", 443));
        assert!(!grants.allowed_outbound_hosts[0].allows("https", "b.example", 443));
    }

    #[test]
    fn what_the_host_cannot_serve_stops_the_start() {
        assert!(refusal("sqlite_databases = [\"other\"]").contains("not defined"));
        assert!(refusal("key_value_stores = [\"default\"]").contains("no key-value stores"));
        assert!(refusal("[component.c.variables]\nx = \"{{ nope }}\"").contains("nope"));
        assert!(refusal("allowed_outbound_hosts = [\"api.example\"]").contains("no scheme"));
    }
}
