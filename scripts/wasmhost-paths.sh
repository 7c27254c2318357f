#!/usr/bin/env bash
# Issue 11's measurement on a host of Spin's shape: the built Wasm components served by
# spindesk-wasmhost (a fresh instance per request, Spin's SQLite interface; README, "The Wasm on
# a Spin-shaped host"), beside the issue's reference component (tests/one-insert) on a host of
# its own, measured by scripts/wrk-paths.mjs with the reference's row and every path's ratio to
# it. Two rounds, each on fresh state: CONNECTIONS (32) with ARTICLES (10000), then one
# connection with 500 articles (the goal's "p50 <= 5 ms with one connection").
#
#   scripts/wasmhost-paths.sh
#
# The Telegram replies go to a stand-in for Telegram's Bot API on PORT+2 (wrk-paths' VENDOR_URL),
# so the webhook path measured includes the reply really sent, as the issue's row says.
#
# Env: DURATION (8s), CONNECTIONS (32), ARTICLES (10000), PORT (37390; the reference on PORT+1),
# HOLD_OPEN=1 (spindesk-hold-open beside the app's host, as README's "A quiet desk" runs it
# beside `spin up`; the reference runs without it, as it was measured on Spin), HOST_ARGS (more
# arguments for both hosts, e.g. --no-pooling), ONE_CONNECTION_ONLY=1 (the second round alone).
# Builds what it runs first: the components it reaches (wasm32-wasip2, the profiles spin.toml
# names), the reference, and the host (release). Needs wrk (apt-get install -y wrk) and node.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
PORT=${PORT:-37390}
export ADMIN_TOKEN=${ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")}
cargo build -q --target wasm32-wasip2 --release \
  -p widget -p channels -p help-center -p actions-builtin -p one-insert
cargo build -q --target wasm32-wasip2 --profile release-small -p admin
cargo build -q --release -p spindesk-wasmhost
[ -n "${HOLD_OPEN:-}" ] && cargo build -q --release -p spindesk-devserver --bin spindesk-hold-open

STATE=$(mktemp -d) PIDS=()
stop() {
  local status=$?
  for pid in "${PIDS[@]}" ${VENDOR_PID:-}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$status" -ne 0 ] && tail -n 15 "$STATE"/*.log >&2 2>/dev/null
  rm -rf "$STATE"
  return "$status"
}
trap stop EXIT INT TERM

# host NAME PORT ARG...: starts a host with its state in $STATE/NAME and waits until it listens
# (it compiles every built component first, as Spin does: up to a minute on 2 cores).
host() {
  local name=$1 port=$2
  shift 2
  rm -rf "${STATE:?}/$name"
  mkdir -p "$STATE/$name"
  # shellcheck disable=SC2086 # HOST_ARGS is a list of arguments
  target/release/spindesk-wasmhost --listen "127.0.0.1:$port" --state-dir "$STATE/$name" "$@" ${HOST_ARGS:-} \
    >"$STATE/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 1800); do
    grep -q '^listening on' "$STATE/$name.log" && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "spindesk-wasmhost ($name) did not start" >&2
  return 1
}

# Telegram's Bot API, as far as a reply needs it: any request answered 200 with a sent message.
VENDOR_PORT=$((PORT + 2))
node -e '
require("http").createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, result: { message_id: 1, date: 0, chat: { id: 1, type: "private" } } }));
  });
}).listen(Number(process.argv[1]), "127.0.0.1");
' "$VENDOR_PORT" &
VENDOR_PID=$!

# round CONNECTIONS ARTICLES: fresh state for both hosts, then wrk-paths.
round() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Only the hosts: the vendor's stand-in serves every round.
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
  host reference $((PORT + 1)) --manifest tests/one-insert/spin.toml
  local config="$STATE/runtime-config.toml"
  : >"$config"
  for label in attachments help_center live; do
    printf '[sqlite_database.%s]\ntype = "spin"\npath = "%s"\n' "$label" "$STATE/app/$label.db" >>"$config"
  done
  host app "$PORT" --runtime-config-file "$config" --variable "admin_token=$ADMIN_TOKEN" \
    --variable widget_messages_per_minute=1000000000 \
    --variable widget_messages_per_address_per_minute=1000000000 \
    --variable "webhook_hosts=http://127.0.0.1:$VENDOR_PORT"
  if [ -n "${HOLD_OPEN:-}" ]; then
    # It holds each file once the app's first requests have made it.
    target/release/spindesk-hold-open "$STATE/app/sqlite_db.db" "$STATE/app/help_center.db" \
      "$STATE/app/attachments.db" "$STATE/app/live.db" >"$STATE/hold-open.log" 2>&1 &
    PIDS+=($!)
  fi
  CONNECTIONS=$1 HC_CONNECTIONS=$((8 < $1 ? 8 : $1)) ARTICLES=$2 SESSIONS=$((50 < $1 * 2 ? 50 : $1 * 2 + 3)) \
    INSERT_URL="http://127.0.0.1:$((PORT + 1))" BASE_URL="http://127.0.0.1:$PORT" \
    VENDOR_URL="http://127.0.0.1:$VENDOR_PORT" \
    node scripts/wrk-paths.mjs
}

if [ -n "${ONE_CONNECTION_ONLY:-}" ]; then
  round 1 500
else
  round "${CONNECTIONS:-32}" "${ARTICLES:-10000}"
  round 1 500
fi
