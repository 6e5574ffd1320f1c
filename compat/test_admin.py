"""RAM administration through `silo admin` and the admin API, and RAM users' access to OSS."""

import json
import os
import stat
import subprocess

import oss2
import pytest
import requests

from conftest import random_name
from iam_helpers import admin
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


def user_with_key(silo, name, *policies):
    admin(silo, "user", "create", name)
    key = admin(silo, "key", "create", name)
    for index, document in enumerate(policies):
        policy = "%s-p%d" % (name, index)
        admin(silo, "policy", "create", policy, "--document", json.dumps(document))
        admin(silo, "policy", "attach", policy, "--user", name)
    return key["accessKeyId"], key["accessKeySecret"]


def test_user_lifecycle_and_key_status(silo):
    name = random_name("u")
    key_id, secret = user_with_key(silo, name, {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]})
    service = oss2.Service(oss2.Auth(key_id, secret), silo.endpoint, region=REGION)
    service.list_buckets()
    assert [k["accessKeyId"] for k in admin(silo, "key", "list", name)] == [key_id]
    assert "accessKeySecret" not in admin(silo, "key", "list", name)[0]
    admin(silo, "key", "disable", name, key_id)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        service.list_buckets()
    assert e.value.code == "InvalidAccessKeyId"
    admin(silo, "key", "enable", name, key_id)
    service.list_buckets()
    assert name in [u["name"] for u in admin(silo, "user", "list")]
    admin(silo, "user", "delete", name)
    with pytest.raises(oss2.exceptions.ServerError):
        service.list_buckets()


def test_ram_users_get_what_their_policies_allow(silo):
    bucket_name = random_name("ram")
    root = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, bucket_name, region=REGION)
    root.create_bucket()
    reader = user_with_key(silo, random_name("reader"), {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:GetObject", "oss:ListObjects"],
         "Resource": ["acs:oss:*:*:%s" % bucket_name, "acs:oss:*:*:%s/*" % bucket_name]}]})
    root.put_object("doc.txt", b"content")
    bucket = oss2.Bucket(oss2.Auth(*reader), silo.endpoint, bucket_name, region=REGION)
    assert bucket.get_object("doc.txt").read() == b"content"
    assert [o.key for o in oss2.ObjectIterator(bucket)] == ["doc.txt"]
    with pytest.raises(oss2.exceptions.AccessDenied) as e:
        bucket.put_object("x", b"y")
    assert "oss:PutObject" in e.value.message
    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.delete_bucket()
    # A bucket policy can grant what the user's policies do not, and deny what they grant.
    user_id = admin(silo, "user", "get", [u["name"] for u in admin(silo, "user", "list") if u["name"].startswith("reader")][0])["id"]
    root.put_bucket_policy(json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:PutObject"], "Principal": [user_id], "Resource": ["acs:oss:*:*:%s/inbox/*" % bucket_name]},
        {"Effect": "Deny", "Action": ["oss:GetObject"], "Principal": ["*"], "Resource": ["acs:oss:*:*:%s/secret/*" % bucket_name]}]}))
    bucket.put_object("inbox/x", b"y")
    root.put_object("secret/s", b"s")
    with pytest.raises(oss2.exceptions.AccessDenied) as e:
        bucket.get_object("secret/s")
    assert "bucket policy" in e.value.message
    assert json.loads(root.get_bucket_policy().policy)["Statement"][0]["Principal"] == [user_id]
    root.delete_bucket_policy()
    with pytest.raises(oss2.exceptions.NoSuchBucketPolicy):
        root.get_bucket_policy()
    with pytest.raises(oss2.exceptions.ServerError) as e:
        root.put_bucket_policy('{"Version":"1","Statement":[{"Effect":"Allow","Actions":"oss:*"}]}')
    assert e.value.code == "InvalidPolicyDocument"


def test_the_admin_api_is_authorized_by_policy(silo):
    name = random_name("ops")
    key_id, secret = user_with_key(silo, name, {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ram:ListUsers", "ram:GetUser"], "Resource": "*"}]})
    env = dict(os.environ, SILO_ENDPOINT=silo.endpoint, SILO_ACCESS_KEY_ID=key_id, SILO_ACCESS_KEY_SECRET=secret)
    run = lambda *args: subprocess.run([silo.binary, "admin"] + list(args), capture_output=True, text=True, env=env)
    listed = run("user", "list", "--json")
    assert listed.returncode == 0 and name in listed.stdout
    refused = run("user", "create", "someone")
    assert refused.returncode != 0 and "NoPermission" in refused.stderr
    anonymous = requests.get(silo.endpoint + "/-/admin/v1/users")
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "NoPermission"


def test_policy_simulate_explains_a_403(silo):
    name = random_name("sim")
    user_with_key(silo, name, {"Version": "1", "Statement": [
        {"Sid": "ReadPhotos", "Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:photos/*"},
        {"Sid": "NoRaw", "Effect": "Deny", "Action": "oss:*", "Resource": "acs:oss:*:*:photos/raw/*"}]})
    allowed = admin(silo, "policy", "simulate", "--principal", "user/" + name, "--action", "oss:GetObject",
                    "--resource", "acs:oss:*:*:photos/a.jpg")
    assert allowed["allowed"] and allowed["decidedBy"]["sid"] == "ReadPhotos"
    denied = admin(silo, "policy", "simulate", "--principal", "user/" + name, "--action", "oss:GetObject",
                   "--resource", "acs:oss:*:*:photos/raw/a.jpg")
    assert not denied["allowed"] and denied["decidedBy"]["sid"] == "NoRaw" and denied["decidedBy"]["effect"] == "Deny"
    implicit = admin(silo, "policy", "simulate", "--principal", "user/" + name, "--action", "oss:PutObject",
                     "--resource", "acs:oss:*:*:photos/a.jpg")
    assert not implicit["allowed"] and "no policy statement" in implicit["decision"]
    text = subprocess.run([silo.binary, "admin", "policy", "simulate", "--principal", "user/" + name, "--action",
                           "oss:GetObject", "--resource", "acs:oss:*:*:photos/raw/a.jpg"], capture_output=True, text=True,
                          env=dict(os.environ, SILO_ENDPOINT=silo.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
                                   SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)).stdout
    assert text.startswith("DENIED") and "NoRaw" in text


def test_openapi_document_is_valid(silo):
    from openapi_spec_validator import validate
    document = requests.get(silo.endpoint + "/-/admin/v1/openapi.json").json()
    validate(document)
    # Path parameters are named for what they hold, so nested paths read unambiguously.
    assert {"/users/{user}/keys", "/users/{user}/keys/{accessKeyId}", "/roles/{role}/policies/{policy}"} <= set(document["paths"])


def test_secrets_are_sealed_at_rest(silo):
    name = random_name("sealed")
    _, secret = user_with_key(silo, name)
    for root, _, files in os.walk(silo.data_dir):
        for file in files:
            with open(os.path.join(root, file), "rb") as f:
                assert secret.encode() not in f.read(), "secret found in the clear in " + file
    mode = stat.S_IMODE(os.stat(os.path.join(silo.data_dir, "master.key")).st_mode)
    assert mode == 0o600


def test_admin_errors(silo):
    with pytest.raises(RuntimeError, match="EntityNotExist.User"):
        admin(silo, "user", "get", "no-such-user")
    with pytest.raises(RuntimeError, match="MalformedPolicyDocument"):
        admin(silo, "policy", "create", "broken", "--document", '{"Version":"1"}')
    name = random_name("dup")
    admin(silo, "user", "create", name)
    with pytest.raises(RuntimeError, match="EntityAlreadyExists.User"):
        admin(silo, "user", "create", name)
    admin(silo, "policy", "create", name, "--document", '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}')
    admin(silo, "policy", "attach", name, "--user", name)
    with pytest.raises(RuntimeError, match="DeleteConflict"):
        admin(silo, "policy", "delete", name)
