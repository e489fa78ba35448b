"""Receiving is set-based: a shipment of thousands of cards takes a few statements, not
several per card, and its audit rows still form the one verifiable chain."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.delivery.services import shipment_receive
from hoviat.production.models import Card, Shipment
from hoviat.registry.models import Citizen
from tests.factories import (
    ApplicationFactory,
    CardFactory,
    CitizenFactory,
    PersonalisationRunFactory,
    ShipmentFactory,
)


def synthetic_shipment(office, n: int, *, offset: int) -> tuple[Shipment, list[str]]:
    """n cards in transit to `office` written in bulk (no chips: receiving never reads them)."""
    citizens = Citizen.objects.bulk_create(
        [
            CitizenFactory.build(
                national_code=f"{9_000_000_000 + offset + i}",
                shenasnameh_number=f"{offset + i}",
                mobile=f"0912{offset + i:07d}",
                residence_city=office.city,
                issuing_county=office.city.county,
            )
            for i in range(n)
        ]
    )
    apps = Application.objects.bulk_create(
        [
            ApplicationFactory.build(
                tracking_code=f"{500_000_000_000 + offset + i}",
                citizen=c,
                fee_rials=1,
                status="shipped",
            )
            for i, c in enumerate(citizens)
        ]
    )
    run = PersonalisationRunFactory()
    shipment = ShipmentFactory(office=office)
    Card.objects.bulk_create(
        [
            CardFactory.build(
                csn=f"IR{offset + i:010d}",
                crn=f"{offset + i:010d}",
                application=a,
                status="in_transit",
                run=run,
                shipment=shipment,
                office=office,
            )
            for i, a in enumerate(apps)
        ]
    )
    return shipment, [f"IR{offset + i:010d}" for i in range(n)]


def _statements(office, reza, n: int, offset: int) -> int:
    shipment, serials = synthetic_shipment(office, n, offset=offset)
    with CaptureQueriesContext(connection) as queries:
        result = shipment_receive(shipment_id=shipment.pk, card_serials=serials, actor=reza)
    assert len(result.received) == n and result.sms_queued == n
    return len(queries)


def test_a_larger_shipment_takes_no_more_statements_per_card(db, bushehr_post_office, reza):
    small = _statements(bushehr_post_office, reza, 5, offset=1_000)
    large = _statements(bushehr_post_office, reza, 205, offset=2_000)
    # Statuses, collections, notices and audit rows are all written in bulk: 200 more cards
    # cost at most a few more batches (SQLite's statements hold fewer parameters), not rows.
    assert large - small <= 10
    # The audit rows written in bulk are links of the one chain, each with its own hash.
    assert AuditEntry.objects.filter(action="card.at_office").count() == 210
    assert AuditEntry.objects.filter(action="application.ready_at_office").count() == 210
    assert audit_log_holds()
