#!/usr/bin/env python3
"""Token vending end to end: wrk asks `silo app-server` for §17 tokens (session lookup, rate limits, the
per-user session policy, a signed AssumeRole to Silo's STS and its answer), side by side with the same wrk
against nginx serving a static token document (the client's own ceiling), in one run; then the app server
inside `silo server` (`--app-server-config`), whose tokens come from the process's own STS without the HTTP
hop. Every answer is checked for "StatusCode":200."""

import contextlib
import os
import shutil
import subprocess
import sys
import time

import oss2
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "compat"))
sys.path.insert(0, HERE)

from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402
from sts_bench import one_loop_server  # noqa: E402
from wrk_replay import cpu_seconds, figures  # noqa: E402

CHECK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bad = 0
  if args[1] then wrk.headers["Authorization"] = "Bearer " .. args[1] end
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"StatusCode":200', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("BAD %d\n", total))
  io.write(string.format("P50 %d\nP99 %d\n", latency:percentile(50), latency:percentile(99)))
end
"""


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(work, url, token, connections, seconds, pids=()):
    """Tokens/s, p50 and p99 in ms, and the CPU milliseconds per token of `pids` (the servers that made them)."""
    script = os.path.join(work, "token.lua")
    with open(script, "w") as f:
        f.write(CHECK_SCRIPT)
    args = ["wrk", "-t%d" % min(2, connections), "-c%d" % connections, "-d%ds" % seconds, "--timeout", "10s", "-s", script, url]
    if token:
        args += ["--", token]
    cpu_before = cpu_seconds(pids)
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pids) - cpu_before
    rate, p50, p99 = figures(out, "a StatusCode 200 token")
    return rate, p50, p99, cpu * 1000 / max(rate * seconds, 1)


def configure(silo, folder, port, env):
    """The app server's RAM user, role and configuration, made through the running `silo`."""
    os.makedirs(folder, exist_ok=True)
    config = os.path.join(folder, "app-server.yaml")
    # `demo setup` configures the bucket's CORS for the uploader page, so the bucket must exist first; the
    # objects part of the bench creates the same bucket later and tolerates it being there.
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, "bench", region=REGION)
    bucket.create_bucket()
    subprocess.run([silo.binary, "demo", "setup", "--endpoint", silo.endpoint, "--data-dir", silo.data_dir,
                    "--sts-endpoint", "http://" + silo.sts_endpoint, "--bucket", "bench",
                    "--app-server-address", "127.0.0.1:%d" % port, "--output", config],
                   check=True, env=env, capture_output=True)
    with open(config, "a") as f:
        # The bench measures throughput, not the abuse limits.
        f.write("rate_limits:\n  per_user: {requests: 1000000000, window_seconds: 1}\n"
                "  per_ip: {requests: 1000000000, window_seconds: 1}\n")
    return config


def signed_in(base, deadline_seconds=30):
    """Waits for the app server at `base`, registers the bench's user and returns its session token."""
    deadline = time.time() + deadline_seconds
    while True:
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if time.time() > deadline:
            raise RuntimeError("app server did not start")
        time.sleep(0.1)
    credentials = {"username": "bench-user", "password": "bench-password"}
    requests.post(base + "/v1/accounts", json=credentials).raise_for_status()
    return requests.post(base + "/v1/sessions", json=credentials).json()["token"]


@contextlib.contextmanager
def app_server(silo, work, name, extra_env=None):
    """`silo app-server` in front of `silo`'s STS, with a registered user; yields its base URL and a session token."""
    port = free_port()
    # Its own folder: the configuration names its database relative to itself.
    folder = os.path.join(work, name)
    env = dict(silo.env, **(extra_env or {}))
    config = configure(silo, folder, port, env)
    log = open(os.path.join(folder, "app-server.log"), "wb")
    app = subprocess.Popen([silo.binary, "app-server", "--config", config, "--address", "127.0.0.1:%d" % port],
                           stdout=log, stderr=log, env=dict(env, SILO_LOG_LEVEL="warning"))
    try:
        base = "http://127.0.0.1:%d" % port
        token = signed_in(base)
        yield base, token, [silo.pid, app.pid]
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
        log.close()


@contextlib.contextmanager
def embedded_app_server(silo, work, name, extra_env=None):
    """A Silo of its own running the app server inside it (`--app-server-config`): set up through a first start
    (`demo setup` needs a running server), then started again with the configuration on the same data folder."""
    from silo_harness import SiloServer
    folder = os.path.join(work, name)
    data = os.path.join(folder, "data")
    port = free_port()
    env = dict(extra_env or {})
    first = SiloServer(data_dir=data, binary=silo.binary, env=env)
    first.start()
    try:
        config = configure(first, folder, port, first.env)
    finally:
        first.stop()
    server = SiloServer(data_dir=data, binary=silo.binary, env=dict(env, SILO_LOG_LEVEL="warning"),
                        extra_args=["--app-server-config", config, "--app-address", "127.0.0.1:%d" % port])
    server.start(port=first.port)
    try:
        base = "http://127.0.0.1:%d" % port
        yield base, signed_in(base), [server.pid]
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def run(silo, nginx, work, seconds=5):
    rows = []
    with app_server(silo, work, "app-server") as (base, token, pids):
        sample = requests.get(base + "/v1/token", headers={"Authorization": "Bearer " + token})
        sample.raise_for_status()
        with open(os.path.join(nginx.root, "token.json"), "w") as f:
            f.write(sample.text)
        for connections in [1, 16]:
            static = wrk(work, nginx.url("/token.json"), None, connections, seconds)
            vended = wrk(work, base + "/v1/token", token, connections, seconds, pids)
            rows.append((connections, static, vended))
    # The same at 16 connections with one event loop in each of the two servers: wrk, the app server and STS share
    # 2 cores here, and a loop per core in each process queues behind the others' threads (the tail).
    with one_loop_server(silo, work, "tokens-one-loop") as one:
        with app_server(one, work, "app-server-one-loop", {"SILO_EVENT_LOOPS": "1"}) as (base, token, pids):
            one_loop = wrk(work, base + "/v1/token", token, 16, seconds, pids)
    # Without the hop: the app server inside `silo server`, both loop settings.
    with embedded_app_server(silo, work, "embedded") as (base, token, pids):
        embedded = wrk(work, base + "/v1/token", token, 16, seconds, pids)
    with embedded_app_server(silo, work, "embedded-one-loop", {"SILO_EVENT_LOOPS": "1"}) as (base, token, pids):
        embedded_one_loop = wrk(work, base + "/v1/token", token, 16, seconds, pids)
    print()
    print("| token vending, c | nginx static token JSON | app server GET /v1/token (AssumeRole each) | ratio | server CPU per token |")
    print("|---|---|---|---|---|")

    def row(label, static, vended):
        print("| %s | %.0f/s (p50 %.2f ms, p99 %.2f ms) | %.0f/s (p50 %.2f ms, p99 %.2f ms) | %.2f | %.3f ms |" % (
            label, static[0], static[1], static[2], vended[0], vended[1], vended[2], vended[0] / static[0], vended[3]))
    for connections, static, vended in rows:
        row("%d" % connections, static, vended)
    static16 = rows[-1][1]
    row("16, SILO_EVENT_LOOPS=1 in both servers", static16, one_loop)
    row("16, app server inside silo server", static16, embedded)
    row("16, app server inside silo server, SILO_EVENT_LOOPS=1", static16, embedded_one_loop)
    return rows
