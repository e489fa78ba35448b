"""Sara's card received at Reza's office and waiting for her, with what she brings to the
desk: her tracking code, her receipt (a real signed QR) and her finger on the simulator,
whose picture enrolment kept the hash of."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from hoviat.applications.models import Application
from hoviat.enrolment.devices import SimulatorDevice
from hoviat.enrolment.models import Enrolment, Receipt
from hoviat.production.models import Card
from tests.factories import OfficeFactory, ReceiptFactory, UserFactory

__all__ = [
    "ReadyCard",
    "face_store",
    "handover_body",
    "keep_face_photo",
    "omid",
    "other_office",
    "receipt_for",
    "sara_ready",
    "saras_photo",
    "simulator_finger",
]


@pytest.fixture
def other_office(bushehr_city):
    return OfficeFactory(name="دفتر پیشخوان خیابان لیان", code="PISH-0602", city=bushehr_city)


@pytest.fixture
def omid(other_office):
    """Operator Omid at another office of Bushehr."""
    from hoviat.core.models import Role

    return UserFactory(
        username="omid", first_name="امید", role=Role.OFFICE_OPERATOR, office=other_office
    )


def simulator_finger(national_code: str, position: int = 1) -> bytes:
    return SimulatorDevice(person=national_code).capture_finger(position)


def receipt_for(application: Application, operator) -> Receipt:
    """A current receipt with a genuinely signed QR, issued by enrolment's own code."""
    return ReceiptFactory(enrolment=application.enrolment, issued_by=operator)


def enrol_simulator_fingers(application: Application) -> None:
    """Enrolment's record of the finger as the simulator draws it (the fixture's enrolment
    kept placeholder hashes)."""
    code = application.citizen.national_code
    Enrolment.objects.filter(application=application).update(
        fingerprints={
            "1": {"sha256": hashlib.sha256(simulator_finger(code, 1)).hexdigest()},
            "2": {"missing": "AMPUTATED"},
            "7": {"sha256": hashlib.sha256(simulator_finger(code, 7)).hexdigest()},
        }
    )


@dataclass
class ReadyCard:
    card: Card
    application: Application
    receipt: Receipt
    other_card: Card  # the stranger's card in the same shipment


@pytest.fixture
def sara_ready(saras_card_in_transit, reza) -> ReadyCard:
    """Sara's card received at Reza's office: at_office, her application ready_at_office."""
    from hoviat.delivery.services import shipment_receive

    transit = saras_card_in_transit
    application = transit.applications[0]
    enrol_simulator_fingers(application)
    receipt = receipt_for(application, reza)
    shipment_receive(
        shipment_id=transit.shipment.pk,
        card_serials=[c.csn for c in transit.cards],
        actor=reza,
    )
    card = Card.objects.get(application=application)
    other = next(c for c in transit.cards if c.pk != card.pk)
    application.refresh_from_db()
    other.refresh_from_db()
    return ReadyCard(card=card, application=application, receipt=receipt, other_card=other)


def handover_body(
    ready: ReadyCard,
    *,
    national_code: str = "0499370899",
    tracking_code: str | None = "same",
    receipt_qr: str | None = None,
    finger_of: str | None = None,
    position: int | None = 1,
    pins: tuple[str, str, str] = ("4321", "8765", "1357"),
    confirmation: str | None = None,
) -> dict:
    """The JSON a desk sends; the finger is the simulator's picture of `finger_of`."""
    import base64

    if tracking_code == "same":
        tracking_code = ready.application.tracking_code
    image = simulator_finger(finger_of or national_code, position or 1)
    return {
        "national_code": national_code,
        "tracking_code": tracking_code,
        "receipt_qr": receipt_qr,
        "verification": {
            "fingerprint": {"position": position, "image": base64.b64encode(image).decode()},
            "pins": {
                "id": pins[0],
                "sign": pins[1],
                "nmoc": pins[2],
                "id_confirmation": pins[0] if confirmation is None else confirmation,
            },
        },
    }


@pytest.fixture
def face_store(settings, tmp_path):
    """Enrolment's encrypted biometric store, in the test's own directory with its own key."""
    from cryptography.fernet import Fernet

    settings.BIOMETRIC_DIR = tmp_path / "biometrics"
    settings.BIOMETRIC_KEYS = [Fernet.generate_key().decode()]
    return settings.BIOMETRIC_DIR


def keep_face_photo(application: Application) -> bytes:
    """The holder's enrolment photo, kept encrypted as enrolment keeps it (use `face_store`)."""
    from django.utils import timezone

    from hoviat.enrolment import storage
    from hoviat.enrolment.models import BiometricFile, BiometricKind

    image = SimulatorDevice(person=application.citizen.national_code).capture_face()
    BiometricFile.objects.create(
        enrolment=application.enrolment,
        kind=BiometricKind.FACE,
        position=0,
        source="device",
        sha256=hashlib.sha256(image).hexdigest(),
        content_type="image/jpeg",
        size=len(image),
        width=600,
        height=800,
        storage_name=storage.encrypted_write(image),
        captured_at=timezone.now(),
    )
    return image


@pytest.fixture
def saras_photo(sara_ready, face_store) -> bytes:
    """Sara's enrolment photo in enrolment's encrypted store."""
    return keep_face_photo(sara_ready.application)
