"""Inspects a stopped (or crashed) silo's data folder: which blobs exist on disk and which metadata names."""

import os
import sqlite3


def blob_files(data_dir):
    found = set()
    for root, _, files in os.walk(os.path.join(data_dir, "blobs")):
        found.update(files)
    return found


def staged_files(data_dir):
    path = os.path.join(data_dir, "staging")
    return set(os.listdir(path)) if os.path.isdir(path) else set()


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
