"""Inquiry fixtures: partners with real keys, and real data to ask about — Sara's card made by
the real production pipeline and PKI (chip and certificates), her receipt, her paper card."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.inquiry.usage import _next_local_midnight  # noqa: F401 (re-exported for tests)
from hoviat.production.models import Card
from tests.factories import (
    ApiKeyFactory,
    EnrolmentFactory,
    PartnerFactory,
    ReceiptFactory,
    cards_in_transit,
)

ALL_SCOPES = ["card", "receipt", "identity", "paper_card", "card_auth"]
ALL_ATTRIBUTES = [
    "card_status",
    "expires_on",
    "application_status",
    "receipt_valid_until",
    "accepted_until",
    "national_code",
]
ID_PIN = "123456"  # the PINs the tests' chips get (the root conftest's `known_pins`)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The signing key, the trusted CAs and the API keys are cached per process; each test's
    database starts empty, so the caches must too."""
    from hoviat.inquiry import cardauth, locks, selectors, signing, usage

    locks.forget()
    signing._forget_current()
    signing._JOSE_KEYS.clear()
    cardauth.forget_issuers()
    selectors.forget_keys()
    usage.forget_leases()
    yield
    locks.forget()  # a lock a test set must not answer another app's tests after it


class Partner:
    """A partner as its integrator sees it: a name, a raw key, and a client that sends it."""

    def __init__(self, name: str, raw: str, partner, key) -> None:
        self.name, self.raw, self.partner, self.key = name, raw, partner, key
        self.client = Client(headers={"X-API-Key": raw})

    def post(self, path: str, body: dict | None = None, **headers):
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=headers or None,
        )


@pytest.fixture
def make_partner(db):
    counter = iter(range(1, 1000))

    def make(
        name: str | None = None,
        *,
        scopes: list[str] | None = None,
        attributes: list[str] | None = None,
        rate: int | None = None,
        quota: int | None = None,
        networks: list[str] | None = None,
    ) -> Partner:
        name = name or f"بانک آزمایشی {next(counter)}"
        partner = PartnerFactory(
            name=name,
            scopes=ALL_SCOPES if scopes is None else scopes,
            attributes=ALL_ATTRIBUTES if attributes is None else attributes,
            rate_limit_per_minute=rate,
            daily_quota=quota,
            allowed_networks=networks,
        )
        key = ApiKeyFactory(partner=partner, label="test")
        return Partner(name, key.raw, partner, key)

    return make


@pytest.fixture
def bank(make_partner):
    """Bank Melli: every scope and every attribute."""
    return make_partner("بانک ملی")


def card_activate(card: Card) -> Card:
    """Hand-over's effect on the card (that service is another colleague's): a conditional
    update from at_office/in_transit to active, audited like any status change."""
    old = card.status
    changed = Card.objects.filter(pk=card.pk, status__in=["in_transit", "at_office"]).update(
        status="active", updated_at=timezone.now()
    )
    assert changed == 1
    audit_record(actor=None, action="card.active", obj=card, from_state=old, to_state="active")
    card.refresh_from_db()
    return card


def card_set_status(card: Card, status: str) -> Card:
    old = card.status
    Card.objects.filter(pk=card.pk, status=old).update(status=status)
    audit_record(actor=None, action=f"card.{status}", obj=card, from_state=old, to_state=status)
    card.refresh_from_db()
    return card


@pytest.fixture
def saras_card(known_pins, real_pki, bushehr_post_office, reza, kaveh, sara):
    """Sara's real card (chip, certificates), active in her hands."""
    made = cards_in_transit(bushehr_post_office, reza, kaveh, n=1, sara=sara)
    card = next(c for c in made.cards if c.application.citizen_id == sara.pk)
    return card_activate(card)


@pytest.fixture
def a_strangers_card(known_pins, real_pki, bushehr_post_office, reza, kaveh):
    made = cards_in_transit(bushehr_post_office, reza, kaveh, n=1)
    return made.cards[0]


@pytest.fixture
def saras_receipt(sara, reza, bushehr_post_office):
    """Sara enrolled at Reza's office yesterday; her receipt, issued today, is current."""
    enrolment = EnrolmentFactory(
        at=timezone.now() - dt.timedelta(days=1),
        office=bushehr_post_office,
        operator=reza,
        application__citizen=sara,
    )
    return ReceiptFactory(enrolment=enrolment, issued_at=timezone.now())
