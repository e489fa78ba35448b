"""How right the promises were: the nightly record of each promise's error, the backtest
command's figures on a constructed history, and the directors' accuracy page and API."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command

from hoviat.core.models import Role
from hoviat.core.services import staff_token_issue
from hoviat.core.tests.factories import staff_sign_in
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.places.tests.factories import ProvinceFactory
from hoviat.planning.models import CardPromise, PromiseOutcome
from hoviat.planning.sweeps import run as planning_sweep
from hoviat.production.models import Card
from tests.factories import ApplicationFactory, CollectionFactory, UserFactory

pytestmark = pytest.mark.django_db

READY_ON = dt.date(2026, 11, 24)  # 3 Azar 1405


def _ready_card_with_promises(office, province, *, ready_on: dt.date, errors: dict[str, int]):
    """A card that reached `office` on `ready_on`, whose promises were off by `errors` days
    (positive: the card came later than promised)."""
    application = ApplicationFactory(status="ready_at_office")
    arrived_at = dt.datetime.combine(ready_on, dt.time(10), tzinfo=OFFICE_TZ)
    collection = CollectionFactory(
        card__application=application, card__office=office, office=office, arrived_at=arrived_at
    )
    # Made a few days before it arrived: the province's measured transit.
    Card.objects.filter(pk=collection.card_id).update(
        created_at=arrived_at - dt.timedelta(days=4 + application.pk % 4)
    )
    for point, error in errors.items():
        promised = ready_on - dt.timedelta(days=error)
        CardPromise.objects.create(
            application=application,
            point=point,
            date=promised,
            earliest=promised - dt.timedelta(days=2),
            latest=promised + dt.timedelta(days=2),
            model_version="test-1",
            made_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            province=province,
        )
    return application


@pytest.fixture
def history(bushehr_post_office, bushehr):
    """Four cards: at enrolment off by 0, +1, -3 and +5 days; at booking by +2 and -2."""
    office = bushehr_post_office
    for errors in (
        {"enrolment": 0, "booking": 2},
        {"enrolment": 1, "booking": -2},
        {"enrolment": -3},
        {"enrolment": 5},
    ):
        _ready_card_with_promises(office, bushehr, ready_on=READY_ON, errors=errors)
    # A promise whose card is not ready yet has no outcome.
    waiting = ApplicationFactory(status="enrolled")
    CardPromise.objects.create(
        application=waiting,
        point="enrolment",
        date=READY_ON,
        earliest=READY_ON,
        latest=READY_ON,
        model_version="test-1",
        made_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        province=bushehr,
    )


def _backtest(*args: str) -> str:
    out = io.StringIO()
    call_command("planning", "backtest", *args, stdout=out)
    return out.getvalue()


def test_the_nightly_job_records_each_promise_once_and_the_backtest_reports_per_point(history):
    assert planning_sweep().startswith("promise outcomes recorded: 6,")
    assert planning_sweep().startswith("promise outcomes recorded: 0,")  # each once
    assert PromiseOutcome.objects.count() == 6

    report = json.loads(_backtest("--format", "json"))

    enrolment = report["promise"]["enrolment"]
    assert enrolment["count"] == 4
    assert enrolment["within_days"] == 2
    assert enrolment["share"] == 0.5  # 0 and +1; not -3 nor +5
    assert enrolment["mae_days"] == 2.25  # (0 + 1 + 3 + 5) / 4
    assert enrolment["bias_days"] == 0.75  # (0 + 1 - 3 + 5) / 4: later than promised
    assert enrolment["interval_share"] == 0.5
    booking = report["promise"]["booking"]
    assert (booking["count"], booking["share"], booking["mae_days"]) == (2, 1.0, 2.0)
    assert booking["bias_days"] == 0.0
    assert report["promise"]["production_start"]["count"] == 0
    assert report["promise"]["production_start"]["share"] is None
    assert report["model_versions"] == ["test-1"]


def test_the_backtest_table_reads_as_a_table(history):
    out = io.StringIO()
    call_command("planning", "sweep", stdout=out)
    assert out.getvalue().startswith("promise outcomes recorded: 6, promises re-forecast: ")

    table = _backtest()

    assert "within ±2d" in table
    [row] = [line for line in table.splitlines() if line.startswith("enrolment")]
    assert row.split() == ["enrolment", "4", "50.0%", "2.25", "+0.75"]


# --- The directors' page --------------------------------------------------------------------


@pytest.fixture
def khuzestan_director(db):
    khuzestan = ProvinceFactory(code="IR-10", name_fa="خوزستان", name_en="Khuzestan")
    return UserFactory(username="hamid", role=Role.PROVINCIAL_DIRECTOR, province=khuzestan)


def test_maryam_sees_her_provinces_accuracy_by_month_in_persian(client, history, maryam):
    planning_sweep()
    staff_sign_in(client, maryam)

    response = client.get("/planning/accuracy/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "استان بوشهر" in page
    assert "آذر ۱۴۰۵" in page  # the Jalali month the cards became ready
    assert "۵۰٫۰٪" in page  # the enrolment promises within ±2 days
    assert "۲٫۲" in page  # their mean absolute error, 2.25 days
    assert 'id="accuracy-chart"' in page
    chart = re.search(r'id="accuracy-chart-data"[^>]*>(.*?)</script>', page, re.S)
    data = json.loads(chart.group(1))
    assert data["labels"] == ["آذر ۱۴۰۵"]
    assert [d["values"] for d in data["datasets"]] == [[100.0], [50.0], [None]]


def test_another_provinces_director_is_refused_bushehr(client, history, khuzestan_director):
    staff_sign_in(client, khuzestan_director)

    response = client.get("/planning/accuracy/", {"province": "IR-06"})

    assert response.status_code == 403
    assert "استان خود" in response.content.decode()
    # Her own page shows none of Bushehr's figures.
    planning_sweep()
    own = client.get("/planning/accuracy/").content.decode()
    assert "بوشهر" not in own and "هنوز کارتی با این وعده آماده نشده است" in own


def test_the_national_admin_sees_every_province_and_an_unknown_one_is_not_found(
    client, history, nasrin
):
    planning_sweep()
    staff_sign_in(client, nasrin)

    assert "همهٔ استان‌ها" in client.get("/planning/accuracy/").content.decode()
    assert client.get("/planning/accuracy/", {"province": "IR-06"}).status_code == 200
    assert client.get("/planning/accuracy/", {"province": "IR-99"}).status_code == 404


def test_an_office_operator_and_a_visitor_are_kept_out(client, history, reza):
    assert client.get("/planning/accuracy/")["Location"].startswith("/accounts/login/")
    staff_sign_in(client, reza)
    assert client.get("/planning/accuracy/").status_code == 403


def test_the_accuracy_api_answers_directors_for_their_province_only(
    client, history, maryam, khuzestan_director
):
    planning_sweep()
    raw, _ = staff_token_issue(user=maryam)
    mine = client.get(
        "/api/v1/planning/accuracy", {"province": "IR-06"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert mine.status_code == 200
    assert mine.json()["promise"]["enrolment"]["share"] == 0.5
    assert {row["month"] for row in mine.json()["rows"]} == {"1405-09"}

    raw, _ = staff_token_issue(user=khuzestan_director)
    theirs = client.get(
        "/api/v1/planning/accuracy", {"province": "IR-06"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert theirs.status_code == 403
    assert theirs.json()["code"] == "ACCESS_DENIED"
