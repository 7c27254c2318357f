use spindesk_devserver::{spawn_workers, App};
use spindesk_native::spin_routes::Manifest;
use spindesk_native::RedisKeyValue;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "\
spindesk-devserver: serve Spindesk as `spin up` would, without the Spin CLI.

usage: cargo run -p spindesk-devserver -- [--listen ADDR] [--db FILE] [--manifest FILE] [--workers N]
                                          [--redis URL] [--send-outbound]
                                          [--sqlite-without-memory-statistics]

  --listen ADDR     address to listen on (default 127.0.0.1:3000)
  --db FILE         SQLite database file (default .spin/dev.db); processes given the same file
                    share it, as Spin instances share theirs
  --manifest FILE   the Spin manifest (default ./spin.toml, else the workspace's)
  --workers N       requests served at once (default 64)
  --redis URL       the key-value store on Redis (redis://host:port[/db]) instead of this
                    process's memory, so several processes share it
  --send-outbound   really send http:// requests to granted hosts (local stand-ins for vendors
                    and bot APIs); without it nothing is sent
  --sqlite-without-memory-statistics
                    SQLite's memory statistics off, unlike Spin's host: for measuring what
                    their process-wide mutex costs under load (README, \"A busy desk\")

Variables come from SPIN_VARIABLE_<NAME> (e.g. SPIN_VARIABLE_ADMIN_TOKEN) or their defaults.";

struct Args {
    listen: String,
    db: PathBuf,
    manifest: PathBuf,
    workers: usize,
    redis: Option<String>,
    send_outbound: bool,
    without_memory_statistics: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:3000".into(),
        db: PathBuf::from(".spin/dev.db"),
        manifest: default_manifest(),
        workers: 64,
        redis: None,
        send_outbound: false,
        without_memory_statistics: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        if flag == "--send-outbound" {
            args.send_outbound = true;
            continue;
        }
        if flag == "--sqlite-without-memory-statistics" {
            args.without_memory_statistics = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--listen" => args.listen = value,
            "--db" => args.db = value.into(),
            "--manifest" => args.manifest = value.into(),
            "--redis" => args.redis = Some(value),
            "--workers" => {
                args.workers = value
                    .parse()
                    .map_err(|_| format!("--workers {value}: not a number"))?
            }
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(args)
}

fn default_manifest() -> PathBuf {
    let here = PathBuf::from("spin.toml");
    if here.exists() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spin.toml")
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("{why}\n");
            }
            eprintln!("{USAGE}");
            return if why.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("spindesk-devserver: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    // Before the first connection: SQLite takes the setting only then.
    if args.without_memory_statistics && !spindesk_native::turn_off_memory_statistics() {
        return Err(
            "SQLite was initialised before its memory statistics could be turned off".into(),
        );
    }
    let manifest = Manifest::load(&args.manifest)?;
    if let Some(dir) = args.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    // Fail now, not on the first request, if the database cannot be opened.
    ensure_db_file(&args.db)?;
    let (mut app, notes) = App::new(&manifest, args.db.clone(), |name| std::env::var(name).ok())?;
    if let Some(url) = &args.redis {
        app = app.with_key_value(RedisKeyValue::open(url)?);
    }
    if args.send_outbound {
        app = app.sending_outbound();
    }
    for warning in &notes.warnings {
        eprintln!("warning: {warning}");
    }
    let server = tiny_http::Server::http(&args.listen)
        .map_err(|e| format!("listening on {}: {e}", args.listen))?;
    let addr = server
        .server_addr()
        .to_ip()
        .map_or_else(|| args.listen.clone(), |a| a.to_string());
    println!(
        "Serving http://{addr} ({} workers, database {}, key-value {}, outbound {})",
        args.workers,
        args.db.display(),
        args.redis.as_deref().unwrap_or("in memory"),
        if args.send_outbound {
            "sent (http:// only)"
        } else {
            "not sent"
        }
    );
    println!("Available routes:");
    for (route, trigger) in app.router().routes() {
        println!("  {:<15} http://{addr}{route}", trigger.component);
    }
    for (name, var) in &manifest.variables {
        let from_env =
            std::env::var(format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())).is_ok();
        let state = match (from_env, var.default.as_deref()) {
            (true, _) => "set from the environment",
            (false, Some("")) | (false, None) => "unset",
            (false, Some(_)) => "default",
        };
        println!("  variable {name}: {state}");
    }
    let workers = spawn_workers(Arc::new(app), Arc::new(server), args.workers);
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}

fn ensure_db_file(db: &Path) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(db)
        .map(drop)
        .map_err(|e| format!("opening database {}: {e}", db.display()))
}
