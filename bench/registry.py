"""Registry benchmark: generate-population and import-registry, on SQLite and PostgreSQL.

    .venv/bin/python bench/registry.py --rows 1000000

1. Writes a CSV of `--rows` synthetic Bushehr citizens (population_write_csv).
2. SQLite (a fresh file in a temp dir): generate-population of `--rows` citizens (seconds),
   then import-registry of the CSV into an empty registry (rows/s).
3. PostgreSQL (`--pg-url`, dropped and created afresh): the same two, then a bare COPY of the
   same CSV into an unindexed all-text table, and the ratio import time / bare COPY time
   (target: 3 or less). With --what-if, the import once more with the three foreign keys to
   places dropped (in the benchmark's database only), to show what they cost.
Figures are printed as a table and written as JSON to bench/out/registry.json.

Each measurement runs in its own process (this script with --worker), because Django reads
DATABASE_URL once, at setup. The places are the real reference data (`places_load`):
Bushehr's counties with their national-code prefixes and cities.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/hoviat_bench"
BARE_COLUMNS = (
    "national_code",
    "first_name",
    "last_name",
    "father_name",
    "mother_name",
    "gender",
    "birth_date",
    "shenasnameh_number",
    "shenasnameh_serial",
    "residence_province",
    "residence_city",
    "mobile",
    "is_alive",
    "has_photo_shenasnameh",
)


# --- CPU accounting: wall time on a shared machine says little without it -------------------


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a local process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _watch_backends() -> dict[int, list[float]]:
    """Record the CPU of every PostgreSQL backend that stores a batch (before and after)."""
    from hoviat.registry import writers

    seen: dict[int, list[float]] = {}
    store = writers.PostgresWriter.store

    def watched(self, payload, connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        if pid not in seen:
            seen[pid] = [_process_cpu(pid), 0.0]
        try:
            return store(self, payload, connection)
        finally:
            seen[pid][1] = _process_cpu(pid)

    writers.PostgresWriter.store = watched
    return seen


def _backend_cpu(seen: dict[int, list[float]]) -> float:
    return sum(end - start for start, end in seen.values())


# --- Workers (run in a child process with DATABASE_URL set) ----------------------------------


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
    os.environ.setdefault("HOVIAT_DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def worker(args: argparse.Namespace) -> dict:
    _django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from hoviat.registry.models import Citizen
    from hoviat.registry.services import (
        population_generate,
        population_write_csv,
        registry_import,
    )

    if args.worker == "setup":
        from hoviat.places.services import places_load

        call_command("migrate", verbosity=0, interactive=False)
        places_load()
        return {}
    if args.worker == "csv":
        started = time.perf_counter()
        written = population_write_csv(
            province="IR-06", size=args.rows, seed=args.seed, path=args.csv
        )
        return {"rows": written, "seconds": time.perf_counter() - started}
    with connection.cursor() as cursor:
        # An empty registry for each run, so every row is really written.
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE registry_oldcard, registry_citizen CASCADE")
        else:
            cursor.execute("DELETE FROM registry_oldcard")
            cursor.execute("DELETE FROM registry_citizen")
    backends = _watch_backends() if connection.vendor == "postgresql" else {}
    cpu = _own_cpu()
    if args.worker == "import-without-place-fks":
        # What-if only, in the benchmark's own database: the three foreign keys to places
        # cost one lookup each per row, checked at commit.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'registry_citizen'::regclass "
                "AND contype = 'f' AND confrelid::regclass::text LIKE 'places_%%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE registry_citizen DROP CONSTRAINT "{name}"')
        args.worker = "import"
    if args.worker == "generate":
        result = population_generate(province="IR-06", size=args.rows, seed=args.seed + 1)
        figures = {"rows": result.created, "seconds": result.seconds}
    elif args.worker == "import":
        result = registry_import(
            path=args.csv,
            report_path=Path(args.csv).with_suffix(".rej"),
            batch_size=args.batch_size,
            progress=False,
        )
        assert result.rejected == 0, result
        figures = {
            "rows": result.loaded,
            "seconds": result.seconds,
            "rows_per_second": result.rows_per_second,
        }
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    assert Citizen.objects.count() == args.rows
    figures["python_cpu_seconds"] = _own_cpu() - cpu
    if backends:
        figures["postgres_cpu_seconds"] = _backend_cpu(backends)
    return figures


# --- The driver --------------------------------------------------------------------------------


def _run_worker(name: str, database_url: str, args: argparse.Namespace, csv: Path) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        name,
        "--database-url",
        database_url,
        "--rows",
        str(args.rows),
        "--seed",
        str(args.seed),
        "--csv",
        str(csv),
    ]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if output.returncode:
        sys.stderr.write(output.stderr)
        raise SystemExit(f"the {name} worker failed on {database_url}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def _pg_recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _bare_copy(url: str, csv: Path) -> dict:
    """COPY the CSV as it is into an all-text table with no index: the floor for a load."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare_copy")
        conn.execute(
            "CREATE TABLE bench_bare_copy ("
            + ", ".join(f"{column} text" for column in BARE_COLUMNS)
            + ")"
        )
        conn.commit()
        backend = conn.info.backend_pid
        cpu, backend_cpu = _own_cpu(), _process_cpu(backend)
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            csv.open("rb") as source,
            cursor.copy("COPY bench_bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        figures = {
            "python_cpu_seconds": _own_cpu() - cpu,
            "postgres_cpu_seconds": _process_cpu(backend) - backend_cpu,
        }
        rows = conn.execute("SELECT count(*) FROM bench_bare_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_bare_copy")
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, **figures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1405)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="import batch size (default: HOVIAT_IMPORT_BATCH_SIZE)",
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also import on PostgreSQL with the place foreign keys dropped",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return 0

    figures: dict = {
        "rows": args.rows,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    figures["load_average"] = " ".join(f"{load:.1f}" for load in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="hoviat-bench-") as tmp:
        csv = Path(tmp) / "population.csv"
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        _run_worker("setup", sqlite_url, args, csv)
        figures["csv"] = _run_worker("csv", sqlite_url, args, csv)
        figures["csv"]["megabytes"] = round(csv.stat().st_size / 1e6, 1)
        if not args.skip_sqlite:
            figures["sqlite_generate"] = _run_worker("generate", sqlite_url, args, csv)
            figures["sqlite_import"] = _run_worker("import", sqlite_url, args, csv)
        if not args.skip_postgres:
            _pg_recreate(args.pg_url)
            _run_worker("setup", args.pg_url, args, csv)
            figures["postgres_generate"] = _run_worker("generate", args.pg_url, args, csv)
            figures["postgres_import"] = _run_worker("import", args.pg_url, args, csv)
            figures["postgres_bare_copy"] = _bare_copy(args.pg_url, csv)
            if args.what_if:
                figures["postgres_import_without_place_fks"] = _run_worker(
                    "import-without-place-fks", args.pg_url, args, csv
                )
            imported, bare = figures["postgres_import"], figures["postgres_bare_copy"]
            figures["postgres_import_to_bare_copy"] = imported["seconds"] / bare["seconds"]
            figures["postgres_import_to_bare_copy_cpu"] = (
                imported["python_cpu_seconds"] + imported["postgres_cpu_seconds"]
            ) / (bare["python_cpu_seconds"] + bare["postgres_cpu_seconds"])

    OUT.mkdir(exist_ok=True)
    (OUT / "registry.json").write_text(json.dumps(figures, indent=2) + "\n")
    _print(figures)
    return 0


def _print(figures: dict) -> None:
    rows = figures["rows"]
    lines = [("measure", "seconds", "rows/s", "CPU s: Python", "PostgreSQL")]

    def add(label: str, key: str) -> None:
        if key in figures:
            got = figures[key]
            python = got.get("python_cpu_seconds")
            postgres = got.get("postgres_cpu_seconds")
            lines.append(
                (
                    label,
                    f"{got['seconds']:.2f}",
                    f"{got['rows'] / got['seconds']:,.0f}",
                    "" if python is None else f"{python:.2f}",
                    "" if postgres is None else f"{postgres:.2f}",
                )
            )

    add(f"write CSV ({figures['csv']['megabytes']} MB)", "csv")
    add("generate-population, SQLite", "sqlite_generate")
    add("import-registry, SQLite", "sqlite_import")
    add("generate-population, PostgreSQL", "postgres_generate")
    add("import-registry, PostgreSQL", "postgres_import")
    add("bare COPY (unindexed, all text), PostgreSQL", "postgres_bare_copy")
    add("what-if: import, PostgreSQL, no place FKs", "postgres_import_without_place_fks")
    width = max(len(line[0]) for line in lines)
    print(
        f"registry benchmark, {rows:,} rows ({figures['machine']}, "
        f"load average {figures['load_average']})"
    )
    for label, seconds, rate, python, postgres in lines:
        print(f"  {label:<{width}}  {seconds:>8}  {rate:>9}  {python:>13}  {postgres:>10}")
    if "postgres_import_to_bare_copy" in figures:
        print(
            f"  import / bare COPY on PostgreSQL: "
            f"{figures['postgres_import_to_bare_copy']:.2f}× in time, "
            f"{figures['postgres_import_to_bare_copy_cpu']:.2f}× in CPU (target ≤ 3×)"
        )
    print(f"  JSON: {OUT / 'registry.json'}")


if __name__ == "__main__":
    sys.exit(main())
