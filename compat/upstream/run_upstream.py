#!/usr/bin/env python3
"""Runs the oss2 2.19.1 sdist's own tests/ against a spawned silo server, once per auth version.

The sdist is fetched from PyPI at test time. Every test outside expectations.txt must pass; every test in it
must still fail or skip (a stale entry fails the run too, so the list stays true). Tests in unstable.txt depend
on timing, not on the server: their outcome is printed but never fails the run. Prints, per auth version and
in total, the tests passed, the expected failures (each listed with its reason), the unexpected failures (which
fail the run) and the skipped; then the expected failures grouped by reason.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = os.path.dirname(HERE)
sys.path.insert(0, COMPAT)

from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402

OSS2_VERSION = "2.19.1"
WORK = os.path.join(COMPAT, ".upstream")

# Files that take minutes by design run once, each in the embedded run of the version named here, since what they
# test does not depend on the signature or the backends (the runs go side by side, so they go to different runs):
# - test_traffic_limit.py: every transfer takes 10 s (x-oss-traffic-limit at 100 KB/s); pacing is the front end's.
# - test_put_object_chunked.py: 3,000 chunked PUTs one after another, each durable before the next (92 s on the
#   embedded server, 216 s on two gateways, half of that run); the chunked-body decoder is the front end's, the
#   same on every deployment, and the two-gateway run still sends chunked bodies (test_crypto_object.py's test).
SLOW_FILES = {"test_traffic_limit.py": "v4", "test_put_object_chunked.py": "v1"}

# The upstream files in scope (spec §18.3, this part).
TEST_FILES = [
    "test_object.py",
    "test_bucket.py",
    "test_list_objects_v2.py",
    "test_iterator.py",
    "test_chinese.py",
    "test_sign.py",
    "test_exception_ec.py",
    "test_headers.py",
    "test_api_base.py",
    "test_multipart.py",
    # Client-side encryption (oss2's CryptoBucket): the SDK encrypts, storage keeps its metadata headers. Before
    # test_download.py, which sets oss2.defaults.min_part_size to 100 and never restores it: after it, the check
    # test_crypto_init_multipart_invalid_part_size relies on no longer refuses a small part size.
    "test_crypto_object.py",
    "test_crypto_multipart.py",
    "test_upload.py",
    "test_download.py",
    "test_bucket_style.py",
    "test_bucket_versioning.py",
    "test_object_versioning.py",
    "test_lifecycle_versioning.py",
    "test_server_side_encryotion.py",
]


def fetch_sdist():
    source = os.path.join(WORK, "oss2-%s" % OSS2_VERSION)
    if not os.path.isdir(os.path.join(source, "tests")):
        download(source)
    make_example_jpeg(os.path.join(source, "tests", "example.jpg"))
    return source


def make_example_jpeg(path):
    """The sdist's tests read tests/example.jpg but do not ship it; any real JPEG serves."""
    if os.path.exists(path):
        return
    from PIL import Image
    image = Image.new("RGB", (400, 300))
    image.putdata([(x % 256, y % 256, (x + y) % 256) for y in range(300) for x in range(400)])
    image.save(path, "JPEG", quality=85)


def download(source):
    os.makedirs(WORK, exist_ok=True)
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                           "oss2==%s" % OSS2_VERSION, "-d", WORK])
    with tarfile.open(os.path.join(WORK, "oss2-%s.tar.gz" % OSS2_VERSION)) as archive:
        archive.extractall(WORK)


def load_expectations(path):
    """Lines `<version|deployment|*> <file>::<Class>::<test>  <reason>`; a reason is mandatory."""
    expected = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise SystemExit("%s:%d: need '<version> <test id> <reason>'" % (path, number))
            version, test_id, reason = parts
            expected[(version, test_id)] = reason
    return expected


def parse_junit(path):
    """Returns ({test id: outcome}, {test id: the failure's text}); the text lets an unexpected failure in CI
    say why without a rerun."""
    outcomes = {}
    details = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        classname = case.get("classname", "")
        module, _, cls = classname.rpartition(".")
        file = module.split(".")[-1] + ".py"
        test_id = "%s::%s::%s" % (file, cls, case.get("name"))
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            outcomes[test_id] = "failed"
            details[test_id] = (failure.get("message") or "") + "\n" + (failure.text or "")
        elif case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return outcomes, details


class Embedded:
    """One `silo server` on SQLite and local files."""

    tag = "embedded"

    def __init__(self):
        self.server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
        self.server.start()
        self.endpoint = self.server.endpoint

    def close(self):
        log = self.server.read_log()
        self.server.cleanup()
        return log


class TwoGateways:
    """Two gateways on PostgreSQL and Ceph RGW behind nginx, each request to the next gateway in turn."""

    tag = "two-gateways"

    def __init__(self):
        from cluster_harness import Cluster
        from load_balancer import LoadBalancer
        self.cluster = Cluster(count=2)
        self.balancer = LoadBalancer([gateway.port for gateway in self.cluster.gateways])
        self.endpoint = self.balancer.endpoint

    def close(self):
        logs = "".join(gateway.read_log() for gateway in self.cluster.gateways)
        self.balancer.close()
        self.cluster.close()
        return logs


def run_version(source, version, files, extra_pytest_args, deployment):
    """Starts the deployment, runs pytest on a copy of the sdist of its own (the tests write files beside
    themselves) and answers the outcomes from its junit record."""
    server = deployment()
    try:
        own_source = os.path.join(WORK, "run-%s-%s" % (version, deployment.tag))
        shutil.rmtree(own_source, ignore_errors=True)
        shutil.copytree(source, own_source)
        env = dict(os.environ)
        env.update({
            "OSS_TEST_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "OSS_TEST_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
            "OSS_TEST_ENDPOINT": server.endpoint,
            "OSS_TEST_BUCKET": "ossc",
            "OSS_TEST_REGION": REGION,
            "OSS_TEST_AUTH_VERSION": version,
            "PYTHONPATH": os.pathsep.join([own_source, HERE]),
        })
        junit = os.path.join(WORK, "junit-%s-%s.xml" % (version, deployment.__name__))
        args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--timeout", "300",
                "-o", "log_level=WARNING", "-p", "silo_upstream_plugin", "--junitxml", junit] + ["tests/" + f for f in files] + extra_pytest_args
        subprocess.call(args, cwd=own_source, env=env, stdout=subprocess.DEVNULL if not os.environ.get("VERBOSE") else None)
        shutil.rmtree(own_source, ignore_errors=True)
        return parse_junit(junit)
    finally:
        log = server.close()
        if "request failed" in log:
            print("server reported internal errors during %s run; last log lines:\n%s" % (version, log[-2000:]))


def summary(counts):
    text = ", ".join("%d %s%s" % (count, name, "s" if count != 1 and name.endswith("failure") else "")
                     for name, count in counts.items() if name != "unstable")
    return text + ", %d unstable (timing-dependent, never fail the run; listed below)" % counts["unstable"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", default="v1,v4")
    parser.add_argument("--files", default=",".join(TEST_FILES + list(SLOW_FILES)))
    parser.add_argument("-k", dest="keyword")
    parser.add_argument("--cluster-versions", default="v4" if os.environ.get("SILO_TEST_S3_URL") else "",
                        help="auth versions to run again against two gateways on PostgreSQL + RGW behind nginx "
                             "(default v4 when SILO_TEST_POSTGRES_URL/SILO_TEST_S3_URL are set)")
    options = parser.parse_args()
    source = fetch_sdist()
    expected = load_expectations(os.path.join(HERE, "expectations.txt"))
    unstable = load_expectations(os.path.join(HERE, "unstable.txt"))
    extra = ["-k", options.keyword] if options.keyword else []
    files = options.files.split(",")
    totals = {"passed": 0, "expected failure": 0, "unexpected failure": 0, "skipped": 0, "unstable": 0}
    reasons = {}
    problems = []
    unstable_results = []
    runs = [(version, Embedded, version) for version in options.versions.split(",") if version]
    runs += [(version, TwoGateways, version + " two gateways") for version in options.cluster_versions.split(",") if version]
    embedded = [(version, deployment) for version, deployment, _ in runs if deployment is Embedded]

    def home(slow_file):
        wanted = (SLOW_FILES[slow_file], Embedded)
        return wanted if wanted in embedded else (embedded or [run[:2] for run in runs])[0]

    planned = [(version, deployment, label, [f for f in files if f not in SLOW_FILES or home(f) == (version, deployment)])
               for version, deployment, label in runs]
    planned = [run for run in planned if run[3]]
    # The runs talk to servers of their own and spend most of their time waiting on the network (one run takes
    # about a fifth of this machine's two cores), so they run side by side; their results print in order.
    with ThreadPoolExecutor(max(1, len(planned))) as pool:
        results = list(pool.map(lambda run: run_version(source, run[0], run[3], extra, run[1]), planned))
    for (version, deployment, label, _), (outcomes, details) in zip(planned, results):
        counts = dict.fromkeys(totals, 0)
        for test_id, outcome in sorted(outcomes.items()):
            reason = expected.get((version, test_id)) or expected.get(("*", test_id))
            timing = (unstable.get((version, test_id)) or unstable.get(("*", test_id))
                      or unstable.get((deployment.tag, test_id)))
            if timing is not None:
                counts["unstable"] += 1
                unstable_results.append("[%s] unstable %s: %s (%s)" % (label, test_id, outcome, timing.split(":")[0]))
                continue
            if outcome == "failed" and reason is None:
                counts["unexpected failure"] += 1
                # The test's own lines say which step failed; the traceback's tail names the server's answer.
                lines = details.get(test_id, "").strip().splitlines()
                steps = [line for line in lines if line.startswith("tests/")]
                tail = "\n".join(steps + lines[-12:])
                problems.append("[%s] UNEXPECTED FAILURE %s\n%s" % (label, test_id, tail))
            elif outcome == "failed":
                counts["expected failure"] += 1
                # The reason's head ("cloud-only", "harness", "bucket lifecycle rules") groups the closing line.
                group = reason.split(":")[0]
                reasons[group] = reasons.get(group, 0) + 1
            else:
                counts[outcome] += 1
                if outcome == "passed" and reason is not None and not options.keyword:
                    problems.append("[%s] STALE EXPECTATION (now passes) %s: %s" % (label, test_id, reason))
        for key, value in counts.items():
            totals[key] += value
        print("oss2 %s upstream tests [%s]: %s" % (OSS2_VERSION, label, summary(counts)))
    print("oss2 %s upstream tests [total]: %s" % (OSS2_VERSION, summary(totals)))
    print("expected failures by reason (each listed in expectations.txt): "
          + "; ".join("%s %d" % (group, count) for group, count in sorted(reasons.items(), key=lambda item: -item[1])))
    for line in unstable_results:
        print(line)
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
