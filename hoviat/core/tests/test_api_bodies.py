"""Every JSON body is an object of text UTF-8 can hold, or the answer is 422 VALIDATION_FAILED."""

from __future__ import annotations

import pytest
from django.test import Client

from hoviat.core.services import staff_token_issue
from tests.factories import ShipmentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the personas' password (see the root conftest)
LONE = '"\\ud800"'  # JSON for a lone UTF-16 surrogate: no encoder or database can store it


def post(client: Client, path: str, body: str):
    return client.post(path, body, content_type="application/json")


def as_staff(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def assert_invalid(response) -> None:
    assert response.status_code == 422, response.content.decode()
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "VALIDATION_FAILED"


def test_a_lone_surrogate_in_the_sign_in_is_invalid_input_not_a_server_error():
    assert_invalid(post(Client(), "/api/v1/auth/token", f'{{"username": {LONE}, "password": "x"}}'))


def test_a_lone_surrogate_in_a_production_run_is_invalid_input(kaveh):
    body = f'{{"tracking_codes": [{LONE}]}}'

    assert_invalid(post(as_staff(kaveh), "/api/v1/production/runs", body))


def test_a_lone_surrogate_in_a_shipment_receipt_is_invalid_input(reza):
    shipment = ShipmentFactory(office=reza.office)
    body = f'{{"card_serials": [{LONE}]}}'

    assert_invalid(post(as_staff(reza), f"/api/v1/shipments/{shipment.pk}/receive", body))


def test_a_surrogate_in_a_key_is_caught_too():
    assert_invalid(post(Client(), "/api/v1/auth/token", f'{{{LONE}: 1, "username": "a"}}'))


@pytest.mark.parametrize("body", ["[null, null]", "[]", '"text"', "7", "null"])
def test_a_body_that_is_not_an_object_is_invalid_input(kaveh, body):
    assert_invalid(post(as_staff(kaveh), "/api/v1/production/runs", body))


def test_a_body_that_is_not_json_at_all_is_still_a_bad_request():
    response = post(Client(), "/api/v1/auth/token", "{not json")

    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_REQUEST"


def test_a_real_pair_of_surrogates_is_ordinary_text():
    # U+1F600 spelt as its UTF-16 pair is one valid character: an ordinary failed sign-in.
    response = post(
        Client(), "/api/v1/auth/token", '{"username": "\\ud83d\\ude00", "password": "x"}'
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        # A surrogate as raw bytes: json.loads reads bytes with "surrogatepass".
        b'{"username": "\xed\xa0\x80", "password": "x"}',
        # The same body in UTF-16: no backslash-u and no ED byte in sight.
        '{"username": "\\ud800", "password": "x"}'.encode("utf-16"),
    ],
)
def test_a_lone_surrogate_without_an_escape_is_caught_too(body):
    assert_invalid(post(Client(), "/api/v1/auth/token", body))


def test_persian_text_is_read_without_a_second_look():
    # Persian letters in UTF-8 use no ED byte: an ordinary failed sign-in.
    response = post(Client(), "/api/v1/auth/token", '{"username": "سارا", "password": "x"}')

    assert response.status_code == 401
