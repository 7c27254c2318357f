#!/usr/bin/env bash
# Runs scripts/pushpin-load.mjs against the release dev server with Pushpin in front, on ports
# of its own, then stops both. Env: WIDGETS (10000), SECONDS (20), CONCURRENCY (8).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# A random admin token of 48 characters (the app refuses one under 32: admin_token_too_short).
export ADMIN_TOKEN=${ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")}
PORT=${PORT:-37999} APP_PORT=${APP_PORT:-37080} PUBLISH_PORT=${PUBLISH_PORT:-37561}
STATE=$(mktemp -d)
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cargo build -q --release -p spindesk-devserver
SERVER="" PUSHPIN=""
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- pushpin log ---" >&2; grep -v ' code=200 ' "$STATE/pushpin.log" | tail -n 15 >&2
    echo "--- server log ---" >&2; tail -n 15 "$STATE/server.log" >&2
  fi
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -n "$PUSHPIN" ] && kill -- "-$PUSHPIN" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT INT TERM
# More open files than the default 1,024: every held stream is a socket in Pushpin and here.
ulimit -n "$(ulimit -Hn)" || true
SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN" SPIN_VARIABLE_GRIP_KEY="$KEY" \
  SPIN_VARIABLE_GRIP_PUBLISH_URL="http://127.0.0.1:$PUBLISH_PORT/publish/" \
  SPIN_VARIABLE_GRIP_PUBLISH_HOST="http://127.0.0.1:$PUBLISH_PORT" \
  "$ROOT/target/release/spindesk-devserver" --listen "127.0.0.1:$APP_PORT" --db "$STATE/spindesk.db" \
  >"$STATE/server.log" 2>&1 &
SERVER=$!
setsid "$ROOT/pushpin/start.sh" "$STATE/pushpin" --port "$PORT" --app "127.0.0.1:$APP_PORT" \
  --publish-port "$PUBLISH_PORT" --zmq-base "$((PUBLISH_PORT + 1))" --key "$KEY" >"$STATE/pushpin.log" 2>&1 &
PUSHPIN=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.2
done
PUSHPIN_URL="http://127.0.0.1:$PORT" APP_URL="http://127.0.0.1:$APP_PORT" node scripts/pushpin-load.mjs
