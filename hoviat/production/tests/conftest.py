"""Production fixtures: enrolled applications from the shared factories, a fake PKI until
the real card functions land, and API clients for Kaveh (production) and Reza (an office)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from django.test import Client

from hoviat.core.services import staff_token_issue
from tests.factories import enrolled_applications

PASSWORD = "correct horse battery"
RUN_DATE = dt.date(2026, 11, 21)  # a Saturday


@dataclass(frozen=True)
class FakePins:
    id_pin: str = "1234"
    sign_pin: str = "5678"
    nmoc_pin: str = "0000"
    puk: str = "12345678"


@dataclass(frozen=True)
class FakePersonalisation:
    chip_id: int
    auth_cert_serial: int
    sign_cert_serial: int
    data_object: bytes
    pins: FakePins


class FakePki:
    def __init__(self) -> None:
        self.issued: list[dict] = []
        self.revoked: list[str] = []
        self._chips = itertools.count(1)

    def card_personalise(self, **kwargs) -> FakePersonalisation:
        self.issued.append(kwargs)
        chip = next(self._chips)
        return FakePersonalisation(
            chip,
            10**30 + 2 * chip,
            10**30 + 2 * chip + 1,
            repr(sorted(kwargs.items())).encode(),
            FakePins(),
        )

    def cards_personalise(self, cards) -> list[FakePersonalisation]:
        return [self.card_personalise(**card) for card in cards]

    def card_certificates_revoke(self, *, csn: str, reason: str, actor) -> int:
        self.revoked.append(csn)
        return 2


@pytest.fixture
def pki(monkeypatch):
    """The fake card functions in hoviat.pki.services (the real ones are exercised by pki)."""
    from hoviat.pki import services as pki_services

    fake = FakePki()
    monkeypatch.setattr(pki_services, "card_personalise", fake.card_personalise, raising=False)
    monkeypatch.setattr(pki_services, "cards_personalise", fake.cards_personalise, raising=False)
    monkeypatch.setattr(
        pki_services, "card_certificates_revoke", fake.card_certificates_revoke, raising=False
    )
    return fake


@pytest.fixture(autouse=True)
def production_settings(settings):
    settings.PRODUCTION_QC_FAIL_RATE = 0.0
    settings.PRODUCTION_BATCH_SIZE = 2
    settings.PRODUCTION_DAILY_CAPACITY = 100
    return settings


# n applications enrolled at an office, one minute apart, oldest first.
enrolled = enrolled_applications


def token_client(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def kaveh_api(kaveh):
    return token_client(kaveh)


@pytest.fixture
def reza_api(reza):
    return token_client(reza)
