"""Booking fixtures: a fixed clock, Sara's application, the Bushehr post office's slots."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import Application, CitizenSession
from hoviat.applications.services import _token_hash
from hoviat.booking.models import Slot
from hoviat.booking.services import slots_generate
from hoviat.offices.selectors import OFFICE_TZ

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
    return Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=citizen,
        kind="first",
        fee_rials=1450000,
        mobile=citizen.mobile,
        status=status,
    )


@pytest.fixture
def sara_application(sara, clock):
    return application_for(sara)


@pytest.fixture
def sara_client(sara, clock):
    """A client signed in as Sara (a citizen session on her mobile)."""
    raw = secrets.token_urlsafe(32)
    CitizenSession.objects.create(
        mobile=sara.mobile,
        token_hash=_token_hash(raw),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return Client(headers={"Authorization": f"Bearer {raw}"})
