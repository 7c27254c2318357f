#!/usr/bin/env bash
# Issue 11's flood over HTTP (one widget session opens 1,200 long-polls; the rest of the desk must
# keep answering 2xx in under a second): scripts/poll-flood.mjs does it.
#
#   scripts/poll-flood.sh          the release dev server, started here on a port of its own with a
#                                  fresh database, then stopped
#   scripts/poll-flood.sh URL      a running Spindesk, e.g. `spin up --build --runtime-config-file
#                                  runtime-config/local.toml --variable admin_token=$ADMIN_TOKEN`
#                                  (ADMIN_TOKEN set here), without Pushpin in front
#
# Env (both ways): FLOOD (1200), WAIT (25), SECONDS (10), CONCURRENCY (4). Needs curl and node.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every poll is a connection of its own: more open files than the usual 1,024.
ulimit -n "$(ulimit -Hn)" || true
if [ $# -ge 1 ]; then
  BASE_URL=$1 exec node scripts/poll-flood.mjs
fi
export ADMIN_TOKEN=${ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")}
PORT=${PORT:-37480}
STATE=$(mktemp -d)
cargo build -q --release -p spindesk-devserver
SERVER=""
cleanup() {
  local status=$?
  [ "$status" -ne 0 ] && { echo "--- server log ---" >&2; grep -v 'outbound .* not sent' "$STATE/server.log" | tail -n 15 >&2; }
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT INT TERM
SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  target/release/spindesk-devserver --listen "127.0.0.1:$PORT" --db "$STATE/spindesk.db" \
  >"$STATE/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/v2/help_center/categories" 2>/dev/null && break
  sleep 0.2
done
BASE_URL="http://127.0.0.1:$PORT" node scripts/poll-flood.mjs
