"""`hoviat serve`: the site under granian, sized for this machine (docs/deploy.md).

Refuses to start on a database that is not migrated (the message names a missing migration).
Every number comes from a HOVIAT_SERVE_* variable (hoviat/settings.py) or, when 0, from the
machine: one worker process per usable CPU (at least two, so one can restart while the other
answers), each running the WSGI application on SERVE_THREADS threads (the requests wait mostly
on PostgreSQL: the shape bench/inquiry.py measures with `--workers N`).

granian, not gunicorn: its HTTP/1.1 connections, parsing and writing are Rust threads outside
the GIL, so a process's Python runs the application alone. gunicorn's gthread worker spent
about 0.3 ms of Python per request on the same work (bench/inquiry.py; docs/deploy.md).

Before granian starts, PROMETHEUS_MULTIPROC_DIR is set to an emptied folder, so /metrics adds
up the counts of every worker (hoviat/core/metrics.py).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def serve_arguments(*, bind: str, workers: int, threads: int) -> list[str]:
    """granian's command line (after the program's name) for `hoviat serve`."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"the address to serve on must be host:port, not {bind!r}")
    args = [
        "hoviat.wsgi:application",
        "--interface", "wsgi",
        "--host", host.strip("[]"),
        "--port", port,
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--backlog", "2048",
        # HTTP/1.1 behind the proxy (docs/deploy.md); no websockets on this site.
        "--http", "1",
        "--no-ws",
        # An idle kept-alive connection is closed after this long without a request (granian
        # times the wait for the next request's headers): longer than the proxy's own idle
        # timeout towards us, so the proxy, never we, closes it.
        "--http1-header-read-timeout", str(settings.SERVE_KEEP_ALIVE * 1000),
        # A stopping (TERM) or replaced (HUP) worker finishes its requests first, this long.
        "--workers-kill-timeout", str(settings.SERVE_TIMEOUT),
        "--respawn-failed-workers",
        "--log-level", "warning",
        # Requests are logged by hoviat.core.logs (one JSON line each), not a second time here.
        "--no-access-log",
    ]  # fmt: skip
    if settings.SERVE_MAX_RSS_MB:
        # A worker that grew past this is replaced gracefully (a leak cannot take the host).
        args += ["--workers-max-rss", str(settings.SERVE_MAX_RSS_MB)]
    return args


class Command(BaseCommand):
    help = "Serve the site with granian, sized for this machine (see docs/deploy.md)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=None, help="address:port (HOVIAT_SERVE_BIND)")
        parser.add_argument("--print", action="store_true", help="print the command, do not run")

    def handle(self, *args, bind, print: bool, **options):
        from hoviat.core.health import migrations

        try:
            migrations()
        except Exception as error:
            raise CommandError(
                f"the database is not ready: {error} (run `hoviat migrate`)"
            ) from None
        connections.close_all()  # never share the master's connection with the workers
        workers = settings.SERVE_WORKERS or max(2, usable_cpus())
        threads = settings.SERVE_THREADS
        argv = serve_arguments(bind=bind or settings.SERVE_BIND, workers=workers, threads=threads)
        granian = str(Path(sys.executable).with_name("granian"))
        if print:
            self.stdout.write(" ".join(["granian", *argv]))
            return
        metrics_dir = Path(settings.SERVE_METRICS_DIR)
        shutil.rmtree(metrics_dir, ignore_errors=True)  # the last run's workers are gone
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
        sys.stdout.flush()
        os.execv(granian, [granian, *argv])  # noqa: S606 (our own venv's granian)
