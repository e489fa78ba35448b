"""Tracking codes: 11 random digits and a Damm check digit.

The Damm check digit catches every single-digit typo and every swap of two neighbouring
digits, the two mistakes people make when they read a code off a receipt or an SMS.
"""

from __future__ import annotations

import secrets

from hoviat.core.checkdigits import damm_digit
from hoviat.core.text import normalize_code

LENGTH = 12


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
