#!/bin/sh
# Runs a command with a throwaway single-node Ceph RGW (the S3 API) on 127.0.0.1, exported as
# SILO_TEST_S3_URL (s3://ACCESS:SECRET@127.0.0.1:PORT/silo-test?region=us-east-1), SILO_TEST_S3_ENDPOINT,
# SILO_TEST_S3_ACCESS_KEY and SILO_TEST_S3_SECRET_KEY, and removes the cluster afterwards.
# The cluster is 1 mon, 1 OSD on memstore (objects live in the OSD's RAM) and radosgw, with auth off. Its
# config, data, logs and sockets all live in one temp folder: it never reads or writes /etc/ceph or /var/lib/ceph.
set -eu
for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph; do
    command -v "$bin" >/dev/null 2>&1 && continue
    # Debian 12 ships Ceph 16.2 (Pacific). The package lists may be stale or absent on a fresh machine,
    # so update them only when a plain install fails.
    echo "with-rgw: installing Ceph (radosgw, ceph-mon, ceph-osd)" >&2
    pkgs="radosgw ceph-mon ceph-osd ceph-mgr ceph-common"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >/dev/null 2>&1 \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >/dev/null; } \
        || { echo "with-rgw: could not install $pkgs" >&2; exit 2; }
    break
done
ACCESS_KEY=silo-test-access
SECRET_KEY=silo-test-secret
dir=$(mktemp -d /tmp/silo-rgw.XXXXXX)
# The mon and radosgw need fixed ports that clients are told about; the OSD picks its own free ports
# (ms_bind_port_min..max, 6800-7300) and announces them through the mon. Both sockets stay bound until both
# ports are read, so the two differ.
ports=$(python3 -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')
mon_port=${ports% *}
rgw_port=${ports#* }
pids=
stop() {
    # SIGKILL, not SIGTERM: nothing here is worth keeping, and a cleanly stopping memstore OSD would first
    # write every object it holds out to disk.
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in $pids; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM
fail() {
    echo "with-rgw: $1" >&2
    for log in "$dir"/*.log "$dir"/*.out; do
        [ -s "$log" ] || continue
        echo "==> $log <==" >&2
        tail -n 40 "$log" >&2
    done
    exit 2
}
conf=$dir/ceph.conf
cat >"$conf" <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
# msgr2 only: msgr1 would bind a second port for every daemon and client-facing endpoint.
ms bind msgr1 = false
ms bind msgr2 = true
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir
admin socket = $dir/\$name.asok
log file = $dir/\$name.log
crash dir = $dir/crash
keyring = $dir/keyring
mon data = $dir/\$name
osd data = $dir/\$name
mon cluster log to file = false
# The mon batches map changes for paxos propose interval (1 s) before committing them; starting radosgw is
# a chain of about a dozen pool changes, each waiting for the last, so the default costs ~12 s.
paxos propose interval = 0.01
paxos min wait = 0.01
# One OSD, so one copy of everything, on one host.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
mon allow pool delete = true
[osd]
# The mon takes its address from mon host; the OSD needs telling, or it would bind to the machine's address.
public addr = 127.0.0.1
cluster addr = 127.0.0.1
# memstore keeps objects in the OSD's RAM; device bytes is the size it reports (and so where it is full).
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw]
# radosgw defaults to encrypted (secure) mon connections, which auth none cannot set up: it would retry forever.
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/\$name
EOF
ceph-mon -c "$conf" -i a --mkfs >"$dir/mkfs.out" 2>&1 || fail "ceph-mon --mkfs failed"
ceph-mon -c "$conf" -i a -f >"$dir/mon.a.out" 2>&1 &
pids="$pids $!"
osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(timeout 60 ceph -c "$conf" osd new "$osd_uuid" 2>"$dir/osd-new.out") || fail "ceph osd new failed"
mkdir "$dir/osd.$osd_id"
ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$dir/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
ceph-osd -c "$conf" -i "$osd_id" -f >"$dir/osd.$osd_id.out" 2>&1 &
pids="$pids $!"
mkdir "$dir/client.rgw"
radosgw -c "$conf" -n client.rgw -f >"$dir/client.rgw.out" 2>&1 &
pids="$pids $!"
# radosgw opens its port only once its pools and zone exist, so an HTTP answer means it is ready.
tries=0
until curl -s -o /dev/null "http://127.0.0.1:$rgw_port/"; do
    for pid in $pids; do kill -0 "$pid" 2>/dev/null || fail "a Ceph daemon exited while starting"; done
    tries=$((tries + 1))
    [ "$tries" -le 600 ] || fail "radosgw did not answer on 127.0.0.1:$rgw_port within 120 s"
    sleep 0.2
done
timeout 60 radosgw-admin -c "$conf" user create --uid=silo --display-name=silo \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >"$dir/user-create.out" 2>&1 || fail "radosgw-admin user create failed"
SILO_TEST_S3_URL="s3://$ACCESS_KEY:$SECRET_KEY@127.0.0.1:$rgw_port/silo-test?region=us-east-1" \
SILO_TEST_S3_ENDPOINT="http://127.0.0.1:$rgw_port" \
SILO_TEST_S3_ACCESS_KEY=$ACCESS_KEY \
SILO_TEST_S3_SECRET_KEY=$SECRET_KEY \
    "$@"
