"""Writes of booking: slots from the office calendar, holds, appointments, and the sweep.

Lock order, the same in every transaction here, so two of them never wait on each other:
application rows → booking rows → slot rows (by id). Audit rows are plain inserts that lock
nothing shared (hoviat.core.audit). A hold claims its seat last, after every other write, so a
hot slot row stays locked only from that UPDATE to the COMMIT; its new booking row and that
row's audit row go in with that UPDATE, in the same statement, only if it took the seat (rows
no other transaction can see or wait on). A hold refused before any write ends its
transaction by COMMIT, not ROLLBACK (hoviat.core.bulk.atomic_refusing).

A pre-registered application's first pick, the click of nearly every citizen on PostgreSQL,
takes no transaction at all (`_first_pick`): one read without locks, then one statement that
locks the application, takes the seat and writes the booking and its audit row, only if the
slot still has room and the application is still pre-registered. Anything else (a move, a
paid application, a double click, a slot that filled after the read) goes the locked way.

A hold or booking runs on every citizen's click: its reads and writes of single rows are plain
SQL built once (hoviat.core.bulk), not ORM queries compiled on each call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Model
from django.utils import timezone

from hoviat.applications.models import CHANGEABLE_STATUSES, Application, ApplicationStatus
from hoviat.applications.services import application_status_change, applications_status_change_many
from hoviat.booking import hooks
from hoviat.booking.models import SEAT_HOLDING, Booking, BookingStatus, Slot
from hoviat.core.audit import audit_entry, audit_record
from hoviat.core.bulk import (
    NothingWritten,
    atomic_refusing,
    columns_sql,
    for_update_sql,
    object_from_row,
    objects_insert,
    objects_insert_if,
    prepared_cursor,
    sql_once,
)
from hoviat.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from hoviat.core.jalali import today_local
from hoviat.core.transitions import transition, transition_many
from hoviat.notifications.services import sms_queue
from hoviat.offices.models import Holiday, Office, OfficeClosure
from hoviat.offices.selectors import OFFICE_TZ, hours_on, slots_in

logger = logging.getLogger(__name__)

# Sweeps work in batches, each its own short transaction, so a backlog never holds locks long.
SWEEP_BATCH = 500
# Reminders go out in daytime only: the sweep runs every minute, and an SMS at 00:01 about
# tomorrow's appointment would wake people up.
REMINDER_HOURS = range(9, 21)

BOOKABLE_STATUSES = frozenset({ApplicationStatus.PRE_REGISTERED, ApplicationStatus.PAID})


# --- Errors (stable codes, Persian text) -----------------------------------------------------


class SlotNotFound(NotFound):
    code = "SLOT_NOT_FOUND"
    default_detail = "نوبتی با این شناسه یافت نشد."


class SlotInPast(ValidationFailed):
    code = "SLOT_IN_PAST"
    default_detail = "زمان این نوبت گذشته است؛ نوبت دیگری انتخاب کنید."


class SlotFull(Conflict):
    code = "SLOT_FULL"
    default_detail = "ظرفیت این نوبت پر شده است؛ نوبت دیگری انتخاب کنید."


class OfficeClosed(Conflict):
    code = "OFFICE_CLOSED"
    default_detail = "این دفتر در آن روز یا ساعت تعطیل است؛ نوبت دیگری انتخاب کنید."


class AlreadyBooked(InvalidTransition):
    code = "ALREADY_BOOKED"
    default_detail = "برای این درخواست نوبت گرفته‌اید؛ برای تغییر آن، نوبت را جابه‌جا کنید."


class AppointmentNotFound(NotFound):
    code = "APPOINTMENT_NOT_FOUND"
    default_detail = "برای این درخواست نوبتی ثبت نشده است."


# --- Slots -----------------------------------------------------------------------------------


def _slots_of_day(office: Office, day: dt.date, hours) -> list[Slot]:
    step = dt.timedelta(minutes=office.slot_minutes)
    return [
        Slot(
            office_id=office.pk,
            starts_at=start,
            ends_at=start + step,
            date=day,
            capacity=office.capacity_per_slot,
        )
        for start in slots_in(office=office, date=day, hours=hours)
    ]


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _generate(offices: Iterable[Office], start: dt.date, end: dt.date) -> int:
    """Slots for the given offices' open days from start to end that have no slots yet.

    A day that already has slots is left alone: the daily job runs over 60 days of 2,000
    offices, and re-inserting millions of rows to have all but one day conflict would cost
    minutes. Changing the hours of a day that has bookings is for the offices app to decide.
    """
    if end < start:
        return 0
    offices = list(offices)
    office_ids = [office.pk for office in offices]
    holidays = frozenset(
        Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True)
    )
    closures: dict[int, set[dt.date]] = {}
    for office_id, day in OfficeClosure.objects.filter(
        office_id__in=office_ids, date__range=(start, end)
    ).values_list("office_id", "date"):
        closures.setdefault(office_id, set()).add(day)
    done: dict[int, set[dt.date]] = {}
    for office_id, day in (
        Slot.objects.filter(office_id__in=office_ids, date__range=(start, end))
        .values_list("office_id", "date")
        .distinct()
    ):
        done.setdefault(office_id, set()).add(day)

    created = 0
    pending: list[Slot] = []

    def flush() -> None:
        nonlocal created
        with transaction.atomic():
            # ignore_conflicts: a concurrent run may have written the same day a moment ago.
            Slot.objects.bulk_create(pending, batch_size=2000, ignore_conflicts=True)
        created += len(pending)
        pending.clear()

    for office in offices:
        shut = closures.get(office.pk, set())
        generated = done.get(office.pk, set())
        for day in _days(start, end):
            if day in generated:
                continue
            hours = hours_on(office=office, date=day, holidays=holidays, closures=shut)
            pending.extend(_slots_of_day(office, day, hours))
        if len(pending) >= 10_000:
            flush()
    if pending:
        flush()
    return created


def slots_generate(*, office: Office, start: dt.date, end: dt.date) -> int:
    """Create the office's slots from its calendar for start..end (inclusive); returns how many."""
    return _generate([office], start, end)


def slots_generate_all(*, days_ahead: int | None = None) -> int:
    """Create the slots of every active office from today to days_ahead (BOOKING_DAYS_AHEAD)."""
    days = settings.BOOKING_DAYS_AHEAD if days_ahead is None else days_ahead
    start = today_local()
    end = start + dt.timedelta(days=days)
    created = 0
    offices = Office.objects.filter(is_active=True).order_by("pk")
    # A few hundred offices at a time keeps memory flat and the lookups of existing days small.
    chunk = 200
    last_pk = 0
    while True:
        batch = list(offices.filter(pk__gt=last_pk)[:chunk])
        if not batch:
            break
        created += _generate(batch, start, end)
        last_pk = batch[-1].pk
    return created


# --- Helpers shared by the writes ------------------------------------------------------------


# Every write here starts with the same few reads of one row each: plain SQL, written once,
# so a booking does not pay the ORM's compiling of each query (about a millisecond of CPU
# apiece) several times over. The rows come back as model instances all the same.
def _application_sql_make() -> str:
    return (
        f"SELECT {columns_sql(Application)} FROM {Application._meta.db_table} "  # noqa: S608 (names from the models; values are parameters)  # nosec B608
        f"WHERE id = %s{for_update_sql()}"
    )


def _seat_sql_make() -> str:
    return (
        f"SELECT {columns_sql(Booking)} FROM {Booking._meta.db_table} "  # noqa: S608  # nosec B608
        f"WHERE application_id = %s AND status IN (%s, %s){for_update_sql()}"
    )


def _slot_columns_sql() -> str:
    """The slot, its office, whether a holiday falls on it and whether the office is closed
    (the columns of `_slot_from_row`, from tables `s` and `o`)."""
    return (
        f"{columns_sql(Slot, 's')}, {columns_sql(Office, 'o')}, "  # noqa: S608  # nosec B608
        f"EXISTS (SELECT 1 FROM {Holiday._meta.db_table} h WHERE h.date = s.date), "
        f"EXISTS (SELECT 1 FROM {OfficeClosure._meta.db_table} c "
        "WHERE c.office_id = s.office_id AND c.date = s.date)"
    )


def _slot_sql_make() -> str:
    return (
        f"SELECT {_slot_columns_sql()} FROM {Slot._meta.db_table} s "  # noqa: S608  # nosec B608
        f"JOIN {Office._meta.db_table} o ON o.id = s.office_id WHERE s.id = %s"
    )


def _hold_reads_sql_make() -> str:
    """The application row locked, then its seat-holding booking (if any) locked, and the
    slot asked for read (`_slot_sql_make`, not locked), in one statement: the lock order of
    every write here, one round trip instead of three."""
    apps, bookings = Application._meta.db_table, Booking._meta.db_table
    slot = (
        f"LEFT JOIN {Slot._meta.db_table} s ON s.id = %s "
        f"LEFT JOIN {Office._meta.db_table} o ON o.id = s.office_id"
    )
    if not connection.features.has_select_for_update:
        # SQLite locks the whole database for a writing transaction: plain outer joins.
        return (
            f"SELECT {columns_sql(Application, 'a')}, {columns_sql(Booking, 'b')}, "  # noqa: S608  # nosec B608
            f"{_slot_columns_sql()}, NULL FROM {apps} a LEFT JOIN {bookings} b "
            f"ON b.application_id = a.id AND b.status IN (%s, %s) {slot} WHERE a.id = %s"
        )
    # PostgreSQL locks no row on the nullable side of an outer join: the application is
    # locked in the CTE first, then the lateral subquery locks its booking; the slot and its
    # office are joined without a lock (the claim's conditional UPDATE takes the slot row).
    # Last, an id for the new booking from its sequence, so its audit row can be written
    # before the booking row goes in with the claim (`_seats_move`).
    pk = Booking._meta.pk
    return (
        f"WITH a AS (SELECT {columns_sql(Application)} FROM {apps} "  # noqa: S608  # nosec B608
        "WHERE id = %s FOR UPDATE) "
        f"SELECT {columns_sql(Application, 'a')}, {columns_sql(Booking, 'b')}, "
        f"{_slot_columns_sql()}, nextval(pg_get_serial_sequence('{bookings}', '{pk.column}')) "
        f"FROM a LEFT JOIN LATERAL (SELECT {columns_sql(Booking)} FROM {bookings} "
        f"WHERE application_id = a.id AND status IN (%s, %s) FOR UPDATE) b ON true {slot}"
    )


def _hold_reads(
    application: Application, slot_id: int
) -> tuple[Application, Booking | None, tuple, int | None]:
    """`_lock_application`, `_seat_of` and the read of `_bookable_slot` in one query (the
    hold, on every citizen's click); the slot's part of the row is for `_slot_from_row`, and
    last comes the new booking's id (PostgreSQL; None on SQLite)."""
    params: list[Any] = (
        [application.pk, *SEAT_HOLDING, slot_id]
        if connection.features.has_select_for_update
        else [*SEAT_HOLDING, slot_id, application.pk]
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql_once(("_hold_reads_sql",), _hold_reads_sql_make), params)
        row = cursor.fetchone()
    if row is None:
        raise Application.DoesNotExist(f"application {application.pk}")
    width = len(Application._meta.concrete_fields)
    app = object_from_row(Application, row[:width])
    seat_end = width + len(Booking._meta.concrete_fields)
    seat = None if row[width] is None else object_from_row(Booking, row[width:seat_end])
    return app, seat, row[seat_end:-1], row[-1]


def _first_pick_reads_sql_make() -> str:
    """`_hold_reads_sql_make` without a lock and outside a transaction (PostgreSQL): the
    application, its seat-holding booking if any, the slot; and an id for a new booking only
    when a first pick could take the seat (no sequence value spent on a refusal)."""
    apps, bookings = Application._meta.db_table, Booking._meta.db_table
    pk = Booking._meta.pk
    return (
        f"SELECT {columns_sql(Application, 'a')}, {columns_sql(Booking, 'b')}, "  # noqa: S608  # nosec B608
        f"{_slot_columns_sql()}, CASE WHEN b.id IS NULL AND a.status = %s "
        f"AND s.taken < s.capacity THEN "
        f"nextval(pg_get_serial_sequence('{bookings}', '{pk.column}')) END "
        f"FROM {apps} a LEFT JOIN LATERAL (SELECT {columns_sql(Booking)} FROM {bookings} "
        f"WHERE application_id = a.id AND status IN (%s, %s)) b ON true "
        f"LEFT JOIN {Slot._meta.db_table} s ON s.id = %s "
        f"LEFT JOIN {Office._meta.db_table} o ON o.id = s.office_id WHERE a.id = %s"
    )


def _first_pick_claim_sql_make() -> str:
    """The seat, taken only while the application is still pre-registered: its row is
    locked first (the lock order of every write here), so a payment or another hold of it
    either finished before or waits until this statement's end."""
    return (
        f"UPDATE {Slot._meta.db_table} SET taken = taken + 1 "  # noqa: S608  # nosec B608
        "WHERE id = %s AND taken < capacity AND EXISTS "
        f"(SELECT 1 FROM {Application._meta.db_table} WHERE id = %s AND status = %s "
        "FOR UPDATE) RETURNING 1"
    )


def _first_pick(
    application: Application, slot_id: int, actor: Any, now: dt.datetime
) -> Booking | None:
    """A pre-registered application's first hold in two statements and no transaction
    (PostgreSQL): one read without locks, then one statement that takes the seat and writes
    the booking and its audit row, only if the slot still has room and the application is
    still pre-registered. The hot slot row is locked only inside that statement, never
    across a round trip, and a full slot costs one read.

    Returns the new hold; raises a refusal that the read settles (no such slot, past, office
    closed, full); None when the locked path must decide (a move, a payment, a double click,
    a slot that filled after the read): nothing has been written then.
    """
    db = connections[DEFAULT_DB_ALIAS]
    params = [ApplicationStatus.PRE_REGISTERED, *SEAT_HOLDING, slot_id, application.pk]
    with prepared_cursor() as cursor:
        cursor.execute(sql_once(("_first_pick_reads_sql",), _first_pick_reads_sql_make), params)
        row = cursor.fetchone()
    if row is None:
        return None  # no such application: the locked path says so
    width = len(Application._meta.concrete_fields)
    app = object_from_row(Application, row[:width])
    if row[width] is not None or app.status != ApplicationStatus.PRE_REGISTERED:
        return None
    seat_end = width + len(Booking._meta.concrete_fields)
    slot = _slot_from_row(row[seat_end:-1], now)
    if slot.taken >= slot.capacity or row[-1] is None:
        raise SlotFull()
    booking = Booking(
        pk=row[-1],
        application=app,
        slot=slot,
        status=BookingStatus.HELD,
        hold_expires_at=now + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES),
    )
    entry = audit_entry(
        **_created_audit_fields(
            booking,
            actor=actor,
            data={"office_id": slot.office_id, "hold_expires_at": booking.hold_expires_at},
        )
    )
    claim = [slot.pk, app.pk, ApplicationStatus.PRE_REGISTERED]
    try:
        # Inside a caller's transaction, a savepoint: a refused insert must not end it.
        with transaction.atomic() if db.in_atomic_block else nullcontext():
            taken = objects_insert_if(
                [booking, entry], ("_first_pick_claim_sql",), _first_pick_claim_sql_make, claim
            )
    except IntegrityError:
        return None  # a hold of the same application went in first (a double click)
    return booking if taken else None


def _lock_application(application: Application) -> Application:
    """The application row, locked: the first lock of every write here (see lock order)."""
    with prepared_cursor() as cursor:
        cursor.execute(sql_once(("_application_sql",), _application_sql_make), [application.pk])
        row = cursor.fetchone()
    if row is None:
        raise Application.DoesNotExist(f"application {application.pk}")
    return object_from_row(Application, row)


def _seat_of(application: Application) -> Booking | None:
    """The application's held or booked booking, locked (there is at most one)."""
    with prepared_cursor() as cursor:
        cursor.execute(sql_once(("_seat_sql",), _seat_sql_make), [application.pk, *SEAT_HOLDING])
        row = cursor.fetchone()
    return None if row is None else object_from_row(Booking, row)


def _bookable_slot(slot_id: int, now: dt.datetime) -> Slot:
    """The slot if a seat in it may be taken now: it exists, is ahead, and its office is open.

    One query reads the slot, its office and the calendar: a holiday or closure may have been
    added after the slots were made, or the office deactivated, so it is read at booking time.
    """
    with prepared_cursor() as cursor:
        cursor.execute(sql_once(("_slot_sql",), _slot_sql_make), [slot_id])
        row = cursor.fetchone()
    return _slot_from_row(row, now)


def _slot_from_row(row: tuple | None, now: dt.datetime) -> Slot:
    """`_bookable_slot` on a row of `_slot_columns_sql` already read (None or all NULL: no
    such slot)."""
    if row is None or row[0] is None:
        raise SlotNotFound()
    width = len(Slot._meta.concrete_fields)
    slot = object_from_row(Slot, row[:width])
    office = object_from_row(Office, row[width:-2])
    slot.office = office
    holiday, closure = bool(row[-2]), bool(row[-1])
    # The demo's always-open office: holidays do not shut it, its own closures do.
    closed = closure or (holiday and not office.always_open)
    if slot.starts_at <= now:
        raise SlotInPast()
    hours = hours_on(
        office=office,
        date=slot.date,
        holidays=frozenset(),
        closures={slot.date} if closed else frozenset(),
    )
    if hours is None:
        raise OfficeClosed("این دفتر در روز این نوبت تعطیل است؛ روز دیگری انتخاب کنید.")
    opens_at, closes_at = hours
    start = timezone.localtime(slot.starts_at, OFFICE_TZ).time()
    end = timezone.localtime(slot.ends_at, OFFICE_TZ).time()
    if start < opens_at or end > closes_at:
        raise OfficeClosed("این دفتر در ساعت این نوبت باز نیست؛ ساعت دیگری انتخاب کنید.")
    return slot


def _claim_sql_make() -> str:
    table = Slot._meta.db_table
    return f"UPDATE {table} SET taken = taken + 1 WHERE id = %s AND taken < capacity"  # noqa: S608  # nosec B608


def _claim_returning_sql_make() -> str:
    return f"{_claim_sql_make()} RETURNING 1"


def _seats_move(
    *, claim: int | None, release: int | None, with_claim: Sequence[Model] = ()
) -> None:
    """Take a seat in one slot and give one back in another, in id order.

    Both happen in the caller's transaction, so the order cannot lose a seat; id order is
    what keeps two moves in opposite directions from deadlocking on the two rows.
    `with_claim` (PostgreSQL; the new booking, its id already taken from the sequence, and
    its audit row): rows inserted by the claim's statement, only if it takes the seat, one
    round trip for all. A full slot raises SlotFull, and then the claim wrote nothing.
    """
    if claim is not None and claim == release:
        if with_claim:
            raise ValueError("rows go in with a claim, and this move claims nothing")
        return
    steps = sorted(
        [(pk, +1) for pk in [claim] if pk is not None]
        + [(pk, -1) for pk in [release] if pk is not None]
    )
    for pk, delta in steps:
        if delta > 0:
            # The claim: one conditional UPDATE; 0 rows means the slot was full.
            if with_claim:
                claimed = objects_insert_if(
                    with_claim, ("_claim_returning_sql",), _claim_returning_sql_make, [pk]
                )
            else:
                with prepared_cursor() as cursor:
                    cursor.execute(sql_once(("_claim_sql",), _claim_sql_make), [pk])
                    claimed = cursor.rowcount
            if claimed == 0:
                raise SlotFull()
        else:
            _seats_give_back({pk: 1})


def _seats_give_back(counts: dict[int, int]) -> None:
    for slot_id in sorted(counts):
        n = counts[slot_id]
        if not Slot.objects.filter(pk=slot_id, taken__gte=n).update(taken=F("taken") - n):
            # Cannot happen while every seat change goes through here; leaving `taken` high
            # loses a seat, never overbooks, and the log says where to look.
            logger.error("slot %s: cannot give back %s seats, fewer are taken", slot_id, n)


def _booking_data(booking: Booking, data: dict | None = None) -> dict:
    return {"application_id": booking.application_id, "slot_id": booking.slot_id, **(data or {})}


def _audit_created(booking: Booking, *, actor: Any, data: dict) -> None:
    """A new booking row (held or booked) enters the log."""
    audit_record(**_created_audit_fields(booking, actor=actor, data=data))


def _created_audit_fields(booking: Booking, *, actor: Any, data: dict) -> dict[str, Any]:
    return {
        "actor": actor,
        "action": f"booking.{booking.status}",
        "obj": booking,
        "to_state": booking.status,
        "data": _booking_data(booking, data),
    }


def _booking_move(
    booking: Booking,
    *,
    to: str,
    actor: Any,
    reason: str = "",
    data: dict | None = None,
    updates: dict | None = None,
) -> str:
    """The locked booking → `to` through the transition helper; returns the state it left."""
    was = booking.status
    transition(
        Booking,
        obj=booking,
        to=to,
        actor=actor,
        reason=reason,
        updates=updates,
        audit_data=_booking_data(booking, data),
    )
    return was


def _appointment_params(application: Application, slot: Slot) -> dict[str, Any]:
    return {
        "appointment": slot.starts_at,
        "office_name": slot.office.name,
        "office_address": slot.office.address,
        "tracking_code": application.tracking_code,
    }


def _sms_confirmed(application: Application, slot: Slot, *, moved: bool = False) -> None:
    sms_queue(
        to=application.mobile,
        template="booking_moved" if moved else "booking_confirmed",
        params=_appointment_params(application, slot),
        related=application,
    )


def _book(*, application: Application, slot: Slot, actor: Any) -> None:
    """The application paid → booked, with the confirmation SMS queued.

    Called after every row write and before the booking's own audit rows. The application
    is the row the caller locked first; it is moved in place, not read and locked again.
    """
    _sms_confirmed(application, slot)
    application_status_change(
        application_id=application.pk,
        to=ApplicationStatus.BOOKED,
        actor=actor,
        audit_data={"slot_id": slot.pk, "office_id": slot.office_id},
        locked=application,  # locked first thing by the caller (_lock_application)
    )


# --- Holds and appointments ------------------------------------------------------------------


def booking_hold(*, application: Application, slot_id: int, actor: Any) -> Booking:
    """Take a seat: held for BOOKING_HOLD_MINUTES until payment, or booked at once if paid.

    A refusal found before any write (a full slot, a closed office, an application that
    cannot book) ends the transaction by COMMIT, not ROLLBACK (`atomic_refusing`): on a surge
    every sixth click meets a full slot, and a ROLLBACK would cost the next hold on that
    pooled connection the parsing and planning of all its statements again.
    """
    now = timezone.now()
    if (
        application.status == ApplicationStatus.PRE_REGISTERED
        and connections[DEFAULT_DB_ALIAS].features.has_select_for_update
    ):
        held = _first_pick(application, slot_id, actor, now)
        if held is not None:
            return held
    with atomic_refusing():
        app, current, slot_row, new_id = _hold_reads(application, slot_id)
        if app.status == ApplicationStatus.BOOKED:
            raise NothingWritten(AlreadyBooked())
        if app.status not in BOOKABLE_STATUSES:
            raise NothingWritten(
                InvalidTransition(
                    f"درخواست در وضعیت «{app.get_status_display()}» نوبت نمی‌گیرد.",
                    extra={"application_status": app.status},
                )
            )
        if (
            current is not None
            and current.slot_id == slot_id
            and app.status == ApplicationStatus.PRE_REGISTERED
            and current.hold_expires_at is not None
            and current.hold_expires_at > now
        ):
            return current  # the same pick again (a double click): the hold stands as it was
        try:
            slot = _slot_from_row(slot_row, now)
        except DomainError as refused:
            raise NothingWritten(refused) from None
        if slot.taken >= slot.capacity and (current is None or current.slot_id != slot.pk):
            # Full as of this read: refused before any write. Only the claim below decides
            # a seat; this spares a refusal the writes it would roll back.
            raise NothingWritten(SlotFull())
        if current is not None:  # before the new row: one seat-holding booking at a time
            _booking_move(
                current, to=BookingStatus.RELEASED, actor=actor, reason="another_slot_chosen"
            )
        paid = app.status == ApplicationStatus.PAID
        booking = Booking(
            application=app,
            slot=slot,
            status=BookingStatus.BOOKED if paid else BookingStatus.HELD,
            hold_expires_at=None
            if paid
            else now + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES),
        )
        release = current.slot_id if current else None
        # PostgreSQL: the booking row and its audit row go in with the claim, in its
        # statement (the booking's id was read above, for the audit row); SQLite, or the same
        # slot again (no seat moves): inserted here.
        with_claim = new_id is not None and release != slot.pk
        if with_claim:
            booking.pk = new_id
        else:
            objects_insert([booking])
        if paid:
            _book(application=app, slot=slot, actor=actor)
        audit = _created_audit_fields(
            booking,
            actor=actor,
            data={"office_id": slot.office_id, "hold_expires_at": booking.hold_expires_at},
        )
        if not with_claim:
            audit_record(**audit)
        # The seat last, so the hot slot row stays locked from this UPDATE to the COMMIT only,
        # not over the writes above (every other hold of the slot waits on that lock). A full
        # slot (SlotFull) rolls all of them back with it.
        try:
            _seats_move(
                claim=slot.pk,
                release=release,
                with_claim=[booking, audit_entry(**audit)] if with_claim else (),
            )
        except SlotFull as full:
            if with_claim and current is None and not paid:
                raise NothingWritten(full) from None  # the claim's statement wrote nothing
            raise
    return booking


def booking_confirm_for_payment(*, application: Application, actor: Any) -> Booking | None:
    """After payment (application already `paid`): its held booking becomes booked, if any."""
    now = timezone.now()
    with transaction.atomic():
        app = _lock_application(application)
        booking = (
            Booking.objects.select_for_update()
            .filter(application_id=app.pk, status=BookingStatus.HELD)
            .first()
        )
        if booking is None:
            return None
        if app.status != ApplicationStatus.PAID:
            raise InvalidTransition(
                "نوبت تنها پس از پرداخت هزینه قطعی می‌شود.", extra={"application_status": app.status}
            )
        try:
            slot = _bookable_slot(booking.slot_id, now)
        except (SlotInPast, OfficeClosed):
            # The hold is left to lapse (the sweep gives its seat back): releasing it here
            # would touch a slot row after the payment's audit row, against the lock order.
            sms_queue(
                to=app.mobile,
                template="booking_unavailable",
                params={"tracking_code": app.tracking_code},
                related=app,
            )
            return None
        _book(application=app, slot=slot, actor=actor)
        _booking_move(
            booking,
            to=BookingStatus.BOOKED,
            actor=actor,
            reason="paid",
            updates={"hold_expires_at": None},
        )
    return booking


def _changeable_seat(application: Application, *, verb: str) -> tuple[Application, Booking]:
    """The locked application and its seat, when the seat may still be changed (before
    enrolment); `verb` completes the Persian refusal («… نمی‌توان تغییر داد»)."""
    app = _lock_application(application)
    if app.status not in CHANGEABLE_STATUSES:
        raise InvalidTransition(
            f"پس از ثبت‌نام حضوری، نوبت را نمی‌توان {verb}.",
            extra={"application_status": app.status},
        )
    seat = _seat_of(app)
    if seat is None:
        raise AppointmentNotFound()
    return app, seat


def booking_reschedule(*, application: Application, slot_id: int, actor: Any) -> Booking:
    """Move the appointment (or hold) to another slot, at the same or another office."""
    now = timezone.now()
    with atomic_refusing():
        try:  # refusals before any write end the transaction without a ROLLBACK
            app, current = _changeable_seat(application, verb="تغییر داد")
            if current.slot_id == slot_id:
                return current  # already there: PUT is idempotent
            slot = _bookable_slot(slot_id, now)
            if slot.taken >= slot.capacity:
                raise SlotFull()  # full as of this read; the claim below decides otherwise
        except DomainError as refused:
            raise NothingWritten(refused) from None
        # The new seat is claimed in the same transaction as the old one is given back: if the
        # new slot is full, nothing changes and the citizen keeps the old appointment.
        _seats_move(claim=slot.pk, release=current.slot_id)
        was = _booking_move(
            current, to=BookingStatus.MOVED, actor=actor, data={"to_slot_id": slot.pk}
        )
        booking = Booking.objects.create(
            application=app,
            slot=slot,
            status=was,
            hold_expires_at=(
                now + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES)
                if was == BookingStatus.HELD
                else None
            ),
        )
        if was == BookingStatus.BOOKED:
            _sms_confirmed(app, slot, moved=True)
            transaction.on_commit(lambda: hooks.appointment_moved.call(application_id=app.pk))
        _audit_created(
            booking,
            actor=actor,
            data={"office_id": slot.office_id, "moved_from": current.pk},
        )
    return booking


def _seat_end(booking: Booking, *, actor: Any, reason: str) -> str:
    """The booking ends without its seat (given back by the caller, before any audit row): a
    hold is released, an appointment cancelled; returns the old status."""
    to = (
        BookingStatus.CANCELLED
        if booking.status == BookingStatus.BOOKED
        else BookingStatus.RELEASED
    )
    return _booking_move(
        booking, to=to, actor=actor, reason=reason, updates={"hold_expires_at": None}
    )


def booking_cancel(*, application: Application, actor: Any) -> Booking:
    """Cancel the appointment (application back to `paid`) or give up a hold."""
    with transaction.atomic():
        app, booking = _changeable_seat(application, verb="لغو کرد")
        _seats_give_back({booking.slot_id: 1})
        if booking.status == BookingStatus.BOOKED and app.status == ApplicationStatus.BOOKED:
            sms_queue(
                to=app.mobile,
                template="booking_cancelled",
                params={"tracking_code": app.tracking_code},
                related=app,
            )
            application_status_change(
                application_id=app.pk,
                to=ApplicationStatus.PAID,
                actor=actor,
                reason="appointment_cancelled",
            )
        _seat_end(booking, actor=actor, reason="citizen_cancelled")
    return booking


def booking_attend(*, booking: Booking, actor: Any) -> Booking:
    """The citizen came: booked → attended (the seat stays taken: it was used)."""
    return transition(
        Booking,
        pk=booking.pk,
        to=BookingStatus.ATTENDED,
        actor=actor,
        audit_data={"application_id": booking.application_id, "slot_id": booking.slot_id},
    )


def booking_release_for_application(*, application: Application, actor: Any) -> Booking | None:
    """Give back the application's seat (its status is the caller's); None if it had none."""
    with transaction.atomic():
        app = _lock_application(application)
        booking = _seat_of(app)
        if booking is None:
            return None
        _seats_give_back({booking.slot_id: 1})
        _seat_end(booking, actor=actor, reason="application_closed")
    return booking


# --- The sweep -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    holds_released: int
    appointments_missed: int
    reminders: int

    def __str__(self) -> str:
        return (
            f"holds released: {self.holds_released}, "
            f"appointments missed: {self.appointments_missed}, "
            f"reminders: {self.reminders}"
        )


def _holds_release_lapsed(now: dt.datetime) -> int:
    total = 0
    while True:
        with transaction.atomic():
            # Claim the applications first (lock order), skipping any a payment or a citizen
            # is working on right now: the next run gets them. SKIP LOCKED is also what lets
            # two sweeps run at once, each on its own rows.
            app_ids = list(
                Application.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(bookings__status=BookingStatus.HELD, bookings__hold_expires_at__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not app_ids:
                return total
            rows = list(
                Booking.objects.select_for_update()
                .filter(
                    application_id__in=app_ids, status=BookingStatus.HELD, hold_expires_at__lte=now
                )
                .values_list("pk", "slot_id", "application_id")
            )
            # Seats first (lock order: slots before the audit chain); the rows are locked, so
            # every one is claimed, and a row that was not would undo the whole batch.
            _seats_give_back(Counter(slot_id for _, slot_id, _ in rows))
            transition_many(
                Booking,
                ids=[pk for pk, _, _ in rows],
                to=BookingStatus.RELEASED,
                allowed_from={BookingStatus.HELD},
                actor=None,
                reason="hold_lapsed",
                audit_data={pk: {"application_id": a, "slot_id": s} for pk, s, a in rows},
                expect_all=True,
            )
        total += len(rows)
        if len(app_ids) < SWEEP_BATCH:
            return total


def _sms_expired(application_mobile: str, tracking_code: str, slot_start: dt.datetime) -> None:
    sms_queue(
        to=application_mobile,
        template="application_expired",
        params={"appointment_day": slot_start, "tracking_code": tracking_code},
    )


def _appointments_expire_missed(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=settings.MISSED_APPOINTMENT_GRACE_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            app_ids = list(
                Application.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=ApplicationStatus.BOOKED,
                    bookings__status=BookingStatus.BOOKED,
                    bookings__slot__ends_at__lt=cutoff,
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not app_ids:
                return total
            closed_at = timezone.now()
            rows = list(
                Booking.objects.select_for_update(of=("self",))
                .filter(application_id__in=app_ids, status=BookingStatus.BOOKED)
                .values_list(
                    "pk",
                    "slot_id",
                    "application_id",
                    "application__mobile",
                    "application__tracking_code",
                    "slot__starts_at",
                )
            )
            _seats_give_back(Counter(row[1] for row in rows))
            transition_many(
                Booking,
                ids=[row[0] for row in rows],
                to=BookingStatus.MISSED,
                allowed_from={BookingStatus.BOOKED},
                actor=None,
                reason="not_enrolled_in_time",
                updates={"updated_at": closed_at},
                audit_data={row[0]: {"application_id": row[2], "slot_id": row[1]} for row in rows},
                expect_all=True,
            )
            applications_status_change_many(
                ids=[row[2] for row in rows],
                to=ApplicationStatus.EXPIRED,
                allowed_from={ApplicationStatus.BOOKED},
                actor=None,
                reason="missed_appointment",
                updates={"closed_at": closed_at, "updated_at": closed_at},
                audit_data={row[2]: {"booking_id": row[0]} for row in rows},
                expect_all=True,
            )
            for _, _, _, mobile, tracking_code, starts_at in rows:
                _sms_expired(mobile, tracking_code, starts_at)
        total += len(rows)
        if len(app_ids) < SWEEP_BATCH:
            return total


def _reminders_send(now: dt.datetime) -> int:
    local = timezone.localtime(now, OFFICE_TZ)
    if local.hour not in REMINDER_HOURS:
        return 0
    tomorrow = local.date() + dt.timedelta(days=1)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=BookingStatus.BOOKED,
                    reminded_at__isnull=True,
                    slot__date=tomorrow,
                    application__status=ApplicationStatus.BOOKED,
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not ids:
                return total
            # The claim: only a row whose reminded_at is still empty is reminded.
            Booking.objects.filter(pk__in=ids, reminded_at__isnull=True).update(reminded_at=now)
            for booking in Booking.objects.filter(pk__in=ids).select_related(
                "slot__office", "application"
            ):
                sms_queue(
                    to=booking.application.mobile,
                    template="booking_reminder",
                    params=_appointment_params(booking.application, booking.slot),
                    related=booking.application,
                )
        total += len(ids)
        if len(ids) < SWEEP_BATCH:
            return total


def bookings_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Release lapsed holds, expire missed appointments, send tomorrow's reminders."""
    now = now or timezone.now()
    return SweepResult(
        holds_released=_holds_release_lapsed(now),
        appointments_missed=_appointments_expire_missed(now),
        reminders=_reminders_send(now),
    )
