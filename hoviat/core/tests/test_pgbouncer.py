"""Hoviat behind PgBouncer in transaction mode (Debian's pgbouncer 1.18), as docs/deploy.md sets it.

A throw-away pgbouncer on a free port in front of the machine's PostgreSQL (127.0.0.1:5432,
user postgres, trust), `pool_mode = transaction` and a pool smaller than the clients, so
consecutive transactions of one client land on different server connections. A fresh
database is then used only through it, with HOVIAT_DB_PGBOUNCER=1: migrate (with the reference
data: places and holidays loaded by their services), generate a population, run every sweep,
read with .iterator() (a server-side cursor would break there) and ask the inquiry API.

Skipped, with the reason, where pgbouncer or the local PostgreSQL is missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

PGBOUNCER = Path(os.environ.get("HOVIAT_PGBOUNCER", "/usr/sbin/pgbouncer"))
ROOT = Path(__file__).resolve().parents[3]
PG = "postgres://postgres@127.0.0.1:5432"

SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert settings.INQUIRY_DB_PREPARE is False
    call_command("migrate", verbosity=0)
    call_command("generate_population", province="IR-06", size=60, verbosity=0)
    call_command("sweep")
    from hoviat.places.models import Province
    from hoviat.registry.models import Citizen
    assert sum(1 for _ in Citizen.objects.iterator(chunk_size=10)) == 60
    assert Province.objects.count() >= 31
    answer = Client().get("/api/v1/inquiry/ping", HTTP_X_API_KEY="nope")
    assert answer.status_code == 401, answer.status_code
    answer = Client().get("/readyz")
    assert answer.status_code == 200, answer.content
    with connection.cursor() as cursor:
        cursor.execute("SHOW application_name")  # a real round trip on the bouncer's link
    print("through pgbouncer: ok")
    """
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bouncer():
    if not PGBOUNCER.exists():
        pytest.skip(f"{PGBOUNCER} is not installed")
    psycopg = pytest.importorskip("psycopg")
    name = f"hoviat_pgbouncer_{os.getpid()}"
    try:
        with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {error}")
    folder = Path(tempfile.mkdtemp(prefix="hoviat-pgbouncer-"))
    port = _free_port()
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        textwrap.dedent(
            f"""
            [databases]
            * = host=127.0.0.1 port=5432
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {folder / "users.txt"}
            pool_mode = transaction
            default_pool_size = 2
            max_client_conn = 50
            ignore_startup_parameters = extra_float_digits,options
            logfile = {folder / "pgbouncer.log"}
            """
        )
    )
    as_user = []
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        postgres = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        as_user = ["-u", "postgres"]
    process = subprocess.Popen(
        [str(PGBOUNCER), *as_user, str(folder / "pgbouncer.ini")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                logfile = folder / "pgbouncer.log"
                log = logfile.read_text() if logfile.exists() else ""
                pytest.fail(f"pgbouncer did not start: {process.stdout.read()!r} {log}")
            time.sleep(0.2)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/{name}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_services_through_pgbouncer_in_transaction_mode(bouncer, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hoviat.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": bouncer,
        "HOVIAT_DB_PGBOUNCER": "1",
        "HOVIAT_VAR_DIR": str(tmp_path),
        "HOVIAT_AUDIT_WITNESS_DIR_CREATE": "1",
        "HOVIAT_DEBUG": "0",
        "HOVIAT_SECURE_SSL_REDIRECT": "0",
        "HOVIAT_LOAD_REFERENCE_DATA": "1",
        "HOVIAT_LOG_LEVEL": "WARNING",
        "HUEY_BACKEND": "immediate",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, timeout=900
    )
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    assert b"through pgbouncer: ok" in done.stdout
