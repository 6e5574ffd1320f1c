"""The audit log answers "who deleted this?": one JSON line per request, with OSS's real-time log field names, the
principal and the deciding policy statement, and never a secret, signature or token."""

import json
import os
import subprocess
import tempfile
import time

import oss2
import pytest
import requests

from conftest import random_name
from iam_helpers import app_server_with_role, assume_with_core_sdk, prefix_policy
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer


@pytest.fixture(scope="module")
def audited():
    folder = tempfile.mkdtemp(prefix="silo-audit-")
    path = os.path.join(folder, "audit.log")
    server = SiloServer(extra_args=["--audit-log", path])
    server.start()
    yield server, path
    server.cleanup()


def records(path, done, seconds=10):
    """The log's records once `done(records)` holds (the writer flushes off the request path, every 100 ms)."""
    deadline = time.time() + seconds
    while True:
        lines = open(path).read().splitlines() if os.path.exists(path) else []
        parsed = [json.loads(line) for line in lines]
        if done(parsed) or time.time() > deadline:
            return parsed
        time.sleep(0.1)


def test_who_deleted_this(audited):
    server, path = audited
    name = random_name("aud")
    root = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
    root.create_bucket()
    key_id, secret, arn = app_server_with_role(server)
    ak, sk, token, _ = assume_with_core_sdk(server, key_id, secret, arn, "alice-phone",
                                            prefix_policy(name, "u1/", actions=("oss:PutObject", "oss:DeleteObject")))
    alice = oss2.Bucket(oss2.StsAuth(ak, sk, token), server.endpoint, name)
    alice.put_object("u1/photo.jpg", b"x")
    alice.delete_object("u1/photo.jpg")
    with pytest.raises(oss2.exceptions.AccessDenied):
        alice.delete_object("u2/other.jpg")
    url = root.sign_url("GET", "u1/missing.jpg", 60)
    assert requests.get(url).status_code == 404

    lines = records(path, lambda parsed: any(r.get("object") == "u1/missing.jpg" for r in parsed))
    deletes = [r for r in lines if r["operation"] == "DeleteObject" and r.get("object") == "u1/photo.jpg"]
    assert len(deletes) == 1
    record = deletes[0]
    assert record["principal"].endswith(":assumed-role/%s/alice-phone" % arn.split("/")[-1])
    assert record["access_id"] == ak and record["http_status"] == 204 and record["bucket"] == name
    assert record["policy_decision"] == "allowed" and "Allowed by" in record["deciding_statement"]
    assert record["sign_type"] == "NormalSign" and record["client_ip"] == "127.0.0.1"
    for field in ["time", "request_id", "requester_id", "http_method", "request_uri", "response_time",
                  "server_cost_time", "user_agent", "host"]:
        assert field in record, field
    denied = [r for r in lines if r.get("object") == "u2/other.jpg"]
    assert denied[0]["http_status"] == 403 and denied[0]["error_code"] == "AccessDenied"
    assert denied[0]["policy_decision"] == "denied"
    presigned = [r for r in lines if r.get("object") == "u1/missing.jpg"][0]
    assert presigned["sign_type"] == "UrlSign" and presigned["error_code"] == "NoSuchKey"

    # Credentials never reach the log: not the secrets, not the session token, not a signature.
    text = open(path).read()
    signature = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))["Signature"]
    for secret_value in [ACCESS_KEY_SECRET, sk, token, signature, secret]:
        assert secret_value not in text
    assert "Signature=REDACTED" in text

    # The question an operator asks, answered by the CLI.
    result = subprocess.run([server.binary, "audit", "query", "--file", path, "--bucket", name, "--key", "u1/photo.jpg",
                             "--operation", "DeleteObject", "--since", "1h"], capture_output=True, text=True, check=True)
    assert result.stdout.count("\n") == 1
    assert "DeleteObject" in result.stdout and "alice-phone" in result.stdout and "204" in result.stdout
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
