#!/usr/bin/env bash
# Two Spindesk server processes on one machine sharing state, as two `spin up` processes (or
# SpinKube replicas) share it through runtime config: one SQLite file and one Redis key-value
# store. Without the Spin CLI this runs the dev server twice; with it, the same layout is
#   spin up --listen 127.0.0.1:3001 --state-dir .spin/shared --runtime-config-file runtime-config/redis.toml
#   spin up --listen 127.0.0.1:3002 --state-dir .spin/shared --runtime-config-file runtime-config/redis.toml
#
# usage: scripts/two-servers.sh [PORT_A] [PORT_B] [REDIS_PORT]      (default 3001 3002 6390)
# Starts its own redis-server on 127.0.0.1:REDIS_PORT (Debian package `redis-server`), then both
# servers on the database .spin/shared/sqlite_db.db; Ctrl-C stops all three. Put a load
# balancer (or a browser on each port) in front; a widget long-polling on one process gets what
# is posted through the other. The automated check of this layout under concurrent load is
# crates/spindesk-devserver/tests/two_processes.rs (part of `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/.."

port_a=${1:-3001}
port_b=${2:-3002}
redis_port=${3:-6390}
state=.spin/shared
mkdir -p "$state"

command -v redis-server >/dev/null || {
    echo "redis-server is missing: apt-get install -y redis-server" >&2
    exit 1
}
cargo build --release -p spindesk-devserver
server=target/release/spindesk-devserver

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$state/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then break; fi
    sleep 0.1
done

for port in "$port_a" "$port_b"; do
    "$server" --listen "127.0.0.1:$port" --db "$state/sqlite_db.db" \
        --redis "redis://127.0.0.1:$redis_port" &
    pids+=($!)
done

echo "Spindesk on http://127.0.0.1:$port_a and http://127.0.0.1:$port_b (database $state/sqlite_db.db, key-value redis://127.0.0.1:$redis_port); Ctrl-C stops them."
wait
