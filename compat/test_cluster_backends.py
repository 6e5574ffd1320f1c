"""A gateway's backends as an operator meets them: `silo migrate` from an embedded folder into PostgreSQL and RGW,
and PostgreSQL or RGW becoming unreachable at start or in the middle of requests (503 ServiceUnavailable in OSS
XML, never a hang, and back to normal once the backend is)."""

import hashlib
import os
import subprocess
import urllib.parse

import oss2
import pytest

from adversarial_helpers import root_bucket
from cluster_harness import eventually, fresh_database, s3_url_with_prefix, services_configured
from conftest import random_name
from iam_helpers import admin
from silo_harness import SiloServer, REGION
from tcp_proxy import TCPProxy

if not services_configured():
    pytest.fail("SILO_TEST_POSTGRES_URL and SILO_TEST_S3_URL are not set: run through `make test-compat`, which "
                "starts PostgreSQL and RGW (scripts/with-postgres.sh, scripts/with-rgw.sh)", pytrace=False)

def gateway(data_dir, database, blobs, extra=()):
    server = SiloServer(data_dir=data_dir, extra_args=["--metadata", database, "--blobs", blobs,
                                                        "--gc-grace-seconds", "0"] + list(extra))
    server.owns_data_dir = False
    return server


def with_address(url, address):
    """The URL with its host:port replaced (user info and the rest kept)."""
    parts = urllib.parse.urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=(userinfo + "@" if userinfo else "") + address))


def host_port(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


# `silo migrate`

def test_migrate_copies_an_embedded_folder_and_a_gateway_serves_it_unchanged(tmp_path):
    folder = str(tmp_path / "embedded")
    embedded = SiloServer(data_dir=folder)
    embedded.owns_data_dir = False
    embedded.start()
    name = random_name("mg")
    objects = {}
    try:
        bucket = root_bucket(embedded, name, v4=True)
        bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)
        # Small, empty, over several 4 MiB chunks, with metadata, and public-read through its own ACL.
        for key, data in [("a.txt", b"hello"), ("empty", b""), ("dir/big.bin", os.urandom(9 << 20 | 123)),
                          ("dir/sub/c.json", b'{"x": 1}')]:
            bucket.put_object(key, data, headers={"x-oss-meta-origin": "embedded", "Content-Type": "text/plain"})
            objects[key] = data
        bucket.put_object_acl("a.txt", oss2.OBJECT_ACL_PUBLIC_READ)
        # A completed multipart object and one still in progress, with one part uploaded.
        upload = bucket.init_multipart_upload("multi.bin").upload_id
        parts = [os.urandom(100 << 10 if n == 2 else 5 << 20) for n in (1, 2)]
        infos = [oss2.models.PartInfo(n, bucket.upload_part("multi.bin", upload, n, part).etag)
                 for n, part in enumerate(parts, 1)]
        bucket.complete_multipart_upload("multi.bin", upload, infos)
        objects["multi.bin"] = b"".join(parts)
        pending = bucket.init_multipart_upload("pending.bin").upload_id
        pending_part = os.urandom(5 << 20)
        bucket.upload_part("pending.bin", pending, 1, pending_part)
        bucket.put_bucket_cors(oss2.models.BucketCors([oss2.models.CorsRule(
            allowed_origins=["https://app.example"], allowed_methods=["GET"], max_age_seconds=60)]))
        # A RAM user whose key (its secret sealed under the folder's master key) must keep working.
        user = "migrated-" + os.urandom(3).hex()
        admin(embedded, "user", "create", user)
        ram_key = admin(embedded, "key", "create", user)
        admin(embedded, "policy", "create", "read-" + user, "--document",
              '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}')
        admin(embedded, "policy", "attach", "read-" + user, "--user", user)
        before = {(o.key, o.etag, o.size) for o in oss2.ObjectIterator(bucket)}
    finally:
        embedded.stop()

    database = fresh_database()
    blobs = s3_url_with_prefix("mg-" + os.urandom(6).hex())
    command = [embedded.binary, "migrate", "--data-dir", folder, "--metadata", database, "--blobs", blobs]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Migrated" in first.stdout
    # Running it again is safe and changes nothing.
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr

    server = gateway(folder, database, blobs)
    server.start()
    try:
        bucket = root_bucket(server, name, v4=True)
        assert {(o.key, o.etag, o.size) for o in oss2.ObjectIterator(bucket)} == before
        for key, data in objects.items():
            result = bucket.get_object(key)
            assert hashlib.sha256(result.read()).digest() == hashlib.sha256(data).digest(), key
            if key != "multi.bin":
                assert result.headers["x-oss-meta-origin"] == "embedded"
        # A range inside the third chunk of the 9 MiB object reads from the blob store.
        assert bucket.get_object("dir/big.bin", byte_range=(8 << 20, (8 << 20) + 99)).read() == \
            objects["dir/big.bin"][8 << 20:(8 << 20) + 100]
        assert bucket.get_object_acl("a.txt").acl == oss2.OBJECT_ACL_PUBLIC_READ
        assert oss2.Bucket(oss2.AnonymousAuth(), server.endpoint, name).get_object("a.txt").read() == b"hello"
        assert bucket.get_bucket_cors().rules[0].allowed_origins == ["https://app.example"]
        # The upload in progress goes on where it stopped.
        assert [p.part_number for p in oss2.PartIterator(bucket, "pending.bin", pending)] == [1]
        etag = bucket.upload_part("pending.bin", pending, 2, b"tail").etag
        listed = {p.part_number: p.etag for p in oss2.PartIterator(bucket, "pending.bin", pending)}
        bucket.complete_multipart_upload("pending.bin", pending,
                                         [oss2.models.PartInfo(1, listed[1]), oss2.models.PartInfo(2, etag)])
        assert bucket.get_object("pending.bin").read() == pending_part + b"tail"
        # The RAM user's key and policy came along.
        as_user = oss2.Bucket(oss2.make_auth(ram_key["accessKeyId"], ram_key["accessKeySecret"], "v4"), server.endpoint, name,
                              region=REGION)
        assert as_user.get_object("dir/sub/c.json").read() == b'{"x": 1}'
        with pytest.raises(oss2.exceptions.AccessDenied):
            as_user.put_object("denied.txt", b"no")
    finally:
        server.stop()


def test_migrate_refuses_a_folder_that_is_not_an_embedded_data_folder(tmp_path):
    binary = SiloServer(data_dir=str(tmp_path)).binary
    result = subprocess.run([binary, "migrate", "--data-dir", str(tmp_path), "--metadata", fresh_database(),
                             "--blobs", s3_url_with_prefix("none")], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "not an embedded data folder" in result.stderr


# Unreachable backends

def test_a_gateway_whose_database_is_unreachable_at_start_exits_with_a_clear_error(tmp_path):
    with TCPProxy(*host_port(os.environ["SILO_TEST_POSTGRES_URL"])) as proxy:
        proxy.cut()
        server = gateway(str(tmp_path), with_address(fresh_database(), proxy.address), s3_url_with_prefix("x"))
        with pytest.raises(RuntimeError) as failure:
            server.start()
    assert "cannot reach the metadata database" in str(failure.value)


def test_a_gateway_whose_blob_store_is_unreachable_at_start_exits_with_a_clear_error(tmp_path):
    with TCPProxy(*host_port("http://" + urllib.parse.urlsplit(os.environ["SILO_TEST_S3_URL"]).netloc)) as proxy:
        proxy.cut()
        server = gateway(str(tmp_path), fresh_database(),
                         with_address(s3_url_with_prefix("x"), proxy.address))
        with pytest.raises(RuntimeError) as failure:
            server.start()
    assert "cannot use the blob store" in str(failure.value)


def assert_unavailable(call):
    with pytest.raises(oss2.exceptions.OssError) as failure:
        call()
    assert failure.value.status == 503, failure.value
    assert failure.value.code == "ServiceUnavailable"
    assert failure.value.request_id


@pytest.mark.parametrize("backend", ["metadata", "blobs"])
def test_a_backend_lost_mid_run_gets_503_service_unavailable_and_then_recovers(tmp_path, backend):
    s3 = os.environ["SILO_TEST_S3_URL"]
    target = host_port(os.environ["SILO_TEST_POSTGRES_URL"]) if backend == "metadata" else \
        host_port("http://" + urllib.parse.urlsplit(s3).netloc)
    with TCPProxy(*target) as proxy:
        database, blobs = fresh_database(), s3_url_with_prefix("un-" + os.urandom(6).hex())
        if backend == "metadata":
            database = with_address(database, proxy.address)
        else:
            blobs = with_address(blobs, proxy.address)
        server = gateway(str(tmp_path), database, blobs)
        server.start()
        try:
            # A gateway that hangs instead of answering fails on the client's 30 s timeout, not on a 503 check.
            bucket = root_bucket(server, random_name("un"), v4=True)
            bucket.timeout = 30
            bucket.create_bucket()
            bucket.put_object("kept", b"before the outage")
            proxy.cut()
            assert_unavailable(lambda: bucket.get_object("kept").read())
            assert_unavailable(lambda: bucket.put_object("during", os.urandom(300 << 10)))
            if backend == "metadata":
                assert_unavailable(lambda: bucket.list_objects())
            proxy.restore()
            assert eventually(lambda: bucket.get_object("kept").read(), seconds=30) == b"before the outage"
            # The PUT refused during the outage left nothing behind, and writes work again.
            assert not bucket.object_exists("during")
            bucket.put_object("after", b"back")
            assert bucket.get_object("after").read() == b"back"
            assert "request failed" not in server.read_log()
        finally:
            server.stop()
