"""Receiving is set-based: a shipment of thousands of cards takes a few statements, not
several per card, and its audit rows still form the one verifiable chain."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.audit import audit_verify
from hoviat.core.models import AuditEntry
from hoviat.delivery.services import shipment_receive
from hoviat.production.models import Card, PersonalisationRun, Shipment
from hoviat.registry.models import Citizen
from hoviat.registry.tests.factories import CitizenFactory


def synthetic_shipment(office, n: int, *, offset: int) -> tuple[Shipment, list[str]]:
    """n cards in transit to `office` written in bulk (no chips: receiving never reads them)."""
    now = timezone.now()
    template = CitizenFactory.build(residence_city=office.city, issuing_county=office.city.county)
    citizens = Citizen.objects.bulk_create(
        [
            Citizen(
                **{
                    f.attname: getattr(template, f.attname)
                    for f in Citizen._meta.concrete_fields
                    if f.attname != "id"
                }
                | {
                    "national_code": f"{9_000_000_000 + offset + i}",
                    "shenasnameh_number": f"{offset + i}",
                    "mobile": f"0912{offset + i:07d}",
                }
            )
            for i in range(n)
        ]
    )
    apps = Application.objects.bulk_create(
        [
            Application(
                tracking_code=f"{500_000_000_000 + offset + i}",
                citizen=c,
                kind="first",
                fee_rials=1,
                mobile=c.mobile,
                status="shipped",
            )
            for i, c in enumerate(citizens)
        ]
    )
    run = PersonalisationRun.objects.create(
        date=now.date(), status="completed", started_at=now, heartbeat_at=now
    )
    shipment = Shipment.objects.create(
        office=office, status="dispatched", created_at=now, dispatched_at=now
    )
    Card.objects.bulk_create(
        [
            Card(
                csn=f"IR{offset + i:010d}",
                crn=f"{offset + i:010d}",
                application=a,
                status="in_transit",
                run=run,
                shipment=shipment,
                office=office,
                issued_on=now.date(),
                expires_on=now.date().replace(year=now.year + 7),
                chip_id="0",
                auth_cert_serial="1",
                sign_cert_serial="2",
                data_object_sha256="0" * 64,
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
    assert audit_verify().ok
