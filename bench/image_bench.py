#!/usr/bin/env python3
"""Thumbnails of a 12 MP JPEG (4000x3000, q90), resized to 200 px wide at q80, through Silo's HTTP API
(`GET /<bucket>/<key>?x-oss-process=image/resize,w_200/quality,q_80`, V1-presigned, load from wrk), side by
side with the same transform done in this process by pyvips and by Pillow in draft mode, in one run.

What is compared, and why:
- Cache misses. Silo caches derived images by (source ETag, process string), so a repeated URL would
  measure the cache, not the transform. Every miss request names a different source object: copies of the
  one JPEG that differ only by a comment segment (same pixels, same work, a different ETag). When the
  binary has `--image-cache-mb`, the cache is also turned off for these runs.
- Per core. The baselines are single-threaded (libvips with one thread and no operation cache, as Silo
  runs it), so Silo is compared (a) with one image worker and one sequential connection, in thumbnails
  per second, and (b) with its default workers and 2 connections, in thumbnails per CPU-second of the
  Silo process (utime + stime from /proc), since on a 2-core machine wrk competes for the cores.
- Cache hits. The same processed URL over and over, against a plain GET of an object as large as the
  thumbnail: what a hit costs over serving stored bytes.

One Silo thumbnail is decoded with Pillow and checked to be a 200 px wide JPEG.
"""

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "compat"))
sys.path.insert(0, HERE)

import oss2  # noqa: E402
import pyvips  # noqa: E402
import requests  # noqa: E402
from PIL import Image, ImageChops, ImageDraw, ImageFilter  # noqa: E402

from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402
from wrk_replay import replay  # noqa: E402

WIDTH, HEIGHT = 4000, 3000
THUMB_WIDTH = 200
PROCESS = "image/resize,w_%d/quality,q_80" % THUMB_WIDTH
BUCKET = "images"
HIT_CONCURRENCY = [1, 16]
# Distinct sources per miss run: the most thumbnails the run could do (the best single-threaded rate on
# every core, for the whole run), with room to spare.
MISS_KEY_MARGIN = 1.5
MIN_MISS_KEYS = 32


# ---- the source image ----

def photo_like_jpeg():
    """4000x3000 q90, about 4 MB: gradients and soft-edged shapes under luma grain, so the JPEG carries
    real detail (a flat picture would decode and encode unrealistically fast)."""
    red = Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT))
    green = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    blue = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    picture = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(picture)
    for i in range(40):
        x, y, r = (i * 997) % WIDTH, (i * 613) % HEIGHT, 60 + (i * 37) % 400
        draw.ellipse((x - r, y - r, x + r, y + r), fill=((i * 53) % 256, (i * 97) % 256, (i * 151) % 256))
    picture = picture.filter(ImageFilter.GaussianBlur(3))
    grain = Image.effect_noise((WIDTH, HEIGHT), 10)
    picture = ImageChops.add(picture, Image.merge("RGB", (grain, grain, grain)), offset=-128)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


def with_comment(jpeg, text):
    """The same JPEG with a COM segment after SOI: identical pixels and work, different bytes and ETag."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


# ---- in-process baselines ----

def pyvips_thumbnail(data):
    return pyvips.Image.thumbnail_buffer(data, THUMB_WIDTH).write_to_buffer(".jpg[Q=80]")


def pillow_thumbnail(data):
    picture = Image.open(io.BytesIO(data))
    # DCT scaling in the decoder: a 1/8 decode instead of 12 MP, as libvips's shrink-on-load does.
    picture.draft("RGB", (THUMB_WIDTH, THUMB_WIDTH * HEIGHT // WIDTH))
    picture.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 10))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


def in_process(transform, data, seconds, warmup=1.0):
    """Runs the transform back to back for `seconds` after a warm-up, decoding the encoded bytes every
    time. Returns (per second, per CPU-second, p50 ms)."""
    deadline = time.perf_counter() + warmup
    while time.perf_counter() < deadline:
        transform(data)
    latencies = []
    cpu_start, start = time.process_time(), time.perf_counter()
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        transform(data)
        latencies.append(time.perf_counter() - began)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return len(latencies) / wall, len(latencies) / cpu, sorted(latencies)[len(latencies) // 2] * 1000


# ---- Silo ----

def server_flags(binary):
    """The image flags this binary has: they are new, and older binaries refuse unknown options."""
    text = subprocess.run([binary, "server", "--help"], capture_output=True, text=True).stdout
    return {flag for flag in ("--image-workers", "--image-cache-mb") if flag in text}


def start_silo(binary, data_dir, flags, workers=None, cache_off=False):
    args = []
    if workers is not None and "--image-workers" in flags:
        args += ["--image-workers", str(workers)]
    if cache_off and "--image-cache-mb" in flags:
        args += ["--image-cache-mb", "0"]
    silo = SiloServer(data_dir=data_dir, binary=binary, extra_args=args)
    return silo.start()


def open_bucket(silo):
    return oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, BUCKET, region=REGION)


def path_of(url):
    return re.sub(r"^http://[^/]+", "", url)


def processed_paths(bucket, keys):
    return [path_of(bucket.sign_url("GET", key, 86400, params={"x-oss-process": PROCESS})) for key in keys]


def cpu_seconds(pid):
    """utime + stime of every thread of the process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(work, silo, paths, connections, seconds):
    """wrk over the paths, none twice until they wrap; returns (per second, per CPU-second of Silo, p50 ms,
    wrapped)."""
    cpu_before = cpu_seconds(silo.pid)
    rate, p50, _, count, wrapped = replay(work, silo.endpoint, paths, "GET", connections, seconds)
    # Read at once: a request still running when wrk stopped counts its CPU but not its thumbnail, so the
    # per-CPU-second figure errs, by at most `connections` thumbnails, against Silo.
    cpu = cpu_seconds(silo.pid) - cpu_before
    return rate, count / cpu if cpu else float("inf"), p50, wrapped


def upload_sources(bucket, source, count):
    keys = ["src/%04d.jpg" % i for i in range(count)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda key: bucket.put_object(key, with_comment(source, key)), keys))
    return keys


def check_thumbnail(silo, path):
    """A Silo answer decodes with Pillow as a 200 px wide JPEG. Returns its bytes."""
    response = requests.get(silo.endpoint + path, timeout=60)
    response.raise_for_status()
    picture = Image.open(io.BytesIO(response.content))
    picture.load()
    assert picture.format == "JPEG", picture.format
    assert picture.size == (THUMB_WIDTH, THUMB_WIDTH * HEIGHT // WIDTH), picture.size
    assert response.headers["Content-Type"] == "image/jpeg", response.headers["Content-Type"]
    return response.content


def miss_run(binary, work, data_dir, flags, paths, workers, connections, seconds):
    """One Silo per configuration, on the same data; the first two paths warm it up (libvips loads its
    JPEG code lazily), the rest are each asked once."""
    silo = start_silo(binary, data_dir, flags, workers=workers, cache_off=True)
    try:
        for path in paths[:2]:
            check_thumbnail(silo, path)
        rate, per_cpu, p50, wrapped = wrk(work, silo, paths[2:], connections, seconds)
        if wrapped and "--image-cache-mb" not in flags:
            raise RuntimeError("ran out of distinct sources (%d): later requests could be cache hits" % len(paths))
        return rate, per_cpu, p50
    finally:
        silo.stop()


def hit_runs(binary, work, data_dir, flags, seconds):
    """Default server (cache on): the same processed URL again and again, against a plain GET of the
    thumbnail's bytes stored as an object, at each concurrency."""
    silo = start_silo(binary, data_dir, flags)
    try:
        bucket = open_bucket(silo)
        processed = processed_paths(bucket, ["src/hit.jpg"])
        thumbnail = check_thumbnail(silo, processed[0])  # the warm-up: fills the cache
        bucket.put_object("plain-thumb.jpg", thumbnail)
        plain = [path_of(bucket.sign_url("GET", "plain-thumb.jpg", 86400))]
        rows = []
        for connections in HIT_CONCURRENCY:
            base = wrk(work, silo, plain, connections, seconds)
            hit = wrk(work, silo, processed, connections, seconds)
            rows.append((connections, len(thumbnail), base, hit))
        return rows
    finally:
        silo.stop()


def run(binary, work, seconds=5):
    work = os.path.join(work, "images")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data_dir = os.path.join(work, "silo")
    flags = server_flags(binary)
    try:
        source = photo_like_jpeg()
        # The baselines run first: their rate sizes the number of distinct sources the miss runs need.
        pyvips.concurrency_set(1)  # one thread, as Silo runs libvips
        pyvips.cache_set_max(0)  # else libvips could hand back the previous identical thumbnail
        assert Image.open(io.BytesIO(pyvips_thumbnail(source))).size[0] == THUMB_WIDTH
        assert Image.open(io.BytesIO(pillow_thumbnail(source))).size[0] == THUMB_WIDTH
        baselines = {"pyvips": in_process(pyvips_thumbnail, source, seconds),
                     "Pillow": in_process(pillow_thumbnail, source, seconds)}
        best_rate = max(rate for rate, _, _ in baselines.values())

        per_run = [int(MISS_KEY_MARGIN * best_rate * seconds * cores) + MIN_MISS_KEYS for cores in (1, os.cpu_count())]
        silo = start_silo(binary, data_dir, flags)
        try:
            bucket = open_bucket(silo)
            bucket.create_bucket()
            keys = upload_sources(bucket, source, sum(per_run))
            bucket.put_object("src/hit.jpg", with_comment(source, "hit"))
            paths = processed_paths(bucket, keys)
        finally:
            silo.stop()
        single = miss_run(binary, work, data_dir, flags, paths[:per_run[0]], 1, 1, seconds)
        shared = miss_run(binary, work, data_dir, flags, paths[per_run[0]:], None, 2, seconds)
        hits = hit_runs(binary, work, data_dir, flags, seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(len(source), flags, baselines, single, shared, hits)
    return baselines, single, shared, hits


def report(source_size, flags, baselines, single, shared, hits):
    workers_note = "" if "--image-workers" in flags else " (no --image-workers flag: default pool)"
    cache_note = "cache off" if "--image-cache-mb" in flags else "distinct sources"
    print()
    print("| 12 MP JPEG (%.1f MB) -> w_200 q80 | thumbnails/s | per CPU-second | p50 ms |" % (source_size / 1e6))
    print("|---|---|---|---|")
    for name, (rate, per_cpu, p50) in baselines.items():
        print("| %s in-process, 1 thread | %.1f | %.1f | %.1f |" % (name, rate, per_cpu, p50))
    print("| silo miss, 1 worker%s, c=1, %s | %.1f | %.1f | %.1f |" % ((workers_note, cache_note) + single))
    print("| silo miss, default workers, c=2, %s | %.1f | %.1f | %.1f |" % ((cache_note,) + shared))
    print()
    print("| cached hit vs plain GET, c | plain GET of %d B /s | processed URL (hit) /s | ratio |" % hits[0][1])
    print("|---|---|---|---|")
    for connections, _, base, hit in hits:
        print("| %d | %.0f (p50 %.2f ms) | %.0f (p50 %.2f ms) | %.2f |" % (
            connections, base[0], base[2], hit[0], hit[2], hit[0] / base[0]))
    print()
    fastest = max(baselines, key=lambda name: baselines[name][0])
    print("silo/%s, 1 worker, 1 connection: %.2fx" % (fastest, single[0] / baselines[fastest][0]))
    fastest_per_cpu = max(baselines, key=lambda name: baselines[name][1])
    print("silo/%s per core: %.2fx" % (fastest_per_cpu, shared[1] / baselines[fastest_per_cpu][1]))
    if fastest_per_cpu != "pyvips":
        # libvips's own thumbnail path, which Silo used before its JPEG fast path.
        print("silo/pyvips per core: %.2fx" % (shared[1] / baselines["pyvips"][1]))
    # Silo's latency against pyvips's at one request at a time; Silo's includes HTTP, the signature, the source.
    print("silo minus pyvips, p50 per thumbnail (c=1): %+.1f ms; a plain GET round trip: %.2f ms" % (
        single[2] - baselines["pyvips"][2], hits[0][2][2]))
    for connections, _, base, hit in hits:
        print("cache hit / plain GET (c%d): %.2fx" % (connections, hit[0] / base[0]))
    # Other work on the machine lowers the per-second figures; the per-CPU-second ones hold up better.
    print("load average (1 min) at the end: %.2f on %d cores" % (os.getloadavg()[0], os.cpu_count()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, "Server", ".build", "release", "silo"))
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="silo-image-bench-")
    try:
        run(options.binary, work, seconds=options.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
