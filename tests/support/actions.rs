//! The actions components the e2e tests run, as Spin would compose them: built for
//! wasm32-wasip2 by cargo (once per test run; nothing to do when CI built them already) and
//! loaded with wasmtime through the same [`spindesk_core::ports::Actions`] port the Spin
//! components use.

use spindesk_wasm_actions::{Limits, WasmActions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `cargo build --target wasm32-wasip2 --release -p <package>` in this workspace, and the
/// component it wrote.
pub fn built(package: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<BTreeMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(path) = built.get(package) {
        return path.clone();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace())
        .args([
            "build",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--release",
            "-p",
            package,
        ])
        .status()
        .expect("run cargo");
    assert!(
        status.success(),
        "building {package} for wasm32-wasip2 failed"
    );
    let path = workspace()
        .join("target/wasm32-wasip2/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    assert!(path.exists(), "{} was not written", path.display());
    built.insert(package.to_owned(), path.clone());
    path
}

/// `components/actions-builtin`, the default dependency in `spin.toml`.
pub fn builtin() -> WasmActions {
    static LOADED: OnceLock<WasmActions> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            WasmActions::load(&built("actions-builtin"), Limits::default()).expect("load")
        })
        .clone()
}

/// `tests/actions-test`: actions that misbehave on purpose (trap, spin, allocate, set what
/// they did not declare), with `limits`.
pub fn misbehaving(limits: Limits) -> WasmActions {
    WasmActions::load(&built("actions-test"), limits).expect("load")
}

/// `examples/<name>`, a crate of its own (not in this workspace, as a customer's would be),
/// built with its own lock file into `target/examples`.
pub fn built_example(name: &str) -> PathBuf {
    let dir = workspace().join("examples").join(name);
    let target = workspace().join("target/examples");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&dir)
        .args([
            "build",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--release",
            "--target-dir",
        ])
        .arg(&target)
        .status()
        .expect("run cargo");
    assert!(status.success(), "building examples/{name} failed");
    target
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", name.replace('-', "_")))
}
