import datetime as dt

import pytest
from django.conf import settings

from hoviat.applications.codes import tracking_code_is_valid
from hoviat.applications.models import Application
from hoviat.applications.services import REGISTRY_CHECKLIST
from hoviat.applications.tests.conftest import SARA_FORM
from hoviat.core.models import AuditEntry
from hoviat.core.text import persian_digits
from hoviat.notifications.models import SmsMessage
from hoviat.registry.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def _apply(client, **changes):
    return client.post(
        "/api/v1/applications", {**SARA_FORM, **changes}, content_type="application/json"
    )


def test_sara_pre_registers_and_gets_a_tracking_code(as_sara, sara):
    response = _apply(as_sara)

    assert response.status_code == 201
    body = response.json()
    assert tracking_code_is_valid(body["tracking_code"])
    assert body["status"] == "pre_registered"
    assert body["fee_rials"] == 1_450_000
    assert SmsMessage.objects.filter(to=sara.mobile, kind="pre_registered").exists()
    assert AuditEntry.objects.filter(action="application.pre_registered").count() == 1


def test_pre_registration_needs_a_signed_in_citizen(client, sara):
    response = _apply(client)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"mother_name": "زهرا"},
        {"birth_date": "1370/05/15"},
        {"shenasnameh_serial": "۲۱/الف ۱۲۳۴۵۶"},
        {"gender": "male"},
        # Another national code is refused earlier, as MOBILE_NOT_OWNER: test_mobile_ownership.
    ],
)
def test_a_mismatch_says_only_that_the_data_do_not_match(as_sara, sara, changes):
    response = _apply(as_sara, **changes)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "REGISTRY_MISMATCH"
    # No hint of which field: the same text whatever was wrong; it lists every field to check
    # against the shenasnameh and how many tries this hour remain.
    assert body["detail"].startswith("اطلاعات واردشده با سوابق ثبت احوال مطابقت ندارد.")
    assert body["check"] == list(REGISTRY_CHECKLIST)
    left = settings.PRE_REGISTRATION_TRIES_PER_HOUR - 1
    assert body["tries_left"] == left
    assert f"{persian_digits(left)} بار دیگر" in body["detail"]
    assert not Application.objects.exists()


def test_arabic_letters_and_persian_digits_in_the_form_still_match(as_sara, sara):
    response = _apply(
        as_sara, mother_name="مريم", national_code="۰۴۹۹۳۷۰۸۹۹", birth_date="۱۳۷۰/۰۵/۱۴"
    )
    assert response.status_code == 201


def test_an_iso_birth_date_is_accepted_too(as_sara, sara):
    assert _apply(as_sara, birth_date="1991-08-05").status_code == 201


def test_a_malformed_national_code_gets_its_own_code(as_sara, sara):
    response = _apply(as_sara, national_code="0499370898")
    assert response.status_code == 422
    assert response.json()["code"] == "NATIONAL_CODE_CHECKSUM"


def test_an_impossible_birth_date_is_refused(as_sara, sara):
    response = _apply(as_sara, birth_date="1370/07/31")
    assert response.json()["code"] == "DATE_IMPOSSIBLE"


def test_a_fourteen_year_old_is_told_why(as_sara, sara):
    young = dt.date.today().replace(year=dt.date.today().year - 14)
    sara.birth_date = young
    sara.save()
    response = _apply(as_sara, birth_date=young.isoformat())
    assert response.status_code == 422
    assert response.json()["code"] == "NOT_ELIGIBLE_UNDER_AGE"
    assert "۱۵ سال" in response.json()["detail"]


def test_someone_without_a_photo_shenasnameh_is_told_why(as_sara, sara):
    sara.has_photo_shenasnameh = False
    sara.save()
    assert _apply(as_sara).json()["code"] == "NOT_ELIGIBLE_NO_PHOTO_SHENASNAMEH"


def test_a_deceased_persons_code_is_refused(as_sara, sara):
    sara.is_alive = False
    sara.save()
    assert _apply(as_sara).json()["code"] == "NOT_ELIGIBLE_DECEASED"


def test_one_open_application_per_person(as_sara, sara):
    assert _apply(as_sara).status_code == 201
    second = _apply(as_sara)
    assert second.status_code == 409
    assert second.json()["code"] == "APPLICATION_ALREADY_OPEN"
    assert Application.objects.count() == 1


def test_a_double_submit_with_the_same_idempotency_key_creates_one_application(as_sara, sara):
    first = as_sara.post(
        "/api/v1/applications",
        SARA_FORM,
        content_type="application/json",
        headers={"Idempotency-Key": "k-1"},
    )
    again = as_sara.post(
        "/api/v1/applications",
        SARA_FORM,
        content_type="application/json",
        headers={"Idempotency-Key": "k-1"},
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(as_sara, sara):
    as_sara.post(
        "/api/v1/applications",
        SARA_FORM,
        content_type="application/json",
        headers={"Idempotency-Key": "k-2"},
    )
    other = as_sara.post(
        "/api/v1/applications",
        {**SARA_FORM, "kind": "replacement"},
        content_type="application/json",
        headers={"Idempotency-Key": "k-2"},
    )
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_over_long_fields_are_refused_before_any_lookup(as_sara, sara):
    response = _apply(as_sara, mother_name="م" * 65)
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_FAILED"


def test_html_in_a_name_does_not_match_and_is_never_echoed(as_sara, sara):
    response = _apply(as_sara, mother_name="<script>alert(1)</script>")
    assert response.json()["code"] == "REGISTRY_MISMATCH"
    assert "<script>" not in response.content.decode()


def test_pre_registration_tries_are_limited_per_mobile(as_sara, sara, settings):
    settings.PRE_REGISTRATION_TRIES_PER_HOUR = 3
    for _ in range(3):
        _apply(as_sara, mother_name="زهرا")
    assert _apply(as_sara).status_code == 429


def test_another_persons_application_is_not_visible(as_sara, sara, bushehr_city):
    _apply(as_sara)
    other = CitizenFactory(residence_city=bushehr_city, issuing_county=bushehr_city.county)
    from hoviat.applications.codes import tracking_code_new

    theirs = Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=other,
        kind="first",
        fee_rials=1,
        mobile="09120000000",
    )
    response = as_sara.get(f"/api/v1/applications/{theirs.tracking_code}")
    assert response.status_code == 404
