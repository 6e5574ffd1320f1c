"""Spawns a real `silo server` on a free loopback port with a temporary data folder."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import socket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, "Server", ".build", "debug", "silo")

ACCESS_KEY_ID = "LTAIsilocompatroot000001"
ACCESS_KEY_SECRET = "silo-compat-secret-0123456789abcdef"
REGION = "cn-hangzhou"


class SiloServer:
    def __init__(self, data_dir=None, extra_args=(), env=None, binary=None):
        self.binary = binary or os.environ.get("SILO_BIN", DEFAULT_BINARY)
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="silo-compat-")
        os.makedirs(self.data_dir, exist_ok=True)
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.update({
            "SILO_ROOT_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "SILO_ROOT_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
        })
        self.env.update(env or {})
        self.process = None
        self.scheme = "http"
        self.port = None
        self.sts_port = None
        self.log_path = os.path.join(self.data_dir, "server.log")

    @property
    def endpoint(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    @property
    def console_url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.console_port)

    @property
    def sts_endpoint(self):
        return "127.0.0.1:%d" % self.sts_port

    @property
    def pid(self):
        return self.process.pid

    def start(self, port=0, timeout=60):
        if not os.path.exists(self.binary):
            raise RuntimeError("silo binary not found at %s (build Server/ first)" % self.binary)
        self.port = None
        self.sts_port = None
        self.scheme = "http"
        self.metrics_port = None
        self.console_port = None
        wants_metrics = "--metrics-address" in self.extra_args
        wants_console = "--console-address" in self.extra_args
        self.log = open(self.log_path, "ab")
        args = [self.binary, "server", "--data-dir", self.data_dir, "--address", "127.0.0.1:%d" % port,
                "--sts-address", "127.0.0.1:0", "--region", REGION] + self.extra_args
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, env=self.env)
        deadline = time.time() + timeout
        banner = b""
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("silo exited early (code %s); log: %s" % (self.process.poll(), self.read_log()))
            banner += line
            match = re.search(rb"OSS endpoint : (https?)://127\.0\.0\.1:(\d+)", line)
            if match:
                self.scheme = match.group(1).decode()
                self.port = int(match.group(2))
            match = re.search(rb"STS endpoint : https?://127\.0\.0\.1:(\d+)", line)
            if match:
                self.sts_port = int(match.group(1))
            match = re.search(rb"metrics      : http://127\.0\.0\.1:(\d+)/metrics", line)
            if match:
                self.metrics_port = int(match.group(1))
            match = re.search(rb"console      : https?://127\.0\.0\.1:(\d+)/", line)
            if match:
                self.console_port = int(match.group(1))
            if self.port and self.sts_port and (self.metrics_port or not wants_metrics) and \
                    (self.console_port or not wants_console):
                break
        if self.port is None:
            self.kill()
            raise RuntimeError("silo did not report its endpoint in time")
        # Drain further stdout so the server never blocks on a full pipe.
        self._drain = subprocess.Popen(["cat"], stdin=self.process.stdout, stdout=subprocess.DEVNULL)
        self._wait_for_port(deadline)
        return self

    def _wait_for_port(self, deadline):
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("silo port %d never accepted connections" % self.port)

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=30):
        """Graceful stop (SIGTERM), then SIGKILL if it hangs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def kill(self):
        """Crash the server: SIGKILL, no chance to clean up."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close()

    def _close(self):
        if getattr(self, "_drain", None):
            self._drain.wait(timeout=10)
            self._drain = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.stop()
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def rss_kib(self):
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
