"""Crash safety: kill -9 under concurrent writes, restart, and check every acknowledged byte and every file."""

import hashlib
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import oss2
import pytest

from conftest import random_name
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from storage_audit import assert_no_orphans

WRITERS = 100


def payload(rng):
    return rng.randbytes(rng.choice([0, 1, 4096, 100_000, 700_000, 2_000_000]))


class Ledger:
    """Per key, every write attempted (in order) and the position of the last one acknowledged."""

    def __init__(self):
        self.attempts = {}
        self.last_ack = {}
        self.lock = threading.Lock()

    def attempt(self, key, digest):
        with self.lock:
            self.attempts.setdefault(key, []).append(digest)
            return len(self.attempts[key]) - 1

    def acknowledge(self, key, position):
        with self.lock:
            self.last_ack[key] = position

    def acceptable(self, key):
        """What the key may hold after a crash: the last acknowledged write or any attempted after it."""
        attempts = self.attempts.get(key, [])
        return set(attempts[self.last_ack.get(key, 0):])


def hammer(endpoint, bucket_name, ledger, stop, seed):
    """Each writer overwrites its own key over and over until the server dies."""
    def writer(index):
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), endpoint, bucket_name, region=REGION,
                             connect_timeout=5)
        rng = random.Random("%d/%d" % (seed, index))
        key = "k%03d" % index
        while not stop.is_set():
            data = payload(rng)
            position = ledger.attempt(key, hashlib.md5(data).hexdigest())
            try:
                bucket.put_object(key, data)
            except Exception:
                return  # the server died under us: this write was never acknowledged
            ledger.acknowledge(key, position)
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))


@pytest.mark.timeout(900)
def test_kill_9_during_concurrent_puts_loses_nothing_acknowledged():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
    server.start()
    bucket_name = random_name("crash")
    oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name, region=REGION).create_bucket()
    ledger = Ledger()
    try:
        for generation in range(3):
            stop = threading.Event()
            acknowledged_before = len(ledger.last_ack)
            thread = threading.Thread(target=hammer, args=(server.endpoint, bucket_name, ledger, stop, generation))
            thread.start()
            time.sleep(random.uniform(1.5, 4.0))
            server.kill()
            stop.set()
            thread.join()
            assert len(ledger.last_ack) >= acknowledged_before and ledger.last_ack, "nothing was acknowledged"

            server.start()
            bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name, region=REGION)
            listed = {obj.key: obj.size for obj in oss2.ObjectIterator(bucket)}
            for key in ledger.last_ack:
                assert key in listed, "acknowledged object %s lost" % key
            for key, size in listed.items():
                data = bucket.get_object(key).read()
                assert len(data) == size
                assert hashlib.md5(data).hexdigest() in ledger.acceptable(key), \
                    "object %s is not a whole acknowledged (or later attempted) write" % key

            server.stop()
            assert_no_orphans(server.data_dir)
            server.start()
    finally:
        server.cleanup()
