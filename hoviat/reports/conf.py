"""REPORTS_* settings, read with defaults so the app works before settings.py names them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The promise of the national head (FACTS.md): under one month from request to card.
    "REPORTS_GOAL_DAYS": 30,
    # Rates (lead times, share within the goal, no-show, SMS failure) cover this many whole
    # calendar months before the as-of date's month; counts are cumulative from the start.
    "REPORTS_WINDOW_MONTHS": 3,
    # The earliest as-of date a report answers (the scheme began in 1394). Birth dates before
    # the cut-off of that day are stored as one, which keeps the eligible rows few.
    "REPORTS_EARLIEST_DATE": dt.date(2015, 3, 21),
    # An incremental refresh recomputes the days from the last refresh's day minus this
    # margin, so late delivery reports and late-recorded events are caught.
    "REPORTS_REFRESH_MARGIN_DAYS": 2,
    # The eligible population is recounted when citizens were added, else this often.
    "REPORTS_ELIGIBLE_MAX_AGE_HOURS": 24,
    # Lead times longer than this are counted in this last bucket.
    "REPORTS_LEAD_CAP_DAYS": 365,
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
