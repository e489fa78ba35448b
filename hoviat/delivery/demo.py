"""Demo data for delivery: three Bushehr citizens whose cards are on their way to Reza's office.

They were enrolled at the Bushehr central post office (POST-0601) five days ago with the
simulator device, so the hand-over's simulator fingerprint matches them; their cards come out
of a real production run (chips, certificates) and the shipment is dispatched. Reza then
receives the shipment at /office/delivery/ and hands a card over with the national code and
tracking code printed below; the desk shows each holder's enrolment photo (kept encrypted
like any enrolment's). Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import Application
from hoviat.core.models import User
from hoviat.enrolment import storage
from hoviat.enrolment.devices import SimulatorDevice, simulator_for
from hoviat.enrolment.models import BiometricFile, BiometricKind, Enrolment, Receipt
from hoviat.enrolment.services import receipt_issue
from hoviat.offices.models import Office
from hoviat.production.models import Card
from hoviat.production.services import production_run, shipment_dispatch
from hoviat.registry.models import Citizen

OFFICE_CODE = "POST-0601"
COUNT = 3


def _fingerprints(national_code: str) -> dict:
    device = SimulatorDevice(person=national_code)
    return {
        str(position): {"sha256": hashlib.sha256(device.capture_finger(position)).hexdigest()}
        for position in (1, 2, 6, 7)
    }


def _receipt(application: Application, enrolment: Enrolment, operator: User) -> Receipt:
    return receipt_issue(
        application=application,
        enrolment=enrolment,
        operator=operator,
        office_id=enrolment.office_id,
        issued_at=enrolment.completed_at,
        valid_until=timezone.localdate() + dt.timedelta(days=180),
    )


def build(*, citizens: int, seed: int) -> str:
    office = Office.objects.filter(code=OFFICE_CODE).first()
    reza = User.objects.filter(username="reza").first()
    kaveh = User.objects.filter(username="kaveh").first()
    if office is None or reza is None or kaveh is None:
        return "skipped: the offices demo (Reza's office, Reza, Kaveh) is not loaded"
    if Card.objects.filter(office=office).exists():
        return "cards for Reza's office: already made"
    people = list(
        Citizen.objects.filter(
            residence_city=office.city,
            is_alive=True,
            has_photo_shenasnameh=True,
            birth_date__lte=timezone.localdate() - dt.timedelta(days=365 * 20),
            applications__isnull=True,
        )
        .exclude(national_code__startswith="049")  # keep Sara and the edge cases untouched
        .order_by("national_code")[:COUNT]
    )
    if not people:
        return "skipped: no Bushehr citizens to enrol"
    enrolled_at = timezone.now() - dt.timedelta(days=5)
    applications = []
    for citizen in people:
        application = Application.objects.create(
            tracking_code=tracking_code_new(),
            citizen=citizen,
            kind="first",
            fee_rials=1_450_000,
            mobile=citizen.mobile,
            status="enrolled",
            paid_at=enrolled_at - dt.timedelta(days=3),
            enrolled_at=enrolled_at,
        )
        face = simulator_for(citizen=citizen).capture_face()
        enrolment = Enrolment.objects.create(
            application=application,
            office=office,
            operator=reza,
            status="completed",
            started_at=enrolled_at - dt.timedelta(minutes=12),
            completed_at=enrolled_at,
            face_sha256=hashlib.sha256(face).hexdigest(),
            fingerprints=_fingerprints(citizen.national_code),
        )
        _face_keep(enrolment, face, at=enrolled_at)
        _receipt(application, enrolment, reza)
        applications.append(application)
    codes = [a.tracking_code for a in applications]
    run = production_run(date=timezone.localdate(), actor=kaveh, tracking_codes=codes)
    shipment = office.shipments.filter(status="packed").first()
    if shipment is None:
        return f"production run {run.pk} made no card for Reza's office ({run.stop_reason})"
    shipment_dispatch(shipment_id=shipment.pk, actor=kaveh)
    serials = dict(Card.objects.filter(shipment=shipment).values_list("application_id", "csn"))
    listed = ", ".join(
        f"{a.citizen.national_code} / {a.tracking_code} / {serials.get(a.pk, '-')}"
        for a in applications
    )
    return (
        f"{len(applications)} cards dispatched to {office.name} (shipment {shipment.pk}); "
        f"national code / tracking code / card serial: {listed}"
    )


def _face_keep(enrolment: Enrolment, image: bytes, *, at: dt.datetime) -> None:
    """The enrolment photo in enrolment's encrypted store, as its capture would keep it."""
    BiometricFile.objects.create(
        enrolment=enrolment,
        kind=BiometricKind.FACE,
        position=0,
        source="device",
        sha256=hashlib.sha256(image).hexdigest(),
        content_type="image/jpeg",
        size=len(image),
        width=600,
        height=800,
        storage_name=storage.encrypted_write(image),
        captured_at=at,
    )
