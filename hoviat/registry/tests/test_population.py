import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from hoviat.core.jalali import age_on
from hoviat.core.national_code import is_valid_national_code
from hoviat.core.text import is_persian_name
from hoviat.places.tests.factories import ProvinceFactory
from hoviat.registry.models import Citizen
from hoviat.registry.population import (
    REFERENCE_DATE,
    PopulationRefused,
    population_rows,
    province_places_load,
)
from hoviat.registry.services import population_generate, population_write_csv, registry_import
from hoviat.registry.validation import CitizenRow


def people(size: int, seed: int, province: str = "IR-06") -> list[CitizenRow]:
    places = province_places_load(province=province)
    return [CitizenRow._make(row) for row in population_rows(places=places, size=size, seed=seed)]


def test_the_same_seed_gives_the_same_people_and_another_seed_others(places):
    assert people(300, seed=7) == people(300, seed=7)
    assert people(300, seed=7) != people(300, seed=8)


def test_every_code_is_valid_unique_and_carries_its_countys_prefix(places):
    prefixes = {
        "049": places["bushehr_county"].pk,
        "050": places["bushehr_county"].pk,
        "051": places["dashtestan"].pk,
    }

    population = people(3000, seed=1)

    codes = [p.national_code for p in population]
    assert len(set(codes)) == len(codes)
    assert all(is_valid_national_code(code) for code in codes)
    assert all(prefixes[p.national_code[:3]] == p.issuing_county_id for p in population)
    assert {code[:3] for code in codes} == set(prefixes)


def test_people_look_like_irans_population(places):
    population = people(5000, seed=2)

    ages = [age_on(p.birth_date, REFERENCE_DATE) for p in population]
    share = lambda low, high: sum(low <= age <= high for age in ages) / len(ages)  # noqa: E731
    assert share(25, 44) > 0.3
    assert share(25, 44) / 20 > share(60, 99) / 40  # more people per year of age at 25–44
    assert 0.005 < sum(not p.is_alive for p in population) / len(population) < 0.04
    assert 0.002 < sum(not p.has_photo_shenasnameh for p in population) / len(population) < 0.03
    assert 0.45 < sum(p.gender == "male" for p in population) / len(population) < 0.56
    assert all(
        is_persian_name(name)
        for p in population
        for name in (p.first_name, p.last_name, p.father_name, p.mother_name)
    )
    assert all(
        p.mobile == "" or (len(p.mobile) == 11 and p.mobile.startswith("09")) for p in population
    )
    assert all(p.residence_province_id == places["bushehr"].pk for p in population)
    assert {p.residence_city_id for p in population} == {
        places["bushehr_city"].pk,
        places["borazjan"].pk,
    }
    assert all(p.birth_date < REFERENCE_DATE for p in population)
    # Since 1369 the shenasnameh number is the national code.
    assert all(
        p.shenasnameh_number == p.national_code
        for p in population
        if p.birth_date >= dt.date(1990, 3, 21)
    )


def test_generating_twice_with_a_seed_adds_nobody_the_second_time(places):
    first = population_generate(province="IR-06", size=500, seed=3, batch_size=200)
    again = population_generate(province="IR-06", size=500, seed=3, batch_size=200)

    assert (first.created, first.already_present) == (500, 0)
    assert (again.created, again.already_present) == (0, 500)
    assert Citizen.objects.count() == 500


def test_the_csv_holds_the_same_people_and_imports_cleanly(places, tmp_path):
    path = tmp_path / "bushehr.csv"

    assert population_write_csv(province="IR-06", size=400, seed=4, path=path) == 400
    assert Citizen.objects.count() == 0  # writing the file touches no citizen
    result = registry_import(path=path, progress=False)

    assert (result.loaded, result.rejected) == (400, 0)
    imported = {c.national_code: c for c in Citizen.objects.all()}
    for expected in people(400, seed=4):
        citizen = imported[expected.national_code]
        assert (
            citizen.first_name,
            citizen.birth_date,
            citizen.issuing_county_id,
            citizen.residence_city_id,
            citizen.is_alive,
        ) == (
            expected.first_name,
            expected.birth_date,
            expected.issuing_county_id,
            expected.residence_city_id,
            expected.is_alive,
        )


def test_it_refuses_a_province_without_code_prefixes(db):
    ProvinceFactory(code="IR-05", name_fa="ایلام", name_en="Ilam", population_1395=580158)

    with pytest.raises(PopulationRefused) as refused:
        population_generate(province="IR-05", size=10, seed=1)

    assert refused.value.code == "PROVINCE_HAS_NO_PREFIXES"
    assert "ایلام" in refused.value.detail


def test_it_refuses_more_people_than_the_prefixes_can_number(places):
    with pytest.raises(PopulationRefused) as refused:
        population_generate(province="IR-07", size=1_000_001, seed=1)
    assert refused.value.code == "POPULATION_SIZE_INVALID"


def test_the_command_generates_and_says_how_many(places, capsys):
    call_command("generate_population", "--province", "IR-07", "--size", "50", "--seed", "9")

    assert "created 50" in capsys.readouterr().out
    assert Citizen.objects.filter(residence_province=places["tehran"]).count() == 50


def test_the_command_can_write_a_csv_instead(places, tmp_path, capsys):
    path = tmp_path / "tehran.csv"
    call_command("generate_population", "--province", "IR-07", "--size", "20", "--csv", str(path))

    assert len(path.read_text(encoding="utf-8").splitlines()) == 21
    assert Citizen.objects.count() == 0


def test_the_command_fails_clearly_for_an_unknown_province(db):
    with pytest.raises(CommandError, match="PROVINCE_NOT_FOUND"):
        call_command("generate_population", "--province", "IR-99", "--size", "5")
