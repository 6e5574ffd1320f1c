"""Object tagging through oss2 beyond what the SDK's own tests check: the tag count on reads, tags belonging to
the object's version, and the right to tag being a permission of its own (as in OSS)."""

import json

import oss2
import pytest
from oss2.headers import OSS_OBJECT_TAGGING
from oss2.models import Tagging, TaggingRule

from conftest import random_name
from iam_helpers import app_server_with_role, assume_with_core_sdk, prefix_policy
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET


def tags_of(bucket, key):
    return dict(bucket.get_object_tagging(key).tag_set.tagging_rule)


def error_of(call):
    with pytest.raises(oss2.exceptions.OssError) as raised:
        call()
    return raised.value.status, raised.value.code


def test_reads_count_the_tags_and_an_overwrite_replaces_them(bucket):
    bucket.put_object("photo.jpg", b"x", headers={OSS_OBJECT_TAGGING: "k1=v1&k2=v2"})
    assert bucket.head_object("photo.jpg").headers["x-oss-tagging-count"] == "2"
    assert bucket.get_object("photo.jpg").headers["x-oss-tagging-count"] == "2"
    bucket.put_object("photo.jpg", b"y")
    assert tags_of(bucket, "photo.jpg") == {}
    assert "x-oss-tagging-count" not in bucket.head_object("photo.jpg").headers


def test_retagging_keeps_the_bytes_acl_and_last_modified(bucket):
    bucket.put_object("doc.txt", b"body", headers={"x-oss-object-acl": "public-read"})
    before = bucket.head_object("doc.txt")
    rule = TaggingRule()
    rule.add("state", "reviewed")
    bucket.put_object_tagging("doc.txt", Tagging(rule))
    after = bucket.head_object("doc.txt")
    assert (after.etag, after.last_modified) == (before.etag, before.last_modified)
    assert bucket.get_object_acl("doc.txt").acl == "public-read"
    assert bucket.get_object("doc.txt").read() == b"body"
    assert tags_of(bucket, "doc.txt") == {"state": "reviewed"}


def test_tagging_a_missing_object_and_a_bad_body_answer_in_oss_format(bucket):
    assert error_of(lambda: bucket.get_object_tagging("absent"))[:2] == (404, "NoSuchKey")
    rule = TaggingRule()
    rule.add("a", "b")
    assert error_of(lambda: bucket.put_object_tagging("absent", Tagging(rule))) == (404, "NoSuchKey")
    bucket.put_object("k", b"x")
    assert error_of(lambda: bucket.put_object("k2", b"x", headers={OSS_OBJECT_TAGGING: "a=b=c"})) == (400, "InvalidTag")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.head_object("k2")  # a refused write stores nothing


def test_the_right_to_tag_is_its_own_permission(silo):
    name = random_name("tagperm")
    root = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, name)
    root.create_bucket()
    key_id, secret, arn = app_server_with_role(silo)
    ak, sk, token, _ = assume_with_core_sdk(silo, key_id, secret, arn, "writer", prefix_policy(name, "u1/"))
    writer = oss2.Bucket(oss2.StsAuth(ak, sk, token), silo.endpoint, name)
    writer.put_object("u1/plain", b"x")
    status, code = error_of(lambda: writer.put_object("u1/tagged", b"x", headers={OSS_OBJECT_TAGGING: "a=b"}))
    assert (status, code) == (403, "AccessDenied")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        root.head_object("u1/tagged")
    rule = TaggingRule()
    rule.add("a", "b")
    assert error_of(lambda: writer.put_object_tagging("u1/plain", Tagging(rule))) == (403, "AccessDenied")

    ak, sk, token, _ = assume_with_core_sdk(silo, key_id, secret, arn, "tagger", prefix_policy(
        name, "u1/", actions=("oss:PutObject", "oss:GetObject", "oss:PutObjectTagging", "oss:GetObjectTagging")))
    tagger = oss2.Bucket(oss2.StsAuth(ak, sk, token), silo.endpoint, name)
    tagger.put_object("u1/tagged", b"x", headers={OSS_OBJECT_TAGGING: "a=b"})
    assert tags_of(tagger, "u1/tagged") == {"a": "b"}
    assert error_of(lambda: tagger.delete_object_tagging("u1/tagged")) == (403, "AccessDenied")


def test_bucket_tags_filter_listings_and_delete_by_key(silo):
    service = oss2.Service(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint)
    prefix = random_name("btag")
    names = ["%s-%d" % (prefix, i) for i in range(3)]
    buckets = [oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, name) for name in names]
    for bucket in buckets:
        bucket.create_bucket()
    for bucket, value in zip(buckets, ["mobile", "web", "mobile"]):
        rule = TaggingRule()
        rule.add("team", value)
        rule.add("%@any utf-8 中文", "")
        bucket.put_bucket_tagging(Tagging(rule))
    assert dict(buckets[0].get_bucket_tagging().tag_set.tagging_rule) == {"team": "mobile", "%@any utf-8 中文": ""}

    def listed(**params):
        return [b.name for b in service.list_buckets(prefix=prefix, params=params).buckets]
    assert listed(**{"tag-key": "team", "tag-value": "mobile"}) == [names[0], names[2]]
    assert listed(**{"tag-key": "team"}) == names
    assert listed(**{"tag-key": "absent"}) == []
    # Paging stays by name: the first page of one holds the first match, the next starts after it.
    page = service.list_buckets(prefix=prefix, max_keys=1, params={"tag-key": "team", "tag-value": "mobile"})
    assert [b.name for b in page.buckets] == [names[0]] and page.is_truncated and page.next_marker == names[0]
    page = service.list_buckets(prefix=prefix, marker=page.next_marker, params={"tag-key": "team", "tag-value": "mobile"})
    assert [b.name for b in page.buckets] == [names[2]] and not page.is_truncated

    buckets[0].delete_bucket_tagging(params={"tagging": "team"})
    assert dict(buckets[0].get_bucket_tagging().tag_set.tagging_rule) == {"%@any utf-8 中文": ""}
    buckets[0].delete_bucket_tagging()
    assert dict(buckets[0].get_bucket_tagging().tag_set.tagging_rule) == {}

    rule = TaggingRule()
    rule.add("Aliyun-reserved", "x")
    assert error_of(lambda: buckets[1].put_bucket_tagging(Tagging(rule))) == (400, "InvalidTag")
    assert dict(buckets[1].get_bucket_tagging().tag_set.tagging_rule) == {"team": "web", "%@any utf-8 中文": ""}
    for bucket in buckets:
        bucket.delete_bucket()


def test_bucket_tags_need_their_own_permissions(silo):
    name = random_name("btagperm")
    root = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, name)
    root.create_bucket()
    key_id, secret, arn = app_server_with_role(silo)
    ak, sk, token, _ = assume_with_core_sdk(silo, key_id, secret, arn, "reader", json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:GetBucketTagging"], "Resource": ["acs:oss:*:*:%s" % name]}]}))
    reader = oss2.Bucket(oss2.StsAuth(ak, sk, token), silo.endpoint, name)
    assert dict(reader.get_bucket_tagging().tag_set.tagging_rule) == {}
    rule = TaggingRule()
    rule.add("a", "b")
    assert error_of(lambda: reader.put_bucket_tagging(Tagging(rule))) == (403, "AccessDenied")
    assert error_of(lambda: reader.delete_bucket_tagging()) == (403, "AccessDenied")


def session(silo, name, statements, session_name):
    key_id, secret, arn = app_server_with_role(silo)
    ak, sk, token, _ = assume_with_core_sdk(silo, key_id, secret, arn, session_name,
                                            json.dumps({"Version": "1", "Statement": statements}))
    return oss2.Bucket(oss2.StsAuth(ak, sk, token), silo.endpoint, name)


def test_policies_can_decide_by_the_objects_tags(silo):
    name = random_name("tagcond")
    root = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, name)
    root.create_bucket()
    root.put_object("shared.txt", b"s", headers={OSS_OBJECT_TAGGING: "share=yes"})
    root.put_object("private.txt", b"p")
    root.put_object("protected.txt", b"k", headers={OSS_OBJECT_TAGGING: "protected=true"})
    resource = "acs:oss:*:*:%s/*" % name
    reader = session(silo, name, [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": resource,
                                   "Condition": {"StringEquals": {"oss:ExistingObjectTag/share": "yes"}}}], "reader")
    assert reader.get_object("shared.txt").read() == b"s"
    assert error_of(lambda: reader.get_object("private.txt")) == (403, "AccessDenied")

    # A Deny by tag holds on writes too, whose callers never read the object first.
    deleter = session(silo, name, [
        {"Effect": "Allow", "Action": "oss:*", "Resource": resource},
        {"Effect": "Deny", "Action": "oss:DeleteObject", "Resource": resource,
         "Condition": {"StringEquals": {"oss:ExistingObjectTag/protected": "true"}}}], "deleter")
    assert error_of(lambda: deleter.delete_object("protected.txt")) == (403, "AccessDenied")
    assert error_of(lambda: deleter.batch_delete_objects(["private.txt", "protected.txt"])) == (403, "AccessDenied")
    assert root.get_object("protected.txt").read() == b"k" and root.object_exists("private.txt")
    deleter.delete_object("private.txt")
    assert not root.object_exists("private.txt")


def test_policies_can_require_the_tags_a_write_sets(silo):
    name = random_name("tagreq")
    oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, name).create_bucket()
    resource = "acs:oss:*:*:%s/*" % name
    writer = session(silo, name, [{"Effect": "Allow", "Action": ["oss:PutObject", "oss:PutObjectTagging"],
                                   "Resource": resource,
                                   "Condition": {"StringEquals": {"oss:RequestObjectTag/owner": "u1"}}}], "writer")
    writer.put_object("mine.txt", b"x", headers={OSS_OBJECT_TAGGING: "owner=u1&kind=note"})
    assert error_of(lambda: writer.put_object("theirs.txt", b"x", headers={OSS_OBJECT_TAGGING: "owner=u2"})) == \
        (403, "AccessDenied")
    assert error_of(lambda: writer.put_object("untagged.txt", b"x")) == (403, "AccessDenied")
