"""Checking one registry row: every bad value gets a stable code and a Persian reason.

The import checks a million rows, so the hot path is written for speed: values that repeat
(names, dates, places, flags) are checked once and remembered, the common well-formed shapes
(ASCII digits, «20/الف 123456») are matched first, and the general parsers run only when the
fast match fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import InvalidDate, parse_date, today_local
from hoviat.core.national_code import InvalidNationalCode, parse_national_code
from hoviat.core.text import (
    fold_digits,
    is_persian_name,
    normalize_code,
    normalize_text,
    persian_digits,
)
from hoviat.places.models import City, County, NationalCodePrefix, Province
from hoviat.registry.models import Gender

# --- The CSV format -------------------------------------------------------------------------
# Header row required; columns in any order; names are matched case-insensitively.
REQUIRED_COLUMNS = (
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
)
OPTIONAL_COLUMNS = (
    "issuing_county",
    "residence_city",
    "mobile",
    "is_alive",
    "has_photo_shenasnameh",
    "old_card_number",
    "old_card_issued_on",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

NAME_MAX_LENGTH = 64
# Civil registration in Iran began in 1304 (1925); nobody in it was born before 1850.
EARLIEST_BIRTH_DATE = dt.date(1850, 1, 1)

_NAME_LABELS = {
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "father_name": "نام پدر",
    "mother_name": "نام مادر",
}
_FLAG_LABELS = {"is_alive": "در قید حیات", "has_photo_shenasnameh": "شناسنامه عکس‌دار"}

_GENDERS = {
    "male": Gender.MALE.value,
    "m": Gender.MALE.value,
    "مرد": Gender.MALE.value,
    "مذکر": Gender.MALE.value,
    "female": Gender.FEMALE.value,
    "f": Gender.FEMALE.value,
    "زن": Gender.FEMALE.value,
    "مونث": Gender.FEMALE.value,
    "مؤنث": Gender.FEMALE.value,
}
_FLAGS = {
    "1": True,
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "بله": True,
    "بلی": True,
    "آری": True,
    "دارد": True,
    "0": False,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "خیر": False,
    "ندارد": False,
}

# Series letters: الف or one Persian letter.
_SERIES_LETTERS = frozenset("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی") | {"الف"}
_LETTER_CLASS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
# The usual shape, ASCII digits: «20/الف 123456» or «20-الف-123456».
# [0-9], not \d: \d also matches Persian digits, which must be folded before they are stored.
_SERIAL_FAST = re.compile(rf"([0-9]{{1,3}}) ?[/\-] ?(الف|[{_LETTER_CLASS}]) ?[ /\-] ?([0-9]{{6}})")
_SERIAL_TOKENS = re.compile(r"[0-9]+|[^0-9\s/\\\-–—،,.()]+")
_MOBILE = re.compile(r"09[0-9]{9}")
_OLD_CARD = re.compile(r"[0-9]{6,16}")
_SHENASNAMEH_NUMBER = re.compile(r"[0-9]{1,10}")


def _shown(raw: str) -> str:
    """A bad value as quoted in a reason: trimmed, and cut short if it is long."""
    text = raw.strip()
    return text if len(text) <= 40 else text[:40] + "…"


class Rejection(NamedTuple):
    """Why a row was refused: `code` is stable (for the API), `reason` is for people."""

    code: str
    reason: str


class CitizenRow(NamedTuple):
    """A checked row, in the column order of the registry_citizen table."""

    national_code: str
    first_name: str
    last_name: str
    father_name: str
    mother_name: str
    gender: str
    birth_date: dt.date
    shenasnameh_number: str
    shenasnameh_series: int
    shenasnameh_letter: str
    shenasnameh_serial: str
    issuing_county_id: int
    residence_province_id: int
    residence_city_id: int | None
    mobile: str
    is_alive: bool
    has_photo_shenasnameh: bool
    old_card_number: str | None = None
    old_card_issued_on: dt.date | None = None


class InvalidSerial(ValidationFailed):
    code = "SHENASNAMEH_SERIAL_INVALID"


class ImportRefused(ValidationFailed):
    """The whole file is refused (nothing was written)."""

    code = "IMPORT_REFUSED"


def shenasnameh_serial_parse(raw: str) -> tuple[int, str, str]:
    """(series, letter, serial) from «۲۰/الف ۱۲۳۴۵۶», "الف/20 123456", "20-الف-123456"."""
    text = fold_digits(normalize_text(raw or ""))
    tokens = _SERIAL_TOKENS.findall(text)
    numbers = [token for token in tokens if token.isascii() and token.isdigit()]
    letters = [token for token in tokens if not token.isdigit()]
    sixes = [number for number in numbers if len(number) == 6]
    series = [number for number in numbers if len(number) <= 3]
    if (
        len(tokens) != 3
        or len(letters) != 1
        or len(sixes) != 1
        or len(series) != 1
        or letters[0] not in _SERIES_LETTERS
        or not 0 < int(series[0]) <= 999
    ):
        raise InvalidSerial(
            f"سریال شناسنامه «{_shown(raw)}» خوانا نیست؛ شکل درست: ۲۰/الف ۱۲۳۴۵۶ "
            "(شمارهٔ سری، حرف سری و سریال ۶ رقمی)."
        )
    return int(series[0]), letters[0], sixes[0]


# --- Reference data the rows point to ---------------------------------------------------------

_AMBIGUOUS = -1


@dataclass
class Lookups:
    """Places by every spelling a file may use, loaded once per import."""

    county_by_prefix: dict[str, int] = field(default_factory=dict)
    county_by_key: dict[str, int] = field(default_factory=dict)  # _AMBIGUOUS if shared
    province_by_key: dict[str, int] = field(default_factory=dict)
    city_by_key: dict[tuple[int, str], int] = field(default_factory=dict)
    today: dt.date = field(default_factory=today_local)


def _add(mapping: dict, key, value: int) -> None:
    if key in mapping and mapping[key] != value:
        mapping[key] = _AMBIGUOUS
    else:
        mapping[key] = value


def lookups_load(*, today: dt.date | None = None) -> Lookups:
    """Read provinces, counties, prefixes and cities into dictionaries (three queries)."""
    lookups = Lookups(today=today or today_local())
    for pk, code, name_fa, name_en in Province.objects.values_list(
        "pk", "code", "name_fa", "name_en"
    ):
        for key in (
            code.upper(),
            code.upper().removeprefix("IR-"),
            normalize_text(name_fa),
            name_en.strip().lower(),
        ):
            _add(lookups.province_by_key, key, pk)
    for pk, name_fa, name_en in County.objects.values_list("pk", "name_fa", "name_en"):
        _add(lookups.county_by_key, normalize_text(name_fa), pk)
        _add(lookups.county_by_key, name_en.strip().lower(), pk)
    for prefix, county_id in NationalCodePrefix.objects.values_list("prefix", "county_id"):
        lookups.county_by_prefix[prefix] = county_id
        lookups.county_by_key[prefix] = county_id
    for pk, province_id, name_fa, name_en in City.objects.values_list(
        "pk", "province_id", "name_fa", "name_en"
    ):
        _add(lookups.city_by_key, (province_id, normalize_text(name_fa)), pk)
        _add(lookups.city_by_key, (province_id, name_en.strip().lower()), pk)
    return lookups


# --- The header -------------------------------------------------------------------------------


def header_check(header: Sequence[str] | None) -> list[str]:
    """The column names, canonical; ImportRefused if any is unknown, repeated or missing."""
    if not header or not any(cell.strip() for cell in header):
        raise ImportRefused(
            "فایل خالی است یا سطر اول آن نام ستون‌ها نیست.", code="IMPORT_HEADER_MISSING"
        )
    columns = [cell.strip().lower() for cell in header]
    unknown = [column for column in columns if column not in COLUMNS]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    problems = []
    if unknown:
        problems.append("ستون‌های ناشناخته: " + "، ".join(unknown))
    if repeated:
        problems.append("ستون‌های تکراری: " + "، ".join(repeated))
    if missing:
        problems.append("ستون‌های لازم که نیستند: " + "، ".join(missing))
    if problems:
        raise ImportRefused(
            "سطر اول فایل (نام ستون‌ها) درست نیست؛ هیچ سطری وارد نشد. "
            + "؛ ".join(problems)
            + ". ستون‌های مجاز: "
            + ", ".join(COLUMNS),
            code="IMPORT_HEADER_INVALID",
            extra={"unknown": unknown, "repeated": repeated, "missing": missing},
        )
    return columns


# --- One row ----------------------------------------------------------------------------------


class _Bad(NamedTuple):
    code: str
    reason: str  # may hold {label}


# Repeated values are remembered, but a file of endless distinct junk must not fill memory.
_CACHE_LIMIT = 500_000


class RowValidator:
    """Checks rows laid out as `columns`; remembers what it has seen of repeated values."""

    def __init__(self, columns: Sequence[str], lookups: Lookups) -> None:
        position = {column: index for index, column in enumerate(columns)}
        self.width = len(columns)
        self.lookups = lookups
        self.i_code = position["national_code"]
        self.i_names = tuple((position[column], _NAME_LABELS[column]) for column in _NAME_LABELS)
        self.i_gender = position["gender"]
        self.i_birth = position["birth_date"]
        self.i_number = position["shenasnameh_number"]
        self.i_serial = position["shenasnameh_serial"]
        self.i_province = position["residence_province"]
        self.i_county = position.get("issuing_county")
        self.i_city = position.get("residence_city")
        self.i_mobile = position.get("mobile")
        self.i_alive = position.get("is_alive")
        self.i_photo = position.get("has_photo_shenasnameh")
        self.i_card = position.get("old_card_number")
        self.i_card_date = position.get("old_card_issued_on")
        self._names: dict[str, str | _Bad] = {}
        self._dates: dict[str, dt.date | _Bad] = {}
        self._provinces: dict[str, int | _Bad] = {}
        self._counties: dict[str, int | _Bad] = {}
        self._cities: dict[tuple[int, str], int | _Bad] = {}

    # Each _value method returns the clean value or a _Bad.

    def _name(self, raw: str) -> str | _Bad:
        name = normalize_text(raw)
        if not name:
            result: str | _Bad = _Bad("NAME_MISSING", "{label} خالی است.")
        elif not is_persian_name(name):
            result = _Bad(
                "NAME_NOT_PERSIAN",
                f"{{label}} باید فقط با حروف فارسی نوشته شود (بدون حروف لاتین، رقم یا حروف "
                f"ویژهٔ عربی): «{_shown(raw)}».",
            )
        elif len(name) > NAME_MAX_LENGTH:
            result = _Bad(
                "NAME_TOO_LONG", f"{{label}} بیش از {persian_digits(NAME_MAX_LENGTH)} نویسه است."
            )
        else:
            result = name
        if len(self._names) < _CACHE_LIMIT:
            self._names[raw] = result
        return result

    def _date(self, raw: str, *, birth: bool) -> dt.date | _Bad:
        try:
            value = parse_date(raw)
        except InvalidDate as error:
            if error.code == "DATE_IMPOSSIBLE":
                return _Bad("DATE_IMPOSSIBLE", f"{{label}} «{_shown(raw)}» در تقویم وجود ندارد.")
            return _Bad(
                "DATE_FORMAT",
                f"{{label}} «{_shown(raw)}» خوانا نیست؛ شکل درست ۱۳۷۰/۰۵/۱۴ یا 1991-08-05 است.",
            )
        if value > self.lookups.today:
            code = "BIRTH_DATE_IN_FUTURE" if birth else "DATE_IN_FUTURE"
            return _Bad(code, f"{{label}} «{_shown(raw)}» در آینده است.")
        if value < EARLIEST_BIRTH_DATE:
            return _Bad("DATE_TOO_EARLY", f"{{label}} «{_shown(raw)}» پیش از ۱۲۲۸ خورشیدی است.")
        return value

    def _province(self, raw: str) -> int | _Bad:
        key = normalize_text(raw)
        pk = self.lookups.province_by_key.get(key.upper()) or self.lookups.province_by_key.get(
            key.lower()
        )
        if pk is None and key:
            pk = self.lookups.province_by_key.get(normalize_code(key).zfill(2))
        if not key:
            result: int | _Bad = _Bad("PROVINCE_MISSING", "استان محل سکونت خالی است.")
        elif pk is None or pk == _AMBIGUOUS:
            result = _Bad(
                "PROVINCE_UNKNOWN",
                f"استان «{_shown(raw)}» شناخته نیست؛ کد ISO مانند IR-06 یا نام استان را بنویسید.",
            )
        else:
            result = pk
        self._provinces[raw] = result
        return result

    def _county(self, raw: str) -> int | _Bad:
        key = normalize_text(raw)
        folded = fold_digits(key)
        pk = self.lookups.county_by_key.get(folded) or self.lookups.county_by_key.get(key.lower())
        if pk == _AMBIGUOUS:
            result: int | _Bad = _Bad(
                "COUNTY_AMBIGUOUS",
                f"چند شهرستان «{_shown(raw)}» نام دارند؛ پیشوند سه‌رقمی کد ملی شهرستان را بنویسید.",
            )
        elif pk is None:
            result = _Bad("COUNTY_UNKNOWN", f"شهرستان صادرکننده «{_shown(raw)}» شناخته نیست.")
        else:
            result = pk
        self._counties[raw] = result
        return result

    def _city(self, province_id: int, raw: str) -> int | _Bad:
        key = normalize_text(raw)
        pk = self.lookups.city_by_key.get((province_id, key)) or self.lookups.city_by_key.get(
            (province_id, key.lower())
        )
        if pk == _AMBIGUOUS:
            result: int | _Bad = _Bad(
                "CITY_AMBIGUOUS", f"در این استان چند شهر «{_shown(raw)}» نام دارند."
            )
        elif pk is None:
            result = _Bad("CITY_UNKNOWN", f"شهر «{_shown(raw)}» در استان محل سکونت یافت نشد.")
        else:
            result = pk
        self._cities[(province_id, raw)] = result
        return result

    @staticmethod
    def _code(raw: str) -> str | Rejection:
        # The usual case, ten ASCII digits, without the general parser's normalisation.
        if len(raw) == 10 and raw.isascii() and raw.isdigit():
            b = raw.encode()
            total = (
                b[0] * 10
                + b[1] * 9
                + b[2] * 8
                + b[3] * 7
                + b[4] * 6
                + b[5] * 5
                + b[6] * 4
                + b[7] * 3
                + b[8] * 2
                - 48 * 54
            )
            remainder = total % 11
            if (remainder if remainder < 2 else 11 - remainder) == b[9] - 48 and (
                raw != raw[0] * 10
            ):
                return raw
        try:
            return parse_national_code(raw)
        except InvalidNationalCode as error:
            return Rejection(error.code, f"{error.detail.rstrip('.')}: «{_shown(raw)}».")

    @staticmethod
    def _mobile(raw: str) -> str | None:
        if len(raw) == 11 and raw.isascii() and _MOBILE.fullmatch(raw):
            return raw
        text = normalize_code(raw).removeprefix("+")
        if text.startswith("0098"):
            text = "0" + text[4:]
        elif text.startswith("98") and len(text) == 12:
            text = "0" + text[2:]
        elif text.startswith("9") and len(text) == 10:
            text = "0" + text
        if text.isascii() and _MOBILE.fullmatch(text):
            return text
        return None

    def _flag(self, fields: Sequence[str], index: int | None, column: str) -> bool | Rejection:
        if index is None:
            return True
        raw = fields[index]
        value = _FLAGS.get(raw)
        if value is None:
            key = fold_digits(normalize_text(raw)).lower()
            if not key:
                return True
            value = _FLAGS.get(key)
            if value is None:
                return Rejection(
                    "FLAG_INVALID",
                    f"ستون «{_FLAG_LABELS[column]}» باید بله/خیر یا 1/0 باشد، نه «{_shown(raw)}».",
                )
        return value

    def validate(self, fields: Sequence[str]) -> tuple | Rejection:
        """The row as a CitizenRow-shaped tuple, or the first Rejection found."""
        if len(fields) != self.width:
            return Rejection(
                "ROW_MALFORMED",
                f"این سطر {persian_digits(len(fields))} ستون دارد، ولی سطر اول فایل "
                f"{persian_digits(self.width)} ستون دارد.",
            )
        code = self._code(fields[self.i_code])
        if code.__class__ is Rejection:
            return code

        names = []
        cache = self._names
        for index, label in self.i_names:
            raw = fields[index]
            name = cache.get(raw)
            if name is None:
                name = self._name(raw)
            if name.__class__ is _Bad:
                return Rejection(name.code, name.reason.replace("{label}", label))
            names.append(name)

        raw = fields[self.i_gender]
        gender = _GENDERS.get(raw) or _GENDERS.get(normalize_text(raw).lower())
        if gender is None:
            return Rejection(
                "GENDER_INVALID",
                f"جنسیت باید «مرد» یا «زن» (male/female) باشد، نه «{_shown(raw)}».",
            )

        raw = fields[self.i_birth]
        birth = self._dates.get(raw)
        if birth is None:
            birth = self._date(raw, birth=True)
            if len(self._dates) < _CACHE_LIMIT:
                self._dates[raw] = birth
        if birth.__class__ is _Bad:
            return Rejection(birth.code, birth.reason.replace("{label}", "تاریخ تولد"))

        number = fields[self.i_number]
        if not (number.isascii() and _SHENASNAMEH_NUMBER.fullmatch(number)):
            number = normalize_code(number)
            if not (number.isascii() and _SHENASNAMEH_NUMBER.fullmatch(number)):
                return Rejection(
                    "SHENASNAMEH_NUMBER_INVALID",
                    f"شماره شناسنامه باید ۱ تا ۱۰ رقم باشد، نه «{_shown(fields[self.i_number])}».",
                )

        raw = fields[self.i_serial]
        match = _SERIAL_FAST.fullmatch(raw)
        series = int(match[1]) if match is not None else 0
        if series:
            letter, serial = match[2], match[3]
        else:
            try:
                series, letter, serial = shenasnameh_serial_parse(raw)
            except InvalidSerial as error:
                return Rejection(error.code, error.detail)

        raw = fields[self.i_province]
        province = self._provinces.get(raw)
        if province is None:
            province = self._province(raw)
        if province.__class__ is _Bad:
            return Rejection(province.code, province.reason)

        if self.i_county is not None and fields[self.i_county].strip():
            raw = fields[self.i_county]
            county = self._counties.get(raw)
            if county is None:
                county = self._county(raw)
            if county.__class__ is _Bad:
                return Rejection(county.code, county.reason)
        else:
            county = self.lookups.county_by_prefix.get(code[:3])
            if county is None:
                return Rejection(
                    "COUNTY_UNKNOWN",
                    f"برای پیشوند «{code[:3]}» کد ملی شهرستانی ثبت نشده است؛ "
                    "ستون issuing_county را پر کنید.",
                )

        city = None
        if self.i_city is not None:
            raw = fields[self.i_city]
            if raw:
                city = self._cities.get((province, raw))
                if city is None:
                    city = self._city(province, raw) if raw.strip() else None
                if city.__class__ is _Bad:
                    return Rejection(city.code, city.reason)

        mobile = ""
        if self.i_mobile is not None:
            raw = fields[self.i_mobile]
            if raw:
                mobile = self._mobile(raw)
                if mobile is None:
                    if raw.strip():
                        return Rejection(
                            "MOBILE_INVALID",
                            "تلفن همراه باید ۱۱ رقم و به شکل ۰۹۱۲۳۴۵۶۷۸۹ باشد، "
                            f"نه «{_shown(raw)}».",
                        )
                    mobile = ""

        alive = self._flag(fields, self.i_alive, "is_alive")
        if alive.__class__ is Rejection:
            return alive
        photo = self._flag(fields, self.i_photo, "has_photo_shenasnameh")
        if photo.__class__ is Rejection:
            return photo

        card = card_date = None
        if self.i_card is not None or self.i_card_date is not None:
            card_raw = fields[self.i_card].strip() if self.i_card is not None else ""
            date_raw = fields[self.i_card_date].strip() if self.i_card_date is not None else ""
            if card_raw or date_raw:
                checked = self._old_card(card_raw, date_raw, birth)
                if checked.__class__ is Rejection:
                    return checked
                card, card_date = checked

        return (
            code,
            names[0],
            names[1],
            names[2],
            names[3],
            gender,
            birth,
            number,
            series,
            letter,
            serial,
            county,
            province,
            city,
            mobile,
            alive,
            photo,
            card,
            card_date,
        )

    def _old_card(self, card_raw: str, date_raw: str, birth: dt.date) -> tuple | Rejection:
        card = normalize_code(card_raw)
        if not card_raw or not date_raw:
            return Rejection(
                "OLD_CARD_INCOMPLETE",
                "برای کارت ملی قدیمی هم شماره و هم تاریخ صدور لازم است.",
            )
        if not (card.isascii() and _OLD_CARD.fullmatch(card)):
            return Rejection(
                "OLD_CARD_INVALID",
                f"شماره کارت ملی قدیمی باید ۶ تا ۱۶ رقم باشد، نه «{_shown(card_raw)}».",
            )
        issued = self._date(date_raw, birth=False)
        if issued.__class__ is _Bad:
            return Rejection(issued.code, issued.reason.replace("{label}", "تاریخ صدور کارت قدیمی"))
        if issued < birth:
            return Rejection("OLD_CARD_INVALID", "تاریخ صدور کارت ملی قدیمی پیش از تاریخ تولد است.")
        return card, issued


def citizen_row_validate(
    row: Mapping[str, str], *, lookups: Lookups | None = None
) -> CitizenRow | Rejection:
    """Check one row given as {column: text}; the clean CitizenRow or the Rejection."""
    columns = header_check([*row.keys()])
    validator = RowValidator(columns, lookups or lookups_load())
    result = validator.validate([(value or "") for value in row.values()])
    return result if result.__class__ is Rejection else CitizenRow._make(result)


__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CitizenRow",
    "ImportRefused",
    "InvalidSerial",
    "Lookups",
    "Rejection",
    "RowValidator",
    "citizen_row_validate",
    "header_check",
    "lookups_load",
    "shenasnameh_serial_parse",
]
