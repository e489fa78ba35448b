"""Card numbers: the CSN, and the 10-digit CRN whose last digit is a Damm check digit.

Damm, not Luhn: it catches every single-digit error and every adjacent transposition
(Luhn misses 09 ↔ 90), with no weighting to get wrong.
"""

from __future__ import annotations

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

CRN_BODY_MAX = 999_999_999


def damm_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


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
