"""`hoviat serve` for real: granian with two workers on a throw-away PostgreSQL cluster.

One cluster (initdb in a temporary folder, its own port, run as `postgres` when we are root),
migrated by `hoviat migrate`, served by `hoviat serve` (production settings, DEBUG off). Then:

- /healthz and /readyz answer 200;
- requests spread over both workers are all counted in one /metrics scrape (the workers'
  counts added up through PROMETHEUS_MULTIPROC_DIR);
- PostgreSQL is stopped: the very next /readyz is 503 naming `database`, /healthz stays 200.

Independent of the suite's own database; skipped with the reason where the PostgreSQL server
binaries are missing.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("HOVIAT_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hoviat-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, *args], check=True, capture_output=True, timeout=TIMEOUT, cwd=self.root
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--no-sync", "--no-instructions", "-E", "UTF8")  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                "full_page_writes = off\nshared_buffers = 16MB\nmax_connections = 30\n"
            )
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", f"{self.data}.log", "-w",
                 "-t", str(TIMEOUT), "start")  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
             "-w", "stop"],
            capture_output=True, timeout=TIMEOUT, check=False, cwd=self.root,
        )  # fmt: skip

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def pg_binaries_missing() -> str | None:
    missing = [n for n in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / n).exists()]
    if missing:
        return f"PostgreSQL server binaries not found in {PG_BIN}: {', '.join(missing)}"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: cannot start PostgreSQL as postgres"
    return None


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def served():
    if reason := pg_binaries_missing():
        pytest.skip(reason)
    cluster = ThrowawayPostgres()
    var = Path(tempfile.mkdtemp(prefix="hoviat-serve-var-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hoviat.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": cluster.url,
        "HOVIAT_VAR_DIR": str(var),
        "HOVIAT_AUDIT_WITNESS_DIR_CREATE": "1",  # var/audit-witness, as a first start makes it
        "HOVIAT_DEBUG": "0",
        "HOVIAT_SECURE_SSL_REDIRECT": "0",
        "HOVIAT_LOAD_REFERENCE_DATA": "0",
        "HOVIAT_SERVE_WORKERS": "2",
        "HOVIAT_SERVE_THREADS": "2",
        "HOVIAT_LOG_LEVEL": "WARNING",
        "HUEY_BACKEND": "sqlite",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    hoviat = [sys.executable, "-m", "hoviat.cli"]
    server = None
    try:
        cluster.start()
        subprocess.run([*hoviat, "migrate", "-v0"], env=env, check=True, timeout=600, cwd=ROOT)
        server = subprocess.Popen(
            [*hoviat, "serve", "--bind", f"127.0.0.1:{port}"],
            env=env, cwd=ROOT, start_new_session=True,
            stdout=(var / "serve.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert server.poll() is None, (var / "serve.log").read_text()
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("hoviat serve did not answer: " + (var / "serve.log").read_text())
        yield base, cluster, var
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        cluster.remove()
        shutil.rmtree(var, ignore_errors=True)


def _count(text: str, endpoint: str) -> float:
    pattern = (
        rf'^hoviat_http_requests_total{{([^}}]*endpoint="{re.escape(endpoint)}"[^}}]*)}} (\S+)$'
    )
    return sum(float(m.group(2)) for m in re.finditer(pattern, text, re.M))


def test_served_probes_metrics_and_readiness_when_postgres_stops(served):
    base, cluster, var = served
    assert get(f"{base}/healthz") == (200, b'{"status": "ok"}')
    status, body = get(f"{base}/readyz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    # Each request on a new connection, which the kernel gives to either worker's socket; the
    # scrape (answered by one of them) counts them all.
    for _ in range(40):
        status, _body = get(f"{base}/api/v1/inquiry/ping")
        assert status == 401
    status, text = get(f"{base}/metrics")
    assert status == 200
    assert _count(text.decode(), "api:inquiry_ping") == 40
    # Both workers answered some: each keeps its counts in files named by its process id.
    counted_by = {path.stem.rpartition("_")[2] for path in (var / "metrics").glob("counter_*.db")}
    assert len(counted_by) == 2, counted_by
    assert "hoviat_applications" in text.decode()  # the domain's gauges, from the database

    cluster.stop()
    status, body = get(f"{base}/readyz")
    assert status == 503
    assert json.loads(body) == {"status": "failing", "failing": ["database"]}
    assert get(f"{base}/healthz")[0] == 200
