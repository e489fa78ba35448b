"""The other self-service pages in the browser: documents, contact details, and the staff's
complaint pages (answer, overdue). Screenshots when HOVIAT_SCREENSHOT_DIR is set."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from hoviat.applications.tests.test_pages import _last_sms_code
from hoviat.core.jalali import today_local
from hoviat.core.tests.factories import browser_sign_in
from hoviat.selfservice.models import Grievance
from hoviat.selfservice.services import grievance_file
from tests.factories import CardFactory, ReceiptFactory

from .test_browser_grievance import _screenshot


def citizen_browser_sign_in(page, mobile: str) -> None:
    page.goto("/citizen/sign-in/")
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="دریافت کد").click()
    page.get_by_label("کد پیامک‌شده").fill(_last_sms_code(mobile))
    page.get_by_role("button", name="ورود").click()
    expect(page).to_have_url(re.compile(r"/citizen/$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_sees_her_documents_and_contact_details(page, sara, reza):
    CardFactory(application__citizen=sara, status="active", office=reza.office)
    ReceiptFactory(enrolment__application__citizen=sara, enrolment__office=reza.office)
    citizen_browser_sign_in(page, sara.mobile)

    page.goto("/me/documents/")
    expect(page.get_by_test_id("cards")).to_contain_text("فعال")
    expect(page.get_by_role("link", name="دریافت PDF کارت دیجیتال")).to_be_visible()
    expect(page.get_by_test_id("receipts")).to_contain_text("رسید")
    _screenshot(page, "documents")

    page.goto("/me/contact/")
    page.get_by_label("شمارهٔ همراه تازه").fill("09179876543")
    page.get_by_role("button", name="فرستادن کد به هر دو شماره").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("به نام صاحب این کد ملی")
    _screenshot(page, "contact-error")
    page.get_by_label("شهرستان محل سکونت").select_option(label="بوشهر")
    page.get_by_role("button", name="ثبت محل سکونت").click()
    expect(page.get_by_test_id("suggested-offices")).to_contain_text(reza.office.name)
    _screenshot(page, "contact")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_director_sees_an_overdue_complaint_and_answers_it(page, sara, maryam):
    late = grievance_file(mobile=sara.mobile, text="پیامک آماده شدن کارت هرگز به من نرسید.")
    Grievance.objects.filter(pk=late.pk).update(due_on=today_local() - dt.timedelta(days=3))
    grievance_file(mobile=sara.mobile, text="استعلامی از بانک دیدم که خودم نخواسته بودم.")
    page.goto("/accounts/login/?next=/office/grievances/")
    browser_sign_in(page, "maryam", "correct horse battery")

    page.goto("/office/grievances/")
    expect(page.get_by_test_id("open").locator("tr.table-danger")).to_have_count(1)
    _screenshot(page, "staff-grievances")
    page.get_by_role("link", name="شکایت‌های دیرکرده").click()
    expect(page.get_by_test_id("overdue")).to_contain_text("هرگز به من نرسید")
    _screenshot(page, "staff-overdue")
    page.get_by_test_id("overdue").get_by_role("link").first.click()
    page.get_by_role("button", name="ثبت پاسخ و خبر دادن به شهروند").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("متن پاسخ را بنویسید")
    _screenshot(page, "staff-answer-error")
    page.get_by_label("پاسخ به شهروند").fill("پیامک دوباره فرستاده شد؛ کارت شما در دفتر است.")
    page.get_by_role("button", name="ثبت پاسخ و خبر دادن به شهروند").click()
    expect(page.get_by_test_id("answer")).to_contain_text("کارت شما در دفتر است")
    assert Grievance.objects.get(pk=late.pk).status == "answered"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_verify_page_says_a_suspended_digital_card_is_no_longer_valid(page, sara):
    from hoviat.production.models import Card
    from hoviat.selfservice.services import digital_card_qr

    card = CardFactory(application__citizen=sara, status="active")
    qr_text = digital_card_qr(card=card)
    Card.objects.filter(pk=card.pk).update(status="suspended")

    page.goto("/pki/verify/")
    page.get_by_label("متن کد QR رسید").fill(qr_text)
    page.get_by_role("button", name="بررسی رسید").click()

    expect(page.get_by_test_id("card-verdict-title")).to_have_text("✖ این کارت دیگر معتبر نیست")
    expect(page.get_by_test_id("card-standing")).to_contain_text("«معلق»")
    _screenshot(page, "verify-suspended-card")
