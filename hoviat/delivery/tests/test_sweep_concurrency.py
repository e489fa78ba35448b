"""Two sweeps at once on PostgreSQL share the overdue cards and never void one twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.delivery.services import collections_void_overdue
from hoviat.delivery.tests.fixtures_lifecycle import cards_waiting
from hoviat.notifications.models import SmsMessage
from hoviat.production.models import Card
from tests.factories import PersonalisationRunFactory

N = 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_never_void_the_same_card_twice(bushehr_post_office):
    now = timezone.now()
    run = PersonalisationRunFactory(date=now.date(), status="running", started_at=now)
    today = timezone.localdate()
    cards_waiting(bushehr_post_office, n=N, hold_until=today - dt.timedelta(days=1), run=run)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(collections_void_overdue(today=today, chunk=25).voided)
        except Exception as exc:  # reported below with the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert sum(results) == N
    assert all(r > 0 for r in results), results  # both did part of the work
    assert Card.objects.filter(status="voided").count() == N
    twice = (
        AuditEntry.objects.filter(action="card.voided")
        .values("object_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    assert AuditEntry.objects.filter(action="card.voided").count() == N
    assert SmsMessage.objects.filter(kind="card_voided").count() == N
    assert audit_log_holds()
