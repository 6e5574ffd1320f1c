"""Object versioning through oss2, beyond the SDK's own upstream tests: what a delete leaves readable, restoring an
old version by copy, the null version of a suspended bucket, and blobs kept exactly as long as a version names them."""

import os
import time

import oss2
import pytest
from oss2.models import BatchDeleteObjectVersion, BatchDeleteObjectVersionList, BucketVersioningConfig

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer
from storage_audit import blob_files, referenced_blobs, settled_blob_files


@pytest.fixture(scope="module")
def silo():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
    server.start()
    yield server
    server.cleanup()


def versioned_bucket(silo, status=oss2.BUCKET_VERSIONING_ENABLE):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, random_name("ver"))
    bucket.create_bucket()
    config = BucketVersioningConfig()
    config.status = status
    bucket.put_bucket_versioning(config)
    return bucket


def set_status(bucket, status):
    config = BucketVersioningConfig()
    config.status = status
    bucket.put_bucket_versioning(config)


def all_versions(bucket):
    result = bucket.list_object_versions()
    return [(v.key, v.versionid, v.is_latest) for v in result.versions], \
           [(m.key, m.versionid, m.is_latest) for m in result.delete_marker]


def test_a_deleted_key_answers_404_naming_its_marker_and_keeps_its_versions(silo):
    bucket = versioned_bucket(silo)
    first = bucket.put_object("photo.jpg", b"one").versionid
    second = bucket.put_object("photo.jpg", b"two").versionid
    marker = bucket.delete_object("photo.jpg")
    assert marker.delete_marker is True and marker.versionid not in (first, second)
    with pytest.raises(oss2.exceptions.NoSuchKey) as raised:
        bucket.get_object("photo.jpg")
    assert raised.value.headers.get("x-oss-delete-marker") == "true"
    assert raised.value.headers.get("x-oss-version-id") == marker.versionid
    assert not bucket.object_exists("photo.jpg")
    assert [o.key for o in oss2.ObjectIterator(bucket)] == []
    assert bucket.get_object("photo.jpg", params={"versionId": first}).read() == b"one"
    versions, markers = all_versions(bucket)
    assert versions == [("photo.jpg", second, False), ("photo.jpg", first, False)]
    assert markers == [("photo.jpg", marker.versionid, True)]
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        bucket.delete_bucket()
    # Removing the marker brings the newest version back.
    removed = bucket.delete_object("photo.jpg", params={"versionId": marker.versionid})
    assert removed.delete_marker is True
    assert bucket.get_object("photo.jpg").read() == b"two"


def test_copying_an_old_version_over_its_key_restores_it(silo):
    bucket = versioned_bucket(silo)
    old = bucket.put_object("doc.txt", b"draft", headers={"x-oss-meta-state": "draft"}).versionid
    bucket.put_object("doc.txt", b"final")
    restored = bucket.copy_object(bucket.bucket_name, "doc.txt", "doc.txt", params={"versionId": old})
    assert restored.versionid not in (None, old)
    head = bucket.head_object("doc.txt")
    assert head.versionid == restored.versionid and head.headers["x-oss-meta-state"] == "draft"
    assert bucket.get_object("doc.txt").read() == b"draft"
    assert len(all_versions(bucket)[0]) == 3


def test_acl_and_tags_of_a_version_change_without_a_new_version(silo):
    bucket = versioned_bucket(silo)
    old = bucket.put_object("k", b"1").versionid
    bucket.put_object("k", b"2")
    bucket.put_object_acl("k", oss2.OBJECT_ACL_PUBLIC_READ, params={"versionId": old})
    assert bucket.get_object_acl("k", params={"versionId": old}).acl == oss2.OBJECT_ACL_PUBLIC_READ
    assert bucket.get_object_acl("k").acl == oss2.OBJECT_ACL_DEFAULT
    assert len(all_versions(bucket)[0]) == 2
    with pytest.raises(oss2.exceptions.OssError) as missing:
        bucket.get_object("k", params={"versionId": "0123456789abcdef0123456789abcdef"})
    assert (missing.value.status, missing.value.code) == (404, "NoSuchVersion")
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.get_object("k", params={"versionId": "not-a-version"})


def test_a_suspended_bucket_keeps_one_null_version_per_key(silo):
    bucket = versioned_bucket(silo)
    kept = bucket.put_object("k", b"enabled").versionid
    set_status(bucket, oss2.BUCKET_VERSIONING_SUSPEND)
    assert bucket.put_object("k", b"null 1").versionid == "null"
    assert bucket.put_object("k", b"null 2").versionid == "null"
    versions, _ = all_versions(bucket)
    assert [v[1] for v in versions] == ["null", kept]
    assert bucket.get_object("k", params={"versionId": "null"}).read() == b"null 2"
    assert bucket.get_object("k", params={"versionId": kept}).read() == b"enabled"
    assert bucket.get_bucket_versioning().status == "Suspended"
    with pytest.raises(oss2.exceptions.MalformedXml):
        set_status(bucket, "Disabled")


def test_blobs_live_exactly_as_long_as_a_version_names_them(silo):
    bucket = versioned_bucket(silo)
    before = settled_blob_files(silo.data_dir)
    ids = [bucket.put_object("big", os.urandom(70 * 1024)).versionid for _ in range(3)]
    marker = bucket.delete_object("big").versionid
    time.sleep(1.5)  # a collector pass runs meanwhile: nothing a version names may go
    assert len(blob_files(silo.data_dir) - before) == 3
    assert all(len(bucket.get_object("big", params={"versionId": v}).read()) == 70 * 1024 for v in ids)
    batch = BatchDeleteObjectVersionList()
    for version in ids + [marker]:
        batch.append(BatchDeleteObjectVersion("big", version))
    assert len(bucket.delete_object_versions(batch).delete_versions) == 4
    deadline = time.time() + 30
    while time.time() < deadline and blob_files(silo.data_dir) - before:
        time.sleep(0.5)
    assert blob_files(silo.data_dir) - before == set()
    assert referenced_blobs(silo.data_dir) <= blob_files(silo.data_dir)
    bucket.delete_bucket()
