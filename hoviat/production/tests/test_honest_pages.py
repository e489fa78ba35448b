"""Honest figures on the production pages: days of cover, empty charts, a run refused on an
empty queue, and a running run's progress as JSON for the page's script."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from hoviat.core.tests.factories import staff_sign_in
from hoviat.production import selectors
from hoviat.production.models import CardBodyLedger, LedgerKind, PersonalisationRun
from hoviat.production.services import production_run_start, stock_deliver
from hoviat.production.tests.conftest import RUN_DATE, enrolled


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


def _use(quantity: int, *, days_ago: int = 1) -> None:
    CardBodyLedger.objects.create(
        kind=LedgerKind.CONSUMPTION,
        quantity=-quantity,
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_days_of_cover_is_a_dash_with_the_reason_when_nothing_or_too_little_was_used(kaveh):
    stock_deliver(quantity=5000, lot="L", actor=kaveh)
    cover = selectors.stock_cover(stock=5000)
    assert cover.days is None and "مصرف نشده" in cover.reason
    page = signed_in(kaveh).get("/production/stock/").text
    assert 'data-testid="days-of-cover">—<' in page and "مصرف نشده" in page
    _use(3)  # the demo's three cards: 4997 / (3 / 30) would be «۴۹٬۹۷۰ days»
    cover = selectors.stock_cover(stock=selectors.stock_current())
    assert cover.days is None and "بیش از ۳۶۵ روز" in cover.reason
    assert selectors.queue_summary().days_of_cover is None
    page = signed_in(kaveh).get("/production/stock/").text
    assert "۴۹٬۹۷۰" not in page and "۴۹۹۷۰" not in page and "بیش از ۳۶۵ روز" in page


def test_days_of_cover_is_given_when_the_use_says_something(kaveh):
    stock_deliver(quantity=6000, lot="L", actor=kaveh)
    _use(3000)
    cover = selectors.stock_cover(stock=selectors.stock_current())
    assert cover.days == 30.0 and cover.reason == ""
    page = signed_in(kaveh).get("/production/stock/").text
    assert 'data-testid="days-of-cover">۳۰٫۰<' in page


def test_the_stock_chart_says_no_data_instead_of_bare_axes_and_has_jalali_dates(kaveh):
    page = signed_in(kaveh).get("/production/stock/").text
    assert "داده‌ای نیست" in page and 'id="stock-chart"' not in page
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    response = signed_in(kaveh).get("/production/stock/")
    labels = response.context["chart"]["labels"]
    assert labels and labels[0].startswith("۱۴") and "-" not in labels[0]
    assert 'id="stock-chart"' in response.text


def test_the_runs_page_refuses_a_run_on_an_empty_queue_and_says_why(kaveh, pki):
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    response = signed_in(kaveh).post("/production/runs/", {"date": ""}, follow=True)
    assert "صف تولید خالی است" in response.text
    assert not PersonalisationRun.objects.exists()


def test_a_running_run_shows_a_progress_bar_fed_by_a_json_endpoint(
    kaveh, reza, pki, bushehr_post_office
):
    enrolled(bushehr_post_office, reza, n=4)
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    run = production_run_start(date=RUN_DATE, actor=kaveh)  # started, not yet executed
    PersonalisationRun.objects.filter(pk=run.pk).update(personalised=1)
    client = signed_in(kaveh)
    page = client.get("/production/runs/").text
    url = f"/production/runs/{run.pk}/progress.json"
    assert f'data-progress-url="{url}"' in page
    assert "<progress" in page and "production/run-progress.js" in page
    assert "<script>" not in page  # no inline script under the CSP
    body = client.get(url).json()
    assert body["running"] is True and body["requested"] == 4
    assert (body["done"], body["percent"]) == (1, 25)
    assert "۱ از ۴ کارت" in body["text"]
    # Only those who may open the runs page may read it.
    assert signed_in(reza).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert client.get("/production/runs/999999/progress.json").status_code == 404
