"""Prometheus metrics: the request instruments and the `/metrics` answer.

Requests are counted per endpoint, the route's name (never the raw path, whose national codes
and tracking numbers would make one series per citizen). Under granian, `hoviat serve` sets
PROMETHEUS_MULTIPROC_DIR before any worker starts: each process writes its counts to its own
memory-mapped files there and a scrape, answered by whichever worker, adds them all up
(prometheus_client's multiprocess mode). A replaced worker's counters stay in the totals; no
gauge is kept per process (the domain's are read at scrape time), so none goes stale.

The domain's gauges (applications by status, production queue, stock, SMS outbox, audit
rows, inquiries) are not kept in the processes: they are read from the database at scrape time
by the collectors named in `METRICS_COLLECTORS` (hoviat/metrics.py, the project's wiring,
because it reads every app).
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger("hoviat.metrics")

REQUESTS = Counter(
    "hoviat_http_requests",
    "HTTP requests answered, by endpoint (route name), method and status code.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "hoviat_http_request_duration_seconds",
    "Time to answer, by endpoint (route name).",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EXCEPTIONS = Counter(
    "hoviat_http_exceptions",
    "Requests whose view raised an exception nobody handled (a 500), by endpoint.",
    ["endpoint"],
)

# Label children looked up once per (labels) and kept: `labels()` validates and locks.
_children: dict[tuple[Any, ...], Any] = {}


def request_observed(endpoint: str, method: str, status: int, seconds: float) -> None:
    key = (endpoint, method, status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = (
            REQUESTS.labels(endpoint, method, str(status)),
            LATENCY.labels(endpoint),
        )
    child[0].inc()
    child[1].observe(seconds)


def exception_observed(endpoint: str) -> None:
    EXCEPTIONS.labels(endpoint).inc()


@cache
def _domain_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for path in settings.METRICS_COLLECTORS:
        registry.register(import_string(path)())
    return registry


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    try:
        text += generate_latest(_domain_registry())
    except Exception as error:  # the database is down: the request metrics still answer
        logger.warning("domain metrics not collected: %s", type(error).__name__)
    return text


def metrics_response() -> HttpResponse:
    response = HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
