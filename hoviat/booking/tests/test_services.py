import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from hoviat.applications.models import Application
from hoviat.booking.models import Booking, Slot
from hoviat.booking.services import (
    AlreadyBooked,
    AppointmentNotFound,
    OfficeClosed,
    SlotFull,
    SlotInPast,
    SlotNotFound,
    booking_cancel,
    booking_confirm_for_payment,
    booking_hold,
    booking_release_for_application,
    booking_reschedule,
    slots_generate,
)
from hoviat.booking.tests.conftest import NOW, SATURDAY, application_for, slot_at
from hoviat.core.audit import Actor
from hoviat.core.errors import InvalidTransition
from hoviat.core.models import AuditEntry
from hoviat.core.transitions import transition
from hoviat.notifications.models import SmsMessage
from hoviat.offices.models import Holiday, OfficeClosure
from hoviat.offices.tests.factories import OfficeFactory
from hoviat.registry.tests.factories import CitizenFactory

SARA = Actor("citizen", "0499370899", "citizen")
PAYMENTS = Actor("system", "payments", "درگاه پرداخت")
SUNDAY = SATURDAY + dt.timedelta(days=1)


def _paid(application: Application) -> Application:
    """What the payments service does before it calls booking_confirm_for_payment."""
    return transition(
        Application, pk=application.pk, to="paid", actor=PAYMENTS, updates={"paid_at": NOW}
    )


def _taken(slot: Slot) -> int:
    slot.refresh_from_db()
    return slot.taken


def _seats_taken_everywhere() -> int:
    return Slot.objects.aggregate(total=Sum("taken"))["total"] or 0


def test_a_hold_becomes_a_booking_when_the_payment_completes(office, sara_application):
    slot = slot_at(office, SUNDAY, 9)

    hold = booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)

    assert hold.status == "held"
    assert hold.hold_expires_at == NOW + dt.timedelta(minutes=10)
    assert _taken(slot) == 1
    sara_application.refresh_from_db()
    assert sara_application.status == "pre_registered"

    _paid(sara_application)
    booking = booking_confirm_for_payment(application=sara_application, actor=PAYMENTS)

    assert booking.pk == hold.pk
    assert (booking.status, booking.hold_expires_at) == ("booked", None)
    assert _taken(slot) == 1
    sara_application.refresh_from_db()
    assert sara_application.status == "booked"
    sms = SmsMessage.objects.get(kind="booking_confirmed")
    assert sms.to == sara_application.mobile
    assert "اداره پست مرکزی بوشهر" in sms.body and "یکشنبه ۱ آذر ۱۴۰۵ ساعت ۰۹:۰۰" in sms.body
    assert list(
        AuditEntry.objects.filter(object_type="booking.booking").values_list(
            "from_state", "to_state"
        )
    ) == [("", "held"), ("held", "booked")]


def test_confirming_without_a_hold_leaves_the_application_paid(office, sara_application):
    _paid(sara_application)

    assert booking_confirm_for_payment(application=sara_application, actor=PAYMENTS) is None
    sara_application.refresh_from_db()
    assert sara_application.status == "paid"


def test_a_lapsed_hold_the_sweep_has_not_reached_is_still_confirmed(
    office, sara_application, clock
):
    slot = slot_at(office, SUNDAY, 9)
    booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    clock.shift(dt.timedelta(minutes=25))
    _paid(sara_application)

    booking = booking_confirm_for_payment(application=sara_application, actor=PAYMENTS)

    assert booking.status == "booked"
    assert _taken(slot) == 1


def test_a_hold_on_a_slot_that_started_meanwhile_is_not_confirmed(office, sara_application, clock):
    slot = slot_at(office, SATURDAY, 8, 15)
    booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    clock.shift(dt.timedelta(minutes=20))
    _paid(sara_application)

    assert booking_confirm_for_payment(application=sara_application, actor=PAYMENTS) is None
    sara_application.refresh_from_db()
    assert sara_application.status == "paid"
    assert SmsMessage.objects.filter(kind="booking_unavailable").count() == 1


def test_a_paid_citizen_books_at_once(office, sara):
    application = application_for(sara, status="paid")
    slot = slot_at(office, SUNDAY, 10)

    booking = booking_hold(application=application, slot_id=slot.pk, actor=SARA)

    assert (booking.status, booking.hold_expires_at) == ("booked", None)
    application.refresh_from_db()
    assert application.status == "booked"
    assert _taken(slot) == 1
    assert SmsMessage.objects.filter(kind="booking_confirmed").count() == 1


def test_it_refuses_a_booking_when_the_slot_is_full(office, sara_application):
    slot = slot_at(office, SUNDAY, 9)
    for _ in range(slot.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=slot.pk, actor=SARA)

    with pytest.raises(SlotFull):
        booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)

    assert _taken(slot) == slot.capacity
    assert not sara_application.bookings.exists()


def test_it_refuses_a_slot_that_has_started(office, sara_application):
    slot = slot_at(office, SATURDAY, 8)  # now is 08:00 exactly

    with pytest.raises(SlotInPast):
        booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    assert _taken(slot) == 0


def test_it_refuses_a_slot_that_does_not_exist(office, sara_application):
    with pytest.raises(SlotNotFound):
        booking_hold(application=sara_application, slot_id=987654, actor=SARA)


def test_it_refuses_a_day_made_a_holiday_after_the_slots_were_made(office, sara_application):
    Holiday.objects.create(date=SUNDAY, title="تعطیل ناگهانی")

    with pytest.raises(OfficeClosed):
        booking_hold(
            application=sara_application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA
        )
    assert _seats_taken_everywhere() == 0


def test_it_refuses_a_day_the_office_closed_after_the_slots_were_made(office, sara_application):
    OfficeClosure.objects.create(office=office, date=SUNDAY, reason="قطع برق")

    with pytest.raises(OfficeClosed) as caught:
        booking_hold(
            application=sara_application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA
        )
    assert caught.value.code == "OFFICE_CLOSED"
    assert _seats_taken_everywhere() == 0


def test_it_refuses_an_office_that_was_deactivated(office, sara_application):
    office.is_active = False
    office.save(update_fields=["is_active"])

    with pytest.raises(OfficeClosed):
        booking_hold(
            application=sara_application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA
        )


def test_it_refuses_hours_the_office_no_longer_keeps(office, sara_application):
    office.closes_at = dt.time(12, 0)
    office.save(update_fields=["closes_at"])

    with pytest.raises(OfficeClosed):
        booking_hold(
            application=sara_application, slot_id=slot_at(office, SUNDAY, 13).pk, actor=SARA
        )


def test_picking_another_slot_gives_back_the_earlier_hold(office, sara_application):
    first, second = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 11)
    earlier = booking_hold(application=sara_application, slot_id=first.pk, actor=SARA)

    later = booking_hold(application=sara_application, slot_id=second.pk, actor=SARA)

    earlier.refresh_from_db()
    assert (earlier.status, later.status) == ("released", "held")
    assert (_taken(first), _taken(second)) == (0, 1)


def test_picking_the_same_slot_twice_keeps_one_hold(office, sara_application, clock):
    slot = slot_at(office, SUNDAY, 9)
    first = booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    clock.shift(dt.timedelta(minutes=5))

    again = booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)

    assert again.pk == first.pk
    assert again.hold_expires_at == first.hold_expires_at  # no endless hold by clicking again
    assert _taken(slot) == 1


def test_picking_the_same_slot_after_the_hold_lapsed_starts_a_fresh_hold(
    office, sara_application, clock
):
    slot = slot_at(office, SUNDAY, 9)
    first = booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    clock.shift(dt.timedelta(minutes=12))  # lapsed, and the sweep has not come by yet

    again = booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)

    first.refresh_from_db()
    assert (first.status, again.status) == ("released", "held")
    assert again.hold_expires_at == NOW + dt.timedelta(minutes=22)
    assert _taken(slot) == 1


def test_a_full_slot_leaves_the_earlier_hold_in_place(office, sara_application):
    mine, full = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 11)
    held = booking_hold(application=sara_application, slot_id=mine.pk, actor=SARA)
    for _ in range(full.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=full.pk, actor=SARA)

    with pytest.raises(SlotFull):
        booking_hold(application=sara_application, slot_id=full.pk, actor=SARA)

    held.refresh_from_db()
    assert held.status == "held"
    assert (_taken(mine), _taken(full)) == (1, full.capacity)


def _seat_read_stale(monkeypatch) -> None:
    """The hold's read of the slot sees it empty: another hold takes the last seat between
    that read and the claim, which is what decides."""
    from hoviat.booking import services

    read = services._slot_from_row

    def stale(row, now):
        slot = read(row, now)
        slot.taken = 0
        return slot

    monkeypatch.setattr(services, "_slot_from_row", stale)


def test_the_claim_refuses_a_slot_filled_after_it_was_read_and_every_write_goes(
    office, sara, monkeypatch
):
    mine, full = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 11)
    application = application_for(sara)
    held = booking_hold(application=application, slot_id=mine.pk, actor=SARA)
    _paid(application)
    for _ in range(full.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=full.pk, actor=SARA)
    audit_rows, sms = AuditEntry.objects.count(), SmsMessage.objects.count()
    _seat_read_stale(monkeypatch)

    # The claim comes last in the hold: the release of the held seat, the new booking, the
    # application's move to booked, its SMS and the audit rows were all written by then.
    with pytest.raises(SlotFull):
        booking_hold(application=application, slot_id=full.pk, actor=SARA)

    held.refresh_from_db()
    application.refresh_from_db()
    assert (held.status, application.status) == ("held", "paid")
    assert list(application.bookings.values_list("pk", flat=True)) == [held.pk]
    assert (_taken(mine), _taken(full)) == (1, full.capacity)
    assert (AuditEntry.objects.count(), SmsMessage.objects.count()) == (audit_rows, sms)


def test_a_first_pick_refused_at_the_claim_writes_nothing(office, sara_application, monkeypatch):
    # A pre-registered application's first pick: on PostgreSQL its booking and audit rows go
    # in with the claim, so a claim that finds the slot full has written nothing at all.
    full = slot_at(office, SUNDAY, 11)
    for _ in range(full.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=full.pk, actor=SARA)
    audit_rows = AuditEntry.objects.count()
    _seat_read_stale(monkeypatch)

    with pytest.raises(SlotFull):
        booking_hold(application=sara_application, slot_id=full.pk, actor=SARA)

    assert not sara_application.bookings.exists()
    assert _taken(full) == full.capacity
    assert AuditEntry.objects.count() == audit_rows


def _prepared_on_server() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.parametrize("refusal", ["read_full", "claim_full", "closed", "booked"])
def test_a_refused_hold_keeps_the_connections_prepared_statements(
    office, sara, monkeypatch, refusal
):
    # psycopg answers a ROLLBACK (to a savepoint too) by DEALLOCATE ALL; a refusal made
    # before any write ends its block without one, so the next hold parses nothing again.
    slot, full = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 11)
    for _ in range(full.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=full.pk, actor=SARA)
    prepared = _prepared_on_server()
    assert len(prepared) >= 2  # the hold's reads, and its claim with its rows
    application = application_for(
        sara, status="booked" if refusal == "booked" else "pre_registered"
    )
    target = full if refusal.endswith("_full") else slot
    if refusal == "claim_full":
        _seat_read_stale(monkeypatch)
    elif refusal == "closed":
        OfficeClosure.objects.create(office=office, date=SUNDAY, reason="تعمیرات")

    with pytest.raises((SlotFull, OfficeClosed, AlreadyBooked)):
        booking_hold(application=application, slot_id=target.pk, actor=SARA)

    assert _prepared_on_server() >= prepared  # none discarded


@pytest.mark.postgres
def test_a_move_refused_for_a_full_slot_keeps_the_connections_prepared_statements(office, sara):
    application = application_for(sara, status="paid")
    mine, full = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 11)
    booking_hold(application=application, slot_id=mine.pk, actor=SARA)
    for _ in range(full.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=full.pk, actor=SARA)
    prepared = _prepared_on_server()

    with pytest.raises(SlotFull):
        booking_reschedule(application=application, slot_id=full.pk, actor=SARA)

    assert _prepared_on_server() >= prepared
    assert (_taken(mine), _taken(full)) == (1, full.capacity)


def test_a_booked_application_is_told_to_reschedule(office, sara):
    application = application_for(sara, status="paid")
    booking_hold(application=application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA)

    with pytest.raises(AlreadyBooked) as caught:
        booking_hold(application=application, slot_id=slot_at(office, SUNDAY, 10).pk, actor=SARA)
    assert caught.value.status == 409


@pytest.mark.parametrize("status", ["enrolled", "expired", "cancelled", "delivered"])
def test_an_application_past_booking_cannot_take_a_seat(office, sara, status):
    application = application_for(sara, status=status)

    with pytest.raises(InvalidTransition) as caught:
        booking_hold(application=application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA)
    assert caught.value.code == "INVALID_TRANSITION"
    assert "نوبت نمی‌گیرد" in caught.value.detail
    assert _seats_taken_everywhere() == 0


def test_reschedule_frees_the_old_seat_even_at_another_office(office, sara, bushehr_city):
    other = OfficeFactory(code="REG-0602", kind="registration", city=bushehr_city)
    slots_generate(office=other, start=SUNDAY, end=SUNDAY)
    application = application_for(sara, status="paid")
    old_slot, new_slot = slot_at(office, SUNDAY, 9), slot_at(other, SUNDAY, 12)
    old = booking_hold(application=application, slot_id=old_slot.pk, actor=SARA)

    new = booking_reschedule(application=application, slot_id=new_slot.pk, actor=SARA)

    old.refresh_from_db()
    assert (old.status, new.status) == ("moved", "booked")
    assert (_taken(old_slot), _taken(new_slot)) == (0, 1)
    application.refresh_from_db()
    assert application.status == "booked"
    assert SmsMessage.objects.filter(kind="booking_moved").count() == 1


def test_reschedule_to_a_full_slot_keeps_the_old_appointment(office, sara):
    application = application_for(sara, status="paid")
    mine, full = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 11)
    booked = booking_hold(application=application, slot_id=mine.pk, actor=SARA)
    for _ in range(full.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=full.pk, actor=SARA)

    with pytest.raises(SlotFull):
        booking_reschedule(application=application, slot_id=full.pk, actor=SARA)

    booked.refresh_from_db()
    assert booked.status == "booked"
    assert (_taken(mine), _taken(full)) == (1, full.capacity)


def test_reschedule_to_the_same_slot_changes_nothing(office, sara):
    application = application_for(sara, status="paid")
    slot = slot_at(office, SUNDAY, 9)
    booked = booking_hold(application=application, slot_id=slot.pk, actor=SARA)

    assert booking_reschedule(application=application, slot_id=slot.pk, actor=SARA) == booked
    assert _taken(slot) == 1


def test_reschedule_without_an_appointment_is_refused(office, sara_application):
    with pytest.raises(AppointmentNotFound):
        booking_reschedule(
            application=sara_application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA
        )


def test_cancel_frees_the_seat_and_puts_the_application_back_to_paid(office, sara):
    application = application_for(sara, status="paid")
    slot = slot_at(office, SUNDAY, 9)
    booking_hold(application=application, slot_id=slot.pk, actor=SARA)

    cancelled = booking_cancel(application=application, actor=SARA)

    assert cancelled.status == "cancelled"
    assert _taken(slot) == 0
    application.refresh_from_db()
    assert application.status == "paid"
    assert SmsMessage.objects.filter(kind="booking_cancelled").count() == 1


def test_cancelling_a_hold_releases_it(office, sara_application):
    slot = slot_at(office, SUNDAY, 9)
    booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)

    assert booking_cancel(application=sara_application, actor=SARA).status == "released"
    assert _taken(slot) == 0
    sara_application.refresh_from_db()
    assert sara_application.status == "pre_registered"


def test_an_enrolled_application_cannot_cancel_its_appointment(office, sara):
    application = application_for(sara, status="paid")
    booking_hold(application=application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA)
    Application.objects.filter(pk=application.pk).update(status="enrolled")

    with pytest.raises(InvalidTransition):
        booking_cancel(application=application, actor=SARA)
    assert _seats_taken_everywhere() == 1


def test_releasing_for_a_closed_application_gives_the_seat_back(office, sara):
    application = application_for(sara, status="paid")
    slot = slot_at(office, SUNDAY, 9)
    booking_hold(application=application, slot_id=slot.pk, actor=SARA)

    released = booking_release_for_application(application=application, actor=None)

    assert released.status == "cancelled"
    assert _taken(slot) == 0
    assert booking_release_for_application(application=application, actor=None) is None


def test_every_seat_change_is_on_the_audit_log(office, sara):
    application = application_for(sara, status="paid")
    booking_hold(application=application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA)
    booking_reschedule(application=application, slot_id=slot_at(office, SUNDAY, 10).pk, actor=SARA)
    booking_cancel(application=application, actor=SARA)

    states = list(
        AuditEntry.objects.filter(object_type="booking.booking")
        .order_by("id")
        .values_list("from_state", "to_state")
    )
    assert states == [("", "booked"), ("booked", "moved"), ("", "booked"), ("booked", "cancelled")]
    assert Booking.objects.filter(application=application).count() == 2


def test_a_hold_shows_each_of_its_statements_in_the_query_log(office, sara, sara_application):
    # On PostgreSQL the hold's statements are prepared once per connection: the query log
    # (DEBUG, CaptureQueriesContext) still names each, and the second hold reuses them.
    slot = slot_at(office, SUNDAY, 9)
    other = application_for(CitizenFactory())

    with CaptureQueriesContext(connection) as first:
        booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    with CaptureQueriesContext(connection) as second:
        booking_hold(application=other, slot_id=slot.pk, actor=SARA)

    statements = [query["sql"] for query in second.captured_queries]
    assert len(statements) == len(first.captured_queries)
    assert any("UPDATE booking_slot SET taken = taken + 1" in sql for sql in statements)
    assert any('INSERT INTO "core_auditentry"' in sql for sql in statements)
    assert _taken(slot) == 2
