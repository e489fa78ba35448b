"""Tracking codes: 11 random digits and a Damm check digit.

The Damm check digit catches every single-digit typo and every swap of two neighbouring
digits, the two mistakes people make when they read a code off a receipt or an SMS.
"""

from __future__ import annotations

import secrets

from hoviat.core.text import normalize_code

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

LENGTH = 12


def damm_digit(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def tracking_code_new() -> str:
    body = str(secrets.randbelow(9 * 10**10) + 10**10)  # 11 digits, no leading zero
    return body + str(damm_digit(body))


def tracking_code_is_valid(raw: str) -> bool:
    code = normalize_code(raw or "")
    return len(code) == LENGTH and code.isascii() and code.isdigit() and damm_digit(code) == 0


def tracking_code_parse(raw: str) -> str | None:
    """The canonical code (Persian digits, spaces and dashes accepted), or None if mistyped."""
    code = normalize_code(raw or "")
    return code if tracking_code_is_valid(code) else None
