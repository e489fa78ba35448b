"""A small world for the report pages: the 31 provinces, people and real lifecycle rows in
Bushehr (two counties, two offices) and Tehran, and the aggregates refreshed over them.

Rows come from the shared factories (as the production tests' do): the pages only read what
the lifecycle services would have left, and `reports_refresh` turns it into the figures.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.jalali import today_local
from hoviat.delivery.models import Collection
from hoviat.offices.models import Office, OfficeKind
from hoviat.production.models import Card
from hoviat.registry.models import Citizen
from hoviat.reports.services import reports_refresh
from tests.factories import (
    ApplicationFactory,
    CardFactory,
    CitizenFactory,
    CityFactory,
    CollectionFactory,
    CountyFactory,
    EnrolmentFactory,
    HandoverFactory,
    OfficeFactory,
    ProvinceFactory,
)

PASSWORD = "correct horse battery"  # the root conftest's test personas
PROVINCES_CSV = Path(__file__).parents[2] / "places" / "data" / "provinces.csv"


@dataclass
class World:
    today: dt.date
    bushehr_office: Office
    borazjan_office: Office
    tehran_office: Office
    bushehr_people: list[Citizen]
    tehran_people: list[Citizen]


def _days_ago(days: int, hour: int = 10) -> dt.datetime:
    day = today_local() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _apply(citizen: Citizen, *, days_ago: int) -> Application:
    at = _days_ago(days_ago, 9)
    application = ApplicationFactory(citizen=citizen, status="paid", at=at)
    # created_at is auto_now_add: set the past day afterwards.
    Application.objects.filter(pk=application.pk).update(created_at=at)
    application.refresh_from_db()
    return application


def _enrol(application: Application, office: Office, operator, *, days_ago: int) -> None:
    at = _days_ago(days_ago)
    Application.objects.filter(pk=application.pk).update(status="enrolled", enrolled_at=at)
    EnrolmentFactory(application=application, office=office, operator=operator, at=at)


def _card_at_office(application: Application, office: Office, *, days_ago: int) -> Card:
    made_on = today_local() - dt.timedelta(days=days_ago + 3)
    card = CardFactory(
        application=application,
        status="at_office",
        run__date=made_on,
        run__started_at=_days_ago(days_ago + 3),
        office=office,
        issued_on=made_on,
        expires_on=today_local() + dt.timedelta(days=7 * 365),
    )
    Application.objects.filter(pk=application.pk).update(status="ready_at_office")
    CollectionFactory(
        card=card,
        office=office,
        arrived_at=_days_ago(days_ago),
        hold_until=today_local() + dt.timedelta(days=60),
    )
    return card


def _hand_over(card: Card, operator, *, days_ago: int) -> None:
    at = _days_ago(days_ago, 11)
    HandoverFactory(card=card, operator=operator, handed_over_at=at)
    Collection.objects.filter(card=card).update(collected_at=at)
    Card.objects.filter(pk=card.pk).update(status="active")
    Application.objects.filter(pk=card.application_id).update(status="delivered", closed_at=at)


def _people(city, n: int) -> list[Citizen]:
    return [
        CitizenFactory(
            residence_city=city,
            issuing_county=city.county,
            birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=97 * i),
        )
        for i in range(n)
    ]


@pytest.fixture
def all_provinces(db):
    with PROVINCES_CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ProvinceFactory(
                code=row["code"],
                name_fa=row["name_fa"],
                name_en=row["name_en"],
                population_1395=int(row["population_1395"]),
            )


@pytest.fixture
def world(all_provinces, bushehr_city, bushehr_post_office, reza, maryam, nasrin) -> World:
    """Bushehr: 20 eligible residents (and a child), 12 who applied over the last months,
    9 enrolled, 6 cards at offices of which 4 handed over. Tehran: 10 eligible, 4 applied,
    2 enrolled. Then a full refresh of the aggregates."""
    bushehr = bushehr_city.province
    dashtestan = CountyFactory(province=bushehr, name_fa="دشتستان", name_en="Dashtestan")
    borazjan = CityFactory(county=dashtestan, name_fa="برازجان", name_en="Borazjan")
    borazjan_office = OfficeFactory(
        kind=OfficeKind.REGISTRATION, name="ثبت احوال برازجان", code="REG-0602", city=borazjan
    )
    tehran = ProvinceFactory(code="IR-07")
    tehran_city = CityFactory(
        county=CountyFactory(province=tehran, name_fa="تهران", name_en="Tehran"),
        name_fa="تهران",
        name_en="Tehran",
    )
    tehran_office = OfficeFactory(
        kind=OfficeKind.COUNTER, name="پیشخوان دولت تهران ۱", code="GOV-0701", city=tehran_city
    )

    bushehr_people = _people(bushehr_city, 14) + _people(borazjan, 6)
    CitizenFactory(
        residence_city=bushehr_city,
        issuing_county=bushehr_city.county,
        birth_date=today_local() - dt.timedelta(days=10 * 365),
    )  # a child
    tehran_people = _people(tehran_city, 10)

    for i, person in enumerate(bushehr_people[:12]):
        application = _apply(person, days_ago=20 + 25 * i)
        if i >= 9:
            continue
        office = bushehr_post_office if i % 3 else borazjan_office
        _enrol(application, office, reza, days_ago=15 + 25 * i)
        if i >= 6:
            continue
        card = _card_at_office(application, office, days_ago=8 + 25 * i - 2 * i)
        if i < 4:
            _hand_over(card, reza, days_ago=5 + 25 * i - 2 * i)
    for i, person in enumerate(tehran_people[:4]):
        application = _apply(person, days_ago=12 + 10 * i)
        if i < 2:
            _enrol(application, tehran_office, reza, days_ago=10 + 10 * i)

    reports_refresh(full=True)
    return World(
        today=today_local(),
        bushehr_office=bushehr_post_office,
        borazjan_office=borazjan_office,
        tehran_office=tehran_office,
        bushehr_people=bushehr_people,
        tehran_people=tehran_people,
    )
