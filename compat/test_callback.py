"""Upload callbacks (spec §13) with oss2: Silo POSTs a signed request to the app server after storing the object,
and hands the app server's JSON back to the uploader. The receiver here verifies the MD5-with-RSA signature
with the public key fetched from x-oss-pub-key-url, as Alibaba's sample app servers do."""

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import oss2
import pytest
import requests
from Crypto.Hash import MD5
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_v1_5

from conftest import random_name
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


class Receiver:
    """A stand-in app server: records each callback and answers as `mode` says."""

    def __init__(self):
        self.calls = []
        self.mode = "ok"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                receiver.calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.mode == "error":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = b"not json" if receiver.mode == "not-json" else json.dumps(
                    {"Status": "OK", "received": body}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/oss-callback?id=1&index=2"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify_signature(call):
    """Alibaba's receiver recipe: fetch the PEM named by x-oss-pub-key-url, check MD5-with-RSA."""
    key_url = base64.b64decode(call["headers"]["x-oss-pub-key-url"]).decode()
    pem = requests.get(key_url, timeout=5).text
    path, _, query = call["path"].partition("?")
    string_to_sign = urllib.parse.unquote(path) + ("?" + query if query else "") + "\n" + call["body"]
    signature = base64.b64decode(call["headers"]["authorization"])
    return PKCS1_v1_5.new(RSA.import_key(pem)).verify(MD5.new(string_to_sign.encode()), signature)


def callback_headers(url, body, body_type=None, variables=None):
    config = {"callbackUrl": url, "callbackBody": body}
    if body_type:
        config["callbackBodyType"] = body_type
    headers = {"x-oss-callback": oss2.utils.b64encode_as_string(json.dumps(config))}
    if variables:
        headers["x-oss-callback-var"] = oss2.utils.b64encode_as_string(json.dumps(variables))
    return headers


@pytest.fixture(scope="module")
def callback_silo():
    server = SiloServer(extra_args=["--callback-policy", "loopback"])
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def cb_bucket(callback_silo, auth):
    bucket = oss2.Bucket(auth, callback_silo.endpoint, random_name("cb"), region=REGION)
    bucket.create_bucket()
    return bucket


FORM_BODY = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&op=${operation}&my_var=${x:my_var}"


def test_put_object_callback_is_signed_substituted_and_answered(cb_bucket, receiver):
    key = "users/42/a b.txt"
    result = cb_bucket.put_object(key, b"hello", headers=dict(
        callback_headers(receiver.url(), FORM_BODY, variables={"x:my_var": "hi there"}), **{"Content-Type": "text/plain"}))
    assert result.status == 200
    answer = json.loads(result.resp.read())
    assert answer["Status"] == "OK"
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert call["path"] == "/oss-callback?id=1&index=2"
    fields = urllib.parse.parse_qs(call["body"])
    assert fields["bucket"] == [cb_bucket.bucket_name]
    assert fields["object"] == [key]
    assert fields["etag"] == [result.etag]
    assert fields["size"] == ["5"]
    assert fields["mimeType"] == ["text/plain"]
    assert fields["op"] == ["PutObject"]
    assert fields["my_var"] == ["hi there"]
    assert answer["received"] == call["body"]
    assert verify_signature(call), "the callback signature must verify with the published key"
    assert cb_bucket.get_object(key).read() == b"hello"


def test_a_forged_signature_does_not_verify(cb_bucket, receiver):
    cb_bucket.put_object("x.txt", b"x", headers=callback_headers(receiver.url(), "object=${object}"))
    call = dict(receiver.calls[0])
    call["body"] = "object=somebody-else.txt"
    assert not verify_signature(call)


def test_json_body_carries_typed_values(cb_bucket, receiver):
    template = '{"key":${object},"size":${size},"crc":${crc64},"user":${x:uid}}'
    result = cb_bucket.put_object("j.bin", b"12345678", headers=callback_headers(
        receiver.url("/json"), template, body_type="application/json", variables={"x:uid": "u-42"}))
    assert result.status == 200
    body = json.loads(receiver.calls[0]["body"])
    # Text variables become JSON strings, the size a number (the CRC stays a string, like its header).
    assert body == {"key": "j.bin", "size": 8, "crc": str(result.crc), "user": "u-42"}
    assert receiver.calls[0]["headers"]["Content-Type"] == "application/json"


def test_complete_multipart_callback_replaces_the_xml(cb_bucket, receiver):
    key = "video.mp4"
    upload_id = cb_bucket.init_multipart_upload(key).upload_id
    part1 = cb_bucket.upload_part(key, upload_id, 1, b"a" * (100 * 1024))
    part2 = cb_bucket.upload_part(key, upload_id, 2, b"b" * 10)
    result = cb_bucket.complete_multipart_upload(
        key, upload_id, [oss2.models.PartInfo(1, part1.etag), oss2.models.PartInfo(2, part2.etag)],
        headers=callback_headers(receiver.url(), FORM_BODY))
    assert result.status == 200
    assert json.loads(result.resp.read())["Status"] == "OK"
    fields = urllib.parse.parse_qs(receiver.calls[0]["body"])
    assert fields["size"] == [str(100 * 1024 + 10)]
    assert fields["op"] == ["CompleteMultipartUpload"]
    assert fields["etag"][0].endswith("-2")
    assert verify_signature(receiver.calls[0])


def test_a_failing_app_server_gives_203_but_the_object_is_stored(cb_bucket, receiver):
    for mode in ["error", "not-json"]:
        receiver.mode = mode
        key = "stored-%s.txt" % mode
        result = cb_bucket.put_object(key, b"kept", headers=callback_headers(receiver.url(), "object=${object}"))
        assert result.status == 203
        assert b"CallbackFailed" in result.resp.read()
        assert cb_bucket.get_object(key).read() == b"kept"


def test_an_unreachable_callback_gives_203(cb_bucket):
    result = cb_bucket.put_object("lonely.txt", b"x", headers=callback_headers("http://127.0.0.1:9/cb", "o=${object}"))
    assert result.status == 203
    assert cb_bucket.object_exists("lonely.txt")


def test_a_disallowed_target_is_refused_before_anything_is_stored(cb_bucket):
    # Loopback policy: a private-range address is neither called nor accepted.
    with pytest.raises(oss2.exceptions.ServerError) as error:
        cb_bucket.put_object("never.txt", b"x", headers=callback_headers("http://10.1.2.3/cb", "o=${object}"))
    assert error.value.status == 400 and error.value.code == "InvalidArgument"
    assert not cb_bucket.object_exists("never.txt")


@pytest.mark.parametrize("config", [
    "not base64 at all",
    oss2.utils.b64encode_as_string("not json"),
    oss2.utils.b64encode_as_string(json.dumps({"callbackUrl": "http://127.0.0.1/", "callbackBody": ""})),
    oss2.utils.b64encode_as_string(json.dumps({"callbackUrl": "http://127.0.0.1/", "callbackBody": "a=${x",
                                               "callbackBodyType": "application/json"})),
])
def test_malformed_callbacks_are_refused(cb_bucket, config):
    with pytest.raises(oss2.exceptions.ServerError) as error:
        cb_bucket.put_object("bad.txt", b"x", headers={"x-oss-callback": config})
    assert error.value.status == 400 and error.value.code == "InvalidArgument"
    assert not cb_bucket.object_exists("bad.txt")


def test_presigned_put_carries_the_callback_in_the_query(cb_bucket, receiver):
    config = oss2.utils.b64encode_as_string(json.dumps({"callbackUrl": receiver.url(), "callbackBody": "o=${object}"}))
    url = cb_bucket.sign_url("PUT", "presigned.txt", 600, params={"callback": config})
    response = requests.put(url, data=b"via url")
    assert response.status_code == 200, response.text
    assert response.json()["Status"] == "OK"
    assert receiver.calls[0]["body"] == "o=presigned.txt"
    both = requests.put(url, data=b"x", headers={"x-oss-callback": config})
    assert both.status_code in (400, 403)  # both forms at once (the extra header also breaks the V1 signature)


def test_public_policy_refuses_loopback_targets(receiver):
    server = SiloServer()  # default policy: public addresses only
    server.start()
    try:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("pub"), region=REGION)
        bucket.create_bucket()
        with pytest.raises(oss2.exceptions.ServerError) as error:
            bucket.put_object("x.txt", b"x", headers=callback_headers(receiver.url(), "o=${object}"))
        assert error.value.code == "InvalidArgument"
        assert receiver.calls == [], "a callback to a disallowed address must not be made"
        assert not bucket.object_exists("x.txt")
    finally:
        server.cleanup()


def test_post_object_form_carries_a_callback(callback_silo, cb_bucket, receiver):
    import hashlib
    import hmac
    import datetime
    expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")
    policy = base64.b64encode(json.dumps({"expiration": expiration, "conditions": [
        {"bucket": cb_bucket.bucket_name}]}).encode()).decode()
    signature = base64.b64encode(hmac.new(ACCESS_KEY_SECRET.encode(), policy.encode(), hashlib.sha1).digest()).decode()
    config = oss2.utils.b64encode_as_string(json.dumps({
        "callbackUrl": receiver.url(), "callbackBody": "object=${object}&op=${operation}&uid=${x:uid}"}))
    response = requests.post("%s/%s/" % (callback_silo.endpoint, cb_bucket.bucket_name), data={
        "OSSAccessKeyId": ACCESS_KEY_ID, "policy": policy, "Signature": signature, "key": "form.jpg",
        "callback": config, "x:uid": "42"}, files={"file": ("form.jpg", b"jpeg bytes")})
    assert response.status_code == 200, response.text
    assert response.json()["Status"] == "OK"
    assert urllib.parse.parse_qs(receiver.calls[0]["body"]) == {"object": ["form.jpg"], "op": ["PostObject"], "uid": ["42"]}
    assert verify_signature(receiver.calls[0])
