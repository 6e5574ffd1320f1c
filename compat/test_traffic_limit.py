"""x-oss-traffic-limit through oss2: transfers are paced to the limit (a lower bound on their duration, which no
amount of machine noise can make shorter), and a limit outside OSS's range is refused before anything moves."""

import time

import oss2
import pytest
import requests
from oss2.models import OSS_TRAFFIC_LIMIT

LIMIT = 245760  # bits per second: OSS's minimum, 30 KiB/s
SIZE = 64 * 1024
SECONDS = SIZE * 8 / LIMIT  # 2.13 s


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_uploads_and_downloads_are_paced(bucket):
    data = b"p" * SIZE
    _, elapsed = timed(lambda: bucket.put_object("paced", data, headers={OSS_TRAFFIC_LIMIT: str(LIMIT)}))
    assert elapsed >= SECONDS * 0.9
    got, elapsed = timed(lambda: bucket.get_object("paced", headers={OSS_TRAFFIC_LIMIT: str(LIMIT)}).read())
    assert got == data and elapsed >= SECONDS * 0.9
    # A presigned URL carries the limit in its signed query.
    url = bucket.sign_url("GET", "paced", 600, params={OSS_TRAFFIC_LIMIT: str(LIMIT)})
    response, elapsed = timed(lambda: requests.get(url))
    assert response.content == data and elapsed >= SECONDS * 0.9


def test_a_limit_outside_the_range_is_refused_and_stores_nothing(bucket):
    for value in ["245759", "838860801", "fast"]:
        with pytest.raises(oss2.exceptions.InvalidArgument):
            bucket.put_object("refused", b"x", headers={OSS_TRAFFIC_LIMIT: value})
    assert not bucket.object_exists("refused")
