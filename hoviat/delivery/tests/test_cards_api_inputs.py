"""Bad input to the cards API gets a problem document with a stable code, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/cards/%20/report-lost", {"kind": "lost"}),
        ("post", "/api/v1/cards/IR1/report-lost", {"kind": "burnt"}),
        ("post", "/api/v1/cards/" + "۹" * 300 + "/report-lost", {}),
        ("post", "/api/v1/cards/IR1/reissue", None),
        ("get", "/api/v1/policy/validity?expires_on=1403/13/40", None),
        ("get", "/api/v1/policy/validity?expires_on=nonsense", None),
        ("get", "/api/v1/policy/validity", None),
    ],
)
def test_bad_input_is_answered_with_a_problem(sara, sara_api, method, path, body):
    if body is None:
        response = getattr(sara_api, method)(path)
    else:
        response = getattr(sara_api, method)(path, body, content_type="application/json")

    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"]


def test_an_office_report_without_the_national_code_is_refused_clearly(reza_counter_api):
    response = reza_counter_api.post(
        "/api/v1/cards/IR0000000001/report-lost", {"kind": "lost"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "NATIONAL_CODE_REQUIRED"


@pytest.mark.parametrize(
    "body",
    [
        {"expiring_before": "x", "valid_until": "1405/01/01", "effective_from": "1403/01/01"},
        {
            "expiring_before": "1403/01/01",
            "valid_until": "1405/01/01",
            "effective_from": "1403/01/01",
            "reference": " ",
        },
        {
            "expiring_before": "3000-01-01",
            "valid_until": "3001-01-01",
            "effective_from": "1403/01/01",
            "reference": "r",
        },
    ],
)
def test_bad_policy_input_is_refused_clearly(nasrin_api, body):
    response = nasrin_api.post(
        "/api/v1/policy/validity-extensions", body, content_type="application/json"
    )

    assert response.status_code == 422, response.content
    assert response.json()["code"]
