"""The office workspace pages: with Django's client for the rules, and with Chromium for the
whole visit as an operator lives it."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.test import Client
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in, staff_sign_in
from hoviat.core.text import persian_digits
from hoviat.enrolment.models import BiometricFile, Enrolment, Receipt
from hoviat.enrolment.tests.conftest import (
    PASSWORD,
    application_for,
    book,
    picture,
    slot_today,
)
from hoviat.pki.selectors import receipt_qr_verify


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


@pytest.mark.django_db
def test_the_workspace_lists_todays_appointments_and_checks_in_by_persian_digits(reza, sara_booked):
    client = signed_in(reza)

    home = client.get("/office/")
    assert home.status_code == 200
    assert "سارا محمدی" in home.content.decode()

    response = client.post("/office/check-in/", {"code": persian_digits(sara_booked.tracking_code)})

    enrolment = Enrolment.objects.get(application=sara_booked)
    assert response.status_code == 302
    assert response["Location"] == f"/office/enrolments/{enrolment.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "سارا محمدی" in page and "علی" in page  # name and father's name from the registry
    assert "۱۳۷۰" in page  # birth year, Jalali


@pytest.mark.django_db
def test_a_check_in_refusal_is_shown_in_persian(reza, sara, office):
    application = application_for(sara, status="expired")
    client = signed_in(reza)

    page = client.post("/office/check-in/", {"code": application.tracking_code}, follow=True)

    assert "منقضی" in page.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
def test_another_offices_enrolment_page_is_not_found(reza, omid, sara_booked):
    signed_in(reza).post("/office/check-in/", {"code": sara_booked.tracking_code})
    enrolment = Enrolment.objects.get()

    response = signed_in(omid).get(f"/office/enrolments/{enrolment.pk}/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_staff_who_are_not_at_an_office_are_turned_away(kaveh):
    assert signed_in(kaveh).get("/office/").status_code == 403


@pytest.mark.django_db
def test_the_workspace_needs_a_sign_in(client):
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_and_never_kept(
    reza, sara_booked, settings, biometric_store
):
    settings.BIOMETRIC_MAX_UPLOAD_BYTES = 20_000
    client = signed_in(reza)
    client.post("/office/check-in/", {"code": sara_booked.tracking_code})
    enrolment = Enrolment.objects.get()
    big = io.BytesIO(picture((600, 800), fmt="PNG") + b"\0" * 30_000)
    big.name = "face.png"

    page = client.post(f"/office/enrolments/{enrolment.pk}/face/", {"image": big}, follow=True)

    assert "حجم تصویر بیش از اندازهٔ مجاز است" in page.content.decode()
    assert not BiometricFile.objects.exists()


@pytest.mark.django_db
def test_an_uploaded_face_is_shown_back_only_through_the_private_image_view(
    reza, sara_booked, sara_face
):
    client = signed_in(reza)
    client.post("/office/check-in/", {"code": sara_booked.tracking_code})
    enrolment = Enrolment.objects.get()
    upload = io.BytesIO(sara_face)
    upload.name = "face.jpg"

    client.post(f"/office/enrolments/{enrolment.pk}/face/", {"image": upload})

    face = BiometricFile.objects.get(kind="face")
    assert face.source == "upload"
    image = client.get(f"/office/biometrics/{face.pk}/")
    assert image.status_code == 200
    assert image.content == sara_face
    assert "no-store" in image["Cache-Control"]


@pytest.mark.django_db
def test_a_finger_marked_missing_without_a_reason_is_refused(reza, sara_booked):
    client = signed_in(reza)
    client.post("/office/check-in/", {"code": sara_booked.tracking_code})
    enrolment = Enrolment.objects.get()

    page = client.post(
        f"/office/enrolments/{enrolment.pk}/fingers/3/",
        {"action": "missing", "reason": ""},
        follow=True,
    )

    assert "علت نبودن" in page.content.decode()
    assert Enrolment.objects.get().fingerprints == {}


# --- In Chromium -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs pdftoppm and zbarimg"
)
def test_an_operator_enrols_a_citizen_and_the_downloaded_receipts_qr_verifies(
    page, reza, sara, office, tmp_path
):
    application = application_for(sara)
    book(application, slot_today(office))

    page.goto("/office/")
    browser_sign_in(page, "reza", PASSWORD)
    expect(page.get_by_role("heading", name="میز ثبت‌نام حضوری")).to_be_visible()
    expect(page.get_by_test_id("appointments")).to_contain_text("سارا محمدی")

    page.get_by_label("کد رهگیری یا کد ملی").fill(persian_digits(application.tracking_code))
    page.get_by_role("button", name="پذیرش", exact=True).first.click()
    expect(page.get_by_role("heading", name="سارا محمدی")).to_be_visible()
    expect(page.get_by_test_id("enrolment-status")).to_have_text("در حال ثبت")

    page.get_by_label("اصل شناسنامه عکس‌دار دیده شد").check()
    page.get_by_label("اطلاعات فرم با ثبت احوال مطابقت دارد").check()
    page.get_by_role("button", name="ذخیرهٔ فهرست مدارک").click()
    page.get_by_test_id("face-device").click()
    expect(page.get_by_test_id("face-photo")).to_be_visible()
    page.get_by_role("button", name="ثبت همهٔ انگشت‌ها با دستگاه").click()
    expect(page.get_by_test_id("finger-10")).to_contain_text("ثبت شد")
    page.get_by_role("button", name="تکمیل ثبت‌نام و صدور رسید").click()

    expect(page.get_by_test_id("application-status")).to_have_text("ثبت‌نام حضوری انجام شده")
    shown_number = page.get_by_test_id("receipt-number").inner_text()
    receipt = Receipt.objects.get(application=application)
    assert shown_number == persian_digits(receipt.receipt_number)

    with page.expect_download() as download:
        page.get_by_role("link", name="دریافت رسید").click()
    pdf = tmp_path / "receipt.pdf"
    download.value.save_as(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    verdict = receipt_qr_verify(text=scanned)
    assert verdict.status == "valid"
    assert verdict.claims.receipt_number == receipt.receipt_number
    assert verdict.claims.national_code == "0499370899"


@pytest.mark.django_db
def test_a_refused_check_in_is_said_beside_the_code_field_with_the_code_kept(reza, sara_booked):
    client = signed_in(reza)

    response = client.post("/office/check-in/", {"code": "999999999999"})

    html = response.content.decode()
    assert response.status_code >= 400
    assert "data-error-summary" in html and 'href="#id_code"' in html
    assert 'id="id_code_error"' in html
    assert 'aria-describedby="id_code_help id_code_error"' in html and "is-invalid" in html
    assert 'value="999999999999"' in html


@pytest.mark.django_db
def test_a_counter_application_without_a_document_marks_the_document_field(reza, sara):
    client = signed_in(reza)

    response = client.post(
        "/office/counter/applications/",
        {"national_code": sara.national_code, "mobile": "09350000000", "document": ""},
    )

    html = response.content.decode()
    assert 'href="#id_counter_document"' in html
    assert 'id="id_counter_document_error"' in html
