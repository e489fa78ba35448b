"""Races on PostgreSQL: the real row locks, many connections at once (skipped on SQLite)."""

import datetime as dt
import random
import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from hoviat.booking.models import SEAT_HOLDING, Booking, Slot
from hoviat.booking.services import (
    SlotFull,
    booking_cancel,
    booking_hold,
    booking_reschedule,
    bookings_sweep,
)
from hoviat.booking.tests.conftest import NOW, SATURDAY, application_for, slot_at
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.registry.tests.factories import CitizenFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUNDAY = SATURDAY + dt.timedelta(days=1)
ANYONE = Actor("citizen", "", "citizen")


def _race(workers: int, work) -> list:
    """Run work(i) in `workers` threads released at the same instant; their results."""
    start = threading.Barrier(workers)
    results: list = [None] * workers

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as exc:  # the test inspects what each thread met
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection; leave none behind

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _consistent() -> None:
    """Every slot's count is its seat-holding bookings, never above capacity."""
    for slot in Slot.objects.annotate(
        seats=Count("bookings", filter=Q(bookings__status__in=SEAT_HOLDING))
    ):
        assert slot.taken == slot.seats <= slot.capacity, slot


def test_thirty_two_citizens_racing_for_the_last_two_seats_leave_exactly_two(office):
    slot = slot_at(office, SUNDAY, 9)
    assert slot.capacity == 2
    applications = [application_for(CitizenFactory()) for _ in range(32)]

    results = _race(
        32, lambda i: booking_hold(application=applications[i], slot_id=slot.pk, actor=ANYONE)
    )

    slot.refresh_from_db()
    assert slot.taken == 2
    assert Booking.objects.filter(slot=slot, status="held").count() == 2
    assert sum(isinstance(r, Booking) for r in results) == 2
    refused = [r for r in results if not isinstance(r, Booking)]
    assert len(refused) == 30 and all(isinstance(r, SlotFull) for r in refused), refused
    assert audit_log_holds()


def test_two_sweeps_at_once_release_each_lapsed_hold_once(office):
    slots = [slot_at(office, SUNDAY, hour) for hour in (9, 10, 11)]
    for i in range(6):
        booking_hold(
            application=application_for(CitizenFactory()), slot_id=slots[i % 3].pk, actor=ANYONE
        )
    later = NOW + dt.timedelta(minutes=11)

    results = _race(4, lambda i: bookings_sweep(now=later))

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.holds_released for r in results) == 6
    assert Slot.objects.filter(taken__gt=0).count() == 0
    assert AuditEntry.objects.filter(action="booking.released").count() == 6
    _consistent()


def test_holds_moves_cancels_and_sweeps_racing_never_overbook_nor_deadlock(office):
    slots = [slot_at(office, SUNDAY, hour) for hour in (9, 10, 11, 12)]
    # 20 seats for 24 citizens: most moves find room, some find the slot full.
    Slot.objects.filter(pk__in=[slot.pk for slot in slots]).update(capacity=5)
    applications = [
        application_for(CitizenFactory(), status="paid" if i % 2 else "pre_registered")
        for i in range(24)
    ]

    lapsed = NOW + dt.timedelta(minutes=11)  # to the sweepers, every hold has lapsed

    def churn(i: int) -> Counter:
        if i >= len(applications):
            return Counter(
                released=sum(bookings_sweep(now=lapsed).holds_released for _ in range(10))
            )
        rng = random.Random(i)
        met: Counter = Counter()
        for _ in range(15):
            action = rng.choice(
                [booking_hold, booking_reschedule, booking_reschedule, booking_cancel]
            )
            kwargs = {"application": applications[i], "actor": ANYONE}
            if action is not booking_cancel:
                kwargs["slot_id"] = rng.choice(slots).pk
            try:
                action(**kwargs)
                met["ok"] += 1
            except DomainError as exc:
                met[exc.code] += 1
        return met

    results = _race(len(applications) + 3, churn)  # and three sweepers

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors  # a deadlock or a broken constraint would show here
    assert sum(r["ok"] for r in results) > 0
    _consistent()
    assert audit_log_holds()


def test_a_first_pick_is_one_read_and_one_write_outside_any_transaction(office):
    slot = slot_at(office, SUNDAY, 9)
    application = application_for(CitizenFactory())

    with CaptureQueriesContext(connection) as queries:
        held = booking_hold(application=application, slot_id=slot.pk, actor=ANYONE)

    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 2, statements  # no BEGIN, no COMMIT: each is its own
    assert statements[1].startswith("WITH claimed AS (UPDATE booking_slot")
    held.refresh_from_db()
    assert (held.status, held.application_id) == ("held", application.pk)
    slot.refresh_from_db()
    assert slot.taken == 1
    assert AuditEntry.objects.filter(
        action="booking.held", object_id=str(held.pk), to_state="held"
    ).exists()
    _consistent()
    assert audit_log_holds()


def test_a_payment_between_the_read_and_the_claim_books_through_the_locked_path(
    office, monkeypatch
):
    from hoviat.applications.models import Application
    from hoviat.booking import services

    slot = slot_at(office, SUNDAY, 9)
    application = application_for(CitizenFactory())
    read = services._slot_from_row

    def paid_meanwhile(row, now):
        Application.objects.filter(pk=application.pk).update(status="paid")
        return read(row, now)

    monkeypatch.setattr(services, "_slot_from_row", paid_meanwhile)

    booking = booking_hold(application=application, slot_id=slot.pk, actor=ANYONE)

    assert booking.status == "booked"  # the claim saw "paid": nothing held, the locked path
    application.refresh_from_db()
    assert application.status == "booked"
    assert list(Booking.objects.filter(application=application).values_list("status")) == [
        ("booked",)
    ]
    slot.refresh_from_db()
    assert slot.taken == 1
    assert not AuditEntry.objects.filter(action="booking.held").exists()
    _consistent()


def test_a_double_click_racing_itself_holds_one_seat(office, monkeypatch):
    from hoviat.booking import services

    slot = slot_at(office, SUNDAY, 9)
    application = application_for(CitizenFactory())
    # Both clicks read "no hold yet" before either claims: one claim's insert meets the
    # other's booking (the one-seat-per-application index), writes nothing, and that click
    # is answered by the locked path, with the hold the other made.
    both_read = threading.Barrier(2, timeout=10)
    first_reads = iter(range(2))
    read = services._slot_from_row

    def in_step(row, now):
        if next(first_reads, None) is not None:
            both_read.wait()
        return read(row, now)

    monkeypatch.setattr(services, "_slot_from_row", in_step)

    results = _race(
        2, lambda i: booking_hold(application=application, slot_id=slot.pk, actor=ANYONE)
    )

    assert all(isinstance(r, Booking) for r in results), results
    assert results[0].pk == results[1].pk  # both clicks got the one hold
    slot.refresh_from_db()
    assert slot.taken == 1
    assert Booking.objects.filter(application=application).count() == 1
    assert AuditEntry.objects.filter(action="booking.held").count() == 1
    _consistent()
