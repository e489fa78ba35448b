import pytest
from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import Application
from hoviat.booking.models import Booking, Slot
from hoviat.booking.services import slots_generate
from hoviat.core.jalali import WEEKDAYS, format_jalali
from hoviat.offices.selectors import add_working_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara_signed_in(client, sara):
    session = client.session
    session["citizen_mobile"] = sara.mobile
    session.save()
    return client


def test_the_booking_page_offers_the_first_day_with_room_when_today_is_full(
    sara_signed_in, sara, bushehr_post_office
):
    application = Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=sara,
        kind="first",
        fee_rials=1,
        mobile=sara.mobile,
    )
    later = add_working_days(start=timezone.localdate(), days=3, office=bushehr_post_office)
    slots_generate(office=bushehr_post_office, start=later, end=later)

    response = sara_signed_in.get(f"/citizen/book/{application.public_id}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert format_jalali(later) in page
    assert bushehr_post_office.name in page


def test_another_citizens_application_cannot_be_booked(sara_signed_in, bushehr_city):
    from hoviat.registry.tests.factories import CitizenFactory

    other = CitizenFactory(residence_city=bushehr_city, issuing_county=bushehr_city.county)
    theirs = Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=other,
        kind="first",
        fee_rials=1,
        mobile="09120000000",
    )
    assert sara_signed_in.get(f"/citizen/book/{theirs.public_id}/").status_code == 404
    response = sara_signed_in.post(f"/citizen/book/{theirs.public_id}/book/", {"slot_id": 1})
    assert theirs.bookings.count() == 0
    assert response.status_code == 302


def _application(sara):
    return Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=sara,
        kind="first",
        fee_rials=1,
        mobile=sara.mobile,
    )


def test_an_office_shows_a_calendar_of_days_with_free_seats_and_weekdays(
    sara_signed_in, sara, bushehr_post_office
):
    application = _application(sara)
    later = add_working_days(start=timezone.localdate(), days=3, office=bushehr_post_office)
    slots_generate(office=bushehr_post_office, start=later, end=later)
    url = f"/citizen/book/{application.public_id}/"

    page = sara_signed_in.get(
        url, {"office": bushehr_post_office.pk, "date": format_jalali(later, persian=False)}
    ).content.decode()

    calendar = page[
        page.index('data-testid="calendar"') : page.index(
            "</ul>", page.index('data-testid="calendar"')
        )
    ]
    assert format_jalali(later, long=True) in calendar
    assert WEEKDAYS[(later.weekday() + 2) % 7] in calendar
    assert "نوبت خالی" in calendar
    assert 'data-testid="steps"' in page


def test_a_picked_time_is_shown_for_checking_before_the_seat_is_taken(
    sara_signed_in, sara, bushehr_post_office
):
    application = _application(sara)
    later = add_working_days(start=timezone.localdate(), days=3, office=bushehr_post_office)
    slots_generate(office=bushehr_post_office, start=later, end=later)
    slot = Slot.objects.filter(office=bushehr_post_office, date=later).order_by("starts_at").first()
    url = f"/citizen/book/{application.public_id}/"
    query = {"office": bushehr_post_office.pk, "date": format_jalali(later, persian=False)}

    listed = sara_signed_in.get(url, query).content.decode()
    assert f"slot={slot.pk}" in listed and "booking-check" not in listed

    page = sara_signed_in.get(url, {**query, "slot": slot.pk}).content.decode()
    check = page[page.index('data-testid="booking-check"') :]
    assert bushehr_post_office.name in check
    assert WEEKDAYS[(later.weekday() + 2) % 7] in check
    assert f'name="slot_id" value="{slot.pk}"' in check
    # Nothing is held until she confirms.
    assert not Booking.objects.filter(application=application).exists()
    sara_signed_in.post(f"{url}book/", {"slot_id": slot.pk})
    assert Booking.objects.get(application=application).slot_id == slot.pk


def test_booking_before_paying_does_not_show_the_payment_step_as_done(
    sara_signed_in, sara, bushehr_post_office
):
    application = _application(sara)
    page = sara_signed_in.get(f"/citizen/book/{application.public_id}/").content.decode()
    start = page.index('data-testid="steps"')
    steps = page[start : page.index("</nav>", start)]
    assert steps.count("(انجام شد)") == 1  # pre-registration only
    assert 'aria-current="step"' in steps
