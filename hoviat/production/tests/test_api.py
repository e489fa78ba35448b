from __future__ import annotations

import pytest

from hoviat.applications.models import Application
from hoviat.production.models import Card, PersonalisationRun, Shipment
from hoviat.production.services import stock_deliver
from hoviat.production.tests.conftest import enrolled

API_PREFIX = "/api/v1"


def post(client, path, body):
    return client.post(API_PREFIX + path, body, content_type="application/json")


def test_a_delivery_through_the_api_adds_to_the_stock(kaveh_api):
    response = post(kaveh_api, "/production/stock", {"quantity": 500, "lot": "LOT-1405-01"})
    assert response.status_code == 201, response.content
    assert response.json()["stock"] == 500


@pytest.mark.parametrize("quantity", [-1, 0, 1.5, "7", True])
def test_the_api_refuses_a_negative_or_fractional_delivery(kaveh_api, quantity):
    response = post(kaveh_api, "/production/stock", {"quantity": quantity, "lot": "L"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_an_office_operator_may_not_touch_production(reza_api):
    assert post(reza_api, "/production/stock", {"quantity": 5, "lot": "L"}).status_code == 403
    assert reza_api.get(API_PREFIX + "/production/queue").status_code == 403


def test_a_run_with_no_stock_is_a_clear_conflict(kaveh_api, pki, bushehr_post_office, reza):
    enrolled(bushehr_post_office, reza, n=1)
    response = post(kaveh_api, "/production/runs", {"date": "2026-11-21"})
    assert response.status_code == 409
    assert response.json()["code"] == "NO_CARD_BODIES"
    assert "کمبود بدنه کارت" in response.json()["detail"]


def test_the_queue_gives_its_length_oldest_age_and_a_date_for_each(
    kaveh_api, kaveh, pki, bushehr_post_office, reza
):
    apps = enrolled(bushehr_post_office, reza, n=3)
    stock_deliver(quantity=2, lot="L", actor=kaveh)
    body = kaveh_api.get(API_PREFIX + "/production/queue").json()
    assert body["length"] == 3 and body["oldest_age_days"] >= 3
    assert [i["tracking_code"] for i in body["items"]] == [a.tracking_code for a in apps]
    assert body["items"][0]["expected_ready"] is not None
    assert body["items"][2]["expected_ready"] is None
    assert body["items"][2]["reason"] == "کمبود بدنه کارت"


def test_a_run_started_by_the_api_makes_cards_and_a_dispatch_ships_them(
    kaveh_api, kaveh, pki, bushehr_post_office, reza, django_capture_on_commit_callbacks
):
    apps = enrolled(bushehr_post_office, reza, n=3)
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    with django_capture_on_commit_callbacks(execute=True):  # the worker picks the run up
        response = post(kaveh_api, "/production/runs", {"date": "2026-11-21"})
    assert response.status_code == 202, response.content
    run = kaveh_api.get(API_PREFIX + f"/production/runs/{response.json()['id']}").json()
    assert (run["status"], run["personalised"]) == ("completed", 3)
    shipment = Shipment.objects.get()
    assert shipment.office == bushehr_post_office and shipment.cards.count() == 3
    response = post(kaveh_api, f"/shipments/{shipment.pk}/dispatch", {})
    assert response.status_code == 200, response.content
    assert set(Card.objects.values_list("status", flat=True)) == {"in_transit"}
    assert {Application.objects.get(pk=a.pk).status for a in apps} == {"shipped"}
    again = post(kaveh_api, f"/shipments/{shipment.pk}/dispatch", {})
    assert again.status_code == 409


def test_the_production_operator_sets_the_daily_capacity(kaveh_api):
    response = kaveh_api.put(
        API_PREFIX + "/production/capacity", {"daily_capacity": 12}, content_type="application/json"
    )
    assert response.json() == {"daily_capacity": 12}
    bad = kaveh_api.put(
        API_PREFIX + "/production/capacity", {"daily_capacity": -3}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_a_queue_page_beyond_any_queue_is_refused_not_a_server_error(kaveh_api):
    response = kaveh_api.get("/api/v1/production/queue?offset=25838439668420345856&limit=2579")

    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_FAILED"


def test_a_run_on_an_empty_queue_is_refused_with_a_stable_code_and_a_persian_reason(
    kaveh_api, kaveh, pki
):
    stock_deliver(quantity=10, lot="L", actor=kaveh)
    response = post(kaveh_api, "/production/runs", {"date": "2026-11-21"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "PRODUCTION_QUEUE_EMPTY"
    assert "صف تولید خالی است" in response.json()["detail"]
    assert not PersonalisationRun.objects.exists()
