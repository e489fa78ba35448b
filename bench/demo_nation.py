"""Demo-nation benchmark: `make demo-nation` from a fresh database, timed (target: 5 minutes).

    .venv/bin/python bench/demo_nation.py [--scale 0.001] [--db sqlite|postgres]

Runs what `make demo-nation` runs, each step in its own process as the Makefile does:
`hoviat migrate`, `hoviat demo`, `hoviat demo nation --scale S`, on a new SQLite file in the
temporary folder (or a new PostgreSQL database `hoviat_bench_nation`). Prints each step's
wall and CPU seconds and the machine's load (wall time on a shared machine says little
without them), and writes them as JSON to bench/out/demo_nation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
NAME = "hoviat_bench_nation"
TARGET_SECONDS = 300


def _database(db: str) -> str:
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{NAME}"')
            conn.execute(f'CREATE DATABASE "{NAME}"')
        return f"{PG_BASE}/{NAME}"
    path = Path(tempfile.gettempdir()) / f"{NAME}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="0.001")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database(args.db),
        DJANGO_SETTINGS_MODULE="hoviat.settings",
        HOVIAT_DEBUG="true",  # as `make demo-nation`: generated secrets in var/
        HOVIAT_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    steps = (
        ("migrate", ["migrate", "--no-input"]),
        ("demo", ["demo"]),
        ("demo nation", ["demo", "nation", "--scale", args.scale]),
    )
    load_before = os.getloadavg()[0]
    timings: dict[str, dict[str, float]] = {}
    total_wall = total_cpu = 0.0
    for name, command in steps:
        wall, cpu = time.perf_counter(), _cpu()
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
            print(f"{name}: failed", file=sys.stderr)
            return 1
        total_wall += wall
        total_cpu += cpu
        timings[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
        print(f"{name:12} {wall:7.1f} s wall {cpu:7.1f} s CPU")
        if name == "demo nation":
            print("\n".join(done.stdout.strip().splitlines()[-4:]))
    figures = dict(
        db=args.db,
        scale=float(args.scale),
        steps=timings,
        wall_s=round(total_wall, 1),
        cpu_s=round(total_cpu, 1),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
        cores=os.cpu_count(),
        target_s=TARGET_SECONDS,
        within_target=total_wall <= TARGET_SECONDS,
    )
    print(
        f"total        {total_wall:7.1f} s wall {total_cpu:7.1f} s CPU "
        f"(target {TARGET_SECONDS} s; load {load_before:.1f} → {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores)"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "demo_nation.json").write_text(json.dumps(figures, indent=2))
    return 0 if total_wall <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
