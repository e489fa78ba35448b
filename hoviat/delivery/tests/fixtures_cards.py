"""Real cards in transit to Reza's office (Bushehr post office), made by the real pipeline:
enrolled applications → production run with the real PKI (chips, certificates) → shipment
packed and dispatched. Shared by every delivery test module."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.services import staff_token_create
from hoviat.production.models import Card, Shipment
from hoviat.production.tests.conftest import enrolled

PASSWORD = "correct horse battery"
# The PINs production prints on the PIN mailer are random; tests read them from the run.


@dataclass
class InTransit:
    shipment: Shipment
    cards: list[Card]
    applications: list[Application]


@pytest.fixture
def real_pki(db, settings):
    """Root and issuing CA created for the test, so cards get real chips and certificates."""
    from hoviat.pki import services as pki_services

    settings.PRODUCTION_QC_FAIL_RATE = 0.0
    settings.PRODUCTION_DAILY_CAPACITY = 100
    return pki_services.ca_init()


def cards_in_transit(office, operator, production_user, *, n: int = 2, sara=None) -> InTransit:
    """n enrolled applications at `office` (plus Sara's, if given) produced and dispatched."""
    from hoviat.enrolment.models import Enrolment
    from hoviat.production.services import (
        production_run,
        shipment_dispatch,
        shipments_pack,
        stock_deliver,
    )

    apps = enrolled(office, operator, n=n, start=timezone.now() - dt.timedelta(days=5))
    if sara is not None:
        from hoviat.applications.codes import tracking_code_new

        at = timezone.now() - dt.timedelta(days=6)
        app = Application.objects.create(
            tracking_code=tracking_code_new(),
            citizen=sara,
            kind="first",
            fee_rials=1450000,
            mobile=sara.mobile,
            status="enrolled",
            enrolled_at=at,
        )
        Enrolment.objects.create(
            application=app,
            office=office,
            operator=operator,
            status="completed",
            started_at=at,
            completed_at=at,
            face_sha256="f" * 64,
            fingerprints={"1": {"sha256": "a" * 64}, "2": {"missing": "AMPUTATED"}},
        )
        apps.insert(0, app)
    stock_deliver(quantity=100, lot="TEST-LOT", actor=production_user)
    production_run(date=timezone.localdate(), actor=production_user)
    shipments_pack(actor=production_user)  # the run packs already; this is a no-op then
    shipment = Shipment.objects.get(office=office, status="packed")
    shipment_dispatch(shipment_id=shipment.pk, actor=production_user)
    cards = list(Card.objects.filter(shipment=shipment).order_by("pk"))
    for app in apps:
        app.refresh_from_db()
    return InTransit(shipment=shipment, cards=cards, applications=apps)


@pytest.fixture
def in_transit(real_pki, bushehr_post_office, reza, kaveh):
    """Two strangers' cards bound for Reza's office, dispatched and not yet received."""
    return cards_in_transit(bushehr_post_office, reza, kaveh, n=2)


@pytest.fixture
def saras_card_in_transit(real_pki, bushehr_post_office, reza, kaveh, sara):
    """Sara's card (first in the shipment) and one stranger's, bound for Reza's office."""
    return cards_in_transit(bushehr_post_office, reza, kaveh, n=1, sara=sara)


def token_client(user) -> Client:
    raw, _ = staff_token_create(username=user.username, password=PASSWORD)
    return Client(headers={"Authorization": f"Bearer {raw}"})
