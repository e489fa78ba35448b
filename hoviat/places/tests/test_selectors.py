import pytest

from hoviat.places.selectors import county_for_national_code, prefixes_of_province
from hoviat.places.tests.factories import NationalCodePrefixFactory


def test_a_national_code_names_the_county_that_issued_it(loaded):
    # The worked example of FACTS.md: prefix 049 is Shahr-e Rey, Tehran.
    county = county_for_national_code(national_code="0499370899")
    assert county.name_en == "Ray"
    assert county.province.code == "IR-07"


def test_a_bushehr_code_names_bushehr(loaded):
    assert county_for_national_code(national_code="3490000001").name_en == "Bushehr"


def test_persian_digits_and_dropped_leading_zeros_are_understood(loaded):
    assert county_for_national_code(national_code="۰۴۹۹۳۷۰۸۹۹").name_en == "Ray"
    assert county_for_national_code(national_code="499370899").name_en == "Ray"


@pytest.mark.parametrize("code", ["", "abc", "12345", "99999999999", "7990000000"])
def test_no_county_for_malformed_or_unknown_codes(loaded, code):
    assert county_for_national_code(national_code=code) is None


def test_prefixes_of_a_province_are_its_counties_prefixes_sorted(loaded):
    prefixes = prefixes_of_province(province="IR-06")
    assert prefixes == sorted(prefixes)
    assert {"349", "350", "351", "352", "353", "354", "355", "356", "357"} <= set(prefixes)
    assert "001" not in prefixes


def test_prefixes_of_a_province_accept_the_model_too(loaded):
    from hoviat.places.models import Province

    tehran = Province.objects.get(code="IR-07")
    assert prefixes_of_province(province=tehran)[:3] == ["001", "002", "003"]
    assert prefixes_of_province(province=tehran) == prefixes_of_province(province="ir-07")


def test_a_province_without_data_has_no_prefixes(db):
    NationalCodePrefixFactory(prefix="901")
    assert prefixes_of_province(province="IR-07") == []
    assert prefixes_of_province(province="IR-06") == ["901"]
