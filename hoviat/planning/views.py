"""Planning's pages: how right the card promises were, by province and Jalali month."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hoviat.core.errors import DomainError
from hoviat.core.permissions import is_national_admin
from hoviat.core.text import fold_digits
from hoviat.places.models import Province
from hoviat.planning import selectors
from hoviat.planning.models import PredictionPoint

TITLES = {403: "دسترسی ندارید", 404: "یافت نشد"}
COLOURS = {"booking": "#7fcdbb", "enrolment": "#2c7fb8", "production_start": "#253494"}


def planning_page(view):
    """Signed-in staff only; domain errors become a Persian page with their status."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            status = exc.status if exc.status in TITLES else 400
            context = {"title": TITLES.get(status, "درخواست نامعتبر"), "detail": exc.detail}
            return render(request, "planning/accuracy_problem.html", context, status=status)

    return require_GET(wrapper)


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _chart(rows: list[selectors.AccuracyRow]) -> dict:
    """Share within ±days per Jalali month and point, over the provinces shown."""
    months: dict[str, str] = {}
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        months[row.month_key] = row.month
        total = sums.setdefault((row.month_key, row.point), [0, 0])
        total[0] += row.accuracy.within
        total[1] += row.accuracy.count
    keys = sorted(months)
    labels = dict(PredictionPoint.choices)
    return {
        "labels": [months[k] for k in keys],
        "datasets": [
            {
                "label": labels[point],
                "colour": COLOURS[point],
                "values": [
                    _percent(sums[(k, point)][0] / sums[(k, point)][1])
                    if (k, point) in sums
                    else None
                    for k in keys
                ],
            }
            for point in PredictionPoint.values
        ],
    }


@planning_page
def accuracy(request):
    raw = request.GET.get("province", "").strip()
    code = fold_digits(raw).upper() if raw else None
    province_ids = selectors.access_accuracy_for(request.user, province_code=code)
    points = selectors.accuracy_by_point(province_ids=province_ids)
    rows = selectors.accuracy_table(province_ids=province_ids)
    labels = dict(PredictionPoint.choices)
    if province_ids is None:
        area = "همهٔ استان‌ها"
    else:
        area = "استان " + ", ".join(
            Province.objects.filter(pk__in=province_ids).values_list("name_fa", flat=True)
        )
    context = {
        "area": area,
        "code": code or "",
        "is_national": is_national_admin(request.user),
        "provinces": Province.objects.order_by("name_fa").values_list("code", "name_fa")
        if is_national_admin(request.user)
        else [],
        "summary": [
            {
                "label": labels[point],
                "point": point,
                "count": acc.count,
                "share": _percent(acc.share_within),
                "mae": acc.mae_days,
                "bias": acc.bias_days,
                "interval": _percent(acc.interval_share),
            }
            for point, acc in points.items()
        ],
        "rows": [
            {
                "province": row.province,
                "month": row.month,
                "point": labels.get(row.point, row.point),
                "count": row.accuracy.count,
                "share": _percent(row.accuracy.share_within),
                "mae": row.accuracy.mae_days,
                "bias": row.accuracy.bias_days,
            }
            for row in rows
        ],
        "chart": _chart(rows),
        "within_days": next(iter(points.values())).as_dict()["within_days"],
    }
    return render(request, "planning/accuracy.html", context)
