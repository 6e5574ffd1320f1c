"""`silo init` end to end, as an operator would run it and a phone would then use the server: provision a data folder
and configuration, start `silo server` and `silo app-server` from what it wrote (TLS with its development CA), sign
a user in, get a token, and upload with oss2 into that user's prefix, and nowhere else."""

import json
import os
import socket
import subprocess
import time

import oss2
import pytest
import requests

from silo_harness import SiloServer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline):
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("port %d never opened" % port)


def test_init_then_the_mobile_flow_over_https(tmp_path):
    binary = SiloServer().binary
    data, config, app_data = (str(tmp_path / name) for name in ("data", "etc", "app"))
    oss_port, sts_port, app_port = free_port(), free_port(), free_port()
    made = subprocess.run([binary, "init", "--domain", "127.0.0.1", "--data-dir", data, "--config-dir", config,
                           "--app-data-dir", app_data, "--bucket", "photos", "--oss-port", str(oss_port),
                           "--sts-port", str(sts_port), "--app-port", str(app_port)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "What a mobile app needs" in made.stdout
    for path in [config + "/app.yaml", config + "/silo.env", config + "/tls/key.pem", data + "/master.key"]:
        assert os.stat(path).st_mode & 0o077 == 0, path
    again = subprocess.run([binary, "init", "--domain", "127.0.0.1", "--data-dir", data, "--config-dir", config],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "initialized already" in again.stderr
    ca = config + "/tls/ca.pem"
    tls = ["--tls-cert", config + "/tls/cert.pem", "--tls-key", config + "/tls/key.pem"]
    env = dict(os.environ, SILO_CA_FILE=ca)
    env.pop("SILO_ROOT_ACCESS_KEY_ID", None)
    env.pop("SILO_ROOT_ACCESS_KEY_SECRET", None)
    processes = []
    try:
        processes.append(subprocess.Popen(
            [binary, "server", "--data-dir", data, "--address", "127.0.0.1:%d" % oss_port,
             "--sts-address", "127.0.0.1:%d" % sts_port, "--public-endpoint", "127.0.0.1:%d" % oss_port] + tls,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        deadline = time.time() + 60
        wait_port(oss_port, deadline)
        wait_port(sts_port, deadline)
        metrics_port = free_port()
        processes.append(subprocess.Popen(
            [binary, "app-server", "--config", config + "/app.yaml", "--address", "127.0.0.1:%d" % app_port,
             "--metrics-address", "127.0.0.1:%d" % metrics_port] + tls,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        wait_port(app_port, deadline)

        app = requests.Session()
        app.trust_env = False
        app.verify = ca
        base = "https://127.0.0.1:%d" % app_port
        assert app.post(base + "/v1/accounts", json={"username": "alice", "password": "alice-password"}).status_code == 201
        session = app.post(base + "/v1/sessions", json={"username": "alice", "password": "alice-password"}).json()
        token = app.get(base + "/v1/token", headers={"Authorization": "Bearer " + session["token"]}).json()
        credentials = token.get("Credentials", token)
        auth = oss2.StsAuth(credentials["AccessKeyId"], credentials["AccessKeySecret"], credentials["SecurityToken"])
        oss_session = oss2.Session()
        oss_session.session.trust_env = False
        oss_session.session.verify = ca
        bucket = oss2.Bucket(auth, "https://127.0.0.1:%d" % oss_port, "photos", session=oss_session)
        uid = session["uid"]
        bucket.put_object("users/%s/photo.jpg" % uid, b"jpeg bytes")
        assert bucket.get_object("users/%s/photo.jpg" % uid).read() == b"jpeg bytes"
        with pytest.raises(oss2.exceptions.AccessDenied):
            bucket.put_object("users/someone-else/photo.jpg", b"x")
        # The app server's own metrics moved with that flow.
        scraped = requests.get("http://127.0.0.1:%d/metrics" % metrics_port).text
        assert 'silo_app_sign_ins_total{outcome="succeeded"} 1' in scraped
        assert "silo_app_tokens_vended_total 1" in scraped
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    # The app server's audit log: who registered, signed in and got a token, and nothing secret.
    with open(os.path.join(app_data, "app-audit.log")) as handle:
        text = handle.read()
    events = [json.loads(line) for line in text.splitlines()]
    assert [(e["event"], e["outcome"]) for e in events] == [
        ("Register", "succeeded"), ("SignIn", "succeeded"), ("VendToken", "succeeded")]
    assert events[2]["user"] == session["uid"] and events[2]["role_session"] and events[2]["expiration"]
    for secret in ["alice-password", session["token"], credentials["AccessKeySecret"], credentials["SecurityToken"]]:
        assert secret not in text
