"""`hoviat demo` for offices: holidays, offices in five capitals, one user per role."""

import pytest
from django.core.management.base import CommandError

from hoviat.core.models import Role, User
from hoviat.offices.demo import ALWAYS_OPEN_CODE, DEMO_PASSWORD, build
from hoviat.offices.models import Holiday, Office, OfficeKind
from hoviat.places.tests.factories import CityFactory, CountyFactory, ProvinceFactory

CAPITALS = [
    # province code, province (fa, en), 1395 population, capital (fa, en)
    ("IR-06", "بوشهر", "Bushehr", 1163400, "بوشهر", "Bushehr"),
    ("IR-07", "تهران", "Tehran", 13267637, "تهران", "Tehran"),
    ("IR-04", "اصفهان", "Isfahan", 5120850, "اصفهان", "Isfahan"),
    ("IR-32", "البرز", "Alborz", 2712400, "کرج", "Karaj"),
    ("IR-14", "فارس", "Fars", 4851274, "شیراز", "Shiraz"),
]


def make_province(code, name_fa, name_en, population, city_fa, city_en, *, capital=True):
    province = ProvinceFactory(
        code=code, name_fa=name_fa, name_en=name_en, population_1395=population
    )
    county = CountyFactory(province=province, name_fa=city_fa, name_en=city_en)
    # A town that is not the capital, so the demo has to pick the right city.
    CityFactory(
        county=county, name_fa="شهرک", name_en=f"{city_en} Town", is_provincial_capital=False
    )
    return CityFactory(
        county=county, name_fa=city_fa, name_en=city_en, is_provincial_capital=capital
    )


@pytest.fixture
def places(db):
    return {row[0]: make_province(*row) for row in CAPITALS}


def snapshot():
    return (
        list(Office.objects.order_by("code").values()),
        list(User.objects.order_by("username").values()),
        list(Holiday.objects.order_by("date").values()),
    )


def test_demo_build_creates_offices_of_every_kind_in_five_capitals(places):
    build(citizens=10, seed=1405)
    offices = Office.objects.select_related("city__province")
    assert {office.city.province.code for office in offices} == set(places)
    for code, capital in places.items():
        in_province = [office for office in offices if office.city.province.code == code]
        assert {office.kind for office in in_province} == set(OfficeKind.values)
        assert all(office.city == capital for office in in_province)
    assert offices.filter(hands_over_cards=False).exists()
    assert offices.filter(hands_over_cards=True).exists()
    assert Holiday.objects.count() > 40


def test_the_bushehr_central_post_office_is_rezas(places):
    build(citizens=10, seed=1405)
    office = Office.objects.get(code="POST-0601")
    assert office.name == "اداره پست مرکزی بوشهر"
    assert office.kind == OfficeKind.POST
    assert office.city == places["IR-06"]
    assert User.objects.get(username="reza").office == office


def test_the_demo_has_a_round_the_clock_office_marked_as_a_demo_with_its_operator(places):
    build(citizens=10, seed=1405)
    office = Office.objects.get(code=ALWAYS_OPEN_CODE)
    assert office.always_open and office.is_active and office.hands_over_cards
    assert office.city == places["IR-06"]  # Sara's province, so her booking page lists it
    assert "نمایشی" in office.name and "شبانه‌روزی" in office.name
    assert "نمایشی" in office.address
    assert User.objects.get(username="nima").office == office
    # Only the demo's office is open around the clock.
    assert list(Office.objects.filter(always_open=True)) == [office]


def test_demo_build_creates_one_user_per_role_with_the_demo_password(places):
    build(citizens=10, seed=1405)
    users = {user.username: user for user in User.objects.all()}
    assert {name: user.role for name, user in users.items()} == {
        "admin": Role.NATIONAL_ADMIN,
        "maryam": Role.PROVINCIAL_DIRECTOR,
        "reza": Role.OFFICE_OPERATOR,
        "nima": Role.OFFICE_OPERATOR,
        "kaveh": Role.PRODUCTION_OPERATOR,
    }
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["maryam"].province.code == "IR-06"
    assert not users["kaveh"].is_staff
    assert all(user.first_name and user.last_name for user in users.values())
    for name in users:
        assert users[name].check_password(DEMO_PASSWORD)


def test_demo_build_is_idempotent(places):
    first = build(citizens=10, seed=1405)
    before = snapshot()
    second = build(citizens=10, seed=1405)
    assert snapshot() == before
    assert "26 offices" in first and "(26 new;" in first
    assert "(0 new;" in second and "(26 new" not in second


def test_demo_build_keeps_a_password_the_user_changed(places):
    build(citizens=10, seed=1405)
    reza = User.objects.get(username="reza")
    reza.set_password("my own secret 1405")
    reza.save()
    build(citizens=10, seed=1405)
    reza.refresh_from_db()
    assert reza.check_password("my own secret 1405")
    assert not reza.check_password(DEMO_PASSWORD)


def test_demo_build_fails_clearly_without_a_provincial_capital(db):
    for row in CAPITALS:
        make_province(*row, capital=row[0] != "IR-14")
    with pytest.raises(CommandError, match=r"Fars \(IR-14\) has no city marked"):
        build(citizens=10, seed=1405)
    assert not Office.objects.exists()


def test_demo_build_fails_clearly_without_the_provinces(db):
    make_province(*CAPITALS[0])
    with pytest.raises(CommandError, match="IR-07, IR-04, IR-32, IR-14 are missing"):
        build(citizens=10, seed=1405)
