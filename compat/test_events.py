"""Durable bucket event notifications: webhooks get a signed JSON event for each committed change, at least once
and in commit order per key, across a kill -9 of the server; an upload killed before its commit announces
nothing; events given up on become dead letters that `silo events replay` delivers again."""

import base64
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request

import oss2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer


class Receiver:
    """A webhook endpoint on loopback that records what it is sent, answering `status`."""

    def __init__(self):
        self.status = 200
        self.received = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.status
                if status == 200:
                    with receiver.lock:
                        receiver.received.append((dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]

    def events(self):
        with self.lock:
            return [(json.loads(body)["events"][0], headers, body) for headers, body in self.received]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def start_server(data_dir=None):
    server = SiloServer(data_dir=data_dir, extra_args=["--callback-policy", "loopback", "--event-max-attempts", "2"])
    server.start()
    return server


def silo(server, *args):
    env = dict(os.environ, SILO_ENDPOINT=server.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
               SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    return subprocess.run([server.binary] + list(args), capture_output=True, text=True, env=env, check=True, timeout=60)


def wait_for(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def bucket_on(server, name):
    return oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)


def test_signed_events_in_commit_order(receiver):
    server = start_server()
    try:
        name = random_name("ev")
        bucket = bucket_on(server, name)
        bucket.create_bucket()
        silo(server, "events", "set", name, "--id", "all", "--event", "ObjectCreated:*", "--event", "ObjectRemoved:*",
             "--prefix", "photos/", "--url", receiver.url)
        shown = json.loads(silo(server, "events", "show", name, "--json").stdout)
        assert shown["rules"][0]["endpoint"] == receiver.url
        bucket.put_object("photos/a.jpg", b"one")
        bucket.put_object("photos/a.jpg", b"two")
        bucket.put_object("docs/skip.txt", b"no rule")
        bucket.put_object_acl("photos/a.jpg", oss2.OBJECT_ACL_PUBLIC_READ)  # not new content: no event
        bucket.delete_object("photos/a.jpg")
        assert wait_for(lambda: len(receiver.events()) >= 3)
        time.sleep(1.5)
        events = receiver.events()
        assert [(e["eventName"], e["oss"]["object"]["key"]) for e, _, _ in events] == [
            ("ObjectCreated:Put", "photos/a.jpg"), ("ObjectCreated:Put", "photos/a.jpg"),
            ("ObjectRemoved:Delete", "photos/a.jpg")]
        assert events[0][0]["oss"]["object"]["size"] == 3 and events[0][0]["oss"]["bucket"]["name"] == name
        # Each is signed with storage's key, which the URL in x-oss-pub-key-url serves (as for callbacks).
        event, headers, body = events[1]
        key_url = base64.b64decode(headers["x-oss-pub-key-url"]).decode()
        public_key = load_pem_public_key(urllib.request.urlopen(key_url).read())
        public_key.verify(base64.b64decode(headers["x-silo-event-signature"]), body, padding.PKCS1v15(), hashes.SHA256())
    finally:
        server.cleanup()


def test_events_survive_a_kill_and_an_unfinished_upload_announces_nothing(receiver):
    server = start_server()
    try:
        name = random_name("evk")
        bucket = bucket_on(server, name)
        bucket.create_bucket()
        silo(server, "events", "set", name, "--id", "all", "--url", receiver.url)
        receiver.status = 503  # the app is down: events stay in the outbox
        for index in range(5):
            bucket.put_object("k%d" % index, b"x")
        # An upload the server is killed in the middle of: its bytes never commit.
        host, port = server.endpoint.replace("http://", "").split(":")
        url = bucket.sign_url("PUT", "unfinished", 60)
        path = url.split(server.endpoint, 1)[1]
        sock = socket.create_connection((host, int(port)))
        sock.sendall(("PUT %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Length: 1000000\r\n\r\n" % (path, host, port)).encode())
        sock.sendall(b"x" * 1000)
        time.sleep(0.3)
        server.kill()
        sock.close()
        assert receiver.events() == []

        server.start()
        receiver.status = 200
        assert wait_for(lambda: len(receiver.events()) >= 5, seconds=30)
        time.sleep(1.5)
        keys = [e["oss"]["object"]["key"] for e, _, _ in receiver.events()]
        assert sorted(set(keys)) == ["k0", "k1", "k2", "k3", "k4"], keys
        assert "unfinished" not in keys
        assert not bucket_on(server, name).object_exists("unfinished")
    finally:
        server.cleanup()


def test_dead_letters_are_listed_and_replayed(receiver):
    server = start_server()
    try:
        name = random_name("evd")
        bucket = bucket_on(server, name)
        bucket.create_bucket()
        silo(server, "events", "set", name, "--id", "all", "--url", receiver.url)
        receiver.status = 500
        bucket.put_object("lost.txt", b"x")

        def dead():
            return json.loads(silo(server, "events", "dead", name, "--json").stdout)
        # Two attempts (the second after a 1 s backoff), then it is a dead letter.
        assert wait_for(lambda: len(dead()) == 1, seconds=20)
        letter = dead()[0]
        assert letter["key"] == "lost.txt" and letter["attempts"] == 2 and letter["lastError"] == "HTTP 500"
        receiver.status = 200
        replayed = json.loads(silo(server, "events", "replay", name, "--json").stdout)
        assert replayed == {"replayed": 1}
        assert wait_for(lambda: len(receiver.events()) == 1)
        assert dead() == []
    finally:
        server.cleanup()
