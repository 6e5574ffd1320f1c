"""What an operator's tooling meets: `/healthz` and `/readyz` on the OSS and STS listeners (the names reserved, so
no bucket can shadow them), readiness failing on low disk, and SIGTERM draining requests in flight within
`--shutdown-grace-seconds`."""

import os
import signal
import threading
import time

import oss2
import pytest
import requests

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer


@pytest.fixture(scope="module")
def silo():
    server = SiloServer()
    server.start()
    yield server
    server.cleanup()


def test_health_and_readiness_answer_on_both_listeners(silo):
    for base in [silo.endpoint, "http://" + silo.sts_endpoint]:
        alive = requests.get(base + "/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
        ready = requests.get(base + "/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"metadata": "ok", "blobs": "ok", "disk": "ok"}}
        assert requests.head(base + "/readyz").status_code == 200
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, "healthz")
    with pytest.raises(oss2.exceptions.OssError) as refused:
        bucket.create_bucket()
    assert (refused.value.status, refused.value.code) == (400, "InvalidBucketName")


def test_readiness_fails_below_the_free_disk_floor_while_health_stays_up():
    server = SiloServer(extra_args=["--min-free-disk-mb", str(1 << 40)])
    server.start()
    try:
        ready = requests.get(server.endpoint + "/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["disk"] == "failing" and ready.json()["checks"]["metadata"] == "ok"
        assert requests.get(server.endpoint + "/healthz").status_code == 200
    finally:
        server.cleanup()


def slow_download(server, key, size):
    """A GET paced by x-oss-traffic-limit (245,760 bit/s: about 30 KiB/s), so it is still running when asked."""
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("drain"))
    bucket.create_bucket()
    bucket.put_object(key, os.urandom(size))
    url = bucket.sign_url("GET", key, 600, params={"x-oss-traffic-limit": "245760"})
    outcome = {}

    def fetch():
        received = 0
        try:
            response = requests.get(url, timeout=60, stream=True)
            outcome["status"] = response.status_code
            for chunk in response.iter_content(16384):
                received += len(chunk)
                outcome["received"] = received
            outcome["length"] = received
        except requests.RequestException as error:
            outcome["error"] = type(error).__name__

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread, outcome


def test_sigterm_lets_requests_in_flight_finish_and_refuses_new_ones():
    server = SiloServer(extra_args=["--shutdown-grace-seconds", "30"])
    server.start()
    try:
        size = 120 * 1024  # about 4 s at the limit
        thread, outcome = slow_download(server, "slow", size)
        time.sleep(1)
        os.kill(server.pid, signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(server.endpoint + "/healthz", timeout=5)
        thread.join(timeout=60)
        assert outcome == {"status": 200, "received": size, "length": size}
        assert server.process.wait(timeout=30) == 0
    finally:
        server.cleanup()


def test_requests_still_running_after_the_grace_period_are_cut_off():
    server = SiloServer(extra_args=["--shutdown-grace-seconds", "2"])
    server.start()
    try:
        thread, outcome = slow_download(server, "too-slow", 900 * 1024)  # about 30 s at the limit
        time.sleep(1)
        started = time.time()
        os.kill(server.pid, signal.SIGTERM)
        server.process.wait(timeout=20)
        assert time.time() - started < 15
        thread.join(timeout=30)
        # The download had started (200) and was cut off part way.
        assert outcome["status"] == 200 and 0 < outcome.get("received", 0) < 900 * 1024
        assert "length" not in outcome
    finally:
        server.cleanup()
