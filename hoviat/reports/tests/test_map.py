"""The province map: 31 real outlines, one per ISO code, coloured by coverage, linked."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hoviat.core.jalali import today_local
from hoviat.core.tests.factories import staff_sign_in
from hoviat.reports import exports, selectors, views

SVG = Path(views.__file__).parent / "static" / "reports" / "iran-provinces.svg"
PROVINCES_CSV = Path(views.__file__).parents[1] / "places" / "data" / "provinces.csv"


def _iso_codes() -> set[str]:
    with PROVINCES_CSV.open(encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f)}


def test_the_svg_has_one_path_per_province_named_by_its_iso_code():
    root = ET.parse(SVG).getroot()  # noqa: S314 (our own file)
    paths = list(root.iter("{http://www.w3.org/2000/svg}path"))
    assert len(paths) == 31
    assert {p.get("id") for p in paths} == _iso_codes()
    assert "IR-32" in {p.get("id") for p in paths}  # Alborz, split from Tehran in 2010
    for p in paths:
        assert p.get("data-name-fa")
        assert re.match(r"^[Mm][\d.,\- ]", p.get("d")), p.get("id")
    assert SVG.stat().st_size < 150_000


def test_the_svg_is_readable_by_the_dashboard():
    shapes = views.map_paths()
    assert len(shapes) == 31
    assert dict((code, name) for code, name, _ in shapes)["IR-06"] == "بوشهر"


@pytest.mark.django_db
def test_the_dashboard_map_colours_and_links_every_province(client, world, nasrin):
    staff_sign_in(client, nasrin)
    page = client.get("/reports/").content.decode()
    svg = page.split('data-testid="province-map"')[1].split("</svg>")[0]
    paths = re.findall(
        r'<a href="([^"]+)" aria-label="[^"]*"><path id="(IR-\d\d)" data-province="\2" '
        r'd="[^"]+" fill="(#[0-9a-f]{6})"><title>([^<]+)</title>',
        svg,
    )
    assert len(paths) == 31
    assert {code for _, code, _, _ in paths} == _iso_codes()
    by_code = {f.code: f for f in selectors.provinces_figures(as_of=today_local())}
    for href, code, fill, title in paths:
        assert href == f"/reports/province/{code}/"
        figures = by_code[code]
        assert fill == views.colour_for(figures)[0]
        assert figures.name in title
        if figures.eligible:
            assert exports.cell_text(figures.coverage_pct, "pct") in title
    # Bushehr has people and requests in the test world, so it is not painted "no data".
    bushehr = next(p for p in paths if p[1] == "IR-06")
    assert bushehr[2] != views.NO_DATA[0]
    legend = page.split('data-testid="map-legend"')[1].split("</ul>")[0]
    assert legend.count("legend-swatch") == len(views.SCALE) + 1


def test_the_colour_scale_follows_coverage():
    class F:
        eligible = 100

        def __init__(self, pct):
            from decimal import Decimal

            self.coverage_pct = Decimal(pct)

    assert views.colour_for(F("97.0"))[0] == "#253494"
    assert views.colour_for(F("93.87"))[0] == "#2c7fb8"
    assert views.colour_for(F("90.00"))[0] == "#2c7fb8"
    assert views.colour_for(F("12.5"))[0] == "#edf8b1"
    assert views.colour_for(None) == views.NO_DATA
