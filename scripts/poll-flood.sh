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
. scripts/devserver.sh
devserver_start "${PORT:-37480}"
BASE_URL="http://127.0.0.1:${PORT:-37480}" node scripts/poll-flood.mjs
