#!/usr/bin/env bash
# Schemathesis against the dev server with every OpenAPI document in docs/openapi/:
#   tests/fuzz/run.sh            build + start spindesk-devserver on a fresh database, create a
#                                venv with the pinned schemathesis (requirements.txt), create an
#                                agent, a widget session and help-center content through the API,
#                                then fuzz each document with the credentials its routes take.
# Fails on any 5xx, a response that does not match its documented schema or content type.
# Env: PORT (default 28190), FUZZ_EXAMPLES (max examples per operation, default 25),
#      FUZZ_DOCS (space-separated components, default all),
#      FUZZ_VENV (default target/fuzz-venv).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
# Below Linux's ephemeral range (32768-60999): no outgoing connection's source port can hold it.
PORT=${PORT:-28190}
BASE="http://127.0.0.1:$PORT"
EXAMPLES=${FUZZ_EXAMPLES:-25}
VENV=${FUZZ_VENV:-$ROOT/target/fuzz-venv}
export ADMIN_TOKEN=${ADMIN_TOKEN:-fuzz-admin-token-0123456789abcdefghijklmnop}
# Every document in docs/openapi (a new one is fuzzed without editing this script); admin last,
# as its routes change the integrations and agents the other runs use.
all_docs() {
  local d
  for d in "$ROOT"/docs/openapi/*.json; do
    d=$(basename "$d" .json)
    case "$d" in index|admin) ;; *) printf '%s ' "$d" ;; esac
  done
  [ -f "$ROOT/docs/openapi/admin.json" ] && printf 'admin'
}
DOCS=${FUZZ_DOCS:-$(all_docs)}

command -v python3 >/dev/null || { echo "python3 (3.10 or later, with venv) is required" >&2; exit 1; }
if [ ! -x "$VENV/bin/st" ] || ! cmp -s "$HERE/requirements.txt" "$VENV/requirements.txt"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/requirements.txt"
fi

STATE=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$STATE"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build -q -p spindesk-devserver)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/spindesk-devserver"
# Limits out of the way of a fuzzer sending hundreds of messages from one address; the limits
# themselves have their e2e tests.
# Downloads need their signing key (without one they answer 503 by design: the operator's
# to set), so the fuzzer reaches the token checks.
(cd "$ROOT" && SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SPIN_VARIABLE_ATTACHMENT_URL_KEY="fuzz-test-attachment-key-0123456789abcdef" \
  SPIN_VARIABLE_WIDGET_MESSAGES_PER_MINUTE=1000000 \
  SPIN_VARIABLE_WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE=1000000 \
  exec "$BIN" --listen "127.0.0.1:$PORT" --db "$STATE/spindesk.db") >"$STATE/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "server exited during startup:" >&2; cat "$STATE/server.log" >&2; exit 1
  fi
  curl -fsS -o /dev/null "$BASE/" 2>/dev/null && break
  sleep 0.2
done

# What the fuzzed requests find: credentials of each kind, and content with ids to hit.
post() { # post PATH AUTH BODY -> the response body; fails on a non-2xx
  curl -fsS -X POST "$BASE$1" -H "authorization: $2" -H 'content-type: application/json' -d "$3"
}
field() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$1"; }
ADMIN="Bearer $ADMIN_TOKEN"
AGENT_TOKEN=$(post /api/admin/agents "$ADMIN" '{"agent": {"name": "Fuzz Agent", "email": "fuzz@example.com", "role": "admin"}}' | field api_token)
AGENT="Basic $(printf '%s' "fuzz@example.com/token:$AGENT_TOKEN" | base64 -w0)"
SESSION=$(post /api/widget/sessions "" '{"name": "Fuzz Visitor"}' | field session.token)
post /api/widget/messages "Bearer $SESSION" '{"text": "I need help with my order", "payload": "handoff"}' >/dev/null
CATEGORY=$(post /api/v2/help_center/en-us/categories "$ADMIN" '{"category": {"name": "Orders"}}' | field category.id)
SECTION=$(post "/api/v2/help_center/en-us/categories/$CATEGORY/sections" "$ADMIN" '{"section": {"name": "Shipping"}}' | field section.id)
post "/api/v2/help_center/en-us/sections/$SECTION/articles" "$ADMIN" \
  '{"article": {"title": "Where is my order", "body": "<p>Track it from your account.</p>"}}' >/dev/null
post /api/v2/groups "$AGENT" '{"group": {"name": "Billing"}}' >/dev/null
post /api/v2/macros "$AGENT" '{"macro": {"title": "Close", "actions": [{"field": "status", "value": "solved"}]}}' >/dev/null
post /api/v2/views "$AGENT" '{"view": {"title": "Open", "all": [{"field": "status", "operator": "is", "value": "open"}]}}' >/dev/null
# A Telegram integration: the channels run posts to its webhook with its secret token, so
# fuzzed updates reach the Telegram parser (tests/fuzz/schemathesis.toml pins the path to it).
TELEGRAM_SECRET=fuzz-telegram-secret-0123456789abcdef
export FUZZ_TELEGRAM_ID
FUZZ_TELEGRAM_ID=$(post /api/admin/integrations "$ADMIN" \
  "{\"integration\": {\"type\": \"telegram\", \"display_name\": \"Fuzz\", \"bot_token\": \"123456:fuzz\", \"secret_token\": \"$TELEGRAM_SECRET\"}}" \
  | field integration.id)
# Every credential works before the fuzzing starts (a 401 run would pass and test nothing).
curl -fsS -o /dev/null -H "authorization: $AGENT" "$BASE/api/v2/users/me"
curl -fsS -o /dev/null -H "authorization: Bearer $SESSION" "$BASE/api/widget/conversation"
curl -fsS -o /dev/null -H "authorization: $ADMIN" "$BASE/api/admin/agents"

auth_for() {
  case "$1" in
    widget) echo "Bearer $SESSION" ;;
    tickets|search|help-center|live) echo "$AGENT" ;;
    admin|bot|reports|conversations) echo "$ADMIN" ;;
    *) echo "" ;;
  esac
}

status=0
total=0
summary=""
for doc in $DOCS; do
  echo "=== schemathesis: $doc"
  auth=$(auth_for "$doc")
  args=()
  [ -n "$auth" ] && args+=(-H "Authorization: $auth")
  [ "$doc" = channels ] && args+=(-H "X-Telegram-Bot-Api-Secret-Token: $TELEGRAM_SECRET")
  set +e
  # From the state directory: Schemathesis leaves files (.hypothesis) where it runs.
  (cd "$STATE" && "$VENV/bin/st" --config-file "$HERE/schemathesis.toml" --no-color run "$BASE/api/openapi/$doc.json" \
    --url "$BASE" "${args[@]}" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" \
    --generation-deterministic --workers 1 --request-timeout 30 \
    --max-redirects 0 --suppress-health-check all --continue-on-failure) 2>&1 | tee "$STATE/$doc.out"
  rc=${PIPESTATUS[0]}
  set -e
  # Schemathesis's summary: "Test cases:" then "  N generated, ...".
  cases=$(grep -A1 '^Test cases:' "$STATE/$doc.out" | grep -oE '[0-9]+ generated' | grep -oE '[0-9]+' || echo 0)
  total=$((total + cases))
  summary+=$(printf '%-14s %6d cases  %s' "$doc" "$cases" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)")$'\n'
  [ "$rc" -eq 0 ] || status=1
done
echo
echo "=== schemathesis summary (deterministic generation, at most $EXAMPLES examples per operation and phase)"
printf '%s' "$summary"
echo "generated test cases in all: $total"
if [ "$status" -ne 0 ]; then echo "--- server log ---" >&2; tail -n 50 "$STATE/server.log" >&2; fi
exit "$status"
