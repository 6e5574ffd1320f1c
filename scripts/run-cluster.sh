#!/usr/bin/env bash
# `make run-cluster`: Silo scaled out on loopback, for a user to try. Two identical gateways share one PostgreSQL
# database (metadata) and one Ceph RGW bucket (blobs), behind nginx, which sends each request to the next gateway.
# PostgreSQL and RGW come from scripts/with-postgres.sh and scripts/with-rgw.sh (SILO_TEST_POSTGRES_URL,
# SILO_TEST_S3_URL): everything is thrown away on Ctrl-C, which stops all this script started.
set -euo pipefail

BIN=${SILO_BIN:-Server/.build/release/silo}
ADDRESS=${ADDRESS:-127.0.0.1:9000}
STS_ADDRESS=${STS_ADDRESS:-127.0.0.1:9100}
: "${SILO_TEST_POSTGRES_URL:?run through scripts/with-postgres.sh}"
: "${SILO_TEST_S3_URL:?run through scripts/with-rgw.sh}"
pids=()
config_dir=$(mktemp -d /tmp/silo-cluster.XXXXXX)

stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$config_dir"
}
trap stop EXIT INT TERM

# shellcheck source=wait-for.sh
source "$(dirname "$0")/wait-for.sh"

psql "$SILO_TEST_POSTGRES_URL" -q -c "CREATE DATABASE silo ENCODING 'UTF8' TEMPLATE template0"
database=${SILO_TEST_POSTGRES_URL%/*}/silo
read -r -a ports < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')

# The gateways share the folder of root credentials and keys: the first creates it, so it starts alone.
# Migrations run at start and are safe when gateways start together; starting one first only keeps the
# credentials printed once.
for i in 0 1; do
  oss=127.0.0.1:${ports[$((2 * i))]} sts=127.0.0.1:${ports[$((2 * i + 1))]}
  extra=(); [ "$i" = 0 ] && extra=(--print-credentials --bucket demo)
  "$BIN" server --data-dir "$config_dir" --metadata "$database" --blobs "$SILO_TEST_S3_URL" \
    --address "$oss" --sts-address "$sts" --public-endpoint "$ADDRESS" "${extra[@]}" \
    >"$config_dir/gateway-$i.log" 2>&1 &
  pids+=($!)
  wait_for "$oss" || { tail -n 40 "$config_dir/gateway-$i.log" >&2; exit 1; }
  wait_for "$sts"
done

python3 compat/load_balancer.py "${ADDRESS##*:}" "${ports[0]}" "${ports[2]}" &
pids+=($!)
python3 compat/load_balancer.py "${STS_ADDRESS##*:}" "${ports[1]}" "${ports[3]}" &
pids+=($!)
wait_for "$ADDRESS"
wait_for "$STS_ADDRESS"

sed -n '/^$/,$p' "$config_dir/gateway-0.log" | grep -v '^{' | head -n 40 || true
cat <<MSG

Two gateways, one cluster:
  OSS  http://$ADDRESS  (nginx → 127.0.0.1:${ports[0]}, 127.0.0.1:${ports[2]})
  STS  http://$STS_ADDRESS  (nginx → 127.0.0.1:${ports[1]}, 127.0.0.1:${ports[3]})
  metadata  $database
  blobs     $SILO_TEST_S3_URL
  gateway logs  $config_dir/gateway-0.log, gateway-1.log
Use the root credentials above with any OSS SDK against http://$ADDRESS (bucket 'demo' exists).
Ctrl-C stops the gateways, nginx, RGW and PostgreSQL and throws their data away.
MSG
wait -n "${pids[@]}"
