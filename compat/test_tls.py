"""TLS on the OSS and STS listeners: `silo cert dev` makes a CA and a server certificate; oss2 and both STS SDKs
talk HTTPS verifying the chain against that CA (a client that does not trust it is refused); SIGHUP swaps in a
renewed certificate for new handshakes while an open connection carries on."""

import json
import os
import signal
import socket
import ssl
import subprocess
import time

import oss2
import pytest
import requests

from conftest import random_name
from iam_helpers import app_server_with_role
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, SiloServer


def make_certificates(silo_binary, folder):
    result = subprocess.run([silo_binary, "cert", "dev", "--dir", folder, "--host", "127.0.0.1", "--host", "localhost"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return os.path.join(folder, "ca.pem"), os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")


@pytest.fixture(scope="module")
def tls_silo(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("certs"))
    probe = SiloServer()
    ca, cert, key = make_certificates(probe.binary, folder)
    probe.cleanup()
    server = SiloServer(extra_args=["--tls-cert", cert, "--tls-key", key])
    server.start()
    server.ca, server.cert_folder = ca, folder
    yield server
    server.cleanup()


def trusting_bucket(server, name):
    session = oss2.Session()
    # REQUESTS_CA_BUNDLE, when the environment sets it, would override a session's own CA.
    session.session.trust_env = False
    session.session.verify = server.ca
    return oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name, session=session)


def served_certificate(server, port):
    context = ssl.create_default_context(cafile=server.ca)
    with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        return tls.getpeercert(binary_form=True)


def test_cert_dev_writes_private_keys_and_reuses_its_authority(tls_silo):
    folder = tls_silo.cert_folder
    for name in ["key.pem", "ca-key.pem"]:
        assert os.stat(os.path.join(folder, name)).st_mode & 0o077 == 0
    with open(os.path.join(folder, "ca.pem")) as handle:
        authority = handle.read()
    make_certificates(tls_silo.binary, folder)
    with open(os.path.join(folder, "ca.pem")) as handle:
        assert handle.read() == authority


def test_oss2_over_https_verifies_the_chain(tls_silo):
    assert tls_silo.endpoint.startswith("https://")
    bucket = trusting_bucket(tls_silo, random_name("tls"))
    bucket.create_bucket()
    body = os.urandom(300 * 1024)  # past the inline limit, where plain HTTP would use sendfile
    bucket.put_object("a.bin", body)
    assert bucket.get_object("a.bin").read() == body
    assert bucket.get_object("a.bin", byte_range=(10, 70000)).read() == body[10:70001]
    url = bucket.sign_url("GET", "a.bin", 60)
    assert url.startswith("https://")
    assert requests.get(url, verify=tls_silo.ca).content == body
    # A client that does not trust the development CA is refused: the chain is really checked.
    stranger = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), tls_silo.endpoint, bucket.bucket_name)
    with pytest.raises(oss2.exceptions.RequestError):
        stranger.get_object("a.bin")
    # Plain HTTP on the TLS port gets no answer it could mistake for OSS.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get("http://127.0.0.1:%d/" % tls_silo.port, timeout=5)


def test_both_sts_sdks_over_https(tls_silo):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdksts.request.v20150401.AssumeRoleRequest import AssumeRoleRequest
    from alibabacloud_sts20150401 import models
    from alibabacloud_sts20150401.client import Client
    from alibabacloud_tea_openapi import models as openapi
    from alibabacloud_tea_util.models import RuntimeOptions

    # A RAM user and a role it may assume, made with `silo admin` over HTTPS (SiloClient trusting SILO_CA_FILE).
    key_id, secret, arn = app_server_with_role(tls_silo)

    core = AcsClient(key_id, secret, REGION, verify=tls_silo.ca)
    request = AssumeRoleRequest()
    request.set_endpoint(tls_silo.sts_endpoint)
    request.set_protocol_type("https")
    request.set_RoleArn(arn)
    request.set_RoleSessionName("core-sdk")
    credentials = json.loads(core.do_action_with_exception(request))["Credentials"]
    assert credentials["SecurityToken"]

    config = openapi.Config(access_key_id=key_id, access_key_secret=secret,
                            endpoint=tls_silo.sts_endpoint, protocol="https", region_id=REGION, ca=tls_silo.ca)
    response = Client(config).assume_role_with_options(
        models.AssumeRoleRequest(role_arn=arn, role_session_name="tea-sdk"), RuntimeOptions(ca=tls_silo.ca))
    assert response.body.credentials.security_token


def test_sighup_serves_a_renewed_certificate_without_dropping_open_connections(tls_silo):
    before = served_certificate(tls_silo, tls_silo.port)
    bucket = trusting_bucket(tls_silo, random_name("tls"))
    bucket.create_bucket()
    bucket.put_object("k", b"v")
    kept = requests.Session()
    kept.trust_env = False
    kept.verify = tls_silo.ca
    url = bucket.sign_url("GET", "k", 300)
    assert kept.get(url).content == b"v"  # opens the connection this session keeps alive
    make_certificates(tls_silo.binary, tls_silo.cert_folder)
    os.kill(tls_silo.pid, signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and served_certificate(tls_silo, tls_silo.port) == before:
        time.sleep(0.2)
    assert served_certificate(tls_silo, tls_silo.port) != before
    assert served_certificate(tls_silo, tls_silo.sts_port) != before
    assert kept.get(url).content == b"v"
    assert bucket.get_object("k").read() == b"v"
