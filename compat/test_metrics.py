"""Prometheus metrics on `--metrics-address`: after known traffic, the counters moved by exactly that traffic, with
no bucket or key in any label."""

import re

import oss2
import pytest
import requests

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer


@pytest.fixture(scope="module")
def silo():
    server = SiloServer(extra_args=["--metrics-address", "127.0.0.1:0"])
    server.start()
    yield server
    server.cleanup()


def scrape(server):
    response = requests.get("http://127.0.0.1:%d/metrics" % server.metrics_port)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    values = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values, response.text


def value(values, name, **labels):
    """The sample of `name` whose labels include `labels` (summed over the others)."""
    total = 0.0
    for sample, number in values.items():
        base, _, rest = sample.partition("{")
        if base != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if all(found.get(key) == wanted for key, wanted in labels.items()):
            total += number
    return total


def test_counters_move_by_the_traffic_sent(silo):
    bucket_name = random_name("metrics-secret-bucket")
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, bucket_name)
    bucket.create_bucket()
    before, _ = scrape(silo)
    for index in range(3):
        bucket.put_object("secret-key-%d" % index, b"x" * 1000)
    for index in range(2):
        assert bucket.get_object("secret-key-%d" % index).read() == b"x" * 1000
    with pytest.raises(oss2.exceptions.NoSuchKey) as missing:
        bucket.get_object("missing")
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), silo.endpoint, bucket_name)
    with pytest.raises(oss2.exceptions.AccessDenied) as denied:
        anonymous.get_object("secret-key-0")
    after, text = scrape(silo)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("silo_requests_total", operation="PutObject", status_class="2xx", signature="v1") == 3
    assert moved("silo_requests_total", operation="GetObject", status_class="2xx") == 2
    assert moved("silo_requests_total", operation="GetObject", status_class="4xx") == 2
    assert moved("silo_request_duration_seconds_count", operation="PutObject") == 3
    assert moved("silo_received_bytes_total") >= 3000
    # Every body's bytes, the error documents' included (the PUT answers have none).
    assert moved("silo_sent_bytes_total") == 2000 + len(missing.value.body) + len(denied.value.body)
    assert moved("silo_authorization_denials_total", reason="acl") == 1
    # Bounded labels only: no bucket or key appears anywhere in the exposition.
    assert bucket_name not in text and "secret-key" not in text


def test_sts_tokens_issued_are_counted(silo):
    from iam_helpers import app_server_with_role, assume_with_core_sdk
    key_id, secret, arn = app_server_with_role(silo)
    before, _ = scrape(silo)
    assume_with_core_sdk(silo, key_id, secret, arn, "metrics")
    after, _ = scrape(silo)
    assert value(after, "silo_sts_tokens_issued_total") - value(before, "silo_sts_tokens_issued_total") == 1


def test_the_metrics_listener_answers_health_and_readiness(silo):
    assert requests.get("http://127.0.0.1:%d/healthz" % silo.metrics_port).status_code == 200
    ready = requests.get("http://127.0.0.1:%d/readyz" % silo.metrics_port)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_media_work_is_counted(silo):
    import base64
    import subprocess
    import tempfile
    import time

    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, random_name("metrics-media"))
    bucket.create_bucket()
    with tempfile.TemporaryDirectory() as directory:
        path = directory + "/clip.mp4"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10",
                        "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path], check=True)
        bucket.put_object_from_file("clip.mp4", path)
    before, _ = scrape(silo)
    bucket.get_object("clip.mp4", process="video/snapshot,t_500,f_jpg").read()
    target = base64.urlsafe_b64encode(b"clip-video.mkv").decode().rstrip("=")
    bucket.async_process_object("clip.mp4", "video/convert,f_mkv,an_1|sys/saveas,o_" + target)
    deadline = time.time() + 60
    while not bucket.object_exists("clip-video.mkv") and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    after, text = scrape(silo)
    # The queue gauge went up for the snapshot and is back at rest; the job was counted once, as succeeded.
    assert "silo_media_queue_depth" in text and value(after, "silo_media_queue_depth") == 0
    assert value(after, "silo_media_jobs_total", outcome="succeeded") - value(before, "silo_media_jobs_total",
                                                                              outcome="succeeded") == 1
