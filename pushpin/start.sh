#!/usr/bin/env bash
# Starts Pushpin (in the foreground) in front of a Spindesk on this machine, with a config of
# its own in STATE_DIR: nothing of /etc/pushpin is used or changed, and every port is local.
#
#   pushpin/start.sh STATE_DIR [--port 7999] [--app 127.0.0.1:3000] [--publish-port 5561]
#                              [--zmq-base 5560] [--key KEY]
#
# --key is Pushpin's sig_key and must equal Spindesk's `grip_key` (SPIN_VARIABLE_GRIP_KEY);
# without it GRIP_KEY from the environment is used. Pushpin's public port binds 127.0.0.1.
set -euo pipefail
STATE=${1:?usage: pushpin/start.sh STATE_DIR [options]}
shift
PORT=7999 APP=127.0.0.1:3000 PUBLISH_PORT=5561 ZMQ_BASE=5560 KEY=${GRIP_KEY:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2 ;;
    --app) APP=$2 ;;
    --publish-port) PUBLISH_PORT=$2 ;;
    --zmq-base) ZMQ_BASE=$2 ;;
    --key) KEY=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$KEY" ] || { echo "pushpin/start.sh: no key (--key or GRIP_KEY)" >&2; exit 2; }
command -v pushpin >/dev/null || { echo "pushpin is not installed (apt-get install pushpin)" >&2; exit 1; }
mkdir -p "$STATE/run" "$STATE/log"
STATE=$(cd "$STATE" && pwd)
# The routes file as committed, pointed at the app's address.
sed "s/^\* 127\.0\.0\.1:3000$/* $APP/" "$(dirname "$0")/routes" > "$STATE/routes"
cat > "$STATE/pushpin.conf" <<CONF
[global]
include={libdir}/internal.conf
rundir=$STATE/run
ipc_prefix=spindesk-$PORT-
port_offset=0
stats_connection_ttl=120

[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=$PORT
logdir=$STATE/log
log_level=2
client_buffer_size=8192
client_maxconn=50000

[proxy]
# Debian's Pushpin reaches origins through a system-wide zurl (/var/run/zurl); this instance
# starts its own (the runner's zurl service) and talks to it under its rundir instead.
zurl_out_specs=ipc://{rundir}/{ipc_prefix}zurl-in
zurl_out_stream_specs=ipc://{rundir}/{ipc_prefix}zurl-in-stream
zurl_in_specs=ipc://{rundir}/{ipc_prefix}zurl-out
routesfile=$STATE/routes
debug=false
auto_cross_origin=false
accept_x_forwarded_protocol=false
# The real client address for Spindesk (rate limits per address): a client's own
# X-Forwarded-For is dropped and the peer's appended.
x_forwarded_for=truncate:0,append
x_forwarded_for_trusted=truncate:0,append
set_x_forwarded_protocol=proto-only
sig_iss=pushpin
sig_key=$KEY
updates_check=off

[handler]
push_in_spec=tcp://127.0.0.1:$ZMQ_BASE
push_in_sub_specs=tcp://127.0.0.1:$((ZMQ_BASE + 2))
push_in_sub_connect=false
push_in_http_addr=127.0.0.1
push_in_http_port=$PUBLISH_PORT
push_in_http_max_headers_size=10000
push_in_http_max_body_size=1000000
stats_spec=ipc://{rundir}/{ipc_prefix}stats
command_spec=tcp://127.0.0.1:$((ZMQ_BASE + 3))
message_rate=2500
message_hwm=25000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=20
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
CONF
chmod 600 "$STATE/pushpin.conf" # it holds the key
exec pushpin --config "$STATE/pushpin.conf" --port "127.0.0.1:$PORT" --merge-output
