"""oss2's resumable transfers against a real silo: an upload killed midway resumes from its checkpoint and sends
only what is missing; a multi-threaded ranged download reassembles the object exactly."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import oss2
import pytest

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

MIB = 1024 * 1024
FILE_SIZE = 200 * MIB
PART_SIZE = 10 * MIB

# Runs in a child process that SIGKILLs itself once enough bytes went out: a phone losing the app mid-upload.
INTERRUPTED_UPLOAD = textwrap.dedent("""
    import os, signal, sys
    import oss2
    endpoint, bucket_name, key, path, store_root, auth_version, kill_after = sys.argv[1:]
    bucket = oss2.Bucket(oss2.make_auth(%r, %r, auth_version), endpoint, bucket_name, region=%r)
    def progress(consumed, total):
        if consumed >= int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)
    oss2.resumable_upload(bucket, key, path, store=oss2.ResumableStore(root=store_root),
                          multipart_threshold=%d, part_size=%d, num_threads=3, progress_callback=progress)
    print("finished without being killed")
""") % (ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, PART_SIZE, PART_SIZE)


def crc64_of_file(path):
    crc = oss2.utils.Crc64(0)
    md5 = hashlib.md5()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(MIB)
            if not chunk:
                return md5.hexdigest(), crc.crc
            crc.update(chunk)
            md5.update(chunk)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("resumable") / "big.bin"
    with open(path, "wb") as f:
        for _ in range(FILE_SIZE // MIB):
            f.write(os.urandom(MIB))
    return str(path)


def checkpoint(store_root):
    records = []
    for root, _, files in os.walk(store_root):
        for name in files:
            with open(os.path.join(root, name)) as f:
                records.append(json.load(f))
    assert len(records) == 1, records
    return records[0]


def settled_parts(bucket, key, upload_id):
    """The parts once the server has finished what the dead client had already put on the wire: a part whose
    bytes all left before the kill is still stored, a moment later, and the resume rightly skips it."""
    previous = None
    for _ in range(50):
        current = {part.part_number: part for part in oss2.PartIterator(bucket, key, upload_id)}
        if previous is not None and current.keys() == previous.keys():
            return current
        previous = current
        time.sleep(0.5)
    raise AssertionError("the part list never settled")


def test_interrupted_upload_resumes_with_only_the_missing_parts(silo, bucket, big_file, tmp_path, auth):
    key = random_name("resume") + ".bin"
    store_root = str(tmp_path / "checkpoints")
    version = "v4" if isinstance(auth, oss2.ProviderAuthV4) else "v1"
    child = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_UPLOAD, silo.endpoint, bucket.bucket_name, key, big_file, store_root,
         version, str(70 * MIB)], capture_output=True, timeout=600)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    record = checkpoint(store_root)
    stored = settled_parts(bucket, key, record["upload_id"])
    all_parts = set(range(1, FILE_SIZE // PART_SIZE + 1))
    assert stored and set(stored) < all_parts, "the kill should leave some parts stored and some missing"
    # Every part the server acknowledged is whole: its ETag is the MD5 of exactly that slice of the file.
    with open(big_file, "rb") as f:
        for number, part in stored.items():
            f.seek((number - 1) * PART_SIZE)
            assert part.size == PART_SIZE
            assert part.etag == hashlib.md5(f.read(PART_SIZE)).hexdigest().upper(), number

    sent = []
    original_upload_part = bucket.upload_part

    def counting_upload_part(key_, upload_id, part_number, data, *args, **kwargs):
        sent.append(part_number)
        return original_upload_part(key_, upload_id, part_number, data, *args, **kwargs)

    bucket.upload_part = counting_upload_part
    oss2.resumable_upload(bucket, key, big_file, store=oss2.ResumableStore(root=store_root),
                          multipart_threshold=PART_SIZE, part_size=PART_SIZE, num_threads=3)
    assert sorted(sent) == sorted(all_parts - set(stored)), "resume must send exactly the missing parts"

    expected_md5, expected_crc = crc64_of_file(big_file)
    head = bucket.head_object(key)
    assert head.content_length == FILE_SIZE
    assert int(head.headers["x-oss-hash-crc64ecma"]) == expected_crc
    md5 = hashlib.md5()
    for chunk in bucket.get_object(key):
        md5.update(chunk)
    assert md5.hexdigest() == expected_md5
    assert list(oss2.MultipartUploadIterator(bucket)) == []


def test_resumable_download_with_several_threads(bucket, big_file, tmp_path):
    key = random_name("download") + ".bin"
    oss2.resumable_upload(bucket, key, big_file, multipart_threshold=PART_SIZE, part_size=PART_SIZE, num_threads=4,
                          store=oss2.ResumableStore(root=str(tmp_path / "up")))
    target = str(tmp_path / "copy.bin")
    oss2.resumable_download(bucket, key, target, multiget_threshold=MIB, part_size=4 * MIB, num_threads=4,
                            store=oss2.ResumableDownloadStore(root=str(tmp_path / "down")))
    assert crc64_of_file(target) == crc64_of_file(big_file)
