"""`hoviat demo nation`: a simulated 24-month history of the whole country at a scale
(default 1:1000), so every dashboard, chart and expected date shows realistic figures.

People come from the registry's generator (hoviat.registry.population, the bulk path of
`generate-population`): the citizens aged 15 and over of all 31 provinces, their number the
province's 1395 census population times the adult share times the scale. Their applications
are then lived day by day through the pipeline, with every stage's own rules:

- requests follow the seasons of the source articles (seed 002, Isfahan: 199,000 in
  Farvardin against 40,000 in Mordad): quiet in the Nowruz holidays, the Farvardin peak after
  them, the summer trough, and a surge that grows towards the end of Esfand;
- the fee is paid (some never pay: expired after PRE_REGISTRATION_UNPAID_EXPIRY_DAYS), an
  appointment is booked at the first office day with a free seat (offices have a daily
  capacity, half on Thursdays, none on Fridays and holidays), a few miss it and book again;
- enrolment on the appointment day; a few are rejected;
- production in Tehran in enrolment order, up to the national daily capacity (2.25 million
  a month, scaled) and the card-body stock: lots are delivered monthly, and one lot arrives
  three weeks after the stock ran out (the card-body shortage of seed 004), which stops
  production and grows the queue; PRODUCTION_QC_FAIL_RATE of cards fail QC and are made again;
- shipping to each province (one to five days from Tehran), receipt at the office;
- collection after a few days, some late, some never: voided after DELIVERY_HOLD_DAYS;
- some handed-over cards are later reported lost or stolen, and their replacement
  applications go through the same pipeline.

Services used as they are: the registry's generator and writer (through demo_province's
top-up) and `mobile_ownerships_fill` for the people, `capacity_set` for the production
capacity the queue's expected dates count on, `reports_refresh` for the figures. The
lifecycle records are written with the historic dates the simulation gave them, in bulk (the
writer of hoviat/reports/demo_province.py: COPY on PostgreSQL, executemany on SQLite): the
lifecycle services stamp `now` and personalise every card with PKI keys, which neither gives
a history nor fits in minutes. Cards get generated serials (CSN `DN…`, CRN `8…`), no chip
keys or certificates. One audit row records the build; a second build is refused.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import jdatetime
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationKind, ApplicationStatus
from hoviat.applications.services import fee_for
from hoviat.booking.models import Booking, BookingStatus, Slot
from hoviat.core.audit import audit_record
from hoviat.core.checkdigits import damm_digit
from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import format_jalali, today_local
from hoviat.core.models import AuditEntry
from hoviat.delivery.models import (
    Collection,
    Handover,
    LossChannel,
    LossKind,
    LossReport,
    ShipmentReceipt,
    VerificationMethod,
)
from hoviat.enrolment.models import Enrolment, EnrolmentStatus
from hoviat.notifications.models import SmsMessage, SmsStatus
from hoviat.notifications.templates import sms_render
from hoviat.offices.models import Holiday, Office, OfficeKind
from hoviat.payments.models import Payment, PaymentStatus
from hoviat.places.models import City, Province
from hoviat.production.models import (
    Card,
    CardBodyLedger,
    CardStatus,
    LedgerKind,
    PersonalisationRun,
    RunStatus,
    Shipment,
    ShipmentStatus,
)
from hoviat.production.services import capacity_set
from hoviat.registry.selectors import eligible_citizens
from hoviat.registry.services import mobile_ownerships_fill
from hoviat.reports.demo_province import _operator, _pg, _sqlite, _top_up_citizens, _Writer
from hoviat.reports.services import reports_refresh

AUDIT_ACTION = "planning.demo_nation"
MONTHS = 24
# Aged 15 and over in the 1395 census: 76.4% of the population.
ADULT_SHARE = 0.764
# Share of a province's eligible people who first apply in each Jalali month (Farvardin
# first). Isfahan in seed 002: 199,000 of some 3.9 million eligible in Farvardin (5.1%),
# 40,000 in Mordad (1.0%); the year ends with a surge.
MONTH_SHARE = (0.051, 0.034, 0.022, 0.014, 0.0102, 0.011, 0.013, 0.015, 0.017, 0.020, 0.026, 0.036)
NOWRUZ_DAYS = 13  # 1–13 Farvardin: offices shut, few requests; the peak comes after
# Office seats a working day, as a share of the province's eligible people: about half the
# seats are taken in an average month, the Farvardin peak and the year-end surge queue.
SEATS_SHARE = 0.0016
NATIONAL_MONTHLY_CAPACITY = 2_000_000  # cards a month (seed facts: 2–2.5 million)
# Enrolled data is checked centrally (registry and police inquiries) before the card can be
# made: some working days, so a card is ready in about the "20 working days" of the sources.
CHECK_DAYS = (3, 14)
PRODUCTION_DAYS_A_MONTH = 26
UNPAID_SHARE = 0.06
NO_SHOW_SHARE = 0.07
REJECTED_SHARE = 0.003
NEVER_COLLECTED_SHARE = 0.03
LATE_COLLECTED_SHARE = 0.07
LOSS_SHARE = 0.012
STOLEN_SHARE = 0.25
STOCK_OUT_DAYS = 21
STOCK_COVER_DAYS = 45
# Days by road from the card factory in Tehran to each province's offices.
TRANSIT_DAYS = {
    "IR-07": 1, "IR-32": 1, "IR-26": 1, "IR-28": 1, "IR-22": 2, "IR-12": 2, "IR-21": 2,
    "IR-11": 2, "IR-24": 2, "IR-04": 2, "IR-19": 2, "IR-27": 3, "IR-20": 3, "IR-17": 3,
    "IR-16": 3, "IR-03": 3, "IR-01": 3, "IR-25": 3, "IR-08": 3, "IR-10": 3, "IR-14": 3,
    "IR-30": 3, "IR-05": 4, "IR-02": 4, "IR-18": 4, "IR-31": 4, "IR-29": 4, "IR-15": 4,
    "IR-06": 4, "IR-23": 5, "IR-13": 5,
}  # fmt: skip
CHUNK = 20_000


class NationDemoRefused(ValidationFailed):
    code = "DEMO_NATION_REFUSED"


@dataclass
class NationResult:
    citizens_created: int
    applications: int
    cards: int
    handed_over: int
    voided: int
    lost: int
    qc_failed: int
    stock_out: tuple[dt.date, dt.date] | None
    first_day: dt.date
    last_day: dt.date
    monthly_requests: list[tuple[int, int, int]]
    seconds: float


# --- The simulated people and their records ------------------------------------------------


@dataclass
class _Card:
    id: int
    app: _App
    made: dt.datetime
    status: str = CardStatus.PERSONALISED.value
    shipment: _Shipment | None = None
    arrived: dt.datetime | None = None
    handed: dt.datetime | None = None
    voided: dt.datetime | None = None
    updated: dt.datetime | None = None
    run_id: int | None = None
    sms_failed: bool = False  # the "card ready" SMS never reached the phone


@dataclass
class _Shipment:
    id: int
    office_id: int
    created: dt.datetime
    dispatched: dt.datetime
    received: dt.datetime | None
    cards: int = 0


@dataclass
class _Booking:
    slot: tuple[int, dt.datetime]
    status: str
    created: dt.datetime


@dataclass
class _App:
    id: int
    citizen_id: int
    mobile: str
    province: int  # index into the provinces list
    office_id: int
    kind: str
    fee: int
    created: dt.datetime
    status: str = ApplicationStatus.PRE_REGISTERED.value
    paid: dt.datetime | None = None
    enrolled: dt.datetime | None = None
    checked: dt.datetime | None = None  # joined the production queue
    closed: dt.datetime | None = None
    updated: dt.datetime | None = None
    bookings: list[_Booking] = field(default_factory=list)
    cards: list[_Card] = field(default_factory=list)
    replaces: _Card | None = None  # the lost or stolen card this application replaces
    loss: tuple[str, dt.datetime] | None = None


@dataclass
class _Province:
    id: int
    code: str
    offices: list[Office]
    pool: list[tuple[int, str]]  # (citizen id, mobile) who have not applied yet
    eligible: int
    factor: float
    seats: int
    transit: int


def _at(day: dt.date, minutes: float) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    return timezone.make_aware(naive)


def _office_time(day: dt.date, rng: random.Random) -> dt.datetime:
    return _at(day, 8 * 60 + rng.random() * 330)


def _poisson(lam: float, rng: random.Random) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _tracking_code(app_id: int) -> str:
    body = str(80_000_000_000 + app_id)
    return body + str(damm_digit(body))


def _day_weights(days: list[dt.date], holidays: set[dt.date]) -> dict[dt.date, float]:
    """Each day's share of its Jalali month's requests (a month's shares sum to one)."""
    raw: dict[dt.date, float] = {}
    months: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for day in days:
        j = jdatetime.date.fromgregorian(date=day)
        weight = {4: 0.35, 3: 0.8}.get(day.weekday(), 1.0)
        if day in holidays:
            weight *= 0.5
        if j.month == 1:
            weight *= 0.25 if j.day <= NOWRUZ_DAYS else 1.6
        elif j.month == 12:
            weight *= 0.4 + 1.2 * j.day / 29  # the year-end surge grows to the last day
        raw[day] = weight
        months[(j.year, j.month)].append(day)
    shares: dict[dt.date, float] = {}
    for (year, month), members in months.items():
        length = (
            jdatetime.j_days_in_month[month - 1]
            if month < 12
            else (30 if jdatetime.date(year, 1, 1).isleap() else 29)
        )
        # Whole-month weight, so a month cut by the window keeps its daily level.
        total = sum(raw[d] for d in members) * length / len(members)
        for d in members:
            shares[d] = raw[d] / total
    return shares


class _Simulation:
    def __init__(
        self,
        *,
        provinces: list[_Province],
        days: list[dt.date],
        holidays: set[dt.date],
        scale: float,
        rng: random.Random,
        ids: Callable[[type, int], list[int]],
    ) -> None:
        self.provinces, self.days, self.holidays = provinces, days, holidays
        self.rng, self.scale = rng, scale
        self.end = days[-1]
        self.next_id = {"app": ids(Application, 1)[0], "card": ids(Card, 1)[0],
                        "shipment": ids(Shipment, 1)[0]}  # fmt: skip
        self.apps: list[_App] = []
        self.cards: list[_Card] = []
        self.shipments: dict[tuple[int, dt.date], _Shipment] = {}
        self.seats: dict[tuple[int, dt.date], int] = defaultdict(int)
        self.enrol_on: dict[dt.date, list[_App]] = defaultdict(list)
        self.arrive_on: dict[dt.date, list[_Card]] = defaultdict(list)
        self.collect_on: dict[dt.date, list[_Card]] = defaultdict(list)
        self.void_on: dict[dt.date, list[_Card]] = defaultdict(list)
        self.lose_on: dict[dt.date, list[_Card]] = defaultdict(list)
        self.queue: list[tuple[dt.datetime, int, _App]] = []
        self.runs: list[dict] = []
        self.ledger: list[tuple[str, str, int, int | None, dt.datetime, str]] = []
        self.stock = 0
        self.made_recently: list[int] = []
        self.lot_unit = max(1, round(100_000 * scale))  # lots in hundred-thousands, scaled
        self.stock_out: tuple[dt.date, dt.date] | None = None
        self.daily_capacity = max(
            1, round(NATIONAL_MONTHLY_CAPACITY * scale / PRODUCTION_DAYS_A_MONTH)
        )
        self.qc_rate = float(settings.PRODUCTION_QC_FAIL_RATE)
        self.hold_days = int(settings.DELIVERY_HOLD_DAYS)
        self.unpaid_days = int(settings.PRE_REGISTRATION_UNPAID_EXPIRY_DAYS)
        self.weights = _day_weights(days, holidays)

    def _id(self, name: str) -> int:
        value = self.next_id[name]
        self.next_id[name] += 1
        return value

    def working(self, day: dt.date) -> bool:
        return day.weekday() != 4 and day not in self.holidays

    # --- Intake: request, fee, appointment ---

    def request(
        self,
        province: _Province,
        day: dt.date,
        *,
        replaces: _Card | None = None,
        after: dt.datetime | None = None,
    ) -> None:
        rng = self.rng
        if replaces is None:
            if not province.pool:
                return
            citizen_id, mobile = province.pool.pop()
            kind, fee = ApplicationKind.FIRST.value, fee_for(kind=ApplicationKind.FIRST)
        else:
            citizen_id, mobile = replaces.app.citizen_id, replaces.app.mobile
            kind, fee = ApplicationKind.REPLACEMENT.value, fee_for(kind="", earlier_losses=0)
        # Online requests come at any hour, most of them by day.
        created = _at(day, 7 * 60 + rng.random() * 16 * 60)
        if after is not None:
            created = max(created, after + dt.timedelta(minutes=2))
        app = _App(
            id=self._id("app"),
            citizen_id=citizen_id,
            mobile=mobile,
            province=province.id,
            office_id=rng.choice(province.offices).pk,
            kind=kind,
            fee=fee,
            created=created,
            replaces=replaces,
        )
        app.updated = created
        self.apps.append(app)
        if replaces is None and rng.random() < UNPAID_SHARE:
            expiry = day + dt.timedelta(days=self.unpaid_days)
            if expiry <= self.end:
                app.status, app.closed = ApplicationStatus.EXPIRED.value, _at(expiry, 90)
                app.updated = app.closed
            return
        paid = created + dt.timedelta(minutes=3 + rng.random() * rng.choice((10, 60 * 30)))
        if paid.date() > self.end:
            return
        app.paid = app.updated = paid
        app.status = ApplicationStatus.PAID.value
        self.book(app, province, timezone.localdate(paid) + dt.timedelta(days=rng.randint(1, 12)),
                  made=paid)  # fmt: skip

    def book(self, app: _App, province: _Province, wish: dt.date, *, made: dt.datetime) -> None:
        day = wish
        while True:
            seats = province.seats // 2 if day.weekday() == 3 else province.seats
            if self.working(day) and self.seats[(province.id, day)] < max(seats, 1):
                break
            day += dt.timedelta(days=1)
        self.seats[(province.id, day)] += 1
        minute = 8 * 60 + 15 * self.rng.randint(0, 21)
        booking = _Booking(slot=(app.office_id, _at(day, minute)), status="", created=made)
        app.bookings.append(booking)
        app.status, app.updated = ApplicationStatus.BOOKED.value, made
        if day > self.end:
            booking.status = BookingStatus.BOOKED.value
            return
        if len(app.bookings) == 1 and self.rng.random() < NO_SHOW_SHARE:
            booking.status = BookingStatus.MISSED.value
            again = _at(day, 16 * 60)
            self.book(app, province, day + dt.timedelta(days=self.rng.randint(3, 15)), made=again)
            return
        booking.status = BookingStatus.ATTENDED.value
        self.enrol_on[day].append(app)

    # --- Enrolment, production, shipping ---

    def enrol(self, app: _App, day: dt.date) -> None:
        app.enrolled = app.updated = app.bookings[-1].slot[1] + dt.timedelta(minutes=14)
        if self.rng.random() < REJECTED_SHARE:
            app.status = ApplicationStatus.REJECTED.value
            closed = day + dt.timedelta(days=2)
            if closed <= self.end:
                app.closed = app.updated = _at(closed, 10 * 60)
                return
        app.status = ApplicationStatus.ENROLLED.value
        checked = app.enrolled + dt.timedelta(days=self.rng.randint(*CHECK_DAYS))
        heapq.heappush(self.queue, (checked, app.id, app))

    def deliver_stock(self, day: dt.date, quantity: int, lot: str) -> None:
        self.stock += quantity
        self.ledger.append((LedgerKind.DELIVERY.value, lot, quantity, None, _at(day, 7 * 60), ""))

    def stock_plan(self, index: int, day: dt.date, stock_out_from: int) -> None:
        """Monthly lots up to STOCK_COVER_DAYS of capacity; one lot is late: it comes three
        weeks after the stock ran out."""
        # Cover for the cards made lately (the capacity before any were made).
        recent = self.made_recently[-30:]
        daily = sum(recent) / len(recent) if recent else self.daily_capacity
        target = max(round(STOCK_COVER_DAYS * daily), 1)
        lot = f"NAT-{jdatetime.date.fromgregorian(date=day).strftime('%Y%m%d')}"
        if index == 0:
            self.deliver_stock(day, target, lot)
            return
        if self.stock_out is not None and self.stock_out[1] == day:
            self.deliver_stock(day, STOCK_COVER_DAYS * self.daily_capacity, lot)
            return
        if stock_out_from <= index and (self.stock_out is None or self.stock_out[1] > day):
            return  # the late lot
        if index % 30 == 0 and self.stock < target:
            self.deliver_stock(day, -(-(target - self.stock) // self.lot_unit) * self.lot_unit, lot)

    def produce(self, day: dt.date) -> None:
        self.made_recently.append(0)
        if not self.working(day) or not self.queue:
            return
        start = _at(day, 7 * 60 + 30)
        if self.stock <= 0:
            if self.stock_out is None:
                self.stock_out = (day, day + dt.timedelta(days=STOCK_OUT_DAYS))
            self.runs.append({"date": day, "status": RunStatus.STOPPED.value, "requested": 0,
                              "good": 0, "bad": 0, "start": start, "cards": [],
                              "reason": "بدنه کارت تمام شده است"})  # fmt: skip
            return
        midnight = _at(day, 0)
        limit = min(self.daily_capacity, self.stock)
        taken: list[_App] = []
        while self.queue and len(taken) < limit and self.queue[0][0] < midnight:
            checked, _pk, app = heapq.heappop(self.queue)
            taken.append(app)
            app.checked = checked
        if not taken:
            return
        good = bad = 0
        made = start + dt.timedelta(minutes=30 + len(taken) // 4)
        run = {"date": day, "status": RunStatus.COMPLETED.value, "requested": len(taken),
               "start": start, "end": made, "cards": [], "reason": ""}  # fmt: skip
        for app in taken:
            card = _Card(id=self._id("card"), app=app, made=made, updated=made)
            app.cards.append(card)
            self.cards.append(card)
            run["cards"].append(card)
            if self.rng.random() < self.qc_rate:
                bad += 1
                card.status = CardStatus.QC_FAILED.value
                heapq.heappush(self.queue, (app.checked, app.id, app))  # keeps its place
                app.status = ApplicationStatus.ENROLLED.value
                continue
            good += 1
            app.status, app.updated = ApplicationStatus.PRODUCED.value, made
            self.ship(card, day)
        run.update(good=good, bad=bad)
        self.runs.append(run)
        self.stock -= good + bad
        self.made_recently[-1] = good + bad

    def ship(self, card: _Card, day: dt.date) -> None:
        dispatch = day + dt.timedelta(days=1)
        if dispatch > self.end:
            return  # made on the last day: packed tomorrow
        province = self.provinces[card.app.province]
        key = (card.app.office_id, day)
        shipment = self.shipments.get(key)
        if shipment is None:
            arrival = dispatch + dt.timedelta(days=province.transit + self.rng.randint(0, 1))
            while not self.working(arrival):
                arrival += dt.timedelta(days=1)
            shipment = _Shipment(
                id=self._id("shipment"),
                office_id=card.app.office_id,
                created=_at(day, 15 * 60),
                dispatched=_at(dispatch, 6 * 60),
                received=_at(arrival, 8 * 60 + 5) if arrival <= self.end else None,
            )
            self.shipments[key] = shipment
            if shipment.received is not None:
                self.arrive_on[arrival].append(card)
        elif shipment.received is not None:
            self.arrive_on[timezone.localdate(shipment.received)].append(card)
        shipment.cards += 1
        card.shipment = shipment
        card.status, card.updated = CardStatus.IN_TRANSIT.value, shipment.dispatched
        card.app.status, card.app.updated = ApplicationStatus.SHIPPED.value, shipment.dispatched

    # --- At the office: arrival, collection, voiding, losses ---

    def arrive(self, card: _Card, day: dt.date) -> None:
        assert card.shipment is not None and card.shipment.received is not None
        card.arrived = card.updated = card.shipment.received
        card.status = CardStatus.AT_OFFICE.value
        card.app.status = ApplicationStatus.READY_AT_OFFICE.value
        card.app.updated = card.arrived
        r = self.rng.random()
        # A changed or blocked number: the commonest reason a card lies uncollected (seed 003).
        card.sms_failed = self.rng.random() < (0.4 if r < NEVER_COLLECTED_SHARE else 0.02)
        if r < NEVER_COLLECTED_SHARE:
            void_day = day + dt.timedelta(days=self.hold_days + 1)
            if void_day <= self.end:
                self.void_on[void_day].append(card)
            return
        if r < NEVER_COLLECTED_SHARE + LATE_COLLECTED_SHARE:
            wait = self.rng.randint(20, self.hold_days - 5)
        else:
            wait = min(int(self.rng.expovariate(1 / 6)), 40)
        collect = day + dt.timedelta(days=wait)
        while not self.working(collect):
            collect += dt.timedelta(days=1)
        if collect <= self.end:
            self.collect_on[collect].append(card)

    def collect(self, card: _Card, day: dt.date) -> None:
        assert card.arrived is not None
        handed = max(_office_time(day, self.rng), card.arrived + dt.timedelta(minutes=20))
        card.handed = card.updated = handed
        card.status = CardStatus.ACTIVE.value
        app = card.app
        app.status, app.closed, app.updated = ApplicationStatus.DELIVERED.value, handed, handed
        if self.rng.random() < LOSS_SHARE:
            lost = day + dt.timedelta(days=self.rng.randint(15, 400))
            if lost <= self.end:
                self.lose_on[lost].append(card)

    def void(self, card: _Card, day: dt.date) -> None:
        card.voided = card.updated = _at(day, 2 * 60)
        card.status = CardStatus.VOIDED.value
        app = card.app
        app.status, app.closed, app.updated = (
            ApplicationStatus.VOIDED.value,
            card.voided,
            card.voided,
        )

    def lose(self, card: _Card, day: dt.date) -> None:
        stolen = self.rng.random() < STOLEN_SHARE
        reported = _at(day, 9 * 60 + self.rng.random() * 600)
        card.status = (CardStatus.REVOKED if stolen else CardStatus.SUSPENDED).value
        card.updated = reported
        kind = (LossKind.STOLEN if stolen else LossKind.LOST).value
        province = self.provinces[card.app.province]
        before = len(self.apps)
        self.request(province, day, replaces=card, after=reported)
        if len(self.apps) > before:
            self.apps[-1].loss = (kind, reported)

    # --- The whole run ---

    def run(self, stock_out_from: int) -> None:
        for index, day in enumerate(self.days):
            self.stock_plan(index, day, stock_out_from)
            share = self.weights[day]
            for province in self.provinces:
                month = jdatetime.date.fromgregorian(date=day).month
                lam = province.eligible * MONTH_SHARE[month - 1] * province.factor * share
                for _ in range(_poisson(lam, self.rng)):
                    self.request(province, day)
            for app in self.enrol_on.pop(day, []):
                self.enrol(app, day)
            self.produce(day)
            for card in self.arrive_on.pop(day, []):
                self.arrive(card, day)
            for card in self.collect_on.pop(day, []):
                self.collect(card, day)
            for card in self.void_on.pop(day, []):
                self.void(card, day)
            for card in self.lose_on.pop(day, []):
                self.lose(card, day)


# --- Writing -------------------------------------------------------------------------------


class _QuotedWriter(_Writer):
    """demo_province's writer, with quoted column names (the SMS table has a column `to`)."""

    def write(self, model, fields: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([_pg(value) for value in row])
                return
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 (names from the model (demo builder))  # nosec B608
                f"VALUES ({', '.join(['%s'] * len(fields))})",
                [[_sqlite(value) for value in row] for row in rows],
            )


def _write(
    sim: _Simulation,
    writer: _QuotedWriter,
    operator_id: int,
    say: Callable[[str], None],
    *,
    sms: bool,
) -> None:
    apps = sorted(sim.apps, key=lambda a: a.id)
    with transaction.atomic():
        for start in range(0, len(apps), CHUNK):
            part = apps[start : start + CHUNK]
            writer.write(
                Application,
                ["id", "tracking_code", "citizen", "kind", "status", "fee_rials", "mobile",
                 "created_at", "updated_at", "paid_at", "enrolled_at", "closed_at", "public_id"],
                # public_id random, not seeded: it names the citizen's pages.
                [(a.id, _tracking_code(a.id), a.citizen_id, a.kind, a.status, a.fee, a.mobile,
                  a.created, a.updated or a.created, a.paid, a.enrolled, a.closed, uuid.uuid4())
                 for a in part],
            )  # fmt: skip
            writer.write(
                Payment,
                ["application", "amount_rials", "gateway", "authority", "status", "ref_id",
                 "card_pan_masked", "failure_reason", "created_at", "updated_at", "completed_at"],
                [(a.id, a.fee, "sandbox", f"DEMO-NATION-{a.id}", PaymentStatus.SUCCEEDED.value,
                  f"{a.id:012d}", "603799******1405", "", a.paid - dt.timedelta(minutes=2),
                  a.paid, a.paid) for a in part if a.paid is not None],
            )  # fmt: skip
        say(f"applications and payments: {len(apps):,}")
        _write_bookings(apps, writer)
        say("appointments written")
        writer.write(
            Enrolment,
            ["application", "office", "operator", "status", "walk_in", "started_at",
             "completed_at", "shenasnameh_original", "old_card_surrendered", "form_confirmed",
             "face_sha256", "fingerprints", "updated_at"],
            [(a.id, a.office_id, operator_id, EnrolmentStatus.COMPLETED.value, False,
              a.enrolled - dt.timedelta(minutes=12), a.enrolled, True, a.kind == "first", True,
              f"{a.id:064x}"[-64:], {}, a.enrolled) for a in apps if a.enrolled is not None],
        )  # fmt: skip
        run_ids = writer.ids(PersonalisationRun, len(sim.runs))
        writer.write(
            PersonalisationRun,
            ["id", "date", "status", "requested", "personalised", "qc_failed", "stop_reason",
             "targets", "started_at", "heartbeat_at", "finished_at"],
            [(rid, r["date"], r["status"], r["requested"], r["good"], r["bad"], r["reason"], [],
              r["start"], r.get("end", r["start"]), r.get("end", r["start"]))
             for rid, r in zip(run_ids, sim.runs, strict=True)],
        )  # fmt: skip
        ledger = list(sim.ledger)
        for rid, r in zip(run_ids, sim.runs, strict=True):
            if r["good"]:
                ledger.append((LedgerKind.CONSUMPTION.value, "", -r["good"], rid, r["end"], ""))
            if r["bad"]:
                ledger.append((LedgerKind.SPOILAGE.value, "", -r["bad"], rid, r["end"],
                               "رد در کنترل کیفیت"))  # fmt: skip
            for card in r["cards"]:
                card.run_id = rid
        writer.write(CardBodyLedger, ["kind", "lot", "quantity", "run", "at", "note"], ledger)
        shipments = sorted(sim.shipments.values(), key=lambda s: s.id)
        writer.write(
            Shipment,
            ["id", "office", "status", "created_at", "dispatched_at"],
            [(s.id, s.office_id,
              (ShipmentStatus.RECEIVED if s.received else ShipmentStatus.DISPATCHED).value,
              s.created, s.dispatched) for s in shipments],
        )  # fmt: skip
        writer.write(
            ShipmentReceipt,
            ["shipment", "office", "received_by", "received_at", "expected", "received",
             "missing", "unexpected"],
            [(s.id, s.office_id, operator_id, s.received, s.cards, s.cards, [], [])
             for s in shipments if s.received is not None],
        )  # fmt: skip
        say(f"runs {len(sim.runs):,}, shipments {len(shipments):,}")
        validity = int(settings.PRODUCTION_CARD_VALIDITY_YEARS)
        cards = sorted(sim.cards, key=lambda c: c.id)
        for start in range(0, len(cards), CHUNK):
            part = cards[start : start + CHUNK]
            writer.write(
                Card,
                ["id", "csn", "crn", "application", "status", "run", "shipment", "office",
                 "issued_on", "expires_on", "chip_id", "auth_cert_serial", "sign_cert_serial",
                 "data_object_sha256", "pin_hashes", "created_at", "updated_at"],
                [(c.id, f"DN{c.id:014d}", f"8{c.id:09d}", c.app.id, c.status, c.run_id,
                  c.shipment.id if c.shipment else None, c.app.office_id, c.made.date(),
                  c.made.date() + dt.timedelta(days=365 * validity + validity // 4),
                  f"demo-nation-{c.id}", "", "", "", {}, c.made, c.updated or c.made)
                 for c in part],
            )  # fmt: skip
        arrived = [c for c in cards if c.arrived is not None]
        writer.write(
            Collection,
            ["card", "office", "arrived_at", "hold_until", "reminders_sent", "collected_at",
             "voided_at"],
            [(c.id, c.app.office_id, c.arrived,
              timezone.localdate(c.arrived) + dt.timedelta(days=sim.hold_days),
              0 if c.handed else 1, c.handed, c.voided) for c in arrived],
        )  # fmt: skip
        if sms:
            _write_notices(sim, arrived, writer)
        writer.write(
            Handover,
            ["card", "application", "office", "operator", "handed_over_at", "verification",
             "fingerprint_position", "fingerprint_score", "invalidated_cards",
             "invalidated_old_cards"],
            [(c.id, c.app.id, c.app.office_id, operator_id, c.handed,
              VerificationMethod.TRACKING_CODE.value, 2, 87, [], [])
             for c in arrived if c.handed is not None],
        )  # fmt: skip
        writer.write(
            LossReport,
            ["card", "kind", "channel", "reported_at", "reporter_mobile", "replacement"],
            [(a.replaces.id, a.loss[0], LossChannel.CITIZEN.value, a.loss[1], a.mobile, a.id)
             for a in apps if a.replaces is not None and a.loss is not None],
        )  # fmt: skip
        say(f"cards {len(cards):,}")
        if writer.postgres:
            # The simulation numbered these rows itself: the sequences move past them.
            with connection.cursor() as cursor:
                for model in (Application, Card, Shipment):
                    table = model._meta.db_table
                    top = f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}"  # noqa: S608 (a model's table)  # nosec B608
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({top}))", [table]
                    )


def _write_notices(sim: _Simulation, arrived: list[_Card], writer: _QuotedWriter) -> None:
    """The "card ready" SMS of each card that reached its office, as the outbox sent it."""
    offices = {o.pk: o for p in sim.provinces for o in p.offices}
    rows = []
    for c in arrived:
        assert c.arrived is not None
        office = offices[c.app.office_id]
        hold = timezone.localdate(c.arrived) + dt.timedelta(days=sim.hold_days)
        body = sms_render(
            template="card_ready",
            params={"csn": f"DN{c.id:014d}", "office_name": office.name,
                    "office_address": office.address, "hold_until": hold},
        )  # fmt: skip
        sent = c.arrived + dt.timedelta(minutes=3)
        status = SmsStatus.UNDELIVERABLE if c.sms_failed else SmsStatus.DELIVERED
        rows.append(
            (c.app.mobile, body, "card_ready", status.value, 1, None, f"demo-nation-{c.id}",
             "تلفن همراه در دسترس نیست" if c.sms_failed else "", "applications.application",
             str(c.app.id), c.arrived, sent, None if c.sms_failed else sent)
        )  # fmt: skip
    writer.write(
        SmsMessage,
        ["to", "body", "kind", "status", "attempts", "next_attempt_at", "provider_message_id",
         "last_error", "object_type", "object_id", "created_at", "sent_at", "delivered_at"],
        rows,
    )  # fmt: skip


def _write_bookings(apps: list[_App], writer: _QuotedWriter) -> None:
    """One slot per office and quarter hour used; a slot the booking app already made for
    an office (its generated days ahead) is reused and its seats counted."""
    wanted: dict[tuple[int, dt.datetime], list[tuple[_App, _Booking]]] = defaultdict(list)
    for app in apps:
        for booking in app.bookings:
            wanted[booking.slot].append((app, booking))
    if not wanted:
        return
    first = min(at for _o, at in wanted)
    existing = {
        (office_id, starts_at): pk
        for pk, office_id, starts_at in Slot.objects.filter(
            starts_at__gte=first, office_id__in={o for o, _at in wanted}
        ).values_list("pk", "office_id", "starts_at")
    }
    new_keys = [key for key in wanted if key not in existing]
    slot_ids = dict(zip(new_keys, writer.ids(Slot, len(new_keys)), strict=True))
    holding = {BookingStatus.BOOKED.value, BookingStatus.HELD.value}
    writer.write(
        Slot,
        ["id", "office", "starts_at", "ends_at", "date", "capacity", "taken"],
        [(slot_ids[key], key[0], key[1], key[1] + dt.timedelta(minutes=15),
          timezone.localdate(key[1]), max(2, len(wanted[key])),
          sum(1 for _a, b in wanted[key] if b.status in holding)) for key in new_keys],
    )  # fmt: skip
    for key, pk in existing.items():
        if key in wanted:
            seats = sum(1 for _a, b in wanted[key] if b.status in holding)
            slot = Slot.objects.get(pk=pk)
            # Seats beyond the slot's capacity widen it: the demo's history booked them.
            Slot.objects.filter(pk=pk).update(
                taken=slot.taken + seats, capacity=max(slot.capacity, slot.taken + seats)
            )
            slot_ids[key] = pk
    writer.write(
        Booking,
        ["application", "slot", "status", "hold_expires_at", "created_at", "updated_at"],
        [(app.id, slot_ids[key], b.status, None, b.created, b.created)
         for key, rows in wanted.items() for app, b in rows],
    )  # fmt: skip


# --- The build -----------------------------------------------------------------------------


def _offices_ensure(province: Province) -> list[Office]:
    offices = list(
        Office.objects.filter(
            city__province=province, is_active=True, hands_over_cards=True, always_open=False
        ).order_by("pk")
    )
    if offices:
        return offices
    capital = (
        City.objects.filter(province=province).order_by("-is_provincial_capital", "pk").first()
    )
    if capital is None:
        raise NationDemoRefused(f"استان {province.name_fa} هیچ شهری ندارد.")
    office, _ = Office.objects.get_or_create(
        code=f"NAT-{province.code[3:]}01",
        defaults={
            "kind": OfficeKind.REGISTRATION,
            "name": f"اداره ثبت احوال {capital.name_fa}",
            "city": capital,
            "address": f"{capital.name_fa}، مرکز شهر",
        },
    )
    return [office]


def nation_build(
    *,
    scale: float = 0.001,
    seed: int = 1405,
    sms: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> NationResult:
    """Fill the database with a simulated 24-month national history at `scale`.

    `sms`: write the "card ready" messages too (None: on PostgreSQL only). On SQLite the
    figures' SMS join (reports: `s.object_id = CAST(a.id AS TEXT)`) scans every application
    for each message, which turns a one-minute build into many minutes at 1:1000."""
    started = time.perf_counter()
    if sms is None:
        sms = connection.vendor == "postgresql"
    say = progress or (lambda _message: None)
    if not 0 < scale <= 0.01:
        raise NationDemoRefused("مقیاس باید بیشتر از صفر و حداکثر ۰٫۰۱ باشد.")
    previous = AuditEntry.objects.filter(action=AUDIT_ACTION).order_by("at").first()
    if previous is not None:
        when = format_jalali(timezone.localtime(previous.at), with_time=True)
        raise NationDemoRefused(
            f"تاریخچهٔ نمایشی کشور پیش‌تر در این پایگاه داده ساخته شده است ({when}); "
            "برای ساختن دوباره، پایگاه دادهٔ تازه‌ای بسازید.",
            code="DEMO_NATION_ALREADY_LOADED",
        )
    provinces = list(Province.objects.order_by("code"))
    if len(provinces) < 31 or not Holiday.objects.exists():
        raise NationDemoRefused(
            "داده‌های پایه (استان‌ها، تعطیلات، دفترها) نیست: نخست `hoviat demo` را اجرا کنید.",
            code="DEMO_NATION_NO_BASE",
        )
    today = today_local()
    rng = random.Random(f"{seed}:nation")
    jtoday = jdatetime.date.fromgregorian(date=today)
    year, month = jtoday.year, jtoday.month - MONTHS + 1
    while month < 1:
        year, month = year - 1, month + 12
    first = jdatetime.date(year, month, 1).togregorian()
    last = today - dt.timedelta(days=1)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    holidays = set(Holiday.objects.filter(date__gte=first).values_list("date", flat=True))

    has_application = Application.objects.filter(citizen=OuterRef("pk"))
    simulated: list[_Province] = []
    created = 0
    for index, province in enumerate(provinces):
        offices = _offices_ensure(province)
        target = round(province.population_1395 * ADULT_SHARE * scale)
        have = eligible_citizens(on=today, province=province).count()
        if target > have:
            created += _top_up_citizens(
                province=province, needed=target - have, seed=seed + 7, today=today
            )
        # Their mobiles answer for them in the simulated SIM registry, so they can sign in.
        mobile_ownerships_fill(province=province)
        pool = list(
            eligible_citizens(on=today, province=province)
            .filter(~Exists(has_application))
            .order_by("pk")
            .values_list("pk", "mobile")
        )
        rng.shuffle(pool)
        # Demand follows the people the province holds (the base demo may have more than
        # its share), so coverage compares across provinces.
        eligible = max(target, have, 1)
        simulated.append(
            _Province(
                id=index,
                code=province.code,
                offices=offices,
                pool=pool,
                eligible=eligible,
                factor=1.0 if province.code == "IR-04" else rng.uniform(0.8, 1.2),
                seats=max(1, round(eligible * SEATS_SHARE)),
                transit=TRANSIT_DAYS.get(province.code, 3),
            )
        )
    say(f"citizens: +{created:,} (scale 1:{round(1 / scale):,})")

    writer = _QuotedWriter()
    sim = _Simulation(
        provinces=simulated, days=days, holidays=holidays, scale=scale, rng=rng, ids=writer.ids
    )
    # The late card-body lot: its wait begins some ten months into the window.
    sim.run(stock_out_from=int(len(days) * 0.42))
    say(f"simulated {len(days)} days: {len(sim.apps):,} applications, {len(sim.cards):,} cards")
    operator = _operator(simulated[0].offices[0])
    _write(sim, writer, operator.pk, say, sms=sms)
    # The queue's expected dates count on the capacity the history was made with.
    capacity_set(daily_capacity=sim.daily_capacity, actor=None)
    say(f"production capacity set to {sim.daily_capacity:,} cards a day")
    refresh = reports_refresh(full=True)
    say(f"figures computed ({refresh.rows:,} rows, {refresh.seconds:.1f} s)")

    from hoviat.reports.selectors import monthly_registrations

    monthly = monthly_registrations(level="nation", code="IR", as_of=today)
    seconds = time.perf_counter() - started
    result = NationResult(
        citizens_created=created,
        applications=len(sim.apps),
        cards=len(sim.cards),
        handed_over=sum(1 for c in sim.cards if c.handed is not None),
        voided=sum(1 for c in sim.cards if c.voided is not None),
        lost=sum(1 for a in sim.apps if a.loss is not None),
        qc_failed=sum(1 for c in sim.cards if c.status == CardStatus.QC_FAILED.value),
        stock_out=sim.stock_out,
        first_day=first,
        last_day=last,
        monthly_requests=monthly,
        seconds=seconds,
    )
    audit_record(
        actor=None,
        action=AUDIT_ACTION,
        object_type="places.province",
        object_id="IR",
        reason=f"seed {seed}, scale {scale}",
        data={
            "scale": scale,
            "seed": seed,
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "citizens_created": created,
            "applications": result.applications,
            "cards": result.cards,
            "handed_over": result.handed_over,
            "voided": result.voided,
            "lost": result.lost,
            "qc_failed": result.qc_failed,
            "stock_out": [d.isoformat() for d in sim.stock_out] if sim.stock_out else None,
            "seconds": round(seconds, 1),
        },
    )
    return result
