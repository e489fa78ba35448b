"""Honest figures and Persian words on the report pages: empty charts say so, days of cover
is «—» with its reason, provinces with nobody eligible are not ranked, the definitions and
the rate window speak Persian and Jalali."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from hoviat.core.jalali import today_local
from hoviat.core.tests.factories import staff_sign_in
from hoviat.production.models import CardBodyLedger
from hoviat.reports import exports, selectors

pytestmark = pytest.mark.django_db


def _page(client, user, url: str) -> str:
    staff_sign_in(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_charts_with_nothing_to_draw_say_so_instead_of_bare_axes(client, all_provinces, nasrin):
    page = _page(client, nasrin, "/reports/charts/")
    for chart in ("monthly", "queue", "lead"):
        assert f'data-empty-chart="{chart}"' in page
    assert "داده‌ای نیست" in page and "<canvas" not in page


def test_days_of_cover_is_a_dash_with_its_reason_on_the_dashboard(client, all_provinces, nasrin):
    now = timezone.now()
    CardBodyLedger.objects.create(kind="delivery", quantity=5000, at=now - dt.timedelta(days=40))
    CardBodyLedger.objects.create(kind="consumption", quantity=-3, at=now - dt.timedelta(days=2))
    nation = selectors.figures_for(level="nation", code="IR", as_of=today_local())
    assert nation.days_of_cover is None and "بیش از ۳۶۵ روز" in nation.notes["days_of_cover"]
    page = _page(client, nasrin, "/reports/")
    shown = re.search(r'data-figure="days_of_cover">([^<]*)<', page).group(1)
    assert shown == "—"
    assert 'data-note="days_of_cover"' in page and "۴۹٬۹۷۰" not in page


def test_no_province_is_ranked_without_eligible_people(client, all_provinces, nasrin):
    provinces = selectors.provinces_figures(as_of=today_local())
    assert provinces and all(f.rank is None for f in provinces)
    page = _page(client, nasrin, "/reports/")
    ranking = page.split('data-testid="ranking"')[1].split("</table>")[0]
    ranks = re.findall(r'<tr data-code="[^"]+"><td[^>]*>([^<]*)</td>', ranking)
    assert ranks and set(ranks) == {"—"}
    assert selectors.NO_RANK_NOTE in page


def test_definitions_speak_persian_and_name_the_jalali_rate_window(client, all_provinces, nasrin):
    page = _page(client, nasrin, "/reports/")
    definitions = page.split('id="definitions"')[1].split("</section>")[0]
    for english in ("coverage =", "REPORTS_GOAL_DAYS", "hoviat sweep", "docs/figures.md", "میلادی"):
        assert english not in definitions
    window = re.search(r'data-testid="rate-window">([^<]*)<', definitions).group(1)
    assert window == selectors.rate_window_text(today_local()) and " تا " in window
    for column in exports.COLUMNS:
        assert not re.search(r"[A-Za-z]{3}", column.definition.replace("nearest", "")), column.attr
        assert not re.search(r"[0-9]", column.definition), column.attr
