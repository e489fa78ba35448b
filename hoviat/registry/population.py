"""Synthetic citizens of one province: valid codes with the province's county prefixes,
Persian names, Iran's age pyramid, mobiles; the same seed always gives the same people.

Speed matters (a million people in seconds), so weighted choices use pre-expanded tables
indexed by one random() call, and national codes are built from precomputed digit sums.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

import jdatetime

from hoviat.core.errors import ValidationFailed
from hoviat.core.text import persian_number
from hoviat.places.models import City, NationalCodePrefix, Province
from hoviat.places.selectors import province_get
from hoviat.registry.models import Gender
from hoviat.registry.names import (
    AGE_BANDS,
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    MOBILE_PREFIXES,
    SERIES_LETTERS,
)

# Ages are counted to 1 Farvardin 1405, not to today, so a seed gives the same birth dates
# whenever it is run.
REFERENCE_DATE = dt.date(2026, 3, 21)
# Since 1 Farvardin 1369 the shenasnameh number is the national code itself.
SHENASNAMEH_NUMBER_IS_CODE_FROM = dt.date(1990, 3, 21)
SEQUENCES_PER_PREFIX = 1_000_000
NO_PHOTO_SHARE = 0.01
MALE_SHARE = 0.505
MOBILE_FROM_AGE = 12
CSV_COLUMNS = (
    "national_code",
    "first_name",
    "last_name",
    "father_name",
    "mother_name",
    "gender",
    "birth_date",
    "shenasnameh_number",
    "shenasnameh_serial",
    "residence_province",
    "residence_city",
    "mobile",
    "is_alive",
    "has_photo_shenasnameh",
)


class PopulationRefused(ValidationFailed):
    code = "POPULATION_REFUSED"


@dataclass(frozen=True)
class ProvincePlaces:
    province: Province
    prefixes: tuple[tuple[str, int], ...]  # (prefix, county id), sorted by prefix
    cities: tuple[tuple[int, str, bool], ...]  # (id, name, is capital)


def province_places_load(*, province: Province | str) -> ProvincePlaces:
    """The province with its counties' code prefixes and its cities, in a stable order."""
    if not isinstance(province, Province):
        province = province_get(code=province)
    prefixes = tuple(
        NationalCodePrefix.objects.filter(county__province=province)
        .order_by("prefix")
        .values_list("prefix", "county_id")
    )
    if not prefixes:
        raise PopulationRefused(
            f"برای شهرستان‌های استان {province.name_fa} ({province.code}) هیچ پیشوند کد ملی "
            "ثبت نشده است؛ نخست پیشوندها را بارگذاری کنید.",
            code="PROVINCE_HAS_NO_PREFIXES",
        )
    cities = tuple(
        City.objects.filter(province=province)
        .order_by("county__name_en", "name_en", "pk")
        .values_list("pk", "name_fa", "is_provincial_capital")
    )
    return ProvincePlaces(province=province, prefixes=prefixes, cities=cities)


def _table(items, weights, size: int = 4096) -> tuple:
    """Items repeated in proportion to their weights: table[int(random() * len)] picks one."""
    total = sum(weights)
    table: list = []
    for item, weight in zip(items, weights, strict=True):
        table.extend([item] * max(1, round(weight / total * size)))
    return tuple(table)


def _zipf(names: tuple[str, ...]) -> tuple[str, ...]:
    return _table(names, [1 / (rank + 1) ** 0.8 for rank in range(len(names))])


_MALE = _zipf(MALE_FIRST_NAMES)
_FEMALE = _zipf(FEMALE_FIRST_NAMES)
_LAST = _zipf(LAST_NAMES)
_BANDS = _table(
    [(low, high - low + 1, dead) for low, high, _share, dead in AGE_BANDS],
    [share for _low, _high, share, _dead in AGE_BANDS],
    size=10_000,
)
# Digit sums of the national-code check: positions 4–6 weigh 7, 6, 5 and 7–9 weigh 4, 3, 2.
_HIGH_SUMS = tuple((n // 100) * 7 + (n // 10 % 10) * 6 + (n % 10) * 5 for n in range(1000))
_LOW_SUMS = tuple((n // 100) * 4 + (n // 10 % 10) * 3 + (n % 10) * 2 for n in range(1000))


def population_rows(*, places: ProvincePlaces, size: int, seed: int) -> Iterator[tuple]:
    """`size` synthetic people as CitizenRow-shaped tuples (no database access)."""
    capacity = len(places.prefixes) * SEQUENCES_PER_PREFIX
    if not 0 <= size <= capacity:
        raise PopulationRefused(
            f"اندازهٔ جمعیت باید بین ۰ و {persian_number(capacity)} "
            "باشد (ظرفیت پیشوندهای کد ملی استان).",
            code="POPULATION_SIZE_INVALID",
        )
    # A string seed keeps provinces apart: the same seed gives each province other people.
    rng = random.Random(f"{seed}:{places.province.code}")
    rand = rng.random
    picks = rng.sample(range(capacity), size)
    prefixes = [
        (prefix, county, int(prefix[0]) * 10 + int(prefix[1]) * 9 + int(prefix[2]) * 8)
        for prefix, county in places.prefixes
    ]
    if places.cities:
        city_ids = _table(
            [pk for pk, _name, _capital in places.cities],
            [4 if capital else 1 for _pk, _name, capital in places.cities],
        )
    else:
        city_ids = (None,)
    province_id = places.province.pk
    reference = REFERENCE_DATE.toordinal()
    code_from = SHENASNAMEH_NUMBER_IS_CODE_FROM.toordinal()
    year_days = 365.2425
    fromordinal = dt.date.fromordinal
    male_gender, female_gender = Gender.MALE.value, Gender.FEMALE.value
    males, females, lasts, bands = _MALE, _FEMALE, _LAST, _BANDS
    n_male, n_female, n_last, n_band = len(males), len(females), len(lasts), len(bands)
    n_city, n_mobile, n_letter = len(city_ids), len(MOBILE_PREFIXES), len(SERIES_LETTERS)
    high_sums, low_sums = _HIGH_SUMS, _LOW_SUMS
    for pick in picks:
        index, sequence = divmod(pick, SEQUENCES_PER_PREFIX)
        prefix, county, prefix_sum = prefixes[index]
        high, low = divmod(sequence, 1000)
        remainder = (prefix_sum + high_sums[high] + low_sums[low]) % 11
        code = f"{prefix}{sequence:06d}{remainder if remainder < 2 else 11 - remainder}"

        if rand() < MALE_SHARE:
            gender, first = male_gender, males[int(rand() * n_male)]
        else:
            gender, first = female_gender, females[int(rand() * n_female)]
        youngest, years, dead_chance = bands[int(rand() * n_band)]
        age = youngest + rand() * years
        birth_ordinal = reference - 1 - int(age * year_days)
        number = code if birth_ordinal >= code_from else str(int(rand() * 40_000) + 1)
        if age >= MOBILE_FROM_AGE:
            mobile = f"{MOBILE_PREFIXES[int(rand() * n_mobile)]}{int(rand() * 10_000_000):07d}"
        else:
            mobile = ""
        yield (
            code,
            first,
            lasts[int(rand() * n_last)],
            males[int(rand() * n_male)],
            females[int(rand() * n_female)],
            gender,
            fromordinal(birth_ordinal),
            number,
            int(rand() * 99) + 1,
            SERIES_LETTERS[int(rand() * n_letter)],
            f"{int(rand() * 1_000_000):06d}",
            county,
            province_id,
            city_ids[int(rand() * n_city)],
            mobile,
            rand() >= dead_chance,
            rand() >= NO_PHOTO_SHARE,
            None,
            None,
        )


def population_csv_lines(*, places: ProvincePlaces, size: int, seed: int) -> Iterator[str]:
    """The same people as CSV lines in the import format (Jalali birth dates)."""
    city_names = {pk: name for pk, name, _capital in places.cities}
    city_names[None] = ""
    province_code = places.province.code
    jalali: dict[dt.date, str] = {}
    yield ",".join(CSV_COLUMNS) + "\n"
    for (
        code,
        first,
        last,
        father,
        mother,
        gender,
        birth,
        number,
        series,
        letter,
        serial,
        _county,
        _province,
        city,
        mobile,
        alive,
        photo,
        _card,
        _card_date,
    ) in population_rows(places=places, size=size, seed=seed):
        birth_text = jalali.get(birth)
        if birth_text is None:
            birth_text = jalali[birth] = jdatetime.date.fromgregorian(date=birth).strftime(
                "%Y/%m/%d"
            )
        # Names and places hold no comma or quote, so no CSV quoting is needed.
        yield (
            f"{code},{first},{last},{father},{mother},{gender},{birth_text},{number},"
            f"{series}/{letter} {serial},{province_code},{city_names[city]},{mobile},"
            f"{alive:d},{photo:d}\n"
        )
