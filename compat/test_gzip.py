"""OSS's on-the-fly gzip, as a browser or an SDK with Accept-Encoding meets it: text-like objects of 1 KiB or more
come compressed and chunked on a whole GET; ranges, small objects, binary types and clients that do not ask come
as stored."""

import gzip
import os

import http.client
import urllib.parse

import oss2


def raw_get(bucket, key, headers):
    """The bytes on the wire, without the decoding requests would do."""
    url = urllib.parse.urlsplit(bucket.sign_url("GET", key, 600))
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("GET", url.path + "?" + url.query, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_text_is_sent_gzipped_and_chunked_and_decodes_to_the_stored_bytes(bucket):
    text = ("line %d of a log\n" * 4000 % tuple(range(4000))).encode()
    bucket.put_object("logs/app.log", text, headers={"Content-Type": "text/plain"})
    response, body = raw_get(bucket, "logs/app.log", {"Accept-Encoding": "gzip, deflate"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Transfer-Encoding") == "chunked" and response.getheader("Content-Length") is None
    assert len(body) < len(text) // 3
    assert gzip.decompress(body) == text
    # The CRC-64 header describes the stored bytes, so oss2's check holds after decoding.
    got = bucket.get_object("logs/app.log", headers={"Accept-Encoding": "gzip"})
    assert got.read() == text


def test_what_is_not_compressed(bucket):
    text = b"x" * 5000
    bucket.put_object("a.txt", text, headers={"Content-Type": "text/plain"})
    bucket.put_object("small.txt", b"x" * 1000, headers={"Content-Type": "text/plain"})
    bucket.put_object("photo.jpg", os.urandom(5000), headers={"Content-Type": "image/jpeg"})
    for key, headers in [("a.txt", {}), ("a.txt", {"Accept-Encoding": "gzip;q=0"}),
                         ("a.txt", {"Accept-Encoding": "gzip", "Range": "bytes=0-99"}),
                         ("small.txt", {"Accept-Encoding": "gzip"}), ("photo.jpg", {"Accept-Encoding": "gzip"})]:
        response, body = raw_get(bucket, key, headers)
        assert response.getheader("Content-Encoding") is None, (key, headers)
        assert int(response.getheader("Content-Length")) == len(body)
