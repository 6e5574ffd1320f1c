"""Multipart upload through oss2 against a real silo: the API, its errors, concurrency, and freed disk space."""

import hashlib
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import oss2
import pytest
import requests
from oss2.models import PartInfo

from conftest import random_name
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from storage_audit import blob_files, referenced_blobs, settled_blob_files

KB = 1024
MIN_PART = 100 * KB


def crc64(data):
    crc = oss2.utils.Crc64(0)
    crc.update(data)
    return crc.crc


def multipart_etag(part_etags):
    joined = "".join(etag.upper() for etag in part_etags)
    return hashlib.md5(joined.encode()).hexdigest().upper() + "-%d" % len(part_etags)


def upload_parts(bucket, key, upload_id, chunks, first=1):
    parts = []
    for number, chunk in enumerate(chunks, first):
        result = bucket.upload_part(key, upload_id, number, chunk)
        parts.append(PartInfo(number, result.etag, size=len(chunk), part_crc=result.crc))
    return parts


def raw_complete(bucket, key, upload_id, numbered_etags):
    """CompleteMultipartUpload with the parts in the given order (oss2 sorts them itself)."""
    body = "<CompleteMultipartUpload>" + "".join(
        "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>" % (number, etag) for number, etag in numbered_etags
    ) + "</CompleteMultipartUpload>"
    response = requests.post(bucket.sign_url("POST", key, 60, params={"uploadId": upload_id}), data=body.encode())
    code = re.search(r"<Code>([^<]*)</Code>", response.text)
    return response.status_code, code.group(1) if code else "OK"


def error_code(call):
    with pytest.raises(oss2.exceptions.OssError) as raised:
        call()
    return raised.value.status, raised.value.code


def test_round_trip_etag_crc_and_initiate_attributes(bucket):
    key = "videos/clip.mp4"
    chunks = [os.urandom(MIN_PART + 17), os.urandom(MIN_PART), os.urandom(33)]
    upload = bucket.init_multipart_upload(key, headers={
        "Content-Type": "video/mp4", "Cache-Control": "max-age=60", "x-oss-meta-origin": "phone",
        "x-oss-object-acl": "public-read"})
    assert len(upload.upload_id) == 32
    parts = upload_parts(bucket, key, upload.upload_id, chunks)
    for part, chunk in zip(parts, chunks):
        assert part.etag == hashlib.md5(chunk).hexdigest().upper()
        assert part.part_crc == crc64(chunk)
    # oss2 checks the combined CRC against the response itself, since the parts carry their CRCs.
    result = bucket.complete_multipart_upload(key, upload.upload_id, parts)
    whole = b"".join(chunks)
    assert result.etag == multipart_etag([p.etag for p in parts])
    assert result.crc == crc64(whole)

    got = bucket.get_object(key)
    assert got.read() == whole
    assert got.headers["Content-Type"] == "video/mp4"
    assert got.headers["Cache-Control"] == "max-age=60"
    assert got.headers["x-oss-meta-origin"] == "phone"
    assert got.headers["x-oss-object-type"] == "Multipart"
    assert int(got.headers["x-oss-hash-crc64ecma"]) == crc64(whole)
    assert bucket.get_object_acl(key).acl == "public-read"
    assert bucket.head_object(key).etag == result.etag


def test_range_reads_span_parts(bucket):
    key = random_name("span")
    chunks = [os.urandom(MIN_PART), os.urandom(MIN_PART + 1), os.urandom(MIN_PART), os.urandom(5)]
    upload = bucket.init_multipart_upload(key)
    bucket.complete_multipart_upload(key, upload.upload_id, upload_parts(bucket, key, upload.upload_id, chunks))
    whole = b"".join(chunks)
    for start, end in [(0, 0), (MIN_PART - 3, MIN_PART + 3), (MIN_PART - 1, 3 * MIN_PART + 2), (0, len(whole) - 1),
                       (len(whole) - 5, len(whole) - 1), (10, 300 * KB)]:
        assert bucket.get_object(key, byte_range=(start, end)).read() == whole[start:end + 1], (start, end)


def test_list_parts_paging_markers_and_crcs(bucket, silo):
    key = "a b/中文.bin"
    upload = bucket.init_multipart_upload(key)
    chunks = [os.urandom(1000 + n) for n in range(7)]
    parts = upload_parts(bucket, key, upload.upload_id, chunks)
    listed = list(oss2.PartIterator(bucket, key, upload.upload_id, max_parts=3))
    assert [(p.part_number, p.etag, p.size) for p in listed] == [(p.part_number, p.etag, p.size) for p in parts]

    first = bucket.list_parts(key, upload.upload_id, max_parts=3)
    assert first.is_truncated and first.next_marker == "3"
    last = bucket.list_parts(key, upload.upload_id, marker="6", max_parts=3)
    assert not last.is_truncated and last.next_marker == "7" and [p.part_number for p in last.parts] == [7]
    empty = bucket.list_parts(key, upload.upload_id, marker="9")
    assert empty.parts == [] and empty.next_marker == "9"

    # The v2 SDK's resume rebuilds the object CRC from HashCrc64ecma; oss2 does not parse it, so read the XML.
    url = bucket.sign_url("GET", key, 60, params={"uploadId": upload.upload_id, "encoding-type": "url"})
    body = requests.get(url).text
    assert "<EncodingType>url</EncodingType>" in body
    assert "<Key>a%20b%2F%E4%B8%AD%E6%96%87.bin</Key>" in body
    for part, chunk in zip(parts, chunks):
        assert "<HashCrc64ecma>%d</HashCrc64ecma>" % crc64(chunk) in body


def test_complete_validation_errors_in_order(bucket):
    key = random_name("v")
    upload = bucket.init_multipart_upload(key)
    small, big = os.urandom(10), os.urandom(MIN_PART)
    p1 = bucket.upload_part(key, upload.upload_id, 1, small)
    p2 = bucket.upload_part(key, upload.upload_id, 2, big)
    complete = bucket.complete_multipart_upload
    # Order is checked before existence: parts 3 and 1 were never both listed correctly, yet order wins.
    assert raw_complete(bucket, key, upload.upload_id, [(2, p2.etag), (1, p1.etag)]) == (400, "InvalidPartOrder")
    assert raw_complete(bucket, key, upload.upload_id, [(3, "x"), (1, p1.etag)]) == (400, "InvalidPartOrder")
    assert raw_complete(bucket, key, upload.upload_id, [(1, p1.etag), (1, p1.etag)]) == (400, "InvalidPartOrder")
    assert raw_complete(bucket, key, upload.upload_id, [(0, p1.etag)]) == (400, "InvalidPartOrder")
    assert raw_complete(bucket, key, upload.upload_id, [(10001, p1.etag)]) == (400, "InvalidPartOrder")
    assert raw_complete(bucket, key, "0" * 32, [(2, p2.etag), (1, p1.etag)]) == (400, "InvalidPartOrder")
    assert error_code(lambda: complete(key, upload.upload_id, [PartInfo(1, p1.etag), PartInfo(3, p2.etag)])) \
        == (400, "InvalidPart")
    assert error_code(lambda: complete(key, upload.upload_id, [PartInfo(1, p2.etag)])) == (400, "InvalidPart")
    assert error_code(lambda: complete(key, upload.upload_id, [PartInfo(1, p1.etag), PartInfo(2, p2.etag)])) \
        == (400, "EntityTooSmall")
    assert error_code(lambda: complete(key, "0" * 32, [PartInfo(1, p1.etag)])) == (404, "NoSuchUpload")
    assert error_code(lambda: complete(random_name("other"), upload.upload_id, [PartInfo(1, p1.etag)])) \
        == (404, "NoSuchUpload")
    # Malformed and empty bodies, and a body alongside x-oss-complete-all.
    for body in [b"", b"<CompleteMultipartUpload>", b"<CompleteMultipartUpload></CompleteMultipartUpload>",
                 b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>"]:
        response = requests.post(bucket.sign_url("POST", key, 60, params={"uploadId": upload.upload_id}), data=body)
        assert response.status_code == 400 and "<Code>MalformedXML</Code>" in response.text, body
    headers = {"x-oss-complete-all": "yes"}
    url = bucket.sign_url("POST", key, 60, params={"uploadId": upload.upload_id}, headers=headers)
    response = requests.post(url, data=b"<CompleteMultipartUpload/>", headers=headers)
    assert response.status_code == 400 and "<Code>InvalidArgument</Code>" in response.text
    # The upload survives every refusal; ETags compare case-insensitively and only the last part may be small.
    p3 = bucket.upload_part(key, upload.upload_id, 3, small)
    result = complete(key, upload.upload_id, [PartInfo(2, p2.etag.lower()), PartInfo(3, p3.etag)])
    assert bucket.get_object(key).read() == big + small and result.etag == multipart_etag([p2.etag, p3.etag])


def test_part_number_and_upload_id_errors(bucket):
    key = random_name("p")
    upload = bucket.init_multipart_upload(key)
    for number in [0, 10001]:
        assert error_code(lambda: bucket.upload_part(key, upload.upload_id, number, b"x")) == (400, "InvalidArgument")
    assert error_code(lambda: bucket.upload_part(key, "F" * 32, 1, b"x")) == (404, "NoSuchUpload")
    assert error_code(lambda: bucket.list_parts(key, "F" * 32)) == (404, "NoSuchUpload")
    assert error_code(lambda: bucket.abort_multipart_upload(key, "F" * 32)) == (404, "NoSuchUpload")
    assert error_code(lambda: bucket.upload_part(key, upload.upload_id, 1, b"x",
                                                 headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})) \
        == (400, "InvalidDigest")
    assert bucket.upload_part(key, upload.upload_id, 10000, b"last").status == 200
    assert error_code(lambda: bucket.delete_bucket()) == (409, "BucketNotEmpty")


def test_part_uploaded_twice_keeps_the_last_write(bucket):
    key = random_name("twice")
    upload = bucket.init_multipart_upload(key)
    bucket.upload_part(key, upload.upload_id, 1, os.urandom(MIN_PART))
    second = os.urandom(MIN_PART)
    result = bucket.upload_part(key, upload.upload_id, 1, second)
    listed = bucket.list_parts(key, upload.upload_id).parts
    assert [(p.part_number, p.etag) for p in listed] == [(1, result.etag)]
    bucket.complete_multipart_upload(key, upload.upload_id, [PartInfo(1, result.etag)])
    assert bucket.get_object(key).read() == second


def test_parallel_parts(bucket):
    key = random_name("parallel")
    upload = bucket.init_multipart_upload(key)
    chunks = [os.urandom(MIN_PART + n) for n in range(24)]

    def send(number):
        return PartInfo(number, bucket.upload_part(key, upload.upload_id, number, chunks[number - 1]).etag)

    with ThreadPoolExecutor(8) as pool:
        parts = list(pool.map(send, range(1, 25)))
    bucket.complete_multipart_upload(key, upload.upload_id, parts)
    assert bucket.get_object(key).read() == b"".join(chunks)


def test_complete_all_and_unlisted_parts(bucket):
    key = random_name("all")
    upload = bucket.init_multipart_upload(key)
    chunks = {5: os.urandom(MIN_PART), 2: os.urandom(MIN_PART), 9: b"tail"}
    for number, chunk in chunks.items():
        bucket.upload_part(key, upload.upload_id, number, chunk)
    bucket.complete_multipart_upload(key, upload.upload_id, None, headers={"x-oss-complete-all": "yes"})
    assert bucket.get_object(key).read() == chunks[2] + chunks[5] + chunks[9]
    assert error_code(lambda: bucket.list_parts(key, upload.upload_id)) == (404, "NoSuchUpload")


def test_forbid_overwrite_at_initiate_and_complete(bucket):
    key = random_name("fo")
    bucket.put_object(key, b"existing")
    headers = {"x-oss-forbid-overwrite": "true"}
    assert error_code(lambda: bucket.init_multipart_upload(key, headers=headers)) == (409, "FileAlreadyExists")
    other = random_name("fo")
    upload = bucket.init_multipart_upload(other, headers=headers)
    part = bucket.upload_part(other, upload.upload_id, 1, b"mine")
    bucket.put_object(other, b"someone else's")
    assert error_code(lambda: bucket.complete_multipart_upload(other, upload.upload_id, [PartInfo(1, part.etag)])) \
        == (409, "FileAlreadyExists")
    assert bucket.get_object(other).read() == b"someone else's"


def test_upload_part_copy_ranges_and_conditions(bucket):
    source = random_name("src")
    content = os.urandom(3 * MIN_PART)
    bucket.put_object(source, content)
    key = random_name("dst")
    upload = bucket.init_multipart_upload(key)
    first = bucket.upload_part_copy(bucket.bucket_name, source, (0, MIN_PART - 1), key, upload.upload_id, 1)
    assert first.etag == hashlib.md5(content[:MIN_PART]).hexdigest().upper()
    second = bucket.upload_part_copy(bucket.bucket_name, source, (MIN_PART, None), key, upload.upload_id, 2)
    appended = bucket.upload_part(key, upload.upload_id, 3, b"!")
    bucket.complete_multipart_upload(key, upload.upload_id, [
        PartInfo(1, first.etag), PartInfo(2, second.etag), PartInfo(3, appended.etag)])
    assert bucket.get_object(key).read() == content + b"!"

    upload = bucket.init_multipart_upload(key)
    copy = bucket.upload_part_copy
    assert error_code(lambda: copy(bucket.bucket_name, source, (0, len(content)), key, upload.upload_id, 1)) \
        == (400, "InvalidArgument")
    assert error_code(lambda: copy(bucket.bucket_name, "missing", (0, 1), key, upload.upload_id, 1)) \
        == (404, "NoSuchKey")
    assert error_code(lambda: copy(bucket.bucket_name, source, (0, 1), key, upload.upload_id, 1,
                                   headers={"x-oss-copy-source-if-match": '"0000"'})) == (412, "PreconditionFailed")
    assert error_code(lambda: copy(bucket.bucket_name, source, (0, 1), key, "A" * 32, 1)) == (404, "NoSuchUpload")


def test_list_multipart_uploads_paging_prefix_delimiter(bucket):
    expected = []
    for key in ["a", "a", "b/1", "b/2", "c", "中文/x"]:
        expected.append((key, bucket.init_multipart_upload(key).upload_id))
        time.sleep(0.002)
    expected.sort(key=lambda item: (item[0].encode(), item[1]))
    listed = [(u.key, u.upload_id) for u in oss2.MultipartUploadIterator(bucket, max_uploads=2)]
    assert listed == expected
    result = bucket.list_multipart_uploads(delimiter="/")
    assert [u.key for u in result.upload_list] == ["a", "a", "c"]
    assert result.prefix_list == ["b/", "中文/"]
    assert [u.key for u in bucket.list_multipart_uploads(prefix="b/").upload_list] == ["b/1", "b/2"]
    # Both uploads of "a", in initiation order; the upload-id marker resumes between them.
    first_a = expected[0][1]
    after = bucket.list_multipart_uploads(key_marker="a", upload_id_marker=first_a)
    assert [(u.key, u.upload_id) for u in after.upload_list][:1] == [expected[1]]
    assert [u.key for u in bucket.list_multipart_uploads(key_marker="a").upload_list] == ["b/1", "b/2", "c", "中文/x"]
    stat = bucket.get_bucket_stat()
    assert stat.multi_part_upload_count == len(expected)


def test_complete_and_abort_race_has_one_outcome(bucket):
    for round_number in range(15):
        key = random_name("race")
        upload = bucket.init_multipart_upload(key)
        part = bucket.upload_part(key, upload.upload_id, 1, os.urandom(1000))
        outcomes = {}
        barrier = threading.Barrier(2)

        def complete():
            barrier.wait()
            try:
                bucket.complete_multipart_upload(key, upload.upload_id, [PartInfo(1, part.etag)])
                outcomes["complete"] = "ok"
            except oss2.exceptions.NoSuchUpload:
                outcomes["complete"] = "lost"

        def abort():
            barrier.wait()
            try:
                bucket.abort_multipart_upload(key, upload.upload_id)
                outcomes["abort"] = "ok"
            except oss2.exceptions.NoSuchUpload:
                outcomes["abort"] = "lost"

        threads = [threading.Thread(target=complete), threading.Thread(target=abort)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["lost", "ok"], outcomes
        assert bucket.object_exists(key) == (outcomes["complete"] == "ok")
        assert error_code(lambda: bucket.list_parts(key, upload.upload_id)) == (404, "NoSuchUpload")


def test_two_completes_to_one_key_leave_one_whole_object(bucket):
    key = random_name("same")
    for _ in range(10):
        contents = {}
        uploads = []
        for tag in (b"A", b"B"):
            upload = bucket.init_multipart_upload(key)
            chunks = [tag * MIN_PART, tag * MIN_PART, tag * 7]
            parts = upload_parts(bucket, key, upload.upload_id, chunks)
            contents[tag] = b"".join(chunks)
            uploads.append((upload.upload_id, parts))
        barrier = threading.Barrier(2)

        def complete(item):
            barrier.wait()
            bucket.complete_multipart_upload(key, item[0], item[1])

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(complete, uploads))
        assert bucket.get_object(key).read() in contents.values()


def test_disk_space_is_freed(silo, auth):
    """Overwritten, deleted and aborted data and unlisted parts all leave the disk once collected."""
    bucket = oss2.Bucket(auth, silo.endpoint, random_name("gc"), region=REGION)
    bucket.create_bucket()
    before = settled_blob_files(silo.data_dir)
    key = random_name("k")
    upload = bucket.init_multipart_upload(key)
    parts = upload_parts(bucket, key, upload.upload_id, [os.urandom(MIN_PART) for _ in range(4)])
    bucket.complete_multipart_upload(key, upload.upload_id, [parts[0], parts[2]])
    aborted = bucket.init_multipart_upload(key)
    upload_parts(bucket, key, aborted.upload_id, [os.urandom(MIN_PART)])
    bucket.abort_multipart_upload(key, aborted.upload_id)
    replaced = bucket.init_multipart_upload(key)
    bucket.upload_part(key, replaced.upload_id, 1, os.urandom(MIN_PART))
    bucket.upload_part(key, replaced.upload_id, 1, os.urandom(MIN_PART))
    # Now: 2 blobs for the object, 1 for the live part; everything else waits for the collector.
    deadline = time.time() + 30
    while time.time() < deadline and len(blob_files(silo.data_dir) - before) > 3:
        time.sleep(0.5)
    assert len(blob_files(silo.data_dir) - before) == 3
    bucket.abort_multipart_upload(key, replaced.upload_id)
    bucket.delete_object(key)
    deadline = time.time() + 30
    while time.time() < deadline and blob_files(silo.data_dir) - before:
        time.sleep(0.5)
    assert blob_files(silo.data_dir) - before == set()
    assert referenced_blobs(silo.data_dir) <= blob_files(silo.data_dir)
    bucket.delete_bucket()


def test_unfinished_uploads_expire():
    server = SiloServer(extra_args=["--gc-grace-seconds", "0", "--multipart-expiry-seconds", "2"])
    server.start()
    try:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("exp"),
                             region=REGION)
        bucket.create_bucket()
        upload = bucket.init_multipart_upload("k")
        bucket.upload_part("k", upload.upload_id, 1, os.urandom(MIN_PART))
        deadline = time.time() + 60
        while time.time() < deadline and list(oss2.MultipartUploadIterator(bucket)):
            time.sleep(0.5)
        assert list(oss2.MultipartUploadIterator(bucket)) == []
        assert error_code(lambda: bucket.list_parts("k", upload.upload_id)) == (404, "NoSuchUpload")
        while time.time() < deadline and blob_files(server.data_dir):
            time.sleep(0.5)
        assert blob_files(server.data_dir) == set()
        bucket.delete_bucket()
    finally:
        server.cleanup()
