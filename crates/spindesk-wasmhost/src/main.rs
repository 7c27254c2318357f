//! `spindesk-wasmhost`: serves `spin.toml`'s built components on wasmtime (see the library).
//!
//!   cargo run --release -p spindesk-wasmhost -- [--listen 127.0.0.1:3000] [--manifest spin.toml]
//!       [--state-dir .spin] [--runtime-config-file runtime-config/local.toml]
//!       [--variable name=value]... [--instances 1000] [--compile-on-first-request]
//!
//! Every built component is compiled before the host listens, as under Spin;
//! `--compile-on-first-request` leaves each until its first request (the tests, which reach
//! two components of twelve). `--trace-sql` prints every request's SQLite calls with their
//! times on stderr (statements only, never their parameters). Instances come from a pool made
//! at start, as under Spin; `--no-pooling` allocates each when its request comes.
//! Build the components first (`spin build`'s commands, or `.ci/run`'s wasm step).

use spindesk_wasmhost::app::{App, Options};
use spindesk_wasmhost::server::Server;
use std::collections::BTreeMap;
use std::path::PathBuf;

const USAGE: &str = "usage: spindesk-wasmhost [--listen ADDR] [--manifest spin.toml] \
[--state-dir DIR] [--runtime-config-file FILE] [--variable NAME=VALUE]... [--instances N] \
[--compile-on-first-request] [--trace-sql] [--no-pooling]";

fn main() -> anyhow::Result<()> {
    let mut listen = "127.0.0.1:3000".to_owned();
    let mut instances = 1000usize;
    let mut compile_at_start = true;
    let mut options = Options {
        manifest: PathBuf::from("spin.toml"),
        state_dir: PathBuf::from(".spin"),
        runtime_config: None,
        variables: BTreeMap::new(),
        trace_sql: false,
        pooled_instances: None,
    };
    let mut pooling = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--listen" => listen = value()?,
            "--manifest" => options.manifest = value()?.into(),
            "--state-dir" => options.state_dir = value()?.into(),
            "--runtime-config-file" => options.runtime_config = Some(value()?.into()),
            "--instances" => {
                instances = value()?
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--instances takes a number\n{USAGE}"))?
            }
            "--variable" => {
                let v = value()?;
                let (name, val) = v
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--variable takes NAME=VALUE, got {v:?}"))?;
                options.variables.insert(name.to_owned(), val.to_owned());
            }
            "--compile-on-first-request" => compile_at_start = false,
            "--trace-sql" => options.trace_sql = true,
            "--no-pooling" => pooling = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if pooling {
        options.pooled_instances = Some(u32::try_from(instances)?);
    }
    std::fs::create_dir_all(&options.state_dir)?;
    let app = App::load(&options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if compile_at_start {
            let started = std::time::Instant::now();
            let compiled = app.compile_all().await?;
            eprintln!(
                "spindesk-wasmhost: compiled {compiled} components in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        // The address on a line of its own: scripts and tests read it (`--listen 127.0.0.1:0`).
        println!("listening on http://{}", listener.local_addr()?);
        Server::new(app, instances).run(listener).await
    })
}
