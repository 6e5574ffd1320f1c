"""The seed design end to end: an app server's RAM key gets scoped credentials from STS with the real STS SDKs,
and a client with those credentials (oss2 StsAuth, v1 and v4) can do exactly what the policies allow."""

import datetime
import time

import oss2
import pytest
import requests

from conftest import random_name
from iam_helpers import (admin, app_server_with_role, assume_with_core_sdk, assume_with_tea_sdk, prefix_policy)
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


@pytest.fixture(scope="module")
def sts_silo():
    # Sessions as short as 2 s let the expiry test run quickly; the default minimum stays 900 s.
    server = SiloServer(extra_args=["--sts-minimum-duration-seconds", "2"])
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def buckets(sts_silo):
    auth = oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    names = [random_name("photos"), random_name("other")]
    for name in names:
        oss2.Bucket(auth, sts_silo.endpoint, name, region=REGION).create_bucket()
    return names


@pytest.fixture(scope="module")
def app_server(sts_silo):
    return app_server_with_role(sts_silo)


SDKS = {"aliyun-python-sdk-sts": assume_with_core_sdk, "alibabacloud-sts20150401": assume_with_tea_sdk}


@pytest.mark.parametrize("sdk", SDKS)
@pytest.mark.parametrize("auth_version", ["v1", "v4"])
def test_scoped_session_allows_exactly_its_prefix(sts_silo, buckets, app_server, sdk, auth_version):
    photos, other = buckets
    key_id, secret, arn = app_server
    ak, sk, token, expiration = SDKS[sdk](sts_silo, key_id, secret, arn, "user1-app", prefix_policy(photos, "user1/"))
    assert ak.startswith("STS.")
    expires = datetime.datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ")
    assert 800 < (expires - datetime.datetime.utcnow()).total_seconds() <= 900
    auth = oss2.StsAuth(ak, sk, token, auth_version=auth_version)
    bucket = oss2.Bucket(auth, sts_silo.endpoint, photos, region=REGION)
    bucket.put_object("user1/photo.jpg", b"jpeg bytes")
    assert bucket.get_object("user1/photo.jpg").read() == b"jpeg bytes"
    denied = [
        lambda: bucket.put_object("user2/photo.jpg", b"x"),           # another prefix
        lambda: bucket.get_object("photo.jpg"),                        # another prefix (root)
        lambda: oss2.Bucket(auth, sts_silo.endpoint, other, region=REGION).put_object("user1/x", b"x"),  # another bucket
        lambda: bucket.list_objects(prefix=""),                        # listing the bucket root
        lambda: bucket.delete_object("user1/photo.jpg"),               # only Put and Get are allowed
    ]
    for attempt in denied:
        with pytest.raises(oss2.exceptions.AccessDenied) as e:
            attempt()
        assert e.value.status == 403 and "session policy" in e.value.message
    assert bucket.get_object("user1/photo.jpg").read() == b"jpeg bytes"  # the refused delete did nothing


def test_listing_inside_the_prefix_when_the_policy_allows_it(sts_silo, buckets, app_server):
    photos, _ = buckets
    key_id, secret, arn = app_server
    policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:ListObjects","Resource":"acs:oss:*:*:%s",' \
             '"Condition":{"StringLike":{"oss:Prefix":"user1/*"}}}]}' % photos
    ak, sk, token, _ = assume_with_core_sdk(sts_silo, key_id, secret, arn, "lister", policy)
    bucket = oss2.Bucket(oss2.StsAuth(ak, sk, token), sts_silo.endpoint, photos, region=REGION)
    bucket.list_objects(prefix="user1/")
    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.list_objects(prefix="")


def test_presigned_urls_carry_the_token(sts_silo, buckets, app_server):
    photos, _ = buckets
    key_id, secret, arn = app_server
    ak, sk, token, _ = assume_with_tea_sdk(sts_silo, key_id, secret, arn, "presign", prefix_policy(photos, "user1/"))
    for version in ["v1", "v4"]:
        bucket = oss2.Bucket(oss2.StsAuth(ak, sk, token, auth_version=version), sts_silo.endpoint, photos, region=REGION)
        bucket.put_object("user1/p.txt", b"presigned")
        assert requests.get(bucket.sign_url("GET", "user1/p.txt", 60)).content == b"presigned"
        assert requests.get(bucket.sign_url("GET", "user2/p.txt", 60)).status_code == 403


def test_expired_tokens_are_refused(sts_silo, buckets, app_server):
    photos, _ = buckets
    key_id, secret, arn = app_server
    ak, sk, token, _ = assume_with_core_sdk(sts_silo, key_id, secret, arn, "short", duration=2)
    bucket = oss2.Bucket(oss2.StsAuth(ak, sk, token), sts_silo.endpoint, photos, region=REGION)
    bucket.put_object("user1/short.txt", b"x")
    time.sleep(3)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("user1/short.txt")
    assert e.value.status == 403 and e.value.code == "SecurityTokenExpired"


def test_the_default_minimum_duration_is_900_seconds():
    with SiloServer() as server:
        key_id, secret, arn = app_server_with_role(server)
        from aliyunsdkcore.acs_exception.exceptions import ServerException
        with pytest.raises(ServerException) as e:
            assume_with_core_sdk(server, key_id, secret, arn, "s1", duration=899)
        assert e.value.get_error_code() == "InvalidParameter.DurationSeconds"
        assume_with_core_sdk(server, key_id, secret, arn, "s1", duration=900)


def test_tampered_swapped_and_borrowed_tokens_are_refused(sts_silo, buckets, app_server):
    photos, _ = buckets
    key_id, secret, arn = app_server
    one = assume_with_core_sdk(sts_silo, key_id, secret, arn, "one")
    two = assume_with_tea_sdk(sts_silo, key_id, secret, arn, "two")

    def attempt(ak, sk, token):
        bucket = oss2.Bucket(oss2.StsAuth(ak, sk, token), sts_silo.endpoint, photos, region=REGION)
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.get_object_meta("user1/photo.jpg")
        return e.value

    token = one[2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index in range(0, len(token), max(1, len(token) // 40)):
        flipped = token[:index] + alphabet[(alphabet.index(token[index]) + 1) % len(alphabet)] + token[index + 1:]
        error = attempt(one[0], one[1], flipped)
        assert error.status == 403 and error.code in ("InvalidSecurityToken", "SignatureDoesNotMatch")
    # Session two's token presented with session one's key, and a token reused with another session's key.
    assert attempt(one[0], one[1], two[2]).code == "AccessKeyIdAndSecurityTokenNotMatch"
    assert attempt(two[0], two[1], one[2]).code == "AccessKeyIdAndSecurityTokenNotMatch"
    assert attempt(one[0], one[1], "").code == "InvalidSecurityToken"


def test_sts_errors_have_the_shape_clients_parse(sts_silo, app_server):
    key_id, secret, arn = app_server
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    for session, code in [("x", "InvalidParameter.RoleSessionName"), ("bad name", "InvalidParameter.RoleSessionName")]:
        with pytest.raises(ServerException) as e:
            assume_with_core_sdk(sts_silo, key_id, secret, arn, session)
        assert e.value.get_error_code() == code
    with pytest.raises(ServerException) as e:
        assume_with_core_sdk(sts_silo, key_id, secret, arn.replace("app-role", "missing-role"), "s1")
    assert e.value.get_error_code() == "EntityNotExist.Role"
    with pytest.raises(ServerException) as e:
        assume_with_core_sdk(sts_silo, key_id, "wrong-secret", arn, "s1")
    # aliyunsdkcore compares the server's string to sign (after the ':' of SignatureDoesNotMatch's message) with its
    # own; when they agree, only the secret can be wrong, and it reports that.
    assert e.value.get_error_code() == "InvalidAccessKeySecret"
    with pytest.raises(ServerException) as e:
        assume_with_core_sdk(sts_silo, key_id, secret, arn, "s1", policy='{"Version":"1","Statement":[{"Effect":"Maybe"}]}')
    assert e.value.get_error_code() == "InvalidParameter.PolicyGrammar"


def test_a_user_without_sts_permission_cannot_assume(sts_silo):
    admin(sts_silo, "user", "create", "nobody")
    key = admin(sts_silo, "key", "create", "nobody")
    arn = admin(sts_silo, "role", "create", "lonely-role")["arn"]
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    with pytest.raises(ServerException) as e:
        assume_with_core_sdk(sts_silo, key["accessKeyId"], key["accessKeySecret"], arn, "s1")
    assert e.value.get_error_code() == "NoPermission"


def test_get_caller_identity_and_xml_format(sts_silo, app_server):
    key_id, secret, arn = app_server
    from alibabacloud_sts20150401.client import Client
    from alibabacloud_tea_openapi import models as openapi
    config = openapi.Config(access_key_id=key_id, access_key_secret=secret, endpoint=sts_silo.sts_endpoint,
                            protocol="http", region_id=REGION)
    identity = Client(config).get_caller_identity().body
    assert identity.identity_type == "RAMUser" and identity.arn.endswith(":user/" + identity.arn.split("/")[-1])
    # A session sees itself as the assumed role.
    ak, sk, token, _ = assume_with_core_sdk(sts_silo, key_id, secret, arn, "whoami")
    session_config = openapi.Config(access_key_id=ak, access_key_secret=sk, security_token=token,
                                    endpoint=sts_silo.sts_endpoint, protocol="http", region_id=REGION)
    session = Client(session_config).get_caller_identity().body
    assert session.identity_type == "AssumedRoleUser" and session.arn.endswith("/whoami")
    # Format=XML (aliyunsdkcore always sends Format=JSON, so sign a raw request).
    import xml.etree.ElementTree as ET
    response = requests.post(rpc_url(sts_silo, key_id, secret, {"Action": "AssumeRole", "RoleArn": arn,
                                                                "RoleSessionName": "xml-session", "Format": "XML"}))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "AssumeRoleResponse"
    assert root.find("Credentials/AccessKeyId").text.startswith("STS.")
    assert root.find("AssumedRoleUser/Arn").text.endswith("/xml-session")
    error = requests.post(rpc_url(sts_silo, key_id, secret, {"Action": "AssumeRole", "RoleArn": "bad",
                                                             "RoleSessionName": "xml-session", "Format": "XML"}))
    assert error.status_code == 400 and ET.fromstring(error.content).find("Code").text == "InvalidParameter.RoleArn"


def rpc_url(server, key_id, secret, extra, timestamp=None):
    """A classic RPC request signed by hand (HMAC-SHA1 over the sorted, encoded parameters)."""
    import hashlib, hmac, base64, urllib.parse, uuid
    params = {"Format": "JSON", "Version": "2015-04-01", "AccessKeyId": key_id, "SignatureMethod": "HMAC-SHA1",
              "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
              "Timestamp": timestamp or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    params.update(extra)
    quote = lambda v: urllib.parse.quote(v, safe="-_.~")
    canonical = "&".join("%s=%s" % (quote(k), quote(params[k])) for k in sorted(params))
    params["Signature"] = base64.b64encode(hmac.new((secret + "&").encode(), ("POST&%2F&" + quote(canonical)).encode(),
                                                    hashlib.sha1).digest()).decode()
    return "http://%s/?%s" % (server.sts_endpoint, urllib.parse.urlencode(params))


def test_signature_nonces_cannot_be_replayed(sts_silo, app_server):
    key_id, secret, _ = app_server
    url = rpc_url(sts_silo, key_id, secret, {"Action": "GetCallerIdentity"})
    first = requests.post(url)
    assert first.status_code == 200 and first.json()["IdentityType"] == "RAMUser"
    replay = requests.post(url)
    assert replay.status_code == 400 and replay.json()["Code"] == "SignatureNonceUsed"
    stale = requests.post(rpc_url(sts_silo, key_id, secret, {"Action": "GetCallerIdentity"}, timestamp="2020-01-01T00:00:00Z"))
    assert stale.status_code == 400 and stale.json()["Code"] == "InvalidTimeStamp.Expired"
