"""Persian text normalisation: one spelling for every letter, ASCII digits in codes."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

ZWNJ = "\u200c"

_LETTER_MAP = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH ي → FARSI YEH ی
        "\u0649": "\u06cc",  # ALEF MAKSURA ى → ی
        "\u0643": "\u06a9",  # ARABIC KAF ك → KEHEH ک
        "\u0640": None,  # TATWEEL ـ is decoration, never part of a name
        "\u200d": None,  # ZWJ
        "\u200e": None,  # LRM
        "\u200f": None,  # RLM
        "\ufeff": None,  # BOM
        "\u00a0": " ",  # NBSP
    }
)
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_PERSIAN_DIGITS + _ARABIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN_DIGITS)

# Every Unicode space (NBSP, thin space, line separator...), not only ASCII ones: str.strip()
# removes them all, so leaving any here would make a second pass change the text again.
_SPACES = re.compile(r"\s+")
# A run of spaces and ZWNJs is one space if it holds a space (a ZWNJ beside a space joins
# nothing), otherwise one ZWNJ. Done as one pass over whole runs so the result is stable.
_SEPARATOR_RUNS = re.compile(rf"[ {ZWNJ}]+")

# Letters a Persian name may hold once normalised (includes hamza forms used in Persian).
# TEH MARBUTA ة (U+0629) is left out: Persian spells those names with ه or ت.
_PERSIAN_LETTERS = (
    "\u0621-\u0628\u062a-\u063a\u0641\u0642\u0644-\u0648\u067e\u0686\u0698\u06a9\u06af\u06cc"
)
_PERSIAN_NAME = re.compile(f"^[{_PERSIAN_LETTERS} \u200c]+$")
_PERSIAN_LETTER = re.compile(f"[{_PERSIAN_LETTERS}]")


def fold_digits(value: str) -> str:
    """Persian and Arabic-Indic digits to ASCII."""
    return value.translate(_TO_ASCII)


def persian_digits(value: object) -> str:
    """ASCII digits to Persian, for display."""
    return str(value).translate(_TO_PERSIAN)


THOUSANDS_SEPARATOR = "\u066c"  # ٬ ARABIC THOUSANDS SEPARATOR, as Persian writes numbers
DECIMAL_SEPARATOR = "\u066b"  # ٫ ARABIC DECIMAL SEPARATOR


def persian_number(value: int | float | Decimal, places: int | None = None) -> str:
    """A number as people read it: Persian digits, ٬ between thousands, ٫ before decimals
    (۱٬۲۳۴٬۵۶۷ · ۳۰٫۵). `places` None: an int as it is, anything else with two decimals.
    Every number formatted for people goes through here (pages, SMS, exports, messages)."""
    if places is None:
        text = f"{value:,}" if isinstance(value, int) else f"{float(value):,.2f}"
    elif isinstance(value, Decimal):
        text = f"{value:,.{places}f}"
    else:
        text = f"{float(value):,.{places}f}"
    swap = str.maketrans({",": THOUSANDS_SEPARATOR, ".": DECIMAL_SEPARATOR})
    return persian_digits(text.translate(swap))


def normalize_text(value: str) -> str:
    """One canonical form of free Persian text: letters unified, spaces folded, ZWNJ kept."""
    # Compose after removing tatweel and friends: «ا» + tatweel + madda must become «آ» now,
    # not on the next pass.
    text = unicodedata.normalize("NFC", value.translate(_LETTER_MAP))
    text = _SPACES.sub(" ", text)
    text = _SEPARATOR_RUNS.sub(lambda m: " " if " " in m.group(0) else ZWNJ, text)
    return text.strip(" " + ZWNJ)


def normalize_code(value: str) -> str:
    """A code typed by a person: digits folded to ASCII, spaces and dashes removed."""
    return re.sub(r"[\s\-_/.]", "", fold_digits(normalize_text(value)))


def is_persian_name(value: str) -> bool:
    """True when a normalised name holds Persian letters only (no Latin, digits, Arabic-only)."""
    # At least one letter: a "name" of spaces and ZWNJs alone is no name.
    return bool(_PERSIAN_NAME.match(value)) and bool(_PERSIAN_LETTER.search(value))
