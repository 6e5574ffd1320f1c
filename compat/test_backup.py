"""`silo backup` of a running embedded server and `silo restore` into a new folder: a server started on the restored
folder serves every object (current and older versions, encrypted ones too) byte for byte, with the same
credentials; both commands verify every CRC-64 and refuse a damaged backup."""

import os
import subprocess

import oss2
import pytest

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer


def silo_command(binary, *args):
    return subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=300)


def test_backup_of_a_running_server_restores_byte_for_byte(tmp_path):
    server = SiloServer()
    server.start()
    try:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("bk"))
        bucket.create_bucket()
        config = oss2.models.BucketVersioningConfig()
        config.status = oss2.BUCKET_VERSIONING_ENABLE
        bucket.put_bucket_versioning(config)
        contents = {"a.txt": b"hello", "big.bin": os.urandom(3 << 20), "empty": b""}
        for key, data in contents.items():
            bucket.put_object(key, data)
        old = bucket.put_object("doc", b"first").versionid
        bucket.put_object("doc", b"second")
        secret = os.urandom(200 * 1024)
        bucket.put_object("sealed", secret, headers={"x-oss-server-side-encryption": "AES256"})
        backup = str(tmp_path / "backup")
        made = silo_command(server.binary, "backup", "--data-dir", server.data_dir, "--to", backup)
        assert made.returncode == 0, made.stderr
        assert "every CRC-64 matching" in made.stdout
        assert os.stat(backup).st_mode & 0o077 == 0
        assert os.stat(os.path.join(backup, "master.key")).st_mode & 0o077 == 0
        # Writes after the backup are not in it.
        bucket.put_object("later", b"not in the backup")
    finally:
        server.cleanup()

    restored = str(tmp_path / "restored")
    done = silo_command(SiloServer().binary, "restore", "--from", backup, "--data-dir", restored)
    assert done.returncode == 0, done.stderr
    again = SiloServer(data_dir=restored)
    again.start()
    try:
        copy = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), again.endpoint, bucket.bucket_name)
        for key, data in contents.items():
            assert copy.get_object(key).read() == data
        assert copy.get_object("doc").read() == b"second"
        assert copy.get_object("doc", params={"versionId": old}).read() == b"first"
        assert copy.get_object("sealed").read() == secret
        assert not copy.object_exists("later")
    finally:
        again.cleanup()


def test_restore_refuses_a_damaged_backup_and_a_used_folder(tmp_path):
    server = SiloServer()
    server.start()
    try:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("bk"))
        bucket.create_bucket()
        bucket.put_object("k", os.urandom(10000))
        backup = str(tmp_path / "backup")
        assert silo_command(server.binary, "backup", "--data-dir", server.data_dir, "--to", backup).returncode == 0
        refused = silo_command(server.binary, "backup", "--data-dir", server.data_dir, "--to", backup)
        assert refused.returncode != 0 and "not empty" in refused.stderr
    finally:
        server.cleanup()
    blob = next(os.path.join(root, name) for root, _, files in os.walk(os.path.join(backup, "blobs")) for name in files)
    with open(blob, "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    damaged = silo_command(SiloServer().binary, "restore", "--from", backup, "--data-dir", str(tmp_path / "restored"))
    assert damaged.returncode != 0 and "CRC-64" in damaged.stderr
    assert not os.path.exists(tmp_path / "restored")
