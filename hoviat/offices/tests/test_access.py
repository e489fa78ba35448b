"""Who sees which office: the one access check, tested once here."""

import pytest
from django.contrib.auth.models import AnonymousUser

from hoviat.core.errors import NotFound
from hoviat.core.models import Role
from hoviat.core.tests.factories import UserFactory
from hoviat.offices.selectors import access_office_for, offices_visible_to
from hoviat.offices.tests.factories import OfficeFactory
from hoviat.places.tests.factories import CityFactory, CountyFactory, ProvinceFactory


@pytest.fixture
def tehran_office(db):
    tehran = ProvinceFactory(
        code="IR-07", name_fa="تهران", name_en="Tehran", population_1395=13267637
    )
    county = CountyFactory(province=tehran, name_fa="تهران", name_en="Tehran")
    city = CityFactory(county=county, name_fa="تهران", name_en="Tehran")
    return OfficeFactory(name="اداره پست مرکزی تهران", code="POST-0701", city=city)


@pytest.fixture
def bushehr_counter(bushehr_city):
    return OfficeFactory(name="دفتر پیشخوان دولت مرکزی بوشهر", code="CNT-0601", city=bushehr_city)


def test_a_national_admin_sees_every_office(nasrin, bushehr_post_office, tehran_office):
    assert set(offices_visible_to(nasrin)) == {bushehr_post_office, tehran_office}
    assert access_office_for(nasrin, tehran_office.pk) == tehran_office


def test_a_director_sees_only_offices_of_their_province(
    maryam, bushehr_post_office, bushehr_counter, tehran_office
):
    assert set(offices_visible_to(maryam)) == {bushehr_post_office, bushehr_counter}
    assert access_office_for(maryam, bushehr_counter.pk) == bushehr_counter
    with pytest.raises(NotFound) as caught:
        access_office_for(maryam, tehran_office.pk)
    assert caught.value.code == "OFFICE_NOT_FOUND"


def test_an_operator_sees_only_their_own_office(reza, bushehr_counter, tehran_office):
    assert list(offices_visible_to(reza)) == [reza.office]
    assert access_office_for(reza, str(reza.office.pk)) == reza.office


def test_an_operator_cannot_see_another_office(reza, bushehr_counter):
    with pytest.raises(NotFound) as caught:
        access_office_for(reza, bushehr_counter.pk)
    assert caught.value.code == "OFFICE_NOT_FOUND"
    assert caught.value.status == 404


def test_a_production_operator_sees_no_office(kaveh, bushehr_post_office):
    assert not offices_visible_to(kaveh).exists()
    with pytest.raises(NotFound):
        access_office_for(kaveh, bushehr_post_office.pk)


def test_a_forbidden_office_looks_the_same_as_a_missing_one(reza, bushehr_counter):
    with pytest.raises(NotFound) as forbidden:
        access_office_for(reza, bushehr_counter.pk)
    with pytest.raises(NotFound) as missing:
        access_office_for(reza, 987654)
    assert forbidden.value.as_problem() == missing.value.as_problem()


@pytest.mark.parametrize("office_id", [None, "", "abc", "12; drop table"])
def test_an_office_id_that_is_not_a_number_is_not_found(nasrin, office_id):
    with pytest.raises(NotFound):
        access_office_for(nasrin, office_id)


def test_nobody_signed_in_sees_no_office(bushehr_post_office):
    assert not offices_visible_to(AnonymousUser()).exists()
    with pytest.raises(NotFound):
        access_office_for(AnonymousUser(), bushehr_post_office.pk)


def test_a_deactivated_admin_sees_no_office(bushehr_post_office):
    former = UserFactory(username="former", role=Role.NATIONAL_ADMIN, is_active=False)
    assert not offices_visible_to(former).exists()


def test_a_superuser_without_a_role_sees_every_office(bushehr_post_office, tehran_office):
    root = UserFactory(username="root", role="", is_superuser=True, is_staff=True)
    assert offices_visible_to(root).count() == 2
