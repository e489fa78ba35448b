"""The replica router against a real PostgreSQL streaming replica.

The harness builds two throw-away PostgreSQL clusters in a temporary directory: a primary
(initdb, configured for replication) and a hot standby copied from it with
`pg_basebackup -R`, each on a free port of 127.0.0.1. It is self-contained because the
machine's own server (127.0.0.1:5432) need not accept replication connections, and a test
must not change its configuration. For the test, the "default" alias points at the
throw-away primary and "replica" at the standby; Django's router, ORM and connections do the
rest as in production.

Skipped, with the reason, on SQLite and where the PostgreSQL server binaries are absent.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from hoviat.core.dbrouter import REPLICA_ALIAS, use_replica
from hoviat.places.models import Province

pytestmark = pytest.mark.postgres

PG_BIN = Path(os.environ.get("HOVIAT_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROUTER = "hoviat.core.dbrouter.ReplicaRouter"
START_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clusters:
    """A primary and its streaming replica, run as the `postgres` user when we are root."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hoviat-replica-"))
        self.primary_dir = self.root / "primary"
        self.replica_dir = self.root / "replica"
        self.primary_port = _free_port()
        self.replica_port = _free_port()
        self.started: list[Path] = []
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root.
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, *args],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
            cwd=self.root,  # the postgres user may not enter ours
        )

    def _configure(self, data_dir: Path, port: int) -> None:
        # Later lines win in postgresql.conf: the replica's copy is overridden the same way.
        settings = (
            f"\nport = {port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\n"
            "wal_level = replica\n"
            "max_wal_senders = 4\n"
            "hot_standby = on\n"
            "fsync = off\n"
            "full_page_writes = off\n"
            "shared_buffers = 16MB\n"
            "max_connections = 20\n"
        )
        with open(data_dir / "postgresql.conf", "a") as conf:
            conf.write(settings)

    def _start(self, data_dir: Path) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-l", f"{data_dir}.log", "-w",
                 "-t", str(START_TIMEOUT), "start")  # fmt: skip
        self.started.append(data_dir)

    def start(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.primary_dir), "-U", "postgres",
                 "--auth=trust", "--no-sync", "--no-instructions", "-E", "UTF8")  # fmt: skip
        # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
        self._configure(self.primary_dir, self.primary_port)
        self._start(self.primary_dir)
        self.run(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                 "-U", "postgres", "-D", str(self.replica_dir), "-R", "-X", "stream",
                 "-c", "fast", "--no-sync")  # fmt: skip
        self._configure(self.replica_dir, self.replica_port)
        self._start(self.replica_dir)

    def stop(self) -> None:
        for data_dir in reversed(self.started):
            subprocess.run(
                [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-m", "immediate",
                 "-w", "stop"],
                capture_output=True, timeout=START_TIMEOUT, check=False, cwd=self.root,
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
            for log in sorted(self.root.glob("*.log"))
        )


@pytest.fixture(scope="session")
def clusters():
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    missing = [
        name
        for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres")
        if not (PG_BIN / name).exists()
    ]
    if missing:
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}: {', '.join(missing)}")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    made = Clusters()
    try:
        made.start()
    except subprocess.CalledProcessError as error:
        logs = made.log_tail()
        made.stop()
        pytest.fail(f"could not start the clusters: {error.cmd}\n{error.stderr.decode()}\n{logs}")
    yield made
    made.stop()


@pytest.fixture
def routed_to_clusters(clusters, settings, django_db_blocker):
    """ "default" is the throw-away primary, "replica" its standby, with the router on."""
    settings.DATABASE_ROUTERS = [ROUTER]
    saved_default = connections["default"]
    template = dict(connections.settings["default"])
    template.update(NAME="postgres", USER="postgres", PASSWORD="", HOST="127.0.0.1")
    template["OPTIONS"] = {}  # no pool: two plain connections
    template["CONN_MAX_AGE"] = 0
    primary = saved_default.__class__({**template, "PORT": clusters.primary_port}, "default")
    connections.settings[REPLICA_ALIAS] = {**template, "PORT": clusters.replica_port}
    connections["default"] = primary
    try:
        with django_db_blocker.unblock():
            with primary.schema_editor() as editor:
                editor.create_model(Province)
            yield clusters
            with primary.schema_editor() as editor:
                editor.delete_model(Province)
    finally:
        primary.close()
        if hasattr(connections._connections, REPLICA_ALIAS):
            connections[REPLICA_ALIAS].close()
            del connections[REPLICA_ALIAS]
        del connections.settings[REPLICA_ALIAS]
        connections["default"] = saved_default


def _scalar(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _wait_for_replay(timeout: float = 10.0) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = _scalar("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _scalar(REPLICA_ALIAS, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not replay up to {target} in {timeout} s")


def test_the_harness_runs_a_real_streaming_replica(routed_to_clusters):
    clusters = routed_to_clusters
    assert _scalar("default", "SELECT pg_is_in_recovery()") is False
    assert _scalar("default", "SELECT inet_server_port()") == clusters.primary_port
    assert _scalar(REPLICA_ALIAS, "SELECT pg_is_in_recovery()") is True
    assert _scalar(REPLICA_ALIAS, "SELECT inet_server_port()") == clusters.replica_port
    assert _scalar("default", "SELECT count(*) FROM pg_stat_replication") == 1


def test_reads_in_a_replica_block_come_from_the_replica(routed_to_clusters):
    clusters = routed_to_clusters
    Province.objects.create(code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1)
    _wait_for_replay()

    with use_replica():
        queryset = Province.objects.filter(code="IR-06")
        assert queryset.db == REPLICA_ALIAS
        with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
            province = queryset.get()
        # The row was read over the standby's connection, on the standby's port.
        assert province.name_en == "Bushehr"
        assert any('"places_province"' in query["sql"] for query in on_replica.captured_queries)
        assert _scalar(queryset.db, "SELECT inet_server_port()") == clusters.replica_port
        assert _scalar(queryset.db, "SELECT pg_is_in_recovery()") is True
    assert Province.objects.all().db == "default"


def test_a_row_not_yet_replayed_is_not_seen_on_the_replica(routed_to_clusters):
    # Proof that the replica is a separate server, not the primary under another name.
    _scalar(REPLICA_ALIAS, "SELECT pg_wal_replay_pause()")
    try:
        Province.objects.create(code="IR-07", name_fa="تهران", name_en="Tehran", population_1395=1)
        assert Province.objects.filter(code="IR-07").exists()
        with use_replica():
            assert not Province.objects.filter(code="IR-07").exists()
    finally:
        _scalar(REPLICA_ALIAS, "SELECT pg_wal_replay_resume()")
    _wait_for_replay()
    with use_replica():
        assert Province.objects.filter(code="IR-07").exists()


def test_writes_in_a_replica_block_go_to_the_primary(routed_to_clusters):
    with use_replica():
        Province.objects.create(
            code="IR-04", name_fa="اصفهان", name_en="Isfahan", population_1395=1
        )
        Province.objects.filter(code="IR-04").update(population_1395=5120850)
        with transaction.atomic():
            # Inside a transaction on the primary, reads stay there: it sees its own write.
            locked = Province.objects.select_for_update().get(code="IR-04")
            assert locked.population_1395 == 5120850
            assert Province.objects.filter(code="IR-04").db == "default"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT population_1395 FROM places_province WHERE code = 'IR-04'")
        assert cursor.fetchone() == (5120850,)


def test_the_replica_refuses_writes_of_its_own(routed_to_clusters):
    from django.db.utils import InternalError, OperationalError

    with pytest.raises((InternalError, OperationalError), match="read-only transaction"):
        Province.objects.using(REPLICA_ALIAS).create(
            code="IR-01", name_fa="آذربایجان شرقی", name_en="East Azerbaijan", population_1395=1
        )
