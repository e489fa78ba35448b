"""The "who asked about me" page as the citizen uses it: sign in by SMS, name the national
code once, read the inquiries in Persian, opt in to the monthly summary."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hoviat.inquiry import locks
from hoviat.inquiry.models import HolderDigest
from hoviat.registry.tests.factories import CitizenFactory
from tests.factories import ApiKeyFactory, PartnerFactory

SARA = "0499370899"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_lock_copy():
    locks.forget()
    yield
    locks.forget()


def signed_in(client: Client, mobile: str) -> Client:
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()
    return client


@pytest.fixture
def sara_in(client, sara):
    signed_in(client, sara.mobile)
    response = client.post("/me/who/", {"national_code": "۰۴۹۹۳۷۰۸۹۹"})
    assert response.status_code == 302
    return client


@pytest.fixture
def bank(db):
    key = ApiKeyFactory(partner=PartnerFactory(name="بانک صادرات"))
    return Client(headers={"X-API-Key": key.raw})


def identity_ask(bank, national_code=SARA):
    return bank.post(
        "/api/v1/inquiry/identity",
        data=json.dumps(
            {"national_code": national_code, "birth_date": "1991-08-05", "purpose": "LOAN"}
        ),
        content_type="application/json",
    )


def test_the_page_sends_a_citizen_to_sign_in_then_asks_the_national_code(client, sara):
    assert client.get("/me/")["Location"].startswith("/citizen/sign-in/")

    signed_in(client, sara.mobile)
    assert client.get("/me/")["Location"].startswith("/me/who/")


def test_a_citizen_reads_each_inquiry_in_persian(sara_in, bank):
    identity_ask(bank)

    page = sara_in.get("/me/").content.decode()

    assert "بانک صادرات" in page
    assert "وام و تسهیلات" in page  # the purpose, in Persian
    assert "تطبیق هویت" in page and "مطابق" in page
    assert "LOAN" not in page and "identity" not in page
    assert "۱۴۰" in page  # a Jalali year, in Persian digits
    assert SARA not in page and "۰۴۹۹۳۷۰۸۹۹" not in page  # only the last digits
    assert "۸۹۹" in page


def test_the_national_code_is_not_kept_in_the_session(sara_in):
    stored = json.dumps(dict(sara_in.session.items()))
    assert SARA not in stored


def test_a_national_code_the_mobile_does_not_own_is_refused_beside_the_field(client, sara):
    CitizenFactory(national_code="0012345679", owns_mobile=False)
    signed_in(client, sara.mobile)

    response = client.post("/me/who/", {"national_code": "0012345679"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-summary"' in page
    assert "یافت نشد" in page
    assert client.get("/me/")["Location"].startswith("/me/who/")


def test_a_malformed_national_code_is_refused_with_a_persian_message(client, sara):
    signed_in(client, sara.mobile)

    page = client.post("/me/who/", {"national_code": "12"}).content.decode()

    assert 'data-testid="error-summary"' in page and "کد ملی" in page


def test_another_mobile_in_the_same_browser_must_name_its_own_code(sara_in):
    signed_in(sara_in, "09359999999")

    assert sara_in.get("/me/")["Location"].startswith("/me/who/")


def test_a_citizen_opts_in_and_out_of_the_monthly_summary(sara_in, sara):
    sara_in.post("/me/digest/", {"on": "1"})
    assert HolderDigest.objects.get().mobile == sara.mobile
    assert "دیگر نفرست" in sara_in.get("/me/").content.decode()

    sara_in.post("/me/digest/", {"on": "0"})
    assert not HolderDigest.objects.exists()


def test_a_bad_page_token_starts_again_from_the_newest(sara_in):
    response = sara_in.get("/me/?page=abc")

    assert response.status_code == 302 and response["Location"] == "/me/"
