import pytest
from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import Application
from hoviat.booking.services import slots_generate
from hoviat.core.jalali import format_jalali
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

    response = sara_signed_in.get(f"/citizen/book/{application.tracking_code}/")

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
    assert sara_signed_in.get(f"/citizen/book/{theirs.tracking_code}/").status_code == 404
    response = sara_signed_in.post(f"/citizen/book/{theirs.tracking_code}/book/", {"slot_id": 1})
    assert theirs.bookings.count() == 0
    assert response.status_code == 302
