"""Errors that help (GOV.UK error summary and message patterns) on the citizen forms."""

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.base import Message

from hoviat.applications.models import Application
from hoviat.applications.tests.conftest import SARA_FORM
from hoviat.core.text import persian_digits

pytestmark = pytest.mark.django_db

CONFIRM = {**SARA_FORM, "step": "confirm"}


@pytest.fixture
def signed_in(client, sara):
    session = client.session
    session["citizen_mobile"] = sara.mobile
    session.save()
    return client


def _summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-danger error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def test_every_message_level_names_a_bootstrap_alert_class():
    tags = {Message(level, "x").tags for level in (10, 20, 25, 30, 40)}
    assert tags == {"secondary", "info", "success", "warning", "danger"}
    assert Message(messages.ERROR, "x").tags == "danger"


def test_the_empty_form_pre_selects_no_answer(signed_in):
    html = signed_in.get("/citizen/apply/").content.decode()
    assert "checked" not in html
    assert "selected" not in html
    assert 'type="radio" name="gender"' in html


def test_an_empty_form_gets_a_summary_linking_each_field_and_marks_every_field(signed_in):
    response = signed_in.post("/citizen/apply/", {})
    html = response.content.decode()
    summary = _summary(html)
    assert 'role="alert"' in summary and "data-error-summary" in summary
    assert "مشکلی پیش آمده است" in summary
    for anchor in (
        "#id_national_code",
        "#id_shenasnameh_serial",
        "#id_birth_date",
        "#id_mother_name",
        "#id_gender_0",
        "#id_kind_0",
    ):
        assert f'href="{anchor}"' in summary
    assert "جنسیت را همان‌گونه که در شناسنامه آمده انتخاب کنید." in summary
    # The field: is-invalid, aria-invalid and described by its message (and its help text).
    field = re.search(r"<input[^>]*id=\"id_national_code\"[^>]*>", html).group(0)
    assert "is-invalid" in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="id_national_code_help id_national_code_error"' in field
    assert 'id="id_national_code_error"' in html
    assert 'id="id_gender_error"' in html
    # The summary is focused by a static script (no inline script under the CSP).
    assert "js/error-summary.js" in html
    assert "<script>" not in html


def test_a_bad_national_code_or_date_is_said_beside_its_field(signed_in):
    html = signed_in.post(
        "/citizen/apply/", {**SARA_FORM, "national_code": "0499370898", "birth_date": "1370/13/01"}
    ).content.decode()
    assert re.search(r'id="id_national_code_error".*رقم کنترل', html, re.S)
    assert 'href="#id_birth_date"' in _summary(html)


def test_a_valid_form_shows_the_answers_before_anything_is_registered(signed_in):
    response = signed_in.post("/citizen/apply/", SARA_FORM)
    html = response.content.decode()
    assert response.status_code == 200
    assert "پیش از ثبت، پاسخ‌ها را بررسی کنید" in html
    assert "زن" in html and "صدور نخستین کارت" in html
    assert not Application.objects.exists()
    # "Change" brings the form back filled in, with nothing marked wrong.
    again = signed_in.post("/citizen/apply/", {**SARA_FORM, "step": "edit"}).content.decode()
    assert 'value="0499370899"' in again and "error-summary" not in again
    assert re.search(r'value="female"[^>]*checked', again)
    # Confirming registers it.
    done = signed_in.post("/citizen/apply/", CONFIRM)
    assert done.status_code == 302
    assert Application.objects.count() == 1


def test_a_mismatch_lists_what_to_check_and_tries_left_never_the_field(signed_in):
    response = signed_in.post("/citizen/apply/", {**CONFIRM, "mother_name": "زهرا"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "مطابقت ندارد" in _summary(html)
    for word in ("کد ملی", "سری و سریال", "تاریخ تولد", "نام کوچک مادر", "جنسیت"):
        assert word in html
    left = settings.PRE_REGISTRATION_TRIES_PER_HOUR - 1
    assert f"<strong>{persian_digits(left)}</strong> بار دیگر" in html
    # Which field differed is not said: no field is marked.
    assert "is-invalid" not in html
    other = signed_in.post("/citizen/apply/", {**CONFIRM, "gender": "male"}).content.decode()
    assert _summary(other) == _summary(html)


def test_the_rate_limit_says_how_long_to_wait_in_persian_digits(signed_in, settings):
    settings.PRE_REGISTRATION_TRIES_PER_HOUR = 1
    signed_in.post("/citizen/apply/", {**CONFIRM, "mother_name": "زهرا"})
    response = signed_in.post("/citizen/apply/", CONFIRM)
    assert response.status_code == 429
    summary = _summary(response.content.decode())
    assert re.search(r"[۰-۹]+ دقیقه دیگر دوباره تلاش کنید", summary)
    assert "کمی بعد" not in summary


def test_an_error_flash_is_a_bootstrap_danger_alert(signed_in):
    signed_in.post("/citizen/apply/", CONFIRM)
    code = Application.objects.get().public_id
    # Cancelling a booking there is not: refused with messages.error, shown on the next page.
    html = signed_in.post(f"/citizen/book/{code}/cancel/", follow=True).content.decode()
    assert re.search(r'<div class="alert alert-danger" role="alert">[^<]+</div>', html)
    assert "alert-error" not in html
