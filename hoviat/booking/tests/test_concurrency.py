"""Races on PostgreSQL: the real row locks, many connections at once (skipped on SQLite)."""

import datetime as dt
import random
import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count, Q

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
