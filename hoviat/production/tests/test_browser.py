import pytest
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in
from hoviat.production.tests.conftest import PASSWORD, enrolled


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_production_operator_takes_a_delivery_and_runs_the_queue(
    page, kaveh, reza, bushehr_post_office, pki
):
    enrolled(bushehr_post_office, reza, n=2)

    page.goto("/accounts/login/?next=/production/")
    browser_sign_in(page, "kaveh", PASSWORD)
    expect(page.get_by_role("heading", name="تولید کارت")).to_be_visible()

    page.get_by_role("link", name="بدنه کارت").click()
    page.get_by_label("شماره محموله").fill("LOT-1405-09")
    page.get_by_label("تعداد").fill("۱۰")
    page.get_by_role("button", name="ثبت").click()
    expect(page.get_by_text("LOT-1405-09")).to_be_visible()

    page.get_by_role("link", name="اجراهای شخصی‌سازی").click()
    page.get_by_role("button", name="آغاز اجرا").click()
    runs = page.get_by_test_id("runs")
    expect(runs.locator("tbody tr").first).to_contain_text("۲")

    page.get_by_role("link", name="محموله‌ها").click()
    expect(page.get_by_text("اداره پست مرکزی بوشهر")).to_be_visible()
