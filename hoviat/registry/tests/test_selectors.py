import datetime as dt

import pytest

from hoviat.core.errors import NotFound
from hoviat.core.national_code import InvalidNationalCode
from hoviat.registry.selectors import (
    citizen_eligibility,
    citizen_get,
    eligible_citizens,
    latest_birth_date_for_age,
)
from hoviat.registry.tests.factories import CitizenFactory

BIRTHDAY_15 = dt.date(2026, 8, 5)  # Sara's sister, born 2011-08-05, turns 15


@pytest.fixture
def sister(bushehr_city):
    return CitizenFactory(
        first_name="نازنین",
        birth_date=dt.date(2011, 8, 5),
        issuing_county=bushehr_city.county,
        residence_city=bushehr_city,
    )


def test_sara_may_apply(sara):
    assert citizen_eligibility(citizen=sara, on=dt.date(2026, 11, 22)).eligible


def test_the_day_before_the_fifteenth_birthday_is_too_early(sister):
    verdict = citizen_eligibility(citizen=sister, on=BIRTHDAY_15 - dt.timedelta(days=1))
    assert (verdict.eligible, verdict.reasons) == (False, ["UNDER_AGE"])
    assert "۱۵" in verdict.reasons_fa()[0] or "15" in verdict.reasons_fa()[0]


def test_on_the_fifteenth_birthday_one_may_apply(sister):
    assert citizen_eligibility(citizen=sister, on=BIRTHDAY_15).eligible


def test_the_deceased_and_those_without_a_photo_shenasnameh_may_not(sara):
    sara.is_alive = False
    sara.has_photo_shenasnameh = False

    verdict = citizen_eligibility(citizen=sara, on=dt.date(2026, 11, 22))

    assert verdict.reasons == ["DECEASED", "NO_PHOTO_SHENASNAMEH"]
    assert len(verdict.reasons_fa()) == 2


def test_the_minimum_age_is_a_setting(sister, settings):
    settings.CARD_MINIMUM_AGE = 18
    assert citizen_eligibility(citizen=sister, on=BIRTHDAY_15).reasons == ["UNDER_AGE"]


@pytest.mark.parametrize(
    ("on", "latest"),
    [
        (dt.date(2026, 8, 5), dt.date(2011, 8, 5)),
        (dt.date(2028, 2, 29), dt.date(2013, 2, 28)),  # no 29 February in 2013
    ],
)
def test_the_latest_birth_date_matches_how_ages_are_counted(on, latest):
    assert latest_birth_date_for_age(age=15, on=on) == latest


def test_eligible_citizens_agrees_with_the_verdict_for_each_person(sara, sister, bushehr_city):
    deceased = CitizenFactory(
        is_alive=False, issuing_county=bushehr_city.county, residence_city=bushehr_city
    )
    no_photo = CitizenFactory(
        has_photo_shenasnameh=False, issuing_county=bushehr_city.county, residence_city=bushehr_city
    )
    everyone = [sara, sister, deceased, no_photo]

    for on in (BIRTHDAY_15 - dt.timedelta(days=1), BIRTHDAY_15):
        expected = {c.pk for c in everyone if citizen_eligibility(citizen=c, on=on).eligible}
        assert set(eligible_citizens(on=on).values_list("pk", flat=True)) == expected
    assert set(eligible_citizens(on=BIRTHDAY_15).values_list("pk", flat=True)) == {
        sara.pk,
        sister.pk,
    }


def test_eligible_citizens_can_be_narrowed_to_a_province(sara):
    assert list(eligible_citizens(on=dt.date(2026, 11, 22), province="IR-06")) == [sara]
    assert list(eligible_citizens(on=dt.date(2026, 11, 22), province=sara.residence_province)) == [
        sara
    ]
    assert not eligible_citizens(on=dt.date(2026, 11, 22), province="IR-07").exists()


def test_a_citizen_is_found_by_code_typed_in_persian_digits(sara):
    assert citizen_get(national_code="۰۴۹۹۳۷۰۸۹۹") == sara


def test_an_unknown_or_invalid_code_is_refused(db):
    with pytest.raises(NotFound) as missing:
        citizen_get(national_code="0499370899")
    assert missing.value.code == "CITIZEN_NOT_FOUND"
    with pytest.raises(InvalidNationalCode):
        citizen_get(national_code="0499370898")
