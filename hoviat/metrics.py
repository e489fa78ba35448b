"""The domain's gauges for /metrics, read from the database at scrape time.

Project wiring like urls.py and schedules.py (it reads every app), named in
settings.METRICS_COLLECTORS and called by hoviat.core.metrics. The figures are counts over
indexed columns; a process answers repeated scrapes within DOMAIN_CACHE_SECONDS from memory,
so several Prometheus servers (or a fast scrape interval) do not multiply the queries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hoviat.applications.models import Application
from hoviat.core import audit
from hoviat.inquiry.models import InquiryLog
from hoviat.notifications.models import SmsMessage
from hoviat.production.selectors import queue_applications, stock_current, stock_days_of_cover

DOMAIN_CACHE_SECONDS = 15
INQUIRY_WINDOW = dt.timedelta(hours=1)


def _by(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
    rows = queryset.order_by().values(*fields).annotate(n=Count("pk"))
    return [(*(str(row[f]) for f in fields), row["n"]) for row in rows]


def domain_metrics() -> list[GaugeMetricFamily]:
    families = []
    applications = GaugeMetricFamily(
        "hoviat_applications", "Applications by status.", labels=["status"]
    )
    for status, n in _by(Application.objects.all(), "status"):
        applications.add_metric([status], n)
    families.append(applications)

    families.append(
        GaugeMetricFamily(
            "hoviat_production_queue_length",
            "Enrolled applications waiting for a card.",
            value=queue_applications().count(),
        )
    )
    stock = stock_current()
    families.append(
        GaugeMetricFamily("hoviat_card_body_stock", "Blank card bodies in stock.", value=stock)
    )
    cover = stock_days_of_cover(stock=stock)
    days = GaugeMetricFamily(
        "hoviat_card_body_days_of_cover",
        "Days the stock lasts at the recent rate of use (absent while nothing is used).",
    )
    if cover is not None:
        days.add_metric([], cover)
    families.append(days)

    sms = GaugeMetricFamily("hoviat_sms_outbox", "SMS messages by state.", labels=["status"])
    for status, n in _by(SmsMessage.objects.all(), "status"):
        sms.add_metric([status], n)
    families.append(sms)

    # Present once the audit log's sequencer exists (issue 15); absent before.
    unsequenced = getattr(audit, "audit_unsequenced_count", None)
    if unsequenced is not None:
        families.append(
            GaugeMetricFamily(
                "hoviat_audit_unsequenced",
                "Audit rows not yet given their place in the log.",
                value=unsequenced(),
            )
        )

    inquiries = GaugeMetricFamily(
        "hoviat_inquiries_last_hour",
        "Inquiries answered in the last hour, by partner (id) and result.",
        labels=["partner", "result"],
    )
    since = timezone.now() - INQUIRY_WINDOW
    for partner, result, n in _by(InquiryLog.objects.filter(at__gte=since), "partner", "result"):
        inquiries.add_metric([partner, result], n)
    families.append(inquiries)
    return families


class DomainCollector(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -DOMAIN_CACHE_SECONDS - 1.0
        self._families: list[GaugeMetricFamily] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # The queries run outside the lock: a thread never waits, holding its pooled
        # connection, for one that may need a connection from the same pool (docs/deploy.md).
        # Two scrapes at the same moment may both query; the later result is kept.
        with self._lock:
            fresh = time.monotonic() - self._at <= DOMAIN_CACHE_SECONDS
            families = self._families
        if not fresh:
            families = domain_metrics()
            with self._lock:
                self._families, self._at = families, time.monotonic()
        yield from families
