"""A citizen is bound to the mobile that owns their national code (Shahkar-like): no one else
opens, sees, pays for or cancels their application; an office counter opens it for a person
whose mobile is not their own line."""

import pytest
from django.test import Client

from hoviat.applications.models import Application
from hoviat.applications.tests.conftest import SARA_FORM
from hoviat.booking.models import Booking, Slot
from hoviat.core.models import AuditEntry
from hoviat.core.services import staff_token_issue
from tests.factories import (
    ApplicationFactory,
    BookingFactory,
    CitizenFactory,
    CitizenSessionFactory,
    SlotFactory,
)

pytestmark = pytest.mark.django_db

STRANGER = "09351112233"  # a mobile that owns no one's national code here
PASSWORD = "correct horse battery"


@pytest.fixture
def as_stranger():
    token = CitizenSessionFactory(mobile=STRANGER, token="stranger-token").token
    return Client(headers={"Authorization": f"Bearer {token}"})


def _apply(client, **changes):
    return client.post(
        "/api/v1/applications", {**SARA_FORM, **changes}, content_type="application/json"
    )


def _staff(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


# --- Pre-registration from a mobile that is not the person's own ------------------------------


def test_a_mobile_that_does_not_own_the_code_cannot_pre_register_it(as_stranger, sara):
    response = _apply(as_stranger)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "MOBILE_NOT_OWNER"
    assert "پیشخوان" in response.json()["detail"]
    assert "شناسنامه" in response.json()["detail"]
    assert not Application.objects.exists()


def test_the_refusal_says_nothing_about_whether_the_registry_data_matched(as_stranger, sara):
    right = _apply(as_stranger).json()
    wrong = _apply(as_stranger, mother_name="زهرا").json()
    unknown = _apply(as_stranger, national_code="0012345679").json()

    assert right == wrong == unknown


def test_refused_tries_count_in_the_hourly_limit(as_stranger, sara, settings):
    settings.PRE_REGISTRATION_TRIES_PER_HOUR = 2
    assert _apply(as_stranger).status_code == 403
    assert _apply(as_stranger).status_code == 403

    assert _apply(as_stranger).status_code == 429


def test_the_apply_page_refuses_someone_elses_code_with_403(client, sara):
    session = client.session
    session["citizen_mobile"] = STRANGER
    session.save()

    response = client.post(
        "/citizen/apply/",
        {**SARA_FORM, "birth_date": "1370/05/14", "step": "confirm"},
        follow=False,
    )

    assert response.status_code == 403
    assert "پیشخوان" in response.content.decode()
    assert not Application.objects.exists()


def test_the_owner_still_pre_registers_from_her_own_mobile(as_sara, sara):
    assert _apply(as_sara).status_code == 201


# --- The owner sees and cancels an application opened from elsewhere --------------------------


@pytest.fixture
def opened_elsewhere(sara):
    """Sara's application, opened by someone else from their mobile (before this rule)."""
    return ApplicationFactory(citizen=sara, mobile=STRANGER, status="pre_registered")


def test_the_owner_sees_an_application_opened_from_another_mobile(as_sara, opened_elsewhere):
    listed = as_sara.get("/api/v1/applications").json()
    one = as_sara.get(f"/api/v1/applications/{opened_elsewhere.tracking_code}")

    assert [row["tracking_code"] for row in listed] == [opened_elsewhere.tracking_code]
    assert one.status_code == 200


def test_the_mobile_that_opened_it_no_longer_reaches_it(as_stranger, opened_elsewhere):
    code = opened_elsewhere.tracking_code

    assert as_stranger.get("/api/v1/applications").json() == []
    assert as_stranger.get(f"/api/v1/applications/{code}").status_code == 404
    assert as_stranger.post(f"/api/v1/applications/{code}/payment").status_code == 404
    assert as_stranger.post(f"/api/v1/applications/{code}/cancel").status_code == 404
    opened_elsewhere.refresh_from_db()
    assert opened_elsewhere.status == "pre_registered"


def test_the_owner_cancels_it_and_then_applies_herself(as_sara, sara, opened_elsewhere):
    response = as_sara.post(f"/api/v1/applications/{opened_elsewhere.tracking_code}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    opened_elsewhere.refresh_from_db()
    assert opened_elsewhere.closed_at is not None
    row = AuditEntry.objects.get(action="application.cancelled")
    assert (row.actor_kind, row.from_state, row.reason) == (
        "citizen",
        "pre_registered",
        "cancelled_by_owner",
    )
    mine = _apply(as_sara)
    assert mine.status_code == 201
    assert mine.json()["mobile"] == sara.mobile


def test_cancelling_gives_back_the_held_seat(as_sara, sara):
    slot = SlotFactory(capacity=1)
    booking = BookingFactory(
        application__citizen=sara,
        application__mobile=STRANGER,
        application__status="pre_registered",
        slot=slot,
        status="held",
    )
    assert Slot.objects.get(pk=slot.pk).taken == 1

    response = as_sara.post(f"/api/v1/applications/{booking.application.tracking_code}/cancel")

    assert response.status_code == 200
    assert Slot.objects.get(pk=slot.pk).taken == 0
    assert Booking.objects.get(pk=booking.pk).status == "released"


def test_an_enrolled_application_cannot_be_cancelled(as_sara, sara):
    application = ApplicationFactory(citizen=sara, status="enrolled")

    response = as_sara.post(f"/api/v1/applications/{application.tracking_code}/cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "APPLICATION_NOT_CANCELLABLE"


def test_the_owner_cancels_from_the_application_page(client, sara, opened_elsewhere):
    session = client.session
    session["citizen_mobile"] = sara.mobile
    session.save()
    page = client.get(f"/citizen/applications/{opened_elsewhere.public_id}/")
    assert "لغو درخواست" in page.content.decode()

    response = client.post(f"/citizen/applications/{opened_elsewhere.public_id}/cancel/")

    assert response.status_code == 302
    opened_elsewhere.refresh_from_db()
    assert opened_elsewhere.status == "cancelled"


# --- The office counter ---------------------------------------------------------------------


def _counter(client, **changes):
    body = {
        "national_code": "0499370899",
        "mobile": STRANGER,
        "document": "شناسنامهٔ عکس‌دار ۲۰/الف ۱۲۳۴۵۶",
        **changes,
    }
    return client.post("/api/v1/office/applications", body, content_type="application/json")


def test_an_operator_opens_the_application_at_the_counter_and_is_audited(reza, sara):
    response = _counter(_staff(reza))

    assert response.status_code == 201
    application = Application.objects.get(tracking_code=response.json()["tracking_code"])
    assert (application.citizen, application.mobile) == (sara, STRANGER)
    row = AuditEntry.objects.get(action="application.opened_at_counter")
    assert row.actor_id == str(reza.pk)
    assert row.data["office_id"] == reza.office_id
    assert "۲۰/الف" in row.data["document"]


def test_the_counter_needs_the_identity_document_written_down(reza, sara):
    response = _counter(_staff(reza), document="  ")

    assert response.status_code == 422
    assert response.json()["code"] == "IDENTITY_DOCUMENT_REQUIRED"


def test_only_an_office_operator_opens_at_the_counter(maryam, sara):
    response = _counter(_staff(maryam))

    assert response.status_code == 403
    assert not Application.objects.exists()


def test_the_counter_keeps_the_one_open_application_rule(reza, sara, opened_elsewhere):
    response = _counter(_staff(reza))

    assert response.status_code == 409


def test_a_citizen_token_cannot_use_the_counter(as_sara, sara):
    assert _counter(as_sara).status_code == 401


def test_a_person_with_no_own_mobile_is_not_seen_by_a_family_mobile(sara, bushehr_city):
    """A father's line registered in the registry against his daughter is not hers in
    Shahkar: CitizenFactory(owns_mobile=False) keeps the pair out of the ownership table."""
    daughter = CitizenFactory(mobile=sara.mobile, owns_mobile=False)
    ApplicationFactory(citizen=daughter, mobile=sara.mobile)
    token = CitizenSessionFactory(mobile=sara.mobile, token="t-family").token

    listed = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/applications")

    assert listed.json() == []
