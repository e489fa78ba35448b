"""Booking fixtures: a fixed clock, Sara's application, the Bushehr post office's slots."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from hoviat.applications.models import Application
from hoviat.booking.models import Slot
from hoviat.booking.services import slots_generate
from hoviat.offices.selectors import OFFICE_TZ
from tests.factories import ApplicationFactory, CitizenSessionFactory

# Saturday 30 Aban 1405, 08:00 in Bushehr: the office opened at 07:30.
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=OFFICE_TZ)
SATURDAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def office(bushehr_post_office, clock):
    """The Bushehr post office with a week of slots (07:30–14:30, Thursday to 12:00)."""
    slots_generate(office=bushehr_post_office, start=SATURDAY, end=SATURDAY + dt.timedelta(days=7))
    return bushehr_post_office


def slot_at(office, day: dt.date, hour: int, minute: int = 0) -> Slot:
    return Slot.objects.get(
        office=office, starts_at=dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OFFICE_TZ)
    )


def application_for(citizen, *, status: str = "pre_registered") -> Application:
    return ApplicationFactory(citizen=citizen, status=status)


@pytest.fixture
def sara_application(sara, clock):
    return application_for(sara)


@pytest.fixture
def sara_client(sara, clock):
    """A client signed in as Sara (a citizen session on her mobile)."""
    session = CitizenSessionFactory(mobile=sara.mobile)
    return Client(headers={"Authorization": f"Bearer {session.token}"})
