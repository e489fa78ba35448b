"""Two workers re-forecasting at once share the work: each promise is re-forecast once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from hoviat.core.jalali import today_local
from hoviat.planning.models import CardForecast
from hoviat.planning.services import promises_make, promises_reforecast
from hoviat.production.models import CardBodyLedger, LedgerKind
from tests.factories import enrolled_applications


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_reforecasting_at_once_never_do_the_same_promise(bushehr_post_office, reza):
    apps = enrolled_applications(bushehr_post_office, reza, n=30)
    CardBodyLedger.objects.create(
        kind=LedgerKind.DELIVERY, quantity=1000, at=timezone.now() - dt.timedelta(days=1)
    )
    promises_make(application_ids=[a.pk for a in apps], point="enrolment")
    tomorrow = today_local() + dt.timedelta(days=1)
    barrier = threading.Barrier(2)
    done: list[int] = []

    def work():
        try:
            barrier.wait()
            done.append(promises_reforecast(today=tomorrow, limit=4).reforecast)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(done) == 30
    assert set(CardForecast.objects.values_list("forecast_on", flat=True)) == {tomorrow}
