from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from hoviat.core.audit import Actor
from hoviat.payments.sandbox_bank import DYNAMIC_PASSWORD
from tests.factories import ApplicationFactory, CitizenSessionFactory

GOOD_CARD = "6037-9900-0000-0000"
POOR_CARD = "6037-9900-0000-0002"  # the sandbox bank's «insufficient funds»


def card_form(pan: str = GOOD_CARD, action: str = "pay") -> dict[str, str]:
    return {
        "pan": pan,
        "cvv2": "123",
        "expiry_month": "12",
        "expiry_year": "08",
        "password": DYNAMIC_PASSWORD,
        "action": action,
    }


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def application(sara):
    return ApplicationFactory(citizen=sara)


@pytest.fixture
def sara_actor(sara):
    return Actor("citizen", sara.national_code, "citizen")


@pytest.fixture
def sara_token(sara):
    return CitizenSessionFactory(mobile=sara.mobile, token="sara-test-token").token


@pytest.fixture
def pay_at_bank(client):
    """Pay (or cancel) on the sandbox bank's page like a browser; returns the callback URL."""

    def pay(start_url: str, *, pan: str = GOOD_CARD, action: str = "pay") -> str:
        response = client.post(path_of(start_url), card_form(pan, action))
        assert response.status_code == 303, response.content.decode()[:500]
        return response["Location"]

    return pay
