"""The demo leaves cards on their way to Reza's office that really can be received and handed
over (a newcomer running `make run` can try the whole desk)."""

import base64
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from hoviat.delivery.tests.fixtures_cards import token_client
from hoviat.enrolment.devices import SimulatorDevice
from hoviat.production.models import Card, Shipment

pytestmark = pytest.mark.django_db


def test_the_demo_cards_can_be_received_and_handed_over_and_the_demo_runs_twice(
    settings, face_store
):
    settings.PRODUCTION_QC_FAIL_RATE = 0.0
    out = StringIO()
    call_command("demo", citizens=60, stdout=out)
    call_command("demo", citizens=60, stdout=out)
    assert "cards for Reza's office: already made" in out.getvalue()

    from hoviat.core.models import User

    reza = User.objects.get(username="reza")
    reza.set_password("correct horse battery")
    reza.save()
    desk = token_client(reza)
    shipment = Shipment.objects.get(office=reza.office, status="dispatched")
    cards = list(Card.objects.filter(shipment=shipment).select_related("application__citizen"))
    assert len(cards) == 3

    received = desk.post(
        f"/api/v1/shipments/{shipment.pk}/receive",
        {"card_serials": [c.csn for c in cards]},
        content_type="application/json",
    )
    assert received.status_code == 200, received.content

    # The desk shows each holder's enrolment photo, from enrolment's encrypted store.
    from hoviat.core.tests.factories import staff_sign_in

    pages = Client()
    staff_sign_in(pages, reza)
    for waiting in cards:
        photo = pages.get(f"/office/delivery/handover/{waiting.csn}/photo/")
        assert photo.status_code == 200
        expected = waiting.application.enrolment.face_sha256
        assert hashlib.sha256(photo.content).hexdigest() == expected

    card = cards[0]
    code = card.application.citizen.national_code
    finger = SimulatorDevice(person=code).capture_finger(1)
    handed = desk.post(
        f"/api/v1/cards/{card.csn}/handover",
        {
            "national_code": code,
            "tracking_code": card.application.tracking_code,
            "verification": {
                "fingerprint": {"position": 1, "image": base64.b64encode(finger).decode()},
                "pins": {"id": "4321", "sign": "8765", "nmoc": "1357", "id_confirmation": "4321"},
            },
        },
        content_type="application/json",
    )
    assert handed.status_code == 200, handed.content
    card.refresh_from_db()
    assert card.status == "active"
