"""`hoviat serve`: the site under gunicorn, sized for this machine (docs/deploy.md).

Refuses to start on a database that is not migrated (the message names a missing migration).
Every number comes from a HOVIAT_SERVE_* variable (hoviat/settings.py) or, when 0, from the
machine: one worker process per usable CPU (at least two, so one can restart while the other
answers), each with SERVE_THREADS threads (gthread: the requests wait mostly on PostgreSQL,
the shape bench/inquiry.py measures with `--workers N`). A worker is replaced after
SERVE_MAX_REQUESTS requests (± 10 % so they do not all restart together).

Before gunicorn starts, PROMETHEUS_MULTIPROC_DIR is set to an emptied folder, so /metrics adds
up the counts of every worker (hoviat/core/metrics.py).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

_SHM = "/dev/shm"  # noqa: S108  # nosec B108 (gunicorn's heartbeat files, as its docs advise)


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def gunicorn_arguments(*, bind: str, workers: int, threads: int) -> list[str]:
    max_requests = settings.SERVE_MAX_REQUESTS
    args = [
        "hoviat.wsgi:application",
        "--config", "python:hoviat.gunicorn_conf",
        "--bind", bind,
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--workers", str(workers),
        "--threads", str(threads),
        "--backlog", "2048",
        "--keep-alive", str(settings.SERVE_KEEP_ALIVE),
        "--timeout", str(settings.SERVE_TIMEOUT),
        "--graceful-timeout", str(settings.SERVE_TIMEOUT),
        "--max-requests", str(max_requests),
        "--max-requests-jitter", str(max_requests // 10),
        # gunicorn's heartbeat files (empty, per worker) in memory where there is /dev/shm.
        "--worker-tmp-dir", _SHM if Path(_SHM).is_dir() else tempfile.gettempdir(),
        "--log-level", "warning",
        "--error-logfile", "-",
        # Requests are logged by hoviat.core.logs (one JSON line each), not a second time here.
    ]  # fmt: skip
    if settings.TRUSTED_PROXIES:
        args += ["--forwarded-allow-ips", ",".join(settings.TRUSTED_PROXIES)]
    return args


class Command(BaseCommand):
    help = "Serve the site with gunicorn, sized for this machine (see docs/deploy.md)."

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
        argv = gunicorn_arguments(
            bind=bind or settings.SERVE_BIND, workers=workers, threads=threads
        )
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        if print:
            self.stdout.write(" ".join(["gunicorn", *argv]))
            return
        metrics_dir = Path(settings.SERVE_METRICS_DIR)
        shutil.rmtree(metrics_dir, ignore_errors=True)  # the last run's workers are gone
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
        sys.stdout.flush()
        os.execv(gunicorn, [gunicorn, *argv])  # noqa: S606 (our own venv's gunicorn)
