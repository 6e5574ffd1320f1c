"""Small PUTs acknowledged on one sync: their bytes ride in the metadata commit and their files are synced later.
A process kill keeps unsynced files (the page cache survives it); a power loss need not. This stands in for one:
kill -9 right after the writes, empty or remove the files whose bytes are still journaled, restart, and every
acknowledged object must read back whole."""

import os

import oss2

from conftest import random_name
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from storage_audit import assert_no_orphans, journaled_blobs


def blob_paths(data_dir, blob):
    return [os.path.join(data_dir, "blobs", blob[:2], blob[2:4], blob), os.path.join(data_dir, "staging", blob)]


def test_journaled_small_objects_survive_the_loss_of_their_files(tmp_path):
    # The checkpoint (every second) may sync and forget every write before the kill; then there is nothing to
    # lose, so the round is run again.
    for attempt in range(5):
        data_dir = str(tmp_path / ("data%d" % attempt))
        server = SiloServer(data_dir=data_dir)
        server.start()
        bucket_name = random_name("journal")
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name, region=REGION)
        bucket.create_bucket()
        written = {}
        for index in range(30):
            body = os.urandom([0, 1, 4096, 16 << 10][index % 4])
            bucket.put_object("k%02d" % index, body)
            written["k%02d" % index] = body
        server.kill()
        pending = journaled_blobs(data_dir)
        if not pending:
            continue
        # What a power loss may do to files written but never synced: leave them empty, or take them away.
        damaged = 0
        for position, blob in enumerate(pending):
            for path in blob_paths(data_dir, blob):
                if os.path.exists(path):
                    damaged += 1
                    if position % 2:
                        os.remove(path)
                    else:
                        open(path, "wb").close()
        assert damaged > 0
        print("journaled blobs damaged before the restart: %d" % damaged)
        server.start()
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, bucket_name, region=REGION)
        try:
            for key, body in written.items():
                assert bucket.get_object(key).read() == body, key
            assert journaled_blobs(data_dir) == []
        finally:
            server.stop()
        assert_no_orphans(data_dir)
        return
    raise AssertionError("every round's writes were checkpointed before the kill: nothing was tested")
