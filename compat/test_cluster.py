"""Stateless gateways: two or three `silo server` processes on one PostgreSQL database and one Ceph RGW bucket,
driven with oss2 and the STS SDKs as clients behind a load balancer would drive them. Every scenario reads or
races through different gateways: what one gateway commits, the others see; what two race for, one wins; what a
crashed gateway acknowledged survives; and after collection the blob store holds exactly what metadata names."""

import io
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import oss2
import pytest
import requests
from PIL import Image

from adversarial_helpers import root_bucket
from cluster_harness import Cluster, eventually, services_configured
from conftest import random_name
from iam_helpers import admin, app_server_with_role, assume_with_core_sdk, prefix_policy
from silo_harness import REGION
from test_sts import rpc_url

if not services_configured():
    pytest.fail("SILO_TEST_POSTGRES_URL and SILO_TEST_S3_URL are not set: run through `make test-compat`, which "
                "starts PostgreSQL and RGW (scripts/with-postgres.sh, scripts/with-rgw.sh)", pytrace=False)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(count=3)
    yield c
    c.close()


@pytest.fixture
def buckets(cluster):
    """One bucket, seen through each gateway."""
    name = random_name("cl")
    root_bucket(cluster.gateways[0], name, v4=True).create_bucket()
    return [root_bucket(gateway, name, v4=True) for gateway in cluster.gateways]


# 1. Read-after-write and list-after-write.

def test_what_one_gateway_writes_the_others_read_and_list_at_once(buckets):
    a, b, c = buckets
    for index in range(20):
        key = "photos/%02d.jpg" % index
        body = os.urandom(1000 + index * 3000)
        a.put_object(key, body)
        assert b.get_object(key).read() == body
        assert [o.key for o in oss2.ObjectIterator(c, prefix="photos/")][-1] == key
    listed = oss2.ObjectIterator(b, delimiter="/")
    assert [entry.key for entry in listed] == ["photos/"]
    c.delete_object("photos/00.jpg")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        a.get_object("photos/00.jpg")


def test_large_objects_span_chunks_and_ranges_read_across_gateways(buckets):
    a, b, _ = buckets
    body = os.urandom(9 * 1024 * 1024 + 12345)  # three 4 MiB chunks and a bit
    result = a.put_object("big.bin", body)
    assert b.get_object("big.bin").read() == body
    for start, end in [(0, 0), (4 * 1024 * 1024 - 10, 4 * 1024 * 1024 + 10), (len(body) - 5, len(body) - 1)]:
        assert b.get_object("big.bin", byte_range=(start, end)).read() == body[start:end + 1]
    assert b.head_object("big.bin").etag == result.etag


def test_versions_and_encrypted_objects_written_on_one_gateway_read_on_the_others(buckets):
    a, b, c = buckets
    config = oss2.models.BucketVersioningConfig()
    config.status = oss2.BUCKET_VERSIONING_ENABLE
    a.put_bucket_versioning(config)
    # Sealed (SSE-OSS) bytes over several 4 MiB chunks of the blob store, read by range on another gateway.
    body = os.urandom(9 * 1024 * 1024 + 777)
    first = a.put_object("doc.bin", body, headers={"x-oss-server-side-encryption": "AES256"}).versionid
    second = b.put_object("doc.bin", b"second").versionid
    marker = c.delete_object("doc.bin").versionid
    with pytest.raises(oss2.exceptions.NoSuchKey):
        a.get_object("doc.bin")
    for start, end in [(0, 10), (65536 - 3, 65536 + 3), (4 * 1024 * 1024 - 1, 4 * 1024 * 1024 + 70000)]:
        got = b.get_object("doc.bin", byte_range=(start, end), params={"versionId": first})
        assert got.read() == body[start:end + 1]
        assert got.headers["x-oss-server-side-encryption"] == "AES256"
    listed = c.list_object_versions(prefix="doc.bin")
    assert [v.versionid for v in listed.versions] == [second, first]
    assert [m.versionid for m in listed.delete_marker] == [marker]
    a.delete_object("doc.bin", params={"versionId": marker})
    assert c.get_object("doc.bin").read() == b"second"


# 2. Conditional writes racing on two gateways: exactly one wins.

def race(*calls):
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return ("ok", call())
        except oss2.exceptions.OssError as error:
            return (error.code, error)
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_forbid_overwrite_races_have_exactly_one_winner(buckets):
    a, b, c = buckets
    for round_ in range(15):
        key = "race/%d" % round_
        bodies = [b"from-%d-%d" % (n, round_) for n in range(3)]
        outcomes = race(*[lambda bucket=bucket, body=body: bucket.put_object(
            key, body, headers={"x-oss-forbid-overwrite": "true"}) for bucket, body in zip(buckets, bodies)])
        winners = [n for n, (status, _) in enumerate(outcomes) if status == "ok"]
        assert len(winners) == 1, outcomes
        assert all(status == "FileAlreadyExists" for n, (status, _) in enumerate(outcomes) if n not in winners)
        assert c.get_object(key).read() == bodies[winners[0]]


def test_append_position_races_have_exactly_one_winner(buckets):
    a, b, _ = buckets
    for round_ in range(10):
        key = "log/%d" % round_
        a.append_object(key, 0, b"head")
        outcomes = race(lambda: a.append_object(key, 4, b"-a"), lambda: b.append_object(key, 4, b"-b"))
        winners = [status for status, _ in outcomes if status == "ok"]
        assert len(winners) == 1, outcomes
        assert [status for status, _ in outcomes if status != "ok"] == ["PositionNotEqualToLength"]
        assert a.get_object(key).read() in (b"head-a", b"head-b")


def test_a_copy_conditioned_on_the_source_etag_never_copies_another_version(buckets):
    a, b, _ = buckets
    for round_ in range(10):
        first = a.put_object("src", b"version-one-%d" % round_)
        outcomes = race(
            lambda: a.put_object("src", b"version-two-%d" % round_),
            lambda: b.copy_object(b.bucket_name, "src", "dst-%d" % round_,
                                  headers={"x-oss-copy-source-if-match": first.etag.strip('"')}))
        copied = outcomes[1]
        if copied[0] == "ok":
            assert a.get_object("dst-%d" % round_).read() == b"version-one-%d" % round_
        else:
            assert copied[0] == "PreconditionFailed", copied


# 3. Complete against abort on two gateways: exactly one wins, nothing leaks.

def test_complete_and_abort_racing_have_one_winner_and_leak_nothing(cluster, buckets):
    a, b, _ = buckets
    for round_ in range(8):
        key = "mp/%d" % round_
        upload_id = a.init_multipart_upload(key).upload_id
        parts = [oss2.models.PartInfo(n, b.upload_part(key, upload_id, n, os.urandom(100 * 1024 + n)).etag)
                 for n in (1, 2)]
        outcomes = race(lambda: a.complete_multipart_upload(key, upload_id, parts),
                        lambda: b.abort_multipart_upload(key, upload_id))
        succeeded = [status for status, _ in outcomes if status == "ok"]
        assert len(succeeded) == 1, outcomes
        assert [status for status, _ in outcomes if status != "ok"] == ["NoSuchUpload"]
        assert a.object_exists(key) == (outcomes[0][0] == "ok")
    assert_blob_store_matches_metadata(cluster)


# 4. Identity and bucket configuration changed on one gateway take effect on the others within a second.

def test_a_policy_detached_on_one_gateway_denies_on_the_others_within_a_second(cluster, buckets):
    a, b, c = buckets
    gateway = cluster.gateways[0]
    user = "reader-" + os.urandom(3).hex()
    admin(gateway, "user", "create", user)
    key = admin(gateway, "key", "create", user)
    policy = "read-" + os.urandom(3).hex()
    admin(gateway, "policy", "create", policy, "--document", json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:%s/*" % a.bucket_name}]}))
    admin(gateway, "policy", "attach", policy, "--user", user)
    a.put_object("secret.txt", b"s")
    readers = [oss2.Bucket(oss2.make_auth(key["accessKeyId"], key["accessKeySecret"], "v4"), g.endpoint, a.bucket_name,
                           region=REGION) for g in cluster.gateways[1:]]

    def readable():
        for reader in readers:
            assert reader.get_object("secret.txt").read() == b"s"
    eventually(readable)

    def denied():
        for reader in readers:
            try:
                reader.get_object("secret.txt")
            except oss2.exceptions.AccessDenied:
                continue
            raise AssertionError("still allowed")
    admin(gateway, "policy", "detach", policy, "--user", user)
    eventually(denied)
    admin(gateway, "policy", "attach", policy, "--user", user)
    eventually(readable)
    admin(gateway, "key", "disable", user, key["accessKeyId"])

    def refused():
        for reader in readers:
            try:
                reader.get_object("secret.txt")
            except oss2.exceptions.OssError as error:
                assert error.code == "InvalidAccessKeyId", error
                continue
            raise AssertionError("a disabled key still works")
    eventually(refused)


def test_bucket_acl_policy_and_cors_changes_apply_on_every_gateway_at_once(buckets):
    a, b, c = buckets
    a.put_object("public.txt", b"p")
    anonymous = [oss2.Bucket(oss2.AnonymousAuth(), bucket.endpoint, bucket.bucket_name, region=REGION)
                 for bucket in buckets]
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous[2].get_object("public.txt")
    a.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    assert anonymous[1].get_object("public.txt").read() == b"p"
    assert anonymous[2].get_object("public.txt").read() == b"p"
    b.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous[0].get_object("public.txt")
    c.put_bucket_policy(json.dumps({"Version": "1", "Statement": [{
        "Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
        "Resource": ["acs:oss:*:*:%s/public.txt" % a.bucket_name]}]}))
    assert anonymous[0].get_object("public.txt").read() == b"p"
    rule = oss2.models.CorsRule(allowed_origins=["https://app.example"], allowed_methods=["GET"], max_age_seconds=60)
    a.put_bucket_cors(oss2.models.BucketCors([rule]))
    preflight = requests.options("%s/%s/public.txt" % (buckets[2].endpoint, a.bucket_name), headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"


# 5. STS nonces are shared: a signed request replayed to another gateway is refused.

def test_a_signed_assume_role_replayed_to_another_gateway_is_refused(cluster):
    first, second = cluster.gateways[0], cluster.gateways[1]
    key_id, secret, arn = app_server_with_role(first)
    url = rpc_url(first, key_id, secret, {"Action": "AssumeRole", "RoleArn": arn, "RoleSessionName": "replay"})
    accepted = requests.post(url)
    assert accepted.status_code == 200, accepted.text
    replayed = requests.post(url.replace(first.sts_endpoint, second.sts_endpoint))
    assert replayed.status_code == 400 and replayed.json()["Code"] == "SignatureNonceUsed", replayed.text
    # The session works on every gateway (tokens are checked with the shared token keys) once the role's policy,
    # attached a moment ago through the first gateway, has reached the others: within a second.
    credentials = accepted.json()["Credentials"]
    session = oss2.StsAuth(credentials["AccessKeyId"], credentials["AccessKeySecret"], credentials["SecurityToken"])
    for gateway in cluster.gateways:
        name = random_name("sts")
        eventually(lambda: oss2.Bucket(session, gateway.endpoint, name, region=REGION).create_bucket())


# 6. The derived-image cache never answers for a replaced or deleted source.

def jpeg(width, height, colour):
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG")
    return out.getvalue()


def test_no_gateway_serves_a_thumbnail_of_a_replaced_or_deleted_source(buckets):
    a, b, c = buckets
    process = {"x-oss-process": "image/resize,w_40"}
    a.put_object("photo.jpg", jpeg(200, 100, (200, 30, 30)))
    for bucket in buckets:  # every gateway caches its thumbnail
        assert Image.open(io.BytesIO(bucket.get_object("photo.jpg", params=process).read())).size == (40, 20)
    b.put_object("photo.jpg", jpeg(100, 200, (30, 30, 200)))
    for bucket in buckets:
        assert Image.open(io.BytesIO(bucket.get_object("photo.jpg", params=process).read())).size == (40, 80)
    c.delete_object("photo.jpg")
    for bucket in buckets:
        with pytest.raises(oss2.exceptions.NoSuchKey):
            bucket.get_object("photo.jpg", params=process)


# 7. Collection without a leader, and a gateway killed under load.

def test_media_jobs_submitted_to_one_gateway_run_once_and_are_seen_from_every_gateway(cluster, buckets):
    import base64
    import subprocess

    from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET
    a, b, c = buckets
    clip_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), random_name("clip") + ".mp4")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10",
                    "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip_path], check=True)
    with open(clip_path, "rb") as f:
        a.put_object("in.mp4", f.read())
    os.remove(clip_path)
    tasks = []
    for index in range(4):
        target = base64.urlsafe_b64encode(("out/%d.jpg-{index}" % index).encode()).decode().rstrip("=")
        tasks.append(a.async_process_object("in.mp4", "video/snapshots,f_jpg,inter_500,num_2,w_64|sys/saveas,o_" + target).task_id)
    def stored(key):
        assert c.object_exists(key), key

    for index in range(4):
        for frame in (1, 2):
            eventually(lambda: stored("out/%d.jpg-%d" % (index, frame)), seconds=120)
    gateway = cluster.gateways[1]
    env = dict(os.environ, SILO_ENDPOINT=gateway.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
               SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    binary = gateway.binary
    listed = json.loads(subprocess.run([binary, "jobs", "list", b.bucket_name, "--json"], env=env, check=True,
                                       capture_output=True, text=True).stdout)
    assert sorted(job["taskId"] for job in listed) == sorted(tasks)
    # Each ran once, on whichever gateway claimed it first.
    assert all(job["state"] == "succeeded" and job["attempts"] == 1 for job in listed), listed


def assert_blob_store_matches_metadata(cluster, timeout=30):
    """After collection the blob store holds exactly the blobs metadata names (listing both)."""
    def matches():
        stored, named = cluster.stored_chunks(), cluster.named_blobs()
        assert stored == named, "only stored: %s; only named: %s" % (sorted(stored - named)[:5], sorted(named - stored)[:5])
    eventually(matches, seconds=timeout)


def test_a_gateway_killed_under_puts_and_completes_loses_nothing_acknowledged(cluster, buckets):
    victim = cluster.add_gateway()
    survivor = cluster.gateways[0]
    name = buckets[0].bucket_name
    via_victim = root_bucket(victim, name, v4=True)
    acknowledged = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker):
        n = 0
        while not stop.is_set():
            key = "crash/%d/%d" % (worker, n)
            body = os.urandom(random.choice([10, 70 * 1024, 5 * 1024 * 1024 + 7]))
            try:
                if n % 4 == 3:
                    upload = via_victim.init_multipart_upload(key).upload_id
                    half = len(body) // 2
                    parts = [oss2.models.PartInfo(1, via_victim.upload_part(key, upload, 1, body[:half]).etag),
                             oss2.models.PartInfo(2, via_victim.upload_part(key, upload, 2, body[half:]).etag)]
                    via_victim.complete_multipart_upload(key, upload, parts)
                else:
                    via_victim.put_object(key, body)
            except Exception:
                return  # the gateway died under this request: not acknowledged
            with lock:
                acknowledged[key] = body
            n += 1

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    victim.kill()  # SIGKILL: no cleanup
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    cluster.gateways.remove(victim)
    assert acknowledged, "the load ran before the crash"
    through_survivor = root_bucket(survivor, name, v4=True)
    for key, body in acknowledged.items():
        assert through_survivor.get_object(key).read() == body, key
    # Nothing partial: every listed key reads whole, and an unacknowledged key is either whole or absent.
    for summary in oss2.ObjectIterator(through_survivor, prefix="crash/"):
        data = through_survivor.get_object(summary.key).read()
        assert len(data) == summary.size
    # The dead gateway's unfinished writes are found through the intent log (its heartbeat stopped); the
    # survivors abort what is left of its uploads and collect.
    for upload in oss2.MultipartUploadIterator(through_survivor):
        through_survivor.abort_multipart_upload(upload.key, upload.upload_id)
    assert_blob_store_matches_metadata(cluster, timeout=60)
