"""Maryam, director of Bushehr, reads her province's figures in a real browser."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hoviat.core.jalali import today_local
from hoviat.core.tests.factories import browser_sign_in
from hoviat.reports import exports, selectors
from hoviat.reports.tests.conftest import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_maryam_sees_only_her_province_reads_the_charts_and_downloads_the_csv(page, world):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto("/accounts/login/?next=/reports/")
    browser_sign_in(page, "maryam", PASSWORD)

    # The national dashboard sends her to her own province.
    expect(page).to_have_url(re.compile(r"/reports/province/IR-06/$"))
    expect(page.get_by_role("heading", name="آمار کارت ملی هوشمند — استان بوشهر")).to_be_visible()
    figures = selectors.figures_for(level="province", code="IR-06", as_of=today_local())
    expect(page.locator('[data-figure="coverage_pct"]')).to_have_text(
        exports.cell_text(figures.coverage_pct, "pct")
    )
    expect(page.get_by_role("link", name="کشور")).to_have_count(0)

    # Another province's page is refused, in Persian.
    response = page.goto("/reports/province/IR-07/")
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("استان خود")
    errors.clear()  # the browser logs the 403 itself; from here on nothing may fail

    # The chart page draws its three charts with Chart.js.
    page.goto("/reports/province/IR-06/")
    page.get_by_role("link", name="نمودارها").click()
    expect(page.get_by_role("heading", name="نمودارها — استان بوشهر")).to_be_visible()
    for chart in ("chart-monthly", "chart-queue", "chart-lead"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-rendered", "true")
        width = page.locator(f"#{chart}").evaluate("c => c.width")
        assert width > 100, chart
    assert page.evaluate("typeof Chart") == "function"
    assert page.evaluate("Object.keys(Chart.instances).length") == 3

    # The CSV download holds her province's figures.
    page.get_by_role("link", name="آمار استان").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("hoviat-IR-06-")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert first[header.index("کد")] == "IR-06"
    assert int(first[header.index("درخواست‌ها")]) == figures.requested
    assert first[header.index("پوشش (٪)")] == str(figures.coverage_pct)

    assert errors == []
