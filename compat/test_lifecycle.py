"""Bucket lifecycle through oss2 beyond the SDK's own configuration tests: rules applied by a running server, and
what they must leave alone. (Rules counted in days are checked with a clock the test controls in Swift, in
LifecycleServiceTests; here a cut-off date in the future makes a rule due at once.)"""

import datetime
import time

import oss2
import pytest
from oss2.headers import OSS_OBJECT_TAGGING
from oss2.models import (AbortMultipartUpload, BucketLifecycle, LifecycleExpiration, LifecycleRule, StorageTransition,
                         Tagging, TaggingRule)

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer


@pytest.fixture(scope="module")
def fast_silo():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0", "--lifecycle-interval-seconds", "1"])
    server.start()
    yield server
    server.cleanup()


def tomorrow():
    return datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=1)


def wait_until(condition, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_running_server_expires_and_moves_what_the_rules_select_and_nothing_else(fast_silo):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), fast_silo.endpoint, random_name("lc"))
    bucket.create_bucket()
    bucket.put_object("tmp/scratch.jpg", b"s", headers={OSS_OBJECT_TAGGING: "kind=scratch"})
    bucket.put_object("tmp/final.jpg", b"f", headers={OSS_OBJECT_TAGGING: "kind=final"})
    bucket.put_object("photos/a.jpg", b"a", headers={OSS_OBJECT_TAGGING: "kind=scratch"})
    bucket.put_object("logs/1.txt", b"l")
    upload = bucket.init_multipart_upload("tmp/video.mp4").upload_id
    bucket.init_multipart_upload("photos/video.mp4")

    expire = LifecycleRule("expire-scratch", "tmp/", status=LifecycleRule.ENABLED,
                           expiration=LifecycleExpiration(created_before_date=tomorrow()))
    tag = TaggingRule()
    tag.add("kind", "scratch")
    expire.tagging = Tagging(tag)
    abort = LifecycleRule("abort-tmp", "tmp/", status=LifecycleRule.ENABLED,
                          abort_multipart_upload=AbortMultipartUpload(created_before_date=tomorrow()))
    cold = LifecycleRule("cold-logs", "logs/", status=LifecycleRule.ENABLED,
                         storage_transitions=[StorageTransition(created_before_date=tomorrow(),
                                                                storage_class=oss2.BUCKET_STORAGE_CLASS_IA)])
    bucket.put_bucket_lifecycle(BucketLifecycle([expire, abort, cold]))

    assert wait_until(lambda: not bucket.object_exists("tmp/scratch.jpg"))
    assert wait_until(lambda: bucket.head_object("logs/1.txt").headers["x-oss-storage-class"] == "IA")
    assert wait_until(lambda: [u.upload_id for u in bucket.list_multipart_uploads().upload_list
                               if u.key == "tmp/video.mp4"] == [])
    assert upload
    # What no rule selects stays, whatever the passes in between.
    time.sleep(1.5)
    assert bucket.get_object("tmp/final.jpg").read() == b"f"
    assert bucket.get_object("photos/a.jpg").read() == b"a"
    assert bucket.get_object("logs/1.txt").read() == b"l"
    assert [u.key for u in bucket.list_multipart_uploads().upload_list] == ["photos/video.mp4"]


def test_get_without_rules_and_deletes_answer_as_oss(fast_silo):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), fast_silo.endpoint, random_name("lc"))
    bucket.create_bucket()
    with pytest.raises(oss2.exceptions.NoSuchLifecycle):
        bucket.get_bucket_lifecycle()
    assert bucket.delete_bucket_lifecycle().status == 204
    rule = LifecycleRule("r", "a/", status=LifecycleRule.ENABLED, expiration=LifecycleExpiration(days=30))
    bucket.put_bucket_lifecycle(BucketLifecycle([rule]))
    got = bucket.get_bucket_lifecycle().rules
    assert [(r.id, r.prefix, r.expiration.days) for r in got] == [("r", "a/", 30)]
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.put_bucket_lifecycle(BucketLifecycle([LifecycleRule("bad", "a/", status=LifecycleRule.ENABLED)]))
    # A refused configuration leaves the previous one in place.
    assert [r.id for r in bucket.get_bucket_lifecycle().rules] == ["r"]
