#!/usr/bin/env bash
# Spindesk with Pushpin in front: two processes, no docker compose.
#
#   scripts/run-with-pushpin.sh            the dev server (no Spin CLI needed) + Pushpin
#   scripts/run-with-pushpin.sh --spin     `spin up` + Pushpin
#
# Browsers use Pushpin's port (default http://127.0.0.1:7999); Pushpin forwards every request
# to the app (signed with Grip-Sig) and holds the realtime ones (widget long-polls and event
# streams, the agent workspace's stream) itself. The app publishes after each commit to
# Pushpin's publish endpoint (http://127.0.0.1:5561/publish/).
#
# Env: PORT (Pushpin's, 7999), APP_PORT (3000), PUBLISH_PORT (5561), ZMQ_BASE (5560),
# GRIP_KEY (the shared signing key; random per run if unset), STATE (default .spin/pushpin),
# ADMIN_TOKEN (passed as SPIN_VARIABLE_ADMIN_TOKEN if set).
# Pushpin comes from Debian/Ubuntu's `pushpin` package (apt-get install pushpin).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${PORT:-7999}
APP_PORT=${APP_PORT:-3000}
PUBLISH_PORT=${PUBLISH_PORT:-5561}
ZMQ_BASE=${ZMQ_BASE:-5560}
STATE=${STATE:-$ROOT/.spin/pushpin}
GRIP_KEY=${GRIP_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
MODE=${1:-dev}

command -v pushpin >/dev/null || {
  echo "pushpin is not installed: apt-get install pushpin (Debian/Ubuntu)" >&2
  exit 1
}
mkdir -p "$STATE"

# What both processes must agree on; Spin reads SPIN_VARIABLE_*, so does the dev server.
export SPIN_VARIABLE_GRIP_KEY="$GRIP_KEY"
export SPIN_VARIABLE_GRIP_PUBLISH_URL="http://127.0.0.1:$PUBLISH_PORT/publish/"
export SPIN_VARIABLE_GRIP_PUBLISH_HOST="http://127.0.0.1:$PUBLISH_PORT"
export SPIN_VARIABLE_PUBLIC_BASE_URL=${SPIN_VARIABLE_PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}
if [ -n "${ADMIN_TOKEN:-}" ]; then export SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN"; fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

case "$MODE" in
  --spin)
    command -v spin >/dev/null || { echo "spin is not installed" >&2; exit 1; }
    setsid spin up --build --runtime-config-file "$ROOT/runtime-config/local.toml" \
      --listen "127.0.0.1:$APP_PORT" &
    PIDS+=($!)
    # One idle connection to each of Spin's database files, so no instance's is the last to
    # close (README, "A quiet desk"); the files are held once the first request creates them.
    cargo build -q --release -p spindesk-devserver --bin spindesk-hold-open
    setsid "${CARGO_TARGET_DIR:-$ROOT/target}/release/spindesk-hold-open" \
      .spin/sqlite_db.db .spin/help_center.db .spin/attachments.db .spin/live.db &
    ;;
  dev)
    cargo build -q -p spindesk-devserver
    setsid "${CARGO_TARGET_DIR:-$ROOT/target}/debug/spindesk-devserver" \
      --listen "127.0.0.1:$APP_PORT" --db "$STATE/spindesk.db" &
    ;;
  *) echo "usage: $0 [--spin]" >&2; exit 2 ;;
esac
PIDS+=($!)
setsid "$ROOT/pushpin/start.sh" "$STATE/pushpin" --port "$PORT" --app "127.0.0.1:$APP_PORT" \
  --publish-port "$PUBLISH_PORT" --zmq-base "$ZMQ_BASE" --key "$GRIP_KEY" &
PIDS+=($!)

for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.2
done
echo
echo "Spindesk through Pushpin: http://127.0.0.1:$PORT/  (widget demo), /agent/ (workspace)"
echo "The app itself: http://127.0.0.1:$APP_PORT/  Pushpin publish: http://127.0.0.1:$PUBLISH_PORT/publish/"
echo "Ctrl-C stops both."
wait -n
