#!/usr/bin/env python3
"""`make bench`, scale-out part: Silo on PostgreSQL + Ceph RGW, in one run, against its own engines.

- Listing: 1 M keys shaped `users/uNNNNN/2026/img-NNN.jpg` (10 k folders), a 1000-entry page with delimiter `/`
  (the hard case: every entry is a common prefix, found by skip-scan) and a flat 1000-key page, p50 and p90
  through the gateway's HTTP API, on PostgreSQL and on embedded SQLite.
- Gateway overhead: GET and PUT of 4 KiB and 1 MiB through one gateway (SigV1-presigned, so every request pays
  for authentication, a metadata transaction and, for PUTs, the chunk writes and GC) against the same requests
  straight to RGW (SigV4-presigned by boto3), as ratios.
- CPU per request: the CPU seconds the gateway, PostgreSQL and Ceph (radosgw, OSD, mon) spent during each run,
  per 1000 requests, read from /proc: the figures docs/SCALE-OUT.md sizes a cluster with.

Runs inside scripts/with-postgres.sh and scripts/with-rgw.sh (SILO_TEST_POSTGRES_URL, SILO_TEST_S3_URL).
"""

import argparse
import http.client
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "compat"))
sys.path.insert(0, HERE)

import oss2  # noqa: E402

from cluster_harness import Cluster, psql, s3_client  # noqa: E402
from run_bench import wrk_run  # noqa: E402
from wrk_replay import cpu_seconds  # noqa: E402
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402

KEYS = 1_000_000
FOLDERS = 10_000
LIST_SAMPLES = 200
SIZES = [("4KiB", 4 << 10), ("1MiB", 1 << 20)]
CONCURRENCY = [1, 16]
PUT_KEYS = 32


# -- CPU accounting ---------------------------------------------------------------------------------------------

def processes_named(names):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % entry) as f:
                if f.read().strip() in names:
                    found.append(int(entry))
        except OSError:
            pass
    return found


class CPUMeter:
    def __init__(self, gateway_pid):
        self.groups = {
            "gateway": lambda: [gateway_pid],
            "postgres": lambda: processes_named({"postgres"}),
            "ceph": lambda: processes_named({"radosgw", "ceph-osd", "ceph-mon"}),
        }

    def sample(self):
        return {name: cpu_seconds(pids()) for name, pids in self.groups.items()}

    @staticmethod
    def per_thousand(before, after, requests):
        return {name: (after[name] - before[name]) * 1000.0 / max(requests, 1) for name in before}


# -- 1 M keys ---------------------------------------------------------------------------------------------------

def key_sql(index, lpad):
    folder = lpad("(%s / 100)" % index, 5)
    item = lpad("(%s %% 100)" % index, 3)
    return "'users/u' || %s || '/2026/img-' || %s || '.jpg'" % (folder, item)


def load_postgres(url, bucket):
    """Copies the bucket's empty `seed` object to KEYS keys, in one statement."""
    columns = psql(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'objects' "
                        "ORDER BY ordinal_position")
    names = [row[0] for row in columns]
    key = key_sql("i", lambda expr, width: "lpad(%s::text, %d, '0')" % (expr, width))
    values = ", ".join(key if name == "key" else "o." + name for name in names)
    psql(url, "INSERT INTO objects (%s) SELECT %s FROM generate_series(0, %d) AS i, objects o "
              "WHERE o.bucket = '%s' AND o.key = 'seed'" % (", ".join(names), values, KEYS - 1, bucket), timeout=600)
    psql(url, "VACUUM ANALYZE objects", timeout=600)


def load_sqlite(path, bucket):
    db = sqlite3.connect(path)
    names = [row[1] for row in db.execute("PRAGMA table_info(objects)")]
    key = key_sql("i", lambda expr, width: "printf('%%0%dd', %s)" % (width, expr))
    values = ", ".join(key if name == "key" else "o." + name for name in names)
    db.execute("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
               "INSERT INTO objects (%s) SELECT %s FROM n, objects o WHERE o.bucket = ? AND o.key = 'seed'"
               % (KEYS - 1, ", ".join(names), values), (bucket,))
    db.commit()
    db.execute("ANALYZE")
    db.close()


def time_listings(bucket):
    """p50 and p90 in ms of one ListObjects round trip: URLs presigned beforehand and sent over one kept-alive
    connection, the XML read but not parsed, so the figure is the gateway's (signature check, query, rendering)
    and not the Python client's."""
    rng = random.Random(7)
    results = {}
    for label, params in [
        ("1000 common prefixes (delimiter /)", lambda: {"prefix": "users/", "delimiter": "/", "max-keys": "1000",
                                                         "marker": "users/u%05d/" % rng.randrange(FOLDERS - 1000)}),
        ("1000 keys (no delimiter)", lambda: {"prefix": "users/", "max-keys": "1000",
                                              "marker": "users/u%05d/" % rng.randrange(FOLDERS - 100)}),
    ]:
        queries = [params() for _ in range(LIST_SAMPLES + 10)]
        urls = [urllib.parse.urlsplit(sign_bucket_url(bucket, query)) for query in queries]
        connection = http.client.HTTPConnection(urls[0].netloc)
        samples = []
        for index, (query, url) in enumerate(zip(queries, urls)):
            start = time.perf_counter()
            connection.request("GET", url.path + "?" + url.query)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200:
                raise RuntimeError("listing answered %d: %s" % (response.status, body[:300]))
            if index >= 10:  # the first requests warm caches
                samples.append(elapsed * 1000)
            entries = body.count(b"<Prefix>") - 1 if "delimiter" in query else body.count(b"<Key>")
            if entries != 1000:
                raise RuntimeError("a listing page held %d entries, not 1000" % entries)
        connection.close()
        samples.sort()
        results[label] = (statistics.median(samples), samples[int(len(samples) * 0.9)])
    return results


def listing_on_sqlite(work, binary):
    folder = os.path.join(work, "sqlite")
    server = SiloServer(data_dir=folder, binary=binary)
    server.start()
    try:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, "listing", region=REGION)
        bucket.create_bucket()
        bucket.put_object("seed", b"")
        server.stop()
        load_sqlite(os.path.join(folder, "metadata.sqlite"), "listing")
        server.start()  # on a new port
        return time_listings(oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, "listing",
                                         region=REGION))
    finally:
        server.cleanup()


# -- gateway against RGW ----------------------------------------------------------------------------------------

def sign_bucket_url(bucket, params):
    """A presigned bucket-level GET (a listing): oss2's sign_url signs object URLs only."""
    request = oss2.http.Request("GET", bucket._make_url(bucket.bucket_name, ""), params=params, region=bucket.region)
    return bucket.auth._sign_url(request, bucket.bucket_name, "", 86400)


def bound_text(bound):
    return "—" if bound is None else "%.2f" % bound


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, "Server", ".build", "release", "silo"))
    parser.add_argument("--only", choices=["listing", "overhead"])
    options = parser.parse_args()
    if not (os.environ.get("SILO_TEST_POSTGRES_URL") and os.environ.get("SILO_TEST_S3_URL")):
        sys.exit("cluster_bench: run through scripts/with-postgres.sh scripts/with-rgw.sh (make bench does)")
    os.environ["SILO_BIN"] = options.binary

    work = os.path.join(HERE, ".work-cluster")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    listing = {}
    overhead = []
    cpu = []
    cluster = Cluster(count=1)
    gateway = cluster.gateways[0]
    try:
        auth = oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        if options.only in (None, "listing"):
            bucket = oss2.Bucket(auth, gateway.endpoint, "listing", region=REGION)
            bucket.create_bucket()
            bucket.put_object("seed", b"")
            started = time.time()
            load_postgres(cluster.database, "listing")
            print("loaded %d keys into PostgreSQL in %.0f s" % (KEYS, time.time() - started), flush=True)
            listing["PostgreSQL"] = time_listings(bucket)
            started = time.time()
            listing["SQLite"] = listing_on_sqlite(work, options.binary)
            print("SQLite listing (load included) took %.0f s" % (time.time() - started), flush=True)
            for engine, pages in listing.items():
                for label, (p50, p90) in pages.items():
                    print("list %-10s %-36s p50 %6.2f ms  p90 %6.2f ms" % (engine, label, p50, p90), flush=True)

        if options.only in (None, "overhead"):
            meter = CPUMeter(gateway.pid)
            bucket = oss2.Bucket(auth, gateway.endpoint, "bench", region=REGION)
            bucket.create_bucket()
            s3 = s3_client()
            direct = "bench-direct-" + uuid.uuid4().hex[:8]
            s3.create_bucket(Bucket=direct)

            def rgw_url(method, key):
                return s3.generate_presigned_url("get_object" if method == "GET" else "put_object",
                                                 Params={"Bucket": direct, "Key": key}, ExpiresIn=86400)

            for label, size in SIZES:
                body_file = os.path.join(work, "body-%s" % label)
                data = os.urandom(size)
                with open(body_file, "wb") as f:
                    f.write(data)
                bucket.put_object("get-" + label, data)
                s3.put_object(Bucket=direct, Key="get-" + label, Body=data)
                urls = {
                    "GET": ([rgw_url("GET", "get-" + label)], [bucket.sign_url("GET", "get-" + label, 86400)]),
                    "PUT": ([rgw_url("PUT", "put-%s-%d" % (label, i)) for i in range(PUT_KEYS)],
                            [bucket.sign_url("PUT", "put-%s-%d" % (label, i), 86400) for i in range(PUT_KEYS)]),
                }
                for op in ("GET", "PUT"):
                    rgw_urls, silo_urls = urls[op]
                    body = body_file if op == "PUT" else None
                    for connections in CONCURRENCY:
                        before = meter.sample()
                        base, base_count = wrk_run(work, rgw_urls, op, body, connections, options.seconds)
                        direct_used = CPUMeter.per_thousand(before, meter.sample(), base_count)
                        before = meter.sample()
                        ours, count = wrk_run(work, silo_urls, op, body, connections, options.seconds)
                        used = CPUMeter.per_thousand(before, meter.sample(), count)
                        # Gateway, PostgreSQL and Ceph share this machine's cores: with every core busy (many
                        # connections), the gateway can serve no more than the cores over the CPU one of its
                        # requests costs in all three, whatever the code does with its time.
                        bound = os.cpu_count() * 1000.0 / max(sum(used.values()), 1e-9) / base if connections > 1 \
                            else None
                        overhead.append((op, label, connections, base, ours, bound))
                        cpu.append(("%s %s c=%d" % (op, label, connections), ours, used))
                        print("%-4s %-5s c=%-3d rgw %8.1f/s  silo %8.1f/s  ratio %.2f (CPU ceiling %s)   CPU s per"
                              " 1000: gateway %.2f  postgres %.2f  ceph %.2f (direct %.2f)" % (
                                  op, label, connections, base, ours, ours / base, bound_text(bound),
                                  used["gateway"], used["postgres"], used["ceph"], direct_used["ceph"]), flush=True)
            # Listing, the other request an app makes most, for the CPU table. (HEAD is left out: wrk waits for
            # a body after a HEAD answer and so measures its own timeout.)
            before = meter.sample()
            rate, count = wrk_run(work, [sign_bucket_url(bucket, {"prefix": "put-", "max-keys": "100"})], "GET", None,
                                  16, options.seconds)
            cpu.append(("LIST 100 keys c=16", rate, CPUMeter.per_thousand(before, meter.sample(), count)))
    finally:
        cluster.close()
        shutil.rmtree(work, ignore_errors=True)

    if listing:
        print()
        print("| listing, 1 M keys, 10 k folders | engine | p50 ms | p90 ms |")
        print("|---|---|---|---|")
        for engine, pages in listing.items():
            for label, (p50, p90) in pages.items():
                print("| %s | %s | %.2f | %.2f |" % (label, engine, p50, p90))
        print("(target: p50 under 10 ms for the delimiter page on both engines)")
    if overhead:
        print()
        print("| op | size | conc | RGW direct ops/s | Silo gateway ops/s | Silo/RGW | target | CPU ceiling |")
        print("|---|---|---|---|---|---|---|---|")
        for op, label, connections, base, ours, bound in overhead:
            target = 0.8 if label == "1MiB" else 0.7
            print("| %s | %s | %d | %.0f | %.0f | %.2f | %s %.1f | %s |" % (
                op, label, connections, base, ours, ours / base, "≥" if ours / base >= target else "below", target,
                bound_text(bound)))
        print("(CPU ceiling, with every core busy: cores / (gateway + PostgreSQL + Ceph CPU per gateway request),"
              " over RGW direct; wrk's own CPU is left out, so the true ceiling is lower still)")
        print()
        print("| request | Silo ops/s | gateway CPU s / 1000 | PostgreSQL CPU s / 1000 | Ceph CPU s / 1000 |")
        print("|---|---|---|---|---|")
        for name, rate, used in cpu:
            print("| %s | %.0f | %.3f | %.3f | %.3f |" % (name, rate, used["gateway"], used["postgres"], used["ceph"]))


if __name__ == "__main__":
    main()
