#!/usr/bin/env bash
# Zendesk's own client libraries, unchanged, against the real dev server:
#   tests/clients/run.sh     build + start spindesk-devserver on a fresh database, npm ci
#                            (node-zendesk, pinned in package-lock.json), run the test; then
#                            Sunshine Conversations' Python client (sunshine.py, pinned in
#                            requirements-sunshine.txt) in a venv this script creates, and
#                            zenpy's uploads (zenpy_uploads.py, requirements-zenpy.txt)
# Env: PORT (default 28180), ADMIN_TOKEN.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
# Below Linux's ephemeral range (32768-60999): no outgoing connection's source port can hold it.
PORT=${PORT:-28180}
export ADMIN_TOKEN=${ADMIN_TOKEN:-client-test-admin-token-0123456789abcdef}

command -v node >/dev/null || { echo "node (18 or later) and npm are required" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error

# The Python client's venv lives in the target dir (ignored by git, reused between runs).
VENV="${CARGO_TARGET_DIR:-$ROOT/target}/sunshine-client-venv"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements-sunshine.txt" \
  -r "$HERE/requirements-zenpy.txt"

STATE=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$STATE"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build -q -p spindesk-devserver)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/spindesk-devserver"
# The dev server reads spin.toml from the workspace root and variables from SPIN_VARIABLE_*.
(cd "$ROOT" && SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SPIN_VARIABLE_ATTACHMENT_URL_KEY="client-test-attachment-key-0123456789abcdef" exec "$BIN" --listen "127.0.0.1:$PORT" --db "$STATE/spindesk.db") \
  >"$STATE/server.log" 2>&1 &
SERVER=$!

for _ in $(seq 1 100); do
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "server exited during startup:" >&2; cat "$STATE/server.log" >&2; exit 1
  fi
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.2
done

status=0
BASE_URL="http://127.0.0.1:$PORT" node "$HERE/node-zendesk.test.mjs" || status=$?
if [ "$status" -eq 0 ]; then
  BASE_URL="http://127.0.0.1:$PORT" "$VENV/bin/python" "$HERE/sunshine.py" || status=$?
fi
if [ "$status" -eq 0 ]; then
  BASE_URL="http://127.0.0.1:$PORT" "$VENV/bin/python" "$HERE/zenpy_uploads.py" || status=$?
fi
if [ "$status" -ne 0 ]; then echo "--- server log ---" >&2; tail -n 50 "$STATE/server.log" >&2; fi
exit "$status"
