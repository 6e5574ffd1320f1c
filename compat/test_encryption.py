"""Server-side encryption (SSE-OSS, AES256) through oss2: the AES256 steps of oss2's own SSE tests (whose other
steps need KMS or SM4, which Silo declines with OSS's errors), bucket defaults, and bytes that are sealed at rest."""

import os

import oss2
import pytest
from oss2.headers import OSS_SERVER_SIDE_DATA_ENCRYPTION, OSS_SERVER_SIDE_ENCRYPTION, OSS_SERVER_SIDE_ENCRYPTION_KEY_ID
from oss2.models import PartInfo, ServerSideEncryptionRule

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer

AES = oss2.SERVER_SIDE_ENCRYPTION_AES256
def marker():
    """Bytes no other test writes, to look for on disk."""
    return b"plaintext-that-must-not-be-on-disk-" + os.urandom(8).hex().encode() + b"-"


@pytest.fixture(scope="module")
def silo():
    server = SiloServer()
    server.start()
    yield server
    server.cleanup()


def new_bucket(silo):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, random_name("sse"))
    bucket.create_bucket()
    return bucket


def sse(result):
    return (result.headers.get(OSS_SERVER_SIDE_ENCRYPTION), result.headers.get(OSS_SERVER_SIDE_DATA_ENCRYPTION),
            result.headers.get(OSS_SERVER_SIDE_ENCRYPTION_KEY_ID))


def on_disk(silo, needle):
    """Anywhere blobs rest: published, or still staged (a small PUT stays staged until the journal's checkpoint)."""
    for folder in ("blobs", "staging"):
        for root, _, files in os.walk(os.path.join(silo.data_dir, folder)):
            for name in files:
                with open(os.path.join(root, name), "rb") as handle:
                    if needle in handle.read():
                        return True
    return False


def test_put_reports_aes256_and_ignores_a_data_encryption_it_does_not_apply(silo):
    bucket = new_bucket(silo)
    assert sse(bucket.put_object("none", b"a")) == (None, None, None)
    assert sse(bucket.put_object("aes", b"a", headers={OSS_SERVER_SIDE_ENCRYPTION: AES})) == (AES, None, None)
    both = {OSS_SERVER_SIDE_ENCRYPTION: AES, OSS_SERVER_SIDE_DATA_ENCRYPTION: oss2.KMS_DATA_ENCRYPTION_SM4}
    assert sse(bucket.put_object("aes-sm4", b"a", headers=both)) == (AES, None, None)
    assert sse(bucket.head_object("aes")) == (AES, None, None)
    assert sse(bucket.get_object("aes")) == (AES, None, None)
    assert sse(bucket.head_object("none")) == (None, None, None)
    with pytest.raises(oss2.exceptions.ServerError) as kms:
        bucket.put_object("kms", b"a", headers={OSS_SERVER_SIDE_ENCRYPTION: oss2.SERVER_SIDE_ENCRYPTION_KMS})
    assert (kms.value.status, kms.value.code, kms.value.ec) == (403, "KmsServiceNotEnabled", "0005-00000218")
    with pytest.raises(oss2.exceptions.InvalidEncryptionAlgorithmError):
        bucket.put_object("des", b"a", headers={OSS_SERVER_SIDE_ENCRYPTION: "DES"})
    assert not bucket.object_exists("kms") and not bucket.object_exists("des")


def test_encrypted_bytes_are_sealed_at_rest_and_read_back_by_range(silo):
    bucket = new_bucket(silo)
    MARKER = marker()
    body = (MARKER + os.urandom(32)) * 5000  # about 330 KiB: several 64 KiB chunks
    bucket.put_object("sealed", body, headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    assert not on_disk(silo, MARKER)
    assert bucket.get_object("sealed").read() == body
    for first, last in [(0, 0), (65535, 65537), (100, 300_000), (len(body) - 5, len(body) - 1)]:
        assert bucket.get_object("sealed", byte_range=(first, last)).read() == body[first:last + 1]
    head = bucket.head_object("sealed")
    assert head.content_length == len(body)
    crc = oss2.utils.Crc64(0)
    crc.update(body)
    assert int(head.headers["x-oss-hash-crc64ecma"]) == crc.crc
    # The same bytes unencrypted are on disk as they are.
    bucket.put_object("plain", MARKER + b"unsealed")
    assert on_disk(silo, MARKER + b"unsealed")


def test_bucket_default_encrypts_writes_that_name_none(silo):
    bucket = new_bucket(silo)
    MARKER = marker()
    with pytest.raises(oss2.exceptions.NoSuchServerSideEncryptionRule):
        bucket.get_bucket_encryption()
    rule = ServerSideEncryptionRule()
    rule.sse_algorithm = AES
    rule.kms_master_keyid = "test"
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.put_bucket_encryption(rule)
    rule.sse_algorithm = "random"
    rule.kms_master_keyid = ""
    with pytest.raises(oss2.exceptions.InvalidEncryptionAlgorithmError):
        bucket.put_bucket_encryption(rule)
    rule = ServerSideEncryptionRule()
    rule.sse_algorithm = AES
    rule.kms_data_encryption = oss2.KMS_DATA_ENCRYPTION_SM4
    bucket.put_bucket_encryption(rule)
    got = bucket.get_bucket_encryption()
    assert (got.sse_algorithm, got.kms_master_keyid, got.kms_data_encryption) == (AES, None, None)
    assert bucket.get_bucket_info().bucket_encryption_rule.sse_algorithm == AES
    bucket.put_object("default", MARKER + b"by default")
    assert sse(bucket.head_object("default"))[0] == AES
    assert not on_disk(silo, MARKER + b"by default")
    bucket.delete_bucket_encryption()
    assert sse(bucket.put_object("after", b"x")) == (None, None, None)


def test_appends_keep_the_encryption_they_started_with(silo):
    bucket = new_bucket(silo)
    first = bucket.append_object("log", 0, b"123", headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    assert sse(first)[0] == AES
    assert sse(bucket.append_object("log", 3, b"456"))[0] == AES
    assert bucket.get_object("log").read() == b"123456"
    assert bucket.get_object("log", byte_range=(2, 4)).read() == b"345"


def test_multipart_encryption_is_fixed_at_initiation(silo):
    bucket = new_bucket(silo)
    init = bucket.init_multipart_upload("mp", headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    assert sse(init)[0] == AES
    MARKER = marker()
    parts_data = [MARKER + os.urandom(100 * 1024), os.urandom(1000)]
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.upload_part("mp", init.upload_id, 1, parts_data[0], headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    parts = [PartInfo(n + 1, bucket.upload_part("mp", init.upload_id, n + 1, data).etag)
             for n, data in enumerate(parts_data)]
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.complete_multipart_upload("mp", init.upload_id, parts, headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    done = bucket.complete_multipart_upload("mp", init.upload_id, parts)
    assert sse(done)[0] == AES
    assert bucket.get_object("mp").read() == b"".join(parts_data)
    assert not on_disk(silo, MARKER)


def test_resumable_upload_with_encryption_headers(silo, tmp_path):
    bucket = new_bucket(silo)
    path = tmp_path / "big"
    data = os.urandom(450 * 1024)
    path.write_bytes(data)
    result = oss2.resumable_upload(bucket, "big", str(path), multipart_threshold=200 * 1024, part_size=100 * 1024,
                                   num_threads=2, headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    assert result.status == 200
    assert sse(bucket.head_object("big"))[0] == AES
    assert bucket.get_object("big").read() == data


def test_copies_are_encrypted_as_their_destination_asks(silo):
    bucket = new_bucket(silo)
    MARKER = marker()
    bucket.put_object("plain-src", MARKER + b"copy me")
    copied = bucket.copy_object(bucket.bucket_name, "plain-src", "sealed-dst", headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    assert sse(copied)[0] == AES
    assert sse(bucket.head_object("sealed-dst"))[0] == AES
    assert bucket.get_object("sealed-dst").read() == MARKER + b"copy me"
    bucket.put_object("sealed-src", b"secret", headers={OSS_SERVER_SIDE_ENCRYPTION: AES})
    bucket.copy_object(bucket.bucket_name, "sealed-src", "plain-dst")
    assert sse(bucket.head_object("plain-dst")) == (None, None, None)
    assert bucket.get_object("plain-dst").read() == b"secret"
    # A part copy into an encrypted upload from a plaintext source is sealed too.
    upload = bucket.init_multipart_upload("mp-copy", headers={OSS_SERVER_SIDE_ENCRYPTION: AES}).upload_id
    big = MARKER + os.urandom(200 * 1024)
    bucket.put_object("big-plain", big)
    part = bucket.upload_part_copy(bucket.bucket_name, "big-plain", (0, len(big) - 1), "mp-copy", upload, 1)
    bucket.complete_multipart_upload("mp-copy", upload, [PartInfo(1, part.etag)])
    assert bucket.get_object("mp-copy").read() == big
    assert sse(bucket.head_object("mp-copy"))[0] == AES
    bucket.delete_object("plain-src")
    bucket.delete_object("big-plain")
