import os

import pytest
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in
from hoviat.planning.models import PlanRun
from hoviat.planning.plan_services import plan_run_execute

PASSWORD = "correct horse battery"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_director_sees_the_plan_charts_and_a_queued_what_if_progress_bar(page, nasrin):
    done = PlanRun.objects.create(
        kind="whatif",
        inputs={
            "shifts": 4,
            "seat_percent": 100,
            "order_count": 1_500_000,
            "order_day": 170,
            "months": 12,
        },
    )
    plan_run_execute(run_id=done.pk)
    PlanRun.objects.create(kind="plan", inputs={"target_days": 30, "months": 12})  # waiting

    page.goto("/accounts/login/?next=/planning/plan/")
    browser_sign_in(page, "nasrin", PASSWORD)
    expect(page.get_by_role("heading", name="برنامهٔ ظرفیت: کارت در کمتر از یک ماه")).to_be_visible()
    for chart in ("chart-queue", "chart-lead", "chart-cover"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("plan-progress")).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("plan-months")).to_contain_text("اسفند ۱۴۰۵")
    folder = os.environ.get("HOVIAT_SCREENSHOTS")
    if folder:
        for width, height in ((390, 844), (1366, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=f"{folder}/plan-{width}.png", full_page=True)
