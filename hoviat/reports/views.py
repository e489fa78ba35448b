"""Report pages: the national dashboard, province, office and chart pages, and their files.

Read only. Every page asks `selectors.access_report_area_for` first, then reads the
maintained aggregates through the selectors; a refusal, an unknown area or a bad date
becomes a Persian page with the matching status.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from hoviat.core import permissions
from hoviat.core.errors import DomainError
from hoviat.core.jalali import MONTHS, format_jalali
from hoviat.core.text import fold_digits, persian_digits
from hoviat.offices.models import Office
from hoviat.reports import exports, selectors

NATION = "IR"

# Coverage colour scale (ColorBrewer YlGnBu, 6 classes): light = few requests.
SCALE: tuple[tuple[Decimal | None, str, str], ...] = (
    (Decimal(95), "#253494", "۹۵٪ و بیشتر"),
    (Decimal(90), "#2c7fb8", "۹۰ تا ۹۵٪"),
    (Decimal(80), "#41b6c4", "۸۰ تا ۹۰٪"),
    (Decimal(70), "#7fcdbb", "۷۰ تا ۸۰٪"),
    (Decimal(50), "#c7e9b4", "۵۰ تا ۷۰٪"),
    (Decimal(0), "#edf8b1", "کمتر از ۵۰٪"),
)
NO_DATA = ("#d9d9d9", "بدون جمعیت واجد شرایط")

TITLES = {403: "دسترسی ندارید", 404: "یافت نشد", 422: "تاریخ نامعتبر"}


def reports_page(view):
    """Signed-in staff only; domain errors become a Persian page with their status."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            status = exc.status if exc.status in TITLES else 400
            return render(
                request,
                "reports/problem.html",
                {
                    "detail": exc.detail,
                    "code": exc.code,
                    "title": TITLES.get(status, "درخواست نامعتبر"),
                    "is_date": status == 422,
                    "raw_as_of": request.GET.get("as_of", ""),
                },
                status=status,
            )

    return require_GET(wrapper)


def _code(raw: str) -> str:
    return fold_digits(raw or "").strip().upper()


def _as_of(request):
    return selectors.parse_as_of(request.GET.get("as_of") or None)


def _with_as_of(url: str, request) -> str:
    raw = (request.GET.get("as_of") or "").strip()
    return f"{url}?{urlencode({'as_of': raw})}" if raw else url


def colour_for(figures) -> tuple[str, str]:
    if not figures or not figures.eligible:
        return NO_DATA
    for floor, colour, label in SCALE:
        if figures.coverage_pct >= floor:
            return colour, label
    return SCALE[-1][1], SCALE[-1][2]


@lru_cache(maxsize=1)
def _map_svg() -> ET.Element:
    found = finders.find("reports/iran-provinces.svg")
    if not found:
        raise FileNotFoundError("reports/iran-provinces.svg is missing")
    return ET.parse(found).getroot()  # noqa: S314 (our own static file, not input)  # nosec B314


def map_paths() -> tuple[tuple[str, str, str], ...]:
    """(ISO code, Persian name, path data) of each province in static/reports/iran-provinces.svg."""
    paths = _map_svg().iter("{http://www.w3.org/2000/svg}path")
    return tuple((p.get("id"), p.get("data-name-fa"), p.get("d")) for p in paths)


def map_view_box() -> str:
    return _map_svg().get("viewBox")


@dataclass(frozen=True)
class MapShape:
    code: str
    name: str
    d: str
    fill: str
    title: str
    href: str


def map_shapes(provinces, request) -> list[MapShape]:
    by_code = {f.code: f for f in provinces}
    shapes = []
    for code, name, d in map_paths():
        figures = by_code.get(code)
        fill, _ = colour_for(figures)
        if figures is not None:
            title = f"{figures.name} — پوشش {exports.cell_text(figures.coverage_pct, 'pct')}٪"
            if figures.rank:
                title += f" — رتبهٔ {persian_digits(figures.rank)}"
        else:
            title = f"{name} — بدون داده"
        href = _with_as_of(reverse("reports:province", args=[code]), request)
        shapes.append(MapShape(code, name, d, fill, title, href))
    return shapes


def _charts(*, level: str, code: str, as_of) -> dict:
    monthly = selectors.monthly_registrations(level=level, code=code, as_of=as_of)
    queue = selectors.queue_series(level=level, code=code, as_of=as_of)
    lead = selectors.lead_time_histogram(level=level, code=code, as_of=as_of)
    return {
        # A chart with nothing to draw is a sentence, not bare axes (the template says so).
        "empty": {
            "monthly": not any(n for _, _, n in monthly),
            "queue": not any(n for _, n in queue),
            "lead": not any(n for _, n in lead),
        },
        "monthly": {
            "labels": [f"{MONTHS[m - 1]} {persian_digits(y)}" for y, m, _ in monthly],
            "values": [n for _, _, n in monthly],
        },
        "queue": {
            "labels": [format_jalali(day) for day, _ in queue],
            "values": [n for _, n in queue],
        },
        "lead": {
            "labels": [f"{persian_digits(start)}–{persian_digits(start + 4)}" for start, _ in lead],
            "values": [n for _, n in lead],
        },
    }


def _common(request, figures, as_of) -> dict:
    return {
        "f": figures,
        "headline": exports.headline(figures),
        "as_of": as_of,
        "as_of_input": format_jalali(as_of),  # Persian digits, as the date picker writes them
        "refreshed_at": figures.refreshed_at,
        "table_columns": [exports.COLUMN[a] for a in exports.TABLE_ATTRS],
        "definitions": exports.definitions(),
        "rate_window": selectors.rate_window_text(as_of),
        "query": _with_as_of("", request),
        "is_national": permissions.is_national_admin(request.user),
    }


@reports_page
def dashboard(request):
    user = request.user
    if permissions.is_provincial_director(user):
        return redirect(
            _with_as_of(reverse("reports:province", args=[user.province.code]), request)
        )
    selectors.access_report_area_for(user, level="nation", code=NATION)
    as_of = _as_of(request)
    nation = selectors.figures_for(level="nation", code=NATION, as_of=as_of)
    provinces = selectors.provinces_figures(as_of=as_of)
    context = _common(request, nation, as_of)
    context.update(
        {
            "rows": exports.table_rows(provinces),
            "shapes": map_shapes(provinces, request),
            "view_box": map_view_box(),
            "legend": [(colour, label) for _, colour, label in SCALE] + [NO_DATA],
            "no_rank_note": selectors.NO_RANK_NOTE,
        }
    )
    return render(request, "reports/dashboard.html", context)


@reports_page
def province(request, code: str):
    code = _code(code)
    selectors.access_report_area_for(request.user, level="province", code=code)
    as_of = _as_of(request)
    figures = selectors.figures_for(level="province", code=code, as_of=as_of)
    context = _common(request, figures, as_of)
    context.update(
        {
            "counties": exports.table_rows(selectors.counties_figures(province=code, as_of=as_of)),
            "offices": exports.table_rows(
                selectors.offices_figures(province=code, as_of=as_of), exports.OFFICE_TABLE_ATTRS
            ),
            "office_columns": [exports.COLUMN[a] for a in exports.OFFICE_TABLE_ATTRS],
        }
    )
    return render(request, "reports/province.html", context)


@reports_page
def charts(request, code: str = NATION):
    code = _code(code)
    level = "nation" if code == NATION else "province"
    selectors.access_report_area_for(request.user, level=level, code=code)
    as_of = _as_of(request)
    figures = selectors.figures_for(level=level, code=code, as_of=as_of)
    context = _common(request, figures, as_of)
    context["charts"] = _charts(level=level, code=code, as_of=as_of)
    return render(request, "reports/charts.html", context)


def _office_province(code: str):
    office = Office.objects.select_related("city__province").filter(code=code).first()
    return office.city.province if office else None


@reports_page
def office(request, code: str):
    code = _code(code)
    selectors.access_report_area_for(request.user, level="office", code=code)
    as_of = _as_of(request)
    figures = selectors.figures_for(level="office", code=code, as_of=as_of)
    context = _common(request, figures, as_of)
    context["province"] = _office_province(code)
    context["charts"] = _charts(level="office", code=code, as_of=as_of)
    return render(request, "reports/office.html", context)


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _province_rows(request, code: str):
    code = _code(code)
    selectors.access_report_area_for(request.user, level="province", code=code)
    as_of = _as_of(request)
    figures = selectors.figures_for(level="province", code=code, as_of=as_of)
    counties = selectors.counties_figures(province=code, as_of=as_of)
    offices = selectors.offices_figures(province=code, as_of=as_of)
    return code, as_of, figures, counties, offices


@reports_page
def province_csv(request, code: str):
    code, as_of, figures, counties, offices = _province_rows(request, code)
    return _download(
        exports.figures_csv([figures, *counties, *offices]),
        filename=exports.file_name(f"hoviat-{code}", as_of, "csv"),
        content_type=CSV,
    )


@reports_page
def province_xlsx(request, code: str):
    code, as_of, figures, counties, offices = _province_rows(request, code)
    content = exports.figures_xlsx(
        [("استان", [figures]), ("شهرستان‌ها", counties), ("دفاتر", offices)]
    )
    return _download(
        content, filename=exports.file_name(f"hoviat-{code}", as_of, "xlsx"), content_type=XLSX
    )


@reports_page
def province_pdf(request, code: str):
    code = _code(code)
    selectors.access_report_area_for(request.user, level="province", code=code)
    as_of = _as_of(request)
    figures = selectors.figures_for(level="province", code=code, as_of=as_of)
    content = exports.province_report_pdf(
        figures=figures,
        counties=selectors.counties_figures(province=code, as_of=as_of),
        refreshed_at=figures.refreshed_at,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{exports.file_name(f"hoviat-{code}", as_of, "pdf")}"'
    )
    return response


def _nation_rows(request):
    selectors.access_report_area_for(request.user, level="nation", code=NATION)
    as_of = _as_of(request)
    nation = selectors.figures_for(level="nation", code=NATION, as_of=as_of)
    return as_of, nation, selectors.provinces_figures(as_of=as_of)


@reports_page
def provinces_csv(request):
    as_of, nation, provinces = _nation_rows(request)
    return _download(
        exports.figures_csv([nation, *provinces]),
        filename=exports.file_name("hoviat-provinces", as_of, "csv"),
        content_type=CSV,
    )


@reports_page
def provinces_xlsx(request):
    as_of, nation, provinces = _nation_rows(request)
    content = exports.figures_xlsx([("کشور", [nation]), ("استان‌ها", provinces)])
    return _download(
        content, filename=exports.file_name("hoviat-provinces", as_of, "xlsx"), content_type=XLSX
    )


@reports_page
def citizenship(request):
    """The citizenship cases' figures for directors: the province, then each county."""
    rows = selectors.citizenship_figures_for(request.user)
    return render(
        request,
        "reports/citizenship.html",
        {
            "provinces": [r for r in rows if r.level == "province"],
            "counties": [r for r in rows if r.level == "county"],
            "refreshed_at": selectors.refreshed_at(),
            "on": rows[0].on if rows else None,
        },
    )
