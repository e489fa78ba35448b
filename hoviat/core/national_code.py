"""Iran's 10-digit national code (کد ملی): check digit and the rules around it."""

from __future__ import annotations

from operator import mul

from hoviat.core.errors import ValidationFailed
from hoviat.core.text import normalize_code

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# Σ 48·w: what the weighted sum of the digits' ASCII values counts beyond the digits' own.
_ZEROS = ord("0") * sum(_WEIGHTS)


def check_digit(first_nine: str) -> int:
    """The check digit for nine digits: s = Σ d_i·(11−i); r = s mod 11; r if r < 2 else 11 − r."""
    if len(first_nine) == 9 and first_nine.isascii() and first_nine.isdigit():
        # The usual case, on every inquiry: the digits' ASCII values, summed in C (map and
        # operator.mul), for a third of what a generator of int() calls costs.
        total = sum(map(mul, first_nine.encode(), _WEIGHTS)) - _ZEROS
    else:  # any other decimal digits (Persian ones in a log line, say): one int() each
        total = sum(int(digit) * (10 - index) for index, digit in enumerate(first_nine))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def make_national_code(prefix: str, sequence: int) -> str:
    """A valid code from a 3-digit county prefix and a 6-digit sequence."""
    # Out of range, the digits would shift and the "code" would silently be invalid.
    if not (len(prefix) == 3 and prefix.isascii() and prefix.isdigit()):
        raise ValueError(f"A county prefix is 3 digits, not {prefix!r}")
    if not 0 <= sequence <= 999_999:
        raise ValueError(f"A sequence is 0..999999, not {sequence}")
    first_nine = f"{prefix}{sequence:06d}"
    return first_nine + str(check_digit(first_nine))


class InvalidNationalCode(ValidationFailed):
    code = "NATIONAL_CODE_INVALID"


def parse_national_code(raw: str) -> str:
    """The canonical 10-digit code, or InvalidNationalCode with a reason code and Persian text.

    Persian/Arabic digits are accepted; 8 or 9 digits are left-padded with zeros (leading zeros
    are often dropped by spreadsheets).
    """
    # The usual case first: ten ASCII digits need no folding (a fifth of this function's CPU
    # on the inquiry hot path went into normalising what was already normal).
    code = (
        raw
        if len(raw or "") == 10 and raw.isascii() and raw.isdigit()
        else normalize_code(raw or "")
    )
    if not code:
        raise InvalidNationalCode("کد ملی وارد نشده است.", code="NATIONAL_CODE_MISSING")
    if not code.isascii() or not code.isdigit():
        raise InvalidNationalCode("کد ملی فقط از رقم تشکیل می‌شود.", code="NATIONAL_CODE_FORMAT")
    if len(code) in (8, 9):
        code = code.zfill(10)
    if len(code) != 10:
        raise InvalidNationalCode("کد ملی باید ۱۰ رقم باشد.", code="NATIONAL_CODE_LENGTH")
    if len(set(code)) == 1:
        raise InvalidNationalCode(
            "کد ملی با ارقام تکراری معتبر نیست.", code="NATIONAL_CODE_REPEATED"
        )
    if check_digit(code[:9]) != int(code[9]):
        raise InvalidNationalCode(
            "کد ملی معتبر نیست (رقم کنترل نادرست است).", code="NATIONAL_CODE_CHECKSUM"
        )
    return code


def is_valid_national_code(raw: str) -> bool:
    try:
        parse_national_code(raw)
    except InvalidNationalCode:
        return False
    return True
