"""Hand-over at the desk, through the API: the right person gets the card; the wrong person,
the wrong finger, the wrong office and wrong PINs are refused clearly, kept, and lose nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.delivery.models import Collection, Handover, HandoverAttempt
from hoviat.delivery.services import handover_failures_today
from hoviat.delivery.tests.fixtures_cards import cards_in_transit, token_client
from hoviat.delivery.tests.fixtures_handover import handover_body
from hoviat.enrolment.selectors import receipt_standing
from hoviat.notifications.models import SmsMessage
from hoviat.pki import selectors as pki_selectors
from hoviat.pki import services as pki
from hoviat.pki.models import CertificateAuthority, IssuedCertificate
from hoviat.production.models import Card
from hoviat.registry.models import OldCard
from tests.factories import ApiKeyFactory, CardFactory, PartnerFactory

STRANGER = "0013542419"  # a valid national code that is not Sara's


def hand_over(client, card, body):
    return client.post(
        f"/api/v1/cards/{card.csn}/handover", json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def desk(reza):
    return token_client(reza)


def test_sara_gets_her_card_with_her_tracking_code_and_finger(
    sara_ready, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = hand_over(desk, sara_ready.card, handover_body(sara_ready))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["card_status"], body["application_status"]) == ("active", "delivered")
    assert body["verification"] == "tracking_code" and body["fingerprint_score"] == 100
    card, app = sara_ready.card, sara_ready.application
    card.refresh_from_db()
    app.refresh_from_db()
    assert card.status == "active"
    assert app.status == "delivered" and app.closed_at is not None
    assert Collection.objects.get(card=card).collected_at is not None
    handover = Handover.objects.get(card=card)
    assert handover.fingerprint_position == 1
    # The receipt no longer stands in for the card.
    standing = receipt_standing(
        receipt_number=sara_ready.receipt.receipt_number, today=timezone.localdate()
    )
    assert not standing.stands_in and standing.reason_code == "CARD_DELIVERED"
    # The PINs she chose are the chip's now.
    assert pki.chip_verify_pin(csn=card.csn, pin_kind="id", pin="4321")
    assert pki.chip_verify_pin(csn=card.csn, pin_kind="sign", pin="8765")
    assert pki.chip_verify_pin(csn=card.csn, pin_kind="nmoc", pin="1357")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"card.active", "application.delivered", "receipt.no_longer_valid"} <= actions
    delivered = SmsMessage.objects.get(kind="card_delivered")
    assert delivered.to == app.mobile and delivered.status == "sent"


def test_the_receipts_signed_qr_stands_for_the_tracking_code(sara_ready, desk):
    body = handover_body(sara_ready, tracking_code=None, receipt_qr=sara_ready.receipt.qr_text)
    response = hand_over(desk, sara_ready.card, body)
    assert response.status_code == 200, response.content
    assert response.json()["verification"] == "receipt_qr"


def test_the_simulator_device_can_take_the_finger_at_the_desk(sara_ready, desk):
    body = handover_body(sara_ready)
    body["verification"]["fingerprint"] = {"capture": "simulator", "position": 7}
    response = hand_over(desk, sara_ready.card, body)
    assert response.status_code == 200, response.content


def test_earlier_cards_and_the_old_paper_card_are_invalidated_and_revoked_in_crl_and_ocsp(
    sara_ready, desk, sara, django_capture_on_commit_callbacks
):
    earlier = _an_earlier_active_card(sara_ready)
    paper = OldCard.objects.create(
        citizen=sara, card_number="4990123456", issued_on=dt.date(2005, 1, 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = hand_over(desk, sara_ready.card, handover_body(sara_ready))

    assert response.status_code == 200, response.content
    assert response.json()["invalidated_cards"] == [earlier.csn]
    assert response.json()["invalidated_old_cards"] == ["4990123456"]
    earlier.refresh_from_db()
    paper.refresh_from_db()
    assert earlier.status == "revoked"
    assert paper.invalidated_on == timezone.localdate()
    assert pki.card_certificates_status(csn=earlier.csn).all_revoked
    crl = x509.load_der_x509_crl(bytes(pki_selectors.crl_current_der()))
    assert crl.get_revoked_certificate_by_serial_number(int(earlier.auth_cert_serial)) is not None
    cert = x509.load_der_x509_certificate(
        bytes(IssuedCertificate.objects.get(serial=format(int(earlier.auth_cert_serial), "x")).der)
    )
    issuer = x509.load_pem_x509_certificate(
        CertificateAuthority.objects.get(kind="issuing").cert_pem.encode()
    )
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
    answer = ocsp.load_der_ocsp_response(
        pki.ocsp_respond(request_der=request.build().public_bytes(Encoding.DER))
    )
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert AuditEntry.objects.filter(action="old_card.invalidated").exists()
    assert AuditEntry.objects.filter(action="card.revoked", reason="superseded").exists()


def test_it_refuses_the_wrong_person_and_keeps_the_attempt_without_counting_it(sara_ready, desk):
    response = hand_over(desk, sara_ready.card, handover_body(sara_ready, national_code=STRANGER))

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "HOLDER_MISMATCH"
    assert "دارنده" in problem["detail"]
    # What the operator types is not the holder's failure: all three tries are left.
    assert problem["attempts_left"] == 3 and problem["counted"] is False
    _nothing_changed(sara_ready)
    assert HandoverAttempt.objects.get(card=sara_ready.card).reason == "wrong_person"
    refused = AuditEntry.objects.get(action="card.handover_refused", reason="wrong_person")
    assert refused.data["counted"] is False


def test_a_mistyped_tracking_code_is_not_found_and_uses_up_none_of_the_holders_tries(
    sara_ready, desk, settings
):
    settings.DELIVERY_HANDOVER_MAX_FAILURES = 3
    other_code = sara_ready.other_card.application.tracking_code
    for typo in (other_code, "12345", other_code, "۱۲۳۴۵۶۷۸۹۰۱۲", other_code):
        response = hand_over(desk, sara_ready.card, handover_body(sara_ready, tracking_code=typo))
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "TRACKING_CODE_NOT_FOUND"
        assert problem["detail"] == "کد رهگیری پیدا نشد."
        assert problem["attempts_left"] == 3 and problem["counted"] is False
    _nothing_changed(sara_ready)
    assert handover_failures_today(card_id=sara_ready.card.pk) == 0
    assert not AuditEntry.objects.filter(action="card.handover_locked").exists()

    # Five typos later, Sara with the right code still gets her card.
    assert hand_over(desk, sara_ready.card, handover_body(sara_ready)).status_code == 200


def test_wrong_pins_and_wrong_fingers_count_together_towards_the_days_lock(
    sara_ready, desk, settings
):
    settings.DELIVERY_HANDOVER_MAX_FAILURES = 3
    wrong_finger = hand_over(desk, sara_ready.card, handover_body(sara_ready, finger_of=STRANGER))
    assert wrong_finger.json()["attempts_left"] == 2
    wrong_pin = hand_over(desk, sara_ready.card, handover_body(sara_ready, confirmation="9999"))
    assert wrong_pin.json()["code"] == "PIN_WRONG" and wrong_pin.json()["attempts_left"] == 1
    hand_over(desk, sara_ready.card, handover_body(sara_ready, confirmation="9999"))
    assert handover_failures_today(card_id=sara_ready.card.pk) == 3
    assert AuditEntry.objects.filter(action="card.handover_locked").count() == 1
    locked = hand_over(desk, sara_ready.card, handover_body(sara_ready))
    assert locked.status_code == 423 and locked.json()["code"] == "HANDOVER_LOCKED"
    _nothing_changed(sara_ready)


def test_it_asks_for_a_tracking_code_or_the_receipt(sara_ready, desk):
    response = hand_over(desk, sara_ready.card, handover_body(sara_ready, tracking_code=None))
    assert response.status_code == 422
    assert response.json()["code"] == "VERIFICATION_REQUIRED"


def test_it_refuses_a_tampered_receipt_and_a_superseded_one(sara_ready, desk):
    qr = sara_ready.receipt.qr_text
    tampered = qr[:-6] + ("A" if qr[-6] != "A" else "B") + qr[-5:]
    bad = hand_over(
        desk, sara_ready.card, handover_body(sara_ready, tracking_code=None, receipt_qr=tampered)
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "RECEIPT_QR_INVALID"

    from hoviat.enrolment.models import Receipt

    Receipt.objects.filter(pk=sara_ready.receipt.pk).update(superseded_at=timezone.now())
    old = hand_over(
        desk, sara_ready.card, handover_body(sara_ready, tracking_code=None, receipt_qr=qr)
    )
    assert old.status_code == 422
    assert old.json()["code"] == "RECEIPT_SUPERSEDED"
    _nothing_changed(sara_ready)


def test_a_wrong_finger_is_refused_and_three_lock_the_card_for_the_day(sara_ready, desk, settings):
    settings.DELIVERY_HANDOVER_MAX_FAILURES = 3
    wrong = handover_body(sara_ready, finger_of=STRANGER)
    codes = [hand_over(desk, sara_ready.card, wrong).json() for _ in range(3)]
    assert [c["code"] for c in codes] == ["FINGERPRINT_MISMATCH"] * 3
    assert [c["attempts_left"] for c in codes] == [2, 1, 0]
    assert "تا پایان امروز" in codes[2]["detail"]

    # Now even Sara herself is turned away until tomorrow.
    locked = hand_over(desk, sara_ready.card, handover_body(sara_ready))
    assert locked.status_code == 423
    assert locked.json()["code"] == "HANDOVER_LOCKED"
    _nothing_changed(sara_ready)
    assert AuditEntry.objects.filter(action="card.handover_locked").count() == 1

    # The next day the lock is gone.
    HandoverAttempt.objects.update(at=timezone.now() - dt.timedelta(days=1))
    assert hand_over(desk, sara_ready.card, handover_body(sara_ready)).status_code == 200


def test_another_offices_operator_gets_the_answer_of_an_unknown_serial(sara_ready, omid):
    desk = token_client(omid)
    response = hand_over(desk, sara_ready.card, handover_body(sara_ready))
    unknown = desk.post(
        "/api/v1/cards/IR0000000000/handover",
        json.dumps(handover_body(sara_ready)),
        content_type="application/json",
    )

    assert response.status_code == unknown.status_code == 404
    mine, theirs = response.json(), unknown.json()
    assert mine["code"] == theirs["code"] == "CARD_NOT_FOUND"
    assert mine["detail"] == theirs["detail"]
    assert "اداره پست مرکزی بوشهر" not in response.content.decode()
    _nothing_changed(sara_ready)
    # The probe is still kept.
    assert AuditEntry.objects.filter(action="card.handover_refused", reason="other_office").exists()
    assert HandoverAttempt.objects.get(card=sara_ready.card).reason == "other_office"


def test_a_card_not_yet_received_cannot_be_handed_over(
    real_pki, bushehr_post_office, reza, kaveh, desk
):
    transit = cards_in_transit(bushehr_post_office, reza, kaveh, n=1)
    card = transit.cards[0]
    body = {
        "national_code": transit.applications[0].citizen.national_code,
        "tracking_code": transit.applications[0].tracking_code,
        "verification": {
            "fingerprint": {"capture": "simulator"},
            "pins": {"id": "1234", "sign": "1234", "nmoc": "1234", "id_confirmation": "1234"},
        },
    }
    response = hand_over(desk, card, body)
    assert response.status_code == 409
    assert response.json()["code"] == "CARD_NOT_AT_OFFICE"
    assert "دریافت نشده" in response.json()["detail"]


def test_a_card_is_handed_over_once(sara_ready, desk):
    assert hand_over(desk, sara_ready.card, handover_body(sara_ready)).status_code == 200
    again = hand_over(desk, sara_ready.card, handover_body(sara_ready))
    assert again.status_code == 409
    assert again.json()["card_status"] == "active"


def test_pins_must_be_four_to_eight_digits(sara_ready, desk):
    response = hand_over(
        desk, sara_ready.card, handover_body(sara_ready, pins=("12", "8765", "1357"))
    )
    assert response.status_code == 422
    assert response.json()["code"] == "PIN_FORMAT_INVALID"
    _nothing_changed(sara_ready)


def test_persian_digits_in_pins_are_read(sara_ready, desk):
    body = handover_body(sara_ready, pins=("۴۳۲۱", "۸۷۶۵", "۱۳۵۷"))
    assert hand_over(desk, sara_ready.card, body).status_code == 200
    assert pki.chip_verify_pin(csn=sara_ready.card.csn, pin_kind="id", pin="4321")


def test_wrong_pin_confirmations_block_the_chip_as_pki_does(sara_ready, desk):
    wrong = handover_body(sara_ready, confirmation="9999")
    first = hand_over(desk, sara_ready.card, wrong)
    assert first.status_code == 403
    assert (first.json()["code"], first.json()["tries_left"]) == ("PIN_WRONG", 2)
    hand_over(desk, sara_ready.card, wrong)
    third = hand_over(desk, sara_ready.card, wrong)
    assert third.status_code == 423 and third.json()["code"] == "PIN_BLOCKED"
    assert "PUK" in third.json()["detail"]
    # Blocked stays blocked: choosing PINs again does not reset the chip's counter.
    right = hand_over(desk, sara_ready.card, handover_body(sara_ready))
    assert right.status_code == 423 and right.json()["code"] == "PIN_BLOCKED"
    _nothing_changed(sara_ready)
    reasons = list(HandoverAttempt.objects.values_list("reason", flat=True))
    assert reasons.count("pin_wrong") == 2 and reasons.count("pin_blocked") == 2


def test_a_right_confirmation_after_a_wrong_one_hands_the_card_over(sara_ready, desk):
    assert (
        hand_over(desk, sara_ready.card, handover_body(sara_ready, confirmation="9999")).status_code
        == 403
    )
    assert hand_over(desk, sara_ready.card, handover_body(sara_ready)).status_code == 200


def test_only_office_operators_hand_cards_over(sara_ready, kaveh):
    response = hand_over(token_client(kaveh), sara_ready.card, handover_body(sara_ready))
    assert response.status_code == 403
    assert response.json()["code"] == "ACCESS_DENIED"


def test_an_unknown_serial_is_not_found(sara_ready, desk):
    response = desk.post(
        "/api/v1/cards/IR7777777777/handover",
        json.dumps(handover_body(sara_ready)),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "CARD_NOT_FOUND"


# --- helpers ----------------------------------------------------------------------------------


def _nothing_changed(ready) -> None:
    ready.card.refresh_from_db()
    ready.application.refresh_from_db()
    assert ready.card.status == "at_office"
    assert ready.application.status == "ready_at_office"
    assert Collection.objects.get(card=ready.card).collected_at is None
    assert not Handover.objects.filter(card=ready.card).exists()


def _an_earlier_active_card(ready) -> Card:
    """Sara's previous smart card, delivered years ago: a real chip and certificates."""
    citizen = ready.application.citizen
    issued = timezone.localdate() - dt.timedelta(days=2000)
    made = pki.card_personalise(
        csn="IR8000000001",
        crn="8000000001",
        national_code=citizen.national_code,
        first_name=citizen.first_name,
        last_name=citizen.last_name,
        birth_date=citizen.birth_date,
        photo_sha256=hashlib.sha256(b"old photo").hexdigest(),
        fingerprint_sha256={},
        issued_on=max(issued, timezone.localdate() - dt.timedelta(days=30)),
        expires_on=timezone.localdate() + dt.timedelta(days=400),
    )
    return CardFactory(
        csn="IR8000000001",
        crn="8000000001",
        application__tracking_code="100000000001",
        application__citizen=citizen,
        status="active",
        run=ready.card.run,
        office=ready.card.office,
        issued_on=timezone.localdate() - dt.timedelta(days=30),
        expires_on=timezone.localdate() + dt.timedelta(days=400),
        chip_id=str(made.chip_id),
        auth_cert_serial=str(made.auth_cert_serial),
        sign_cert_serial=str(made.sign_cert_serial),
        data_object_sha256="0" * 64,
    )


def test_banks_see_the_card_valid_and_the_receipt_no_longer_standing_in(sara_ready, desk):
    from django.test import Client

    key = ApiKeyFactory(partner=PartnerFactory(name="بانک آزمون")).raw  # every scope

    bank = Client(headers={"X-API-Key": key})
    receipt_question = {
        "national_code": "0499370899",
        "tracking_code": sara_ready.application.tracking_code,
        "purpose": "BANK_ACCOUNT_OPENING",
    }

    def ask(path, body):
        return bank.post(path, json.dumps(body), content_type="application/json").json()

    before = ask("/api/v1/inquiry/receipt", receipt_question)
    assert before["result"] == "valid"

    assert hand_over(desk, sara_ready.card, handover_body(sara_ready)).status_code == 200

    after = ask("/api/v1/inquiry/receipt", receipt_question)
    assert after["result"] == "invalid" and after["application_status"] == "delivered"
    card = ask(
        "/api/v1/inquiry/card",
        {
            "national_code": "0499370899",
            "card_serial": sara_ready.card.csn,
            "purpose": "BANK_ACCOUNT_OPENING",
        },
    )
    assert card["result"] == "valid" and card["card_status"] == "active"


def test_the_puk_from_the_pin_mailer_opens_a_blocked_pin_at_the_desk(
    known_pins, sara_ready, desk, settings
):
    # Two wrong confirmations and a wrong PUK are three of the holder's failures: room for
    # the fourth try, the right PUK, the same day.
    settings.DELIVERY_HANDOVER_MAX_FAILURES = 4
    # known_pins: the PUK production printed is 12345678, as if read off the PIN mailer.
    wrong = handover_body(sara_ready, confirmation="9999")
    for _ in range(3):
        hand_over(desk, sara_ready.card, wrong)

    with_wrong_puk = handover_body(sara_ready)
    with_wrong_puk["verification"]["pins"]["puk"] = "87654321"
    refused = hand_over(desk, sara_ready.card, with_wrong_puk)
    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["tries_left"]) == ("PUK_WRONG", 9)

    with_puk = handover_body(sara_ready)
    with_puk["verification"]["pins"]["puk"] = "12345678"
    response = hand_over(desk, sara_ready.card, with_puk)
    assert response.status_code == 200, response.content
    assert pki.chip_verify_pin(csn=sara_ready.card.csn, pin_kind="id", pin="4321")
    assert AuditEntry.objects.filter(action="card.pin_unblocked").exists()
    assert HandoverAttempt.objects.filter(reason="puk_wrong").count() == 1


class FixedScoreMatcher:
    """A scanner's matcher stand-in that always gives the same score."""

    score = 0

    def match(self, *, enrolled, position, image):
        from hoviat.delivery.devices import MatchResult

        return MatchResult(position=position, score=FixedScoreMatcher.score, enrolled=True)


@pytest.mark.parametrize(("score", "status"), [(59, 422), (60, 200)])
def test_the_configured_matcher_decides_against_the_threshold(
    sara_ready, desk, settings, score, status
):
    settings.DELIVERY_FINGERPRINT_MATCHER = f"{__name__}.FixedScoreMatcher"
    settings.DELIVERY_FINGERPRINT_THRESHOLD = 60
    FixedScoreMatcher.score = score
    # Any picture: the configured matcher, not the simulator's hash, decides.
    body = handover_body(sara_ready, finger_of=STRANGER)
    response = hand_over(desk, sara_ready.card, body)
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["fingerprint_score"] == 60
