"""Tools the adversarial suite attacks with: raw sockets that keep sending while the server answers, hand-signed
requests whose paths no HTTP library is allowed to normalise, recording HTTP servers, and liveness probes."""

import base64
import email.utils
import hashlib
import hmac
import http.client
import json
import re
import select
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import oss2
import requests

from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def code(self):
        return xml_code(self.body)

    def __repr__(self):
        return "RawResponse(%r, %r, %r)" % (self.status, self.headers, self.body[:600])


def xml_code(content):
    match = re.search(rb"<Code>([^<]+)</Code>", content or b"")
    return match.group(1).decode() if match else None


def _read_response(sock, timeout):
    """Whatever the server answered before closing or going quiet; status None when it answered nothing."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            if length and len(body) >= int(length.group(1)):
                break
            if head.startswith(b"HTTP/1.1 100") or head.startswith(b"HTTP/1.0 100"):
                data = body
                continue
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError, OSError):
            break
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if not match:
        return RawResponse(None, {}, data)
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return RawResponse(int(match.group(1)), headers, body)


def stream_request(port, head, chunks=(), timeout=30):
    """Sends `head` then `chunks`, stopping as soon as the server answers (or hangs up), the way an attacker
    learns how much of a flood the server swallowed. Returns (response, body bytes sent, total body bytes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = 0
    try:
        sock.sendall(head)
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    try:
        return _read_response(sock, timeout), sent
    finally:
        sock.close()


def chunked(data, size=64 * 1024):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def quote_key(key):
    """Every dot encoded too, so no client or proxy on the way may fold `..` segments before the server sees them."""
    return urllib.parse.quote(key, safe="/-_~").replace(".", "%2E")


def v1_signed(server, method, bucket, key="", body=b"", headers=None, subresource="", query=""):
    """A V1-signed request over http.client, which sends the path exactly as given."""
    headers = dict(headers or {})
    headers["Date"] = email.utils.formatdate(usegmt=True)
    oss_headers = sorted((k.lower().strip(), str(v).strip()) for k, v in headers.items() if k.lower().startswith("x-oss-"))
    string_to_sign = "%s\n%s\n%s\n%s\n%s/%s/%s%s" % (
        method, headers.get("Content-MD5", ""), headers.get("Content-Type", ""), headers["Date"],
        "".join("%s:%s\n" % pair for pair in oss_headers), bucket, key, subresource)
    signature = base64.b64encode(hmac.new(ACCESS_KEY_SECRET.encode(), string_to_sign.encode(), hashlib.sha1).digest())
    headers["Authorization"] = "OSS %s:%s" % (ACCESS_KEY_ID, signature.decode())
    path = "/%s/%s" % (bucket, quote_key(key))
    if subresource or query:
        path += subresource or ("?" + query)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def root_auth():
    return oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)


def root_bucket(server, name, v4=False):
    auth = oss2.AuthV4(ACCESS_KEY_ID, ACCESS_KEY_SECRET) if v4 else root_auth()
    return oss2.Bucket(auth, server.endpoint, name, region=REGION)


def signed_raw(bucket, method, key="", **kwargs):
    """Any request through oss2's signer, for bodies the SDK has no method for; (status, code, body)."""
    try:
        response = bucket._do(method, bucket.bucket_name, key, **kwargs)
        return response.status, None, response.read()
    except oss2.exceptions.ServerError as error:
        return error.status, error.code, error.body


def assert_storage_alive(server):
    """The attack left a serving process: signed and anonymous requests are answered, and not with a 5xx."""
    assert server.process.poll() is None, "silo died: %s" % server.read_log()
    anonymous = requests.get(server.endpoint + "/", timeout=15)
    assert anonymous.status_code == 403 and xml_code(anonymous.content) == "AccessDenied", anonymous.content
    oss2.Service(root_auth(), server.endpoint).list_buckets()


def assert_app_alive(app):
    assert app.process.poll() is None, "the app server died: %s" % app.stderr()
    health = requests.get(app.url + "/healthz", timeout=15)
    assert health.status_code == 200, health.text


def vm_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for %d" % (field, pid))


class RssSampler:
    """The highest VmRSS seen while the block runs: a transient spike counts as much as a leak."""

    def __init__(self, pid, interval=0.02):
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.before = vm_kib(self.pid, "VmRSS")
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, vm_kib(self.pid, "VmRSS"))
            except (OSError, RuntimeError):
                return
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, vm_kib(self.pid, "VmRSS"))


class Recorder:
    """A local HTTP server recording every request; `answer(handler)` returns (status, headers, body)."""

    def __init__(self, answer=None):
        self.requests = []
        recorder = self
        self.answer = answer or (lambda handler: (200, {"Content-Type": "application/json"}, b'{"Status":"OK"}'))

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append((self.command, self.path, dict(self.headers), body))
                status, headers, payload = recorder.answer(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def callback_header(url, body="object=${object}", body_type=None):
    config = {"callbackUrl": url, "callbackBody": body}
    if body_type:
        config["callbackBodyType"] = body_type
    return {"x-oss-callback": base64.b64encode(json.dumps(config).encode()).decode()}


def post_json_from(source_ip, url, path, document, timeout=30):
    """POSTs JSON from a chosen loopback source address (Linux answers to any 127/8 source)."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout, source_address=(source_ip, 0))
    try:
        connection.request("POST", path, body=json.dumps(document).encode(), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()
