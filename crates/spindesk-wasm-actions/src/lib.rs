//! The bot's [`Actions`] port on wasmtime: what Spin does with `spin.toml`'s
//! `"spindesk:bot/actions"` dependency, done natively for the dev server and the tests.
//!
//! The component is compiled once ([`WasmActions::load`]); every call gets a fresh instance in
//! a fresh store, as under Spin, where each request gets a fresh instance of the component and
//! its dependencies. Each call is bounded by fuel (instructions), an epoch deadline (wall time)
//! and a memory limit; running out of any of them traps, and the trap is the call's
//! [`ActionError::Failed`]. The component gets no host functions but a fixed
//! `wasi:random/insecure-seed` (see [`seed_hash_maps`]): every other import it declares traps
//! when called. Under Spin, with `dependencies_inherit_configuration = false`, a dependency
//! gets WASI but no stores, variables or network.

use spindesk_core::ports::actions::{
    ActionContext, ActionError, ActionInfo, Actions, InputSpec, Outcome,
};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "actions-provider",
});

use exports::spindesk::bot::actions as wit;

/// Bounds on one call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Roughly, WebAssembly instructions.
    pub fuel: u64,
    /// Wall time, in steps of [`TICK`].
    pub time: Duration,
    /// Linear memory, in bytes.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 50_000_000,
            time: Duration::from_millis(200),
            memory: 16 << 20,
        }
    }
}

/// How often the engine's epoch advances (the resolution of the time limit).
pub const TICK: Duration = Duration::from_millis(5);

/// A loaded actions component.
#[derive(Clone)]
pub struct WasmActions {
    inner: Arc<Loaded>,
}

struct Loaded {
    engine: Engine,
    pre: ActionsProviderPre<Limited>,
    limits: Limits,
}

struct Limited {
    limits: StoreLimits,
}

impl WasmActions {
    /// Compiles the component at `path` and checks that it exports `spindesk:bot/actions`.
    pub fn load(path: &Path, limits: Limits) -> Result<WasmActions, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        WasmActions::from_bytes(&bytes, limits).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<WasmActions, String> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        config.epoch_interruption(true);
        // The trace shows why an action failed, not where inside it.
        config.wasm_backtrace(false);
        let engine = Engine::new(&config).map_err(|e| e.to_string())?;
        let component = Component::new(&engine, bytes).map_err(|e| format!("{e:#}"))?;
        let mut linker = Linker::<Limited>::new(&engine);
        linker
            .define_unknown_imports_as_traps(&component)
            .map_err(|e| format!("{e:#}"))?;
        seed_hash_maps(&engine, &component, &mut linker).map_err(|e| format!("{e:#}"))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| format!("{e:#}"))?;
        let pre = ActionsProviderPre::new(pre).map_err(|e| {
            format!("not an actions component (it must export spindesk:bot/actions@0.1.0): {e:#}")
        })?;
        spawn_ticker(&engine);
        Ok(WasmActions {
            inner: Arc::new(Loaded {
                engine,
                pre,
                limits,
            }),
        })
    }

    /// A fresh instance with this call's budget.
    fn call<R>(
        &self,
        f: impl FnOnce(&mut Store<Limited>, &ActionsProvider) -> wasmtime::Result<R>,
    ) -> Result<R, ActionError> {
        let Loaded {
            engine,
            pre,
            limits,
        } = &*self.inner;
        let mut store = Store::new(
            engine,
            Limited {
                limits: StoreLimitsBuilder::new()
                    .memory_size(limits.memory)
                    .instances(16)
                    .build(),
            },
        );
        store.limiter(|s| &mut s.limits);
        let trapped = |e: wasmtime::Error| ActionError::Failed(describe(&e, limits));
        store.set_fuel(limits.fuel).map_err(trapped)?;
        let ticks = (limits.time.as_millis() / TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let instance = pre.instantiate(&mut store).map_err(trapped)?;
        f(&mut store, &instance).map_err(trapped)
    }
}

/// `wasi:random/insecure-seed`, which Rust's standard library asks once for its hash maps'
/// keys (regular expressions use them): a fixed seed, so an action stays deterministic and
/// still reaches nothing. Under Spin the dependency gets WASI's own.
fn seed_hash_maps(
    engine: &Engine,
    component: &Component,
    linker: &mut Linker<Limited>,
) -> wasmtime::Result<()> {
    const SEED: (u64, u64) = (0x5350_494e_4445_534b, 0x6163_7469_6f6e_7321);
    // Replaces the trapping stub (the interface has this one function).
    linker.allow_shadowing(true);
    for (name, _) in component.component_type().imports(engine) {
        if name.starts_with("wasi:random/insecure-seed@") {
            linker
                .instance(name)?
                .func_wrap("insecure-seed", |_, (): ()| Ok((SEED,)))?;
        }
    }
    Ok(())
}

/// What went wrong, for the bot's trace: out of fuel, out of time, or the trap itself.
fn describe(e: &wasmtime::Error, limits: &Limits) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => {
            format!("the action ran out of fuel ({} units)", limits.fuel)
        }
        Some(wasmtime::Trap::Interrupt) => format!(
            "the action ran out of time ({} ms)",
            limits.time.as_millis()
        ),
        Some(trap) => format!("the action trapped: {trap}"),
        // A call to an import nothing provides (a panic writing to stderr, say).
        None => format!("the action trapped: {}", e.root_cause()),
    }
}

/// Advances the engine's epoch every [`TICK`] for as long as the engine lives.
fn spawn_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(TICK);
        }
    });
}

impl Actions for WasmActions {
    fn list(&self) -> Result<Vec<ActionInfo>, ActionError> {
        let listed =
            self.call(|store, actions| actions.spindesk_bot_actions().call_list_actions(store))?;
        Ok(listed.into_iter().map(info).collect())
    }

    fn run(&self, name: &str, context: &ActionContext) -> Result<Outcome, ActionError> {
        let ctx = wit::Context {
            locale: context.locale.clone(),
            channel: context.channel.clone(),
            variables: context
                .variables
                .iter()
                .map(|(name, value)| wit::Variable {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            last_message: context.last_message.clone(),
            now_ms: context.now_ms,
        };
        let result =
            self.call(|store, actions| actions.spindesk_bot_actions().call_run(store, name, &ctx))?;
        match result {
            Ok(outcome) => Ok(match outcome {
                wit::Outcome::Set(vars) => {
                    Outcome::Set(vars.into_iter().map(|v| (v.name, v.value)).collect())
                }
                wit::Outcome::Say(text) => Outcome::Say(text),
                wit::Outcome::HandOff(tags) => Outcome::HandOff(tags),
                wit::Outcome::Fail(why) => Outcome::Fail(why),
            }),
            Err(wit::ActionError::UnknownAction(name)) => Err(ActionError::UnknownAction(name)),
            Err(wit::ActionError::InvalidInput(why)) => Err(ActionError::InvalidInput(why)),
        }
    }
}

fn info(a: wit::ActionInfo) -> ActionInfo {
    ActionInfo {
        name: a.name,
        label: a.label.into_iter().map(|l| (l.locale, l.text)).collect(),
        reads: a
            .reads
            .into_iter()
            .map(|r| InputSpec {
                name: r.name,
                required: r.required,
            })
            .collect(),
        writes: a.writes,
    }
}
