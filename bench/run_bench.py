#!/usr/bin/env python3
"""`make bench`: Silo against nginx (static GET, WebDAV PUT) on loopback, in one run, printed as ratios; PUTs
also against the durable-write ceiling (bench/ceiling/durable_write.c: write, fdatasync, rename, directory
fsync at the same size and concurrency), since nginx acknowledges a PUT without syncing it.

Load comes from wrk. Silo requests are V1-presigned URLs, so every request pays for signature
verification; PUTs overwrite a rotating set of keys, so every PUT also pays for fsync, commit and GC.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "compat"))

import oss2  # noqa: E402
import requests  # noqa: E402

from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402
from wrk_replay import cpu_seconds  # noqa: E402

SIZES = [("4KiB", 4 << 10), ("1MiB", 1 << 20), ("64MiB", 64 << 20)]
CONCURRENCY = [1, 16]
PUT_KEYS = 32
# bench/stack's modes and their labels in the floors table.
STACK_MODES = [("hummingbird", "bare Hummingbird, 4 KiB"), ("nio-task", "SwiftNIO, a task per request, 4 KiB"),
               ("nio", "bare SwiftNIO, 4 KiB")]

WRK_SCRIPT = r"""
local paths = {}
local body = nil
local index = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  if args[3] ~= "" then
    local f = io.open(args[3], "rb"); body = f:read("*a"); f:close()
  end
  index = math.random(#paths) - 1
  wrk.method = args[2]
end
request = function()
  index = (index % #paths) + 1
  return wrk.format(nil, paths[index], nil, body)
end
"""


def durable_ceiling(work, size, connections, seconds):
    """Operations per second of bench/ceiling/durable_write.c (write, fdatasync, rename, directory fsync) at
    this size and concurrency, in a folder next to Silo's data."""
    binary = os.path.join(work, "durable_write")
    if not os.path.exists(binary):
        subprocess.run(["cc", "-O2", "-pthread", "-o", binary, os.path.join(HERE, "ceiling", "durable_write.c")],
                       check=True)
    folder = os.path.join(work, "durable")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    out = subprocess.run([binary, folder, str(size), str(connections), str(seconds)], capture_output=True, text=True,
                         check=True).stdout
    shutil.rmtree(folder, ignore_errors=True)
    return float(out.strip())


def start_stack_server(mode):
    """bench/stack's StackCeiling (built here, release) serving a fixed 4 KiB answer; returns the process and port."""
    package = os.path.join(HERE, "stack")
    subprocess.run(["swift", "build", "-c", "release", "--package-path", package, "--product", "StackCeiling"],
                   check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([os.path.join(package, ".build", "release", "StackCeiling"), mode],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(server.stdout.readline())
    wait_port(port)
    return server, port


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, work, tls=None):
        """`tls`: (certificate chain, key) PEM paths to serve HTTPS with, as Silo does in the TLS comparison."""
        self.work = work
        self.scheme = "https" if tls else "http"
        self.root = os.path.join(work, "root")
        os.makedirs(os.path.join(self.root, "put"), exist_ok=True)
        os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
        self.port = free_port()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
%(user)s daemon off; worker_processes auto; pid %(w)s/nginx.pid; error_log %(w)s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 10000000;
  client_body_temp_path %(w)s/tmp; client_max_body_size 0; client_body_buffer_size 1m;
  server {
    listen 127.0.0.1:%(p)d%(ssl)s; root %(r)s;
    location / { dav_methods PUT; create_full_put_path on; dav_access user:rw; }
  }
}
""" % {"w": work, "p": self.port, "r": self.root, "user": "user root;" if os.geteuid() == 0 else "",
       "ssl": (" ssl; ssl_certificate %s; ssl_certificate_key %s; ssl_protocols TLSv1.2 TLSv1.3" % tls) if tls else ""})
        self.process = subprocess.Popen(["nginx", "-e", os.path.join(work, "error.log"), "-p", work, "-c", conf],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d never opened" % port)


def wrk(work, urls, method, body_file, connections, seconds):
    """Runs wrk over the URLs (same host); returns requests per second."""
    return wrk_run(work, urls, method, body_file, connections, seconds)[0]


def wrk_run(work, urls, method, body_file, connections, seconds):
    """Runs wrk over the URLs (same host); returns requests per second and the number of requests made."""
    host = re.match(r"(https?://[^/]+)", urls[0]).group(1)
    paths_file = os.path.join(work, "paths.txt")
    with open(paths_file, "w") as f:
        f.write("\n".join(u[len(host):] for u in urls) + "\n")
    script = os.path.join(work, "bench.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    threads = min(connections, 2)
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--timeout", "60s",
                          "-s", script, host, "--", paths_file, method, body_file or ""],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError("wrk saw %s error responses:\n%s" % (errors.group(1), out))
    return rate, count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, "Server", ".build", "release", "silo"))
    parser.add_argument("--only", choices=["objects", "sts", "tokens", "multipart", "images", "video", "tls", "console"],
                        help="run one part")
    options = parser.parse_args()
    work = os.path.join(HERE, ".work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    nginx = Nginx(os.path.join(work, "nginx"))
    silo = SiloServer(data_dir=os.path.join(work, "silo"), binary=options.binary)
    results = []
    floors = []
    try:
        silo.start()
        if options.only in (None, "sts"):
            import sts_bench
            sts_bench.run(silo, nginx.port, nginx.root, seconds=options.seconds, work=work)
        if options.only in (None, "tokens"):
            import token_bench
            token_bench.run(silo, nginx, work, seconds=options.seconds)
        if options.only in (None, "multipart"):
            import multipart_bench
            multipart_bench.run(silo, nginx, work)
        if options.only in (None, "images"):
            # Starts its own Silo servers: it needs its own image flags and a server per configuration.
            import image_bench
            image_bench.run(options.binary, work, seconds=options.seconds)
        if options.only in (None, "video"):
            # Its own Silo: snapshots against ffmpeg run directly on the same clip.
            import video_bench
            video_bench.run(options.binary, work, seconds=options.seconds)
        if options.only in (None, "tls"):
            # Its own Silo and nginx, both serving the same development certificate.
            import tls_bench
            tls_bench.run(options.binary, work, seconds=options.seconds)
        if options.only in (None, "console"):
            # Its own Silo with the console on.
            import console_bench
            console_bench.run(options.binary, work)
        if options.only in ("sts", "tokens", "multipart", "images", "video", "tls", "console"):
            return
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, "bench", region=REGION)
        bucket.create_bucket()
        for label, size in SIZES:
            body_file = os.path.join(work, "body-%s" % label)
            with open(body_file, "wb") as f:
                f.write(os.urandom(size))
            with open(body_file, "rb") as f:
                data = f.read()
            # Objects to GET.
            bucket.put_object("get-" + label, data)
            requests.put(nginx.url("/get-" + label), data=data).raise_for_status()
            silo_get = [bucket.sign_url("GET", "get-" + label, 86400)]
            nginx_get = [nginx.url("/get-" + label)]
            silo_put = [bucket.sign_url("PUT", "put-%s-%d" % (label, i), 86400) for i in range(PUT_KEYS)]
            nginx_put = [nginx.url("/put/%s-%d" % (label, i)) for i in range(PUT_KEYS)]
            for op, silo_urls, nginx_urls, body in [("GET", silo_get, nginx_get, None),
                                                     ("PUT", silo_put, nginx_put, body_file)]:
                for connections in CONCURRENCY:
                    # wrk counts finished requests only, and concurrent large PUTs share the disk and finish
                    # together: 16 PUTs of 64 MiB took 3.3 s as one wave, so a 5 s window could end before one
                    # finished and report 0/s. The window grows with the bytes in flight (32 s for that case).
                    seconds = max(options.seconds, size * connections // (32 << 20))
                    base = wrk(work, nginx_urls, op, body, connections, seconds)
                    cpu_before = cpu_seconds([silo.pid])
                    ours, made = wrk_run(work, silo_urls, op, body, connections, seconds)
                    cpu_ms = (cpu_seconds([silo.pid]) - cpu_before) * 1000 / max(made, 1)
                    # nginx's WebDAV PUT never syncs; the durable-write loop is what a PUT acknowledged only
                    # once on disk costs at least, on the file system Silo's data folder is on.
                    durable = durable_ceiling(work, size, connections, seconds) if op == "PUT" else None
                    results.append((op, label, size, connections, base, ours, durable, cpu_ms))
                    print("%-4s %-6s c=%-3d nginx %10.1f/s  silo %10.1f/s  ratio %.2f  silo CPU %.3f ms/request%s"
                          % (op, label, connections, base, ours, ours / base, cpu_ms,
                             "" if durable is None else "   durable-write ceiling %8.1f/s  ratio %.2f"
                             % (durable, ours / durable)), flush=True)
        # The HTTP stack's floors against nginx's 4 KiB GET: Silo with no storage work at all (`/healthz`: no
        # signature, metadata, blob or audit line), then the same 4 KiB answer from a bare Hummingbird application,
        # from a SwiftNIO handler calling an async function in a task per request, and from a bare SwiftNIO handler
        # (bench/stack), so the ratio above has ceilings of its own, layer by layer.
        stacks = [("silo GET /healthz", silo.endpoint + "/healthz", silo.pid)]
        stack_servers = []
        try:
            for mode, label in STACK_MODES:
                server, port = start_stack_server(mode)
                stack_servers.append(server)
                stacks.append((label, "http://127.0.0.1:%d/get-4KiB" % port, server.pid))
            for connections in CONCURRENCY:
                base = wrk(work, [nginx.url("/get-4KiB")], "GET", None, connections, options.seconds)
                for label, url, pid in stacks:
                    cpu_before = cpu_seconds([pid])
                    ours, made = wrk_run(work, [url], "GET", None, connections, options.seconds)
                    cpu_ms = (cpu_seconds([pid]) - cpu_before) * 1000 / max(made, 1)
                    floors.append((label, connections, base, ours, cpu_ms))
                    print("%-28s c=%-3d nginx GET 4KiB %10.1f/s  %10.1f/s  ratio %.2f  CPU %.3f ms/request"
                          % (label, connections, base, ours, ours / base, cpu_ms), flush=True)
        finally:
            for server in stack_servers:
                server.kill()
                server.wait()
    finally:
        silo.cleanup()
        nginx.stop()
    print()
    print("| op | size | conc | nginx ops/s | silo ops/s | nginx MB/s | silo MB/s | silo/nginx | durable-write ceiling ops/s | silo/durable | silo CPU ms/request |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for op, label, size, connections, base, ours, durable, cpu_ms in results:
        print("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %s | %s | %.3f |" % (
            op, label, connections, base, ours, base * size / 1e6, ours * size / 1e6, ours / base,
            "—" if durable is None else "%.0f" % durable, "—" if durable is None else "%.2f" % (ours / durable), cpu_ms))
    if floors:
        print()
        print("| the HTTP stack alone | conc | nginx GET 4 KiB ops/s | ops/s | ratio to nginx | server CPU ms/request |")
        print("|---|---|---|---|---|---|")
        for label, connections, base, ours, cpu_ms in floors:
            print("| %s | %d | %.0f | %.0f | %.2f | %.3f |" % (label, connections, base, ours, ours / base, cpu_ms))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
