"""`hoviat demo province IR-06 --eligible … --requested … --issued … --uncollected …`: a
province whose figures are the ones given, built from synthetic people and real lifecycle
records (applications, enrolments, cards, collections, hand-overs), never from a stored
figure. The report then computes the figures from those records like any others.

It TOPS UP: the figures are first computed from what the province already holds (after a
full refresh), and only the differences are created: more eligible citizens (synthetic, with
valid national codes of the province's counties), and applications for people who had none,
taken through their life to the stage each figure needs. A figure already above its target
is refused with a clear message, never deleted. Running it twice with the same targets
creates nothing the second time.

Cards get generated serials (CSN `DM…`, CRN `9…`) but no chip keys or certificates (no PKI
is touched); there is no audit row per synthetic record, one audit row for the build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationKind, ApplicationStatus
from hoviat.core.audit import audit_record
from hoviat.core.checkdigits import damm_digit
from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.core.models import Role, User
from hoviat.core.text import persian_number
from hoviat.delivery.conf import conf as delivery_conf
from hoviat.delivery.models import Collection, Handover, VerificationMethod
from hoviat.enrolment.models import Enrolment, EnrolmentStatus
from hoviat.offices.models import Office
from hoviat.places.selectors import province_get
from hoviat.production.conf import conf as production_conf
from hoviat.production.models import (
    Card,
    CardStatus,
    PersonalisationRun,
    RunStatus,
    Shipment,
    ShipmentStatus,
)
from hoviat.registry.population import population_rows, province_places_load
from hoviat.registry.selectors import eligible_citizens, latest_birth_date_for_age
from hoviat.registry.writers import batches_store
from hoviat.reports.selectors import Figures, figures_for
from hoviat.reports.services import reports_refresh

CHUNK = 20_000
# Of the people handed a card, this share asked within the last year (Bushehr: 72,000 of
# 727,592 requests were made last year).
RECENT_SHARE = 0.1
QUEUE_SHARE = 0.85  # of the pipeline not yet at an office, by default: enrolled and waiting
# Applications are spread from 1 Farvardin 1397 to the build day.
FIRST_REQUEST = dt.date(2018, 3, 21)
OPERATOR_USERNAME = "demo-bulk-operator"
FEE_RIALS = 1_450_000


class DemoRefused(ValidationFailed):
    code = "DEMO_PROVINCE_REFUSED"


@dataclass(frozen=True)
class DemoResult:
    province: str
    citizens_created: int
    applications_created: int
    cards_created: int
    figures: Figures
    seconds: float


def _local(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in office hours (08:00–14:00 Tehran) of a local day."""
    minutes = 8 * 60 + int(rng.random() * 360)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, int(rng.random() * 60)))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _top_up_citizens(*, province, needed: int, seed: int, today: dt.date) -> int:
    """Add exactly `needed` citizens eligible today; codes already present are skipped."""
    if needed <= 0:
        return 0
    places = province_places_load(province=province)
    cutoff = latest_birth_date_for_age(age=settings.CARD_MINIMUM_AGE, on=today)
    created = 0
    attempt = 0
    while created < needed:
        attempt += 1
        missing = needed - created
        # Oversample: about a quarter of the generated people are children, dead or without
        # a photo shenasnameh; only eligible ones are kept.
        rows = (
            row
            for row in population_rows(
                places=places,
                size=min(int(missing * 1.5) + 100, len(places.prefixes) * 10**6),
                seed=seed * 1000 + attempt,
            )
            if row[15] and row[16] and row[6] <= cutoff
        )
        inserted = [0]

        def stored(_given: int, count: int, _inserted=inserted) -> None:
            _inserted[0] += count

        batches_store(islice(rows, missing), batch_size=20_000, on_batch=stored)
        created += inserted[0]
        if attempt > 20:
            raise DemoRefused("ساختن شهروندان تازه در این استان به پایان نرسید (کدهای تکراری).")
    return created


def _operator(office: Office) -> User:
    user = User.objects.filter(username=OPERATOR_USERNAME).first()
    if user is None:
        user = User.objects.create(
            username=OPERATOR_USERNAME,
            first_name="کارگزار",
            last_name="داده نمایشی",
            role=Role.OFFICE_OPERATOR,
            office=office,
            is_active=False,  # records only: nobody signs in as it
        )
    return user


@dataclass
class _Plan:
    citizen_id: int
    mobile: str
    stage: str  # delivered, ready, enrolled, in_production, produced, shipped, paid, pre
    office: Office | None = None
    created: dt.datetime | None = None
    enrolled: dt.datetime | None = None
    produced: dt.date | None = None
    arrived: dt.datetime | None = None
    handed: dt.datetime | None = None


def _timeline(plan: _Plan, rng: random.Random, today: dt.date) -> None:
    """Dates of one application's life that end at its stage, all on or before today."""
    r = rng.random
    span = (today - FIRST_REQUEST).days
    if plan.stage == "delivered":
        if r() < RECENT_SHARE:  # the scheme goes on: some of last year's requests
            created = today - _days(100 + int(r() * 265))
        else:  # weighted towards the early years of the scheme
            created = FIRST_REQUEST + _days(int((r() ** 1.4) * max(span - 100, 1)))
        enrolled = created + _days(1 + int(r() * 20))
        arrived = enrolled + _days(10 + int(r() * 40))
        handed = arrived + _days(int(r() * 25))
        plan.created, plan.enrolled = _local(created, rng), _local(enrolled, rng)
        plan.produced = enrolled + _days(3 + int(r() * 5))
        plan.arrived, plan.handed = _local(arrived, rng), _local(handed, rng)
    elif plan.stage == "ready":
        arrived = today - _days(int(r() * 60))
        enrolled = arrived - _days(10 + int(r() * 40))
        plan.created = _local(enrolled - _days(1 + int(r() * 20)), rng)
        plan.enrolled = _local(enrolled, rng)
        plan.produced = enrolled + _days(3 + int(r() * 5))
        plan.arrived = _local(arrived, rng)
    elif plan.stage in ("enrolled", "in_production", "produced", "shipped"):
        enrolled = today - _days(1 + int(r() * 90))
        plan.created = _local(enrolled - _days(1 + int(r() * 20)), rng)
        plan.enrolled = _local(enrolled, rng)
        if plan.stage in ("produced", "shipped"):
            plan.produced = min(enrolled + _days(1 + int(r() * 5)), today)
    else:
        plan.created = _local(today - _days(int(r() * 20)), rng)
    now = timezone.now()
    for name in ("created", "enrolled", "arrived", "handed"):
        value = getattr(plan, name)
        if value is not None and value > now:
            setattr(plan, name, now - dt.timedelta(minutes=5))


_STATUS = {
    "delivered": ApplicationStatus.DELIVERED,
    "ready": ApplicationStatus.READY_AT_OFFICE,
    "enrolled": ApplicationStatus.ENROLLED,
    "in_production": ApplicationStatus.IN_PRODUCTION,
    "produced": ApplicationStatus.PRODUCED,
    "shipped": ApplicationStatus.SHIPPED,
    "paid": ApplicationStatus.PAID,
    "pre": ApplicationStatus.PRE_REGISTERED,
}
_CARD_STATUS = {
    "delivered": CardStatus.ACTIVE,
    "ready": CardStatus.AT_OFFICE,
    "produced": CardStatus.PERSONALISED,
    "shipped": CardStatus.IN_TRANSIT,
}


class _Runs:
    """One completed personalisation run per production month, one received shipment per
    office and arrival month, one dispatched shipment per office: created when first needed."""

    def __init__(self) -> None:
        self.runs: dict[dt.date, PersonalisationRun] = {}
        self.shipments: dict[tuple[int, dt.date | None], Shipment] = {}

    def run(self, day: dt.date) -> PersonalisationRun:
        month = day.replace(day=1)
        if month not in self.runs:
            at = timezone.make_aware(
                dt.datetime.combine(month, dt.time(1)), timezone.get_default_timezone()
            )
            self.runs[month] = PersonalisationRun.objects.create(
                date=month,
                status=RunStatus.COMPLETED,
                started_at=at,
                heartbeat_at=at,
                finished_at=at,
                stop_reason="داده نمایشی استان",
            )
        return self.runs[month]

    def shipment(self, office: Office, arrived: dt.datetime | None) -> Shipment:
        month = timezone.localdate(arrived).replace(day=1) if arrived else None
        key = (office.pk, month)
        if key not in self.shipments:
            at = arrived or timezone.now()
            self.shipments[key] = Shipment.objects.create(
                office=office,
                status=ShipmentStatus.RECEIVED if arrived else ShipmentStatus.DISPATCHED,
                created_at=at - _days(3),
                dispatched_at=at - _days(2),
            )
        return self.shipments[key]


class _Writer:
    """Rows written as tuples with ids given up front: COPY on PostgreSQL (the full Bushehr
    figures are some four million rows), executemany on SQLite. Ids are reserved from the
    table's sequence on PostgreSQL; on SQLite, which one builder at a time writes, they
    follow the largest id."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def ids(self, model, count: int) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (table name from the model (demo builder))  # nosec B608
            first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))

    def write(self, model, fields: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        columns = [model._meta.get_field(name).column for name in fields]
        with connection.cursor() as cursor:
            if self.postgres:
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row([_pg(value) for value in row])
                return
            adapted = [[_sqlite(value) for value in row] for row in rows]
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from the model (demo builder))  # nosec B608
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                adapted,
            )


def _pg(value):
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _sqlite(value):
    if isinstance(value, uuid.UUID):
        return value.hex  # as Django keeps a UUIDField on SQLite
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


_APP_FIELDS = ["id", "tracking_code", "citizen", "kind", "status", "fee_rials", "mobile",
               "created_at", "updated_at", "paid_at", "enrolled_at", "closed_at",
               "public_id"]  # fmt: skip
_ENROLMENT_FIELDS = ["application", "office", "operator", "status", "walk_in", "started_at",
                     "completed_at", "shenasnameh_original", "old_card_surrendered",
                     "form_confirmed", "face_sha256", "fingerprints", "updated_at"]  # fmt: skip
_CARD_FIELDS = ["id", "csn", "crn", "application", "status", "run", "shipment", "office",
                "issued_on", "expires_on", "chip_id", "auth_cert_serial", "sign_cert_serial",
                "data_object_sha256", "pin_hashes", "created_at", "updated_at"]  # fmt: skip
_COLLECTION_FIELDS = ["card", "office", "arrived_at", "hold_until", "reminders_sent",
                      "collected_at"]  # fmt: skip
_HANDOVER_FIELDS = ["card", "application", "office", "operator", "handed_over_at",
                    "verification", "fingerprint_position", "fingerprint_score",
                    "invalidated_cards", "invalidated_old_cards"]  # fmt: skip


def _store_chunk(plans: list[_Plan], *, operator: User, runs: _Runs, writer: _Writer) -> int:
    """The records of a chunk of planned applications; returns cards created."""
    app_ids = writer.ids(Application, len(plans))
    writer.write(
        Application,
        _APP_FIELDS,
        [
            (
                app_id,
                _tracking_code(plan.citizen_id),
                plan.citizen_id,
                ApplicationKind.FIRST.value,
                _STATUS[plan.stage].value,
                FEE_RIALS,
                plan.mobile or "09170000000",
                plan.created,
                plan.handed or plan.arrived or plan.enrolled or plan.created,
                None if plan.stage == "pre" else plan.created,
                plan.enrolled,
                plan.handed,
                uuid.uuid4(),  # random, not seeded: it names the citizen's pages
            )
            for app_id, plan in zip(app_ids, plans, strict=True)
        ],
    )
    by_app = list(zip(app_ids, plans, strict=True))
    writer.write(
        Enrolment,
        _ENROLMENT_FIELDS,
        [
            (
                app_id,
                plan.office.pk,
                operator.pk,
                EnrolmentStatus.COMPLETED.value,
                False,
                plan.enrolled - dt.timedelta(minutes=12),
                plan.enrolled,
                True,
                True,
                True,
                hashlib.sha256(str(app_id).encode()).hexdigest(),
                {},
                plan.enrolled,
            )
            for app_id, plan in by_app
            if plan.enrolled is not None
        ],
    )
    carded = [(app_id, plan) for app_id, plan in by_app if plan.stage in _CARD_STATUS]
    card_ids = writer.ids(Card, len(carded))
    validity = int(production_conf("PRODUCTION_CARD_VALIDITY_YEARS"))
    card_rows, collections, handovers = [], [], []
    hold_days = int(delivery_conf("DELIVERY_HOLD_DAYS"))
    for card_id, (app_id, plan) in zip(card_ids, carded, strict=True):
        shipment = None if plan.stage == "produced" else runs.shipment(plan.office, plan.arrived)
        made = timezone.make_aware(
            dt.datetime.combine(plan.produced, dt.time(2)), timezone.get_default_timezone()
        )
        card_rows.append(
            (
                card_id,
                f"DM{app_id:014d}",
                f"9{app_id:09d}",
                app_id,
                _CARD_STATUS[plan.stage].value,
                runs.run(plan.produced).pk,
                shipment.pk if shipment else None,
                plan.office.pk,
                plan.produced,
                plan.produced + _days(365 * validity + validity // 4),
                f"demo-{app_id}",
                "",
                "",
                "",
                {},
                made,
                plan.handed or plan.arrived or made,
            )
        )
        if plan.arrived is None:
            continue
        collections.append(
            (
                card_id,
                plan.office.pk,
                plan.arrived,
                timezone.localdate(plan.arrived) + _days(hold_days),
                0,
                plan.handed,
            )
        )
        if plan.handed is not None:
            handovers.append(
                (
                    card_id,
                    app_id,
                    plan.office.pk,
                    operator.pk,
                    plan.handed,
                    VerificationMethod.TRACKING_CODE.value,
                    2,
                    87,
                    [],
                    [],
                )
            )
    writer.write(Card, _CARD_FIELDS, card_rows)
    writer.write(Collection, _COLLECTION_FIELDS, collections)
    writer.write(Handover, _HANDOVER_FIELDS, handovers)
    return len(card_rows)


def _tracking_code(citizen_id: int) -> str:
    """A valid tracking code (11 digits and a Damm check digit), one per citizen: the
    synthetic ones start with 9, real ones are random, so a clash is all but impossible."""
    body = str(90_000_000_000 + citizen_id)
    return body + str(damm_digit(body))


def _refuse_if_below(name: str, target: int, current: int) -> None:
    if target < current:
        raise DemoRefused(
            f"استان هم‌اکنون {persian_number(current)} «{name}» دارد، بیش از "
            f"{persian_number(target)} خواسته‌شده؛ "
            "این فرمان تنها می‌افزاید و چیزی پاک نمی‌کند.",
            code="DEMO_PROVINCE_ALREADY_ABOVE",
        )


def province_build(
    *,
    province: str,
    eligible: int,
    requested: int,
    issued: int,
    uncollected: int,
    in_queue: int | None = None,
    seed: int = 1405,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Top a province up to the given figures with synthetic people and lifecycle records."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    target = province_get(code=province)
    today = today_local()
    if min(eligible, requested, issued, uncollected) < 0 or (in_queue or 0) < 0:
        raise DemoRefused("شمارها نمی‌توانند منفی باشند.")
    if requested > eligible:
        raise DemoRefused("شمار درخواست‌ها نمی‌تواند از جمعیت واجد شرایط بیشتر باشد.")
    if issued + uncollected + (in_queue or 0) > requested:
        raise DemoRefused(
            "صادرشده + تحویل‌نشده + در صف تولید نمی‌تواند از شمار درخواست‌ها بیشتر باشد."
        )
    offices = list(
        Office.objects.filter(
            city__province=target, is_active=True, hands_over_cards=True
        ).order_by("pk")
    )
    if not offices:
        raise DemoRefused(
            f"استان {target.name_fa} هیچ دفتر فعالی برای تحویل کارت ندارد؛ نخست `hoviat demo` "
            "را اجرا کنید یا دفتری بسازید.",
            code="DEMO_PROVINCE_NO_OFFICE",
        )

    reports_refresh(full=True)
    now = figures_for(level="province", code=target.code, as_of=today)
    _refuse_if_below("واجد شرایط", eligible, now.eligible)
    _refuse_if_below("درخواست", requested, now.requested)
    _refuse_if_below("کارت صادرشده", issued, now.issued)
    _refuse_if_below("کارت تحویل‌نشده", uncollected, now.uncollected)
    if in_queue is not None:
        _refuse_if_below("در صف تولید", in_queue, now.in_queue)
    new_requested = requested - now.requested
    new_issued, new_uncollected = issued - now.issued, uncollected - now.uncollected
    rest = new_requested - new_issued - new_uncollected
    if rest < 0:
        raise DemoRefused(
            "برای رسیدن به این شمار کارت، درخواست تازهٔ کافی نمی‌ماند: شمار درخواست‌ها را بیشتر کنید.",
            code="DEMO_PROVINCE_INCONSISTENT",
        )
    new_queue = round(rest * QUEUE_SHARE) if in_queue is None else in_queue - now.in_queue
    if new_queue > rest:
        raise DemoRefused(
            f"در صف تولید تنها {persian_number(rest)} درخواست تازه جا دارد.",
            code="DEMO_PROVINCE_INCONSISTENT",
        )

    say(f"citizens: {now.eligible:,} eligible, adding {eligible - now.eligible:,}")
    citizens_created = _top_up_citizens(
        province=target, needed=eligible - now.eligible, seed=seed, today=today
    )

    has_application = Application.objects.filter(citizen=OuterRef("pk"))
    candidates = list(
        eligible_citizens(on=today, province=target)
        .filter(~Exists(has_application))
        .order_by("pk")
        .values_list("pk", "mobile")
    )
    if len(candidates) < new_requested:
        raise DemoRefused(
            f"تنها {persian_number(len(candidates))} شهروند واجد شرایط بی‌درخواست در استان هست و "
            f"{persian_number(new_requested)} درخواست تازه لازم است.",
            code="DEMO_PROVINCE_INCONSISTENT",
        )
    rng = random.Random(f"{seed}:{target.code}:applications")
    chosen = rng.sample(candidates, new_requested)
    pre_enrolment = rest - new_queue
    stages = (
        ["delivered"] * new_issued
        + ["ready"] * new_uncollected
        + rng.choices(
            ["enrolled", "in_production", "produced", "shipped"],
            weights=[60, 10, 15, 15],
            k=new_queue,
        )
        + rng.choices(["paid", "pre"], weights=[70, 30], k=pre_enrolment)
    )
    rng.shuffle(stages)
    plans = []
    for (citizen_id, mobile), stage in zip(chosen, stages, strict=True):
        plan = _Plan(citizen_id=citizen_id, mobile=mobile, stage=stage)
        plan.office = offices[int(rng.random() * len(offices))]
        _timeline(plan, rng, today)
        plans.append(plan)
    # Applications in the order they were made: ids follow time, as in life.
    plans.sort(key=lambda p: p.created)

    operator = _operator(offices[0])
    runs, writer = _Runs(), _Writer()
    cards = 0
    for start in range(0, len(plans), CHUNK):
        with transaction.atomic():
            cards += _store_chunk(
                plans[start : start + CHUNK], operator=operator, runs=runs, writer=writer
            )
        say(f"applications: {min(start + CHUNK, len(plans)):,} / {len(plans):,}")

    reports_refresh(full=True)
    figures = figures_for(level="province", code=target.code, as_of=today)
    seconds = time.perf_counter() - started
    audit_record(
        actor=None,
        action="reports.demo_province",
        object_type="places.province",
        object_id=target.code,
        reason=f"seed {seed}",
        data={
            "eligible": eligible,
            "requested": requested,
            "issued": issued,
            "uncollected": uncollected,
            "in_queue": figures.in_queue,
            "citizens_created": citizens_created,
            "applications_created": len(plans),
            "cards_created": cards,
            "seconds": round(seconds, 1),
        },
    )
    return DemoResult(
        province=target.code,
        citizens_created=citizens_created,
        applications_created=len(plans),
        cards_created=cards,
        figures=figures,
        seconds=seconds,
    )
