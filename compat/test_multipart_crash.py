"""Crash safety of multipart: kill -9 at random moments while many clients initiate, upload parts, complete and
abort, then restart and check every invariant against a ledger of what was attempted and what was acknowledged.

Each writer owns one key and works strictly in sequence, so at the moment of the kill at most one of its
operations is in doubt. Everything acknowledged must have survived; the operation in doubt either happened
whole or not at all."""

import hashlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import oss2
import requests
import pytest
from oss2.models import PartInfo

from conftest import random_name
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from storage_audit import assert_no_orphans

CYCLES = 20
WRITERS = 12
KIB = 1024
MIN_PART = 100 * KIB


def etag_of(data):
    return hashlib.md5(data).hexdigest().upper()


class Upload:
    def __init__(self, key):
        self.key = key
        self.state = "open"  # open | completing | completed | aborting | aborted
        self.parts = {}  # number -> {"attempts": [(etag, size)], "ack": index or None}
        self.content_etag = None  # MD5 of the whole content a complete was attempted with


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.uploads = {}
        self.initiating = set()  # keys whose initiate was sent but not acknowledged
        self.objects = {}  # key -> {"attempts": [content md5], "ack": index or None}
        self.unexpected = []

    def object_attempt(self, key, content_etag):
        with self.lock:
            entry = self.objects.setdefault(key, {"attempts": [], "ack": None})
            entry["attempts"].append(content_etag)
            return len(entry["attempts"]) - 1

    def object_ack(self, key, position):
        with self.lock:
            self.objects[key]["ack"] = position

    def acceptable_contents(self, key):
        entry = self.objects.get(key)
        if entry is None:
            return set(), True
        if entry["ack"] is None:
            return set(entry["attempts"]), True
        return set(entry["attempts"][entry["ack"]:]), False

    def part_attempt(self, upload_id, number, data):
        with self.lock:
            part = self.uploads[upload_id].parts.setdefault(number, {"attempts": [], "ack": None})
            part["attempts"].append((etag_of(data), len(data)))
            return len(part["attempts"]) - 1

    def part_ack(self, upload_id, number, position):
        with self.lock:
            self.uploads[upload_id].parts[number]["ack"] = position


def run_writer(endpoint, bucket_name, ledger, stop, seed, index):
    auth = oss2.make_auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, "v4" if index % 2 else "v1")
    bucket = oss2.Bucket(auth, endpoint, bucket_name, region=REGION, connect_timeout=5)
    rng = random.Random("%s/%d" % (seed, index))
    key = "k%02d" % index

    def call(fn, *args):
        """True if acknowledged; False if the server died under us. A protocol error is a finding."""
        try:
            fn(*args)
            return True
        except oss2.exceptions.RequestError:
            return False
        except requests.exceptions.RequestException:
            return False  # killed between the answer's headers and its body: oss2 reads the body unwrapped
        except oss2.exceptions.OssError as error:
            if error.status >= 500 or error.status < 0 or error.status == 200:
                return False  # connection cut mid-response
            ledger.unexpected.append("%s %s: %s %s" % (key, fn.__name__, error.status, error.code))
            return False

    while not stop.is_set():
        with ledger.lock:
            ledger.initiating.add(key)
        holder = {}
        if not call(lambda: holder.setdefault("id", bucket.init_multipart_upload(key).upload_id)):
            return
        upload_id = holder["id"]
        with ledger.lock:
            ledger.initiating.discard(key)
            ledger.uploads[upload_id] = Upload(key)

        count = rng.randint(1, 5)
        numbers = list(range(1, count + 1))
        rng.shuffle(numbers)
        if rng.random() < 0.3:
            numbers.append(rng.choice(numbers))  # the same part again: the last write must win
        stored = {}
        for number in numbers:
            size = rng.randint(MIN_PART, 3 * MIN_PART) if number < count else rng.randint(1, 3 * MIN_PART)
            data = rng.randbytes(size)
            position = ledger.part_attempt(upload_id, number, data)
            if not call(bucket.upload_part, key, upload_id, number, data):
                return
            ledger.part_ack(upload_id, number, position)
            stored[number] = data

        choice = rng.random()
        if choice < 0.7:
            content = b"".join(stored[n] for n in sorted(stored))
            upload = ledger.uploads[upload_id]
            upload.content_etag = etag_of(content)
            position = ledger.object_attempt(key, upload.content_etag)
            upload.state = "completing"
            parts = [PartInfo(n, etag_of(stored[n])) for n in sorted(stored)]
            if not call(bucket.complete_multipart_upload, key, upload_id, parts):
                return
            upload.state = "completed"
            ledger.object_ack(key, position)
        elif choice < 0.85:
            ledger.uploads[upload_id].state = "aborting"
            if not call(bucket.abort_multipart_upload, key, upload_id):
                return
            ledger.uploads[upload_id].state = "aborted"


def verify(bucket, ledger):
    """Checks every invariant after a restart; returns the uploads still open (id -> key)."""
    listed_uploads = {u.upload_id: u.key for u in oss2.MultipartUploadIterator(bucket)}
    for upload_id, key in listed_uploads.items():
        if upload_id not in ledger.uploads:
            assert key in ledger.initiating, "upload %s of %s appeared from nowhere" % (upload_id, key)

    objects = {}
    for obj in oss2.ObjectIterator(bucket):
        data = bucket.get_object(obj.key).read()
        assert len(data) == obj.size, "partial object %s" % obj.key
        objects[obj.key] = etag_of(data)

    for key in set(ledger.objects) | set(objects):
        acceptable, may_be_absent = ledger.acceptable_contents(key)
        if key not in objects:
            assert may_be_absent, "acknowledged object %s lost" % key
        else:
            assert objects[key] in acceptable, "object %s is not a whole completed upload" % key

    for upload_id, upload in ledger.uploads.items():
        present = upload_id in listed_uploads
        if upload.state in ("open", "completing", "aborting"):
            if upload.state == "open":
                assert present, "acknowledged upload %s lost" % upload_id
            if upload.state == "completing":
                # Finished exactly when the upload is gone, and then the object is that upload's content.
                finished = objects.get(upload.key) == upload.content_etag
                assert finished != present, "complete of %s half done (object %s, upload listed %s)" % (
                    upload_id, finished, present)
        else:
            assert not present, "%s upload %s is still listed" % (upload.state, upload_id)
        if present:
            listed_parts = {p.part_number: p for p in oss2.PartIterator(bucket, upload.key, upload_id)}
            assert set(listed_parts) <= set(upload.parts), "parts nobody sent in %s" % upload_id
            for number, part in upload.parts.items():
                got = listed_parts.get(number)
                if part["ack"] is not None:
                    assert got is not None, "acknowledged part %d of %s lost" % (number, upload_id)
                    allowed = part["attempts"][part["ack"]:]
                else:
                    allowed = part["attempts"]
                if got is not None:
                    assert (got.etag, got.size) in allowed, "part %d of %s is not a whole write" % (
                        number, upload_id)
    return listed_uploads


def settle(bucket, ledger, open_uploads):
    """Completes every upload left open, proving their stored parts' bytes, so the next cycle starts clean."""
    for upload_id, key in open_uploads.items():
        parts = list(oss2.PartIterator(bucket, key, upload_id))
        if not parts:
            bucket.abort_multipart_upload(key, upload_id)
            continue
        bucket.complete_multipart_upload(key, upload_id, [PartInfo(p.part_number, p.etag) for p in parts])
        data = bucket.get_object(key).read()
        offset = 0
        for part in parts:
            assert etag_of(data[offset:offset + part.size]) == part.etag, "bytes of part %d of %s" % (
                part.part_number, upload_id)
            offset += part.size
        assert offset == len(data)
        position = ledger.object_attempt(key, etag_of(data))
        ledger.object_ack(key, position)
    ledger.uploads.clear()
    ledger.initiating.clear()


@pytest.mark.timeout(1200)
def test_kill_9_during_concurrent_multipart_keeps_every_invariant():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
    server.start()
    bucket_name = random_name("mpcrash")
    oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name,
                region=REGION).create_bucket()
    ledger = Ledger()
    interrupted = {"completing": 0, "aborting": 0, "parts": 0}
    try:
        for cycle in range(CYCLES):
            stop = threading.Event()
            with ThreadPoolExecutor(WRITERS) as pool:
                futures = [pool.submit(run_writer, server.endpoint, bucket_name, ledger, stop, cycle, i)
                           for i in range(WRITERS)]
                time.sleep(random.uniform(0.8, 2.5))
                server.kill()
                stop.set()
                for future in futures:
                    future.result()
            assert not ledger.unexpected, ledger.unexpected
            for upload in ledger.uploads.values():
                if upload.state in ("completing", "aborting"):
                    interrupted[upload.state] += 1
                interrupted["parts"] += sum(1 for p in upload.parts.values()
                                            if len(p["attempts"]) - 1 != p["ack"])

            server.start()
            bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name,
                                 region=REGION)
            open_uploads = verify(bucket, ledger)

            # After recovery and a clean stop, every file on disk is referenced and every reference has its file.
            server.stop()
            assert_no_orphans(server.data_dir)
            server.start()
            bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name,
                                 region=REGION)
            settle(bucket, ledger, open_uploads)
        print("operations in doubt at the kills:", interrupted)
        assert interrupted["completing"] + interrupted["parts"] > 0, "no kill ever landed mid-operation"
    finally:
        server.cleanup()
