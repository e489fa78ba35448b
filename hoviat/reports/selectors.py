"""Reads of the reports app: the figures of an office, county, province or the nation as of a
date, their series for charts, and who may see which area.

Every figure is summed from the maintained aggregates (`hoviat.reports.models.Fact`, kept up
to date by `reports_refresh`): a count as of D is the month rows of the months before D's
month plus the day rows of D's month up to D, so a page sums a few hundred narrow rows and
never scans the lifecycle tables.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jdatetime
from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from hoviat.core.errors import AccessDenied, DomainError
from hoviat.core.jalali import (
    MONTHS,
    InvalidDate,
    format_jalali,
    parse_date,
    to_jalali,
    today_local,
)
from hoviat.core.permissions import (
    is_director_of,
    is_national_admin,
    is_provincial_director,
    is_signed_in,
)
from hoviat.core.text import persian_digits
from hoviat.offices.models import Office
from hoviat.places.models import County, Province
from hoviat.production.models import CardBodyLedger
from hoviat.production.selectors import stock_cover
from hoviat.registry.selectors import latest_birth_date_for_age
from hoviat.reports.conf import conf
from hoviat.reports.models import CitizenshipFigure, Fact, RefreshState

LEVELS = ("nation", "province", "county", "office")
NATION_CODE = "IR"
NATION_NAME = "ایران"
_GRAIN = {"nation": "n", "province": "p", "county": "c", "office": "o"}
_HUNDRED = Decimal(100)
_CENTS = Decimal("0.01")


# --- Errors ----------------------------------------------------------------------------------


class ReportError(DomainError):
    code = "REPORT_ERROR"


class UnknownArea(ReportError):
    code = "REPORT_AREA_UNKNOWN"
    status = 404
    title = "Not found"
    default_detail = "چنین استان، شهرستان یا دفتری وجود ندارد."


class FutureDate(ReportError):
    code = "REPORT_DATE_IN_FUTURE"
    status = 422
    title = "Invalid input"
    default_detail = "تاریخ گزارش نمی‌تواند پس از امروز باشد."


class BadDate(ReportError):
    code = "REPORT_DATE_INVALID"
    status = 422
    title = "Invalid input"
    default_detail = "تاریخ باید به شکل ۱۴۰۵/۰۹/۰۱ یا 2026-11-22 باشد."


class TooEarlyDate(BadDate):
    code = "REPORT_DATE_TOO_EARLY"


class AreaForbidden(AccessDenied):
    code = "REPORT_AREA_FORBIDDEN"
    default_detail = "شما به آمار این ناحیه دسترسی ندارید."


# --- The figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The figures of one area as of the end of a day (Tehran time).

    Whose area: eligible, requested, issued, in_queue, in_pipeline, no_action, coverage,
    issued % and rank count people by the province and county of the citizen's RESIDENCE
    (the county of their residence city; "unknown" when the registry has no city).
    uncollected, lead times, share within the goal and no-show count by the OFFICE that
    enrols and delivers (a county or province holds the offices in it). At OFFICE level the
    residence figures have no meaning: eligible and no_action are 0, coverage and issued % are
    0.00, requested is the applications enrolled at the office, issued the cards it handed
    over, in_queue its enrolled applications whose card has not reached it yet.

    - eligible: people alive, with a photo shenasnameh and aged at least CARD_MINIMUM_AGE
      (15) on the as-of date (hoviat.registry.selectors.eligible_citizens; the registry keeps
      no date of death, so the dead are left out of every date).
    - requested: people who ever applied: each person counted once, on the day of their
      first application, if it was made on or before the as-of date.
    - issued: people who were handed their first smart card on or before the as-of date.
    - in_queue: applications enrolled and not yet at an office (waiting for production, in
      production, produced or shipped), less those rejected after enrolment.
    - uncollected: cards that reached an office and were neither handed over nor voided.
    - in_pipeline: requested − issued (the source's «در صف صدور»: everyone who asked and has
      no card yet, whatever the stage).
    - no_action: eligible − requested, not below 0.
    - coverage_pct: requested / eligible × 100; issued_pct: issued / eligible × 100; both
      rounded half up to 2 decimals, 0.00 when nobody is eligible.
    - rank: 1 for the province with the highest coverage (ties share a rank); province only.
    - The RATES below (lead times, within goal, no-show, SMS failure) are read over the rate
      window: the REPORTS_WINDOW_MONTHS (3) whole Jalali months before the as-of date's
      Jalali month (as of 1 Azar 1405: Shahrivar to Aban 1405), so that a rate never mixes in
      events after the as-of date and stays cheap to read. None when the window holds none.
    - lead_*: whole days (local dates) from enrolment to the card's arrival at the office
      (ready) and to the hand-over, for arrivals / hand-overs in the window; median and 90th
      percentile (nearest rank), longer than REPORTS_LEAD_CAP_DAYS (365) counted as 365.
    - within_goal_pct: hand-overs in the window that came at most REPORTS_GOAL_DAYS (30)
      days after the application was made, as a share of all hand-overs in the window.
    - no_show_pct: appointments (slot dates) in the window marked missed / (attended +
      missed), as the missed-appointment sweep marks them.
    - sms_failure_pct: messages created in the window that failed or were undeliverable /
      messages that left the outbox (sent, delivered, failed, undeliverable). Nation: every
      message; province and county: messages about applications of their residents; office:
      None.
    - card_body_stock: blank card bodies at the central production at the end of the as-of
      day; days_of_cover: that stock over the daily use (consumption + spoilage) of the 30
      days before; nation only (production is central), None elsewhere.
    - refreshed_at: when the aggregates were last refreshed; events after it are not counted.
    """

    level: str
    code: str
    name: str
    as_of: dt.date
    eligible: int
    requested: int
    issued: int
    in_queue: int
    uncollected: int
    in_pipeline: int
    no_action: int
    coverage_pct: Decimal
    issued_pct: Decimal
    rank: int | None
    lead_ready_median_days: float | None
    lead_ready_p90_days: float | None
    lead_handover_median_days: float | None
    lead_handover_p90_days: float | None
    within_goal_pct: Decimal | None
    no_show_pct: Decimal | None
    sms_failure_pct: Decimal | None
    card_body_stock: int | None
    days_of_cover: Decimal | None
    refreshed_at: dt.datetime | None
    province_code: str | None = None  # the province an area lies in (itself for a province)
    # Why a figure shows «—» (by attribute), in Persian: e.g. days_of_cover with no use.
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name: str
    grain: str
    id: int
    province_id: int | None
    province_code: str | None


# --- Input -----------------------------------------------------------------------------------


def earliest_date() -> dt.date:
    return conf("REPORTS_EARLIEST_DATE")


def parse_as_of(raw: str | None) -> dt.date:
    """An as-of date typed as ISO (2026-11-22) or Jalali (1405/09/01, Persian digits too);
    empty means today. Malformed, impossible, future and too early dates are refused."""
    today = today_local()
    if raw is None or not str(raw).strip():
        return today
    try:
        day = parse_date(str(raw))
    except InvalidDate:
        raise BadDate(
            f"تاریخ «{raw}» پذیرفته نیست؛ آن را به شکل ۱۴۰۵/۰۹/۰۱ یا 2026-11-22 بنویسید."
        ) from None
    if day > today:
        raise FutureDate(
            f"تاریخ گزارش ({format_jalali(day)}) پس از امروز ({format_jalali(today)}) است؛ "
            "آمار آینده در دست نیست."
        )
    if day < earliest_date():
        raise TooEarlyDate(
            f"آمار از {format_jalali(earliest_date())} به بعد در دست است؛ تاریخ دیرتری انتخاب کنید."
        )
    return day


def area_get(*, level: str, code: str) -> Area:
    """The area a level and code name, or UnknownArea."""
    code = (code or "").strip()
    if level == "nation":
        if code.upper() not in ("", NATION_CODE):
            raise UnknownArea(f"کد کشور «{code}» شناخته نیست؛ کد ایران IR است.")
        return Area("nation", NATION_CODE, NATION_NAME, "n", 0, None, None)
    if level == "province":
        province = Province.objects.filter(code=code.upper()).first()
        if province is None:
            raise UnknownArea(f"استانی با کد «{code}» وجود ندارد (نمونه: IR-06).")
        return Area(
            "province",
            province.code,
            province.name_fa,
            "p",
            province.pk,
            province.pk,
            province.code,
        )
    if level == "county":
        county = (
            County.objects.select_related("province").filter(pk=int(code)).first()
            if code.isdigit()
            else None
        )
        if county is None:
            raise UnknownArea(f"شهرستانی با کد «{code}» وجود ندارد.")
        return Area(
            "county",
            str(county.pk),
            county.name_fa,
            "c",
            county.pk,
            county.province_id,
            county.province.code,
        )
    if level == "office":
        office = Office.objects.select_related("city__province").filter(code=code).first()
        if office is None:
            raise UnknownArea(f"دفتری با کد «{code}» وجود ندارد.")
        return Area(
            "office",
            office.code,
            office.name,
            "o",
            office.pk,
            office.city.province_id,
            office.city.province.code,
        )
    raise UnknownArea(f"سطح «{level}» شناخته نیست؛ یکی از: کشور، استان، شهرستان، دفتر.")


# --- Access ----------------------------------------------------------------------------------


def access_report_area_for(user: Any, *, level: str, code: str) -> None:
    """National admins see every area; a provincial director their province and the
    counties and offices in it; nobody else any. Raises UnknownArea or AreaForbidden."""
    if not is_signed_in(user):
        raise AreaForbidden("برای دیدن آمار نخست وارد شوید.")
    area = area_get(level=level, code=code)
    if is_national_admin(user):
        return
    if is_provincial_director(user):
        if is_director_of(user, area.province_id):
            return
        raise AreaForbidden("شما تنها آمار استان خود و شهرستان‌ها و دفترهای آن را می‌بینید.")
    raise AreaForbidden()


def report_areas_for(user: Any) -> list[str]:
    """The province codes a user may open (all for national admins)."""
    if is_national_admin(user):
        return list(Province.objects.order_by("code").values_list("code", flat=True))
    if is_provincial_director(user):
        return [user.province.code]
    return []


# --- Sums of facts ---------------------------------------------------------------------------

_RESIDENCE_COUNTS = ("requested", "issued", "enrolled", "arrived", "dropped")
_OFFICE_COUNTS = ("o_enrolled", "o_dropped", "o_arrived", "o_collected", "o_voided", "o_issued")
_WINDOW_METRICS = (
    "lead_ready",
    "lead_handover",
    "in_goal",
    "goal_base",
    "attended",
    "missed",
    "sms_sent",
    "sms_failed",
)


def _areas_filter(grain: str, ids: Iterable[int] | None, province: int | None) -> Q:
    q = Q(grain=grain)
    if ids is not None:
        q &= Q(area__in=list(ids))
    if province is not None:
        q &= Q(province=province)
    return q


def _to_date(day: dt.date) -> Q:
    """Rows that together count everything up to the end of `day`: the running total
    through the month before, and the day rows of its own month."""
    month = day.replace(day=1)
    before = (month - dt.timedelta(days=1)).replace(day=1)
    return Q(period="c", start=before) | Q(period="d", start__gte=month, start__lte=day)


def _cumulative(where: Q, metrics: Iterable[str], day: dt.date) -> dict[tuple[int, str], int]:
    rows = (
        Fact.objects.filter(where, _to_date(day), metric__in=list(metrics))
        .values_list("area", "metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {(area, metric): total for area, metric, total in rows}


def eligible_cutoff(as_of: dt.date) -> dt.date:
    return latest_birth_date_for_age(age=settings.CARD_MINIMUM_AGE, on=as_of)


def _eligible(where: Q, as_of: dt.date) -> dict[int, int]:
    return {
        area: total
        for (area, _metric), total in _cumulative(
            where, ["eligible"], eligible_cutoff(as_of)
        ).items()
    }


def rate_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the whole Jalali months the rates are read over: the
    REPORTS_WINDOW_MONTHS (3) Jalali months before the as-of date's Jalali month."""
    year, month = jalali_month_of(as_of)
    last = jalali_month_start(year, month) - dt.timedelta(days=1)
    for _ in range(int(conf("REPORTS_WINDOW_MONTHS"))):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return jalali_month_start(year, month), last


def rate_window_text(as_of: dt.date) -> str:
    """«مرداد تا مهر ۱۴۰۵»: the rate window as people name it."""
    first, last = rate_window(as_of)
    j_first, j_last = to_jalali(first), to_jalali(last)
    start = MONTHS[j_first.month - 1] + (
        f" {persian_digits(j_first.year)}" if j_first.year != j_last.year else ""
    )
    return f"{start} تا {MONTHS[j_last.month - 1]} {persian_digits(j_last.year)}"


def _window(where: Q, as_of: dt.date) -> dict[int, dict[str, dict[int, int]]]:
    """Per area, metric and bucket: the month rows of the rate window before as_of."""
    first, last = rate_window(as_of)
    rows = (
        Fact.objects.filter(
            where, period="m", start__gte=first, start__lte=last, metric__in=_WINDOW_METRICS
        )
        .values_list("area", "metric", "bucket")
        .annotate(total=Sum("value"))
        .order_by()
    )
    out: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for area, metric, bucket, total in rows:
        out[area][metric][bucket] = total
    return out


# --- Arithmetic ------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal:
    """part / whole × 100, rounded half up to 2 decimals; 0.00 when whole is 0."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_CENTS, rounding=ROUND_HALF_UP)


def _rate(part: int, whole: int) -> Decimal | None:
    return percent(part, whole) if whole else None


def quantile(histogram: dict[int, int], q: float) -> float | None:
    """The nearest-rank q-quantile of a {value: count} histogram; None when it is empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram))  # pragma: no cover (rank never exceeds total)


def _stock(as_of: dt.date) -> tuple[int, Decimal | None, str]:
    """(stock, days of cover or None, why None) at the end of the as-of day."""
    end = _day_end(as_of)
    stock = CardBodyLedger.objects.filter(at__lt=end).aggregate(total=Coalesce(Sum("quantity"), 0))[
        "total"
    ]
    cover = stock_cover(stock=stock, end=end)
    if cover.days is None:
        return stock, None, cover.reason
    return stock, Decimal(str(cover.days)).quantize(Decimal("0.1"), ROUND_HALF_UP), ""


def _day_end(day: dt.date) -> dt.datetime:
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def refreshed_at() -> dt.datetime | None:
    state = RefreshState.objects.filter(pk=1).only("refreshed_at").first()
    return state.refreshed_at if state else None


def _build(
    areas: list[Area],
    as_of: dt.date,
    where: Q,
) -> list[Figures]:
    """The figures of areas of one grain, from three sums over `where`."""
    if not areas:
        return []
    office = areas[0].level == "office"
    counts = _cumulative(where, _RESIDENCE_COUNTS + _OFFICE_COUNTS, as_of)
    eligible = {} if office else _eligible(where, as_of)
    window = _window(where, as_of)
    fresh = refreshed_at()
    stock, cover, cover_note = _stock(as_of) if areas[0].level == "nation" else (None, None, "")
    out = []
    for area in areas:

        def n(metric: str, _id: int = area.id) -> int:
            return counts.get((_id, metric), 0)

        if office:
            people, requested, issued = 0, n("o_enrolled"), n("o_issued")
            in_queue = n("o_enrolled") - n("o_arrived") - n("o_dropped")
        else:
            people, requested, issued = eligible.get(area.id, 0), n("requested"), n("issued")
            in_queue = n("enrolled") - n("arrived") - n("dropped")
        rates = window.get(area.id, {})

        def total(metric: str, _rates: dict = rates) -> int:
            return sum(_rates.get(metric, {}).values())

        ready, handover = rates.get("lead_ready", {}), rates.get("lead_handover", {})
        out.append(
            Figures(
                level=area.level,
                code=area.code,
                name=area.name,
                as_of=as_of,
                eligible=people,
                requested=requested,
                issued=issued,
                in_queue=max(in_queue, 0),
                uncollected=max(n("o_arrived") - n("o_collected") - n("o_voided"), 0),
                in_pipeline=max(requested - issued, 0),
                no_action=max(people - requested, 0),
                coverage_pct=percent(requested, people),
                issued_pct=percent(issued, people),
                rank=None,
                lead_ready_median_days=quantile(ready, 0.5),
                lead_ready_p90_days=quantile(ready, 0.9),
                lead_handover_median_days=quantile(handover, 0.5),
                lead_handover_p90_days=quantile(handover, 0.9),
                within_goal_pct=_rate(total("in_goal"), total("goal_base")),
                no_show_pct=_rate(total("missed"), total("missed") + total("attended")),
                sms_failure_pct=None if office else _rate(total("sms_failed"), total("sms_sent")),
                card_body_stock=stock,
                days_of_cover=cover,
                refreshed_at=fresh,
                province_code=area.province_code,
                notes={"days_of_cover": cover_note} if cover_note else {},
            )
        )
    return out


NO_RANK_NOTE = "بی جمعیت واجد شرایط پوششی حساب نمی‌شود و رتبه‌ای ندارد."


def _ranked(figures: list[Figures]) -> list[Figures]:
    """By coverage, highest first (then by code); equal coverage shares a rank. Only areas
    with figures are ranked: one with nobody eligible has no coverage to compare (its 0.00 is
    no figure), so it gets no rank and comes last."""
    ranked = sorted((f for f in figures if f.eligible > 0), key=lambda f: (-f.coverage_pct, f.code))
    out, rank, previous = [], 0, None
    for position, f in enumerate(ranked, start=1):
        if f.coverage_pct != previous:
            rank, previous = position, f.coverage_pct
        out.append(replace(f, rank=rank))
    unranked = sorted((f for f in figures if f.eligible <= 0), key=lambda f: f.code)
    return out + [replace(f, rank=None, notes={**f.notes, "rank": NO_RANK_NOTE}) for f in unranked]


# --- The interface the pages, exports and the command use ----------------------------------


def provinces_figures(*, as_of: dt.date) -> list[Figures]:
    """Every province's figures, ranked by coverage (rank 1 first)."""
    areas = [
        Area("province", p.code, p.name_fa, "p", p.pk, p.pk, p.code)
        for p in Province.objects.order_by("code")
    ]
    return _ranked(_build(areas, as_of, Q(grain="p")))


def counties_figures(*, province: str, as_of: dt.date) -> list[Figures]:
    """The figures of each county of a province (ordered by name)."""
    area = area_get(level="province", code=province)
    areas = [
        Area("county", str(c.pk), c.name_fa, "c", c.pk, area.id, area.code)
        for c in County.objects.filter(province_id=area.id).order_by("name_fa", "pk")
    ]
    return _build(areas, as_of, _areas_filter("c", None, area.id))


def offices_figures(*, province: str, as_of: dt.date) -> list[Figures]:
    """The figures of each office of a province (ordered by name)."""
    area = area_get(level="province", code=province)
    areas = [
        Area("office", o.code, o.name, "o", o.pk, area.id, area.code)
        for o in Office.objects.filter(city__province_id=area.id).order_by("name", "pk")
    ]
    return _build(areas, as_of, _areas_filter("o", None, area.id))


def figures_for(*, level: str, code: str, as_of: dt.date) -> Figures:
    """One area's figures as of the end of a day (a province's with its rank)."""
    area = area_get(level=level, code=code)
    if level == "province":
        return next(f for f in provinces_figures(as_of=as_of) if f.code == area.code)
    return _build([area], as_of, _areas_filter(area.grain, [area.id], None))[0]


def _queue_metrics(area: Area) -> tuple[str, str, str]:
    if area.level == "office":
        return "o_enrolled", "o_arrived", "o_dropped"
    return "enrolled", "arrived", "dropped"


def _daily(area: Area, metrics: Iterable[str], first: dt.date, last: dt.date) -> dict:
    rows = (
        Fact.objects.filter(
            _areas_filter(area.grain, [area.id], None),
            period="d",
            start__gte=first,
            start__lte=last,
            metric__in=list(metrics),
        )
        .values_list("start", "metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    out: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for day, metric, total in rows:
        out[day][metric] = total
    return out


def jalali_month_of(day: dt.date) -> tuple[int, int]:
    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month


def jalali_month_start(year: int, month: int) -> dt.date:
    return jdatetime.date(year, month, 1).togregorian()


def monthly_registrations(*, level: str, code: str, as_of: dt.date) -> list[tuple[int, int, int]]:
    """(Jalali year, month, people who first applied) for the 12 Jalali months up to as_of
    (office level: applications enrolled there), oldest first; months without any show 0."""
    area = area_get(level=level, code=code)
    metric = "o_enrolled" if area.level == "office" else "requested"
    months = []
    year, month = jalali_month_of(as_of)
    for _ in range(12):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    first = jalali_month_start(*months[0])
    counts = dict.fromkeys(months, 0)
    for day, values in _daily(area, [metric], first, as_of).items():
        counts[jalali_month_of(day)] += values.get(metric, 0)
    return [(y, m, counts[(y, m)]) for y, m in months]


def queue_series(
    *, level: str, code: str, as_of: dt.date, days: int = 90
) -> list[tuple[dt.date, int]]:
    """in_queue at the end of each of the `days` days up to as_of, oldest first."""
    area = area_get(level=level, code=code)
    enrolled, arrived, dropped = _queue_metrics(area)
    first = as_of - dt.timedelta(days=days - 1)
    before = _cumulative(
        _areas_filter(area.grain, [area.id], None),
        [enrolled, arrived, dropped],
        first - dt.timedelta(days=1),
    )
    level_now = sum(
        sign * before.get((area.id, m), 0)
        for sign, m in ((1, enrolled), (-1, arrived), (-1, dropped))
    )
    daily = _daily(area, [enrolled, arrived, dropped], first, as_of)
    series = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        values = daily.get(day, {})
        level_now += values.get(enrolled, 0) - values.get(arrived, 0) - values.get(dropped, 0)
        series.append((day, max(level_now, 0)))
    return series


def lead_time_histogram(*, level: str, code: str, as_of: dt.date) -> list[tuple[int, int]]:
    """(first day of a 5-day bucket, cards) of enrolment → card at the office, for cards that
    arrived in the rate window (rate_window(as_of)); every bucket from 0 to the longest."""
    area = area_get(level=level, code=code)
    by_day = _window(_areas_filter(area.grain, [area.id], None), as_of).get(area.id, {})
    ready = by_day.get("lead_ready", {})
    if not ready:
        return []
    buckets: dict[int, int] = defaultdict(int)
    for days, count in ready.items():
        buckets[days // 5 * 5] += count
    return [(start, buckets.get(start, 0)) for start in range(0, max(buckets) + 5, 5)]


# --- Citizenship cases ------------------------------------------------------------------------


def citizenship_figures_for(user: Any) -> list[CitizenshipFigure]:
    """The citizenship figures a director may see: a national admin every province and
    county (provinces first), a provincial director their province and its counties; nobody
    else any (AreaForbidden). Rows kept by reports_refresh."""
    if not is_signed_in(user):
        raise AreaForbidden("برای دیدن آمار نخست وارد شوید.")
    rows = CitizenshipFigure.objects.all()
    if not is_national_admin(user):
        if not is_provincial_director(user):
            raise AreaForbidden()
        rows = rows.filter(province=user.province_id)
    return list(rows.order_by("-level", "province", "code"))


def citizenship_figures_all() -> list[CitizenshipFigure]:
    """Every area's citizenship figures (the command line), counties then provinces."""
    return list(CitizenshipFigure.objects.order_by("level", "code"))
