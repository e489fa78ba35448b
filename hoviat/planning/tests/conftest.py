"""Planning fixtures: a fixed clock (Saturday morning in Bushehr), card bodies on hand, the
Bushehr post office's slots, and the enrolment desk's fixtures (Reza's API client, Sara's
simulated capture device, a private biometric store)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hoviat.booking.services import slots_generate
from hoviat.enrolment.tests.conftest import (  # noqa: F401  (fixtures)
    biometric_store,
    reza_api,
    sara_device,
)
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.production.models import CardBodyLedger, LedgerKind
from tests.factories import CitizenSessionFactory

# Saturday 30 Aban 1405, 08:00 in Bushehr: a working day, the office opened at 07:30.
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=OFFICE_TZ)
SATURDAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def office(bushehr_post_office, clock):
    """The Bushehr post office with a week of slots."""
    slots_generate(office=bushehr_post_office, start=SATURDAY, end=SATURDAY + dt.timedelta(days=7))
    return bushehr_post_office


@pytest.fixture
def bodies(db, clock):
    """A thousand card bodies delivered yesterday."""
    return CardBodyLedger.objects.create(
        kind=LedgerKind.DELIVERY,
        quantity=1000,
        lot="LOT-1",
        at=timezone.now() - dt.timedelta(days=1),
    )


@pytest.fixture
def sara_client(sara, clock):
    """A client signed in as Sara (a citizen session on her mobile)."""
    session = CitizenSessionFactory(mobile=sara.mobile)
    return Client(headers={"Authorization": f"Bearer {session.token}"})
