"""`hoviat demo nation` at a tiny scale: a 24-month history of all 31 provinces whose
dashboards show figures that agree with each other and with the seasons of the sources."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import jdatetime
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Max, Min
from django.test import override_settings
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.applications.selectors import application_expected_ready
from hoviat.core.jalali import today_local
from hoviat.core.tests.factories import staff_sign_in
from hoviat.delivery.models import Collection, LossReport
from hoviat.production.models import Card, CardStatus, PersonalisationRun, RunStatus
from hoviat.reports import selectors

SCALE = "0.0001"  # some 6,000 eligible people, 3,000 applications


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """One build for the module, in a transaction rolled back after its last test (each
    test's own transaction nests in it)."""
    out = StringIO()
    # QC fails one card in a hundred here, so a few thousand cards surely show some.
    with (
        django_db_blocker.unblock(),
        override_settings(PRODUCTION_QC_FAIL_RATE=0.01),
        transaction.atomic(),
    ):
        call_command("demo", citizens=50, stdout=out)
        call_command("demo", "nation", "--scale", SCALE, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def nation(built, db):
    return built


def _last_full_month_end(today: dt.date) -> dt.date:
    first = jdatetime.date.fromgregorian(date=today).replace(day=1).togregorian()
    return first - dt.timedelta(days=1)


def test_every_province_has_requests_and_cards_and_its_figures_agree(nation):
    today = today_local()
    provinces = selectors.provinces_figures(as_of=today)
    assert len(provinces) == 31
    for figures in provinces:
        assert figures.requested > 0, figures.code
        assert figures.issued > 0, figures.code
        assert figures.eligible >= figures.requested >= figures.issued, figures.code
        assert figures.in_pipeline == figures.requested - figures.issued
    nation_figures = selectors.figures_for(level="nation", code="IR", as_of=today)
    assert nation_figures.requested == sum(f.requested for f in provinces)
    assert nation_figures.issued == sum(f.issued for f in provinces)
    assert nation_figures.uncollected > 0
    assert nation_figures.in_queue > 0
    if connection.vendor == "postgresql":  # the cards' "ready" SMS are written there
        assert nation_figures.sms_failure_pct is not None
        assert nation_figures.sms_failure_pct > 0
    # A year earlier the country had asked for and received fewer cards.
    earlier = selectors.figures_for(level="nation", code="IR", as_of=today - dt.timedelta(365))
    assert 0 < earlier.issued < nation_figures.issued
    assert 0 < earlier.requested < nation_figures.requested


def test_monthly_requests_peak_in_farvardin_and_fall_to_a_summer_trough(nation):
    months = selectors.monthly_registrations(
        level="nation", code="IR", as_of=_last_full_month_end(today_local())
    )
    by_month = {month: count for _year, month, count in months}
    farvardin, mordad, esfand = by_month[1], by_month[5], by_month[12]
    assert farvardin == max(by_month.values())
    assert farvardin > 3 * mordad
    assert esfand > 2 * mordad  # the year-end surge


def test_the_history_spans_two_years_with_a_stock_out_qc_failures_voided_and_lost_cards(
    nation,
):
    today = today_local()
    # The history's tracking codes start 8000000 (the base demo's are random).
    history = Application.objects.filter(tracking_code__startswith="8000000")
    span = history.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (today - timezone.localdate(span["first"])).days > 700
    assert timezone.localdate(span["last"]) < today
    stopped = PersonalisationRun.objects.filter(status=RunStatus.STOPPED)
    assert stopped.exists()
    assert 14 <= stopped.count() <= 21  # the working days of a three-week stock-out
    assert Card.objects.filter(status=CardStatus.QC_FAILED).exists()
    voided = Collection.objects.filter(voided_at__isnull=False)
    assert voided.exists()
    for collection in voided[:20]:
        assert timezone.localdate(collection.voided_at) > collection.hold_until
    assert LossReport.objects.filter(replacement__isnull=False).exists()
    assert re.search(r"card-body stock-out: \d{4}-\d\d-\d\d", nation)


def test_the_national_dashboard_and_a_province_page_show_the_history(client, nation, nasrin):
    staff_sign_in(client, nasrin)
    figures = selectors.figures_for(level="province", code="IR-04", as_of=today_local())
    for url in ("/reports/", "/reports/province/IR-04/", "/reports/province/IR-04/charts/"):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/reports/province/IR-04/").content.decode()
    shown = re.search(r'data-figure="requested">([^<]*)<', page).group(1)
    assert shown != "۰"
    assert figures.requested > 0


def test_queued_applications_get_expected_dates_from_the_simulated_capacity(nation):
    today = today_local()
    queued = Application.objects.filter(status=ApplicationStatus.ENROLLED)[:20]
    assert queued
    for application in queued:
        expected = application_expected_ready(application=application, appointment_date=None)
        assert expected.basis == "production_queue"
        assert today <= expected.date <= today + dt.timedelta(days=30)


def test_it_refuses_to_build_the_history_twice(nation):
    with pytest.raises(CommandError, match="DEMO_NATION_ALREADY_LOADED"):
        call_command("demo", "nation", "--scale", SCALE, stdout=StringIO())
