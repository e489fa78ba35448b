import datetime as dt

from django.core.management import call_command

from hoviat.applications.models import Application
from hoviat.booking.models import Booking, Slot
from hoviat.booking.services import booking_hold, bookings_sweep
from hoviat.booking.tests.conftest import NOW, SATURDAY, application_for, slot_at
from hoviat.core.audit import Actor
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.notifications.models import SmsMessage
from hoviat.registry.tests.factories import CitizenFactory

SARA = Actor("citizen", "0499370899", "citizen")
SUNDAY = SATURDAY + dt.timedelta(days=1)
MONDAY = SATURDAY + dt.timedelta(days=2)


def _taken(slot: Slot) -> int:
    slot.refresh_from_db()
    return slot.taken


def _booked(office, citizen, day=SUNDAY, hour=9):
    application = application_for(citizen, status="paid")
    booking = booking_hold(
        application=application, slot_id=slot_at(office, day, hour).pk, actor=SARA
    )
    return application, booking


def test_the_sweep_releases_lapsed_holds_and_is_idempotent(office, sara_application):
    slot = slot_at(office, SUNDAY, 9)
    lapsed = booking_hold(application=sara_application, slot_id=slot.pk, actor=SARA)
    fresh = booking_hold(application=application_for(CitizenFactory()), slot_id=slot.pk, actor=SARA)
    Booking.objects.filter(pk=fresh.pk).update(hold_expires_at=NOW + dt.timedelta(minutes=30))

    first = bookings_sweep(now=NOW + dt.timedelta(minutes=11))
    second = bookings_sweep(now=NOW + dt.timedelta(minutes=11))

    assert (first.holds_released, second.holds_released) == (1, 0)
    lapsed.refresh_from_db()
    fresh.refresh_from_db()
    assert (lapsed.status, fresh.status) == ("released", "held")
    assert _taken(slot) == 1
    assert AuditEntry.objects.filter(action="booking.released", reason="hold_lapsed").count() == 1
    assert audit_log_holds()


def test_a_hold_is_kept_until_it_lapses(office, sara_application):
    booking_hold(application=sara_application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA)

    assert bookings_sweep(now=NOW + dt.timedelta(minutes=9)).holds_released == 0


def test_a_missed_appointment_expires_the_application_and_says_what_to_do(office, sara, clock):
    application, booking = _booked(office, sara)
    slot = booking.slot

    # Within the grace period the citizen may still come or move the appointment.
    within = bookings_sweep(now=slot.ends_at + dt.timedelta(days=6, hours=23))
    assert within.appointments_missed == 0

    result = bookings_sweep(now=slot.ends_at + dt.timedelta(days=7, minutes=1))

    assert result.appointments_missed == 1
    booking.refresh_from_db()
    application.refresh_from_db()
    assert (booking.status, application.status) == ("missed", "expired")
    assert application.closed_at is not None
    assert _taken(slot) == 0
    sms = SmsMessage.objects.get(kind="application_expired")
    assert sms.to == sara.mobile
    assert "دوباره در سامانه پیش‌ثبت‌نام کنید" in sms.body
    assert list(
        AuditEntry.objects.filter(
            object_type="applications.application", to_state="expired"
        ).values_list("from_state", "reason")
    ) == [("booked", "missed_appointment")]
    assert bookings_sweep(now=slot.ends_at + dt.timedelta(days=8)).appointments_missed == 0


def test_an_enrolled_application_does_not_expire(office, sara):
    application, booking = _booked(office, sara)
    Application.objects.filter(pk=application.pk).update(status="enrolled")

    result = bookings_sweep(now=booking.slot.ends_at + dt.timedelta(days=30))

    assert result.appointments_missed == 0
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_reminders_go_out_once_the_day_before(office, sara):
    _booked(office, sara, day=SUNDAY)
    _booked(office, CitizenFactory(), day=MONDAY)  # the day after tomorrow: not yet
    ten_am = NOW + dt.timedelta(hours=2)

    first = bookings_sweep(now=ten_am)
    second = bookings_sweep(now=ten_am + dt.timedelta(minutes=1))

    assert (first.reminders, second.reminders) == (1, 0)
    reminder = SmsMessage.objects.get(kind="booking_reminder")
    assert reminder.to == sara.mobile
    assert "یادآوری نوبت فردا" in reminder.body and "ساعت ۰۹:۰۰" in reminder.body


def test_reminders_wait_for_the_morning(office, sara):
    _booked(office, sara, day=SUNDAY)

    assert bookings_sweep(now=NOW - dt.timedelta(hours=2)).reminders == 0  # 06:00
    assert bookings_sweep(now=NOW + dt.timedelta(hours=14)).reminders == 0  # 22:00


def test_the_sweep_command_prints_a_one_line_summary(office, sara_application, capsys):
    booking_hold(application=sara_application, slot_id=slot_at(office, SUNDAY, 9).pk, actor=SARA)
    Booking.objects.update(hold_expires_at=NOW - dt.timedelta(minutes=1))

    call_command("sweep")

    assert "booking: holds released: 1, appointments missed: 0, reminders: 0" in (
        capsys.readouterr().out.splitlines()
    )
