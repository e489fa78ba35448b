"""The whole citizen journey in a real browser on a phone-sized screen: sign in by SMS code,
pre-register, pick an office and a time, pay in the sandbox bank, and track the application."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hoviat.applications.models import Application
from hoviat.applications.tests.test_pages import close_date_picker, sign_in
from hoviat.booking.models import Booking
from hoviat.booking.services import slots_generate
from hoviat.core.jalali import format_jalali
from hoviat.core.tests.factories import audit_log_holds
from hoviat.offices.selectors import add_working_days


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sara_pre_registers_books_pays_and_tracks(browser, live_server, sara, bushehr_post_office):
    office = bushehr_post_office
    today = timezone.localdate()
    visit_day = add_working_days(start=today, days=2, office=office)
    slots_generate(office=office, start=today, end=visit_day)
    context = browser.new_context(
        locale="fa-IR",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()

    sign_in(page)
    page.get_by_role("link", name="پیش‌ثبت‌نام کارت ملی هوشمند").click()
    page.get_by_label("کد ملی").fill("۰۴۹۹۳۷۰۸۹۹")
    page.get_by_label("سری و سریال شناسنامه").fill("۲۰/الف ۱۲۳۴۵۶")
    page.get_by_label("تاریخ تولد").fill("۱۳۷۰/۰۵/۱۴")
    close_date_picker(page)
    page.get_by_label("نام کوچک مادر").fill("مریم")
    page.get_by_role("radio", name="زن").check()
    page.get_by_role("radio", name="صدور نخستین کارت").check()
    page.get_by_role("button", name="ادامه").click()
    page.get_by_role("button", name="درست است؛ ثبت و دریافت کد رهگیری").click()
    expect(page.get_by_test_id("status")).to_have_text("پیش‌ثبت‌نام شده")

    # Book: the office list for the wished day, most free seats first; then a time.
    page.get_by_role("link", name="گرفتن نوبت").click()
    page.get_by_label("تاریخ مراجعه").fill(format_jalali(visit_day, persian=False))
    close_date_picker(page)
    page.get_by_role("button", name="جست‌وجوی دفاتر").click()
    page.get_by_role("link", name=office.name).click()
    page.locator("a[data-slot]").first.click()
    expect(page.get_by_test_id("booking-check")).to_contain_text(office.name)
    page.get_by_role("button", name="درست است؛ گرفتن نوبت").click()
    expect(page.get_by_role("alert").first).to_contain_text("نگه داشته شد")

    # Pay in the sandbox bank; the held seat becomes a booking.
    page.get_by_role("button", name="پرداخت هزینه").click()
    page.get_by_label("شماره کارت").fill("6037-9900-0000-0000")
    page.get_by_label("CVV2").fill("123")
    page.get_by_label("ماه انقضا").fill("12")
    page.get_by_label("سال انقضا").fill("08")
    page.get_by_label("رمز دوم پویا").fill("123456")
    page.get_by_role("button", name="پرداخت", exact=True).click()
    expect(page.get_by_test_id("payment-result")).to_contain_text("با موفقیت")

    application = Application.objects.get(citizen=sara)
    assert application.status == "booked"
    assert Booking.objects.get(application=application).status == "booked"

    # Track without signing in.
    page.goto("/track/")
    page.get_by_label("کد ملی").fill("0499370899")
    page.get_by_label("کد رهگیری").fill(
        application.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    )
    page.get_by_role("button", name="پیگیری").click()
    expect(page.get_by_test_id("status")).to_have_text("نوبت گرفته شده")
    expect(page.get_by_text(office.name)).to_be_visible()
    steps = page.locator("ol li").all_inner_texts()
    assert [s.split("\n")[0] for s in steps][:3] == [
        "پیش‌ثبت‌نام شده",
        "هزینه پرداخت شده",
        "نوبت گرفته شده",
    ]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert audit_log_holds()
    context.close()
