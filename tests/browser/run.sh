#!/usr/bin/env bash
# Browser end-to-end tests of the widget, the Help Center pages, the agent workspace, the admin
# console (in English, and in Korean: admin-ko.test.mjs; the workspace's errors in Korean:
# agent-ko.test.mjs), files in conversations
# (attachments.test.mjs), signed identity (identity.test.mjs) and the desk (two agents and a
# customer) against the real dev server, and realtime through a real Pushpin in front of it
# (realtime.test.mjs):
#   tests/browser/run.sh            build + start spindesk-devserver on a fresh database and
#                                   Pushpin in front of it, run the tests
#   tests/browser/run.sh --fake     the widget test against fake-server.mjs (no Rust build)
#   tests/browser/run.sh --only widget-settings
#                                   build + start as above, run that one file only
# Env: PORT (default 28080), PUSHPIN_PORT (28090; its publish port +1, ZeroMQ ports +2..+5),
# ADMIN_TOKEN, CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
# Below Linux's ephemeral range (32768-60999): no outgoing connection's source port can hold it.
PORT=${PORT:-28080}
export ADMIN_TOKEN=${ADMIN_TOKEN:-browser-test-admin-token-0123456789abcdef}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
  echo "installing chromium from apt (no browser download through npm)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # fonts-nanum: Hangul glyphs, so the Korean screenshots in out/ show text rather than boxes.
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium fonts-nanum
fi
npm ci --no-audit --no-fund --loglevel=error
# The string tables in both languages (no browser, no server): fails on a key in one only.
node "$HERE/strings.test.mjs"
if [ "${1:-}" != "--fake" ] && ! command -v pushpin >/dev/null; then
  echo "installing pushpin from apt (the realtime test puts it in front of the dev server)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq pushpin
fi
PUSHPIN_PORT=${PUSHPIN_PORT:-28090}
PUBLISH_PORT=$((PUSHPIN_PORT + 1))
GRIP_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

STATE=$(mktemp -d)
SERVER=""
PUSHPIN=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  # Pushpin runs in a session of its own (setsid): its runner and services end together.
  if [ -n "$PUSHPIN" ]; then kill -- "-$PUSHPIN" 2>/dev/null || true; wait "$PUSHPIN" 2>/dev/null || true; fi
  rm -rf "$STATE"
}
trap cleanup EXIT

if [ "${1:-}" = "--fake" ]; then
  node fake-server.mjs "$PORT" >"$STATE/server.log" 2>&1 &
  SERVER=$!
else
  (cd "$ROOT" && cargo build -q -p spindesk-devserver)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/spindesk-devserver"
  # The dev server reads spin.toml from the workspace root and variables from SPIN_VARIABLE_*.
  # The push hub's variables are set for every test: requests straight to the server carry no
  # Grip-Sig and take the plain path; only realtime.test.mjs goes through Pushpin.
  (cd "$ROOT" && SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN" SPIN_VARIABLE_GRIP_KEY="$GRIP_KEY" \
    SPIN_VARIABLE_ATTACHMENT_URL_KEY="browser-test-attachment-key-0123456789abcdef" \
    SPIN_VARIABLE_GRIP_PUBLISH_URL="http://127.0.0.1:$PUBLISH_PORT/publish/" \
    SPIN_VARIABLE_GRIP_PUBLISH_HOST="http://127.0.0.1:$PUBLISH_PORT" \
    exec "$BIN" --listen "127.0.0.1:$PORT" --db "$STATE/spindesk.db") \
    >"$STATE/server.log" 2>&1 &
  SERVER=$!
  setsid "$ROOT/pushpin/start.sh" "$STATE/pushpin" --port "$PUSHPIN_PORT" --app "127.0.0.1:$PORT" \
    --publish-port "$PUBLISH_PORT" --zmq-base "$((PUSHPIN_PORT + 2))" --key "$GRIP_KEY" \
    >"$STATE/pushpin.log" 2>&1 &
  PUSHPIN=$!
fi

for _ in $(seq 1 100); do
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "server exited during startup:" >&2; cat "$STATE/server.log" >&2; exit 1
  fi
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.2
done

status=0
if [ "${1:-}" = "--only" ]; then
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PUSHPIN_PORT/" 2>/dev/null && break
    sleep 0.2
  done
  BASE_URL="http://127.0.0.1:$PORT" PUSHPIN_URL="http://127.0.0.1:$PUSHPIN_PORT" \
    node "$HERE/${2:?--only needs a test name such as widget-settings}.test.mjs" || status=$?
  if [ "$status" -ne 0 ]; then echo "--- server log ---" >&2; tail -n 50 "$STATE/server.log" >&2; fi
  exit "$status"
fi
BASE_URL="http://127.0.0.1:$PORT" node "$HERE/widget.test.mjs" || status=$?
# The widget as the admin sets it up (settings, badge, JavaScript API, proactive messages,
# allow-list): the admin API exists only on the real server. It puts the defaults back at the end.
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/widget-settings.test.mjs" || status=$?
fi
# The public Help Center pages, the agent workspace and the admin console exist only on the real
# server.
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/help-center.test.mjs" || status=$?
fi
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/agent.test.mjs" || status=$?
fi
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/admin.test.mjs" || status=$?
fi
# The admin console again with a Korean browser: every area in Korean, the language switch.
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/admin-ko.test.mjs" || status=$?
fi
# The agent workspace with a Korean browser: the server's refusals in the workspace's words.
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/agent-ko.test.mjs" || status=$?
fi
# Files: a photo from the widget to the workspace, a PDF back (uploads and downloads exist only
# on the real server).
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/attachments.test.mjs" || status=$?
fi
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PUSHPIN_PORT/" 2>/dev/null && break
    sleep 0.2
  done
  BASE_URL="http://127.0.0.1:$PORT" PUSHPIN_URL="http://127.0.0.1:$PUSHPIN_PORT" \
    node "$HERE/realtime.test.mjs" || status=$?
  if [ "$status" -ne 0 ]; then echo "--- pushpin log ---" >&2; tail -n 30 "$STATE/pushpin.log" >&2; fi
fi
# Signed widget identity: signing keys, sign-in on two browsers, the workspace's identities,
# logout leaving nothing in storage.
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/identity.test.mjs" || status=$?
fi
# Last: it makes a default group, which changes where later hand-offs go.
if [ "$status" -eq 0 ] && [ "${1:-}" != "--fake" ]; then
  BASE_URL="http://127.0.0.1:$PORT" node "$HERE/desk.test.mjs" || status=$?
fi
if [ "$status" -ne 0 ]; then echo "--- server log ---" >&2; tail -n 50 "$STATE/server.log" >&2; fi
exit "$status"
