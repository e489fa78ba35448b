"""Writes of planning: promises made at the prediction points, the daily re-forecast with its
one SMS per slip, and the nightly record of how far each promise was off.

Planning writes only its own tables; it reads every stage through the selectors and sends
its messages through the notifications app's outbox.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.core.audit import audit_many
from hoviat.core.jalali import today_local
from hoviat.notifications.services import SmsOut, sms_queue_many
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.planning.engine.promise import promise
from hoviat.planning.models import CardForecast, CardPromise, PredictionPoint, PromiseOutcome
from hoviat.planning.selectors import (
    MADE_STATUSES,
    POINT_OF_STATUS,
    Pipeline,
    Whereabouts,
    cards_made_on,
    pipeline_read,
    pipeline_state_for,
    queue_ahead_by_application,
    whereabouts_of,
)

# The status an application reaches at each prediction point.
STATUS_OF_POINT: dict[str, str] = {
    PredictionPoint.BOOKING: ApplicationStatus.BOOKED,
    PredictionPoint.ENROLMENT: ApplicationStatus.ENROLLED,
    PredictionPoint.PRODUCTION_START: ApplicationStatus.IN_PRODUCTION,
}
# The statuses in which a point's promise is still worth making when its task runs: a run
# makes the card and moves it on to produced in one go, before the hook's task runs.
STILL_AT_POINT: dict[str, tuple[str, ...]] = {
    PredictionPoint.BOOKING: (ApplicationStatus.BOOKED,),
    PredictionPoint.ENROLMENT: (ApplicationStatus.ENROLLED,),
    PredictionPoint.PRODUCTION_START: (
        ApplicationStatus.IN_PRODUCTION,
        ApplicationStatus.PRODUCED,
    ),
}
CHUNK = 500
# From this many applications at once, the queue is read whole instead of counted for each.
QUEUE_READ_FROM = 20


@dataclass(frozen=True)
class _Made:
    application: Application
    point: str
    province_id: int | None
    date: dt.date
    earliest: dt.date
    latest: dt.date
    model_version: str
    basis: dict[str, float]


def _forecast(
    application: Application,
    *,
    point: str,
    pipeline: Pipeline,
    whereabouts: Whereabouts,
    queue_ahead: int | None = None,
    made_on: dt.date | None = None,
) -> _Made:
    state = pipeline_state_for(
        application=application,
        point=point,
        pipeline=pipeline,
        whereabouts=whereabouts,
        queue_ahead=queue_ahead,
        made_on=made_on,
    )
    answer = promise(state)
    # A card made long ago and still on its way is not promised for a day already past.
    shift = max(0, (pipeline.today - answer.date).days)
    step = dt.timedelta(days=shift)
    return _Made(
        application=application,
        point=point,
        province_id=whereabouts.province_id,
        date=answer.date + step,
        earliest=answer.earliest + step,
        latest=answer.latest + step,
        model_version=answer.model_version,
        basis=dict(answer.basis),
    )


def _forecasts_of(
    applications: list[Application],
    *,
    pipeline: Pipeline,
    point_of: Callable[[Application], str],
    queue_ahead: dict[int, int] | None = None,
) -> list[_Made]:
    """The forecasts of a chunk of applications, with their whereabouts and making days read
    for the whole chunk at once."""
    ids = [a.pk for a in applications]
    places = whereabouts_of(application_ids=ids)
    made = cards_made_on(application_ids=[a.pk for a in applications if a.status in MADE_STATUSES])
    return [
        _forecast(
            a,
            point=point_of(a),
            pipeline=pipeline,
            whereabouts=places.get(a.pk, Whereabouts(None, None)),
            queue_ahead=queue_ahead.get(a.pk) if queue_ahead is not None else None,
            made_on=made.get(a.pk),
        )
        for a in applications
    ]


def promises_make(
    *, application_ids: Iterable[int], point: str, today: dt.date | None = None
) -> int:
    """The promise of `point` for each application that is at it: stored once per point (the
    record accuracy is measured against) and shown from then on; returns how many were made.

    An application that already holds this point's promise (a card re-queued after QC) keeps
    it; its shown forecast is renewed and a slip is told as the daily re-forecast would."""
    if point not in STATUS_OF_POINT:
        raise ValueError(f"unknown prediction point {point!r}")
    ids = sorted(set(application_ids))
    if not ids:
        return 0
    pipeline = pipeline_read(today=today)
    # Many at once (a bulk enrolment): the queue read once, not one count per application.
    ahead = (
        queue_ahead_by_application()
        if point == PredictionPoint.ENROLMENT and len(ids) > QUEUE_READ_FROM
        else None
    )
    made = 0
    for start in range(0, len(ids), CHUNK):
        applications = list(
            Application.objects.filter(
                pk__in=ids[start : start + CHUNK], status__in=STILL_AT_POINT[point]
            )
        )
        forecasts = _forecasts_of(
            applications, pipeline=pipeline, point_of=lambda a: point, queue_ahead=ahead
        )
        made += _promises_store(forecasts, today=pipeline.today)
    return made


def _promises_store(forecasts: list[_Made], *, today: dt.date) -> int:
    if not forecasts:
        return 0
    now = timezone.now()
    with transaction.atomic():
        already = set(
            CardPromise.objects.filter(
                application_id__in=[f.application.pk for f in forecasts],
                point__in={f.point for f in forecasts},
            ).values_list("application_id", "point")
        )
        fresh = [f for f in forecasts if (f.application.pk, f.point) not in already]
        # A concurrent twin (the hook and a retry) loses quietly: one promise per point.
        CardPromise.objects.bulk_create(
            [
                CardPromise(
                    application_id=f.application.pk,
                    point=f.point,
                    date=f.date,
                    earliest=f.earliest,
                    latest=f.latest,
                    model_version=f.model_version,
                    made_at=now,
                    province_id=f.province_id,
                    basis=f.basis,
                )
                for f in fresh
            ],
            ignore_conflicts=True,
        )
        fresh_ids = {f.application.pk for f in fresh}
        _forecasts_write(forecasts, today=today, now=now, told_anew=fresh_ids)
        audit_many(
            actor=None,
            rows=[
                {
                    "action": "card_promise.made",
                    "object_type": "applications.application",
                    "object_id": str(f.application.pk),
                    "data": {
                        "point": f.point,
                        "date": f.date.isoformat(),
                        "earliest": f.earliest.isoformat(),
                        "latest": f.latest.isoformat(),
                        "model_version": f.model_version,
                    },
                }
                for f in fresh
            ],
        )
    return len(fresh)


def _forecasts_write(
    forecasts: list[_Made], *, today: dt.date, now: dt.datetime, told_anew: set[int]
) -> int:
    """Write the shown forecast of each application; a new promise is what the citizen is told
    from now on, and any other forecast later than what they were told by more than
    PLANNING_SLIP_DAYS is told once by SMS. Returns the number of slips told."""
    existing = {
        row.application_id: row
        for row in CardForecast.objects.filter(
            application_id__in=[f.application.pk for f in forecasts]
        )
    }
    new_rows, slipped = [], []
    # Changed rows grouped by what they become: one UPDATE per group (a queue shares few
    # dates), not Django's bulk_update with a CASE per row.
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for f in forecasts:
        row = existing.get(f.application.pk)
        shown = (f.point, f.date, f.earliest, f.latest, f.model_version)
        if row is None:
            new_rows.append(
                CardForecast(
                    application_id=f.application.pk,
                    point=f.point,
                    date=f.date,
                    earliest=f.earliest,
                    latest=f.latest,
                    model_version=f.model_version,
                    made_at=now,
                    forecast_on=today,
                    told_date=f.date,
                )
            )
        elif f.application.pk in told_anew:
            groups[(*shown, f.date, row.slips_told)].append(row.pk)
        elif (f.date - row.told_date).days > settings.PLANNING_SLIP_DAYS:
            groups[(*shown, f.date, row.slips_told + 1)].append(row.pk)
            slipped.append(f)
        else:
            groups[shown].append(row.pk)
    CardForecast.objects.bulk_create(new_rows, ignore_conflicts=True)
    for values, pks in groups.items():
        point, date, earliest, latest, version, *told = values
        fields: dict[str, Any] = {
            "point": point,
            "date": date,
            "earliest": earliest,
            "latest": latest,
            "model_version": version,
            "made_at": now,
            "forecast_on": today,
            "closed": False,
        }
        if told:
            fields.update(told_date=told[0], slips_told=told[1])
        CardForecast.objects.filter(pk__in=pks).update(**fields)
    _slips_tell(slipped)
    return len(slipped)


def _slips_tell(slipped: list[_Made]) -> None:
    if not slipped:
        return
    sms_queue_many(
        template="card_promise_slipped",
        messages=[
            SmsOut(
                to=f.application.mobile,
                params={
                    "tracking_code": f.application.tracking_code,
                    "date": f.date,
                    "earliest": f.earliest,
                    "latest": f.latest,
                },
                object_type="applications.application",
                object_id=str(f.application.pk),
            )
            for f in slipped
        ],
    )
    audit_many(
        actor=None,
        rows=[
            {
                "action": "card_promise.slip_told",
                "object_type": "applications.application",
                "object_id": str(f.application.pk),
                "data": {"date": f.date.isoformat(), "point": f.point},
            }
            for f in slipped
        ],
    )


# --- The daily re-forecast -------------------------------------------------------------------


@dataclass(frozen=True)
class ReforecastSummary:
    reforecast: int
    closed: int
    slips_told: int

    def __str__(self) -> str:
        return (
            f"promises re-forecast: {self.reforecast}, closed: {self.closed}, "
            f"slips told by SMS: {self.slips_told}"
        )


def _claim(today: dt.date, limit: int) -> list[int]:
    """Forecast rows not yet re-forecast today, claimed by moving their day: a row another
    worker holds (PostgreSQL: skipped, not waited for) or already moved is not ours."""
    due = CardForecast.objects.filter(closed=False, forecast_on__lt=today).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    ids = list(due.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    CardForecast.objects.filter(pk__in=ids, forecast_on__lt=today).update(forecast_on=today)
    return ids


def promises_reforecast(*, today: dt.date | None = None, limit: int = CHUNK) -> ReforecastSummary:
    """Re-forecast every open promise once a day; close those whose card is ready (or whose
    application closed); tell each slip beyond PLANNING_SLIP_DAYS once. Safe to run twice at
    once: each chunk is claimed before it is worked on."""
    pipeline = pipeline_read(today=today)
    today = pipeline.today
    ahead: dict[int, int] | None = None
    reforecast = closed = slips = 0
    while True:
        with transaction.atomic():
            claimed = _claim(today, limit)
            if not claimed:
                break
            rows = list(CardForecast.objects.filter(pk__in=claimed).select_related("application"))
            done = [r.pk for r in rows if r.application.status not in POINT_OF_STATUS]
            if done:
                closed += CardForecast.objects.filter(pk__in=done).update(closed=True)
            live = [r for r in rows if r.application.status in POINT_OF_STATUS]
            if ahead is None and any(
                r.application.status == ApplicationStatus.ENROLLED for r in live
            ):
                ahead = queue_ahead_by_application()
            forecasts = _forecasts_of(
                [r.application for r in live],
                pipeline=pipeline,
                point_of=lambda a: POINT_OF_STATUS[a.status],
                queue_ahead=ahead,
            )
            slips += _forecasts_write(forecasts, today=today, now=timezone.now(), told_anew=set())
            reforecast += len(forecasts)
    return ReforecastSummary(reforecast=reforecast, closed=closed, slips_told=slips)


# --- The nightly record of how far promises were off -----------------------------------------


def promise_outcomes_record(*, limit: int = 5000) -> int:
    """For every card that became ready at its office, how far each promise made for it was
    off (days, late positive) and whether it fell in the interval; each promise once (a twin
    worker's row wins by the unique promise). Returns the rows written."""
    now = timezone.now()
    written = after = 0
    while True:
        pending = list(
            CardPromise.objects.filter(
                pk__gt=after,
                outcome__isnull=True,
                application__cards__collection__arrived_at__isnull=False,
            )
            .annotate(arrived=Min("application__cards__collection__arrived_at"))
            .values_list("pk", "point", "province_id", "date", "earliest", "latest", "arrived")
            .order_by("pk")[:limit]
        )
        if not pending:
            return written
        rows = []
        for pk, point, province_id, date, earliest, latest, arrived in pending:
            ready_on = timezone.localtime(arrived, OFFICE_TZ).date()
            rows.append(
                PromiseOutcome(
                    promise_id=pk,
                    point=point,
                    province_id=province_id,
                    ready_on=ready_on,
                    error_days=(ready_on - date).days,
                    within_interval=earliest <= ready_on <= latest,
                    recorded_at=now,
                )
            )
        PromiseOutcome.objects.bulk_create(rows, ignore_conflicts=True)
        written += len(rows)
        after = pending[-1][0]
        if len(pending) < limit:
            return written


def promise_renew(*, application_id: int, today: dt.date | None = None) -> bool:
    """The shown forecast of one application made again now and told as new (the citizen
    moved her appointment: a later card is her choice, not a slip). The promise made at the
    point stays as it was made. False when the application has no open forecast."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None or application.status not in POINT_OF_STATUS:
        return False
    if not CardForecast.objects.filter(application_id=application_id, closed=False).exists():
        return False
    pipeline = pipeline_read(today=today)
    forecasts = _forecasts_of(
        [application], pipeline=pipeline, point_of=lambda a: POINT_OF_STATUS[a.status]
    )
    with transaction.atomic():
        _forecasts_write(
            forecasts, today=pipeline.today, now=timezone.now(), told_anew={application_id}
        )
    return True


def planning_nightly(*, today: dt.date | None = None) -> tuple[int, ReforecastSummary]:
    """The nightly job: outcomes of the cards that became ready, then the re-forecast."""
    recorded = promise_outcomes_record()
    return recorded, promises_reforecast(today=today or today_local())


def promise_on_appointment_moved(*, application_id: int) -> Any:
    """Registered on the booking app's `appointment_moved` hook: the forecast from the new
    appointment day, in the background."""
    from hoviat.planning.tasks import promise_renew_task

    return promise_renew_task(application_id)


def promises_on_status_change(*, application_ids: list[int], to: str) -> Any:
    """Registered on the applications app's `application_status_changed` hook: the promise of
    the point the applications reached, in the background."""
    from hoviat.planning.tasks import promises_make_task

    point = {status: point for point, status in STATUS_OF_POINT.items()}.get(to)
    if point is None or not application_ids:
        return None
    return promises_make_task(list(application_ids), str(point))
