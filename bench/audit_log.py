"""The audit log at scale: append, sequence and checkpoint, then `verify-audit`, over millions
of rows (issue 15 asks for 10,000,000 rows verified on PostgreSQL in 60 s at most).

    make bench BENCH=audit_log BENCH_ARGS="--rows 10000000 --db postgres"

Rows are appended with audit_many (COPY on PostgreSQL) in batches as a production run would,
sequenced with the worker's own function, then verified from scratch: every leaf recomputed
from its row, held against the witness directory and every checkpoint. The verification is
reported as wall time, this process's CPU, the CPU of the database's PostgreSQL backends (a
local server, read from /proc) and the load average, since the machine is shared.

    make bench BENCH=audit_log BENCH_ARGS="--rows 10000000 --db postgres --sql-append --witness DIR"
    make bench BENCH=audit_log BENCH_ARGS="--verify-only --witness DIR"   # again, same log
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per audit_many call")
    parser.add_argument("--checkpoints", type=int, default=20, help="checkpoints on the way")
    parser.add_argument(
        "--sql-append",
        action="store_true",
        help="PostgreSQL: the rows written by INSERT ... SELECT instead of audit_many (faster)",
    )
    parser.add_argument("--name", default="hoviat_bench_audit", help="the bench database's name")
    parser.add_argument("--witness", help="witness directory (default: a new temporary one)")
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="verify the log an earlier run built (same --witness), without building it again",
    )
    args, _ = parser.parse_known_args()
    witness = Path(args.witness or tempfile.mkdtemp(prefix="hoviat-bench-witness-"))
    witness.mkdir(parents=True, exist_ok=True)
    os.environ["HOVIAT_AUDIT_WITNESS_DIR"] = str(witness)
    os.environ["HOVIAT_AUDIT_SEQUENCE_BATCH"] = "200000"
    from _common import existing_database, fresh_database

    if args.verify_only:
        existing_database(args.name, args.db)
    else:
        fresh_database(args.name, args.db)
    from django.db import connection

    from hoviat.core.audit import Actor, audit_many
    from hoviat.core.audit_tree import audit_checkpoint, audit_verify

    if not args.verify_only:
        _build(args, Actor("system", "", "سامانه"), audit_many, audit_checkpoint)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE core_auditentry")
    server = _ServerCpu(args.name) if connection.vendor == "postgresql" else None
    wall, cpu = time.perf_counter(), time.process_time()
    verdict = audit_verify()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_cpu = server.stop() if server else None
    assert verdict.ok, verdict.problem
    print(
        f"{args.db}: verify-audit over {verdict.checked:,} leaves ({verdict.checkpoints} signed "
        f"checkpoints, {verdict.witnessed:,} witnessed leaf hashes): {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU in this process"
        + (f", {server_cpu:.1f} s CPU in PostgreSQL" if server_cpu is not None else "")
        + f" ({verdict.checked / wall:,.0f} leaves/s); load average {os.getloadavg()[0]:.1f}"
    )


class _ServerCpu:
    """The CPU time of this database's PostgreSQL backends (a local server: read from /proc
    every 0.1 s, so a backend's last moments before it exits may be missed)."""

    def __init__(self, name: str) -> None:
        self.name, self.seen, self.done = name, {}, threading.Event()
        self.others: set[str] = set()
        self.base = self._sample()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _sample(self) -> dict[int, float]:
        found = {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or entry.name in self.others:
                continue
            try:
                if int(entry.name) not in self.seen:
                    command = (entry / "cmdline").read_bytes()
                    if not command.startswith(b"postgres: "):
                        # A backend just forked shows the server's command line for a moment.
                        if b"postgres" not in command:
                            self.others.add(entry.name)
                        continue
                    if self.name.encode() not in command:
                        self.others.add(entry.name)
                        continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
        return found

    def _run(self) -> None:
        while not self.done.wait(0.1):
            self.seen.update(self._sample())

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        self.seen.update(self._sample())
        return sum(t - self.base.get(pid, 0.0) for pid, t in self.seen.items())


def _append_sql(first: int, count: int) -> None:
    """`count` rows like audit_many's, written by the database itself (INSERT ... SELECT), for
    the largest logs: the bench then measures the sequencer and the verification, not this."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_auditentry (at, actor_kind, actor_id, actor_label, action,
                object_type, object_id, from_state, to_state, reason, data, leaf_hash)
            SELECT now(), 'system', '', 'سامانه', 'card.personalised', 'production.card',
                g::text, 'queued', 'personalised', '',
                jsonb_build_object('run', g / 10000, 'serial', 'IR' || lpad(g::text, 10, '0')),
                ''
            FROM generate_series(%s, %s) AS g
            """,
            [first, first + count - 1],
        )


def _build(args, actor, audit_many, audit_checkpoint) -> None:
    every = max(args.rows // args.checkpoints, args.batch)
    wall, cpu = time.perf_counter(), time.process_time()
    written = 0
    append_wall = sequence_wall = 0.0
    while written < args.rows:
        count = min(args.batch, args.rows - written)
        started = time.perf_counter()
        if args.sql_append:
            _append_sql(written, count)
        else:
            audit_many(
                actor=actor,
                rows=[
                    {
                        "action": "card.personalised",
                        "object_type": "production.card",
                        "object_id": str(written + n),
                        "from_state": "queued",
                        "to_state": "personalised",
                        "data": {"run": written // 10000, "serial": f"IR{written + n:010d}"},
                    }
                    for n in range(count)
                ],
            )
        append_wall += time.perf_counter() - started
        written += count
        if written % every < args.batch or written == args.rows:
            started = time.perf_counter()
            audit_checkpoint()
            sequence_wall += time.perf_counter() - started
    print(
        f"{args.db}: appended {written:,} rows in {append_wall:.1f} s "
        f"({written / append_wall:,.0f} rows/s, audit_many of {args.batch:,}); "
        f"sequenced and checkpointed in {sequence_wall:.1f} s "
        f"({written / sequence_wall:,.0f} rows/s); process CPU {time.process_time() - cpu:.1f} s, "
        f"wall {time.perf_counter() - wall:.1f} s"
    )


if __name__ == "__main__":
    main()
