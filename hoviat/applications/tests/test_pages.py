import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from hoviat.notifications.models import SmsMessage

PERSIAN_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def _last_sms_code(mobile: str) -> str:
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    return re.search(r"[۰-۹]{6}", body).group(0).translate(PERSIAN_TO_ASCII)


def close_date_picker(page):
    """Escape closes the Jalali picker once it has finished opening (it ignores it before).

    The picker opens a moment after the field takes the focus, under the field, pushing the
    form down: wait for it first, or it opens after this returns and moves what is clicked next.
    """
    picker = page.locator("jdp-container")
    try:
        picker.wait_for(state="visible", timeout=3000)
    except PlaywrightTimeoutError:
        return
    for _ in range(10):
        page.keyboard.press("Escape")
        if picker.is_hidden():
            return
        page.wait_for_timeout(100)
    expect(picker).to_be_hidden()


def sign_in(page, mobile="۰۹۱۷۱۲۳۴۵۶۷"):
    page.goto("/citizen/")
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="دریافت کد").click()
    expect(page.get_by_role("heading", name="کد ورود")).to_be_visible()
    page.get_by_label("کد پیامک‌شده").fill(_last_sms_code("09171234567"))
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("heading", name="درخواست‌های من")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sara_signs_in_pre_registers_and_tracks_on_a_phone(browser, live_server, sara):
    context = browser.new_context(
        locale="fa-IR",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    page = context.new_page()
    sign_in(page)

    page.get_by_role("link", name="پیش‌ثبت‌نام کارت ملی هوشمند").click()
    page.get_by_label("کد ملی").fill("۰۴۹۹۳۷۰۸۹۹")
    page.get_by_label("سری و سریال شناسنامه").fill("۲۰/الف ۱۲۳۴۵۶")
    page.get_by_label("تاریخ تولد").fill("۱۳۷۰/۰۵/۱۴")
    close_date_picker(page)
    page.get_by_label("نام کوچک مادر").fill("مريم")  # Arabic yeh: normalised, still matches
    page.get_by_role("radio", name="زن").check()
    page.get_by_role("radio", name="صدور نخستین کارت").check()
    page.get_by_role("button", name="ادامه").click()
    expect(page.get_by_test_id("answers")).to_contain_text("زن")
    page.get_by_role("button", name="درست است؛ ثبت و دریافت کد رهگیری").click()

    expect(page.get_by_test_id("status")).to_have_text("پیش‌ثبت‌نام شده")
    tracking = page.locator("strong.ltr").first.inner_text().translate(PERSIAN_TO_ASCII)
    assert len(tracking) == 12

    page.goto("/track/")
    page.get_by_label("کد ملی").fill("0499370899")
    page.get_by_label("کد رهگیری").fill(tracking)
    page.get_by_role("button", name="پیگیری").click()
    expect(page.get_by_test_id("status")).to_have_text("پیش‌ثبت‌نام شده")
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_registry_mismatch_is_shown_in_persian_without_saying_which_field(page, sara):
    sign_in(page)
    page.goto("/citizen/apply/")
    page.get_by_label("کد ملی").fill("0499370899")
    page.get_by_label("سری و سریال شناسنامه").fill("۲۰/الف ۱۲۳۴۵۶")
    page.get_by_label("تاریخ تولد").fill("1370/05/14")
    close_date_picker(page)
    page.get_by_label("نام کوچک مادر").fill("زهرا")
    page.get_by_role("radio", name="زن").check()
    page.get_by_role("radio", name="صدور نخستین کارت").check()
    page.get_by_role("button", name="ادامه").click()
    page.get_by_role("button", name="درست است؛ ثبت و دریافت کد رهگیری").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("اطلاعات واردشده با سوابق ثبت احوال مطابقت ندارد.")
    expect(summary).to_be_focused()
    expect(page.get_by_test_id("mismatch-check")).to_contain_text("نام کوچک مادر")
    expect(page.get_by_test_id("tries-left")).to_contain_text("بار دیگر")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_error_summary_is_focused_and_its_links_move_to_the_fields(page, sara):
    sign_in(page)
    page.goto("/citizen/apply/")
    page.get_by_label("کد ملی").fill("0499370899")
    page.get_by_role("button", name="ادامه").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("مشکلی پیش آمده است")
    summary.get_by_role("link", name="جنسیت را همان‌گونه که در شناسنامه آمده انتخاب کنید.").click()
    expect(page.locator("#id_gender_0")).to_be_focused()
    expect(page.locator("#id_mother_name")).to_have_attribute("aria-invalid", "true")
    # Nothing is chosen for her.
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_wrong_sms_code_is_refused_on_the_page(page, sara):
    page.goto("/citizen/sign-in/")
    page.get_by_label("شماره تلفن همراه").fill("09171234567")
    page.get_by_role("button", name="دریافت کد").click()
    page.get_by_label("کد پیامک‌شده").fill(
        "000000" if _last_sms_code("09171234567") != "000000" else "111111"
    )
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("alert")).to_contain_text("نادرست")
