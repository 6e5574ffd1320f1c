"""PostObject (spec §12): browser form uploads signed with a V1 or V4 policy, sent with `requests` exactly as a
browser or mini-program would post the form."""

import base64
import datetime
import hashlib
import hmac
import json
import os

import oss2
import pytest
import requests

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


def policy_b64(conditions, seconds=600):
    expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds))
    document = {"expiration": expiration.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "conditions": conditions}
    return base64.b64encode(json.dumps(document).encode()).decode()


def v1_fields(policy):
    signature = base64.b64encode(hmac.new(ACCESS_KEY_SECRET.encode(), policy.encode(), hashlib.sha1).digest()).decode()
    return {"OSSAccessKeyId": ACCESS_KEY_ID, "policy": policy, "Signature": signature}


def v4_credential_fields():
    now = datetime.datetime.now(datetime.timezone.utc)
    date = now.strftime("%Y%m%d")
    return date, {"x-oss-signature-version": "OSS4-HMAC-SHA256",
                  "x-oss-credential": "%s/%s/%s/oss/aliyun_v4_request" % (ACCESS_KEY_ID, date, REGION),
                  "x-oss-date": now.strftime("%Y%m%dT%H%M%SZ")}


def v4_signature(policy, date):
    def mac(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()
    key = mac(mac(mac(mac(("aliyun_v4" + ACCESS_KEY_SECRET).encode(), date), REGION), "oss"), "aliyun_v4_request")
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def post(silo, bucket_name, fields, content, filename="upload.bin", content_type=None):
    files = {"file": (filename, content, content_type) if content_type else (filename, content)}
    return requests.post("%s/%s/" % (silo.endpoint, bucket_name), data=fields, files=files, allow_redirects=False)


@pytest.fixture
def form_bucket(silo):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, random_name("post"), region=REGION)
    bucket.create_bucket()
    return bucket


def test_v1_signed_form_upload_with_201(silo, form_bucket):
    policy = policy_b64([{"bucket": form_bucket.bucket_name}, ["starts-with", "$key", "user1/"],
                         ["content-length-range", 1, 1 << 20]])
    fields = dict(v1_fields(policy), key="user1/avatar.png", success_action_status="201",
                  **{"x-oss-meta-owner": "alice", "Cache-Control": "no-cache"})
    response = post(silo, form_bucket.bucket_name, fields, b"\x89PNG fake", content_type="image/png")
    assert response.status_code == 201, response.text
    assert b"<PostResponse>" in response.content and b"<Key>user1/avatar.png</Key>" in response.content
    head = form_bucket.head_object("user1/avatar.png")
    assert head.content_type == "image/png"
    assert head.headers["x-oss-meta-owner"] == "alice"
    assert head.headers["Cache-Control"] == "no-cache"
    assert form_bucket.get_object("user1/avatar.png").read() == b"\x89PNG fake"


def test_v4_signed_form_upload_streams_a_large_file(silo, form_bucket):
    date, credential = v4_credential_fields()
    conditions = [{"bucket": form_bucket.bucket_name}] + [{k: v} for k, v in credential.items()] + [
        ["starts-with", "$key", "videos/"], ["content-length-range", 1, 64 << 20]]
    policy = policy_b64(conditions)
    fields = dict(credential, policy=policy, key="videos/clip.mp4", **{"x-oss-signature": v4_signature(policy, date)})
    content = os.urandom(20 << 20)
    response = post(silo, form_bucket.bucket_name, fields, content)
    assert response.status_code == 204, response.text
    assert response.headers["ETag"].strip('"') == hashlib.md5(content).hexdigest().upper()
    assert hashlib.md5(form_bucket.get_object("videos/clip.mp4").read()).digest() == hashlib.md5(content).digest()


def test_policy_violations_are_refused_and_nothing_is_stored(silo, form_bucket):
    policy = policy_b64([{"bucket": form_bucket.bucket_name}, ["starts-with", "$key", "user1/"],
                         ["content-length-range", 1, 1000]])
    outside = post(silo, form_bucket.bucket_name, dict(v1_fields(policy), key="user2/x.txt"), b"x")
    assert outside.status_code == 403 and b"AccessDenied" in outside.content
    too_big = post(silo, form_bucket.bucket_name, dict(v1_fields(policy), key="user1/big.bin"), b"x" * 1001)
    assert too_big.status_code == 400 and b"EntityTooLarge" in too_big.content
    assert not form_bucket.object_exists("user2/x.txt") and not form_bucket.object_exists("user1/big.bin")
    expired = policy_b64([{"bucket": form_bucket.bucket_name}], seconds=-10)
    late = post(silo, form_bucket.bucket_name, dict(v1_fields(expired), key="user1/late.txt"), b"x")
    assert late.status_code == 403 and b"Policy expired" in late.content


def test_a_bad_signature_and_partial_credentials_are_refused(silo, form_bucket):
    policy = policy_b64([{"bucket": form_bucket.bucket_name}])
    forged = dict(v1_fields(policy), key="a.txt", Signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    response = post(silo, form_bucket.bucket_name, forged, b"x")
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content
    partial = post(silo, form_bucket.bucket_name, {"OSSAccessKeyId": ACCESS_KEY_ID, "key": "a.txt"}, b"x")
    assert partial.status_code == 400 and b"InvalidArgument" in partial.content
    missing_key = post(silo, form_bucket.bucket_name, v1_fields(policy), b"x")
    assert missing_key.status_code == 400
    assert not form_bucket.object_exists("a.txt")


def test_anonymous_forms_need_a_public_read_write_bucket(silo, form_bucket):
    denied = post(silo, form_bucket.bucket_name, {"key": "anon.txt"}, b"x")
    assert denied.status_code == 403
    form_bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    allowed = post(silo, form_bucket.bucket_name, {"key": "anon.txt"}, b"hello")
    assert allowed.status_code == 204
    assert form_bucket.get_object("anon.txt").read() == b"hello"


def test_redirect_after_success(silo, form_bucket):
    policy = policy_b64([{"bucket": form_bucket.bucket_name}])
    fields = dict(v1_fields(policy), key="r.txt", success_action_redirect="https://app.example.com/done?x=1")
    response = post(silo, form_bucket.bucket_name, fields, b"redirected")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("https://app.example.com/done?x=1&") and "key=r.txt" in location and "etag=" in location


def test_a_form_can_tag_its_object_and_a_bad_tag_stores_nothing(silo, form_bucket):
    policy = policy_b64([{"bucket": form_bucket.bucket_name}, ["starts-with", "$key", "user1/"]])
    fields = dict(v1_fields(policy), key="user1/tagged.bin", **{"x-oss-tagging": "source=form&kind=%E5%9B%BE"})
    response = post(silo, form_bucket.bucket_name, fields, b"tagged")
    assert response.status_code == 204, response.text
    assert dict(form_bucket.get_object_tagging("user1/tagged.bin").tag_set.tagging_rule) == {"source": "form", "kind": "图"}
    fields = dict(v1_fields(policy), key="user1/bad.bin", **{"x-oss-tagging": "a=%25"})
    response = post(silo, form_bucket.bucket_name, fields, b"bad")
    assert response.status_code == 400 and b"<Code>InvalidTag</Code>" in response.content, response.text
    with pytest.raises(oss2.exceptions.NoSuchKey):
        form_bucket.head_object("user1/bad.bin")
