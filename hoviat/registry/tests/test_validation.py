import datetime as dt

import pytest

from hoviat.core.national_code import make_national_code
from hoviat.registry.services import citizen_row_validate, shenasnameh_serial_parse
from hoviat.registry.validation import (
    REQUIRED_COLUMNS,
    CitizenRow,
    ImportRefused,
    InvalidSerial,
    Lookups,
    Rejection,
    header_check,
)

# --- Shenasnameh serial ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "۲۰/الف ۱۲۳۴۵۶",
        "20/الف 123456",
        "الف/20 123456",
        "20-الف-123456",
        "٢٠/الف ١٢٣٤٥٦",
        " 20 / الف / 123456 ",
        "123456 الف/20",
    ],
)
def test_it_reads_every_usual_form_of_the_shenasnameh_serial(raw):
    assert shenasnameh_serial_parse(raw) == (20, "الف", "123456")


def test_it_writes_an_arabic_yeh_in_the_series_letter_as_persian():
    assert shenasnameh_serial_parse("12/ي 000123") == (12, "ی", "000123")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "123456",
        "20/الف",
        "20/الف 12345",
        "20/A 123456",
        "0/الف 123456",
        "20/الف/ب 123456",
        "20/الف 123456 7",
    ],
)
def test_it_refuses_a_serial_it_cannot_read(raw):
    with pytest.raises(InvalidSerial) as refused:
        shenasnameh_serial_parse(raw)
    assert refused.value.code == "SHENASNAMEH_SERIAL_INVALID"


# --- One row -------------------------------------------------------------------------------------


def test_it_accepts_saras_row_and_resolves_her_places(lookups, places, sara_row):
    row = citizen_row_validate(sara_row, lookups=lookups)

    assert isinstance(row, CitizenRow)
    assert row.national_code == "0499370899"
    assert (row.first_name, row.last_name, row.father_name, row.mother_name) == (
        "سارا",
        "محمدی",
        "علی",
        "مریم",
    )
    assert row.gender == "female"
    assert row.birth_date == dt.date(1991, 8, 5)
    assert (row.shenasnameh_series, row.shenasnameh_letter, row.shenasnameh_serial) == (
        20,
        "الف",
        "123456",
    )
    assert row.issuing_county_id == places["bushehr_county"].pk  # from the 049 prefix
    assert row.residence_province_id == places["bushehr"].pk
    assert row.residence_city_id == places["bushehr_city"].pk
    assert row.mobile == "09171234567"
    assert row.is_alive and row.has_photo_shenasnameh


def test_it_folds_persian_digits_arabic_letters_and_phone_forms(lookups, sara_row):
    sara_row.update(
        national_code="۰۴۹۹۳۷۰۸۹۹",
        first_name="سارا",
        father_name="علي",
        last_name="كاظمی",
        mobile="+98 917 123 4567",
        birth_date="1991-08-05",
        is_alive="بله",
        has_photo_shenasnameh="خیر",
    )

    row = citizen_row_validate(sara_row, lookups=lookups)

    assert row.national_code == "0499370899"
    assert row.father_name == "علی"
    assert row.last_name == "کاظمی"
    assert row.mobile == "09171234567"
    assert row.birth_date == dt.date(1991, 8, 5)
    assert row.is_alive is True and row.has_photo_shenasnameh is False


def test_it_pads_a_code_that_lost_its_leading_zero(lookups, sara_row):
    sara_row["national_code"] = "499370899"
    assert citizen_row_validate(sara_row, lookups=lookups).national_code == "0499370899"


def test_it_takes_the_issuing_county_from_the_column_before_the_prefix(lookups, places, sara_row):
    sara_row["issuing_county"] = "دشتستان"
    assert citizen_row_validate(sara_row, lookups=lookups).issuing_county_id == (
        places["dashtestan"].pk
    )
    sara_row["issuing_county"] = "051"
    assert citizen_row_validate(sara_row, lookups=lookups).issuing_county_id == (
        places["dashtestan"].pk
    )


def test_it_finds_the_province_by_name_and_by_short_code(lookups, places, sara_row):
    for spelling in ("بوشهر", "Bushehr", "ir-06", "06"):
        sara_row["residence_province"] = spelling
        assert citizen_row_validate(sara_row, lookups=lookups).residence_province_id == (
            places["bushehr"].pk
        )


def test_it_leaves_the_city_empty_when_the_file_does(lookups, sara_row):
    sara_row["residence_city"] = ""
    assert citizen_row_validate(sara_row, lookups=lookups).residence_city_id is None


def test_it_reads_an_old_paper_card(lookups, sara_row):
    sara_row.update(old_card_number="5012345678", old_card_issued_on="1388/02/10")
    row = citizen_row_validate(sara_row, lookups=lookups)
    assert (row.old_card_number, row.old_card_issued_on) == ("5012345678", dt.date(2009, 4, 30))


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("national_code", "0499370898", "NATIONAL_CODE_CHECKSUM"),
        ("national_code", "12345", "NATIONAL_CODE_LENGTH"),
        ("national_code", "1111111111", "NATIONAL_CODE_REPEATED"),
        ("national_code", "04993708a9", "NATIONAL_CODE_FORMAT"),
        ("national_code", "", "NATIONAL_CODE_MISSING"),
        ("first_name", "Sara", "NAME_NOT_PERSIAN"),
        ("last_name", "محمدی2", "NAME_NOT_PERSIAN"),
        ("father_name", "ڤلی", "NAME_NOT_PERSIAN"),  # VEH: Arabic script, not Persian
        ("mother_name", "  ", "NAME_MISSING"),
        ("last_name", "الف" * 22, "NAME_TOO_LONG"),
        ("gender", "x", "GENDER_INVALID"),
        ("birth_date", "1370/07/31", "DATE_IMPOSSIBLE"),
        ("birth_date", "1991-02-30", "DATE_IMPOSSIBLE"),
        ("birth_date", "5 Mordad 1370", "DATE_FORMAT"),
        ("birth_date", "1450/01/01", "BIRTH_DATE_IN_FUTURE"),
        ("birth_date", "1200/01/01", "DATE_TOO_EARLY"),
        ("shenasnameh_number", "12ab", "SHENASNAMEH_NUMBER_INVALID"),
        ("shenasnameh_serial", "123456", "SHENASNAMEH_SERIAL_INVALID"),
        ("residence_province", "IR-99", "PROVINCE_UNKNOWN"),
        ("residence_province", "", "PROVINCE_MISSING"),
        ("residence_city", "شیراز", "CITY_UNKNOWN"),
        ("residence_city", "تهران", "CITY_UNKNOWN"),  # a city, but of another province
        ("issuing_county", "ناکجاآباد", "COUNTY_UNKNOWN"),
        ("national_code", make_national_code("777", 1), "COUNTY_UNKNOWN"),  # no such prefix
        ("mobile", "0917123", "MOBILE_INVALID"),
        ("is_alive", "maybe", "FLAG_INVALID"),
        ("old_card_number", "5012345678", "OLD_CARD_INCOMPLETE"),
        ("old_card_issued_on", "1388/02/10", "OLD_CARD_INCOMPLETE"),
    ],
)
def test_it_rejects_each_bad_value_with_a_stable_code_and_a_persian_reason(
    lookups, sara_row, column, value, code
):
    sara_row[column] = value

    rejection = citizen_row_validate(sara_row, lookups=lookups)

    assert isinstance(rejection, Rejection)
    assert rejection.code == code
    assert any("\u0600" <= char <= "\u06ff" for char in rejection.reason)


def test_it_rejects_an_old_card_issued_before_birth(lookups, sara_row):
    sara_row.update(old_card_number="5012345678", old_card_issued_on="1360/01/01")
    assert citizen_row_validate(sara_row, lookups=lookups).code == "OLD_CARD_INVALID"


def test_it_rejects_a_county_name_shared_by_two_provinces(places, sara_row):
    from hoviat.places.tests.factories import CountyFactory
    from hoviat.registry.validation import lookups_load

    CountyFactory(province=places["tehran"], name_fa="دشتستان", name_en="Dashtestan")
    sara_row["issuing_county"] = "دشتستان"

    assert citizen_row_validate(sara_row, lookups=lookups_load()).code == "COUNTY_AMBIGUOUS"


def test_a_birth_date_of_today_is_not_in_the_future(sara_row):
    lookups = Lookups(
        county_by_prefix={"049": 1}, province_by_key={"IR-06": 1}, today=dt.date(1991, 8, 5)
    )
    del sara_row["residence_city"]
    assert isinstance(citizen_row_validate(sara_row, lookups=lookups), CitizenRow)


# --- The header ----------------------------------------------------------------------------------


def test_it_accepts_a_header_in_any_order_and_case():
    assert header_check(
        [
            " Gender",
            "NATIONAL_CODE",
            "first_name",
            "last_name",
            "father_name",
            "mother_name",
            "birth_date",
            "shenasnameh_number",
            "shenasnameh_serial",
            "residence_province",
        ]
    )[:2] == [
        "gender",
        "national_code",
    ]


@pytest.mark.parametrize(
    ("header", "code", "named"),
    [
        (None, "IMPORT_HEADER_MISSING", ""),
        (["national_code", "first_name"], "IMPORT_HEADER_INVALID", "last_name"),
        ([*REQUIRED_COLUMNS, "blood_type"], "IMPORT_HEADER_INVALID", "blood_type"),
        (["national_code", *REQUIRED_COLUMNS], "IMPORT_HEADER_INVALID", "national_code"),
    ],
)
def test_it_refuses_a_header_with_unknown_missing_or_repeated_columns(header, code, named):
    with pytest.raises(ImportRefused) as refused:
        header_check(header)
    assert refused.value.code == code
    assert named in refused.value.detail


def test_a_bad_value_with_braces_or_great_length_is_quoted_safely(lookups, sara_row):
    sara_row["first_name"] = "{label} " + "x" * 500
    sara_row["birth_date"] = "{0}"

    rejection = citizen_row_validate(sara_row, lookups=lookups)

    assert rejection.code == "NAME_NOT_PERSIAN"
    assert rejection.reason.startswith("نام ")
    assert len(rejection.reason) < 250
    sara_row["first_name"] = "سارا"
    assert citizen_row_validate(sara_row, lookups=lookups).code == "DATE_FORMAT"
