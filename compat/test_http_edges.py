"""Wire-level behaviour real clients rely on, checked over raw sockets."""

import socket
import time

import oss2
import requests

from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


def exchange(port, raw, read_until_close=True, timeout=5):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(raw)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if not read_until_close and b"\r\n\r\n" in data:
                break
    except socket.timeout:
        pass
    return sock, data


def test_get_declaring_a_body_it_never_sends_is_answered_and_closed(silo, bucket):
    bucket.put_object("k", b"hello")
    url = bucket.sign_url("GET", "k", 60)
    path = url.split(str(silo.port), 1)[1]
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 9\r\n\r\n" % (path, silo.port)).encode()
    started = time.time()
    sock, data = exchange(silo.port, request)
    sock.close()
    assert time.time() - started < 3, "the server waited for a body that never came"
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"connection: close" in head.lower()
    assert body == b"hello"


def test_expect_100_continue(silo, bucket):
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    sock = socket.create_connection(("127.0.0.1", silo.port), timeout=5)
    sock.sendall(("PUT /%s/cont HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
                  % bucket.bucket_name).encode())
    interim = sock.recv(4096)
    assert interim.startswith(b"HTTP/1.1 100")
    sock.sendall(b"hello")
    final = b""
    while b"\r\n\r\n" not in final:
        final += sock.recv(4096)
    sock.close()
    assert final.startswith(b"HTTP/1.1 200")
    assert bucket.get_object("cont").read() == b"hello"


def test_missing_length_is_411(silo, bucket):
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    sock, data = exchange(silo.port, ("PUT /%s/nolen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                      % bucket.bucket_name).encode())
    sock.close()
    assert data.startswith(b"HTTP/1.1 411") and b"MissingContentLength" in data


def test_head_errors_carry_code_in_headers(silo, bucket):
    resp = requests.head("%s/%s/none" % (silo.endpoint, bucket.bucket_name))
    assert resp.status_code == 403
    assert "x-oss-err" in resp.headers and resp.headers["x-oss-request-id"]


def test_malformed_requests_get_protocol_errors_not_crashes(silo, bucket):
    base = "%s/%s" % (silo.endpoint, bucket.bucket_name)
    signed = oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    cases = [
        ("GET", base + "/%ZZ", {}),
        ("GET", base + "/k?%zz=1", {}),
        ("GET", base + "/k", {"Authorization": "OSS"}),
        ("GET", base + "/k", {"Authorization": "OSS4-HMAC-SHA256 Credential=x"}),
        ("GET", base + "/k", {"Authorization": "OSS2 garbage"}),
        ("GET", base + "/k?OSSAccessKeyId=x", {}),
        ("GET", base + "/k?OSSAccessKeyId=x&Expires=notanumber&Signature=y", {}),
        ("GET", base + "/k?x-oss-signature-version=OSS4-HMAC-SHA256", {}),
        ("GET", base + "/k?x-oss-signature-version=OSS9", {}),
        ("GET", base + "/k", {"Range": "bytes=-"}),
        ("GET", base + "/?max-keys=abc", {}),
        ("POST", base + "/?delete", {}),
        ("PUT", base + "/?cors", {}),
        ("DELETE", silo.endpoint + "/", {}),
    ]
    for method, url, headers in cases:
        resp = requests.request(method, url, headers=headers, data=b"<notxml")
        assert 400 <= resp.status_code < 500, (method, url, resp.status_code, resp.content)
        assert resp.headers.get("Content-Type") == "application/xml" or method == "HEAD"
        assert b"<Code>" in resp.content
    # Still alive and serving.
    assert requests.get(silo.endpoint + "/", auth=None).status_code == 403
