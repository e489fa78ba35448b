"""Planning's API: how right the card promises were (directors and national admins)."""

from __future__ import annotations

from ninja import Field, Router, Schema

from hoviat.core.api import Problem, staff_auth
from hoviat.core.text import fold_digits
from hoviat.planning import selectors

router = Router(tags=["planning"])


class AccuracyOut(Schema):
    count: int
    within_days: int
    share: float | None = Field(
        description="share of cards ready within ± within_days of the promise"
    )
    mae_days: float | None
    bias_days: float | None
    interval_share: float | None


class AccuracyRowOut(Schema):
    province: str
    month: str  # Jalali, 1405-09
    point: str
    accuracy: AccuracyOut


class AccuracyReportOut(Schema):
    promise: dict[str, AccuracyOut] = Field(description="by prediction point")
    rows: list[AccuracyRowOut]


@router.get(
    "/planning/accuracy",
    response={200: AccuracyReportOut, 403: Problem, 404: Problem},
    auth=staff_auth,
    summary="How far the card promises were off, per prediction point, province and month",
)
def accuracy(request, province: str | None = None):
    """A national admin sees every province (or the one asked for); a provincial director
    only their own. `province`: an ISO code such as IR-06."""
    code = fold_digits(province).strip().upper() if province else None
    province_ids = selectors.access_accuracy_for(request.auth, province_code=code)
    points = selectors.accuracy_by_point(province_ids=province_ids)
    return {
        "promise": {point: acc.as_dict() for point, acc in points.items()},
        "rows": [
            {
                "province": row.province,
                "month": row.month_key,
                "point": row.point,
                "accuracy": row.accuracy.as_dict(),
            }
            for row in selectors.accuracy_table(province_ids=province_ids)
        ],
    }
