#!/usr/bin/env bash
# Issue 11's measurement (wrk on the three busy paths: widget message + bot reply, signed
# Telegram webhook, help-center search over 10,000 articles): scripts/wrk-paths.mjs does it.
#
#   scripts/wrk-paths.sh                 the release dev server, started here on a port of its
#                                        own with a fresh database, then stopped
#   scripts/wrk-paths.sh URL             a running Spindesk, e.g. `spin up --build` with
#       --variable admin_token=$ADMIN_TOKEN --variable widget_messages_per_minute=1000000000
#       --variable widget_messages_per_address_per_minute=1000000000      (ADMIN_TOKEN set here)
#
# Env (both ways): CONNECTIONS (32), HC_CONNECTIONS (8), DURATION (8s), THREADS (2), ARTICLES
# (10000), SESSIONS (50), PATHS (widget,telegram,search); for the dev server, SQLITE_MEMSTATUS=off starts it with SQLite's memory
# statistics off (Spin's host keeps them on: README, "A busy desk on one machine"). DRAIN_EVERY=n
# calls the outbox drain every n seconds meanwhile, as production's scheduler does (it also keeps
# the database's write-ahead log small: docs/channels.md); its answers go to the file named by
# DRAIN_LOG (default: none kept). Needs `wrk` (apt-get install -y wrk), curl and node.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
DRAINER=""
# Calls the drain at $1 every DRAIN_EVERY seconds, in the background.
start_drainer() {
  [ -n "${DRAIN_EVERY:-}" ] || return 0
  (while sleep "$DRAIN_EVERY"; do
    curl -sS -X POST -H "authorization: Bearer ${ADMIN_TOKEN:-}" "$1/api/admin/outbox/drain" \
      >>"${DRAIN_LOG:-/dev/null}" 2>&1 || true
    echo >>"${DRAIN_LOG:-/dev/null}"
  done) &
  DRAINER=$!
}
if [ $# -ge 1 ]; then
  start_drainer "$1"
  trap '[ -n "$DRAINER" ] && kill "$DRAINER" 2>/dev/null || true' EXIT INT TERM
  BASE_URL=$1 node scripts/wrk-paths.mjs
  exit
fi
. scripts/devserver.sh
PORT=${PORT:-37380}
DEVSERVER_ON_EXIT='[ -n "$DRAINER" ] && kill "$DRAINER" 2>/dev/null || true'
EXTRA=()
[ "${SQLITE_MEMSTATUS:-}" = off ] && EXTRA+=(--sqlite-without-memory-statistics)
SPIN_VARIABLE_WIDGET_MESSAGES_PER_MINUTE=1000000000 \
  SPIN_VARIABLE_WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE=1000000000 \
  devserver_start "$PORT" "${EXTRA[@]}"
start_drainer "http://127.0.0.1:$PORT"
BASE_URL="http://127.0.0.1:$PORT" node scripts/wrk-paths.mjs
