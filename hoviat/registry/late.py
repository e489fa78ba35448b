"""Late registration: the registry allocates national codes and birth certificates for people
it never registered (citizenship cases), in the caller's transaction.

A code is `make_national_code(prefix, sequence)` with a valid check digit, the prefix one of
the county's (`places_nationalcodeprefix`, in order), the sequence taken from that prefix's
`registry_nationalcodesequence` row under its row lock. The row only moves forward, so a code
is never handed out twice; codes already present in `registry_citizen` are stepped over. Two
approvals racing for the same county queue on the row lock; the unique constraint on
`registry_citizen.national_code` is the last guard.

The birth certificate (shenasnameh) number is the national code, as for every birth registered
since 1389; the booklet's serial is series 90 (late registration), letter «ل», and the six
digits of the code's sequence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict
from hoviat.core.national_code import make_national_code
from hoviat.places.models import County, NationalCodePrefix
from hoviat.registry.models import Citizen, NationalCodeSequence

LATE_SERIES = 90
LATE_LETTER = "ل"


class NationalCodesExhausted(Conflict):
    code = "NATIONAL_CODES_EXHAUSTED"
    default_detail = "کد ملی آزاد برای این شهرستان باقی نمانده است."


@dataclass(frozen=True)
class NewCitizen:
    first_name: str
    last_name: str
    father_name: str
    mother_name: str
    gender: str
    birth_date: dt.date
    mobile: str = ""


def _prefixes_of(county: County) -> list[str]:
    return list(
        NationalCodePrefix.objects.filter(county=county)
        .order_by("prefix")
        .values_list("prefix", flat=True)
    )


def _next_code(prefixes: list[str]) -> tuple[str, int]:
    """A fresh code from the first prefix with room; its sequence row stays locked."""
    for prefix in prefixes:
        NationalCodeSequence.objects.get_or_create(prefix=prefix)
        row = NationalCodeSequence.objects.select_for_update().get(prefix=prefix)
        sequence = row.next_sequence
        while sequence <= 999_999:
            code = make_national_code(prefix, sequence)
            sequence += 1
            if len(set(code)) > 1 and not Citizen.objects.filter(national_code=code).exists():
                row.next_sequence = sequence
                row.save(update_fields=["next_sequence"])
                return code, sequence - 1
        row.next_sequence = sequence
        row.save(update_fields=["next_sequence"])
    raise NationalCodesExhausted()


def citizens_register(
    *, people: list[NewCitizen], county: County, actor: Any, reason: str
) -> list[Citizen]:
    """Register each person in the registry with a new national code of `county` and a birth
    certificate; one audit row each. All or nothing (run inside the caller's transaction)."""
    prefixes = _prefixes_of(county)
    if not prefixes:
        raise NationalCodesExhausted("برای این شهرستان پیشوند کد ملی تعریف نشده است.")
    made: list[Citizen] = []
    with transaction.atomic():
        for person in people:
            code, sequence = _next_code(prefixes)
            citizen = Citizen.objects.create(
                national_code=code,
                first_name=person.first_name,
                last_name=person.last_name,
                father_name=person.father_name,
                mother_name=person.mother_name,
                gender=person.gender,
                birth_date=person.birth_date,
                shenasnameh_number=code,
                shenasnameh_series=LATE_SERIES,
                shenasnameh_letter=LATE_LETTER,
                shenasnameh_serial=f"{sequence:06d}",
                issuing_county=county,
                residence_province_id=county.province_id,
                mobile=person.mobile,
            )
            audit_record(
                actor=actor,
                action="citizen.registered_late",
                obj=citizen,
                to_state="registered",
                reason=reason,
                data={"county": county.pk},
            )
            made.append(citizen)
    return made
