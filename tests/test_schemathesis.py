"""Schemathesis over the whole /api/v1 OpenAPI document: generated requests, valid and not.

Every answer must be no server error, carry a status code the document declares for the
operation, and match the declared schema and content type. Staff and citizen tokens are sent
where an operation needs them, so the paths behind authentication are exercised too.
Bounded: a few dozen examples per operation, no deadline.
"""

from __future__ import annotations

import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hoviat.core.services import staff_token_issue
from tests.factories import ApiKeyFactory, CitizenSessionFactory, PartnerFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# A few per operation keep the suite fast; HOVIAT_SCHEMATHESIS_EXAMPLES=200 for a deeper hunt.
MAX_EXAMPLES = int(os.environ.get("HOVIAT_SCHEMATHESIS_EXAMPLES", "15"))
PASSWORD = "correct horse battery"

# Operations whose error answers are not declared yet: still checked for server errors and for
# the schema of every answer, not for the status code. Empty: every operation declares them.
STATUS_NOT_YET_DECLARED: set[str] = set()

KNOWN_BY_PATH = {"/api/v1/national-codes/{code}": {"code": "0499370899"}}
SARA_FORM = {
    "national_code": "0499370899",
    "shenasnameh_serial": "۲۰/الف ۱۲۳۴۵۶",
    "birth_date": "1370/05/14",
    "mother_name": "مریم",
    "gender": "female",
    "kind": "first",
}

# Which persona's token an operation gets, by tag; the rest of the staff operations get
# the national admin's.
STAFF_BY_TAG = {"enrolment": "reza", "production": "kaveh"}


# Loaded when the module is collected (the document needs no database). Not through
# schemathesis.pytest.from_fixture: its lazy loader sets node._nodeid, gone in pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def connections_kept_open(tokens):
    """As Django's test client does: the test's transaction outlives each request.

    Schemathesis calls the WSGI application directly, so the end of a request would close
    the database connection, and with it the test's transaction (on PostgreSQL). After
    `tokens`: Django's test client connects the signals again after each of its requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(client, sara, reza, maryam, nasrin, kaveh):
    staff = {
        user.username: staff_token_issue(user=user)[0] for user in (reza, maryam, nasrin, kaveh)
    }
    raw = CitizenSessionFactory(mobile=sara.mobile, token="schemathesis-sara").token
    partner = PartnerFactory(name="بانک آزمون")  # every scope and attribute
    partner_key = ApiKeyFactory(partner=partner, label="schemathesis").raw
    # Sara pre-registers through the API, so operations on her application find a real row.
    response = client.post(
        "/api/v1/applications",
        SARA_FORM,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content
    known = {
        "tracking_code": response.json()["tracking_code"],
        "code": "IR-06",
        "office_id": reza.office_id,
        "national_code": sara.national_code,
    }
    return {"staff": staff, "citizen": raw, "partner": partner_key, "known": known}


def _aim_half_the_cases_at_known_rows(case, known: dict) -> None:
    """Random identifiers only ever meet 404; half the cases name rows that exist instead."""
    if case.operation.path in KNOWN_BY_PATH:
        known = {**known, **KNOWN_BY_PATH[case.operation.path]}
    for where in (case.path_parameters, case.query):
        if not where or zlib.crc32(repr(sorted(where.items())).encode()) % 2:
            continue
        for name in where.keys() & known.keys():
            where[name] = known[name]


def _headers_for(operation, tokens) -> dict[str, str]:
    security = operation.definition.raw.get("security") or []
    schemes = {name for requirement in security for name in requirement}
    tags = operation.definition.raw.get("tags") or []
    if "PartnerKey" in schemes:
        return {"X-API-Key": tokens["partner"]}
    if "CitizenBearer" in schemes:
        return {"Authorization": f"Bearer {tokens['citizen']}"}
    if "StaffBearer" in schemes:
        user = next((STAFF_BY_TAG[tag] for tag in tags if tag in STAFF_BY_TAG), "nasrin")
        return {"Authorization": f"Bearer {tokens['staff'][user]}"}
    return {}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_answer_is_declared_in_the_openapi_document(case, tokens, connections_kept_open):
    _aim_half_the_cases_at_known_rows(case, tokens["known"])
    headers = {**(case.headers or {}), **_headers_for(case.operation, tokens)}
    checks = CHECKS
    if case.operation.label in STATUS_NOT_YET_DECLARED:
        checks = [check for check in CHECKS if check is not status_code_conformance]
    case.call_and_validate(headers=headers, checks=checks)


def test_the_credentials_given_to_schemathesis_are_accepted(client, tokens):
    # Otherwise every protected operation would only ever be checked on its 401 answer.
    for path, header, value in (
        ("/api/v1/me", "Authorization", f"Bearer {tokens['staff']['nasrin']}"),
        ("/api/v1/applications", "Authorization", f"Bearer {tokens['citizen']}"),
        ("/api/v1/inquiry/ping", "X-API-Key", tokens["partner"]),
    ):
        assert client.get(path, headers={header: value}).status_code == 200, path


def test_every_error_answer_is_declared_as_problem_json(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    undeclared, not_problem = [], []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if not {"400", "422"} <= responses.keys():
                undeclared.append(f"{method.upper()} {path}")
            for status, answer in responses.items():
                if status.startswith("4") and "application/problem+json" not in answer.get(
                    "content", {}
                ):
                    not_problem.append(f"{method.upper()} {path} {status}")
    assert undeclared == []
    assert not_problem == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/auth/token", {"username": "nasrin\u0000", "password": "x"}),
        ("get", "/api/v1/offices?province=IR-06%00", None),
        ("get", "/api/v1/places/provinces/IR-06%00/counties", None),
    ],
)
def test_a_nul_character_in_the_input_is_invalid_input_not_a_server_error(
    client, bushehr, method, path, body
):
    # PostgreSQL cannot store U+0000; these three answered 500 there.
    extra = {"data": body, "content_type": "application/json"} if body else {}
    response = getattr(client, method)(path, **extra)
    assert response.status_code < 500
    assert response.headers["Content-Type"] == "application/problem+json"
    if connection.vendor == "postgresql":
        assert (response.status_code, response.json()["code"]) == (422, "NUL_CHARACTER")
