"""nginx as the load balancer in front of several gateways: each request goes to the next gateway in turn
(keep-alive connections to the gateways, request and response bodies streamed, Host passed through so
signatures still match)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoadBalancer:
    def __init__(self, backends, port=None):
        self.folder = tempfile.mkdtemp(prefix="silo-lb-")
        self.port = port or free_port()
        servers = "\n".join("        server 127.0.0.1:%d;" % port for port in backends)
        config = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_read_timeout 300s;
    upstream gateways {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://gateways;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_pass_request_headers on;
        }}
    }}
}}
""".format(folder=self.folder, servers=servers, port=self.port)
        self.config_path = os.path.join(self.folder, "nginx.conf")
        with open(self.config_path, "w") as f:
            f.write(config)
        self.process = subprocess.Popen([NGINX, "-c", self.config_path, "-e", os.path.join(self.folder, "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise RuntimeError("nginx did not start")

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def main():
    """`make run-cluster` puts its gateways behind this: load_balancer.py PORT BACKEND_PORT... until stopped."""
    import signal
    import sys
    port, backends = int(sys.argv[1]), [int(arg) for arg in sys.argv[2:]]
    balancer = LoadBalancer(backends, port=port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        balancer.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        balancer.close()


if __name__ == "__main__":
    main()
