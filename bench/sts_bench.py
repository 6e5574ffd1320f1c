#!/usr/bin/env python3
"""AssumeRole requests per second with real RPC signing (HMAC-SHA1, unique nonce per request), side by side
with the same client against nginx serving a static JSON file (the client's own ceiling), in one run. The
Python client signs as it goes and so costs as much CPU as the server on this 2-core machine; the server's own
capacity is measured by wrk replaying requests signed beforehand, each once."""

import hashlib
import hmac
import base64
import contextlib
import http.client
import json
import multiprocessing
import os
import shutil
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "compat"))
sys.path.insert(0, HERE)

from wrk_replay import cpu_seconds, replay  # noqa: E402


def percent(value):
    return urllib.parse.quote(value, safe="-_.~")


def signed_query(key_id, secret, params):
    params = dict(params)
    params.update({
        "Format": "JSON", "Version": "2015-04-01", "AccessKeyId": key_id, "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    canonical = "&".join("%s=%s" % (percent(k), percent(params[k])) for k in sorted(params))
    string_to_sign = "POST&%2F&" + percent(canonical)
    signature = base64.b64encode(hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
    params["Signature"] = signature
    return "/?" + "&".join("%s=%s" % (percent(k), percent(v)) for k, v in params.items())


def worker(args):
    host, port, key_id, secret, params, seconds, static_path = args
    connection = http.client.HTTPConnection(host, port)
    latencies = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        started = time.perf_counter()
        if static_path:
            connection.request("GET", static_path)
        else:
            connection.request("POST", signed_query(key_id, secret, params), body=b"")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError("status %d: %s" % (response.status, body[:300]))
        json.loads(body)
        latencies.append(time.perf_counter() - started)
    return latencies


def measure(host, port, key_id, secret, params, concurrency, seconds, static_path=None):
    with multiprocessing.Pool(concurrency) as pool:
        results = pool.map(worker, [(host, port, key_id, secret, params, seconds, static_path)] * concurrency)
    latencies = sorted(l for r in results for l in r)
    rate = len(latencies) / seconds
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    return rate, p50, p99


def measure_replayed(work, host, port, key_id, secret, params, concurrency, seconds, pid, per_second=15000):
    """Requests per second, p50 and p99 in ms, and the server's CPU ms per request, of `params` signed
    beforehand (enough for `per_second` a second) and replayed by wrk, each once: the load generator spends
    nothing on signing, so the figure is the server's."""
    paths = [signed_query(key_id, secret, params) for _ in range(per_second * seconds)]
    cpu_before = cpu_seconds([pid])
    rate, p50, p99, count, wrapped = replay(work, "http://%s:%d" % (host, port), paths, "POST", concurrency, seconds)
    cpu_ms = (cpu_seconds([pid]) - cpu_before) * 1000 / max(count, 1)
    if wrapped:
        raise RuntimeError("wrk ran out of signed requests: raise per_second")
    return rate, p50, p99, cpu_ms


def run(silo, nginx_port, nginx_root, seconds=5, work=None):
    from iam_helpers import app_server_with_role
    key_id, secret, arn = app_server_with_role(silo)
    policy = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:PutObject", "oss:GetObject"],
                                                          "Resource": ["acs:oss:*:*:photos/users/1234/*"]}]})
    with open(os.path.join(nginx_root, "credentials.json"), "w") as f:
        f.write(json.dumps({"RequestId": "x", "Credentials": {"AccessKeyId": "STS." + "a" * 24, "AccessKeySecret": "b" * 44,
                                                              "SecurityToken": "c" * 496, "Expiration": "2030-01-01T00:00:00Z"}}))
    rows = []
    host, port = silo.sts_endpoint.split(":")
    for concurrency in [1, 16]:
        base = measure("127.0.0.1", nginx_port, None, None, None, concurrency, seconds, "/credentials.json")
        assume = measure(host, int(port), key_id, secret, {"Action": "AssumeRole", "RoleArn": arn,
                                                           "RoleSessionName": "user-1234", "Policy": policy,
                                                           "DurationSeconds": "900"}, concurrency, seconds)
        identity = measure(host, int(port), key_id, secret, {"Action": "GetCallerIdentity"}, concurrency, seconds)
        replayed = measure_replayed(work or nginx_root, host, int(port), key_id, secret, {
            "Action": "AssumeRole", "RoleArn": arn, "RoleSessionName": "user-1234", "Policy": policy,
            "DurationSeconds": "900"}, concurrency, seconds, silo.pid)
        rows.append((concurrency, base, assume, identity, replayed))
    one_loop = replayed_with_one_loop(silo, work or nginx_root, policy, seconds)
    print()
    print("| STS, c | client vs nginx static JSON | AssumeRole | GetCallerIdentity | AssumeRole / client ceiling |"
          " AssumeRole, pre-signed, wrk (goal at 16: >= 8,000/s, p99 < 5 ms) | server CPU per AssumeRole |")
    print("|---|---|---|---|---|---|---|")
    for concurrency, base, assume, identity, replayed in rows:
        print("| %d | %.0f/s (p99 %.2f ms) | %.0f/s (p50 %.2f ms, p99 %.2f ms) | %.0f/s (p99 %.2f ms) | %.2f |"
              " %.0f/s (p50 %.2f ms, p99 %.2f ms) | %.3f ms |" % (
                  concurrency, base[0], base[2], assume[0], assume[1], assume[2], identity[0], identity[2],
                  assume[0] / base[0], replayed[0], replayed[1], replayed[2], replayed[3]))
    print()
    print("| AssumeRole, pre-signed, wrk, 16 connections | requests/s | p50 | p99 | server CPU per AssumeRole |")
    print("|---|---|---|---|---|")
    for label, figures in [("one event loop per core (default)", rows[-1][4]), ("SILO_EVENT_LOOPS=1", one_loop)]:
        print("| %s | %.0f/s | %.2f ms | %.2f ms | %.3f ms |" % ((label,) + tuple(figures)))


@contextlib.contextmanager
def one_loop_server(silo, work, name):
    """A second Silo like `silo` but running one event loop (`SILO_EVENT_LOOPS=1`), in its own folder under
    `work`, stopped and removed afterwards."""
    from silo_harness import SiloServer
    folder = os.path.join(work, name)
    one = SiloServer(data_dir=folder, binary=silo.binary, env={"SILO_EVENT_LOOPS": "1"})
    one.start()
    try:
        yield one
    finally:
        one.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def replayed_with_one_loop(silo, work, policy, seconds):
    """The pre-signed AssumeRole row at 16 connections against a second server running one event loop: on 2
    cores shared with wrk's two threads, a second loop adds throughput but queues behind wrk (the tail)."""
    from iam_helpers import app_server_with_role
    with one_loop_server(silo, work, "sts-one-loop") as one:
        key_id, secret, arn = app_server_with_role(one)
        host, port = one.sts_endpoint.split(":")
        return measure_replayed(work, host, int(port), key_id, secret, {
            "Action": "AssumeRole", "RoleArn": arn, "RoleSessionName": "user-1234", "Policy": policy,
            "DurationSeconds": "900"}, 16, seconds, one.pid)
