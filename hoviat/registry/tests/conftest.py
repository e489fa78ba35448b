"""Registry fixtures: Bushehr and Tehran with counties, national-code prefixes and cities.

The prefixes are the tests' own (049 and 050 for Bushehr county, 051 for Dashtestan, 001
for Tehran), chosen so Sara's code 0499370899 falls in Bushehr county.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hoviat.places.tests.factories import (
    CityFactory,
    CountyFactory,
    NationalCodePrefixFactory,
    ProvinceFactory,
)
from hoviat.registry.validation import lookups_load

HEADER = (
    "national_code,first_name,last_name,father_name,mother_name,gender,birth_date,"
    "shenasnameh_number,shenasnameh_serial,residence_province,residence_city,mobile,"
    "is_alive,has_photo_shenasnameh"
)
SARA_LINE = (
    "0499370899,سارا,محمدی,علی,مریم,female,1370/05/14,0499370899,۲۰/الف ۱۲۳۴۵۶,IR-06,"
    "بوشهر,09171234567,1,1"
)


@pytest.fixture
def places(bushehr_city):
    """Bushehr (IR-06): Bushehr county (049, 050) and Dashtestan (051); Tehran (IR-07)."""
    bushehr_county = bushehr_city.county
    NationalCodePrefixFactory(prefix="049", county=bushehr_county)
    NationalCodePrefixFactory(prefix="050", county=bushehr_county)
    dashtestan = CountyFactory(
        province=bushehr_city.province, name_fa="دشتستان", name_en="Dashtestan"
    )
    NationalCodePrefixFactory(prefix="051", county=dashtestan)
    borazjan = CityFactory(
        county=dashtestan, name_fa="برازجان", name_en="Borazjan", is_provincial_capital=False
    )
    tehran = ProvinceFactory(
        code="IR-07", name_fa="تهران", name_en="Tehran", population_1395=13267637
    )
    tehran_county = CountyFactory(province=tehran, name_fa="تهران", name_en="Tehran")
    NationalCodePrefixFactory(prefix="001", county=tehran_county)
    tehran_city = CityFactory(county=tehran_county, name_fa="تهران", name_en="Tehran")
    return {
        "bushehr": bushehr_city.province,
        "bushehr_county": bushehr_county,
        "bushehr_city": bushehr_city,
        "dashtestan": dashtestan,
        "borazjan": borazjan,
        "tehran": tehran,
        "tehran_county": tehran_county,
        "tehran_city": tehran_city,
    }


@pytest.fixture
def lookups(places):
    return lookups_load()


@pytest.fixture
def sara_row():
    """Sara's registry row as a file would give it, column by column."""
    return dict(zip(HEADER.split(","), SARA_LINE.split(","), strict=True))


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(lines, name=...) -> Path: a CSV file with HEADER and the given lines."""

    def write(lines, *, name="registry.csv", header=HEADER):
        path = Path(tmp_path) / name
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return path

    return write


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as report:
        return list(csv.DictReader(report))
