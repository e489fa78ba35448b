"""The report pages: who sees which area, and what a wrong area or date says."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from hoviat.core.jalali import MONTHS, format_jalali, today_local
from hoviat.core.tests.factories import staff_sign_in
from hoviat.reports import exports, selectors

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def test_it_sends_an_anonymous_visitor_to_sign_in(client, world):
    response = client.get("/reports/province/IR-06/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/reports/province/IR-06/")


def test_it_sends_a_director_from_the_national_dashboard_to_her_province(client, world, maryam):
    staff_sign_in(client, maryam)
    response = client.get("/reports/?as_of=1405/08/01")
    assert response.status_code == 302
    assert response["Location"] == "/reports/province/IR-06/?as_of=1405%2F08%2F01"


def test_it_shows_maryam_her_province_with_the_selectors_figures(client, world, maryam):
    staff_sign_in(client, maryam)
    response = client.get("/reports/province/IR-06/")
    assert response.status_code == 200
    page = _text(response)
    figures = selectors.figures_for(level="province", code="IR-06", as_of=today_local())
    assert figures.requested > 0
    assert "استان بوشهر" in page
    for attr in ("eligible", "requested", "issued", "in_pipeline", "no_action", "coverage_pct"):
        shown = re.search(rf'data-figure="{attr}">([^<]*)<', page).group(1)
        assert shown == exports.cell_text(getattr(figures, attr), exports.COLUMN[attr].kind)
    # Every headline figure explains itself, and the definitions are on the page.
    assert "تعریف‌ها" in page
    assert exports.COLUMN["coverage_pct"].definition in page
    assert world.bushehr_office.name in page


def test_it_refuses_maryam_another_province_in_persian(client, world, maryam):
    staff_sign_in(client, maryam)
    for url in (
        "/reports/province/IR-07/",
        "/reports/province/IR-07/charts/",
        "/reports/province/IR-07/export.csv",
        "/reports/province/IR-07/export.xlsx",
        "/reports/province/IR-07/report.pdf",
        f"/reports/office/{world.tehran_office.code}/",
        "/reports/provinces.csv",
        "/reports/charts/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "دسترسی" in _text(response), url
        assert "تهران" not in _text(response).split("<main")[1], url


def test_it_refuses_an_office_operator_every_report(client, world, reza):
    staff_sign_in(client, reza)
    for url in ("/reports/", "/reports/province/IR-06/", "/reports/provinces.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "دسترسی" in _text(response)


def test_it_shows_nasrin_the_nation_and_every_province(client, world, nasrin):
    staff_sign_in(client, nasrin)
    response = client.get("/reports/")
    assert response.status_code == 200
    page = _text(response)
    ranking = page.split('data-testid="ranking"')[1].split("</table>")[0]
    assert ranking.count("<tr data-code=") == 31
    nation = selectors.figures_for(level="nation", code="IR", as_of=today_local())
    shown = re.search(r'data-figure="requested">([^<]*)<', page).group(1)
    assert shown == exports.cell_text(nation.requested, "int")
    for code in ("IR-06", "IR-07", "IR-32"):
        assert client.get(f"/reports/province/{code}/").status_code == 200


def test_it_lists_the_ranking_in_order_of_coverage(client, world, nasrin):
    staff_sign_in(client, nasrin)
    page = _text(client.get("/reports/"))
    ranking = page.split('data-testid="ranking"')[1].split("</table>")[0]
    codes = re.findall(r'<tr data-code="([^"]+)"', ranking)
    expected = [f.code for f in selectors.provinces_figures(as_of=today_local())]
    assert codes == expected
    coverages = [f.coverage_pct for f in selectors.provinces_figures(as_of=today_local())]
    assert coverages == sorted(coverages, reverse=True)


def test_it_answers_an_unknown_province_with_a_persian_404(client, world, nasrin):
    staff_sign_in(client, nasrin)
    response = client.get("/reports/province/IR-99/")
    assert response.status_code == 404
    assert 'data-code="REPORT_AREA_UNKNOWN"' in _text(response)
    assert response.context["detail"]


def test_it_explains_a_date_in_the_future(client, world, nasrin):
    staff_sign_in(client, nasrin)
    tomorrow = today_local() + dt.timedelta(days=1)
    response = client.get(f"/reports/province/IR-06/?as_of={tomorrow.isoformat()}")
    assert response.status_code == 422
    page = _text(response)
    assert 'data-code="REPORT_DATE_IN_FUTURE"' in page
    assert re.search("[\u0600-\u06ff]", response.context["detail"])
    assert 'name="as_of"' in page  # a form to try another date


def test_it_explains_a_malformed_date(client, world, nasrin):
    staff_sign_in(client, nasrin)
    for raw in ("1405/13/40", "yesterday", "2026-02-30"):
        response = client.get("/reports/", {"as_of": raw})
        assert response.status_code == 422, raw
        assert 'data-code="REPORT_DATE_INVALID"' in _text(response), raw


def test_it_explains_a_date_before_the_scheme_began(client, world, nasrin):
    staff_sign_in(client, nasrin)
    response = client.get("/reports/province/IR-06/", {"as_of": "1390/01/01"})
    assert response.status_code == 422
    assert 'data-code="REPORT_DATE_TOO_EARLY"' in _text(response)


def test_it_reads_a_jalali_date_in_persian_digits(client, world, nasrin):
    staff_sign_in(client, nasrin)
    day = today_local() - dt.timedelta(days=30)
    response = client.get("/reports/province/IR-06/", {"as_of": format_jalali(day)})
    assert response.status_code == 200
    assert response.context["as_of"] == day
    assert format_jalali(day, long=True) in _text(response)


def test_it_shows_an_office_to_the_director_of_its_province(client, world, maryam):
    staff_sign_in(client, maryam)
    response = client.get(f"/reports/office/{world.bushehr_office.code}/")
    assert response.status_code == 200
    page = _text(response)
    assert world.bushehr_office.name in page
    assert 'id="chart-monthly"' in page


def test_it_gives_the_chart_page_a_year_of_jalali_months(client, world, maryam):
    staff_sign_in(client, maryam)
    response = client.get("/reports/province/IR-06/charts/")
    assert response.status_code == 200
    data = json.loads(
        re.search(r'id="chart-data" type="application/json">(.*?)</script>', _text(response)).group(
            1
        )
    )
    assert len(data["monthly"]["labels"]) == 12
    assert data["monthly"]["labels"][-1].split()[0] in MONTHS
    assert sum(data["monthly"]["values"]) > 0
    assert len(data["queue"]["labels"]) == len(data["queue"]["values"]) > 0
    assert all(re.fullmatch("[۰-۹]+–[۰-۹]+", label) for label in data["lead"]["labels"])


def test_the_report_date_field_shows_the_date_in_persian_digits_and_takes_it_back(
    client, world, maryam
):
    staff_sign_in(client, maryam)
    day = today_local() - dt.timedelta(days=3)
    page = _text(client.get("/reports/province/IR-06/", {"as_of": format_jalali(day)}))
    assert f'id="as_of" name="as_of" value="{format_jalali(day)}"' in page
    assert re.search(r'id="as_of" name="as_of" value="[۰-۹/]+"', page)
