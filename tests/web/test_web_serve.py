"""``kinsight serve`` serves a deployment, with demo users that can sign in."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests
from warehouse_fixture import build_deployment

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_the_service_and_a_demo_user_signs_in(tmp_path):
    config = build_deployment(tmp_path / "la")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KINSIGHT_", "DJANGO_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "kinsight", "serve", "--config", str(config), "--port", str(port), "--demo-users"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                requests.get(base + "/sign-in/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.5)
        session = requests.Session()
        form = session.get(base + "/sign-in/", timeout=5)
        assert form.status_code == 200 and "Content-Security-Policy" in form.headers
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
        home = session.post(base + "/sign-in/", data={"username": "social_worker", "password": "demo-social-worker",
                                                      "csrfmiddlewaretoken": token}, timeout=10)
        assert "Signed in as social_worker" in home.text
        children = session.get(base + "/children/", timeout=10).text
        assert "Children you work with" in children and "P0000000" in children  # a demo caseload
        assert (tmp_path / "la" / "warehouse" / "control.sqlite3").exists()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Demo users" in output and "social_worker" in output and f"127.0.0.1:{port}" in output


def test_serve_without_a_configuration_says_so_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kinsight", "serve", "--config", str(tmp_path / "nope.toml")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert "configuration file not found" in result.stderr and "Traceback" not in result.stderr
