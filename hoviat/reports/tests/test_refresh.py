"""The aggregates: an incremental refresh ends where a full rebuild does, and stays cheap."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.jalali import today_local
from hoviat.core.models import AuditEntry
from hoviat.places.tests.factories import NationalCodePrefixFactory
from hoviat.registry.tests.factories import CitizenFactory
from hoviat.reports import sweeps, tasks
from hoviat.reports.demo_province import province_build
from hoviat.reports.models import Fact, RefreshState
from hoviat.reports.selectors import figures_for
from hoviat.reports.services import reports_refresh


def _facts() -> Counter:
    return Counter(
        Fact.objects.values_list(
            "grain", "area", "province", "county", "period", "start", "metric", "bucket", "value"
        )
    )


def _small_province(office) -> None:
    NationalCodePrefixFactory(prefix="049", county=office.city.county)
    province_build(province="IR-06", eligible=60, requested=50, issued=30, uncollected=3)


def _apply_today(office) -> Application:
    """A newcomer to the registry applies today."""
    citizen = CitizenFactory(residence_city=office.city, issuing_county=office.city.county)
    return Application.objects.create(
        tracking_code=f"T{citizen.pk:011d}",
        citizen=citizen,
        kind="first",
        fee_rials=1_450_000,
        mobile=citizen.mobile,
    )


def test_an_incremental_refresh_counts_what_happened_since_the_last_one(bushehr_post_office):
    _small_province(bushehr_post_office)
    before = figures_for(level="province", code="IR-06", as_of=today_local())
    _apply_today(bushehr_post_office)
    assert figures_for(level="province", code="IR-06", as_of=today_local()).requested == (
        before.requested
    )  # not yet refreshed: the figures come from the aggregates only
    result = reports_refresh()
    assert not result.full
    assert result.since == today_local() - dt.timedelta(days=2)
    after = figures_for(level="province", code="IR-06", as_of=today_local())
    assert after.requested == before.requested + 1
    assert after.eligible == before.eligible + 1  # the newcomer is counted as eligible too
    assert after.no_action == before.no_action


def test_an_incremental_refresh_ends_where_a_full_rebuild_does(bushehr_post_office):
    _small_province(bushehr_post_office)
    _apply_today(bushehr_post_office)
    reports_refresh()
    incremental = _facts()
    reports_refresh(full=True)
    assert _facts() == incremental
    reports_refresh()
    assert _facts() == incremental  # and refreshing again changes nothing


def test_the_eligible_population_is_recounted_when_the_registry_grows(bushehr_post_office):
    _small_province(bushehr_post_office)
    assert not reports_refresh().eligible_recounted
    CitizenFactory(
        residence_city=bushehr_post_office.city, issuing_county=bushehr_post_office.city.county
    )
    assert reports_refresh().eligible_recounted
    assert figures_for(level="province", code="IR-06", as_of=today_local()).eligible == 61


def test_the_first_refresh_is_full_and_a_full_rebuild_is_audited(bushehr_post_office):
    assert reports_refresh().full
    state = RefreshState.objects.get()
    assert timezone.now() - state.refreshed_at < dt.timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="reports.refresh", to_state="full").exists()


def test_the_sweep_and_the_job_refresh_the_figures(bushehr_post_office):
    reports_refresh(full=True)
    _apply_today(bushehr_post_office)
    assert "figures refreshed (days since" in sweeps.run()
    assert figures_for(level="province", code="IR-06", as_of=today_local()).requested == 1
    tasks.reports_refresh_task(full=True)  # huey runs it at once in tests
    assert RefreshState.objects.get().full_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_leave_the_same_facts_as_one(bushehr_post_office):
    _small_province(bushehr_post_office)
    _apply_today(bushehr_post_office)
    errors = []

    def refresh(full: bool) -> None:
        try:
            reports_refresh(full=full)
        except Exception as error:  # pragma: no cover (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh, args=(i % 2 == 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    after = _facts()
    reports_refresh(full=True)
    assert _facts() == after


def _fact_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, regexp_replace(indexdef, ' ON [^ ]+ ', ' ON t ') FROM pg_indexes "
            "WHERE tablename = 'reports_fact' ORDER BY indexname"
        )
        return dict(cursor.fetchall())


@pytest.mark.postgres
def test_a_full_rebuild_on_postgres_swaps_in_a_new_table_with_the_same_indexes(
    bushehr_post_office,
):
    _small_province(bushehr_post_office)
    indexes = _fact_indexes()
    assert {"reports_fact_pkey", "reports_fact_area_start", "reports_fact_grain_start"} <= set(
        indexes
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'reports_fact'::regclass::oid")
        before = cursor.fetchone()[0]
    facts = _facts()
    result = reports_refresh(full=True)
    steps = [name for name, _rows, _seconds in result.steps]
    assert "swap" in steps and "delete" not in steps  # no mass DELETE: a new table
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'reports_fact'::regclass::oid, current_setting('search_path')")
        after, path = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'reports_build'")
        assert cursor.fetchone()[0] == 0
    assert after != before
    assert "reports_build" not in path  # the session's path is back as it was
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_mergejoin')")
        assert cursor.fetchone()[0] == "on"  # the planner switch is back too
    assert _fact_indexes() == indexes
    assert _facts() == facts
    # The new table's identity column goes on numbering, and incremental refreshes use it.
    _apply_today(bushehr_post_office)
    reports_refresh()
    assert figures_for(level="province", code="IR-06", as_of=today_local()).requested == 51


@pytest.mark.postgres
def test_without_the_right_to_make_a_schema_a_full_rebuild_works_in_place(
    bushehr_post_office, monkeypatch
):
    from hoviat.reports import services

    _small_province(bushehr_post_office)
    facts = _facts()
    monkeypatch.setattr(services, "BUILD_SCHEMA", "pg_refused")  # pg_* names are reserved
    result = reports_refresh(full=True)
    steps = [name for name, _rows, _seconds in result.steps]
    assert "delete" in steps and "swap" not in steps
    assert _facts() == facts
