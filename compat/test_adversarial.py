"""Adversarial suite: each test is one attack class, made over loopback the way an attacker would make it, against
a real `silo server` and `silo app-server`. A test passes only when the attack is refused with the protocol's own
error (an OSS XML `Code`, or the app server's JSON `ErrorCode`), the server is still up and answering, and nothing
was stored, recorded or leaked. Attacks 1-11 are regressions for fixed holes: each fails on a server without its
fix. The rest held from the start and stay here so they keep holding."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import zlib

import oss2
import pytest
import requests
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_v1_5

from adversarial_helpers import (RssSampler, Recorder, assert_app_alive, assert_storage_alive, callback_header,
                                 chunked, post_json_from, root_bucket, signed_raw, stream_request, v1_signed, xml_code)
from conftest import random_name
from iam_helpers import admin, app_server_with_role, assume_with_core_sdk, prefix_policy
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from test_app_server import (BUCKET, PASSWORD, Stack, assert_error, b64url, new_user, png_bytes,
                             post_callback, upload_config, uploads, user_bucket)

# ---------------------------------------------------------------------------------------------------------------
# Targets. One default-policy storage server (callbacks to public addresses only) and one app-server stack whose
# storage allows loopback callbacks, so the app server on this machine can receive them.

@pytest.fixture(scope="module")
def storage():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def stack():
    s = Stack(["--callback-policy", "loopback"])
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(stack):
    return stack.start_demo_app()


@pytest.fixture
def private_bucket(storage):
    bucket = root_bucket(storage, random_name("adv"))
    bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)
    return bucket


def role_for_bucket(server, bucket_name):
    """An app server's RAM key and a role whose own policy allows all of OSS on one bucket."""
    return app_server_with_role(server, role="adv-role", role_policy={"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:*",
         "Resource": ["acs:oss:*:*:%s" % bucket_name, "acs:oss:*:*:%s/*" % bucket_name]}]})


def session_bucket(server, bucket_name, credentials, version="v4"):
    ak, sk, token = credentials[:3]
    return oss2.Bucket(oss2.StsAuth(ak, sk, token, auth_version=version), server.endpoint, bucket_name, region=REGION)


def expect_refused(call, status, *codes):
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        call()
    assert refused.value.status == status and refused.value.code in codes, (
        refused.value.status, refused.value.code, refused.value.body)
    return refused.value


def content_md5(body):
    return base64.b64encode(hashlib.md5(body).digest()).decode()


# ---------------------------------------------------------------------------------------------------------------
# 1. Deeply nested XML and entity expansion in every XML body the server parses.

def nested(root, child, depth):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><%s>%s%s</%s>" % (
        root, "<%s>" % child * depth, "</%s>" % child * depth, root)).encode()


def billion_laughs(root, inner):
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">'] + [
        '<!ENTITY lol%d "%s">' % (n, ("&lol%d;" % (n - 1)) * 10) for n in range(1, 10)]
    return ('<?xml version="1.0"?><!DOCTYPE %s [%s]><%s>%s</%s>' % (
        root, "".join(entities), root, inner.replace("BOMB", "&lol9;"), root)).encode()


@pytest.mark.attack
def test_unauthenticated_deeply_nested_delete_is_refused_before_parsing(storage, private_bucket):
    body = nested("Delete", "Object", 50000)
    assert len(body) > 750 * 1024
    private_bucket.put_object("survivor.txt", b"still here")
    head = ("POST /%s/?delete HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/xml\r\n"
            "Content-MD5: %s\r\nContent-Length: %d\r\n\r\n" % (
                private_bucket.bucket_name, storage.port, content_md5(body), len(body))).encode()
    response, _ = stream_request(storage.port, head, chunked(body))
    assert response.status == 403 and response.code == "AccessDenied", response
    assert_storage_alive(storage)
    assert private_bucket.get_object("survivor.txt").read() == b"still here"


@pytest.mark.attack
def test_signed_deep_nesting_and_entity_bombs_are_malformed_xml(storage, private_bucket):
    v4 = root_bucket(storage, private_bucket.bucket_name, v4=True)
    key = "mp/target.bin"
    upload_id = v4.init_multipart_upload(key).upload_id
    part = v4.upload_part(key, upload_id, 1, b"part one")
    private_bucket.put_object("keep.txt", b"keep")

    targets = {
        "delete": dict(method="POST", key="", root="Delete", child="Object",
                       inner="<Object><Key>BOMB</Key></Object>", params={"delete": ""}),
        "cors": dict(method="PUT", key="", root="CORSConfiguration", child="CORSRule",
                     inner="<CORSRule><AllowedOrigin>BOMB</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>",
                     params={"cors": ""}),
        "complete-multipart": dict(method="POST", key=key, root="CompleteMultipartUpload", child="Part",
                                   inner="<Part><PartNumber>1</PartNumber><ETag>BOMB</ETag></Part>",
                                   params={"uploadId": upload_id}),
        "style": dict(method="PUT", key="", root="Style", child="Content", inner="<Content>BOMB</Content>",
                      params={"style": "", "styleName": "x"}),
    }
    for name, target in targets.items():
        for variant, body in [("nested", nested(target["root"], target["child"], 20000)),
                              ("billion-laughs", billion_laughs(target["root"], target["inner"]))]:
            status, code, answer = signed_raw(v4, target["method"], target["key"], data=body, params=target["params"],
                                              headers={"Content-MD5": content_md5(body),
                                                       "Content-Type": "application/xml"})
            assert (status, code) == (400, "MalformedXML"), (name, variant, status, code, answer[:500])
            assert b"lollollol" not in (answer or b""), (name, variant, "the entity was expanded into the answer")
            assert storage.process.poll() is None, (name, variant, storage.read_log())
    # Nothing was deleted, configured, completed or styled.
    assert private_bucket.get_object("keep.txt").read() == b"keep"
    assert not private_bucket.object_exists(key)
    assert [p.etag for p in v4.list_parts(key, upload_id).parts] == [part.etag]
    with pytest.raises(oss2.exceptions.NoSuchCors):
        private_bucket.get_bucket_cors()
    assert_storage_alive(storage)


# ---------------------------------------------------------------------------------------------------------------
# 2. Upload callbacks as a server-side request forgery tool.

SECRET = "AKIA-INTERNAL-" + os.urandom(8).hex()


@pytest.mark.attack
@pytest.mark.parametrize("redirect_status", [301, 302, 303, 307, 308])
def test_callback_redirects_to_an_internal_service_are_not_followed(stack, redirect_status):
    # The loopback policy lets the callback reach the redirector; only refusing redirects keeps it from
    # reaching the internal service behind it.
    internal = Recorder(lambda h: (200, {"Content-Type": "application/json"},
                                   json.dumps({"Status": "OK", "secret": SECRET}).encode()))
    redirector = Recorder(lambda h: (redirect_status, {"Location": internal.url("/latest/meta-data/iam")}, b""))
    try:
        bucket = root_bucket(stack.storage, random_name("ssrf"))
        bucket.create_bucket()
        result = bucket.put_object("probe.txt", b"probe", headers=callback_header(redirector.url("/cb")))
        answer = result.resp.read()
        assert result.status == 203 and xml_code(answer) == "CallbackFailed", (result.status, answer)
        assert SECRET.encode() not in answer
        assert len(redirector.requests) == 1, "the callback itself was made once"
        assert internal.requests == [], "the redirect to the internal service was followed"
    finally:
        internal.close()
        redirector.close()
    assert_storage_alive(stack.storage)


@pytest.mark.attack
def test_callback_urls_disguising_internal_addresses_are_refused_before_storing(storage, private_bucket):
    target = Recorder()
    try:
        urls = ["http://[::127.0.0.1]:%d/" % target.port, "http://[::ffff:127.0.0.1]:%d/" % target.port,
                "http://[64:ff9b::7f00:1]:%d/" % target.port, "http://169.254.169.254/latest/meta-data/",
                "http://localhost:%d/" % target.port]
        for n, url in enumerate(urls):
            key = "callback-%d.txt" % n
            expect_refused(lambda: private_bucket.put_object(key, b"x", headers=callback_header(url)),
                           400, "InvalidArgument")
            assert not private_bucket.object_exists(key), url
        assert target.requests == []
    finally:
        target.close()
    assert_storage_alive(storage)


# ---------------------------------------------------------------------------------------------------------------
# 3. A session policy cannot be escaped through the bucket's own grants.

@pytest.mark.attack
def test_bucket_policy_and_public_acl_do_not_widen_a_scoped_session(storage, private_bucket):
    name = private_bucket.bucket_name
    private_bucket.put_object("users/bob/secret.txt", b"bob's secret")
    private_bucket.put_object("users/alice/x", b"alice's")
    key_id, secret, role_arn = role_for_bucket(storage, name)
    account = role_arn.split(":")[3]
    alice = session_bucket(storage, name, assume_with_core_sdk(
        storage, key_id, secret, role_arn, "alice", prefix_policy(name, "users/alice/")))
    resource = "acs:oss:*:%s:%s/users/*" % (account, name)
    grants = {"account": [account], "role-arn": {"RAM": [role_arn]}, "anyone": "*"}
    for label, principal in grants.items():
        private_bucket.put_bucket_policy(json.dumps({"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": ["oss:GetObject"], "Principal": principal, "Resource": [resource]}]}))
        expect_refused(lambda: alice.get_object("users/bob/secret.txt").read(), 403, "AccessDenied")
        assert alice.get_object("users/alice/x").read() == b"alice's", label
    private_bucket.delete_bucket_policy()
    private_bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    expect_refused(lambda: alice.get_object("users/bob/secret.txt").read(), 403, "AccessDenied")
    # The control: the ACL really is public, to anonymous callers.
    assert requests.get("%s/%s/users/bob/secret.txt" % (storage.endpoint, name), timeout=15).status_code == 200
    assert alice.get_object("users/alice/x").read() == b"alice's"
    assert_storage_alive(storage)


# ---------------------------------------------------------------------------------------------------------------
# 4. A callback template that names someone else's object.

@pytest.mark.attack
def test_callback_template_naming_another_users_key_leaks_and_plants_nothing(app, stack):
    alice, alice_token = new_user(app, "alice")
    bob, bob_token = new_user(app, "bob")
    bob_key = "users/%s/private-photo.png" % bob
    picture = png_bytes(23, 17)
    bob_put = user_bucket(app, bob_token).put_object(bob_key, picture, headers={
        "x-oss-callback": upload_config(app, bob_token)["callback"], "Content-Type": "image/png"})
    assert bob_put.status == 200
    bob_before = uploads(app, bob_token)
    assert set(bob_before) == {bob_key}

    alice_bucket = user_bucket(app, alice_token)
    vended = json.loads(base64.b64decode(upload_config(app, alice_token)["callback"]))
    assert "${object}" in vended["callbackBody"]

    def upload_naming(decoy, named):
        forged = dict(vended, callbackBody=vended["callbackBody"].replace("${object}", json.dumps(named)))
        result = alice_bucket.put_object(decoy, b"decoy bytes", headers={
            "x-oss-callback": base64.b64encode(json.dumps(forged).encode()).decode(), "Content-Type": "text/plain"})
        return result.status, result.resp.read()

    decoy = "users/%s/decoy.txt" % alice
    status, answer = upload_naming(decoy, bob_key)
    assert bob_put.etag.encode() not in answer.upper() and bob_put.etag.lower().encode() not in answer
    assert b"private-photo" not in answer
    if status == 200:
        upload = json.loads(answer)["upload"]
        assert upload["key"] == decoy and upload["uid"] == alice and upload["size"] == len(b"decoy bytes")
    assert uploads(app, bob_token) == bob_before
    alice_catalog = uploads(app, alice_token)
    assert set(alice_catalog) <= {decoy} and (status != 200 or set(alice_catalog) == {decoy}), alice_catalog
    assert all(entry["etag"] != bob_put.etag for entry in alice_catalog.values())

    # No existence oracle: an existing and a missing key of bob's give alice the same answer.
    existing = upload_naming("users/%s/decoy-2.txt" % alice, bob_key)
    missing = upload_naming("users/%s/decoy-3.txt" % alice, "users/%s/no-such-photo.png" % bob)
    assert existing[0] == missing[0], (existing, missing)
    assert xml_code(existing[1]) == xml_code(missing[1]), (existing, missing)
    assert uploads(app, bob_token) == bob_before
    assert_app_alive(app)


# ---------------------------------------------------------------------------------------------------------------
# 5. PostObject form floods without credentials.

@pytest.mark.attack
def test_post_object_part_flood_is_cut_off_early_in_bounded_memory(storage, private_bucket):
    boundary = "adv" + os.urandom(8).hex()
    empty_part = ('--%s\r\nContent-Disposition: form-data; name=""\r\n\r\n\r\n' % boundary).encode()
    parts = 200000
    tail = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nx\r\n--%s--\r\n'
            % (boundary, boundary)).encode()
    total = len(empty_part) * parts + len(tail)
    head = ("POST /%s/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: multipart/form-data; boundary=%s\r\n"
            "Content-Length: %d\r\n\r\n" % (private_bucket.bucket_name, storage.port, boundary, total)).encode()

    def body():
        batch = empty_part * 1000
        for _ in range(parts // 1000):
            yield batch
        yield tail

    with RssSampler(storage.pid) as rss:
        response, sent = stream_request(storage.port, head, body())
    assert response.status == 400 and response.code in ("MalformedPOSTRequest", "InvalidArgument"), response
    assert sent < total // 2, "the server read %d of %d bytes before refusing" % (sent, total)
    assert (rss.peak - rss.before) <= 32 * 1024, "RSS grew by %d KiB" % (rss.peak - rss.before)
    assert_storage_alive(storage)

    fields = {"field-%03d" % n: "v" for n in range(200)}
    fields["key"] = "flood.txt"
    many = requests.post("%s/%s/" % (storage.endpoint, private_bucket.bucket_name), data=fields,
                         files={"file": ("f", b"x")}, timeout=30)
    assert many.status_code == 400 and xml_code(many.content) == "InvalidArgument", many.content
    assert not private_bucket.object_exists("flood.txt")
    assert_storage_alive(storage)


# ---------------------------------------------------------------------------------------------------------------
# 6. A put-only session cannot grant the world access to what it writes.

def session_form(bucket_name, credentials, key, extra=None):
    ak, sk, token = credentials[:3]
    expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10))
    policy = base64.b64encode(json.dumps({"expiration": expiration.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                          "conditions": [{"bucket": bucket_name}]}).encode()).decode()
    signature = base64.b64encode(hmac.new(sk.encode(), policy.encode(), hashlib.sha1).digest()).decode()
    return dict({"OSSAccessKeyId": ak, "policy": policy, "Signature": signature, "x-oss-security-token": token,
                 "key": key}, **(extra or {}))


@pytest.mark.attack
def test_a_put_only_session_cannot_set_a_public_object_acl(storage, private_bucket):
    name = private_bucket.bucket_name
    key_id, secret, role_arn = role_for_bucket(storage, name)
    put_only = assume_with_core_sdk(storage, key_id, secret, role_arn, "putter",
                                    prefix_policy(name, "users/alice/", actions=("oss:PutObject",)))
    # Copy needs GetObject on its source: a session that has it shows the refusal is about the ACL.
    put_get = assume_with_core_sdk(storage, key_id, secret, role_arn, "copier", prefix_policy(name, "users/alice/"))
    alice = session_bucket(storage, name, put_only)
    copier = session_bucket(storage, name, put_get)
    acl = {"x-oss-object-acl": "public-read-write"}
    private_bucket.put_object("users/alice/source", b"source")

    attempts = {
        "users/alice/a": lambda key: alice.put_object(key, b"a", headers=acl),
        "users/alice/copied": lambda key: copier.copy_object(name, "users/alice/source", key, headers=acl),
        "users/alice/copied-put-only": lambda key: alice.copy_object(name, "users/alice/source", key, headers=acl),
        "users/alice/appended": lambda key: alice.append_object(key, 0, b"a", headers=acl),
        "users/alice/multipart": lambda key: alice.init_multipart_upload(key, headers=acl),
    }
    for key, attempt in attempts.items():
        expect_refused(lambda: attempt(key), 403, "AccessDenied")
        assert not private_bucket.object_exists(key), key
    assert [u.key for u in oss2.MultipartUploadIterator(private_bucket)] == []

    form_url = "%s/%s/" % (storage.endpoint, name)
    form = requests.post(form_url, data=session_form(name, put_only, "users/alice/form", acl),
                         files={"file": ("f", b"form")}, timeout=30)
    assert form.status_code == 403 and xml_code(form.content) == "AccessDenied", form.content
    assert not private_bucket.object_exists("users/alice/form")
    assert requests.get(form_url + "users/alice/form", timeout=15).status_code == 403

    # The controls: without the header the same session's PUT and form upload succeed, and stay private.
    alice.put_object("users/alice/a", b"a")
    assert private_bucket.get_object("users/alice/a").read() == b"a"
    assert private_bucket.get_object_acl("users/alice/a").acl == oss2.OBJECT_ACL_DEFAULT
    plain = requests.post(form_url, data=session_form(name, put_only, "users/alice/form"),
                          files={"file": ("f", b"form")}, timeout=30)
    assert plain.status_code == 204, plain.content
    assert requests.get(form_url + "users/alice/form", timeout=15).status_code == 403
    assert_storage_alive(storage)


# ---------------------------------------------------------------------------------------------------------------
# 7. A role deleted and re-created under the same name does not revive the old role's sessions.

@pytest.mark.attack
def test_tokens_of_a_deleted_role_die_with_it(storage, private_bucket):
    name = private_bucket.bucket_name
    suffix = os.urandom(3).hex()
    user, assume, perm, role = "rr-" + suffix, "rr-assume-" + suffix, "rr-perm-" + suffix, "temp-role-" + suffix
    admin(storage, "user", "create", user)
    key = admin(storage, "key", "create", user)
    admin(storage, "policy", "create", assume, "--document", json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    admin(storage, "policy", "attach", assume, "--user", user)
    admin(storage, "policy", "create", perm, "--document", json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:*", "Resource": ["acs:oss:*:*:%s" % name, "acs:oss:*:*:%s/*" % name]}]}))
    arn = admin(storage, "role", "create", role)["arn"]
    admin(storage, "policy", "attach", perm, "--role", role)
    private_bucket.put_object("doc.txt", b"doc")

    old = session_bucket(storage, name, assume_with_core_sdk(storage, key["accessKeyId"], key["accessKeySecret"],
                                                             arn, "before"))
    assert old.get_object("doc.txt").read() == b"doc"
    admin(storage, "policy", "detach", perm, "--role", role)
    admin(storage, "role", "delete", role)
    dead = ("InvalidSecurityToken", "SecurityTokenExpired", "AccessDenied")
    expect_refused(lambda: old.get_object("doc.txt"), 403, *dead)
    # The same name and the same policies again: the ARN a token names is no proof it is the same role.
    new_arn = admin(storage, "role", "create", role)["arn"]
    admin(storage, "policy", "attach", perm, "--role", role)
    expect_refused(lambda: old.get_object("doc.txt"), 403, *dead)
    expect_refused(lambda: old.put_object("planted.txt", b"x"), 403, *dead)
    assert not private_bucket.object_exists("planted.txt")
    fresh = session_bucket(storage, name, assume_with_core_sdk(storage, key["accessKeyId"], key["accessKeySecret"],
                                                               new_arn, "after"))
    assert fresh.get_object("doc.txt").read() == b"doc"
    assert_storage_alive(storage)


# ---------------------------------------------------------------------------------------------------------------
# 8. Password guessing from many addresses.

@pytest.mark.attack
def test_sign_in_brute_force_from_many_addresses_is_throttled_per_account(app):
    uid, _ = new_user(app, "victim")
    sources = iter("127.0.0.%d" % n for n in range(2, 60))

    def attempt(password):
        status, headers, body = post_json_from(next(sources), app.url, "/v1/sessions",
                                               {"username": uid, "password": password})
        return status, headers, json.loads(body)

    for n in range(5):
        status, _, body = attempt("wrong guess %d" % n)
        assert (status, body["ErrorCode"]) == (401, "Unauthorized"), (n, status, body)
    # A password check may take seconds (scrypt), so the failure message carries the whole timeline.
    timeline = []
    for n in range(3):
        started = time.time()
        status, headers, body = attempt("wrong guess %d" % (n + 5))
        timeline.append(("wrong #%d" % (n + 6), status, body["ErrorCode"], headers.get("retry-after"),
                         "%.1fs" % (time.time() - started)))
    status, headers, body = attempt(PASSWORD)
    timeline.append(("right password", status, body.get("ErrorCode"), headers.get("retry-after"), None))
    assert [(t[1], t[2]) for t in timeline] == [(429, "Throttling")] * 4, timeline
    waits = [int(t[3]) for t in timeline]
    assert all(1 <= w <= 30 for w in waits), timeline
    time.sleep(waits[-1] + 0.2)
    status, _, body = attempt(PASSWORD)
    assert status == 200 and body["uid"] == uid, (status, body)
    assert_app_alive(app)


# ---------------------------------------------------------------------------------------------------------------
# 9. Forged callbacks choosing where the receiver fetches its verification key.

@pytest.mark.attack
def test_forged_callbacks_cannot_steer_public_key_fetches(app, stack):
    uid, token = new_user(app, "keyurl")
    body = json.dumps({"bucket": BUCKET, "object": "users/%s/forged.jpg" % uid, "size": 1}).encode()
    signature = base64.b64encode(os.urandom(256)).decode()
    allowed = stack.storage.endpoint + "/-/callback/public-key.pem"
    attacker = Recorder(lambda h: (200, {"Content-Type": "application/x-pem-file"},
                                   RSA.generate(1024).publickey().export_key()))
    try:
        for n in range(1, 101):
            assert_error(post_callback(app, body, signature, "%s?n=%d" % (allowed, n)), 403, "PublicKeyURLNotAllowed")
        outside = [attacker.url("/-/callback/public-key.pem"), stack.storage.endpoint + "/demo/users/x/key.pem",
                   stack.storage.endpoint + "/-/callback/x/../public-key.pem", allowed + "#fragment",
                   allowed.replace("127.0.0.1", "127.0.0.1.nip.io"), allowed + ".evil", allowed + "/x.pem"]
        answers = {url: post_callback(app, body, signature, url) for url in outside}
        not_refused = {url: (r.status_code, r.text) for url, r in answers.items()
                       if (r.status_code, r.json().get("ErrorCode")) != (403, "PublicKeyURLNotAllowed")}
        assert not_refused == {}, not_refused
        assert attacker.requests == []
    finally:
        attacker.close()
    assert uploads(app, token) == {}
    assert_app_alive(app)


# ---------------------------------------------------------------------------------------------------------------
# 10. Secrets at rest are readable by the server's user only.

@pytest.mark.attack
def test_data_folder_and_app_database_are_private(stack, app):
    # A data folder made world-readable by an older version or a careless operator is tightened at start.
    parent = tempfile.mkdtemp(prefix="silo-adv-modes-")
    data_dir = os.path.join(parent, "data")
    os.makedirs(data_dir)
    os.chmod(data_dir, 0o755)
    with open(os.path.join(data_dir, "left-over.txt"), "w") as f:
        f.write("from an older version")
    os.chmod(os.path.join(data_dir, "left-over.txt"), 0o644)
    server = SiloServer(data_dir=data_dir)
    try:
        server.start()
        root_bucket(server, random_name("modes")).create_bucket()
        for folder in [data_dir, stack.storage.data_dir]:
            assert oct(os.stat(folder).st_mode & 0o777) == "0o700", folder
            names = os.listdir(folder)
            assert any(n.startswith("metadata.sqlite") for n in names), names
            for name in names:
                path = os.path.join(folder, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    assert oct(os.stat(path).st_mode & 0o777) == "0o600", path
                elif os.path.isdir(path):
                    assert os.stat(path).st_mode & 0o077 == 0, path
    finally:
        server.stop()
        shutil.rmtree(parent, ignore_errors=True)
    databases = [n for n in os.listdir(stack.folder) if ".sqlite" in n]
    assert any(n == "app-server.sqlite" for n in databases), databases
    for name in databases:
        assert oct(os.stat(os.path.join(stack.folder, name)).st_mode & 0o777) == "0o600", name
    assert_storage_alive(stack.storage)
    assert_app_alive(app)


# ---------------------------------------------------------------------------------------------------------------
# 11. `silo cp -r` downloading keys that climb out of the destination.

@pytest.mark.attack
def test_recursive_download_does_not_write_outside_the_destination(storage, private_bucket):
    name = private_bucket.bucket_name
    tag = os.urandom(6).hex()
    escaped_name = "escaped-%s.txt" % tag
    escape_keys = ["dl/../../" + escaped_name, "dl/../../../../tmp/silo-adv-escape-" + tag,
                   "dl/sub/../../../" + escaped_name]
    for key in escape_keys + ["dl/ok.txt"]:
        stored = v1_signed(storage, "PUT", name, key, body=b"payload " + key.encode())
        assert stored.status == 200, (key, stored)
    listed = {o.key for o in oss2.ObjectIterator(private_bucket, prefix="dl/")}
    assert listed == set(escape_keys) | {"dl/ok.txt"}, listed

    tmpdir = tempfile.mkdtemp(prefix="silo-adv-cp-")
    backup = os.path.join(tmpdir, "backup")
    # Where each escape would land if followed.
    landing = [os.path.normpath(os.path.join(backup, key[len("dl/"):])) for key in escape_keys]
    try:
        env = dict(os.environ, SILO_ENDPOINT=storage.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
                   SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET, SILO_REGION=REGION)
        result = subprocess.run([storage.binary, "cp", "-r", "oss://%s/dl/" % name, backup + "/"],
                                capture_output=True, text=True, env=env, timeout=120, cwd=tmpdir)
        escaped = [path for path in landing if os.path.lexists(path)]
        assert escaped == [], "written outside the destination: %s" % escaped
        outside = []
        for folder, _, files in os.walk(tmpdir):
            outside += [os.path.join(folder, f) for f in files
                        if not os.path.join(folder, f).startswith(backup + os.sep)]
        assert outside == [], outside
        with open(os.path.join(backup, "ok.txt"), "rb") as f:
            assert f.read() == b"payload dl/ok.txt"
        assert result.returncode != 0, (result.returncode, result.stdout, result.stderr)
        for key in escape_keys:
            assert key in result.stderr, (key, result.stderr)
        assert_storage_alive(storage)
    finally:
        for path in landing:
            if os.path.lexists(path) and not path.startswith(tmpdir):
                os.remove(path)
        shutil.rmtree(tmpdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------
# 12-21: attacks that held from the start.

@pytest.fixture(scope="module")
def sessions(storage):
    bucket = root_bucket(storage, random_name("sess"))
    bucket.create_bucket()
    bucket.put_object("users/alice/a.txt", b"alice")
    key_id, secret, role_arn = role_for_bucket(storage, bucket.bucket_name)
    alice = assume_with_core_sdk(storage, key_id, secret, role_arn, "alice",
                                 prefix_policy(bucket.bucket_name, "users/alice/"))
    bob = assume_with_core_sdk(storage, key_id, secret, role_arn, "bob", prefix_policy(bucket.bucket_name, "users/bob/"))
    return bucket, alice, bob


@pytest.mark.attack
def test_tampered_and_swapped_sts_tokens_are_refused(storage, sessions):
    bucket, alice, bob = sessions
    name = bucket.bucket_name
    assert session_bucket(storage, name, alice).get_object("users/alice/a.txt").read() == b"alice"
    token = alice[2]
    for index in [0, len(token) // 3, len(token) // 2, len(token) - 2]:
        flipped = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
        forged = session_bucket(storage, name, (alice[0], alice[1], flipped))
        expect_refused(lambda: forged.get_object("users/alice/a.txt"), 403,
                       "InvalidSecurityToken", "SignatureDoesNotMatch")
    for credentials in [(bob[0], bob[1], alice[2]), (alice[0], alice[1], bob[2]), (bob[0], alice[1], alice[2])]:
        swapped = session_bucket(storage, name, credentials)
        expect_refused(lambda: swapped.get_object("users/alice/a.txt"), 403, "AccessKeyIdAndSecurityTokenNotMatch",
                       "InvalidSecurityToken", "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied")
        expect_refused(lambda: swapped.put_object("users/alice/planted.txt", b"x"), 403,
                       "AccessKeyIdAndSecurityTokenNotMatch", "InvalidSecurityToken", "SignatureDoesNotMatch",
                       "InvalidAccessKeyId", "AccessDenied")
    assert not bucket.object_exists("users/alice/planted.txt")
    assert_storage_alive(storage)


@pytest.mark.attack
def test_expired_and_tampered_presigned_urls_are_refused(storage, private_bucket):
    private_bucket.put_object("a.txt", b"A")
    private_bucket.put_object("b.txt", b"B")
    urls = {}
    for version in ["v1", "v4"]:
        signer = oss2.Bucket(oss2.make_auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, version), storage.endpoint,
                             private_bucket.bucket_name, region=REGION)
        good = signer.sign_url("GET", "a.txt", 600)
        assert requests.get(good, timeout=15).content == b"A"
        urls[version] = (good, signer.sign_url("GET", "a.txt", 1), signer.sign_url("PUT", "a.txt", 600))
    time.sleep(2.5)
    for version, (good, short, put) in urls.items():
        forged = [short, good.replace("a.txt", "b.txt"), good.replace("Expires=", "Expires=9"),
                  good.replace("x-oss-expires=600", "x-oss-expires=6000"), good[:-3] + ("AAA" if good[-3:] != "AAA" else "BBB")]
        for url in forged:
            if url == good:
                continue
            response = requests.get(url, timeout=15)
            assert response.status_code == 403 and xml_code(response.content) in (
                "AccessDenied", "SignatureDoesNotMatch"), (version, url, response.content)
            assert b"B" != response.content
        # A GET URL used to write.
        response = requests.put(good, data=b"overwritten", timeout=15)
        assert response.status_code == 403, (version, response.content)
    assert private_bucket.get_object("a.txt").read() == b"A"
    assert_storage_alive(storage)


@pytest.mark.attack
def test_anonymous_access_to_a_private_bucket_is_refused(storage, private_bucket):
    base = "%s/%s" % (storage.endpoint, private_bucket.bucket_name)
    private_bucket.put_object("secret.txt", b"secret")
    for method, url, data in [("PUT", base + "/anon.txt", b"x"), ("GET", base + "/secret.txt", None),
                              ("HEAD", base + "/secret.txt", None), ("DELETE", base + "/secret.txt", None),
                              ("GET", base + "/", None), ("GET", base + "/?acl", None), ("PUT", base + "/?acl", b""),
                              ("POST", base + "/anon-append?append&position=0", b"x")]:
        response = requests.request(method, url, data=data, timeout=15)
        assert response.status_code == 403, (method, url, response.status_code)
        if method != "HEAD":
            assert xml_code(response.content) == "AccessDenied", (method, url, response.content)
    assert not private_bucket.object_exists("anon.txt") and not private_bucket.object_exists("anon-append")
    assert private_bucket.get_object("secret.txt").read() == b"secret"
    assert private_bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PRIVATE
    assert_storage_alive(storage)


@pytest.mark.attack
def test_path_trick_keys_are_opaque_and_stay_in_the_blob_store(storage, private_bucket):
    keys = ["../x-%s" % os.urandom(3).hex(), "a/../../b-%s" % os.urandom(3).hex(), "%2e%2e/", "./.././c"]
    for key in keys:
        stored = v1_signed(storage, "PUT", private_bucket.bucket_name, key, body=key.encode())
        assert stored.status == 200, (key, stored)
    for key in keys:
        read = v1_signed(storage, "GET", private_bucket.bucket_name, key)
        assert (read.status, read.body) == (200, key.encode()), (key, read)
        assert private_bucket.get_object(key).read() == key.encode()
    assert {o.key for o in oss2.ObjectIterator(private_bucket)} >= set(keys)
    # Neither in the data folder nor next to it is there a file named after a key's last segment.
    names = {os.path.basename(k.rstrip("/")) for k in keys} - {"", ".", ".."}
    parent = os.path.dirname(storage.data_dir)
    for folder, _, files in os.walk(storage.data_dir):
        assert not names & set(files), (folder, names & set(files))
    assert not names & set(os.listdir(parent))
    assert_storage_alive(storage)


@pytest.mark.attack
def test_huge_header_and_url_are_refused(storage, private_bucket):
    private_bucket.put_object("k", b"v")
    big_header = ("GET /%s/k HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: %s\r\nConnection: close\r\n\r\n" % (
        private_bucket.bucket_name, "a" * (1 << 20))).encode()
    big_url = ("GET /%s/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % (
        private_bucket.bucket_name, "a" * (100 << 10))).encode()
    for label, request in [("1 MiB header", big_header), ("100 KiB URL", big_url)]:
        response, _ = stream_request(storage.port, b"", chunked(request))
        assert response.status is None or 400 <= response.status < 500, (label, response)
        assert_storage_alive(storage)


@pytest.mark.attack
def test_oversized_image_process_strings_are_refused(storage, private_bucket):
    private_bucket.put_object("p.png", png_bytes(40, 30))
    long_text = "image/resize,w_100,h_100,m_lfit" + ",x_" + "1" * 9980
    many = "image/" + "/".join(["resize,w_%d" % (100 + n) for n in range(100)])
    assert len(long_text) > 10000 and many.count("resize") == 100
    for process in [long_text, many]:
        expect_refused(lambda: private_bucket.get_object("p.png", process=process).read(), 400, "InvalidArgument")
    assert private_bucket.get_object("p.png", process="image/resize,w_20").read()[:4] == b"\x89PNG"
    assert_storage_alive(storage)


def png_bomb(width=30000, height=30000):
    """A valid 1-bit PNG declaring 900 million pixels in about a hundred KiB."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)) +
            chunk(b"IDAT", data) + chunk(b"IEND", b""))


@pytest.mark.attack
def test_png_decompression_bomb_is_refused(storage, private_bucket):
    bomb = png_bomb()
    assert len(bomb) < 512 * 1024
    private_bucket.put_object("bomb.png", bomb)
    started = time.time()
    with RssSampler(storage.pid) as rss:
        response = requests.get(private_bucket.sign_url("GET", "bomb.png", 600,
                                                        params={"x-oss-process": "image/resize,w_100"}), timeout=120)
    assert 400 <= response.status_code < 500 and xml_code(response.content), (response.status_code, response.content)
    assert time.time() - started < 60
    assert rss.peak - rss.before < 256 * 1024, "RSS grew by %d KiB" % (rss.peak - rss.before)
    assert_storage_alive(storage)


@pytest.mark.attack
def test_deeply_nested_bucket_policy_is_refused(storage, private_bucket):
    # 10,000 deep, and deep but under the 16 KB size limit, so the JSON parser itself meets the nesting.
    for depth, opener, closer in [(10000, "[", "]"), (7000, "[", "]"), (2500, '{"a":', "}")]:
        document = ('{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],'
                    '"Resource":["acs:oss:*:*:%s/*"],"Condition":%s1%s}]}' % (
                        private_bucket.bucket_name, opener * depth, closer * depth))
        expect_refused(lambda: private_bucket.put_bucket_policy(document), 400,
                       "MalformedPolicy", "InvalidPolicyDocument", "InvalidArgument", "MalformedJSON", "InvalidPolicy")
        assert storage.process.poll() is None, (depth, storage.read_log())
    with pytest.raises(oss2.exceptions.ServerError) as missing:
        private_bucket.get_bucket_policy()
    assert missing.value.status == 404
    assert_storage_alive(storage)


@pytest.fixture(scope="module")
def rs256_app(stack):
    key = RSA.generate(2048)
    with open(os.path.join(stack.folder, "idp-public.pem"), "wb") as f:
        f.write(key.publickey().export_key())

    def change(config):
        config["auth"] = {"jwt": {"algorithm": "RS256", "key_file": "idp-public.pem", "uid_claim": "sub"}}
    app = stack.start_app("jwt-rs256", change)
    app.key = key
    return app


@pytest.mark.attack
def test_jwt_algorithm_confusion_is_refused(rs256_app):
    now = int(time.time())
    claims = {"sub": random_name("jwt"), "exp": now + 600, "iat": now}
    public_pem = rs256_app.key.publickey().export_key()

    def token(header, sign):
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        return signing_input + "." + b64url(sign(signing_input.encode()))

    rs256 = token({"alg": "RS256", "typ": "JWT"}, lambda m: PKCS1_v1_5.new(rs256_app.key).sign(SHA256.new(m)))
    forged = {
        "HS256 keyed with the public PEM": token(
            {"alg": "HS256", "typ": "JWT"}, lambda m: hmac.new(public_pem, m, hashlib.sha256).digest()),
        "HS256 keyed with the PEM and a newline": token(
            {"alg": "HS256", "typ": "JWT"}, lambda m: hmac.new(public_pem + b"\n", m, hashlib.sha256).digest()),
        "alg none": token({"alg": "none", "typ": "JWT"}, lambda m: b""),
        "alg NONE": token({"alg": "NONE"}, lambda m: b""),
        "alg none, no signature segment": token({"alg": "none"}, lambda m: b"")[:-1],
        "HS256 keyed with the public key's DER": token(
            {"alg": "HS256"}, lambda m: hmac.new(rs256_app.key.publickey().export_key("DER"), m, hashlib.sha256).digest()),
    }
    for label, jwt in forged.items():
        for path in ["/v1/token", "/v1/uploads"]:
            response = requests.get(rs256_app.url + path, headers={"Authorization": "Bearer " + jwt}, timeout=30)
            assert response.status_code == 401, (label, path, response.status_code, response.text)
            assert_error(response, 401, "Unauthorized")
    # The control: the genuine RS256 token of the same claims is accepted.
    assert requests.get(rs256_app.url + "/v1/uploads", headers={"Authorization": "Bearer " + rs256},
                        timeout=30).status_code == 200
    assert_app_alive(rs256_app)


@pytest.mark.attack
def test_slowloris_connections_do_not_starve_real_clients(storage, private_bucket):
    private_bucket.put_object("k", b"served")
    request = ("GET /%s/k HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: slow\r\nX-Padding: %s\r\n" % (
        private_bucket.bucket_name, storage.port, "p" * 64)).encode()
    sockets = []
    try:
        for _ in range(50):
            sockets.append(socket.create_connection(("127.0.0.1", storage.port), timeout=5))
        for second in range(5):
            for sock in list(sockets):
                try:
                    sock.send(request[second:second + 1])
                except OSError:
                    sockets.remove(sock)  # the server hanging up on a slow client is fine
            time.sleep(1)
        # With the slow connections still open, a real client is served promptly.
        started = time.time()
        assert private_bucket.get_object("k").read() == b"served"
        assert requests.get(storage.endpoint + "/", timeout=10).status_code == 403
        assert time.time() - started < 5
    finally:
        for sock in sockets:
            sock.close()
    assert_storage_alive(storage)
