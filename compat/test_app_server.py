"""The application server end to end, driven as a mobile app would drive it: `silo demo setup` provisions a RAM
user and role on a spawned `silo server` and writes the app server's configuration; `silo app-server` runs on it;
app users register and sign in with `requests`, fetch the §17 STS token document and upload with oss2 (StsAuth),
the storage service posts the signed upload callback to the app server, and the catalog lists each user's uploads.
Forged callbacks, foreign prefixes, expired credentials, PostObject policy violations, rate limits, JWT sign-in and
bad configurations are all refused as the spec says."""

import base64
import datetime
import hashlib
import hmac
import io
import json
import urllib.parse
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import oss2
import pytest
import requests
from Crypto.Hash import MD5
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_v1_5

from conftest import random_name
from iam_helpers import assume_with_core_sdk, prefix_policy
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

BUCKET = "demo"
PASSWORD = "correct horse battery"
EXPIRATION_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# ---------------------------------------------------------------------------------------------------------------
# Processes: the storage server (SiloServer), `silo demo setup`, and `silo app-server`.

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_setup(storage, folder, app_port):
    """`silo demo setup` signed as root (the harness's env); returns the written YAML's path and its settings."""
    output = os.path.join(folder, "app-server.yaml")
    result = subprocess.run(
        [storage.binary, "demo", "setup", "--endpoint", storage.endpoint, "--data-dir", storage.data_dir,
         "--sts-endpoint", "http://" + storage.sts_endpoint, "--bucket", BUCKET,
         "--app-server-address", "127.0.0.1:%d" % app_port, "--output", output],
        capture_output=True, text=True, env=storage.env, timeout=60)
    assert result.returncode == 0, "demo setup failed: %s %s" % (result.stdout, result.stderr)
    with open(output) as f:
        text = f.read()

    def setting(name):
        match = re.search(r"^\s*%s:\s*(\S+)\s*$" % name, text, re.MULTILINE)
        assert match, "%s missing from the generated configuration:\n%s" % (name, text)
        return match.group(1)

    settings = {"access_key_id": setting("access_key_id"), "access_key_secret": setting("access_key_secret"),
                "role_arn": setting("role_arn")}
    return output, text, settings


def base_config(storage, settings, app_port, database):
    """The same configuration `silo demo setup` writes, as a dict (JSON is YAML too) to vary per test."""
    return {
        "sts": {"endpoint": "http://" + storage.sts_endpoint, "access_key_id": settings["access_key_id"],
                "access_key_secret": settings["access_key_secret"], "role_arn": settings["role_arn"],
                "duration_seconds": 1800},
        "storage": {"endpoint": storage.endpoint, "bucket": BUCKET, "region": REGION},
        "policy_templates": [{"name": "own-files",
                              "actions": ["oss:PutObject", "oss:GetObject", "oss:ListParts", "oss:AbortMultipartUpload"],
                              "resources": ["users/${uid}/*"]}],
        "auth": {"accounts": {"enabled": True, "registration": True}},
        # Every user these suites make signs up and in from 127.0.0.1; the limits have tests of their own.
        "rate_limits": {"sign_in_per_ip": {"requests": 100000, "window_seconds": 60},
                        "per_ip": {"requests": 100000, "window_seconds": 60}},
        "callback": {"url": "http://127.0.0.1:%d/v1/callback" % app_port,
                     "public_key_urls": [storage.endpoint + "/-/callback/public-key.pem"]},
        "database": database,
    }


class AppServerProcess:
    """`silo app-server --config FILE --address 127.0.0.1:PORT`, stdout and stderr to files in the config's folder."""

    def __init__(self, binary, config_path, port):
        self.binary = binary
        self.config_path = config_path
        self.port = port
        folder = os.path.dirname(config_path)
        name = os.path.splitext(os.path.basename(config_path))[0]
        self.stdout_path = os.path.join(folder, name + ".stdout")
        self.stderr_path = os.path.join(folder, name + ".stderr")
        self.process = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=30):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [self.binary, "app-server", "--config", self.config_path, "--address", "127.0.0.1:%d" % self.port],
                stdout=out, stderr=err)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("silo app-server exited with %s: %s" % (self.process.returncode, self.stderr()))
            banner = self.stdout()
            if "Silo app server is running." in banner and ("  App server   : %s" % self.url) in banner:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return self
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("silo app-server did not come up: %s %s" % (self.stdout(), self.stderr()))

    def stdout(self):
        with open(self.stdout_path, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Stack:
    """One storage server, its demo provisioning, and app servers started on variants of the configuration."""

    def __init__(self, storage_args):
        self.folder = tempfile.mkdtemp(prefix="silo-app-")
        # "{folder}" in an argument names this stack's folder (where the demo app server keeps its database).
        self.storage = SiloServer(extra_args=["--bucket", BUCKET] + [a.replace("{folder}", self.folder) for a in storage_args])
        self.app_servers = []
        try:
            self.storage.start()
            self.app_port = free_port()
            self.yaml_path, self.yaml_text, self.settings = demo_setup(self.storage, self.folder, self.app_port)
        except BaseException:
            self.close()
            raise
        self.root_bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), self.storage.endpoint, BUCKET,
                                       region=REGION)

    def start_demo_app(self):
        """The app server on the configuration `silo demo setup` wrote, unchanged."""
        app = AppServerProcess(self.storage.binary, self.yaml_path, self.app_port)
        self.app_servers.append(app)
        return app.start()

    def config(self, name, port=None):
        port = port or free_port()
        return port, base_config(self.storage, self.settings, port, name + ".sqlite")

    def write_config(self, name, config):
        path = os.path.join(self.folder, name + ".json")
        with open(path, "w") as f:
            json.dump(config, f)
        return path

    def start_app(self, name, change):
        """An app server on the demo configuration with `change(config)` applied."""
        port, config = self.config(name)
        change(config)
        app = AppServerProcess(self.storage.binary, self.write_config(name, config), port)
        self.app_servers.append(app)
        return app.start()

    def close(self):
        for app in self.app_servers:
            app.stop()
        self.storage.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def stack():
    # A 1 s STS minimum only so the expiry test can get a short-lived token; the app server asks for 1800 s.
    s = Stack(["--callback-policy", "loopback", "--sts-minimum-duration-seconds", "1"])
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(stack):
    # The demo configuration with the sign-in and per-IP limits lifted: this module's tests sign up dozens of users
    # from 127.0.0.1 within a minute, which the demo's limits rightly refuse. The demo file itself is checked below
    # and served unchanged in section 11; the limits have tests of their own.
    return stack.start_app("app", lambda config: None)


@pytest.fixture(scope="module")
def limited_app(stack):
    def change(config):
        config["rate_limits"].update({"per_user": {"requests": 3, "window_seconds": 60},
                                      "per_ip": {"requests": 1000, "window_seconds": 60}})
    return stack.start_app("limited", change)


@pytest.fixture(scope="module")
def small_post_app(stack):
    def change(config):
        config["post_policy"] = {"max_bytes": 1000, "expires_seconds": 600}
    return stack.start_app("small-post", change)


JWT_SECRET = "jwt-shared-secret-for-the-compat-suite-0123456789"


@pytest.fixture(scope="module")
def jwt_app(stack):
    with open(os.path.join(stack.folder, "jwt-secret.txt"), "w") as f:
        f.write(JWT_SECRET + "\n")

    def change(config):
        # JWT only: no built-in accounts.
        config["auth"] = {"jwt": {"algorithm": "HS256", "key_file": "jwt-secret.txt", "uid_claim": "sub"}}
    return stack.start_app("jwt", change)


# ---------------------------------------------------------------------------------------------------------------
# The app's side: accounts, tokens, uploads.

def register(app, username, password=PASSWORD):
    return requests.post(app.url + "/v1/accounts", json={"username": username, "password": password}, timeout=30)


def login(app, username, password=PASSWORD):
    return requests.post(app.url + "/v1/sessions", json={"username": username, "password": password}, timeout=30)


def new_user(app, prefix="user"):
    """Registers and signs in a fresh user; returns (uid, session token)."""
    username = random_name(prefix)
    created = register(app, username)
    assert created.status_code == 201, created.text
    session = login(app, username)
    assert session.status_code == 200, session.text
    assert session.json()["uid"] == username
    return username, session.json()["token"]


def bearer(token):
    return {"Authorization": "Bearer " + token}


def get(app, path, token=None, **kwargs):
    headers = bearer(token) if token else {}
    return requests.get(app.url + path, headers=headers, timeout=30, **kwargs)


def sts_document(app, token):
    response = get(app, "/v1/token", token)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document.get("StatusCode") == 200, document
    return document


def user_bucket(app, token, auth_version="v4"):
    """What a mobile app does with the §17 document: an oss2 bucket on StsAuth."""
    document = sts_document(app, token)
    auth = oss2.StsAuth(document["AccessKeyId"], document["AccessKeySecret"], document["SecurityToken"],
                        auth_version=auth_version)
    return oss2.Bucket(auth, get(app, "/v1/upload-config", token).json()["endpoint"], BUCKET, region=REGION)


def upload_config(app, token):
    response = get(app, "/v1/upload-config", token)
    assert response.status_code == 200, response.text
    return response.json()


def uploads(app, token):
    response = get(app, "/v1/uploads", token)
    assert response.status_code == 200, response.text
    return {u["key"]: u for u in response.json()["uploads"]}


def assert_error(response, status, code):
    """The app server's single error document."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"StatusCode", "ErrorCode", "ErrorMessage"}, body
    assert body["StatusCode"] == status and body["ErrorCode"] == code, body
    assert body["ErrorMessage"]


def png_bytes(width, height):
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def parse_expiration(text):
    assert EXPIRATION_PATTERN.match(text), text
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def seconds_from_now(moment):
    return (moment - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


# ---------------------------------------------------------------------------------------------------------------
# 1. Accounts and the §17 token document.

def test_register_login_and_the_token_document_the_mobile_sdks_parse(app):
    username = random_name("alice")
    created = register(app, username)
    assert created.status_code == 201, created.text
    assert created.json() == {"uid": username}
    assert_error(register(app, username), 409, "UserAlreadyExists")
    assert_error(register(app, "Bad Name!"), 400, "InvalidUsername")
    assert_error(register(app, "ab"), 400, "InvalidUsername")
    assert_error(register(app, random_name("carol"), "short"), 400, "InvalidPassword")
    assert_error(login(app, username, "wrong password"), 401, "Unauthorized")
    assert_error(login(app, random_name("nobody")), 401, "Unauthorized")

    session = login(app, username)
    assert session.status_code == 200, session.text
    assert session.headers["Cache-Control"] == "no-store"
    body = session.json()
    assert set(body) == {"token", "uid", "expiration"} and body["uid"] == username
    assert seconds_from_now(parse_expiration(body["expiration"])) > 3600

    response = get(app, "/v1/token", body["token"])
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.text)
    assert set(document) == {"StatusCode", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    assert document["StatusCode"] == 200 and type(document["StatusCode"]) is int
    assert document["AccessKeyId"].startswith("STS.")
    assert document["AccessKeySecret"] and document["SecurityToken"]
    # iOS: yyyy-MM-dd'T'HH:mm:ssZ; Android: the first 19 characters, as UTC.
    expiration = parse_expiration(document["Expiration"])
    android = datetime.datetime.strptime(document["Expiration"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    assert android == expiration
    assert abs(seconds_from_now(expiration) - 1800) <= 120

    # The SDKs' auth-server provider cannot add headers: the token also rides in the query.
    via_query = requests.get(app.url + "/v1/token", params={"access_token": body["token"]}, timeout=30)
    assert via_query.status_code == 200, via_query.text
    assert set(via_query.json()) == set(document) and via_query.json()["AccessKeyId"].startswith("STS.")


def test_upload_config_names_the_users_prefix_and_callback(app, stack):
    uid, token = new_user(app, "cfg")
    config = upload_config(app, token)
    assert config["endpoint"].rstrip("/") == stack.storage.endpoint
    assert config["bucket"] == BUCKET and config["region"] == REGION
    assert config["prefix"] == "users/%s/" % uid
    callback = json.loads(base64.b64decode(config["callback"]))
    # The URL names the user it was issued to, with a MAC only the app server can make.
    url = urllib.parse.urlsplit(callback["callbackUrl"])
    assert url.scheme + "://" + url.netloc + url.path == "http://127.0.0.1:%d/v1/callback" % app.port
    query = urllib.parse.parse_qs(url.query)
    assert query["uid"] == [uid] and len(query["uid_mac"][0]) == 64


# ---------------------------------------------------------------------------------------------------------------
# 2. Uploads with the vended callback land in the user's catalog.

def test_upload_with_the_vended_callback_is_answered_by_the_app_server_and_catalogued(app, stack):
    uid, token = new_user(app, "alice")
    bucket = user_bucket(app, token)
    config = upload_config(app, token)
    key = config["prefix"] + "notes/hello.txt"
    result = bucket.put_object(key, b"hello world", headers={"x-oss-callback": config["callback"],
                                                             "Content-Type": "text/plain"})
    assert result.status == 200
    answer = json.loads(result.resp.read())
    assert answer["Status"] == "OK"
    upload = answer["upload"]
    assert upload["key"] == key and upload["uid"] == uid and upload["bucket"] == BUCKET
    assert upload["size"] == 11 and upload["etag"] == result.etag and upload["mimeType"] == "text/plain"
    assert "width" not in upload and "height" not in upload

    picture = png_bytes(37, 21)
    image_key = config["prefix"] + "avatar.png"
    image = bucket.put_object(image_key, picture, headers={"x-oss-callback": config["callback"],
                                                           "Content-Type": "image/png"})
    assert image.status == 200
    assert json.loads(image.resp.read())["upload"]["key"] == image_key

    listed = uploads(app, token)
    assert set(listed) == {key, image_key}
    assert listed[key]["size"] == 11 and listed[key]["etag"] == result.etag and listed[key]["mimeType"] == "text/plain"
    assert listed[key]["uid"] == uid
    assert listed[image_key]["size"] == len(picture) and listed[image_key]["mimeType"] == "image/png"
    # Read by storage from the PNG's header, and again by the receiver when it checks the upload.
    assert (listed[image_key].get("width"), listed[image_key].get("height")) == (37, 21)
    assert abs(listed[key]["uploadedAt"] - time.time()) < 120
    assert stack.root_bucket.get_object(key).read() == b"hello world"
    assert bucket.get_object(image_key).read() == picture


def test_a_lying_callback_body_plants_nothing_in_another_users_catalog(app, stack):
    """The uploader writes the callback template, so its body may say anything; storage signs it all the same.
    The receiver records what storage's facts say, never what the body claims."""
    alice, alice_token = new_user(app, "liar")
    bob, bob_token = new_user(app, "mark")
    bucket = user_bucket(app, alice_token)
    template = json.loads(base64.b64decode(upload_config(app, alice_token)["callback"]))
    planted = "users/%s/planted.jpg" % bob
    template["callbackBody"] = json.dumps({"bucket": BUCKET, "object": planted, "etag": "FAKE", "size": 31337,
                                           "mimeType": "image/jpeg"})
    innocent = "users/%s/innocent.txt" % alice
    result = bucket.put_object(innocent, b"innocent",
                               headers={"x-oss-callback": base64.b64encode(json.dumps(template).encode()).decode()})
    # Storage's signed facts name the object really uploaded: that, and only that, is recorded, for alice.
    assert result.status == 200
    answer = json.loads(result.resp.read())
    assert answer["upload"]["key"] == innocent and answer["upload"]["uid"] == alice
    assert planted not in uploads(app, bob_token)
    assert innocent in uploads(app, alice_token)
    assert stack.root_bucket.get_object(innocent).read() == b"innocent"

    # Lying about one's own object: the catalog holds storage's size, ETag and type.
    own = "users/%s/own.txt" % alice
    template["callbackBody"] = json.dumps({"bucket": BUCKET, "object": own, "etag": "FAKE", "size": 31337,
                                           "mimeType": "image/jpeg", "width": 4000, "height": 3000})
    result = bucket.put_object(own, b"twelve bytes", headers={
        "x-oss-callback": base64.b64encode(json.dumps(template).encode()).decode(), "Content-Type": "text/plain"})
    assert result.status == 200
    entry = uploads(app, alice_token)[own]
    assert (entry["size"], entry["etag"], entry["mimeType"]) == (12, result.etag, "text/plain")
    assert "width" not in entry and "height" not in entry


def test_oversized_bodies_are_refused_with_413(app):
    big = b"{" + b" " * (70 * 1024) + b"}"
    for path in ["/v1/accounts", "/v1/sessions", "/v1/callback"]:
        assert_error(requests.post(app.url + path, data=big, headers={"Content-Type": "application/json"}, timeout=30),
                     413, "EntityTooLarge")


def test_multipart_upload_with_the_callback_on_complete_is_catalogued(app, stack):
    uid, token = new_user(app, "mp")
    bucket = user_bucket(app, token)
    config = upload_config(app, token)
    key = config["prefix"] + "video.mp4"
    parts = [os.urandom(100 * 1024), os.urandom(100 * 1024), b"tail"]
    # oss2.resumable_upload passes only x-oss-request-payer and x-oss-object-acl to CompleteMultipartUpload, so the
    # callback cannot ride on it; the SDK's part calls carry it as an app would.
    upload_id = bucket.init_multipart_upload(key).upload_id
    infos = [oss2.models.PartInfo(n, bucket.upload_part(key, upload_id, n, data).etag)
             for n, data in enumerate(parts, start=1)]
    assert [p.part_number for p in bucket.list_parts(key, upload_id).parts] == [1, 2, 3]  # ListParts is allowed
    result = bucket.complete_multipart_upload(key, upload_id, infos, headers={"x-oss-callback": config["callback"]})
    assert result.status == 200
    answer = json.loads(result.resp.read())
    assert answer["Status"] == "OK" and answer["upload"]["key"] == key
    size = sum(len(p) for p in parts)
    listed = uploads(app, token)
    assert listed[key]["size"] == size and listed[key]["etag"].endswith("-3")
    assert listed[key]["etag"] == stack.root_bucket.head_object(key).etag
    assert stack.root_bucket.get_object(key).read() == b"".join(parts)

    # An abandoned upload can be aborted by its owner (AbortMultipartUpload is in the template).
    stale = bucket.init_multipart_upload(config["prefix"] + "stale.bin").upload_id
    bucket.abort_multipart_upload(config["prefix"] + "stale.bin", stale)


# ---------------------------------------------------------------------------------------------------------------
# 3 and 4. Users stay inside their own prefix and their own catalog.

def test_uploads_outside_the_users_prefix_are_denied(app, stack):
    alice, alice_token = new_user(app, "alice")
    bob, _ = new_user(app, "bob")
    bucket = user_bucket(app, alice_token)
    callback = upload_config(app, alice_token)["callback"]
    for key in ["users/%s/stolen.txt" % bob, "x.txt", "users/%s" % alice, "users/%s-evil/x.txt" % alice]:
        with pytest.raises(oss2.exceptions.AccessDenied) as denied:
            bucket.put_object(key, b"nope", headers={"x-oss-callback": callback})
        assert denied.value.status == 403, key
        assert not stack.root_bucket.object_exists(key), key
    # Not the listing nor a delete either: the template grants only what it names.
    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.list_objects(prefix="users/%s/" % alice)
    bucket.put_object("users/%s/mine.txt" % alice, b"mine")
    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.delete_object("users/%s/mine.txt" % alice)
    assert stack.root_bucket.object_exists("users/%s/mine.txt" % alice)


def test_a_second_user_sees_neither_the_first_users_uploads_nor_objects(app):
    alice, alice_token = new_user(app, "alice")
    bob, bob_token = new_user(app, "bob")
    alice_bucket = user_bucket(app, alice_token)
    key = "users/%s/private.jpg" % alice
    alice_bucket.put_object(key, b"private bytes",
                            headers={"x-oss-callback": upload_config(app, alice_token)["callback"]})
    assert key in uploads(app, alice_token)

    bob_bucket = user_bucket(app, bob_token)
    bob_key = "users/%s/own.txt" % bob
    bob_bucket.put_object(bob_key, b"bob", headers={"x-oss-callback": upload_config(app, bob_token)["callback"]})
    bob_list = uploads(app, bob_token)
    assert set(bob_list) == {bob_key} and all(u["uid"] == bob for u in bob_list.values())
    assert bob_key not in uploads(app, alice_token)

    with pytest.raises(oss2.exceptions.AccessDenied) as denied:
        bob_bucket.get_object(key)
    assert denied.value.status == 403
    presigned = requests.get(bob_bucket.sign_url("GET", key, 60), timeout=30)
    assert presigned.status_code == 403 and xml_code(presigned) == "AccessDenied", presigned.text
    assert alice_bucket.get_object(key).read() == b"private bytes"


# ---------------------------------------------------------------------------------------------------------------
# 5. Expired and revoked credentials.

def test_an_expired_sts_token_is_refused(app, stack):
    uid, token = new_user(app, "exp")
    prefix = "users/%s/" % uid
    key_id, secret, arn = (stack.settings["access_key_id"], stack.settings["access_key_secret"],
                           stack.settings["role_arn"])
    # The same RAM key, role and session policy the app server uses, once for 1 s and once for the default 900 s.
    short = assume_with_core_sdk(stack.storage, key_id, secret, arn, uid, prefix_policy(BUCKET, prefix), duration=1)
    fresh = assume_with_core_sdk(stack.storage, key_id, secret, arn, uid, prefix_policy(BUCKET, prefix))
    expires = parse_expiration(short[3])
    assert seconds_from_now(expires) <= 5, short[3]  # a 1 s session, not the 900 s default
    # Wait until the token's own Expiration is behind us (and a second for rounding).
    time.sleep(max(0.0, seconds_from_now(expires)) + 1.5)
    expired = oss2.Bucket(oss2.StsAuth(*short[:3]), stack.storage.endpoint, BUCKET, region=REGION)
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        expired.put_object(prefix + "late.txt", b"late")
    assert refused.value.status == 403 and refused.value.code == "SecurityTokenExpired"
    assert not stack.root_bucket.object_exists(prefix + "late.txt")
    live = oss2.Bucket(oss2.StsAuth(*fresh[:3]), stack.storage.endpoint, BUCKET, region=REGION)
    live.put_object(prefix + "on-time.txt", b"on time")
    assert stack.root_bucket.get_object(prefix + "on-time.txt").read() == b"on time"


def test_logged_out_and_garbage_session_tokens_get_401(app):
    uid, token = new_user(app, "logout")
    assert sts_document(app, token)["AccessKeyId"].startswith("STS.")
    logout = requests.delete(app.url + "/v1/sessions", headers=bearer(token), timeout=30)
    assert logout.status_code == 204, logout.text
    for candidate in [token, "silo_s_" + "A" * 43, "garbage", token[:-2] + ("AA" if not token.endswith("AA") else "BB")]:
        response = get(app, "/v1/token", candidate)
        assert_error(response, 401, "Unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    # A new sign-in works again, and logging out one session leaves the other alive.
    first = login(app, uid).json()["token"]
    second = login(app, uid).json()["token"]
    assert requests.delete(app.url + "/v1/sessions", headers=bearer(first), timeout=30).status_code == 204
    assert_error(get(app, "/v1/uploads", first), 401, "Unauthorized")
    assert get(app, "/v1/uploads", second).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# 6. The callback receiver trusts only signatures made with the storage service's key.

class Listener:
    """A local HTTP server that records every request; GET answers `pem`, POST answers a JSON OK."""

    def __init__(self, pem=""):
        self.requests = []
        self.pem = pem
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                listener.requests.append((self.command, self.path, dict(self.headers), body))

            def _answer(self, status, content_type, payload):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._record()
                self._answer(200, "application/x-pem-file", listener.pem.encode())

            def do_POST(self):
                self._record()
                self._answer(200, "application/json", b'{"Status":"OK"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    attacker_key = RSA.generate(2048)
    server = Listener(attacker_key.publickey().export_key().decode())
    server.key = attacker_key
    yield server
    server.close()


def sign_callback(private_key, path, body):
    """OSS's callback signature: base64(RSA-MD5(urldecode(path) + query + "\\n" + body))."""
    return base64.b64encode(PKCS1_v1_5.new(private_key).sign(MD5.new((path + "\n").encode() + body))).decode()


def post_callback(app, body, authorization=None, key_url=None, path="/v1/callback", extra=None):
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    if key_url is not None:
        headers["x-oss-pub-key-url"] = base64.b64encode(key_url.encode()).decode()
    headers.update(extra or {})
    return requests.post(app.url + path, data=body, headers=headers, timeout=30)


def storage_facts(headers):
    """The signed storage facts a captured callback carried, to replay with it."""
    return {name: value for name, value in headers.items() if name.startswith("x-silo-callback-facts")}


def test_forged_callbacks_are_rejected_and_nothing_is_recorded(app, stack, listener):
    uid, token = new_user(app, "victim")
    key = "users/%s/forged.jpg" % uid
    body = json.dumps({"bucket": BUCKET, "object": key, "etag": "D41D8CD98F00B204E9800998ECF8427E", "size": 1234,
                       "mimeType": "image/jpeg", "width": "", "height": "", "format": ""}).encode()
    genuine_key_url = stack.storage.endpoint + "/-/callback/public-key.pem"
    forged_key = listener.key

    # No signature at all, or half of one.
    assert_error(post_callback(app, body), 403, "MissingCallbackSignature")
    assert_error(post_callback(app, body, authorization=sign_callback(forged_key, "/v1/callback", body)), 403,
                 "MissingCallbackSignature")
    assert_error(post_callback(app, body, key_url=genuine_key_url), 403, "MissingCallbackSignature")
    # Random bytes as the signature, with the storage service's own key URL.
    assert_error(post_callback(app, body, base64.b64encode(os.urandom(256)).decode(), genuine_key_url), 403,
                 "InvalidCallbackSignature")
    # A well-formed signature by a different RSA key, against the genuine key URL.
    assert_error(post_callback(app, body, sign_callback(forged_key, "/v1/callback", body), genuine_key_url), 403,
                 "InvalidCallbackSignature")
    # The attacker's key, served from the attacker's URL: the URL is refused and never fetched.
    for evil in [listener.url("/evil.pem"), "http://127.0.0.1:1/evil.pem",
                 genuine_key_url.replace("/-/callback/", "/-/callback/../../" + BUCKET + "/"),
                 "http://127.0.0.1:%d@127.0.0.1:%d/-/callback/public-key.pem" % (stack.storage.port, listener.port)]:
        assert_error(post_callback(app, body, sign_callback(forged_key, "/v1/callback", body), evil), 403,
                     "PublicKeyURLNotAllowed")
    assert listener.requests == [], "a public key must never be fetched from a URL outside public_key_urls"
    assert requests.get(listener.url("/evil.pem"), timeout=10).status_code == 200 and len(listener.requests) == 1

    assert key not in uploads(app, token)


def test_a_genuine_signature_over_a_different_body_is_rejected(app, stack):
    """Alters a callback the storage service really signed: the receiver must notice the body changed."""
    uid, token = new_user(app, "tamper")
    # Capture a genuine signed callback with a local receiver standing in for the app server.
    capture = Listener()
    try:
        bucket = user_bucket(app, token)
        template = json.loads(base64.b64decode(upload_config(app, token)["callback"]))
        template["callbackUrl"] = capture.url("/v1/callback")
        key = "users/%s/real.txt" % uid
        bucket.put_object(key, b"real", headers={
            "x-oss-callback": base64.b64encode(json.dumps(template).encode()).decode()})
    finally:
        capture.close()
    assert len(capture.requests) == 1
    _, path, headers, body = capture.requests[0]
    lowered = {k.lower(): v for k, v in headers.items()}
    key_url = base64.b64decode(lowered["x-oss-pub-key-url"]).decode()
    facts = storage_facts(lowered)
    assert set(facts) == {"x-silo-callback-facts", "x-silo-callback-facts-signature"}
    # Replayed exactly, it verifies and is recorded under its owner.
    replay = post_callback(app, body, lowered["authorization"], key_url, path=path, extra=facts)
    assert replay.status_code == 200, replay.text
    assert replay.json()["upload"]["key"] == key
    # Without the facts nothing is believed.
    assert_error(post_callback(app, body, lowered["authorization"], key_url, path=path), 403, "UnattestedCallback")
    # The same signature over a body claiming a bigger object for another key does not.
    tampered = body.replace(b"real.txt", b"fake.txt").replace(b'"size":4', b'"size":4000')
    assert tampered != body
    assert_error(post_callback(app, tampered, lowered["authorization"], key_url, path=path, extra=facts), 403,
                 "InvalidCallbackSignature")
    listed = uploads(app, token)
    assert set(listed) == {key} and listed[key]["size"] == 4


# ---------------------------------------------------------------------------------------------------------------
# 7. Nothing without a session.

@pytest.mark.parametrize("path", ["/v1/token", "/v1/uploads", "/v1/post-policy", "/v1/upload-config"])
def test_unauthenticated_requests_get_401(app, path):
    for headers in [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer not-a-token"}]:
        response = requests.get(app.url + path, headers=headers, timeout=30)
        assert_error(response, 401, "Unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_error(requests.get(app.url + path, params={"access_token": "silo_s_nope"}, timeout=30), 401, "Unauthorized")


# ---------------------------------------------------------------------------------------------------------------
# 8. PostObject forms from the vended policy.

def post_form(form, key, content, filename="upload.bin", content_type="application/octet-stream"):
    fields = dict(form["fields"], key=key)
    # requests writes `data` fields first, then the file: `file` is the last part, as OSS requires.
    return requests.post(form["url"], data=fields, files={"file": (filename, content, content_type)}, timeout=30)


def vended_form(app, token):
    response = get(app, "/v1/post-policy", token)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()


def xml_code(response):
    match = re.search(rb"<Code>([^<]+)</Code>", response.content)
    return match.group(1).decode() if match else None


def test_post_object_with_the_vended_form_is_stored_and_catalogued(app, stack):
    uid, token = new_user(app, "form")
    form = vended_form(app, token)
    assert form["url"] == stack.storage.endpoint + "/" + BUCKET
    assert form["bucket"] == BUCKET and form["keyPrefix"] == "users/%s/" % uid
    assert form["maxBytes"] == 100 * 1024 * 1024
    assert 0 < seconds_from_now(parse_expiration(form["expiration"])) <= 900 + 5
    fields = form["fields"]
    assert fields["x-oss-signature-version"] == "OSS4-HMAC-SHA256"
    assert fields["x-oss-credential"].startswith("STS.") and fields["x-oss-security-token"]
    assert fields["success_action_status"] == "200" and fields["callback"] and fields["policy"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["starts-with", "$key", "users/%s/" % uid] in policy["conditions"]
    assert ["content-length-range", 0, 100 * 1024 * 1024] in policy["conditions"]

    key = form["keyPrefix"] + "from-browser.png"
    picture = png_bytes(8, 5)
    response = post_form(form, key, picture, "from-browser.png", "image/png")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["Status"] == "OK" and answer["upload"]["key"] == key and answer["upload"]["uid"] == uid
    listed = uploads(app, token)
    assert listed[key]["size"] == len(picture) and listed[key]["mimeType"] == "image/png"
    assert (listed[key].get("width"), listed[key].get("height")) == (8, 5)
    assert stack.root_bucket.get_object(key).read() == picture


def test_post_object_outside_the_prefix_is_denied(app, stack):
    uid, token = new_user(app, "form")
    other, _ = new_user(app, "other")
    form = vended_form(app, token)
    for key in ["users/%s/intruder.txt" % other, "root.txt", "users/%s" % uid]:
        response = post_form(form, key, b"intruder")
        assert response.status_code == 403, (key, response.status_code, response.text)
        assert xml_code(response) == "AccessDenied", response.text
        assert not stack.root_bucket.object_exists(key)
    assert uploads(app, token) == {}


def test_post_object_over_the_size_limit_is_refused(small_post_app, stack):
    uid, token = new_user(small_post_app, "small")
    form = vended_form(small_post_app, token)
    assert form["maxBytes"] == 1000
    assert ["content-length-range", 0, 1000] in json.loads(base64.b64decode(form["fields"]["policy"]))["conditions"]
    too_big = form["keyPrefix"] + "too-big.bin"
    response = post_form(form, too_big, os.urandom(1001))
    assert response.status_code == 400, response.text
    assert xml_code(response) == "EntityTooLarge", response.text
    assert not stack.root_bucket.object_exists(too_big)
    fits = form["keyPrefix"] + "fits.bin"
    response = post_form(form, fits, os.urandom(1000))
    assert response.status_code == 200, response.text
    assert set(uploads(small_post_app, token)) == {fits}


# ---------------------------------------------------------------------------------------------------------------
# 9. Per-user rate limits.

def test_the_fourth_token_request_in_a_row_is_throttled(limited_app):
    _, token = new_user(limited_app, "busy")
    for _ in range(3):
        assert sts_document(limited_app, token)["AccessKeyId"].startswith("STS.")
    throttled = get(limited_app, "/v1/token", token)
    assert_error(throttled, 429, "Throttling")
    retry_after = int(throttled.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    # Policies draw from the same allowance; the catalog and other users do not.
    assert_error(get(limited_app, "/v1/post-policy", token), 429, "Throttling")
    assert get(limited_app, "/v1/uploads", token).status_code == 200
    _, other = new_user(limited_app, "calm")
    assert sts_document(limited_app, other)["AccessKeyId"].startswith("STS.")


# ---------------------------------------------------------------------------------------------------------------
# 10. Bad configurations stop the server with exit code 2 and the culprit's dotted path.

def bad_config_cases():
    def unknown_key(config, folder):
        config["sts"]["duraton_seconds"] = 1800

    def short_duration(config, folder):
        config["sts"]["duration_seconds"] = 100

    def long_duration(config, folder):
        config["sts"]["duration_seconds"] = 3601

    def unknown_nested(config, folder):
        config["rate_limits"] = {"per_user": {"requests": 3, "windows": 60}}

    def missing_role(config, folder):
        del config["sts"]["role_arn"]

    def short_hs256_secret(config, folder):
        with open(os.path.join(folder, "short-secret.txt"), "w") as f:
            f.write("too-short")
        config["auth"] = {"jwt": {"algorithm": "HS256", "key_file": "short-secret.txt"}}

    return [
        pytest.param("sts.duraton_seconds", unknown_key, id="unknown-key"),
        pytest.param("sts.duration_seconds", short_duration, id="duration-100"),
        pytest.param("sts.duration_seconds", long_duration, id="duration-3601"),
        pytest.param("rate_limits.per_user.windows", unknown_nested, id="unknown-nested-key"),
        pytest.param("sts.role_arn", missing_role, id="missing-role-arn"),
        pytest.param("auth.jwt.key_file", short_hs256_secret, id="short-hs256-secret"),
    ]


@pytest.mark.parametrize("field,change", bad_config_cases())
def test_bad_configuration_exits_with_2_naming_the_field(stack, field, change):
    name = "bad-" + os.urandom(4).hex()
    port, config = stack.config(name)
    change(config, stack.folder)
    path = stack.write_config(name, config)
    result = subprocess.run([stack.storage.binary, "app-server", "--config", path, "--address", "127.0.0.1:%d" % port],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "configuration field '%s'" % field in result.stderr, result.stderr
    assert "Silo app server is running." not in result.stdout


def test_the_demo_configuration_is_yaml_with_the_documented_shape(stack):
    text = stack.yaml_text
    for line in ["  endpoint: http://%s" % stack.storage.sts_endpoint, "  duration_seconds: 1800",
                 "  endpoint: %s" % stack.storage.endpoint, "  bucket: demo", "  region: cn-hangzhou",
                 '    resources: ["users/${uid}/*"]',
                 "  url: http://127.0.0.1:%d/v1/callback" % stack.app_port,
                 '  public_key_urls: ["%s/-/callback/public-key.pem"]' % stack.storage.endpoint,
                 "database: app-server.sqlite"]:
        assert line in text.splitlines(), line
    assert re.match(r"^acs:ram::\d+:role/mobile-uploader$", stack.settings["role_arn"])
    assert oct(os.stat(stack.yaml_path).st_mode & 0o777) == "0o600"
    # The bucket's media jobs notify the app server, with a key written only into this private file.
    secret = re.search(r"^media_notify:\n  secret: (\S+)$", text, re.MULTILINE).group(1)
    assert len(secret) >= 32
    env = dict(os.environ, SILO_ENDPOINT=stack.storage.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
               SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    shown = subprocess.run([stack.storage.binary, "events", "media-show", BUCKET, "--json"], capture_output=True,
                           text=True, env=env, timeout=60, check=True).stdout
    assert json.loads(shown) == {"endpoint": "http://127.0.0.1:%d/v1/media/notify" % stack.app_port, "hasSecret": True}
    assert secret not in shown


# ---------------------------------------------------------------------------------------------------------------
# 11. The storage service does not call back into private address space.

@pytest.fixture(scope="module")
def public_stack():
    s = Stack([])  # the default callback policy: public addresses only
    yield s
    s.close()


def test_a_callback_to_a_disallowed_address_is_never_made(public_stack):
    public = public_stack
    capture = Listener()
    try:
        app = public.start_demo_app()
        uid, token = new_user(app, "pub")
        bucket = user_bucket(app, token)
        vended = upload_config(app, token)["callback"]
        own = json.loads(base64.b64decode(vended))
        own["callbackUrl"] = capture.url("/v1/callback")
        redirected = base64.b64encode(json.dumps(own).encode()).decode()
        for n, callback in enumerate([vended, redirected]):
            key = "users/%s/refused-%d.txt" % (uid, n)
            with pytest.raises(oss2.exceptions.ServerError) as refused:
                bucket.put_object(key, b"x", headers={"x-oss-callback": callback})
            assert refused.value.status == 400 and refused.value.code == "InvalidArgument", refused.value
            assert not public.root_bucket.object_exists(key)
        assert capture.requests == [], "a callback to a loopback address must not be made under the public policy"
        assert requests.post(capture.url("/probe"), data=b"x", timeout=10).status_code == 200
        assert len(capture.requests) == 1  # the listener itself was reachable all along
        assert uploads(app, token) == {}
        # Without a callback the same credentials upload fine.
        bucket.put_object("users/%s/plain.txt" % uid, b"plain")
        assert public.root_bucket.get_object("users/%s/plain.txt" % uid).read() == b"plain"
    finally:
        capture.close()


# ---------------------------------------------------------------------------------------------------------------
# 12. Sign-in with the app's own identity provider's JWTs.

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims, secret=JWT_SECRET, header=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    if header.get("alg") == "none":
        return signing_input + "."
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def test_a_valid_jwt_gets_a_token_scoped_to_its_subject(jwt_app, stack):
    sub = random_name("jwt")
    token = make_jwt({"sub": sub, "exp": int(time.time()) + 600, "iat": int(time.time())})
    document = sts_document(jwt_app, token)
    assert set(document) == {"StatusCode", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    config = upload_config(jwt_app, token)
    assert config["prefix"] == "users/%s/" % sub
    bucket = oss2.Bucket(oss2.StsAuth(document["AccessKeyId"], document["AccessKeySecret"], document["SecurityToken"]),
                         stack.storage.endpoint, BUCKET, region=REGION)
    key = config["prefix"] + "from-jwt.txt"
    result = bucket.put_object(key, b"jwt upload", headers={"x-oss-callback": config["callback"]})
    assert result.status == 200
    assert json.loads(result.resp.read())["upload"]["uid"] == sub
    assert uploads(jwt_app, token)[key]["size"] == 10
    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.put_object("users/someone-else/x.txt", b"x")
    # Accounts are off on this server: no sign-in with passwords, and session tokens are not accepted.
    assert_error(login(jwt_app, sub), 403, "AccountsDisabled")
    assert_error(register(jwt_app, sub), 403, "RegistrationDisabled")


def test_invalid_jwts_get_401(jwt_app):
    now = int(time.time())
    sub = random_name("jwt")
    cases = {
        "expired": make_jwt({"sub": sub, "exp": now - 120}),
        "wrong secret": make_jwt({"sub": sub, "exp": now + 600}, secret="another-secret-that-is-long-enough-0123456789"),
        "alg none": make_jwt({"sub": sub, "exp": now + 600}, header={"alg": "none", "typ": "JWT"}),
        "no exp": make_jwt({"sub": sub}),
        "not yet valid": make_jwt({"sub": sub, "exp": now + 600, "nbf": now + 300}),
        "unsafe subject": make_jwt({"sub": "../" + sub, "exp": now + 600}),
        "missing subject": make_jwt({"uid": sub, "exp": now + 600}),
        "tampered payload": make_jwt({"sub": sub, "exp": now + 600}).split(".")[0] + "." +
        b64url(json.dumps({"sub": "admin", "exp": now + 600}).encode()) + "." +
        make_jwt({"sub": sub, "exp": now + 600}).split(".")[2],
    }
    for name, token in cases.items():
        for path in ["/v1/token", "/v1/upload-config", "/v1/uploads"]:
            response = get(jwt_app, path, token)
            assert response.status_code == 401, (name, path, response.status_code, response.text)
            assert_error(response, 401, "Unauthorized")
    # The control: the same claims, validly signed, pass.
    assert get(jwt_app, "/v1/uploads", make_jwt({"sub": sub, "exp": now + 600})).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Media jobs: the rendition a job makes of an upload is recorded next to it, from the bucket's signed webhook.

def test_a_media_jobs_rendition_is_recorded_next_to_the_upload(app, stack):
    from test_video import make_clip
    secret = "the media webhook key shared by storage and app"
    admin_env = dict(os.environ, SILO_ENDPOINT=stack.storage.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
                     SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    media_app = stack.start_app("media", lambda config: config.update({"media_notify": {"secret": secret}}))
    # The bucket's media jobs notify this app server (jobs name no topic), signed with the shared key.
    setting = subprocess.run([stack.storage.binary, "events", "media-set", BUCKET, "--url", media_app.url + "/v1/media/notify",
                              "--secret", secret], capture_output=True, text=True, env=admin_env, timeout=60)
    assert setting.returncode == 0, setting.stderr
    clip = make_clip(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "1", "-c:v", "libx264",
                      "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
    try:
        uid, token = new_user(media_app, "video")
        bucket = user_bucket(media_app, token)
        config = upload_config(media_app, token)
        key = config["prefix"] + "clip.mp4"
        put = bucket.put_object(key, clip, headers={"x-oss-callback": config["callback"], "Content-Type": "video/mp4"})
        assert json.loads(put.resp.read())["upload"]["key"] == key
        small = config["prefix"] + "clip-160.mp4"
        target = base64.urlsafe_b64encode(small.encode()).decode().rstrip("=")
        # As the user, with the STS token the app vended: the job is authorized as a read of the upload and a write
        # under the user's own prefix.
        task = bucket.async_process_object(key, "video/convert,f_mp4,vcodec_h264,s_160x0|sys/saveas,o_" + target).task_id
        deadline = time.time() + 120
        while time.time() < deadline and not uploads(media_app, token)[key]["renditions"]:
            time.sleep(0.25)
        renditions = uploads(media_app, token)[key]["renditions"]
        assert [(r["key"], r["taskId"], r["process"], r["bucket"]) for r in renditions] == [(small, task, "video/convert", BUCKET)]
        assert bucket.get_object(small).read()[4:8] == b"ftyp"
        # Another user's list shows neither the upload nor its rendition.
        _, other = new_user(media_app, "other")
        assert uploads(media_app, other) == {}
        # A webhook the bucket's key did not sign is refused, and so is an unsigned one.
        body = json.dumps({"TaskId": "forged", "State": "succeeded", "Bucket": BUCKET, "Object": key, "Process": "video/convert",
                           "Outputs": [config["prefix"] + "planted.mp4"], "OutputBucket": BUCKET}).encode()
        now = str(int(time.time()))
        forged = requests.post(media_app.url + "/v1/media/notify", data=body, timeout=30,
                               headers={"x-silo-timestamp": now, "x-silo-hmac-sha256": "0" * 64})
        assert_error(forged, 403, "InvalidWebhookSignature")
        assert_error(requests.post(media_app.url + "/v1/media/notify", data=body, timeout=30), 403, "MissingWebhookSignature")
        # The app servers without the key take no media webhooks at all.
        assert_error(requests.post(app.url + "/v1/media/notify", data=body, timeout=30), 403,
                     "MediaNotifyDisabled")
        assert [r["key"] for r in uploads(media_app, token)[key]["renditions"]] == [small]
    finally:
        subprocess.run([stack.storage.binary, "events", "media-set", BUCKET], capture_output=True, env=admin_env,
                       timeout=60, check=True)
