"""In a real browser the Content-Security-Policy refuses nothing on the main pages: every
script and style they need comes from the site's own files, and those still work."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from hoviat.applications.tests.test_pages import sign_in
from hoviat.core.tests.factories import browser_sign_in


def watch_the_console(page) -> list[str]:
    """Console errors and uncaught exceptions; Chromium reports each CSP refusal as one."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def staff_sign_in(page, username: str, next_url: str) -> None:
    """Password, then the authenticator's code (the second-factor page runs under the CSP too)."""
    page.goto(f"/accounts/login/?next={next_url}")
    browser_sign_in(page, username, PASSWORD)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_signs_in_and_opens_the_date_picker_without_a_csp_refusal(page, sara):
    problems = watch_the_console(page)
    sign_in(page)
    page.goto("/citizen/apply/")
    page.locator("[data-jdp]").first.click()
    expect(page.locator("jdp-container")).to_be_visible()
    page.goto("/pki/verify/")
    expect(page.get_by_role("button").last).to_be_visible()
    assert problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_pages_with_charts_run_under_the_csp(page, reza, nasrin, kaveh):
    problems = watch_the_console(page)
    staff_sign_in(page, "reza", "/office/")
    expect(page).to_have_url("/office/")
    page.context.clear_cookies()

    staff_sign_in(page, "nasrin", "/reports/")
    page.locator('[data-bs-toggle="tooltip"]').first.hover()
    expect(page.get_by_role("tooltip")).to_be_visible()
    # No figures yet: the charts page says so instead of drawing bare axes (charts drawn from
    # figures are in reports/tests/test_browser.py, under the same policy).
    page.goto("/reports/charts/")
    expect(page.locator('[data-empty-chart="monthly"]')).to_contain_text("داده‌ای نیست")
    page.context.clear_cookies()

    from hoviat.production.services import stock_deliver

    stock_deliver(quantity=500, lot="LOT-CSP", actor=kaveh)
    staff_sign_in(page, "kaveh", "/production/stock/")
    expect(page.locator("#stock-chart")).to_have_attribute("data-rendered", "true")
    assert problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_swagger_ui_of_the_api_works_under_the_csp(page):
    problems = watch_the_console(page)
    page.goto("/api/v1/docs")
    expect(page.locator("#swagger-ui .info .title")).to_be_visible()
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    assert problems == []
