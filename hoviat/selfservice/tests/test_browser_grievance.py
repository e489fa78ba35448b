"""Filing a complaint in the browser, as a citizen does: sign in by SMS code, pick the late
card, write, and read the tracking number and due date."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hoviat.applications.tests.test_pages import _last_sms_code
from hoviat.selfservice.models import Grievance
from tests.factories import CardFactory

SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


def _screenshot(page, name: str) -> None:
    """Screenshots for a person to look at, when HOVIAT_SCREENSHOT_DIR names a directory."""
    target = os.environ.get("HOVIAT_SCREENSHOT_DIR")
    if not target:
        return
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(target) / f"{name}-{label}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_files_a_complaint_about_her_late_card_in_the_browser(page, sara, reza):
    card = CardFactory(application__citizen=sara, office=reza.office)
    page.goto("/citizen/sign-in/")
    page.get_by_label("شماره تلفن همراه").fill(sara.mobile)
    page.get_by_role("button", name="دریافت کد").click()
    page.get_by_label("کد پیامک‌شده").fill(_last_sms_code(sara.mobile))
    page.get_by_role("button", name="ورود").click()
    expect(page).to_have_url(re.compile(r"/citizen/$"))

    page.goto("/me/grievances/new/")
    page.get_by_role("button", name="ثبت شکایت").click()
    # Nothing written: the error summary at the top and the message beside the field.
    expect(page.get_by_test_id("error-summary")).to_contain_text("متن شکایت را بنویسید")
    _screenshot(page, "grievance-new-error")

    page.get_by_label("دربارهٔ کدام رویداد؟").select_option(f"card:{card.csn}")
    page.get_by_label("متن شکایت").fill("کارت من یک ماه است در دفتر مانده و کسی پاسخ نمی‌دهد.")
    page.get_by_role("button", name="ثبت شکایت").click()

    grievance = Grievance.objects.get()
    expect(page).to_have_url(re.compile(rf"/me/grievances/{grievance.number}/$"))
    expect(page.get_by_test_id("grievance-status")).to_have_text("در انتظار پاسخ")
    expect(page.get_by_test_id("grievance-number")).to_have_text(
        grievance.number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    )
    assert grievance.office == reza.office
    _screenshot(page, "grievance-detail")
    page.goto("/me/grievances/")
    expect(page.get_by_test_id("grievances")).to_contain_text("در انتظار پاسخ")
    _screenshot(page, "grievances")
