"""Several `silo server` gateways on one PostgreSQL database and one S3 bucket (Ceph RGW), as a user would run
them behind a load balancer. The services come from scripts/with-postgres.sh and scripts/with-rgw.sh, which `make
test` wraps the suites in (SILO_TEST_POSTGRES_URL, SILO_TEST_S3_URL)."""

import os
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import boto3
import oss2
from botocore.config import Config

from silo_harness import SiloServer


def services_configured():
    return bool(os.environ.get("SILO_TEST_POSTGRES_URL") and os.environ.get("SILO_TEST_S3_URL"))


def fresh_database():
    """A new, empty database on the test cluster; returns its URL."""
    server = os.environ["SILO_TEST_POSTGRES_URL"]
    name = "cluster_" + uuid.uuid4().hex
    subprocess.run(["psql", server, "-q", "-c", "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0" % name],
                   check=True, capture_output=True, timeout=60)
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql, timeout=60):
    """Rows of a query, each a list of strings."""
    result = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True,
                            timeout=timeout)
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def eventually(check, seconds=1.0):
    """Polls `check` until it passes (no AssertionError or OSS error) and returns its value; past `seconds` the
    last failure is raised. The default is the bound within which the gateways promise a change propagates."""
    deadline = time.time() + seconds
    while True:
        try:
            return check()
        except (AssertionError, oss2.exceptions.OssError):
            if time.time() > deadline:
                raise
            time.sleep(0.02)


def s3_url_with_prefix(prefix):
    base = urllib.parse.urlsplit(os.environ["SILO_TEST_S3_URL"])
    return urllib.parse.urlunsplit(base._replace(path=base.path.rstrip("/") + "/" + prefix))


def s3_client():
    base = urllib.parse.urlsplit(os.environ["SILO_TEST_S3_URL"])
    query = dict(urllib.parse.parse_qsl(base.query))
    return boto3.client("s3", endpoint_url="http://%s:%d" % (base.hostname, base.port),
                        aws_access_key_id=urllib.parse.unquote(base.username),
                        aws_secret_access_key=urllib.parse.unquote(base.password),
                        region_name=query.get("region", "us-east-1"),
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


class Cluster:
    """`count` gateways sharing a data folder for identity and keys (the first creates them), a fresh database,
    and a fresh prefix in the S3 bucket."""

    def __init__(self, count=2, extra_args=()):
        self.database = fresh_database()
        self.prefix = "c-" + uuid.uuid4().hex[:12]
        self.blobs = s3_url_with_prefix(self.prefix)
        self.config_dir = tempfile.mkdtemp(prefix="silo-cluster-")
        self.extra_args = list(extra_args)
        self.gateways = []
        for _ in range(count):
            self.add_gateway()

    def add_gateway(self):
        gateway = SiloServer(data_dir=self.config_dir, extra_args=[
            "--metadata", self.database, "--blobs", self.blobs, "--gc-grace-seconds", "0",
            # A killed gateway's writes are someone else's to free after 5 s without a heartbeat.
            "--abandoned-write-seconds", "5"] + self.extra_args)
        gateway.owns_data_dir = False
        gateway.log_path = os.path.join(self.config_dir, "gateway-%d.log" % len(self.gateways))
        gateway.start()
        self.gateways.append(gateway)
        return gateway

    def stored_chunks(self):
        """Blob ids present in the S3 bucket under this cluster's prefix."""
        client = s3_client()
        bucket = urllib.parse.urlsplit(os.environ["SILO_TEST_S3_URL"]).path.strip("/").split("/")[0]
        blobs = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=self.prefix + "/"):
            for item in page.get("Contents", []):
                blobs.add(item["Key"][len(self.prefix) + 1:].split("/")[0])
        return blobs

    def named_blobs(self):
        """Blob ids metadata refers to (committed, or released but not yet collected) or is writing."""
        rows = psql(self.database, "SELECT id FROM blobs UNION SELECT id FROM blob_intents")
        return {row[0] for row in rows}

    def close(self):
        for gateway in self.gateways:
            gateway.stop()
        import shutil
        shutil.rmtree(self.config_dir, ignore_errors=True)
