"""Probes for a load balancer or an orchestrator: `/healthz`, `/readyz` and `/metrics`.

- `/healthz` (liveness): the process answers. Touches nothing else, so a database outage never
  makes an orchestrator kill healthy web processes.
- `/readyz` (readiness): every check in `READINESS_CHECKS` passes. 200 `{"status": "ok"}` or 503
  `{"status": "failing", "failing": [names]}`; the reasons go to the log, never into the answer.
- `/metrics`: Prometheus text (core/metrics.py), only from `METRICS_ALLOWED_ADDRESSES`.

`ProbeMiddleware` is first in `MIDDLEWARE`: the probes are answered before the HTTPS redirect,
the host check, sessions and rate limits (a probe comes over plain HTTP from an address, not a
site name), and cost one or two small queries.

Adding a readiness check is one function that raises (or returns False) when it fails, and one
line in `READINESS_CHECKS`; its name in the answer is the function's name.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("hoviat.health")

Check = Callable[[], object]


def database() -> None:
    """The default database answers a query (a fresh connection if the last one broke)."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        # A broken connection is dropped so the next probe (and request) connects afresh.
        connection.close_if_unusable_or_obsolete()
        connection.close()
        raise


_migrations_lock = threading.Lock()
_expected_migrations: set[tuple[str, str]] | None = None
_migrated = False


def _expected() -> set[tuple[str, str]]:
    """The migrations on disk (read once per process: they change only with the code)."""
    global _expected_migrations
    if _expected_migrations is None:
        from django.db.migrations.loader import MigrationLoader

        with _migrations_lock:
            loader = MigrationLoader(None, ignore_no_migrations=True)
            _expected_migrations = set(loader.graph.nodes)
    return _expected_migrations


def migrations() -> None:
    """Every migration of this code is applied. Once seen applied, not asked again: a database
    is not un-migrated under a running process (a restore is followed by a restart)."""
    global _migrated
    if _migrated:
        return
    from django.db import DatabaseError
    from django.db.migrations.recorder import MigrationRecorder

    try:
        applied = MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations()
    except DatabaseError:
        # The database does not answer: `database` names that; each worker process asks
        # once, so which worker a probe reaches must not change the answer.
        return
    missing = _expected() - set(applied)
    if missing:
        raise RuntimeError(f"{len(missing)} migrations not applied, e.g. {sorted(missing)[0]}")
    _migrated = True


def job_queue() -> None:
    """The job queue's storage answers (Redis, or the SQLite file)."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.queue_size()


def audit_log() -> None:
    """The audit witness directory exists and is writable, the signing key loads and is the
    recorded one, and the witness's newest checkpoint verifies."""
    from hoviat.core.audit_tree import audit_ready

    audit_ready()


# One line per check; each is called in order on every /readyz.
READINESS_CHECKS: list[Check] = [
    database,
    migrations,
    job_queue,
    audit_log,
]


def readiness() -> list[str]:
    """The names of the failing checks (empty when ready)."""
    failing = []
    for check in READINESS_CHECKS:
        try:
            ok = check()
        except Exception as error:
            logger.warning("readiness check %s failed: %s", check.__name__, type(error).__name__)
            ok = False
        if ok is False:
            failing.append(check.__name__)
    return failing


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def address_allowed(address: str, allowed: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in allowed)


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.metrics_allowed = list(settings.METRICS_ALLOWED_ADDRESSES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        if path == "/readyz":
            failing = readiness()
            if failing:
                return _json(503, {"status": "failing", "failing": failing})
            return _json(200, {"status": "ok"})
        if path == "/metrics":
            # The socket's own peer (this middleware runs before ClientAddressMiddleware reads
            # X-Forwarded-For). A request that came through a proxy is refused whatever its
            # peer: a proxy on this host would otherwise hand the public 127.0.0.1.
            peer = request.META.get("REMOTE_ADDR", "")
            forwarded = "HTTP_X_FORWARDED_FOR" in request.META
            if forwarded or not address_allowed(peer, self.metrics_allowed):
                return HttpResponse(status=404)
            from hoviat.core.metrics import metrics_response

            return metrics_response()
        return self.get_response(request)
