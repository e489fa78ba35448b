import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum

from hoviat.core.text import is_persian_name
from hoviat.places import demo
from hoviat.places.models import City, County, NationalCodePrefix, Province
from hoviat.places.services import CENSUS_1395_TOTAL, places_load
from hoviat.places.tests.factories import CityFactory, CountyFactory, ProvinceFactory

# Bushehr, Tehran, Isfahan, Alborz, Fars, Razavi Khorasan: where the demo offices and people are.
DEMO_PROVINCES = ("IR-06", "IR-07", "IR-04", "IR-32", "IR-14", "IR-30")


def test_every_province_of_the_census_is_loaded(loaded):
    assert Province.objects.count() == 31
    assert loaded["provinces"] == 31


def test_the_provinces_add_up_to_the_1395_census_total(loaded):
    total = Province.objects.aggregate(total=Sum("population_1395"))["total"]
    assert total == CENSUS_1395_TOTAL == 79_926_270


def test_known_provinces_carry_the_census_figures_from_the_facts(loaded):
    assert Province.objects.get(code="IR-07").population_1395 == 13_267_637
    assert Province.objects.get(code="IR-06").population_1395 == 1_163_400
    assert Province.objects.get(code="IR-05").population_1395 == 580_158
    assert Province.objects.get(code="IR-32").name_en == "Alborz"


def test_iso_codes_are_unique_and_well_formed(loaded):
    codes = list(Province.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 31
    assert all(re.fullmatch(r"IR-\d{2}", code) for code in codes)


def test_loading_twice_changes_nothing(loaded):
    counts = (
        Province.objects.count(),
        County.objects.count(),
        NationalCodePrefix.objects.count(),
        City.objects.count(),
    )
    again = places_load()
    assert again["created"] == 0
    assert again["updated"] == 0
    assert (
        Province.objects.count(),
        County.objects.count(),
        NationalCodePrefix.objects.count(),
        City.objects.count(),
    ) == counts


def test_the_first_load_creates_everything_it_reports(db):
    result = places_load()
    assert result["created"] == (
        result["provinces"] + result["counties"] + result["prefixes"] + result["cities"]
    )
    assert County.objects.count() == result["counties"]
    assert NationalCodePrefix.objects.count() == result["prefixes"]


def test_loading_repairs_a_row_that_was_edited_and_keeps_the_factory_rows(db):
    bushehr = ProvinceFactory(code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1)
    county = CountyFactory(province=bushehr, name_fa="بوشهر", name_en="Bushehr")
    city = CityFactory(county=county, name_fa="بوشهر", name_en="Bushehr")

    result = places_load()

    bushehr.refresh_from_db()
    assert bushehr.population_1395 == 1_163_400
    assert result["updated"] == 1
    assert County.objects.filter(province=bushehr, name_en="Bushehr").get() == county
    assert City.objects.filter(county=county, name_en="Bushehr").get() == city


@pytest.mark.parametrize("code", DEMO_PROVINCES)
def test_every_demo_province_has_counties_with_prefixes_and_a_capital(loaded, code):
    province = Province.objects.get(code=code)
    with_prefixes = (
        County.objects.filter(province=province).annotate(n=Count("prefixes")).filter(n__gt=0)
    )
    assert with_prefixes.count() >= 4
    capital = City.objects.get(province=province, is_provincial_capital=True)
    assert capital.county.province == province
    assert capital.county.prefixes.exists()


@pytest.mark.parametrize("code", DEMO_PROVINCES)
def test_every_county_of_a_demo_province_has_a_city(loaded, code):
    without_city = (
        County.objects.filter(province__code=code).annotate(n=Count("cities")).filter(n=0)
    )
    assert list(without_city) == []


def test_every_province_has_exactly_one_capital_in_its_own_territory(loaded):
    capitals = City.objects.filter(is_provincial_capital=True).select_related("county")
    assert sorted(c.province.code for c in capitals) == sorted(
        Province.objects.values_list("code", flat=True)
    )
    assert all(c.county.province_id == c.province_id for c in capitals)


def test_every_city_lies_in_a_county_of_its_own_province(loaded):
    assert not City.objects.exclude(county__province=F("province")).exists()


def test_prefixes_are_three_digits_and_each_names_one_county(loaded):
    prefixes = list(NationalCodePrefix.objects.values_list("prefix", flat=True))
    assert len(prefixes) == len(set(prefixes)) == loaded["prefixes"]
    assert all(re.fullmatch(r"\d{3}", p) for p in prefixes)


def test_the_prefix_table_is_the_public_one(loaded):
    # Spot checks against the persian-tools table (see data/README.md).
    def county_of(prefix):
        return (
            NationalCodePrefix.objects.select_related("county__province").get(prefix=prefix).county
        )

    assert (county_of("001").name_en, county_of("001").province.code) == ("Tehran", "IR-07")
    assert county_of("349").name_en == "Bushehr"
    assert county_of("610").name_en == "Dashtestan"  # Shabankareh is a district of Dashtestan
    assert county_of("031").province.code == "IR-32"  # Karaj, filed under Tehran at the source
    assert county_of("228").name_en == "Shiraz"
    assert county_of("092").name_en == "Mashhad"
    assert county_of("127").name_en == "Isfahan"
    assert county_of("427").province.code == "IR-11"  # Zanjan, filed under Isfahan at the source


def test_prefixes_the_source_gives_to_two_places_are_not_guessed(loaded):
    for ambiguous in ("253", "313", "337", "593", "615", "623", "635"):
        assert not NationalCodePrefix.objects.filter(prefix=ambiguous).exists()


def test_persian_names_use_persian_letters_only(loaded):
    names = [
        *Province.objects.values_list("name_fa", flat=True),
        *County.objects.values_list("name_fa", flat=True),
        *City.objects.values_list("name_fa", flat=True),
    ]
    assert [n for n in names if "ي" in n or "ك" in n] == []
    assert [n for n in names if not is_persian_name(n)] == []


def test_the_load_places_command_reports_what_it_loaded(db):
    out = io.StringIO()
    call_command("load_places", stdout=out)
    assert "31 provinces" in out.getvalue()
    assert Province.objects.count() == 31


def test_the_demo_builds_places_and_says_so_in_one_line(db):
    summary = demo.build(citizens=10, seed=1)
    assert "\n" not in summary
    assert summary.startswith("31 provinces")
    assert demo.build(citizens=10, seed=2).endswith("(0 created, 0 updated)")
