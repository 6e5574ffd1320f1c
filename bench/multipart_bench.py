#!/usr/bin/env python3
"""Multipart transfer throughput: a 256 MiB object moved as 8 MiB parts by 4 and 16 parallel connections,
side by side with nginx moving the same parts the same way (PUT of each part as a file, ranged GETs of one
file), plus the cost of completing a 1000-part upload, in one run. Then the Swift SDK (`silo cp`, resumable
and CRC-checked end to end) moves the same bytes on each of its transports, each run next to a raw HTTP run of
the same transfer through a file, as the SDK's must be: part PUTs that read each part from the file for an
upload, and for a download ranged GETs that land the bytes in a file the way a resumable download must (each
range written at its offset and synced before it counts). Raw transfers from and to memory are shown beside
them. The SDK's time is the transfer's own as `silo cp --json` reports it (the raw side's clock also starts
after its interpreter has); the command's wall time, process start included, is shown beside it.

Both sides use the same client (http.client, one keep-alive connection per thread, presigned URLs for Silo),
so the ratio isolates the server. Silo's upload time includes initiate and complete."""

import hashlib
import http.client
import json
import os
import statistics
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import oss2
from oss2.models import PartInfo

from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

MIB = 1 << 20
OBJECT_SIZE = 256 * MIB
PART_SIZE = 8 * MIB
PARALLELISM = [4, 16]
# The SDK's two HTTP clients: AsyncHTTPClient (Linux, servers) and URLSession (Apple platforms).
TRANSPORTS = ["ahc", "urlsession"]
# Each SDK figure is the median of this many runs, each next to its raw run.
SDK_ROUNDS = 3
MANY_PARTS = 1000
SMALL_PART = 100 * 1024


class Connections:
    """One keep-alive connection per worker thread."""

    def __init__(self, port):
        self.port = port
        self.local = __import__("threading").local()

    def request(self, method, path, body=None, headers=None):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError("%s %s -> %d %s" % (method, path, response.status, data[:300]))
        return response, data


def path_of(url):
    parsed = urllib.parse.urlsplit(url)
    return parsed.path + ("?" + parsed.query if parsed.query else "")


def ranges(size, part):
    return [(offset, min(part, size - offset)) for offset in range(0, size, part)]


def silo_upload(bucket, port, key, data, threads):
    connections = Connections(port)
    started = time.perf_counter()
    upload_id = bucket.init_multipart_upload(key).upload_id

    def put(index_range):
        index, (offset, length) = index_range
        url = bucket.sign_url("PUT", key, 3600, params={"partNumber": str(index + 1), "uploadId": upload_id})
        response, _ = connections.request("PUT", path_of(url), memoryview(data)[offset:offset + length])
        return PartInfo(index + 1, response.getheader("ETag").strip('"'))

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(put, enumerate(ranges(len(data), PART_SIZE))))
    bucket.complete_multipart_upload(key, upload_id, parts)
    return time.perf_counter() - started


def silo_upload_from_file(bucket, port, key, source, threads):
    """Part PUTs that read each part from the file as they send it, the way a file upload must (the SDK's
    uploads are of files); otherwise as `silo_upload`."""
    connections = Connections(port)
    size = os.path.getsize(source)
    fd = os.open(source, os.O_RDONLY)
    try:
        started = time.perf_counter()
        upload_id = bucket.init_multipart_upload(key).upload_id

        def put(index_range):
            index, (offset, length) = index_range
            body = os.pread(fd, length, offset)
            assert len(body) == length
            url = bucket.sign_url("PUT", key, 3600, params={"partNumber": str(index + 1), "uploadId": upload_id})
            response, _ = connections.request("PUT", path_of(url), body)
            return PartInfo(index + 1, response.getheader("ETag").strip('"'))

        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(put, enumerate(ranges(size, PART_SIZE))))
        bucket.complete_multipart_upload(key, upload_id, parts)
        return time.perf_counter() - started
    finally:
        os.close(fd)


def nginx_upload(port, prefix, data, threads):
    connections = Connections(port)
    started = time.perf_counter()

    def put(index_range):
        index, (offset, length) = index_range
        connections.request("PUT", "/put/%s-%d" % (prefix, index), memoryview(data)[offset:offset + length])

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, enumerate(ranges(len(data), PART_SIZE))))
    return time.perf_counter() - started


def ranged_download(port, path_for, size, threads, expected_md5):
    connections = Connections(port)
    started = time.perf_counter()

    def get(offset_length):
        offset, length = offset_length
        _, body = connections.request("GET", path_for(), headers={"Range": "bytes=%d-%d" % (offset, offset + length - 1)})
        assert len(body) == length
        return body

    with ThreadPoolExecutor(threads) as pool:
        pieces = list(pool.map(get, ranges(size, PART_SIZE)))
    elapsed = time.perf_counter() - started
    digest = hashlib.md5()
    for piece in pieces:
        digest.update(piece)
    assert digest.hexdigest() == expected_md5, "download corrupted"
    return elapsed


def ranged_download_to_file(port, path_for, size, threads, expected_md5, target):
    """Ranged GETs that land the object the way a resumable download must: each range written at its offset
    and synced before it counts as done (what `silo cp` does, so its checkpoint never claims unsynced bytes)."""
    connections = Connections(port)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)
        started = time.perf_counter()

        def get(offset_length):
            offset, length = offset_length
            _, body = connections.request("GET", path_for(), headers={"Range": "bytes=%d-%d" % (offset, offset + length - 1)})
            assert len(body) == length
            written = 0
            while written < length:
                written += os.pwrite(fd, memoryview(body)[written:], offset + written)
            os.fdatasync(fd)

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(get, ranges(size, PART_SIZE)))
        elapsed = time.perf_counter() - started
    finally:
        os.close(fd)
    with open(target, "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == expected_md5, "download corrupted"
    os.remove(target)
    return elapsed


def complete_many_parts(bucket, port):
    """Time to complete a 1000-part upload, next to the time of a 4 KiB PUT on the same server."""
    connections = Connections(port)
    key = "many-parts"
    upload_id = bucket.init_multipart_upload(key).upload_id
    chunk = os.urandom(SMALL_PART)

    def put(number):
        url = bucket.sign_url("PUT", key, 3600, params={"partNumber": str(number), "uploadId": upload_id})
        response, _ = connections.request("PUT", path_of(url), chunk)
        return PartInfo(number, response.getheader("ETag").strip('"'))

    with ThreadPoolExecutor(16) as pool:
        parts = list(pool.map(put, range(1, MANY_PARTS + 1)))
    started = time.perf_counter()
    bucket.complete_multipart_upload(key, upload_id, parts)
    complete_seconds = time.perf_counter() - started
    assert bucket.head_object(key).content_length == MANY_PARTS * SMALL_PART

    small = os.urandom(4096)
    url = path_of(bucket.sign_url("PUT", "small", 3600))
    connections.request("PUT", url, small)
    rounds = 50
    started = time.perf_counter()
    for _ in range(rounds):
        connections.request("PUT", url, small)
    put_seconds = (time.perf_counter() - started) / rounds
    return complete_seconds, put_seconds


def sdk_copy(silo, work, source, destination, threads, transport):
    """`silo cp` (the Swift SDK, resumable, CRC-checked) in its own process. Answers the transfer's own seconds
    as the command reports them (from the SDK call to the file in place or the object complete, like the raw
    side's clock, which starts after Python has) and the command's wall seconds, process start included."""
    env = dict(os.environ, SILO_ENDPOINT=silo.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
               SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET, SILO_REGION=REGION)
    started = time.perf_counter()
    done = subprocess.run([silo.binary, "cp", source, destination, "--part-size", str(PART_SIZE), "--concurrency",
                           str(threads), "--max-concurrent-requests", str(threads), "--checkpoint-dir",
                           os.path.join(work, "sdk-checkpoints"), "--transport", transport, "--json"],
                          env=env, check=True, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    return json.loads(done.stdout)["seconds"], wall


def run(silo, nginx, work):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, "bench-multipart", region=REGION)
    bucket.create_bucket()
    data = os.urandom(OBJECT_SIZE)
    md5 = hashlib.md5(data).hexdigest()
    nginx_connections = Connections(nginx.port)
    nginx_connections.request("PUT", "/multipart-source", data)
    rows = []
    for threads in PARALLELISM:
        base = nginx_upload(nginx.port, "mp%d" % threads, data, threads)
        ours = silo_upload(bucket, silo.port, "mp%d" % threads, data, threads)
        rows.append(("upload", threads, base, ours))
        get_url = path_of(bucket.sign_url("GET", "mp%d" % threads, 3600))
        base = ranged_download(nginx.port, lambda: "/multipart-source", OBJECT_SIZE, threads, md5)
        ours = ranged_download(silo.port, lambda: get_url, OBJECT_SIZE, threads, md5)
        rows.append(("ranged download", threads, base, ours))
        for row in rows[-2:]:
            print("multipart %-15s 256MiB x%-2d nginx %7.0f MB/s  silo %7.0f MB/s  ratio %.2f" % (
                row[0], row[1], OBJECT_SIZE / row[2] / 1e6, OBJECT_SIZE / row[3] / 1e6, row[2] / row[3]),
                flush=True)
    source = os.path.join(work, "sdk-source.bin")
    with open(source, "wb") as f:
        f.write(data)
    sdk_rows = []
    raw = {(op, threads): ours for op, threads, _, ours in rows}
    for transport in TRANSPORTS:
        for threads in PARALLELISM:
            # The disk's sync latency swings between runs several-fold here, so each SDK run sits next to the raw
            # run it is compared with, and the figures are medians of SDK_ROUNDS such pairs.
            times = {name: [] for name in ("raw up", "raw up from file", "up", "up wall", "landed", "down",
                                           "down wall")}
            for round_ in range(SDK_ROUNDS):
                times["raw up"].append(silo_upload(bucket, silo.port, "raw-up-%d" % threads, data, threads))
                times["raw up from file"].append(silo_upload_from_file(bucket, silo.port, "raw-up-%d" % threads,
                                                                       source, threads))
                up, wall = sdk_copy(silo, work, source, "oss://bench-multipart/sdk-%d" % threads, threads, transport)
                times["up"].append(up)
                times["up wall"].append(wall)
                get_url = path_of(bucket.sign_url("GET", "sdk-%d" % threads, 3600))
                times["landed"].append(ranged_download_to_file(silo.port, lambda: get_url, OBJECT_SIZE, threads, md5,
                                                               os.path.join(work, "raw-download-%d.bin" % threads)))
                target = os.path.join(work, "sdk-download-%d.bin" % threads)
                down, wall = sdk_copy(silo, work, "oss://bench-multipart/sdk-%d" % threads, target, threads, transport)
                times["down"].append(down)
                times["down wall"].append(wall)
                with open(target, "rb") as f:
                    assert hashlib.md5(f.read()).hexdigest() == md5, "SDK download corrupted"
                os.remove(target)
            median = {name: statistics.median(values) for name, values in times.items()}
            sdk_rows.append(("upload", transport, threads, median["raw up"], median["raw up from file"], median["up"],
                             median["up wall"]))
            sdk_rows.append(("ranged download", transport, threads, raw[("ranged download", threads)],
                             median["landed"], median["down"], median["down wall"]))
            for op, _, _, _, through_file, ours, _ in sdk_rows[-2:]:
                print("sdk %-15s %-10s 256MiB x%-2d raw HTTP through a file %7.0f MB/s  silo cp %7.0f MB/s  "
                      "ratio %.2f" % (op, transport, threads, OBJECT_SIZE / through_file / 1e6,
                                      OBJECT_SIZE / ours / 1e6, through_file / ours), flush=True)
    complete_seconds, put_seconds = complete_many_parts(bucket, silo.port)
    print()
    print("| multipart 256 MiB, 8 MiB parts | parallel | nginx MB/s | silo MB/s | silo/nginx |")
    print("|---|---|---|---|---|")
    for op, threads, base, ours in rows:
        print("| %s | %d | %.0f | %.0f | %.2f |" % (op, threads, OBJECT_SIZE / base / 1e6, OBJECT_SIZE / ours / 1e6,
                                                 base / ours))
    print()
    print("| Swift SDK (silo cp) vs raw HTTP, same server, medians of %d | transport | parallel | raw MB/s, bytes in "
          "memory | raw through a file MB/s (upload: each part read from the file; download: each range written and "
          "synced) | SDK transfer MB/s | silo cp wall MB/s (process start included) | SDK/raw in memory "
          "| SDK/raw through a file |" % SDK_ROUNDS)
    print("|---|---|---|---|---|---|---|---|---|")
    for op, transport, threads, base, through_file, ours, wall in sdk_rows:
        print("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |" % (
            op, transport, threads, OBJECT_SIZE / base / 1e6, OBJECT_SIZE / through_file / 1e6,
            OBJECT_SIZE / ours / 1e6, OBJECT_SIZE / wall / 1e6, base / ours, through_file / ours))
    print()
    print("complete of a %d-part upload: %.1f ms (%.1f us per part) = %.1fx one 4 KiB PUT (%.2f ms)" % (
        MANY_PARTS, complete_seconds * 1e3, complete_seconds * 1e6 / MANY_PARTS, complete_seconds / put_seconds,
        put_seconds * 1e3))
