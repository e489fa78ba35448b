"""The page tour (tests/tour.py) in a real browser: every page fits a phone without a
page-level horizontal scroll, axe-core finds no serious or critical WCAG 2.2 AA violation,
a citizen gets from sign-in to a tracking code by keyboard alone, and `make screenshots`
draws every page at phone and desktop size."""

import os
from pathlib import Path

import pytest

from tests.tour import (
    DESKTOP,
    PHONE,
    ascii_digits_shown,
    axe_problems,
    horizontal_overflow,
    tour_data,
    walk,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone_without_a_page_level_horizontal_scroll(browser, live_server):
    data = tour_data()
    too_wide = {
        stop.name: overflow
        for page, stop in walk(browser, live_server.url, data, viewport=PHONE)
        if stop.ours and (overflow := horizontal_overflow(page)) > 0
    }
    assert too_wide == {}, "pages wider than a phone (px): " + str(too_wide)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_shows_ascii_digits_where_people_read_persian(browser, live_server):
    """Persian digits in text, hints and examples (placeholders); ASCII only in code samples
    and in values typed or matched character for character (marked translate="no")."""
    data = tour_data()
    found = {
        stop.name: digits
        for page, stop in walk(browser, live_server.url, data, viewport=PHONE)
        if stop.ours and (digits := ascii_digits_shown(page))
    }
    assert found == {}, "\n".join(f"{name}: {digits}" for name, digits in found.items())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser, live_server):
    data = tour_data()
    problems = {}
    for viewport in (DESKTOP, PHONE):
        for page, stop in walk(browser, live_server.url, data, viewport=viewport):
            if stop.ours and (found := axe_problems(page)):
                problems[f"{stop.name} @{viewport['width']}"] = found
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("HOVIAT_SCREENSHOTS"), reason="`make screenshots` (HOVIAT_SCREENSHOTS)"
)
def test_screenshots(browser, live_server):
    folder = Path(os.environ["HOVIAT_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    data = tour_data()
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        for page, stop in walk(browser, live_server.url, data, viewport=viewport):
            page.screenshot(path=folder / f"{stop.name}-{label}.png", full_page=True)


def tab_to(page, locator, *, limit: int = 40) -> None:
    """Press Tab until the element has the focus (the keyboard alone must reach it)."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => el === document.activeElement", target):
            return
    raise AssertionError(f"Tab never reached {locator}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sara_signs_in_and_pre_registers_with_the_keyboard_alone(page, sara):
    """Tab to each control, type, Enter to submit (arrows only inside the gender list)."""
    from playwright.sync_api import expect

    from hoviat.applications.tests.test_pages import _last_sms_code

    page.goto("/citizen/")
    tab_to(page, page.get_by_label("شماره تلفن همراه"))
    page.keyboard.type("۰۹۱۷۱۲۳۴۵۶۷")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="کد ورود")).to_be_visible()
    tab_to(page, page.get_by_label("کد پیامک‌شده"))
    page.keyboard.type(_last_sms_code("09171234567"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="درخواست‌های من")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="پیش‌ثبت‌نام کارت ملی هوشمند"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("کد ملی"))
    page.keyboard.type("0499370899")
    page.keyboard.press("Tab")
    page.keyboard.type("۲۰/الف ۱۲۳۴۵۶")
    page.keyboard.press("Tab")
    expect(page.get_by_label("تاریخ تولد")).to_be_focused()
    page.keyboard.type("۱۳۷۰/۰۵/۱۴")
    # The calendar follows the typed date (Mordad 1370), under the field, not over the form.
    calendar = page.locator("jdp-container")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".jdp-months select")).to_have_value("5")
    expect(calendar.locator(".jdp-years select")).to_have_value("1370")
    field_box = page.get_by_label("تاریخ تولد").bounding_box()
    assert calendar.bounding_box()["y"] >= field_box["y"] + field_box["height"]
    page.keyboard.press("Tab")
    expect(calendar).to_be_hidden()
    expect(page.get_by_label("نام کوچک مادر")).to_be_focused()
    page.keyboard.type("مریم")
    # Gender and the kind of request are radios with nothing chosen: Tab enters a group,
    # the arrow keys move inside it and choose.
    for label in ("زن", "صدور نخستین کارت"):
        choice = page.get_by_role("radio", name=label)
        page.keyboard.press("Tab")
        for _ in range(4):
            if choice.is_checked():
                break
            page.keyboard.press("ArrowDown")
        expect(choice).to_be_checked()
    tab_to(page, page.get_by_role("button", name="ادامه"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("answers")).to_contain_text("زن")
    tab_to(page, page.get_by_role("button", name="درست است؛ ثبت و دریافت کد رهگیری"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("status")).to_have_text("پیش‌ثبت‌نام شده")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_navbar_folds_behind_a_toggler_on_a_phone(browser, live_server, maryam):
    from playwright.sync_api import expect

    from conftest import PASSWORD
    from hoviat.core.tests.factories import browser_sign_in

    context = browser.new_context(
        locale="fa-IR", base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto("/accounts/login/?next=/reports/")
    browser_sign_in(page, "maryam", PASSWORD)
    statistics = page.get_by_role("navigation").get_by_role("link", name="آمار")
    expect(statistics).to_be_hidden()
    assert page.get_by_role("navigation").bounding_box()["height"] < 80
    toggler = page.get_by_role("button", name="باز و بسته کردن فهرست")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    toggler.click()
    expect(statistics).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    context.close()
