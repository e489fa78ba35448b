"""Errors that help on the production forms (capacity, card-body delivery, a run's date): the
GOV.UK error summary at the top linking to each field, the message beside the field, the
field marked invalid and described by its message; nothing saved."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hoviat.core.tests.factories import staff_sign_in
from hoviat.production.models import CardBodyLedger, PersonalisationRun
from hoviat.production.selectors import settings_current
from hoviat.production.services import stock_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def kaveh_client(kaveh) -> Client:
    client = Client()
    staff_sign_in(client, kaveh)
    return client


def _summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-danger error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def _input(html: str, field_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html)
    assert match, f"no input {field_id}"
    return match.group(0)


def assert_field_marked(html: str, field_id: str, message: str) -> None:
    """The summary links to the field; the message sits beside it; the field says so."""
    summary = _summary(html)
    assert f'<a class="alert-link" href="#{field_id}">{message}' in summary
    assert re.search(
        rf'<div class="invalid-feedback d-block" id="{field_id}_error">'
        rf'<span class="visually-hidden">خطا: </span>{re.escape(message)}</div>',
        html,
    )
    control = _input(html, field_id)
    assert 'aria-invalid="true"' in control and "is-invalid" in control
    assert re.search(rf'aria-describedby="[^"]*{field_id}_error', control)


def test_a_wrong_daily_capacity_is_marked_beside_its_field_and_not_saved(kaveh_client):
    before = settings_current().daily_capacity
    response = kaveh_client.post("/production/capacity/", {"daily_capacity": "-5"})
    html = response.content.decode()
    assert response.status_code == 422
    message = "ظرفیت روزانه را به عدد صحیح، از ۱ تا ۱٬۰۰۰٬۰۰۰ وارد کنید."
    assert_field_marked(html, "id_daily_capacity", message)
    assert 'value="-5"' in _input(html, "id_daily_capacity")  # what was typed stays
    assert settings_current().daily_capacity == before


def test_an_empty_daily_capacity_is_asked_for(kaveh_client):
    html = kaveh_client.post("/production/capacity/", {"daily_capacity": ""}).content.decode()
    assert_field_marked(html, "id_daily_capacity", "ظرفیت روزانه را وارد کنید.")


def test_a_capacity_in_persian_digits_with_separators_is_saved(kaveh_client):
    response = kaveh_client.post("/production/capacity/", {"daily_capacity": "۱٬۲۰۰"})
    assert response.status_code == 302
    assert settings_current().daily_capacity == 1200


def test_a_delivery_missing_its_lot_and_count_marks_both_fields(kaveh_client):
    response = kaveh_client.post("/production/stock/", {"lot": "  ", "quantity": ""})
    html = response.content.decode()
    assert response.status_code == 422
    assert_field_marked(html, "id_lot", "شماره محمولهٔ تأمین‌کننده را وارد کنید.")
    assert_field_marked(html, "id_quantity", "تعداد بدنه‌های کارت تحویل‌شده را وارد کنید.")
    assert not CardBodyLedger.objects.exists()


def test_a_delivery_of_a_negative_count_keeps_the_lot_and_marks_the_count(kaveh_client):
    html = kaveh_client.post(
        "/production/stock/", {"lot": "L-9", "quantity": "-4"}
    ).content.decode()
    assert_field_marked(html, "id_quantity", "تعداد را به عدد صحیح، از ۱ تا ۱۰٬۰۰۰٬۰۰۰ وارد کنید.")
    assert 'value="L-9"' in _input(html, "id_lot")
    assert "aria-invalid" not in _input(html, "id_lot")
    assert "«quantity»" not in html  # no field name of the code on the page
    assert not CardBodyLedger.objects.exists()


def test_a_run_on_a_date_that_is_no_date_is_marked_beside_the_date(kaveh_client, kaveh):
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    response = kaveh_client.post("/production/runs/", {"date": "1404/13/40"})
    assert response.status_code == 422
    assert_field_marked(response.content.decode(), "id_date", "چنین تاریخی در تقویم وجود ندارد.")
    assert not PersonalisationRun.objects.exists()


def test_a_run_refused_as_a_whole_is_in_the_summary_with_no_field_marked(kaveh_client, kaveh):
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    response = kaveh_client.post("/production/runs/", {"date": ""})
    html = response.content.decode()
    assert response.status_code == 409
    assert "صف تولید خالی است" in _summary(html)
    assert "aria-invalid" not in _input(html, "id_date")
    assert not PersonalisationRun.objects.exists()


def test_the_stock_page_writes_thousands_with_the_persian_separator(kaveh_client, kaveh):
    stock_deliver(quantity=4997, lot="L-1", actor=kaveh)
    html = kaveh_client.get("/production/stock/").content.decode()
    assert '<div class="h3" data-testid="stock">۴\u066c۹۹۷</div>' in html
    assert not re.search(r"[۰-۹],[۰-۹]", html)  # never a Latin comma between Persian digits
