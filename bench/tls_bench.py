"""GET and PUT of 1 MiB over TLS: Silo (`--tls-cert`) against nginx serving the same certificate and file, in one
run, as ratios. Both terminate TLS in process with the same ECDSA P-256 certificate from `silo cert dev`."""

import os
import subprocess

import oss2

from run_bench import Nginx, wrk
from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

SIZE = 1 << 20
CONCURRENCY = [1, 16]
PUT_KEYS = 64


def run(binary, work, seconds):
    folder = os.path.join(work, "tls-certs")
    subprocess.run([binary, "cert", "dev", "--dir", folder, "--host", "127.0.0.1"], check=True,
                   stdout=subprocess.DEVNULL)
    cert, key, ca = (os.path.join(folder, name) for name in ("cert.pem", "key.pem", "ca.pem"))
    nginx = Nginx(os.path.join(work, "nginx-tls"), tls=(cert, key))
    silo = SiloServer(data_dir=os.path.join(work, "silo-tls"), binary=binary,
                      extra_args=["--tls-cert", cert, "--tls-key", key])
    rows = []
    try:
        silo.start()
        session = oss2.Session()
        session.session.trust_env = False  # REQUESTS_CA_BUNDLE would override the CA below
        session.session.verify = ca
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, "bench-tls", region=REGION,
                             session=session)
        bucket.create_bucket()
        body_file = os.path.join(work, "tls-body")
        data = os.urandom(SIZE)
        with open(body_file, "wb") as f:
            f.write(data)
        bucket.put_object("get", data)
        import requests
        requests.put(nginx.url("/get"), data=data, verify=ca).raise_for_status()
        cases = [("GET", [bucket.sign_url("GET", "get", 86400)], [nginx.url("/get")], None),
                 ("PUT", [bucket.sign_url("PUT", "put-%d" % i, 86400) for i in range(PUT_KEYS)],
                  [nginx.url("/put/%d" % i) for i in range(PUT_KEYS)], body_file)]
        for op, silo_urls, nginx_urls, body in cases:
            for connections in CONCURRENCY:
                base = wrk(work, nginx_urls, op, body, connections, seconds)
                ours = wrk(work, silo_urls, op, body, connections, seconds)
                rows.append((op, connections, base, ours))
                print("TLS %-4s 1MiB c=%-3d nginx %8.1f/s (%7.1f MiB/s)  silo %8.1f/s (%7.1f MiB/s)  ratio %.2f"
                      % (op, connections, base, base, ours, ours, ours / base), flush=True)
    finally:
        silo.cleanup()
        nginx.stop()
    print()
    print("| TLS, 1 MiB | conc | nginx MiB/s | silo MiB/s | silo/nginx |")
    print("|---|---|---|---|---|")
    for op, connections, base, ours in rows:
        print("| %s | %d | %.0f | %.0f | %.2f |" % (op, connections, base, ours, ours / base))
    print("(nginx's WebDAV PUT does not fsync; Silo's PUT is acknowledged once on disk: see the durable-write ceiling above.)")
