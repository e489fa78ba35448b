"""Reads of planning: the pipeline as the promise model sees it, built from every stage's
tables; the promise shown to a citizen; the accuracy of past promises; who may see it."""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.booking.models import Booking, BookingStatus
from hoviat.core.errors import AccessDenied, NotFound
from hoviat.core.jalali import MONTHS, format_jalali, jalali_ymd, today_local
from hoviat.core.permissions import (
    director_province,
    is_national_admin,
    is_provincial_director,
    is_signed_in,
)
from hoviat.core.text import persian_digits
from hoviat.delivery.models import Collection
from hoviat.enrolment.models import Enrolment
from hoviat.offices.selectors import FRIDAY, OFFICE_TZ, THURSDAY, holiday_dates
from hoviat.places.models import Province
from hoviat.planning.engine.promise import PipelineState
from hoviat.planning.models import CardForecast, CardPromise, PredictionPoint, PromiseOutcome
from hoviat.production.models import (
    Card,
    CardBodyLedger,
    LedgerKind,
    PersonalisationRun,
    RunStatus,
)
from hoviat.production.selectors import card_body_orders_open, queue_applications, queue_position
from hoviat.production.selectors import cards_made_on as production_made_on
from hoviat.production.selectors import settings_current as production_settings

# How far ahead the capacity calendar is spelled out day by day; beyond it the engine carries
# the last month's rate on.
CALENDAR_DAYS = 180
QC_WINDOW_DAYS = 90
# The window over which the share of planned capacity actually achieved is measured, and the
# fewest measured days it needs (fewer: the model's assumption, 1.0 ± 0.1, stands).
CAPACITY_WINDOW_DAYS = 90
CAPACITY_MIN_DAYS = 5
ASSUMED_CAPACITY_ACHIEVED = 1.0
ASSUMED_CAPACITY_SPREAD = 0.1
# A run that ended this way lost capacity the line had: the day it ran measures the line.
BROKEN_RUN_STATUSES = frozenset({RunStatus.FAILED, RunStatus.INTERRUPTED})
# The capacity the walk is given on the day a card was made: it is made that day in every
# scenario (slow or fast), whatever that day's calendar says.
MADE_ALREADY = 10**9
# Statuses of a card in production or on its way: the promise counts from the card's making.
MADE_STATUSES = frozenset(
    {ApplicationStatus.IN_PRODUCTION, ApplicationStatus.PRODUCED, ApplicationStatus.SHIPPED}
)
# The point each open status is re-forecast at.
POINT_OF_STATUS: dict[str, str] = {
    ApplicationStatus.BOOKED: PredictionPoint.BOOKING,
    ApplicationStatus.ENROLLED: PredictionPoint.ENROLMENT,
    ApplicationStatus.IN_PRODUCTION: PredictionPoint.PRODUCTION_START,
    ApplicationStatus.PRODUCED: PredictionPoint.PRODUCTION_START,
    ApplicationStatus.SHIPPED: PredictionPoint.PRODUCTION_START,
}


# --- The pipeline, read once and shared by every promise of a request or a sweep ------------


@dataclass
class Pipeline:
    """What every promise of a moment shares: the production calendar, stock, deliveries on
    order, the QC failure rate and the queue's length. Transit times are read per province,
    the first time a province is asked for."""

    today: dt.date
    capacity_by_day: dict[dt.date, int]
    stock_on_hand: int
    deliveries: list[tuple[dt.date, int]]
    qc_fail_rate: float
    queue_length: int
    capacity_achieved: float = ASSUMED_CAPACITY_ACHIEVED
    capacity_spread: float = ASSUMED_CAPACITY_SPREAD
    # Enrolments expected on each day from today (the booked appointments), read the first
    # time a booking promise asks; a caller may give them (a test, a simulation).
    enrolments_expected: dict[dt.date, int] | None = None
    _transit: dict[int | None, list[float]] = field(default_factory=dict)
    _booked_starts: dict[dt.date, tuple[list[dt.datetime], list[int]]] | None = None

    def booked_before(self, *, day: dt.date, at: dt.datetime) -> int:
        """Booked appointments on `day` that start before `at` (at any office): those who
        enrol ahead of an appointment at `at` on its day."""
        if self._booked_starts is None:
            self._booked_starts = booked_starts_by_day(
                start=self.today, end=self.today + dt.timedelta(days=CALENDAR_DAYS - 1)
            )
        starts, running = self._booked_starts.get(day, ([], []))
        index = bisect.bisect_left(starts, at)
        return running[index - 1] if index else 0

    def expected_enrolments(self) -> dict[dt.date, int]:
        if self.enrolments_expected is None:
            self.enrolments_expected = enrolments_expected_by_day(
                start=self.today, end=self.today + dt.timedelta(days=CALENDAR_DAYS - 1)
            )
        return self.enrolments_expected

    def transit_days(self, province_id: int | None) -> list[float]:
        if province_id not in self._transit:
            self._transit[province_id] = transit_days_measured(province_id=province_id)
        return self._transit[province_id]


def planned_capacity(*, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """The planned capacity of each working day from `start` to `end`: the production
    settings' daily capacity, half on Thursdays; Fridays and official holidays are absent."""
    daily = production_settings().daily_capacity
    holidays = holiday_dates(start=start, end=end)
    planned: dict[dt.date, int] = {}
    day = start
    while day <= end:
        if day.weekday() != FRIDAY and day not in holidays:
            planned[day] = daily // 2 if day.weekday() == THURSDAY else daily
        day += dt.timedelta(days=1)
    return planned


def capacity_achieved_measured(*, today: dt.date) -> tuple[float, float]:
    """The share of planned capacity the line actually achieved over the last
    CAPACITY_WINDOW_DAYS (before today), and its relative spread (the standard deviation of
    the daily ratio over its mean, one sigma: the model scales the share by 1 ± 1.645 × it).

    A day's ratio is the cards it made (good and QC-failed: each took the line's time) over
    that day's planned capacity. A day measures the line only when the line was the limit:
    it made its full plan, or one of its runs failed or was interrupted. A day whose runs
    ended early because the queue ran dry or the card bodies ran out (the model counts stock
    apart) says nothing of the line, nor does a day without a run. Fewer than
    CAPACITY_MIN_DAYS measured days: the assumption (1.0 ± 0.1) stands."""
    start = today - dt.timedelta(days=CAPACITY_WINDOW_DAYS)
    end = today - dt.timedelta(days=1)
    made: dict[dt.date, int] = defaultdict(int)
    broken: set[dt.date] = set()
    for date, status, good, failed in (
        PersonalisationRun.objects.filter(date__gte=start, date__lte=end)
        .exclude(status=RunStatus.RUNNING)
        .values_list("date", "status", "personalised", "qc_failed")
    ):
        made[date] += good + failed
        if status in BROKEN_RUN_STATUSES:
            broken.add(date)
    if not made:
        return ASSUMED_CAPACITY_ACHIEVED, ASSUMED_CAPACITY_SPREAD
    planned = planned_capacity(start=min(made), end=end)
    ratios = [
        # More than planned: the capacity setting was raised since; the line made its plan.
        min(1.0, made[day] / plan)
        for day, plan in planned.items()
        if plan > 0 and day in made and (made[day] >= plan or day in broken)
    ]
    if len(ratios) < CAPACITY_MIN_DAYS:
        return ASSUMED_CAPACITY_ACHIEVED, ASSUMED_CAPACITY_SPREAD
    mean = statistics.fmean(ratios)
    if mean <= 0:
        return 0.0, 0.0
    return mean, statistics.pstdev(ratios) / mean


def capacity_calendar(*, start: dt.date, days: int = CALENDAR_DAYS) -> dict[dt.date, int]:
    """Cards the line makes on each day from `start`: the production settings' daily capacity
    on working days, half on Thursdays, none on Fridays and official holidays; today nothing
    once the day's run has ended, else what is left of it."""
    calendar = planned_capacity(start=start, end=start + dt.timedelta(days=days - 1))
    if start in calendar:
        # The day's run (nightly, hoviat/schedules.py) has made what it will make: a card
        # enrolled after it waits for the next working day's run.
        ended = PersonalisationRun.objects.filter(date=start).exclude(status=RunStatus.RUNNING)
        if ended.exists():
            calendar[start] = 0
        else:
            calendar[start] = max(0, calendar[start] - production_made_on(date=start))
    return calendar


def qc_fail_rate_measured(*, today: dt.date) -> float:
    """Share of cards failing QC over the runs of the last QC_WINDOW_DAYS; the configured rate
    when no card was made in that time."""
    totals = PersonalisationRun.objects.filter(
        date__gt=today - dt.timedelta(days=QC_WINDOW_DAYS), date__lte=today
    ).aggregate(
        good=Coalesce(Sum("personalised"), 0),
        failed=Coalesce(Sum("qc_failed"), 0),
    )
    made = totals["good"] + totals["failed"]
    if made == 0:
        return float(settings.PRODUCTION_QC_FAIL_RATE)
    return totals["failed"] / made


def transit_days_measured(*, province_id: int | None) -> list[float]:
    """Days from a card's making to its arrival at an office of the province, for the
    PLANNING_TRANSIT_SAMPLE cards that arrived last (the newest first, by the arrival index)."""
    if province_id is None:
        return []
    rows = (
        Collection.objects.filter(office__city__province_id=province_id)
        .order_by("-arrived_at")
        .values_list("arrived_at", "card__created_at")[: settings.PLANNING_TRANSIT_SAMPLE]
    )
    # A card recorded as arriving before it was made (a clock or data-entry error) is a
    # same-day arrival, not a negative transit that would promise a day already past.
    return [
        float(
            max(
                0,
                (
                    timezone.localtime(arrived, OFFICE_TZ).date()
                    - timezone.localtime(made, OFFICE_TZ).date()
                ).days,
            )
        )
        for arrived, made in rows
    ]


def enrolments_expected_by_day(*, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Booked appointments (paid, not yet attended) on each day from start to end (the
    slot's local day), counted in the database."""
    rows = (
        Booking.objects.filter(status=BookingStatus.BOOKED, slot__date__range=(start, end))
        .values("slot__date")
        .annotate(n=Count("id"))
        .values_list("slot__date", "n")
    )
    return dict(rows)


def booked_starts_by_day(
    *, start: dt.date, end: dt.date
) -> dict[dt.date, tuple[list[dt.datetime], list[int]]]:
    """For each day, the start times of its booked appointments (ascending) and how many
    start at or before each: grouped by start time in the database (a few dozen a day)."""
    rows = (
        Booking.objects.filter(status=BookingStatus.BOOKED, slot__date__range=(start, end))
        .values("slot__date", "slot__starts_at")
        .annotate(n=Count("id"))
        .order_by("slot__date", "slot__starts_at")
        .values_list("slot__date", "slot__starts_at", "n")
    )
    found: dict[dt.date, tuple[list[dt.datetime], list[int]]] = {}
    for day, starts_at, n in rows:
        starts, running = found.setdefault(day, ([], []))
        starts.append(starts_at)
        running.append((running[-1] if running else 0) + n)
    return found


@dataclass(frozen=True)
class QueueAtAppointment:
    """The production line as a booked application will find it on its appointment day."""

    queue_ahead: int
    stock_on_hand: int
    deliveries: tuple[tuple[dt.date, int], ...]


def queue_at_appointment(*, pipeline: Pipeline, appointment: dt.date) -> QueueAtAppointment:
    """The queue a booking will actually join: today's queue, plus the enrolments expected
    on each day before the appointment, minus what production makes on each of those days
    (its planned capacity times the share achieved, net of QC failures, never more than the
    queue holds nor the card bodies allow); the card bodies left and the deliveries still to
    come on the appointment day. The same day-by-day walk the model makes after it."""
    queue = float(pipeline.queue_length)
    stock = float(pipeline.stock_on_hand)
    arrivals = sorted(pipeline.deliveries)
    good_share = max(0.01, 1.0 - pipeline.qc_fail_rate)
    achieved = max(0.05, pipeline.capacity_achieved)
    expected = pipeline.expected_enrolments()
    day = pipeline.today
    while day < appointment:
        while arrivals and arrivals[0][0] <= day:
            stock += arrivals.pop(0)[1]
        queue += expected.get(day, 0)
        # The day's nightly run takes the day's enrolments too.
        attempts = min(pipeline.capacity_by_day.get(day, 0) * achieved, stock, queue / good_share)
        stock -= attempts
        queue -= attempts * good_share
        day += dt.timedelta(days=1)
    return QueueAtAppointment(
        queue_ahead=max(0, round(queue)),
        stock_on_hand=max(0, round(stock)),
        deliveries=tuple(arrivals),
    )


def pipeline_read(*, today: dt.date | None = None) -> Pipeline:
    """The shared part of every promise, in a handful of queries."""
    today = today or today_local()
    now = timezone.now()
    on_hand = CardBodyLedger.objects.filter(at__lte=now).aggregate(
        total=Coalesce(Sum("quantity"), 0)
    )["total"]
    # Card bodies on order: production's open orders on their expected day (one overdue and
    # not yet marked arrived is counted as coming today); and, from before orders were
    # recorded, a supplier's delivery written into the ledger ahead of its day.
    ordered: dict[dt.date, int] = defaultdict(int)
    for expected_on, quantity in card_body_orders_open().values_list("expected_on", "quantity"):
        ordered[max(expected_on, today)] += quantity
    for at, quantity in CardBodyLedger.objects.filter(
        kind=LedgerKind.DELIVERY, at__gt=now
    ).values_list("at", "quantity"):
        ordered[timezone.localtime(at, OFFICE_TZ).date()] += quantity
    achieved, spread = capacity_achieved_measured(today=today)
    return Pipeline(
        today=today,
        capacity_by_day=capacity_calendar(start=today),
        stock_on_hand=max(0, on_hand),
        deliveries=sorted(ordered.items()),
        qc_fail_rate=qc_fail_rate_measured(today=today),
        queue_length=Application.objects.filter(status=ApplicationStatus.ENROLLED).count(),
        capacity_achieved=achieved,
        capacity_spread=spread,
    )


# --- One application's state ----------------------------------------------------------------


@dataclass(frozen=True)
class Whereabouts:
    """Where an application's card will go and when its appointment is."""

    province_id: int | None
    appointment_date: dt.date | None
    appointment_at: dt.datetime | None = None  # the slot's start: who enrols before it that day


def whereabouts_of(*, application_ids: list[int]) -> dict[int, Whereabouts]:
    """Where each application's card goes and when its appointment is, in three queries for
    any number of applications: the office of the newest live appointment (or of the
    enrolment) decides the province; the applicant's residence when neither is known."""
    found: dict[int, Whereabouts] = {}
    for pk, province_id in Application.objects.filter(pk__in=application_ids).values_list(
        "pk", "citizen__residence_province_id"
    ):
        found[pk] = Whereabouts(province_id, None)
    for pk, province_id in Enrolment.objects.filter(application_id__in=application_ids).values_list(
        "application_id", "office__city__province_id"
    ):
        found[pk] = Whereabouts(province_id, None)
    bookings = (
        Booking.objects.filter(
            application_id__in=application_ids,
            status__in=(BookingStatus.HELD, BookingStatus.BOOKED, BookingStatus.ATTENDED),
        )
        .order_by("id")  # the newest last: it wins
        .values_list("application_id", "slot__office__city__province_id", "slot__starts_at")
    )
    for pk, province_id, starts_at in bookings:
        found[pk] = Whereabouts(
            province_id, timezone.localtime(starts_at, OFFICE_TZ).date(), starts_at
        )
    return found


def cards_made_on(*, application_ids: list[int]) -> dict[int, dt.date]:
    """The day each application's newest card was made (absent before production)."""
    rows = (
        Card.objects.filter(application_id__in=application_ids)
        .values("application_id")
        .annotate(made=Max("created_at"))
        .values_list("application_id", "made")
    )
    return {pk: timezone.localtime(made, OFFICE_TZ).date() for pk, made in rows}


def pipeline_state_for(
    *,
    application: Application,
    point: str,
    pipeline: Pipeline,
    whereabouts: Whereabouts,
    queue_ahead: int | None = None,
    made_on: dt.date | None = None,
) -> PipelineState:
    """The model's view of one application at one prediction point.

    At booking the application joins the queue as it will stand on its appointment day (see
    queue_at_appointment; the model walks production from that day); at enrolment it stands
    behind the cards ahead of it (an indexed count, or `queue_ahead` from a sweep that read
    the queue once); from production start the card is made (that day) and only its transit
    is left."""
    today = pipeline.today
    capacity = pipeline.capacity_by_day
    stock = pipeline.stock_on_hand
    deliveries = tuple(pipeline.deliveries)
    if point == PredictionPoint.BOOKING:
        ahead = pipeline.queue_length
        if whereabouts.appointment_date is not None and whereabouts.appointment_date > today:
            joins = queue_at_appointment(
                pipeline=pipeline, appointment=whereabouts.appointment_date
            )
            ahead, stock, deliveries = joins.queue_ahead, joins.stock_on_hand, joins.deliveries
            if whereabouts.appointment_at is not None:
                # Those booked earlier the same day enrol, and join the queue, ahead of it.
                ahead += pipeline.booked_before(
                    day=whereabouts.appointment_date, at=whereabouts.appointment_at
                )
    elif point == PredictionPoint.ENROLMENT:
        if queue_ahead is None:
            position = queue_position(application=application)
            queue_ahead = (position - 1) if position else pipeline.queue_length
        ahead = queue_ahead
    else:
        # Made already (or being made today): the walk starts on the making day, with room
        # for this one card whatever the calendar says of that day.
        ahead = 0
        today = min(made_on or today, today)
        capacity = {**capacity, today: MADE_ALREADY}
        stock = max(1, stock)
    return PipelineState(
        point=str(point),
        today=today,
        queue_ahead=ahead,
        capacity_by_day=capacity,
        stock_on_hand=stock,
        deliveries=deliveries,
        qc_fail_rate=pipeline.qc_fail_rate if point != PredictionPoint.PRODUCTION_START else 0.0,
        transit_days=tuple(pipeline.transit_days(whereabouts.province_id)),
        default_transit_days=float(settings.PRODUCTION_SHIPPING_WORKING_DAYS),
        appointment_date=whereabouts.appointment_date if point == PredictionPoint.BOOKING else None,
        capacity_achieved=pipeline.capacity_achieved,
        capacity_spread=pipeline.capacity_spread,
    )


def queue_ahead_by_application() -> dict[int, int]:
    """For a sweep: how many cards stand ahead of each enrolled application, from one ordered
    read of the queue instead of one count per application."""
    ids = queue_applications().values_list("pk", flat=True)
    return {pk: index for index, pk in enumerate(ids.iterator(chunk_size=5000))}


# --- The promise shown to a citizen ----------------------------------------------------------


def promise_interval_text(*, earliest: dt.date, latest: dt.date) -> str:
    """«با اطمینان ۹ از ۱۰ بین ۱۲ آذر ۱۴۰۵ و ۱۸ آذر ۱۴۰۵»."""
    return (
        f"با اطمینان {persian_digits(9)} از {persian_digits(10)} بین "
        f"{format_jalali(earliest, long=True)} و {format_jalali(latest, long=True)}"
    )


def tracking_promise(*, application: Any) -> dict[str, Any] | None:
    """The card promise for the tracking page and API (registered on the applications app's
    `tracking_extras` hook as "promise"); None when none was made or the card is ready."""
    forecast = (
        CardForecast.objects.filter(application_id=application.pk, closed=False)
        .only("date", "earliest", "latest", "made_at", "point")
        .first()
    )
    if forecast is None or application.status not in POINT_OF_STATUS:
        return None
    return {
        "date": forecast.date,
        "earliest": forecast.earliest,
        "latest": forecast.latest,
        "made_at": forecast.made_at,
        "point": forecast.point,
        "text": promise_interval_text(earliest=forecast.earliest, latest=forecast.latest),
    }


# --- Accuracy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """How far a set of promises was off: share within ±WITHIN_DAYS, mean absolute error and
    bias (mean signed error; positive: cards came later than promised)."""

    count: int
    within: int
    abs_error_sum: int
    error_sum: int
    in_interval: int

    @property
    def share_within(self) -> float | None:
        return self.within / self.count if self.count else None

    @property
    def mae_days(self) -> float | None:
        return self.abs_error_sum / self.count if self.count else None

    @property
    def bias_days(self) -> float | None:
        return self.error_sum / self.count if self.count else None

    @property
    def interval_share(self) -> float | None:
        return self.in_interval / self.count if self.count else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "within_days": settings.PLANNING_SLIP_DAYS,
            "share": _round(self.share_within, 4),
            "mae_days": _round(self.mae_days, 2),
            "bias_days": _round(self.bias_days, 2),
            "interval_share": _round(self.interval_share, 4),
        }


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _accuracy_aggregates(outcomes, *group: str) -> list[dict[str, Any]]:
    within = settings.PLANNING_SLIP_DAYS
    return list(
        outcomes.values(*group)
        .annotate(
            n=Count("id"),
            within=Count("id", filter=Q(error_days__gte=-within, error_days__lte=within)),
            late=Coalesce(Sum("error_days", filter=Q(error_days__gt=0)), 0),
            early=Coalesce(Sum("error_days", filter=Q(error_days__lt=0)), 0),
            in_interval=Count("id", filter=Q(within_interval=True)),
        )
        .order_by(*group)
    )


def _accuracy_of(row: dict[str, Any]) -> Accuracy:
    return Accuracy(
        count=row["n"],
        within=row["within"],
        abs_error_sum=row["late"] - row["early"],
        error_sum=row["late"] + row["early"],
        in_interval=row["in_interval"],
    )


def accuracy_by_point(*, province_ids: list[int] | None = None) -> dict[str, Accuracy]:
    """Per prediction point, how far the promises of every card that became ready were off
    (grouped in the database: one query); None: every province."""
    outcomes = PromiseOutcome.objects.all()
    if province_ids is not None:
        outcomes = outcomes.filter(province_id__in=province_ids)
    found = {row["point"]: _accuracy_of(row) for row in _accuracy_aggregates(outcomes, "point")}
    empty = Accuracy(0, 0, 0, 0, 0)
    return {point: found.get(point, empty) for point in PredictionPoint.values}


def backtest_report() -> dict[str, Any]:
    """`hoviat planning backtest`: per prediction point, over every recorded outcome."""
    return {
        "promise": {point: acc.as_dict() for point, acc in accuracy_by_point().items()},
        "model_versions": sorted(
            set(
                CardPromise.objects.filter(outcome__isnull=False).values_list(
                    "model_version", flat=True
                )
            )
        ),
    }


@dataclass(frozen=True)
class AccuracyRow:
    province: str
    month: str  # «آذر ۱۴۰۵»
    month_key: str  # 1405-09
    point: str
    accuracy: Accuracy


def accuracy_table(*, province_ids: list[int] | None) -> list[AccuracyRow]:
    """Accuracy by province, Jalali month of readiness and point (None: every province)."""
    outcomes = PromiseOutcome.objects.all()
    if province_ids is not None:
        outcomes = outcomes.filter(province_id__in=province_ids)
    names = dict(Province.objects.values_list("id", "name_fa"))
    merged: dict[tuple[int | None, str, str], list[dict[str, Any]]] = defaultdict(list)
    # Grouped by day in the database; the days are folded into Jalali months here.
    for row in _accuracy_aggregates(outcomes, "province_id", "ready_on", "point"):
        year, month, _ = jalali_ymd(row["ready_on"])
        merged[(row["province_id"], f"{year:04d}-{month:02d}", row["point"])].append(row)
    rows = []
    for (province_id, key, point), parts in merged.items():
        total = Accuracy(0, 0, 0, 0, 0)
        for part in parts:
            one = _accuracy_of(part)
            total = replace(
                total,
                count=total.count + one.count,
                within=total.within + one.within,
                abs_error_sum=total.abs_error_sum + one.abs_error_sum,
                error_sum=total.error_sum + one.error_sum,
                in_interval=total.in_interval + one.in_interval,
            )
        year_text, month_text = key.split("-")
        rows.append(
            AccuracyRow(
                province=names.get(province_id, "نامشخص") if province_id else "نامشخص",
                month=format_jalali_month(int(year_text), int(month_text)),
                month_key=key,
                point=point,
                accuracy=total,
            )
        )
    order = {p: i for i, p in enumerate(PredictionPoint.values)}
    rows.sort(key=lambda r: (r.province, r.month_key, order.get(r.point, 9)))
    return rows


def format_jalali_month(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {persian_digits(year)}"


# --- Access ----------------------------------------------------------------------------------


def access_accuracy_for(user: Any, *, province_code: str | None) -> list[int] | None:
    """The provinces whose accuracy a user may see: None (all) for a national admin asking for
    the nation, [id] for one province. A provincial director sees only their own province
    (another's is 403); an unknown province is 404; everyone else 403."""
    if not is_signed_in(user) or not (is_national_admin(user) or is_provincial_director(user)):
        raise AccessDenied("این صفحه فقط برای مدیران استان و مدیران کشوری است.")
    if province_code is None:
        if is_national_admin(user):
            return None
        return [director_province(user)]  # type: ignore[list-item]
    province_id = Province.objects.filter(code=province_code).values_list("id", flat=True).first()
    if province_id is None:
        raise NotFound("چنین استانی نیست.")
    if is_national_admin(user) or director_province(user) == province_id:
        return [province_id]
    raise AccessDenied("شما تنها دقت وعده‌های استان خود را می‌بینید.")
