import re

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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_running_run_moves_its_progress_bar_without_a_reload(
    page, kaveh, reza, bushehr_post_office, pki
):
    from hoviat.core.jalali import today_local
    from hoviat.production.models import PersonalisationRun
    from hoviat.production.services import production_run_start, stock_deliver

    enrolled(bushehr_post_office, reza, n=2)
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    run = production_run_start(date=today_local(), actor=kaveh)  # started, no worker yet

    page.goto("/accounts/login/?next=/production/runs/")
    browser_sign_in(page, "kaveh", PASSWORD)
    box = page.get_by_test_id("run-progress")
    expect(box).to_contain_text("۰ از ۲ کارت")
    page.evaluate("window.__notReloaded = true")

    PersonalisationRun.objects.filter(pk=run.pk).update(personalised=1)
    expect(box).to_contain_text("۱ از ۲ کارت (۵۰٪)", timeout=10_000)
    expect(page.locator("#run-progress-bar")).to_have_attribute("value", "50")

    PersonalisationRun.objects.filter(pk=run.pk).update(personalised=2, status="completed")
    expect(box).to_contain_text("پایان یافته", timeout=10_000)
    expect(box).to_have_class(re.compile("alert-success"))
    assert page.evaluate("window.__notReloaded") is True


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_wrong_delivery_is_summarised_and_each_summary_line_leads_to_its_field(page, kaveh):
    import os
    from pathlib import Path

    from tests.tour import DESKTOP, PHONE, axe_problems

    page.goto("/accounts/login/?next=/production/stock/")
    browser_sign_in(page, "kaveh", PASSWORD)
    page.get_by_label("شماره محموله").fill("LOT-7")
    page.get_by_label("تعداد").fill("-۴")
    page.get_by_role("button", name="ثبت").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_label("تعداد")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("شماره محموله")).to_have_value("LOT-7")
    summary.get_by_role("link").click()
    expect(page.get_by_label("تعداد")).to_be_focused()
    assert axe_problems(page) == []
    if folder := os.environ.get("HOVIAT_SCREENSHOTS"):
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(
                path=Path(folder) / f"production-stock-error-{label}.png", full_page=True
            )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_order_of_card_bodies_is_placed_then_arrives_into_the_stock(page, kaveh):
    import datetime as dt
    import os
    from pathlib import Path

    from hoviat.core.jalali import format_jalali, today_local
    from tests.tour import DESKTOP, PHONE, axe_problems

    page.goto("/accounts/login/?next=/production/stock/")
    browser_sign_in(page, "kaveh", PASSWORD)
    # A day gone by is refused beside the date, in Persian.
    page.get_by_label("شمار بدنه‌های سفارش‌داده").fill("۵٬۰۰۰")
    page.get_by_label("تاریخ تحویل پیش‌بینی‌شده").fill(
        format_jalali(today_local() - dt.timedelta(days=1))
    )
    page.get_by_label("شمارهٔ سفارش تأمین‌کننده").fill("SUP-1405-12")
    page.get_by_role("button", name="افزودن سفارش").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("تاریخ تحویل پیش‌بینی‌شده گذشته است")
    expect(page.get_by_label("تاریخ تحویل پیش‌بینی‌شده")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("تاریخ تحویل پیش‌بینی‌شده").fill(
        format_jalali(today_local() + dt.timedelta(days=12))
    )
    page.get_by_role("button", name="افزودن سفارش").click()
    orders = page.get_by_test_id("orders")
    expect(orders).to_contain_text("SUP-1405-12")
    expect(orders).to_contain_text("۵٬۰۰۰")
    assert axe_problems(page) == []
    if folder := os.environ.get("HOVIAT_SCREENSHOTS"):
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(
                path=Path(folder) / f"production-stock-orders-{label}.png", full_page=True
            )
    page.get_by_role("button", name="رسید سفارش SUP-1405-12").click()
    expect(page.get_by_test_id("stock")).to_have_text("۵٬۰۰۰")
    expect(page.get_by_test_id("orders")).to_contain_text("سفارشی در راه نیست")
