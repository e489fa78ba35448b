"""/readyz's job_queue check against a real Redis (a throw-away redis-server on a free port):
ready while it answers, failing on the first probe after it stops. Skipped without redis-server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from huey import RedisHuey
from huey.contrib import djhuey

from hoviat.core import health


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield process, f"redis://127.0.0.1:{port}/0"
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_job_queue_ready_while_redis_answers_failing_once_it_stops(redis_server, monkeypatch):
    process, url = redis_server
    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("hoviat-readiness-test", url=url))
    assert "job_queue" not in health.readiness()
    process.terminate()
    process.wait(timeout=10)
    assert "job_queue" in health.readiness()
