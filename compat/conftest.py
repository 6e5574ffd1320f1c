import os
import random
import string
import sys

import oss2
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402

# The upstream runner drives the sdist's own tests; pytest must not collect them from here.
collect_ignore = ["upstream", ".upstream"]


def random_name(prefix="t"):
    return prefix + "-" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(10))


@pytest.fixture(scope="module")
def silo():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0"])
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(params=["v1", "v4"])
def auth(request):
    return oss2.make_auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, request.param)


@pytest.fixture
def bucket(silo, auth):
    name = random_name("b")
    bucket = oss2.Bucket(auth, silo.endpoint, name, region=REGION)
    bucket.create_bucket()
    yield bucket
    for upload in oss2.MultipartUploadIterator(bucket):
        bucket.abort_multipart_upload(upload.key, upload.upload_id)
    for obj in oss2.ObjectIterator(bucket):
        bucket.delete_object(obj.key)
    bucket.delete_bucket()
