"""Complaints through the API, as a citizen's app and an office's software use it."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.test import Client
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.notifications.models import SmsMessage
from hoviat.offices.tests.factories import OfficeFactory
from hoviat.places.tests.factories import ProvinceFactory
from hoviat.selfservice.codes import grievance_number_parse
from hoviat.selfservice.models import Grievance
from tests.factories import ApiKeyFactory, CardFactory, PartnerFactory, UserFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def file(client, text="کارت من یک ماه است آماده نشده و کسی پاسخ نمی‌دهد.", **body):
    return post(client, "/grievances", {"text": text, **body})


def test_it_files_a_complaint_with_a_random_number_and_a_due_date(sara_api, sara, settings):
    settings.GRIEVANCE_DUE_DAYS = 7

    response = file(sara_api)

    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert grievance_number_parse(body["grievance_id"]) == body["grievance_id"]
    assert body["due_on"] == (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    grievance = Grievance.objects.get(number=body["grievance_id"])
    # A blank complaint goes to the citizen's province.
    assert (grievance.citizen, grievance.office, grievance.province) == (
        sara,
        None,
        sara.residence_province,
    )
    entry = AuditEntry.objects.get(action="grievance.filed", object_id=str(grievance.pk))
    assert entry.data["province"] == "IR-06"


def test_its_numbers_are_not_sequential(sara_api):
    numbers = [int(file(sara_api).json()["grievance_id"]) for _ in range(3)]

    gaps = {b - a for a, b in itertools.pairwise(numbers)}
    assert not gaps & {1, 10, -1, -10}


def test_a_complaint_about_a_late_card_goes_to_the_office_holding_it(sara_api, sara):
    office = OfficeFactory(name="اداره ثبت احوال برازجان")
    card = CardFactory(application__citizen=sara, office=office)

    response = file(sara_api, about_event=f"application:{card.application.tracking_code}")

    assert response.status_code == 201, response.content.decode()
    grievance = Grievance.objects.get(number=response.json()["grievance_id"])
    assert (grievance.office, grievance.province) == (office, office.city.province)
    assert grievance.about_kind == "application"


def test_a_complaint_about_an_unexpected_inquiry_is_accepted_only_for_ones_own(
    sara_api, sara, omid
):
    key = ApiKeyFactory(partner=PartnerFactory(name="بانک ملی"))
    bank = Client(headers={"X-API-Key": key.raw})

    def inquire(national_code, birth_date):
        answer = post(
            bank,
            "/inquiry/identity",
            {"national_code": national_code, "birth_date": birth_date, "purpose": "LOAN"},
        )
        assert answer.status_code == 200, answer.content.decode()
        return answer.json()["inquiry_id"]

    about_sara = inquire(sara.national_code, sara.birth_date.isoformat())
    about_omid = inquire(omid.national_code, omid.birth_date.isoformat())

    assert file(sara_api, about_event=f"inquiry:{about_sara}").status_code == 201
    refused = file(sara_api, about_event=f"inquiry:{about_omid}")
    assert refused.status_code == 404
    assert refused.json()["code"] == "EVENT_NOT_FOUND"


def test_it_refuses_an_sms_or_card_event_that_is_someone_elses(sara_api, omid):
    someone_elses_card = CardFactory(application__citizen=omid)
    sms = SmsMessage.objects.create(to=omid.mobile, body="x", kind="otp")

    for event in (f"card:{someone_elses_card.csn}", f"sms:{sms.pk}", "sms:abc", "nonsense"):
        response = file(sara_api, about_event=event)
        assert response.status_code == 404, event
        assert response.json()["code"] == "EVENT_NOT_FOUND"
    assert not Grievance.objects.exists()


def test_it_refuses_an_empty_or_too_long_complaint_with_a_persian_message(sara_api):
    empty = file(sara_api, text="   ")
    too_long = file(sara_api, text="ب" * 2001)

    assert (empty.status_code, empty.json()["code"]) == (422, "GRIEVANCE_TEXT_REQUIRED")
    assert "متن شکایت" in empty.json()["detail"]
    assert (too_long.status_code, too_long.json()["code"]) == (422, "GRIEVANCE_TEXT_TOO_LONG")
    assert not Grievance.objects.exists()


def test_it_refuses_a_mobile_that_owns_no_national_code():
    from .conftest import citizen_client

    response = file(citizen_client("09350000001"))

    assert (response.status_code, response.json()["code"]) == (
        403,
        "MOBILE_OWNS_NO_NATIONAL_CODE",
    )


def test_the_owner_reads_their_complaint_and_nobody_else_can(sara_api, omid_api):
    number = file(sara_api).json()["grievance_id"]

    own = sara_api.get(f"/api/v1/grievances/{number}")
    others = omid_api.get(f"/api/v1/grievances/{number}")
    missing = omid_api.get("/api/v1/grievances/123456789012")

    assert own.status_code == 200
    assert own.json()["status"] == "open"
    assert (others.status_code, others.json()["code"]) == (404, "GRIEVANCE_NOT_FOUND")
    # Someone else's number answers exactly as a number that does not exist.
    assert others.json()["detail"] == missing.json()["detail"]
    assert [g["grievance_id"] for g in omid_api.get("/api/v1/me/grievances").json()] == []


def test_guessing_numbers_is_rate_limited(omid_api, settings):
    settings.GRIEVANCE_LOOKUP_RATE_PER_MINUTE = 3

    codes = [omid_api.get(f"/api/v1/grievances/1234567890{n:02d}").status_code for n in range(4)]

    assert codes == [404, 404, 404, 429]


def test_office_staff_answer_and_the_citizen_gets_an_sms_after_commit(
    sara_api, sara, reza, reza_api, django_capture_on_commit_callbacks
):
    card = CardFactory(application__citizen=sara, office=reza.office)
    number = file(sara_api, about_event=f"card:{card.csn}").json()["grievance_id"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(
            reza_api, f"/grievances/{number}/answer", {"answer": "کارت شما آماده تحویل است."}
        )

    assert response.status_code == 200, response.content.decode()
    assert callbacks, "the SMS is handed to the backend after the commit"
    assert SmsMessage.objects.filter(to=sara.mobile, kind="grievance_answered").count() == 1
    mine = sara_api.get(f"/api/v1/grievances/{number}").json()
    assert (mine["status"], mine["answer"]) == ("answered", "کارت شما آماده تحویل است.")
    assert AuditEntry.objects.filter(action="grievance.answered", to_state="answered").exists()
    again = post(reza_api, f"/grievances/{number}/answer", {"answer": "دوباره"})
    assert (again.status_code, again.json()["code"]) == (409, "GRIEVANCE_ALREADY_ANSWERED")


def test_staff_of_another_office_or_province_cannot_see_or_answer_it(sara_api, sara, reza):
    number = file(sara_api).json()["grievance_id"]  # goes to Bushehr province, no office
    fars = ProvinceFactory(code="IR-07", name_fa="فارس", name_en="Fars")
    elsewhere = UserFactory(role="provincial_director", province=fars)

    for client in (token_client(reza), token_client(elsewhere)):
        response = post(client, f"/grievances/{number}/answer", {"answer": "پاسخ"})
        assert response.status_code == 404


def test_the_provincial_director_answers_a_complaint_of_her_province(sara_api, maryam_api):
    number = file(sara_api).json()["grievance_id"]

    empty = post(maryam_api, f"/grievances/{number}/answer", {"answer": " "})
    response = post(maryam_api, f"/grievances/{number}/answer", {"answer": "پیگیری شد."})

    assert (empty.status_code, empty.json()["code"]) == (422, "GRIEVANCE_ANSWER_REQUIRED")
    assert response.status_code == 200
