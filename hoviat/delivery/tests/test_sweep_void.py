"""The sweep voids cards left at offices past their hold date: certificates revoked (CRL and
OCSP at once), card voided then destroyed with a record, application voided, holder told."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.core.management import call_command
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.delivery.models import Collection, Destruction
from hoviat.delivery.services import collections_void_overdue
from hoviat.delivery.sweeps import delivery_sweep
from hoviat.notifications.models import SmsMessage
from hoviat.pki.models import IssuedCertificate, RevocationList
from hoviat.production.models import Card


def _overdue_day(card) -> dt.date:
    return Collection.objects.get(card=card).hold_until + dt.timedelta(days=1)


def _ocsp_status(csn: str, client) -> ocsp.OCSPCertStatus:
    from hoviat.pki.models import CertificateAuthority

    row = IssuedCertificate.objects.filter(csn=csn).first()
    cert = x509.load_der_x509_certificate(bytes(row.der))
    issuer = x509.load_pem_x509_certificate(
        CertificateAuthority.objects.get(pk=row.issuer_id).cert_pem.encode()
    )
    # SHA-1 is what openssl ocsp sends for the CertID: the responder must answer it.
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303
    answer = client.post(
        "/pki/ocsp",
        data=request.public_bytes(serialization.Encoding.DER),
        content_type="application/ocsp-request",
    )
    return ocsp.load_der_ocsp_response(answer.content).certificate_status


def test_it_voids_and_destroys_a_card_left_past_its_hold_date(saras_card_at_office, client):
    sara_card, _ = saras_card_at_office
    today = _overdue_day(sara_card)

    summary = delivery_sweep(today=today)

    assert summary.voided == 2
    assert summary.destroyed == 2
    card = Card.objects.get(pk=sara_card.pk)
    assert card.status == "destroyed"
    assert Destruction.objects.filter(card=card).exists()
    assert Application.objects.get(pk=card.application_id).status == "voided"
    assert Collection.objects.get(card=card).voided_at is not None
    # Revoked in the database (OCSP answers from it) and in the CRL signed once by the sweep.
    assert set(
        IssuedCertificate.objects.filter(csn=card.csn).values_list("status", "reason_code")
    ) == {("revoked", "cessationOfOperation")}
    assert _ocsp_status(card.csn, client) == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(bytes(RevocationList.objects.order_by("-number").first().der))
    serials = {
        int(s, 16)
        for s in IssuedCertificate.objects.filter(csn=card.csn).values_list("serial", flat=True)
    }
    assert serials <= {entry.serial_number for entry in crl}
    sms = SmsMessage.objects.get(kind="card_voided", object_id=str(card.pk))
    assert sms.to == "09171234567" and "باطل شد" in sms.body
    actions = set(
        AuditEntry.objects.filter(
            object_id=str(card.pk), object_type="production.card"
        ).values_list("action", flat=True)
    )
    assert {"card.voided", "card.destroyed"} <= actions
    assert audit_log_holds()


def test_it_leaves_cards_still_within_their_hold_alone(saras_card_at_office):
    sara_card, _ = saras_card_at_office
    last_day = Collection.objects.get(card=sara_card).hold_until

    assert collections_void_overdue(today=last_day).voided == 0
    assert Card.objects.get(pk=sara_card.pk).status == "at_office"


def test_a_second_sweep_finds_nothing_more_to_void(saras_card_at_office):
    sara_card, _ = saras_card_at_office
    today = _overdue_day(sara_card)
    assert collections_void_overdue(today=today).voided == 2

    assert collections_void_overdue(today=today).voided == 0
    assert AuditEntry.objects.filter(action="card.voided").count() == 2


def test_it_never_voids_a_card_already_handed_over(saras_card_at_office):
    from hoviat.delivery.tests.fixtures_lifecycle import hand_over_directly

    sara_card, other = saras_card_at_office
    hand_over_directly(sara_card)

    assert collections_void_overdue(today=_overdue_day(sara_card)).voided == 1
    assert Card.objects.get(pk=sara_card.pk).status == "active"
    assert Card.objects.get(pk=other.pk).status == "voided"


def test_the_hoviat_sweep_command_prints_what_delivery_did(saras_card_at_office, capsys, settings):
    settings.DELIVERY_HOLD_DAYS = 0
    settings.DELIVERY_DESTROY_AFTER_DAYS = 30
    Collection.objects.update(hold_until=timezone.localdate() - dt.timedelta(days=1))

    call_command("sweep")

    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("delivery:"))
    assert "voided: 2" in line and "destroyed: 0" in line


def test_a_card_voided_today_gets_no_reminder_to_come_for_it(saras_card_at_office):
    sara_card, _ = saras_card_at_office
    today = _overdue_day(sara_card)
    Collection.objects.update(next_reminder_on=today)

    delivery_sweep(today=today)

    assert not SmsMessage.objects.filter(kind="card_ready_reminder").exists()
    assert SmsMessage.objects.filter(kind="card_voided").count() == 2
