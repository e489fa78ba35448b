"""Card bodies on order, through the stock page: an operator records an order expected on a
Jalali day, sees it listed, and marks it arrived (a delivery in the stock ledger) or
cancelled; a past day or a count that is no count is refused in Persian beside its field,
nothing saved; planning counts the open orders as deliveries on order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from hoviat.core.jalali import format_jalali
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import staff_sign_in
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.planning.selectors import pipeline_read
from hoviat.production.models import CardBodyLedger, CardBodyOrder, LedgerKind, OrderStatus
from hoviat.production.selectors import stock_current
from hoviat.production.tests.test_form_errors import assert_field_marked

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=OFFICE_TZ)  # Saturday 30 Aban 1405
TODAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kaveh_client(kaveh, clock) -> Client:
    client = Client()
    staff_sign_in(client, kaveh)
    return client


def jalali(day: dt.date) -> str:
    return format_jalali(day)  # ۱۴۰۵/۰۹/۰۵, as a person types it


def place(client, *, quantity="5000", expected_on: dt.date | str, ref="SUP-77"):
    day = expected_on if isinstance(expected_on, str) else jalali(expected_on)
    return client.post(
        "/production/stock/orders/",
        {"order-quantity": quantity, "order-expected_on": day, "order-supplier_ref": ref},
    )


def test_an_order_typed_on_the_stock_page_is_listed_audited_and_on_order_for_planning(
    kaveh_client, kaveh
):
    due = TODAY + dt.timedelta(days=10)
    response = place(kaveh_client, quantity="۵٬۰۰۰", expected_on=due)
    assert response.status_code == 302
    order = CardBodyOrder.objects.get()
    assert (order.quantity, order.expected_on, order.supplier_ref) == (5000, due, "SUP-77")
    assert order.status == OrderStatus.ORDERED
    audit = AuditEntry.objects.get(action="card_body_order.place")
    assert audit.actor_id == str(kaveh.pk)
    page = kaveh_client.get("/production/stock/").text
    listed = re.search(r'<table[^>]*data-testid="orders".*?</table>', page, re.S).group(0)
    assert jalali(due) in listed and "SUP-77" in listed and "۵٬۰۰۰" in listed
    # Not stock yet; on order for the promise, on its expected day.
    assert stock_current() == 0
    assert pipeline_read(today=TODAY).deliveries == [(due, 5000)]


def test_an_order_marked_arrived_becomes_a_delivery_in_the_stock(kaveh_client, kaveh):
    place(kaveh_client, quantity="1200", expected_on=TODAY + dt.timedelta(days=3))
    order = CardBodyOrder.objects.get()
    response = kaveh_client.post(f"/production/stock/orders/{order.pk}/arrive/", follow=True)
    assert "رسیدن سفارش در موجودی ثبت شد" in response.text
    order.refresh_from_db()
    assert order.status == OrderStatus.ARRIVED and order.closed_by_id == kaveh.pk
    receipt = CardBodyLedger.objects.get()
    assert (receipt.kind, receipt.quantity, receipt.lot) == (LedgerKind.DELIVERY, 1200, "SUP-77")
    assert order.receipt_id == receipt.pk
    assert stock_current() == 1200
    assert AuditEntry.objects.filter(action="card_body_order.arrive").count() == 1
    assert AuditEntry.objects.filter(action="card_body.delivery").count() == 1
    assert pipeline_read(today=TODAY).deliveries == []
    # Arriving twice does not deliver twice.
    again = kaveh_client.post(f"/production/stock/orders/{order.pk}/arrive/", follow=True)
    assert "پیش‌تر رسیده یا لغو شده" in again.text
    assert stock_current() == 1200


def test_a_cancelled_order_is_no_longer_on_order(kaveh_client):
    place(kaveh_client, expected_on=TODAY + dt.timedelta(days=3))
    order = CardBodyOrder.objects.get()
    response = kaveh_client.post(f"/production/stock/orders/{order.pk}/cancel/", follow=True)
    assert "سفارش لغو شد" in response.text
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert AuditEntry.objects.filter(action="card_body_order.cancel").count() == 1
    assert pipeline_read(today=TODAY).deliveries == []
    assert stock_current() == 0
    assert "سفارشی در راه نیست" in kaveh_client.get("/production/stock/").text
    # A cancelled order cannot arrive.
    kaveh_client.post(f"/production/stock/orders/{order.pk}/arrive/")
    assert not CardBodyLedger.objects.exists()


def test_an_overdue_order_not_yet_arrived_counts_as_coming_today(kaveh_client, kaveh, clock):
    place(kaveh_client, quantity="300", expected_on=TODAY + dt.timedelta(days=2))
    clock.shift(dt.timedelta(days=5))
    later = TODAY + dt.timedelta(days=5)
    assert pipeline_read(today=later).deliveries == [(later, 300)]
    staff_sign_in(kaveh_client, kaveh)  # the morning's session has long expired
    assert "دیرکرد" in kaveh_client.get("/production/stock/").text


def test_an_order_expected_on_a_past_day_is_refused_beside_the_date(kaveh_client):
    response = place(kaveh_client, expected_on=TODAY - dt.timedelta(days=1))
    assert response.status_code == 422
    assert_field_marked(
        response.text,
        "id_order-expected_on",
        "تاریخ تحویل پیش‌بینی‌شده گذشته است؛ تاریخ امروز یا روزی پس از آن را وارد کنید.",
    )
    assert 'value="SUP-77"' in response.text  # what was typed stays
    assert not CardBodyOrder.objects.exists()


def test_an_order_of_no_or_a_negative_count_is_refused_beside_the_count(kaveh_client):
    for quantity in ("0", "-40", "چند"):
        response = place(kaveh_client, quantity=quantity, expected_on=TODAY)
        assert response.status_code == 422
        assert_field_marked(
            response.text,
            "id_order-quantity",
            "شمار بدنه‌های سفارش‌داده را به عدد صحیح، از ۱ تا ۱۰٬۰۰۰٬۰۰۰ وارد کنید.",
        )
    assert not CardBodyOrder.objects.exists()


def test_an_order_with_no_date_and_no_reference_marks_both(kaveh_client):
    response = place(kaveh_client, expected_on="", ref=" ")
    assert response.status_code == 422
    assert_field_marked(
        response.text, "id_order-expected_on", "تاریخ تحویل پیش‌بینی‌شده را وارد کنید."
    )
    assert_field_marked(
        response.text, "id_order-supplier_ref", "شمارهٔ سفارش تأمین‌کننده را وارد کنید."
    )
    assert not CardBodyOrder.objects.exists()


def test_the_order_service_refuses_a_non_positive_count_in_persian(kaveh, clock):
    from hoviat.core.errors import ValidationFailed
    from hoviat.production.services import card_body_order_place

    with pytest.raises(ValidationFailed) as refused:
        card_body_order_place(quantity=0, expected_on=TODAY, supplier_ref="S", actor=kaveh)
    assert refused.value.code == "ORDER_QUANTITY_INVALID"
    assert "بزرگ‌تر از صفر" in refused.value.detail
    assert not AuditEntry.objects.filter(action="card_body_order.place").exists()


def test_orders_are_for_production_staff_only(kaveh_client, reza, clock):
    place(kaveh_client, expected_on=TODAY)
    order = CardBodyOrder.objects.get()
    other = Client()
    staff_sign_in(other, reza)
    assert other.post(f"/production/stock/orders/{order.pk}/arrive/").status_code == 403
    assert place(other, expected_on=TODAY).status_code == 403
    assert kaveh_client.post("/production/stock/orders/999999/cancel/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.ORDERED
