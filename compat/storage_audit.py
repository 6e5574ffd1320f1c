"""Inspects a stopped (or crashed) silo's data folder: which blobs exist on disk and which metadata names."""

import os
import sqlite3
import time


def blob_files(data_dir):
    found = set()
    for root, _, files in os.walk(os.path.join(data_dir, "blobs")):
        found.update(files)
    return found


def staged_files(data_dir):
    path = os.path.join(data_dir, "staging")
    return set(os.listdir(path)) if os.path.isdir(path) else set()


def journaled_blobs(data_dir):
    """Blobs whose bytes are still in the metadata's journal: small PUTs whose files are not yet synced, and which
    stay staged until the checkpoint (every second) publishes them."""
    db = sqlite3.connect(os.path.join(data_dir, "metadata.sqlite"))
    try:
        return [row[0] for row in db.execute("SELECT id FROM blob_journal")]
    finally:
        db.close()


def settled_blob_files(data_dir, timeout=15):
    """The published blob files once every journaled blob has been published, so that counting files before and
    after a test's own writes is not disturbed by earlier small PUTs moving out of staging meanwhile."""
    deadline = time.time() + timeout
    while journaled_blobs(data_dir):
        if time.time() > deadline:
            raise AssertionError("the blob journal was not checkpointed within %d s" % timeout)
        time.sleep(0.1)
    return blob_files(data_dir)


def referenced_blobs(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "metadata.sqlite"))
    try:
        return {row[0] for row in db.execute("SELECT id FROM blobs WHERE refs > 0")}
    finally:
        db.close()


def released_blobs(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "metadata.sqlite"))
    try:
        return {row[0] for row in db.execute("SELECT id FROM blobs WHERE refs = 0")}
    finally:
        db.close()


def assert_no_orphans(data_dir):
    """Every file on disk is named by committed metadata, and every name has its file."""
    on_disk = blob_files(data_dir) | staged_files(data_dir)
    referenced = referenced_blobs(data_dir)
    assert staged_files(data_dir) == set(), "staging not settled: %s" % staged_files(data_dir)
    assert on_disk - referenced == set(), "orphan blob files: %s" % sorted(on_disk - referenced)[:5]
    assert referenced - on_disk == set(), "metadata names missing blobs: %s" % sorted(referenced - on_disk)[:5]
