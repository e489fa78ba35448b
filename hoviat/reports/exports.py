"""Figures as files: CSV (UTF-8 with BOM), XLSX (right to left) and a printable PDF report.

Headers are Persian, data are numbers with ASCII digits, so a spreadsheet can add them up.
The same column list and definitions feed the pages, the files and docs/figures.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from hoviat.core.jalali import format_jalali
from hoviat.core.text import persian_digits, persian_number
from hoviat.enrolment.pdf import _font_urls

LEVELS = {"nation": "کشور", "province": "استان", "county": "شهرستان", "office": "دفتر"}


@dataclass(frozen=True)
class Column:
    attr: str
    label: str
    kind: str  # "int" | "pct" | "days" | "text"
    definition: str


# The rate window, as every rate's definition words it (selectors.rate_window).
_WINDOW = "در سه ماه کامل شمسی پیش از ماه تاریخ گزارش (ماه جاری شمرده نمی‌شود)"

COLUMNS: tuple[Column, ...] = (
    Column(
        "eligible",
        "جمعیت واجد شرایط",
        "int",
        "افراد در قید حیات با شناسنامهٔ عکس‌دار که در تاریخ گزارش دست‌کم ۱۵ سال دارند، "
        "به استان و شهرستان محل سکونت در ثبت جمعیت؛ در سطح دفتر ۰.",
    ),
    Column(
        "requested",
        "درخواست‌ها",
        "int",
        "افرادی که تا پایان تاریخ گزارش دست‌کم یک بار درخواست کارت داده‌اند؛ هر نفر یک بار، در "
        "روز نخستین درخواستش، به محل سکونت. در سطح دفتر: ثبت‌نام‌های حضوری همان "
        "دفتر.",
    ),
    Column(
        "issued",
        "کارت‌های تحویل‌شده",
        "int",
        "افرادی که تا پایان تاریخ گزارش نخستین کارت هوشمند خود را تحویل گرفته‌اند، به محل سکونت. "
        "در سطح دفتر: کارت‌هایی که همان دفتر تحویل داده است.",
    ),
    Column(
        "in_queue",
        "در صف تولید",
        "int",
        "درخواست‌هایی که ثبت‌نام حضوری شده‌اند و کارتشان هنوز به دفتر نرسیده (در انتظار تولید، "
        "در تولید، تولیدشده یا در راه)، منهای آنها که پس از ثبت‌نام رد شده‌اند؛ به محل سکونت. "
        "در سطح دفتر: ثبت‌نام‌های همان دفتر که کارتشان هنوز به آن نرسیده است.",
    ),
    Column(
        "uncollected",
        "کارت‌های تحویل‌نشده در دفاتر",
        "int",
        "کارت‌هایی که به دفتر رسیده‌اند و نه تحویل شده‌اند و نه باطل؛ به دفتری که کارت در آن است.",
    ),
    Column(
        "in_pipeline",
        "در جریان صدور",
        "int",
        "درخواست‌ها منهای کارت‌های تحویل‌شده، نه کمتر از صفر: "
        "همهٔ کسانی که درخواست داده‌اند و هنوز کارت ندارند، در هر مرحله؛ همان «در صف "
        "صدور» خبرها.",
    ),
    Column(
        "no_action",
        "بدون اقدام",
        "int",
        "جمعیت واجد شرایط منهای درخواست‌ها، نه کمتر از صفر؛ در سطح دفتر ۰.",
    ),
    Column(
        "coverage_pct",
        "پوشش (٪)",
        "pct",
        "درخواست‌ها تقسیم بر جمعیت واجد شرایط ضرب در ۱۰۰، گرد شده (نیم به بالا) تا دو رقم "
        "اعشار؛ بی جمعیت واجد شرایط، و در سطح دفتر، ۰٫۰۰.",
    ),
    Column(
        "issued_pct",
        "صدور (٪)",
        "pct",
        "کارت‌های تحویل‌شده تقسیم بر جمعیت واجد شرایط ضرب در ۱۰۰، گرد شده (نیم به بالا) تا دو "
        "رقم اعشار؛ بی جمعیت واجد شرایط، و در سطح دفتر، ۰٫۰۰.",
    ),
    Column(
        "rank",
        "رتبه",
        "int",
        "رتبهٔ استان در میان استان‌ها به ترتیب پوشش (۱ = بیشترین پوشش)؛ پوشش برابر، رتبهٔ "
        "برابر و رتبهٔ بعدی به شمار استان‌های پیش از آن (۱، ۲، ۲، ۴)؛ فقط برای استان، و فقط "
        "استانی که جمعیت واجد شرایط دارد (بی آن پوششی نیست که بسنجیم).",
    ),
    Column(
        "lead_ready_median_days",
        "میانهٔ زمان تا آماده‌شدن (روز)",
        "days",
        "میانهٔ روزهای تقویمی (به وقت تهران) میان ثبت‌نام حضوری و رسیدن کارت به دفتر، برای "
        f"کارت‌هایی که {_WINDOW} به دفتر رسیده‌اند؛ بیش از ۳۶۵ روز، ۳۶۵ شمرده می‌شود؛ به دفتر.",
    ),
    Column(
        "lead_ready_p90_days",
        "صدک ۹۰ زمان تا آماده‌شدن (روز)",
        "days",
        "همان فاصله در صدک ۹۰ (نزدیک‌ترین رتبه): ۹۰٪ کارت‌ها در این مدت یا کمتر آماده شده‌اند.",
    ),
    Column(
        "lead_handover_median_days",
        "میانهٔ زمان تا تحویل (روز)",
        "days",
        "میانهٔ روزهای تقویمی میان ثبت‌نام حضوری و تحویل کارت به متقاضی، برای تحویل‌های "
        f"{_WINDOW}؛ بیش از ۳۶۵ روز، ۳۶۵؛ به دفتر تحویل.",
    ),
    Column(
        "lead_handover_p90_days",
        "صدک ۹۰ زمان تا تحویل (روز)",
        "days",
        "همان فاصله در صدک ۹۰ (نزدیک‌ترین رتبه): ۹۰٪ کارت‌ها در این مدت یا کمتر تحویل شده‌اند.",
    ),
    Column(
        "within_goal_pct",
        "تحویل در مهلت هدف (٪)",
        "pct",
        f"سهم تحویل‌های انجام‌شده {_WINDOW} که حداکثر ۳۰ روز (هدف سازمان) "
        "پس از ثبت درخواست انجام شده‌اند، از همهٔ تحویل‌های همان دوره؛ به دفتر تحویل "
        "",
    ),
    Column(
        "no_show_pct",
        "عدم حضور در نوبت (٪)",
        "pct",
        f"نوبت‌هایی که روزشان {_WINDOW} است و متقاضی در آنها حاضر نشد، تقسیم بر نوبت‌های "
        "حاضرشده و غایب؛ به دفتر نوبت.",
    ),
    Column(
        "sms_failure_pct",
        "پیامک ناموفق (٪)",
        "pct",
        f"پیامک‌های ساخته‌شده {_WINDOW} که ناموفق یا نرسیده ماندند، تقسیم بر پیامک‌هایی که از "
        "صف ارسال بیرون رفتند. کشور: همهٔ پیامک‌ها؛ استان و شهرستان: "
        "پیامک‌های درخواست‌های ساکنان آن؛ دفتر: ندارد.",
    ),
    Column(
        "card_body_stock",
        "موجودی بدنهٔ کارت",
        "int",
        "بدنه‌های خام کارت در تولید مرکزی (تهران) در پایان روز گزارش، از دفتر موجودی تولید؛ فقط "
        "در سطح کشور.",
    ),
    Column(
        "days_of_cover",
        "روزهای پوشش موجودی",
        "days",
        "موجودی بدنهٔ کارت تقسیم بر مصرف روزانه (مصرف و ضایعات) در ۳۰ روز منتهی به پایان روز "
        "گزارش، با یک رقم اعشار؛ فقط در سطح کشور. بی مصرف در آن ۳۰ روز، یا اگر برآورد از ۳۶۵ "
        "روز بگذرد (مصرفی ناچیز که آینده را نمی‌گوید)، «—» با دلیل آن.",
    ),
)
COLUMN = {c.attr: c for c in COLUMNS}
# The counting columns of the tables: what the source articles quote.
TABLE_ATTRS = (
    "eligible",
    "requested",
    "issued",
    "in_pipeline",
    "uncollected",
    "no_action",
    "coverage_pct",
    "issued_pct",
)
# At office level the residence figures mean nothing (see selectors.Figures): "requested" is
# the applications enrolled there, "issued" the cards it handed over.
OFFICE_TABLE_ATTRS = (
    "requested",
    "issued",
    "in_queue",
    "uncollected",
    "lead_ready_median_days",
    "lead_handover_median_days",
    "within_goal_pct",
    "no_show_pct",
)
RESIDENCE_ONLY = ("eligible", "no_action", "coverage_pct", "issued_pct", "sms_failure_pct")
# People read the Jalali date; machines the ISO one beside it.
HEAD_ATTRS = ("level", "code", "name", "as_of", "as_of_iso")
HEAD_LABELS = {
    "level": "سطح",
    "code": "کد",
    "name": "نام",
    "as_of": "تاریخ گزارش",
    "as_of_iso": "تاریخ گزارش (میلادی، ISO)",
}


def file_name(stem: str, as_of: dt.date, extension: str) -> str:
    """hoviat-IR-06-1405-09-14.csv: the report date in the Jalali calendar (ASCII digits, so
    every system can store the name)."""
    day = format_jalali(as_of, persian=False).replace("/", "-")
    return f"{stem}-{day}.{extension}"


def definitions() -> list[Column]:
    return list(COLUMNS)


def _plain(value):
    """A cell value for a file: numbers stay numbers, Decimal to float for XLSX."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _row(figures) -> list:
    head = [
        LEVELS.get(figures.level, figures.level),
        figures.code,
        figures.name,
        format_jalali(figures.as_of),
        figures.as_of,
    ]
    return head + [getattr(figures, c.attr, None) for c in COLUMNS]


def _header() -> list[str]:
    return [HEAD_LABELS[a] for a in HEAD_ATTRS] + [c.label for c in COLUMNS]


def figures_csv(rows) -> bytes:
    """UTF-8 with a BOM: Excel then opens the Persian headers as Persian."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header())
    for figures in rows:
        writer.writerow([_csv_cell(v) for v in _row(figures)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_FORMATS = {"int": "#,##0", "pct": "0.00", "days": "0.0"}


def _sheet(workbook, title: str, rows) -> None:
    sheet = workbook.create_sheet(title)
    sheet.sheet_view.rightToLeft = True
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    kinds = ["text"] * len(HEAD_ATTRS) + [c.kind for c in COLUMNS]
    for figures in rows:
        values = [_plain(v) for v in _row(figures)]
        sheet.append(values)
        for cell, kind in zip(sheet[sheet.max_row], kinds, strict=True):
            if kind in _FORMATS and cell.value is not None:
                cell.number_format = _FORMATS[kind]
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "C2"
    for index, width in enumerate([10, 14, 24, 12, 14] + [14] * len(COLUMNS), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width


def figures_xlsx(sheets: list[tuple[str, list]]) -> bytes:
    """One right-to-left sheet per (title, rows), plus a sheet of definitions."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        _sheet(workbook, title, rows)
    notes = workbook.create_sheet("تعریف‌ها")
    notes.sheet_view.rightToLeft = True
    notes.append(["شاخص", "نام ستون", "تعریف"])
    for c in COLUMNS:
        notes.append([c.label, c.attr, c.definition])
    notes.column_dimensions["A"].width = 30
    notes.column_dimensions["B"].width = 26
    notes.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def province_report_pdf(*, figures, counties, refreshed_at) -> bytes:
    """The province report on A4, right to left; WeasyPrint imported here (needs pango)."""
    # Here, not at the top: WeasyPrint needs pango, which only PDF rendering should require.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(
        "reports/province_pdf.html",
        {
            "f": figures,
            "headline": headline(figures),
            "counties": table_rows(counties),
            "definitions": definitions(),
            "fonts": _font_urls(),
            "as_of": format_jalali(figures.as_of, long=True),
            "refreshed": format_jalali(refreshed_at, with_time=True) if refreshed_at else None,
            "table_columns": [COLUMN[a] for a in TABLE_ATTRS],
        },
    )
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf(
        font_config=FontConfiguration()
    )


def cell_text(value, kind: str) -> str:
    """A figure as a page shows it: Persian digits, ٬ between thousands, ٫ before decimals."""
    if value is None:
        return "—"
    if kind == "int":
        return persian_number(int(value))
    if kind == "pct":
        return persian_number(Decimal(value), 2)
    if kind == "days":
        return persian_number(float(value), 1)
    return persian_digits(value)


@dataclass(frozen=True)
class Headline:
    column: Column
    value: object
    figures_notes: dict = field(default_factory=dict)

    @property
    def attr(self) -> str:
        return self.column.attr

    @property
    def text(self) -> str:
        return cell_text(self.value, self.column.kind)

    @property
    def note(self) -> str:
        """Why the figure shows «—», when the selectors said (no use, no eligible people)."""
        return self.figures_notes.get(self.attr, "") if self.value is None else ""


@dataclass(frozen=True)
class TableRow:
    figures: object
    cells: list[str]


def table_rows(rows, attrs=TABLE_ATTRS) -> list[TableRow]:
    return [TableRow(f, [cell_text(getattr(f, a), COLUMN[a].kind) for a in attrs]) for f in rows]


def headline(figures) -> list[Headline]:
    """The figures worth a card on a page, in the order directors quote them, less those the
    level never has (stock outside the nation, rank outside a province, residence figures at
    an office)."""
    items = []
    for c in COLUMNS:
        if figures.level == "office" and c.attr in RESIDENCE_ONLY:
            continue
        if c.attr == "rank" and figures.level != "province":
            continue
        if c.attr in ("card_body_stock", "days_of_cover") and figures.level != "nation":
            continue
        items.append(Headline(c, getattr(figures, c.attr, None), getattr(figures, "notes", {})))
    return items
