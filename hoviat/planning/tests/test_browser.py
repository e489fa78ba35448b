"""In a real browser: Maryam reads the promise accuracy chart; Sara reads her promise."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in
from hoviat.planning.services import promises_make
from hoviat.planning.sweeps import run as planning_sweep
from hoviat.planning.tests.test_accuracy import history  # noqa: F401  (fixture)
from hoviat.production.models import CardBodyLedger, LedgerKind
from hoviat.reports.tests.conftest import PASSWORD
from tests.factories import ApplicationFactory
from tests.tour import PHONE, axe_problems, horizontal_overflow

# Set HOVIAT_SCREENSHOTS to a directory to keep the pages as pictures (phone and desktop).
SHOTS = os.environ.get("HOVIAT_SCREENSHOTS")


def _shoot(page, name: str) -> None:
    if not SHOTS:
        return
    for width, height in ((390, 844), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # the chart follows the new width
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_maryam_reads_the_accuracy_chart_and_sara_her_promise(page, history, maryam, sara):  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    planning_sweep()

    page.goto("/accounts/login/?next=/planning/accuracy/")
    browser_sign_in(page, "maryam", PASSWORD)

    expect(
        page.get_by_role("heading", name="دقت وعدهٔ آماده شدن کارت — استان بوشهر")
    ).to_be_visible()
    expect(page.locator("#accuracy-chart")).to_have_attribute("data-rendered", "true")
    assert page.evaluate("Object.keys(Chart.instances).length") == 1
    expect(page.get_by_test_id("accuracy-table")).to_contain_text("آذر ۱۴۰۵")
    _shoot(page, "accuracy")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    assert horizontal_overflow(page) == 0
    assert axe_problems(page) == []

    CardBodyLedger.objects.create(
        kind=LedgerKind.DELIVERY, quantity=100, at=timezone.now() - dt.timedelta(days=1)
    )
    application = ApplicationFactory(citizen=sara, status="enrolled")
    promises_make(application_ids=[application.pk], point="enrolment")
    page.goto("/track/")
    page.get_by_label("کد ملی").fill(sara.national_code)
    page.get_by_label("کد رهگیری").fill(application.tracking_code)
    page.get_by_role("button", name="پیگیری").click()
    expect(page.get_by_test_id("promise")).to_contain_text("با اطمینان ۹ از ۱۰ بین")
    _shoot(page, "promise")
    assert axe_problems(page) == []
    assert errors == []
