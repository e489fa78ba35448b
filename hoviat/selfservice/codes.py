"""Complaint numbers: 11 random digits and a Damm check digit, like tracking codes.

Random, not sequential: the number is the only thing in the SMS and on the citizen's page,
and a guess at a neighbour's number must find nothing (lookups are also rate-limited and
answer only the owner).
"""

from __future__ import annotations

import secrets

from hoviat.core.checkdigits import damm_digit
from hoviat.core.text import normalize_code

LENGTH = 12


def grievance_number_new() -> str:
    body = str(secrets.randbelow(9 * 10**10) + 10**10)  # 11 digits, no leading zero
    return body + str(damm_digit(body))


def grievance_number_parse(raw: str) -> str | None:
    """The canonical number (Persian digits, spaces and dashes accepted), or None."""
    number = normalize_code(raw or "")
    if len(number) == LENGTH and number.isascii() and number.isdigit() and damm_digit(number) == 0:
        return number
    return None
