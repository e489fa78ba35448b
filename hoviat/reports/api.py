"""Report figures as JSON for staff tokens: the same figures and access rules as the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from ninja import Router, Schema

from hoviat.core.api import staff_auth
from hoviat.core.text import fold_digits
from hoviat.reports import selectors

router = Router(tags=["reports"])

NATION = "IR"


class FiguresOut(Schema):
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
    coverage_pct: float
    issued_pct: float
    rank: int | None
    lead_ready_median_days: float | None
    lead_ready_p90_days: float | None
    lead_handover_median_days: float | None
    lead_handover_p90_days: float | None
    within_goal_pct: float | None
    no_show_pct: float | None
    sms_failure_pct: float | None
    card_body_stock: int | None
    days_of_cover: float | None
    refreshed_at: dt.datetime | None


class ProvincesOut(Schema):
    as_of: dt.date
    nation: FiguresOut
    provinces: list[FiguresOut]


def _out(figures) -> dict:
    # Percentages are Decimals with two places; JSON numbers keep them exact at that scale.
    return {k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in asdict(figures).items()}


@router.get(
    "/reports/provinces",
    response=ProvincesOut,
    auth=staff_auth,
    summary="Figures of the nation and its 31 provinces, ranked by coverage",
)
def provinces(request, as_of: str | None = None):
    """National admins only. `as_of`: ISO (2026-11-22) or Jalali (1405/09/01); default today."""
    selectors.access_report_area_for(request.auth, level="nation", code=NATION)
    day = selectors.parse_as_of(as_of or None)
    nation = selectors.figures_for(level="nation", code=NATION, as_of=day)
    return {
        "as_of": day,
        "nation": _out(nation),
        "provinces": [_out(f) for f in selectors.provinces_figures(as_of=day)],
    }


@router.get(
    "/reports/provinces/{code}",
    response=FiguresOut,
    auth=staff_auth,
    summary="Figures of one province (its director or a national admin)",
)
def province(request, code: str, as_of: str | None = None):
    code = fold_digits(code).strip().upper()
    selectors.access_report_area_for(request.auth, level="province", code=code)
    day = selectors.parse_as_of(as_of or None)
    return _out(selectors.figures_for(level="province", code=code, as_of=day))
