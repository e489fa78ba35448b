"""GET /api/v1/reports/provinces[/{code}]: staff tokens, the pages' access rules, problem+json."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from hoviat.core.jalali import today_local
from hoviat.core.services import staff_token_issue
from hoviat.reports import selectors

pytestmark = pytest.mark.django_db


def token_client(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["detail"])
    return body


def test_it_gives_nasrin_the_nation_and_31_ranked_provinces(world, nasrin):
    response = token_client(nasrin).get("/api/v1/reports/provinces")
    assert response.status_code == 200
    body = response.json()
    as_of = today_local()
    assert body["as_of"] == as_of.isoformat()
    expected = selectors.provinces_figures(as_of=as_of)
    assert [p["code"] for p in body["provinces"]] == [f.code for f in expected]
    assert [p["rank"] for p in body["provinces"]] == [f.rank for f in expected]
    assert body["provinces"][0]["rank"] == 1
    bushehr = next(p for p in body["provinces"] if p["code"] == "IR-06")
    figures = next(f for f in expected if f.code == "IR-06")
    assert bushehr["requested"] == figures.requested > 0
    assert bushehr["coverage_pct"] == float(figures.coverage_pct)
    assert bushehr["in_pipeline"] == figures.requested - figures.issued
    nation = selectors.figures_for(level="nation", code="IR", as_of=as_of)
    assert body["nation"]["eligible"] == nation.eligible
    assert body["nation"]["level"] == "nation"


def test_it_gives_maryam_her_province(world, maryam):
    response = token_client(maryam).get("/api/v1/reports/provinces/IR-06?as_of=1405/08/01")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "IR-06"
    assert body["name"] == "بوشهر"
    assert body["as_of"] == "2026-10-23"  # 1 Aban 1405
    expected = selectors.figures_for(level="province", code="IR-06", as_of=dt.date(2026, 10, 23))
    assert body["requested"] == expected.requested
    assert body["rank"] == expected.rank


def test_it_refuses_maryam_another_province_and_the_national_list(world, maryam):
    client = token_client(maryam)
    _problem(client.get("/api/v1/reports/provinces/IR-07"), 403, "REPORT_AREA_FORBIDDEN")
    _problem(client.get("/api/v1/reports/provinces"), 403, "REPORT_AREA_FORBIDDEN")


def test_it_refuses_an_office_operator(world, reza):
    _problem(
        token_client(reza).get("/api/v1/reports/provinces/IR-06"), 403, "REPORT_AREA_FORBIDDEN"
    )


def test_it_names_an_unknown_province(world, nasrin):
    _problem(
        token_client(nasrin).get("/api/v1/reports/provinces/IR-99"), 404, "REPORT_AREA_UNKNOWN"
    )


def test_it_refuses_a_date_in_the_future_or_malformed(world, nasrin):
    client = token_client(nasrin)
    tomorrow = (today_local() + dt.timedelta(days=1)).isoformat()
    _problem(
        client.get(f"/api/v1/reports/provinces?as_of={tomorrow}"), 422, "REPORT_DATE_IN_FUTURE"
    )
    _problem(client.get("/api/v1/reports/provinces?as_of=31/02/2026"), 422, "REPORT_DATE_INVALID")
    _problem(
        client.get("/api/v1/reports/provinces/IR-06?as_of=1405/12/31x"), 422, "REPORT_DATE_INVALID"
    )


def test_it_asks_for_a_token(world):
    response = Client().get("/api/v1/reports/provinces")
    assert response.status_code == 401
