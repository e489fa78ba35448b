"""CSV, XLSX and PDF files of the figures: the selector's numbers, Persian headers."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from hoviat.core.jalali import format_jalali, today_local
from hoviat.core.tests.factories import staff_sign_in
from hoviat.reports import exports, selectors

pytestmark = pytest.mark.django_db


def _csv_rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _by_header(rows):
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_the_province_csv_holds_the_province_its_counties_and_offices(client, world, maryam):
    staff_sign_in(client, maryam)
    response = client.get("/reports/province/IR-06/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    as_of = today_local()
    jalali_name = format_jalali(as_of, persian=False).replace("/", "-")
    assert response["Content-Disposition"] == (
        f'attachment; filename="hoviat-IR-06-{jalali_name}.csv"'
    )
    rows = _csv_rows(response)
    assert rows[0][:5] == ["سطح", "کد", "نام", "تاریخ گزارش", "تاریخ گزارش (میلادی، ISO)"]
    assert "پوشش (٪)" in rows[0]
    records = _by_header(rows)
    as_of = today_local()
    province = selectors.figures_for(level="province", code="IR-06", as_of=as_of)
    first = records[0]
    assert (first["سطح"], first["کد"], first["نام"]) == ("استان", "IR-06", "بوشهر")
    # People read the Jalali date, machines the ISO one beside it.
    assert first["تاریخ گزارش"] == format_jalali(as_of) and first["تاریخ گزارش"].startswith("۱۴")
    assert first["تاریخ گزارش (میلادی، ISO)"] == as_of.isoformat()
    assert int(first["درخواست‌ها"]) == province.requested > 0
    assert int(first["جمعیت واجد شرایط"]) == province.eligible
    assert int(first["کارت‌های تحویل‌شده"]) == province.issued
    assert int(first["در جریان صدور"]) == province.in_pipeline
    assert first["پوشش (٪)"] == str(province.coverage_pct)
    counties = selectors.counties_figures(province="IR-06", as_of=as_of)
    offices = selectors.offices_figures(province="IR-06", as_of=as_of)
    assert [r["سطح"] for r in records[1:]] == ["شهرستان"] * len(counties) + ["دفتر"] * len(offices)
    assert world.bushehr_office.code in [r["کد"] for r in records]
    # ASCII digits only in the data.
    assert not any(ch in "۰۱۲۳۴۵۶۷۸۹" for r in rows[1:] for cell in r[4:] for ch in cell)


def test_the_national_csv_has_the_nation_and_31_provinces(client, world, nasrin):
    staff_sign_in(client, nasrin)
    rows = _csv_rows(client.get("/reports/provinces.csv"))
    records = _by_header(rows)
    assert len(records) == 32
    assert records[0]["سطح"] == "کشور"
    provinces = selectors.provinces_figures(as_of=today_local())
    assert [r["کد"] for r in records[1:]] == [f.code for f in provinces]
    # Provinces with nobody eligible are not ranked: an empty cell, not a shared last rank.
    assert [int(r["رتبه"]) if r["رتبه"] else None for r in records[1:]] == [
        f.rank for f in provinces
    ]
    assert records[1]["رتبه"] == "1"
    assert all(r["رتبه"] == "" for r in records[1:] if r["جمعیت واجد شرایط"] == "0")


def test_the_province_xlsx_is_right_to_left_with_numbers_as_numbers(client, world, nasrin):
    staff_sign_in(client, nasrin)
    response = client.get("/reports/province/IR-06/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == exports_xlsx_type()
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["استان", "شهرستان‌ها", "دفاتر", "تعریف‌ها"]
    sheet = book["استان"]
    assert sheet.sheet_view.rightToLeft is True
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    province = selectors.figures_for(level="province", code="IR-06", as_of=today_local())
    assert values["کد"] == "IR-06"
    assert values["تاریخ گزارش"] == format_jalali(today_local())
    assert values["تاریخ گزارش (میلادی، ISO)"].date() == today_local()
    assert values["درخواست‌ها"] == province.requested
    assert isinstance(values["درخواست‌ها"], int)
    assert values["بدون اقدام"] == province.no_action
    assert values["پوشش (٪)"] == pytest.approx(float(province.coverage_pct))
    assert isinstance(values["پوشش (٪)"], int | float)  # a number, not text
    assert sheet.cell(row=2, column=header.index("پوشش (٪)") + 1).number_format == "0.00"
    offices = book["دفاتر"]
    assert world.bushehr_office.code in [c.value for c in offices["B"]]
    definitions = book["تعریف‌ها"]
    assert definitions.max_row == len(exports.COLUMNS) + 1


def exports_xlsx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_national_xlsx_ranks_31_provinces(client, world, nasrin):
    staff_sign_in(client, nasrin)
    book = load_workbook(io.BytesIO(client.get("/reports/provinces.xlsx").content))
    sheet = book["استان‌ها"]
    assert sheet.sheet_view.rightToLeft is True
    assert sheet.max_row == 32
    header = [c.value for c in sheet[1]]
    eligible = [
        row[header.index("جمعیت واجد شرایط")] for row in sheet.iter_rows(2, values_only=True)
    ]
    assert all(isinstance(v, int) for v in eligible)
    nation = book["کشور"]
    nation_values = dict(zip(header, [c.value for c in nation[2]], strict=True))
    assert nation_values["جمعیت واجد شرایط"] == sum(eligible)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_province_report_is_a_real_pdf_with_the_name_and_coverage(client, world, maryam):
    staff_sign_in(client, maryam)
    response = client.get("/reports/province/IR-06/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    province = selectors.figures_for(level="province", code="IR-06", as_of=today_local())
    assert "بوشهر" in text
    assert exports.cell_text(province.coverage_pct, "pct") in text
    assert exports.cell_text(province.requested, "int") in text
    assert "تعریف" in text  # the definitions travel with the figures
    pages = subprocess.run(
        ["pdfinfo", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert (
        int(next(line for line in pages.splitlines() if line.startswith("Pages:")).split()[1]) <= 2
    )


def test_the_csv_cells_keep_ascii_digits_and_the_page_persian_ones():
    from decimal import Decimal

    assert exports._csv_cell(Decimal("93.87")) == "93.87"
    assert exports.cell_text(Decimal("93.87"), "pct") == "۹۳٫۸۷"
    assert exports.cell_text(727592, "int") == "۷۲۷٬۵۹۲"
    assert exports.cell_text(None, "int") == "—"
