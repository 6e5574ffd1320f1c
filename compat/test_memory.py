"""A 1 GiB upload and download stream through the server: its resident memory grows by less than 64 MiB."""

import hashlib
import os
import threading
import time

import oss2
import pytest

from conftest import random_name
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

SIZE = 1 << 30
LIMIT_KIB = 64 * 1024


class GeneratedFile:
    """A file-like 1 GiB body with a known length, generated on the fly and hashed as it is read."""

    def __init__(self, size):
        self.size = size
        self.sent = 0
        self.md5 = hashlib.md5()
        self.block = os.urandom(1 << 20)

    def __len__(self):
        return self.size

    def read(self, amount=-1):
        if amount is None or amount < 0:
            amount = self.size - self.sent
        amount = min(amount, self.size - self.sent, len(self.block))
        if amount <= 0:
            return b""
        rotate = self.sent % 4093
        chunk = (self.block[rotate:] + self.block[:rotate])[:amount]
        self.sent += amount
        self.md5.update(chunk)
        return chunk


class PeakRSS(threading.Thread):
    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.peak = server.rss_kib()
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, self.server.rss_kib())
            time.sleep(0.02)


@pytest.mark.timeout(1200)
def test_one_gib_put_and_get_stay_within_64_mib_of_rss():
    with SiloServer() as server:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("mem"),
                             region=REGION)
        bucket.create_bucket()
        bucket.put_object("warm-up", b"x" * 1024)
        bucket.get_object("warm-up").read()
        baseline = server.rss_kib()
        sampler = PeakRSS(server)
        sampler.start()
        body = GeneratedFile(SIZE)
        result = bucket.put_object("big", body)
        assert body.sent == SIZE
        assert result.etag == body.md5.hexdigest().upper()
        download = hashlib.md5()
        received = 0
        for chunk in bucket.get_object("big"):
            download.update(chunk)
            received += len(chunk)
        sampler.running = False
        sampler.join()
        assert received == SIZE
        assert download.hexdigest() == body.md5.hexdigest()
        growth = sampler.peak - baseline
        print("RSS baseline %d KiB, peak %d KiB, growth %d KiB" % (baseline, sampler.peak, growth))
        assert growth < LIMIT_KIB, "RSS grew by %d KiB" % growth
