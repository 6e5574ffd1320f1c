#!/usr/bin/env bash
# `make image`: the container image of deploy/container/Containerfile, built with buildah (chroot isolation, vfs
# storage: no daemon, no registry), then smoke-tested by running it: /readyz answers and one upload reads back.
# Leaves build/image/silo-image.tar (OCI archive) and the image localhost/silo:dev in buildah's storage.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SILO_BIN:-Server/.build/release/silo}
WORK=build/image
STORAGE=(--storage-driver vfs)
mkdir -p "$WORK/swift-runtime"

# The root file system, made once (about 25 s) and reused while the package list stays the same.
PACKAGES=libvips42,libsqlite3-0,libcurl4,ca-certificates,ffmpeg
if [ ! -s "$WORK/rootfs.tar" ] || [ "$(cat "$WORK/rootfs.packages" 2>/dev/null)" != "$PACKAGES" ]; then
  mmdebstrap --quiet --variant=minbase --include=$PACKAGES bookworm "$WORK/rootfs.tar.tmp"
  mv "$WORK/rootfs.tar.tmp" "$WORK/rootfs.tar"
  echo "$PACKAGES" > "$WORK/rootfs.packages"
fi
# The Swift runtime libraries the binary links, from the toolchain that built it.
ldd "$BIN" | awk '$3 ~ /^\/opt\/swift\// {print $3}' | xargs -I{} cp -L {} "$WORK/swift-runtime/"
cp "$BIN" "$WORK/silo"

buildah "${STORAGE[@]}" bud --quiet --isolation chroot -t localhost/silo:dev -f deploy/container/Containerfile "$WORK"
rm -f "$WORK/silo-image.tar"
buildah "${STORAGE[@]}" push --quiet localhost/silo:dev "oci-archive:$WORK/silo-image.tar:silo:dev"

# Smoke test: the image's own command, on free loopback ports (chroot isolation shares the host's network).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sts=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
container=$(buildah "${STORAGE[@]}" from --quiet localhost/silo:dev)
key=LTAIimagesmoketest000001
secret=image-smoke-test-secret-0123456789
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  buildah "${STORAGE[@]}" rm "$container" >/dev/null 2>&1 || true
}
trap cleanup EXIT
buildah "${STORAGE[@]}" run --isolation chroot \
  --env SILO_ROOT_ACCESS_KEY_ID=$key --env SILO_ROOT_ACCESS_KEY_SECRET=$secret "$container" -- \
  /usr/local/bin/silo server --data-dir /data --address 127.0.0.1:$port --sts-address 127.0.0.1:$sts >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz"
echo
export SILO_ENDPOINT=http://127.0.0.1:$port SILO_ACCESS_KEY_ID=$key SILO_ACCESS_KEY_SECRET=$secret
echo "smoke test: one upload through the image" > "$WORK/smoke.txt"
"$BIN" mb oss://smoke >/dev/null
"$BIN" cp "$WORK/smoke.txt" oss://smoke/smoke.txt >/dev/null
"$BIN" cat oss://smoke/smoke.txt | cmp - "$WORK/smoke.txt"
# Video processing runs the image's own ffmpeg: a poster frame of a clip made on the host.
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=10 -t 1 -c:v libx264 -preset ultrafast "$WORK/smoke.mp4"
"$BIN" cp "$WORK/smoke.mp4" oss://smoke/smoke.mp4 >/dev/null
curl -fsS -o "$WORK/smoke.jpg" "$("$BIN" presign oss://smoke/smoke.mp4 --process video/snapshot,t_500,f_jpg,w_64,h_48)"
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); assert d[:2]==b"\xff\xd8", "not a JPEG"' "$WORK/smoke.jpg"
echo "image localhost/silo:dev: /readyz ready, upload read back, video snapshot taken; archive $WORK/silo-image.tar"
