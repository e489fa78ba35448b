"""The decision letter: a Persian PDF with the reasons, the route and window of appeal, and a QR
signed like the enrolment receipt's that verifies offline against the published keys."""

from __future__ import annotations

import shutil
import subprocess
import zlib

import base45
import cbor2
import pytest
from django.test import Client
from django.utils import timezone

from hoviat.citizenship import hooks
from hoviat.citizenship.models import Case, DecisionLetter, Function, Vote
from hoviat.citizenship.tests.conftest import APPLICANT_MOBILE, staff, token_client
from hoviat.citizenship.tests.test_decision import awaiting_decision, vote
from hoviat.core.jalali import format_jalali
from hoviat.core.models import AuditEntry
from hoviat.core.text import persian_digits
from hoviat.notifications.models import SmsMessage
from hoviat.pki.letters import reasons_digest, verify_letter_qr
from hoviat.pki.receipts import keys_from_jwks
from hoviat.pki.selectors import decision_letter_qr_verify, receipt_qr_verify
from hoviat.registry.models import Citizen
from tests.factories import CitizenSessionFactory

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg") and shutil.which("pdftotext")),
    reason="needs poppler-utils (pdftoppm, pdftotext) and zbar-tools (zbarimg)",
)
REFUSAL = "پاسخ استعلام امنیتی منفی است و نسب با مدارک ثابت نشد."


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # pdftotext wraps right-to-left runs in embedding marks and moves the spaces around them;
    # it drops zero-width non-joiners: compare without any of them (see `squash`).
    return squash(text)


def squash(text: str) -> str:
    return "".join(
        ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e\u200c" and not ch.isspace()
    )


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


@pytest.fixture
def case(hamid_api, police_api, security_api, zahedan):
    return awaiting_decision(hamid_api, police_api, security_api, zahedan)


def letter_url(case) -> str:
    return f"/api/v1/citizenship/cases/{case.case_number}/decision-letter.pdf"


@needs_poppler
def test_an_approval_gives_the_applicant_a_persian_letter_whose_qr_verifies_offline(
    council_apis, case, applicant_api, client, tmp_path
):
    vote(council_apis[0], case)
    answer = vote(council_apis[1], case, reasons="مدارک کامل و پاسخ استعلام‌ها مثبت است.")
    assert answer.json()["decision_letter_url"] == letter_url(case)

    response = applicant_api.get(letter_url(case))

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    letter = DecisionLetter.objects.get()
    text = pdf_text(response.content, tmp_path)
    assert squash("بلوچ فرزند کریم") in text
    assert squash("تأیید تابعیت و صدور شناسنامه") in text
    assert squash("پدربزرگ و پاسخ") in text  # the first member's written reasons
    assert squash("مدارک کامل و پاسخ") in text  # the second's
    assert persian_digits(letter.letter_number) in text
    assert squash(format_jalali(timezone.localtime(letter.decided_at), long=True)) in text
    applicant = Case.objects.get().citizen
    assert persian_digits(applicant.national_code) in text
    assert squash("پیش‌ثبت‌نام کنید") in text

    qr_text = qr_of_pdf(response.content, tmp_path)
    assert qr_text == letter.qr_text and qr_text.startswith("HVD1:")
    # Offline: only the published key list (as a bank would have cached it) and the QR.
    keys = keys_from_jwks(client.get("/pki/receipt-keys").json())
    verdict = verify_letter_qr(qr_text, keys)
    assert verdict.status == "valid", verdict.reason
    claims = verdict.claims
    assert (claims.case_number, claims.outcome, claims.first_name) == (
        case.case_number,
        "approved",
        "عبدالله",
    )
    assert claims.letter_number == letter.letter_number and claims.appeal_closes_on is None
    assert claims.reasons_digest == reasons_digest(letter.reasons)
    assert claims.national_codes[0] == applicant.national_code
    assert set(claims.national_codes) == set(
        Citizen.objects.values_list("national_code", flat=True)
    )
    sms = SmsMessage.objects.get(kind="citizenship_decided", to=APPLICANT_MOBILE)
    assert persian_digits(letter.letter_number) in sms.body
    assert AuditEntry.objects.filter(action="citizenship_letter.issued").count() == 1
    assert AuditEntry.objects.filter(action="citizenship_letter.rendered").count() == 1


@needs_poppler
def test_a_refusal_letter_states_the_reasons_and_the_last_day_to_appeal(
    council_apis, case, hamid_api, tmp_path, settings
):
    settings.CITIZENSHIP_APPEAL_DAYS = 20
    vote(council_apis[0], case, "refuse", REFUSAL)
    vote(council_apis[1], case, "refuse", "ادعای تابعیت با مدارک ثابت نشد.")

    response = hamid_api.get(letter_url(case))

    assert response.status_code == 200
    letter = DecisionLetter.objects.get()
    decided_on = timezone.localtime(letter.decided_at).date()
    assert (letter.appeal_closes_on - decided_on).days == 20
    text = pdf_text(response.content, tmp_path)
    assert squash("رد درخواست") in text and squash("امنیتی منفی است") in text
    assert squash("راه اعتراض") in text and squash("به این تصمیم در دادگاه") in text
    assert squash(format_jalali(letter.appeal_closes_on, long=True)) in text
    assert squash(f"مهلت اعتراض {persian_digits(20)} روز") in text
    verdict = decision_letter_qr_verify(text=qr_of_pdf(response.content, tmp_path))
    assert verdict.is_valid
    assert verdict.claims.outcome == "refused"
    assert verdict.claims.appeal_closes_on == letter.appeal_closes_on
    assert verdict.claims.national_codes == ()


def test_after_a_court_overturns_a_refusal_a_new_letter_stands(
    council_apis, case, applicant_api, zahedan
):
    vote(council_apis[0], case, "refuse", REFUSAL)
    vote(council_apis[1], case, "refuse", REFUSAL)
    applicant_api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/appeal",
        {"grounds": "گواهی گواهان محلی و مدارک پدربزرگ نادیده گرفته شد."},
        "application/json",
    )
    lawyer = token_client(staff("lawyer", zahedan, Function.REGISTRY_LAWYER))
    ruled = lawyer.post(
        f"/api/v1/citizenship/cases/{case.case_number}/court-ruling",
        {"outcome": "overturned", "ruling_number": "140309987", "date": "1403/05/01"},
        "application/json",
    )

    assert ruled.json()["decision_letter_url"] == letter_url(case)
    assert list(DecisionLetter.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "refused",
        "approved",
    ]
    shown = applicant_api.get(f"/api/v1/citizenship/cases/{case.case_number}").json()
    assert shown["decision"]["letter_url"] == letter_url(case)
    newest = DecisionLetter.objects.order_by("pk").last()
    verdict = decision_letter_qr_verify(text=newest.qr_text)
    assert verdict.is_valid and len(verdict.claims.national_codes) == 3


def test_the_letter_is_only_for_the_applicant_and_the_cases_staff(
    council_apis, case, zabol_officer_api
):
    assert Client().get(letter_url(case)).status_code == 401
    before = CitizenSessionFactory(mobile=APPLICANT_MOBILE, token="applicant-2").token
    early = Client(headers={"Authorization": f"Bearer {before}"}).get(letter_url(case))
    assert early.status_code == 404 and early.json()["code"] == "LETTER_NOT_FOUND"

    vote(council_apis[0], case)
    vote(council_apis[1], case)

    other = CitizenSessionFactory(mobile="09350000000", token="someone-else").token
    for api in (Client(headers={"Authorization": f"Bearer {other}"}), zabol_officer_api):
        answer = api.get(letter_url(case))
        assert answer.status_code == 404 and answer.json()["code"] == "CASE_NOT_FOUND"
    assert not AuditEntry.objects.filter(action="citizenship_letter.rendered").exists()


def test_a_tampered_letter_qr_is_told_apart_and_is_never_read_as_a_receipt(council_apis, case):
    vote(council_apis[0], case, "refuse", REFUSAL)
    vote(council_apis[1], case, "refuse", REFUSAL)
    genuine = DecisionLetter.objects.get().qr_text
    cose = cbor2.loads(zlib.decompress(base45.b45decode(genuine[5:])))
    protected, unprotected, payload, signature = cose.value
    claims = cbor2.loads(payload)
    claims["dcl"] = {**claims["dcl"], "o": "approved"}
    forged = cbor2.dumps(
        cbor2.CBORTag(18, [protected, dict(unprotected), cbor2.dumps(claims), signature])
    )
    forged_text = "HVD1:" + base45.b45encode(zlib.compress(forged)).decode()

    assert decision_letter_qr_verify(text=genuine).status == "valid"
    assert decision_letter_qr_verify(text=forged_text).status == "tampered"
    assert decision_letter_qr_verify(text=genuine[:-6]).status == "malformed"
    assert receipt_qr_verify(text=genuine).status == "malformed"


def test_without_a_letter_signer_no_decision_is_taken(council_apis, case, monkeypatch):
    monkeypatch.setattr(hooks.decision_letter_sign, "_impls", {})
    vote(council_apis[0], case)

    answer = vote(council_apis[1], case)

    assert answer.status_code == 503 and answer.json()["code"] == "LETTER_SIGNING_UNAVAILABLE"
    assert Case.objects.get().status == "awaiting_decision"
    assert Vote.objects.count() == 1
    assert not Citizen.objects.exists() and not DecisionLetter.objects.exists()
    assert not SmsMessage.objects.filter(kind="citizenship_decided").exists()


def test_hoviat_letter_verify_reads_the_pdf_and_checks_it_against_a_saved_key_list(
    council_apis, case, applicant_api, client, tmp_path
):
    import io
    import json

    from django.core.management import CommandError, call_command

    vote(council_apis[0], case, "refuse", REFUSAL)
    vote(council_apis[1], case, "refuse", REFUSAL)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(applicant_api.get(letter_url(case)).content)
    keys = tmp_path / "receipt-keys.json"
    keys.write_text(json.dumps(client.get("/pki/receipt-keys").json()))
    out = io.StringIO()

    call_command("letter", "verify", "--image", str(pdf), "--keys", str(keys), stdout=out)

    printed = out.getvalue()
    assert "status:         valid" in printed
    assert case.case_number in printed and "refused" in printed
    letter = DecisionLetter.objects.get()
    assert f"appeal until:   {letter.appeal_closes_on.isoformat()}" in printed
    with pytest.raises(CommandError) as raised:
        call_command("letter", "verify", letter.qr_text[:-6], stdout=io.StringIO())
    assert raised.value.returncode == 1
