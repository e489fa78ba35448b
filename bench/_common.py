"""What several benchmark scripts share (not a benchmark itself: bench/run.py skips _*.py)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = "postgres://postgres@127.0.0.1:5432"


def existing_database(name: str, db: str) -> None:
    """Django set up on a database an earlier run of a bench built (no migration)."""
    if db == "postgres":
        os.environ["DATABASE_URL"] = f"{PG_BASE}/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.gettempdir()) / name}.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
    os.environ["HOVIAT_DEBUG"] = "0"
    os.environ.setdefault("HOVIAT_LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_database(name: str, db: str) -> None:
    """A new, migrated database called `name` (PostgreSQL, or an SQLite file in the temporary
    folder), Django set up on it with DEBUG off."""
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{PG_BASE}/{name}"
    else:
        path = Path(tempfile.gettempdir()) / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
    os.environ["HOVIAT_DEBUG"] = "0"
    os.environ.setdefault("HOVIAT_LOG_LEVEL", "WARNING")
    os.environ["HOVIAT_LOAD_REFERENCE_DATA"] = "0"  # the benches build their own Bushehr
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
