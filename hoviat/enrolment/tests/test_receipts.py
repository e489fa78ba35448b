"""The receipt: its PDF (Persian, with a QR that a scanner reads and the PKI verifies), its
number, and its reissue when lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import zlib

import base45
import cbor2
import pytest

from hoviat.applications.codes import damm_digit
from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.enrolment.models import Receipt
from hoviat.enrolment.selectors import receipt_standing
from hoviat.enrolment.services import receipt_number_new
from hoviat.enrolment.tests.conftest import full_payload, today
from hoviat.notifications.models import SmsMessage
from hoviat.pki.selectors import receipt_qr_verify

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg") and shutil.which("pdftotext")),
    reason="needs poppler-utils (pdftoppm, pdftotext) and zbar-tools (zbarimg)",
)


def post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def enrolled(reza_api, sara_booked, sara_device) -> Receipt:
    response = post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device))
    assert response.status_code == 201, response.content.decode()
    return Receipt.objects.get(receipt_number=response.json()["receipt_number"])


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # pdftotext wraps right-to-left runs in embedding marks; they are not part of the words.
    return "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e")


def qr_of_pdf(pdf: bytes, tmp_path) -> str:
    """Render the first page at pdftoppm's default 150 dpi and read the QR code with zbar."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-singlefile", "-f", "1", str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
    )
    assert scanned.returncode == 0, scanned.stderr
    return scanned.stdout.strip()


@needs_poppler
def test_the_receipt_pdf_is_persian_and_its_qr_scans_and_verifies(reza_api, enrolled, tmp_path):
    response = reza_api.get(f"/api/v1/receipts/{enrolled.receipt_number}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert "سارا محمدی" in text
    assert "علی" in text  # father's name
    assert "۰۴۹۹۳۷۰۸۹۹" in text
    assert "محل مهر و امضای دفتر" in text
    qr_text = qr_of_pdf(pdf, tmp_path)
    assert qr_text == enrolled.qr_text
    verdict = receipt_qr_verify(text=qr_text)
    assert verdict.status == "valid"
    assert verdict.claims.first_name == "سارا"
    assert verdict.claims.receipt_number == enrolled.receipt_number
    assert verdict.claims.valid_until == enrolled.valid_until
    assert AuditEntry.objects.filter(action="receipt.rendered").count() == 1


def test_a_tampered_qr_is_told_apart_from_a_genuine_one(enrolled):
    cose = cbor2.loads(zlib.decompress(base45.b45decode(enrolled.qr_text[5:])))
    protected, unprotected, payload, signature = cose.value
    claims = cbor2.loads(payload)
    claims["rcp"] = {**claims["rcp"], "nc": "0012345679"}  # someone else's national code
    forged = cbor2.dumps(
        cbor2.CBORTag(18, [protected, dict(unprotected), cbor2.dumps(claims), signature])
    )
    forged_text = "HVR1:" + base45.b45encode(zlib.compress(forged)).decode()

    assert receipt_qr_verify(text=enrolled.qr_text).status == "valid"
    assert receipt_qr_verify(text=forged_text).status == "tampered"
    assert receipt_qr_verify(text=enrolled.qr_text[:-6]).status == "malformed"


def test_a_receipt_number_is_ten_digits_with_a_damm_check_digit():
    for _ in range(200):
        number = receipt_number_new()
        assert len(number) == 10 and number.isdigit() and number[0] != "0"
        assert damm_digit(number) == 0


def test_a_receipt_stays_valid_for_the_set_number_of_days(enrolled, settings):
    days = settings.RECEIPT_VALID_DAYS
    assert (enrolled.valid_until - today()).days == days
    standing = receipt_standing(receipt_number=enrolled.receipt_number, today=today())
    assert standing.stands_in and standing.reason_code == ""


@needs_poppler
def test_a_lost_receipt_is_reissued_with_a_new_number_and_the_old_one_superseded(
    reza_api, enrolled, sara_booked, tmp_path
):
    response = post(reza_api, f"/api/v1/receipts/{sara_booked.tracking_code}/reissue")

    assert response.status_code == 201, response.content.decode()
    fresh = Receipt.objects.get(receipt_number=response.json()["receipt_number"])
    assert fresh.receipt_number != enrolled.receipt_number
    assert fresh.valid_until == enrolled.valid_until  # a reissue does not extend validity
    assert receipt_qr_verify(text=fresh.qr_text).claims.receipt_number == fresh.receipt_number
    old = reza_api.get(f"/api/v1/receipts/{enrolled.receipt_number}").json()
    assert old["superseded"] is True
    assert old["superseded_by"] == fresh.receipt_number
    # The inquiry reads this: the old number no longer stands in for the card.
    standing = receipt_standing(receipt_number=enrolled.receipt_number, today=today())
    assert not standing.stands_in
    assert standing.reason_code == "RECEIPT_SUPERSEDED"
    assert receipt_standing(receipt_number=fresh.receipt_number, today=today()).stands_in
    assert SmsMessage.objects.filter(kind="receipt_reissued", to=sara_booked.mobile).exists()
    assert AuditEntry.objects.filter(
        action="receipt.superseded", object_id=str(enrolled.pk)
    ).exists()
    # A superseded receipt printed again says so on its face.
    void_pdf = reza_api.get(f"/api/v1/receipts/{enrolled.receipt_number}.pdf").content
    assert "این رسید باطل شده است" in pdf_text(void_pdf, tmp_path)


def test_a_second_reissue_supersedes_the_first_reissue(reza_api, enrolled, sara_booked):
    first = post(reza_api, f"/api/v1/receipts/{sara_booked.tracking_code}/reissue").json()
    second = post(reza_api, f"/api/v1/receipts/{sara_booked.tracking_code}/reissue").json()

    assert (
        Receipt.objects.filter(application=sara_booked, superseded_at__isnull=True)
        .get()
        .receipt_number
        == second["receipt_number"]
    )
    assert Receipt.objects.get(receipt_number=first["receipt_number"]).is_superseded


@pytest.mark.parametrize("status", ["delivered", "voided"])
def test_no_receipt_is_reissued_once_the_card_is_delivered_or_the_application_closed(
    reza_api, enrolled, sara_booked, status
):
    Application.objects.filter(pk=sara_booked.pk).update(status=status)

    response = post(reza_api, f"/api/v1/receipts/{sara_booked.tracking_code}/reissue")

    assert response.status_code == 409
    assert response.json()["code"] == "RECEIPT_NOT_REISSUABLE"
    assert Receipt.objects.filter(application=sara_booked).count() == 1


def test_a_receipt_is_not_reissued_for_an_application_not_yet_enrolled(reza_api, sara_booked):
    response = post(reza_api, f"/api/v1/receipts/{sara_booked.tracking_code}/reissue")

    assert response.status_code == 404
    assert response.json()["code"] == "ENROLMENT_NOT_FOUND"
