import os
import random
import string
import sys

import oss2
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402

# The upstream runner drives the sdist's own tests; pytest must not collect them from here.
collect_ignore = ["upstream", ".upstream"]


def random_name(prefix="t"):
    return prefix + "-" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(10))


@pytest.fixture(scope="module")
def silo():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(params=["v1", "v4"])
def auth(request):
    return oss2.make_auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, request.param)


@pytest.fixture
def bucket(silo, auth):
    name = random_name("b")
    bucket = oss2.Bucket(auth, silo.endpoint, name, region=REGION)
    bucket.create_bucket()
    yield bucket
    for upload in oss2.MultipartUploadIterator(bucket):
        bucket.abort_multipart_upload(upload.key, upload.upload_id)
    for obj in oss2.ObjectIterator(bucket):
        bucket.delete_object(obj.key)
    bucket.delete_bucket()


# ---------------------------------------------------------------------------------------------------------------
# Attack accounting: every test marked `attack` is one attack class; passing means the server refused it.

_attack_outcomes = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "attack: an adversarial test; it passes only when the server refuses the attack")


def pytest_runtest_logreport(report):
    if "attack" not in report.keywords:
        return
    if report.when == "call" or report.failed:
        # A failure in any phase (setup, call, teardown) means the attack was not cleanly refused.
        if _attack_outcomes.get(report.nodeid) != "failed":
            _attack_outcomes[report.nodeid] = "passed" if report.passed else ("skipped" if report.skipped else "failed")


def pytest_terminal_summary(terminalreporter):
    ran = {nodeid: outcome for nodeid, outcome in _attack_outcomes.items() if outcome != "skipped"}
    if ran:
        refused = sum(1 for outcome in ran.values() if outcome == "passed")
        terminalreporter.write_line("adversarial: %d attacks tried, %d refused" % (len(ran), refused))
