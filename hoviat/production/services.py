"""Writes of production: card-body stock, capacity, priorities, personalisation runs and
shipments. Every state change leaves an audit row; runs commit one batch of cards at a time."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.applications.services import applications_status_change_many
from hoviat.core.audit import audit_many, audit_record
from hoviat.core.bulk import objects_insert
from hoviat.core.errors import Conflict, NotFound, ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.core.text import persian_digits
from hoviat.core.transitions import transition, transition_many
from hoviat.pki import services as pki
from hoviat.production import selectors
from hoviat.production.conf import conf
from hoviat.production.models import (
    Card,
    CardBodyLedger,
    CardBodyOrder,
    CardStatus,
    LedgerKind,
    NumberSequence,
    OrderStatus,
    PersonalisationRun,
    PriorityClass,
    ProductionSettings,
    QueuePriority,
    RunStatus,
    Shipment,
    ShipmentStatus,
)
from hoviat.production.numbers import crn_format, csn_format

logger = logging.getLogger(__name__)

MAX_DELIVERY = 10_000_000
MAX_CAPACITY = 1_000_000
APPLICATION = "applications.application"
CARD = "production.card"
QC_REVOKE_REASON = "destroyed: رد در کنترل کیفیت"


class NoCardBodies(Conflict):
    code = "NO_CARD_BODIES"
    default_detail = "کمبود بدنه کارت: موجودی بدنه کارت صفر است و تولید ممکن نیست."


class QueueEmpty(Conflict):
    code = "PRODUCTION_QUEUE_EMPTY"
    default_detail = (
        "صف تولید خالی است: درخواستی با ثبت‌نام حضوری انجام‌شده در انتظار کارت نیست، پس "
        "اجرای شخصی‌سازی کاری ندارد."
    )


class RunInProgress(Conflict):
    code = "RUN_IN_PROGRESS"
    default_detail = "یک اجرای شخصی‌سازی در جریان است؛ پس از پایان آن دوباره تلاش کنید."


class DailyCapacityReached(Conflict):
    code = "DAILY_CAPACITY_REACHED"
    default_detail = "ظرفیت روزانه تولید برای این تاریخ پر شده است."


class ApplicationNotEnrolled(Conflict):
    code = "APPLICATION_NOT_ENROLLED"
    default_detail = "فقط درخواست‌هایی که ثبت‌نام حضوری آن‌ها انجام شده قابل شخصی‌سازی هستند."


def _positive_int(value: Any, *, field: str, maximum: int, code: str) -> int:
    # bool is an int in Python; 5.0 and "5" are not what a count of card bodies looks like.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum:
        raise ValidationFailed(
            f"مقدار «{field}» باید عدد صحیح مثبت و حداکثر {persian_digits(maximum)} باشد.",
            code=code,
            extra={"field": field},
        )
    return value


# --- Stock and settings ----------------------------------------------------------------------


def stock_deliver(*, quantity: int, lot: str, actor: Any) -> CardBodyLedger:
    """Record card bodies delivered by the supplier."""
    quantity = _positive_int(
        quantity, field="quantity", maximum=MAX_DELIVERY, code="STOCK_QUANTITY_INVALID"
    )
    lot = (lot or "").strip()
    if not lot or len(lot) > 64:
        raise ValidationFailed(
            "شماره محموله (lot) الزامی است و حداکثر ۶۴ نویسه دارد.",
            code="STOCK_LOT_INVALID",
            extra={"field": "lot"},
        )
    with transaction.atomic():
        entry = CardBodyLedger.objects.create(
            kind=LedgerKind.DELIVERY, lot=lot, quantity=quantity, actor=actor, at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="card_body.delivery",
            obj=entry,
            data={"lot": lot, "quantity": quantity},
        )
    return entry


class OrderClosed(Conflict):
    code = "CARD_BODY_ORDER_CLOSED"
    default_detail = "این سفارش پیش‌تر رسیده یا لغو شده است."


def card_body_order_place(
    *, quantity: int, expected_on: dt.date, supplier_ref: str, actor: Any
) -> CardBodyOrder:
    """Record card bodies ordered from the supplier and expected on a day to come (today at
    the earliest): planning counts them as deliveries on order until they arrive."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(
            "تعداد بدنه‌های سفارش‌داده باید عددی صحیح و بزرگ‌تر از صفر باشد.",
            code="ORDER_QUANTITY_INVALID",
            extra={"field": "quantity"},
        )
    if quantity > MAX_DELIVERY:
        raise ValidationFailed(
            f"تعداد بدنه‌های سفارش‌داده حداکثر {persian_digits(MAX_DELIVERY)} است.",
            code="ORDER_QUANTITY_INVALID",
            extra={"field": "quantity"},
        )
    if not isinstance(expected_on, dt.date) or expected_on < today_local():
        raise ValidationFailed(
            "تاریخ تحویل پیش‌بینی‌شده گذشته است؛ تاریخ امروز یا روزی پس از آن را وارد کنید.",
            code="ORDER_DATE_PAST",
            extra={"field": "expected_on"},
        )
    supplier_ref = (supplier_ref or "").strip()
    if not supplier_ref or len(supplier_ref) > 64:
        raise ValidationFailed(
            "شمارهٔ سفارش تأمین‌کننده الزامی است و حداکثر ۶۴ نویسه دارد.",
            code="ORDER_REF_INVALID",
            extra={"field": "supplier_ref"},
        )
    with transaction.atomic():
        order = CardBodyOrder.objects.create(
            quantity=quantity,
            expected_on=expected_on,
            supplier_ref=supplier_ref,
            placed_by=actor,
            placed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="card_body_order.place",
            obj=order,
            to_state=OrderStatus.ORDERED,
            data={
                "quantity": quantity,
                "expected_on": expected_on.isoformat(),
                "supplier_ref": supplier_ref,
            },
        )
    return order


def _order_open_locked(order_id: int) -> CardBodyOrder:
    order = CardBodyOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound("چنین سفارشی نیست.")
    if order.status != OrderStatus.ORDERED:
        raise OrderClosed()
    return order


def card_body_order_arrive(*, order_id: int, actor: Any) -> CardBodyOrder:
    """The ordered card bodies arrived: a delivery in the stock ledger (lot: the supplier's
    reference), and the order closed with it, in one transaction."""
    with transaction.atomic():
        order = _order_open_locked(order_id)
        receipt = stock_deliver(quantity=order.quantity, lot=order.supplier_ref, actor=actor)
        return transition(
            CardBodyOrder,
            obj=order,
            to=OrderStatus.ARRIVED,
            actor=actor,
            updates={"receipt": receipt, "closed_by": actor, "closed_at": timezone.now()},
            action="card_body_order.arrive",
            audit_data={"receipt_id": receipt.pk, "quantity": order.quantity},
        )


def card_body_order_cancel(*, order_id: int, actor: Any) -> CardBodyOrder:
    """The order will not come: no longer counted as on order."""
    with transaction.atomic():
        order = _order_open_locked(order_id)
        return transition(
            CardBodyOrder,
            obj=order,
            to=OrderStatus.CANCELLED,
            actor=actor,
            updates={"closed_by": actor, "closed_at": timezone.now()},
            action="card_body_order.cancel",
        )


def capacity_set(*, daily_capacity: int, actor: Any) -> ProductionSettings:
    """Change the daily personalisation capacity."""
    daily_capacity = _positive_int(
        daily_capacity, field="daily_capacity", maximum=MAX_CAPACITY, code="CAPACITY_INVALID"
    )
    with transaction.atomic():
        selectors.settings_current()
        row = ProductionSettings.objects.select_for_update().get(pk=1)
        before = row.daily_capacity
        row.daily_capacity = daily_capacity
        row.updated_by = actor
        row.save(update_fields=["daily_capacity", "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            action="production.capacity_set",
            obj=row,
            data={"from": before, "to": daily_capacity},
        )
    return row


def queue_priority_set(
    *, application_id: int, priority: int, reason: str, actor: Any
) -> QueuePriority:
    """Put an application in a priority class of the queue (e.g. its card was defective)."""
    if priority not in PriorityClass.values:
        raise ValidationFailed("کلاس اولویت نامعتبر است.", code="PRIORITY_INVALID")
    with transaction.atomic():
        row, _ = QueuePriority.objects.update_or_create(
            application_id=application_id,
            defaults={
                "priority": priority,
                "reason": reason,
                "set_by": actor,
                "set_at": timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="production.priority_set",
            object_type=APPLICATION,
            object_id=str(application_id),
            reason=reason,
            data={"priority": priority},
        )
    return row


# --- Runs ------------------------------------------------------------------------------------

# On PostgreSQL the process executing a run holds a session-level advisory lock on
# (_RUN_LOCK_SPACE, run id) for as long as it runs; the database releases it when that
# process's connection ends, however it ends. A start that finds a picked-up run RUNNING
# with its lock free knows at once that the process died. SQLite has no such lock: there a
# run is taken for dead only when its heartbeat is PRODUCTION_RUN_STALE_SECONDS old.
# (Session locks need a session per process: behind a pooler, use session pooling.)
_RUN_LOCK_SPACE = 0x48565052  # "HVPR"
_DIED_REASON = "فرایند اجرا از کار افتاد؛ دسته‌های ثبت‌شده معتبرند"


def _run_lock_take(run_id: int) -> bool:
    """Take the run's advisory lock for this connection's session (always True on SQLite)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_RUN_LOCK_SPACE, run_id])
        return bool(cursor.fetchone()[0])


def _run_lock_release(run_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_RUN_LOCK_SPACE, run_id])


def _run_process_died(run: PersonalisationRun) -> bool:
    """PostgreSQL: a worker picked the run up (its heartbeat moved) and no session holds its
    lock any more. A run still waiting for its worker is not dead; SQLite: never known."""
    if connection.vendor != "postgresql" or run.heartbeat_at <= run.started_at:
        return False
    # Take and give back in one transaction: behind PgBouncer in transaction mode both then
    # reach the same server connection (a lock taken on one and "released" on another would
    # stay held there).
    with transaction.atomic():
        if not _run_lock_take(run.pk):
            return False
        _run_lock_release(run.pk)
    return True


def production_run_start(
    *, date: dt.date, actor: Any, tracking_codes: list[str] | None = None
) -> PersonalisationRun:
    """Open a run for a date, up to the capacity left that day and the stock; not yet run."""
    targets = None
    if tracking_codes:
        found = dict(
            Application.objects.filter(tracking_code__in=tracking_codes).values_list(
                "tracking_code", "status"
            )
        )
        bad = sorted(
            code for code in tracking_codes if found.get(code) != ApplicationStatus.ENROLLED
        )
        if bad:
            raise ApplicationNotEnrolled(extra={"tracking_codes": bad})
        targets = sorted(set(tracking_codes))
    # A run is bounded by the queue too, so its progress reads "3 of 4", not "3 of 100".
    queued = len(targets) if targets else selectors.queue_applications().count()
    if queued <= 0:
        raise QueueEmpty()
    stock = selectors.stock_current()
    if stock <= 0:
        raise NoCardBodies()
    now = timezone.now()
    try:
        with transaction.atomic():
            selectors.settings_current()
            # Every start locks this row first, so two starts are decided one after the other.
            capacity = ProductionSettings.objects.select_for_update().get(pk=1).daily_capacity
            running = selectors.run_running()
            if running is not None and _run_process_died(running):
                _run_finish(running, RunStatus.FAILED, actor=None, reason=_DIED_REASON)
            elif running is not None:
                stale = dt.timedelta(seconds=conf("PRODUCTION_RUN_STALE_SECONDS"))
                if now - running.heartbeat_at < stale:
                    raise RunInProgress(extra={"run_id": running.pk})
                _run_finish(
                    running,
                    RunStatus.INTERRUPTED,
                    actor=None,
                    reason="بدون نشانه حیات؛ احتمالاً فرایند متوقف شده است",
                )
            left = capacity - selectors.cards_made_on(date=date)
            if left <= 0:
                raise DailyCapacityReached(extra={"daily_capacity": capacity})
            limit = min(left, stock, queued)
            run = PersonalisationRun.objects.create(
                date=date,
                requested=limit,
                started_by=actor,
                started_at=now,
                heartbeat_at=now,
                targets=targets or [],
            )
            audit_record(
                actor=actor,
                action="production_run.start",
                obj=run,
                to_state=RunStatus.RUNNING,
                data={
                    "date": date.isoformat(),
                    "requested": limit,
                    "tracking_codes": targets or [],
                },
            )
    except IntegrityError:
        raise RunInProgress() from None
    return run


def _run_finish(run: PersonalisationRun, status: str, *, actor: Any, reason: str = "") -> None:
    transition(
        PersonalisationRun,
        pk=run.pk,
        to=status,
        actor=actor,
        reason=reason,
        updates={"finished_at": timezone.now(), "stop_reason": reason},
    )


@lru_cache(maxsize=2)
def _pin_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"hoviat-card-pin:" + secret_key.encode()).digest()


def _pin_hash(pin: str) -> str:
    return hmac.new(_pin_key(settings.SECRET_KEY), pin.encode(), hashlib.sha256).hexdigest()


def _pki() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(personalise many cards at once, revoke a card's certificates)."""
    return pki.cards_personalise, pki.card_certificates_revoke


def qc_passes(card: Card) -> bool:
    """The QC station's verdict; a set fraction fails (tests replace this function)."""
    return random.random() >= conf("PRODUCTION_QC_FAIL_RATE")


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _numbers_take(name: str, count: int) -> int:
    """Reserve `count` numbers; returns the first. Rolled back with the cards if they are."""
    NumberSequence.objects.get_or_create(name=name)
    seq = NumberSequence.objects.select_for_update().get(name=name)
    NumberSequence.objects.filter(name=name).update(last_value=F("last_value") + count)
    return seq.last_value + 1


def _fingerprints(fingerprints: dict[str, Any] | None) -> dict[str, str]:
    """An enrolment's fingerprints as the chip holds them: finger → SHA-256."""
    return {
        str(pos): item["sha256"]
        for pos, item in (fingerprints or {}).items()
        if isinstance(item, dict) and item.get("sha256")
    }


class _Queued(NamedTuple):
    """An application at the head of the queue, with what its card is made from."""

    pk: int
    national_code: str
    first_name: str
    last_name: str
    birth_date: dt.date
    face_sha256: str
    fingerprints: dict[str, Any] | None
    office_id: int


def _audit_many(
    rows: list[tuple[str, str]],
    *,
    actor: Any,
    action: str,
    object_type: str,
    from_state: str,
    to_state: str,
    reason: str = "",
    run: PersonalisationRun,
) -> None:
    audit_many(
        actor=actor,
        rows=[
            {
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "from_state": from_state,
                "to_state": to_state,
                "reason": reason,
                "data": {"run": run.pk, "card": label},
            }
            for object_id, label in rows
        ],
    )


def _batch_personalise(
    run: PersonalisationRun, *, size: int, actor: Any, targets: list[str] | None
) -> tuple[int, int]:
    """One batch in one transaction: claim, personalise, QC, ledger. (made, failed)."""
    personalise, revoke = _pki()
    # A card spoiled in this run waits for the next run: no retry loop on one bad record.
    # NOT IN a list made once, not NOT EXISTS per queued row: SQLite ran that correlated
    # subquery through the run's cards (its run index) for every queued application, so each
    # batch cost the queue times the cards made so far.
    queue = selectors.queue_applications().exclude(
        pk__in=Card.objects.filter(run=run).values("application_id")
    )
    if targets:
        queue = queue.filter(tracking_code__in=targets)
    # The batch's ids first (the sort carries only the application's own columns), then what
    # its cards need for those ids alone: sorting the queue with every row's citizen and
    # fingerprints joined in cost more than the batch's crypto.
    ids = list(queue.values_list("pk", flat=True)[:size])
    # Only what a card needs, as tuples: a batch's worth of three model instances each (the
    # application, its citizen and enrolment) cost more CPU than their chips' keys.
    rows = {
        row[0]: _Queued(*row)
        for row in Application.objects.filter(pk__in=ids).values_list(
            "pk",
            "citizen__national_code",
            "citizen__first_name",
            "citizen__last_name",
            "citizen__birth_date",
            "enrolment__face_sha256",
            "enrolment__fingerprints",
            "enrolment__office_id",
        )
    }
    apps = [rows[pk] for pk in ids if pk in rows]
    if not apps:
        return 0, 0
    # Claimed by a conditional update: the update itself says which rows it moved, so an
    # application another worker took (or cancelled meanwhile) is simply not ours.
    claimed = applications_status_change_many(
        ids=[a.pk for a in apps],
        to=ApplicationStatus.IN_PRODUCTION,
        allowed_from={ApplicationStatus.ENROLLED},
        actor=actor,
        audit_data=lambda pk: {"run": run.pk, "card": ""},
    )
    apps = [a for a in apps if a.pk in claimed]
    if not apps:
        return 0, 0
    first_csn = _numbers_take("csn", len(apps))
    first_crn = _numbers_take("crn", len(apps))
    issued_on = run.date
    expires_on = _years_after(issued_on, conf("PRODUCTION_CARD_VALIDITY_YEARS"))
    prefix = conf("PRODUCTION_CSN_PREFIX")
    # One call for the batch's chips: the issuing CA read once, the chips and certificates
    # written in bulk (the crypto itself stays per card).
    made_all = personalise(
        [
            {
                "csn": csn_format(first_csn + i, prefix=prefix),
                "crn": crn_format(first_crn + i),
                "national_code": app.national_code,
                "first_name": app.first_name,
                "last_name": app.last_name,
                "birth_date": app.birth_date,
                "photo_sha256": app.face_sha256,
                "fingerprint_sha256": _fingerprints(app.fingerprints),
                "issued_on": issued_on,
                "expires_on": expires_on,
            }
            for i, app in enumerate(apps)
        ]
    )
    cards: list[Card] = []
    for i, (app, made) in enumerate(zip(apps, made_all, strict=True)):
        pins = made.pins
        # The PINs leave here only for the PIN mailer's printer; the server keeps hashes.
        card = Card(
            csn=csn_format(first_csn + i, prefix=prefix),
            crn=crn_format(first_crn + i),
            application_id=app.pk,
            run=run,
            office_id=app.office_id,
            issued_on=issued_on,
            expires_on=expires_on,
            chip_id=str(made.chip_id),
            auth_cert_serial=str(made.auth_cert_serial),
            sign_cert_serial=str(made.sign_cert_serial),
            data_object_sha256=hashlib.sha256(made.data_object).hexdigest(),
            pin_hashes={
                name: _pin_hash(str(getattr(pins, name)))
                for name in ("id_pin", "sign_pin", "nmoc_pin", "puk")
            },
        )
        cards.append(card)
    objects_insert(cards)  # bulk_create without its per-value compiling; sets the ids
    bad = [c for c in cards if not qc_passes(c)]
    good = [c for c in cards if c not in bad]
    _audit_many(
        [(str(c.pk), c.csn) for c in cards],
        actor=actor,
        action="card.personalised",
        object_type=CARD,
        from_state="",
        to_state="personalised",
        run=run,
    )
    now = timezone.now()
    applications_status_change_many(
        ids=[c.application_id for c in good],
        to=ApplicationStatus.PRODUCED,
        allowed_from={ApplicationStatus.IN_PRODUCTION},
        actor=actor,
        updates={"updated_at": now},
        audit_data={c.application_id: {"run": run.pk, "card": c.csn} for c in good},
        expect_all=True,
    )
    if bad:
        for card in bad:
            revoke(csn=card.csn, reason=QC_REVOKE_REASON, actor=actor)
        transition_many(
            Card,
            ids=[c.pk for c in bad],
            to=CardStatus.QC_FAILED,
            actor=actor,
            reason="رد در کنترل کیفیت؛ گواهی‌ها ابطال شد",
            audit_data={c.pk: {"run": run.pk, "card": c.csn} for c in bad},
            expect_all=True,
        )
        for card in bad:
            card.status = CardStatus.QC_FAILED
        # Back to enrolled: the queue orders by enrolment time, so it keeps its place.
        applications_status_change_many(
            ids=[c.application_id for c in bad],
            to=ApplicationStatus.ENROLLED,
            allowed_from={ApplicationStatus.IN_PRODUCTION},
            actor=actor,
            action="application.requeued",
            reason="کارت در کنترل کیفیت رد شد",
            updates={"updated_at": now},
            audit_data={c.application_id: {"run": run.pk, "card": c.csn} for c in bad},
            expect_all=True,
        )
        CardBodyLedger.objects.create(
            kind=LedgerKind.SPOILAGE,
            quantity=-len(bad),
            run=run,
            actor=actor,
            at=now,
            note="رد در کنترل کیفیت",
        )
    if good:
        CardBodyLedger.objects.create(
            kind=LedgerKind.CONSUMPTION, quantity=-len(good), run=run, actor=actor, at=now
        )
    return len(good), len(bad)


def production_run_execute(*, run_id: int, actor: Any = None) -> PersonalisationRun:
    """Personalise a started run's cards, one committed batch after another."""
    run = PersonalisationRun.objects.get(pk=run_id)
    if not _run_lock_take(run_id):
        return run  # another process is executing it (the task was delivered twice)
    try:
        # Picked up: from now on a free lock means this process died (see _run_process_died).
        PersonalisationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )
        return _run_batches(run_id=run_id, actor=actor, targets=run.targets or None)
    finally:
        _run_lock_release(run_id)


def _run_batches(*, run_id: int, actor: Any, targets: list[str] | None) -> PersonalisationRun:
    batch_size = conf("PRODUCTION_BATCH_SIZE")
    try:
        while True:
            with transaction.atomic():
                run = PersonalisationRun.objects.select_for_update().get(pk=run_id)
                if run.status != RunStatus.RUNNING:
                    return run  # interrupted from outside: stop without touching a card
                done = run.personalised + run.qc_failed
                want = min(batch_size, run.requested - done)
                if want <= 0:
                    break
                stock = selectors.stock_current()
                if stock <= 0:
                    _run_finish(
                        run, RunStatus.STOPPED, actor=actor, reason=selectors.SHORTAGE_REASON
                    )
                    return PersonalisationRun.objects.get(pk=run_id)
                made, failed = _batch_personalise(
                    run, size=min(want, stock), actor=actor, targets=targets
                )
                if made + failed == 0:
                    break
                PersonalisationRun.objects.filter(pk=run_id).update(
                    personalised=F("personalised") + made,
                    qc_failed=F("qc_failed") + failed,
                    heartbeat_at=timezone.now(),
                )
    except Exception:
        logger.exception("personalisation run %s failed", run_id)
        with transaction.atomic():
            current = PersonalisationRun.objects.get(pk=run_id)
            if current.status == RunStatus.RUNNING:
                _run_finish(
                    current,
                    RunStatus.FAILED,
                    actor=actor,
                    reason="خطای پیش‌بینی‌نشده؛ دسته‌های ثبت‌شده معتبرند",
                )
        raise
    _run_finish(run, RunStatus.COMPLETED, actor=actor)
    shipments_pack(actor=actor)
    return PersonalisationRun.objects.get(pk=run_id)


def production_run(
    *, date: dt.date, actor: Any, tracking_codes: list[str] | None = None
) -> PersonalisationRun:
    """Start and execute a run in this process (command line, tests, bench)."""
    run = production_run_start(date=date, actor=actor, tracking_codes=tracking_codes)
    return production_run_execute(run_id=run.pk, actor=actor)


# --- Shipments -------------------------------------------------------------------------------


def shipments_pack(*, actor: Any = None) -> list[Shipment]:
    """Put produced cards not yet in a shipment into their delivering office's packed one."""
    offices = (
        Card.objects.filter(status=CardStatus.PERSONALISED, shipment__isnull=True)
        .values_list("office_id", flat=True)
        .distinct()
    )
    packed = []
    for office_id in list(offices):
        with transaction.atomic():
            shipment = (
                Shipment.objects.select_for_update()
                .filter(office_id=office_id, status=ShipmentStatus.PACKED)
                .first()
            )
            if shipment is None:
                shipment = Shipment.objects.create(office_id=office_id, created_at=timezone.now())
                audit_record(
                    actor=actor,
                    action="shipment.packed",
                    obj=shipment,
                    to_state=ShipmentStatus.PACKED,
                )
            added = Card.objects.filter(
                office_id=office_id, status=CardStatus.PERSONALISED, shipment__isnull=True
            ).update(shipment=shipment)
            audit_record(
                actor=actor, action="shipment.cards_added", obj=shipment, data={"cards": added}
            )
            packed.append(shipment)
    return packed


def shipment_dispatch(*, shipment_id: int, actor: Any) -> Shipment:
    """Send a packed shipment: its cards go in transit, their applications are shipped."""
    with transaction.atomic():
        shipment = transition(
            Shipment,
            pk=shipment_id,
            to=ShipmentStatus.DISPATCHED,
            actor=actor,
            updates={"dispatched_at": timezone.now(), "dispatched_by": actor},
        )
        cards = list(
            shipment.cards.filter(status=CardStatus.PERSONALISED).values_list(
                "pk", "csn", "application_id"
            )
        )
        if not cards:
            raise Conflict("این محموله کارتی برای ارسال ندارد.", code="SHIPMENT_EMPTY")
        now = timezone.now()
        transition_many(
            Card,
            ids=[pk for pk, _, _ in cards],
            to=CardStatus.IN_TRANSIT,
            allowed_from={CardStatus.PERSONALISED},
            actor=actor,
            updates={"updated_at": now},
            audit_data={pk: {"shipment": shipment.pk, "card": csn} for pk, csn, _ in cards},
            expect_all=True,
        )
        applications_status_change_many(
            ids=[a for _, _, a in cards],
            to=ApplicationStatus.SHIPPED,
            allowed_from={ApplicationStatus.PRODUCED},
            actor=actor,
            updates={"updated_at": now},
            audit_data={a: {"shipment": shipment.pk, "card": csn} for _, csn, a in cards},
        )
    return shipment


# --- Card and shipment status, asked for by delivery -----------------------------------------
# Delivery receives, hands over, voids, destroys and expires cards; production alone writes
# its tables, through these (one row, or many by a conditional update that says which).


def card_status_change(
    *,
    card_id: int,
    to: str,
    actor: Any,
    reason: str = "",
    allowed_from: Iterable[str] | None = None,
    updates: Mapping[str, Any] | None = None,
    audit_data: dict[str, Any] | None = None,
) -> Card:
    """Move one card (locked) to `to`, from the states its TRANSITIONS allow."""
    return transition(
        Card,
        pk=card_id,
        to=to,
        actor=actor,
        reason=reason,
        allowed_from=allowed_from,
        updates=updates,
        audit_data=audit_data,
    )


def cards_status_change_many(
    *,
    ids: Iterable[int],
    to: str,
    actor: Any,
    reason: str = "",
    allowed_from: Iterable[str] | None = None,
    updates: Mapping[str, Any] | None = None,
    audit_data: Mapping[int, dict[str, Any]] | None = None,
    expect_all: bool = False,
) -> dict[int, str]:
    """Move many cards to `to` at once; {id: the state it left} for those moved."""
    return transition_many(
        Card,
        ids=ids,
        to=to,
        actor=actor,
        reason=reason,
        allowed_from=allowed_from,
        updates=updates,
        audit_data=audit_data,
        expect_all=expect_all,
    )


def shipment_mark_received(*, shipment_id: int, actor: Any, audit_data: dict[str, Any]) -> Shipment:
    """A dispatched shipment reached its office (the cards are received by delivery)."""
    return transition(
        Shipment,
        pk=shipment_id,
        to=ShipmentStatus.RECEIVED,
        actor=actor,
        audit_data=audit_data,
    )
