#!/bin/sh
# Runs a command with a throwaway PostgreSQL cluster on 127.0.0.1 (a free port, a temp folder), exported as
# SILO_TEST_POSTGRES_URL (database `postgres`, role `silo`, trust auth), and removes the cluster afterwards.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -eu
BIN=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN/initdb" ] || { echo "with-postgres: no PostgreSQL at $BIN (apt-get install postgresql-15)" >&2; exit 2; }
dir=$(mktemp -d /tmp/silo-pg.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
stop() {
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM
as_owner "$BIN/initdb" -D "$dir/data" -A trust -U silo -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 2; }
as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=128MB" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 2; }
SILO_TEST_POSTGRES_URL="postgres://silo@127.0.0.1:$port/postgres" "$@"
