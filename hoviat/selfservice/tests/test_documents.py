"""My documents: the receipt while it stands in, and the signed digital card (PDF and QR),
verified offline with the published keys and online at /pki/verify/."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import timezone

from hoviat.applications.models import ApplicationStatus
from hoviat.core.models import AuditEntry
from hoviat.pki.selectors import card_qr_verify
from hoviat.production.models import Card
from tests.factories import CardFactory, ReceiptFactory

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg") and shutil.which("pdftotext")),
    reason="needs poppler-utils (pdftoppm, pdftotext) and zbar-tools (zbarimg)",
)
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def saras_card(sara):
    return CardFactory(
        application__citizen=sara,
        status="active",
        issued_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2033, 3, 1),
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "card.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e")


def qr_of_pdf(pdf: bytes, tmp_path) -> str:
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


def verify_page(client, text: str) -> str:
    response = client.post("/pki/verify/", {"text": text})
    assert response.status_code == 200
    return response.content.decode()


def test_the_documents_list_a_receipt_that_stands_in_and_links_to_it(sara_api, sara):
    receipt = ReceiptFactory(enrolment__application__citizen=sara)

    documents = sara_api.get("/api/v1/me/documents").json()["documents"]

    assert [d["kind"] for d in documents] == ["receipt"]
    assert documents[0]["receipt_number"] == receipt.receipt_number
    pdf = sara_api.get(documents[0]["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


def test_a_delivered_cards_receipt_no_longer_stands_in_and_the_card_is_offered(
    sara_api, sara, saras_card
):
    ReceiptFactory(enrolment__application=saras_card.application)
    assert saras_card.application.status == ApplicationStatus.DELIVERED

    documents = sara_api.get("/api/v1/me/documents").json()["documents"]

    assert [(d["kind"], d["card_serial"]) for d in documents] == [("digital_card", saras_card.csn)]
    assert documents[0]["pdf_url"].endswith(f"/cards/{saras_card.csn}.pdf")


@needs_poppler
def test_the_digital_card_pdf_is_persian_and_its_qr_scans_and_verifies(
    sara_api, sara, saras_card, tmp_path
):
    response = sara_api.get(f"/api/v1/me/documents/cards/{saras_card.csn}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content, tmp_path)
    assert "سارا محمدی" in text
    assert "کارت ملی هوشمند دیجیتال" in text
    assert "۰۴۹۹۳۷۰۸۹۹" in text
    # Issued 2026-03-01: 10 Esfand 1404 (pdftotext moves the day across the word).
    assert "۱۰اسفند ۱۴۰۴" in text.replace("۱۰ اسفند", "۱۰اسفند")
    qr_text = qr_of_pdf(response.content, tmp_path)
    assert qr_text.startswith("HVC1:")
    verdict = card_qr_verify(text=qr_text)
    assert verdict.status == "valid"
    assert (verdict.claims.national_code, verdict.claims.card_serial) == (
        sara.national_code,
        saras_card.csn,
    )
    assert verdict.claims.expires_on == dt.date(2033, 3, 1)
    assert AuditEntry.objects.filter(
        action="card.digital_copy_issued", object_id=str(saras_card.pk)
    ).exists()


def test_a_tampered_or_foreign_card_qr_does_not_verify(sara_api, saras_card):
    qr_text = sara_api.get(f"/api/v1/me/documents/cards/{saras_card.csn}/qr").json()["qr_text"]
    body = qr_text[5:]
    flipped = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]

    assert card_qr_verify(text="HVC1:" + flipped).status in {"tampered", "malformed"}
    assert card_qr_verify(text="HVR1:" + body).status == "malformed"
    later = timezone.now().replace(year=2034)
    assert card_qr_verify(text=qr_text, now=later).status == "expired"


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"status": "suspended"}, "معلق"),
        ({"status": "revoked"}, "ابطال‌شده"),
        ({"status": "expired"}, "منقضی"),
        ({"expires_on": dt.date(2026, 4, 1)}, "منقضی"),  # past its date, sweep not yet run
    ],
)
def test_the_verify_page_says_a_card_is_no_longer_valid_once_it_is_not(
    client, sara_api, saras_card, change, label
):
    qr_text = sara_api.get(f"/api/v1/me/documents/cards/{saras_card.csn}/qr").json()["qr_text"]
    assert 'data-standing="active"' in verify_page(client, qr_text)
    assert "کارت ملی معتبر است" in verify_page(client, qr_text)

    Card.objects.filter(pk=saras_card.pk).update(**change)
    page = verify_page(client, qr_text)

    assert "این کارت دیگر معتبر نیست" in page
    assert f"«{label}»" in page


def test_another_persons_card_is_not_found_and_a_suspended_one_is_refused(
    sara_api, omid_api, saras_card
):
    others = omid_api.get(f"/api/v1/me/documents/cards/{saras_card.csn}.pdf")
    assert (others.status_code, others.json()["code"]) == (404, "CARD_NOT_FOUND")
    Card.objects.filter(pk=saras_card.pk).update(status="suspended")

    refused = sara_api.get(f"/api/v1/me/documents/cards/{saras_card.csn}.pdf")

    assert (refused.status_code, refused.json()["code"]) == (409, "CARD_NOT_ACTIVE")
    listed = sara_api.get("/api/v1/me/documents").json()["documents"]
    assert (listed[0]["status"], listed[0]["pdf_url"]) == ("suspended", None)


def test_the_documents_page_shows_the_card_with_its_qr_and_the_pdf_link(client, sara, saras_card):
    session = client.session
    session["citizen_mobile"] = sara.mobile
    session.save()

    page = client.get("/me/documents/").content.decode()

    assert "کارت ملی هوشمند دیجیتال" in page
    assert 'src="data:image/png;base64,' in page
    assert f"/me/documents/cards/{saras_card.csn}.pdf" in page
    pdf = client.get(f"/me/documents/cards/{saras_card.csn}.pdf")
    assert pdf.content.startswith(b"%PDF-")


def test_the_verify_page_reads_the_digital_card_pdf_itself(client, sara_api, saras_card):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = sara_api.get(f"/api/v1/me/documents/cards/{saras_card.csn}.pdf").content

    response = client.post(
        "/pki/verify/", {"image": SimpleUploadedFile("card.pdf", pdf, "application/pdf")}
    )

    page = response.content.decode()
    assert 'data-testid="card-verdict" data-status="valid" data-standing="active"' in page
    assert "سارا محمدی" in page
