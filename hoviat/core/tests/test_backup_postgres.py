"""The backup drill on PostgreSQL: data, `hoviat backup`, the database destroyed (its tables
dropped), `hoviat restore`, the data back; a tampered dump is refused and changes nothing.

Runs in a subprocess on a fresh database of the machine's PostgreSQL (127.0.0.1:5432, user
postgres), independent of the suite's database; skipped where that server or pg_dump is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PG = "postgres://postgres@127.0.0.1:5432"

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from hoviat.core.backup import BackupError, backup_create, backup_restore
    from hoviat.places.models import Province

    destination = Path(sys.argv[1])
    call_command("migrate", verbosity=0)
    Province.objects.create(code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1)
    made = backup_create(destination=destination)

    # The disaster: every table gone.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    connection.close()
    call_command("restore", str(made.folder), "--yes")
    assert list(Province.objects.values_list("code", flat=True)) == ["IR-06"]

    # A damaged dump: refused, the database as it was.
    Province.objects.create(code="IR-07", name_fa="فارس", name_en="Fars", population_1395=1)
    with open(made.folder / "database.dump", "r+b") as dump:
        dump.seek(100)
        dump.write(b"X")
    try:
        backup_restore(folder=made.folder)
    except BackupError as error:
        assert "database.dump: checksum does not match" in str(error), error
    else:
        raise AssertionError("a tampered dump was restored")
    assert Province.objects.count() == 2
    print("drill: ok")
    """
)


@pytest.fixture
def database():
    psycopg = pytest.importorskip("psycopg")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    name = f"hoviat_backup_{os.getpid()}"
    try:
        with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {error}")
    yield f"{PG}/{name}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_drill_on_postgres(database, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hoviat.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database,
        "HOVIAT_VAR_DIR": str(tmp_path / "var"),
        "HOVIAT_DEBUG": "0",
        "HOVIAT_LOAD_REFERENCE_DATA": "0",
        "HOVIAT_LOG_LEVEL": "WARNING",
        "HUEY_BACKEND": "immediate",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "backups")],
        env=env, cwd=ROOT, capture_output=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    assert b"drill: ok" in done.stdout


AUDIT_DRILL = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import django
    django.setup()
    from django.core.management import CommandError, call_command
    from django.db import connection
    from hoviat.core.audit import audit_record
    from hoviat.core.backup import backup_create

    def disaster():
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        connection.close()

    destination = Path(sys.argv[1])
    call_command("migrate", verbosity=0)
    for n in range(5):
        audit_record(actor=None, action="drill.before_backup", object_id=str(n))
    call_command("audit", "checkpoint")
    made = backup_create(destination=destination)

    # Destroyed and restored: the log verifies against the checkpoints witnessed outside.
    disaster()
    call_command("restore", str(made.folder), "--yes")
    call_command("verify_audit")

    # Life goes on after the backup, witnessed; then the database is lost again and only the
    # older backup is left: verify-audit calls it a rollback and names the rows it lacks.
    later = [audit_record(actor=None, action="drill.after_backup").pk for _ in range(3)]
    call_command("audit", "checkpoint")
    disaster()
    call_command("restore", str(made.folder), "--yes")
    try:
        call_command("verify_audit")
    except CommandError as error:
        message = str(error)
        assert "rolled back" in message, message
        assert all(str(pk) in message for pk in later), (later, message)
    else:
        raise AssertionError("a restore older than the newest checkpoint verified")
    print("drill: ok")
    """
)


def test_restore_drill_with_the_audit_log_witnessed_outside(database, tmp_path):
    witness = tmp_path / "witness"
    witness.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hoviat.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database,
        "HOVIAT_VAR_DIR": str(tmp_path / "var"),
        "HOVIAT_AUDIT_WITNESS_DIR": str(witness),
        "HOVIAT_DEBUG": "0",
        "HOVIAT_LOAD_REFERENCE_DATA": "0",
        "HOVIAT_LOG_LEVEL": "WARNING",
        "HUEY_BACKEND": "immediate",
    }
    done = subprocess.run(
        [sys.executable, "-c", AUDIT_DRILL, str(tmp_path / "backups")],
        env=env, cwd=ROOT, capture_output=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    assert b"drill: ok" in done.stdout
