# Sourced by the load scripts that start their own server (scripts/wrk-paths.sh,
# scripts/poll-flood.sh): `devserver_start PORT [ARG...]` builds the release dev server and starts
# it on 127.0.0.1:PORT with a fresh database in a folder of its own, passing ARGs on and the
# environment's SPIN_VARIABLE_*s as its variables, and waits until it answers. At exit it is
# stopped and the folder removed; a failing script shows the end of the server's log first.
# `DEVSERVER_ON_EXIT` (a command) runs before that, e.g. to stop a helper of the script's own.
# ADMIN_TOKEN is set to a random 48 characters unless given (the app refuses one under 32).
export ADMIN_TOKEN=${ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")}
SERVER="" STATE=""

devserver_start() {
  local port=$1
  shift
  STATE=$(mktemp -d)
  cargo build -q --release -p spindesk-devserver
  trap devserver_stop EXIT INT TERM
  SPIN_VARIABLE_ADMIN_TOKEN="$ADMIN_TOKEN" \
    target/release/spindesk-devserver --listen "127.0.0.1:$port" --db "$STATE/spindesk.db" "$@" \
    >"$STATE/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v2/help_center/categories" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "the dev server did not answer on 127.0.0.1:$port" >&2
  return 1
}

devserver_stop() {
  local status=$?
  [ -n "${DEVSERVER_ON_EXIT:-}" ] && eval "$DEVSERVER_ON_EXIT"
  # The server's own errors, not its notes about sends it does not make.
  [ "$status" -ne 0 ] && [ -n "$STATE" ] && {
    echo "--- server log ---" >&2
    grep -v 'outbound .* not sent' "$STATE/server.log" | tail -n 15 >&2
  }
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$STATE" ] && rm -rf "$STATE"
  return "$status"
}
