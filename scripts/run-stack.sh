#!/usr/bin/env bash
# `make run`: storage + STS, the demo's RAM user, role and policies, and the app server, all on loopback.
# Ctrl-C stops everything this script started.
set -euo pipefail

BIN=${SILO_BIN:-Server/.build/release/silo}
DATA_DIR=${DATA_DIR:-./data}
ADDRESS=${ADDRESS:-127.0.0.1:9000}
STS_ADDRESS=${STS_ADDRESS:-127.0.0.1:9100}
APP_ADDRESS=${APP_ADDRESS:-127.0.0.1:9200}
CONSOLE_ADDRESS=${CONSOLE_ADDRESS:-127.0.0.1:9300}
pids=()

stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# shellcheck source=wait-for.sh
source "$(dirname "$0")/wait-for.sh"

mkdir -p "$DATA_DIR"
"$BIN" server --data-dir "$DATA_DIR" --address "$ADDRESS" --sts-address "$STS_ADDRESS" \
  --metrics-address "${METRICS_ADDRESS:-127.0.0.1:9400}" --console-address "$CONSOLE_ADDRESS" \
  --console-app-catalog "$DATA_DIR/app-server.sqlite" \
  --bucket demo --print-credentials --callback-policy loopback &
pids+=($!)
wait_for "$ADDRESS"
wait_for "$STS_ADDRESS"

"$BIN" demo setup --endpoint "http://$ADDRESS" --data-dir "$DATA_DIR" --sts-endpoint "http://$STS_ADDRESS" \
  --bucket demo --app-server-address "$APP_ADDRESS" --output "$DATA_DIR/app-server.yaml"
"$BIN" app-server --config "$DATA_DIR/app-server.yaml" --address "$APP_ADDRESS" &
pids+=($!)
wait_for "$APP_ADDRESS"

cat <<MSG

The console (sign in with the AccessKeyId and secret above): http://$CONSOLE_ADDRESS/
The uploader app (a mobile web page; register, pick a photo, upload): http://$APP_ADDRESS/app/
The seed's flow, as a mobile app runs it (registers alice on first use):
  $BIN demo mobile-flow --app-server http://$APP_ADDRESS --user alice --file <photo.jpg>
Or by hand:
  curl -s -X POST http://$APP_ADDRESS/v1/accounts -d '{"username":"bob","password":"bob-password"}'
  curl -s -X POST http://$APP_ADDRESS/v1/sessions -d '{"username":"bob","password":"bob-password"}'
  curl -s http://$APP_ADDRESS/v1/token -H 'Authorization: Bearer <token>'
Ctrl-C stops Silo and the app server.
MSG
wait -n "${pids[@]}"
