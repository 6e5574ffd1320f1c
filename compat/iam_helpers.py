"""Sets up RAM users, roles and policies on a spawned silo through `silo admin`, and gets STS credentials."""

import json
import os
import subprocess

from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION


def admin(server, *args):
    """Runs `silo admin ... --json` against the server as root; returns the parsed JSON."""
    env = dict(os.environ, SILO_ENDPOINT=server.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
               SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
               # A server on TLS with a development CA: the CLI (SiloClient) must trust that CA to reach it.
               SILO_CA_FILE=getattr(server, "ca", None) or "")
    result = subprocess.run([server.binary, "admin"] + list(args) + ["--json"], capture_output=True, text=True, env=env,
                            timeout=60)
    if result.returncode != 0:
        raise RuntimeError("silo admin %s failed: %s" % (" ".join(args), result.stderr))
    return json.loads(result.stdout or "{}")


def account_id(server):
    return admin(server, "role", "create", "probe-" + os.urandom(4).hex())["arn"].split(":")[3]


def app_server_with_role(server, role="app-role", role_policy=None):
    """A RAM user allowed to assume `role`, whose own policy is `role_policy` (default: all of OSS)."""
    suffix = os.urandom(3).hex()
    user = "app-server-" + suffix
    admin(server, "user", "create", user)
    key = admin(server, "key", "create", user)
    assume = "assume-" + suffix
    admin(server, "policy", "create", assume, "--document",
          json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    admin(server, "policy", "attach", assume, "--user", user)
    role_name = role + "-" + suffix
    arn = admin(server, "role", "create", role_name)["arn"]
    permissions = "perm-" + suffix
    admin(server, "policy", "create", permissions, "--document", json.dumps(role_policy or {
        "Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]}))
    admin(server, "policy", "attach", permissions, "--role", role_name)
    return key["accessKeyId"], key["accessKeySecret"], arn


def prefix_policy(bucket, prefix, actions=("oss:PutObject", "oss:GetObject")):
    return json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": ["acs:oss:*:*:%s/%s*" % (bucket, prefix)]}]})


def assume_with_core_sdk(server, key_id, secret, arn, session, policy=None, duration=900):
    """aliyun-python-sdk-core + aliyun-python-sdk-sts: RPC HMAC-SHA1 signing."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdksts.request.v20150401.AssumeRoleRequest import AssumeRoleRequest
    client = AcsClient(key_id, secret, REGION)
    request = AssumeRoleRequest()
    request.set_endpoint(server.sts_endpoint)
    request.set_protocol_type("http")
    request.set_RoleArn(arn)
    request.set_RoleSessionName(session)
    request.set_DurationSeconds(duration)
    if policy:
        request.set_Policy(policy)
    credentials = json.loads(client.do_action_with_exception(request))["Credentials"]
    return credentials["AccessKeyId"], credentials["AccessKeySecret"], credentials["SecurityToken"], credentials["Expiration"]


def assume_with_tea_sdk(server, key_id, secret, arn, session, policy=None, duration=900):
    """alibabacloud-sts20150401: ACS3-HMAC-SHA256 signing."""
    from alibabacloud_sts20150401 import models
    from alibabacloud_sts20150401.client import Client
    from alibabacloud_tea_openapi import models as openapi
    config = openapi.Config(access_key_id=key_id, access_key_secret=secret, endpoint=server.sts_endpoint,
                            protocol="http", region_id=REGION)
    response = Client(config).assume_role(models.AssumeRoleRequest(
        role_arn=arn, role_session_name=session, policy=policy, duration_seconds=duration))
    c = response.body.credentials
    return c.access_key_id, c.access_key_secret, c.security_token, c.expiration
