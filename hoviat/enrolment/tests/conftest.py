"""Enrolment fixtures: Sara booked today at Reza's office, an API client for Reza, and a
private biometric store per test."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.test import Client
from django.utils import timezone
from PIL import Image

from hoviat.applications.models import Application
from hoviat.booking.models import Booking, Slot
from hoviat.core.models import Role
from hoviat.core.services import staff_token_issue
from hoviat.enrolment.devices import simulator_for
from hoviat.offices.models import OfficeKind
from hoviat.offices.selectors import OFFICE_TZ
from tests.factories import (
    ApplicationFactory,
    BookingFactory,
    OfficeFactory,
    SlotFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"  # the personas' password (see the root conftest)


# Saturday 30 Aban 1405, 08:00 in Bushehr: a working day, the office opened at 07:30.
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=OFFICE_TZ)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def today() -> dt.date:
    return timezone.localtime(timezone.now(), OFFICE_TZ).date()


@pytest.fixture(autouse=True)
def biometric_store(settings, tmp_path):
    """Each test its own directory and key: nothing lands in var/, nothing is shared."""
    settings.BIOMETRIC_DIR = tmp_path / "biometrics"
    settings.BIOMETRIC_KEYS = [Fernet.generate_key().decode()]
    return settings.BIOMETRIC_DIR


@pytest.fixture
def office(bushehr_post_office):
    return bushehr_post_office


@pytest.fixture
def other_office(bushehr_city):
    return OfficeFactory(
        kind=OfficeKind.COUNTER,
        name="دفتر پیشخوان دولت شماره ۱۲ بوشهر",
        code="CNT-0612",
        city=bushehr_city,
    )


@pytest.fixture
def omid(other_office):
    """Operator Omid, at another office in Bushehr."""
    return UserFactory(
        username="omid",
        first_name="امید",
        last_name="زارعی",
        role=Role.OFFICE_OPERATOR,
        office=other_office,
    )


def slot_today(
    office, *, hour: int = 9, capacity: int = 2, taken: int = 0, day: dt.date | None = None
) -> Slot:
    day = day or today()
    starts_at = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=OFFICE_TZ)
    return SlotFactory(office=office, starts_at=starts_at, capacity=capacity, taken=taken)


def application_for(citizen, *, status: str = "booked") -> Application:
    return ApplicationFactory(citizen=citizen, status=status)


def book(application, slot) -> Booking:
    return BookingFactory(application=application, slot=slot)


@pytest.fixture
def sara_booked(sara, office):
    """Sara's application, booked for today at the Bushehr post office."""
    application = application_for(sara)
    book(application, slot_today(office))
    return application


def token_client(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def reza_api(reza):
    return token_client(reza)


@pytest.fixture
def omid_api(omid):
    return token_client(omid)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def picture(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 180, 160) if mode == "RGB" else 128).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def sara_device(sara):
    return simulator_for(citizen=sara)


@pytest.fixture
def sara_face(sara_device) -> bytes:
    return sara_device.capture_face()


@pytest.fixture
def sara_finger(sara_device) -> bytes:
    return sara_device.capture_finger(1)


def full_payload(application, device, *, missing: dict[int, str] | None = None) -> dict:
    """The one-request enrolment of API.md, with the simulator's pictures as uploads."""
    missing = missing or {}
    fingers = []
    for position in range(1, 11):
        if position in missing:
            fingers.append({"position": position, "missing": missing[position]})
        else:
            fingers.append({"position": position, "image": b64(device.capture_finger(position))})
    return {
        "tracking_code": application.tracking_code,
        "documents": ["shenasnameh_original", "form_confirmed"],
        "face_image": b64(device.capture_face()),
        "fingerprints": fingers,
    }
