"""Card numbers: the CSN, and the 10-digit CRN whose last digit is a Damm check digit.

Damm, not Luhn: it catches every single-digit error and every adjacent transposition
(Luhn misses 09 ↔ 90), with no weighting to get wrong.
"""

from __future__ import annotations

from hoviat.core.checkdigits import damm_digit

CRN_BODY_MAX = 999_999_999


def crn_format(value: int) -> str:
    """The CRN for the n-th card: nine digits of sequence and a check digit."""
    if not 0 < value <= CRN_BODY_MAX:
        raise ValueError(f"CRN sequence {value} is out of range")
    body = f"{value:09d}"
    return body + str(damm_digit(body))


def crn_is_valid(crn: str) -> bool:
    return len(crn) == 10 and crn.isascii() and crn.isdigit() and damm_digit(crn) == 0


def csn_format(value: int, *, prefix: str) -> str:
    return f"{prefix}{value:010d}"
