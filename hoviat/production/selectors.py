"""Reads of production: stock, the queue and where an application stands in it, runs,
shipments, and who may see any of it."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.applications.selectors import ExpectedReady
from hoviat.core.errors import NotFound
from hoviat.core.jalali import today_local
from hoviat.core.permissions import is_national_admin, is_production_operator
from hoviat.core.text import persian_digits
from hoviat.offices.selectors import add_working_days, working_days_between
from hoviat.production.conf import conf
from hoviat.production.models import (
    Card,
    CardBodyLedger,
    CardBodyOrder,
    CardStatus,
    LedgerKind,
    OrderStatus,
    PersonalisationRun,
    ProductionSettings,
    RunStatus,
    Shipment,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SHORTAGE_REASON = "کمبود بدنه کارت"
RATE_WINDOW_DAYS = 30


def is_production_staff(user: Any) -> bool:
    """Production operators and national admins; nobody else sees production."""
    return is_production_operator(user) or is_national_admin(user)


def settings_current() -> ProductionSettings:
    row = ProductionSettings.objects.filter(pk=1).first()
    if row is None:
        row, _ = ProductionSettings.objects.get_or_create(
            pk=1, defaults={"daily_capacity": conf("PRODUCTION_DAILY_CAPACITY")}
        )
    return row


# --- Stock -----------------------------------------------------------------------------------


def stock_current() -> int:
    return CardBodyLedger.objects.aggregate(total=Coalesce(Sum("quantity"), 0))["total"]


def _used_between(since: dt.datetime, end: dt.datetime | None) -> int:
    rows = CardBodyLedger.objects.filter(
        at__gte=since, kind__in=[LedgerKind.CONSUMPTION, LedgerKind.SPOILAGE]
    )
    if end is not None:
        rows = rows.filter(at__lt=end)
    return -rows.aggregate(total=Coalesce(Sum("quantity"), 0))["total"]


# Beyond this the last 30 days' use says nothing about when the stock runs out: a handful of
# demo cards against 5,000 bodies would read «۴۹٬۹۷۰ days».
COVER_HORIZON_DAYS = 365


@dataclass(frozen=True)
class Cover:
    """Days of cover, or None with the Persian reason the figure cannot honestly be given."""

    days: float | None
    reason: str = ""


def stock_cover(*, stock: int, end: dt.datetime | None = None) -> Cover:
    """How many days `stock` lasts at the use of the RATE_WINDOW_DAYS before `end` (now)."""
    since = (end or timezone.now()) - dt.timedelta(days=RATE_WINDOW_DAYS)
    used = _used_between(since, end)
    window = persian_digits(RATE_WINDOW_DAYS)
    if used <= 0:
        return Cover(None, f"در {window} روز گذشته بدنه‌ای مصرف نشده است؛ آهنگی برای برآورد نیست.")
    if stock <= 0:
        return Cover(0.0)
    days = round(stock * RATE_WINDOW_DAYS / used, 1)
    if days > COVER_HORIZON_DAYS:
        return Cover(
            None,
            f"مصرف {window} روز گذشته ({persian_digits(used)} بدنه) کمتر از آن است که برآورد "
            f"درستی بدهد؛ موجودی بیش از {persian_digits(COVER_HORIZON_DAYS)} روز کافی است.",
        )
    return Cover(days)


def stock_days_of_cover(*, stock: int | None = None) -> float | None:
    """How many days the stock lasts at the current rate; None when that cannot be said
    (nothing used, or too little to extrapolate: stock_cover says why)."""
    stock = stock_current() if stock is None else stock
    return stock_cover(stock=stock).days


def stock_ledger() -> QuerySet[CardBodyLedger]:
    return CardBodyLedger.objects.select_related("actor", "run").order_by("-at", "-id")


def stock_series() -> list[tuple[dt.date, int]]:
    """The stock at the end of each day with a movement, for the chart."""
    rows = (
        CardBodyLedger.objects.annotate(day=TruncDate("at"))
        .values("day")
        .annotate(net=Sum("quantity"))
        .order_by("day")
    )
    total, series = 0, []
    for row in rows:
        total += row["net"]
        series.append((row["day"], total))
    return series


# --- Queue -----------------------------------------------------------------------------------


class _InQueue(TypedDict):
    queue_priority: int


def queue_applications() -> QuerySet[WithAnnotations[Application, _InQueue]]:
    """Enrolled applications in production order: priority class, then enrolment time."""
    by_kind = [
        When(kind=kind, then=Value(priority))
        for kind, priority in conf("PRODUCTION_KIND_PRIORITY").items()
    ]
    priority = Coalesce(
        "production_priority__priority",
        Case(*by_kind, default=Value(2), output_field=IntegerField()),
    )
    return (
        Application.objects.filter(status=ApplicationStatus.ENROLLED)
        .annotate(queue_priority=priority)
        .order_by("queue_priority", "enrolled_at", "id")
    )


def queue_position(*, application: Application) -> int | None:
    """1 for the next card to be made; None when the application is not in the queue."""
    mine = queue_applications().filter(pk=application.pk).first()
    if mine is None:
        return None
    p, at = mine.queue_priority, mine.enrolled_at
    ahead = Q(queue_priority__lt=p)
    if at is not None:
        ahead |= Q(queue_priority=p, enrolled_at__lt=at)
        ahead |= Q(queue_priority=p, enrolled_at=at, id__lt=mine.pk)
    else:  # enrolled_at NULL sorts last on both databases here only by id: keep it simple
        ahead |= Q(queue_priority=p, enrolled_at__isnull=False)
        ahead |= Q(queue_priority=p, enrolled_at__isnull=True, id__lt=mine.pk)
    return queue_applications().filter(ahead).count() + 1


@dataclass(frozen=True)
class Eta:
    date: dt.date | None
    basis: str  # production_queue, in_production, produced, none
    reason: str = ""


class ReadyDates:
    """Ready dates for queue positions, with one calendar read for a whole page of them."""

    def __init__(
        self, *, today: dt.date | None = None, capacity: int | None = None, stock: int | None = None
    ) -> None:
        self.today = today or today_local()
        self.capacity = capacity or settings_current().daily_capacity
        self.stock = stock_current() if stock is None else stock
        self.shipping = conf("PRODUCTION_SHIPPING_WORKING_DAYS")
        self._days: list[dt.date] = []

    def _working_day(self, n: int) -> dt.date | None:
        """The n-th working day after today (n >= 1), or None beyond ten years."""
        if n > len(self._days):
            try:
                end = add_working_days(start=self.today, days=max(n, 2 * len(self._days)))
            except ValueError:
                return None
            self._days = working_days_between(start=self.today + dt.timedelta(days=1), end=end)
        return self._days[n - 1] if n <= len(self._days) else None

    def for_position(self, position: int) -> Eta:
        # A card body must exist for everyone ahead and for this one: otherwise no date.
        if position > self.stock:
            return Eta(None, "production_queue", SHORTAGE_REASON)
        production_day = math.ceil(position / self.capacity)
        return self._after(production_day + self.shipping, "production_queue")

    def _after(self, days: int, basis: str) -> Eta:
        day = self._working_day(days) if days > 0 else self.today
        if day is None:
            return Eta(None, basis, "بیش از ده سال")
        return Eta(day, basis)

    def for_application(self, application: Application) -> Eta:
        status = application.status
        if status == ApplicationStatus.ENROLLED:
            position = queue_position(application=application)
            return self.for_position(position) if position else Eta(None, "none")
        if status == ApplicationStatus.IN_PRODUCTION:
            return self._after(1 + self.shipping, "in_production")
        if status == ApplicationStatus.PRODUCED:
            return self._after(self.shipping, "produced")
        return Eta(None, "none")


def application_production_eta(*, application: Application) -> Eta:
    """When the card of an application in or before production should reach its office."""
    return ReadyDates().for_application(application)


@dataclass(frozen=True)
class QueueSummary:
    length: int
    oldest_enrolled_at: dt.datetime | None
    oldest_age_days: float | None
    daily_capacity: int
    stock: int
    days_of_cover: float | None
    stopped_reason: str
    cover_reason: str = ""


def queue_summary() -> QueueSummary:
    queue = queue_applications()
    length = queue.count()
    oldest = (
        Application.objects.filter(status=ApplicationStatus.ENROLLED)
        .order_by("enrolled_at")
        .values_list("enrolled_at", flat=True)
        .first()
    )
    age = ((timezone.now() - oldest).total_seconds() / 86400) if oldest else None
    stock = stock_current()
    cover = stock_cover(stock=stock)
    return QueueSummary(
        length=length,
        oldest_enrolled_at=oldest,
        oldest_age_days=round(age, 2) if age is not None else None,
        daily_capacity=settings_current().daily_capacity,
        stock=stock,
        days_of_cover=cover.days,
        cover_reason=cover.reason,
        stopped_reason=(f"تولید به دلیل {SHORTAGE_REASON} متوقف است." if stock <= 0 else ""),
    )


@dataclass(frozen=True)
class QueueRow:
    position: int
    application: Application
    eta: Eta


def queue_page(*, offset: int = 0, limit: int = 100) -> list[QueueRow]:
    dates = ReadyDates()
    rows = queue_applications().select_related("citizen")[offset : offset + limit]
    return [
        QueueRow(offset + i + 1, app, dates.for_position(offset + i + 1))
        for i, app in enumerate(rows)
    ]


# --- Runs and shipments ----------------------------------------------------------------------


def cards_made_on(*, date: dt.date) -> int:
    """Card bodies used by the runs of a date: what counts against the daily capacity."""
    return Card.objects.filter(run__date=date).count()


def runs_recent(*, limit: int = 50) -> QuerySet[PersonalisationRun]:
    return PersonalisationRun.objects.select_related("started_by").order_by("-id")[:limit]


def run_running() -> PersonalisationRun | None:
    return PersonalisationRun.objects.filter(status=RunStatus.RUNNING).first()


def run_get(*, run_id: Any) -> PersonalisationRun:
    run = PersonalisationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("چنین اجرایی وجود ندارد.")
    return run


def shipments_recent(*, limit: int = 100) -> QuerySet[Shipment]:
    return (
        Shipment.objects.select_related("office", "office__city")
        .annotate(card_count=Count("cards"))
        .order_by("-id")[:limit]
    )


def shipment_get(*, shipment_id: Any) -> Shipment:
    try:
        pk = int(shipment_id)
    except (TypeError, ValueError):
        pk = None
    shipment = (
        Shipment.objects.select_related("office").filter(pk=pk).first() if pk is not None else None
    )
    if shipment is None:
        raise NotFound("محموله‌ای با این شناسه یافت نشد.", code="SHIPMENT_NOT_FOUND")
    return shipment


def shipment_cards(*, shipment: Shipment) -> QuerySet[Card]:
    return shipment.cards.select_related("application", "application__citizen").order_by("csn")


def cards_waiting_to_ship() -> int:
    return Card.objects.filter(status=CardStatus.PERSONALISED, shipment__isnull=True).count()


def mask_national_code(code: str) -> str:
    """First three and last three digits only: enough to match a card to a person on sight."""
    return f"{code[:3]}****{code[-3:]}" if len(code) == 10 else "**********"


def application_expected_ready(*, application: Application) -> ExpectedReady | None:
    """The queue's own estimate for applications in or before production (registered on the
    applications app's `expected_ready` hook); None for the others."""
    if application.status not in (
        ApplicationStatus.ENROLLED,
        ApplicationStatus.IN_PRODUCTION,
        ApplicationStatus.PRODUCED,
    ):
        return None
    eta = application_production_eta(application=application)
    return ExpectedReady(eta.date, eta.basis, eta.reason)


# --- Card bodies on order --------------------------------------------------------------------


def card_body_orders_open() -> QuerySet[CardBodyOrder]:
    """Orders not yet arrived nor cancelled, the soonest expected first."""
    return CardBodyOrder.objects.filter(status=OrderStatus.ORDERED).order_by("expected_on", "id")


def card_body_orders_recent(*, limit: int = 50) -> list[CardBodyOrder]:
    """The latest orders closed (arrived or cancelled), for the stock page."""
    return list(
        CardBodyOrder.objects.exclude(status=OrderStatus.ORDERED)
        .select_related("closed_by")
        .order_by("-closed_at", "-id")[:limit]
    )


def access_card_body_order_for(user: Any, *, order_id: int) -> CardBodyOrder:
    """An order for production staff (they work nationally); 404 for anyone else or none."""
    order = CardBodyOrder.objects.filter(pk=order_id).first()
    if order is None or not is_production_staff(user):
        raise NotFound("چنین سفارشی نیست.")
    return order
