"""My contact details: a new mobile that owns the national code, proven by codes to both
numbers (open applications follow through the applications app); the residence county."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.notifications.models import SmsMessage
from hoviat.offices.models import OfficeKind
from hoviat.offices.tests.factories import OfficeFactory
from hoviat.places.tests.factories import CityFactory, CountyFactory
from hoviat.registry.models import MobileOwnership
from hoviat.selfservice.models import ContactDetails
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

NEW = "09179876543"
ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


@pytest.fixture
def new_line_of_sara(sara):
    MobileOwnership.objects.create(
        mobile=NEW, national_code=sara.national_code, source="registry", verified_at=timezone.now()
    )
    return NEW


def code_sent_to(mobile: str) -> str:
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    return re.search(r"[۰-۹]{6}", body).group(0).translate(ASCII)


def send(client, method, path, body):
    return getattr(client, method)(
        f"/api/v1{path}", json.dumps(body), content_type="application/json"
    )


def test_a_citizen_changes_her_mobile_with_codes_to_both_numbers(sara_api, sara, new_line_of_sara):
    open_application = ApplicationFactory(citizen=sara, status="paid")

    started = send(sara_api, "post", "/me/contact/mobile", {"mobile": "۰۹۱۷۹۸۷۶۵۴۳"})

    assert started.status_code == 202, started.content.decode()
    code_old, code_new = code_sent_to(sara.mobile), code_sent_to(NEW)
    changed = send(
        sara_api,
        "put",
        "/me/contact/mobile",
        {"mobile": NEW, "code_old": code_old, "code_new": code_new},
    )
    assert changed.status_code == 200, changed.content.decode()
    body = changed.json()
    assert body["mobile"] == NEW
    assert body["applications_changed"] == [open_application.tracking_code]
    # Through the applications app's own service: its audit row, its table.
    assert Application.objects.get(pk=open_application.pk).mobile == NEW
    assert AuditEntry.objects.filter(action="application.mobile_changed").count() == 1
    entry = AuditEntry.objects.get(action="contact.mobile_changed")
    assert entry.data == {"from": sara.mobile[-4:], "to": NEW[-4:], "applications": 1}
    assert ContactDetails.objects.get(citizen=sara).mobile == NEW


def test_it_refuses_a_new_mobile_that_does_not_own_the_national_code(sara_api, sara):
    response = send(sara_api, "post", "/me/contact/mobile", {"mobile": NEW})

    assert (response.status_code, response.json()["code"]) == (403, "MOBILE_NOT_OWNER")
    assert "به نام صاحب این کد ملی" in response.json()["detail"]
    assert not SmsMessage.objects.filter(kind="otp").exists()  # no code to either number
    refused = send(
        sara_api, "put", "/me/contact/mobile", {"mobile": NEW, "code_old": "1", "code_new": "1"}
    )
    assert refused.status_code == 403


def test_a_wrong_code_for_either_number_changes_nothing(sara_api, sara, new_line_of_sara):
    send(sara_api, "post", "/me/contact/mobile", {"mobile": NEW})

    wrong = send(
        sara_api,
        "put",
        "/me/contact/mobile",
        {"mobile": NEW, "code_old": code_sent_to(sara.mobile), "code_new": "000000"},
    )

    assert (wrong.status_code, wrong.json()["code"]) == (401, "OTP_INVALID")
    assert wrong.json()["which"] == "new"
    assert not ContactDetails.objects.exists()
    assert not AuditEntry.objects.filter(action="contact.mobile_changed").exists()


def test_the_same_or_a_malformed_number_is_refused(sara_api, sara):
    same = send(sara_api, "post", "/me/contact/mobile", {"mobile": sara.mobile})
    bad = send(sara_api, "post", "/me/contact/mobile", {"mobile": "12345"})

    assert (same.status_code, same.json()["code"]) == (422, "MOBILE_UNCHANGED")
    assert (bad.status_code, bad.json()["code"]) == (422, "MOBILE_INVALID")


def test_the_residence_county_suggests_its_offices_and_is_audited(sara_api, sara, bushehr):
    dashti = CountyFactory(province=bushehr, name_fa="دشتی", name_en="Dashti")
    khormuj = CityFactory(county=dashti, name_fa="خورموج", name_en="Khormuj")
    office = OfficeFactory(
        name="اداره ثبت احوال دشتی", code="REG-0610", city=khormuj, kind=OfficeKind.REGISTRATION
    )

    response = send(sara_api, "put", "/me/contact/residence", {"county_id": dashti.pk})

    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["residence_county"]["name"] == "دشتی"
    assert [o["id"] for o in body["suggested_offices"]] == [office.pk]
    assert AuditEntry.objects.filter(action="contact.residence_changed").exists()
    missing = send(sara_api, "put", "/me/contact/residence", {"county_id": 999999})
    assert (missing.status_code, missing.json()["code"]) == (422, "COUNTY_NOT_FOUND")


def sign_in_citizen(client, mobile: str) -> None:
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()


def test_the_contact_page_changes_the_mobile_in_two_steps(client, sara, new_line_of_sara):
    sign_in_citizen(client, sara.mobile)

    asked = client.post("/me/contact/", {"step": "mobile_start", "mobile": NEW})
    assert "کد پیامک‌شده به شمارهٔ تازه" in asked.content.decode()
    wrong = client.post(
        "/me/contact/",
        {"step": "mobile_verify", "mobile": NEW, "code_old": "000000", "code_new": "000000"},
    )
    assert wrong.status_code == 401
    assert "کد پیامک‌شده به شمارهٔ کنونی نادرست" in wrong.content.decode()
    client.post("/me/contact/", {"step": "mobile_start", "mobile": NEW})
    done = client.post(
        "/me/contact/",
        {
            "step": "mobile_verify",
            "mobile": NEW,
            "code_old": code_sent_to(sara.mobile),
            "code_new": code_sent_to(NEW),
        },
        follow=True,
    )

    page = done.content.decode()
    assert "شمارهٔ همراه تغییر کرد" in page
    assert client.session["citizen_mobile"] == NEW


def test_the_contact_page_refuses_a_number_that_is_not_hers_beside_the_field(client, sara):
    sign_in_citizen(client, sara.mobile)

    response = client.post("/me/contact/", {"step": "mobile_start", "mobile": NEW})

    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-summary"' in page
    assert "شمارهٔ همراه تازه به نام صاحب این کد ملی ثبت نشده است" in page
    assert 'aria-invalid="true"' in page
